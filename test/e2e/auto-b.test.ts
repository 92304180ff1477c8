// End-to-end: `auto` against the simulator, procedure B and a refusal (procedure A: auto.test.ts; two files keep each
// well inside the runner's per-file limit on a loaded machine). Outcomes are judged by
// test/helpers/judge.ts (etcdctl against the real etcd processes, plain kubectl JSON, the simulator's evidence).
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { journalFile, runPlugin, stateEnv, waitDiagnosis, withSim } from '../helpers/plugin.ts';
import * as judge from '../helpers/judge.ts';

const N0 = 'ip-10-23-131-183.ec2.internal';
const NODES = [N0, 'ip-10-23-154-204.ec2.internal', 'ip-10-23-164-97.ec2.internal'];

const masters = `masters:
  - {node: ip-10-23-131-183.ec2.internal, ip: 10.23.131.183, machine: clustername-8qw5l-master-0}
  - {node: ip-10-23-154-204.ec2.internal, ip: 10.23.154.204, machine: clustername-8qw5l-master-1}
  - {node: ip-10-23-164-97.ec2.internal,  ip: 10.23.164.97,  machine: clustername-8qw5l-master-2}
workers: 0
timing: {provisionSeconds: 1, rolloutSeconds: 1}
`;
// 4.10 (issue 25: procedure B on 4.6, 4.10 and 4.18: rollout-b.test.ts has 4.6, shapes-dualstack-upi.test.ts 4.18)
const scenario = (fault: string) => `openshift: "4.10"
platform: aws
controlPlaneMachineSet: absent
${masters}faults:
  - {node: ${N0}, kind: ${fault}}
`;

test('procedure B (4.10, crashloop): --dry-run changes nothing, then auto ends healthy', async () => {
  await withSim(scenario('etcd-crashloop'), async (sim) => {
    await waitDiagnosis(sim, 'crashloop');
    const env = stateEnv();
    const before = (await judge.members(sim)).map((m) => m.id).sort();
    const crBefore = await judge.expectExists(sim, ['etcd', 'cluster']);
    const mark = judge.requestMark(sim);
    const dry = await runPlugin(sim, ['auto', '--dry-run'], { env });
    assert.is(dry.code, 0, dry.stderr);
    assert.match(dry.stdout, /member remove/);
    assert.match(dry.stdout, /forceRedeploymentReason/);
    judge.expectNoWritesSince(sim, mark);
    assert.equal((await judge.members(sim)).map((m) => m.id).sort(), before);
    assert.equal((await judge.expectExists(sim, ['etcd', 'cluster'])).spec, crBefore.spec);
    assert.is(journalFile(env.XDG_STATE_HOME), null, 'dry run writes no journal');

    const oldId = await judge.memberId(sim, N0);
    const guard = await judge.watchEtcdCR(sim);
    const r = await runPlugin(sim, ['auto', '--yes'], { env });
    assert.is(r.code, 0, `exit ${r.code}\n${r.stdout}\n${r.stderr}`);
    await judge.expectHealthy(sim, NODES);
    await judge.expectReplaced(sim, { oldId, name: N0 });
    await judge.expectGuardOffThenRestored(sim, guard, crBefore.spec.unsupportedConfigOverrides ?? null);
    const cr = await judge.expectExists(sim, ['etcd', 'cluster']);
    assert.match(cr.spec.forceRedeploymentReason ?? '', /^single-master-recovery-/);
    judge.expectQuorumNeverLost(sim);
  });
});

test('unsafe (kubelet down, member still healthy): exit 4, nothing changed', async () => {
  await withSim(scenario('kubelet-down'), async (sim) => {
    await waitDiagnosis(sim, 'unsafe');
    const env = stateEnv();
    const before = (await judge.members(sim)).map((m) => m.id).sort();
    const mark = judge.requestMark(sim);
    const r = await runPlugin(sim, ['auto', '--yes'], { env });
    assert.is(r.code, 4, `exit ${r.code}\n${r.stdout}\n${r.stderr}`);
    assert.match(r.stderr, /refused/);
    judge.expectNoWritesSince(sim, mark);
    assert.equal((await judge.members(sim)).map((m) => m.id).sort(), before);
    await judge.expectExists(sim, ['node', N0]);
    assert.is(journalFile(env.XDG_STATE_HOME), null);
  });
});

test.run();
