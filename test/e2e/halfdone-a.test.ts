// Issue 18: finish a procedure-A replacement someone else started, with no journal. The state after the docs' steps
// done by hand: the member removed (A.1), the quorum guard turned off (4.8+); the machine and the NotReady node still
// there. `status` names the stage, the plan lists only what remains, `auto --yes` ends
// with exactly the expected members, healthy, the quorum guard back on, and no member but the old one ever removed.
// Judged by test/helpers/judge.ts.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { runPlugin, stateEnv, waitDiagnosis, withSim } from '../helpers/plugin.ts';
import * as judge from '../helpers/judge.ts';
import * as hand from '../helpers/byhand.ts';

const N = ['ip-10-61-131-183.ec2.internal', 'ip-10-61-154-204.ec2.internal', 'ip-10-61-164-97.ec2.internal'];
const SCENARIO = `openshift: "4.14"
platform: aws
controlPlaneMachineSet: absent
masters:
  - {node: ${N[0]}, ip: 10.61.131.183, machine: clustername-8qw5l-master-0}
  - {node: ${N[1]}, ip: 10.61.154.204, machine: clustername-8qw5l-master-1}
  - {node: ${N[2]}, ip: 10.61.164.97,  machine: clustername-8qw5l-master-2}
workers: 0
faults:
  - {node: ${N[0]}, kind: machine-stopped}
timing: {provisionSeconds: 1, rolloutSeconds: 1}
`;

test('A by hand (member removed, then the quorum guard off): status names the stage, the plan lists only the rest, auto --yes finishes', async () => {
  await withSim(SCENARIO, async (sim) => {
    await waitDiagnosis(sim, 'not-ready');
    const env = stateEnv();
    const [old, keep1, keep2] = await Promise.all(N.map((n) => judge.memberId(sim, n)));

    // step 1 by hand: member remove from another node's etcd pod
    hand.removeMember(sim, N[1]!, old!);
    let st = await runPlugin(sim, ['status', '-o', 'json'], { env });
    let doc = JSON.parse(st.stdout);
    assert.is(st.code, 3, 'a replaceable state (exit 3)');
    assert.is(doc.diagnosis.scenario, 'not-ready');
    assert.is(doc.diagnosis.reasons[0], `PartialReplacement: member removed, node ${N[0]} (Unknown) and its machine still there`);

    // without a terminal and without --yes: the facts and the plan are printed, nothing changes (it asks first)
    const mark = judge.requestMark(sim);
    const asked = await runPlugin(sim, ['auto'], { env });
    assert.is(asked.code, 2, asked.stderr);
    assert.match(asked.stdout, /Someone else started this replacement/);
    assert.match(asked.stdout, /has no etcd member; its machine clustername-8qw5l-master-0/);
    assert.not.match(asked.stdout, /etcdctl member remove/);
    judge.expectNoWritesSince(sim, mark);

    // the 4.8+ quorum guard step by hand (the secrets stay: the operator's cert signer re-creates them for a node that
    // still exists, so deleting them before the node goes is undone; the plan deletes them after the node)
    hand.quorumGuardOff(sim);
    const dry = await runPlugin(sim, ['auto', '--dry-run'], { env });
    assert.is(dry.code, 0, dry.stderr);
    const titles = dry.stdout.split('\n').filter((l) => /^\s+\d+\. /.test(l)).map((l) => l.replace(/^\s+\d+\. /, ''));
    const want = [/^Back up etcd/, /^Delete node /, /^Delete the etcd secrets/, /^Save machine/, /^Delete machine/, /^Create the new master machine/, /^Wait for the new master machine/, /^Wait for the new etcd member/, /^Turn the quorum guard back on/, /^Verify:/];
    assert.is(titles.length, want.length, titles.join('\n'));
    want.forEach((re, i) => assert.match(titles[i]!, re, titles.join('\n')));
    st = await runPlugin(sim, ['status', '-o', 'json'], { env });
    doc = JSON.parse(st.stdout);
    assert.ok(doc.diagnosis.reasons.some((r: string) => /quorum guard is off/.test(r)), JSON.stringify(doc.diagnosis.reasons));

    const r = await runPlugin(sim, ['auto', '--yes'], { env });
    assert.is(r.code, 0, `exit ${r.code}\n${r.stdout}\n${r.stderr}`);
    const nodes = hand.masterNodes(sim);
    assert.is(nodes.length, 3);
    assert.not.ok(nodes.includes(N[0]!), 'the old node is deleted');
    await judge.expectHealthy(sim, nodes);
    await judge.expectGone(sim, ['-n', 'openshift-machine-api', 'machine', 'clustername-8qw5l-master-0']);
    await judge.expectExists(sim, ['-n', 'openshift-machine-api', 'machine', 'clustername-8qw5l-master-3']);
    await judge.expectGuardRestored(sim, null);
    judge.expectMemberNeverRemoved(sim, keep1!);
    judge.expectMemberNeverRemoved(sim, keep2!);
    judge.expectQuorumNeverLost(sim);
  });
});

test.run();
