// The control-plane topology rules (lib/diagnose/topology.ts) and the quorum arithmetic of every topology's member
// count, over hand-built ClusterState fixtures.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { diagnose } from '../../lib/diagnose/diagnose.ts';
import { quorumOf, safeToRemove } from '../../lib/diagnose/quorum.ts';
import { installConfigReplicas, toNodeInfo } from '../../lib/cluster/read.ts';
import { effectiveTopology, topologyOf } from '../../lib/cluster/topology.ts';
import { statusExitCode } from '../../lib/commands/status.ts';
import { renderStatus } from '../../lib/ui/table.ts';
import type { ClusterState, EtcdMember, EtcdPod, NodeInfo } from '../../lib/types.ts';

interface Host {
  node: string;
  ip: string;
  id: string;
  role?: 'master' | 'arbiter';
  machine?: string;
}

const HOSTS: Host[] = [
  { node: 'master-0.edge.example.com', ip: '192.168.50.10', id: '6fc1e7c9db35841d', machine: 'edge-x7k2p-master-0' },
  { node: 'master-1.edge.example.com', ip: '192.168.50.11', id: 'ca8c2990a0aa29d1', machine: 'edge-x7k2p-master-1' },
  { node: 'master-2.edge.example.com', ip: '192.168.50.12', id: '757b6793e2408b6c', machine: 'edge-x7k2p-master-2' },
  { node: 'master-3.edge.example.com', ip: '192.168.50.13', id: '1a2b3c4d5e6f7081', machine: 'edge-x7k2p-master-3' },
  { node: 'master-4.edge.example.com', ip: '192.168.50.14', id: 'f0e1d2c3b4a59687', machine: 'edge-x7k2p-master-4' },
];
const ARBITER: Host = { node: 'arbiter-0.edge.example.com', ip: '192.168.50.20', id: '0badc0ffee0ddf00', role: 'arbiter', machine: 'edge-x7k2p-arbiter-0' };

const CONTAINERS = ['etcdctl', 'etcd', 'etcd-metrics', 'etcd-readyz', 'etcd-rev'];

function member(h: Host, healthy: boolean | null = true): EtcdMember {
  return { id: h.id, name: h.node, peerURLs: [`https://${h.ip}:2380`], clientURLs: [`https://${h.ip}:2379`], started: true, isLearner: false, healthy, leader: false };
}

function pod(h: Host, crash = false, containers = CONTAINERS): EtcdPod {
  const cs = containers.map((n) => ({
    name: n,
    ready: !(crash && n === 'etcd'),
    state: crash && n === 'etcd' ? ('waiting' as const) : ('running' as const),
    restarts: crash && n === 'etcd' ? 5 : 0,
    ...(crash && n === 'etcd' ? { reason: 'CrashLoopBackOff' } : {}),
  }));
  return {
    name: `etcd-${h.node}`,
    node: h.node,
    phase: 'Running',
    status: crash ? 'CrashLoopBackOff' : 'Running',
    readyCount: cs.filter((c) => c.ready).length,
    containerCount: cs.length,
    restarts: cs.reduce((a, c) => a + c.restarts, 0),
    revision: '7',
    etcd: cs.find((c) => c.name === 'etcd'),
    containers: cs,
  };
}

function node(h: Host): NodeInfo {
  return { name: h.node, internalIP: h.ip, ready: true, unreachable: false, uid: `uid-${h.id}`, ...(h.role === 'arbiter' ? { role: 'arbiter' as const } : {}) };
}

function cluster(topology: string | null, hosts: Host[], o: { machines?: boolean; containers?: string[] } = {}): ClusterState {
  return {
    release: '4.20.4',
    platform: 'BareMetal',
    topology,
    members: hosts.map((h) => member(h)),
    memberSource: `etcd-${hosts[0]!.node}`,
    pods: hosts.map((h) => pod(h, false, o.containers)),
    nodes: hosts.map(node),
    machines:
      o.machines === false
        ? null
        : hosts.map((h) => ({ name: h.machine!, phase: 'Running', instanceState: 'externally provisioned', instanceRunning: true, nodeName: h.node, internalIPs: [h.ip], deleting: false, hasEtcdHook: true })),
    controlPlaneMachineSet: null,
    secrets: hosts.map((h) => ({ node: h.node, present: [`etcd-peer-${h.node}`, `etcd-serving-${h.node}`, `etcd-serving-metrics-${h.node}`], missing: [] })),
    etcd: {
      conditions: [],
      unsupportedConfigOverrides: undefined,
      quorumGuardOff: false,
      forceRedeploymentReason: null,
      latestAvailableRevision: 7,
      nodeStatuses: hosts.map((h) => ({ nodeName: h.node, currentRevision: 7, targetRevision: 0 })),
      controlPlaneReplicas: hosts.length,
    },
  };
}

/** the host `h` of `s` stopped: member unhealthy, node NotReady, machine stopped */
function stopped(s: ClusterState, h: Host): ClusterState {
  s.members = s.members.map((m) => (m.id === h.id ? { ...m, healthy: false, healthError: 'context deadline exceeded' } : m));
  s.nodes = s.nodes.map((n) => (n.name === h.node ? { ...n, ready: null, unreachable: true } : n));
  s.machines = s.machines?.map((m) => (m.nodeName === h.node ? { ...m, instanceState: 'stopped', instanceRunning: false } : m)) ?? null;
  return s;
}

function crashing(s: ClusterState, h: Host): ClusterState {
  s.members = s.members.map((m) => (m.id === h.id ? { ...m, healthy: false } : m));
  s.pods = s.pods.map((p) => (p.node === h.node ? pod(h, true) : p));
  return s;
}

const [M0, M1, M2, M3] = HOSTS as [Host, Host, Host, Host, Host];
const reasonNames = (d: { reasons: string[] }) => d.reasons.map((x) => x.split(':')[0]);

// ---------- reading ----------

test('topologyOf / effectiveTopology: absent field = HighlyAvailable (4.6/4.7), unknown value refused', () => {
  assert.is(topologyOf({ status: { controlPlaneTopology: 'HighlyAvailableArbiter' } }), 'HighlyAvailableArbiter');
  assert.is(topologyOf({ status: {} }), null);
  assert.is(effectiveTopology(null), 'HighlyAvailable');
  assert.is(effectiveTopology('DualReplica'), 'DualReplica');
  assert.is(effectiveTopology('TripleReplica'), null);
});

test('toNodeInfo: an arbiter-role node is an arbiter, a master stays a master', () => {
  const arb = toNodeInfo({ metadata: { name: 'a', labels: { 'node-role.kubernetes.io/arbiter': '' } }, status: { addresses: [{ type: 'InternalIP', address: '10.0.0.9' }] } });
  assert.is(arb.role, 'arbiter');
  const m = toNodeInfo({ metadata: { name: 'm', labels: { 'node-role.kubernetes.io/master': '', 'node-role.kubernetes.io/control-plane': '' } } });
  assert.is(m.role, undefined);
});

test('installConfigReplicas: an arbiter cluster counts controlPlane + arbiter replicas', () => {
  assert.is(installConfigReplicas('controlPlane:\n  replicas: 2\narbiter:\n  replicas: 1\n'), 3);
  assert.is(installConfigReplicas('controlPlane:\n  replicas: 4\n'), 4);
});

// ---------- quorum arithmetic per member count ----------

test('quorum: 1, 2, 3, 4, 5 voters', () => {
  assert.equal([1, 2, 3, 4, 5].map(quorumOf), [1, 2, 2, 3, 3]);
  // 4 masters, one down: removing it leaves 3 of 3 healthy (majority 2)
  assert.ok(safeToRemove({ votingMembers: 4, healthyVoters: 3, targetHealthy: false }).ok);
  // 4 masters, two down: 2 of 4 healthy is no quorum (a majority of 4 is 3)
  assert.is(safeToRemove({ votingMembers: 4, healthyVoters: 2, targetHealthy: false }).reason, 'QuorumLost');
  // two-node: one down is no quorum for etcd (pacemaker's job, not ours)
  assert.is(safeToRemove({ votingMembers: 2, healthyVoters: 1, targetHealthy: false }).reason, 'QuorumLost');
  assert.is(safeToRemove({ votingMembers: 1, healthyVoters: 0, targetHealthy: false }).reason, 'TooFewMembers');
});

// ---------- HighlyAvailable with 4 masters ----------

test('HighlyAvailable, 4 masters: one stopped → procedure A; two stopped → quorum lost (2 of 4)', () => {
  const four = HOSTS.slice(0, 4);
  const d = diagnose(stopped(cluster('HighlyAvailable', four), M1));
  assert.is(d.scenario, 'not-ready');
  assert.is(d.member?.node, M1.node);
  const d2 = diagnose(stopped(stopped(cluster('HighlyAvailable', four), M1), M3));
  assert.is(d2.scenario, 'quorum-lost', d2.reasons.join('\n'));
  assert.is(statusExitCode(d2.scenario), 4);
});

test('HighlyAvailable, 5 masters, two stopped: one at a time, in name order', () => {
  const d = diagnose(stopped(stopped(cluster('HighlyAvailable', HOSTS), M3), M1));
  assert.is(d.scenario, 'unsafe');
  assert.match(d.action, new RegExp(`auto --member ${M1.node}\`, then \`auto --member ${M3.node}`));
});

// ---------- HighlyAvailableArbiter ----------

const arbiterCluster = () => cluster('HighlyAvailableArbiter', [M0, M1, ARBITER]);

test('arbiter cluster, all healthy: healthy; the arbiter member is a member like any other (no stray, no count mismatch)', () => {
  const d = diagnose(arbiterCluster());
  assert.is(d.scenario, 'healthy', d.reasons.join('\n'));
  assert.equal(d.reasons, []);
  const text = renderStatus(arbiterCluster(), d, { server: null, context: null });
  assert.match(text, /topology\s+HighlyAvailableArbiter/);
  assert.match(text, new RegExp(`${ARBITER.node.replace(/\./g, '\\.')}\\s+arbiter\\s+${ARBITER.ip.replace(/\./g, '\\.')}`));
});

test('arbiter cluster without the arbiter node read: its member would be a stray (the reason the arbiter nodes are read)', () => {
  const s = arbiterCluster();
  s.nodes = s.nodes.filter((n) => n.role !== 'arbiter');
  s.members = s.members.map((m) => (m.id === ARBITER.id ? { ...m, healthy: false } : m));
  const d = diagnose(s);
  assert.not.equal(d.scenario, 'healthy');
});

test('arbiter cluster, a master stopped: procedure A on that master, never the arbiter', () => {
  const d = diagnose(stopped(arbiterCluster(), M1));
  assert.is(d.scenario, 'not-ready', d.reasons.join('\n'));
  assert.is(d.member?.node, M1.node);
  assert.is.not(d.member?.id, ARBITER.id);
  assert.not.match(d.action, /arbiter/);
});

test('arbiter cluster, a master crash-looping: procedure B on that master', () => {
  const d = diagnose(crashing(arbiterCluster(), M0));
  assert.is(d.scenario, 'crashloop', d.reasons.join('\n'));
  assert.is(d.member?.node, M0.node);
});

test('arbiter cluster, the arbiter crash-looping: procedure B on the arbiter (it failed)', () => {
  const d = diagnose(crashing(arbiterCluster(), ARBITER));
  assert.is(d.scenario, 'crashloop', d.reasons.join('\n'));
  assert.is(d.member?.id, ARBITER.id);
});

test('arbiter cluster, the arbiter stopped: refused (its machine replacement is not modelled), exit 4', () => {
  const d = diagnose(stopped(arbiterCluster(), ARBITER));
  assert.is(d.scenario, 'unsafe');
  assert.ok(reasonNames(d).includes('ArbiterMachineReplacement'), d.reasons.join('\n'));
  assert.is(statusExitCode(d.scenario), 4);
});

test('arbiter cluster, --member naming the healthy arbiter: refused', () => {
  const d = diagnose(stopped(arbiterCluster(), M1), { member: ARBITER.node });
  assert.is(d.scenario, 'unsafe');
  assert.ok(reasonNames(d).includes('TargetHealthy'));
});

test('arbiter cluster, a master and the arbiter down: quorum lost (1 of 3)', () => {
  const d = diagnose(stopped(stopped(arbiterCluster(), M1), ARBITER));
  assert.is(d.scenario, 'quorum-lost');
});

// ---------- SingleReplica ----------

test('single node: healthy is healthy; a crash loop is never replaceable (quorum-lost, restore from backup)', () => {
  assert.is(diagnose(cluster('SingleReplica', [M0])).scenario, 'healthy');
  const d = diagnose(crashing(cluster('SingleReplica', [M0]), M0));
  assert.is(d.scenario, 'quorum-lost');
  assert.is(reasonNames(d)[0], 'SingleNodeCluster');
  assert.match(d.action, /Restoring to a previous cluster state/);
  assert.is(statusExitCode(d.scenario), 4);
  const named = diagnose(crashing(cluster('SingleReplica', [M0]), M0), { member: M0.node });
  assert.ok(named.scenario === 'quorum-lost' || named.scenario === 'unsafe');
});

// ---------- DualReplica ----------

test('two-node with fencing: healthy is healthy; a stopped node is refused with the pacemaker procedure', () => {
  const tnf = () => cluster('DualReplica', [M0, M1], { containers: ['etcdctl', 'etcd-metrics', 'etcd-readyz', 'etcd-rev'] });
  assert.is(diagnose(tnf()).scenario, 'healthy', diagnose(tnf()).reasons.join('\n'));
  const d = diagnose(stopped(tnf(), M1));
  assert.is(d.scenario, 'unsafe');
  assert.is(reasonNames(d)[0], 'TwoNodeFencing');
  assert.match(d.action, /Replace a control plane node that cannot be recovered/);
  // what is seen, not the HA member rules (pacemaker's survivor runs alone: no "partial replacement", no quorum maths)
  assert.equal(d.reasons.slice(1), [`control-plane node ${M1.node} (Unknown) not Ready; etcd lists 2 members (${[M0, M1].map((h) => h.node).join(', ')})`]);
});

// ---------- External ----------

test('hosted control plane: refused, names the management cluster procedure', () => {
  const s = cluster('External', [M0]);
  s.members = [];
  s.memberSource = null;
  s.nodes = [];
  s.pods = [];
  const d = diagnose(s);
  assert.is(d.scenario, 'unsafe');
  assert.equal(reasonNames(d), ['HostedControlPlane']);
  assert.match(d.action, /management cluster/);
  assert.match(d.action, /Recovering an unhealthy etcd cluster/);
  assert.match(renderStatus(s, d, { server: null, context: null }), /topology\s+External/);
});

test('an unknown topology value is refused', () => {
  const d = diagnose(cluster('TripleReplica', HOSTS.slice(0, 3)));
  assert.is(d.scenario, 'unsafe');
  assert.is(reasonNames(d)[0], 'TopologyUnknown');
});

test.run();
