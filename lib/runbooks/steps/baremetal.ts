// Bare-metal host steps (openshift.md §1.6, docs module restore-replace-stopped-baremetal-etcd-member): `check-baremetal-operator`
// (step 5: `oc get clusteroperator baremetal` must be Available), `save-host` (the old BareMetalHost and the new host
// definition into the journal), `delete-host` (step 6), `delete-machine` + `remove-machine-finalizer` (step 7 and its
// "if the deletion is stuck" note), `create-host` (step 9), `wait-host` (step 10: available → provisioned, consumed by
// the new machine).
import { parse } from 'yaml';
import type { Kube } from '../../cluster/kubectl.ts';
import { StepRefusal, waitFor, type PlanFacts, type RunContext, type Step } from '../step.ts';
import { definitionOf, reprovisionedHost } from '../baremetal-host.ts';
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

const oldHost = (f: PlanFacts) => f.bareMetal?.host ?? '<host>';
const newHostName = (f: PlanFacts) => f.bareMetal?.manifest?.host?.metadata?.name ?? oldHost(f);

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
    ? `new-host.yaml: the Secret and BareMetalHost ${newHostName(f)} from --bmh`
    : 'new-host.yaml: the same hardware (BMC, credentials, bootMACAddress, bootMode, rootDeviceHints), externallyProvisioned: false, online: true, userData master-user-data-managed';
  return {
    id: 'save-host',
    title: `Save BareMetalHost ${name} and write the new host definition`,
    command: [`${kube.display([...get, '-o', 'yaml'])} > old-host.yaml   (${newHost})`],
    destructive: false,
    async precondition(ctx) {
      if (ctx.readFile('new-host.yaml') && typeof ctx.vars.newHost === 'string') {
        ctx.note(`already saved; new host ${ctx.vars.newHost}`);
        return 'skip';
      }
      return 'run';
    },
    async act(ctx) {
      const r = await kube.run([...get, '-o', 'yaml'], { allowFailure: true, retries: 4 });
      if (r.exitCode !== 0) throw new Error(`cannot read BareMetalHost ${name}: ${lastLines(r.stderr, 1)}`);
      const old = parse(r.stdout);
      const m = f.bareMetal?.manifest;
      const def = m ? definitionOf(m.host, m.secret) : definitionOf(reprovisionedHost(old), null);
      ctx.saveFile('old-host.yaml', r.stdout);
      ctx.saveFile('new-host.yaml', def.yaml);
      ctx.record('oldHostUid', old.metadata?.uid ?? '');
      ctx.record('hostSecret', def.secretName ?? old.spec?.bmc?.credentialsName ?? '');
      ctx.record('newHost', def.name);
      return `old host ${name} (BMC ${old.spec?.bmc?.address ?? '?'}, secret ${old.spec?.bmc?.credentialsName ?? '?'}, MAC ${old.spec?.bootMACAddress ?? '?'}); new host ${def.name}`;
    },
    async verify(ctx) {
      if (!ctx.readFile('new-host.yaml')) throw new Error('new-host.yaml is missing from the journal');
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

export function createHostStep(kube: Kube, f: PlanFacts): Step {
  const args = ['apply', '-f', '-'];
  const name = newHostName(f);
  return {
    id: 'create-host',
    title: `Create BareMetalHost ${name}${f.bareMetal?.manifest ? ' and its BMC credentials Secret' : ' (the same hardware, to be provisioned)'}`,
    command: [`${kube.display(args)} < new-host.yaml`],
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
      if (!f.bareMetal?.manifest) {
        const secret = String(ctx.vars.hostSecret ?? '');
        if (!secret || !(await getJson(kube, ['-n', NS_MAPI, 'get', 'secret', secret]))) {
          throw new Error(`the BMC credentials Secret ${secret || '(unknown)'} of host ${name} is gone; create it (keys username, password) in ${NS_MAPI} and resume, or resume with a new host: see --bmh`);
        }
      }
      const r = await kube.run(args, { input: yaml, retries: 4 });
      return r.stdout.trim();
    },
    async verify() {
      await waitFor(`BareMetalHost ${name} to exist`, async () => Boolean(await getJson(kube, ['-n', NS_MAPI, 'get', BMH, name])), { timeoutMs: TIMEOUTS.api });
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
