// Per-platform Machine knowledge (lib/cluster/platforms.ts): instance states as each machine-api provider writes them,
// the CPMS generator's platforms by release, and when a saved master Machine may be re-created.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { stringify } from 'yaml';
import { cpmsGenerated, instanceRunning, machineCopyRefusal, machineInstanceState, platformMachines } from '../../lib/cluster/platforms.ts';
import { toMachineInfo } from '../../lib/cluster/read.ts';
import { buildNewMachine } from '../../lib/runbooks/machine.ts';
import { PlanError, planFacts } from '../../lib/runbooks/plan.ts';
import type { ClusterState, Diagnosis } from '../../lib/types.ts';

// platform → [running values, stopped/gone values, neither] as the providers write them
const STATES: Record<string, [string[], string[], string[]]> = {
  AWS: [['running'], ['stopped', 'stopping', 'shutting-down', 'terminated'], ['pending', 'Unknown']],
  Azure: [['Running', 'Succeeded'], ['Stopped', 'Stopping', 'Deallocated', 'Deallocating', 'Deleting'], ['Creating', 'Updating', 'Starting', 'Migrating', 'Failed', 'Unknown']],
  GCP: [['RUNNING'], ['TERMINATED', 'STOPPED', 'STOPPING', 'SUSPENDED', 'SUSPENDING'], ['PROVISIONING', 'STAGING', 'REPAIRING', 'Unknown']],
  VSphere: [['poweredOn'], ['poweredOff', 'suspended'], ['', 'Unknown']],
  OpenStack: [['ACTIVE'], ['SHUTOFF', 'STOPPED', 'SUSPENDED', 'PAUSED', 'SHELVED_OFFLOADED', 'DELETED'], ['BUILD', 'ERROR', 'REBOOT', 'Unknown']],
  IBMCloud: [['running'], ['stopped', 'stopping', 'deleting'], ['pending', 'starting', 'restarting', 'failed', 'Unknown']],
  BareMetal: [['externally provisioned', 'provisioned'], [], ['provisioning', 'deprovisioning', 'Unknown']],
};

test('instance states per platform, from the values each provider writes', () => {
  for (const [platform, [run, stop, other]] of Object.entries(STATES)) {
    for (const s of run) assert.is(instanceRunning(s, platform), true, `${platform} ${s}`);
    for (const s of stop) assert.is(instanceRunning(s, platform), false, `${platform} ${s}`);
    for (const s of other) assert.is(instanceRunning(s, platform), null, `${platform} ${s}`);
  }
  // a platform reads only its own values: EC2's "running" is not an OpenStack state, Azure's Succeeded not a GCP one
  assert.is(instanceRunning('running', 'OpenStack'), null);
  assert.is(instanceRunning('Succeeded', 'GCP'), null);
  // unknown platform: any provider's value
  assert.is(instanceRunning('SHUTOFF', null), false);
  assert.is(instanceRunning('poweredOn', 'PowerVS'), true);
});

test('Nutanix: the entity state is shown, the power-state annotation decides', () => {
  const nx = (state: string | undefined, power: string | undefined) => ({
    metadata: {
      name: 'nx',
      annotations: { ...(state ? { 'machine.openshift.io/instance-state': state } : {}), ...(power ? { 'machine.openshift.io/instance-power-state': power } : {}) },
    },
  });
  assert.equal(machineInstanceState(nx('COMPLETE', 'ON'), 'Nutanix'), { state: 'COMPLETE, power ON', running: true });
  assert.equal(machineInstanceState(nx('COMPLETE', 'OFF'), 'Nutanix'), { state: 'COMPLETE, power OFF', running: false });
  assert.equal(machineInstanceState(nx('Unknown', 'ON'), 'Nutanix'), { state: 'Unknown, power ON', running: null });
  assert.equal(machineInstanceState(nx('DELETED', 'ON'), 'Nutanix'), { state: 'DELETED, power ON', running: false });
  // no power annotation yet (being created): COMPLETE alone says nothing about power
  assert.equal(machineInstanceState(nx('COMPLETE', undefined), 'Nutanix'), { state: 'COMPLETE', running: null });
  const info = toMachineInfo({ ...nx('COMPLETE', 'OFF'), spec: { providerSpec: { value: { kind: 'NutanixMachineProviderConfig' } } } }, 'Nutanix');
  assert.is(info.instanceRunning, false);
  assert.is(info.providerSpecKind, 'NutanixMachineProviderConfig');
});

test('providerStatus when the annotation is missing: instanceState, Azure vmState', () => {
  assert.equal(machineInstanceState({ status: { providerStatus: { kind: 'GCPMachineProviderStatus', instanceState: 'TERMINATED' } } }, 'GCP'), { state: 'TERMINATED', running: false });
  assert.equal(machineInstanceState({ status: { providerStatus: { kind: 'AzureMachineProviderStatus', vmState: 'Deallocated' } } }, 'Azure'), { state: 'Deallocated', running: false });
  assert.equal(machineInstanceState({ metadata: { annotations: { 'machine.openshift.io/instance-state': 'SHUTOFF' } } }, 'OpenStack'), { state: 'SHUTOFF', running: false });
  assert.equal(machineInstanceState({}, 'VSphere'), { state: null, running: null });
});

test('CPMS generated per platform from the release the generator supports it', () => {
  const rows: [string, string, boolean][] = [
    ['AWS', '4.11.9', false], ['AWS', '4.12.0', true],
    ['Azure', '4.12.30', false], ['Azure', '4.13.1', true], ['GCP', '4.13.0', true],
    ['OpenStack', '4.13.9', false], ['OpenStack', '4.14.2', true], ['Nutanix', '4.14.0', true],
    ['VSphere', '4.15.3', false], ['VSphere', '4.16.0', true], ['VSphere', '4.18.1', true],
    ['IBMCloud', '4.18.0', false], ['BareMetal', '4.18.0', false], ['None', '4.18.0', false],
  ];
  for (const [p, r, want] of rows) assert.is(cpmsGenerated(p, r), want, `${p} ${r}`);
  assert.is(platformMachines('vsphere')?.label, 'vSphere');
});

const machineOf = (kind: string, name = 'clustername-8qw5l-master-0') => ({
  apiVersion: 'machine.openshift.io/v1beta1',
  kind: 'Machine',
  metadata: { name, namespace: 'openshift-machine-api', annotations: { 'machine.openshift.io/instance-state': 'x', 'openstack-resourceId': 'a1b2' } },
  spec: { providerID: 'p', providerSpec: { value: { kind } } },
  status: { phase: 'Running' },
});

test('copy refusals: unknown platform, a providerSpec of another platform, a name the cloud refuses', () => {
  for (const [p, kind] of [['AWS', 'AWSMachineProviderConfig'], ['Azure', 'AzureMachineProviderSpec'], ['GCP', 'GCPMachineProviderSpec'], ['VSphere', 'VSphereMachineProviderSpec'], ['OpenStack', 'OpenstackProviderSpec'], ['Nutanix', 'NutanixMachineProviderConfig'], ['IBMCloud', 'IBMCloudMachineProviderSpec']]) {
    assert.is(machineCopyRefusal(machineOf(kind!), 'clustername-8qw5l-master-3', p), null, p);
  }
  assert.match(machineCopyRefusal(machineOf('PowerVSMachineProviderConfig'), 'c-master-3', 'PowerVS') ?? '', /platform PowerVS: etcd-replace knows .* only on AWS, Azure, GCP, vSphere, OpenStack, Nutanix, IBM Cloud, bare metal; re-create machine clustername-8qw5l-master-0 by hand/);
  assert.match(machineCopyRefusal(machineOf('AWSMachineProviderConfig'), 'c-master-3', null) ?? '', /platform unknown/);
  assert.match(machineCopyRefusal(machineOf('AWSMachineProviderConfig'), 'c-master-3', 'GCP') ?? '', /providerSpec kind AWSMachineProviderConfig, not GCPMachineProviderSpec as on GCP/);
  const long = `a${'b'.repeat(60)}-master-10`;
  assert.match(machineCopyRefusal(machineOf('GCPMachineProviderSpec'), long, 'GCP') ?? '', /cannot name the GCP instance \(Compute Engine/);
  assert.match(machineCopyRefusal(machineOf('IBMCloudMachineProviderSpec'), 'Upper-master-3', 'IBMCloud') ?? '', /cannot name the IBM Cloud instance/);
  assert.is(machineCopyRefusal(machineOf('OpenstackProviderSpec'), long, 'OpenStack'), null);
});

test('buildNewMachine per platform: the instance fields go, the providerSpec stays; refusals throw', () => {
  const b = buildNewMachine(stringify(machineOf('OpenstackProviderSpec')), ['clustername-8qw5l-master-0', 'clustername-8qw5l-master-2'], 'OpenStack');
  assert.is(b.name, 'clustername-8qw5l-master-3');
  assert.is(b.object.metadata.annotations, undefined);
  assert.is(b.object.spec.providerID, undefined);
  assert.is(b.object.status, undefined);
  assert.equal(b.object.spec.providerSpec, { value: { kind: 'OpenstackProviderSpec' } });
  assert.throws(() => buildNewMachine(stringify(machineOf('OpenstackProviderSpec')), [], 'VSphere'), /not VSphereMachineProviderSpec/);
});

// the smallest state planFacts accepts: master-0 stopped, two healthy masters on `platform`
function stopped(platform: string, kind: string, cpms: 'Active' | null = null): [ClusterState, Diagnosis] {
  const ms = [0, 1, 2].map((i) => ({ node: `c-master-${i}`, ip: `10.0.0.${10 + i}`, machine: `c-master-${i}`, id: `${i + 1}`.repeat(16) }));
  const state = {
    release: '4.16.3',
    platform,
    members: ms.map((m, i) => ({ id: m.id, name: m.node, peerURLs: [`https://${m.ip}:2380`], clientURLs: [`https://${m.ip}:2379`], started: true, isLearner: false, healthy: i > 0, leader: i === 1 })),
    memberSource: 'etcd-c-master-1',
    pods: ms.map((m) => ({ name: `etcd-${m.node}`, node: m.node, phase: 'Running', status: 'Running', readyCount: 1, containerCount: 1, restarts: 0, revision: '8', containers: [] })),
    nodes: ms.map((m, i) => ({ name: m.node, internalIP: m.ip, ready: i > 0 ? true : null, unreachable: i === 0, uid: `u${i}` })),
    machines: ms.map((m, i) => ({ name: m.machine, phase: 'Running', instanceState: i ? 'on' : 'off', instanceRunning: i > 0, nodeName: m.node, internalIPs: [m.ip], deleting: false, hasEtcdHook: true, providerSpecKind: kind })),
    controlPlaneMachineSet: cpms ? { state: cpms } : null,
    secrets: [],
    etcd: { conditions: [], unsupportedConfigOverrides: undefined, quorumGuardOff: false, forceRedeploymentReason: null, latestAvailableRevision: 8, nodeStatuses: [], controlPlaneReplicas: 3 },
  } as unknown as ClusterState;
  const d: Diagnosis = { scenario: 'not-ready', member: { id: ms[0]!.id, name: ms[0]!.node, node: ms[0]!.node, machine: ms[0]!.machine }, reasons: [], action: '' };
  return [state, d];
}

test('plan: re-creating a machine is refused before any change where the platform is unknown or the kind is not its own', () => {
  assert.is(planFacts(...stopped('OpenStack', 'OpenstackProviderSpec')).machineMode, 'yaml');
  assert.is(planFacts(...stopped('Nutanix', 'NutanixMachineProviderConfig')).machineMode, 'yaml');
  assert.throws(() => planFacts(...stopped('PowerVS', 'PowerVSMachineProviderConfig')), (e: Error) => e instanceof PlanError && /platform PowerVS: etcd-replace knows/.test(e.message));
  assert.throws(() => planFacts(...stopped('VSphere', 'AWSMachineProviderConfig')), (e: Error) => e instanceof PlanError && /not VSphereMachineProviderSpec/.test(e.message));
  // an Active control plane machine set re-creates it: nothing is copied, any platform
  assert.is(planFacts(...stopped('PowerVS', 'PowerVSMachineProviderConfig', 'Active')).machineMode, 'cpms');
});

test.run();
