// Step `wait-rollout`: wait until the new member is in (pod ready, member started, healthy, promoted).
import type { Kube } from '../../cluster/kubectl.ts';
import { readClusterState } from '../../cluster/read.ts';
import type { ClusterState } from '../../types.ts';
import { etcdctlArgs } from '../../etcd/exec.ts';
import { waitFor, type PlanFacts, type RunContext, type Step } from '../step.ts';
import { NS_ETCD, TIMEOUTS } from './shared.ts';
import { forceRedeployArgs, uniqueStamp } from './redeploy.ts';

/** What is still missing for "the replacement member is in": '' when complete. */
export function rolloutGap(state: ClusterState, f: PlanFacts, newNode: string | null): string {
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
  const unhealthy = voters.filter((m) => m.healthy !== true);
  if (unhealthy.length) gaps.push(`unhealthy: ${unhealthy.map((m) => m.name || m.id).join(', ')}`);
  if (newNode && !voters.some((m) => m.name === newNode)) gaps.push(`no started member named ${newNode}`);
  return gaps.join('; ');
}

export function waitRolloutStep(kube: Kube, f: PlanFacts, newNodeOf: (ctx: RunContext) => string | null): Step {
  return {
    id: 'wait-rollout',
    title: `Wait for the new etcd member to be started, healthy and promoted (${f.controlPlaneReplicas} members)`,
    command: [
      kube.display(['-n', NS_ETCD, 'get', 'pods', '-l', 'k8s-app=etcd']),
      kube.display(etcdctlArgs(f.execPod, ['member', 'list', '-w', 'table'])),
      `if only ${f.controlPlaneReplicas - 1} etcd pods/members after ${Math.round(TIMEOUTS.forceRedeployAfter / 1000)}s: ${kube.display(forceRedeployArgs('recovery-<timestamp>'))}`,
    ],
    destructive: false,
    async precondition() {
      return 'run';
    },
    async act(ctx) {
      const started = Date.now();
      let lastGap = '';
      await waitFor(
        'the new etcd member (pod ready, member started, healthy, not a learner)',
        async () => {
          const state = await readClusterState(kube);
          const gap = rolloutGap(state, f, newNodeOf(ctx));
          if (!gap) return true;
          if (gap !== lastGap) ctx.note((lastGap = gap));
          const etcdPods = state.pods.length;
          const voters = state.members.filter((m) => !m.isLearner && m.started).length;
          if (
            Date.now() - started > TIMEOUTS.forceRedeployAfter &&
            typeof ctx.vars.recoveryRedeploy !== 'string' &&
            (etcdPods < f.controlPlaneReplicas || voters < f.controlPlaneReplicas)
          ) {
            const reason = `recovery-${uniqueStamp()}`;
            await kube.run(forceRedeployArgs(reason), { retries: 4 });
            ctx.record('recoveryRedeploy', reason);
            ctx.note(`only ${etcdPods} etcd pods / ${voters} members: forced a redeployment (${reason})`);
          }
          return gap;
        },
        { timeoutMs: TIMEOUTS.rollout },
      );
      return `member on ${newNodeOf(ctx)} started and healthy`;
    },
    async verify(ctx) {
      // Polled, not read once: the operator may still be rolling a newer revision through the nodes, which
      // restarts each etcd pod in turn (not ready for a moment) although the member is in.
      await waitFor(
        'the rollout to settle with the new member in',
        async () => rolloutGap(await readClusterState(kube), f, newNodeOf(ctx)) || true,
        { timeoutMs: TIMEOUTS.rollout },
      );
    },
  };
}
