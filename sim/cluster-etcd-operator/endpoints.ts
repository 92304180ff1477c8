// EtcdEndpointsController (github:openshift/cluster-etcd-operator pkg/operator/etcdendpointscontroller/): the
// openshift-etcd/etcd-endpoints ConfigMap, member ID (hex) -> peer IP of every voting member.
import { R } from '../kube-apiserver/resources.ts';
import { NS_ETCD } from '../world/names.ts';
import { configMap } from './objects.ts';
import { type Member, type EtcdOperator } from './operator.ts';

export function syncEndpoints(op: EtcdOperator, members: Member[]): void {
  const store = op.ctx.store;
  const data: Record<string, string> = {};
  for (const m of members) if (!m.isLearner) data[m.id] = m.ip;
  const have = store.get(R.configmaps, NS_ETCD, 'etcd-endpoints');
  if (!have) {
    op.createOrIgnore(R.configmaps, configMap('etcd-endpoints', data, NS_ETCD, { 'alpha.installer.openshift.io/etcd-bootstrap-': '' }));
    return;
  }
  const sortObj = (o: Record<string, string>) => JSON.stringify(Object.entries(o).sort());
  if (sortObj(have.data ?? {}) !== sortObj(data)) {
    op.ctx.log(`operator: EtcdEndpointsController: etcd-endpoints ${JSON.stringify(data)}`);
    store.mutate(R.configmaps, NS_ETCD, 'etcd-endpoints', (o) => {
      o.data = data;
    });
  }
}
