// Issue 18: finish a procedure-A replacement someone else started, with no journal. The state after the docs' steps
// done by hand: the member removed (A.1), the quorum guard turned off (4.8+); the machine and the NotReady node still
// there. `status` names the stage, the plan lists only what remains, `auto --step` on a terminal asks before each
// destructive step; at its last question someone adds a member by hand, so the final verification fails (exit 5, the
// extra member named); once it is removed, `auto --resume` ends with exactly the expected members, healthy, the quorum
// guard back on, and no member but the old one ever removed. Judged by test/helpers/judge.ts.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { kubectl, waitFor } from '../helpers/sim.ts';
import { readJournal, runPlugin, runPluginTTY, stateEnv, waitDiagnosis, withSim } from '../helpers/plugin.ts';
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

test('A by hand (member removed, then the quorum guard off): status names the stage, the plan lists only the rest; --step on a terminal, the final verification failing on a member added by hand, --resume finishes', async () => {
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

    // the destructive steps of this plan, as -o json lists them: --step asks before each, and only those
    const planned = (await runPlugin(sim, ['auto', '--dry-run', '-o', 'json'], { env })).stdout.trim().split('\n').map((l) => JSON.parse(l)).filter((e) => e.event === 'planned');
    const destructive = planned.filter((e) => e.destructive).map((e) => e.title);
    assert.ok(destructive.length >= 4 && planned.length > destructive.length, planned.map((e) => `${e.step}${e.destructive ? '*' : ''}`).join(' '));
    const runEnv = { ...env, ETCD_REPLACE_FINAL_VERIFY_S: '15' };

    // --step answered "n" at its first question: the run stops before that step (exit 5), says where and how to go on,
    // leaves its journal resumable at that step, and changes nothing more on the cluster
    let declined = -1;
    const no = await runPluginTTY(sim, ['auto', '--step', '--yes'], {
      env: runEnv,
      timeoutMs: 240_000,
      answer: () => {
        declined = judge.requestMark(sim);
        return 'n';
      },
    });
    const q = /Step (\d+)\/(\d+): ([^\r\n]+)/.exec(no.asked[0] ?? '');
    assert.is(no.asked.length, 1, `one question, answered n (exit ${no.code}):\n${no.screen.slice(-2500)}`);
    assert.is(q?.[3], destructive[0], no.asked[0]);
    const declinedStep = planned.find((e) => e.title === destructive[0])!.step as string;
    assert.is(no.code, 5, no.screen.slice(-2500));
    assert.match(no.screen, `stopped before step ${q![1]}/${q![2]} (${declinedStep})`);
    assert.match(no.screen, /auto --resume" to continue/);
    const journal = readJournal(env.XDG_STATE_HOME);
    assert.is(journal?.status, 'stopped', 'the journal is left resumable');
    assert.is(journal.steps.find((x: any) => x.id === declinedStep)?.status, 'pending', 'the declined step is still to do');
    // after the answer: no write but the lease (kept for the resume, renewed on its timer) and the run's own debug pods
    const after = judge.writesSince(sim, declined).filter((w) => !/\/leases\/etcd-replace(\?|$)/.test(w.url) && !(w.method === 'DELETE' && /\/pods\/etcd-replace-debug-/.test(w.url)));
    assert.equal(after.map((w) => `${w.method} ${w.url}`), [], 'writes after --step was answered n');
    await judge.expectExists(sim, ['node', N[0]!], 'the node of the declined deletion');

    let extra = '';
    const r = await runPluginTTY(sim, ['auto', '--resume', '--step', '--yes'], {
      env: runEnv,
      timeoutMs: 240_000,
      answer: async (shown) => {
        // while the plugin waits at its last question, someone adds a member by hand: the final verification then
        // sees four members, one never started
        if (/Step \d+\/\d+: Turn the quorum guard back on/.test(shown)) {
          // (etcd refuses a member add until every member has been connected for a few seconds: "unhealthy cluster")
          const add = await waitFor('etcdctl member add to be accepted', () => {
            const a = kubectl(sim, ['-n', 'openshift-etcd', 'exec', `etcd-${N[1]}`, '-c', 'etcdctl', '--', 'etcdctl', 'member', 'add', 'added-by-hand', '--peer-urls=https://10.61.9.9:2380']);
            if (a.exitCode !== 0 && !/unhealthy cluster/.test(a.stderr)) throw new Error(a.stderr);
            return a.exitCode === 0 ? a : null;
          }, 60_000, 1000);
          extra = /Member\s+([0-9a-f]+) added/.exec(add.stdout)?.[1] ?? '';
        }
        return 'y';
      },
    });
    const questions = r.asked.map((a) => /Step \d+\/\d+: ([^\r\n]+)/.exec(a)?.[1] ?? a.slice(-300));
    assert.equal(questions, destructive, `asked before each destructive step, and nothing else (exit ${r.code}):\n${r.screen.slice(-2500)}`);
    assert.match(r.screen, new RegExp(`resuming run \\S+ at step ${q![1]}/${q![2]} \\(${declinedStep}\\)`));
    assert.ok(extra, 'a member was added by hand at the last question');
    assert.is(r.code, 5, r.screen.slice(-3000));
    assert.match(r.screen, /4 members, want exactly 3/);
    assert.match(r.screen, /auto --resume/);
    assert.is((await judge.members(sim)).length, 4, 'the verification failed on the cluster as it was');
    // the administrator removes it; the replacement finishes
    hand.removeMember(sim, N[1]!, extra);
    const resumed = await runPlugin(sim, ['auto', '--resume', '--yes'], { env: runEnv });
    assert.is(resumed.code, 0, `exit ${resumed.code}\n${resumed.stdout}\n${resumed.stderr}`);
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
