// Finishing a replacement someone else started (issue "finish a half-done replacement"): the member is already
// removed, so the plan holds only what remains of procedure A or B, as the live cluster showed it at plan time
// (PlanFacts.finish, from diagnose/partial.ts). No step removes a member. Each step still checks its own
// precondition live and skips what is in place (the old node already deleted, the secrets gone, the etcd data moved).
// A: backup → quorum guard off (4.8+) → delete the old node (4.12+ / no Machine API) → delete its secrets → the
//    machine (CPMS: wait for it; Machine API: delete the stopped one and create one from its YAML, or from a surviving
//    master's YAML when it is gone; none: by hand) → wait for the new member → quorum guard back on → final verify.
// B: backup → stop etcd on the node (manifest and data aside, if not yet) → quorum guard off → delete its secrets →
//    force a redeployment → wait for the new member → quorum guard back on → final verify.
import type { Kube } from '../cluster/kubectl.ts';
import type { PlanFacts, RunContext, Step } from './step.ts';
import { releaseAtLeast } from './steps/shared.ts';
import { backupStep } from './steps/backup.ts';
import { stopEtcdStep } from './steps/stop-etcd.ts';
import { quorumGuardOffStep, quorumGuardRestoreStep } from './steps/quorum-guard.ts';
import { deleteNodeStep, manualNodeStep } from './steps/node.ts';
import { deleteSecretsStep } from './steps/secrets.ts';
import { forceRedeployStep } from './steps/redeploy.ts';
import { createMachineStep, deleteMachineStep, saveMachineStep, waitMachineStep } from './steps/machine.ts';
import { waitRolloutStep } from './steps/rollout.ts';
import { finalVerifyStep } from './steps/verify.ts';
import { procedureBareMetal } from './procedureBareMetal.ts';

export function procedureFinish(kube: Kube, f: PlanFacts): Step[] {
  const p = f.finish!;
  const guard = releaseAtLeast(f.release, '4.8');
  const oldLive = !!p.oldMachine && !p.oldMachineDeleting;
  if (p.procedure === 'A' && f.bareMetal && !p.newMachine) {
    // bare metal, no machine replaces the old one yet: the host route of procedureBareMetal, minus what is done (the
    // member, the guard, the secrets, the node; the old machine once it is gone; the old host's save/delete/create once
    // a new host was created by hand), the new machine's YAML from a surviving master's once the old machine is gone
    const hostDone = f.bareMetal.hostCreated === true;
    const done = new Set([
      'remove-member',
      ...(p.guardOff ? ['quorum-guard-off'] : []),
      ...(p.oldSecrets.length ? [] : ['delete-secrets']),
      ...(p.oldNodePresent ? [] : ['delete-node']),
      ...(p.oldMachine ? [] : ['delete-machine', 'remove-machine-finalizer']),
      ...(hostDone ? ['save-host', 'delete-host', 'create-host'] : f.bareMetal.oldHostGone ? ['delete-host'] : []),
    ]);
    return procedureBareMetal(kube, f)
      .filter((s) => !done.has(s.id))
      .map((s) => (s.id === 'save-machine' && !oldLive && p.templateMachine ? saveMachineStep(kube, f, p.templateMachine) : s));
  }
  const steps: Step[] = [backupStep(kube, f)];
  // the guard already off: the run does not turn it off again, but turns it back on at the end (the docs' end state)
  const guardOff = guard && !p.guardOff;
  if (p.procedure === 'B') {
    if (p.oldNodePresent) steps.push(stopEtcdStep(kube, f));
    if (guardOff) steps.push(quorumGuardOffStep(kube));
    if (p.oldSecrets.length) steps.push(deleteSecretsStep(kube, f));
    steps.push(forceRedeployStep(kube, f, 'single-master-recovery'));
    steps.push(waitRolloutStep(kube, f, () => f.target.node, { forceRedeploy: false }));
  } else {
    if (guardOff) steps.push(quorumGuardOffStep(kube));
    if (p.oldNodePresent && (releaseAtLeast(f.release, '4.12') || f.machineMode === 'manual')) steps.push(deleteNodeStep(kube, f));
    if (p.oldNode && p.oldSecrets.length) steps.push(deleteSecretsStep(kube, f));
    if (p.newMachine) {
      // a replacement machine exists already: the old one (if someone left it) goes, then wait for the new one
      if (oldLive) steps.push(deleteMachineStep(kube, f, true));
      steps.push(waitMachineStep(kube, f));
    } else if (f.machineMode === 'cpms') {
      if (oldLive) steps.push(deleteMachineStep(kube, f, true));
      steps.push(waitMachineStep(kube, f, { cpms: true }));
    } else if (f.machineMode === 'yaml') {
      // the stopped machine's own YAML while it is there; once it is deleting or gone, a surviving master's (the docs'
      // copy-and-rename works from any master Machine of the cluster)
      steps.push(saveMachineStep(kube, f, oldLive ? undefined : p.templateMachine ?? undefined));
      if (p.oldMachine) steps.push(deleteMachineStep(kube, f, false));
      steps.push(createMachineStep(kube), waitMachineStep(kube, f));
    } else if (!p.newNode) steps.push(manualNodeStep(kube, f)); // no Machine API: by hand, unless a new node is there
    const newNode = (ctx: RunContext) => (typeof ctx.vars.newNode === 'string' ? ctx.vars.newNode : p.newNode);
    steps.push(waitRolloutStep(kube, f, newNode, { forceRedeploy: true }));
  }
  if (guard) steps.push(quorumGuardRestoreStep(kube, f));
  steps.push(finalVerifyStep(kube, f, { endpointHealth: true }));
  return steps;
}
