// The Etcd CR conditions and the etcd ClusterOperator status the operator reports (github:openshift/cluster-etcd-operator
// pkg/operator/* condition names, library-go staticpod status controllers, pkg/operator/clustermembercontroller).
import { type KObject } from '../kube-apiserver/store.ts';
import { R } from '../kube-apiserver/resources.ts';
import { NS_ETCD, now } from '../world/names.ts';
import { clusterOperator } from '../installer/objects.ts';
import { type Member, plural, type EtcdOperator } from './operator.ts';
import { etcdReady } from './guards.ts';

export function syncConditions(op: EtcdOperator, members: Member[] | undefined, masterNodes: KObject[], override: boolean): void {
  const store = op.ctx.store;
  const etcd = store.get(R.etcds, undefined, 'cluster');
  if (!etcd) return;
  const conds: { type: string; status: string; reason: string; message: string }[] = [];
  const add = (type: string, status: string, reason: string, message = '') => conds.push({ type, status, reason, message });

  // NodeController
  const notReady = masterNodes.filter((n) => !op.nodeReady(n));
  if (notReady.length) {
    add(
      'NodeControllerDegraded',
      'True',
      'MasterNodesReady',
      `The master nodes not ready: ${notReady
        .map((n) => {
          const r = (n.status?.conditions ?? []).find((c: any) => c.type === 'Ready');
          return `node "${n.metadata.name}" not ready since ${r?.lastTransitionTime ?? now()} because ${r?.reason ?? 'NodeStatusUnknown'} (${r?.message ?? 'Kubelet stopped posting node status.'})`;
        })
        .join(', ')}`,
    );
  } else add('NodeControllerDegraded', 'False', 'AsExpected', 'All master nodes are ready');

  // EtcdMembersController (pkg/etcdcli/health.go memberHealth.Status())
  if (!members) {
    add('EtcdMembersAvailable', 'False', 'NoQuorum', 'unable to list etcd members');
    add('EtcdMembersDegraded', 'True', 'UnhealthyMembers', 'unable to list etcd members');
    add('EtcdMembersProgressing', 'False', 'AsExpected', 'No unstarted etcd members found');
  } else {
    const healthy = members.filter((m) => m.healthy);
    const total = members.length;
    let msg: string;
    if (healthy.length === total) msg = `${total} members are available`;
    else {
      msg = `${healthy.length} of ${total} members are available`;
      for (const m of members) {
        if (m.healthy) continue;
        if (!m.clientURLs.length) msg += `, NAME-PENDING-${m.ip} has not started`;
        else msg += `, ${m.name || `NAME-PENDING-${m.ip}`} is unhealthy`;
      }
    }
    const voting = members.filter((m) => !m.isLearner);
    const quorate = voting.filter((m) => m.healthy).length > voting.length / 2;
    add('EtcdMembersAvailable', quorate ? 'True' : 'False', quorate ? 'EtcdQuorate' : 'NoQuorum', msg);
    if (healthy.length === total) add('EtcdMembersDegraded', 'False', 'AsExpected', 'No unhealthy members found');
    else add('EtcdMembersDegraded', 'True', 'UnhealthyMembers', msg);
    const unstarted = members.filter((m) => !m.clientURLs.length);
    if (unstarted.length) add('EtcdMembersProgressing', 'True', 'MembersNotStarted', msg);
    else add('EtcdMembersProgressing', 'False', 'AsExpected', 'No unstarted etcd members found');
  }

  // NodeInstaller (library-go installer controller)
  const latest: number = etcd.status?.latestAvailableRevision ?? 0;
  const statuses: any[] = etcd.status?.nodeStatuses ?? [];
  const byRev = new Map<number, number>();
  for (const s of statuses) byRev.set(s.currentRevision ?? 0, (byRev.get(s.currentRevision ?? 0) ?? 0) + 1);
  const atLatest = byRev.get(latest) ?? 0;
  if (statuses.length && atLatest === statuses.length) {
    add('NodeInstallerProgressing', 'False', 'AllNodesAtLatestRevision', `${plural(atLatest, 'node is', 'nodes are')} at revision ${latest}`);
  } else {
    const parts = [...byRev.entries()].sort((a, b) => a[0] - b[0]).map(([rev, c]) => `${plural(c, 'node is', 'nodes are')} at revision ${rev}`);
    if (!atLatest) parts.push(`0 nodes have achieved new revision ${latest}`);
    add('NodeInstallerProgressing', 'True', 'NodeInstaller', parts.join('; '));
  }
  const failing = statuses.filter((s) => s.lastFailedRevision && s.lastFailedRevision >= latest - 1 && s.currentRevision !== latest);
  if (failing.length) {
    add(
      'NodeInstallerDegraded',
      'True',
      'InstallerPodFailed',
      `${failing.length} nodes are failing on revision ${failing[0].lastFailedRevision}:\n${failing.map((s) => (s.lastFailedRevisionErrors ?? []).join('\n')).join('\n')}`,
    );
  } else add('NodeInstallerDegraded', 'False', 'AsExpected', '');

  // StaticPods
  const active = masterNodes.filter((n) => etcdReady(op, n.metadata.name) && op.nodeReady(n));
  const revSummary = [...byRev.entries()].sort((a, b) => a[0] - b[0]).map(([rev, c]) => `${plural(c, 'node is', 'nodes are')} at revision ${rev}`).join('; ');
  add('StaticPodsAvailable', active.length ? 'True' : 'False', active.length ? 'AsExpected' : 'ZeroNodesActive', `${plural(active.length, 'node is', 'nodes are')} active; ${revSummary}`);
  const notReadyPods = masterNodes.filter((n) => {
    const pod = store.get(R.pods, NS_ETCD, `etcd-${n.metadata.name}`);
    return pod && !etcdReady(op, n.metadata.name);
  });
  if (notReadyPods.length) {
    add(
      'StaticPodsDegraded',
      'True',
      'SyncError',
      notReadyPods
        .map((n) => {
          const pod = store.get(R.pods, NS_ETCD, `etcd-${n.metadata.name}`);
          const cs: any[] = pod?.status?.containerStatuses ?? [];
          const c = cs.find((x: any) => x.name === 'etcd') ?? cs.find((x: any) => x.name === 'etcd-readyz'); // (guards.ts etcdReady)
          const name = c?.name ?? 'etcd';
          const w = c?.state?.waiting;
          return w ? `pod/etcd-${n.metadata.name} container "${name}" is waiting: ${w.reason}: ${w.message ?? ''}` : `pod/etcd-${n.metadata.name} container "${name}" is not ready: unknown reason`;
        })
        .join('\n'),
    );
  } else add('StaticPodsDegraded', 'False', 'AsExpected', '');

  // controllers that are fine
  const ok = ['EtcdCertSignerControllerDegraded', 'EtcdEndpointsDegraded', 'TargetConfigControllerDegraded', 'InstallerControllerDegraded', 'RevisionControllerDegraded', 'ScriptControllerDegraded', 'EnvVarControllerDegraded', 'BootstrapTeardownDegraded', 'DefragControllerDegraded'];
  if (op.shape.deletionHooks) ok.push('ClusterMemberRemovalControllerDegraded', 'MachineDeletionHooksControllerDegraded', 'GuardControllerDegraded');
  for (const t of ok) add(t, 'False', 'AsExpected', '');
  if (op.memberControllerError) add('ClusterMemberControllerDegraded', 'True', 'Error', op.memberControllerError);
  else add('ClusterMemberControllerDegraded', 'False', 'AsExpected', '');
  add('EtcdRunningInCluster', 'True', 'EtcdRunningInCluster', 'Etcd running in cluster');
  if (override) add('UnsupportedConfigOverridesUpgradeable', 'False', 'UnsupportedConfigOverridesSet', `setting: [${Object.keys(etcd.spec?.unsupportedConfigOverrides ?? {}).sort().join(' ')}]`);
  else if (etcd.spec?.unsupportedConfigOverrides && Object.keys(etcd.spec.unsupportedConfigOverrides).length) add('UnsupportedConfigOverridesUpgradeable', 'False', 'UnsupportedConfigOverridesSet', `setting: [${Object.keys(etcd.spec.unsupportedConfigOverrides).sort().join(' ')}]`);
  else add('UnsupportedConfigOverridesUpgradeable', 'True', 'NoUnsupportedConfigOverrides', 'No unsupported config overrides found');

  conds.sort((a, b) => a.type.localeCompare(b.type));
  const readyReplicas = active.length;
  store.mutate(R.etcds, undefined, 'cluster', (e) => {
    const prev: any[] = e.status.conditions ?? [];
    const ts = now();
    const next = conds.map((c) => {
      const p = prev.find((x) => x.type === c.type);
      return { ...c, lastTransitionTime: p && p.status === c.status ? p.lastTransitionTime : ts };
    });
    const strip = (l: any[]) => JSON.stringify(l.map(({ lastTransitionTime, ...r }) => r));
    if (strip(prev) === strip(next) && prev.length === next.length && e.status.readyReplicas === readyReplicas && e.status.observedGeneration === e.metadata.generation) return false;
    e.status.conditions = next;
    e.status.readyReplicas = readyReplicas;
    e.status.observedGeneration = e.metadata.generation;
  });
  syncClusterOperator(op, conds);
}

export function syncClusterOperator(op: EtcdOperator, conds: { type: string; status: string; reason: string; message: string }[]): void {
  const union = (suffix: string, badStatus: 'True' | 'False') => {
    const matching = conds.filter((c) => c.type.endsWith(suffix));
    if (!matching.length) return { type: suffix, status: 'Unknown', reason: 'NoData', message: '' };
    const bad = matching.filter((c) => c.status === badStatus);
    const goodStatus = badStatus === 'True' ? 'False' : 'True';
    if (bad.length) {
      const reason = bad
        .map((c) => `${c.type.slice(0, -suffix.length)}_${c.reason}`)
        .sort()
        .join('::');
      const message = bad.map((c) => `${c.type}: ${c.message}`).join('\n');
      return { type: suffix, status: badStatus, reason, message };
    }
    const message = matching
      .filter((c) => c.message)
      .map((c) => `${c.type}: ${c.message}`)
      .join('\n');
    return { type: suffix, status: goodStatus, reason: 'AsExpected', message: message || 'All is well' };
  };
  const want = [union('Degraded', 'True'), union('Progressing', 'True'), union('Available', 'False'), union('Upgradeable', 'False')];
  const store = op.ctx.store;
  const have = store.get(R.clusteroperators, undefined, 'etcd');
  if (!have) {
    // the etcd operator runs the scenario's release, also while an upgrade to it is in progress (`upgradingFrom`)
    op.createOrIgnore(R.clusteroperators, clusterOperator('etcd', op.ctx.minor, want.map((c) => ({ ...c, lastTransitionTime: now() })), [], op.ctx.patch));
    return;
  }
  store.mutate(R.clusteroperators, undefined, 'etcd', (co) => {
    const prev: any[] = co.status?.conditions ?? [];
    const ts = now();
    const next = want.map((c) => {
      const p = prev.find((x) => x.type === c.type);
      return { ...c, lastTransitionTime: p && p.status === c.status ? p.lastTransitionTime : ts };
    });
    const strip = (l: any[]) => JSON.stringify(l.map(({ lastTransitionTime, ...r }) => r));
    if (strip(prev) === strip(next)) return false;
    co.status.conditions = next;
  });
}
