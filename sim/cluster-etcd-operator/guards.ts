// Guard pods: etcd-quorum-guard Deployment pods (4.6 … 4.10, github:openshift/cluster-etcd-operator
// bindata/etcd/quorumguard-deployment.yaml) and etcd-guard-<node> pods (4.11+, library-go staticpod guard controller).
import { type KObject } from '../kube-apiserver/store.ts';
import { R } from '../kube-apiserver/resources.ts';
import { NS_ETCD, now } from '../world/names.ts';
import { guardPod, quorumGuardPod } from './objects.ts';
import { internalIP, type EtcdOperator } from './operator.ts';

export function etcdReady(op: EtcdOperator, nodeName: string): boolean {
  const pod = op.ctx.store.get(R.pods, NS_ETCD, `etcd-${nodeName}`);
  const statuses: any[] = pod?.status?.containerStatuses ?? [];
  // a pod without its etcd container (two nodes with fencing: etcd runs under pacemaker) is as ready as its etcd-readyz
  // container, which checks the node's etcd on localhost:2379 whoever runs it (bindata/etcd/pod.gotpl.yaml etcd-readyz,
  // the port the guard pods' readiness probe asks: 9980)
  const etcd = statuses.find((c: any) => c.name === 'etcd') ?? statuses.find((c: any) => c.name === 'etcd-readyz');
  return !!etcd?.ready;
}

export function syncGuards(op: EtcdOperator, masterNodes: KObject[]): void {
  const store = op.ctx.store;
  if (op.shape.guardPods === 'guard') {
    const want = new Set<string>();
    for (const n of masterNodes) {
      const name = n.metadata.name;
      if (!store.get(R.pods, NS_ETCD, `etcd-${name}`)) continue;
      want.add(`etcd-guard-${name}`);
      const ready = etcdReady(op, name);
      const have = store.get(R.pods, NS_ETCD, `etcd-guard-${name}`);
      const ip = internalIP(n) ?? '';
      if (!have) {
        op.createOrIgnore(R.pods, guardPod(op.ctx.minor, { name, ip }, ready));
      } else if (!!have.status?.containerStatuses?.[0]?.ready !== ready && op.nodeReady(n)) {
        setReady(op, have, ready);
      }
    }
    for (const p of store.list(R.pods, NS_ETCD, (p) => p.metadata.labels?.app === 'guard')) {
      if (!want.has(p.metadata.name) && !store.get(R.nodes, undefined, p.spec?.nodeName ?? '')) op.deleteOrIgnore(R.pods, p.metadata.name);
    }
    return;
  }
  // <= 4.10: etcd-quorum-guard deployment, one pod per master (anti-affinity)
  const pods = store.list(R.pods, NS_ETCD, (p) => p.metadata.labels?.['k8s-app'] === 'etcd-quorum-guard');
  const masterNames = new Set(masterNodes.map((n) => n.metadata.name));
  const used = new Set<string>();
  let count = 0;
  for (const p of pods) {
    const nodeName = p.spec?.nodeName;
    if (nodeName && !masterNames.has(nodeName)) {
      op.deleteOrIgnore(R.pods, p.metadata.name);
      continue;
    }
    count++;
    if (nodeName) used.add(nodeName);
  }
  for (; count < op.opts.replicas; count++) op.createOrIgnore(R.pods, quorumGuardPod(op.ctx.minor, op.rsHash, undefined, false));
  for (const p of store.list(R.pods, NS_ETCD, (p) => p.metadata.labels?.['k8s-app'] === 'etcd-quorum-guard')) {
    const nodeName = p.spec?.nodeName;
    if (!nodeName) {
      const free = masterNodes.find((n) => !used.has(n.metadata.name) && op.nodeReady(n));
      if (!free) continue;
      used.add(free.metadata.name);
      const bound = quorumGuardPod(op.ctx.minor, op.rsHash, { name: free.metadata.name, ip: internalIP(free) ?? '' }, etcdReady(op, free.metadata.name));
      store.mutate(R.pods, NS_ETCD, p.metadata.name, (o) => {
        o.spec = bound.spec;
        o.status = bound.status;
      });
      continue;
    }
    const n = masterNodes.find((x) => x.metadata.name === nodeName);
    const ready = etcdReady(op, nodeName);
    if (n && op.nodeReady(n) && !!p.status?.containerStatuses?.[0]?.ready !== ready) setReady(op, p, ready);
  }
}

export function setReady(op: EtcdOperator, p: KObject, ready: boolean): void {
  op.ctx.store.mutate(R.pods, p.metadata.namespace, p.metadata.name, (o) => {
    const ts = now();
    for (const c of o.status?.conditions ?? []) {
      if (c.type === 'Ready' || c.type === 'ContainersReady') {
        c.status = ready ? 'True' : 'False';
        c.lastTransitionTime = ts;
        if (ready) {
          delete c.reason;
          delete c.message;
        } else {
          c.reason = 'ContainersNotReady';
          c.message = 'containers with unready status: [guard]';
        }
      }
    }
    for (const cs of o.status?.containerStatuses ?? []) cs.ready = ready;
  });
}
