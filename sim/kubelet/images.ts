// The kubelet's image manager, as far as a pod of this project meets it (kubernetes pkg/kubelet/images/image_manager.go
// EnsureImageExists, Kubernetes 1.19–1.31): the pull policy decides whether the image is pulled —
//   Never: never; IfNotPresent: only when the node does not have it; Always: every time —
// and the policy defaults (pkg/apis/core/v1/defaults.go SetDefaults_Container) to Always for an image tagged `latest`
// or without a tag (and no digest), else IfNotPresent. A failed pull leaves the container waiting with reason
// ErrImagePull (the runtime's error as message), then ImagePullBackOff (`Back-off pulling image "<image>"`)
// (pkg/kubelet/images/types.go). The node's images are those of its static pods (they run there) and those pulled
// before. Scenario key `registry: unreachable`: every pull fails as CRI-O reports a registry it cannot resolve
// (cri-o/cri-o server/image_pull.go wraps containers/image's `pinging container registry <host>: …`).
export type PullPolicy = 'Always' | 'IfNotPresent' | 'Never';

export function defaultPullPolicy(image: string): PullPolicy {
  if (image.includes('@')) return 'IfNotPresent';
  const last = image.split('/').pop() ?? image;
  const tag = last.includes(':') ? last.slice(last.lastIndexOf(':') + 1) : '';
  return !tag || tag === 'latest' ? 'Always' : 'IfNotPresent';
}

/** Does starting a container with `image` under `policy` need a pull on a node that has `present`? */
export function needsPull(image: string, policy: string | undefined, present: Set<string>): boolean {
  const p = (policy as PullPolicy | undefined) ?? defaultPullPolicy(image);
  if (p === 'Never') return false;
  if (p === 'Always') return true;
  return !present.has(image);
}

/** The registry host of an image reference (docker.io when the first part is not a host). */
export function registryHost(image: string): string {
  const first = image.split('/')[0] ?? '';
  return image.includes('/') && (first.includes('.') || first.includes(':') || first === 'localhost') ? first : 'docker.io';
}

/** The runtime's error for a pull from an unreachable registry. */
export function unreachablePullError(image: string): string {
  const host = registryHost(image);
  return `rpc error: code = Unknown desc = pinging container registry ${host}: Get "https://${host}/v2/": dial tcp: lookup ${host}: no such host`;
}
