// Running etcdctl inside an etcd pod: ALWAYS `-c etcdctl` (on 4.12+ the default container is `etcd`; openshift.md §2.3).
import type { Kube, RunResult } from '../cluster/kubectl.ts';

export const ETCD_NS = 'openshift-etcd';
export const ETCDCTL_CONTAINER = 'etcdctl';

/** `kubectl -n openshift-etcd exec POD -c etcdctl -- etcdctl ARGS...` */
export function etcdctl(kube: Kube, pod: string, args: string[], o: { allowFailure?: boolean; timeoutMs?: number; retries?: number } = {}): Promise<RunResult> {
  return kube.exec(ETCD_NS, pod, ETCDCTL_CONTAINER, ['etcdctl', ...args], o);
}

/** The argv of that command, for display in plans (`kube.display(etcdctlArgs(pod, ['member','list']))`). */
export function etcdctlArgs(pod: string, args: string[]): string[] {
  return ['-n', ETCD_NS, 'exec', pod, '-c', ETCDCTL_CONTAINER, '--', 'etcdctl', ...args];
}
