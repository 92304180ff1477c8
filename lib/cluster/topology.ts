// The control-plane topology: `infrastructures.v1.config.openshift.io/cluster` status.controlPlaneTopology.
//
// Sources (openshift/api, config/v1/types_infrastructure.go, TopologyMode):
// - the field exists from release-4.8 (absent on 4.6/4.7: those clusters are HighlyAvailable);
// - HighlyAvailable, SingleReplica, External on every release that has the field;
// - HighlyAvailableArbiter and DualReplica join the enum in release-4.19, each behind its feature gate
//   (features/features.go: HighlyAvailableArbiter TechPreview in 4.19, Default from 4.20; DualReplica DevPreview in
//   4.19, TechPreview in 4.20/4.21, Default in 4.22).
// Node and machine roles of an arbiter (openshift/enhancements enhancements/arbiter-clusters.md; cluster-etcd-operator
// main pkg/operator/starter.go arbiterNodeLabelSelectorString / arbiterMachineLabelSelectorValueString): nodes carry
// `node-role.kubernetes.io/arbiter` (tainted `node-role.kubernetes.io/arbiter:NoSchedule`), machines
// `machine.openshift.io/cluster-api-machine-role: arbiter`; the etcd operator runs an etcd member on every arbiter.
export const TOPOLOGIES = ['HighlyAvailable', 'HighlyAvailableArbiter', 'SingleReplica', 'DualReplica', 'External'] as const;
export type Topology = (typeof TOPOLOGIES)[number];

export const ARBITER_NODE_SELECTOR = 'node-role.kubernetes.io/arbiter';
export const ARBITER_MACHINE_ROLE = 'arbiter';
export const MASTER_MACHINE_ROLE = 'master';

/** status.controlPlaneTopology as found; null when the field is absent (4.6/4.7) or the object unreadable. */
export function topologyOf(infra: any): string | null {
  const t = infra?.status?.controlPlaneTopology;
  return typeof t === 'string' && t ? t : null;
}

/** The topology the rules apply to: absent means HighlyAvailable (the only one before 4.8); an unknown value stays unknown (null). */
export function effectiveTopology(t: string | null): Topology | null {
  if (t === null) return 'HighlyAvailable';
  return (TOPOLOGIES as readonly string[]).includes(t) ? (t as Topology) : null;
}

/** The documents a refusal names, per topology (titles as the OpenShift documentation spells them). */
export const TOPOLOGY_DOCS = {
  restore: 'Restoring to a previous cluster state',
  // docs.okd.io installing/installing_two_node_cluster/installing_tnf/install-post-tnf.html
  twoNodeFencing:
    'Installing a two-node OpenShift cluster with fencing: "Manually recovering from a disruption event when automated recovery is unavailable", step "Replace a control plane node that cannot be recovered"',
  // docs.okd.io hosted_control_planes/hcp_high_availability ("Recovering an unhealthy etcd cluster")
  hosted: 'Hosted control planes: "Recovering an unhealthy etcd cluster" (high availability for hosted control planes)',
} as const;
