// Step `remove-member`: etcdctl member remove by hex ID, after the live safety re-check (anchors.md §0 rules 1, 5, 6).
import { isTransient, type Kube } from '../../cluster/kubectl.ts';
import type { ClusterState } from '../../types.ts';
import { parseMemberList } from '../../etcd/members.ts';
import { etcdctlArgs } from '../../etcd/exec.ts';
import { StepRefusal, waitFor, type PlanFacts, type Step, type Target } from '../step.ts';
import { TIMEOUTS, lastLines, liveState, peerHost, pickExecPod } from './shared.ts';

/** Reasons it is NOT safe to remove `target` right now (empty = safe). Pure; anchors.md §0 rules 1, 5, 6. */
export function removalRefusals(state: ClusterState, target: Target): string[] {
  const reasons: string[] = [];
  const m = state.members.find((x) => x.id === target.memberId);
  if (!m) return reasons; // already gone: nothing to check
  if (m.healthy === true) reasons.push(`member ${m.id} (${m.name}) is healthy again: refusing to remove a healthy member`);
  else if (m.healthy !== false) reasons.push(`the health of member ${m.id} (${m.name}) is unknown: refusing to remove a member not seen unhealthy`);
  if (m.name && m.name !== target.node) reasons.push(`member ${m.id} is named ${m.name}, not ${target.node}`);
  if (!peerHost(m).includes(target.nodeIP)) reasons.push(`member ${m.id} has peer URL(s) ${m.peerURLs.join(',') || '(none)'}, not https://${target.nodeIP.includes(":") ? `[${target.nodeIP}]` : target.nodeIP}:2380`);
  const others = state.members.filter((x) => x.id !== target.memberId);
  const learners = others.filter((x) => x.isLearner || !x.started);
  if (learners.length > 0) reasons.push(`a learner or unstarted member exists (${learners.map((x) => x.id).join(', ')}): another replacement is in progress`);
  const voters = others.filter((x) => !x.isLearner && x.started);
  const healthy = voters.filter((x) => x.healthy === true);
  const quorum = Math.floor(voters.length / 2) + 1;
  if (healthy.length < quorum) {
    reasons.push(`after removing ${m.id}, ${healthy.length} of ${voters.length} voting members would be healthy; quorum needs ${quorum}`);
  }
  const pod = pickExecPod(state, target.node);
  if (!pod) reasons.push(`no ready etcd pod outside ${target.node} to run etcdctl in`);
  if (state.memberSource && state.pods.find((p) => p.name === state.memberSource)?.node === target.node) {
    reasons.push(`the member list was read from the target's own pod ${state.memberSource}`);
  }
  return reasons;
}

/** Tries of `member remove` whose failure left the member listed (each after a fresh safety re-check). */
const REMOVE_ATTEMPTS = 4;

export function removeMemberStep(kube: Kube, f: PlanFacts): Step {
  const t = f.target;
  let pod = f.execPod;
  const args = (p: string) => etcdctlArgs(p, ['member', 'remove', t.memberId]);
  return {
    id: 'remove-member',
    title: `Remove etcd member ${t.memberId} (${t.memberName || t.node})`,
    command: [kube.display(args(f.execPod))],
    destructive: true,
    async precondition(ctx) {
      const state = await liveState(kube);
      if (!state.members.some((m) => m.id === t.memberId)) {
        ctx.note(`member ${t.memberId} is already gone`);
        return 'skip';
      }
      const reasons = removalRefusals(state, t);
      if (reasons.length) throw new StepRefusal(reasons.join('; '));
      pod = pickExecPod(state, t.node)!;
      return 'run';
    },
    async act(ctx) {
      // `member remove` is never repeated blindly: after a failure whose outcome is unknown (stream cut, timeout,
      // "leader changed"), the live member list decides: gone → done; still there → re-check safety, then try again.
      for (let attempt = 1; ; attempt++) {
        const r = await kube.run(args(pod), { allowFailure: true, timeoutMs: 60_000 });
        if (r.exitCode === 0) return r.stdout.trim().replace(/\s+/g, ' ');
        if (/member not found/i.test(r.stderr)) return `member ${t.memberId} was already removed`;
        const why = lastLines(r.stderr || r.stdout, 2);
        if (!isTransient(r.stderr) || attempt >= REMOVE_ATTEMPTS) throw new Error(`etcdctl member remove ${t.memberId} failed: ${why}`);
        const state = await liveState(kube);
        if (!state.members.some((m) => m.id === t.memberId)) {
          ctx.note(`the reply to member remove was lost (${why}); the member list shows ${t.memberId} is gone`);
          return `member ${t.memberId} removed`;
        }
        const reasons = removalRefusals(state, t);
        if (reasons.length) throw new StepRefusal(reasons.join('; '));
        pod = pickExecPod(state, t.node)!;
        ctx.note(`member remove failed (${why}); ${t.memberId} is still listed, trying again in ${pod}`);
      }
    },
    async verify() {
      await waitFor(
        `member ${t.memberId} to leave the member list`,
        async () => {
          const r = await kube.run(etcdctlArgs(pod, ['member', 'list', '-w', 'json']), { allowFailure: true });
          if (r.exitCode !== 0) return lastLines(r.stderr, 1);
          const ids = parseMemberList(r.stdout).map((m) => m.id);
          return ids.includes(t.memberId) ? `still listed` : true;
        },
        { timeoutMs: TIMEOUTS.memberGone },
      );
    },
  };
}
