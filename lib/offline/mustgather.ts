// `--from PATH`: the cluster as a must-gather (or our bundle, which is one) shows it, read into the same StateInputs
// the live reader fills (lib/cluster/read.ts), so the state, the screen and the diagnosis are built by the same code.
// Paths: layout.ts (openshift/oc pkg/cli/admin/inspect, openshift/must-gather collection-scripts). Only the files the
// state needs are read: never pod logs, audit logs or other namespaces' objects.
//
// What the files cannot tell stays unknown (a Gap): no etcd_info means no member list, so no member is healthy,
// unhealthy or safe to remove; a cut file is not read as a shorter truth.
import { existsSync, statSync } from 'node:fs';
import { basename, resolve } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { ArchiveSource, FolderSource, readArchive, type FileSource } from './files.ts';
import { CutFile, applyHealth, parseAlarmFile, parseHealthFile, parseMembersFile, parseStatusFile } from './etcd-info.ts';
import { CLUSTER_DIR, ETCD_INFO, ETCD_INFO_FILES, NS_DIR, listPath, objectPath, parseGoTime, podPath, resourceBase } from './layout.ts';
import { buildClusterState, isControlPlaneNode, isEtcdMemberPod, type MemberRead, type StateInputs } from '../cluster/read.ts';
import { leaseInfo, LEASE_NAME, LEASE_NS, type LeaseInfo } from '../runbooks/lease.ts';
import { PluginError, ExitCode } from '../errors.ts';
import type { ClusterState, Condition, EtcdMember } from '../types.ts';

export interface Gap {
  /** the file (relative to the image folder) or the objects that are missing or cut */
  file: string;
  /** what that leaves unknown */
  what: string;
  /** true: the diagnosis cannot be trusted without it */
  essential: boolean;
}

export interface OfflineSource {
  /** the PATH given */
  path: string;
  kind: 'must-gather' | 'bundle';
  format: 'folder' | 'archive';
  /** the image folder read, relative to PATH ('' = PATH itself) */
  imageFolder: string;
  /** first and last line of `timestamp` (ISO 8601), null when there is none */
  collectedAt: string | null;
  collectedUntil: string | null;
  gaps: Gap[];
}

export interface OfflineRead {
  inputs: StateInputs;
  state: ClusterState;
  source: OfflineSource;
  lease: LeaseInfo | null;
  /** API server (infrastructure status.apiServerURL) and cluster ID (ClusterVersion spec.clusterID) */
  server: string | null;
  clusterID: string | null;
  /** Progressing of clusteroperator/etcd and kube-apiserver (what cluster-backup.sh checks), null when unknown */
  progress: { etcd: Condition | null; kubeApiserver: Condition | null };
}

const usage = (msg: string, hint?: string) => new PluginError(msg, { exitCode: ExitCode.Usage, ...(hint ? { hint } : {}) });

/** Does this folder (of `src`) hold what a must-gather image writes? */
function looksLikeImageFolder(src: FileSource, dir: string): boolean {
  const j = (x: string) => (dir ? `${dir}/${x}` : x);
  return src.isDir(j(NS_DIR)) || src.isDir(j(CLUSTER_DIR)) || src.isDir(j(ETCD_INFO));
}

/**
 * The image folder to read: PATH itself, or the one folder below (must-gather.local.<id>/<image>/), or below a folder
 * holding one must-gather.local.<id> (an unpacked archive). With several image folders (`--image` given more than once),
 * the one with etcd_info, else the one with the Etcd CR.
 */
export function findImageFolder(src: FileSource): string {
  const seen: string[] = [];
  const walk = (dir: string, depth: number): string[] => {
    if (looksLikeImageFolder(src, dir)) return [dir];
    if (depth === 0) return [];
    const out: string[] = [];
    for (const n of src.list(dir)) {
      const sub = dir ? `${dir}/${n}` : n;
      if (src.isDir(sub)) out.push(...walk(sub, depth - 1));
    }
    return out;
  };
  const found = walk('', 3);
  seen.push(...found);
  if (found.length === 1) return found[0]!;
  if (found.length === 0) {
    // the old bundle: etcd-replace-bundle-<time>/ with status.yaml (status.error.txt when the read failed) and objects/
    const oldBundle = (d: string) => (src.exists(`${d}status.yaml`) || src.exists(`${d}status.error.txt`)) && src.isDir(`${d}objects`);
    if (src.exists('status.yaml') || oldBundle('') || src.list('').some((n) => oldBundle(`${n}/`))) {
      throw usage(`${src.label} is an etcd-replace bundle from before bundles were must-gathers: it has no raw etcd reads to diagnose from`, 'read its status.yaml, or make a new bundle');
    }
    throw usage(`${src.label}: no must-gather found (no namespaces/, cluster-scoped-resources/ or etcd_info/ folder)`, 'pass the must-gather.local.* folder, its image folder, a .tar/.tar.gz of one, or an etcd-replace bundle');
  }
  const withEtcd = found.filter((d) => src.isDir(d ? `${d}/${ETCD_INFO}` : ETCD_INFO));
  if (withEtcd.length === 1) return withEtcd[0]!;
  const withCR = found.filter((d) => src.exists(`${d ? `${d}/` : ''}${objectPath('operator.openshift.io', 'etcds', 'cluster')}`));
  if (withCR.length === 1) return withCR[0]!;
  throw usage(`${src.label} holds several must-gathers (${seen.join(', ')}): pass one of them`);
}

/** Opens PATH: a folder, or a .tar / .tar.gz / .tgz file. */
export async function openSource(path: string): Promise<FileSource> {
  const abs = resolve(path);
  if (!existsSync(abs)) throw usage(`--from ${path}: no such file or folder`);
  if (statSync(abs).isDirectory()) return new FolderSource(abs, path);
  try {
    const a = await readArchive(abs);
    return a;
  } catch (e) {
    throw usage(`--from ${path}: not a folder, nor a readable .tar/.tar.gz (${(e as Error).message})`);
  }
}

/** The objects of one reader pass: YAML parsed once, cut files noted. */
class Reader {
  gaps: Gap[] = [];
  constructor(
    readonly src: FileSource,
    readonly base: string,
  ) {}
  rel(p: string): string {
    return this.base ? `${this.base}/${p}` : p;
  }
  text(p: string): string | null {
    return this.src.read(this.rel(p));
  }
  has(p: string): boolean {
    return this.src.exists(this.rel(p));
  }
  list(p: string): string[] {
    return this.src.list(this.rel(p));
  }
  gap(file: string, what: string, essential: boolean): void {
    this.gaps.push({ file, what, essential });
  }
  /**
   * A YAML file as one object (or List). Cut files are caught where the printer's order makes it possible: keys come
   * sorted (sigs.k8s.io/yaml), so a List ends with `kind` and `metadata` after `items`, and an object that has a
   * status prints it last.
   */
  yaml(p: string, what: string, essential: boolean, needStatus = false): any | null {
    const t = this.text(p);
    if (t === null) return null;
    let doc: any;
    try {
      doc = parseYaml(t, { maxAliasCount: -1 });
    } catch {
      this.gap(p, `${what}: not valid YAML (cut short or damaged)`, essential);
      return null;
    }
    const list = Array.isArray(doc?.items);
    const whole = doc && typeof doc === 'object' && doc.kind && doc.apiVersion && (list ? doc.metadata !== undefined : doc.metadata && (!needStatus || doc.status !== undefined));
    if (!whole) {
      this.gap(p, `${what}: the file is cut short (${list ? 'a list without its closing kind/metadata' : 'an object without its last fields'})`, essential);
      return null;
    }
    return doc;
  }
  /** Objects of a resource: each <resource>/<name>.yaml, else the <resource>.yaml List. null: neither is there. */
  objects(group: string, resource: string, ns: string | undefined, what: string, essential: boolean, needStatus = false, pick?: (name: string) => boolean): any[] | null {
    const dir = `${resourceBase(group, ns)}/${resource}`;
    const names = this.list(dir).filter((n) => n.endsWith('.yaml') && (!pick || pick(n.slice(0, -5))));
    if (names.length || this.src.isDir(this.rel(dir))) {
      return names.map((n) => this.yaml(`${dir}/${n}`, what, essential, needStatus)).filter((o) => o && !Array.isArray(o.items));
    }
    const l = this.yaml(listPath(group, resource, ns), what, essential);
    if (l) return (l.items ?? []) as any[];
    return this.has(listPath(group, resource, ns)) ? [] : null;
  }
  /** One object by name: <resource>/<name>.yaml, else from the <resource>.yaml List. */
  object(group: string, resource: string, name: string, ns: string | undefined, what: string, essential: boolean, needStatus = false): any | null {
    const p = objectPath(group, resource, name, ns);
    if (this.has(p)) return this.yaml(p, what, essential, needStatus);
    const l = this.yaml(listPath(group, resource, ns), what, essential);
    return ((l?.items ?? []) as any[]).find((o) => o?.metadata?.name === name) ?? null;
  }
}

function conditionOf(co: any, type: string): Condition | null {
  const c = ((co?.status?.conditions ?? []) as any[]).find((x) => x?.type === type);
  return c ? { type: c.type, status: c.status, ...(c.reason ? { reason: c.reason } : {}), ...(c.message ? { message: c.message } : {}) } : null;
}

/** etcd_info → the members as the live read gives them (health, leader, DB size, alarms), gaps for what is missing. */
function readEtcdInfo(r: Reader, etcdPodNames: string[]): MemberRead {
  const F = ETCD_INFO_FILES;
  const listText = r.text(F.members);
  if (listText === null) {
    const why = r.has(ETCD_INFO) ? `${F.members} is missing` : `the must-gather has no ${ETCD_INFO}/ (its etcd gather did not run or failed)`;
    r.gap(F.members, 'the etcd members and their health are unknown', true);
    return { members: [], memberSource: null, memberListError: `${why}: the members and their health are unknown` };
  }
  let members: EtcdMember[];
  try {
    members = parseMembersFile(listText);
  } catch (e) {
    r.gap(F.members, `etcd member list: ${(e as Error).message}`, true);
    return { members: [], memberSource: null, memberListError: `${F.members}: ${(e as Error).message}: the members and their health are unknown` };
  }
  if (!members.length) {
    r.gap(F.members, 'etcd member list: no member listed', true);
    return { members: [], memberSource: null, memberListError: `${F.members} lists no member` };
  }
  const healthText = r.text(F.health);
  if (healthText === null) r.gap(F.health, 'the health of every member is unknown', true);
  else {
    try {
      members = applyHealth(members, parseHealthFile(healthText));
    } catch (e) {
      r.gap(F.health, `endpoint health: ${(e as Error).message}; the health of every member is unknown`, true);
    }
  }
  const statusText = r.text(F.status);
  if (statusText === null) r.gap(F.status, 'the leader and the database sizes are unknown', false);
  else {
    try {
      const st = new Map(parseStatusFile(statusText).map((s) => [s.id, s]));
      members = members.map((m) => {
        const s = st.get(m.id);
        return { ...m, leader: s?.leader === true, ...(s?.dbSizeBytes !== undefined ? { dbSizeBytes: s.dbSizeBytes } : {}) };
      });
    } catch (e) {
      r.gap(F.status, `endpoint status: ${(e as Error).message}; the leader and the database sizes are unknown`, false);
    }
  }
  let alarms: MemberRead['alarms'];
  const alarmText = r.text(F.alarms);
  if (alarmText === null) r.gap(F.alarms, 'etcd alarms (NOSPACE, CORRUPT) are unknown', false);
  else {
    try {
      alarms = parseAlarmFile(alarmText);
    } catch (e) {
      r.gap(F.alarms, `alarm list: ${(e as Error).message}; etcd alarms are unknown`, false);
    }
  }
  // gather_etcd echoes `Getting information from pod "<pod>", container "etcdctl"` into the image's gather.logs
  const logs = r.text('gather.logs');
  const pod = logs ? /Getting information from pod "([^"]+)"/.exec(logs)?.[1] : undefined;
  const memberSource = pod && (etcdPodNames.length === 0 || etcdPodNames.includes(pod)) ? pod : ETCD_INFO_FILES.members;
  return { members, memberSource, ...(alarms ? { alarms } : {}) };
}

function timestamps(src: FileSource, base: string): { first: string | null; last: string | null } {
  const parent = base.includes('/') ? base.slice(0, base.lastIndexOf('/')) : '';
  for (const p of [parent ? `${parent}/timestamp` : base ? 'timestamp' : null, base ? `${base}/timestamp` : 'timestamp']) {
    if (!p) continue;
    const t = src.read(p);
    if (!t) continue;
    const lines = t.split('\n').map(parseGoTime).filter((x): x is string => !!x);
    if (lines.length) return { first: lines[0]!, last: lines[lines.length - 1]! };
  }
  return { first: null, last: null };
}

const MACHINE_NS = 'openshift-machine-api';
const ETCD_NS = 'openshift-etcd';

/** Reads PATH into the state `status` shows, with what it could not tell. */
export async function readOffline(path: string): Promise<OfflineRead> {
  const src = await openSource(path);
  const base = findImageFolder(src);
  const r = new Reader(src, base);
  if (src instanceof ArchiveSource && (src as ArchiveSource & { truncated?: boolean }).truncated) {
    r.gap(basename(path), 'the archive is cut short: files after the cut are missing', false);
  }
  const C = 'config.openshift.io';

  // openshift-etcd pods: each pods/<pod>/<pod>.yaml of a static etcd pod (a name filter first: guard, installer and
  // pruner pods are never parsed), else the core/pods.yaml List
  const podDir = `${NS_DIR}/${ETCD_NS}/pods`;
  let etcdPods: any[] = [];
  const podNames = r.list(podDir).filter((n) => n.startsWith('etcd-') && !n.startsWith('etcd-guard-') && !n.startsWith('etcd-quorum-guard'));
  if (podNames.length) etcdPods = podNames.map((n) => r.yaml(podPath(ETCD_NS, n), `etcd pod ${n}`, true, true)).filter(Boolean);
  else {
    const l = r.yaml(listPath('', 'pods', ETCD_NS), 'openshift-etcd pods', true);
    if (l) etcdPods = (l.items ?? []) as any[];
    else if (!r.has(podDir) && !r.has(listPath('', 'pods', ETCD_NS))) r.gap(`${NS_DIR}/${ETCD_NS}/`, 'the etcd pods are unknown (ns/openshift-etcd was not gathered)', true);
  }
  etcdPods = etcdPods.filter(isEtcdMemberPod);

  // control-plane nodes: a text check before parsing (a large cluster has many worker nodes)
  const nodeDir = `${CLUSTER_DIR}/core/nodes`;
  const nodeFiles = r.list(nodeDir).filter((n) => n.endsWith('.yaml'));
  const nodes: any[] = [];
  for (const f of nodeFiles) {
    const t = r.text(`${nodeDir}/${f}`);
    if (!t || !/node-role\.kubernetes\.io\/(master|arbiter)/.test(t)) continue;
    const n = r.yaml(`${nodeDir}/${f}`, `node ${f.slice(0, -5)}`, true, true);
    if (n && isControlPlaneNode(n)) nodes.push(n);
  }
  if (!nodeFiles.length) {
    const l = r.yaml(listPath('', 'nodes'), 'nodes', true);
    if (l) nodes.push(...((l.items ?? []) as any[]).filter(isControlPlaneNode));
    else r.gap(`${nodeDir}/`, 'the control-plane nodes are unknown (nodes were not gathered)', true);
  }

  const etcdCR = r.object('operator.openshift.io', 'etcds', 'cluster', undefined, 'the Etcd operator resource', true, true);
  const clusterVersion = r.object(C, 'clusterversions', 'version', undefined, 'ClusterVersion', false, true);
  const infrastructure = r.object(C, 'infrastructures', 'cluster', undefined, 'Infrastructure', true, true);
  const network = r.object(C, 'networks', 'cluster', undefined, 'Network', false);
  const etcdCO = r.object(C, 'clusteroperators', 'etcd', undefined, 'clusteroperator/etcd', false, true);
  const kasCO = r.object(C, 'clusteroperators', 'kube-apiserver', undefined, 'clusteroperator/kube-apiserver', false, true);
  const machineApiCO = r.has(objectPath(C, 'clusteroperators', 'machine-api')) || r.has(listPath(C, 'clusteroperators'));
  if (!etcdCR) r.gap(objectPath('operator.openshift.io', 'etcds', 'cluster'), 'the etcd operator conditions and revisions are unknown', true);
  if (!infrastructure) r.gap(objectPath(C, 'infrastructures', 'cluster'), 'the platform and the control-plane topology are unknown', true);

  // control-plane machines, the control plane machine set, bare-metal hosts
  const roles = new Set(['master', 'arbiter']);
  const machineObjs = r.objects('machine.openshift.io', 'machines', MACHINE_NS, 'machines', true, false);
  let machines: any[] | null = machineObjs ? machineObjs.filter((m) => roles.has(m?.metadata?.labels?.['machine.openshift.io/cluster-api-machine-role'])) : null;
  if (machines === null && !machineApiCO) r.gap(`${resourceBase('machine.openshift.io', MACHINE_NS)}/machines/`, 'the machines are unknown (the machine-api ClusterOperator and its objects were not gathered)', true);
  if (machines === null) machines = []; // gathered, none there (UPI, platform none): as the live read lists none
  const cpms = (r.objects('machine.openshift.io', 'controlplanemachinesets', MACHINE_NS, 'control plane machine set', false) ?? []).find((o) => o?.metadata?.name === 'cluster') ?? null;
  const hosts = r.objects('metal3.io', 'baremetalhosts', MACHINE_NS, 'BareMetalHosts', false) ?? null;

  // openshift-etcd Secret names (data elided by inspect; only the names are used)
  const secrets = r.yaml(listPath('', 'secrets', ETCD_NS), 'openshift-etcd secrets', false);
  if (!secrets) r.gap(listPath('', 'secrets', ETCD_NS), 'the etcd certificate secrets are unknown', false);
  const etcdSecretNames = ((secrets?.items ?? []) as any[]).map((s) => s?.metadata?.name).filter((n): n is string => typeof n === 'string');

  // kube-system/cluster-config-v1 (the replica count before 4.11)
  const cms = r.objects('', 'configmaps', 'kube-system', 'kube-system configmaps', false, false, (n) => n === 'cluster-config-v1');
  const installConfig = ((cms ?? []) as any[]).find((o) => o?.metadata?.name === 'cluster-config-v1')?.data?.['install-config'] ?? null;

  // a hosted control plane (topology External) has no etcd or machines in the cluster: nothing of them to miss
  const hosted = infrastructure?.status?.controlPlaneTopology === 'External';
  const members = readEtcdInfo(r, etcdPods.map((p) => p?.metadata?.name));
  if (hosted) r.gaps = r.gaps.filter((g) => g.file.includes('infrastructures'));

  const inputs: StateInputs = {
    etcdPods,
    nodes,
    machines,
    cpms,
    etcdSecretNames,
    etcdCR,
    clusterVersion,
    infrastructure,
    etcdCO,
    network,
    installConfig,
    hosts,
    members,
  };
  const when = timestamps(src, base);
  const leaseObj = r.object('coordination.k8s.io', 'leases', LEASE_NAME, LEASE_NS, 'lease', false);
  const collected = when.last ? Date.parse(when.last) : Date.now();
  const kind = r.text('etcd-replace-bundle.txt') !== null ? 'bundle' : 'must-gather';
  return {
    inputs,
    state: buildClusterState(inputs),
    source: {
      path,
      kind,
      format: src.kind,
      imageFolder: base,
      collectedAt: when.first,
      collectedUntil: when.last,
      gaps: r.gaps,
    },
    lease: leaseObj ? leaseInfo(leaseObj, collected) : null,
    server: infrastructure?.status?.apiServerURL ?? null,
    clusterID: clusterVersion?.spec?.clusterID ?? null,
    progress: { etcd: conditionOf(etcdCO, 'Progressing'), kubeApiserver: conditionOf(kasCO, 'Progressing') },
  };
}

/** `must-gather /path (collected 2026-12-02T11:03:22Z)`: the header's source line. */
export function describeSource(s: OfflineSource): string {
  const when = s.collectedAt ? `collected ${s.collectedAt}${s.collectedUntil && s.collectedUntil !== s.collectedAt ? ` – ${s.collectedUntil}` : ''}` : 'collection time unknown (no timestamp file)';
  return `${s.kind} ${s.path}${s.imageFolder ? ` (${s.imageFolder})` : ''}, ${when}`;
}
