// End-to-end: SIGKILL the plugin at every step boundary (and in the middle of the two steps whose effect
// must never happen twice), resume each time, and check the end state and that nothing was done twice (judged from
// the simulator's side: etcdctl, kubectl, the commands the pods ran and the requests the API server received).
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { join } from 'node:path';
import { readJournal, runPlugin, stateEnv, traceCount, waitDiagnosis, withSim } from '../helpers/plugin.ts';
import * as judge from '../helpers/judge.ts';

const N0 = 'ip-10-22-131-183.ec2.internal';

const SCENARIO = `openshift: "4.14"
platform: aws
controlPlaneMachineSet: absent
masters:
  - {node: ip-10-22-131-183.ec2.internal, ip: 10.22.131.183, machine: clustername-8qw5l-master-0}
  - {node: ip-10-22-154-204.ec2.internal, ip: 10.22.154.204, machine: clustername-8qw5l-master-1}
  - {node: ip-10-22-164-97.ec2.internal,  ip: 10.22.164.97,  machine: clustername-8qw5l-master-2}
workers: 0
faults:
  - {node: ip-10-22-131-183.ec2.internal, kind: machine-stopped}
timing: {provisionSeconds: 1, rolloutSeconds: 1}
`;

const finishedCount = (j: any) => (j?.steps ?? []).filter((s: any) => s.status === 'done' || s.status === 'skipped').length;

const NS = 'openshift-machine-api';
const REMOVE = /etcdctl member remove/;
// a node command's privileged pod, created and being waited for (lib/cluster/hostcmd.ts names them so)
const DEBUG_POD = /get pod etcd-replace-debug-/;
const APPLY = /(^| )apply -f -( |$)/;

test('killed at every step boundary and mid-step, resumed until done: healthy, removed once, machine created once', async () => {
  await withSim(SCENARIO, async (sim) => {
    const env = stateEnv({ ETCD_REPLACE_TRACE: '' });
    const state = env.XDG_STATE_HOME;
    // the plugin's own trace only tells the test when to kill it; what happened is judged from the simulator's side
    const trace = join(state, 'trace.jsonl');
    env.ETCD_REPLACE_TRACE = trace;
    await waitDiagnosis(sim, 'not-ready');
    const oldId = await judge.memberId(sim, N0);
    const guard = await judge.watchEtcdCR(sim);

    let firedRemove = false;
    let firedApply = false;
    // the first kill: while a step's node command runs in its debug pod (left behind; the next run must delete it)
    let firedDebug = false;
    let leftover: string[] = [];
    let markKilled = -1;
    let markNext = -1;
    let debugBaseline: number | undefined;
    let final: number | 'killed' = 'killed';
    const log: string[] = [];
    for (let i = 0; i < 40 && final === 'killed'; i++) {
      const startFinished = finishedCount(readJournal(state));
      const args = i === 0 ? ['auto', '--yes'] : ['auto', '--resume', '--yes'];
      const r = await runPlugin(sim, args, {
        env,
        killWhen: () => {
          if (!firedDebug) {
            // the backup's pod (the preflight's probe pod came and went before the journal existed)
            const backup = readJournal(state)?.steps?.find((x: any) => x.id === 'backup');
            if (backup?.status === 'running') {
              debugBaseline ??= traceCount(trace, DEBUG_POD);
              if (traceCount(trace, DEBUG_POD) > debugBaseline) return (firedDebug = true);
            }
          }
          // mid-step kills right after the one-shot calls
          if (!firedRemove && traceCount(trace, REMOVE) > 0) return (firedRemove = true);
          if (!firedApply && traceCount(trace, APPLY) > 0) return (firedApply = true);
          return finishedCount(readJournal(state)) > startFinished;
        },
      });
      const j = readJournal(state);
      log.push(`run ${i}: ${r.code} (finished ${finishedCount(j)})`);
      if (markKilled >= 0 && markNext < 0) markNext = judge.requestMark(sim);
      if (firedDebug && markKilled < 0) {
        leftover = (await judge.getJSON(sim, ['-n', 'openshift-etcd', 'pods', '-l', 'app=etcd-replace-debug'])).items.map((p: any) => p.metadata.name);
        assert.ok(leftover.length > 0, 'the kill left a debug pod behind (the precondition of the sweep under test)');
        markKilled = judge.requestMark(sim);
      }
      if (r.code !== 'killed' && r.code !== 0) assert.unreachable(`run ${i} exited ${r.code}:\n${r.stdout}\n${r.stderr}\n${log.join('\n')}`);
      // killed right after the last step: the journal may already say done
      final = r.code === 'killed' && j?.status === 'done' ? 0 : r.code;
    }
    console.log(log.join('\n'));
    assert.is(final, 0, log.join('\n'));
    assert.ok(firedRemove && firedApply && firedDebug, 'the three mid-step kills happened');
    // the debug pod the first kill left behind was deleted by the next run (a DELETE the API server received from a
    // client between that run's start and end), and no debug pod is left at the end
    const deletes = judge.requests(sim).slice(markKilled, markNext).filter((q) => q.method === 'DELETE');
    for (const name of leftover) {
      assert.ok(deletes.some((q) => q.url.includes(`/pods/${name}`)), `the next run did not delete ${name}: ${deletes.map((q) => q.url).join('; ')}`);
      await judge.expectGone(sim, ['-n', 'openshift-etcd', 'pod', name], `the leftover debug pod ${name}`);
    }
    assert.equal((await judge.getJSON(sim, ['-n', 'openshift-etcd', 'pods', '-l', 'app=etcd-replace-debug'])).items.map((p: any) => p.metadata.name), [], 'debug pods left at the end');
    const j = readJournal(state);
    assert.is(j.status, 'done');
    assert.is(j.steps.find((s: any) => s.id === 'remove-member').status, 'skipped');
    assert.is(j.steps.find((s: any) => s.id === 'create-machine').status, 'skipped');

    // the end state
    const machines = await judge.expectExists(sim, ['-n', NS, 'machines']);
    const names = machines.items.map((m: any) => m.metadata.name).sort();
    assert.equal(names.filter((n: string) => /master/.test(n)), ['clustername-8qw5l-master-1', 'clustername-8qw5l-master-2', 'clustername-8qw5l-master-3']);
    const m3 = machines.items.find((m: any) => m.metadata.name === 'clustername-8qw5l-master-3');
    await judge.expectHealthy(sim, ['ip-10-22-154-204.ec2.internal', 'ip-10-22-164-97.ec2.internal', m3.status.nodeRef.name]);
    await judge.expectReplaced(sim, { oldId, name: m3.status.nodeRef.name });
    await judge.expectGuardOffThenRestored(sim, guard, null);
    judge.expectQuorumNeverLost(sim);
    // the remove and the create ran exactly once, whatever the kills: the pods ran one `member remove`, the API server
    // received one write of a Machine other than the old one's deletion
    const removes = judge.commandsRun(sim, REMOVE);
    assert.is(removes.length, 1, `member remove ran ${removes.length} times: ${JSON.stringify(removes)}`);
    const machineWrites = judge.requests(sim).filter((q) => /\/machines(\/|\?|$)/.test(q.url) && ['POST', 'PUT', 'PATCH'].includes(q.method));
    assert.is(machineWrites.length, 1, `machine writes: ${machineWrites.map((q) => `${q.method} ${q.url}`).join('; ')}`);
  });
});

test.run();
