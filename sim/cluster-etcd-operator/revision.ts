// TargetConfigController + RevisionController (github:openshift/cluster-etcd-operator pkg/operator/targetconfigcontroller/;
// github:openshift/library-go pkg/operator/revisioncontroller): the etcd-pod ConfigMap rendered from the current nodes,
// endpoints and certs, and a new numbered revision (etcd-pod-N, etcd-endpoints-N, etcd-all-certs-N) when it changes.
import { type KObject } from '../kube-apiserver/store.ts';
import { R } from '../kube-apiserver/resources.ts';
import { NS_ETCD } from '../world/names.ts';
import { configMap, etcdPodConfigMap, externalEtcdPodConfigMap, type PodInputs, allCertsSecret } from './objects.ts';
import { type RevisionContent, type EtcdOperator, unsupportedValue, CONTAINER_REMOVAL_KEY, EXTERNAL_ETCD_KEY } from './operator.ts';
import { certNodes } from './certsigner.ts';

export function desiredContent(op: EtcdOperator, etcd: KObject, masterNodes: KObject[]): RevisionContent {
  const eps = op.ctx.store.get(R.configmaps, NS_ETCD, 'etcd-endpoints')?.data ?? {};
  return {
    endpointIPs: (Object.values(eps) as string[]).sort(),
    nodes: masterNodes
      .filter((n) => op.nodeIP(n))
      .map((n) => ({ name: n.metadata.name, ip: op.nodeIP(n)! }))
      .sort((a, b) => a.name.localeCompare(b.name)),
    certNodes: certNodes(op, masterNodes),
    forceRedeploymentReason: String(etcd.spec?.forceRedeploymentReason ?? ''),
    operatorConfig: op.operatorConfig,
    etcdContainer: !unsupportedValue(etcd, CONTAINER_REMOVAL_KEY),
  };
}

export function syncPodConfigMap(op: EtcdOperator, c: RevisionContent, etcd: KObject): void {
  const latest = etcd.status?.latestAvailableRevision ?? 0;
  const inp: PodInputs = { minor: op.ctx.minor, revision: latest, nodes: c.nodes, endpointIPs: c.endpointIPs, etcdContainer: c.etcdContainer };
  const want = etcdPodConfigMap(inp, c.forceRedeploymentReason);
  const have = op.ctx.store.get(R.configmaps, NS_ETCD, 'etcd-pod');
  if (!have) op.createOrIgnore(R.configmaps, want);
  else if (have.data?.forceRedeploymentReason !== want.data.forceRedeploymentReason || have.data?.['pod.yaml'] !== want.data['pod.yaml']) {
    op.ctx.store.mutate(R.configmaps, NS_ETCD, 'etcd-pod', (o) => {
      o.data = want.data;
    });
  }
  syncExternalEtcdPod(op, inp, etcd);
}

/** ExternalEtcdEnablerController (objects.ts externalEtcdPodConfigMap): runs on DualReplica clusters only (pkg/tnf/operator/starter.go). */
function syncExternalEtcdPod(op: EtcdOperator, inp: PodInputs, etcd: KObject): void {
  if (op.ctx.topology !== 'DualReplica') return;
  const have = op.ctx.store.get(R.configmaps, NS_ETCD, 'external-etcd-pod');
  if (!unsupportedValue(etcd, EXTERNAL_ETCD_KEY)) {
    if (have) op.deleteOrIgnore(R.configmaps, 'external-etcd-pod');
    return;
  }
  const want = externalEtcdPodConfigMap(inp, String(etcd.spec?.forceRedeploymentReason ?? ''));
  if (!have) op.createOrIgnore(R.configmaps, want);
  else if (JSON.stringify(have.data) !== JSON.stringify(want.data)) {
    op.ctx.store.mutate(R.configmaps, NS_ETCD, 'external-etcd-pod', (o) => {
      o.data = want.data;
    });
  }
}

export function newRevision(op: EtcdOperator, latest: number, prev: RevisionContent, c: RevisionContent): number {
  const rev = latest + 1;
  let reason = 'required configmap/etcd-pod has changed';
  if (JSON.stringify(prev.certNodes) !== JSON.stringify(c.certNodes)) reason = 'required secret/etcd-all-certs has changed';
  else if (JSON.stringify(prev.endpointIPs) !== JSON.stringify(c.endpointIPs)) reason = 'required configmap/etcd-endpoints has changed';
  op.revisions.set(rev, c);
  createRevisionObjects(op, rev, c);
  op.ctx.store.mutate(R.etcds, undefined, 'cluster', (e) => {
    e.status.latestAvailableRevision = rev;
    e.status.latestAvailableRevisionReason = reason;
  });
  op.event('RevisionTriggered', `new revision ${rev} triggered by "${reason}"`);
  op.ctx.log(`operator: new revision ${rev} triggered by "${reason}" (forceRedeploymentReason="${c.forceRedeploymentReason}", endpoints=${c.endpointIPs.join(',')}, certs=${c.certNodes.join(',')})`);
  return rev;
}

export function createRevisionObjects(op: EtcdOperator, rev: number, c: RevisionContent): void {
  const inp: PodInputs = { minor: op.ctx.minor, revision: rev, nodes: c.nodes, endpointIPs: c.endpointIPs, etcdContainer: c.etcdContainer };
  const store = op.ctx.store;
  op.createOrIgnore(R.configmaps, etcdPodConfigMap(inp, c.forceRedeploymentReason, `etcd-pod-${rev}`));
  const eps = store.get(R.configmaps, NS_ETCD, 'etcd-endpoints')?.data ?? {};
  op.createOrIgnore(R.configmaps, configMap(`etcd-endpoints-${rev}`, { ...eps }));
  op.createOrIgnore(R.configmaps, configMap(`revision-status-${rev}`, { reason: rev === 1 ? '' : 'required configmap/etcd-pod has changed', revision: String(rev), status: 'InProgress' }));
  const certs = store.get(R.secrets, NS_ETCD, 'etcd-all-certs');
  if (certs) op.createOrIgnore(R.secrets, { ...allCertsSecret([], `etcd-all-certs-${rev}`), data: { ...(certs.data ?? {}) } });
  // keep the last 5 revisions' objects
  const old = rev - 5;
  if (old > 0) {
    for (const [t, n] of [
      [R.configmaps, `etcd-pod-${old}`],
      [R.configmaps, `etcd-endpoints-${old}`],
      [R.configmaps, `revision-status-${old}`],
      [R.secrets, `etcd-all-certs-${old}`],
    ] as const) {
      try {
        store.delete(t, NS_ETCD, n);
      } catch {
        /* gone */
      }
    }
    op.revisions.delete(old - 5);
  }
}
