// A kubeconfig for the simulated API server: plain http, a bearer-token user, context `admin`
// (current) and a second context `sim` pointing at the same server.
// kubectl sends no token over plain http, so `identity` (optional) is how a kubeconfig picks the
// user the server sees: the server URL gets the prefix `/sim-user/<identity>` (see server.ts,
// used to simulate Forbidden via the ConfigMap sim-system/forbidden-users).
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import YAML from 'yaml';

// With `tls` (the API server's https listener), a cluster `sim-tls` (its CA inline), a user `kubeadmin` with the token
// `oc login -u kubeadmin` would store, and a context `tls` joining them: kubectl sends tokens and --as only over TLS.
export function writeKubeconfig(
  path: string,
  url: string,
  opts: { cluster?: string; context?: string; user?: string; token?: string; identity?: string; tls?: { url: string; caPem: string; token: string }; users?: { name: string; token: string }[] } = {},
): void {
  const cluster = opts.cluster ?? 'sim';
  const context = opts.context ?? 'admin';
  const user = opts.user ?? 'admin';
  const token = opts.token ?? 'sim-admin-token';
  const doc = {
    apiVersion: 'v1',
    kind: 'Config',
    preferences: {},
    clusters: [
      { name: cluster, cluster: { server: opts.identity ? `${url.replace(/\/+$/, '')}/sim-user/${encodeURIComponent(opts.identity)}` : url } },
      ...(opts.tls ? [{ name: 'sim-tls', cluster: { server: opts.tls.url, 'certificate-authority-data': Buffer.from(opts.tls.caPem).toString('base64') } }] : []),
    ],
    users: [
      { name: user, user: { token } },
      ...(opts.tls ? [{ name: 'kubeadmin', user: { token: opts.tls.token } }] : []),
      ...(opts.tls ? (opts.users ?? []).map((u) => ({ name: u.name, user: { token: u.token } })) : []),
    ],
    contexts: [
      { name: context, context: { cluster, user, namespace: 'default' } },
      ...(context !== cluster ? [{ name: cluster, context: { cluster, user } }] : []),
      ...(opts.tls ? [{ name: 'tls', context: { cluster: 'sim-tls', user: 'kubeadmin' } }] : []),
      // scenario key `users`: a context named after each user, over TLS (kubectl sends tokens only there)
      ...(opts.tls ? (opts.users ?? []).map((u) => ({ name: u.name, context: { cluster: 'sim-tls', user: u.name } })) : []),
    ],
    'current-context': context,
  };
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(path, YAML.stringify(doc), { mode: 0o600 });
}
