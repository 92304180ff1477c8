// The runner stops resumably (exit 5, what it waited for, the resume hint) when a step's wait runs out of time or
// the cluster cannot be reached; a plain step failure stays exit 1. The journal lets --resume start at that step.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Journal } from '../../lib/runbooks/journal.ts';
import { runPlan, type Plan } from '../../lib/runbooks/runner.ts';
import { waitFor, type PlanFacts, type Step } from '../../lib/runbooks/step.ts';
import { PluginError } from '../../lib/errors.ts';
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
const quiet: Progress = { line() {}, step: () => ({ note() {}, done() {}, skipped() {}, failed() {}, pause() {} }) };

function step(id: string, act: () => Promise<void>): Step {
  return { id, title: `Step ${id}`, command: [`do ${id}`], destructive: true, precondition: async () => 'run', act, verify: async () => undefined };
}

async function run(steps: Step[]) {
  const root = mkdtempSync(join(tmpdir(), 'runner-stop-'));
  const plan: Plan = { procedure: 'A', title: 'T', facts, steps };
  const err: string[] = [];
  let journal: Journal | null = null;
  const code = await runPlan(plan, {} as any, () => (journal ??= Journal.create(root, 'c', facts, steps)), {
    yes: true, dryRun: false, stepMode: false, tty: false, color: false, cli: 'oc etcd-replace',
    out: () => undefined, err: (l) => void err.push(l), progress: quiet, handleSignals: false,
  });
  return { code, err: err.join('\n'), journal: journal! };
}

test('a wait that runs out of time stops with exit 5, names what it waited for, and resumes at that step', async () => {
  const r = await run([
    step('a', async () => undefined),
    step('b', () => waitFor('machine m-3 to be Running', async () => 'phase Provisioning', { timeoutMs: 50, intervalMs: 10 })),
  ]);
  assert.is(r.code, 5);
  assert.match(r.err, /stopped at step 2\/2 \(b: Step b\): timed out after 0s waiting for machine m-3 to be Running \(last seen: phase Provisioning\)/);
  assert.match(r.err, /auto --resume/);
  assert.is(r.journal.firstOpenStep(), 1);
});

test('an unreachable cluster (transient PluginError) stops with exit 5; any other failure is exit 1', async () => {
  const t = await run([step('a', async () => { throw new PluginError('cannot reach the API server at https://api:6443: connection refused', { transient: true }); })]);
  assert.is(t.code, 5);
  assert.match(t.err, /once the cluster is reachable and settled/);
  const f = await run([step('a', async () => { throw new Error('the new machine YAML was not saved'); })]);
  assert.is(f.code, 1);
  assert.match(f.err, /failed at step 1\/1/);
});

test.run();
