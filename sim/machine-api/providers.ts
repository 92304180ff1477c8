// The cloud machine-api providers: per platform the providerSpec the installer writes, the labels, providerID,
// providerStatus and machine.openshift.io/instance-state values the provider's actuator sets, and how the control
// plane machine set spreads masters over failure domains. Sources (github:openshift/…, main unless said):
//   AWS       machine-api-provider-aws pkg/actuators/machine/reconciler.go (instance-state = EC2 State.Name:
//             pending, running, stopping, stopped, shutting-down, terminated; providerID aws:///<zone>/<id>)
//   Azure     machine-api-provider-azure pkg/cloud/azure/actuators/machine/reconciler.go getVMState (a non-terminal
//             provisioning state as is: Creating, Updating…; else the power state: Starting, Running, Stopping,
//             Stopped, Deallocating, Deallocated; Deleting on delete), providerStatus vmId + vmState,
//             providerID azure:///subscriptions/<sub>/resourceGroups/<rg>/providers/Microsoft.Compute/virtualMachines/<name>
//   GCP       machine-api-provider-gcp pkg/cloud/gcp/actuators/machine/reconciler.go (instance-state = instance.Status:
//             PROVISIONING, STAGING, RUNNING, STOPPING, TERMINATED…; providerStatus instanceId = the instance name,
//             condition MachineCreated/MachineCreationSucceeded "machine successfully created"),
//             machine_scope.go providerID gce://<project>/<zone>/<machine name>
//   vSphere   machine-api-operator pkg/controller/vsphere/reconciler.go (getPowerState: poweredOn, poweredOff,
//             suspended; providerID vsphere://<BIOS UUID>; providerStatus instanceId/instanceState/taskRef,
//             util.go condition MachineCreation)
//   OpenStack machine-api-provider-openstack pkg/machine/actuator.go (instance-state = the Nova server status: BUILD,
//             ACTIVE, SHUTOFF…; annotation openstack-resourceId = server ID; providerID openstack:///<server ID>;
//             no providerStatus; labels region/zone/flavor set once)
//   Nutanix   machine-api-provider-nutanix pkg/actuators/machine/reconciler.go (instance-state = the VM entity state
//             COMPLETE/PENDING/ERROR, machine.openshift.io/instance-power-state = ON/OFF; providerID nutanix://<vmUUID>;
//             providerStatus vmUUID)
//   IBMCloud  machine-api-provider-ibmcloud pkg/actuators/machine/reconciler.go (instance-state = VPC instance status:
//             pending, running, stopping, stopped, deleting…; providerID ibm://<account>///<cluster>/<instance ID>;
//             providerStatus instanceId/instanceState)
// providerSpec shapes: github:openshift/api machine/v1beta1 types_{aws,azure,gcp,vsphere}provider.go, machine/v1alpha1
// OpenstackProviderSpec, machine/v1 NutanixMachineProviderConfig, machine-api-provider-ibmcloud
// pkg/apis/ibmcloudprovider/v1 (group ibmcloudproviderconfig.openshift.io/v1beta1), filled like the fixtures of
// github:openshift/cluster-api-actuator-pkg testutils/resourcebuilder/machine.
// CPMS failure domains: github:openshift/api machine/v1 types_controlplanemachineset.go (aws placement+subnet,
// azure zone, gcp zone, openstack availabilityZone); cluster-control-plane-machine-set-operator
// controlplanemachinesetgenerator/<platform>.go removes those fields from the template; the generator knows AWS from
// release-4.12, Azure and GCP from 4.13, Nutanix and OpenStack from 4.14, vSphere from 4.15 (feature gate; default
// 4.16), IBM Cloud never. vSphere and Nutanix without zones (the default install) have no failure domains.
import { randomBytes, randomUUID } from 'node:crypto';
import type { KObject } from '../kube-apiserver/store.ts';

export const CLOUD_PLATFORMS = ['aws', 'azure', 'gcp', 'vsphere', 'openstack', 'nutanix', 'ibmcloud'] as const;
export type CloudPlatform = (typeof CLOUD_PLATFORMS)[number];
export const isCloud = (p: string): p is CloudPlatform => (CLOUD_PLATFORMS as readonly string[]).includes(p);

export interface Instance {
  id: string;
  providerID: string;
}

export interface InstanceStates {
  /** right after the create call */
  creating: string;
  running: string;
  /** stopped by someone (the machine-stopped fault) */
  stopped: string;
  /** the actuator's value while it deletes the instance, if it writes one */
  deleting?: string;
}

export interface CloudProvider {
  platform: CloudPlatform;
  /** infrastructure status.platformStatus.type */
  infraType: string;
  /** failure-domain zones masters are spread over (index % 3); null: one zone, no CPMS failure domains */
  zones: string[] | null;
  states: InstanceStates;
  providerSpec(o: { infra: string; role: string; index: number }): any;
  /** labels the actuator sets on the Machine (instance type, region, zone) */
  machineLabels(o: { role: string; value: any }): Record<string, string>;
  /** topology labels the cloud provider puts on the Node */
  nodeLabels(o: { role: string; value: any }): Record<string, string>;
  newInstance(machineName: string, value: any, infra: string): Instance;
  /** status.providerStatus for an instance in `state`, or undefined when the provider writes none */
  providerStatus(inst: Instance, state: string, ts: string): any | undefined;
  /** the annotations the actuator writes for an instance in `state` */
  annotations(inst: Instance, state: string): Record<string, string>;
  /** instance ID from a Machine the actuator already filled */
  instanceOf(m: KObject): Instance | null;
  /** the first release (minor) whose CPMS operator generates a control plane machine set here; null: never */
  cpmsFrom: number | null;
  cpmsFailureDomains(infra: string): any;
  /** the template providerSpec: the machine's without the failure-domain fields */
  cpmsTemplate(value: any): any;
  /** the replacement's providerSpec: the template with failure domain `index` put back */
  cpmsInject(value: any, index: number, infra: string): any;
}

const hex = (n: number) => randomBytes(Math.ceil(n / 2)).toString('hex').slice(0, n);
const cond = (type: string, ts: string, message: string) => [{ type, status: 'True', reason: 'MachineCreationSucceeded', message, lastTransitionTime: ts }];
const userData = (role: string) => ({ name: `${role}-user-data` });
const zoneOf = (zones: string[] | null, index: number) => (zones ? zones[index % 3]! : undefined);

// ---------------- AWS ----------------
const AWS_ZONES = ['us-east-1a', 'us-east-1b', 'us-east-1c'];
const aws: CloudProvider = {
  platform: 'aws',
  infraType: 'AWS',
  zones: AWS_ZONES,
  states: { creating: 'pending', running: 'running', stopped: 'stopped', deleting: 'terminated' },
  providerSpec: ({ infra, role, index }) => {
    const zone = zoneOf(AWS_ZONES, index)!;
    return {
      apiVersion: 'machine.openshift.io/v1beta1',
      kind: 'AWSMachineProviderConfig',
      ami: { id: 'ami-0fe05b1aa8dacfa90' },
      blockDevices: [{ ebs: { encrypted: true, iops: 0, kmsKey: { arn: '' }, volumeSize: 120, volumeType: 'gp3' } }],
      credentialsSecret: { name: 'aws-cloud-credentials' },
      deviceIndex: 0,
      iamInstanceProfile: { id: `${infra}-${role}-profile` },
      instanceType: role === 'master' ? 'm6i.xlarge' : 'm6i.large',
      loadBalancers:
        role === 'master'
          ? [
              { name: `${infra}-int`, type: 'network' },
              { name: `${infra}-ext`, type: 'network' },
            ]
          : undefined,
      metadata: { creationTimestamp: null },
      metadataServiceOptions: {},
      placement: { availabilityZone: zone, region: 'us-east-1' },
      securityGroups: [{ filters: [{ name: 'tag:Name', values: [`${infra}-${role}-sg`] }] }],
      subnet: { filters: [{ name: 'tag:Name', values: [`${infra}-private-${zone}`] }] },
      tags: [{ name: `kubernetes.io/cluster/${infra}`, value: 'owned' }],
      userDataSecret: userData(role),
    };
  },
  machineLabels: ({ value }) => ({
    'machine.openshift.io/instance-type': value.instanceType,
    'machine.openshift.io/region': value.placement?.region ?? 'us-east-1',
    'machine.openshift.io/zone': value.placement?.availabilityZone ?? '',
  }),
  nodeLabels: ({ value }) => cloudNodeLabels(value.instanceType, 'us-east-1', value.placement?.availabilityZone),
  newInstance: (_name, value) => {
    const id = `i-0${hex(16)}`;
    return { id, providerID: `aws:///${value.placement?.availabilityZone ?? AWS_ZONES[0]}/${id}` };
  },
  providerStatus: (inst, state, ts) => ({
    apiVersion: 'machine.openshift.io/v1beta1',
    kind: 'AWSMachineProviderStatus',
    conditions: [{ type: 'MachineCreation', status: 'True', reason: 'MachineCreationSucceeded', message: 'Machine successfully created', lastTransitionTime: ts }],
    instanceId: inst.id,
    instanceState: state,
  }),
  annotations: (_i, state) => ({ 'machine.openshift.io/instance-state': state }),
  instanceOf: (m) => {
    const id = m.status?.providerStatus?.instanceId ?? /\/(i-[0-9a-f]+)$/.exec(m.spec?.providerID ?? '')?.[1];
    return id && m.spec?.providerID ? { id, providerID: m.spec.providerID } : null;
  },
  cpmsFrom: 12,
  cpmsFailureDomains: (infra) => ({
    platform: 'AWS',
    aws: AWS_ZONES.map((z) => ({ placement: { availabilityZone: z }, subnet: { type: 'Filters', filters: [{ name: 'tag:Name', values: [`${infra}-private-${z}`] }] } })),
  }),
  cpmsTemplate: (value) => {
    const v = structuredClone(value);
    delete v.placement.availabilityZone;
    delete v.subnet;
    return v;
  },
  cpmsInject: (value, index, infra) => {
    const v = structuredClone(value);
    const z = AWS_ZONES[index % 3]!;
    v.placement = { ...(v.placement ?? {}), availabilityZone: z };
    v.subnet = { filters: [{ name: 'tag:Name', values: [`${infra}-private-${z}`] }] };
    return v;
  },
};

function cloudNodeLabels(type: string | undefined, region: string | undefined, zone: string | undefined): Record<string, string> {
  const l: Record<string, string> = {};
  if (type) {
    l['node.kubernetes.io/instance-type'] = type;
    l['beta.kubernetes.io/instance-type'] = type;
  }
  if (region) {
    l['topology.kubernetes.io/region'] = region;
    l['failure-domain.beta.kubernetes.io/region'] = region;
  }
  if (zone) {
    l['topology.kubernetes.io/zone'] = zone;
    l['failure-domain.beta.kubernetes.io/zone'] = zone;
  }
  return l;
}

// ---------------- Azure ----------------
const AZ_ZONES = ['1', '2', '3'];
const AZ_SUB = '53b8f551-f0fc-4bea-8cba-6d1fefd54c8a';
const azure: CloudProvider = {
  platform: 'azure',
  infraType: 'Azure',
  zones: AZ_ZONES,
  states: { creating: 'Creating', running: 'Running', stopped: 'Deallocated', deleting: 'Deleting' },
  providerSpec: ({ infra, role, index }) => ({
    apiVersion: 'machine.openshift.io/v1beta1',
    kind: 'AzureMachineProviderSpec',
    acceleratedNetworking: true,
    credentialsSecret: { name: 'azure-cloud-credentials', namespace: 'openshift-machine-api' },
    image: { offer: '', publisher: '', resourceID: `/resourceGroups/${infra}-rg/providers/Microsoft.Compute/galleries/gallery_${infra.replace(/-/g, '_')}/images/${infra}-gen2/versions/latest`, sku: '', version: '' },
    internalLoadBalancer: role === 'master' ? `${infra}-internal` : undefined,
    location: 'centralus',
    managedIdentity: `${infra}-identity`,
    metadata: { creationTimestamp: null },
    networkResourceGroup: `${infra}-rg`,
    osDisk: { diskSizeGB: role === 'master' ? 1024 : 128, managedDisk: { storageAccountType: 'Premium_LRS' }, osType: 'Linux' },
    publicIP: false,
    publicLoadBalancer: infra,
    resourceGroup: `${infra}-rg`,
    subnet: `${infra}-${role}-subnet`,
    userDataSecret: userData(role),
    vmSize: role === 'master' ? 'Standard_D8s_v3' : 'Standard_D4s_v3',
    vnet: `${infra}-vnet`,
    zone: zoneOf(AZ_ZONES, index),
  }),
  machineLabels: ({ value }) => ({ 'machine.openshift.io/instance-type': value.vmSize, 'machine.openshift.io/region': value.location, 'machine.openshift.io/zone': value.zone ?? '' }),
  nodeLabels: ({ value }) => cloudNodeLabels(value.vmSize, value.location, value.zone ? `${value.location}-${value.zone}` : '0'),
  newInstance: (name, value) => {
    const id = `/subscriptions/${AZ_SUB}/resourceGroups/${value.resourceGroup}/providers/Microsoft.Compute/virtualMachines/${name}`;
    return { id, providerID: `azure://${id}` };
  },
  providerStatus: (inst, state, ts) => ({
    apiVersion: 'machine.openshift.io/v1beta1',
    kind: 'AzureMachineProviderStatus',
    conditions: cond('MachineCreated', ts, 'machine successfully created'),
    vmId: inst.id,
    vmState: state,
  }),
  annotations: (_i, state) => ({ 'machine.openshift.io/instance-state': state }),
  instanceOf: (m) => (m.spec?.providerID && m.status?.providerStatus?.vmId ? { id: m.status.providerStatus.vmId, providerID: m.spec.providerID } : null),
  cpmsFrom: 13,
  cpmsFailureDomains: () => ({ platform: 'Azure', azure: AZ_ZONES.map((zone) => ({ zone })) }),
  cpmsTemplate: (value) => {
    const v = structuredClone(value);
    v.zone = '';
    return v;
  },
  cpmsInject: (value, index) => ({ ...structuredClone(value), zone: AZ_ZONES[index % 3] }),
};

// ---------------- GCP ----------------
const GCP_ZONES = ['us-central1-a', 'us-central1-b', 'us-central1-c'];
const GCP_PROJECT = 'openshift-sim-project';
const gcp: CloudProvider = {
  platform: 'gcp',
  infraType: 'GCP',
  zones: GCP_ZONES,
  states: { creating: 'PROVISIONING', running: 'RUNNING', stopped: 'TERMINATED' },
  providerSpec: ({ infra, role, index }) => ({
    apiVersion: 'machine.openshift.io/v1beta1',
    kind: 'GCPMachineProviderSpec',
    canIPForward: false,
    credentialsSecret: { name: 'gcp-cloud-credentials' },
    deletionProtection: false,
    disks: [{ autoDelete: true, boot: true, image: `projects/rhcos-cloud/global/images/rhcos-418-94-202410090804-0-gcp-x86-64`, labels: null, sizeGb: 128, type: 'pd-ssd' }],
    machineType: role === 'master' ? 'n2-standard-4' : 'n2-standard-4',
    metadata: { creationTimestamp: null },
    networkInterfaces: [{ network: `${infra}-network`, subnetwork: `${infra}-${role}-subnet` }],
    projectID: GCP_PROJECT,
    region: 'us-central1',
    serviceAccounts: [{ email: `${infra}-m@${GCP_PROJECT}.iam.gserviceaccount.com`, scopes: ['https://www.googleapis.com/auth/cloud-platform'] }],
    tags: [`${infra}-${role}`],
    targetPools: role === 'master' ? [`${infra}-api`] : undefined,
    userDataSecret: userData(role),
    zone: zoneOf(GCP_ZONES, index),
  }),
  machineLabels: ({ value }) => ({ 'machine.openshift.io/instance-type': value.machineType, 'machine.openshift.io/region': value.region, 'machine.openshift.io/zone': value.zone }),
  nodeLabels: ({ value }) => cloudNodeLabels(value.machineType, value.region, value.zone),
  // the instance is named after the Machine
  newInstance: (name, value) => ({ id: name, providerID: `gce://${value.projectID}/${value.zone}/${name}` }),
  providerStatus: (inst, state, ts) => ({
    apiVersion: 'machine.openshift.io/v1beta1',
    kind: 'GCPMachineProviderStatus',
    conditions: cond('MachineCreated', ts, 'machine successfully created'),
    instanceId: inst.id,
    instanceState: state,
  }),
  annotations: (_i, state) => ({ 'machine.openshift.io/instance-state': state }),
  instanceOf: (m) => (m.spec?.providerID ? { id: m.metadata.name, providerID: m.spec.providerID } : null),
  cpmsFrom: 13,
  cpmsFailureDomains: () => ({ platform: 'GCP', gcp: GCP_ZONES.map((zone) => ({ zone })) }),
  cpmsTemplate: (value) => {
    const v = structuredClone(value);
    v.zone = '';
    return v;
  },
  cpmsInject: (value, index) => ({ ...structuredClone(value), zone: GCP_ZONES[index % 3] }),
};

// ---------------- vSphere ----------------
const vsphere: CloudProvider = {
  platform: 'vsphere',
  infraType: 'VSphere',
  zones: null,
  // a clone is created powered off, then powered on (reconciler.go: Provisioning + poweredOff → power on)
  states: { creating: 'poweredOff', running: 'poweredOn', stopped: 'poweredOff' },
  providerSpec: ({ infra, role }) => ({
    apiVersion: 'machine.openshift.io/v1beta1',
    kind: 'VSphereMachineProviderSpec',
    credentialsSecret: { name: 'vsphere-cloud-credentials' },
    diskGiB: 120,
    memoryMiB: 16384,
    metadata: { creationTimestamp: null },
    network: { devices: [{ networkName: 'VM Network' }] },
    numCPUs: 4,
    numCoresPerSocket: 4,
    snapshot: '',
    template: `${infra}-rhcos-generated-region-generated-zone`,
    userDataSecret: userData(role),
    workspace: { datacenter: 'datacenter', datastore: '/datacenter/datastore/vsanDatastore', folder: `/datacenter/vm/${infra}`, resourcePool: '/datacenter/host/cluster/Resources', server: 'vcenter.example.com' },
  }),
  machineLabels: () => ({}),
  nodeLabels: () => cloudNodeLabels('vsphere-vm.cpu-4.mem-16gb.os-unknown', undefined, undefined),
  newInstance: () => {
    const id = randomUUID();
    return { id, providerID: `vsphere://${id}` };
  },
  providerStatus: (inst, state, ts) => ({
    apiVersion: 'machine.openshift.io/v1beta1',
    kind: 'VSphereMachineProviderStatus',
    conditions: [{ type: 'MachineCreation', status: 'True', reason: 'MachineCreationSucceeded', message: 'Machine successfully created', lastTransitionTime: ts }],
    instanceId: inst.id,
    instanceState: state,
    taskRef: `task-${1000 + Math.floor(Math.random() * 9000)}`,
  }),
  annotations: (_i, state) => ({ 'machine.openshift.io/instance-state': state }),
  instanceOf: (m) => (m.spec?.providerID ? { id: m.spec.providerID.replace('vsphere://', ''), providerID: m.spec.providerID } : null),
  cpmsFrom: 16,
  cpmsFailureDomains: () => undefined,
  cpmsTemplate: (value) => structuredClone(value),
  cpmsInject: (value) => structuredClone(value),
};

// ---------------- OpenStack ----------------
const openstack: CloudProvider = {
  platform: 'openstack',
  infraType: 'OpenStack',
  zones: null,
  states: { creating: 'BUILD', running: 'ACTIVE', stopped: 'SHUTOFF' },
  providerSpec: ({ infra, role }) => ({
    apiVersion: 'machine.openshift.io/v1alpha1',
    kind: 'OpenstackProviderSpec',
    cloudName: 'openstack',
    cloudsSecret: { name: 'openstack-cloud-credentials', namespace: 'openshift-machine-api' },
    flavor: role === 'master' ? 'm1.xlarge' : 'm1.large',
    image: `${infra}-rhcos`,
    metadata: { creationTimestamp: null },
    networks: [{ filter: {}, subnets: [{ filter: { name: `${infra}-nodes`, tags: `openshiftClusterID=${infra}` } }] }],
    securityGroups: [{ filter: {}, name: `${infra}-${role}` }],
    serverGroupName: `${infra}-${role}`,
    serverMetadata: { Name: `${infra}-${role}`, openshiftClusterID: infra },
    tags: [`openshiftClusterID=${infra}`],
    trunk: true,
    userDataSecret: userData(role),
  }),
  machineLabels: ({ value }) => ({ 'machine.openshift.io/instance-type': value.flavor, 'machine.openshift.io/region': 'regionOne', 'machine.openshift.io/zone': 'nova' }),
  nodeLabels: ({ value }) => cloudNodeLabels(value.flavor, 'regionOne', 'nova'),
  newInstance: () => {
    const id = randomUUID();
    return { id, providerID: `openstack:///${id}` };
  },
  providerStatus: () => undefined,
  annotations: (inst, state) => ({ 'machine.openshift.io/instance-state': state, 'openstack-resourceId': inst.id }),
  instanceOf: (m) => (m.spec?.providerID ? { id: m.spec.providerID.replace('openstack:///', ''), providerID: m.spec.providerID } : null),
  cpmsFrom: 14,
  cpmsFailureDomains: () => undefined,
  cpmsTemplate: (value) => structuredClone(value),
  cpmsInject: (value) => structuredClone(value),
};

// ---------------- Nutanix ----------------
const nutanix: CloudProvider = {
  platform: 'nutanix',
  infraType: 'Nutanix',
  zones: null,
  // the entity state; the power state is its own annotation (see annotations())
  states: { creating: 'PENDING', running: 'COMPLETE', stopped: 'COMPLETE' },
  providerSpec: ({ infra, role }) => ({
    apiVersion: 'machine.openshift.io/v1',
    kind: 'NutanixMachineProviderConfig',
    bootType: '',
    categories: null,
    cluster: { type: 'uuid', uuid: '0005b0f1-8f43-a0f2-02b7-3cecef193712' },
    credentialsSecret: { name: 'nutanix-credentials' },
    image: { name: `${infra}-rhcos`, type: 'name' },
    memorySize: '16Gi',
    metadata: { creationTimestamp: null },
    project: { type: '' },
    subnets: [{ type: 'uuid', uuid: 'c7938dc6-7659-453e-a688-e26020c68e43' }],
    systemDiskSize: '120Gi',
    userDataSecret: userData(role),
    vcpuSockets: 8,
    vcpusPerSocket: 1,
  }),
  machineLabels: () => ({ 'machine.openshift.io/instance-type': 'AHV', 'machine.openshift.io/region': 'prism-central', 'machine.openshift.io/zone': 'prism-element' }),
  nodeLabels: () => cloudNodeLabels('nutanix-vm', undefined, undefined),
  newInstance: () => {
    const id = randomUUID();
    return { id, providerID: `nutanix://${id}` };
  },
  providerStatus: (inst, _state, ts) => ({
    apiVersion: 'machine.openshift.io/v1',
    kind: 'NutanixMachineProviderStatus',
    conditions: [{ type: 'MachineCreation', status: 'True', reason: 'MachineCreationSucceeded', message: '', lastTransitionTime: ts }],
    vmUUID: inst.id,
  }),
  annotations: (_i, state) => ({ 'machine.openshift.io/instance-state': state, 'machine.openshift.io/instance-power-state': state === 'PENDING' ? 'OFF' : 'ON' }),
  instanceOf: (m) => (m.status?.providerStatus?.vmUUID && m.spec?.providerID ? { id: m.status.providerStatus.vmUUID, providerID: m.spec.providerID } : null),
  cpmsFrom: 14,
  cpmsFailureDomains: () => undefined,
  cpmsTemplate: (value) => structuredClone(value),
  cpmsInject: (value) => structuredClone(value),
};

// ---------------- IBM Cloud ----------------
const IBM_ZONES = ['eu-gb-1', 'eu-gb-2', 'eu-gb-3'];
const ibmcloud: CloudProvider = {
  platform: 'ibmcloud',
  infraType: 'IBMCloud',
  zones: IBM_ZONES,
  states: { creating: 'pending', running: 'running', stopped: 'stopped', deleting: 'deleting' },
  providerSpec: ({ infra, role, index }) => {
    const zone = zoneOf(IBM_ZONES, index)!;
    return {
      apiVersion: 'ibmcloudproviderconfig.openshift.io/v1beta1',
      kind: 'IBMCloudMachineProviderSpec',
      bootVolume: { encryptionKey: '' },
      credentialsSecret: { name: 'ibmcloud-credentials' },
      image: `${infra}-rhcos`,
      metadata: { creationTimestamp: null },
      primaryNetworkInterface: { securityGroups: [`${infra}-sg-cluster-wide`, `${infra}-sg-openshift-net`, `${infra}-sg-kube-api-lb`, `${infra}-sg-control-plane`, `${infra}-sg-cp-internal`], subnet: `${infra}-subnet-control-plane-${zone}` },
      profile: role === 'master' ? 'bx2-4x16' : 'bx2-4x16',
      region: 'eu-gb',
      resourceGroup: `${infra}-rg`,
      tags: [],
      userDataSecret: userData(role),
      vpc: `${infra}-vpc`,
      zone,
    };
  },
  machineLabels: ({ value }) => ({ 'machine.openshift.io/instance-type': value.profile, 'machine.openshift.io/region': value.region, 'machine.openshift.io/zone': value.zone }),
  nodeLabels: ({ value }) => cloudNodeLabels(value.profile, value.region, value.zone),
  newInstance: (_name, value) => {
    const id = `${value.zone?.slice(-1) === '1' ? '0787' : '0797'}_${randomUUID()}`;
    return { id, providerID: `ibm://fc2bd4e3b1d34d1ca9ca2cb0ee3c2c2a///${String(value.vpc).replace(/-vpc$/, '')}/${id}` };
  },
  providerStatus: (inst, state, ts) => ({
    apiVersion: 'ibmcloudproviderconfig.openshift.io/v1beta1',
    kind: 'IBMCloudMachineProviderStatus',
    conditions: cond('MachineCreated', ts, 'Machine successfully created'),
    instanceId: inst.id,
    instanceState: state,
  }),
  annotations: (_i, state) => ({ 'machine.openshift.io/instance-state': state }),
  instanceOf: (m) => (m.spec?.providerID && m.status?.providerStatus?.instanceId ? { id: m.status.providerStatus.instanceId, providerID: m.spec.providerID } : null),
  cpmsFrom: null,
  cpmsFailureDomains: () => undefined,
  cpmsTemplate: (value) => structuredClone(value),
  cpmsInject: (value) => structuredClone(value),
};

const PROVIDERS: Record<CloudPlatform, CloudProvider> = { aws, azure, gcp, vsphere, openstack, nutanix, ibmcloud };

export function cloudProvider(p: string): CloudProvider | undefined {
  return isCloud(p) ? PROVIDERS[p] : undefined;
}

/** providerSpec.value without the placeholder keys (undefined values are dropped by JSON anyway). */
export function cleanValue(v: any): any {
  return JSON.parse(JSON.stringify(v));
}

/** Status, providerID and annotations of a cloud Machine whose instance is in `state`. Mutates `m`. */
export function setInstance(p: CloudProvider, m: KObject, inst: Instance, state: string, ts: string): void {
  m.spec.providerID = inst.providerID;
  m.metadata.annotations = { ...(m.metadata.annotations ?? {}), ...p.annotations(inst, state) };
  m.metadata.labels = { ...(m.metadata.labels ?? {}), ...p.machineLabels({ role: m.metadata.labels?.['machine.openshift.io/cluster-api-machine-role'] ?? 'worker', value: m.spec?.providerSpec?.value ?? {} }) };
  const ps = p.providerStatus(inst, state, ts);
  m.status = { ...(m.status ?? {}) };
  if (ps) m.status.providerStatus = ps;
}

/** The instance of `m` stopped (machine-stopped fault): the annotation and providerStatus the actuator writes next. */
export function stopInstance(p: CloudProvider, m: KObject): void {
  const inst = p.instanceOf(m);
  if (!inst) return;
  m.metadata.annotations = { ...(m.metadata.annotations ?? {}), ...p.annotations(inst, p.states.stopped) };
  if (p.platform === 'nutanix') m.metadata.annotations['machine.openshift.io/instance-power-state'] = 'OFF';
  const ps = m.status?.providerStatus;
  if (ps && 'instanceState' in ps) ps.instanceState = p.states.stopped;
  if (ps && 'vmState' in ps) ps.vmState = p.states.stopped;
}
