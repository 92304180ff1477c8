// End-to-end: a two-node cluster with an arbiter (controlPlaneTopology HighlyAvailableArbiter, 4.20 bare metal), the
// failure on the arbiter itself: a stopped arbiter is refused and nothing changes (the failed master: topology-arbiter
// .test.ts; one simulator per file keeps each inside the runner's per-file limit on a loaded machine). Judged by
// test/helpers/judge.ts.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { journalFile, runPlugin, stateEnv, waitDiagnosis, withSim } from '../helpers/plugin.ts';
import * as judge from '../helpers/judge.ts';

const M0 = 'edge-master-0';
const M1 = 'edge-master-1';
const ARB = 'edge-arbiter-0';
const NODES = [M0, M1, ARB];

const scenario = (faultNode: string, kind: string) => `openshift: "4.20"
platform: baremetal
topology: HighlyAvailableArbiter
infrastructureName: edge
masters:
  - {node: ${M0}, ip: 192.168.57.10, machine: ${M0}}
  - {node: ${M1}, ip: 192.168.57.11, machine: ${M1}}
arbiters:
  - {node: ${ARB}, ip: 192.168.57.20, machine: ${ARB}}
workers: 0
timing: {provisionSeconds: 1, rolloutSeconds: 1, inspectSeconds: 1}
faults:
  - {node: ${faultNode}, kind: ${kind}}
`;

test('arbiter cluster, the arbiter stopped: status and auto refuse (exit 4) and nothing changes', async () => {
  await withSim(scenario(ARB, 'machine-stopped'), async (sim) => {
    await waitDiagnosis(sim, 'unsafe', { reason: /^ArbiterMachineReplacement:/ });
    const env = stateEnv();
    const before = (await judge.members(sim)).map((m) => m.id).sort();
    const mark = judge.requestMark(sim);
    const st = await runPlugin(sim, ['status'], { env });
    assert.is(st.code, 4, st.stderr);
    assert.match(st.stdout, /topology\s+HighlyAvailableArbiter/);
    assert.match(st.stdout, /ArbiterMachineReplacement: edge-arbiter-0 is the arbiter node/);
    const r = await runPlugin(sim, ['auto', '--yes'], { env });
    assert.is(r.code, 4, `exit ${r.code}\n${r.stdout}\n${r.stderr}`);
    assert.match(r.stderr, /refused/);
    judge.expectNoWritesSince(sim, mark);
    assert.equal((await judge.members(sim)).map((m) => m.id).sort(), before);
    await judge.expectExists(sim, ['node', ARB]);
    await judge.expectExists(sim, ['machines.v1beta1.machine.openshift.io', '-n', 'openshift-machine-api', ARB]);
    assert.is(journalFile(env.XDG_STATE_HOME), null);
  });
});

test.run();
