// Machine API objects as the installer creates them and the machine controllers fill them (github:openshift/api
// machine/v1beta1, machine/v1 ControlPlaneMachineSet; the cloud providers in providers.ts; the baremetal provider):
// providerSpec, Machines, their running status, and the ControlPlaneMachineSet. Shapes per openshift.md §2.
import { randomBytes } from 'node:crypto';
import { cleanValue, cloudProvider, setInstance, type CloudPlatform } from './providers.ts';
import type { KObject } from '../kube-apiserver/store.ts';
import { type IPFamily } from '../world/context.ts';
import { NS_MACHINE_API, HOOK, MACHINE_FINALIZER, now, hashOf } from '../world/names.ts';
import { internalIPAddresses } from '../kubelet/objects.ts';

export const ZONES = ['us-east-1a', 'us-east-1b', 'us-east-1c', 'us-east-1d', 'us-east-1f'];

export function awsInstanceId(): string {
  return 'i-0' + randomBytes(8).toString('hex').slice(0, 16);
}

export interface MachineOpts {
  name: string;
  infra: string;
  role: 'master' | 'worker' | 'arbiter';
  platform: CloudPlatform | 'baremetal';
  minor: number;
  index: number; // failure-domain index
  withHook: boolean;
}

export function providerSpec(o: { infra: string; role: string; platform: CloudPlatform | 'baremetal'; index: number; minor?: number }): any {
  const cloud = cloudProvider(o.platform);
  if (cloud) return { value: cleanValue(cloud.providerSpec(o)) };
  return {
    value: {
      apiVersion: 'baremetal.cluster.k8s.io/v1alpha1',
      kind: 'BareMetalMachineProviderSpec',
      // customDeploy exists from 4.9 (BareMetalHost CRD, github:openshift/baremetal-operator release-4.9 4e7605ba);
      // before, the installer put the cached RHCOS image URL and checksum here (openshift/installer release-4.7
      // pkg/asset/machines/baremetal/machines.go provider)
      ...((o.minor ?? 14) >= 9
        ? { customDeploy: { method: 'install_coreos' }, hostSelector: {}, image: { checksum: '', url: '' } }
        : {
            hostSelector: {},
            image: {
              checksum: 'http://172.22.0.3:6181/images/rhcos-47.83.202103251640-0-openstack.x86_64.qcow2/rhcos-47.83.202103251640-0-compressed.x86_64.qcow2.md5sum',
              url: 'http://172.22.0.3:6181/images/rhcos-47.83.202103251640-0-openstack.x86_64.qcow2/rhcos-47.83.202103251640-0-compressed.x86_64.qcow2',
            },
          }),
      metadata: { creationTimestamp: null },
      userData: { name: `${o.role}-user-data-managed` },
    },
  };
}

export function machine(o: MachineOpts): KObject {
  const labels: Record<string, string> = {
    'machine.openshift.io/cluster-api-cluster': o.infra,
    'machine.openshift.io/cluster-api-machine-role': o.role,
    'machine.openshift.io/cluster-api-machine-type': o.role,
  };
  const spec: any = {
    metadata: {},
    providerSpec: providerSpec(o),
  };
  const cloud = cloudProvider(o.platform);
  if (cloud) Object.assign(labels, cloud.machineLabels({ role: o.role, value: spec.providerSpec.value }));
  // spec.lifecycleHooks exists in the Machine CRD from 4.10 (crds.ts machineSchema): before, the API server prunes it,
  // so a stored Machine never has it
  if (o.withHook) spec.lifecycleHooks = { preDrain: [{ ...HOOK }] };
  else if (o.minor >= 10) spec.lifecycleHooks = {};
  return {
    apiVersion: 'machine.openshift.io/v1beta1',
    kind: 'Machine',
    metadata: {
      name: o.name,
      namespace: NS_MACHINE_API,
      labels,
      annotations: {},
      finalizers: [MACHINE_FINALIZER],
    },
    spec,
  };
}

/** Status + annotations of a machine whose instance runs node `n`. Mutates `m`. */
export function setMachineRunning(m: KObject, n: { name: string; ip: string; uid?: string; ipv6?: string; addressOrder?: IPFamily[] }, platform: CloudPlatform | 'baremetal', instanceState?: string): void {
  const ts = now();
  m.metadata.annotations = m.metadata.annotations ?? {};
  const cloud = cloudProvider(platform);
  if (cloud) {
    const value = m.spec?.providerSpec?.value ?? {};
    const inst = cloud.instanceOf(m) ?? cloud.newInstance(m.metadata.name, value, m.metadata.labels?.['machine.openshift.io/cluster-api-cluster'] ?? '');
    setInstance(cloud, m, inst, instanceState ?? cloud.states.running, ts);
    m.status = {
      ...m.status,
      phase: 'Running',
      lastUpdated: ts,
      nodeRef: { kind: 'Node', name: n.name, uid: n.uid },
      addresses: [...internalIPAddresses(n, n.addressOrder), { type: 'InternalDNS', address: n.name }, { type: 'Hostname', address: n.name }],
      conditions: machineConditions(ts),
    };
    return;
  }
  const bmh = m.metadata.annotations['metal3.io/BareMetalHost']?.split('/')[1] ?? `${m.metadata.name.replace(/-master-/, '-control-plane-')}`;
  m.metadata.annotations['metal3.io/BareMetalHost'] = `${NS_MACHINE_API}/${bmh}`;
  m.metadata.annotations['machine.openshift.io/instance-state'] = !instanceState || instanceState === 'running' ? 'externally provisioned' : instanceState;
  m.spec.providerID = m.spec.providerID ?? `baremetalhost:///${NS_MACHINE_API}/${bmh}/${hashOf(bmh, 32).replace(/^(.{8})(.{4})(.{4})(.{4})(.{12})$/, '$1-$2-$3-$4-$5')}`;
  m.status = {
    ...(m.status ?? {}),
    phase: 'Running',
    lastUpdated: ts,
    nodeRef: { kind: 'Node', name: n.name, uid: n.uid },
    addresses: [...internalIPAddresses(n, n.addressOrder), { type: 'Hostname', address: n.name }, { type: 'InternalDNS', address: n.name }],
    conditions: machineConditions(ts),
  };
}

export function machineConditions(ts = now()) {
  return [
    { type: 'Drainable', status: 'True', lastTransitionTime: ts },
    { type: 'InstanceExists', status: 'True', reason: '', message: '', lastTransitionTime: ts },
    { type: 'Terminable', status: 'True', lastTransitionTime: ts },
  ];
}

export function controlPlaneMachineSet(o: { infra: string; state: 'Active' | 'Inactive'; platform: CloudPlatform | 'baremetal'; replicas: number }): KObject {
  const cloud = cloudProvider(o.platform);
  // bare metal: a user-made CPMS, no failure domains (cluster-control-plane-machine-set-operator generic provider config)
  const failureDomains = cloud ? cloud.cpmsFailureDomains(o.infra) : { platform: '' };
  const spec = structuredClone(providerSpec({ infra: o.infra, role: 'master', platform: o.platform, index: 0 }));
  if (cloud) spec.value = cloud.cpmsTemplate(spec.value);
  return {
    apiVersion: 'machine.openshift.io/v1',
    kind: 'ControlPlaneMachineSet',
    metadata: { name: 'cluster', namespace: NS_MACHINE_API, finalizers: ['controlplanemachineset.machine.openshift.io'] },
    spec: {
      replicas: o.replicas,
      selector: {
        matchLabels: {
          'machine.openshift.io/cluster-api-cluster': o.infra,
          'machine.openshift.io/cluster-api-machine-role': 'master',
          'machine.openshift.io/cluster-api-machine-type': 'master',
        },
      },
      state: o.state,
      strategy: { type: 'RollingUpdate' },
      template: {
        machineType: 'machines_v1beta1_machine_openshift_io',
        machines_v1beta1_machine_openshift_io: {
          ...(failureDomains ? { failureDomains } : {}),
          metadata: {
            labels: {
              'machine.openshift.io/cluster-api-cluster': o.infra,
              'machine.openshift.io/cluster-api-machine-role': 'master',
              'machine.openshift.io/cluster-api-machine-type': 'master',
            },
          },
          spec: { lifecycleHooks: {}, metadata: {}, providerSpec: spec },
        },
      },
    },
    status: {
      conditions: [
        { type: 'Available', status: 'True', reason: 'AllReplicasAvailable', message: '', lastTransitionTime: now() },
        { type: 'Degraded', status: 'False', reason: 'AsExpected', message: '', lastTransitionTime: now() },
        { type: 'Progressing', status: 'False', reason: 'AsExpected', message: '', lastTransitionTime: now() },
      ],
      observedGeneration: 1,
      readyReplicas: o.replicas,
      replicas: o.replicas,
      updatedReplicas: o.replicas,
    },
  };
}
