// End-to-end: `auto` on an installer-provisioned bare-metal cluster (Metal3) in the simulator, as a real child process:
// no control plane machine set, the Machine's finalizer hangs, a kill between the host deletion and its re-creation.
// (With an active CPMS and `--bmh`: baremetal-bmh.test.ts; helpers in ../helpers/baremetal.ts.) Each test ends with three started, healthy, voting members, the new BareMetalHost provisioned and consumed by the
// new Machine (openshift.md §1.6).
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { startSim } from '../helpers/sim.ts';
import { readClusterState } from '../../lib/cluster/read.ts';
import { statSync } from 'node:fs';
import { join } from 'node:path';
import { NS, assertReplaced, envFor, journal, journalDir, kubeFor, plugin, scenario, stepStatus, traceCount, waitFor, waitNotReady } from '../helpers/baremetal.ts';

test('stopped bare-metal master with static network data, no CPMS, Machine finalizer hangs: dry-run shows every command; killed after the host was deleted (its Secrets garbage-collected) and resumed from the journal; the Secrets are created again, the host re-provisioned with its network data, the finalizer removed', async () => {
  const sim = await startSim(scenario({ oct: 31, fault: 'machine-finalizer-stuck', baremetal: { networkData: true } }));
  try {
    const env = envFor(sim.kubeconfig);
    await waitNotReady(sim.kubeconfig);
    const k = kubeFor(sim.kubeconfig);
    const oldId = (await readClusterState(k)).members.find((m) => m.name === 'openshift-control-plane-2')!.id;
    const oldHost = await k.json(['-n', NS, 'get', 'bmh', 'openshift-control-plane-2']);
    const SECRETS = ['openshift-control-plane-2-bmc-secret', 'openshift-control-plane-2-network-config-secret'];
    const before = await Promise.all(SECRETS.map((n) => k.json(['-n', NS, 'get', 'secret', n])));
    for (const s of before) assert.ok(s.metadata.ownerReferences.some((r: any) => r.uid === oldHost.metadata.uid), `${s.metadata.name} is owned by the host`);

    const dry = await plugin(['auto', '--dry-run', '--client', 'kubectl'], env);
    assert.is(dry.code, 0, dry.stderr);
    for (const cmd of [
      'kubectl get clusteroperator baremetal',
      'kubectl -n openshift-machine-api get baremetalhosts.metal3.io openshift-control-plane-2 -o yaml > old-host.yaml',
      'kubectl -n openshift-machine-api delete baremetalhosts.metal3.io openshift-control-plane-2 --wait=false',
      'kubectl -n openshift-machine-api delete machines.machine.openshift.io examplecluster-control-plane-2 --wait=false',
      `kubectl -n openshift-machine-api patch machines.machine.openshift.io examplecluster-control-plane-2 --type=merge -p '{"metadata":{"finalizers":[]}}'`,
      "kubectl -n openshift-machine-api get secret '<name>' -o json",
      'kubectl -n openshift-machine-api create -f -',
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
    const gone = await k.run(['-n', NS, 'get', 'bmh', 'openshift-control-plane-2'], { allowFailure: true });
    assert.is(gone.exitCode, 1, 'the old host is gone: only the journal has its definition');
    // Kubernetes' garbage collector deletes the Secrets the old host owned: only the run's secrets.json keeps them
    for (const n of SECRETS) {
      await waitFor(`Secret ${n} garbage-collected`, async () => (await k.run(['-n', NS, 'get', 'secret', n], { allowFailure: true })).exitCode === 1, 60_000);
    }

    const r = await plugin(['auto', '--resume', '--yes', '--client', 'kubectl'], env);
    assert.is(r.code, 0, `${r.stdout}\n${r.stderr}`);
    assert.match(r.stderr + r.stdout, /resuming run/);
    const j = journal(env.XDG_STATE_HOME);
    assert.is(j.status, 'done');
    assert.is(stepStatus(j, 'create-host'), 'done');
    assert.is(traceCount(env.ETCD_REPLACE_TRACE, /etcdctl member remove/), 1, 'member removed once');
    assert.is(traceCount(env.ETCD_REPLACE_TRACE, /delete baremetalhosts.metal3.io/), 1, 'host deleted once');
    assert.is(stepStatus(j, 'remove-machine-finalizer'), 'done', 'the stuck finalizer was removed');
    assert.is(stepStatus(j, 'delete-node'), 'done', 'the node left behind by the forced machine deletion was deleted');
    await assertReplaced(sim.kubeconfig, { oldId, host: 'openshift-control-plane-2', machine: /^examplecluster-control-plane-3$/ });
    // the Secrets are back with the same data, created anew (no owner from us; the operator claims them for the new host)
    const host = await k.json(['-n', NS, 'get', 'bmh', 'openshift-control-plane-2']);
    assert.is(host.spec.preprovisioningNetworkDataName, 'openshift-control-plane-2-network-config-secret', 'the static network data kept');
    assert.is(host.spec.bmc.credentialsName, 'openshift-control-plane-2-bmc-secret');
    for (const [i, n] of SECRETS.entries()) {
      const s = await k.json(['-n', NS, 'get', 'secret', n]);
      assert.equal(s.data, before[i].data, `${n} has its old data`);
      assert.is.not(s.metadata.uid, before[i].metadata.uid, `${n} was created again`);
      assert.equal(s.metadata.ownerReferences.map((r: any) => r.uid), [host.metadata.uid], `${n} is owned by the new host only`);
    }
    const runDir = journalDir(env.XDG_STATE_HOME)!;
    assert.is(statSync(join(runDir, 'secrets.json')).mode & 0o777, 0o600);
    assert.is(statSync(runDir).mode & 0o777, 0o700);
  } finally {
    await sim.stop();
  }
});

test.run();
