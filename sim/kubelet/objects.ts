// What the kubelet writes about its node and its pods (github:kubernetes/kubernetes pkg/kubelet/nodestatus/setters.go,
// pkg/kubelet/status): the Node object with nodeInfo, conditions and addresses, container statuses and pod conditions.
// Shapes per openshift.md §2.
import type { KObject } from '../kube-apiserver/store.ts';
import { type IPFamily, type SimPlatform } from '../world/context.ts';
import { releaseShape } from '../world/release.ts';
import { now, hashOf } from '../world/names.ts';

function nodeInfo(minor: number, machineID: string) {
  const rhcos = minor >= 16 ? '416.94.202406172220-0' : `4${minor}.92.202311061557-0`;
  return {
    architecture: 'amd64',
    bootID: hashOf(machineID + 'boot', 32).replace(/^(.{8})(.{4})(.{4})(.{4})(.{12})$/, '$1-$2-$3-$4-$5'),
    containerRuntimeVersion: `cri-o://1.${Math.min(minor + 13, 31)}.1-2.rhaos4.${minor}.git8e6f23d.el${minor >= 13 ? 9 : 8}`,
    kernelVersion: minor >= 13 ? '5.14.0-284.40.1.el9_2.x86_64' : '4.18.0-372.73.1.el8_6.x86_64',
    kubeProxyVersion: releaseShape(minor).kubeletVersion,
    kubeletVersion: releaseShape(minor).kubeletVersion,
    machineID,
    operatingSystem: 'linux',
    osImage: `Red Hat Enterprise Linux CoreOS ${rhcos} (${minor >= 13 ? 'Plow' : 'Ootpa'})`,
    systemUUID: hashOf(machineID + 'uuid', 32).replace(/^(.{8})(.{4})(.{4})(.{4})(.{12})$/, '$1-$2-$3-$4-$5'),
  };
}

export function nodeConditions(ready: boolean, ts = now()) {
  const c = (type: string, status: string, reason: string, message: string) => ({
    type,
    status,
    reason,
    message,
    lastHeartbeatTime: ts,
    lastTransitionTime: ts,
  });
  return [
    c('MemoryPressure', 'False', 'KubeletHasSufficientMemory', 'kubelet has sufficient memory available'),
    c('DiskPressure', 'False', 'KubeletHasNoDiskPressure', 'kubelet has no disk pressure'),
    c('PIDPressure', 'False', 'KubeletHasSufficientPID', 'kubelet has sufficient PID available'),
    ready
      ? c('Ready', 'True', 'KubeletReady', 'kubelet is posting ready status')
      : c('Ready', 'False', 'KubeletNotReady', 'container runtime network not ready'),
  ];
}

export interface NodeOpts {
  name: string;
  ip: string;
  role: 'master' | 'worker' | 'arbiter';
  /** masters that also run workloads (single-node OpenShift): worker role too, no master taint */
  schedulable?: boolean;
  minor: number;
  platform: SimPlatform;
  zone?: string;
  /** cloud platforms other than AWS: the instance-type / region / zone labels the cloud provider sets (providers.ts) */
  cloudLabels?: Record<string, string>;
  providerID?: string;
  /** dual-stack / IPv6: the IPv6 InternalIP and the order of the InternalIPs */
  ipv6?: string;
  addressOrder?: IPFamily[];
}

/**
 * A node's InternalIP addresses in the cluster's order. Dual-stack nodes list one per family and the order need not
 * follow the service network (the operator searches for the service network's family: OPERATOR@main
 * pkg/dnshelpers/util.go GetPreferredInternalIPAddressForNodeName).
 */
export function internalIPAddresses(n: { ip: string; ipv6?: string }, order: IPFamily[] = ['IPv4']): { type: 'InternalIP'; address: string }[] {
  return order.map((f) => (f === 'IPv6' ? n.ipv6 : n.ip)).filter((a): a is string => !!a).map((address) => ({ type: 'InternalIP' as const, address }));
}

export function node(o: NodeOpts): KObject {
  const labels: Record<string, string> = {
    'beta.kubernetes.io/arch': 'amd64',
    'beta.kubernetes.io/os': 'linux',
    'kubernetes.io/arch': 'amd64',
    'kubernetes.io/hostname': o.name,
    'kubernetes.io/os': 'linux',
    'node.openshift.io/os_id': 'rhcos',
  };
  if (o.role === 'master') {
    labels['node-role.kubernetes.io/master'] = '';
    labels['node-role.kubernetes.io/control-plane'] = '';
    // single-node OpenShift: masters are schedulable and carry the worker role too (installer
    // pkg/asset/manifests/scheduler.go mastersSchedulable with no compute; docs "Installing on a single node": ROLES
    // control-plane,master,worker)
    if (o.schedulable) labels['node-role.kubernetes.io/worker'] = '';
  } else if (o.role === 'arbiter') {
    // the arbiter's kubelet registers with the arbiter role only (openshift/enhancements arbiter-clusters.md,
    // templates/arbiter/**/kubelet.service.yaml: --node-labels=node-role.kubernetes.io/arbiter)
    labels['node-role.kubernetes.io/arbiter'] = '';
  } else {
    labels['node-role.kubernetes.io/worker'] = '';
  }
  if (o.platform === 'aws') {
    labels['node.kubernetes.io/instance-type'] = o.role === 'master' ? 'm6i.xlarge' : 'm6i.large';
    labels['beta.kubernetes.io/instance-type'] = labels['node.kubernetes.io/instance-type'];
    labels['topology.kubernetes.io/region'] = 'us-east-1';
    labels['topology.kubernetes.io/zone'] = o.zone ?? 'us-east-1a';
    labels['failure-domain.beta.kubernetes.io/region'] = 'us-east-1';
    labels['failure-domain.beta.kubernetes.io/zone'] = o.zone ?? 'us-east-1a';
  }
  if (o.cloudLabels) Object.assign(labels, o.cloudLabels);
  const spec: any = {};
  if (o.providerID) spec.providerID = o.providerID;
  if (o.role === 'master' && !o.schedulable) spec.taints = [{ key: 'node-role.kubernetes.io/master', effect: 'NoSchedule' }];
  // --register-with-taints=node-role.kubernetes.io/arbiter=:NoSchedule (arbiter-clusters.md, same template)
  if (o.role === 'arbiter') spec.taints = [{ key: 'node-role.kubernetes.io/arbiter', effect: 'NoSchedule' }];
  const addresses: { type: string; address: string }[] = [...internalIPAddresses(o, o.addressOrder), { type: 'Hostname', address: o.name }];
  if (o.platform === 'aws') addresses.splice(addresses.length - 1, 0, { type: 'InternalDNS', address: o.name });
  return {
    apiVersion: 'v1',
    kind: 'Node',
    metadata: {
      name: o.name,
      labels,
      annotations: {
        'machine.openshift.io/machine': '',
        'machineconfiguration.openshift.io/state': 'Done',
        'volumes.kubernetes.io/controller-managed-attach-detach': 'true',
      },
    },
    spec,
    status: {
      addresses,
      allocatable: { cpu: o.role === 'master' ? '3500m' : '1500m', memory: '15225228Ki', pods: '250', 'ephemeral-storage': '114396791822' },
      capacity: { cpu: o.role === 'master' ? '4' : '2', memory: '16374156Ki', pods: '250', 'ephemeral-storage': '125238252Ki' },
      conditions: nodeConditions(true),
      daemonEndpoints: { kubeletEndpoint: { Port: 10250 } },
      nodeInfo: nodeInfo(o.minor, hashOf(o.name, 32)),
    },
  };
}

// ---------------------------------------------------------------------------------------------
// Controller-owned pods in openshift-etcd.

export function containerStatus(name: string, image: string, ready: boolean, startedAt: string, extra: any = {}) {
  return {
    containerID: `cri-o://${hashOf(name + startedAt + Math.random(), 64)}`,
    image,
    imageID: image,
    lastState: {},
    name,
    ready,
    restartCount: 0,
    started: true,
    state: { running: { startedAt } },
    ...extra,
  };
}

export function podConditions(ready: boolean, ts: string, completed = false) {
  return [
    { type: 'Initialized', status: 'True', lastProbeTime: null, lastTransitionTime: ts, ...(completed ? { reason: 'PodCompleted' } : {}) },
    { type: 'Ready', status: ready ? 'True' : 'False', lastProbeTime: null, lastTransitionTime: ts, ...(completed ? { reason: 'PodCompleted' } : ready ? {} : { reason: 'ContainersNotReady', message: 'containers with unready status: [guard]' }) },
    { type: 'ContainersReady', status: ready ? 'True' : 'False', lastProbeTime: null, lastTransitionTime: ts, ...(completed ? { reason: 'PodCompleted' } : {}) },
    { type: 'PodScheduled', status: 'True', lastProbeTime: null, lastTransitionTime: ts },
  ];
}
