// The control-plane topology's rules, applied to the member diagnosis (pure). Which topologies get a procedure:
// - HighlyAvailable (3, 4 or 5 masters): procedures A and B ("Replacing an unhealthy etcd member").
// - HighlyAvailableArbiter (two masters + arbiter): the etcd operator treats it like HighlyAvailable (OPERATOR@main
//   ceohelpers/bootstrap.go GetBootstrapScalingStrategy: HAScalingStrategy, 3 healthy members to scale; the arbiter's
//   member is a voter like any other), so a failed master gets procedure A or B, and the arbiter's own member procedure B
//   (its static pod is rolled out on the arbiter: OPERATOR@main starter.go WithExtraNodeSelector(arbiter)). A stopped or
//   NotReady arbiter is refused: replacing the arbiter's machine/host is not modelled (its role, labels and taint).
// - SingleReplica: the only member cannot be removed: refused, restore from a backup.
// - DualReplica (two nodes with fencing): pacemaker runs etcd and the operator leaves member management to it
//   (OPERATOR@main ceohelpers/external_etcd_status.go ShouldSkipMemberManagementForDualReplica): refused, the
//   pacemaker-based node replacement.
// - External (hosted control plane): etcd is in the management cluster: refused, the hosted procedure.
import type { ClusterState, Diagnosis } from '../types.ts';
import { effectiveTopology, TOPOLOGY_DOCS, type Topology } from '../cluster/topology.ts';

export const TopologyReason = {
  SingleNodeCluster: 'SingleNodeCluster',
  TwoNodeFencing: 'TwoNodeFencing',
  HostedControlPlane: 'HostedControlPlane',
  UnknownTopology: 'TopologyUnknown',
  ArbiterMachineReplacement: 'ArbiterMachineReplacement',
} as const;

const r = (name: string, text: string) => `${name}: ${text}`;

/** The topology as shown by status: the infrastructure value, or HighlyAvailable (field absent: 4.6/4.7). */
export function topologyLabel(s: ClusterState): string {
  return s.topology ?? 'HighlyAvailable';
}

/** The member diagnosis `d` judged by the rules of the cluster's topology. */
export function applyTopology(s: ClusterState, d: Diagnosis): Diagnosis {
  const t: Topology | null = effectiveTopology(s.topology ?? null);
  if (t === null) {
    return {
      scenario: 'unsafe',
      member: d.member,
      reasons: [r(TopologyReason.UnknownTopology, `infrastructure status.controlPlaneTopology is "${s.topology}", which etcd-replace does not know`), ...d.reasons],
      action: 'etcd-replace handles HighlyAvailable, HighlyAvailableArbiter, SingleReplica, DualReplica and External control planes only: follow the OpenShift documentation for this topology',
    };
  }
  if (t === 'External') {
    return {
      scenario: 'unsafe',
      member: null,
      reasons: [r(TopologyReason.HostedControlPlane, 'controlPlaneTopology is External: this is a hosted cluster; its etcd runs in the management cluster and nothing here can be replaced')],
      action: `on the management cluster, follow ${TOPOLOGY_DOCS.hosted} for this hosted cluster's control plane namespace`,
    };
  }
  if (d.scenario === 'healthy') return d;
  if (t === 'SingleReplica') {
    const dead = s.members.some((m) => m.healthy === false);
    return {
      scenario: dead || d.scenario === 'quorum-lost' ? 'quorum-lost' : 'unsafe',
      member: d.member,
      reasons: [
        r(TopologyReason.SingleNodeCluster, 'controlPlaneTopology is SingleReplica (single-node OpenShift): its one etcd member cannot be removed or replaced without destroying the cluster'),
        ...d.reasons,
      ],
      action: `do not replace the member; if etcd does not recover by itself, restore the node from an etcd backup following the OpenShift documentation "${TOPOLOGY_DOCS.restore}"`,
    };
  }
  if (t === 'DualReplica') {
    // the member rules of A/B (quorum, a member missing for a node) do not hold here: pacemaker fences a lost peer and
    // runs etcd on the survivor alone (podman-etcd force_new_cluster), so only what is seen is reported
    const down = s.nodes.filter((n) => n.ready !== true).map((n) => `${n.name} (${n.ready === null ? 'Unknown' : 'NotReady'})`);
    const seen = `${down.length ? `control-plane node${down.length > 1 ? 's' : ''} ${down.join(', ')} not Ready; ` : ''}etcd lists ${s.members.length} member${s.members.length === 1 ? '' : 's'}${s.members.length ? ` (${s.members.map((m) => m.name || m.id).join(', ')})` : ''}`;
    return {
      scenario: 'unsafe',
      member: d.member,
      reasons: [
        r(TopologyReason.TwoNodeFencing, 'controlPlaneTopology is DualReplica (two-node OpenShift with fencing): pacemaker runs etcd and fences a failed node; the etcd operator does not manage its members'),
        seen,
      ],
      action: `etcd-replace does not act here: follow ${TOPOLOGY_DOCS.twoNodeFencing} (pacemaker, pcs)`,
    };
  }
  if (t === 'HighlyAvailableArbiter' && d.scenario === 'not-ready' && d.member) {
    const node = s.nodes.find((n) => n.name === d.member!.node);
    if (node?.role === 'arbiter') {
      return {
        scenario: 'unsafe',
        member: d.member,
        reasons: [
          ...d.reasons,
          r(
            TopologyReason.ArbiterMachineReplacement,
            `${node.name} is the arbiter node: etcd-replace does not replace an arbiter's machine or host (its arbiter role, labels and NoSchedule taint must come back with it)`,
          ),
        ],
        action: `bring the arbiter node ${node.name} back (power it on, fix its kubelet), or replace it by hand following the OpenShift documentation for two-node clusters with an arbiter; the two masters keep quorum meanwhile`,
      };
    }
  }
  return d;
}
