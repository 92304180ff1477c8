// The simulated cluster-etcd-operator (openshift.md §3): its state, the etcd client it uses, and the sync loop that
// runs its controllers in order, one per file as upstream has one per folder (github:openshift/cluster-etcd-operator
// pkg/operator/<controller>/): certsigner.ts, endpoints.ts, revision.ts (target config + revisions), installer.ts
// (library-go static-pod installer + node statuses), clustermember.ts, memberremoval.ts, machinedeletionhooks.ts,
// guards.ts, status.ts (Etcd CR conditions + the etcd ClusterOperator).
import { mkdirSync, renameSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { KObject } from '../kube-apiserver/store.ts';
import { StoreError } from '../kube-apiserver/store.ts';
import { R } from '../kube-apiserver/resources.ts';
import type { SimNode, WorldContext } from '../world/context.ts';
import { etcdHost, mirrorIP, runsEtcd, urlHost } from '../world/context.ts';
import { NS_ETCD, NS_MACHINE_API, OVERRIDE_KEY, hashOf, now } from '../world/names.ts';
import { etcdStaticPodYaml, operatorJobPod, type PodInputs } from './objects.ts';
import { releaseShape } from '../world/release.ts';
import { controllerLoop, type ControllerLoop } from '../world/loop.ts';
import { checkSafeToScaleCluster } from './quorumcheck.ts';
import { LearnerCatchUp } from '../etcd/learnercatchup.ts';
import { syncCerts } from './certsigner.ts';
import { syncMembers } from './clustermember.ts';
import { syncEndpoints } from './endpoints.ts';
import { syncGuards } from './guards.ts';
import { syncNodeStatuses, syncInstaller } from './installer.ts';
import { syncDeletionHooks } from './machinedeletionhooks.ts';
import { syncMemberRemoval } from './memberremoval.ts';
import { desiredContent, syncPodConfigMap, newRevision, createRevisionObjects } from './revision.ts';
import { syncConditions } from './status.ts';

const TICK_MS = 300;
/**
 * The operator's etcd client waits as the real one does (release-4.14 pkg/etcdcli/etcdcli.go DefaultClientTimeout 30 s;
 * health.go getMemberHealth: 30 s per member), not less: a member slow to answer on a busy host is not unhealthy. A
 * member whose process is gone is refused at once, so this costs nothing when one is down.
 */
const CLIENT_TIMEOUT_MS = 30_000;
const HEALTH_TIMEOUT_MS = 30_000;
export const INSTALL_READY_TIMEOUT_MS = 30_000;
export const FAILED_NODE_RETRY_MS = 30_000;

export interface Member {
  id: string; // hex
  name: string;
  peerURLs: string[]; // loopback http form
  clientURLs: string[];
  isLearner: boolean;
  ip: string; // scenario IP (translated), or the raw peer host
  healthy: boolean;
}

export interface RevisionContent {
  endpointIPs: string[];
  nodes: { name: string; ip: string }[];
  certNodes: string[];
  forceRedeploymentReason: string;
  /** generation of the operator's own rendering of etcd-pod (an operator config change / upgrade bumps it) */
  operatorConfig: number;
  /** the pod has its etcd container: useUnsupportedUnsafeEtcdContainerRemoval is not set (objects.ts PodInputs) */
  etcdContainer: boolean;
}

export interface Install {
  node: string;
  rev: number;
  podName: string;
  startedAt: number;
  manifestAt?: number;
  failing?: boolean;
}

/** A boolean key of spec.unsupportedConfigOverrides (ceohelpers/unsupported_override.go tryGetUnsupportedValue: a bool, or a string strconv.ParseBool reads). */
export function unsupportedValue(etcd: KObject | undefined, key: string): boolean {
  const v = etcd?.spec?.unsupportedConfigOverrides?.[key];
  if (v === true) return true;
  if (typeof v === 'string') return ['true', '1', 't'].includes(v.trim().toLowerCase());
  return false;
}

export function overrideOn(etcd: KObject | undefined): boolean {
  return unsupportedValue(etcd, OVERRIDE_KEY);
}

/** Two nodes with fencing: the overrides the TNF setup job sets (OPERATOR@release-4.20 pkg/tnf/pkg/etcd/etcd.go RemoveStaticContainer). */
export const CONTAINER_REMOVAL_KEY = 'useUnsupportedUnsafeEtcdContainerRemoval';
export const EXTERNAL_ETCD_KEY = 'useExternalEtcdSupport';

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

/**
 * The operator's control-plane nodes: masters, and in an arbiter cluster the arbiters too (OPERATOR@release-4.19..main
 * pkg/operator/starter.go: with IsArbiterNodeTopology the node lister is a multi-selector lister over
 * node-role.kubernetes.io/master and node-role.kubernetes.io/arbiter, and the static-pod controllers get
 * WithExtraNodeSelector(arbiter)).
 */
export function isControlPlaneNode(n: KObject, topology: string | undefined): boolean {
  return isMasterNode(n) || (topology === 'HighlyAvailableArbiter' && n.metadata.labels?.['node-role.kubernetes.io/arbiter'] !== undefined);
}

function hostOf(url: string): string {
  try {
    return new URL(url).hostname;
  } catch {
    return url;
  }
}

export function plural(n: number, one: string, many: string) {
  return `${n} ${n === 1 ? one : many}`;
}

/** The rendered static pod for `node` at revision `rev` from a revision content. */
export function manifestFor(minor: number, rev: number, c: RevisionContent, node: string): string {
  const inp: PodInputs = { minor, revision: rev, nodes: c.nodes, endpointIPs: c.endpointIPs, etcdContainer: c.etcdContainer };
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
  loop?: ControllerLoop;
  running = false;
  readonly revisions = new Map<number, RevisionContent>();
  install?: Install;
  readonly failedAt = new Map<string, number>();
  readonly skipLog = new Map<string, string>();
  lastMembers?: Member[];
  memberControllerError = '';
  readonly shape;
  readonly rsHash = hashOf('etcd-quorum-guard', 10);
  operatorConfig = 0;
  readonly catchUp = new LearnerCatchUp(() => this.ctx.timing.learnerPromoteSeconds ?? 0);

  constructor(
    readonly ctx: WorldContext,
    readonly opts: { replicas: number },
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
      etcdContainer: !unsupportedValue(store.get(R.etcds, undefined, 'cluster'), CONTAINER_REMOVAL_KEY),
    };
    this.revisions.set(rev, content);
    createRevisionObjects(this, rev, content);
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

  masterSims(): SimNode[] {
    return [...this.ctx.nodes.values()].filter(runsEtcd);
  }

  loopToIP(host: string): string {
    for (const n of this.ctx.nodes.values()) if (n.loopback === host) return etcdHost(n);
    return host;
  }

  /** The address the operator uses for a Node (GetPreferredInternalIPAddressForNodeName). */
  nodeIP(n: KObject): string | undefined {
    return internalIP(n, this.ctx.network?.ipFamilies[0] ?? 'IPv4');
  }

  /** The loopback mirror a node address (IPv4 or IPv6) maps to. */
  loopbackOf(ip: string): string | undefined {
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
          signal: AbortSignal.timeout(CLIENT_TIMEOUT_MS),
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

  async memberHealthy(m: Member): Promise<boolean> {
    const url = m.clientURLs[0];
    if (!url) return false;
    try {
      const res = await fetch(`${url}/health`, { signal: AbortSignal.timeout(HEALTH_TIMEOUT_MS) });
      if (!res.ok) return false;
      const body = (await res.json()) as { health?: string | boolean };
      return body.health === 'true' || body.health === true;
    } catch {
      return false;
    }
  }

  healthyEndpoints(members: Member[]): string[] {
    return members.filter((m) => m.healthy && !m.isLearner && m.clientURLs[0]).map((m) => m.clientURLs[0]!);
  }

  // ---- main loop -----------------------------------------------------------------------------------

  async tick(): Promise<void> {
    if (this.running) return;
    this.running = true;
    try {
      await this.sync();
    } finally {
      this.running = false;
    }
  }

  async sync(): Promise<void> {
    const store = this.ctx.store;
    const etcd = store.get(R.etcds, undefined, 'cluster');
    if (!etcd) return;
    const members = await this.listMembers();
    this.lastMembers = members;
    const masterNodes = store.list(R.nodes, undefined, (n) => isControlPlaneNode(n, this.ctx.topology));
    // control-plane machines: `machine.openshift.io/cluster-api-machine-role in (master,arbiter)` (OPERATOR@release-4.19 starter.go)
    const cpRoles = this.ctx.minor >= 19 ? ['master', 'arbiter'] : ['master'];
    const machines = this.ctx.platform === 'none' ? [] : store.list(R.machines, NS_MACHINE_API, (m) => cpRoles.includes(m.metadata.labels?.['machine.openshift.io/cluster-api-machine-role'] ?? ''));
    const override = overrideOn(etcd);
    const minor = this.ctx.minor;

    // Quorum safety (ceohelpers CheckSafeToScaleCluster).
    let safe = true;
    let unsafeReason = '';
    // single-node OpenShift selects UnsafeScalingStrategy: no quorum check (ceohelpers/bootstrap.go GetBootstrapScalingStrategy)
    const sno = this.ctx.topology === 'SingleReplica';
    if (minor >= 8 && !override && !sno) {
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
          ...(this.ctx.topology === 'DualReplica' ? { twoNode: { members: members.length } } : {}),
        });
        safe = unsafeReason === '';
      }
      if (minor >= 18 && this.isRevisionInProgress(etcd)) safe = true;
    }
    const configWritable = safe || minor >= 18; // 4.18+: configmaps/secrets update, revision gated
    if (!safe) this.logOnce('quorum', `skipping EtcdCertSignerController reconciliation due to insufficient quorum: ${unsafeReason}`);
    else this.skipLog.delete('quorum');

    // EtcdCertSignerController
    if (configWritable) syncCerts(this, masterNodes);
    // EtcdEndpointsController
    if (configWritable && members) syncEndpoints(this, members);
    // TargetConfigController + RevisionController
    const content = desiredContent(this, etcd, masterNodes);
    if (configWritable) syncPodConfigMap(this, content, etcd);
    let latest = etcd.status?.latestAvailableRevision ?? 0;
    const latestContent = this.revisions.get(latest);
    if (safe && latestContent && JSON.stringify(latestContent) !== JSON.stringify(content)) {
      latest = newRevision(this, latest, latestContent, content);
    }
    // Node statuses + installer
    syncNodeStatuses(this, masterNodes);
    syncInstaller(this, masterNodes);
    // ClusterMemberController
    if (members) await syncMembers(this, members, masterNodes, machines);
    // ClusterMemberRemovalController (4.12+ scale-down of a deleting machine's member)
    if (minor >= 12 && members) await syncMemberRemoval(this, members, machines);
    // MachineDeletionHooksController
    if (this.shape.deletionHooks && members) syncDeletionHooks(this, members, machines);
    // Guard pods
    // no guard pods on single-node OpenShift (OPERATOR@release-4.20 starter.go: "prevents guard pods from being created in SNO topology")
    if (this.ctx.topology !== 'SingleReplica') syncGuards(this, masterNodes);
    // Conditions
    syncConditions(this, members, masterNodes, override);
  }

  logOnce(key: string, msg: string) {
    if (this.skipLog.get(key) === msg) return;
    this.skipLog.set(key, msg);
    this.ctx.log(`operator: ${msg}`);
  }

  isRevisionInProgress(etcd: KObject): boolean {
    const latest = etcd.status?.latestAvailableRevision ?? 0;
    return (etcd.status?.nodeStatuses ?? []).some((s: any) => s.currentRevision !== latest);
  }

  // ---- certs ---------------------------------------------------------------------------------------



  // ---- endpoints -----------------------------------------------------------------------------------


  // ---- target config + revisions ---------------------------------------------------------------------





  // ---- installer -----------------------------------------------------------------------------------


  nodeReady(n: KObject | undefined): boolean {
    return !!n && (n.status?.conditions ?? []).some((c: any) => c.type === 'Ready' && c.status === 'True');
  }




  // ---- ClusterMemberController ------------------------------------------------------------------------





  // ---- ClusterMemberRemovalController -----------------------------------------------------------------


  // ---- MachineDeletionHooksController -----------------------------------------------------------------


  // ---- guard pods --------------------------------------------------------------------------------------




  // ---- conditions ----------------------------------------------------------------------------------------



  // ---- helpers -------------------------------------------------------------------------------------------

  event(reason: string, message: string): void {
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

  createPod(p: KObject): void {
    this.createOrIgnore(R.pods, p);
  }

  setPod(name: string, want: KObject): void {
    const have = this.ctx.store.get(R.pods, NS_ETCD, name);
    if (!have) {
      this.createOrIgnore(R.pods, { ...want, metadata: { ...want.metadata, name } });
      return;
    }
    this.ctx.store.mutate(R.pods, NS_ETCD, name, (o) => {
      o.status = want.status;
    });
  }

  createOrIgnore(t: (typeof R)[keyof typeof R], obj: KObject): void {
    // owner references to ConfigMaps of this namespace carry the owner's uid (a reference to an owner that is gone is
    // left out: the garbage collector would delete the object at once)
    const refs = obj.metadata.ownerReferences as { kind?: string; name?: string; uid?: string }[] | undefined;
    if (refs?.some((r) => r.kind === 'ConfigMap')) {
      const resolved = refs
        .map((r) => (r.kind === 'ConfigMap' ? { ...r, uid: this.ctx.store.get(R.configmaps, NS_ETCD, r.name ?? '')?.metadata.uid ?? '' } : r))
        .filter((r) => r.uid);
      obj = { ...obj, metadata: { ...obj.metadata, ownerReferences: resolved } };
      if (!resolved.length) delete obj.metadata.ownerReferences;
    }
    try {
      this.ctx.store.create(t, obj);
    } catch (err) {
      if (!(err instanceof StoreError && err.code === 409)) throw err;
    }
  }

  deleteOrIgnore(t: (typeof R)[keyof typeof R], name: string, ns = NS_ETCD): void {
    try {
      this.ctx.store.delete(t, ns, name);
    } catch {
      /* gone */
    }
  }
}
