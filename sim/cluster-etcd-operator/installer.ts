// The static-pod installer and node controllers the operator runs (github:openshift/library-go
// pkg/operator/staticpod/controller/installer/installer_controller.go, node/node_controller.go, prune/): one node at a
// time moves to the latest revision; nodeStatuses follows the master Nodes; failed installs are retried.
import { type KObject } from '../kube-apiserver/store.ts';
import { R } from '../kube-apiserver/resources.ts';
import { NS_ETCD, now } from '../world/names.ts';
import { operatorJobPod } from './objects.ts';
import { INSTALL_READY_TIMEOUT_MS, FAILED_NODE_RETRY_MS, type Install, internalIP, manifestFor, writeManifest, type EtcdOperator } from './operator.ts';

/**
 * nodeStatuses lists every master Node (library-go pkg/operator/staticpod/controller/node/node_controller.go, vendored
 * in OPERATOR@release-4.6): the installer targets each, a dead Node object too, until the Node is deleted.
 */
export function syncNodeStatuses(op: EtcdOperator, masterNodes: KObject[]): void {
  const names = new Set(masterNodes.map((n) => n.metadata.name));
  op.ctx.store.mutate(R.etcds, undefined, 'cluster', (e) => {
    const list: any[] = e.status.nodeStatuses ?? [];
    const kept = list.filter((s) => names.has(s.nodeName));
    for (const n of names) if (!kept.some((s) => s.nodeName === n)) kept.push({ nodeName: n, currentRevision: 0 });
    kept.sort((a, b) => a.nodeName.localeCompare(b.nodeName));
    if (JSON.stringify(kept) === JSON.stringify(list)) return false;
    e.status.nodeStatuses = kept;
  });
  if (op.install && !names.has(op.install.node)) op.install = undefined;
}

export function syncInstaller(op: EtcdOperator, masterNodes: KObject[]): void {
  const store = op.ctx.store;
  const etcd = store.get(R.etcds, undefined, 'cluster')!;
  const latest: number = etcd.status.latestAvailableRevision ?? 0;
  const content = op.revisions.get(latest);
  if (!content) return;
  const statuses: any[] = etcd.status.nodeStatuses ?? [];
  const nodesByName = new Map(masterNodes.map((n) => [n.metadata.name, n]));
  const rollout = Math.max(0, op.ctx.timing.rolloutSeconds) * 1000;

  if (op.install) {
    const ins = op.install;
    const n = nodesByName.get(ins.node);
    const sim = op.ctx.nodes.get(ins.node);
    if (ins.rev !== latest && !ins.manifestAt) {
      // a newer revision superseded this install before it wrote anything
      op.setPod(ins.podName, operatorJobPod('installer', op.ctx.minor, ins.rev, { name: ins.node, ip: sim?.ip ?? '' }, 'failed'));
      op.install = undefined;
      return;
    }
    if (!ins.manifestAt) {
      if (Date.now() - ins.startedAt < rollout) return;
      if (!op.nodeReady(n) || !sim) {
        // The installer pod never ran on a node that is down.
        if (Date.now() - ins.startedAt < rollout + 2000) return;
        failInstall(op, ins, `installer: pod ${ins.podName} on node ${ins.node} did not start: node is not ready`);
        return;
      }
      writeManifest(sim, ins.rev, manifestFor(op.ctx.minor, ins.rev, op.revisions.get(ins.rev)!, ins.node));
      ins.manifestAt = Date.now();
      op.setPod(ins.podName, operatorJobPod('installer', op.ctx.minor, ins.rev, { name: ins.node, ip: sim.ip }, 'completed'));
      op.ctx.log(`operator: installer: revision ${ins.rev} written to ${ins.node}`);
      return;
    }
    // wait for the static pod at the new revision
    const pod = store.get(R.pods, NS_ETCD, `etcd-${ins.node}`);
    const etcdC = (pod?.status?.containerStatuses ?? []).find((c: any) => c.name === 'etcd');
    const atRev = pod?.metadata.labels?.revision === String(ins.rev);
    const ready = atRev && !!etcdC?.ready;
    const own = (op.lastMembers ?? []).find((m) => m.ip === sim?.ip);
    // a new member's etcd waits (running, not ready) until the ClusterMemberController adds it
    const waitingForMember = atRev && !!etcdC?.state?.running && !etcdC?.ready && (!own || own.isLearner);
    // The real installer waits for the pod to be Ready ("static pod is pending"); the sim's time-out (a shortcut
    // for slow pods) never completes an install whose node's member is a crash-looping voter: the rollout waits
    // there and the other nodes stay behind (library-go installer_controller.go newNodeStateForInstallInProgress).
    const timedOut = Date.now() - ins.manifestAt > INSTALL_READY_TIMEOUT_MS && !(own && !own.isLearner && !own.healthy);
    if (!ready && ins.rev !== latest) {
      // a newer revision is pending: stop waiting for this one, the node is targeted at the latest next ("new revision pending")
      op.ctx.log(`operator: installer: ${ins.node} moves from revision ${ins.rev} to ${latest} (new revision pending)`);
      op.install = undefined;
      return;
    }
    if (ready || waitingForMember || timedOut) {
      store.mutate(R.etcds, undefined, 'cluster', (e) => {
        const s = (e.status.nodeStatuses ?? []).find((x: any) => x.nodeName === ins.node);
        if (!s) return false;
        s.currentRevision = ins.rev;
        delete s.targetRevision;
        if (s.lastFailedRevision && s.lastFailedRevision <= ins.rev) {
          delete s.lastFailedRevision;
          delete s.lastFailedTime;
          delete s.lastFailedReason;
          delete s.lastFailedCount;
          delete s.lastFallbackCount;
          delete s.lastFailedRevisionErrors;
        }
      });
      if (sim) op.createPod(operatorJobPod('pruner', op.ctx.minor, ins.rev, sim, 'completed'));
      op.failedAt.delete(ins.node);
      op.install = undefined;
      prunePods(op, latest);
    }
    return;
  }

  // pick the next node: lowest current revision first, skip recently failed and cert-less nodes
  const candidates = statuses
    .filter((s) => s.currentRevision !== latest)
    .filter((s) => content.certNodes.includes(s.nodeName))
    .filter((s) => Date.now() - (op.failedAt.get(s.nodeName) ?? 0) > FAILED_NODE_RETRY_MS)
    // nodeToStartRevisionWith: a node already progressing towards a target first, then the oldest
    .sort((a, b) => Number(!!b.targetRevision) - Number(!!a.targetRevision) || a.currentRevision - b.currentRevision || a.nodeName.localeCompare(b.nodeName));
  const next = candidates[0];
  if (!next) return;
  const sim = op.ctx.nodes.get(next.nodeName);
  const n = nodesByName.get(next.nodeName);
  let podName = `installer-${latest}-${next.nodeName}`;
  let retry = 0;
  while (store.get(R.pods, NS_ETCD, podName)) podName = `installer-${latest}-retry-${++retry}-${next.nodeName}`;
  const ip = sim?.ip ?? internalIP(n!) ?? '';
  op.createPod({ ...operatorJobPod('installer', op.ctx.minor, latest, { name: next.nodeName, ip }, op.nodeReady(n) ? 'running' : 'pending'), metadata: { ...operatorJobPod('installer', op.ctx.minor, latest, { name: next.nodeName, ip }, 'running').metadata, name: podName } });
  store.mutate(R.etcds, undefined, 'cluster', (e) => {
    const s = (e.status.nodeStatuses ?? []).find((x: any) => x.nodeName === next.nodeName);
    if (!s) return false;
    s.targetRevision = latest;
  });
  op.install = { node: next.nodeName, rev: latest, podName, startedAt: Date.now() };
  op.ctx.log(`operator: installer: installing revision ${latest} on ${next.nodeName} (${podName})`);
}

export function failInstall(op: EtcdOperator, ins: Install, message: string): void {
  const store = op.ctx.store;
  const ts = now();
  store.mutate(R.etcds, undefined, 'cluster', (e) => {
    const s = (e.status.nodeStatuses ?? []).find((x: any) => x.nodeName === ins.node);
    if (!s) return false;
    s.lastFailedCount = (s.lastFailedRevision === ins.rev ? s.lastFailedCount ?? 0 : 0) + 1;
    s.lastFailedRevision = ins.rev;
    s.lastFailedTime = ts;
    s.lastFailedReason = 'InstallerFailed';
    s.lastFallbackCount = 0;
    s.lastFailedRevisionErrors = [message];
    delete s.targetRevision;
  });
  op.failedAt.set(ins.node, Date.now());
  op.ctx.log(`operator: ${message}`);
  op.install = undefined;
}

export function prunePods(op: EtcdOperator, latest: number): void {
  const store = op.ctx.store;
  for (const p of store.list(R.pods, NS_ETCD, (p) => ['installer', 'pruner'].includes(p.metadata.labels?.app ?? ''))) {
    const m = /^(?:installer|revision-pruner)-(\d+)-/.exec(p.metadata.name);
    if (m && Number(m[1]) < latest - 3) {
      try {
        store.delete(R.pods, NS_ETCD, p.metadata.name);
      } catch {
        /* gone */
      }
    }
  }
}
