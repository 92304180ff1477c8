// Hand-built ClusterState fixtures shared by the pure diagnosis and plan tests (test/unit/diagnose.test.ts,
// test/unit/partial.test.ts): three 4.14 AWS masters, healthy, and the two failures the procedures start from.
import type { ClusterState, ContainerInfo, EtcdMember, EtcdPod } from '../../lib/types.ts';

export const MASTERS = [
  { node: 'ip-10-0-131-183.ec2.internal', ip: '10.0.131.183', machine: 'clustername-8qw5l-master-0', id: '6fc1e7c9db35841d' },
  { node: 'ip-10-0-154-204.ec2.internal', ip: '10.0.154.204', machine: 'clustername-8qw5l-master-1', id: 'ca8c2990a0aa29d1' },
  { node: 'ip-10-0-164-97.ec2.internal', ip: '10.0.164.97', machine: 'clustername-8qw5l-master-2', id: '757b6793e2408b6c' },
];
export const [A, B, C] = MASTERS;

export const CONTAINERS_414 = ['etcdctl', 'etcd', 'etcd-metrics', 'etcd-readyz'];
export const CONTAINERS_46 = ['etcdctl', 'etcd', 'etcd-metrics'];

export function member(m: (typeof MASTERS)[number], over: Partial<EtcdMember> = {}): EtcdMember {
  return {
    id: m.id,
    name: m.node,
    peerURLs: [`https://${m.ip}:2380`],
    clientURLs: [`https://${m.ip}:2379`],
    started: true,
    isLearner: false,
    healthy: true,
    leader: m === B,
    ...over,
  };
}

export function pod(m: (typeof MASTERS)[number], names = CONTAINERS_414, etcdOver: Partial<ContainerInfo> = {}, status = 'Running'): EtcdPod {
  const containers = names.map((n): ContainerInfo => ({ name: n, ready: true, state: 'running', restarts: 0, ...(n === 'etcd' ? etcdOver : {}) }));
  return {
    name: `etcd-${m.node}`,
    node: m.node,
    phase: 'Running',
    status,
    readyCount: containers.filter((c) => c.ready).length,
    containerCount: containers.length,
    restarts: containers.reduce((a, c) => a + c.restarts, 0),
    revision: '8',
    etcd: containers.find((c) => c.name === 'etcd'),
    containers,
  };
}

export function healthy(release = '4.14.8', containers = CONTAINERS_414): ClusterState {
  return {
    release,
    platform: 'AWS',
    members: MASTERS.map((m) => member(m)),
    memberSource: `etcd-${B.node}`,
    pods: MASTERS.map((m) => pod(m, containers)),
    nodes: MASTERS.map((m) => ({ name: m.node, internalIP: m.ip, ready: true, unreachable: false, uid: `uid-${m.id}` })),
    machines: MASTERS.map((m) => ({
      name: m.machine,
      phase: 'Running',
      instanceState: 'running',
      instanceRunning: true,
      nodeName: m.node,
      internalIPs: [m.ip],
      deleting: false,
      hasEtcdHook: true,
    })),
    controlPlaneMachineSet: null,
    secrets: MASTERS.map((m) => ({ node: m.node, present: [`etcd-peer-${m.node}`, `etcd-serving-${m.node}`, `etcd-serving-metrics-${m.node}`], missing: [] })),
    etcd: {
      conditions: [
        { type: 'EtcdMembersAvailable', status: 'True', reason: 'EtcdQuorate', message: '3 members are available' },
        { type: 'EtcdMembersDegraded', status: 'False', reason: 'AsExpected' },
      ],
      unsupportedConfigOverrides: undefined,
      quorumGuardOff: false,
      forceRedeploymentReason: null,
      latestAvailableRevision: 8,
      nodeStatuses: MASTERS.map((m) => ({ nodeName: m.node, currentRevision: 8, targetRevision: 0 })),
      controlPlaneReplicas: 3,
    },
  };
}

export const setMember = (s: ClusterState, id: string, over: Partial<EtcdMember>) => {
  s.members = s.members.map((m) => (m.id === id ? { ...m, ...over } : m));
};
export const setNode = (s: ClusterState, name: string, over: object) => {
  s.nodes = s.nodes.map((n) => (n.name === name ? { ...n, ...over } : n));
};
export const setMachine = (s: ClusterState, name: string, over: object) => {
  s.machines = s.machines!.map((n) => (n.name === name ? { ...n, ...over } : n));
};
export const dead = (s: ClusterState, m: (typeof MASTERS)[number]) => setMember(s, m.id, { healthy: false, healthError: 'failed to commit proposal: context deadline exceeded', leader: false });

export function machineStopped(): ClusterState {
  const s = healthy();
  dead(s, A);
  setNode(s, A.node, { ready: null, unreachable: true });
  setMachine(s, A.machine, { instanceState: 'stopped', instanceRunning: false });
  s.pods = s.pods.map((p) => (p.node === A.node ? { ...p, status: 'Running' } : p));
  return s;
}

export function crashloop(containers = CONTAINERS_414): ClusterState {
  const s = healthy('4.14.8', containers);
  dead(s, A);
  s.pods = s.pods.map((p) => (p.node === A.node ? pod(A, containers, { ready: false, state: 'waiting', reason: 'CrashLoopBackOff', restarts: 7 }, 'CrashLoopBackOff') : p));
  return s;
}

export const hasReason = (reasons: string[], name: string) => reasons.some((r) => r.startsWith(`${name}:`));
