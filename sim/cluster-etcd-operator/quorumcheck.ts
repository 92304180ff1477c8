// CheckSafeToScaleCluster (OPERATOR@release-4.8…release-4.15 pkg/operator/ceohelpers/bootstrap.go: node-count gate
// `len(operatorStatus.NodeStatuses) >= 3`, gone in release-4.16; pkg/etcdcli/health.go IsQuorumFaultTolerant).
// Pure: '' when safe, else the operator's error text. The override / single-node check (UnsafeScalingStrategy) is the caller's.

export function checkSafeToScaleCluster(o: { minor: number; nodeStatuses: number; voting: number; healthyVoting: number; memberDetail?: string }): string {
  const minimumNodes = 3;
  if (o.minor >= 8 && o.minor <= 15 && o.nodeStatuses < minimumNodes) {
    return `CheckSafeToScaleCluster ${minimumNodes} nodes are required, but only ${o.nodeStatuses} are available`;
  }
  const quorum = Math.floor(o.voting / 2) + 1;
  if (o.voting - quorum < 1 || o.healthyVoting - quorum < 1) {
    return `etcd cluster has quorum of ${quorum} which is not fault tolerant: ${o.memberDetail ?? '[]'}`;
  }
  return '';
}
