// The simulated cluster-etcd-operator (openshift.md §3): cert signer, endpoints, target config,
// revision + installer controllers, ClusterMemberController, MachineDeletionHooks, guard pods,
// Etcd CR conditions and the etcd ClusterOperator.
import { mkdirSync, renameSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { KObject } from '../kube-apiserver/store.ts';
import { StoreError } from '../kube-apiserver/store.ts';
import { R } from '../kube-apiserver/resources.ts';
import type { SimNode, WorldContext } from '../world/context.ts';
import { etcdHost, mirrorIP, urlHost } from '../world/context.ts';
import { etcdctl } from '../etcd/etcd.ts';
import { HOOK, NS_ETCD, NS_MACHINE_API, OVERRIDE_KEY, hashOf, now } from '../world/names.ts';
import { SECRET_KINDS, allCertsSecret, configMap, etcdPodConfigMap, etcdStaticPodYaml, guardPod, nodeSecret, operatorJobPod, quorumGuardPod, type PodInputs } from './objects.ts';
import { clusterOperator } from '../installer/objects.ts';
import { releaseShape } from '../world/release.ts';
import { controllerLoop, type ControllerLoop } from '../world/loop.ts';
import { checkSafeToScaleCluster } from './quorumcheck.ts';
import { LearnerCatchUp } from '../etcd/learnercatchup.ts';

const TICK_MS = 300;
const INSTALL_READY_TIMEOUT_MS = 30_000;
const FAILED_NODE_RETRY_MS = 30_000;

export interface Member {
  id: string; // hex
  name: string;
  peerURLs: string[]; // loopback http form
  clientURLs: string[];
  isLearner: boolean;
  ip: string; // scenario IP (translated), or the raw peer host
  healthy: boolean;
}

interface RevisionContent {
  endpointIPs: string[];
  nodes: { name: string; ip: string }[];
  certNodes: string[];
  forceRedeploymentReason: string;
  /** generation of the operator's own rendering of etcd-pod (an operator config change / upgrade bumps it) */
  operatorConfig: number;
}

interface Install {
  node: string;
  rev: number;
  podName: string;
  startedAt: number;
  manifestAt?: number;
  failing?: boolean;
}

export function overrideOn(etcd: KObject | undefined): boolean {
  const v = etcd?.spec?.unsupportedConfigOverrides?.[OVERRIDE_KEY];
  if (v === true) return true;
  if (typeof v === 'string') return ['true', '1', 't'].includes(v.trim().toLowerCase());
  return false;
}

/**
 * The node's first InternalIP of the service network's family (OPERATOR@main pkg/dnshelpers/util.go
 * GetPreferredInternalIPAddressForNodeName), not simply the first InternalIP.
 */
export function internalIP(node: KObject, family: 'IPv4' | 'IPv6' = 'IPv4'): string | undefined {
  const ips: string[] = (node.status?.addresses ?? []).filter((a: any) => a.type === 'InternalIP').map((a: any) => a.address);
  return ips.find((ip) => ip.includes(':') === (family === 'IPv6'));
}

export function isMasterNode(n: KObject): boolean {
  return n.metadata.labels?.['node-role.kubernetes.io/master'] !== undefined;
}

function hostOf(url: string): string {
  try {
    return new URL(url).hostname;
  } catch {
    return url;
  }
}

function plural(n: number, one: string, many: string) {
  return `${n} ${n === 1 ? one : many}`;
}

/** The rendered static pod for `node` at revision `rev` from a revision content. */
export function manifestFor(minor: number, rev: number, c: RevisionContent, node: string): string {
  const inp: PodInputs = { minor, revision: rev, nodes: c.nodes, endpointIPs: c.endpointIPs };
  return etcdStaticPodYaml(inp, node);
}

/** Write the manifest to the node root (as the installer pod does), atomically. */
export function writeManifest(n: SimNode, rev: number, text: string): void {
  const manifests = path.join(n.root, 'etc/kubernetes/manifests');
  const res = path.join(n.root, `etc/kubernetes/static-pod-resources/etcd-pod-${rev}`);
  mkdirSync(manifests, { recursive: true });
  mkdirSync(res, { recursive: true });
  writeFileSync(path.join(res, 'etcd-pod.yaml'), text);
  const tmp = path.join(manifests, `.etcd-pod.yaml.${process.pid}.tmp`);
  writeFileSync(tmp, text);
  renameSync(tmp, path.join(manifests, 'etcd-pod.yaml'));
}

export class EtcdOperator {
  private loop?: ControllerLoop;
  private running = false;
  private readonly revisions = new Map<number, RevisionContent>();
  private install?: Install;
  private readonly failedAt = new Map<string, number>();
  private readonly skipLog = new Map<string, string>();
  private lastMembers?: Member[];
  private memberControllerError = '';
  private readonly shape;
  private readonly rsHash = hashOf('etcd-quorum-guard', 10);
  private operatorConfig = 0;
  private readonly catchUp = new LearnerCatchUp(() => this.ctx.timing.learnerPromoteSeconds ?? 0);

  constructor(
    private readonly ctx: WorldContext,
    private readonly opts: { replicas: number },
  ) {
    this.shape = releaseShape(ctx.minor);
  }

  get members(): Member[] | undefined {
    return this.lastMembers;
  }

  /** The operator's own etcd-pod rendering changed (e.g. an operator upgrade): the next sync creates a new revision. */
  changeOperatorConfig(): void {
    this.operatorConfig++;
  }

  /** The install the installer is working on: node, revision, and whether its installer pod wrote the manifest. */
  get installing(): { node: string; rev: number; manifestWritten: boolean } | null {
    return this.install ? { node: this.install.node, rev: this.install.rev, manifestWritten: this.install.manifestAt !== undefined } : null;
  }

  // ---- bootstrap (called by the world before the kubelets start) ----------------------------------

  /** Create revision `rev` from the current objects and write it to every master node root. */
  bootstrap(rev: number, masters: SimNode[]): void {
    const store = this.ctx.store;
    const content: RevisionContent = {
      endpointIPs: (Object.values(store.get(R.configmaps, NS_ETCD, 'etcd-endpoints')?.data ?? {}) as string[]).sort(),
      nodes: masters.map((m) => ({ name: m.name, ip: etcdHost(m) })).sort((a, b) => a.name.localeCompare(b.name)),
      certNodes: masters.map((m) => m.name).sort(),
      forceRedeploymentReason: '',
      operatorConfig: 0,
    };
    this.revisions.set(rev, content);
    this.createRevisionObjects(rev, content);
    for (const m of masters) writeManifest(m, rev, manifestFor(this.ctx.minor, rev, content, m.name));
    store.mutate(R.etcds, undefined, 'cluster', (e) => {
      e.status.latestAvailableRevision = rev;
      e.status.latestAvailableRevisionReason = '';
      e.status.nodeStatuses = masters.map((m) => ({ nodeName: m.name, currentRevision: rev }));
    });
    for (const m of masters) {
      this.createPod(operatorJobPod('installer', this.ctx.minor, rev, m, 'completed'));
      this.createPod(operatorJobPod('pruner', this.ctx.minor, rev, m, 'completed'));
    }
  }

  start(): void {
    this.loop = controllerLoop('operator', TICK_MS, () => this.tick(), (m) => this.ctx.log(m));
  }

  stop(): void {
    this.loop?.stop();
  }

  // ---- etcd access ---------------------------------------------------------------------------------

  private masterSims(): SimNode[] {
    return [...this.ctx.nodes.values()].filter((n) => n.role === 'master');
  }

  private loopToIP(host: string): string {
    for (const n of this.ctx.nodes.values()) if (n.loopback === host) return etcdHost(n);
    return host;
  }

  /** The address the operator uses for a Node (GetPreferredInternalIPAddressForNodeName). */
  private nodeIP(n: KObject): string | undefined {
    return internalIP(n, this.ctx.network?.ipFamilies[0] ?? 'IPv4');
  }

  /** The loopback mirror a node address (IPv4 or IPv6) maps to. */
  private loopbackOf(ip: string): string | undefined {
    for (const n of this.ctx.nodes.values()) if (n.ip === ip || n.ipv6 === ip) return n.loopback;
    try {
      return mirrorIP(ip);
    } catch {
      return undefined;
    }
  }

  /** Member list through the grpc-gateway of any reachable member (exact uint64 IDs as strings). */
  async listMembers(): Promise<Member[] | undefined> {
    const candidates: string[] = [];
    for (const m of this.lastMembers ?? []) if (m.healthy && m.clientURLs[0]) candidates.push(m.clientURLs[0]);
    for (const n of this.masterSims()) candidates.push(`http://${n.loopback}:2379`);
    const tried = new Set<string>();
    for (const base of candidates) {
      if (tried.has(base)) continue;
      tried.add(base);
      try {
        const res = await fetch(`${base}/v3/cluster/member/list`, {
          method: 'POST',
          body: '{"linearizable":true}',
          signal: AbortSignal.timeout(700),
        });
        if (!res.ok) continue;
        const body = (await res.json()) as any;
        if (!Array.isArray(body.members)) continue;
        const members: Member[] = body.members.map((m: any) => {
          const peer = (m.peerURLs ?? [])[0] ?? '';
          return {
            id: BigInt(m.ID).toString(16),
            name: m.name ?? '',
            peerURLs: m.peerURLs ?? [],
            clientURLs: m.clientURLs ?? [],
            isLearner: !!m.isLearner,
            ip: this.loopToIP(hostOf(peer)),
            healthy: false,
          };
        });
        await Promise.all(members.map(async (m) => (m.healthy = await this.memberHealthy(m))));
        return members;
      } catch {
        /* next */
      }
    }
    return undefined;
  }

  private async memberHealthy(m: Member): Promise<boolean> {
    const url = m.clientURLs[0];
    if (!url) return false;
    try {
      const res = await fetch(`${url}/health`, { signal: AbortSignal.timeout(900) });
      if (!res.ok) return false;
      const body = (await res.json()) as { health?: string | boolean };
      return body.health === 'true' || body.health === true;
    } catch {
      return false;
    }
  }

  private healthyEndpoints(members: Member[]): string[] {
    return members.filter((m) => m.healthy && !m.isLearner && m.clientURLs[0]).map((m) => m.clientURLs[0]!);
  }

  // ---- main loop -----------------------------------------------------------------------------------

  private async tick(): Promise<void> {
    if (this.running) return;
    this.running = true;
    try {
      await this.sync();
    } finally {
      this.running = false;
    }
  }

  private async sync(): Promise<void> {
    const store = this.ctx.store;
    const etcd = store.get(R.etcds, undefined, 'cluster');
    if (!etcd) return;
    const members = await this.listMembers();
    this.lastMembers = members;
    const masterNodes = store.list(R.nodes, undefined, isMasterNode);
    const machines = this.ctx.platform === 'none' ? [] : store.list(R.machines, NS_MACHINE_API, (m) => m.metadata.labels?.['machine.openshift.io/cluster-api-machine-role'] === 'master');
    const override = overrideOn(etcd);
    const minor = this.ctx.minor;

    // Quorum safety (ceohelpers CheckSafeToScaleCluster).
    let safe = true;
    let unsafeReason = '';
    if (minor >= 8 && !override) {
      if (!members) {
        safe = false;
        unsafeReason = 'etcd cluster has quorum of 0 which is not fault tolerant: could not list members';
      } else {
        const voting = members.filter((m) => !m.isLearner);
        unsafeReason = checkSafeToScaleCluster({
          minor,
          nodeStatuses: (etcd.status?.nodeStatuses ?? []).length,
          voting: voting.length,
          healthyVoting: voting.filter((m) => m.healthy).length,
          memberDetail: `[${voting
            .map((m) => `{Member:name:"${m.name}" peerURLs:"https://${urlHost(m.ip)}:2380" clientURLs:"https://${urlHost(m.ip)}:2379"  Healthy:${m.healthy}}`)
            .join(' ')}]`,
        });
        safe = unsafeReason === '';
      }
      if (minor >= 18 && this.isRevisionInProgress(etcd)) safe = true;
    }
    const configWritable = safe || minor >= 18; // 4.18+: configmaps/secrets update, revision gated
    if (!safe) this.logOnce('quorum', `skipping EtcdCertSignerController reconciliation due to insufficient quorum: ${unsafeReason}`);
    else this.skipLog.delete('quorum');

    // EtcdCertSignerController
    if (configWritable) this.syncCerts(masterNodes);
    // EtcdEndpointsController
    if (configWritable && members) this.syncEndpoints(members);
    // TargetConfigController + RevisionController
    const content = this.desiredContent(etcd, masterNodes);
    if (configWritable) this.syncPodConfigMap(content, etcd);
    let latest = etcd.status?.latestAvailableRevision ?? 0;
    const latestContent = this.revisions.get(latest);
    if (safe && latestContent && JSON.stringify(latestContent) !== JSON.stringify(content)) {
      latest = this.newRevision(latest, latestContent, content);
    }
    // Node statuses + installer
    this.syncNodeStatuses(masterNodes);
    this.syncInstaller(masterNodes);
    // ClusterMemberController
    if (members) await this.syncMembers(members, masterNodes, machines);
    // ClusterMemberRemovalController (4.12+ scale-down of a deleting machine's member)
    if (minor >= 12 && members) await this.syncMemberRemoval(members, machines);
    // MachineDeletionHooksController
    if (this.shape.deletionHooks && members) this.syncDeletionHooks(members, machines);
    // Guard pods
    this.syncGuards(masterNodes);
    // Conditions
    this.syncConditions(members, masterNodes, override);
  }

  private logOnce(key: string, msg: string) {
    if (this.skipLog.get(key) === msg) return;
    this.skipLog.set(key, msg);
    this.ctx.log(`operator: ${msg}`);
  }

  private isRevisionInProgress(etcd: KObject): boolean {
    const latest = etcd.status?.latestAvailableRevision ?? 0;
    return (etcd.status?.nodeStatuses ?? []).some((s: any) => s.currentRevision !== latest);
  }

  // ---- certs ---------------------------------------------------------------------------------------

  /**
   * Every master Node gets its three secrets (OPERATOR@release-4.6 pkg/operator/etcdcertsigner/etcdcertsignercontroller.go:
   * nodeLister.List of the master selector), so the secrets of a dead Node object that nobody deletes come back.
   */
  private syncCerts(masterNodes: KObject[]): void {
    const store = this.ctx.store;
    for (const n of masterNodes) {
      for (const kind of SECRET_KINDS) {
        const name = `${kind}-${n.metadata.name}`;
        if (store.get(R.secrets, NS_ETCD, name)) continue;
        this.ctx.log(`operator: EtcdCertSignerController: creating secret ${NS_ETCD}/${name}`);
        this.createOrIgnore(R.secrets, nodeSecret(kind, n.metadata.name, n.metadata.uid, this.ctx.minor));
      }
    }
    const secrets = store.list(R.secrets, NS_ETCD, (s) => s.type === 'kubernetes.io/tls' && SECRET_KINDS.some((k) => s.metadata.name.startsWith(k + '-')));
    const want = allCertsSecret(secrets);
    const have = store.get(R.secrets, NS_ETCD, 'etcd-all-certs');
    if (!have) this.createOrIgnore(R.secrets, want);
    else if (JSON.stringify(have.data ?? {}) !== JSON.stringify(want.data)) {
      store.mutate(R.secrets, NS_ETCD, 'etcd-all-certs', (o) => {
        o.data = want.data;
      });
    }
  }

  /** Nodes that have all three certificates in etcd-all-certs. */
  private certNodes(masterNodes: KObject[]): string[] {
    const data = this.ctx.store.get(R.secrets, NS_ETCD, 'etcd-all-certs')?.data ?? {};
    return masterNodes
      .map((n) => n.metadata.name)
      .filter((name) => SECRET_KINDS.every((k) => `${k}-${name}.crt` in data))
      .sort();
  }

  // ---- endpoints -----------------------------------------------------------------------------------

  private syncEndpoints(members: Member[]): void {
    const store = this.ctx.store;
    const data: Record<string, string> = {};
    for (const m of members) if (!m.isLearner) data[m.id] = m.ip;
    const have = store.get(R.configmaps, NS_ETCD, 'etcd-endpoints');
    if (!have) {
      this.createOrIgnore(R.configmaps, configMap('etcd-endpoints', data, NS_ETCD, { 'alpha.installer.openshift.io/etcd-bootstrap-': '' }));
      return;
    }
    const sortObj = (o: Record<string, string>) => JSON.stringify(Object.entries(o).sort());
    if (sortObj(have.data ?? {}) !== sortObj(data)) {
      this.ctx.log(`operator: EtcdEndpointsController: etcd-endpoints ${JSON.stringify(data)}`);
      store.mutate(R.configmaps, NS_ETCD, 'etcd-endpoints', (o) => {
        o.data = data;
      });
    }
  }

  // ---- target config + revisions ---------------------------------------------------------------------

  private desiredContent(etcd: KObject, masterNodes: KObject[]): RevisionContent {
    const eps = this.ctx.store.get(R.configmaps, NS_ETCD, 'etcd-endpoints')?.data ?? {};
    return {
      endpointIPs: (Object.values(eps) as string[]).sort(),
      nodes: masterNodes
        .filter((n) => this.nodeIP(n))
        .map((n) => ({ name: n.metadata.name, ip: this.nodeIP(n)! }))
        .sort((a, b) => a.name.localeCompare(b.name)),
      certNodes: this.certNodes(masterNodes),
      forceRedeploymentReason: String(etcd.spec?.forceRedeploymentReason ?? ''),
      operatorConfig: this.operatorConfig,
    };
  }

  private syncPodConfigMap(c: RevisionContent, etcd: KObject): void {
    const latest = etcd.status?.latestAvailableRevision ?? 0;
    const want = etcdPodConfigMap({ minor: this.ctx.minor, revision: latest, nodes: c.nodes, endpointIPs: c.endpointIPs }, c.forceRedeploymentReason);
    const have = this.ctx.store.get(R.configmaps, NS_ETCD, 'etcd-pod');
    if (!have) this.createOrIgnore(R.configmaps, want);
    else if (have.data?.forceRedeploymentReason !== want.data.forceRedeploymentReason || have.data?.['pod.yaml'] !== want.data['pod.yaml']) {
      this.ctx.store.mutate(R.configmaps, NS_ETCD, 'etcd-pod', (o) => {
        o.data = want.data;
      });
    }
  }

  private newRevision(latest: number, prev: RevisionContent, c: RevisionContent): number {
    const rev = latest + 1;
    let reason = 'required configmap/etcd-pod has changed';
    if (JSON.stringify(prev.certNodes) !== JSON.stringify(c.certNodes)) reason = 'required secret/etcd-all-certs has changed';
    else if (JSON.stringify(prev.endpointIPs) !== JSON.stringify(c.endpointIPs)) reason = 'required configmap/etcd-endpoints has changed';
    this.revisions.set(rev, c);
    this.createRevisionObjects(rev, c);
    this.ctx.store.mutate(R.etcds, undefined, 'cluster', (e) => {
      e.status.latestAvailableRevision = rev;
      e.status.latestAvailableRevisionReason = reason;
    });
    this.event('RevisionTriggered', `new revision ${rev} triggered by "${reason}"`);
    this.ctx.log(`operator: new revision ${rev} triggered by "${reason}" (forceRedeploymentReason="${c.forceRedeploymentReason}", endpoints=${c.endpointIPs.join(',')}, certs=${c.certNodes.join(',')})`);
    return rev;
  }

  private createRevisionObjects(rev: number, c: RevisionContent): void {
    const inp: PodInputs = { minor: this.ctx.minor, revision: rev, nodes: c.nodes, endpointIPs: c.endpointIPs };
    const store = this.ctx.store;
    this.createOrIgnore(R.configmaps, etcdPodConfigMap(inp, c.forceRedeploymentReason, `etcd-pod-${rev}`));
    const eps = store.get(R.configmaps, NS_ETCD, 'etcd-endpoints')?.data ?? {};
    this.createOrIgnore(R.configmaps, configMap(`etcd-endpoints-${rev}`, { ...eps }));
    this.createOrIgnore(R.configmaps, configMap(`revision-status-${rev}`, { reason: rev === 1 ? '' : 'required configmap/etcd-pod has changed', revision: String(rev), status: 'InProgress' }));
    const certs = store.get(R.secrets, NS_ETCD, 'etcd-all-certs');
    if (certs) this.createOrIgnore(R.secrets, { ...allCertsSecret([], `etcd-all-certs-${rev}`), data: { ...(certs.data ?? {}) } });
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
      this.revisions.delete(old - 5);
    }
  }

  // ---- installer -----------------------------------------------------------------------------------

  /**
   * nodeStatuses lists every master Node (library-go pkg/operator/staticpod/controller/node/node_controller.go, vendored
   * in OPERATOR@release-4.6): the installer targets each, a dead Node object too, until the Node is deleted.
   */
  private syncNodeStatuses(masterNodes: KObject[]): void {
    const names = new Set(masterNodes.map((n) => n.metadata.name));
    this.ctx.store.mutate(R.etcds, undefined, 'cluster', (e) => {
      const list: any[] = e.status.nodeStatuses ?? [];
      const kept = list.filter((s) => names.has(s.nodeName));
      for (const n of names) if (!kept.some((s) => s.nodeName === n)) kept.push({ nodeName: n, currentRevision: 0 });
      kept.sort((a, b) => a.nodeName.localeCompare(b.nodeName));
      if (JSON.stringify(kept) === JSON.stringify(list)) return false;
      e.status.nodeStatuses = kept;
    });
    if (this.install && !names.has(this.install.node)) this.install = undefined;
  }

  private nodeReady(n: KObject | undefined): boolean {
    return !!n && (n.status?.conditions ?? []).some((c: any) => c.type === 'Ready' && c.status === 'True');
  }

  private syncInstaller(masterNodes: KObject[]): void {
    const store = this.ctx.store;
    const etcd = store.get(R.etcds, undefined, 'cluster')!;
    const latest: number = etcd.status.latestAvailableRevision ?? 0;
    const content = this.revisions.get(latest);
    if (!content) return;
    const statuses: any[] = etcd.status.nodeStatuses ?? [];
    const nodesByName = new Map(masterNodes.map((n) => [n.metadata.name, n]));
    const rollout = Math.max(0, this.ctx.timing.rolloutSeconds) * 1000;

    if (this.install) {
      const ins = this.install;
      const n = nodesByName.get(ins.node);
      const sim = this.ctx.nodes.get(ins.node);
      if (ins.rev !== latest && !ins.manifestAt) {
        // a newer revision superseded this install before it wrote anything
        this.setPod(ins.podName, operatorJobPod('installer', this.ctx.minor, ins.rev, { name: ins.node, ip: sim?.ip ?? '' }, 'failed'));
        this.install = undefined;
        return;
      }
      if (!ins.manifestAt) {
        if (Date.now() - ins.startedAt < rollout) return;
        if (!this.nodeReady(n) || !sim) {
          // The installer pod never ran on a node that is down.
          if (Date.now() - ins.startedAt < rollout + 2000) return;
          this.failInstall(ins, `installer: pod ${ins.podName} on node ${ins.node} did not start: node is not ready`);
          return;
        }
        writeManifest(sim, ins.rev, manifestFor(this.ctx.minor, ins.rev, this.revisions.get(ins.rev)!, ins.node));
        ins.manifestAt = Date.now();
        this.setPod(ins.podName, operatorJobPod('installer', this.ctx.minor, ins.rev, { name: ins.node, ip: sim.ip }, 'completed'));
        this.ctx.log(`operator: installer: revision ${ins.rev} written to ${ins.node}`);
        return;
      }
      // wait for the static pod at the new revision
      const pod = store.get(R.pods, NS_ETCD, `etcd-${ins.node}`);
      const etcdC = (pod?.status?.containerStatuses ?? []).find((c: any) => c.name === 'etcd');
      const atRev = pod?.metadata.labels?.revision === String(ins.rev);
      const ready = atRev && !!etcdC?.ready;
      const own = (this.lastMembers ?? []).find((m) => m.ip === sim?.ip);
      // a new member's etcd waits (running, not ready) until the ClusterMemberController adds it
      const waitingForMember = atRev && !!etcdC?.state?.running && !etcdC?.ready && (!own || own.isLearner);
      // The real installer waits for the pod to be Ready ("static pod is pending"); the sim's time-out (a shortcut
      // for slow pods) never completes an install whose node's member is a crash-looping voter: the rollout waits
      // there and the other nodes stay behind (library-go installer_controller.go newNodeStateForInstallInProgress).
      const timedOut = Date.now() - ins.manifestAt > INSTALL_READY_TIMEOUT_MS && !(own && !own.isLearner && !own.healthy);
      if (!ready && ins.rev !== latest) {
        // a newer revision is pending: stop waiting for this one, the node is targeted at the latest next ("new revision pending")
        this.ctx.log(`operator: installer: ${ins.node} moves from revision ${ins.rev} to ${latest} (new revision pending)`);
        this.install = undefined;
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
        if (sim) this.createPod(operatorJobPod('pruner', this.ctx.minor, ins.rev, sim, 'completed'));
        this.failedAt.delete(ins.node);
        this.install = undefined;
        this.prunePods(latest);
      }
      return;
    }

    // pick the next node: lowest current revision first, skip recently failed and cert-less nodes
    const candidates = statuses
      .filter((s) => s.currentRevision !== latest)
      .filter((s) => content.certNodes.includes(s.nodeName))
      .filter((s) => Date.now() - (this.failedAt.get(s.nodeName) ?? 0) > FAILED_NODE_RETRY_MS)
      // nodeToStartRevisionWith: a node already progressing towards a target first, then the oldest
      .sort((a, b) => Number(!!b.targetRevision) - Number(!!a.targetRevision) || a.currentRevision - b.currentRevision || a.nodeName.localeCompare(b.nodeName));
    const next = candidates[0];
    if (!next) return;
    const sim = this.ctx.nodes.get(next.nodeName);
    const n = nodesByName.get(next.nodeName);
    let podName = `installer-${latest}-${next.nodeName}`;
    let retry = 0;
    while (store.get(R.pods, NS_ETCD, podName)) podName = `installer-${latest}-retry-${++retry}-${next.nodeName}`;
    const ip = sim?.ip ?? internalIP(n!) ?? '';
    this.createPod({ ...operatorJobPod('installer', this.ctx.minor, latest, { name: next.nodeName, ip }, this.nodeReady(n) ? 'running' : 'pending'), metadata: { ...operatorJobPod('installer', this.ctx.minor, latest, { name: next.nodeName, ip }, 'running').metadata, name: podName } });
    store.mutate(R.etcds, undefined, 'cluster', (e) => {
      const s = (e.status.nodeStatuses ?? []).find((x: any) => x.nodeName === next.nodeName);
      if (!s) return false;
      s.targetRevision = latest;
    });
    this.install = { node: next.nodeName, rev: latest, podName, startedAt: Date.now() };
    this.ctx.log(`operator: installer: installing revision ${latest} on ${next.nodeName} (${podName})`);
  }

  private failInstall(ins: Install, message: string): void {
    const store = this.ctx.store;
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
    this.failedAt.set(ins.node, Date.now());
    this.ctx.log(`operator: ${message}`);
    this.install = undefined;
  }

  private prunePods(latest: number): void {
    const store = this.ctx.store;
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

  // ---- ClusterMemberController ------------------------------------------------------------------------

  private machineFunctional(machines: KObject[]): boolean {
    return this.ctx.platform !== 'none' && machines.some((m) => m.status?.phase === 'Running');
  }

  private machineOfIP(machines: KObject[], ip: string): KObject | undefined {
    return machines.find((m) => (m.status?.addresses ?? []).some((a: any) => a.type === 'InternalIP' && a.address === ip));
  }

  private hasHook(m: KObject): boolean {
    return (m.spec?.lifecycleHooks?.preDrain ?? []).some((h: any) => h.name === HOOK.name && h.owner === HOOK.owner);
  }

  private async syncMembers(members: Member[], masterNodes: KObject[], machines: KObject[]): Promise<void> {
    const unhealthy = members.filter((m) => !m.healthy);
    if (unhealthy.length) {
      this.memberControllerError = this.shape.memberControllerDegradedOnUnhealthy ? 'unhealthy members found during reconciling members' : '';
      return;
    }
    this.memberControllerError = '';
    const functional = this.machineFunctional(machines);
    const endpoints = this.healthyEndpoints(members);
    if (!endpoints.length) return;

    // promote started learners that have caught up (learnercatchup.ts)
    const started = members.filter((x) => x.isLearner && x.clientURLs.length);
    this.catchUp.observe(started.map((m) => m.id));
    for (const m of started) {
      if (!this.catchUp.ready(m.id)) {
        this.logOnce(`promote-${m.id}`, `ClusterMemberController: Not ready for promotion: etcd learner member (https://${m.ip}:2380) is not yet in sync with leader's log`);
        continue;
      }
      if (functional && this.shape.deletionHooks) {
        const machine = this.machineOfIP(machines, m.ip);
        if (!machine || machine.metadata.deletionTimestamp || !this.hasHook(machine)) continue;
      }
      const res = await etcdctl(endpoints, ['member', 'promote', m.id]);
      if (res.exitCode === 0) {
        this.ctx.log(`operator: ClusterMemberController: promoted learner ${m.id} (${m.name})`);
        this.event('MemberPromote', `successfully promoted learner member https://${urlHost(m.ip)}:2380`);
      } else {
        this.logOnce(`promote-${m.id}`, `ClusterMemberController: promote ${m.id}: ${res.stderr.trim().split('\n').pop()}`);
      }
      return;
    }

    for (const n of masterNodes) {
      const ip = this.nodeIP(n);
      if (!ip) continue;
      const loop = this.loopbackOf(ip);
      if (!loop) continue;
      const peer = `http://${loop}:2380`;
      if (members.some((m) => m.peerURLs.includes(peer))) continue;
      if (n.metadata.deletionTimestamp) continue;
      if (functional) {
        const machine = this.machineOfIP(machines, ip);
        if (!machine) {
          this.logOnce(`add-${n.metadata.name}`, `ClusterMemberController: Ignoring node (${n.metadata.name}) for scale-up: no Machine found for ${ip}`);
          continue;
        }
        if (machine.metadata.deletionTimestamp) continue;
        if (this.shape.deletionHooks && !this.hasHook(machine)) {
          this.logOnce(`add-${n.metadata.name}`, `Ignoring node (${n.metadata.name}) for scale-up since its machine (${machine.metadata.name}) is missing the PreDrain deletion hook`);
          continue;
        }
      }
      const pod = this.ctx.store.get(R.pods, NS_ETCD, `etcd-${n.metadata.name}`);
      const c = (pod?.status?.containerStatuses ?? []).find((s: any) => s.name === 'etcd');
      const isRunning = !!c?.state?.running;
      const isReady = !!c?.ready;
      if (!isRunning || isReady) {
        this.logOnce(`add-${n.metadata.name}`, `Skipping etcd-${n.metadata.name} as the etcd container is in incorrect state, isEtcdContainerRunning = ${isRunning}, isEtcdContainerReady = ${isReady}`);
        continue;
      }
      const args = ['member', 'add', n.metadata.name, '--peer-urls', peer];
      if (this.shape.learners) args.push('--learner');
      const res = await etcdctl(endpoints, args);
      if (res.exitCode === 0) {
        this.ctx.log(`operator: ClusterMemberController: added ${this.shape.learners ? 'learner ' : ''}member https://${urlHost(ip)}:2380 for ${n.metadata.name}`);
        this.event('MemberAddAsLearner', `successfully added new member https://${urlHost(ip)}:2380`);
      } else {
        this.logOnce(`add-${n.metadata.name}`, `ClusterMemberController: member add ${peer}: ${res.stderr.trim()}`);
      }
      return; // one at a time
    }
  }

  // ---- ClusterMemberRemovalController -----------------------------------------------------------------

  /**
   * attemptToScaleDown (openshift.md §3.3): only with a stable revision, etcd-endpoints matching the live
   * voting membership and a functional Machine API. The voting member of a machine being deleted is
   * removed when the voting count exceeds controlPlane.replicas (its replacement is promoted), or — 4.12+,
   * PR #937 — when it is unhealthy and the remaining healthy voters keep quorum.
   */
  private async syncMemberRemoval(members: Member[], machines: KObject[]): Promise<void> {
    if (!this.machineFunctional(machines)) return;
    const etcd = this.ctx.store.get(R.etcds, undefined, 'cluster');
    if (!etcd || this.isRevisionInProgress(etcd)) return;
    const voting = members.filter((m) => !m.isLearner);
    const eps = this.ctx.store.get(R.configmaps, NS_ETCD, 'etcd-endpoints')?.data ?? {};
    if (JSON.stringify(Object.keys(eps).sort()) !== JSON.stringify(voting.map((m) => m.id).sort())) return;
    const replicas = etcd.spec?.observedConfig?.controlPlane?.replicas ?? this.opts.replicas;
    for (const machine of machines.filter((m) => m.metadata.deletionTimestamp && this.hasHook(m))) {
      const ips = (machine.status?.addresses ?? []).filter((a: any) => a.type === 'InternalIP').map((a: any) => a.address);
      const member = voting.find((m) => ips.includes(m.ip));
      if (!member) continue;
      const healthyOthers = voting.filter((m) => m !== member && m.healthy).length;
      const remainingQuorum = Math.floor((voting.length - 1) / 2) + 1;
      const canRemove = voting.length > replicas || (!member.healthy && healthyOthers >= remainingQuorum);
      if (!canRemove) {
        this.logOnce(`scaledown-${machine.metadata.name}`, `ClusterMemberRemovalController: cannot proceed with scaling down ${member.name || member.id} yet (voting members ${voting.length}, desired ${replicas})`);
        continue;
      }
      const res = await etcdctl(this.healthyEndpoints(members), ['member', 'remove', member.id]);
      if (res.exitCode === 0) {
        this.ctx.log(`operator: ClusterMemberRemovalController: removed member ${member.id} (${member.name}) of deleting machine ${machine.metadata.name}`);
        this.event('ScaleDown', `successfully removed member: [ url: ${member.ip}, name: ${member.name}, id: ${member.id} ] from the cluster`);
      }
      return;
    }
  }

  // ---- MachineDeletionHooksController -----------------------------------------------------------------

  private syncDeletionHooks(members: Member[], machines: KObject[]): void {
    const store = this.ctx.store;
    const memberIPs = new Set(members.map((m) => m.ip));
    for (const m of machines) {
      if (!m.metadata.deletionTimestamp) {
        if (this.hasHook(m)) continue;
        store.mutate(R.machines, NS_MACHINE_API, m.metadata.name, (o) => {
          if (o.metadata.deletionTimestamp) return false;
          o.spec.lifecycleHooks ??= {};
          const pre: any[] = (o.spec.lifecycleHooks.preDrain ?? []).filter((h: any) => h.name !== HOOK.name);
          pre.push({ ...HOOK });
          o.spec.lifecycleHooks.preDrain = pre;
        });
        this.ctx.log(`operator: MachineDeletionHooksController: added the ${HOOK.name} preDrain hook to ${m.metadata.name}`);
        continue;
      }
      if (!this.hasHook(m)) continue;
      const ips = (m.status?.addresses ?? []).filter((a: any) => a.type === 'InternalIP').map((a: any) => a.address);
      const still = ips.filter((ip: string) => memberIPs.has(ip));
      if (still.length) {
        this.logOnce(`hook-${m.metadata.name}`, `skip removing the deletion hook from machine ${m.metadata.name} since its member is still present with any of: ${still.join(', ')}`);
        continue;
      }
      store.mutate(R.machines, NS_MACHINE_API, m.metadata.name, (o) => {
        const pre: any[] = o.spec?.lifecycleHooks?.preDrain ?? [];
        o.spec.lifecycleHooks.preDrain = pre.filter((h) => !(h.name === HOOK.name && h.owner === HOOK.owner));
        if (!o.spec.lifecycleHooks.preDrain.length) delete o.spec.lifecycleHooks.preDrain;
      });
      this.ctx.log(`operator: MachineDeletionHooksController: removed the deletion hook from machine ${m.metadata.name}`);
      this.event('MachineDeletionHook', `successfully removed the deletion hook from machine ${m.metadata.name} as it doesn't have a member`);
    }
  }

  // ---- guard pods --------------------------------------------------------------------------------------

  private etcdReady(nodeName: string): boolean {
    const pod = this.ctx.store.get(R.pods, NS_ETCD, `etcd-${nodeName}`);
    return !!(pod?.status?.containerStatuses ?? []).find((c: any) => c.name === 'etcd')?.ready;
  }

  private syncGuards(masterNodes: KObject[]): void {
    const store = this.ctx.store;
    if (this.shape.guardPods === 'guard') {
      const want = new Set<string>();
      for (const n of masterNodes) {
        const name = n.metadata.name;
        if (!store.get(R.pods, NS_ETCD, `etcd-${name}`)) continue;
        want.add(`etcd-guard-${name}`);
        const ready = this.etcdReady(name);
        const have = store.get(R.pods, NS_ETCD, `etcd-guard-${name}`);
        const ip = internalIP(n) ?? '';
        if (!have) {
          this.createOrIgnore(R.pods, guardPod(this.ctx.minor, { name, ip }, ready));
        } else if (!!have.status?.containerStatuses?.[0]?.ready !== ready && this.nodeReady(n)) {
          this.setReady(have, ready);
        }
      }
      for (const p of store.list(R.pods, NS_ETCD, (p) => p.metadata.labels?.app === 'guard')) {
        if (!want.has(p.metadata.name) && !store.get(R.nodes, undefined, p.spec?.nodeName ?? '')) this.deleteOrIgnore(R.pods, p.metadata.name);
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
        this.deleteOrIgnore(R.pods, p.metadata.name);
        continue;
      }
      count++;
      if (nodeName) used.add(nodeName);
    }
    for (; count < this.opts.replicas; count++) this.createOrIgnore(R.pods, quorumGuardPod(this.ctx.minor, this.rsHash, undefined, false));
    for (const p of store.list(R.pods, NS_ETCD, (p) => p.metadata.labels?.['k8s-app'] === 'etcd-quorum-guard')) {
      const nodeName = p.spec?.nodeName;
      if (!nodeName) {
        const free = masterNodes.find((n) => !used.has(n.metadata.name) && this.nodeReady(n));
        if (!free) continue;
        used.add(free.metadata.name);
        const bound = quorumGuardPod(this.ctx.minor, this.rsHash, { name: free.metadata.name, ip: internalIP(free) ?? '' }, this.etcdReady(free.metadata.name));
        store.mutate(R.pods, NS_ETCD, p.metadata.name, (o) => {
          o.spec = bound.spec;
          o.status = bound.status;
        });
        continue;
      }
      const n = masterNodes.find((x) => x.metadata.name === nodeName);
      const ready = this.etcdReady(nodeName);
      if (n && this.nodeReady(n) && !!p.status?.containerStatuses?.[0]?.ready !== ready) this.setReady(p, ready);
    }
  }

  private setReady(p: KObject, ready: boolean): void {
    this.ctx.store.mutate(R.pods, p.metadata.namespace, p.metadata.name, (o) => {
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

  // ---- conditions ----------------------------------------------------------------------------------------

  private syncConditions(members: Member[] | undefined, masterNodes: KObject[], override: boolean): void {
    const store = this.ctx.store;
    const etcd = store.get(R.etcds, undefined, 'cluster');
    if (!etcd) return;
    const conds: { type: string; status: string; reason: string; message: string }[] = [];
    const add = (type: string, status: string, reason: string, message = '') => conds.push({ type, status, reason, message });

    // NodeController
    const notReady = masterNodes.filter((n) => !this.nodeReady(n));
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
    const active = masterNodes.filter((n) => this.etcdReady(n.metadata.name) && this.nodeReady(n));
    const revSummary = [...byRev.entries()].sort((a, b) => a[0] - b[0]).map(([rev, c]) => `${plural(c, 'node is', 'nodes are')} at revision ${rev}`).join('; ');
    add('StaticPodsAvailable', active.length ? 'True' : 'False', active.length ? 'AsExpected' : 'ZeroNodesActive', `${plural(active.length, 'node is', 'nodes are')} active; ${revSummary}`);
    const notReadyPods = masterNodes.filter((n) => {
      const pod = store.get(R.pods, NS_ETCD, `etcd-${n.metadata.name}`);
      return pod && !this.etcdReady(n.metadata.name);
    });
    if (notReadyPods.length) {
      add(
        'StaticPodsDegraded',
        'True',
        'SyncError',
        notReadyPods
          .map((n) => {
            const pod = store.get(R.pods, NS_ETCD, `etcd-${n.metadata.name}`);
            const c = (pod?.status?.containerStatuses ?? []).find((x: any) => x.name === 'etcd');
            const w = c?.state?.waiting;
            return w ? `pod/etcd-${n.metadata.name} container "etcd" is waiting: ${w.reason}: ${w.message ?? ''}` : `pod/etcd-${n.metadata.name} container "etcd" is not ready: unknown reason`;
          })
          .join('\n'),
      );
    } else add('StaticPodsDegraded', 'False', 'AsExpected', '');

    // controllers that are fine
    const ok = ['EtcdCertSignerControllerDegraded', 'EtcdEndpointsDegraded', 'TargetConfigControllerDegraded', 'InstallerControllerDegraded', 'RevisionControllerDegraded', 'ScriptControllerDegraded', 'EnvVarControllerDegraded', 'BootstrapTeardownDegraded', 'DefragControllerDegraded'];
    if (this.shape.deletionHooks) ok.push('ClusterMemberRemovalControllerDegraded', 'MachineDeletionHooksControllerDegraded', 'GuardControllerDegraded');
    for (const t of ok) add(t, 'False', 'AsExpected', '');
    if (this.memberControllerError) add('ClusterMemberControllerDegraded', 'True', 'Error', this.memberControllerError);
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
    this.syncClusterOperator(conds);
  }

  private syncClusterOperator(conds: { type: string; status: string; reason: string; message: string }[]): void {
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
    const store = this.ctx.store;
    const have = store.get(R.clusteroperators, undefined, 'etcd');
    if (!have) {
      // the etcd operator runs the scenario's release, also while an upgrade to it is in progress (`upgradingFrom`)
      this.createOrIgnore(R.clusteroperators, clusterOperator('etcd', this.ctx.minor, want.map((c) => ({ ...c, lastTransitionTime: now() })), [], this.ctx.patch));
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

  // ---- helpers -------------------------------------------------------------------------------------------

  private event(reason: string, message: string): void {
    const ts = now();
    const name = `etcd-operator.${Date.now().toString(16)}${Math.floor(Math.random() * 1e6).toString(16)}`;
    this.createOrIgnore(R.events, {
      apiVersion: 'v1',
      kind: 'Event',
      metadata: { name, namespace: 'openshift-etcd-operator' },
      involvedObject: { kind: 'Deployment', name: 'etcd-operator', namespace: 'openshift-etcd-operator', apiVersion: 'apps/v1' },
      reason,
      message,
      type: 'Normal',
      count: 1,
      firstTimestamp: ts,
      lastTimestamp: ts,
      source: { component: 'openshift-cluster-etcd-operator' },
      reportingComponent: 'openshift-cluster-etcd-operator',
    });
  }

  private createPod(p: KObject): void {
    this.createOrIgnore(R.pods, p);
  }

  private setPod(name: string, want: KObject): void {
    const have = this.ctx.store.get(R.pods, NS_ETCD, name);
    if (!have) {
      this.createOrIgnore(R.pods, { ...want, metadata: { ...want.metadata, name } });
      return;
    }
    this.ctx.store.mutate(R.pods, NS_ETCD, name, (o) => {
      o.status = want.status;
    });
  }

  private createOrIgnore(t: (typeof R)[keyof typeof R], obj: KObject): void {
    try {
      this.ctx.store.create(t, obj);
    } catch (err) {
      if (!(err instanceof StoreError && err.code === 409)) throw err;
    }
  }

  private deleteOrIgnore(t: (typeof R)[keyof typeof R], name: string, ns = NS_ETCD): void {
    try {
      this.ctx.store.delete(t, ns, name);
    } catch {
      /* gone */
    }
  }
}
