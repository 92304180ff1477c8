// A real NOSPACE alarm (fault `etcd-alarm-nospace`): the members run with a small --quota-backend-bytes and the
// keyspace is filled until etcd itself refuses a write and raises the alarm.
//   - OpenShift sets the flag on every member: github:openshift/cluster-etcd-operator bindata/etcd/pod.yaml
//     `--quota-backend-bytes=${ETCD_QUOTA_BACKEND_BYTES}` (8 GiB by default, release-4.6 … 4.18).
//   - etcd (etcd-io/etcd release-3.4 etcdserver/quota.go, api/v3rpc/quota.go): a put that would take the backend past
//     the quota fails with "etcdserver: mvcc: database space exceeded" and the server proposes an AlarmRequest
//     (NOSPACE) through raft, so every member lists it (`etcdctl alarm list`: `memberID:<decimal> alarm:NOSPACE`) and
//     accepts only reads and deletes until `etcdctl alarm disarm` after space is freed (compact + defrag).
import { clientURL, etcdctl } from './etcd.ts';
import type { SimNode } from '../world/context.ts';

/** The quota the sim gives its members under this fault: small enough to fill in a few puts. */
export const SMALL_QUOTA_BYTES = 2 * 1024 * 1024;

/** Put ~100 KB values (a single argv string stays under Linux's 128 KiB limit) until etcd answers NOSPACE; returns the alarm list. */
export async function fillUntilNoSpace(nodes: SimNode[], log: (l: string) => void): Promise<string> {
  const endpoints = nodes.map((n) => clientURL(n));
  const value = 'x'.repeat(100 * 1024);
  for (let i = 0; i < 200; i++) {
    const r = await etcdctl(endpoints, ['put', `/sim/fill/${String(i).padStart(4, '0')}`, value], { timeoutMs: 15_000 });
    if (r.exitCode !== 0) {
      if (!/database space exceeded/.test(r.stderr)) {
        log(`fault etcd-alarm-nospace: put ${i} failed: ${r.stderr.trim().split('\n').pop()}`);
        continue;
      }
      break;
    }
  }
  for (let i = 0; i < 50; i++) {
    const a = await etcdctl(endpoints, ['alarm', 'list'], { timeoutMs: 10_000 });
    if (/alarm:NOSPACE/.test(a.stdout)) return a.stdout.trim();
    await new Promise((res) => setTimeout(res, 200));
  }
  throw new Error('fault etcd-alarm-nospace: etcd raised no NOSPACE alarm');
}
