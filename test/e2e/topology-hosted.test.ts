// End-to-end: a hosted cluster (controlPlaneTopology External: etcd lives in the management cluster): status and
// auto refuse with exit 4, name the management cluster's procedure, and change nothing. Judged by
// test/helpers/judge.ts and the simulator's request log.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { journalFile, runPlugin, stateEnv, withSim } from '../helpers/plugin.ts';
import * as judge from '../helpers/judge.ts';

test('hosted cluster (External): status and auto refuse, naming the management cluster procedure; nothing changes', async () => {
  const scenario = `openshift: "4.20"
platform: aws
topology: External
workers: 2
`;
  await withSim(scenario, async (sim) => {
    const env = stateEnv();
    // the world's side: no etcd here at all
    assert.is(await judge.getJSON(sim, ['etcd', 'cluster']), null);
    assert.equal(judge.etcdProcesses(sim), []);
    const mark = judge.requestMark(sim);
    const st = await runPlugin(sim, ['status'], { env });
    assert.is(st.code, 4, st.stderr);
    assert.match(st.stdout, /topology\s+External/);
    assert.match(st.stdout, /HostedControlPlane: /);
    const r = await runPlugin(sim, ['auto', '--yes'], { env });
    assert.is(r.code, 4, `exit ${r.code}\n${r.stdout}\n${r.stderr}`);
    assert.match(r.stderr, /management cluster/);
    assert.match(r.stderr, /Recovering an unhealthy etcd cluster/);
    judge.expectNoWritesSince(sim, mark);
    assert.is(journalFile(env.XDG_STATE_HOME), null);
  });
});

test.run();
