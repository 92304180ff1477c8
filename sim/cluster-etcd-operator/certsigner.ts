// EtcdCertSignerController (github:openshift/cluster-etcd-operator pkg/operator/etcdcertsigner/, release-4.6 … 4.18):
// the three TLS Secrets of every master Node and the etcd-all-certs bundle the static pod mounts.
import { type KObject } from '../kube-apiserver/store.ts';
import { R } from '../kube-apiserver/resources.ts';
import { NS_ETCD } from '../world/names.ts';
import { SECRET_KINDS, allCertsSecret, nodeSecret } from './objects.ts';
import { type EtcdOperator } from './operator.ts';

/**
 * Every master Node gets its three secrets (OPERATOR@release-4.6 pkg/operator/etcdcertsigner/etcdcertsignercontroller.go:
 * nodeLister.List of the master selector), so the secrets of a dead Node object that nobody deletes come back.
 */
export function syncCerts(op: EtcdOperator, masterNodes: KObject[]): void {
  const store = op.ctx.store;
  for (const n of masterNodes) {
    for (const kind of SECRET_KINDS) {
      const name = `${kind}-${n.metadata.name}`;
      if (store.get(R.secrets, NS_ETCD, name)) continue;
      op.ctx.log(`operator: EtcdCertSignerController: creating secret ${NS_ETCD}/${name}`);
      op.createOrIgnore(R.secrets, nodeSecret(kind, n.metadata.name, n.metadata.uid, op.ctx.minor));
    }
  }
  const secrets = store.list(R.secrets, NS_ETCD, (s) => s.type === 'kubernetes.io/tls' && SECRET_KINDS.some((k) => s.metadata.name.startsWith(k + '-')));
  const want = allCertsSecret(secrets);
  const have = store.get(R.secrets, NS_ETCD, 'etcd-all-certs');
  if (!have) op.createOrIgnore(R.secrets, want);
  else if (JSON.stringify(have.data ?? {}) !== JSON.stringify(want.data)) {
    store.mutate(R.secrets, NS_ETCD, 'etcd-all-certs', (o) => {
      o.data = want.data;
    });
  }
}

/** Nodes that have all three certificates in etcd-all-certs. */
export function certNodes(op: EtcdOperator, masterNodes: KObject[]): string[] {
  const data = op.ctx.store.get(R.secrets, NS_ETCD, 'etcd-all-certs')?.data ?? {};
  return masterNodes
    .map((n) => n.metadata.name)
    .filter((name) => SECRET_KINDS.every((k) => `${k}-${name}.crt` in data))
    .sort();
}
