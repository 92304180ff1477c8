// End-to-end: `auto` on an installer-provisioned bare-metal cluster (Metal3) in the simulator, as a real child process:
// no control plane machine set, the Machine's finalizer hangs, a kill between the host deletion and its re-creation.
// (With an active CPMS and `--bmh`: baremetal-bmh.test.ts; helpers in ../helpers/baremetal.ts.) Each test ends with three started, healthy, voting members, the new BareMetalHost provisioned and consumed by the
// new Machine (openshift.md §1.6).
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { startJudgedSim } from '../helpers/plugin.ts';
import * as judge from '../helpers/judge.ts';
import { NS, assertReplaced, envFor, journal, plugin, scenario, stepStatus, waitNotReady } from '../helpers/baremetal.ts';

test('stopped bare-metal master, no CPMS, Machine finalizer hangs: dry-run shows every command; killed after the host was deleted and resumed from the journal; the host is re-provisioned, the finalizer removed', async () => {
  const sim = await startJudgedSim(scenario({ oct: 31, fault: 'machine-finalizer-stuck' }));
  try {
    const env = envFor(sim.kubeconfig);
    await waitNotReady(sim);
    const oldId = await judge.memberId(sim, 'openshift-control-plane-2');
    const oldNode = await judge.expectExists(sim, ['node', 'openshift-control-plane-2']);

    const dry = await plugin(['auto', '--dry-run', '--client', 'kubectl'], env);
    assert.is(dry.code, 0, dry.stderr);
    for (const cmd of [
      'kubectl get clusteroperator baremetal',
      'kubectl -n openshift-machine-api get baremetalhosts.metal3.io openshift-control-plane-2 -o yaml > old-host.yaml',
      'kubectl -n openshift-machine-api delete baremetalhosts.metal3.io openshift-control-plane-2 --wait=false',
      'kubectl -n openshift-machine-api delete machines.machine.openshift.io examplecluster-control-plane-2 --wait=false',
      `kubectl -n openshift-machine-api patch machines.machine.openshift.io examplecluster-control-plane-2 --type=merge -p '{"metadata":{"finalizers":[]}}'`,
      'kubectl apply -f - < new-host.yaml',
      'kubectl apply -f - < new-machine.yaml',
      'kubectl -n openshift-machine-api get bmh openshift-control-plane-2',
    ]) {
      assert.ok(dry.stdout.includes(cmd), `dry-run shows: ${cmd}\n${dry.stdout}`);
    }
    assert.is(journal(env.XDG_STATE_HOME), null, 'dry-run writes no journal');

    // killed after the old host was deleted, before the new one was created: --resume re-creates it from the journal
    const first = await plugin(['auto', '--yes', '--client', 'kubectl'], env, () => stepStatus(journal(env.XDG_STATE_HOME), 'delete-host') === 'done');
    assert.is(first.code, 'killed', `${first.stdout}\n${first.stderr}`);
    assert.is(stepStatus(journal(env.XDG_STATE_HOME), 'create-host'), 'pending');
    await judge.expectGone(sim, ['-n', NS, 'bmh', 'openshift-control-plane-2'], 'the old host (only the journal has its definition)');

    const r = await plugin(['auto', '--resume', '--yes', '--client', 'kubectl'], env);
    assert.is(r.code, 0, `${r.stdout}\n${r.stderr}`);
    assert.match(r.stderr + r.stdout, /resuming run/);
    const j = journal(env.XDG_STATE_HOME);
    assert.is(j.status, 'done');
    assert.is(stepStatus(j, 'create-host'), 'done');
    // judged from the simulator's side: what the pods ran, what the API server received, what is there now
    assert.is(judge.commandsRun(sim, /etcdctl member remove/).length, 1, 'member removed once');
    const writes = judge.requests(sim).filter((q) => q.method !== 'GET');
    const hostDeletes = writes.filter((q) => q.method === 'DELETE' && /\/baremetalhosts\/openshift-control-plane-2(\?|$)/.test(q.url));
    assert.is(hostDeletes.length, 1, 'host deleted once');
    // the machine's finalizer never goes by itself (machine-finalizer-stuck): gone means the run removed it
    assert.ok(writes.some((q) => q.method === 'PATCH' && /\/machines\/examplecluster-control-plane-2(\?|$)/.test(q.url)), 'the old machine was patched (its finalizer)');
    await judge.expectGone(sim, ['-n', NS, 'machines.machine.openshift.io', 'examplecluster-control-plane-2'], 'the old machine (its stuck finalizer removed)');
    // the node left behind by the forced machine deletion was deleted: the node of that name now is the new host's
    const node = await judge.expectExists(sim, ['node', 'openshift-control-plane-2']);
    assert.is.not(node.metadata.uid, oldNode.metadata.uid, 'the old node object is gone (a new one of the same name registered)');
    await assertReplaced(sim, { oldId, host: 'openshift-control-plane-2', machine: /^examplecluster-control-plane-3$/ });
  } finally {
    await sim.stop();
  }
});

test.run();
