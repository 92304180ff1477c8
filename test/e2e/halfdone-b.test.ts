// Issue 18: finish a replacement someone else started, with no journal, from the live cluster alone. One simulated
// 4.16 cluster (no journal ever shared between runs: each run has its own XDG_STATE_HOME), three half-done states one
// after the other, each finished by `auto --yes` before the next is made by hand (test/helpers/byhand.ts):
//   1. the 4.16 case: CPMS Inactive, the broken master's Machine deleted by someone; the etcd operator's
//      member-removal controller removes its member, then the Machine and the Node go. Nothing creates a new master:
//      auto creates one from a surviving master's Machine, as the docs copy it;
//   2. procedure B by hand: etcd stopped (manifest and data dir moved), the member removed, the secrets deleted and
//      not re-created (the quorum guard still on, so the operator's cert signer is held);
//   3. procedure B by hand: etcd stopped, the quorum guard left off, the member still listed.
// For each: `status` names the stage, the dry-run plan lists only the remaining steps, `auto --yes` ends with exactly
// the expected members, healthy, and the guard as the documented end state has it. Judged by test/helpers/judge.ts.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import type { SimHandle } from '../helpers/sim.ts';
import { runPlugin, startJudgedSim, stateEnv, waitDiagnosis } from '../helpers/plugin.ts';
import * as judge from '../helpers/judge.ts';
import * as hand from '../helpers/byhand.ts';

const { N, M, scenario: SCENARIO } = hand.deletedMachineCluster(62);
const esc = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

let sim: SimHandle | undefined;
test.after(async () => {
  await sim?.stop();
});

/** `status -o json`: exit code and diagnosis. */
async function status(s: SimHandle, env: NodeJS.ProcessEnv) {
  const r = await runPlugin(s, ['status', '-o', 'json'], { env });
  return { code: r.code, d: JSON.parse(r.stdout).diagnosis as { scenario: string; reasons: string[] } };
}

/** The numbered step titles of `auto --dry-run` (the plan), checked against `want` in order. When the member is
 *  already gone (`memberGone`, the default), no step may remove one. */
async function expectPlan(s: SimHandle, env: NodeJS.ProcessEnv, want: RegExp[], memberGone = true): Promise<string> {
  const dry = await runPlugin(s, ['auto', '--dry-run'], { env });
  assert.is(dry.code, 0, `${dry.stdout}\n${dry.stderr}`);
  const titles = dry.stdout.split('\n').filter((l) => /^\s+\d+\. /.test(l)).map((l) => l.replace(/^\s+\d+\. /, ''));
  assert.is(titles.length, want.length, `plan:\n${titles.join('\n')}`);
  want.forEach((re, i) => assert.match(titles[i]!, re, `step ${i + 1} of:\n${titles.join('\n')}`));
  if (memberGone) assert.not.match(dry.stdout, /etcdctl member remove/, 'the member is gone: no step removes one');
  return dry.stdout;
}

/** A procedure-B case on the first test's cluster: `target`'s member now, the other members' IDs, the start time. */
async function startCase(target: string) {
  assert.ok(sim, 'the cluster of the first test');
  const s = sim!;
  const old = await judge.memberId(s, target);
  const keep = (await judge.members(s)).filter((m) => m.id !== old).map((m) => m.id);
  return { s, env: stateEnv(), old, keep, since: new Date().toISOString() };
}

/** `auto --yes` finishes a procedure-B case: every master healthy, `target` back as a new member, the guard on, no
 *  other member removed since the case started, quorum never lost. */
async function expectFinished(c: Awaited<ReturnType<typeof startCase>>, target: string): Promise<void> {
  const { s, env, old, keep, since } = c;
  const r = await runPlugin(s, ['auto', '--yes'], { env });
  assert.is(r.code, 0, `exit ${r.code}\n${r.stdout}\n${r.stderr}`);
  const ms = await judge.expectHealthy(s, hand.masterNodes(s));
  assert.ok(ms.some((m) => m.name === target && m.id !== old), `${target} is back as a new member`);
  await judge.expectGuardRestored(s, null);
  for (const id of keep) judge.expectMemberNeverRemoved(s, id, since);
  judge.expectQuorumNeverLost(s);
}

test('4.16, CPMS Inactive, the broken master\'s Machine deleted: the operator removed its member, Machine and Node gone; auto creates a new master from a surviving one', async () => {
  sim = await startJudgedSim(SCENARIO);
  const env = stateEnv();
  const keep = await hand.operatorRemovedMember(sim, N, M, judge.members);

  const st = await status(sim, env);
  assert.is(st.code, 3, 'a replaceable state (exit 3)');
  assert.is(st.d.scenario, 'not-ready');
  assert.is(st.d.reasons[0], 'PartialReplacement: member removed, no machine replaces it');
  assert.ok(
    st.d.reasons.some((r) => r === `no machine replaces it (the control plane machine set is Inactive): a new one is created from machine ${M[1]}, as the docs do`),
    st.d.reasons.join('\n'),
  );
  await expectPlan(sim, env, [
    /^Back up etcd/,
    /^Turn off the etcd quorum guard/,
    new RegExp(`^Delete the etcd secrets of ${esc(N[0]!)}`),
    new RegExp(`^Save machine ${esc(M[1]!)} and write the new machine definition`),
    /^Create the new master machine/,
    /^Wait for the new master machine/,
    /^Wait for the new etcd member/,
    /^Turn the quorum guard back on/,
    /^Verify:/,
  ]);

  const r = await runPlugin(sim, ['auto', '--yes'], { env });
  assert.is(r.code, 0, `exit ${r.code}\n${r.stdout}\n${r.stderr}`);
  const nodes = hand.masterNodes(sim);
  assert.is(nodes.length, 3, nodes.join(', '));
  assert.not.ok(nodes.includes(N[0]!));
  await judge.expectHealthy(sim, nodes);
  const machines = (await judge.getJSON(sim, ['-n', 'openshift-machine-api', 'machines']))!.items.map((m: any) => m.metadata.name).sort();
  assert.equal(machines, [M[1], M[2], 'clustername-8qw5l-master-3'], 'one new master machine, copied from a surviving one');
  for (const s of ['etcd-peer-', 'etcd-serving-', 'etcd-serving-metrics-']) await judge.expectGone(sim, ['-n', 'openshift-etcd', 'secret', `${s}${N[0]}`]);
  await judge.expectGuardRestored(sim, null);
  for (const id of keep) judge.expectMemberNeverRemoved(sim, id);
  judge.expectQuorumNeverLost(sim);
});

test('B by hand: etcd stopped, member removed, secrets deleted and not re-created (guard on): status names each stage, the plan lists only the rest, auto --yes finishes', async () => {
  const target = N[1]!;
  const via = N[2]!;
  const c = await startCase(target);
  const { s, env, old } = c;

  // B.1: oc debug node + chroot: the manifest and the data dir moved aside
  await hand.stopEtcd(s, target);
  await waitDiagnosis(s, 'crashloop', { reason: /^PartialReplacement: etcd stopped/ });
  let st = await status(s, env);
  assert.is(st.d.reasons[0], `PartialReplacement: etcd stopped on ${target} (no etcd pod on the Ready node: its static pod manifest was moved away), member still listed`);

  // B.2: member remove from another node's etcd pod; then the secrets deleted with the guard still on
  hand.removeMember(s, via, old);
  hand.deleteSecrets(s, target);
  st = await status(s, env);
  assert.is(st.code, 3);
  assert.is(st.d.scenario, 'crashloop');
  assert.is(st.d.reasons[0], `PartialReplacement: member removed, node ${target} Ready without an etcd member (procedure B)`);
  assert.ok(st.d.reasons.includes('its etcd secrets are deleted'), st.d.reasons.join('\n'));
  await expectPlan(s, env, [
    /^Back up etcd/,
    new RegExp(`^Check on ${esc(target)} that etcd's manifest and data dir are moved aside`),
    /^Turn off the etcd quorum guard/,
    /^Force a redeployment of etcd/,
    /^Wait for the new etcd member/,
    /^Turn the quorum guard back on/,
    /^Verify:/,
  ]);

  await expectFinished(c, target);
});

test('B by hand: etcd stopped, the quorum guard left off, member still listed: the plan does not turn it off again; auto --yes ends with it on', async () => {
  const target = N[2]!;
  const c = await startCase(target);
  const { s, env, old } = c;

  await hand.stopEtcd(s, target);
  hand.quorumGuardOff(s);
  await waitDiagnosis(s, 'crashloop', { reason: /^PartialReplacement: etcd stopped/ });
  const st = await status(s, env);
  assert.is(st.d.reasons[0], `PartialReplacement: etcd stopped on ${target} (no etcd pod on the Ready node: its static pod manifest was moved away), member still listed`);
  const dry = await expectPlan(s, env, [
    /^Back up etcd/,
    new RegExp(`^Check on ${esc(target)} that etcd's manifest and data dir are moved aside`),
    new RegExp(`^Remove etcd member ${old}`),
    new RegExp(`^Delete the etcd secrets of ${esc(target)}`),
    /^Force a redeployment of etcd/,
    /^Wait for the new etcd member/,
    /^Turn the quorum guard back on/,
    /^Verify:/,
  ], false);
  assert.match(dry, /the quorum guard is off \(unsupportedConfigOverrides\): the documented end state turns it back on/);

  await expectFinished(c, target);
});

test.run();
