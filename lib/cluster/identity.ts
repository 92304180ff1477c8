// Who and where a run acts: API server, context, user, cluster ID, for the plan header and the prompt.
// The user is found as `oc whoami` does (openshift/oc pkg/cli/whoami/whoami.go): a SelfSubjectReview
// (authentication.k8s.io/v1) first, then the OpenShift `users/~` object. The cluster ID is ClusterVersion
// spec.clusterID (what Red Hat support and `oc adm must-gather` name a cluster by).
import type { Kube } from './kubectl.ts';
import { redact } from '../security/credential.ts';

export interface ClusterIdentity {
  server: string | null;
  context: string | null;
  user: string | null;
  clusterID: string | null;
}

const SSR = JSON.stringify({ apiVersion: 'authentication.k8s.io/v1', kind: 'SelfSubjectReview' });

export async function whoAmI(kube: Kube): Promise<string | null> {
  const r = await kube.run(['create', '--raw', '/apis/authentication.k8s.io/v1/selfsubjectreviews', '-f', '-'], { input: SSR, allowFailure: true });
  if (r.exitCode === 0) {
    try {
      const name = JSON.parse(r.stdout)?.status?.userInfo?.username;
      if (typeof name === 'string' && name) return name;
    } catch {
      /* fall back */
    }
  }
  const u = await kube.run(['get', '--raw', '/apis/user.openshift.io/v1/users/~'], { allowFailure: true });
  if (u.exitCode === 0) {
    try {
      const name = JSON.parse(u.stdout)?.metadata?.name;
      if (typeof name === 'string' && name) return name;
    } catch {
      /* unknown */
    }
  }
  return null;
}

export async function clusterID(kube: Kube): Promise<string | null> {
  const r = await kube.run(['get', 'clusterversions.v1.config.openshift.io', 'version', '-o', 'jsonpath={.spec.clusterID}'], { allowFailure: true, retries: 2 });
  return r.exitCode === 0 && r.stdout.trim() ? r.stdout.trim() : null;
}

export async function clusterIdentity(kube: Kube): Promise<ClusterIdentity> {
  const [where, user, id] = await Promise.all([kube.server(), whoAmI(kube), clusterID(kube)]);
  // the user name is what the server says; should it ever be a credential (a server naming a user by its token), it
  // shows as <redacted>: kube.server() has sealed the kubeconfig's credentials, --token is sealed from the start
  return { server: kube.opts.server ?? where.server, context: where.context, user: user === null ? null : redact(user), clusterID: id };
}

/** `https://api.x:6443 (context admin, user system:admin, cluster ID 5f2…)` */
export function describeCluster(c: ClusterIdentity): string {
  return `${c.server ?? 'unknown API server'} (context ${c.context ?? 'none'}, user ${c.user ?? 'unknown'}, cluster ID ${c.clusterID ?? 'unknown'})`;
}
