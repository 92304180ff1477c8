// Release-dependent shapes (openshift.md §2.1, §2.2, §2.4, §3).

export interface ReleaseShape {
  minor: number;
  initContainers: string[];
  containers: string[]; // etcdctl first
  defaultContainerAnnotation: boolean; // kubectl.kubernetes.io/default-container: etcd (4.12+)
  guardPods: 'quorum-guard' | 'guard'; // etcd-quorum-guard deployment (<=4.10) vs etcd-guard-<node> (4.11+)
  learners: boolean; // member add --learner (4.11+)
  deletionHooks: boolean; // preDrain EtcdQuorumOperator hook (4.11+)
  quorumGuardCheck: boolean; // operator refuses to scale while not fault tolerant (4.8+)
  memberControllerDegradedOnUnhealthy: boolean; // ClusterMemberControllerDegraded message (4.10–4.13)
  etcdctlApiEnv: boolean; // ETCDCTL_API=3 (<=4.21)
  etcdctlCACert: string;
  scripts: string[];
  etcdVersion: string; // image tag flavour, for display only
  kubeletVersion: string;
}

const KUBE: Record<number, string> = {
  6: 'v1.19.0+d856161',
  7: 'v1.20.0+bafe72f',
  8: 'v1.21.1+9807387',
  9: 'v1.22.0+8db0a4e',
  10: 'v1.23.5+3afdacb',
  11: 'v1.24.0+9546431',
  12: 'v1.25.4+77bec7a',
  13: 'v1.26.3+b404935',
  14: 'v1.27.6+f67aeb3',
  15: 'v1.28.5+c84a6b8',
  16: 'v1.29.5+29c95f3',
  17: 'v1.30.4',
  18: 'v1.31.1',
  // OpenShift 4.19 is Kubernetes 1.32, 4.20 is 1.33 (openshift/kubernetes release-4.19/4.20 branches)
  19: 'v1.32.6',
  20: 'v1.33.5',
};

/**
 * The Kubernetes gitVersion of an OpenShift release (kube-apiserver's /version and the kubelets' nodeInfo): each
 * OpenShift minor ships one Kubernetes minor (openshift/kubernetes release-4.x branches; 4.6 → 1.19 … 4.14 → 1.27 …
 * 4.18 → 1.31, 4.19 → 1.32, 4.20 → 1.33). The kubectl on this machine is the gcloud dispatcher, which runs the
 * kubectl of the server's minor (GoogleCloudPlatform/kubectl-dispatcher README: "executing the exact kubectl version
 * which matches the API Server version") as users' `oc` of that release would be; see sim/kube-apiserver/README.md.
 */
export function kubeVersion(minor: number): string {
  return KUBE[minor] ?? 'v1.27.6';
}

const DEFAULT_PATCH: Record<number, number> = {
  6: 48, 7: 60, 8: 57, 9: 59, 10: 67, 11: 59, 12: 70, 13: 54, 14: 8, 15: 39, 16: 20, 17: 14, 18: 6, 19: 9, 20: 4,
};

export function releaseShape(minor: number): ReleaseShape {
  let initContainers: string[];
  let containers: string[];
  if (minor <= 7) {
    initContainers = ['etcd-ensure-env-vars', 'etcd-resources-copy'];
    containers = ['etcdctl', 'etcd', 'etcd-metrics'];
  } else if (minor <= 11) {
    initContainers = ['setup', 'etcd-ensure-env-vars', 'etcd-resources-copy'];
    containers = ['etcdctl', 'etcd', 'etcd-metrics', 'etcd-health-monitor', 'etcd-readyz'];
  } else if (minor <= 17) {
    initContainers = ['setup', 'etcd-ensure-env-vars', 'etcd-resources-copy'];
    containers = ['etcdctl', 'etcd', 'etcd-metrics', 'etcd-readyz'];
  } else {
    initContainers = ['setup', 'etcd-ensure-env-vars', 'etcd-resources-copy'];
    containers = ['etcdctl', 'etcd', 'etcd-metrics', 'etcd-readyz', 'etcd-rev'];
  }
  const scripts = ['cluster-backup.sh', 'cluster-restore.sh', 'etcd-common-tools', 'etcd.env'];
  if (minor >= 18) scripts.push('quorum-restore.sh', 'disable-etcd.sh');
  return {
    minor,
    initContainers,
    containers,
    defaultContainerAnnotation: minor >= 12,
    guardPods: minor <= 10 ? 'quorum-guard' : 'guard',
    learners: minor >= 11,
    deletionHooks: minor >= 11,
    quorumGuardCheck: minor >= 8,
    memberControllerDegradedOnUnhealthy: minor >= 10 && minor <= 13,
    etcdctlApiEnv: true,
    etcdctlCACert:
      minor >= 17
        ? '/etc/kubernetes/static-pod-certs/configmaps/etcd-all-bundles/server-ca-bundle.crt'
        : minor >= 10
          ? '/etc/kubernetes/static-pod-certs/configmaps/etcd-serving-ca/ca-bundle.crt'
          : '/etc/kubernetes/static-pod-certs/configmaps/etcd-serving-ca/ca-bundle.crt',
    scripts,
    etcdVersion: minor >= 9 ? '3.5' : '3.4',
    kubeletVersion: kubeVersion(minor),
  };
}

export function fullVersion(minor: number, patch?: number): string {
  return `4.${minor}.${patch ?? DEFAULT_PATCH[minor] ?? 0}`;
}

export function etcdImage(minor: number): string {
  // A stable, real-looking digest per minor.
  const hex = (minor * 0x9e3779b1).toString(16).padStart(8, '0');
  return `quay.io/openshift-release-dev/ocp-v4.0-art-dev@sha256:${hex.repeat(8)}`;
}
