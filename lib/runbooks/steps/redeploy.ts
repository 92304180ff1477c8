// Step `force-redeploy`: a unique spec.forceRedeploymentReason (openshift.md §1.5 step 5, §3.6).
import type { Kube } from '../../cluster/kubectl.ts';
import { waitFor, type PlanFacts, type Step } from '../step.ts';
import { TIMEOUTS, etcdCR } from './shared.ts';

export function forceRedeployArgs(reason: string): string[] {
  return ['patch', 'etcd', 'cluster', '--type=merge', '-p', JSON.stringify({ spec: { forceRedeploymentReason: reason } })];
}

/** Unique redeploy reason: ISO time with nanosecond-ish digits (docs use `date --rfc-3339=ns`). */
export function uniqueStamp(d = new Date()): string {
  const ns = String(process.hrtime.bigint() % 1_000_000n).padStart(6, '0');
  return d.toISOString().replace(/Z$/, `${ns}Z`);
}

export function forceRedeployStep(kube: Kube, f: PlanFacts, prefix: string): Step {
  const reason = `${prefix}-${f.stamp}`;
  const args = forceRedeployArgs(reason);
  return {
    id: 'force-redeploy',
    title: 'Force a redeployment of etcd',
    command: [kube.display(args)],
    destructive: true,
    async precondition(ctx) {
      const cur = (await etcdCR(kube)).spec?.forceRedeploymentReason;
      if (cur === reason) {
        ctx.note(`forceRedeploymentReason is already ${reason}`);
        return 'skip';
      }
      return 'run';
    },
    async act() {
      await kube.run(args, { retries: 4 });
      return `forceRedeploymentReason=${reason}`;
    },
    async verify() {
      await waitFor(`forceRedeploymentReason=${reason}`, async () => (await etcdCR(kube)).spec?.forceRedeploymentReason === reason, { timeoutMs: TIMEOUTS.api });
    },
  };
}
