// End-to-end: bare metal (4.14, no CPMS) where inspection of the re-created host does not see the node's production
// address (scenario baremetal.inspectionSeesNodeIP: false). The bare-metal actuator gives the Machine only the inspected
// addresses, and the etcd operator (4.11+) adds no member for a node no Machine lists: the plugin stops once the new
// node is Ready (exit 5), naming the address, the Machine, why and what to do; after the documented fix (hardware
// details from the annotation), --resume finishes with three started, healthy voters.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { startSim } from '../helpers/sim.ts';
import { readClusterState } from '../../lib/cluster/read.ts';
import { NS, assertReplaced, envFor, journal, kubeFor, plugin, scenario, stepStatus, traceCount, waitFor, waitNotReady } from '../helpers/baremetal.ts';

test('inspection misses the production IP: a clear stop (exit 5) before the rollout wait; the hardware details fixed, --resume finishes', async () => {
  const sim = await startSim(scenario({ oct: 33, fault: 'machine-stopped', baremetal: { inspectionSeesNodeIP: false } }));
  try {
    const env = envFor(sim.kubeconfig);
    await waitNotReady(sim.kubeconfig);
    const k = kubeFor(sim.kubeconfig);
    const oldId = (await readClusterState(k)).members.find((m) => m.name === 'openshift-control-plane-2')!.id;

    const r = await plugin(['auto', '--yes', '--client', 'kubectl'], env);
    assert.is(r.code, 5, `${r.stdout}\n${r.stderr}`);
    assert.match(r.stderr, /stopped at manual step \d+\/\d+ \(check-machine-address/, r.stderr);
    const node = await k.json(['get', 'node', 'openshift-control-plane-2']);
    const ip: string = node.status.addresses.find((a: any) => a.type === 'InternalIP').address;
    const machine = await k.json(['-n', NS, 'get', 'machines.machine.openshift.io', 'examplecluster-control-plane-3']);
    assert.not.ok(machine.status.addresses.some((a: any) => a.address === ip), 'the Machine lacks the node IP (actuator: inspected NICs only)');
    assert.match(r.stderr, `machine examplecluster-control-plane-3 does not list ${ip}, the InternalIP of the new node openshift-control-plane-2: the etcd operator will not add a member for it`);
    assert.match(r.stderr, /no Machine found referencing this node's internal IP/);
    assert.match(r.stderr, /inspect\.metal3\.io\/hardwaredetails/);
    assert.match(r.stderr, /auto --resume/);
    const j = journal(env.XDG_STATE_HOME);
    assert.is(j.status, 'stopped');
    assert.is(stepStatus(j, 'check-machine-address'), 'pending');
    assert.is(stepStatus(j, 'wait-rollout'), 'pending', 'stopped before waiting for a rollout that cannot come');
    assert.is(traceCount(env.ETCD_REPLACE_TRACE, /patch etcds?\S* cluster .*forceRedeploymentReason/), 0, 'no forced redeployment');
    assert.is((await readClusterState(k)).members.length, 2, 'no member for the new node');

    // the administrator's fix, as the stop message says: the hardware details with the production address
    const host = await k.json(['-n', NS, 'get', 'bmh', 'openshift-control-plane-2']);
    const hw = { ...host.status.hardware, nics: [...host.status.hardware.nics.filter((n: any) => n.ip), { name: 'enp2s0', mac: '52:54:00:00:00:02', ip }] };
    await k.run(['-n', NS, 'annotate', 'bmh', 'openshift-control-plane-2', 'inspect.metal3.io=disabled', `inspect.metal3.io/hardwaredetails=${JSON.stringify(hw)}`, '--overwrite']);
    await waitFor('the Machine to list the node IP', async () => {
      const m = await k.json(['-n', NS, 'get', 'machines.machine.openshift.io', 'examplecluster-control-plane-3']);
      return m.status.addresses.some((a: any) => a.address === ip);
    });

    const done = await plugin(['auto', '--resume', '--yes', '--client', 'kubectl'], env);
    assert.is(done.code, 0, `${done.stdout}\n${done.stderr}`);
    assert.is(stepStatus(journal(env.XDG_STATE_HOME), 'check-machine-address'), 'done');
    await assertReplaced(sim.kubeconfig, { oldId, host: 'openshift-control-plane-2', machine: /^examplecluster-control-plane-3$/ });
  } finally {
    await sim.stop();
  }
});

test.run();
