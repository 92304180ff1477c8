// Scenario files: parse and validate (one-line errors that name the bad field).
// Format: interface.md "The simulator". Optional keys beyond it:
//   unsupportedConfigOverrides: {...}   initial spec.unsupportedConfigOverrides of the Etcd CR (absent by default)
//   infrastructureName: clustername-8qw5l   infrastructure ID (default: derived from masters[0].machine)
//   patch: 8                             z-stream of ClusterVersion status.desired.version (4.14.8)
//   name / description                   free text, ignored
//   faults[].kind machine-finalizer-stuck   (baremetal) the machine is stopped AND, once deleted, its Machine keeps the
//                                        machine.machine.openshift.io finalizer (the documented "deletion is stuck" case)
//   chaos: {seed, apiErrorRate, ...}     seeded fault injection during the run (sim/world/chaos.ts)
import { parse as parseYaml } from 'yaml';
import { parseChaos, type ChaosSpec } from './chaos.ts';
import type { SimPlatform } from './context.ts';
import { CLOUD_PLATFORMS, cloudProvider } from '../machine-api/providers.ts';
import type { DenyRule, SimUser } from '../kube-apiserver/authorization.ts';

export const FAULT_KINDS = [
  'machine-stopped',
  'node-not-ready',
  'etcd-crashloop',
  'kubelet-down',
  'extra-unstarted-member',
  'learner',
  'machine-finalizer-stuck',
  'revision-crashloop',
  'machine-deleting',
  'etcd-alarm-nospace',
] as const;
export type FaultKind = (typeof FAULT_KINDS)[number];

export interface ScenarioMaster {
  node: string;
  ip: string;
  machine?: string;
  /** platform baremetal: the BareMetalHost name (default: the node name's first DNS label) */
  bmh?: string;
  /** IPv6 InternalIP (needed when network.ipFamilies has IPv6) */
  ipv6?: string;
  /** free bytes `df` reports where cluster-backup.sh writes (/home/core/assets/backup); absent: the real disk's */
  backupFreeBytes?: number;
}

/** An arbiter node (topology HighlyAvailableArbiter): runs an etcd member, nothing else of the control plane. */
export interface ScenarioArbiter {
  node: string;
  ip: string;
  machine?: string;
  bmh?: string;
}

/**
 * infrastructure status.controlPlaneTopology (openshift/api config/v1/types_infrastructure.go TopologyMode):
 * HighlyAvailable, SingleReplica, External on every release with the field (4.8+); HighlyAvailableArbiter and
 * DualReplica from release-4.19 behind feature gates (features/features.go: HighlyAvailableArbiter TechPreview 4.19,
 * Default 4.20; DualReplica DevPreview 4.19, TechPreview 4.20).
 */
export const TOPOLOGIES = ['HighlyAvailable', 'SingleReplica', 'HighlyAvailableArbiter', 'DualReplica', 'External'] as const;
export type ScenarioTopology = (typeof TOPOLOGIES)[number];

export interface ScenarioFault {
  node?: string;
  kind: FaultKind;
}

export interface Scenario {
  openshift: string; // "4.14"
  minor: number;
  platform: SimPlatform;
  controlPlaneMachineSet: 'absent' | 'inactive' | 'active';
  masters: ScenarioMaster[];
  /** controlPlaneTopology (default HighlyAvailable) */
  topology: ScenarioTopology;
  /** HighlyAvailableArbiter: the arbiter nodes */
  arbiters: ScenarioArbiter[];
  workers: number;
  faults: ScenarioFault[];
  timing: { provisionSeconds: number; rolloutSeconds: number; inspectSeconds: number; learnerPromoteSeconds: number; crashLoopBackOffSeconds?: number; cpmsReconcileSeconds: number };
  /** Optional initial spec.unsupportedConfigOverrides of the Etcd CR. */
  unsupportedConfigOverrides?: Record<string, unknown>;
  /** Optional cluster name / infrastructure ID; derived from the machine names when absent. */
  infrastructureName?: string;
  /** Optional patch version, e.g. 8 for 4.14.8. */
  patch?: number;
  /** An upgrade from this release ("4.7") to `openshift` is in progress (interface.md "Scenario file: additions"). */
  upgradingFrom?: string;
  /** Service network families (primary first) and the order of the node InternalIPs; absent: IPv4 only. */
  network?: { ipFamilies: ('IPv4' | 'IPv6')[]; nodeAddressOrder: ('IPv4' | 'IPv6')[] };
  /** `dedicated`: /var/lib/etcd is its own mount point on every master (etcddisk.ts); default `shared`. */
  etcdDisk: 'shared' | 'dedicated';
  /** Optional fault injection during the run (sim/world/chaos.ts). */
  chaos?: ChaosSpec;
  /** token users besides kubeadmin, each denied what its roles do not grant (kube-apiserver/authorization.ts) */
  users: SimUser[];
  /** `unreachable`: image pulls of anything not already on the node fail (kubelet/images.ts) */
  registry: 'reachable' | 'unreachable';
  /** platform baremetal (interface.md): static network data per host; whether inspection sees the node's InternalIP */
  baremetal: { networkData: boolean; inspectionSeesNodeIP: boolean };
}

export class ScenarioError extends Error {}

const IPV4 = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/;
const DNS1123_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;

function fail(msg: string): never {
  throw new ScenarioError(`invalid scenario: ${msg}`);
}

/** An IPv6 address without zone or brackets (the textual forms of RFC 4291 §2.2; an embedded IPv4 tail is not used here). */
function isIPv6(ip: string): boolean {
  if (!/^[0-9a-fA-F:]+$/.test(ip) || ip.length > 39) return false;
  const parts = ip.split('::');
  if (parts.length > 2) return false;
  const groups = parts.flatMap((p) => (p ? p.split(':') : []));
  if (groups.some((g) => g.length < 1 || g.length > 4)) return false;
  return parts.length === 2 ? groups.length < 8 : groups.length === 8;
}

function isIPv4(ip: string): boolean {
  const m = IPV4.exec(ip);
  return !!m && m.slice(1).every((p) => Number(p) <= 255);
}

/** Parse a scenario from YAML text or an already-parsed object. */
export function parseScenario(input: string | object): Scenario {
  let raw: any;
  if (typeof input === 'string') {
    try {
      raw = parseYaml(input);
    } catch (err) {
      fail(`not valid YAML: ${(err as Error).message.split('\n')[0]}`);
    }
  } else {
    raw = input;
  }
  if (!raw || typeof raw !== 'object' || Array.isArray(raw)) fail('the file must be a YAML mapping');

  const known = new Set([
    'openshift',
    'platform',
    'controlPlaneMachineSet',
    'masters',
    'workers',
    'faults',
    'timing',
    'unsupportedConfigOverrides',
    'infrastructureName',
    'patch',
    'upgradingFrom',
    'network',
    'etcdDisk',
    'topology',
    'arbiters',
    'name',
    'description',
    'chaos',
    'users',
    'registry',
    'baremetal',
  ]);
  for (const k of Object.keys(raw)) if (!known.has(k)) fail(`unknown field "${k}"`);

  const release = String(raw.openshift ?? '4.14');
  const rm = /^4\.(\d{1,2})$/.exec(release);
  if (!rm) fail(`openshift: "${release}" must look like "4.14" (4.6 to 4.20)`);
  const minor = Number(rm[1]);
  if (minor < 6 || minor > 20) fail(`openshift: "${release}" is outside 4.6–4.20`);

  const topology = String(raw.topology ?? 'HighlyAvailable') as ScenarioTopology;
  if (!(TOPOLOGIES as readonly string[]).includes(topology)) fail(`topology: "${topology}" must be one of ${TOPOLOGIES.join(', ')}`);
  // the release that has the topology (openshift/api release-4.8 adds controlPlaneTopology; release-4.19 the two-node
  // ones: features/features.go FeatureGateDualReplica enableIn(DevPreviewNoUpgrade) on release-4.19,
  // (DevPreviewNoUpgrade, TechPreviewNoUpgrade) on release-4.20)
  const since: Record<ScenarioTopology, number> = { HighlyAvailable: 6, SingleReplica: 8, External: 8, HighlyAvailableArbiter: 19, DualReplica: 19 };
  if (minor < since[topology]) fail(`topology: ${topology} needs openshift 4.${since[topology]} or later`);

  const platform = raw.platform ?? 'aws';
  const PLATFORMS = [...CLOUD_PLATFORMS, 'baremetal', 'none'];
  if (!PLATFORMS.includes(platform)) fail(`platform: "${platform}" must be one of ${PLATFORMS.join(', ')}`);

  const cpms = raw.controlPlaneMachineSet ?? 'absent';
  if (!['absent', 'inactive', 'active'].includes(cpms)) fail(`controlPlaneMachineSet: "${cpms}" must be absent, inactive or active`);
  if (cpms !== 'absent' && platform === 'none') fail('controlPlaneMachineSet: needs a Machine API (platform is none)');
  if (cpms !== 'absent' && minor < 12) fail(`controlPlaneMachineSet: "${cpms}" needs openshift 4.12 or later`);
  // the CPMS operator generates a control plane machine set per platform from a release on (providers.ts cpmsFrom)
  const cloud = cloudProvider(platform);
  if (cpms !== 'absent' && cloud && cloud.cpmsFrom === null) fail(`controlPlaneMachineSet: the CPMS operator generates none on ${platform}`);
  if (cpms !== 'absent' && cloud?.cpmsFrom && minor < cloud.cpmsFrom) fail(`controlPlaneMachineSet: the CPMS operator generates one on ${platform} from openshift 4.${cloud.cpmsFrom}, not "${release}"`);

  let network: Scenario['network'];
  if (raw.network !== undefined) {
    const nw = raw.network;
    if (!nw || typeof nw !== 'object' || Array.isArray(nw)) fail('network: must be a mapping {ipFamilies, nodeAddressOrder}');
    for (const k of Object.keys(nw)) if (!['ipFamilies', 'nodeAddressOrder'].includes(k)) fail(`network: unknown field "${k}"`);
    const fam = (v: unknown, key: string): ('IPv4' | 'IPv6')[] => {
      const ok = Array.isArray(v) && v.length >= 1 && v.length <= 2 && v.every((x) => x === 'IPv4' || x === 'IPv6') && new Set(v).size === v.length;
      if (!ok) fail(`network.${key}: must be [IPv4], [IPv6], [IPv4, IPv6] or [IPv6, IPv4]`);
      return v as ('IPv4' | 'IPv6')[];
    };
    const ipFamilies = fam(nw.ipFamilies ?? ['IPv4'], 'ipFamilies');
    const nodeAddressOrder = nw.nodeAddressOrder === undefined ? ipFamilies : fam(nw.nodeAddressOrder, 'nodeAddressOrder');
    if ([...nodeAddressOrder].sort().join() !== [...ipFamilies].sort().join()) fail('network.nodeAddressOrder: must list the same families as ipFamilies');
    network = { ipFamilies, nodeAddressOrder };
  }
  const needV6 = !!network?.ipFamilies.includes('IPv6');

  if (topology === 'External') {
    // a hosted control plane: no masters in this cluster (openshift/api TopologyMode External)
    if (raw.masters !== undefined && (!Array.isArray(raw.masters) || raw.masters.length !== 0)) fail('masters: topology External has no masters in the cluster (leave masters out)');
    if (platform === 'baremetal') fail('topology: External is simulated with platform aws or none');
  } else if (!Array.isArray(raw.masters) || raw.masters.length === 0) fail('masters: a list of {node, ip, machine} is required');
  const rawMasters: any[] = topology === 'External' ? [] : raw.masters;
  // masters per topology: 3 (4 and 5 on the releases that support them: docs PR #81631 for enterprise-4.17 "on bare
  // metal platforms, clusters can be scaled up to five control-plane nodes"; installer PR #9154 installs 4 or 5 from
  // 4.18; five masters were simulated on every release before and stay so), 1 single node, 2 with an arbiter or fencing
  const want: Record<ScenarioTopology, number[]> = { HighlyAvailable: minor >= 17 ? [3, 4, 5] : [3, 5], SingleReplica: [1], HighlyAvailableArbiter: [2], DualReplica: [2], External: [0] };
  if (!want[topology].includes(rawMasters.length)) {
    fail(`masters: ${rawMasters.length} given, topology ${topology} on openshift ${release} has ${want[topology].join(' or ')}${topology === 'HighlyAvailable' && rawMasters.length === 4 ? ' (4 masters from 4.17)' : ''}`);
  }
  if (topology === 'HighlyAvailableArbiter' && platform !== 'baremetal' && platform !== 'none') fail('topology: HighlyAvailableArbiter runs on platform baremetal or none (installer validateArbiter)');
  // two nodes with fencing install on platform none or baremetal (openshift/enhancements two-node-fencing/tnf.md
  // "Non-Goals"/"Install Config"); on baremetal the control-plane hosts are detached from ironic (ibid.), a shape not
  // simulated: platform none only
  if (topology === 'DualReplica' && platform !== 'none') fail('topology: DualReplica is simulated on platform none only (on baremetal its hosts are detached from ironic: not simulated)');
  const names = new Set<string>();
  const ips = new Set<string>();
  const machines = new Set<string>();
  const bmhs = new Set<string>();
  const masters: ScenarioMaster[] = rawMasters.map((m: any, i: number) => {
    if (!m || typeof m !== 'object') fail(`masters[${i}]: must be a mapping {node, ip, machine}`);
    for (const k of Object.keys(m)) if (!['node', 'ip', 'machine', 'bmh', 'ipv6', 'backupFreeBytes'].includes(k)) fail(`masters[${i}]: unknown field "${k}"`);
    const backupFreeBytes = m.backupFreeBytes;
    if (backupFreeBytes !== undefined && (!Number.isInteger(backupFreeBytes) || backupFreeBytes < 4096 || backupFreeBytes > 2 ** 40)) {
      fail(`masters[${i}].backupFreeBytes: "${backupFreeBytes}" must be an integer number of bytes, 4096 to 1 TiB`);
    }
    const ipv6 = m.ipv6 === undefined ? undefined : String(m.ipv6);
    if (needV6 && !ipv6) fail(`masters[${i}].ipv6: required when network.ipFamilies has IPv6`);
    if (ipv6 !== undefined && (!needV6 || !isIPv6(ipv6))) fail(`masters[${i}].ipv6: "${ipv6}" ${needV6 ? 'is not an IPv6 address' : 'needs IPv6 in network.ipFamilies'}`);
    if (ipv6 && ips.has(ipv6)) fail(`masters[${i}].ipv6: duplicate IP ${ipv6}`);
    if (ipv6) ips.add(ipv6);
    const node = String(m.node ?? '');
    const ip = String(m.ip ?? '');
    if (!node || !DNS1123_SUBDOMAIN.test(node) || node.length > 253) fail(`masters[${i}].node: "${node}" is not a valid node name`);
    if (!isIPv4(ip)) fail(`masters[${i}].ip: "${ip}" is not an IPv4 address`);
    if (ip.split('.')[3] === '0' || ip.split('.')[3] === '255') fail(`masters[${i}].ip: "${ip}" cannot end in .0 or .255`);
    if (names.has(node)) fail(`masters[${i}].node: duplicate node "${node}"`);
    if (ips.has(ip)) fail(`masters[${i}].ip: duplicate IP ${ip}`);
    names.add(node);
    ips.add(ip);
    let machine: string | undefined;
    if (platform !== 'none') {
      machine = m.machine === undefined ? undefined : String(m.machine);
      if (!machine) fail(`masters[${i}].machine: required when platform is ${platform}`);
      if (!DNS1123_SUBDOMAIN.test(machine)) fail(`masters[${i}].machine: "${machine}" is not a valid machine name`);
      if (machines.has(machine)) fail(`masters[${i}].machine: duplicate machine "${machine}"`);
      machines.add(machine);
    } else if (m.machine !== undefined) {
      fail(`masters[${i}].machine: platform none has no machines`);
    }
    let bmh: string | undefined;
    if (platform === 'baremetal') {
      bmh = m.bmh === undefined ? node.split('.')[0]! : String(m.bmh);
      if (!DNS1123_SUBDOMAIN.test(bmh)) fail(`masters[${i}].bmh: "${bmh}" is not a valid BareMetalHost name`);
      if (bmhs.has(bmh)) fail(`masters[${i}].bmh: duplicate BareMetalHost "${bmh}"`);
      bmhs.add(bmh);
    } else if (m.bmh !== undefined) {
      fail(`masters[${i}].bmh: only platform baremetal has BareMetalHosts`);
    }
    return { node, ip, machine, ...(bmh ? { bmh } : {}), ...(ipv6 ? { ipv6 } : {}), ...(backupFreeBytes !== undefined ? { backupFreeBytes } : {}) };
  });

  const arbiters: ScenarioArbiter[] = [];
  if (raw.arbiters !== undefined && topology !== 'HighlyAvailableArbiter') fail('arbiters: only with topology HighlyAvailableArbiter');
  if (topology === 'HighlyAvailableArbiter') {
    if (!Array.isArray(raw.arbiters) || raw.arbiters.length < 1 || raw.arbiters.length > 2) fail('arbiters: topology HighlyAvailableArbiter needs a list of 1 or 2 {node, ip} (the docs: typically one)');
    raw.arbiters.forEach((a: any, i: number) => {
      if (!a || typeof a !== 'object') fail(`arbiters[${i}]: must be a mapping {node, ip, machine}`);
      for (const k of Object.keys(a)) if (!['node', 'ip', 'machine', 'bmh'].includes(k)) fail(`arbiters[${i}]: unknown field "${k}"`);
      const node = String(a.node ?? '');
      const ip = String(a.ip ?? '');
      if (!node || !DNS1123_SUBDOMAIN.test(node) || node.length > 253) fail(`arbiters[${i}].node: "${node}" is not a valid node name`);
      if (!isIPv4(ip) || ip.split('.')[3] === '0' || ip.split('.')[3] === '255') fail(`arbiters[${i}].ip: "${ip}" is not a usable IPv4 address`);
      if (names.has(node)) fail(`arbiters[${i}].node: duplicate node "${node}"`);
      if (ips.has(ip)) fail(`arbiters[${i}].ip: duplicate IP ${ip}`);
      names.add(node);
      ips.add(ip);
      let machine: string | undefined;
      if (platform !== 'none') {
        machine = a.machine === undefined ? undefined : String(a.machine);
        if (!machine || !DNS1123_SUBDOMAIN.test(machine) || machines.has(machine)) fail(`arbiters[${i}].machine: "${machine ?? ''}" is required, a valid name and unique when platform is ${platform}`);
        machines.add(machine);
      } else if (a.machine !== undefined) fail(`arbiters[${i}].machine: platform none has no machines`);
      let bmh: string | undefined;
      if (platform === 'baremetal') {
        bmh = a.bmh === undefined ? node.split('.')[0]! : String(a.bmh);
        if (!DNS1123_SUBDOMAIN.test(bmh) || bmhs.has(bmh)) fail(`arbiters[${i}].bmh: "${bmh}" is not a valid, unique BareMetalHost name`);
        bmhs.add(bmh);
      }
      arbiters.push({ node, ip, ...(machine ? { machine } : {}), ...(bmh ? { bmh } : {}) });
    });
  }

  const workers = raw.workers ?? 0;
  if (!Number.isInteger(workers) || workers < 0 || workers > 20) fail(`workers: "${workers}" must be an integer 0–20`);

  const faults: ScenarioFault[] = [];
  const rawFaults = raw.faults ?? [];
  if (!Array.isArray(rawFaults)) fail('faults: must be a list');
  rawFaults.forEach((f: any, i: number) => {
    if (!f || typeof f !== 'object') fail(`faults[${i}]: must be a mapping {node, kind}`);
    for (const k of Object.keys(f)) if (!['node', 'kind'].includes(k)) fail(`faults[${i}]: unknown field "${k}"`);
    const kind = String(f.kind ?? '');
    if (!(FAULT_KINDS as readonly string[]).includes(kind)) fail(`faults[${i}].kind: unknown fault kind "${kind}" (one of ${FAULT_KINDS.join(', ')})`);
    const node = f.node === undefined ? undefined : String(f.node);
    const needsNode = kind !== 'extra-unstarted-member' && kind !== 'learner' && kind !== 'etcd-alarm-nospace';
    if (kind === 'etcd-alarm-nospace' && node !== undefined) fail(`faults[${i}].node: etcd-alarm-nospace is cluster-wide (no node)`);
    if (needsNode && !node) fail(`faults[${i}].node: required for ${kind}`);
    if (node !== undefined && !names.has(node)) fail(`faults[${i}].node: "${node}" is not one of the masters${arbiters.length ? ' or arbiters' : ''}`);
    if (kind === 'machine-deleting' && platform === 'none') fail(`faults[${i}].kind: machine-deleting needs a Machine API (platform is none)`);
    if (kind === 'machine-stopped' && platform === 'none') fail(`faults[${i}].kind: machine-stopped needs a Machine API (platform is none)`);
    if (kind === 'machine-finalizer-stuck' && platform !== 'baremetal') fail(`faults[${i}].kind: machine-finalizer-stuck needs platform baremetal`);
    // two nodes with fencing: there is no etcd container to crash-loop (the static pod lost it), pacemaker supervises the
    // kubelet (OPERATOR@release-4.20 pkg/tnf/pkg/pcs/etcd.go ConfigureConstraints: etcd-clone ordered after and
    // colocated with kubelet-clone) and adds learners itself: only a node that goes down is simulated
    if (topology === 'DualReplica' && kind !== 'node-not-ready') fail(`faults[${i}].kind: topology DualReplica simulates node-not-ready only (etcd is run by pacemaker)`);
    faults.push({ node, kind: kind as FaultKind });
  });
  const perNode = new Map<string, number>();
  for (const f of faults) if (f.node) perNode.set(f.node, (perNode.get(f.node) ?? 0) + 1);
  for (const [n, c] of perNode) if (c > 1) fail(`faults: node "${n}" has ${c} faults, at most one per node`);

  const t = raw.timing ?? {};
  if (typeof t !== 'object') fail('timing: must be a mapping {provisionSeconds, rolloutSeconds}');
  for (const k of Object.keys(t)) if (!['provisionSeconds', 'rolloutSeconds', 'inspectSeconds', 'learnerPromoteSeconds', 'crashLoopBackOffSeconds', 'cpmsReconcileSeconds'].includes(k)) fail(`timing: unknown field "${k}"`);
  /** timing.<key>: `dflt` when absent (undefined for none), else a number from `min` to `max` */
  const seconds = <D extends number | undefined>(key: string, dflt: D, max: number, min = 0): number | D => {
    const v = t[key] ?? dflt;
    if (v !== undefined && (typeof v !== 'number' || v < min || v > max)) fail(`timing.${key}: "${v}" must be a number ${min}–${max}`);
    return v;
  };
  const provisionSeconds = seconds('provisionSeconds', 3, 600);
  const rolloutSeconds = seconds('rolloutSeconds', 2, 600);
  // the CPMS controller reacts to Machine events through its watch: about a second in a real cluster
  const cpmsReconcileSeconds = seconds('cpmsReconcileSeconds', 1, 600);
  const inspectSeconds = seconds('inspectSeconds', 2, 600);
  const learnerPromoteSeconds = seconds('learnerPromoteSeconds', 0, 3600);
  const crashLoopBackOffSeconds = seconds('crashLoopBackOffSeconds', undefined, 300, 1);

  let uco: Record<string, unknown> | undefined;
  if (raw.unsupportedConfigOverrides !== undefined && raw.unsupportedConfigOverrides !== null) {
    if (typeof raw.unsupportedConfigOverrides !== 'object' || Array.isArray(raw.unsupportedConfigOverrides)) {
      fail('unsupportedConfigOverrides: must be a mapping');
    }
    uco = raw.unsupportedConfigOverrides;
  }

  let infrastructureName: string | undefined = raw.infrastructureName === undefined ? undefined : String(raw.infrastructureName);
  if (infrastructureName !== undefined && !DNS1123_SUBDOMAIN.test(infrastructureName)) fail(`infrastructureName: "${infrastructureName}" is not a valid name`);
  const patch = raw.patch ?? undefined;
  if (patch !== undefined && (!Number.isInteger(patch) || patch < 0)) fail(`patch: "${patch}" must be a non-negative integer`);

  let upgradingFrom: string | undefined;
  if (raw.upgradingFrom !== undefined) {
    upgradingFrom = String(raw.upgradingFrom);
    const um = /^4\.(\d{1,2})$/.exec(upgradingFrom);
    if (!um || Number(um[1]) < 5 || Number(um[1]) >= minor) fail(`upgradingFrom: "${upgradingFrom}" must be a release like "4.${minor - 1}", older than openshift "${release}"`);
  }

  const etcdDisk = raw.etcdDisk ?? 'shared';
  if (etcdDisk !== 'shared' && etcdDisk !== 'dedicated') fail(`etcdDisk: "${etcdDisk}" must be shared or dedicated`);

  const users = parseUsers(raw.users);
  const registry = raw.registry ?? 'reachable';
  if (registry !== 'reachable' && registry !== 'unreachable') fail(`registry: "${registry}" must be reachable or unreachable`);

  const bmRaw = raw.baremetal ?? {};
  if (typeof bmRaw !== 'object' || bmRaw === null || Array.isArray(bmRaw)) fail('baremetal: must be a mapping');
  for (const k of Object.keys(bmRaw)) if (!['networkData', 'inspectionSeesNodeIP'].includes(k)) fail(`baremetal: unknown field "${k}"`);
  if (Object.keys(bmRaw).length && platform !== 'baremetal') fail('baremetal: needs platform baremetal');
  for (const k of ['networkData', 'inspectionSeesNodeIP']) if (bmRaw[k] !== undefined && typeof bmRaw[k] !== 'boolean') fail(`baremetal.${k}: must be true or false`);
  // spec.preprovisioningNetworkDataName is in the BareMetalHost CRD from 4.10 (github:openshift/baremetal-operator release-4.10)
  if (bmRaw.networkData === true && minor < 10) fail('baremetal.networkData: needs openshift 4.10 or later (spec.preprovisioningNetworkDataName)');
  const baremetal = { networkData: bmRaw.networkData === true, inspectionSeesNodeIP: bmRaw.inspectionSeesNodeIP !== false };

  return {
    users,
    registry,
    baremetal,
    openshift: release,
    minor,
    platform,
    controlPlaneMachineSet: cpms,
    masters,
    topology,
    arbiters,
    workers,
    faults,
    timing: { provisionSeconds, rolloutSeconds, inspectSeconds, learnerPromoteSeconds, cpmsReconcileSeconds, ...(crashLoopBackOffSeconds !== undefined ? { crashLoopBackOffSeconds } : {}) },
    unsupportedConfigOverrides: uco,
    infrastructureName,
    patch,
    upgradingFrom,
    network,
    etcdDisk,
    chaos: parseChaos(raw.chaos, fail),
  };
}

const NAME = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;

/** `users: [{name, deny: [{verb, group, resource, subresource, namespace}]}]` */
function parseUsers(raw: unknown): SimUser[] {
  if (raw === undefined || raw === null) return [];
  if (!Array.isArray(raw)) fail('users: must be a list of {name, deny}');
  const seen = new Set<string>();
  return raw.map((u: any, i: number) => {
    if (!u || typeof u !== 'object') fail(`users[${i}]: must be a mapping {name, deny}`);
    for (const k of Object.keys(u)) if (!['name', 'deny'].includes(k)) fail(`users[${i}]: unknown field "${k}"`);
    const name = String(u.name ?? '');
    if (!NAME.test(name) || ['admin', 'sim', 'tls', 'kubeadmin'].includes(name)) fail(`users[${i}].name: "${name}" must be a DNS label other than admin, sim, tls, kubeadmin`);
    if (seen.has(name)) fail(`users[${i}].name: duplicate user "${name}"`);
    seen.add(name);
    const deny = u.deny ?? [];
    if (!Array.isArray(deny)) fail(`users[${i}].deny: must be a list of {verb, group, resource, subresource, namespace}`);
    const rules: DenyRule[] = deny.map((d: any, j: number) => {
      if (!d || typeof d !== 'object') fail(`users[${i}].deny[${j}]: must be a mapping`);
      for (const k of Object.keys(d)) if (!['verb', 'group', 'resource', 'subresource', 'namespace'].includes(k)) fail(`users[${i}].deny[${j}]: unknown field "${k}"`);
      if (!d.verb || !d.resource) fail(`users[${i}].deny[${j}]: verb and resource are required`);
      return {
        verb: String(d.verb),
        resource: String(d.resource),
        ...(d.group !== undefined ? { group: String(d.group) } : {}),
        ...(d.subresource !== undefined ? { subresource: String(d.subresource) } : {}),
        ...(d.namespace !== undefined ? { namespace: String(d.namespace) } : {}),
      };
    });
    return { name, deny: rules };
  });
}

/** Infrastructure ID: scenario value, else derived from the first machine name (`<infra>-master-0`). */
export function infraName(s: Scenario): string {
  if (s.infrastructureName) return s.infrastructureName;
  const m = s.masters[0]?.machine;
  if (m) {
    const i = m.lastIndexOf('-master');
    if (i > 0) return m.slice(0, i);
  }
  return 'clustername-8qw5l';
}
