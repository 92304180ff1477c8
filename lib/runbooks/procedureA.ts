// Procedure A (openshift.md §1.4): the member's machine is not running or its node is NotReady.
// backup → member remove → quorum guard off (4.8+) → delete node (4.12+, or no Machine API) → delete secrets →
// replace the machine (CPMS: delete; Machine API: copy YAML, delete, create; none: manual) →
// wait for the new member → restore overrides (4.8+) → final verify.
// First of two replacements (5 members, 2 down): no quorum guard steps; ends with hand-over instead of the waits.
import type { Kube } from '../cluster/kubectl.ts';
import type { PlanFacts, Step } from './step.ts';
import { releaseAtLeast } from './steps/shared.ts';
import { backupStep } from './steps/backup.ts';
import { removeMemberStep } from './steps/member.ts';
import { quorumGuardOffStep, quorumGuardRestoreStep } from './steps/quorum-guard.ts';
import { deleteNodeStep, manualNodeStep } from './steps/node.ts';
import { deleteSecretsStep } from './steps/secrets.ts';
import { createMachineStep, deleteMachineStep, saveMachineStep, waitMachineStep } from './steps/machine.ts';
import { waitRolloutStep } from './steps/rollout.ts';
import { finalVerifyStep } from './steps/verify.ts';
import { handOverStep } from './steps/handover.ts';

export function procedureA(kube: Kube, f: PlanFacts): Step[] {
  // Machine already Deleting: once the member is removed the operator releases its preDrain hook and the machine is
  // gone, so its YAML (the only definition of the replacement without a CPMS) is saved before the removal.
  const saveFirst = f.machineMode === 'yaml' && f.machineDeleting === true;
  const steps: Step[] = [backupStep(kube, f), ...(saveFirst ? [saveMachineStep(kube, f)] : []), removeMemberStep(kube, f)];
  // First of two replacements (another member is down too): the quorum guard stays on (with 3 healthy of 4 voters a
  // rollout restarting a member would lose quorum), and the new member joins during the next run, so this run ends
  // after the new machine is up (hand-over). The next run turns the guard off once 3 of 3 voters are healthy.
  const first = (f.otherUnhealthy ?? []).length > 0;
  const guard = releaseAtLeast(f.release, '4.8') && !first;
  if (guard) steps.push(quorumGuardOffStep(kube));
  // The docs delete the node from 4.12 on; before that the Machine API deletes it with the machine. Without a Machine API
  // nobody does, and the operator keeps targeting the dead Node (cert signer and installer work through every master
  // Node: OPERATOR@release-4.6 etcdcertsignercontroller.go), so the rollout never settles: delete it on every release.
  if (releaseAtLeast(f.release, '4.12') || f.machineMode === 'manual') steps.push(deleteNodeStep(kube, f));
  steps.push(deleteSecretsStep(kube, f));
  if (f.machineMode === 'cpms') steps.push(deleteMachineStep(kube, f, true), waitMachineStep(kube, f));
  else if (f.machineMode === 'yaml') steps.push(...(saveFirst ? [] : [saveMachineStep(kube, f)]), deleteMachineStep(kube, f, false), createMachineStep(kube), waitMachineStep(kube, f));
  else steps.push(manualNodeStep(kube, f));
  if (first) return [...steps, handOverStep(kube, f)];
  steps.push(waitRolloutStep(kube, f, (ctx) => (typeof ctx.vars.newNode === 'string' ? ctx.vars.newNode : null), { forceRedeploy: true }));
  if (guard) steps.push(quorumGuardRestoreStep(kube, f));
  steps.push(finalVerifyStep(kube, f, { endpointHealth: true }));
  return steps;
}
