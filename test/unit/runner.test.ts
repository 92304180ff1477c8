import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Journal } from '../../lib/runbooks/journal.ts';
import { formatPlan, runPlan, type Plan } from '../../lib/runbooks/runner.ts';
import { ManualStop, StepRefusal, waitFor, type PlanFacts, type Step } from '../../lib/runbooks/step.ts';
import type { Progress } from '../../lib/ui/progress.ts';

const facts: PlanFacts = {
  procedure: 'A',
  release: '4.14.8',
  platform: 'AWS',
  target: { memberId: '6fc1e7c9db35841d', memberName: 'n1', node: 'n1', nodeIP: '10.0.0.1', machine: 'm-0' },
  backupNode: 'n2',
  execPod: 'etcd-n2',
  machineMode: 'yaml',
  machinesAtPlan: [],
  nodesAtPlan: [],
  controlPlaneReplicas: 3,
  stamp: 'x',
};

interface World { calls: string[]; state: Record<string, boolean> }

/** A step that "creates" state[key]; skip when present. */
function fake(w: World, id: string, o: { destructive?: boolean; fail?: 'act' | 'verify' | 'refuse' | 'manual'; } = {}): Step {
  return {
    id,
    title: `Step ${id}`,
    command: [`do ${id}`],
    destructive: o.destructive ?? true,
    async precondition(ctx) {
      w.calls.push(`pre:${id}`);
      if (o.fail === 'refuse') throw new StepRefusal(`unsafe ${id}`);
      if (w.state[id]) {
        ctx.note(`${id} already there`);
        return 'skip';
      }
      return 'run';
    },
    async act(ctx) {
      w.calls.push(`act:${id}`);
      if (o.fail === 'act') throw new Error(`boom ${id}`);
      if (o.fail === 'manual') throw new ManualStop(`do ${id} by hand`, ['step one']);
      w.state[id] = true;
      ctx.record(`did-${id}`, true);
      return `${id} ok`;
    },
    async verify() {
      w.calls.push(`verify:${id}`);
      if (o.fail === 'verify') throw new Error(`timed out waiting for ${id}`);
    },
  };
}

const quietProgress: Progress = {
  line() {},
  step: () => ({ note() {}, done() {}, skipped() {}, failed() {}, pause() {} }),
};

function setup(steps: Step[]) {
  const root = mkdtempSync(join(tmpdir(), 'runner-'));
  const plan: Plan = { procedure: 'A', title: 'Test plan', facts, steps };
  const out: string[] = [];
  const err: string[] = [];
  let journal: Journal | null = null;
  const open = () => (journal ??= Journal.create(root, 'c', facts, steps));
  const opts = (extra: Record<string, unknown> = {}) => ({
    yes: true, dryRun: false, stepMode: false, tty: false, color: false, cli: 'oc etcd-replace',
    out: (l: string) => void out.push(l), err: (l: string) => void err.push(l), progress: quietProgress, handleSignals: false, ...extra,
  });
  return { plan, out, err, open, opts, journal: () => journal };
}

test('plan lists every step numbered with its command', () => {
  const w: World = { calls: [], state: {} };
  const lines = formatPlan({ procedure: 'A', title: 'T', facts, steps: [fake(w, 'a'), fake(w, 'b', { destructive: false })] });
  assert.ok(lines.some((l) => /^\s+1\. Step a/.test(l)));
  assert.ok(lines.some((l) => /^\s+2\. Step b/.test(l)));
  assert.ok(lines.includes('       $ do a'));
});

test('runs in order: precondition → act → verify; skips what is in place', async () => {
  const w: World = { calls: [], state: { b: true } };
  const s = setup([fake(w, 'a'), fake(w, 'b'), fake(w, 'c')]);
  const rc = await runPlan(s.plan, {} as any, s.open, s.opts());
  assert.is(rc, 0);
  assert.equal(w.calls, ['pre:a', 'act:a', 'verify:a', 'pre:b', 'pre:c', 'act:c', 'verify:c']);
  const j = s.journal()!;
  assert.equal(j.data.steps.map((x) => x.status), ['done', 'skipped', 'done']);
  assert.is(j.data.status, 'done');
  assert.is(j.step('b').output, 'b already there');
  assert.is(j.data.vars['did-a'], true);
});

test('dry run prints the plan and touches nothing', async () => {
  const w: World = { calls: [], state: {} };
  const s = setup([fake(w, 'a')]);
  const rc = await runPlan(s.plan, {} as any, s.open, s.opts({ dryRun: true, yes: false }));
  assert.is(rc, 0);
  assert.equal(w.calls, []);
  assert.is(s.journal(), null);
  assert.ok(s.out.some((l) => l.includes('$ do a')));
});

test('no TTY and no --yes → exit 2, nothing run', async () => {
  const w: World = { calls: [], state: {} };
  const s = setup([fake(w, 'a')]);
  assert.is(await runPlan(s.plan, {} as any, s.open, s.opts({ yes: false })), 2);
  assert.equal(w.calls, []);
  assert.is(s.journal(), null);
});

test('TTY: declined confirmation → exit 1, nothing run; accepted → runs', async () => {
  const w: World = { calls: [], state: {} };
  const s = setup([fake(w, 'a')]);
  assert.is(await runPlan(s.plan, {} as any, s.open, s.opts({ yes: false, tty: true, confirm: async () => false })), 1);
  assert.equal(w.calls, []);
  assert.is(await runPlan(s.plan, {} as any, s.open, s.opts({ yes: false, tty: true, confirm: async () => true })), 0);
  assert.equal(w.calls, ['pre:a', 'act:a', 'verify:a']);
});

test('failure stops, names the step and the resume command, then resume continues from it', async () => {
  const w: World = { calls: [], state: {} };
  const steps = [fake(w, 'a'), fake(w, 'b', { fail: 'verify' }), fake(w, 'c')];
  const s = setup(steps);
  assert.is(await runPlan(s.plan, {} as any, s.open, s.opts()), 1);
  assert.equal(w.calls, ['pre:a', 'act:a', 'verify:a', 'pre:b', 'act:b', 'verify:b']);
  const j = s.journal()!;
  assert.equal(j.data.steps.map((x) => x.status), ['done', 'failed', 'pending']);
  assert.is(j.data.status, 'failed');
  assert.ok(s.err.some((l) => l.includes('step 2/3') && l.includes('timed out waiting for b')));
  assert.ok(s.err.some((l) => l.includes('oc etcd-replace auto --resume')));
  // resume: b's precondition sees its result in place (state.b) → skip; c runs
  w.calls.length = 0;
  steps[1] = fake(w, 'b');
  const again = await runPlan({ ...s.plan, steps }, {} as any, () => Journal.load(j.dir), s.opts());
  assert.is(again, 0);
  assert.equal(w.calls, ['pre:b', 'pre:c', 'act:c', 'verify:c']);
  assert.equal(Journal.load(j.dir).data.steps.map((x) => x.status), ['done', 'skipped', 'done']);
});

test('refusal before any change → exit 4, status refused; act never called', async () => {
  const w: World = { calls: [], state: {} };
  const s = setup([fake(w, 'a', { destructive: false }), fake(w, 'b', { fail: 'refuse' }), fake(w, 'c')]);
  assert.is(await runPlan(s.plan, {} as any, s.open, s.opts()), 4);
  assert.equal(w.calls, ['pre:a', 'act:a', 'verify:a', 'pre:b']);
  assert.is(s.journal()!.data.status, 'refused');
  assert.ok(s.err.some((l) => l.includes('unsafe b')));
});

test('refusal after a destructive change → exit 4 but resumable (status failed)', async () => {
  const w: World = { calls: [], state: {} };
  const s = setup([fake(w, 'a'), fake(w, 'b', { fail: 'refuse' })]);
  assert.is(await runPlan(s.plan, {} as any, s.open, s.opts()), 4);
  assert.is(s.journal()!.data.status, 'failed');
});

test('manual stop → exit 5, step stays pending with instructions', async () => {
  const w: World = { calls: [], state: {} };
  const s = setup([fake(w, 'a'), fake(w, 'm', { fail: 'manual', destructive: false }), fake(w, 'c')]);
  assert.is(await runPlan(s.plan, {} as any, s.open, s.opts()), 5);
  const j = s.journal()!;
  assert.is(j.step('m').status, 'pending');
  assert.is(j.data.status, 'stopped');
  assert.ok(s.err.some((l) => l.includes('step one')));
  assert.is(j.firstOpenStep(), 1);
});

test('--step asks before each destructive step only; "no" stops with exit 5', async () => {
  const w: World = { calls: [], state: {} };
  const asked: string[] = [];
  const s = setup([fake(w, 'a', { destructive: false }), fake(w, 'b'), fake(w, 'c')]);
  let n = 0;
  const confirm = async (q: string) => {
    asked.push(q.split('\n')[0]!);
    n++;
    return n <= 2; // plan yes, b yes, c no
  };
  assert.is(await runPlan(s.plan, {} as any, s.open, s.opts({ yes: false, tty: true, stepMode: true, confirm })), 5);
  assert.is(asked.length, 3);
  assert.ok(asked[1]!.includes('Step 2/3'));
  assert.equal(w.calls, ['pre:a', 'act:a', 'verify:a', 'pre:b', 'act:b', 'verify:b', 'pre:c']);
  assert.is(s.journal()!.step('c').status, 'pending');
});

test('waitFor: names what it waited for on timeout; retries thrown errors', async () => {
  let i = 0;
  await waitFor('x', async () => { i++; if (i < 3) throw new Error('transient'); return true; }, { timeoutMs: 1000, intervalMs: 1 });
  assert.is(i, 3);
  try {
    await waitFor('the thing to happen', async () => 'still not', { timeoutMs: 20, intervalMs: 5 });
    assert.unreachable();
  } catch (e: any) {
    assert.match(e.message, /waiting for the thing to happen \(last seen: still not\)/);
  }
});

// ---- pure safety / patch helpers used by the steps (lib/runbooks/steps/) ----
const mem = (id: string, name: string, ip: string, healthy: boolean | null, extra: Record<string, unknown> = {}) => ({
  id, name, peerURLs: [`https://${ip}:2380`], clientURLs: [`https://${ip}:2379`], started: true, isLearner: false, healthy, leader: false, ...extra,
});
const pod = (node: string) => ({ name: `etcd-${node}`, node, phase: 'Running', status: 'Running', readyCount: 4, containerCount: 4, restarts: 0, containers: [] });
function cluster(members: any[]): any {
  return {
    release: '4.14.8', platform: 'AWS', members, memberSource: 'etcd-n2', pods: [pod('n1'), pod('n2'), pod('n3')],
    nodes: [
      { name: 'n1', internalIP: '10.0.0.1', ready: false, unreachable: true, uid: 'u1' },
      { name: 'n2', internalIP: '10.0.0.2', ready: true, unreachable: false, uid: 'u2' },
      { name: 'n3', internalIP: '10.0.0.3', ready: true, unreachable: false, uid: 'u3' },
    ],
    machines: null, controlPlaneMachineSet: null, secrets: [],
    etcd: { conditions: [], unsupportedConfigOverrides: undefined, quorumGuardOff: false, forceRedeploymentReason: null, latestAvailableRevision: 1, nodeStatuses: [], controlPlaneReplicas: 3 },
  };
}
const T = facts.target; // 6fc1e7c9db35841d on n1 / 10.0.0.1

test('removalRefusals: safe case, already gone, healthy target, identity mismatch, quorum, learner', async () => {
  const { removalRefusals } = await import('../../lib/runbooks/steps/member.ts');
  const ok = [mem(T.memberId, 'n1', '10.0.0.1', false), mem('00000000000000a2', 'n2', '10.0.0.2', true), mem('00000000000000a3', 'n3', '10.0.0.3', true)];
  assert.equal(removalRefusals(cluster(ok), T), []);
  assert.equal(removalRefusals(cluster(ok.slice(1)), T), [], 'already gone: nothing to check');
  assert.match(removalRefusals(cluster([mem(T.memberId, 'n1', '10.0.0.1', true), ...ok.slice(1)]), T).join(), /healthy again/);
  assert.match(removalRefusals(cluster([mem(T.memberId, 'n9', '10.0.0.1', false), ...ok.slice(1)]), T).join(), /named n9/);
  assert.match(removalRefusals(cluster([mem(T.memberId, 'n1', '10.0.0.9', false), ...ok.slice(1)]), T).join(), /peer URL/);
  assert.match(removalRefusals(cluster([ok[0], ok[1], mem('00000000000000a3', 'n3', '10.0.0.3', false)]), T).join(), /quorum needs 2/);
  assert.match(removalRefusals(cluster([ok[0], ok[1], mem('00000000000000a3', 'n3', '10.0.0.3', null)]), T).join(), /quorum needs 2/, 'unknown health is not healthy');
  assert.match(removalRefusals(cluster([...ok, mem('00000000000000a4', '', '10.0.0.4', null, { isLearner: true, started: false })]), T).join(), /learner/);
});

test('restore patch keeps other keys; absent original → null merge patch', async () => {
  const { restorePatchArgs, overrideIsOn } = await import('../../lib/runbooks/steps/quorum-guard.ts');
  const { releaseAtLeast } = await import('../../lib/runbooks/steps/shared.ts');
  assert.equal(restorePatchArgs(undefined).slice(-2), ['-p', '{"spec":{"unsupportedConfigOverrides":null}}']);
  const a = restorePatchArgs({ other: 'x' });
  assert.is(a[3], '--type=json');
  assert.equal(JSON.parse(a[5]!), [{ op: 'add', path: '/spec/unsupportedConfigOverrides', value: { other: 'x' } }]);
  assert.ok(overrideIsOn({ useUnsupportedUnsafeNonHANonProductionUnstableEtcd: 'True' }));
  assert.not.ok(overrideIsOn({ useUnsupportedUnsafeNonHANonProductionUnstableEtcd: false }));
  assert.ok(releaseAtLeast('4.12.3', '4.12'));
  assert.not.ok(releaseAtLeast('4.7.60', '4.8'));
  assert.ok(releaseAtLeast('4.10.0', '4.8'));
  assert.ok(releaseAtLeast(null, '4.12'));
});

test.run();
