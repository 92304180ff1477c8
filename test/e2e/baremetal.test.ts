// End-to-end: `auto` on an installer-provisioned bare-metal cluster (Metal3) in the simulator, as a real child process:
// no control plane machine set, the Machine's finalizer hangs, a kill between the host deletion and its re-creation.
// (With an active CPMS and `--bmh`: baremetal-bmh.test.ts; helpers in ../helpers/baremetal.ts.) Each test ends with three started, healthy, voting members, the new BareMetalHost provisioned and consumed by the
// new Machine (openshift.md §1.6).
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { startSim } from '../helpers/sim.ts';
import { readClusterState } from '../../lib/cluster/read.ts';
import { NS, assertReplaced, envFor, journal, kubeFor, plugin, scenario, stepStatus, traceCount, waitNotReady } from '../helpers/baremetal.ts';

test('stopped bare-metal master, no CPMS, Machine finalizer hangs: dry-run shows every command; killed after the host was deleted and resumed from the journal; the host is re-provisioned, the finalizer removed', async () => {
  const sim = await startSim(scenario({ oct: 31, fault: 'machine-finalizer-stuck' }));
  try {
    const env = envFor(sim.kubeconfig);
    await waitNotReady(sim.kubeconfig);
    const oldId = (await readClusterState(kubeFor(sim.kubeconfig))).members.find((m) => m.name === 'openshift-control-plane-2')!.id;

    const dry = await plugin(['auto', '--dry-run', '--client', 'kubectl'], env);
    assert.is(dry.code, 0, dry.stderr);
    for (const cmd of [
      'kubectl get clusteroperator baremetal',
      'kubectl -n openshift-machine-api get baremetalhosts.v1alpha1.metal3.io openshift-control-plane-2 -o yaml > old-host.yaml',
      'kubectl -n openshift-machine-api delete baremetalhosts.v1alpha1.metal3.io openshift-control-plane-2 --wait=false',
      'kubectl -n openshift-machine-api delete machines.v1beta1.machine.openshift.io examplecluster-control-plane-2 --wait=false',
      `kubectl -n openshift-machine-api patch machines.v1beta1.machine.openshift.io examplecluster-control-plane-2 --type=merge -p '{"metadata":{"finalizers":[]}}'`,
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
    const gone = await kubeFor(sim.kubeconfig).run(['-n', NS, 'get', 'bmh', 'openshift-control-plane-2'], { allowFailure: true });
    assert.is(gone.exitCode, 1, 'the old host is gone: only the journal has its definition');

    const r = await plugin(['auto', '--resume', '--yes', '--client', 'kubectl'], env);
    assert.is(r.code, 0, `${r.stdout}\n${r.stderr}`);
    assert.match(r.stderr + r.stdout, /resuming run/);
    const j = journal(env.XDG_STATE_HOME);
    assert.is(j.status, 'done');
    assert.is(stepStatus(j, 'create-host'), 'done');
    assert.is(traceCount(env.ETCD_REPLACE_TRACE, /etcdctl member remove/), 1, 'member removed once');
    assert.is(traceCount(env.ETCD_REPLACE_TRACE, /delete baremetalhosts.v1alpha1.metal3.io/), 1, 'host deleted once');
    assert.is(stepStatus(j, 'remove-machine-finalizer'), 'done', 'the stuck finalizer was removed');
    assert.is(stepStatus(j, 'delete-node'), 'done', 'the node left behind by the forced machine deletion was deleted');
    await assertReplaced(sim.kubeconfig, { oldId, host: 'openshift-control-plane-2', machine: /^examplecluster-control-plane-3$/ });
  } finally {
    await sim.stop();
  }
});

test.run();
