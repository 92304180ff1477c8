// The cluster-wide objects an installed OpenShift cluster starts with, as the installer (github:openshift/installer,
// manifests and install-config) and the cluster-version operator create them: namespaces, config.openshift.io
// Network / Infrastructure / ClusterVersion, kube-system cluster-config-v1, the tools ImageStream and the
// ClusterOperators the plugin reads. Shapes per openshift.md §2.
import { stringify as toYaml } from 'yaml';
import type { KObject } from '../kube-apiserver/store.ts';
import { type NetworkShape } from '../world/context.ts';
import { fullVersion } from '../world/release.ts';
import { NS_ETCD, NS_ETCD_OPERATOR, NS_MACHINE_API, now, hashOf } from '../world/names.ts';
import type { SimPlatform } from '../world/context.ts';

export function namespace(name: string, labels: Record<string, string> = {}): KObject {
  return {
    apiVersion: 'v1',
    kind: 'Namespace',
    metadata: {
      name,
      labels: { 'kubernetes.io/metadata.name': name, ...labels },
      annotations: { 'openshift.io/node-selector': '', 'openshift.io/sa.scc.uid-range': '1000050000/10000' },
    },
    spec: { finalizers: ['kubernetes'] },
    status: { phase: 'Active' },
  };
}

export function namespaces(): KObject[] {
  return [
    namespace('default'),
    namespace('kube-system'),
    namespace('openshift'),
    namespace(NS_ETCD, { 'openshift.io/run-level': '0', 'pod-security.kubernetes.io/enforce': 'privileged' }),
    namespace(NS_ETCD_OPERATOR, { 'openshift.io/cluster-monitoring': 'true' }),
    namespace(NS_MACHINE_API, { 'openshift.io/cluster-monitoring': 'true' }),
  ];
}

/**
 * config.openshift.io/v1 Network `cluster`: serviceNetwork in spec and status, primary family first (the etcd operator
 * reads status.serviceNetwork[0], falling back to spec: OPERATOR@main pkg/dnshelpers/util.go GetPreferredIPFamily).
 */
export function networkConfig(shape: NetworkShape | undefined): KObject {
  const fams = shape?.ipFamilies ?? ['IPv4'];
  const serviceNetwork = fams.map((f) => (f === 'IPv6' ? 'fd02::/112' : '172.30.0.0/16'));
  const clusterNetwork = fams.map((f) => (f === 'IPv6' ? { cidr: 'fd01::/48', hostPrefix: 64 } : { cidr: '10.128.0.0/14', hostPrefix: 23 }));
  return {
    apiVersion: 'config.openshift.io/v1',
    kind: 'Network',
    metadata: { name: 'cluster' },
    spec: { clusterNetwork, externalIP: { policy: {} }, networkType: 'OVNKubernetes', serviceNetwork },
    status: { clusterNetwork, clusterNetworkMTU: 1400, networkType: 'OVNKubernetes', serviceNetwork },
  };
}

/**
 * ClusterVersion `version`. With `upgradingFrom`, an upgrade to `minor` is under way: status.history lists the newest
 * entry first, `state: Partial` until it completes, above the `Completed` entry of the old release; Progressing=True
 * "Working towards …" (openshift/api config/v1 types_cluster_version.go UpdateHistory; cluster-version-operator
 * pkg/cvo/status.go).
 */
export function clusterVersion(minor: number, patch?: number, upgradingFrom?: number): KObject {
  const v = fullVersion(minor, patch);
  const ts = now();
  const image = (ver: string) => `quay.io/openshift-release-dev/ocp-release@sha256:${hashOf(ver, 64)}`;
  const old = upgradingFrom !== undefined ? fullVersion(upgradingFrom) : undefined;
  const earlier = new Date(Date.now() - 86_400_000).toISOString().replace(/\.\d{3}Z$/, 'Z');
  const history = old
    ? [
        { state: 'Partial', startedTime: ts, completionTime: null, version: v, image: image(v), verified: true, acceptedRisks: '' },
        { state: 'Completed', startedTime: earlier, completionTime: earlier, version: old, image: image(old), verified: false },
      ]
    : [{ state: 'Completed', startedTime: ts, completionTime: ts, version: v, image: image(v), verified: false }];
  return {
    apiVersion: 'config.openshift.io/v1',
    kind: 'ClusterVersion',
    metadata: { name: 'version' },
    spec: { channel: `stable-4.${minor}`, clusterID: hashOf('cluster', 32).replace(/^(.{8})(.{4})(.{4})(.{4})(.{12})$/, '$1-$2-$3-$4-$5'), ...(old ? { desiredUpdate: { version: v, image: image(v), force: false } } : {}) },
    status: {
      availableUpdates: null,
      desired: { image: image(v), version: v, url: `https://access.redhat.com/errata/RHSA-2023:${minor}${minor}00` },
      history,
      observedGeneration: old ? 2 : 1,
      versionHash: hashOf(v, 12),
      conditions: [
        { type: 'Available', status: 'True', lastTransitionTime: ts, message: `Done applying ${old ?? v}` },
        { type: 'Failing', status: 'False', lastTransitionTime: ts },
        old
          ? { type: 'Progressing', status: 'True', lastTransitionTime: ts, message: `Working towards ${v}: 412 of 676 done (60% complete)` }
          : { type: 'Progressing', status: 'False', lastTransitionTime: ts, message: `Cluster version is ${v}` },
      ],
    },
  };
}

// status.platformStatus per platform: github:openshift/api config/v1 types_infrastructure.go (AWSPlatformStatus,
// AzurePlatformStatus, GCPPlatformStatus, VSpherePlatformStatus, OpenStackPlatformStatus, NutanixPlatformStatus,
// IBMCloudPlatformStatus, BareMetalPlatformStatus)
const INFRA_TYPE: Record<SimPlatform, string> = { aws: 'AWS', azure: 'Azure', gcp: 'GCP', vsphere: 'VSphere', openstack: 'OpenStack', nutanix: 'Nutanix', ibmcloud: 'IBMCloud', baremetal: 'BareMetal', none: 'None' };
const VIPS = { apiServerInternalIPs: ['192.168.111.5'], ingressIPs: ['192.168.111.4'] };

type Topology = 'HighlyAvailable' | 'SingleReplica' | 'HighlyAvailableArbiter' | 'DualReplica' | 'External';

/**
 * infrastructureTopology from the control-plane topology and the worker count (openshift/installer
 * pkg/asset/manifests/topologies.go determineTopologies: no workers → the control plane's, except that two-node
 * control planes are HighlyAvailable; one worker → SingleReplica; more → HighlyAvailable).
 */
export function infrastructureTopology(cp: Topology, workers: number): Exclude<Topology, 'External' | 'DualReplica' | 'HighlyAvailableArbiter'> {
  if (workers === 0) return cp === 'SingleReplica' ? 'SingleReplica' : 'HighlyAvailable';
  return workers === 1 ? 'SingleReplica' : 'HighlyAvailable';
}

export function infrastructure(platform: SimPlatform, infra: string, o: { topology?: Topology; workers?: number; minor?: number } = {}): KObject {
  const cp = o.topology ?? 'HighlyAvailable';
  // status.controlPlaneTopology / infrastructureTopology exist from openshift/api release-4.8
  const topologies = (o.minor ?? 8) >= 8 ? { controlPlaneTopology: cp, infrastructureTopology: infrastructureTopology(cp, o.workers ?? 3) } : {};
  const type = INFRA_TYPE[platform];
  const platformStatus: any = { type };
  if (platform === 'aws') platformStatus.aws = { region: 'us-east-1' };
  if (platform === 'azure') platformStatus.azure = { cloudName: 'AzurePublicCloud', networkResourceGroupName: `${infra}-rg`, resourceGroupName: `${infra}-rg` };
  if (platform === 'gcp') platformStatus.gcp = { projectID: 'openshift-sim-project', region: 'us-central1' };
  if (platform === 'vsphere') platformStatus.vsphere = { ...VIPS, apiServerInternalIP: VIPS.apiServerInternalIPs[0], ingressIP: VIPS.ingressIPs[0] };
  if (platform === 'openstack') platformStatus.openstack = { ...VIPS, apiServerInternalIP: VIPS.apiServerInternalIPs[0], ingressIP: VIPS.ingressIPs[0], cloudName: 'openstack', loadBalancer: { type: 'OpenShiftManagedDefault' } };
  if (platform === 'nutanix') platformStatus.nutanix = { ...VIPS, apiServerInternalIP: VIPS.apiServerInternalIPs[0], ingressIP: VIPS.ingressIPs[0] };
  if (platform === 'ibmcloud') platformStatus.ibmcloud = { location: 'eu-gb', providerType: 'VPC', resourceGroupName: `${infra}-rg` };
  if (platform === 'baremetal') platformStatus.baremetal = { apiServerInternalIP: '192.168.111.5', ingressIP: '192.168.111.4' };
  return {
    apiVersion: 'config.openshift.io/v1',
    kind: 'Infrastructure',
    metadata: { name: 'cluster' },
    spec: { cloudConfig: { name: '' }, platformSpec: { type } },
    status: {
      apiServerInternalURI: `https://api-int.${infra.split('-')[0]}.example.com:6443`,
      apiServerURL: `https://api.${infra.split('-')[0]}.example.com:6443`,
      ...topologies,
      cpuPartitioning: 'None',
      etcdDiscoveryDomain: '',
      infrastructureName: infra,
      platform: type,
      platformStatus,
    },
  };
}

export function toolsImageStream(minor: number): KObject {
  const ref = `quay.io/openshift-release-dev/ocp-v4.0-art-dev@sha256:${hashOf('tools' + minor, 64)}`;
  return {
    apiVersion: 'image.openshift.io/v1',
    kind: 'ImageStream',
    metadata: { name: 'tools', namespace: 'openshift' },
    spec: { lookupPolicy: { local: false }, tags: [{ name: 'latest', from: { kind: 'DockerImage', name: ref }, importPolicy: {}, referencePolicy: { type: 'Source' } }] },
    status: {
      dockerImageRepository: 'image-registry.openshift-image-registry.svc:5000/openshift/tools',
      tags: [{ tag: 'latest', items: [{ created: now(), dockerImageReference: ref, image: ref.split('@')[1], generation: 2 }] }],
    },
  };
}

/** A ClusterOperator; status.versions[name=operator] is the release the operator runs (during an upgrade: the new one once updated). */
export function clusterOperator(name: string, minor: number, conditions: any[], extraVersions: { name: string; version: string }[] = [], patch?: number): KObject {
  return {
    apiVersion: 'config.openshift.io/v1',
    kind: 'ClusterOperator',
    metadata: { name, annotations: { 'include.release.openshift.io/self-managed-high-availability': 'true' } },
    spec: {},
    status: {
      conditions,
      extension: null,
      relatedObjects: [
        { group: 'operator.openshift.io', name: 'cluster', resource: name === 'etcd' ? 'etcds' : 'kubeapiservers' },
        { group: '', name: `openshift-${name}-operator`, resource: 'namespaces' },
        { group: '', name: `openshift-${name}`, resource: 'namespaces' },
      ],
      versions: [{ name: 'operator', version: fullVersion(minor, patch) }, ...extraVersions],
    },
  };
}

export function kubeApiServerOperator(minor: number): KObject {
  const ts = now();
  return clusterOperator(
    'kube-apiserver',
    minor,
    [
      { type: 'Degraded', status: 'False', reason: 'AsExpected', message: 'NodeControllerDegraded: All master nodes are ready', lastTransitionTime: ts },
      { type: 'Progressing', status: 'False', reason: 'AsExpected', message: 'NodeInstallerProgressing: 3 nodes are at revision 12', lastTransitionTime: ts },
      { type: 'Available', status: 'True', reason: 'AsExpected', message: 'StaticPodsAvailable: 3 nodes are active; 3 nodes are at revision 12', lastTransitionTime: ts },
      { type: 'Upgradeable', status: 'True', reason: 'AsExpected', message: 'KubeletMinorVersionUpgradeable: Kubelet and API server minor versions are synced.', lastTransitionTime: ts },
    ],
    [{ name: 'raw-internal', version: fullVersion(minor) }],
  );
}

/**
 * kube-system/cluster-config-v1 (key install-config): the install-config as the installer stores it, pull secret
 * redacted (openshift/installer pkg/asset/manifests/cluster.go; read by the CETCDO on 4.6–4.10 for the control-plane
 * replica count, openshift.md §0.1).
 */
export function installConfigMap(o: { infra: string; platform: SimPlatform; replicas: number; arbiters?: number; workers: number; machineCIDR: string; serviceNetwork?: string[]; clusterNetwork?: { cidr: string; hostPrefix: number }[] }): KObject {
  const name = o.infra.replace(/-[a-z0-9]{5}$/, '');
  const vips = { apiVIPs: ['192.168.111.5'], ingressVIPs: ['192.168.111.4'] };
  // install-config platform sections (github:openshift/installer pkg/types/<platform>/platform.go)
  const byPlatform: Record<SimPlatform, object> = {
    aws: { aws: { region: 'us-east-1' } },
    azure: { azure: { baseDomainResourceGroupName: 'os4-common', cloudName: 'AzurePublicCloud', outboundType: 'Loadbalancer', region: 'centralus' } },
    gcp: { gcp: { projectID: 'openshift-sim-project', region: 'us-central1' } },
    vsphere: { vsphere: { ...vips, failureDomains: [], vcenters: [{ datacenters: ['datacenter'], port: 443, server: 'vcenter.example.com', user: 'administrator@vsphere.local' }] } },
    openstack: { openstack: { ...vips, cloud: 'openstack', externalNetwork: 'external' } },
    nutanix: { nutanix: { ...vips, prismCentral: { endpoint: { address: 'prism-central.example.com', port: 9440 } } } },
    ibmcloud: { ibmcloud: { region: 'eu-gb' } },
    baremetal: { baremetal: vips },
    none: { none: {} },
  };
  const platform = byPlatform[o.platform];
  const ic = {
    apiVersion: 'v1',
    baseDomain: 'example.com',
    compute: [{ architecture: 'amd64', hyperthreading: 'Enabled', name: 'worker', platform: {}, replicas: o.workers }],
    controlPlane: { architecture: 'amd64', hyperthreading: 'Enabled', name: 'master', platform: {}, replicas: o.replicas },
    // the arbiter machine pool (openshift/enhancements arbiter-clusters.md "Installer API Change": installConfig.arbiter)
    ...(o.arbiters ? { arbiter: { architecture: 'amd64', hyperthreading: 'Enabled', name: 'arbiter', platform: {}, replicas: o.arbiters } } : {}),
    metadata: { creationTimestamp: null, name },
    networking: {
      clusterNetwork: o.clusterNetwork ?? [{ cidr: '10.128.0.0/14', hostPrefix: 23 }],
      machineNetwork: [{ cidr: o.machineCIDR }],
      networkType: 'OVNKubernetes',
      serviceNetwork: o.serviceNetwork ?? ['172.30.0.0/16'],
    },
    platform,
    publish: 'External',
    pullSecret: '',
    sshKey: 'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIL0k0simulated core@example.com\n',
  };
  return {
    apiVersion: 'v1',
    kind: 'ConfigMap',
    metadata: { name: 'cluster-config-v1', namespace: 'kube-system' },
    data: { 'install-config': toYaml(ic) },
  };
}
