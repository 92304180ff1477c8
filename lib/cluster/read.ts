// readClusterState(kube): every read `status` and `auto` need, the independent ones in parallel (one round trip of
// wall time), then the etcd member list, endpoint health and endpoint status from one usable etcd pod.
//
// Instance state: per platform, from the values each machine-api provider writes (lib/cluster/platforms.ts).
import type {
  ClusterState,
  Condition,
  EtcdAlarm,
  ContainerInfo,
  EtcdMember,
  EtcdOperatorInfo,
  EtcdPod,
  MachineInfo,
  NodeInfo,
  NodeSecrets,
} from '../types.ts';
import { Kube, isNoResourceType, isNotFound, notOpenShift, firstErrorLine } from './kubectl.ts';
import { PluginError } from '../errors.ts';
import { parseMemberList, parseEndpointStatus } from '../etcd/members.ts';
import { parseEndpointHealth, applyHealth } from '../etcd/health.ts';
import { parseAlarmList, parseHumanBytes } from '../etcd/alarms.ts';
import { etcdctl, ETCD_NS } from '../etcd/exec.ts';
import { readSourceHint, writeSourceHint } from './source-hint.ts';
import { parse as parseYaml } from 'yaml';
import { toHostInfo } from './baremetal.ts';
import { ARBITER_MACHINE_ROLE, ARBITER_NODE_SELECTOR, MASTER_MACHINE_ROLE, topologyOf } from './topology.ts';
import { instanceRunning, machineInstanceState } from './platforms.ts';

export { instanceRunning };

export const MACHINE_NS = 'openshift-machine-api';
export const MASTER_NODE_SELECTOR = 'node-role.kubernetes.io/master';
export const MASTER_MACHINE_SELECTOR = 'machine.openshift.io/cluster-api-machine-role=master';
/** control-plane machines: masters and arbiters (cluster-etcd-operator main starter.go: `role in (master,arbiter)`) */
export const CONTROL_PLANE_MACHINE_SELECTOR = `machine.openshift.io/cluster-api-machine-role in (${MASTER_MACHINE_ROLE},${ARBITER_MACHINE_ROLE})`;
const MACHINE_ROLE_LABEL = 'machine.openshift.io/cluster-api-machine-role';
export const ETCD_POD_SELECTOR = 'k8s-app=etcd';
export const INSTANCE_STATE_ANNOTATION = 'machine.openshift.io/instance-state';
const EXEC_TIMEOUT_MS = 30_000;

export const secretNamesFor = (node: string) => [`etcd-peer-${node}`, `etcd-serving-${node}`, `etcd-serving-metrics-${node}`];

/** Go strconv.ParseBool semantics (how the operator reads the quorum-guard override). */
export function parsesAsTrue(v: unknown): boolean {
  if (v === true) return true;
  if (typeof v === 'string') return ['1', 't', 'T', 'TRUE', 'true', 'True'].includes(v);
  return false;
}

// ---------- object → ClusterState pieces (pure, exported for tests) ----------

function containerInfo(name: string, cs: any | undefined): ContainerInfo {
  if (!cs) return { name, ready: false, state: 'unknown', restarts: 0 };
  const st = cs.state ?? {};
  const state: ContainerInfo['state'] = st.running ? 'running' : st.waiting ? 'waiting' : st.terminated ? 'terminated' : 'unknown';
  const reason = st.waiting?.reason ?? st.terminated?.reason;
  // lastState.terminated: how the previous run of the container ended (kubectl describe "Last State: Terminated")
  const last = cs.lastState?.terminated;
  const lastExit = last && Number.isFinite(Number(last.exitCode)) ? { lastExitCode: Number(last.exitCode), ...(last.reason ? { lastReason: String(last.reason) } : {}) } : {};
  return { name, ready: cs.ready === true, state, ...(reason ? { reason } : {}), restarts: Number(cs.restartCount ?? 0), ...lastExit };
}

/** The STATUS column of `kubectl get pods` (kubectl printPod logic, simplified to what matters here). */
export function podStatusString(pod: any): string {
  const status = pod?.status ?? {};
  let reason: string = status.reason || status.phase || 'Unknown';
  const inits: any[] = status.initContainerStatuses ?? [];
  const initSpecs: any[] = pod?.spec?.initContainers ?? [];
  let initializing = false;
  for (let i = 0; i < inits.length; i++) {
    const c = inits[i];
    const t = c.state?.terminated;
    if (t && t.exitCode === 0) continue;
    if (t) {
      reason = t.reason ? `Init:${t.reason}` : t.signal ? `Init:Signal:${t.signal}` : `Init:ExitCode:${t.exitCode}`;
    } else if (c.state?.waiting?.reason && c.state.waiting.reason !== 'PodInitializing') {
      reason = `Init:${c.state.waiting.reason}`;
    } else {
      reason = `Init:${i}/${initSpecs.length || inits.length}`;
    }
    initializing = true;
    break;
  }
  if (!initializing) {
    let hasRunning = false;
    const cs: any[] = status.containerStatuses ?? [];
    for (let i = cs.length - 1; i >= 0; i--) {
      const c = cs[i];
      const w = c.state?.waiting;
      const t = c.state?.terminated;
      if (w?.reason) reason = w.reason;
      else if (t?.reason) reason = t.reason;
      else if (t) reason = t.signal ? `Signal:${t.signal}` : `ExitCode:${t.exitCode}`;
      else if (c.ready && c.state?.running) hasRunning = true;
    }
    if (reason === 'Completed' && hasRunning) {
      const ready = (status.conditions ?? []).some((c: any) => c.type === 'Ready' && c.status === 'True');
      reason = ready ? 'Running' : 'NotReady';
    }
  }
  if (pod?.metadata?.deletionTimestamp) reason = status.reason === 'NodeLost' ? 'Unknown' : 'Terminating';
  return reason;
}

export function toEtcdPod(pod: any): EtcdPod {
  const specContainers: any[] = pod?.spec?.containers ?? [];
  const statuses: any[] = pod?.status?.containerStatuses ?? [];
  const byName = new Map(statuses.map((s) => [s.name, s]));
  const names = specContainers.length ? specContainers.map((c) => c.name) : statuses.map((s) => s.name);
  const containers = names.map((n) => containerInfo(n, byName.get(n)));
  return {
    name: pod?.metadata?.name ?? '',
    node: pod?.spec?.nodeName ?? '',
    phase: pod?.status?.phase ?? 'Unknown',
    status: podStatusString(pod),
    readyCount: containers.filter((c) => c.ready).length,
    containerCount: containers.length,
    restarts: containers.reduce((a, c) => a + c.restarts, 0),
    ...(pod?.metadata?.labels?.revision !== undefined ? { revision: String(pod.metadata.labels.revision) } : {}),
    ...(containers.find((c) => c.name === 'etcd') ? { etcd: containers.find((c) => c.name === 'etcd') } : {}),
    containers,
  };
}

/** Static etcd pods only: label k8s-app=etcd AND named etcd-<node> (guard, quorum-guard, installer, pruner pods excluded). */
export function isEtcdMemberPod(pod: any): boolean {
  const name: string = pod?.metadata?.name ?? '';
  const labels = pod?.metadata?.labels ?? {};
  if (labels['k8s-app'] !== 'etcd') return false;
  if (!name.startsWith('etcd-') || name.startsWith('etcd-guard-') || name.startsWith('etcd-quorum-guard')) return false;
  return true;
}

export type IPFamily = 'IPv4' | 'IPv6';

/**
 * The family of the service network (networks.config.openshift.io/cluster status.serviceNetwork[0], else spec), as
 * the etcd operator decides it (OPERATOR@main pkg/dnshelpers/util.go GetPreferredIPFamily); null when unknown.
 */
export function serviceNetworkFamily(network: any): IPFamily | null {
  const cidr: unknown = network?.status?.serviceNetwork?.[0] ?? network?.spec?.serviceNetwork?.[0];
  if (typeof cidr !== 'string' || !cidr) return null;
  return cidr.includes(':') ? 'IPv6' : 'IPv4';
}

/** The first InternalIP of `family` (GetPreferredInternalIPAddressForNodeName); without a family, the first one. */
export function preferredIP(ips: string[], family: IPFamily | null): string | null {
  if (!family) return ips[0] ?? null;
  return ips.find((ip) => ip.includes(':') === (family === 'IPv6')) ?? null;
}

export function toNodeInfo(node: any, family: IPFamily | null = null): NodeInfo {
  const labels = node?.metadata?.labels ?? {};
  const arbiter = labels[ARBITER_NODE_SELECTOR] !== undefined && labels[MASTER_NODE_SELECTOR] === undefined;
  const addrs: any[] = node?.status?.addresses ?? [];
  const internalIPs: string[] = addrs.filter((a) => a.type === 'InternalIP' && typeof a.address === 'string').map((a) => a.address);
  const ready = (node?.status?.conditions ?? []).find((c: any) => c.type === 'Ready');
  const taints: any[] = node?.spec?.taints ?? [];
  return {
    name: node?.metadata?.name ?? '',
    internalIP: preferredIP(internalIPs, family),
    internalIPs,
    ready: ready?.status === 'True' ? true : ready?.status === 'False' ? false : null,
    unreachable: taints.some((t) => t.key === 'node.kubernetes.io/unreachable'),
    uid: node?.metadata?.uid ?? '',
    ...(arbiter ? { role: 'arbiter' as const } : {}),
    ...(node?.metadata?.creationTimestamp ? { created: String(node.metadata.creationTimestamp) } : {}),
  };
}

/** `platform`: infrastructure status.platformStatus.type; each platform's own instance states (platforms.ts). */
export function toMachineInfo(m: any, platform?: string | null): MachineInfo {
  const { state: instanceState, running } = machineInstanceState(m, platform);
  const phase: string | null = m?.status?.phase ?? null;
  const hooks: any[] = m?.spec?.lifecycleHooks?.preDrain ?? [];
  return {
    name: m?.metadata?.name ?? '',
    phase,
    instanceState,
    instanceRunning: running,
    nodeName: m?.status?.nodeRef?.name ?? null,
    internalIPs: ((m?.status?.addresses ?? []) as any[]).filter((a) => a.type === 'InternalIP').map((a) => a.address),
    deleting: !!m?.metadata?.deletionTimestamp || phase === 'Deleting',
    hasEtcdHook: hooks.some((h) => h?.name === 'EtcdQuorumOperator'),
    providerSpecKind: m?.spec?.providerSpec?.value?.kind ?? null,
  };
}

export function toEtcdOperatorInfo(cr: any): EtcdOperatorInfo {
  const spec = cr?.spec ?? {};
  const status = cr?.status ?? {};
  const overrides = spec.unsupportedConfigOverrides;
  const replicas = Number(spec.observedConfig?.controlPlane?.replicas);
  return {
    conditions: ((status.conditions ?? []) as any[]).map(
      (c): Condition => ({
        type: c.type,
        status: c.status,
        ...(c.reason ? { reason: c.reason } : {}),
        ...(c.message ? { message: c.message } : {}),
        ...(c.lastTransitionTime ? { lastTransitionTime: c.lastTransitionTime } : {}),
      }),
    ),
    unsupportedConfigOverrides: overrides === undefined ? undefined : overrides,
    quorumGuardOff: parsesAsTrue(overrides?.useUnsupportedUnsafeNonHANonProductionUnstableEtcd),
    forceRedeploymentReason: spec.forceRedeploymentReason || null,
    latestAvailableRevision: typeof status.latestAvailableRevision === 'number' ? status.latestAvailableRevision : null,
    nodeStatuses: ((status.nodeStatuses ?? []) as any[]).map((n) => ({
      nodeName: n.nodeName,
      ...(typeof n.currentRevision === 'number' ? { currentRevision: n.currentRevision } : {}),
      ...(typeof n.targetRevision === 'number' ? { targetRevision: n.targetRevision } : {}),
    })),
    controlPlaneReplicas: Number.isFinite(replicas) && replicas > 0 ? replicas : 3,
  };
}

/** spec.observedConfig.controlPlane.replicas of the Etcd CR (4.11+ only), null when absent. */
export function observedReplicas(cr: any): number | null {
  const n = Number(cr?.spec?.observedConfig?.controlPlane?.replicas);
  return Number.isInteger(n) && n > 0 ? n : null;
}

/** controlPlane.replicas of the install-config text (kube-system/cluster-config-v1, key install-config), null when unreadable. */
export function installConfigReplicas(text: string | undefined | null): number | null {
  if (!text) return null;
  try {
    const ic = parseYaml(text);
    const n = Number(ic?.controlPlane?.replicas);
    // an arbiter cluster counts its arbiters too (OPERATOR@main controlplanereplicascount: controlPlane + arbiter replicas)
    const arbiters = Number(ic?.arbiter?.replicas);
    return Number.isInteger(n) && n > 0 ? n + (Number.isInteger(arbiters) && arbiters > 0 ? arbiters : 0) : null;
  } catch {
    return null;
  }
}

/**
 * The desired member count. The operator's own value (observedConfig, 4.11+) first; before 4.11 the operator has
 * none (openshift.md §0.1), so the install-config (`installConfig`: kube-system/cluster-config-v1 data.install-config,
 * null when unread), then the master Machines, then the master Nodes.
 */
export function replicasOf(cr: any, installConfig: string | null | undefined, machines: MachineInfo[] | null, nodes: NodeInfo[]): number {
  const observed = observedReplicas(cr);
  if (observed) return observed;
  const fromInstallConfig = installConfig ? installConfigReplicas(installConfig) : null;
  if (fromInstallConfig) return fromInstallConfig;
  const live = (machines ?? []).filter((m) => !m.deleting).length;
  if (live) return live;
  return nodes.length || 3;
}

/** Nodes named by an etcd-peer-<node> secret that are not among `nodes`: a deleted master's leftover secrets. */
export function strandedSecrets(secretNames: Set<string>, nodes: Set<string>): string[] {
  return [...secretNames]
    .filter((s) => s.startsWith('etcd-peer-'))
    .map((s) => s.slice('etcd-peer-'.length))
    // a node's set (openshift.md §2.2), not some other secret whose name starts the same way
    .filter((n) => n && !nodes.has(n) && (secretNames.has(`etcd-serving-${n}`) || secretNames.has(`etcd-serving-metrics-${n}`)))
    .sort();
}

export function secretsFor(nodes: string[], secretNames: Set<string>): NodeSecrets[] {
  return nodes.map((node) => {
    const want = secretNamesFor(node);
    return { node, present: want.filter((s) => secretNames.has(s)), missing: want.filter((s) => !secretNames.has(s)) };
  });
}

/**
 * The release whose etcd operator runs the cluster: `clusteroperator/etcd` status.versions[name=operator]. That code
 * decides whether the quorum guard blocks and which documented steps apply; during an upgrade it can be newer than
 * the last Completed ClusterVersion entry (openshift.md §0.1). Without it, the last Completed ClusterVersion entry.
 */
export function releaseOf(cv: any, etcdCO?: any): string | null {
  const op = ((etcdCO?.status?.versions ?? []) as any[]).find((v) => v?.name === 'operator')?.version;
  if (typeof op === 'string' && /^\d+\.\d+/.test(op)) return op;
  const hist: any[] = cv?.status?.history ?? [];
  return hist.find((h) => h.state === 'Completed')?.version ?? cv?.status?.desired?.version ?? hist[0]?.version ?? null;
}

/**
 * Orders etcd pods for reading the member list: node Ready, etcdctl container running, not on a suspected node,
 * pod Running first. Pods whose etcdctl container is not running come last (exec would fail).
 */
export function podCandidates(pods: EtcdPod[], nodes: NodeInfo[], machines: MachineInfo[] | null): EtcdPod[] {
  const nodeBy = new Map(nodes.map((n) => [n.name, n]));
  const stopped = new Set((machines ?? []).filter((m) => m.instanceRunning === false && m.nodeName).map((m) => m.nodeName!));
  const score = (p: EtcdPod) => {
    const n = nodeBy.get(p.node);
    const etcdctlC = p.containers.find((c) => c.name === 'etcdctl');
    let s = 0;
    if (etcdctlC?.state !== 'running') s += 100;
    if (!n || n.ready !== true || n.unreachable) s += 50;
    if (stopped.has(p.node)) s += 50;
    if (p.status !== 'Running') s += 10;
    if (p.etcd && (p.etcd.state !== 'running' || !p.etcd.ready)) s += 10;
    return s;
  };
  return [...pods].sort((a, b) => score(a) - score(b) || a.name.localeCompare(b.name));
}

export interface MemberRead {
  members: EtcdMember[];
  memberSource: string | null;
  memberListError?: string;
  alarms?: EtcdAlarm[];
}

type PodRead = MemberRead | { error: string };

/** member list + endpoint health + endpoint status + alarm list from one pod (the four execs in parallel). */
async function readMembersFrom(kube: Kube, pod: string): Promise<PodRead> {
  const [list, health, status, alarm] = await Promise.all([
    etcdctl(kube, pod, ['member', 'list', '-w', 'json'], { allowFailure: true, timeoutMs: EXEC_TIMEOUT_MS }),
    etcdctl(kube, pod, ['endpoint', 'health', '--cluster', '-w', 'json'], { allowFailure: true, timeoutMs: EXEC_TIMEOUT_MS }),
    etcdctl(kube, pod, ['endpoint', 'status', '--cluster', '-w', 'simple'], { allowFailure: true, timeoutMs: EXEC_TIMEOUT_MS }),
    etcdctl(kube, pod, ['alarm', 'list'], { allowFailure: true, timeoutMs: EXEC_TIMEOUT_MS }),
  ]);
  // JSON so that output cut short by a broken exec stream (kubectl still exits 0) fails to parse instead of
  // showing fewer members / no health (parseMemberListJson)
  let members: EtcdMember[] = [];
  try {
    members = list.exitCode === 0 ? parseMemberList(list.stdout) : [];
  } catch (e) {
    return { error: `${pod}: ${(e as Error).message}` };
  }
  if (list.exitCode !== 0 || members.length === 0) {
    return { error: `${pod}: ${firstErrorLine(list.stderr) || firstErrorLine(list.stdout) || `exit code ${list.exitCode}`}` };
  }
  const statuses = parseEndpointStatus(status.stdout);
  const leaders = new Set(statuses.filter((s) => s.isLeader).map((s) => s.id));
  const dbSize = new Map(statuses.map((s) => [s.id, parseHumanBytes(s.dbSize)] as const));
  const withHealth = applyHealth(members, parseEndpointHealth(health.stdout, health.stderr)).map((m) => {
    const db = dbSize.get(m.id);
    return { ...m, leader: leaders.has(m.id), ...(typeof db === 'number' ? { dbSizeBytes: db } : {}) };
  });
  return { members: withHealth, memberSource: pod, ...(alarm.exitCode === 0 ? { alarms: parseAlarmList(alarm.stdout) } : {}) };
}

/**
 * The members as read from the first candidate pod that answers. `early` is a read already started
 * from `early.pod` (see source-hint.ts); it is used only when that pod is the first candidate anyway.
 */
export async function readMembers(kube: Kube, candidates: EtcdPod[], early?: { pod: string; read: Promise<PodRead> }): Promise<MemberRead> {
  let lastError = candidates.length ? '' : 'no etcd pod found';
  for (const [i, pod] of candidates.entries()) {
    const r = i === 0 && early?.pod === pod.name ? await early.read : await readMembersFrom(kube, pod.name);
    if ('members' in r) return r;
    lastError = r.error;
  }
  return { members: [], memberSource: null, memberListError: lastError || 'the member list could not be read' };
}

async function optionalJson(kube: Kube, args: string[]): Promise<{ obj: any | null; missingType: boolean; notFound: boolean }> {
  const r = await kube.run([...args, '-o', 'json'], { allowFailure: true, retries: 2 });
  if (r.exitCode === 0) {
    try {
      return { obj: JSON.parse(r.stdout), missingType: false, notFound: false };
    } catch {
      throw new PluginError(`${kube.display([...args, '-o', 'json'])} printed output that is not JSON`);
    }
  }
  if (isNoResourceType(r.stderr)) return { obj: null, missingType: true, notFound: true };
  if (isNotFound(r.stderr)) return { obj: null, missingType: false, notFound: true };
  throw new PluginError(`${kube.display([...args, '-o', 'json'])} failed: ${firstErrorLine(r.stderr) || `exit code ${r.exitCode}`}`);
}

/** items of a `kubectl get A B C -o json` answer (a List, or a single object). */
function itemsOf(obj: any): any[] {
  if (!obj) return [];
  return obj.kind === 'List' || Array.isArray(obj.items) ? obj.items ?? [] : [obj];
}

type Optional = Awaited<ReturnType<typeof optionalJson>>;
const found = (obj: any): Optional => ({ obj, missingType: false, notFound: !obj });

/** Etcd CR, ClusterVersion, Infrastructure and the etcd ClusterOperator in one call; separate calls (to tell which is missing) if it fails. */
async function readClusterObjects(kube: Kube): Promise<[Optional, Optional, Optional, Optional, Optional]> {
  const refs = [
    'etcds.v1.operator.openshift.io/cluster',
    'clusterversions.v1.config.openshift.io/version',
    'infrastructures.v1.config.openshift.io/cluster',
    'clusteroperators.v1.config.openshift.io/etcd',
    'networks.v1.config.openshift.io/cluster',
  ];
  const r = await kube.run(['get', ...refs, '-o', 'json'], { allowFailure: true, retries: 2 });
  if (r.exitCode === 0) {
    const items = itemsOf(JSON.parse(r.stdout));
    const byKind = (kind: string) => items.find((o) => o?.kind === kind) ?? null;
    return [found(byKind('Etcd')), found(byKind('ClusterVersion')), found(byKind('Infrastructure')), found(byKind('ClusterOperator')), found(byKind('Network'))];
  }
  return Promise.all(refs.map((ref) => optionalJson(kube, ['get', ...ref.split('/')]))) as Promise<[Optional, Optional, Optional, Optional, Optional]>;
}

/** Master machines and the ControlPlaneMachineSet in one call; separate calls if it fails (e.g. no CPMS type before 4.12). */
async function readMachineObjects(kube: Kube): Promise<[Optional, Optional]> {
  const r = await kube.run(['-n', MACHINE_NS, 'get', 'machines.v1beta1.machine.openshift.io,controlplanemachinesets.v1.machine.openshift.io', '-o', 'json'], {
    allowFailure: true,
    retries: 2,
  });
  if (r.exitCode === 0) {
    const items = itemsOf(JSON.parse(r.stdout));
    const roles = new Set([MASTER_MACHINE_ROLE, ARBITER_MACHINE_ROLE]);
    const machines = items.filter((o) => o?.kind === 'Machine' && roles.has(o.metadata?.labels?.[MACHINE_ROLE_LABEL]));
    const cpms = items.find((o) => o?.kind === 'ControlPlaneMachineSet' && o.metadata?.name === 'cluster') ?? null;
    return [found({ items: machines }), found(cpms)];
  }
  return Promise.all([
    optionalJson(kube, ['-n', MACHINE_NS, 'get', 'machines.v1beta1.machine.openshift.io', '-l', CONTROL_PLANE_MACHINE_SELECTOR]),
    optionalJson(kube, ['-n', MACHINE_NS, 'get', 'controlplanemachinesets.v1.machine.openshift.io', 'cluster']),
  ]);
}

/**
 * Everything the ClusterState is made of, as read: the objects as the API server serves them and the etcd reads.
 * The live reader (readClusterState) and the offline one (lib/offline: a must-gather or a bundle) both fill it, so
 * `status` and `status --from` build the same state from the same objects (buildClusterState).
 */
export interface StateInputs {
  /** pods of openshift-etcd (any: the static etcd pods are picked here) */
  etcdPods: any[];
  /** control-plane nodes (masters, and the arbiters of an arbiter cluster) */
  nodes: any[];
  /** control-plane machines; null: the Machine API type is not there */
  machines: any[] | null;
  cpms: any | null;
  /** names of the Secrets in openshift-etcd */
  etcdSecretNames: Iterable<string>;
  etcdCR: any | null;
  clusterVersion: any | null;
  infrastructure: any | null;
  etcdCO: any | null;
  network: any | null;
  /** kube-system/cluster-config-v1 data.install-config; null/undefined: not read (only needed before 4.11) */
  installConfig?: string | null;
  /** BareMetalHosts (read on platform BareMetal only); null/undefined: none read */
  hosts?: any[] | null;
  members: MemberRead;
}

export const platformOf = (infra: any): string | null => infra?.status?.platformStatus?.type ?? infra?.status?.platform ?? null;

/** The ClusterState of `i`. Pure. The Etcd CR must be there unless the topology is External (hosted). */
export function buildClusterState(i: StateInputs): ClusterState {
  const pods = i.etcdPods.filter(isEtcdMemberPod).map(toEtcdPod).sort((a, b) => a.name.localeCompare(b.name));
  // dual-stack: the node address the etcd operator uses is the service network's family, not the first listed
  const family = serviceNetworkFamily(i.network);
  const byName = new Map<string, any>();
  for (const n of i.nodes) byName.set(n?.metadata?.name ?? '', n);
  const nodes = [...byName.values()]
    .map((n) => toNodeInfo(n))
    .sort((a, b) => a.name.localeCompare(b.name))
    .map((n) => ({ ...n, internalIP: preferredIP(n.internalIPs ?? [], family) ?? n.internalIP }));
  const topology = topologyOf(i.infrastructure);
  const platform = platformOf(i.infrastructure);
  const release = releaseOf(i.clusterVersion, i.etcdCO);
  if (!i.etcdCR && topology === 'External') {
    // A hosted control plane: etcd runs in the management cluster, this cluster has no etcd objects
    // (openshift/api TopologyMode External: "operators should not ... assume that any of the control plane components
    // such as kubernetes API server or etcd are visible within the cluster").
    return {
      release,
      platform,
      topology,
      members: [],
      memberSource: null,
      memberListError: 'etcd runs in the management cluster (hosted control plane): no etcd member is visible from this cluster',
      pods,
      nodes,
      machines: null,
      controlPlaneMachineSet: null,
      secrets: [],
      etcd: toEtcdOperatorInfo(null),
    };
  }
  const machineItems: any[] | null = i.machines;
  const machines = machineItems && machineItems.length > 0 ? machineItems.map((m) => toMachineInfo(m, platform)).sort((a, b) => a.name.localeCompare(b.name)) : null;
  const cpmsState = i.cpms?.spec?.state;
  const controlPlaneMachineSet = i.cpms ? { state: cpmsState === 'Active' ? ('Active' as const) : ('Inactive' as const) } : null;
  const secretNames = new Set(i.etcdSecretNames);
  const nodeNames = [...new Set([...nodes.map((n) => n.name), ...pods.map((p) => p.node).filter(Boolean)])].sort();
  const secrets = secretsFor(nodeNames, secretNames);
  const strandedSecretNodes = strandedSecrets(secretNames, new Set(nodeNames));
  const etcd = toEtcdOperatorInfo(i.etcdCR);
  etcd.controlPlaneReplicas = replicasOf(i.etcdCR, i.installConfig, machines, nodes);
  const hosts = platform === 'BareMetal' && machines && i.hosts ? i.hosts.map(toHostInfo).sort((a, b) => a.name.localeCompare(b.name)) : undefined;
  const read = i.members;
  return {
    release,
    platform,
    topology,
    members: read.members,
    memberSource: read.memberSource,
    ...(read.memberListError ? { memberListError: read.memberListError } : {}),
    ...(read.alarms ? { alarms: read.alarms } : {}),
    pods,
    nodes,
    machines,
    controlPlaneMachineSet,
    ...(hosts ? { hosts } : {}),
    secrets,
    ...(strandedSecretNodes.length ? { strandedSecretNodes } : {}),
    etcd,
  };
}

/** The control-plane nodes among `items` (masters and arbiters), as the two label-selected reads return them. */
export function isControlPlaneNode(n: any): boolean {
  const labels = n?.metadata?.labels ?? {};
  return labels[MASTER_NODE_SELECTOR] !== undefined || labels[ARBITER_NODE_SELECTOR] !== undefined;
}

export async function readClusterState(kube: Kube): Promise<ClusterState> {
  const R = { retries: 2 };
  // The etcd reads (the slowest: endpoint health waits for unreachable members) start as soon as the pods and
  // nodes are known, while the other objects are still being read; or at once, from the pod they were read
  // from last time, when that pod turns out to be the one to use again.
  const hint = readSourceHint(kube);
  const early = hint ? { pod: hint, read: readMembersFrom(kube, hint).catch((e): PodRead => ({ error: String(e?.message ?? e) })) } : undefined;
  const podsP = kube.json(['-n', ETCD_NS, 'get', 'pods', '-l', ETCD_POD_SELECTOR], R);
  // control-plane nodes: masters, and the arbiters of a HighlyAvailableArbiter cluster (a label selector cannot OR
  // two keys, so two reads, as the etcd operator's multi-selector lister does: OPERATOR@main ceohelpers/multiselector_lister.go)
  const nodesP = Promise.all([kube.json(['get', 'nodes', '-l', MASTER_NODE_SELECTOR], R), kube.json(['get', 'nodes', '-l', ARBITER_NODE_SELECTOR], R)]);
  const podsAndNodes = Promise.all([podsP, nodesP]).then(([podsList, [mastersList, arbitersList]]) => {
    const podItems = (podsList?.items ?? []) as any[];
    const nodeItems = [...((mastersList?.items ?? []) as any[]), ...((arbitersList?.items ?? []) as any[])];
    const pods = podItems.filter(isEtcdMemberPod).map(toEtcdPod).sort((a, b) => a.name.localeCompare(b.name));
    const nodes = nodeItems.map((n) => toNodeInfo(n));
    return { podItems, nodeItems, pods, nodes };
  });
  const membersP = podsAndNodes.then(({ pods, nodes }) => readMembers(kube, podCandidates(pods, nodes, null), early));
  const [{ podItems, nodeItems }, read, [machinesRes, cpmsRes], secretsOut, [etcdRes, cvRes, infraRes, etcdCORes, networkRes]] = await Promise.all([
    podsAndNodes,
    membersP,
    readMachineObjects(kube),
    kube.run(['-n', ETCD_NS, 'get', 'secrets', '-o', 'name'], R),
    readClusterObjects(kube),
  ]);
  if (read.memberSource) writeSourceHint(kube, read.memberSource);

  const topology = topologyOf(infraRes.obj);
  if (!etcdRes.obj && topology !== 'External') {
    // Not OpenShift (no Etcd CR type or no openshift-etcd namespace), or a broken install.
    if (etcdRes.missingType || !(await kube.exists(['get', 'namespace', ETCD_NS]))) throw notOpenShift();
    throw new PluginError('the Etcd operator resource "cluster" (etcds.operator.openshift.io) was not found', {
      hint: 'check that the cluster-etcd-operator is installed (oc get co etcd)',
    });
  }
  const platform = platformOf(infraRes.obj);
  const machineItems: any[] | null = machinesRes.obj ? machinesRes.obj.items ?? [] : null;
  // before 4.11 the Etcd CR has no replica count: the install-config (one more call, only then)
  const installConfig =
    etcdRes.obj && !observedReplicas(etcdRes.obj)
      ? await kube
          .run(['-n', 'kube-system', 'get', 'configmap', 'cluster-config-v1', '-o', 'jsonpath={.data.install-config}'], { allowFailure: true, retries: 2 })
          .then((r) => (r.exitCode === 0 ? r.stdout : null))
      : null;
  // bare metal: the Metal3 hosts (one more call, only there)
  const hostsRes = etcdRes.obj && platform === 'BareMetal' && machineItems?.length ? await optionalJson(kube, ['-n', MACHINE_NS, 'get', 'baremetalhosts.v1alpha1.metal3.io']) : null;
  const etcdSecretNames = secretsOut.stdout
    .split('\n')
    .map((l) => l.trim().replace(/^secrets?\//, ''))
    .filter(Boolean);
  return buildClusterState({
    etcdPods: podItems,
    nodes: nodeItems,
    machines: machineItems,
    cpms: cpmsRes.obj,
    etcdSecretNames,
    etcdCR: etcdRes.obj,
    clusterVersion: cvRes.obj,
    infrastructure: infraRes.obj,
    etcdCO: etcdCORes.obj,
    network: networkRes.obj,
    installConfig,
    hosts: hostsRes?.obj ? itemsOf(hostsRes.obj) : null,
    members: read,
  });
}
