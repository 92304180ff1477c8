// Procedure B (openshift.md §1.5): the node is Ready but its etcd pod crash-loops.
// backup → move the static pod manifest and data dir aside on the node → member remove → quorum guard off (4.8+) →
// delete secrets → force redeploy → wait for the new member → restore overrides (4.8+) → final verify (endpoint health --cluster).
import type { Kube } from '../cluster/kubectl.ts';
import type { PlanFacts, Step } from './step.ts';
import { releaseAtLeast } from './steps/shared.ts';
import { backupStep } from './steps/backup.ts';
import { stopEtcdStep } from './steps/stop-etcd.ts';
import { removeMemberStep } from './steps/member.ts';
import { quorumGuardOffStep, quorumGuardRestoreStep } from './steps/quorum-guard.ts';
import { deleteSecretsStep } from './steps/secrets.ts';
import { forceRedeployStep } from './steps/redeploy.ts';
import { waitRolloutStep } from './steps/rollout.ts';
import { finalVerifyStep } from './steps/verify.ts';

export function procedureB(kube: Kube, f: PlanFacts): Step[] {
  const guard = releaseAtLeast(f.release, '4.8');
  const steps: Step[] = [backupStep(kube, f), stopEtcdStep(kube, f), removeMemberStep(kube, f)];
  // etcd already stopped by someone else (f.finish): what they also did (guard off, secrets deleted) is not listed
  if (guard && !f.finish?.guardOff) steps.push(quorumGuardOffStep(kube));
  if (!f.finish || f.finish.oldSecrets.length) steps.push(deleteSecretsStep(kube, f));
  steps.push(forceRedeployStep(kube, f, 'single-master-recovery'));
  steps.push(waitRolloutStep(kube, f, () => f.target.node, { forceRedeploy: false }));
  if (guard) steps.push(quorumGuardRestoreStep(kube, f));
  steps.push(finalVerifyStep(kube, f, { endpointHealth: true }));
  return steps;
}
