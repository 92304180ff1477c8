// End-to-end: a four-master HighlyAvailable control plane (4.18, where 4 and 5 masters are supported). Quorum is 3
// of 4: two stopped masters lose quorum and nothing may be removed (one stopped is procedure A: unit-tested in
// test/unit/topology.test.ts, run end to end for 3 masters in auto.test.ts). Judged by test/helpers/judge.ts.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { journalFile, runPlugin, stateEnv, waitDiagnosis, withSim } from '../helpers/plugin.ts';
import * as judge from '../helpers/judge.ts';

const N = ['ip-10-27-131-10.ec2.internal', 'ip-10-27-131-11.ec2.internal', 'ip-10-27-131-12.ec2.internal', 'ip-10-27-131-13.ec2.internal'];
const scenario = (stopped: string[]) => `openshift: "4.18"
platform: aws
topology: HighlyAvailable
masters:
${N.map((n, i) => `  - {node: ${n}, ip: 10.27.131.${10 + i}, machine: four-x7k2p-master-${i}}`).join('\n')}
workers: 0
timing: {provisionSeconds: 1, rolloutSeconds: 1}
faults:
${stopped.map((n) => `  - {node: ${n}, kind: machine-stopped}`).join('\n')}
`;

test('four masters, two stopped: quorum lost (2 of 4), status and auto refuse, nothing removed', async () => {
  await withSim(scenario([N[1]!, N[3]!]), async (sim) => {
    await waitDiagnosis(sim, 'quorum-lost');
    const env = stateEnv();
    const before = (await judge.members(sim)).map((m) => m.id).sort();
    assert.is(before.length, 4);
    const mark = judge.requestMark(sim);
    const st = await runPlugin(sim, ['status', '-o', 'json'], { env });
    assert.is(st.code, 4, st.stderr);
    const doc = JSON.parse(st.stdout);
    assert.is(doc.cluster.topology, 'HighlyAvailable');
    // etcd without quorum cannot even list its members (a linearizable read): the plugin sees the operator's NoQuorum
    assert.ok(doc.diagnosis.reasons.some((x: string) => /^NoQuorum: /.test(x)), doc.diagnosis.reasons.join('\n'));
    for (const args of [['auto', '--yes', '--member', N[1]!]]) {
      const r = await runPlugin(sim, args, { env });
      assert.is(r.code, 4, `${args.join(' ')}: exit ${r.code}\n${r.stdout}\n${r.stderr}`);
    }
    judge.expectNoWritesSince(sim, mark);
    assert.equal((await judge.members(sim)).map((m) => m.id).sort(), before);
    assert.is(journalFile(env.XDG_STATE_HOME), null);
  });
});

test.run();
