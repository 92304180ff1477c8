// Bare-metal host steps (openshift.md §1.6, docs module restore-replace-stopped-baremetal-etcd-member): `check-baremetal-operator`
// (step 5: `oc get clusteroperator baremetal` must be Available), `save-host` (the old BareMetalHost and the new host
// definition into the journal), `delete-host` (step 6), `delete-machine` + `remove-machine-finalizer` (step 7 and its
// "if the deletion is stuck" note), `create-host` (step 9), `wait-host` (step 10: available → provisioned, consumed by
// the new machine).
import { parse } from 'yaml';
import type { Kube } from '../../cluster/kubectl.ts';
import { ManualStop, StepRefusal, waitFor, type PlanFacts, type RunContext, type Step } from '../step.ts';
import { preferredIP, serviceNetworkFamily } from '../../cluster/read.ts';
import { hostOfMachine } from '../../cluster/baremetal.ts';
import { HOST_SECRETS_FILE, HOST_SECRETS_WHAT, definitionOf, mergeHostSecrets, referencedSecrets, reprovisionedHost, toHostSecret, type HostSecret } from '../baremetal-host.ts';
import { secretManifest } from '../../security/credential.ts';
import { NS_MAPI, TIMEOUTS, lastLines } from './shared.ts';

const MIN = 60_000;
const BMH = 'baremetalhosts.v1alpha1.metal3.io';
const MACHINE = 'machines.v1beta1.machine.openshift.io';
const MACHINE_FINALIZER = 'machine.machine.openshift.io';
/** how long a deleted Machine may stay before its finalizer is removed by hand (the docs give no figure; the actuator
 * finishes at once when its host is gone, so minutes mean it is stuck) */
const machineDeleteWaitMs = () => Number(process.env.ETCD_REPLACE_MACHINE_DELETE_WAIT_S ?? 300) * 1000;
/** inspection + provisioning of a real host (firmware boots, image write) */
const HOST_PROVISIONED_MS = 60 * MIN;
const HOST_GONE_MS = 15 * MIN;

async function getJson(kube: Kube, args: string[]): Promise<any | null> {
  const r = await kube.run([...args, '-o', 'json'], { allowFailure: true, retries: 4 });
  if (r.exitCode === 0) return JSON.parse(r.stdout);
  if (/not ?found/i.test(r.stderr)) return null;
  throw new Error(`${kube.display(args)} failed: ${lastLines(r.stderr, 1)}`);
}

/** The Secrets kept in the run's secret file (Journal.saveSecret), sealed. */
const keptSecrets = (ctx: RunContext): HostSecret[] => ctx.readSecret<{ secrets?: HostSecret[] }>(HOST_SECRETS_FILE)?.secrets ?? [];
const manifestOf = (s: HostSecret) => JSON.stringify(secretManifest({ name: s.name, namespace: s.namespace, labels: s.labels }, s.type, s.data));

const oldHost = (f: PlanFacts) => f.bareMetal?.host ?? '<host>';
const newHostName = (f: PlanFacts) => f.bareMetal?.manifest?.host?.metadata?.name ?? oldHost(f);

/**
 * Before a plan that finishes a half-done bare-metal replacement does anything: the host it provisions must have its
 * BMC credentials (and preprovisioning network data) Secret, since no journal holds their data. The reason to refuse
 * (one line: what to create), or null. Reads only.
 */
export async function finishHostRefusal(kube: Kube, f: PlanFacts): Promise<string | null> {
  const bm = f.bareMetal;
  if (!f.finish || !bm || bm.manifest) return null;
  const host = await getJson(kube, ['-n', NS_MAPI, 'get', BMH, bm.host]);
  if (!host) return `BareMetalHost ${bm.host} is gone since the plan was made: run auto again`;
  const missing: string[] = [];
  for (const ref of referencedSecrets(host)) {
    if (ref.role !== 'bmc' && ref.role !== 'preprovisioningNetworkData') continue;
    if (!(await getJson(kube, ['-n', NS_MAPI, 'get', 'secret', ref.name]))) missing.push(ref.role === 'bmc' ? `${ref.name} (BMC credentials, keys username and password)` : `${ref.name} (preprovisioning network data)`);
  }
  if (!missing.length) return null;
  return `the Secret(s) ${missing.join(', ')} that BareMetalHost ${bm.host} references do not exist and no journal holds their data: create them in ${NS_MAPI}, or pass the host and its Secret in --bmh FILE, then run auto again`;
}

export function checkBaremetalOperatorStep(kube: Kube): Step {
  const args = ['get', 'clusteroperator', 'baremetal'];
  return {
    id: 'check-baremetal-operator',
    title: 'Check that the baremetal cluster operator is Available',
    command: [kube.display(args)],
    destructive: false,
    async precondition() {
      const co = await getJson(kube, args);
      if (!co) throw new StepRefusal('clusteroperator baremetal was not found: this cluster has no Metal3 to provision the new host');
      const c = (co.status?.conditions ?? []).find((x: any) => x.type === 'Available');
      if (c?.status !== 'True') {
        throw new StepRefusal(`clusteroperator baremetal is not Available (${c ? `${c.status}${c.reason ? `, ${c.reason}` : ''}${c.message ? `: ${c.message}` : ''}` : 'no Available condition'}); fix it first (oc describe co baremetal)`);
      }
      return 'run';
    },
    async act() {
      return 'Available=True';
    },
    async verify() {},
  };
}

export function saveHostStep(kube: Kube, f: PlanFacts): Step {
  const name = oldHost(f);
  const get = ['-n', NS_MAPI, 'get', BMH, name];
  const newHost = f.bareMetal?.manifest
    ? `new-host.yaml: BareMetalHost ${newHostName(f)} from --bmh`
    : 'new-host.yaml: the same hardware (BMC, credentials, bootMACAddress, bootMode, rootDeviceHints, network and user data), externallyProvisioned: false, online: true';
  return {
    id: 'save-host',
    title: `Save BareMetalHost ${name}, the data of the Secrets it owns, and write the new host definition`,
    command: [
      `${kube.display([...get, '-o', 'yaml'])} > old-host.yaml   (${newHost})`,
      `${kube.display(['-n', NS_MAPI, 'get', 'secret', '<name>', '-o', 'json'])}   (each Secret the new host references: BMC credentials, network and user data; data only in the run's secret file, mode 0600)`,
    ],
    destructive: false,
    async precondition(ctx) {
      if (ctx.readFile('new-host.yaml') && typeof ctx.vars.newHost === 'string' && Array.isArray(ctx.vars.hostSecrets)) {
        ctx.note(`already saved; new host ${ctx.vars.newHost}`);
        return 'skip';
      }
      return 'run';
    },
    async act(ctx) {
      const r = await kube.run([...get, '-o', 'yaml'], { allowFailure: true, retries: 4 });
      const m = f.bareMetal?.manifest;
      // finishing a half-done replacement with --bmh: the old host may be gone already (docs step 6 done by hand)
      const gone = r.exitCode !== 0 && Boolean(m) && /not ?found/i.test(r.stderr);
      if (r.exitCode !== 0 && !gone) throw new Error(`cannot read BareMetalHost ${name}: ${lastLines(r.stderr, 1)}`);
      const old = gone ? null : parse(r.stdout);
      const host = m ? m.host : reprovisionedHost(old, f.release);
      const def = definitionOf(host);
      // The baremetal-operator owns the BMC Secret (and the preprovisioning network data Secret): the garbage
      // collector deletes them with the old host. Save each Secret the new host references before that happens.
      const kept0 = keptSecrets(ctx);
      const saved = new Set(kept0.map((x) => x.name));
      const refs = referencedSecrets(host);
      const add: HostSecret[] = [];
      const missing: string[] = [];
      const kept: string[] = [];
      for (const ref of refs) {
        if (saved.has(ref.name)) {
          kept.push(ref.name);
          continue;
        }
        const o = await getJson(kube, ['-n', NS_MAPI, 'get', 'secret', ref.name]);
        if (o) {
          add.push(toHostSecret(ref.role, o));
          kept.push(ref.name);
        } else if (ref.role === 'bmc' || ref.role === 'preprovisioningNetworkData') {
          missing.push(`${ref.role} ${ref.name}`);
        } else {
          // user and network data Secrets are only read by the operator, never owned: nothing to keep
          ctx.note(`the ${ref.role} Secret ${ref.name} does not exist now; nothing saved for it`);
        }
      }
      if (missing.length) {
        throw new StepRefusal(
          `the Secret(s) ${missing.join(', ')} that BareMetalHost ${def.name} references do not exist; nothing was deleted. Create them in ${NS_MAPI}${m ? ' or fix --bmh' : ''} and run again`,
        );
      }
      if (add.length) ctx.saveSecret(HOST_SECRETS_FILE, { secrets: mergeHostSecrets(kept0, add) }, HOST_SECRETS_WHAT);
      if (old) ctx.saveFile('old-host.yaml', r.stdout);
      ctx.saveFile('new-host.yaml', def.yaml);
      ctx.record('oldHostUid', old?.metadata?.uid ?? '');
      ctx.record('hostSecrets', kept);
      ctx.record('newHost', def.name);
      const was = old ? `old host ${name} (BMC ${old.spec?.bmc?.address ?? '?'}, secret ${old.spec?.bmc?.credentialsName ?? '?'}, MAC ${old.spec?.bootMACAddress ?? '?'})` : `no old host ${name}`;
      return `${was}; new host ${def.name}; Secrets saved: ${refs.filter((x) => kept.includes(x.name)).map((x) => `${x.name} (${x.role})`).join(', ')}`;
    },
    async verify(ctx) {
      if (!ctx.readFile('new-host.yaml')) throw new Error('new-host.yaml is missing from the journal');
      const have = new Set(keptSecrets(ctx).map((x) => x.name));
      const lost = ((ctx.vars.hostSecrets as string[] | undefined) ?? []).filter((n) => !have.has(n));
      if (lost.length) throw new Error(`the data of Secret(s) ${lost.join(', ')} is missing from the run's secret file`);
    },
  };
}

/** The old host, unless what carries its name now is the new host (a resumed run). */
async function oldHostPresent(kube: Kube, f: PlanFacts, ctx: RunContext): Promise<any | null> {
  const h = await getJson(kube, ['-n', NS_MAPI, 'get', BMH, oldHost(f)]);
  if (!h) return null;
  const uid = ctx.vars.oldHostUid;
  if (typeof uid === 'string' && uid && h.metadata?.uid !== uid) return null;
  return h;
}

export function deleteHostStep(kube: Kube, f: PlanFacts): Step {
  const args = ['-n', NS_MAPI, 'delete', BMH, oldHost(f), '--wait=false'];
  return {
    id: 'delete-host',
    title: `Delete BareMetalHost ${oldHost(f)}`,
    command: [kube.display(args)],
    destructive: true,
    async precondition(ctx) {
      if (!ctx.readFile('new-host.yaml')) throw new Error('the host definition was not saved; not deleting the old host');
      if (!(await oldHostPresent(kube, f, ctx))) {
        ctx.note(`host ${oldHost(f)} is already gone`);
        return 'skip';
      }
      return 'run';
    },
    async act() {
      const r = await kube.run(args, { retries: 4, allowFailure: true });
      if (r.exitCode !== 0 && !/not ?found/i.test(r.stderr)) throw new Error(`delete host ${oldHost(f)} failed: ${lastLines(r.stderr, 1)}`);
    },
    async verify(ctx) {
      await waitFor(
        `BareMetalHost ${oldHost(f)} to be gone`,
        async () => {
          const h = await oldHostPresent(kube, f, ctx);
          return !h || `state ${h.status?.provisioning?.state ?? '?'}`;
        },
        { timeoutMs: HOST_GONE_MS },
      );
    },
  };
}

export function deleteBareMetalMachineStep(kube: Kube, f: PlanFacts, cpms: boolean): Step {
  const name = f.target.machine ?? '<machine>';
  const args = ['-n', NS_MAPI, 'delete', MACHINE, name, '--wait=false'];
  return {
    id: 'delete-machine',
    title: `Delete machine ${name}${cpms ? ' (the control plane machine set creates its replacement)' : ''}`,
    command: [kube.display(args)],
    destructive: true,
    async precondition(ctx) {
      const m = await getJson(kube, ['-n', NS_MAPI, 'get', MACHINE, name]);
      if (!m) {
        ctx.note(`machine ${name} is already gone`);
        return 'skip';
      }
      if (!cpms && !ctx.readFile('new-machine.yaml')) throw new Error('the new machine YAML was not saved; not deleting the old machine');
      return 'run';
    },
    async act() {
      const r = await kube.run(args, { retries: 4, allowFailure: true });
      if (r.exitCode !== 0 && !/not ?found/i.test(r.stderr)) throw new Error(`delete machine ${name} failed: ${lastLines(r.stderr, 1)}`);
    },
    async verify(ctx) {
      const waitMs = machineDeleteWaitMs();
      try {
        await waitFor(
          `machine ${name} to be gone`,
          async () => {
            const m = await getJson(kube, ['-n', NS_MAPI, 'get', MACHINE, name]);
            return !m || `phase ${m.status?.phase ?? '?'}`;
          },
          { timeoutMs: waitMs },
        );
      } catch (e) {
        const m = await getJson(kube, ['-n', NS_MAPI, 'get', MACHINE, name]);
        if (!m?.metadata?.deletionTimestamp) throw e;
        ctx.note(`machine ${name} is still being deleted after ${Math.round(waitMs / 1000)}s: the next step removes its ${MACHINE_FINALIZER} finalizer`);
      }
    },
  };
}

export function removeMachineFinalizerStep(kube: Kube, f: PlanFacts): Step {
  const name = f.target.machine ?? '<machine>';
  const patch = (finalizers: string[]) => ['-n', NS_MAPI, 'patch', MACHINE, name, '--type=merge', '-p', JSON.stringify({ metadata: { finalizers } })];
  return {
    id: 'remove-machine-finalizer',
    title: `Only if machine ${name} is stuck deleting: remove its ${MACHINE_FINALIZER} finalizer (docs: "If the deletion is stuck")`,
    command: [`${kube.display(patch([]))}   (only when the machine is still there; other finalizers are kept)`],
    destructive: true,
    async precondition(ctx) {
      const m = await getJson(kube, ['-n', NS_MAPI, 'get', MACHINE, name]);
      if (!m) {
        ctx.note(`machine ${name} is gone; nothing to remove`);
        return 'skip';
      }
      if (!m.metadata?.deletionTimestamp) throw new Error(`machine ${name} exists and is not being deleted; run the delete-machine step first`);
      const hooks: any[] = m.spec?.lifecycleHooks?.preDrain ?? [];
      if (hooks.length) {
        throw new StepRefusal(`machine ${name} still has preDrain hook(s) ${hooks.map((h) => h.name).join(', ')}; not removing its finalizer (the etcd operator releases its hook once the member is removed)`);
      }
      if (!(m.metadata.finalizers ?? []).includes(MACHINE_FINALIZER)) {
        ctx.note(`machine ${name} no longer has the ${MACHINE_FINALIZER} finalizer; waiting for it to go`);
      }
      return 'run';
    },
    async act() {
      const m = await getJson(kube, ['-n', NS_MAPI, 'get', MACHINE, name]);
      if (!m) return 'already gone';
      const rest = (m.metadata?.finalizers ?? []).filter((x: string) => x !== MACHINE_FINALIZER);
      const r = await kube.run(patch(rest), { retries: 4, allowFailure: true });
      if (r.exitCode !== 0 && !/not ?found/i.test(r.stderr)) throw new Error(`removing the finalizer of machine ${name} failed: ${lastLines(r.stderr, 1)}`);
      return r.stdout.trim();
    },
    async verify() {
      await waitFor(`machine ${name} to be gone`, async () => !(await getJson(kube, ['-n', NS_MAPI, 'get', MACHINE, name])), { timeoutMs: TIMEOUTS.api });
    },
  };
}

/** A Secret the garbage collector will delete: it is being deleted, or an owner of it is the deleted old host. */
function doomed(secret: any, oldUid: string): boolean {
  if (secret.metadata?.deletionTimestamp) return true;
  return Boolean(oldUid) && (secret.metadata?.ownerReferences ?? []).some((r: any) => r.uid === oldUid);
}

export function createHostStep(kube: Kube, f: PlanFacts): Step {
  const args = ['apply', '-f', '-'];
  const name = newHostName(f);
  const secretArgs = ['-n', NS_MAPI, 'create', '-f', '-'];
  return {
    id: 'create-host',
    title: `Create the host's Secrets again (without owner) and BareMetalHost ${name}${f.bareMetal?.manifest ? '' : ' (the same hardware, to be provisioned)'}`,
    command: [
      `${kube.display(secretArgs)}   (each saved Secret that is gone or still owned by the old host: from the run's secret file, without ownerReferences)`,
      `${kube.display(args)} < new-host.yaml`,
    ],
    destructive: true,
    async precondition(ctx) {
      const h = await getJson(kube, ['-n', NS_MAPI, 'get', BMH, name]);
      if (h && !h.metadata?.deletionTimestamp && h.metadata?.uid !== ctx.vars.oldHostUid) {
        ctx.note(`host ${name} already exists (state ${h.status?.provisioning?.state || 'new'})`);
        return 'skip';
      }
      return 'run';
    },
    async act(ctx) {
      const yaml = ctx.readFile('new-host.yaml');
      if (!yaml) throw new Error('new-host.yaml is missing from the journal');
      await waitFor(`the old host ${name} to be gone before it is created again`, async () => !(await oldHostPresent(kube, f, ctx)) && !(await getJson(kube, ['-n', NS_MAPI, 'get', BMH, name]))?.metadata?.deletionTimestamp, {
        timeoutMs: HOST_GONE_MS,
      });
      const oldUid = String(ctx.vars.oldHostUid ?? '');
      const wanted = new Set((ctx.vars.hostSecrets as string[] | undefined) ?? []);
      const saved = keptSecrets(ctx).filter((x) => wanted.has(x.name));
      const lost = [...wanted].filter((n) => !saved.some((x) => x.name === n));
      if (lost.length) {
        throw new Error(`the data of Secret(s) ${lost.join(', ')} is not in the run's secret file; create them in ${NS_MAPI} (the BMC Secret with keys username, password) and resume`);
      }
      const done: string[] = [];
      for (const s of saved) {
        const live = await getJson(kube, ['-n', NS_MAPI, 'get', 'secret', s.name]);
        if (live && !doomed(live, oldUid)) {
          if (s.role === 'bmc' && f.bareMetal?.manifest) {
            // --bmh: the file's credentials are the ones the new host must use
            await kube.run(['-n', NS_MAPI, 'replace', '-f', '-'], { input: manifestOf(s), retries: 4 });
            done.push(`${s.name} replaced from --bmh`);
          } else done.push(`${s.name} kept`);
          continue;
        }
        if (live) {
          // still owned by the deleted host: the garbage collector would delete it under the new host
          const d = await kube.run(['-n', NS_MAPI, 'delete', 'secret', s.name, '--wait=false'], { allowFailure: true, retries: 4 });
          if (d.exitCode !== 0 && !/not ?found/i.test(d.stderr)) throw new Error(`delete Secret ${s.name} (owned by the old host) failed: ${lastLines(d.stderr, 1)}`);
          await waitFor(`Secret ${s.name} (owned by the deleted host) to be gone`, async () => !(await getJson(kube, ['-n', NS_MAPI, 'get', 'secret', s.name])), { timeoutMs: TIMEOUTS.api });
        }
        const c = await kube.run(secretArgs, { input: manifestOf(s), allowFailure: true });
        if (c.exitCode !== 0 && !/already ?exists/i.test(c.stderr)) throw new Error(`create Secret ${s.name} failed: ${lastLines(c.stderr, 1)}`);
        done.push(`${s.name} created`);
      }
      const r = await kube.run(args, { input: yaml, retries: 4 });
      return [done.length ? `Secrets: ${done.join(', ')}` : '', r.stdout.trim()].filter(Boolean).join('; ');
    },
    async verify(ctx) {
      await waitFor(`BareMetalHost ${name} to exist`, async () => Boolean(await getJson(kube, ['-n', NS_MAPI, 'get', BMH, name])), { timeoutMs: TIMEOUTS.api });
      const oldUid = String(ctx.vars.oldHostUid ?? '');
      for (const n of (ctx.vars.hostSecrets as string[] | undefined) ?? []) {
        const live = await getJson(kube, ['-n', NS_MAPI, 'get', 'secret', n]);
        if (!live || doomed(live, oldUid)) throw new Error(`Secret ${n} of host ${name} is ${live ? 'still owned by the deleted host' : 'missing'}`);
      }
    },
  };
}

export function waitHostStep(kube: Kube, f: PlanFacts): Step {
  const name = newHostName(f);
  return {
    id: 'wait-host',
    title: `Wait for BareMetalHost ${name} to be inspected and provisioned for the new machine (available → provisioned)`,
    command: [kube.display(['-n', NS_MAPI, 'get', 'bmh', name])],
    destructive: false,
    async precondition() {
      return 'run';
    },
    async act(ctx) {
      let seen = '';
      let result = '';
      await waitFor(
        `BareMetalHost ${name} provisioned and consumed by a machine`,
        async () => {
          const h = await getJson(kube, ['-n', NS_MAPI, 'get', BMH, name]);
          if (!h) return `host ${name} does not exist`;
          const state = h.status?.provisioning?.state || 'new';
          const consumer: string | undefined = h.spec?.consumerRef?.name;
          const err = h.status?.errorMessage ? `, error: ${h.status.errorMessage}` : '';
          if (state !== seen) {
            seen = state;
            ctx.note(`host ${name}: ${state}${consumer ? ` (consumer ${consumer})` : ''}${err}`);
          }
          if (state !== 'provisioned' || !consumer) return `state ${state}${consumer ? `, consumer ${consumer}` : ', no consumer yet'}${err}`;
          if (typeof ctx.vars.newMachine === 'string' && ctx.vars.newMachine !== consumer) {
            throw new StepRefusal(`host ${name} was claimed by machine ${consumer}, not by the new machine ${ctx.vars.newMachine}`);
          }
          if (ctx.vars.newMachine !== consumer) ctx.record('newMachine', consumer);
          result = `host ${name} provisioned, consumed by machine ${consumer}`;
          return true;
        },
        { timeoutMs: HOST_PROVISIONED_MS },
      );
      return result;
    },
    async verify() {},
  };
}

/**
 * `check-machine-address` (4.11+): the etcd operator adds a member only for a node whose InternalIP is among some
 * master Machine's addresses (github:openshift/cluster-etcd-operator release-4.11 5617740c pkg/operator/
 * clustermembercontroller getEtcdPeerURLToAdd: "Ignoring node … for scale-up: no Machine found referencing this node's
 * internal IP"). On bare metal the Machine's addresses are the host's inspected NIC addresses
 * (github:openshift/cluster-api-provider-baremetal release-4.14 0c1c23f3 actuator.go nodeAddresses:
 * status.hardware.nics[].ip), not the Node's. When inspection did not see the production address, the member is
 * never added: stop here (exit 5) instead of waiting for a rollout that cannot come.
 */
export function checkMachineAddressStep(kube: Kube, f: PlanFacts): Step {
  return {
    id: 'check-machine-address',
    title: "Check that the new machine lists the new node's InternalIP (the etcd operator adds a member only for such a node)",
    command: [
      kube.display(['get', 'node', '<new node>', '-o', 'jsonpath={.status.addresses}']),
      kube.display(['-n', NS_MAPI, 'get', MACHINE, '<new machine>', '-o', 'jsonpath={.status.addresses}']),
    ],
    destructive: false,
    async precondition() {
      return 'run';
    },
    async act(ctx) {
      const node = String(ctx.vars.newNode ?? '');
      const machine = String(ctx.vars.newMachine ?? '');
      if (!node || !machine) throw new Error('the new node and machine were not recorded (wait-machine)');
      const [n, network] = await Promise.all([getJson(kube, ['get', 'node', node]), getJson(kube, ['get', 'networks.v1.config.openshift.io', 'cluster'])]);
      if (!n) throw new Error(`node ${node} is gone`);
      const nodeIPs: string[] = (n.status?.addresses ?? []).filter((a: any) => a.type === 'InternalIP').map((a: any) => a.address);
      const ip = preferredIP(nodeIPs, serviceNetworkFamily(network));
      if (!ip) throw new Error(`node ${node} has no InternalIP`);
      let mine: string[] = [];
      let host = '';
      // the actuator copies the host's inspected addresses when it associates the host; give it the time to do so
      await waitFor(
        `machine ${machine} to list addresses`,
        async () => {
          const m = await getJson(kube, ['-n', NS_MAPI, 'get', MACHINE, machine]);
          if (!m) throw new StepRefusal(`machine ${machine} is gone`);
          host = hostOfMachine(m) ?? '';
          mine = (m.status?.addresses ?? []).filter((a: any) => a.type === 'InternalIP').map((a: any) => a.address);
          return mine.length > 0 || `machine ${machine} has no InternalIP address yet`;
        },
        { timeoutMs: 5 * MIN },
      );
      if (mine.includes(ip)) return `machine ${machine} lists ${ip}, the InternalIP of node ${node}`;
      const all = await getJson(kube, ['-n', NS_MAPI, 'get', MACHINE, '-l', 'machine.openshift.io/cluster-api-machine-role=master']);
      const other = ((all?.items ?? []) as any[]).find((m) => (m.status?.addresses ?? []).some((a: any) => a.type === 'InternalIP' && a.address === ip));
      if (other) return `machine ${other.metadata.name} lists ${ip}, the InternalIP of node ${node}`;
      const h = host || String(ctx.vars.newHost ?? '<host>');
      throw new ManualStop(`machine ${machine} does not list ${ip}, the InternalIP of the new node ${node}: the etcd operator will not add a member for it`, [
        `why: on bare metal a Machine's addresses are the NIC addresses that inspection of BareMetalHost ${h} found (${mine.join(', ') || 'none'}),`,
        `  and the etcd operator (4.11+) adds a member only for a node whose InternalIP one of the Machines lists ("no Machine found referencing this node's internal IP").`,
        `what to do: give the host's hardware details the address, then resume; for example, with the NICs inspection reported plus ${ip}:`,
        `  oc -n ${NS_MAPI} get bmh ${h} -o jsonpath='{.status.hardware}'   (copy it, add {"ip":"${ip}",…} to nics)`,
        `  oc -n ${NS_MAPI} annotate bmh ${h} inspect.metal3.io=disabled inspect.metal3.io/hardwaredetails='<the edited JSON>' --overwrite`,
        `  then check: oc -n ${NS_MAPI} get ${MACHINE} ${machine} -o jsonpath='{.status.addresses}' lists ${ip}`,
        `or fix the network so that inspection sees ${ip} (DHCP on that NIC, or the host's network data), and inspect again.`,
        `nothing else was changed by this check: the old member is removed, the new node runs, no member for it yet.`,
      ]);
    },
    async verify() {},
  };
}
