// Choose the procedure from the diagnosis and build the plan (facts fixed at plan time + the step list).
import type { Kube } from '../cluster/kubectl.ts';
import type { ClusterState, Diagnosis } from '../types.ts';
import { pickExecPod } from './steps/shared.ts';
import { uniqueStamp } from './steps/redeploy.ts';
import { procedureA } from './procedureA.ts';
import { procedureB } from './procedureB.ts';
import type { Plan } from './runner.ts';
import { validMachineName, validMemberId, validNodeName } from '../cluster/names.ts';
import type { MachineMode, PlanFacts, Procedure, Step } from './step.ts';

export class PlanError extends Error {}

export function machineMode(state: ClusterState): MachineMode {
  if (state.machines === null || state.platform === 'None' || state.platform === 'none') return 'manual';
  if (state.controlPlaneMachineSet?.state === 'Active') return 'cpms';
  return 'yaml';
}

/** Facts for a replaceable diagnosis (not-ready → A, crashloop → B). Throws PlanError when something needed is missing. */
export function planFacts(state: ClusterState, d: Diagnosis, now = new Date()): PlanFacts {
  if (!d.member) throw new PlanError('the diagnosis names no member to replace');
  const procedure: Procedure = d.scenario === 'crashloop' ? 'B' : 'A';
  const member = state.members.find((m) => m.id === d.member!.id);
  const node = state.nodes.find((n) => n.name === d.member!.node);
  const nodeIP = node?.internalIP ?? member?.peerURLs.map((u) => u.replace(/^https?:\/\/\[?([^\]/]+?)\]?:\d+.*$/, '$1'))[0] ?? null;
  if (!nodeIP) throw new PlanError(`cannot tell the InternalIP of node ${d.member.node}`);
  validMemberId(d.member.id);
  validNodeName(d.member.node);
  if (d.member.machine) validMachineName(d.member.machine);
  const target = { memberId: d.member.id, memberName: d.member.name, node: d.member.node, nodeIP, machine: d.member.machine };
  const execPod = pickExecPod(state, target.node);
  if (!execPod) throw new PlanError(`no ready etcd pod outside ${target.node} to run etcdctl in`);
  const readyNodes = new Set(state.nodes.filter((n) => n.ready === true).map((n) => n.name));
  const healthyNodes = state.members
    .filter((m) => m.healthy === true && m.id !== target.memberId && readyNodes.has(m.name))
    .map((m) => m.name);
  const execNode = state.pods.find((p) => p.name === execPod)?.node;
  const backupNode = healthyNodes.includes(execNode ?? '') ? execNode! : healthyNodes[0] ?? execNode;
  if (!backupNode) throw new PlanError('no healthy control-plane node to take the backup on');
  const mode = procedure === 'A' ? machineMode(state) : 'manual';
  if (procedure === 'A' && mode !== 'manual' && !target.machine) throw new PlanError(`no machine is known for node ${target.node}`);
  return {
    procedure,
    release: state.release,
    platform: state.platform,
    target,
    backupNode,
    execPod,
    machineMode: mode,
    machinesAtPlan: (state.machines ?? []).map((m) => m.name),
    nodesAtPlan: state.nodes.map((n) => `${n.name}/${n.uid}`),
    controlPlaneReplicas: state.etcd.controlPlaneReplicas || 3,
    stamp: uniqueStamp(now),
    overridesAtPlan: state.etcd.unsupportedConfigOverrides,
  };
}

export function buildSteps(kube: Kube, f: PlanFacts): Step[] {
  return f.procedure === 'B' ? procedureB(kube, f) : procedureA(kube, f);
}

export function planTitle(f: PlanFacts): string {
  const what = f.procedure === 'A' ? 'procedure A (machine not running / node NotReady)' : 'procedure B (etcd pod crash-looping)';
  const machine =
    f.procedure === 'A'
      ? f.machineMode === 'cpms'
        ? '; the Active control plane machine set replaces the machine'
        : f.machineMode === 'yaml'
          ? '; the machine is re-created from its saved YAML'
          : '; no Machine API: the new node is made by hand'
      : '';
  return `Replace etcd member ${f.target.memberId} (${f.target.memberName || f.target.node}, ${f.target.nodeIP}) on ${f.target.node}: ${what}, OpenShift ${f.release ?? 'unknown'}${machine}.`;
}

export function buildPlan(kube: Kube, f: PlanFacts): Plan {
  return { procedure: f.procedure, title: planTitle(f), facts: f, steps: buildSteps(kube, f) };
}
