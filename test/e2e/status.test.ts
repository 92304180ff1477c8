// `status` end to end: the plugin as a real process (`node --import tsx lib/main.ts status -o json`) with the real
// kubectl against the simulator (real etcd processes), one scenario per test.
// A fault may take a moment to show (a stopped machine's node turns NotReady after the sim's grace period), so each
// test polls `status` until the expected scenario appears or the deadline passes, then checks the whole answer.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { execFile } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { startSim, type SimHandle } from '../helpers/sim.ts';
import { Kube } from '../../lib/cluster/kubectl.ts';
import { runOnNode } from '../../lib/cluster/hostcmd.ts';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const MAIN = path.join(ROOT, 'lib/main.ts');

// Each case gets a second octet of its own (the sim listens on 127.<o>.x.y), so cases and other test files can run
// side by side.
type Master = { node: string; ip: string; machine: string };
type Masters = { A: Master; B: Master; C: Master };
const O = 100 + Math.floor(Math.random() * 100);
const master = (o: number, c: number, d: number, i: number): Master => ({ node: `ip-10-${o}-${c}-${d}.ec2.internal`, ip: `10.${o}.${c}.${d}`, machine: `clustername-8qw5l-master-${i}` });
const mastersFor = (o: number): Masters => ({ A: master(o, 131, 183, 0), B: master(o, 154, 204, 1), C: master(o, 164, 97, 2) });

function scenario(o: { ms: Masters; openshift?: string; platform?: string; cpms?: string; faults?: { node?: string; kind: string }[]; noMachines?: boolean }): string {
  const { A, B, C } = o.ms;
  const m = (x: Master) => (o.noMachines ? `  - {node: ${x.node}, ip: ${x.ip}}` : `  - {node: ${x.node}, ip: ${x.ip}, machine: ${x.machine}}`);
  const faults = (o.faults ?? []).map((f) => `  - {${f.node ? `node: ${f.node}, ` : ''}kind: ${f.kind}}`).join('\n');
  return [
    `openshift: "${o.openshift ?? '4.14'}"`,
    `platform: ${o.platform ?? 'aws'}`,
    `controlPlaneMachineSet: ${o.cpms ?? 'absent'}`,
    'masters:',
    m(A),
    m(B),
    m(C),
    'workers: 1',
    faults ? `faults:\n${faults}` : 'faults: []',
    'timing: {provisionSeconds: 1, rolloutSeconds: 1}',
    '',
  ].join('\n');
}

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

function plugin(sim: SimHandle, args: string[]): Promise<Run> {
  return new Promise((resolve) => {
    execFile(process.execPath, ['--import', 'tsx', MAIN, ...args], { cwd: ROOT, env: { ...sim.env, NO_COLOR: '1' }, timeout: 90_000, maxBuffer: 64 << 20 }, (err, stdout, stderr) => {
      const code = err ? (typeof (err as any).code === 'number' ? (err as any).code : 1) : 0;
      resolve({ code, stdout: String(stdout), stderr: String(stderr) });
    });
  });
}

async function statusUntil(sim: SimHandle, want: string, timeoutMs = 75_000): Promise<{ run: Run; doc: any }> {
  const deadline = Date.now() + timeoutMs;
  let last: { run: Run; doc: any } | null = null;
  for (;;) {
    const run = await plugin(sim, ['status', '-o', 'json']);
    let doc: any = null;
    try {
      doc = JSON.parse(run.stdout);
    } catch {
      /* keep polling */
    }
    last = { run, doc };
    if (doc?.diagnosis?.scenario === want) return last;
    if (Date.now() > deadline) {
      throw new Error(`status never reported "${want}" (last: exit ${run.code}, ${doc ? JSON.stringify(doc.diagnosis) : run.stderr.trim() || run.stdout.slice(0, 300)})`);
    }
    await new Promise((r) => setTimeout(r, 1000));
  }
}

async function withSim(text: string, fn: (sim: SimHandle) => Promise<void>): Promise<void> {
  const t0 = Date.now();
  const sim = await startSim(text, { timeoutMs: 90_000 });
  const t1 = Date.now();
  try {
    await fn(sim);
  } finally {
    const t2 = Date.now();
    await sim.stop();
    if (process.env.E2E_TIMING) process.stderr.write(`  [sim start ${t1 - t0} ms, test ${t2 - t1} ms, stop ${Date.now() - t2} ms]\n`);
  }
}

const cases: { name: string; fn: (ms: Masters) => Promise<void> }[] = [];
function scenarioCase(name: string, fn: (ms: Masters) => Promise<void>) {
  cases.push({ name, fn });
}

function checkDiagnosisShape(d: any) {
  assert.equal(Object.keys(d).sort(), ['action', 'member', 'reasons', 'scenario']);
  assert.ok(['healthy', 'not-ready', 'crashloop', 'quorum-lost', 'unsafe'].includes(d.scenario));
  assert.ok(Array.isArray(d.reasons));
  assert.type(d.action, 'string');
  if (d.member) {
    assert.equal(Object.keys(d.member).sort(), ['id', 'machine', 'name', 'node']);
    assert.match(d.member.id, /^[0-9a-f]{16}$/);
  }
}

function checkDocShape(doc: any) {
  for (const k of ['cluster', 'members', 'pods', 'nodes', 'machines', 'controlPlaneMachineSet', 'secrets', 'etcd', 'diagnosis']) assert.ok(k in doc, `missing ${k}`);
  for (const m of doc.members) assert.match(m.id, /^[0-9a-f]{16}$/);
  checkDiagnosisShape(doc.diagnosis);
}

scenarioCase('healthy 4.14 cluster: exit 0, 3 members, table output shows the diagnosis', async ({ A, B, C }) => {
  await withSim(scenario({ ms: { A, B, C } }), async (sim) => {
    const { run, doc } = await statusUntil(sim, 'healthy');
    assert.is(run.code, 0, run.stderr);
    checkDocShape(doc);
    assert.is(doc.members.length, 3);
    assert.ok(doc.members.every((m: any) => m.healthy === true && m.started && !m.isLearner));
    assert.is(doc.members.filter((m: any) => m.leader).length, 1);
    assert.is(doc.pods.length, 3);
    assert.ok(doc.pods.every((p: any) => p.status === 'Running' && p.containerCount === 4));
    assert.is(doc.machines.length, 3);
    assert.ok(doc.secrets.every((s: any) => s.missing.length === 0));
    assert.is(doc.cluster.release.startsWith('4.14'), true);
    assert.is(doc.diagnosis.member, null);

    const [table, yaml] = await Promise.all([plugin(sim, ['status']), plugin(sim, ['status', '-o', 'yaml'])]);
    assert.is(table.code, 0, table.stderr);
    for (const s of ['MEMBERS', 'ETCD PODS', 'NODES', 'MACHINES', 'SECRETS', 'DIAGNOSIS', 'scenario: healthy', A.node]) assert.ok(table.stdout.includes(s), `table lacks ${s}`);
    assert.not.match(table.stdout, /\x1b\[/); // no colors without a TTY
    assert.is(yaml.code, 0);
    assert.match(yaml.stdout, /^diagnosis:\n {2}scenario: healthy$/m);

    // runOnNode: a privileged pod with the node's / at /host runs the script, its exit code and output come back,
    // and the pod is gone afterwards.
    const kube = new Kube({ client: 'kubectl', env: sim.env });
    const r = await runOnNode(kube, B.node, 'test -f /etc/kubernetes/manifests/etcd-pod.yaml && echo manifest-found && exit 7', { timeoutMs: 60_000 });
    assert.is(r.exitCode, 7);
    assert.match(r.output, /manifest-found/);
    let gone = false;
    for (let i = 0; i < 20 && !gone; i++) {
      const left = await kube.run(['-n', 'openshift-etcd', 'get', 'pod', r.pod, '-o', 'name'], { allowFailure: true });
      gone = left.exitCode !== 0 || left.stdout.trim() === '';
      if (!gone) await new Promise((res) => setTimeout(res, 500));
    }
    assert.ok(gone, 'debug pod deleted');
  });
});

scenarioCase('machine stopped → not-ready, exit 3, member/node/machine right', async ({ A, B, C }) => {
  await withSim(scenario({ ms: { A, B, C }, faults: [{ node: A.node, kind: 'machine-stopped' }] }), async (sim) => {
    const { run, doc } = await statusUntil(sim, 'not-ready');
    assert.is(run.code, 3, run.stderr);
    checkDocShape(doc);
    const target = doc.members.find((m: any) => m.name === A.node);
    assert.ok(target, 'member of the stopped node listed');
    assert.equal(doc.diagnosis.member, { id: target.id, name: A.node, node: A.node, machine: A.machine });
    assert.match(doc.diagnosis.action, /^procedure A: /);
    assert.ok(doc.diagnosis.action.includes(target.id));
    assert.ok(doc.diagnosis.action.includes('clustername-8qw5l-master-3'));
    assert.is(doc.machines.find((m: any) => m.name === A.machine).instanceRunning, false);
    assert.is.not(doc.cluster.memberSource, `etcd-${A.node}`);

    const table = await plugin(sim, ['status']);
    assert.is(table.code, 3);
    assert.match(table.stdout, /scenario: not-ready/);
    assert.match(table.stdout, /UNHEALTHY/);
  });
});

scenarioCase('etcd crashloop → crashloop, exit 3', async ({ A, B, C }) => {
  await withSim(scenario({ ms: { A, B, C }, faults: [{ node: A.node, kind: 'etcd-crashloop' }] }), async (sim) => {
    const { run, doc } = await statusUntil(sim, 'crashloop');
    assert.is(run.code, 3, run.stderr);
    checkDocShape(doc);
    assert.is(doc.diagnosis.member.node, A.node);
    assert.is(doc.diagnosis.member.machine, A.machine);
    assert.match(doc.diagnosis.action, /^procedure B: /);
    const pod = doc.pods.find((p: any) => p.node === A.node);
    // the pod as status shows it: in back-off or failed, or (read between two back-offs) running again but not ready,
    // restarted, its last run failed (kubelet's CrashLoopBackOff cycle: waiting, running, terminated with an error)
    const betweenBackOffs = pod.etcd.state === 'running' && !pod.etcd.ready && pod.etcd.restarts >= 1 && pod.etcd.lastExitCode !== 0;
    assert.ok(['CrashLoopBackOff', 'Error'].includes(pod.status) || pod.etcd.state !== 'running' || betweenBackOffs, JSON.stringify(pod));
  });
});

scenarioCase('kubelet down (node NotReady, member healthy) → unsafe, exit 4', async ({ A, B, C }) => {
  await withSim(scenario({ ms: { A, B, C }, faults: [{ node: A.node, kind: 'kubelet-down' }] }), async (sim) => {
    const { run, doc } = await statusUntil(sim, 'unsafe');
    assert.is(run.code, 4, run.stderr);
    checkDocShape(doc);
    assert.ok(doc.diagnosis.reasons.some((r: string) => r.startsWith('NodeNotReadyMemberHealthy')), JSON.stringify(doc.diagnosis));
  });
});

scenarioCase('two members down → quorum-lost, exit 4', async ({ A, B, C }) => {
  await withSim(scenario({ ms: { A, B, C }, faults: [{ node: A.node, kind: 'machine-stopped' }, { node: C.node, kind: 'machine-stopped' }] }), async (sim) => {
    const { run, doc } = await statusUntil(sim, 'quorum-lost');
    assert.is(run.code, 4, run.stderr);
    checkDiagnosisShape(doc.diagnosis);
    assert.match(doc.diagnosis.action, /Restoring to a previous cluster state/);
  });
});

scenarioCase('learner present → unsafe, exit 4', async ({ A, B, C }) => {
  await withSim(scenario({ ms: { A, B, C }, faults: [{ kind: 'learner' }] }), async (sim) => {
    const { run, doc } = await statusUntil(sim, 'unsafe');
    assert.is(run.code, 4, run.stderr);
    checkDocShape(doc);
    assert.ok(doc.members.some((m: any) => m.isLearner));
    assert.ok(doc.diagnosis.reasons.some((r: string) => /^(LearnerPresent|UnstartedMember)/.test(r)), JSON.stringify(doc.diagnosis));
  });
});

scenarioCase('extra unstarted voting member → unsafe, exit 4, nothing to remove', async ({ A, B, C }) => {
  await withSim(scenario({ ms: { A, B, C }, faults: [{ kind: 'extra-unstarted-member' }] }), async (sim) => {
    const { run, doc } = await statusUntil(sim, 'unsafe');
    assert.is(run.code, 4, run.stderr);
    checkDocShape(doc);
    assert.is(doc.members.length, 4);
    const extra = doc.members.filter((m: any) => !m.started);
    assert.is(extra.length, 1);
    assert.is(extra[0].healthy, null); // never probed: unknown, not dead
    assert.is(doc.diagnosis.member, null);
    assert.ok(doc.diagnosis.reasons.some((r: string) => /^(UnstartedMember|LearnerPresent)/.test(r)), JSON.stringify(doc.diagnosis));
  });
});

scenarioCase('4.6 shape: 3/3 pods, quorum-guard pods ignored, machine stopped → not-ready', async ({ A, B, C }) => {
  await withSim(scenario({ ms: { A, B, C }, openshift: '4.6', faults: [{ node: A.node, kind: 'machine-stopped' }] }), async (sim) => {
    const { run, doc } = await statusUntil(sim, 'not-ready');
    assert.is(run.code, 3, run.stderr);
    checkDocShape(doc);
    assert.is(doc.pods.length, 3);
    assert.ok(doc.pods.every((p: any) => p.name.startsWith('etcd-ip-') && p.containerCount === 3));
    assert.is(doc.diagnosis.member.node, A.node);
  });
});

scenarioCase('platform none: machines null, node NotReady → not-ready without a machine', async ({ A, B, C }) => {
  await withSim(scenario({ ms: { A, B, C }, platform: 'none', noMachines: true, faults: [{ node: A.node, kind: 'node-not-ready' }] }), async (sim) => {
    const { run, doc } = await statusUntil(sim, 'not-ready');
    assert.is(run.code, 3, run.stderr);
    checkDocShape(doc);
    assert.is(doc.machines, null);
    assert.is(doc.diagnosis.member.machine, null);
    assert.match(doc.diagnosis.action, /no Machine API/);
    const table = await plugin(sim, ['status']);
    assert.match(table.stdout, /no Machine API/);
  });
});

// Run the cases E2E_JOBS at a time (default 3: each sim runs 3 etcd processes), then report each as a uvu test.
const JOBS = Math.max(1, Number(process.env.E2E_JOBS ?? 3));
const results = new Map<string, Promise<unknown>>();
{
  const queue = [...cases];
  const gates: Promise<void>[] = [];
  const settled = new Map<string, { resolve: (v: unknown) => void }>();
  for (const c of cases) results.set(c.name, new Promise((resolve) => settled.set(c.name, { resolve })));
  const worker = async () => {
    for (let c = queue.shift(); c; c = queue.shift()) {
      const t0 = Date.now();
      const err = await c.fn(mastersFor(O + cases.indexOf(c))).then(() => null, (e) => e);
      if (process.env.E2E_TIMING) process.stderr.write(`  [${c.name}: ${Date.now() - t0} ms]\n`);
      settled.get(c.name)!.resolve(err);
    }
  };
  for (let i = 0; i < JOBS; i++) gates.push(worker());
}
for (const c of cases) {
  test(c.name, async () => {
    const err = await results.get(c.name);
    if (err) throw err;
  });
}

test.run();
