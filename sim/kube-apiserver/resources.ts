// The resource types the simulated API server serves (discovery, routing, store tables).
export interface ResourceType {
  group: string; // '' for core
  version: string;
  resource: string; // plural, as in the URL
  singular: string;
  kind: string;
  namespaced: boolean;
  shortNames?: string[];
  categories?: string[];
  verbs?: string[];
  /**
   * served from a CustomResourceDefinition (apiextensions-apiserver): no strategic merge patch, no unconditional
   * update, pruning and validation by the CRD's structural schema (crds.ts)
   */
  crd?: boolean;
}

const VERBS = ['create', 'delete', 'deletecollection', 'get', 'list', 'patch', 'update', 'watch'];

const def = (t: Omit<ResourceType, 'verbs'>): ResourceType => ({ verbs: VERBS, ...t });

export const R = {
  namespaces: def({ group: '', version: 'v1', resource: 'namespaces', singular: 'namespace', kind: 'Namespace', namespaced: false, shortNames: ['ns'] }),
  nodes: def({ group: '', version: 'v1', resource: 'nodes', singular: 'node', kind: 'Node', namespaced: false, shortNames: ['no'] }),
  pods: def({ group: '', version: 'v1', resource: 'pods', singular: 'pod', kind: 'Pod', namespaced: true, shortNames: ['po'], categories: ['all'] }),
  secrets: def({ group: '', version: 'v1', resource: 'secrets', singular: 'secret', kind: 'Secret', namespaced: true }),
  configmaps: def({ group: '', version: 'v1', resource: 'configmaps', singular: 'configmap', kind: 'ConfigMap', namespaced: true, shortNames: ['cm'] }),
  // coordination.k8s.io/v1 Lease (kubernetes/api coordination/v1/types.go): the plugin's one-run-per-cluster lock
  leases: def({ group: 'coordination.k8s.io', version: 'v1', resource: 'leases', singular: 'lease', kind: 'Lease', namespaced: true }),
  events: def({ group: '', version: 'v1', resource: 'events', singular: 'event', kind: 'Event', namespaced: true, shortNames: ['ev'] }),
  machines: def({ group: 'machine.openshift.io', version: 'v1beta1', resource: 'machines', singular: 'machine', kind: 'Machine', namespaced: true, shortNames: ['ma'], crd: true }),
  controlplanemachinesets: def({ group: 'machine.openshift.io', version: 'v1', resource: 'controlplanemachinesets', singular: 'controlplanemachineset', kind: 'ControlPlaneMachineSet', namespaced: true, crd: true }),
  etcds: def({ group: 'operator.openshift.io', version: 'v1', resource: 'etcds', singular: 'etcd', kind: 'Etcd', namespaced: false, crd: true }),
  clusteroperators: def({ group: 'config.openshift.io', version: 'v1', resource: 'clusteroperators', singular: 'clusteroperator', kind: 'ClusterOperator', namespaced: false, shortNames: ['co'], crd: true }),
  clusterversions: def({ group: 'config.openshift.io', version: 'v1', resource: 'clusterversions', singular: 'clusterversion', kind: 'ClusterVersion', namespaced: false, crd: true }),
  networks: def({ group: 'config.openshift.io', version: 'v1', resource: 'networks', singular: 'network', kind: 'Network', namespaced: false, crd: true }),
  infrastructures: def({ group: 'config.openshift.io', version: 'v1', resource: 'infrastructures', singular: 'infrastructure', kind: 'Infrastructure', namespaced: false, crd: true }),
  // CRD metal3.io_baremetalhosts (github:metal3-io/baremetal-operator config/base/crds/bases); installed on every
  // platform by the cluster-baremetal-operator, so `oc get bmh` elsewhere just lists nothing
  baremetalhosts: def({ group: 'metal3.io', version: 'v1alpha1', resource: 'baremetalhosts', singular: 'baremetalhost', kind: 'BareMetalHost', namespaced: true, shortNames: ['bmh', 'bmhost'], crd: true }),
  // oauth.openshift.io/v1 OAuthAccessToken (openshift/api oauth/v1/types.go, served by openshift/oauth-apiserver): what
  // `oc login` leaves in the cluster, named by the token's hash (oauth.ts); bearer tokens are authenticated by it
  oauthaccesstokens: def({ group: 'oauth.openshift.io', version: 'v1', resource: 'oauthaccesstokens', singular: 'oauthaccesstoken', kind: 'OAuthAccessToken', namespaced: false }),
  imagestreams: def({ group: 'image.openshift.io', version: 'v1', resource: 'imagestreams', singular: 'imagestream', kind: 'ImageStream', namespaced: true, shortNames: ['is'] }),
} as const satisfies Record<string, ResourceType>;

export const ALL_RESOURCES: ResourceType[] = Object.values(R);

export function groupVersion(t: ResourceType): string {
  return t.group ? `${t.group}/${t.version}` : t.version;
}
