// ClusterMemberController (github:openshift/cluster-etcd-operator pkg/operator/clustermembercontroller/): adds a learner
// for a master Node that has none, promotes it once it caught up (4.9+ learners), per release.
import { type KObject } from '../kube-apiserver/store.ts';
import { R } from '../kube-apiserver/resources.ts';
import { urlHost } from '../world/context.ts';
import { etcdctl } from '../etcd/etcd.ts';
import { HOOK, NS_ETCD } from '../world/names.ts';
import { type Member, type EtcdOperator } from './operator.ts';

export function machineFunctional(op: EtcdOperator, machines: KObject[]): boolean {
  return op.ctx.platform !== 'none' && machines.some((m) => m.status?.phase === 'Running');
}

export function machineOfIP(op: EtcdOperator, machines: KObject[], ip: string): KObject | undefined {
  return machines.find((m) => (m.status?.addresses ?? []).some((a: any) => a.type === 'InternalIP' && a.address === ip));
}

export function hasHook(op: EtcdOperator, m: KObject): boolean {
  return (m.spec?.lifecycleHooks?.preDrain ?? []).some((h: any) => h.name === HOOK.name && h.owner === HOOK.owner);
}

export async function syncMembers(op: EtcdOperator, members: Member[], masterNodes: KObject[], machines: KObject[]): Promise<void> {
  const unhealthy = members.filter((m) => !m.healthy);
  if (unhealthy.length) {
    op.memberControllerError = op.shape.memberControllerDegradedOnUnhealthy ? 'unhealthy members found during reconciling members' : '';
    return;
  }
  op.memberControllerError = '';
  const functional = machineFunctional(op, machines);
  const endpoints = op.healthyEndpoints(members);
  if (!endpoints.length) return;

  // promote started learners that have caught up (learnercatchup.ts)
  const started = members.filter((x) => x.isLearner && x.clientURLs.length);
  op.catchUp.observe(started.map((m) => m.id));
  for (const m of started) {
    if (!op.catchUp.ready(m.id)) {
      op.logOnce(`promote-${m.id}`, `ClusterMemberController: Not ready for promotion: etcd learner member (https://${m.ip}:2380) is not yet in sync with leader's log`);
      continue;
    }
    if (functional && op.shape.deletionHooks) {
      const machine = machineOfIP(op, machines, m.ip);
      if (!machine || machine.metadata.deletionTimestamp || !hasHook(op, machine)) continue;
    }
    const res = await etcdctl(endpoints, ['member', 'promote', m.id]);
    if (res.exitCode === 0) {
      op.ctx.log(`operator: ClusterMemberController: promoted learner ${m.id} (${m.name})`);
      op.event('MemberPromote', `successfully promoted learner member https://${urlHost(m.ip)}:2380`);
    } else {
      op.logOnce(`promote-${m.id}`, `ClusterMemberController: promote ${m.id}: ${res.stderr.trim().split('\n').pop()}`);
    }
    return;
  }

  for (const n of masterNodes) {
    const ip = op.nodeIP(n);
    if (!ip) continue;
    const loop = op.loopbackOf(ip);
    if (!loop) continue;
    const peer = `http://${loop}:2380`;
    if (members.some((m) => m.peerURLs.includes(peer))) continue;
    if (n.metadata.deletionTimestamp) continue;
    // getEtcdPeerURLToAdd checks the node's Machine from 4.11 (github:openshift/cluster-etcd-operator release-4.11
    // 5617740c pkg/operator/clustermembercontroller/clustermembercontroller.go; release-4.10 e6fbce54 has no such check):
    // FindMachineByNodeInternalIP looks for the node's preferred InternalIP among the master Machines' addresses
    if (functional && op.ctx.minor >= 11) {
      const machine = machineOfIP(op, machines, ip);
      if (!machine) {
        op.logOnce(`add-${n.metadata.name}`, `ClusterMemberController: Ignoring node (${n.metadata.name}) for scale-up: no Machine found referencing this node's internal IP (${ip})`);
        continue;
      }
      if (machine.metadata.deletionTimestamp) continue;
      if (op.shape.deletionHooks && !hasHook(op, machine)) {
        op.logOnce(`add-${n.metadata.name}`, `Ignoring node (${n.metadata.name}) for scale-up since its machine (${machine.metadata.name}) is missing the PreDrain deletion hook`);
        continue;
      }
    }
    const pod = op.ctx.store.get(R.pods, NS_ETCD, `etcd-${n.metadata.name}`);
    const c = (pod?.status?.containerStatuses ?? []).find((s: any) => s.name === 'etcd');
    const isRunning = !!c?.state?.running;
    const isReady = !!c?.ready;
    if (!isRunning || isReady) {
      op.logOnce(`add-${n.metadata.name}`, `Skipping etcd-${n.metadata.name} as the etcd container is in incorrect state, isEtcdContainerRunning = ${isRunning}, isEtcdContainerReady = ${isReady}`);
      continue;
    }
    const args = ['member', 'add', n.metadata.name, '--peer-urls', peer];
    if (op.shape.learners) args.push('--learner');
    const res = await etcdctl(endpoints, args);
    if (res.exitCode === 0) {
      op.ctx.log(`operator: ClusterMemberController: added ${op.shape.learners ? 'learner ' : ''}member https://${urlHost(ip)}:2380 for ${n.metadata.name}`);
      op.event('MemberAddAsLearner', `successfully added new member https://${urlHost(ip)}:2380`);
    } else {
      op.logOnce(`add-${n.metadata.name}`, `ClusterMemberController: member add ${peer}: ${res.stderr.trim()}`);
    }
    return; // one at a time
  }
}
