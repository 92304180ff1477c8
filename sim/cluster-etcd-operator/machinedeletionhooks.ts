// MachineDeletionHooksController (github:openshift/cluster-etcd-operator pkg/operator/machinedeletionhooks/, 4.11+):
// the EtcdQuorumOperator preDrain hook on every master Machine, lifted once its member is gone.
import { type KObject } from '../kube-apiserver/store.ts';
import { R } from '../kube-apiserver/resources.ts';
import { HOOK, NS_MACHINE_API } from '../world/names.ts';
import { type Member, type EtcdOperator } from './operator.ts';
import { hasHook } from './clustermember.ts';

export function syncDeletionHooks(op: EtcdOperator, members: Member[], machines: KObject[]): void {
  const store = op.ctx.store;
  const memberIPs = new Set(members.map((m) => m.ip));
  for (const m of machines) {
    if (!m.metadata.deletionTimestamp) {
      if (hasHook(op, m)) continue;
      store.mutate(R.machines, NS_MACHINE_API, m.metadata.name, (o) => {
        if (o.metadata.deletionTimestamp) return false;
        o.spec.lifecycleHooks ??= {};
        const pre: any[] = (o.spec.lifecycleHooks.preDrain ?? []).filter((h: any) => h.name !== HOOK.name);
        pre.push({ ...HOOK });
        o.spec.lifecycleHooks.preDrain = pre;
      });
      op.ctx.log(`operator: MachineDeletionHooksController: added the ${HOOK.name} preDrain hook to ${m.metadata.name}`);
      continue;
    }
    if (!hasHook(op, m)) continue;
    const ips = (m.status?.addresses ?? []).filter((a: any) => a.type === 'InternalIP').map((a: any) => a.address);
    const still = ips.filter((ip: string) => memberIPs.has(ip));
    if (still.length) {
      op.logOnce(`hook-${m.metadata.name}`, `skip removing the deletion hook from machine ${m.metadata.name} since its member is still present with any of: ${still.join(', ')}`);
      continue;
    }
    store.mutate(R.machines, NS_MACHINE_API, m.metadata.name, (o) => {
      const pre: any[] = o.spec?.lifecycleHooks?.preDrain ?? [];
      o.spec.lifecycleHooks.preDrain = pre.filter((h) => !(h.name === HOOK.name && h.owner === HOOK.owner));
      if (!o.spec.lifecycleHooks.preDrain.length) delete o.spec.lifecycleHooks.preDrain;
    });
    op.ctx.log(`operator: MachineDeletionHooksController: removed the deletion hook from machine ${m.metadata.name}`);
    op.event('MachineDeletionHook', `successfully removed the deletion hook from machine ${m.metadata.name} as it doesn't have a member`);
  }
}
