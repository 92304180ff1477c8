// What the step families share: namespaces, real-world timeouts, release gates, live reads of the cluster
// (member list, etcd CR, node readiness) and the etcd pod that etcdctl runs in.
import type { Kube } from '../../cluster/kubectl.ts';
import { readClusterState, toNodeInfo } from '../../cluster/read.ts';
import type { ClusterState, EtcdMember } from '../../types.ts';
import { hostOf, parseMemberList } from '../../etcd/members.ts';
import { ETCD_NS, etcdctlArgs } from '../../etcd/exec.ts';
import { waitFor } from '../step.ts';

export const NS_ETCD = ETCD_NS;

export const NS_MAPI = 'openshift-machine-api';

const MIN = 60_000;

/** Timeouts: real-world values; the simulator is fast, and waits poll every second. */
export const TIMEOUTS = {
  api: 2 * MIN,
  backup: 15 * MIN,
  memberGone: 2 * MIN,
  machineGone: 20 * MIN,
  machineRunning: 30 * MIN,
  rollout: 30 * MIN,
  finalVerify: 15 * MIN,
  /** only 2 etcd pods/members after this long → force a redeployment (docs "Verification" step 1) */
  forceRedeployAfter: Number(process.env.ETCD_REPLACE_FORCE_REDEPLOY_AFTER_S ?? 180) * 1000,
};

/** "4.14.8" ≥ "4.12"? Unknown release → treat as newest (the override and node deletion are harmless there). */
export function releaseAtLeast(release: string | null, min: string): boolean {
  if (!release) return true;
  const a = release.split(/[.-]/).map((x) => Number.parseInt(x, 10));
  const b = min.split('.').map((x) => Number.parseInt(x, 10));
  for (let i = 0; i < b.length; i++) {
    const x = Number.isFinite(a[i]) ? a[i]! : 0;
    if (x !== b[i]) return x > b[i]!;
  }
  return true;
}

export function peerHost(m: EtcdMember): string[] {
  return m.peerURLs.map((u) => hostOf(u) ?? u);
}

/** An etcd pod to exec `etcdctl` in: Running, all containers ready, not on `avoidNode`. */
export function pickExecPod(state: ClusterState, avoidNode: string): string | null {
  const readyNodes = new Set(state.nodes.filter((n) => n.ready === true).map((n) => n.name));
  const ok = state.pods.filter(
    (p) => p.node !== avoidNode && readyNodes.has(p.node) && p.phase === 'Running' && p.containerCount > 0 && p.readyCount === p.containerCount,
  );
  if (state.memberSource && ok.some((p) => p.name === state.memberSource)) return state.memberSource;
  return ok[0]?.name ?? null;
}

/** readClusterState, retried until the member list is readable. */
export async function liveState(kube: Kube, timeoutMs = TIMEOUTS.api): Promise<ClusterState> {
  let state: ClusterState | null = null;
  await waitFor(
    'a readable etcd member list',
    async () => {
      const s = await readClusterState(kube);
      if (s.memberListError || s.members.length === 0) return s.memberListError ?? 'empty member list';
      state = s;
      return true;
    },
    { timeoutMs },
  );
  return state!;
}

/** Member list (no health) read from a ready etcd pod not on `avoidNode`: two API calls, no health probing. */
export async function liveMembers(kube: Kube, avoidNode: string): Promise<EtcdMember[]> {
  const pods = await kube.json(['-n', NS_ETCD, 'get', 'pods', '-l', 'k8s-app=etcd'], { retries: 4 });
  const ready = ((pods.items ?? []) as any[]).filter((p) => {
    const cs: any[] = p.status?.containerStatuses ?? [];
    return p.spec?.nodeName !== avoidNode && p.status?.phase === 'Running' && cs.length > 0 && cs.every((c) => c.ready);
  });
  let last = 'no ready etcd pod';
  for (const p of ready) {
    const r = await kube.run(etcdctlArgs(p.metadata.name, ['member', 'list', '-w', 'simple']), { allowFailure: true, retries: 2, timeoutMs: 60_000 });
    if (r.exitCode === 0) return parseMemberList(r.stdout);
    last = lastLines(r.stderr, 1);
  }
  throw new Error(`cannot read the etcd member list: ${last}`);
}

export async function etcdCR(kube: Kube): Promise<any> {
  return kube.json(['get', 'etcd', 'cluster'], { retries: 4 });
}

export async function nodeReady(kube: Kube, name: string): Promise<boolean> {
  const r = await kube.run(['get', 'node', name, '-o', 'json'], { allowFailure: true, retries: 2 });
  if (r.exitCode !== 0) return false;
  return toNodeInfo(JSON.parse(r.stdout)).ready === true;
}

export function lastLines(text: string, n = 5): string {
  return text.trim().split('\n').slice(-n).join(' / ');
}
