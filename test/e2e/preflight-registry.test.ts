// End-to-end: a registry that answers nothing (scenario key `registry: unreachable`): procedure B still completes,
// its node commands running in the image already on each node (the etcd pod's, imagePullPolicy IfNotPresent); and
// the preflight table of this normal run lists every check as passed (or not applicable).
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { runPlugin, stateEnv, waitDiagnosis, withSim } from '../helpers/plugin.ts';
import * as judge from '../helpers/judge.ts';

const M0 = 'ip-10-25-131-183.ec2.internal';
const NAMES = [M0, 'ip-10-25-154-204.ec2.internal', 'ip-10-25-164-97.ec2.internal'];

test('registry unreachable: procedure B completes with the image on the node; every preflight check passed', async () => {
  const scenario = `openshift: "4.14"
platform: aws
controlPlaneMachineSet: absent
registry: unreachable
masters:
  - {node: ${M0}, ip: 10.25.131.183, machine: clustername-8qw5l-master-0}
  - {node: ${NAMES[1]}, ip: 10.25.154.204, machine: clustername-8qw5l-master-1}
  - {node: ${NAMES[2]}, ip: 10.25.164.97,  machine: clustername-8qw5l-master-2}
workers: 0
timing: {provisionSeconds: 1, rolloutSeconds: 1}
faults:
  - {node: ${M0}, kind: etcd-crashloop}
`;
  await withSim(scenario, async (sim) => {
    await waitDiagnosis(sim, 'crashloop');
    const oldId = await judge.memberId(sim, M0);
    const run = await runPlugin(sim, ['auto', '--yes'], { env: stateEnv() });
    assert.is(run.code, 0, `${run.stdout}\n${run.stderr}`);
    const table = run.stdout.slice(run.stdout.indexOf('Preflight (before any change):'));
    const rows = table.split('\n').slice(1).filter((l) => /^\s{2}\S/.test(l));
    const status = (title: string) => rows.find((l) => l.trimStart().startsWith(title))?.match(/\s(PASSED|FAILED|SKIPPED)\s/)?.[1];
    for (const t of ['permissions', 'node-command pod admitted', 'backup space', 'room to move the etcd data', 'etcd alarms']) {
      assert.is(status(t), 'PASSED', `${t}: ${table}`);
    }
    assert.is(status('controllers'), 'SKIPPED', table); // procedure B creates no machine
    assert.ok(!rows.some((l) => /\sFAILED\s/.test(l)), table);
    assert.match(table, /already on the node, imagePullPolicy IfNotPresent: no pull/);
    // the outcome, from the world's side
    await judge.expectReplaced(sim, { oldId, name: M0 });
    await judge.expectHealthy(sim, NAMES);
    judge.expectQuorumNeverLost(sim);
  });
});

test.run();
