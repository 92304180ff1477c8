// End-to-end: `auto` against the simulator, as a real child process (no TTY → --yes). Outcomes are judged by
// test/helpers/judge.ts (etcdctl against the real etcd processes, plain kubectl JSON, the simulator's evidence).
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { XMLParser } from 'fast-xml-parser';
import { kubectl } from '../helpers/sim.ts';
import { journalFile, readJournal, runPlugin, stateEnv, waitDiagnosis, withSim } from '../helpers/plugin.ts';
import * as judge from '../helpers/judge.ts';

const NS = 'openshift-machine-api';
const N0 = 'ip-10-21-131-183.ec2.internal';
const NODES = [N0, 'ip-10-21-154-204.ec2.internal', 'ip-10-21-164-97.ec2.internal'];

const masters = `masters:
  - {node: ip-10-21-131-183.ec2.internal, ip: 10.21.131.183, machine: clustername-8qw5l-master-0}
  - {node: ip-10-21-154-204.ec2.internal, ip: 10.21.154.204, machine: clustername-8qw5l-master-1}
  - {node: ip-10-21-164-97.ec2.internal,  ip: 10.21.164.97,  machine: clustername-8qw5l-master-2}
workers: 0
timing: {provisionSeconds: 1, rolloutSeconds: 1}
`;
const scenario = (fault: string) => `openshift: "4.14"
platform: aws
controlPlaneMachineSet: absent
${masters}faults:
  - {node: ${N0}, kind: ${fault}}
`;

test('procedure A (4.14 aws, machine stopped, no CPMS): replaced, old machine and node gone, overrides restored, junit, then nothing to do', async () => {
  await withSim(scenario('machine-stopped'), async (sim) => {
    await waitDiagnosis(sim, 'not-ready');
    const env = stateEnv();
    // an original override value with another key, which must survive
    const original = { someOtherKey: 'keep-me' };
    assert.is(kubectl(sim, ['patch', 'etcd', 'cluster', '--type=merge', '-p', JSON.stringify({ spec: { unsupportedConfigOverrides: original } })]).exitCode, 0);
    const oldId = await judge.memberId(sim, N0);
    const guard = await judge.watchEtcdCR(sim);
    const junit = join(env.XDG_STATE_HOME, 'out.xml');
    const r = await runPlugin(sim, ['auto', '--yes', '--junit', junit], { env });
    assert.is(r.code, 0, `exit ${r.code}\n${r.stdout}\n${r.stderr}`);

    const m3 = await judge.expectExists(sim, ['-n', NS, 'machine', 'clustername-8qw5l-master-3']);
    assert.is(m3.status?.phase, 'Running');
    const newNode: string = m3.status?.nodeRef?.name;
    assert.ok(newNode && newNode !== N0, `the new machine's node: ${newNode}`);
    await judge.expectHealthy(sim, [NODES[1]!, NODES[2]!, newNode]);
    await judge.expectReplaced(sim, { oldId, name: newNode });
    await judge.expectGone(sim, ['-n', NS, 'machine', 'clustername-8qw5l-master-0'], 'the old machine');
    await judge.expectGone(sim, ['node', N0], 'the old node');
    await judge.expectGuardOffThenRestored(sim, guard, original);
    judge.expectQuorumNeverLost(sim);
    // the run's Events are where `kubectl get events` finds them (README): about etcd/cluster, in default (the only
    // namespace the API server accepts them in), one per step and the start and end of the run
    const events = (await judge.getJSON(sim, ['events', '-A', '--field-selector', 'involvedObject.name=cluster,involvedObject.kind=Etcd'])).items.filter(
      (e: any) => e.source?.component === 'etcd-replace',
    );
    assert.ok(events.length > 0 && events.every((e: any) => e.metadata.namespace === 'default'), JSON.stringify(events.map((e: any) => e.metadata.namespace)));
    const reasons = events.map((e: any) => e.reason);
    for (const r of ['ReplacementStarted', 'StepDone', 'ReplacementDone']) assert.ok(reasons.includes(r), `no ${r} Event: ${reasons.join(',')}`);
    assert.match(kubectl(sim, ['-n', 'default', 'get', 'events']).stdout, /ReplacementDone/);

    // the journal and the JUnit report (outputs of the run, checked as such)
    const j = readJournal(env.XDG_STATE_HOME);
    assert.is(j.status, 'done');
    assert.equal(j.originalOverrides, { recorded: true, value: original });
    const dir = dirname(journalFile(env.XDG_STATE_HOME)!);
    assert.ok(existsSync(join(dir, 'old-machine.yaml')) && existsSync(join(dir, 'new-machine.yaml')));
    const doc = new XMLParser({ ignoreAttributes: false, attributeNamePrefix: '@_', isArray: (n) => n === 'testcase' }).parse(readFileSync(junit, 'utf8'));
    const tcs: any[] = doc.testsuites.testsuite.testcase;
    const ids = tcs.map((t) => t['@_name'].split(':')[0]);
    for (const id of ['backup', 'remove-member', 'quorum-guard-off', 'delete-machine', 'create-machine', 'quorum-guard-restore']) assert.ok(ids.includes(id), `junit lacks ${id}: ${ids.join(',')}`);
    assert.ok(ids.indexOf('remove-member') < ids.indexOf('create-machine'), ids.join(','));
    assert.ok(tcs.every((t) => t['@_classname'] === 'A' && t.failure === undefined), 'every testcase of procedure A passed');

    // second run: nothing to do, and it changes nothing
    const mark = judge.requestMark(sim);
    const again = await runPlugin(sim, ['auto', '--yes'], { env });
    assert.is(again.code, 0, again.stderr);
    assert.match(again.stdout, /nothing to do/);
    judge.expectNoWritesSince(sim, mark);
  });
});

test.run();
