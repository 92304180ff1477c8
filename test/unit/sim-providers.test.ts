// The simulator's cloud providers (sim/machine-api/providers.ts) and the scenario rules per platform: pure checks of
// the shapes each provider writes, read back with the plugin's own per-platform reading.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { CLOUD_PLATFORMS, cloudProvider, setInstance, stopInstance } from '../../sim/machine-api/providers.ts';
import { machine, setMachineRunning } from '../../sim/machine-api/objects.ts';
import { parseScenario } from '../../sim/world/scenario.ts';
import { machineInstanceState, platformMachines } from '../../lib/cluster/platforms.ts';

const INFRA = 'clustername-8qw5l';

test('each provider: the kind the plugin expects; running, then stopped, read as the plugin reads them', () => {
  for (const p of CLOUD_PLATFORMS) {
    const cloud = cloudProvider(p)!;
    const info = platformMachines(cloud.infraType)!;
    const m = machine({ name: `${INFRA}-master-0`, infra: INFRA, role: 'master', platform: p, minor: 16, index: 0, withHook: true });
    assert.is(m.spec.providerSpec.value.kind, info.providerSpecKind, p);
    setMachineRunning(m, { name: m.metadata.name, ip: '10.0.0.10' }, p);
    assert.ok(m.spec.providerID, `${p} providerID`);
    assert.equal(machineInstanceState(m, cloud.infraType).running, true, `${p} running: ${JSON.stringify(m.metadata.annotations)}`);
    stopInstance(cloud, m);
    assert.equal(machineInstanceState(m, cloud.infraType).running, false, `${p} stopped: ${JSON.stringify(m.metadata.annotations)}`);
    const fresh = machine({ name: `${INFRA}-master-3`, infra: INFRA, role: 'master', platform: p, minor: 16, index: 0, withHook: true });
    setInstance(cloud, fresh, cloud.newInstance(fresh.metadata.name, fresh.spec.providerSpec.value, INFRA), cloud.states.creating, 'now');
    assert.not.equal(machineInstanceState(fresh, cloud.infraType).running, true, `${p} creating is not running`);
  }
});

test('CPMS: the template without failure-domain fields, the injected domain gives back the machine of that index', () => {
  for (const p of CLOUD_PLATFORMS) {
    const cloud = cloudProvider(p)!;
    for (const i of [0, 1, 2]) {
      const value = machine({ name: `m-${i}`, infra: INFRA, role: 'master', platform: p, minor: 16, index: i, withHook: true }).spec.providerSpec.value;
      const back = JSON.parse(JSON.stringify(cloud.cpmsInject(cloud.cpmsTemplate(value), i, INFRA)));
      assert.equal(back, value, `${p} index ${i}`);
    }
  }
});

test('scenario: platforms, and a control plane machine set only from the release that generates one there', () => {
  const sc = (platform: string, openshift: string, cpms: string) => ({
    openshift,
    platform,
    controlPlaneMachineSet: cpms,
    masters: [0, 1, 2].map((i) => ({ node: `${INFRA}-master-${i}`, ip: `10.0.0.${10 + i}`, machine: `${INFRA}-master-${i}` })),
  });
  for (const p of CLOUD_PLATFORMS) assert.is(parseScenario(sc(p, '4.16', 'absent')).platform, p);
  assert.is(parseScenario(sc('gcp', '4.13', 'active')).controlPlaneMachineSet, 'active');
  assert.throws(() => parseScenario(sc('gcp', '4.12', 'active')), /generates one on gcp from openshift 4.13/);
  assert.throws(() => parseScenario(sc('openstack', '4.13', 'inactive')), /on openstack from openshift 4.14/);
  assert.throws(() => parseScenario(sc('vsphere', '4.15', 'active')), /on vsphere from openshift 4.16/);
  assert.is(parseScenario(sc('vsphere', '4.16', 'active')).controlPlaneMachineSet, 'active');
  assert.throws(() => parseScenario(sc('ibmcloud', '4.18', 'active')), /generates none on ibmcloud/);
  assert.throws(() => parseScenario(sc('powervs', '4.18', 'absent')), /platform: "powervs" must be one of aws, azure/);
});

test.run();
