// End-to-end: real-world rollout behaviours (issue 9 items 1, 2, 3, 6, 7) — `auto` against the simulator.
// One simulated cluster: procedure A (items 7, 2, 1 share it); a dedicated etcd disk (6) and a revision crash loop (3)
// are in rollout-b.test.ts (each file well inside the runner's per-file limit).
// Outcomes are judged by test/helpers/judge.ts.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { kubectl, type SimHandle } from '../helpers/sim.ts';
import { journalFile, readJournal, runPlugin, startJudgedSim, stateEnv, waitDiagnosis } from '../helpers/plugin.ts';
import * as judge from '../helpers/judge.ts';

const NS = 'openshift-machine-api';
const nodesOf = (net: string) => [11, 12, 13].map((i) => `ip-${net.replace(/\./g, '-')}-${i}.ec2.internal`);

const masters = (net: string) => `masters:
  - {node: ip-${net.replace(/\./g, '-')}-11.ec2.internal, ip: ${net}.11, machine: clustername-8qw5l-master-0}
  - {node: ip-${net.replace(/\./g, '-')}-12.ec2.internal, ip: ${net}.12, machine: clustername-8qw5l-master-1}
  - {node: ip-${net.replace(/\./g, '-')}-13.ec2.internal, ip: ${net}.13, machine: clustername-8qw5l-master-2}
workers: 0
`;

/**
 * One procedure A cluster for items 7, 2 and 1: 4.11 aws without a CPMS (no operator scale-down of an unhealthy member
 * before 4.12), the broken master's machine already deleted by someone (held Deleting by its preDrain hook), and new
 * members that stay learners for 15 s while they catch up.
 */
const A_NET = '10.31.0';
const A_TARGET = `ip-${A_NET.replace(/\./g, '-')}-11.ec2.internal`;
let simA: SimHandle | undefined;
// the cluster is shared by two tests: stopped here whatever happened to them
test.after(async () => {
  await simA?.stop();
});
const PLANTED = '/home/core/assets/backup/snapshot_2026-01-01_000000.db';

test('item 7: an operator progressing → cluster-backup.sh (no --force) refuses; auto exits 4 naming it, nothing changed', async () => {
  simA = await startJudgedSim(`openshift: "4.11"
platform: aws
controlPlaneMachineSet: absent
${masters(A_NET)}faults:
  - {node: ${A_TARGET}, kind: machine-deleting}
timing: {provisionSeconds: 1, rolloutSeconds: 1, learnerPromoteSeconds: 15}
`);
  await waitDiagnosis(simA, 'not-ready');
  // a snapshot someone took earlier today on every master: not this run's backup
  for (const n of readdirSync(join(simA.stateDir, 'nodes'))) {
    const dir = join(simA.stateDir, 'nodes', n, 'root', dirname(PLANTED));
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, basename(PLANTED)), 'an older snapshot');
  }
  // a kube-apiserver rollout in progress (the sim has no kube-apiserver operator: its ClusterOperator status is set here)
  const co = await judge.expectExists(simA, ['clusteroperator', 'kube-apiserver']);
  const conditions = co.status.conditions.map((c: any) => (c.type === 'Progressing' ? { ...c, status: 'True', reason: 'NodeInstaller', message: 'NodeInstallerProgressing: 1 node is at revision 12; 2 nodes are at revision 13' } : c));
  assert.is(kubectl(simA, ['patch', 'clusteroperator', 'kube-apiserver', '--subresource=status', '--type=merge', '-p', JSON.stringify({ status: { conditions } })]).exitCode, 0);
  const before = (await judge.members(simA)).map((m) => m.id).sort();
  const env = stateEnv();
  const r = await runPlugin(simA, ['auto', '--yes'], { env });
  assert.is(r.code, 4, `exit ${r.code}\n${r.stdout}\n${r.stderr}`);
  assert.match(r.stderr, /the kube-apiserver operator is progressing/);
  assert.match(r.stderr, /--force-backup/);
  assert.equal((await judge.members(simA)).map((m) => m.id).sort(), before, 'no member removed or added');
  await judge.expectExists(simA, ['-n', NS, 'machine', 'clustername-8qw5l-master-0'], 'the old machine');
  await judge.expectGone(simA, ['-n', NS, 'machine', 'clustername-8qw5l-master-3'], 'a new machine');
  assert.is(readJournal(env.XDG_STATE_HOME).steps.find((s: any) => s.id === 'backup').status, 'failed');
});

test('items 2, 1, 7: target machine already Deleting → procedure A (its YAML saved before the member removal); a learner catching up longer than the redeploy knob forces no recovery- redeploy; --force-backup takes this run\'s own (dirty) snapshot; ends healthy', async () => {
  assert.ok(simA, 'the sim of the previous test');
  const sim = simA!;
  const old = await judge.expectExists(sim, ['-n', NS, 'machine', 'clustername-8qw5l-master-0']);
  assert.ok(old.metadata.deletionTimestamp, 'the old machine is being deleted');
  const oldId = await judge.memberId(sim, A_TARGET);
  const cr = await judge.watchEtcdCR(sim);
  const env = stateEnv({ ETCD_REPLACE_FORCE_REDEPLOY_AFTER_S: '5' });
  const mark = judge.requestMark(sim);
  const r = await runPlugin(sim, ['auto', '--yes', '--force-backup'], { env });
  assert.is(r.code, 0, `exit ${r.code}\n${r.stdout}\n${r.stderr}`);
  const m3 = await judge.expectExists(sim, ['-n', NS, 'machine', 'clustername-8qw5l-master-3']);
  assert.is(m3.status?.phase, 'Running');
  const newNode: string = m3.status?.nodeRef?.name;
  await judge.expectHealthy(sim, [...nodesOf(A_NET).slice(1), newNode]);
  const now = await judge.expectReplaced(sim, { oldId, name: newNode });
  await judge.expectGone(sim, ['-n', NS, 'machine', 'clustername-8qw5l-master-0'], 'the old machine');
  judge.expectQuorumNeverLost(sim);
  // item 2
  // item 2, from the API server's request log: the old Machine was read by name before the member was removed
  const sent = judge.requests(sim).slice(mark);
  const readOld = sent.findIndex((q) => q.method === 'GET' && /\/machines\/clustername-8qw5l-master-0(\?|$)/.test(q.url));
  const removed = sent.findIndex((q) => /\/exec\?.*command=member&command=remove/.test(q.url));
  assert.ok(removed >= 0, 'the member was removed through an exec in an etcd pod');
  assert.ok(readOld >= 0 && readOld < removed, `the old Machine read at request ${readOld}, the member removed at ${removed}`);
  const j = readJournal(env.XDG_STATE_HOME);
  const saved = readFileSync(join(dirname(journalFile(env.XDG_STATE_HOME)!), 'new-machine.yaml'), 'utf8');
  assert.not.match(saved, /deletionTimestamp|deletionGracePeriodSeconds|phase: Deleting/);
  // item 7: the backup on the node is this run's own, marked dirty, and not the planted one
  const backups = readdirSync(join(sim.stateDir, 'nodes')).flatMap((n) => {
    const dir = join(sim.stateDir, 'nodes', n, 'root', dirname(PLANTED));
    return existsSync(dir) ? readdirSync(dir) : [];
  });
  assert.ok(backups.some((f) => /^snapshot_.*__POSSIBLY_DIRTY__\.db$/.test(f)), `snapshots on the masters: ${backups.join(', ')}`);
  assert.match(String(j.vars.backup), /:\/home\/core\/assets\/backup\/snapshot_.*__POSSIBLY_DIRTY__\.db$/);
  // item 1: the new member really was a learner for longer than the knob (5 s), and no version of the Etcd CR over
  // the whole run carried a recovery- redeploy
  const hist = judge.membershipHistory(sim);
  const firstLearner = hist.find((h) => h.members.some((m) => m.id === now.id && m.learner));
  const promoted = hist.find((h) => h.members.some((m) => m.id === now.id && !m.learner));
  assert.ok(firstLearner && promoted, `the new member ${now.id} was never seen as a learner, then a voter`);
  assert.ok(Date.parse(promoted!.t) - Date.parse(firstLearner!.t) > 5000, `learner from ${firstLearner!.t} to ${promoted!.t}: not longer than the knob, the test proves nothing`);
  const versions = await cr.stop();
  const forced = versions.map((v) => v.spec?.forceRedeploymentReason ?? '').filter((x) => /^recovery-/.test(x));
  assert.equal(forced, [], 'a recovery- redeploy was forced');
});

test.run();
