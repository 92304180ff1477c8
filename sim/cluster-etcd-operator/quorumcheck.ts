// CheckSafeToScaleCluster (OPERATOR@release-4.8…release-4.15 pkg/operator/ceohelpers/bootstrap.go: node-count gate
// `len(operatorStatus.NodeStatuses) >= 3`, gone in release-4.16; pkg/etcdcli/health.go IsQuorumFaultTolerant).
// Pure: '' when safe, else the operator's error text. The override / single-node check (UnsafeScalingStrategy) is the caller's.

//
// Two nodes with fencing (OPERATOR@release-4.19/4.20 ceohelpers/bootstrap.go GetBootstrapScalingStrategy: DualReplica
// selects TwoNodeScalingStrategy): at least 2 healthy members ("found %d healthy member(s) out of the %d required by
// the %s"), and a 2-member cluster is exempt from the fault-tolerance rule (pacemaker protects etcd).
export function checkSafeToScaleCluster(o: { minor: number; nodeStatuses: number; voting: number; healthyVoting: number; memberDetail?: string; twoNode?: { members: number } }): string {
  if (o.twoNode) {
    if (o.healthyVoting < 2) return `CheckSafeToScaleCluster found ${o.healthyVoting} healthy member(s) out of the 2 required by the TwoNodeScalingStrategy`;
    if (o.twoNode.members === 2) return '';
  }
  const minimumNodes = 3;
  if (!o.twoNode && o.minor >= 8 && o.minor <= 15 && o.nodeStatuses < minimumNodes) {
    return `CheckSafeToScaleCluster ${minimumNodes} nodes are required, but only ${o.nodeStatuses} are available`;
  }
  const quorum = Math.floor(o.voting / 2) + 1;
  if (o.voting - quorum < 1 || o.healthyVoting - quorum < 1) {
    return `etcd cluster has quorum of ${quorum} which is not fault tolerant: ${o.memberDetail ?? '[]'}`;
  }
  return '';
}
