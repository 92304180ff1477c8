// Will `cluster-backup.sh` refuse, and is that the failure being repaired? The script aborts while a ClusterOperator it
// checks (kube-apiserver, kube-controller-manager, kube-scheduler, etcd) is Progressing (cluster-etcd-operator
// bindata/etcd/cluster-backup.sh check_if_operator_is_progressing). clusteroperator/etcd is Progressing whenever one
// of the Etcd CR's *Progressing conditions is True (the operator's status union). When every one of those is caused by
// the member being replaced (its node's revision rollout stuck on it: the revision crash loop; or the nodes behind the
// rollout are the unhealthy members' and the replacements'), waiting cannot help: the backup is taken with --force
// and the plan says so upfront. Pure.
import type { ClusterState, Condition, Diagnosis } from '../types.ts';
import { peerIP } from '../etcd/members.ts';
import { rolloutNodes, rolloutWaitsOnlyOn } from './diagnose.ts';

export interface OperatorProgress {
  /** Progressing condition of clusteroperator/<name>, null when unread */
  etcd: Condition | null;
  kubeApiserver: Condition | null;
}

/** Why the backup must be taken with --force, or null (plain backup expected to work, or the cause is not ours). */
export function backupForceReason(s: ClusterState, d: Diagnosis, co: OperatorProgress): string | null {
  if (d.scenario !== 'not-ready' && d.scenario !== 'crashloop') return null;
  if (co.kubeApiserver?.status === 'True') return null; // another component's rollout: wait for it (the docs' advice)
  if (co.etcd?.status !== 'True') return null;
  const progressing = s.etcd.conditions.filter((c) => c.type.endsWith('Progressing') && c.status === 'True');
  if (!progressing.length) return null;
  const target = d.member?.node ?? null;
  // the nodes of this repair: the target, the other unhealthy members', control-plane nodes without a member (the
  // replacements waiting to join, the old node of a half-done replacement)
  const ours = new Set<string>();
  if (target) ours.add(target);
  if (d.partial?.oldNode) ours.add(d.partial.oldNode);
  if (d.partial?.newNode) ours.add(d.partial.newNode);
  for (const m of s.members.filter((x) => x.healthy === false)) {
    const n = s.nodes.find((x) => x.name === m.name) ?? s.nodes.find((x) => x.internalIP && x.internalIP === peerIP(m));
    if (n) ours.add(n.name);
  }
  for (const n of s.nodes) if (!s.members.some((m) => m.name === n.name || (n.internalIP && peerIP(m) === n.internalIP))) ours.add(n.name);
  const whys: string[] = [];
  for (const c of progressing) {
    if (c.type !== 'NodeInstallerProgressing') return null;
    if (target && rolloutWaitsOnlyOn(s, target)) {
      whys.push(`the etcd revision rollout waits on ${target}, whose etcd crash-loops: clusteroperator/etcd stays Progressing until this member is replaced`);
      continue;
    }
    const behind = rolloutNodes(s);
    if (!behind.length || !behind.every((n) => ours.has(n))) return null;
    whys.push(`clusteroperator/etcd is Progressing only because ${behind.join(', ')} ${behind.length > 1 ? 'are' : 'is'} behind the latest revision, the node${behind.length > 1 ? 's' : ''} of this repair: it settles only once the replacement is done`);
  }
  return whys.join('; ');
}
