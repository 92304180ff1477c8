// End-to-end: a 4.7 installer-provisioned bare-metal cluster (the BareMetalHost CRD has no automatedCleaningMode, the
// machine provider spec an image instead of customDeploy, the BMC Secret has a controller owner reference). First the
// refusal while the `baremetal` ClusterOperator is not Available (exit 4, nothing changed), then the replacement.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { startSim } from '../helpers/sim.ts';
import { readClusterState } from '../../lib/cluster/read.ts';
import { NS, assertReplaced, envFor, journal, kubeFor, plugin, scenario, stepStatus, traceCount, waitNotReady } from '../helpers/baremetal.ts';

const baremetalCO = (status: 'True' | 'False') => [
  { type: 'Available', status, reason: status === 'True' ? 'AsExpected' : 'DeployFailed', message: status === 'True' ? 'Operational' : 'metal3 deployment is not ready', lastTransitionTime: new Date().toISOString().replace(/\.\d+Z$/, 'Z') },
  { type: 'Progressing', status: 'False', reason: 'AsExpected', lastTransitionTime: new Date().toISOString().replace(/\.\d+Z$/, 'Z') },
  { type: 'Degraded', status: status === 'True' ? 'False' : 'True', reason: 'AsExpected', lastTransitionTime: new Date().toISOString().replace(/\.\d+Z$/, 'Z') },
];

test('4.7 bare metal: refused while clusteroperator baremetal is not Available; then the host re-provisioned without fields 4.7 does not know', async () => {
  const sim = await startSim(scenario({ oct: 34, openshift: '4.7', fault: 'machine-stopped' }));
  try {
    const env = envFor(sim.kubeconfig);
    await waitNotReady(sim.kubeconfig);
    const k = kubeFor(sim.kubeconfig);
    const oldId = (await readClusterState(k)).members.find((m) => m.name === 'openshift-control-plane-2')!.id;
    const old = await k.json(['-n', NS, 'get', 'bmh', 'openshift-control-plane-2']);
    assert.not.ok('automatedCleaningMode' in old.spec, 'a 4.7 host has no automatedCleaningMode');
    const ownerRef = (await k.json(['-n', NS, 'get', 'secret', 'openshift-control-plane-2-bmc-secret'])).metadata.ownerReferences;
    assert.equal(ownerRef.map((r: any) => [r.uid, r.controller]), [[old.metadata.uid, true]], 'SetControllerReference (4.6–4.9)');

    const patchCO = (s: 'True' | 'False') => k.run(['patch', 'clusteroperator', 'baremetal', '--subresource=status', '--type=merge', '-p', JSON.stringify({ status: { conditions: baremetalCO(s) } })]);
    await patchCO('False');
    const refused = await plugin(['auto', '--yes', '--client', 'kubectl'], env);
    assert.is(refused.code, 4, `${refused.stdout}\n${refused.stderr}`);
    assert.match(refused.stderr, /clusteroperator baremetal is not Available \(False, DeployFailed: metal3 deployment is not ready\)/);
    assert.is(traceCount(env.ETCD_REPLACE_TRACE, /member remove|delete|patch etcd/), 0, 'nothing changed');
    assert.is((await readClusterState(k)).members.length, 3);

    await patchCO('True');
    const r = await plugin(['auto', '--yes', '--client', 'kubectl'], env);
    assert.is(r.code, 0, `${r.stdout}\n${r.stderr}`);
    assert.is(stepStatus(journal(env.XDG_STATE_HOME), 'quorum-guard-off'), undefined, '4.7: no quorum guard override step');
    const host = await k.json(['-n', NS, 'get', 'bmh', 'openshift-control-plane-2']);
    assert.not.ok('automatedCleaningMode' in host.spec, 'not written on 4.7');
    assert.ok(host.spec.image?.url, 'provisioned from the image in the provider spec');
    await assertReplaced(sim.kubeconfig, { oldId, host: 'openshift-control-plane-2', machine: /^examplecluster-control-plane-3$/ });
  } finally {
    await sim.stop();
  }
});

test.run();
