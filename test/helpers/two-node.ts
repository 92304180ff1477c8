// Scenarios of the two-node control planes the topology e2e files share (sim/world/scenario.ts keys `topology`,
// `arbiters`): two masters plus an arbiter (HighlyAvailableArbiter, 4.20 bare metal), and two nodes with fencing
// (DualReplica, 4.20, platform none: etcd run by pacemaker). Each takes the one fault of the run.

export const ARBITER = { M0: 'edge-master-0', M1: 'edge-master-1', ARB: 'edge-arbiter-0' } as const;

export const arbiterScenario = (faultNode: string, kind: string) => `openshift: "4.20"
platform: baremetal
topology: HighlyAvailableArbiter
infrastructureName: edge
masters:
  - {node: ${ARBITER.M0}, ip: 192.168.57.10, machine: ${ARBITER.M0}}
  - {node: ${ARBITER.M1}, ip: 192.168.57.11, machine: ${ARBITER.M1}}
arbiters:
  - {node: ${ARBITER.ARB}, ip: 192.168.57.20, machine: ${ARBITER.ARB}}
workers: 0
timing: {provisionSeconds: 1, rolloutSeconds: 1, inspectSeconds: 1}
faults:
  - {node: ${faultNode}, kind: ${kind}}
`;

export const FENCING = { M0: 'tnf-master-0', M1: 'tnf-master-1' } as const;

export const dualReplicaScenario = (faultNode: string, kind: string) => `openshift: "4.20"
platform: none
topology: DualReplica
masters:
  - {node: ${FENCING.M0}, ip: 192.168.59.10}
  - {node: ${FENCING.M1}, ip: 192.168.59.11}
workers: 0
faults:
  - {node: ${faultNode}, kind: ${kind}}
`;
