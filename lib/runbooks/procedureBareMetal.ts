// Procedure A on bare metal (openshift.md §1.6, docs module restore-replace-stopped-baremetal-etcd-member): the machine
// runs on a Metal3 BareMetalHost, and a new Machine is provisioned only onto an available host, so the host is
// deleted and created again (or replaced by `--bmh FILE`) around the machine swap.
// baremetal operator Available → backup → member remove → quorum guard off (4.8+) → delete secrets → save host (+ machine)
// → delete host → delete machine (→ remove its finalizer if stuck) → node gone → create host (→ machine from YAML)
// → host provisioned → machine Running → (4.11+) the machine lists the node's IP → rollout → restore overrides (4.8+) → final verify.
import type { Kube } from '../cluster/kubectl.ts';
import type { PlanFacts, Step } from './step.ts';
import { releaseAtLeast } from './steps/shared.ts';
import { backupStep } from './steps/backup.ts';
import { removeMemberStep } from './steps/member.ts';
import { quorumGuardOffStep, quorumGuardRestoreStep } from './steps/quorum-guard.ts';
import { deleteNodeStep } from './steps/node.ts';
import { deleteSecretsStep } from './steps/secrets.ts';
import { createMachineStep, saveMachineStep, waitMachineStep } from './steps/machine.ts';
import {
  checkBaremetalOperatorStep,
  checkMachineAddressStep,
  createHostStep,
  deleteBareMetalMachineStep,
  deleteHostStep,
  removeMachineFinalizerStep,
  saveHostStep,
  waitHostStep,
} from './steps/baremetal.ts';
import { waitRolloutStep } from './steps/rollout.ts';
import { finalVerifyStep } from './steps/verify.ts';

export function procedureBareMetal(kube: Kube, f: PlanFacts): Step[] {
  const cpms = f.machineMode === 'cpms';
  const guard = releaseAtLeast(f.release, '4.8');
  const steps: Step[] = [checkBaremetalOperatorStep(kube), backupStep(kube, f), removeMemberStep(kube, f)];
  if (guard) steps.push(quorumGuardOffStep(kube));
  steps.push(deleteSecretsStep(kube, f), saveHostStep(kube, f));
  if (!cpms) steps.push(saveMachineStep(kube, f));
  steps.push(
    deleteHostStep(kube, f),
    deleteBareMetalMachineStep(kube, f, cpms),
    removeMachineFinalizerStep(kube, f),
    deleteNodeStep(kube, f),
    createHostStep(kube, f),
  );
  if (!cpms) steps.push(createMachineStep(kube));
  steps.push(waitHostStep(kube, f), waitMachineStep(kube, f));
  // 4.11+: the etcd operator adds a member only for a node some Machine lists (getEtcdPeerURLToAdd)
  if (releaseAtLeast(f.release, '4.11')) steps.push(checkMachineAddressStep(kube, f));
  steps.push(waitRolloutStep(kube, f, (ctx) => (typeof ctx.vars.newNode === 'string' ? ctx.vars.newNode : null), { forceRedeploy: true }));
  if (guard) steps.push(quorumGuardRestoreStep(kube, f));
  steps.push(finalVerifyStep(kube, f, { endpointHealth: true }));
  return steps;
}
