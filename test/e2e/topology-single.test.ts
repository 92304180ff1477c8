// End-to-end: single-node OpenShift (SingleReplica) with its only etcd crash-looping: status and auto (even naming the
// member) refuse with exit 4, name "Restoring to a previous cluster state", and change nothing. Judged by
// test/helpers/judge.ts, the simulator's request log and the node's host folder.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { journalFile, runPlugin, stateEnv, traceCount, waitDiagnosis, withSim } from '../helpers/plugin.ts';
import * as judge from '../helpers/judge.ts';

const SNO = 'sno-0.example.com';

test('single node, etcd crash-looping: status and auto refuse (restore from backup), nothing changes', async () => {
  const scenario = `openshift: "4.20"
platform: none
topology: SingleReplica
masters:
  - {node: ${SNO}, ip: 192.168.58.10}
workers: 0
faults:
  - {node: ${SNO}, kind: etcd-crashloop}
`;
  await withSim(scenario, async (sim) => {
    await waitDiagnosis(sim, 'quorum-lost', { reason: /^SingleNodeCluster:/ });
    const env = stateEnv();
    env.ETCD_REPLACE_TRACE = join(env.XDG_STATE_HOME, 'trace.jsonl');
    const root = join(sim.stateDir, 'nodes', SNO, 'root');
    const cr = await judge.expectExists(sim, ['etcd', 'cluster']);
    const node = await judge.expectExists(sim, ['node', SNO]);
    const mark = judge.requestMark(sim);
    const st = await runPlugin(sim, ['status', '-o', 'json'], { env });
    assert.is(st.code, 4, st.stderr);
    const doc = JSON.parse(st.stdout);
    assert.is(doc.cluster.topology, 'SingleReplica');
    assert.match(doc.diagnosis.reasons[0], /^SingleNodeCluster: /);
    assert.match(doc.diagnosis.action, /Restoring to a previous cluster state/);
    for (const args of [['auto', '--yes', '--member', SNO]]) {
      const r = await runPlugin(sim, args, { env });
      assert.is(r.code, 4, `${args.join(' ')}: exit ${r.code}\n${r.stdout}\n${r.stderr}`);
      assert.match(r.stderr, /SingleNodeCluster/);
      assert.match(r.stderr, /Restoring to a previous cluster state/);
    }
    // nothing changed: no API write, the Etcd CR and node as they were, the static pod manifest and data dir in place
    judge.expectNoWritesSince(sim, mark);
    assert.equal((await judge.expectExists(sim, ['etcd', 'cluster'])).spec, cr.spec);
    assert.is((await judge.expectExists(sim, ['node', SNO])).metadata.uid, node.metadata.uid);
    assert.ok(existsSync(join(root, 'etc/kubernetes/manifests/etcd-pod.yaml')), 'the etcd static pod manifest is in place');
    assert.ok(existsSync(join(root, 'var/lib/etcd/member')), 'the etcd data dir is in place');
    assert.equal(readdirSync(join(root, 'tmp')).filter((f) => f.startsWith('etcd-')), [], 'nothing moved aside');
    assert.is(traceCount(env.ETCD_REPLACE_TRACE, /member remove|mv |cluster-backup/), 0, 'no member removal, no file moved, no backup started');
    assert.ok(traceCount(env.ETCD_REPLACE_TRACE, /get/) > 0, 'the trace recorded the runs (the assertion above can fail)');
    assert.is(journalFile(env.XDG_STATE_HOME), null);
  });
});

test.run();
