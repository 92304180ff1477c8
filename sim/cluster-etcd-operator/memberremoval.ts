// ClusterMemberRemovalController (github:openshift/cluster-etcd-operator pkg/operator/clustermemberremovalcontroller/,
// release-4.12+): removes the member of a master Machine that is being deleted once a replacement exists.
import { type KObject } from '../kube-apiserver/store.ts';
import { R } from '../kube-apiserver/resources.ts';
import { etcdctl } from '../etcd/etcd.ts';
import { NS_ETCD } from '../world/names.ts';
import { type Member, type EtcdOperator } from './operator.ts';
import { machineFunctional, hasHook } from './clustermember.ts';

/**
 * attemptToScaleDown (openshift.md §3.3): only with a stable revision, etcd-endpoints matching the live
 * voting membership and a functional Machine API. The voting member of a machine being deleted is
 * removed when the voting count exceeds controlPlane.replicas (its replacement is promoted), or — 4.12+,
 * PR #937 — when it is unhealthy and the remaining healthy voters keep quorum.
 */
export async function syncMemberRemoval(op: EtcdOperator, members: Member[], machines: KObject[]): Promise<void> {
  if (!machineFunctional(op, machines)) return;
  const etcd = op.ctx.store.get(R.etcds, undefined, 'cluster');
  if (!etcd || op.isRevisionInProgress(etcd)) return;
  const voting = members.filter((m) => !m.isLearner);
  const eps = op.ctx.store.get(R.configmaps, NS_ETCD, 'etcd-endpoints')?.data ?? {};
  if (JSON.stringify(Object.keys(eps).sort()) !== JSON.stringify(voting.map((m) => m.id).sort())) return;
  const replicas = etcd.spec?.observedConfig?.controlPlane?.replicas ?? op.opts.replicas;
  for (const machine of machines.filter((m) => m.metadata.deletionTimestamp && hasHook(op, m))) {
    const ips = (machine.status?.addresses ?? []).filter((a: any) => a.type === 'InternalIP').map((a: any) => a.address);
    const member = voting.find((m) => ips.includes(m.ip));
    if (!member) continue;
    const healthyOthers = voting.filter((m) => m !== member && m.healthy).length;
    const remainingQuorum = Math.floor((voting.length - 1) / 2) + 1;
    const canRemove = voting.length > replicas || (!member.healthy && healthyOthers >= remainingQuorum);
    if (!canRemove) {
      op.logOnce(`scaledown-${machine.metadata.name}`, `ClusterMemberRemovalController: cannot proceed with scaling down ${member.name || member.id} yet (voting members ${voting.length}, desired ${replicas})`);
      continue;
    }
    const res = await etcdctl(op.healthyEndpoints(members), ['member', 'remove', member.id]);
    if (res.exitCode === 0) {
      op.ctx.log(`operator: ClusterMemberRemovalController: removed member ${member.id} (${member.name}) of deleting machine ${machine.metadata.name}`);
      op.event('ScaleDown', `successfully removed member: [ url: ${member.ip}, name: ${member.name}, id: ${member.id} ] from the cluster`);
    }
    return;
  }
}
