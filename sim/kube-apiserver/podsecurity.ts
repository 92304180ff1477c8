// Pod Security admission (kube-apiserver's built-in PodSecurity plugin, k8s.io/pod-security-admission, Kubernetes
// 1.23+ / OpenShift 4.11+): a pod is checked against the level its namespace's label
// `pod-security.kubernetes.io/enforce` names (privileged | baseline | restricted; no label: the cluster default, which
// OpenShift's kube-apiserver sets to privileged for enforcement, openshift/cluster-kube-apiserver-operator
// bindata/assets/config/defaultconfig.yaml PodSecurity `enforce: privileged`). Creation, dry runs included
// (admission runs for dryRun=All), is refused with 403 Forbidden and the message of admission.go
// (`violates PodSecurity "<level>:<version>": <check> (<detail>), …`), the checks of policy/check_*.go:
//   baseline: hostNamespaces (check_hostNamespaces.go), hostPathVolumes (check_hostPathVolumes.go),
//             privileged (check_privileged.go), and for restricted also allowPrivilegeEscalation, capabilities,
//             runAsNonRoot, runAsUser, seccompProfile (check_*_restricted.go).
// Only the checks a pod of this project can break are modelled (host namespaces, hostPath, privileged, root).
import { ApiError } from './status.ts';

export const ENFORCE_LABEL = 'pod-security.kubernetes.io/enforce';
const VERSION_LABEL = 'pod-security.kubernetes.io/enforce-version';

function containers(pod: any): any[] {
  return [...(pod?.spec?.initContainers ?? []), ...(pod?.spec?.containers ?? [])];
}

/** The reasons `pod` breaks `level` (empty: allowed), in the plugin's wording. */
export function podSecurityViolations(pod: any, level: string): string[] {
  if (level !== 'baseline' && level !== 'restricted') return [];
  const out: string[] = [];
  const spec = pod?.spec ?? {};
  const hostNs = [spec.hostNetwork ? 'hostNetwork=true' : '', spec.hostPID ? 'hostPID=true' : '', spec.hostIPC ? 'hostIPC=true' : ''].filter(Boolean);
  if (hostNs.length) out.push(`host namespaces (${hostNs.join(', ')})`);
  const hostPaths = ((spec.volumes ?? []) as any[]).filter((v) => v?.hostPath).map((v) => `"${v.name}"`);
  if (hostPaths.length) out.push(`hostPath volumes (volume${hostPaths.length > 1 ? 's' : ''} ${hostPaths.join(', ')})`);
  const priv = containers(pod).filter((c) => c?.securityContext?.privileged === true).map((c) => `"${c.name}"`);
  if (priv.length) out.push(`privileged (container${priv.length > 1 ? 's' : ''} ${priv.join(', ')} must not set securityContext.privileged=true)`);
  if (level === 'restricted') {
    const all = containers(pod);
    const noEsc = all.filter((c) => c?.securityContext?.allowPrivilegeEscalation !== false).map((c) => `"${c.name}"`);
    if (noEsc.length) out.push(`allowPrivilegeEscalation != false (container${noEsc.length > 1 ? 's' : ''} ${noEsc.join(', ')} must set securityContext.allowPrivilegeEscalation=false)`);
    const caps = all.filter((c) => !((c?.securityContext?.capabilities?.drop ?? []) as string[]).includes('ALL')).map((c) => `"${c.name}"`);
    if (caps.length) out.push(`unrestricted capabilities (container${caps.length > 1 ? 's' : ''} ${caps.join(', ')} must set securityContext.capabilities.drop=["ALL"])`);
    const nonRoot = spec.securityContext?.runAsNonRoot === true || all.every((c) => c?.securityContext?.runAsNonRoot === true);
    if (!nonRoot) out.push(`runAsNonRoot != true (pod or container${all.length > 1 ? 's' : ''} ${all.map((c) => `"${c.name}"`).join(', ')} must set securityContext.runAsNonRoot=true)`);
    const root = all.filter((c) => c?.securityContext?.runAsUser === 0).map((c) => `"${c.name}"`);
    if (root.length) out.push(`runAsUser=0 (container${root.length > 1 ? 's' : ''} ${root.join(', ')} must not set runAsUser=0)`);
  }
  return out;
}

/** Throws the plugin's 403 when the namespace's enforce level refuses the pod. */
export function admitPodSecurity(pod: any, namespace: any): void {
  const labels = namespace?.metadata?.labels ?? {};
  const level = String(labels[ENFORCE_LABEL] ?? 'privileged');
  const why = podSecurityViolations(pod, level);
  if (!why.length) return;
  const version = String(labels[VERSION_LABEL] ?? 'latest');
  throw new ApiError(403, 'Forbidden', `pods "${pod?.metadata?.name ?? ''}" is forbidden: violates PodSecurity "${level}:${version}": ${why.join(', ')}`, { name: pod?.metadata?.name, kind: 'pods' });
}
