// End-to-end: a two-node cluster with an arbiter (controlPlaneTopology HighlyAvailableArbiter, 4.20 bare metal). A
// failure on each kind of node: a crash-looping master is replaced by procedure B and the arbiter's member is never
// touched (the stopped arbiter: topology-arbiter-stopped.test.ts). Outcomes are judged by test/helpers/judge.ts.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { journalFile, runPlugin, stateEnv, waitDiagnosis, withSim } from '../helpers/plugin.ts';
import * as judge from '../helpers/judge.ts';
import { ARBITER, arbiterScenario } from '../helpers/two-node.ts';

const { M0, M1, ARB } = ARBITER;
const NODES = [M0, M1, ARB];
const scenario = arbiterScenario;

test('arbiter cluster, a master crash-looping: status names the topology, auto replaces the master, the arbiter member is never touched', async () => {
  await withSim(scenario(M1, 'etcd-crashloop'), async (sim) => {
    await waitDiagnosis(sim, 'crashloop');
    const env = stateEnv();
    // status: the topology, the arbiter as a node with its member, the crash-looping master named (not the arbiter)
    const st = await runPlugin(sim, ['status', '-o', 'json'], { env });
    assert.is(st.code, 3, st.stderr);
    const doc = JSON.parse(st.stdout);
    assert.is(doc.cluster.topology, 'HighlyAvailableArbiter');
    assert.is(doc.diagnosis.member.node, M1);
    assert.ok(doc.nodes.some((n: any) => n.name === ARB && n.role === 'arbiter'), JSON.stringify(doc.nodes));
    // the world's side: the arbiter's etcd process and member before the run
    const arbiterId = await judge.memberId(sim, ARB);
    assert.ok(judge.etcdProcesses(sim).some((p) => p.name === ARB), 'the arbiter runs an etcd process');
    // the arbiter's host: its static pod manifest and data dir (procedure B moves them aside on the target only)
    const arbRoot = join(sim.stateDir, 'nodes', ARB, 'root');
    const movedAside = () => readdirSync(join(arbRoot, 'tmp')).filter((f) => f.startsWith('etcd-'));
    const arbiterNode = await judge.expectExists(sim, ['node', ARB]);
    const oldId = await judge.memberId(sim, M1);

    const r = await runPlugin(sim, ['auto', '--yes'], { env });
    assert.is(r.code, 0, `exit ${r.code}\n${r.stdout}\n${r.stderr}`);
    await judge.expectHealthy(sim, NODES);
    await judge.expectReplaced(sim, { oldId, name: M1 });
    assert.is(await judge.memberId(sim, ARB), arbiterId, 'the arbiter kept its member');
    judge.expectMemberNeverRemoved(sim, arbiterId);
    // (a forced redeployment rolls the new revision onto every node, the arbiter too: its process may restart, but
    // its member, data dir and manifest stay)
    assert.equal(movedAside(), [], "nothing was moved aside on the arbiter's host");
    assert.ok(existsSync(join(arbRoot, 'etc/kubernetes/manifests/etcd-pod.yaml')), "the arbiter's etcd manifest is in place");
    assert.ok(existsSync(join(arbRoot, 'var/lib/etcd/member')), "the arbiter's data dir is in place");
    assert.ok(readdirSync(join(sim.stateDir, 'nodes', M1, 'root', 'tmp')).some((f) => f.startsWith('etcd-')), "the master's data dir was moved aside (the assertion above can fail)");
    const after = await judge.expectExists(sim, ['node', ARB]);
    assert.is(after.metadata.uid, arbiterNode.metadata.uid, 'the arbiter node object is the same one');
    assert.equal(after.spec.taints, arbiterNode.spec.taints);
    judge.expectQuorumNeverLost(sim);
  });
});

test.run();
