// End-to-end: the refusals of the two-node control planes, one short simulator run each (the arbiter's failed master:
// topology-arbiter.test.ts). Judged by test/helpers/judge.ts: the API server's request log (no write), etcd's member
// list from the world's side, and the objects through the real kubectl.
// - HighlyAvailableArbiter (4.20 bare metal), the arbiter stopped: refused, nothing changes.
// - DualReplica (two nodes with fencing, 4.20), a node down: pacemaker fenced it and runs etcd on the survivor alone;
//   etcd-replace refuses and names the two-node-with-fencing recovery, nothing changes.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { journalFile, runPlugin, stateEnv, waitDiagnosis, withSim } from '../helpers/plugin.ts';
import * as judge from '../helpers/judge.ts';
import { ARBITER, arbiterScenario, dualReplicaScenario, FENCING } from '../helpers/two-node.ts';

test('arbiter cluster, the arbiter stopped: status and auto refuse (exit 4) and nothing changes', async () => {
  const { ARB } = ARBITER;
  await withSim(arbiterScenario(ARB, 'machine-stopped'), async (sim) => {
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

test('two nodes with fencing (DualReplica), a node down: status and auto refuse, naming the pacemaker recovery; nothing changes', async () => {
  const { M0, M1 } = FENCING;
  await withSim(dualReplicaScenario(M1, 'node-not-ready'), async (sim) => {
    // the world's side: the static pod has no etcd container (pacemaker runs etcd), and once pacemaker fenced M1 the
    // survivor's etcd runs alone (force-new-cluster): wait for that before anything is judged
    const pod = await judge.expectExists(sim, ['pod', '-n', 'openshift-etcd', `etcd-${M0}`]);
    assert.not.ok(pod.spec.containers.some((c: any) => c.name === 'etcd'), 'no etcd container in the static pod');
    const cr = await judge.expectExists(sim, ['etcd', 'cluster']);
    assert.is(cr.spec.unsupportedConfigOverrides?.useUnsupportedUnsafeEtcdContainerRemoval, true);
    const deadline = Date.now() + 60_000;
    let ids: string[] = [];
    for (;;) {
      ids = await judge.members(sim).then((ms) => ms.map((m) => `${m.name}:${m.healthy}`), () => []);
      if (ids.join() === `${M0}:true`) break;
      assert.ok(Date.now() < deadline, `the survivor never ran etcd alone: ${ids.join(', ')}`);
      await new Promise((r) => setTimeout(r, 500));
    }
    await waitDiagnosis(sim, 'unsafe', { reason: /^TwoNodeFencing:/ });
    const env = stateEnv();
    const before = (await judge.members(sim)).map((m) => m.id).sort();
    const mark = judge.requestMark(sim);
    const st = await runPlugin(sim, ['status', '-o', 'json'], { env });
    assert.is(st.code, 4, st.stderr);
    const doc = JSON.parse(st.stdout);
    assert.is(doc.cluster.topology, 'DualReplica');
    assert.match(doc.diagnosis.reasons[0], /^TwoNodeFencing: /);
    const r = await runPlugin(sim, ['auto', '--yes'], { env });
    assert.is(r.code, 4, `exit ${r.code}\n${r.stdout}\n${r.stderr}`);
    assert.match(r.stderr, /^refused \(unsafe\): TwoNodeFencing: .*pacemaker.*Nothing was changed\.$/m);
    assert.match(r.stderr, /^etcd-replace does not act here: follow .*two-node OpenShift cluster with fencing.*"Replace a control plane node that cannot be recovered"/m);
    judge.expectNoWritesSince(sim, mark);
    assert.equal((await judge.members(sim)).map((m) => m.id).sort(), before);
    assert.equal((await judge.expectExists(sim, ['etcd', 'cluster'])).spec, cr.spec);
    assert.is(journalFile(env.XDG_STATE_HOME), null);
  });
});

test.run();
