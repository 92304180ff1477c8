// Pure logic of the wait-rollout step (lib/runbooks/steps/rollout.ts) and the backoff of waitFor.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { onlyNMinusOnePods, podsAndEndpointsGap, rolloutGap } from '../../lib/runbooks/steps/rollout.ts';
import { waitFor, type PlanFacts } from '../../lib/runbooks/step.ts';
import { progressingOperator, savedSnapshot } from '../../lib/runbooks/steps/backup.ts';
import type { EtcdMember, EtcdPod } from '../../lib/types.ts';

const f: PlanFacts = {
  procedure: 'A',
  release: '4.14.8',
  platform: 'AWS',
  target: { memberId: '6fc1e7c9db35841d', memberName: 'old', node: 'old', nodeIP: '10.0.0.1', machine: 'm-0' },
  backupNode: 'n2',
  execPod: 'etcd-n2',
  machineMode: 'yaml',
  machinesAtPlan: [],
  nodesAtPlan: [],
  controlPlaneReplicas: 3,
  stamp: 'x',
};

const pod = (node: string, ready = 4): EtcdPod => ({
  name: `etcd-${node}`, node, phase: 'Running', status: 'Running', readyCount: ready, containerCount: 4, restarts: 0, containers: [],
});
const member = (id: string, name: string, o: Partial<EtcdMember> = {}): EtcdMember => ({
  id, name, peerURLs: [`https://${name}:2380`], clientURLs: [`https://${name}:2379`], started: true, isLearner: false, healthy: true, leader: false, ...o,
});

test('onlyNMinusOnePods: only when no pod on the known new node and N-1 pods besides the old node', () => {
  assert.ok(onlyNMinusOnePods([pod('n2'), pod('n3')], f, 'new'));
  assert.ok(onlyNMinusOnePods([pod('old', 0), pod('n2'), pod('n3')], f, 'new'), 'the old node pod does not count');
  assert.not.ok(onlyNMinusOnePods([pod('n2'), pod('n3'), pod('new', 1)], f, 'new'), 'a pod on the new node (starting, learner) → no');
  assert.not.ok(onlyNMinusOnePods([pod('n2'), pod('n3')], f, null), 'new node unknown (machine not Running yet) → no');
  assert.not.ok(onlyNMinusOnePods([pod('n2')], f, 'new'), 'fewer than N-1 pods is something else');
});

test('podsAndEndpointsGap: pod first, then etcd-endpoints (voting members only)', () => {
  const eps = (ids: string[]) => new Map(ids.map((id, i) => [id, `10.0.0.${i + 2}`]));
  assert.match(podsAndEndpointsGap([pod('n2'), pod('n3')], eps(['a', 'b']), f, 'new'), /pod etcd-new does not exist/);
  assert.match(podsAndEndpointsGap([pod('n2'), pod('n3'), pod('new', 2)], eps(['a', 'b']), f, 'new'), /2\/4 ready/);
  assert.match(podsAndEndpointsGap([pod('n2'), pod('n3'), pod('new')], eps(['a', 'b']), f, 'new'), /2 voting members in configmap etcd-endpoints, want 3/);
  assert.match(podsAndEndpointsGap([pod('n2'), pod('n3'), pod('new')], eps(['a', 'b', f.target.memberId]), f, 'new'), /old member/);
  assert.is(podsAndEndpointsGap([pod('n2'), pod('n3'), pod('new')], eps(['a', 'b', 'c']), f, 'new'), '');
  assert.is(podsAndEndpointsGap([pod('n2'), pod('n3'), pod('new')], null, f, 'new'), '', 'unreadable configmap: decided by the member list');
});

test('rolloutGap: a learner is a gap; health judged only when asked', () => {
  const pods = [pod('n2'), pod('n3'), pod('new')];
  const learner = [member('a', 'n2'), member('b', 'n3'), member('c', 'new', { isLearner: true })];
  assert.match(rolloutGap({ pods, members: learner }, f, 'new'), /learner\(s\) not promoted yet: c/);
  const unknownHealth = [member('a', 'n2'), member('b', 'n3'), member('c', 'new', { healthy: null })];
  assert.is(rolloutGap({ pods, members: unknownHealth }, f, 'new', { health: false }), '');
  assert.match(rolloutGap({ pods, members: unknownHealth }, f, 'new'), /unhealthy: new/);
});

test('waitFor: the pause between checks doubles from intervalMs up to maxIntervalMs', async () => {
  // the pauses waitFor asks for, recorded instead of waited (no timing involved); the per-check deadline timer
  // (as long as the time left, here about a minute) is not a pause
  const pauses: number[] = [];
  const real = globalThis.setTimeout;
  (globalThis as any).setTimeout = (fn: () => void, ms = 0) => {
    if (ms < 30_000) pauses.push(ms);
    return real(fn, 0);
  };
  let checks = 0;
  try {
    await waitFor('x', async () => ++checks >= 5, { timeoutMs: 60_000, intervalMs: 20, maxIntervalMs: 80 });
  } finally {
    globalThis.setTimeout = real;
  }
  assert.is(checks, 5);
  assert.equal(pauses, [20, 40, 80, 80]);
});

test('backup: the operator cluster-backup.sh names as progressing; the snapshot file this invocation saved', () => {
  assert.is(progressingOperator('Currently the kube-apiserver operator is progressing. A reliable backup requires that a rollout is not in progress.  Aborting!'), 'kube-apiserver');
  assert.is(progressingOperator('Could not find the status of the etcd. Check if the API server is running.'), null);
  assert.is(savedSnapshot('found latest etcd-pod\n{"level":"info","msg":"saved"}\nSnapshot saved at /home/core/assets/backup/snapshot_2026-11-28_113002.db\n'), '/home/core/assets/backup/snapshot_2026-11-28_113002.db');
  assert.is(savedSnapshot('Snapshot saved at /home/core/assets/backup/snapshot_2026-11-28_113002__POSSIBLY_DIRTY__.db'), '/home/core/assets/backup/snapshot_2026-11-28_113002__POSSIBLY_DIRTY__.db');
  assert.is(savedSnapshot('Snapshot saved at /tmp/x;rm -rf /'), null, 'only a file name of the backup dir');
  assert.is(savedSnapshot('snapshot db and kube resources are successfully saved to /home/core/assets/backup'), null);
});

test.run();
