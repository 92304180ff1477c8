// End-to-end: a 4.7 installer-provisioned bare-metal cluster (the BareMetalHost CRD has no automatedCleaningMode, the
// machine provider spec an image instead of customDeploy, the BMC Secret has a controller owner reference, no quorum
// guard override before 4.8). First the refusal while the `baremetal` ClusterOperator is not Available (exit 4, no API
// write at all), then the replacement. Outcomes judged by test/helpers/judge.ts.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { kubectl } from '../helpers/sim.ts';
import { startJudgedSim } from '../helpers/plugin.ts';
import * as judge from '../helpers/judge.ts';
import { NS, assertReplaced, envFor, plugin, scenario, waitNotReady } from '../helpers/baremetal.ts';

const HOST = 'openshift-control-plane-2';
const baremetalCO = (status: 'True' | 'False') => {
  const at = new Date().toISOString().replace(/\.\d+Z$/, 'Z');
  return [
    { type: 'Available', status, reason: status === 'True' ? 'AsExpected' : 'DeployFailed', message: status === 'True' ? 'Operational' : 'metal3 deployment is not ready', lastTransitionTime: at },
    { type: 'Progressing', status: 'False', reason: 'AsExpected', lastTransitionTime: at },
    { type: 'Degraded', status: status === 'True' ? 'False' : 'True', reason: 'AsExpected', lastTransitionTime: at },
  ];
};

test('4.7 bare metal: refused while clusteroperator baremetal is not Available (no write); then the host re-provisioned without fields 4.7 does not know', async () => {
  const sim = await startJudgedSim(scenario({ oct: 34, openshift: '4.7', fault: 'machine-stopped' }));
  try {
    const env = envFor(sim.kubeconfig);
    await waitNotReady(sim);
    const oldId = await judge.memberId(sim, HOST);
    const old = await judge.expectExists(sim, ['-n', NS, 'bmh', HOST]);
    assert.not.ok('automatedCleaningMode' in old.spec, 'a 4.7 host has no automatedCleaningMode');
    const secret = await judge.expectExists(sim, ['-n', NS, 'secret', `${HOST}-bmc-secret`]);
    assert.equal(secret.metadata.ownerReferences.map((r: any) => [r.uid, r.controller]), [[old.metadata.uid, true]], 'SetControllerReference (4.6–4.9)');

    const patchCO = (s: 'True' | 'False') => {
      const r = kubectl(sim, ['patch', 'clusteroperator', 'baremetal', '--subresource=status', '--type=merge', '-p', JSON.stringify({ status: { conditions: baremetalCO(s) } })]);
      assert.is(r.exitCode, 0, r.stderr);
    };
    patchCO('False');
    const mark = judge.requestMark(sim);
    const refused = await plugin(['auto', '--yes', '--client', 'kubectl'], env);
    assert.is(refused.code, 4, `${refused.stdout}\n${refused.stderr}`);
    assert.match(refused.stderr + refused.stdout, /clusteroperator baremetal is not Available \(False, DeployFailed: metal3 deployment is not ready\)/);
    // nothing changed: no API write since the mark (not even the preflight's node probes), the member still there
    judge.expectNoWritesSince(sim, mark);
    judge.expectMemberNeverRemoved(sim, oldId);

    patchCO('True');
    const watch = await judge.watchEtcdCR(sim);
    const r = await plugin(['auto', '--yes', '--client', 'kubectl'], env);
    assert.is(r.code, 0, `${r.stdout}\n${r.stderr}`);
    await judge.expectGuardNeverOff(watch); // 4.7: no quorum guard override (openshift.md §0: 4.8+)
    const host = await judge.expectExists(sim, ['-n', NS, 'bmh', HOST]);
    assert.not.ok('automatedCleaningMode' in host.spec, 'not written on 4.7');
    assert.ok(host.spec.image?.url, 'provisioned from the image in the provider spec');
    await assertReplaced(sim, { oldId, host: HOST, machine: /^examplecluster-control-plane-3$/ });
  } finally {
    await sim.stop();
  }
});

test.run();
