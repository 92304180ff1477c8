// End-to-end: `auto` against the simulator, as a real child process (no TTY → --yes).
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { XMLParser } from 'fast-xml-parser';
import { startSim } from '../helpers/sim.ts';
import { Kube } from '../../lib/cluster/kubectl.ts';
import { readClusterState } from '../../lib/cluster/read.ts';
import { diagnose } from '../../lib/diagnose/diagnose.ts';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const OLD_A = '6fc1e7c9db35841d';

const masters = `masters:
  - {node: ip-10-21-131-183.ec2.internal, ip: 10.21.131.183, machine: clustername-8qw5l-master-0}
  - {node: ip-10-21-154-204.ec2.internal, ip: 10.21.154.204, machine: clustername-8qw5l-master-1}
  - {node: ip-10-21-164-97.ec2.internal,  ip: 10.21.164.97,  machine: clustername-8qw5l-master-2}
workers: 0
timing: {provisionSeconds: 1, rolloutSeconds: 1}
`;
const scenario = (fault: string) => `openshift: "4.14"
platform: aws
controlPlaneMachineSet: absent
${masters}faults:
  - {node: ip-10-21-131-183.ec2.internal, kind: ${fault}}
`;

interface Run { code: number | null; stdout: string; stderr: string }

function plugin(args: string[], env: NodeJS.ProcessEnv): Promise<Run> {
  return new Promise((res) => {
    const p = spawn(process.execPath, ['--import', 'tsx', join(ROOT, 'lib/main.ts'), ...args], { cwd: ROOT, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    p.stdout.on('data', (d) => (stdout += d));
    p.stderr.on('data', (d) => (stderr += d));
    p.on('close', (code) => res({ code, stdout, stderr }));
  });
}

function envFor(kubeconfig: string) {
  const state = mkdtempSync(join(tmpdir(), 'er-state-'));
  return { KUBECONFIG: kubeconfig, XDG_STATE_HOME: state, ETCD_REPLACE_FORCE_REDEPLOY_AFTER_S: '20' } as NodeJS.ProcessEnv & { XDG_STATE_HOME: string };
}

function journals(stateHome: string): string[] {
  const root = join(stateHome, 'etcd-replace');
  if (!existsSync(root)) return [];
  return readdirSync(root).flatMap((c) => readdirSync(join(root, c)).map((r) => join(root, c, r, 'journal.json'))).filter(existsSync);
}

const kubeFor = (kubeconfig: string) => new Kube({ client: 'kubectl', kubeconfig });

async function healthy3(kubeconfig: string) {
  const s = await readClusterState(kubeFor(kubeconfig));
  assert.is(s.members.length, 3, `members: ${JSON.stringify(s.members.map((m) => [m.id, m.name]))}`);
  for (const m of s.members) {
    assert.ok(m.started && !m.isLearner && m.healthy === true, `member ${m.id} ${m.name} started=${m.started} learner=${m.isLearner} healthy=${m.healthy}`);
  }
  return s;
}

/** The sim applies faults asynchronously (a node goes NotReady after its grace period): wait for the diagnosis. */
async function waitScenario(kubeconfig: string, want: string, timeoutMs = 90_000) {
  const t0 = Date.now();
  let last = '';
  while (Date.now() - t0 < timeoutMs) {
    last = diagnose(await readClusterState(kubeFor(kubeconfig))).scenario;
    if (last === want) return;
    await new Promise((r) => setTimeout(r, 1000));
  }
  assert.unreachable(`diagnosis stayed ${last}, expected ${want}`);
}

async function kjson(kubeconfig: string, args: string[]) {
  return kubeFor(kubeconfig).json(args);
}

test('procedure A (4.14 aws, machine stopped, no CPMS): replaced, overrides restored, junit, then nothing to do', async () => {
  const sim = await startSim(scenario('machine-stopped'));
  try {
    await waitScenario(sim.kubeconfig, 'not-ready');
    const env = envFor(sim.kubeconfig);
    const k = kubeFor(sim.kubeconfig);
    // an original override value with another key, which must survive
    await k.run(['patch', 'etcd', 'cluster', '--type=merge', '-p', JSON.stringify({ spec: { unsupportedConfigOverrides: { someOtherKey: 'keep-me' } } })]);
    const before = await readClusterState(k);
    const old = before.members.find((m) => m.name === 'ip-10-21-131-183.ec2.internal');
    assert.ok(old, 'old member present');
    const junit = join(env.XDG_STATE_HOME!, 'out.xml');
    const r = await plugin(['auto', '--yes', '--junit', junit], env);
    assert.is(r.code, 0, `exit ${r.code}\n${r.stdout}\n${r.stderr}`);
    const s = await healthy3(sim.kubeconfig);
    assert.not.ok(s.members.some((m) => m.id === old!.id), 'old ID gone');
    const m3 = await kjson(sim.kubeconfig, ['-n', 'openshift-machine-api', 'get', 'machine', 'clustername-8qw5l-master-3']);
    assert.is(m3.status?.phase, 'Running');
    assert.not.ok(await k.exists(['-n', 'openshift-machine-api', 'get', 'machine', 'clustername-8qw5l-master-0']), 'old machine gone');
    const cr = await kjson(sim.kubeconfig, ['get', 'etcd', 'cluster']);
    assert.equal(cr.spec.unsupportedConfigOverrides, { someOtherKey: 'keep-me' });
    // journal + junit
    const js = journals(env.XDG_STATE_HOME!);
    assert.is(js.length, 1);
    const j = JSON.parse(readFileSync(js[0]!, 'utf8'));
    assert.is(j.status, 'done');
    assert.equal(j.originalOverrides, { recorded: true, value: { someOtherKey: 'keep-me' } });
    assert.ok(existsSync(join(dirname(js[0]!), 'old-machine.yaml')) && existsSync(join(dirname(js[0]!), 'new-machine.yaml')));
    const doc = new XMLParser({ ignoreAttributes: false, attributeNamePrefix: '@_', isArray: (n) => n === 'testcase' }).parse(readFileSync(junit, 'utf8'));
    const tcs = doc.testsuites.testsuite.testcase;
    assert.is(tcs.length, j.steps.length);
    assert.equal(tcs.map((t: any) => t['@_name'].split(':')[0]), j.steps.map((x: any) => x.id));
    assert.ok(tcs.every((t: any) => t['@_classname'] === 'A'));
    // second run: nothing to do
    const again = await plugin(['auto', '--yes'], env);
    assert.is(again.code, 0, again.stderr);
    assert.match(again.stdout, /nothing to do/);
  } finally {
    await sim.stop();
  }
});

test('procedure B (crashloop): --dry-run changes nothing, then auto ends healthy', async () => {
  const sim = await startSim(scenario('etcd-crashloop'));
  try {
    await waitScenario(sim.kubeconfig, 'crashloop');
    const env = envFor(sim.kubeconfig);
    const k = kubeFor(sim.kubeconfig);
    const before = await readClusterState(k);
    const crBefore = await kjson(sim.kubeconfig, ['get', 'etcd', 'cluster']);
    const dry = await plugin(['auto', '--dry-run'], env);
    assert.is(dry.code, 0, dry.stderr);
    assert.match(dry.stdout, /member remove/);
    assert.match(dry.stdout, /forceRedeploymentReason/);
    const after = await readClusterState(k);
    assert.equal(after.members.map((m) => m.id).sort(), before.members.map((m) => m.id).sort());
    assert.equal((await kjson(sim.kubeconfig, ['get', 'etcd', 'cluster'])).spec, crBefore.spec);
    assert.is(journals(env.XDG_STATE_HOME!).length, 0, 'dry run writes no journal');

    const old = before.members.find((m) => m.name === 'ip-10-21-131-183.ec2.internal')!;
    const r = await plugin(['auto', '--yes'], env);
    assert.is(r.code, 0, `exit ${r.code}\n${r.stdout}\n${r.stderr}`);
    const s = await healthy3(sim.kubeconfig);
    assert.not.ok(s.members.some((m) => m.id === old.id), 'old ID gone');
    assert.ok(s.members.some((m) => m.name === 'ip-10-21-131-183.ec2.internal'), 'new member on the same node');
    const cr = await kjson(sim.kubeconfig, ['get', 'etcd', 'cluster']);
    assert.is(cr.spec.unsupportedConfigOverrides ?? null, crBefore.spec.unsupportedConfigOverrides ?? null);
    assert.match(cr.spec.forceRedeploymentReason ?? '', /^single-master-recovery-/);
  } finally {
    await sim.stop();
  }
});

test('unsafe (kubelet down, member still healthy): exit 4, nothing changed', async () => {
  const sim = await startSim(scenario('kubelet-down'));
  try {
    await waitScenario(sim.kubeconfig, 'unsafe');
    const env = envFor(sim.kubeconfig);
    const k = kubeFor(sim.kubeconfig);
    const before = await readClusterState(k);
    const crBefore = await kjson(sim.kubeconfig, ['get', 'etcd', 'cluster']);
    const r = await plugin(['auto', '--yes'], env);
    assert.is(r.code, 4, `exit ${r.code}\n${r.stdout}\n${r.stderr}`);
    assert.match(r.stderr, /refused/);
    const after = await readClusterState(k);
    assert.equal(after.members.map((m) => m.id).sort(), before.members.map((m) => m.id).sort());
    assert.equal((await kjson(sim.kubeconfig, ['get', 'etcd', 'cluster'])).spec, crBefore.spec);
    assert.is(after.nodes.length, before.nodes.length);
    assert.is(journals(env.XDG_STATE_HOME!).length, 0);
  } finally {
    await sim.stop();
  }
});

test.run();
