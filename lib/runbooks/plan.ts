// Choose the procedure from the diagnosis and build the plan (facts fixed at plan time + the step list).
import type { Kube } from '../cluster/kubectl.ts';
import type { ClusterState, Diagnosis } from '../types.ts';
import { pickExecPod } from './steps/shared.ts';
import { uniqueStamp } from './steps/redeploy.ts';
import { procedureA } from './procedureA.ts';
import { procedureB } from './procedureB.ts';
import { procedureBareMetal } from './procedureBareMetal.ts';
import type { Plan } from './runner.ts';
import { validHostName, validMachineName, validMemberId, validNodeName } from '../cluster/names.ts';
import type { MachineMode, PlanFacts, Procedure, Step } from './step.ts';
import { machineCopyRefusal } from '../cluster/platforms.ts';
import { nextMachineName } from './machine.ts';

export class PlanError extends Error {}

export function machineMode(state: ClusterState): MachineMode {
  if (state.machines === null || state.platform === 'None' || state.platform === 'none') return 'manual';
  if (state.controlPlaneMachineSet?.state === 'Active') return 'cpms';
  return 'yaml';
}

/** On platform BareMetal procedure A runs as the bare-metal procedure (openshift.md §1.6): the host its machine consumes. */
function bareMetalFacts(state: ClusterState, machine: string | null, manifest?: { host: any; secret: any }): PlanFacts['bareMetal'] {
  if (state.platform !== 'BareMetal' || !machine) return undefined;
  const host = (state.hosts ?? []).find((h) => h.consumer === machine);
  if (!host) throw new PlanError(`no BareMetalHost is consumed by machine ${machine} (oc get bmh -n openshift-machine-api)`);
  validHostName(host.name);
  return { host: host.name, ...(manifest ? { manifest } : {}) };
}

/** Facts for a replaceable diagnosis (not-ready → A, crashloop → B). Throws PlanError when something needed is missing. */
export function planFacts(state: ClusterState, d: Diagnosis, now = new Date(), o: { bmh?: { host: any; secret: any } } = {}): PlanFacts {
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
  const bareMetal = procedure === 'A' && mode !== 'manual' ? bareMetalFacts(state, target.machine, o.bmh) : undefined;
  // Re-creating the machine from its YAML: only where the plugin knows the platform's Machine (platforms.ts), before
  // anything is changed.
  if (procedure === 'A' && mode === 'yaml' && !bareMetal && target.machine) {
    const info = (state.machines ?? []).find((m) => m.name === target.machine);
    const names = (state.machines ?? []).map((m) => m.name);
    const why = machineCopyRefusal({ metadata: { name: target.machine }, spec: { providerSpec: { value: { kind: info?.providerSpecKind ?? undefined } } } }, nextMachineName(target.machine, names), state.platform);
    if (why) throw new PlanError(why);
  }
  const otherUnhealthy = state.members.filter((m) => !m.isLearner && m.healthy === false && m.id !== target.memberId).map((m) => m.name || m.id);
  if (otherUnhealthy.length && (procedure !== 'A' || bareMetal)) {
    throw new PlanError(`member(s) ${otherUnhealthy.join(', ')} are unhealthy too; with a second unhealthy member etcd-replace runs only the stopped-machine procedure on non-bare-metal platforms`);
  }
  return {
    ...(bareMetal ? { bareMetal } : {}),
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
    ...(otherUnhealthy.length ? { otherUnhealthy } : {}),
    ...(procedure === 'A' && (state.machines ?? []).some((m) => m.name === target.machine && m.deleting) ? { machineDeleting: true } : {}),
  };
}

export function buildSteps(kube: Kube, f: PlanFacts): Step[] {
  if (f.procedure === 'B') return procedureB(kube, f);
  return f.bareMetal ? procedureBareMetal(kube, f) : procedureA(kube, f);
}

export function planTitle(f: PlanFacts): string {
  const what = f.procedure === 'A' ? `procedure A (machine not running / node NotReady${f.bareMetal ? ', bare metal' : ''})` : 'procedure B (etcd pod crash-looping)';
  const host = f.bareMetal
    ? f.bareMetal.manifest
      ? `; BareMetalHost ${f.bareMetal.host} is replaced by ${f.bareMetal.manifest.host.metadata.name} from --bmh`
      : `; BareMetalHost ${f.bareMetal.host} is deleted and created again to be provisioned`
    : '';
  const machine =
    f.procedure === 'A'
      ? f.machineMode === 'cpms'
        ? `; the Active control plane machine set replaces the machine${f.machineDeleting ? ` (${f.target.machine} is already being deleted)` : ''}`
        : f.machineMode === 'yaml'
          ? f.machineDeleting
            ? `; machine ${f.target.machine} is already being deleted (its hook holds it until the member is removed): its YAML is saved first, the replacement is created from it`
            : '; the machine is re-created from its saved YAML'
          : '; no Machine API: the new node is made by hand'
      : '';
  return `Replace etcd member ${f.target.memberId} (${f.target.memberName || f.target.node}, ${f.target.nodeIP}) on ${f.target.node}: ${what}, OpenShift ${f.release ?? 'unknown'}${machine}${host}.${
    f.otherUnhealthy?.length ? ` First of two replacements: ${f.otherUnhealthy.join(', ')} is unhealthy too; the new member joins after \`auto --member ${f.otherUnhealthy[0]}\`.` : ''
  }`;
}

export function buildPlan(kube: Kube, f: PlanFacts): Plan {
  return { procedure: f.procedure, title: planTitle(f), facts: f, steps: buildSteps(kube, f) };
}
