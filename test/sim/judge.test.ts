// The judge (test/helpers/judge.ts) against a simulator: it sees what really runs, and each of its verdicts can fail.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { kubectl, waitFor, type SimHandle } from '../helpers/sim.ts';
import { startJudgedSim, waitDiagnosis } from '../helpers/plugin.ts';
import * as judge from '../helpers/judge.ts';

const NODES = ['ip-10-51-0-11.ec2.internal', 'ip-10-51-0-12.ec2.internal', 'ip-10-51-0-13.ec2.internal'];
let sim: SimHandle | undefined;

test.after(async () => {
  await sim?.stop();
});

/** The assertion `fn` must fail, with a message matching `re`. */
async function rejects(fn: () => Promise<unknown> | unknown, re: RegExp) {
  try {
    await fn();
  } catch (err) {
    assert.match((err as Error).message, re);
    return;
  }
  assert.unreachable(`expected a failed verdict matching ${re}`);
}

test('member never removed since a time: a member added later is judged from the list in force then, a removal after it still fails', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'judge-'));
  const w = { stateDir: dir, kubeconfig: '' };
  const list = (t: string, ids: string[]) => JSON.stringify({ t, kind: 'members', members: ids.map((id) => ({ id, name: id, learner: false, started: true, running: true })) });
  writeFileSync(join(dir, 'evidence.jsonl'), [list('2026-01-01T00:00:00.000Z', ['a', 'b']), list('2026-01-01T00:01:00.000Z', ['a', 'b', 'c'])].join('\n') + '\n');
  await rejects(() => judge.expectMemberNeverRemoved(w, 'c'), /member c was missing from the list at 2026-01-01T00:00:00.000Z/);
  judge.expectMemberNeverRemoved(w, 'c', '2026-01-01T00:01:30.000Z');
  writeFileSync(join(dir, 'evidence.jsonl'), list('2026-01-01T00:02:00.000Z', ['a', 'b']) + '\n', { flag: 'a' });
  await rejects(() => judge.expectMemberNeverRemoved(w, 'c', '2026-01-01T00:01:30.000Z'), /member c was missing from the list at 2026-01-01T00:02:00.000Z/);
  rmSync(dir, { recursive: true, force: true });
});

test('crash-looping member: the judge sees three members, one unhealthy, and says so', async () => {
  sim = await startJudgedSim({
    openshift: '4.14',
    platform: 'aws',
    controlPlaneMachineSet: 'absent',
    masters: NODES.map((node, i) => ({ node, ip: `10.51.0.${11 + i}`, machine: `clustername-8qw5l-master-${i}` })),
    workers: 0,
    faults: [{ node: NODES[0], kind: 'etcd-crashloop' }],
    timing: { provisionSeconds: 1, rolloutSeconds: 1 },
  });
  await waitDiagnosis(sim, 'crashloop');
  const procs = judge.etcdProcesses(sim);
  assert.equal(procs.map((p) => p.name), NODES.slice(1), 'the crash-looping member has no etcd process');
  const ms = await judge.members(sim);
  assert.equal(ms.map((m) => m.name).sort(), [...NODES].sort());
  assert.ok(ms.every((m) => /^[0-9a-f]{16}$/.test(m.id)));
  await rejects(() => judge.expectHealthy(sim!, NODES, { retryMs: 0 }), /UNHEALTHY|not every member/);
  await rejects(() => judge.expectHealthy(sim!, NODES.slice(1)), /member names/);
  await judge.expectExists(sim, ['node', NODES[0]!]);
  await rejects(() => judge.expectGone(sim!, ['node', NODES[0]!]), /still exists/);
  await judge.expectGone(sim, ['node', 'no-such-node']);
  await judge.expectGuardRestored(sim);
  const w = await judge.watchEtcdCR(sim);
  assert.is(kubectl(sim, ['patch', 'etcd', 'cluster', '--type=merge', '-p', JSON.stringify({ spec: { unsupportedConfigOverrides: { [judge.GUARD_OFF_KEY]: true } } })]).exitCode, 0);
  assert.is(kubectl(sim, ['patch', 'etcd', 'cluster', '--type=merge', '-p', JSON.stringify({ spec: { unsupportedConfigOverrides: null } })]).exitCode, 0);
  await judge.expectGuardRestored(sim);
  // the watch saw the version in between, which a look at the end cannot
  const w2 = await judge.watchEtcdCR(sim);
  await rejects(() => judge.expectGuardNeverOff(w), /quorum guard was turned off/);
  await judge.expectGuardNeverOff(w2);
  const id0 = await judge.memberId(sim, NODES[0]!);
  judge.expectMemberNeverRemoved(sim, id0);
  judge.expectQuorumNeverLost(sim);
  // removed behind everyone's back (etcdctl straight at a running member): the judge's record of the run sees it
  const ep = judge.etcdProcesses(sim)[0]!.clientURL;
  assert.is(execFileSync('etcdctl', ['--endpoints', ep, 'member', 'remove', BigInt(`0x${id0}`).toString(16)], { encoding: 'utf8' }).includes('removed'), true);
  await waitFor('the removal in the evidence', () => judge.membershipHistory(sim!).some((h) => !h.members.some((m) => m.id === id0)), 60_000);
  await rejects(() => judge.expectMemberNeverRemoved(sim!, id0), new RegExp(`member ${id0} was missing`));
  await rejects(() => judge.expectReplaced(sim!, { oldId: id0, name: NODES[0]! }), /no started voting member named/);
  await sim.stop();
  sim = undefined;
});

test('two of three members down: the judge records the quorum loss', async () => {
  sim = await startJudgedSim({
    openshift: '4.14',
    platform: 'aws',
    controlPlaneMachineSet: 'absent',
    masters: NODES.map((node, i) => ({ node, ip: `10.51.0.${11 + i}`, machine: `clustername-8qw5l-master-${i}` })),
    workers: 0,
    faults: [
      { node: NODES[0], kind: 'machine-stopped' },
      { node: NODES[1], kind: 'machine-stopped' },
    ],
    timing: { provisionSeconds: 1, rolloutSeconds: 1 },
  });
  await waitFor('a quorum loss in the evidence', () => judge.evidence(sim!).some((e) => e.kind === 'quorum-lost'), 120_000, 1000);
  await rejects(() => judge.expectQuorumNeverLost(sim!), /quorum lost/);
});

test.run();
