// Quorum arithmetic, pure (anchors.md §0.1, §1.3; etcd's mayRemoveMember / strict reconfig check).
// Work out the cluster as it will be AFTER the removal and check quorum on that; learners never vote.

/** Votes needed for a decision among `voters` voting members. */
export function quorumOf(voters: number): number {
  return Math.floor(voters / 2) + 1;
}

export type RemovalRefusal =
  | 'TooFewMembers' // the only voting member cannot be removed
  | 'QuorumLost' // the cluster has no quorum now: the removal itself cannot be committed
  | 'WouldLoseQuorum' // after the removal the healthy voters would be fewer than a majority
  | 'TargetHealthy'; // refusing to remove a healthy member

export interface RemovalCheck {
  ok: boolean;
  reason?: RemovalRefusal;
  message: string;
  votersBefore: number;
  healthyBefore: number;
  quorumBefore: number;
  votersAfter: number;
  healthyAfter: number;
  quorumAfter: number;
}

/**
 * May one voting member be removed?
 * - the removal is a raft proposal: it needs a quorum of the CURRENT voters to be healthy;
 * - after it, the remaining healthy voters must still be a majority of the remaining voters
 *   (etcd's own rule for `member remove` with --strict-reconfig-check, and CAPI targetEtcdClusterHealthy);
 * - we never remove a healthy member.
 * With the target unhealthy, the second rule follows from the first; it stays as a guard should the rules change.
 */
export function safeToRemove(p: { votingMembers: number; healthyVoters: number; targetHealthy: boolean }): RemovalCheck {
  const votersBefore = p.votingMembers;
  const healthyBefore = p.healthyVoters;
  const quorumBefore = quorumOf(votersBefore);
  const votersAfter = votersBefore - 1;
  const healthyAfter = healthyBefore - (p.targetHealthy ? 1 : 0);
  const quorumAfter = votersAfter > 0 ? quorumOf(votersAfter) : 0;
  const base = { votersBefore, healthyBefore, quorumBefore, votersAfter, healthyAfter, quorumAfter };
  if (votersBefore <= 1) return { ok: false, reason: 'TooFewMembers', message: `only ${votersBefore} voting member: it cannot be removed`, ...base };
  if (p.targetHealthy) return { ok: false, reason: 'TargetHealthy', message: 'the member is healthy: refusing to remove a healthy member', ...base };
  if (healthyBefore < quorumBefore)
    return { ok: false, reason: 'QuorumLost', message: `${healthyBefore} of ${votersBefore} voting members are healthy, a majority needs ${quorumBefore}: etcd has no quorum`, ...base };
  if (healthyAfter < quorumAfter)
    return {
      ok: false,
      reason: 'WouldLoseQuorum',
      message: `after the removal ${healthyAfter} of ${votersAfter} voting members would be healthy, a majority needs ${quorumAfter}`,
      ...base,
    };
  return { ok: true, message: `after the removal ${healthyAfter} of ${votersAfter} voting members are healthy (majority ${quorumAfter})`, ...base };
}

