// The plugin's picture of an OpenShift etcd control plane, as read by lib/cluster and
// lib/etcd, judged by lib/diagnose, shown by `status` and acted on by `auto`.
import type { HostInfo } from './cluster/baremetal.ts';

/** 16-digit lower-case hex etcd member ID. Never a JS number: IDs are 64-bit. */
export type MemberId = string;

export interface EtcdMember {
  id: MemberId;
  name: string; // '' while unstarted
  peerURLs: string[];
  clientURLs: string[];
  started: boolean; // etcdctl STATUS column: started | unstarted
  isLearner: boolean;
  /** true/false from `endpoint health`; null when unknown (no client URL, not probed). Unknown is not dead. */
  healthy: boolean | null;
  healthError?: string;
  leader: boolean;
  /** DB SIZE of `etcdctl endpoint status` in bytes (about the size of a snapshot), when read */
  dbSizeBytes?: number;
}

/** An active etcd alarm (`etcdctl alarm list`): NOSPACE (the backend quota is full: writes fail) or CORRUPT. */
export interface EtcdAlarm {
  memberId: MemberId;
  alarm: string;
}

export interface ContainerInfo {
  name: string;
  ready: boolean;
  state: 'running' | 'waiting' | 'terminated' | 'unknown';
  reason?: string; // e.g. CrashLoopBackOff, Error
  restarts: number;
  /** lastState.terminated of the previous run: exit code and reason (Error, OOMKilled, Completed …) */
  lastExitCode?: number;
  lastReason?: string;
}

export interface EtcdPod {
  name: string; // etcd-<node>
  node: string;
  phase: string; // Running, Pending, ...
  /** what `kubectl get pods` prints in STATUS: Running, CrashLoopBackOff, Error, ... */
  status: string;
  readyCount: number;
  containerCount: number;
  restarts: number;
  revision?: string; // label `revision`
  etcd?: ContainerInfo; // the `etcd` container
  containers: ContainerInfo[];
}

export interface NodeInfo {
  name: string;
  /** the InternalIP of the service network's family (what the etcd operator uses), else the first InternalIP */
  internalIP: string | null;
  /** every InternalIP, in the node's order (dual-stack nodes have one per family) */
  internalIPs?: string[];
  /** Ready condition: true, false, or null when Unknown (kubelet stopped posting). */
  ready: boolean | null;
  unreachable: boolean; // node.kubernetes.io/unreachable taint
  uid: string;
  /** node-role.kubernetes.io/arbiter (HighlyAvailableArbiter clusters: runs an etcd member, no other control plane); else master */
  role?: 'master' | 'arbiter';
  /** metadata.creationTimestamp (a replacement's node is newer than the masters that kept their members) */
  created?: string;
}

export interface MachineInfo {
  name: string;
  phase: string | null; // Provisioning | Provisioned | Running | Deleting | Failed
  /** instance state from the machine.openshift.io/instance-state annotation, else providerStatus (instanceState / vmState) */
  instanceState: string | null;
  /** our reading of instanceState across platforms: running | stopped | unknown */
  instanceRunning: boolean | null;
  nodeName: string | null;
  internalIPs: string[];
  deleting: boolean;
  hasEtcdHook: boolean; // spec.lifecycleHooks.preDrain has EtcdQuorumOperator
  /** spec.providerSpec.value.kind (AWSMachineProviderConfig, VSphereMachineProviderSpec, …) */
  providerSpecKind?: string | null;
}

export interface NodeSecrets {
  node: string;
  present: string[]; // names found among etcd-peer-<node>, etcd-serving-<node>, etcd-serving-metrics-<node>
  missing: string[];
}

export interface Condition {
  type: string;
  status: string;
  reason?: string;
  message?: string;
  lastTransitionTime?: string;
}

export interface EtcdOperatorInfo {
  conditions: Condition[];
  unsupportedConfigOverrides: unknown; // as found, undefined when absent
  quorumGuardOff: boolean; // useUnsupportedUnsafeNonHANonProductionUnstableEtcd parses as true
  forceRedeploymentReason: string | null;
  latestAvailableRevision: number | null;
  nodeStatuses: { nodeName: string; currentRevision?: number; targetRevision?: number }[];
  controlPlaneReplicas: number; // spec.observedConfig.controlPlane.replicas (4.11+), else the install-config, master Machines, Nodes
}

export interface ClusterState {
  release: string | null; // e.g. "4.14.8": the etcd operator's version (clusteroperator/etcd), else the last Completed ClusterVersion entry; null when unreadable
  platform: string | null; // infrastructure status.platformStatus.type
  /** infrastructure status.controlPlaneTopology as found (lib/cluster/topology.ts); null/absent: the field is not there (4.6/4.7) */
  topology?: string | null;
  members: EtcdMember[];
  /** pod the member list was read from (a healthy etcd pod on another node), null when none could be used */
  memberSource: string | null;
  memberListError?: string;
  /** `etcdctl alarm list` from the same pod; absent when it could not be read */
  alarms?: EtcdAlarm[];
  pods: EtcdPod[];
  nodes: NodeInfo[]; // control-plane nodes
  machines: MachineInfo[] | null; // null: no Machine API (UPI / platform none)
  controlPlaneMachineSet: { state: 'Active' | 'Inactive' } | null;
  /** platform BareMetal: the BareMetalHosts (openshift-machine-api); absent elsewhere */
  hosts?: HostInfo[];
  secrets: NodeSecrets[];
  /** nodes that have etcd-peer-<node> secrets in openshift-etcd but no Node (a deleted master's leftovers) */
  strandedSecretNodes?: string[];
  etcd: EtcdOperatorInfo;
}

export type Scenario = 'healthy' | 'not-ready' | 'crashloop' | 'quorum-lost' | 'unsafe';

export interface Diagnosis {
  scenario: Scenario;
  member: { id: MemberId; name: string; node: string; machine: string | null } | null;
  reasons: string[];
  action: string;
  /** a replacement someone else started (no journal of ours covers it): what the live cluster shows is done */
  partial?: PartialReplacement;
}

/**
 * A half-done replacement read from the live cluster (lib/diagnose/partial.ts): which procedure, how far it got, and
 * the objects the remaining steps work on. Plain data: it goes into the plan facts (and so into the journal).
 */
export interface PartialReplacement {
  procedure: 'A' | 'B';
  /** one line naming the stage, e.g. "member removed, no machine replaces it" */
  stage: string;
  /** what the cluster shows, one fact per line (shown before the question) */
  facts: string[];
  memberRemoved: boolean;
  /** the old node, while it (or its etcd secrets) is still there; null when nothing names it any more */
  oldNode: string | null;
  oldNodeIP: string | null;
  /** the old node object still exists */
  oldNodePresent: boolean;
  /** the old node's etcd secrets still present (etcd-peer-, etcd-serving-, etcd-serving-metrics-<node>) */
  oldSecrets: string[];
  /** the quorum guard was already off (unsupportedConfigOverrides) */
  guardOff: boolean;
  /** the old machine, while it exists */
  oldMachine: string | null;
  oldMachineDeleting: boolean;
  /** the machine that replaces the old one (Provisioning … Running), its node once it has one */
  newMachine: string | null;
  newNode: string | null;
  /** a surviving master's machine to copy when no machine replaces the old one and no CPMS will */
  templateMachine: string | null;
  /** procedure B: the old node has no etcd pod any more (its static pod manifest was moved away) */
  etcdPodGone?: boolean;
}
