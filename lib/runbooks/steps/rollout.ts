// Step `wait-rollout`: wait until the new member is in (pod ready, member started, healthy, promoted).
// The wait is long on a real cluster (the operator makes certificates and a revision, the installer rolls one node at a
// time, the new member stays a learner until it has caught up), so it backs off to MAX_POLL_MS and reads only what it
// waits for: the etcd pods and the operator's etcd-endpoints configmap (two API calls); the member list and endpoint
// health (exec sessions) only once those say the member is in, or once a minute while the new pod is ready.
import type { Kube } from '../../cluster/kubectl.ts';
import type { EtcdMember, EtcdPod } from '../../types.ts';
import { etcdctlArgs } from '../../etcd/exec.ts';
import { waitFor, type PlanFacts, type RunContext, type Step } from '../step.ts';
import { MAX_POLL_MS, NS_ETCD, TIMEOUTS, etcdPods, membersFrom, podReady, votingEndpoints } from './shared.ts';
import { forceRedeployArgs, uniqueStamp } from './redeploy.ts';

export interface RolloutView {
  pods: EtcdPod[];
  members: EtcdMember[];
  memberListError?: string;
}

/** Without an exec: what the pods and etcd-endpoints (voting members only) say is still missing; '' when they say done. */
export function podsAndEndpointsGap(pods: EtcdPod[], endpoints: Map<string, string> | null, f: PlanFacts, newNode: string | null): string {
  if (!newNode) return 'no new control-plane node known yet';
  const pod = pods.find((p) => p.name === `etcd-${newNode}`);
  if (!pod) return `pod etcd-${newNode} does not exist`;
  if (!podReady(pod)) return `pod etcd-${newNode} is ${pod.readyCount}/${pod.containerCount} ready`;
  if (!endpoints) return '';
  const gaps: string[] = [];
  if (endpoints.has(f.target.memberId)) gaps.push(`old member ${f.target.memberId} is still in configmap etcd-endpoints`);
  if (endpoints.size !== f.controlPlaneReplicas) gaps.push(`${endpoints.size} voting members in configmap etcd-endpoints, want ${f.controlPlaneReplicas}`);
  return gaps.join('; ');
}

/** What is still missing for "the replacement member is in": '' when complete. With `health: false` health is not judged. */
export function rolloutGap(state: RolloutView, f: PlanFacts, newNode: string | null, o: { health: boolean } = { health: true }): string {
  const want = f.controlPlaneReplicas;
  const gaps: string[] = [];
  if (!newNode) gaps.push('no new control-plane node known yet');
  else {
    const pod = state.pods.find((p) => p.name === `etcd-${newNode}`);
    if (!pod) gaps.push(`pod etcd-${newNode} does not exist`);
    else if (pod.readyCount !== pod.containerCount || pod.containerCount === 0) gaps.push(`pod etcd-${newNode} is ${pod.readyCount}/${pod.containerCount} ready`);
  }
  if (state.memberListError) gaps.push(`member list: ${state.memberListError}`);
  if (state.members.some((m) => m.id === f.target.memberId)) gaps.push(`old member ${f.target.memberId} is still listed`);
  const learners = state.members.filter((m) => m.isLearner);
  if (learners.length) gaps.push(`learner(s) not promoted yet: ${learners.map((m) => m.id).join(', ')}`);
  const unstarted = state.members.filter((m) => !m.started);
  if (unstarted.length) gaps.push(`${unstarted.length} member(s) not started`);
  const voters = state.members.filter((m) => !m.isLearner && m.started);
  if (voters.length !== want) gaps.push(`${voters.length} started voting members, want ${want}`);
  if (o.health) {
    const unhealthy = voters.filter((m) => m.healthy !== true);
    if (unhealthy.length) gaps.push(`unhealthy: ${unhealthy.map((m) => m.name || m.id).join(', ')}`);
  }
  if (newNode && !voters.some((m) => m.name === newNode)) gaps.push(`no started member named ${newNode}`);
  return gaps.join('; ');
}

/**
 * The docs' "only two pods" case (openshift.md §1.4 Verification, §0.1): the new node is known (its machine Running,
 * node Ready) but no etcd pod runs on it, and only N-1 etcd pods exist besides the old node's.
 */
export function onlyNMinusOnePods(pods: EtcdPod[], f: PlanFacts, newNode: string | null): boolean {
  if (!newNode || pods.some((p) => p.node === newNode)) return false;
  return pods.filter((p) => p.node !== f.target.node).length === f.controlPlaneReplicas - 1;
}

export interface RolloutOptions {
  /**
   * Stopped-machine procedures only (A, bare metal): force a `recovery-` redeployment when the operator has not started
   * an etcd pod on the new node after TIMEOUTS.forceRedeployAfter; never while a learner is catching up.
   * The crash-loop procedure (B) already forced its redeployment and never does it again.
   */
  forceRedeploy?: boolean;
}

/**
 * One poll of the rollout: cheap reads first (etcd pods + etcd-endpoints: two API calls), execs only when they can
 * decide. Returns '' when the member is in. Shared by act and verify: a full check (member list + endpoint health) that
 * passed less than FRESH_MS ago is not repeated while the cheap reads still agree.
 */
const FRESH_MS = 15_000;
function rolloutProbe(kube: Kube, f: PlanFacts) {
  let lastFull = 0;
  let lastOk = 0;
  return async (newNode: string | null): Promise<{ gap: string; pods: EtcdPod[] }> => {
    const [pods, endpoints] = await Promise.all([etcdPods(kube), votingEndpoints(kube)]);
    const cheap = podsAndEndpointsGap(pods, endpoints, f, newNode);
    if (!cheap && Date.now() - lastOk < FRESH_MS) return { gap: '', pods };
    const newPodReady = !!newNode && pods.some((p) => p.name === `etcd-${newNode}` && podReady(p));
    if (cheap && !(newPodReady && Date.now() - lastFull >= 60_000)) return { gap: cheap, pods };
    lastFull = Date.now();
    // the cheap reads say done: member list and health (two execs); else (once a minute) the member list first, and
    // health only if the membership is complete (etcd-endpoints may lag behind the member list)
    let gap = rolloutGap({ pods, members: await membersFrom(kube, pods, f.target.node, { health: !cheap }) }, f, newNode, { health: !cheap });
    if (!gap && cheap) gap = rolloutGap({ pods, members: await membersFrom(kube, pods, f.target.node, { health: true }) }, f, newNode);
    if (!gap) lastOk = Date.now();
    return { gap, pods };
  };
}

export function waitRolloutStep(kube: Kube, f: PlanFacts, newNodeOf: (ctx: RunContext) => string | null, opts: RolloutOptions = {}): Step {
  const after = Math.round(TIMEOUTS.forceRedeployAfter / 1000);
  const probe = rolloutProbe(kube, f);
  return {
    id: 'wait-rollout',
    title: `Wait for the new etcd member to be started, healthy and promoted (${f.controlPlaneReplicas} members)`,
    command: [
      kube.display(['-n', NS_ETCD, 'get', 'pods', '-l', 'k8s-app=etcd']),
      kube.display(etcdctlArgs(f.execPod, ['member', 'list', '-w', 'table'])),
      ...(opts.forceRedeploy
        ? [`if after ${after}s only ${f.controlPlaneReplicas - 1} etcd pods exist (none on the new node) and no learner is catching up: ${kube.display(forceRedeployArgs('recovery-<timestamp>'))}`]
        : []),
    ],
    destructive: false,
    async precondition() {
      return 'run';
    },
    async act(ctx) {
      let lastGap = '';
      let nMinusOneSince: number | null = null;
      await waitFor(
        'the new etcd member (pod ready, member started, healthy, not a learner)',
        async () => {
          const newNode = newNodeOf(ctx);
          const { gap, pods } = await probe(newNode);
          if (!gap) return true;
          if (gap !== lastGap) ctx.note((lastGap = gap));
          if (!opts.forceRedeploy || typeof ctx.vars.recoveryRedeploy === 'string') return gap;
          if (!onlyNMinusOnePods(pods, f, newNode)) {
            nMinusOneSince = null;
            return gap;
          }
          nMinusOneSince ??= Date.now();
          if (Date.now() - nMinusOneSince < TIMEOUTS.forceRedeployAfter) return gap;
          // Never while a new member is being added or catching up: that rollout is progressing.
          const members = await membersFrom(kube, pods, f.target.node, { health: false });
          const joining = members.filter((m) => m.isLearner || !m.started);
          if (joining.length) {
            nMinusOneSince = Date.now();
            ctx.note(`member(s) ${joining.map((m) => m.id).join(', ')} joining: not forcing a redeployment`);
            return gap;
          }
          const reason = `recovery-${uniqueStamp()}`;
          await kube.run(forceRedeployArgs(reason), { retries: 4 });
          ctx.record('recoveryRedeploy', reason);
          ctx.note(`node ${newNode} has no etcd pod after ${after}s (${pods.length} etcd pods): forced a redeployment (${reason})`);
          return gap;
        },
        { timeoutMs: TIMEOUTS.rollout, maxIntervalMs: MAX_POLL_MS },
      );
      return `member on ${newNodeOf(ctx)} started and healthy`;
    },
    async verify(ctx) {
      // Polled, not read once: the operator may still be rolling a newer revision through the nodes, which
      // restarts each etcd pod in turn (not ready for a moment) although the member is in.
      await waitFor('the rollout to settle with the new member in', async () => (await probe(newNodeOf(ctx))).gap || true, {
        timeoutMs: TIMEOUTS.rollout,
        maxIntervalMs: MAX_POLL_MS,
      });
    },
  };
}
