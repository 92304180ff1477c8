// End-to-end: `auto` on an installer-provisioned bare-metal cluster (Metal3) in the simulator, as a real child process.
// Each test ends with three started, healthy, voting members, the new BareMetalHost provisioned and consumed by the
// new Machine (openshift.md §1.6).
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { stringify } from 'yaml';
import { startSim } from '../helpers/sim.ts';
import { Kube } from '../../lib/cluster/kubectl.ts';
import { readClusterState } from '../../lib/cluster/read.ts';
import { diagnose } from '../../lib/diagnose/diagnose.ts';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const NS = 'openshift-machine-api';

function scenario(o: { oct: number; openshift?: string; cpms?: string; fault: string }) {
  const masters = [0, 1, 2].map((i) => ({ node: `openshift-control-plane-${i}`, ip: `10.${o.oct}.111.${20 + i}`, machine: `examplecluster-control-plane-${i}` }));
  return {
    openshift: o.openshift ?? '4.14',
    platform: 'baremetal',
    controlPlaneMachineSet: o.cpms ?? 'absent',
    infrastructureName: 'examplecluster',
    masters,
    workers: 0,
    faults: [{ node: 'openshift-control-plane-2', kind: o.fault }],
    timing: { provisionSeconds: 1, rolloutSeconds: 1, inspectSeconds: 1 },
  };
}

interface Run { code: number | 'killed'; stdout: string; stderr: string }

/** Runs the plugin; SIGKILLs it when `killWhen` turns true. */
function plugin(args: string[], env: NodeJS.ProcessEnv, killWhen?: () => boolean): Promise<Run> {
  return new Promise((res) => {
    const p = spawn(process.execPath, ['--import', 'tsx', join(ROOT, 'lib/main.ts'), ...args], { cwd: ROOT, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    let killed = false;
    p.stdout.on('data', (d) => (stdout += d));
    p.stderr.on('data', (d) => (stderr += d));
    const t = killWhen
      ? setInterval(() => {
          if (!killed && killWhen()) {
            killed = true;
            p.kill('SIGKILL');
          }
        }, 20)
      : undefined;
    p.on('close', (code) => {
      if (t) clearInterval(t);
      res({ code: killed ? 'killed' : (code ?? -1), stdout, stderr });
    });
  });
}

function envFor(kubeconfig: string) {
  const state = mkdtempSync(join(tmpdir(), 'er-bm-'));
  return {
    KUBECONFIG: kubeconfig,
    XDG_STATE_HOME: state,
    ETCD_REPLACE_TRACE: join(state, 'trace.jsonl'),
    ETCD_REPLACE_FORCE_REDEPLOY_AFTER_S: '20',
    ETCD_REPLACE_MACHINE_DELETE_WAIT_S: '4',
  };
}

function journal(stateHome: string): any | null {
  const root = join(stateHome, 'etcd-replace');
  if (!existsSync(root)) return null;
  for (const c of readdirSync(root)) {
    for (const r of readdirSync(join(root, c))) {
      const f = join(root, c, r, 'journal.json');
      try {
        if (existsSync(f)) return JSON.parse(readFileSync(f, 'utf8'));
      } catch {
        return null;
      }
    }
  }
  return null;
}

const stepStatus = (j: any, id: string) => j?.steps?.find((s: any) => s.id === id)?.status;

function traceCount(trace: string, re: RegExp): number {
  if (!existsSync(trace)) return 0;
  return readFileSync(trace, 'utf8').split('\n').filter(Boolean).filter((l) => re.test((JSON.parse(l).argv as string[]).join(' '))).length;
}

const kubeFor = (kubeconfig: string) => new Kube({ client: 'kubectl', kubeconfig });

async function waitNotReady(kubeconfig: string) {
  let last = '';
  for (let t = 0; t < 90; t++) {
    last = diagnose(await readClusterState(kubeFor(kubeconfig))).scenario;
    if (last === 'not-ready') return;
    await new Promise((r) => setTimeout(r, 1000));
  }
  assert.unreachable(`diagnosis stayed ${last}, expected not-ready`);
}

/** Three started, healthy, voting members (the old one gone); `host` provisioned and consumed by the new Running machine. */
async function assertReplaced(kubeconfig: string, o: { oldId: string; host: string; machine: RegExp }) {
  const k = kubeFor(kubeconfig);
  const s = await readClusterState(k);
  assert.is(s.members.length, 3, JSON.stringify(s.members.map((m) => [m.id, m.name])));
  for (const m of s.members) assert.ok(m.started && !m.isLearner && m.healthy === true, `member ${m.id} ${m.name} started=${m.started} learner=${m.isLearner} healthy=${m.healthy}`);
  assert.not.ok(s.members.some((m) => m.id === o.oldId), 'old member gone');
  const h = await k.json(['-n', NS, 'get', 'bmh', o.host]);
  assert.is(h.status.provisioning.state, 'provisioned');
  assert.is(h.spec.externallyProvisioned, false);
  const consumer: string = h.spec.consumerRef?.name;
  assert.match(consumer, o.machine);
  const m = await k.json(['-n', NS, 'get', 'machines.machine.openshift.io', consumer]);
  assert.is(m.status.phase, 'Running');
  assert.is(m.status.nodeRef.name, o.host, 'the node is named after the host');
  assert.is(m.metadata.annotations['metal3.io/BareMetalHost'], `${NS}/${o.host}`);
  assert.ok(s.members.some((x) => x.name === o.host), 'a member runs on the new node');
  const gone = await k.run(['-n', NS, 'get', 'machines.machine.openshift.io', 'examplecluster-control-plane-2'], { allowFailure: true });
  assert.is(gone.exitCode, 1, 'old machine gone');
  const cr = await k.json(['get', 'etcd', 'cluster']);
  assert.is(cr.spec.unsupportedConfigOverrides ?? null, null, 'quorum guard restored');
}

test('stopped bare-metal master, no CPMS, Machine finalizer hangs: dry-run shows every command; killed after the host was deleted and resumed from the journal; the host is re-provisioned, the finalizer removed', async () => {
  const sim = await startSim(scenario({ oct: 31, fault: 'machine-finalizer-stuck' }));
  try {
    const env = envFor(sim.kubeconfig);
    await waitNotReady(sim.kubeconfig);
    const oldId = (await readClusterState(kubeFor(sim.kubeconfig))).members.find((m) => m.name === 'openshift-control-plane-2')!.id;

    const dry = await plugin(['auto', '--dry-run', '--client', 'kubectl'], env);
    assert.is(dry.code, 0, dry.stderr);
    for (const cmd of [
      'kubectl get clusteroperator baremetal',
      'kubectl -n openshift-machine-api get baremetalhosts.metal3.io openshift-control-plane-2 -o yaml > old-host.yaml',
      'kubectl -n openshift-machine-api delete baremetalhosts.metal3.io openshift-control-plane-2 --wait=false',
      'kubectl -n openshift-machine-api delete machines.machine.openshift.io examplecluster-control-plane-2 --wait=false',
      `kubectl -n openshift-machine-api patch machines.machine.openshift.io examplecluster-control-plane-2 --type=merge -p '{"metadata":{"finalizers":[]}}'`,
      'kubectl apply -f - < new-host.yaml',
      'kubectl apply -f - < new-machine.yaml',
      'kubectl -n openshift-machine-api get bmh openshift-control-plane-2',
    ]) {
      assert.ok(dry.stdout.includes(cmd), `dry-run shows: ${cmd}\n${dry.stdout}`);
    }
    assert.is(journal(env.XDG_STATE_HOME), null, 'dry-run writes no journal');

    // killed after the old host was deleted, before the new one was created: --resume re-creates it from the journal
    const first = await plugin(['auto', '--yes', '--client', 'kubectl'], env, () => stepStatus(journal(env.XDG_STATE_HOME), 'delete-host') === 'done');
    assert.is(first.code, 'killed', `${first.stdout}\n${first.stderr}`);
    assert.is(stepStatus(journal(env.XDG_STATE_HOME), 'create-host'), 'pending');
    const gone = await kubeFor(sim.kubeconfig).run(['-n', NS, 'get', 'bmh', 'openshift-control-plane-2'], { allowFailure: true });
    assert.is(gone.exitCode, 1, 'the old host is gone: only the journal has its definition');

    const r = await plugin(['auto', '--resume', '--yes', '--client', 'kubectl'], env);
    assert.is(r.code, 0, `${r.stdout}\n${r.stderr}`);
    assert.match(r.stderr + r.stdout, /resuming run/);
    const j = journal(env.XDG_STATE_HOME);
    assert.is(j.status, 'done');
    assert.is(stepStatus(j, 'create-host'), 'done');
    assert.is(traceCount(env.ETCD_REPLACE_TRACE, /etcdctl member remove/), 1, 'member removed once');
    assert.is(traceCount(env.ETCD_REPLACE_TRACE, /delete baremetalhosts.metal3.io/), 1, 'host deleted once');
    assert.is(stepStatus(j, 'remove-machine-finalizer'), 'done', 'the stuck finalizer was removed');
    assert.is(stepStatus(j, 'delete-node'), 'done', 'the node left behind by the forced machine deletion was deleted');
    await assertReplaced(sim.kubeconfig, { oldId, host: 'openshift-control-plane-2', machine: /^examplecluster-control-plane-3$/ });
  } finally {
    await sim.stop();
  }
});

test('stopped bare-metal master, active CPMS, --bmh onto new hardware: bad manifests refused before any change (exit 2), then the CPMS machine lands on the new host', async () => {
  const sim = await startSim(scenario({ oct: 32, openshift: '4.16', cpms: 'active', fault: 'machine-stopped' }));
  try {
    const env = envFor(sim.kubeconfig);
    await waitNotReady(sim.kubeconfig);
    const k = kubeFor(sim.kubeconfig);
    const oldId = (await readClusterState(k)).members.find((m) => m.name === 'openshift-control-plane-2')!.id;
    const status = await plugin(['status', '-o', 'json', '--client', 'kubectl'], env);
    assert.is(status.code, 3, status.stderr);
    const doc = JSON.parse(status.stdout);
    const h2 = doc.hosts.find((h: any) => h.name === 'openshift-control-plane-2');
    assert.equal([h2.state, h2.consumer, h2.online, h2.poweredOn], ['externally provisioned', 'examplecluster-control-plane-2', true, false]);
    assert.match(doc.diagnosis.action, /delete BareMetalHost openshift-control-plane-2 .*and machine examplecluster-control-plane-2/);
    const other = await k.json(['-n', NS, 'get', 'bmh', 'openshift-control-plane-0']);
    const file = (host: Record<string, unknown>) => {
      const f = join(env.XDG_STATE_HOME, `bmh-${Math.random().toString(36).slice(2)}.yaml`);
      const docs = [
        { apiVersion: 'v1', kind: 'Secret', metadata: { name: 'openshift-control-plane-3-bmc-secret', namespace: NS }, type: 'Opaque', stringData: { username: 'admin', password: 'secret' } },
        {
          apiVersion: 'metal3.io/v1alpha1',
          kind: 'BareMetalHost',
          metadata: { name: 'openshift-control-plane-3', namespace: NS },
          spec: {
            automatedCleaningMode: 'disabled',
            bmc: { address: 'redfish://10.46.61.19:443/redfish/v1/Systems/1', credentialsName: 'openshift-control-plane-3-bmc-secret', disableCertificateVerification: true },
            bootMACAddress: '48:df:37:b0:88:cc',
            bootMode: 'UEFI',
            externallyProvisioned: false,
            online: true,
            rootDeviceHints: { deviceName: '/dev/sda' },
            userData: { name: 'master-user-data-managed', namespace: NS },
            ...host,
          },
        },
      ];
      writeFileSync(f, docs.map((d) => stringify(d)).join('---\n'));
      return f;
    };
    for (const [bad, why] of [
      [{ externallyProvisioned: true }, /externallyProvisioned: true/],
      [{ bootMACAddress: other.spec.bootMACAddress }, /is already used by host openshift-control-plane-0/],
    ] as const) {
      const r = await plugin(['auto', '--yes', '--client', 'kubectl', '--bmh', file(bad)], env);
      assert.is(r.code, 2, `${r.stdout}\n${r.stderr}`);
      assert.match(r.stderr, why);
      assert.is(r.stderr.trim().split('\n').length, 1, r.stderr);
      assert.ok(r.stderr.includes('--bmh'), r.stderr);
      assert.is(journal(env.XDG_STATE_HOME), null, 'nothing started');
    }
    assert.is((await readClusterState(k)).members.length, 3, 'no member removed');

    const r = await plugin(['auto', '--yes', '--client', 'kubectl', '--bmh', file({})], env);
    assert.is(r.code, 0, `${r.stdout}\n${r.stderr}`);
    const j = journal(env.XDG_STATE_HOME);
    assert.is(stepStatus(j, 'save-machine'), undefined, 'CPMS: no machine YAML copy');
    assert.is(stepStatus(j, 'remove-machine-finalizer'), 'skipped');
    const old = await k.run(['-n', NS, 'get', 'bmh', 'openshift-control-plane-2'], { allowFailure: true });
    assert.is(old.exitCode, 1, 'the old host is gone');
    await assertReplaced(sim.kubeconfig, { oldId, host: 'openshift-control-plane-3', machine: /^examplecluster-master-[a-z0-9]{5}-2$/ });
  } finally {
    await sim.stop();
  }
});

test.run();
