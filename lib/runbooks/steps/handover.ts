// Step `hand-over`: the last step of the first of two replacements (5 members, 2 down). The etcd operator adds no
// member while any member is unhealthy (OPERATOR@release-4.14 pkg/operator/clustermembercontroller/
// clustermembercontroller.go: "unhealthy members found during reconciling members"), so the new member of this run's
// node cannot join until the other unhealthy member is removed too: check what this run can (old member gone, the
// healthy voters still a majority) and name the next run.
import type { Kube } from '../../cluster/kubectl.ts';
import { etcdctlArgs } from '../../etcd/exec.ts';
import { waitFor, type PlanFacts, type Step } from '../step.ts';
import { TIMEOUTS, liveState } from './shared.ts';

export function handOverStep(kube: Kube, f: PlanFacts): Step {
  const others = f.otherUnhealthy ?? [];
  const next = others.map((n) => `auto --member ${n}`).join(', then ');
  return {
    id: 'hand-over',
    title: `Verify: member ${f.target.memberId} gone, quorum kept; the new member joins after ${next}`,
    command: [kube.display(etcdctlArgs(f.execPod, ['member', 'list', '-w', 'table']))],
    destructive: false,
    async precondition() {
      return 'run';
    },
    async act(ctx) {
      let summary = '';
      await waitFor(
        `member ${f.target.memberId} gone and a healthy majority of voting members`,
        async () => {
          const s = await liveState(kube);
          if (s.members.some((m) => m.id === f.target.memberId)) return `member ${f.target.memberId} is still listed`;
          const voters = s.members.filter((m) => !m.isLearner);
          const healthy = voters.filter((m) => m.healthy === true);
          if (healthy.length < Math.floor(voters.length / 2) + 1) return `${healthy.length} of ${voters.length} voting members healthy`;
          summary = `${healthy.length} of ${voters.length} voting members healthy; still unhealthy: ${voters.filter((m) => m.healthy !== true).map((m) => m.name || m.id).join(', ') || 'none'}`;
          return true;
        },
        { timeoutMs: TIMEOUTS.finalVerify },
      );
      // the exact next command: it needs no --force-backup (auto predicts the backup refusal this repair causes)
      ctx.note(`next, run: ${others.map((n) => `${ctx.cli} auto --member ${n}`).join(', then ')} (the etcd operator adds the new members once no member is unhealthy)`);
      return summary;
    },
    async verify() {},
  };
}
