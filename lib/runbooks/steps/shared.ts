// What the step families share: namespaces, real-world timeouts, release gates, live reads of the cluster
// (member list, etcd CR, node readiness) and the etcd pod that etcdctl runs in.
import type { Kube } from '../../cluster/kubectl.ts';
import { ETCD_POD_SELECTOR, isEtcdMemberPod, readClusterState, toEtcdPod, toNodeInfo } from '../../cluster/read.ts';
import type { ClusterState, EtcdMember, EtcdPod } from '../../types.ts';
import { hostOf, normalizeId, parseMemberList } from '../../etcd/members.ts';
import { applyHealth, parseEndpointHealth } from '../../etcd/health.ts';
import { ETCD_NS, etcdctlArgs } from '../../etcd/exec.ts';
import { waitFor } from '../step.ts';

export const NS_ETCD = ETCD_NS;

export const NS_MAPI = 'openshift-machine-api';

const MIN = 60_000;

/** Long waits (minutes: a rollout, a machine) back off from the poll interval (1 s) to this between polls. */
export const MAX_POLL_MS = Number(process.env.ETCD_REPLACE_MAX_POLL_MS ?? 10_000);

/** Timeouts: real-world values; the simulator is fast, and waits poll every second. */
export const TIMEOUTS = {
  api: 2 * MIN,
  backup: 15 * MIN,
  memberGone: 2 * MIN,
  machineGone: 20 * MIN,
  machineRunning: 30 * MIN,
  rollout: 30 * MIN,
  finalVerify: Number(process.env.ETCD_REPLACE_FINAL_VERIFY_S ?? 900) * 1000,
  /**
   * stopped-machine procedures: the new node Ready but still only N-1 etcd pods (none on the new node) and no learner,
   * for this long → force a `recovery-` redeployment (docs "Verification" step 1). A new node's first pod waits for its
   * certificates, a new revision and the installer, which rolls one node at a time: minutes on a real cluster.
   */
  forceRedeployAfter: Number(process.env.ETCD_REPLACE_FORCE_REDEPLOY_AFTER_S ?? 600) * 1000,
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

/** Why a read of the cluster is incomplete (member list unreadable, a started member's health not read), or null. */
export function incompleteRead(s: ClusterState): string | null {
  if (s.memberListError || s.members.length === 0) return s.memberListError ?? 'empty member list';
  // every started member is probed; no health means the probe's output was lost (a cut exec stream, a timeout)
  const unknown = s.members.filter((m) => m.started && m.clientURLs.length > 0 && m.healthy === null);
  if (unknown.length) return `health of ${unknown.map((m) => m.id).join(', ')} unknown (endpoint health output incomplete)`;
  return null;
}

/** readClusterState, retried until the member list is readable and every started member's health is known. */
export async function liveState(kube: Kube, timeoutMs = TIMEOUTS.api): Promise<ClusterState> {
  let state: ClusterState | null = null;
  await waitFor(
    'a readable etcd member list',
    async () => {
      const s = await readClusterState(kube);
      const gap = incompleteRead(s);
      if (gap) return gap;
      state = s;
      return true;
    },
    { timeoutMs },
  );
  return state!;
}

/**
 * readClusterState, read again (up to `attempts` times) while the read is incomplete (a flaky API or a cut exec
 * stream), so that one lost answer does not turn into an "unknown health" refusal. Returns the last read either way:
 * the diagnosis judges what it could not read as unknown, never as dead.
 */
export async function settledState(kube: Kube, attempts = 4): Promise<ClusterState> {
  let s = await readClusterState(kube);
  for (let i = 1; i < attempts && incompleteRead(s); i++) {
    await new Promise((r) => setTimeout(r, 1000 * i));
    s = await readClusterState(kube);
  }
  return s;
}

/**
 * Member list (no health) read from a ready etcd pod not on `avoidNode`: two API calls, no health probing. While no
 * such pod is ready (a run resumed in the middle of the operator's rollout, which restarts them one at a time), it
 * waits for one, up to `waitMs`.
 */
export async function liveMembers(kube: Kube, avoidNode: string, waitMs = 120_000): Promise<EtcdMember[]> {
  const deadline = Date.now() + waitMs;
  let ready: any[] = [];
  for (let i = 1; ; i++) {
    const pods = await kube.json(['-n', NS_ETCD, 'get', 'pods', '-l', 'k8s-app=etcd'], { retries: 4 });
    ready = ((pods.items ?? []) as any[]).filter((p) => {
      const cs: any[] = p.status?.containerStatuses ?? [];
      return p.spec?.nodeName !== avoidNode && p.status?.phase === 'Running' && cs.length > 0 && cs.every((c) => c.ready);
    });
    if (ready.length > 0 || Date.now() >= deadline) break;
    await new Promise((r) => setTimeout(r, Math.min(5_000, 1_000 * i)));
  }
  let last = 'no ready etcd pod';
  for (const p of ready) {
    const r = await kube.run(etcdctlArgs(p.metadata.name, ['member', 'list', '-w', 'json']), { allowFailure: true, retries: 2, timeoutMs: 60_000 });
    if (r.exitCode === 0) {
      try {
        return parseMemberList(r.stdout);
      } catch (e) {
        last = (e as Error).message;
        continue;
      }
    }
    last = lastLines(r.stderr, 1);
  }
  throw new Error(`cannot read the etcd member list: ${last}`);
}

/** The static etcd pods (`-l k8s-app=etcd`, named etcd-<node>): one API call. */
export async function etcdPods(kube: Kube): Promise<EtcdPod[]> {
  const list = await kube.json(['-n', NS_ETCD, 'get', 'pods', '-l', ETCD_POD_SELECTOR], { retries: 4 });
  return ((list.items ?? []) as any[]).filter(isEtcdMemberPod).map(toEtcdPod);
}

export const podReady = (p: EtcdPod): boolean => p.phase === 'Running' && p.containerCount > 0 && p.readyCount === p.containerCount;

/**
 * The operator's configmap etcd-endpoints: {member ID (hex, normalized): IP} of the VOTING members (learners are left
 * out; openshift.md §2.2). One API call; null when it cannot be read.
 */
export async function votingEndpoints(kube: Kube): Promise<Map<string, string> | null> {
  const r = await kube.run(['-n', NS_ETCD, 'get', 'configmap', 'etcd-endpoints', '-o', 'json'], { allowFailure: true, retries: 4 });
  if (r.exitCode !== 0) return null;
  const data = JSON.parse(r.stdout).data ?? {};
  const out = new Map<string, string>();
  for (const [k, v] of Object.entries(data)) {
    const id = normalizeId(k);
    if (id) out.set(id, String(v));
  }
  return out;
}

/**
 * Member list (and, with `health`, `endpoint health --cluster`) from one ready etcd pod among `pods`, preferring pods
 * not on `avoidNode`: one or two exec sessions, nothing else.
 */
export async function membersFrom(kube: Kube, pods: EtcdPod[], avoidNode: string, o: { health: boolean }): Promise<EtcdMember[]> {
  const ready = pods.filter(podReady).sort((a, b) => Number(a.node === avoidNode) - Number(b.node === avoidNode));
  let last = 'no ready etcd pod';
  for (const p of ready) {
    // JSON: a list cut short by a broken exec stream (kubectl still exits 0) fails to parse (parseMemberListJson)
    const r = await kube.run(etcdctlArgs(p.name, ['member', 'list', '-w', 'json']), { allowFailure: true, retries: 2, timeoutMs: 60_000 });
    if (r.exitCode !== 0) {
      last = lastLines(r.stderr, 1);
      continue;
    }
    let members: EtcdMember[];
    try {
      members = parseMemberList(r.stdout);
    } catch (e) {
      last = (e as Error).message;
      continue;
    }
    if (!o.health) return members;
    // cut health output leaves a member's health unknown (null), never healthy
    const h = await kube.run(etcdctlArgs(p.name, ['endpoint', 'health', '--cluster', '-w', 'json']), { allowFailure: true, timeoutMs: 60_000 });
    return applyHealth(members, parseEndpointHealth(h.stdout, h.stderr));
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
