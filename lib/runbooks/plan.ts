// Choose the procedure from the diagnosis and build the plan (facts fixed at plan time + the step list).
import type { Kube } from '../cluster/kubectl.ts';
import type { ClusterState, Diagnosis, PartialReplacement } from '../types.ts';
import type { HostInfo } from '../cluster/baremetal.ts';
import { pickExecPod } from './steps/shared.ts';
import { uniqueStamp } from './steps/redeploy.ts';
import { procedureA } from './procedureA.ts';
import { procedureB } from './procedureB.ts';
import { procedureBareMetal } from './procedureBareMetal.ts';
import { procedureFinish } from './procedureFinish.ts';
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
function bareMetalFacts(state: ClusterState, machine: string | null, manifest?: { host: any; secretName: string }): PlanFacts['bareMetal'] {
  if (state.platform !== 'BareMetal' || !machine) return undefined;
  const host = (state.hosts ?? []).find((h) => h.consumer === machine);
  if (!host) throw new PlanError(`no BareMetalHost is consumed by machine ${machine} (oc get bmh -n openshift-machine-api)`);
  validHostName(host.name);
  return { host: host.name, ...(manifest ? { manifest } : {}) };
}

/** The facts every plan has: what it works on (target, nodes, machine mode) and what the cluster showed at plan time. */
function commonFacts(
  state: ClusterState,
  now: Date,
  o: Pick<PlanFacts, 'procedure' | 'target' | 'backupNode' | 'execPod' | 'machineMode'>,
): Pick<PlanFacts, 'procedure' | 'release' | 'platform' | 'target' | 'backupNode' | 'execPod' | 'machineMode' | 'machinesAtPlan' | 'nodesAtPlan' | 'controlPlaneReplicas' | 'stamp' | 'overridesAtPlan'> {
  return {
    ...o,
    release: state.release,
    platform: state.platform,
    machinesAtPlan: (state.machines ?? []).map((m) => m.name),
    nodesAtPlan: state.nodes.map((n) => `${n.name}/${n.uid}`),
    controlPlaneReplicas: state.etcd.controlPlaneReplicas || 3,
    stamp: uniqueStamp(now),
    overridesAtPlan: state.etcd.unsupportedConfigOverrides,
  };
}

/** Facts for a replaceable diagnosis (not-ready → A, crashloop → B). Throws PlanError when something needed is missing. */
export function planFacts(state: ClusterState, d: Diagnosis, now = new Date(), o: { bmh?: { host: any; secretName: string }; backupForce?: string } = {}): PlanFacts {
  const force = o.backupForce ? { backupForce: o.backupForce } : {};
  if (d.partial?.memberRemoved) return { ...finishFacts(state, d, now, o.bmh), ...force };
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
  const backupDb = state.members.find((m) => m.name === backupNode)?.dbSizeBytes;
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
    ...commonFacts(state, now, { procedure, target, backupNode, execPod, machineMode: mode }),
    ...(backupDb !== undefined ? { backupDbBytes: backupDb } : {}),
    ...(otherUnhealthy.length ? { otherUnhealthy } : {}),
    ...(procedure === 'A' && (state.machines ?? []).some((m) => m.name === target.machine && m.deleting) ? { machineDeleting: true } : {}),
    ...(d.partial ? { finish: d.partial } : {}),
    ...force,
  };
}

/** Facts to finish a replacement whose member is already removed: the old node/machine as far as they still exist. */
function finishFacts(state: ClusterState, d: Diagnosis, now: Date, bmh?: { host: any; secretName: string }): PlanFacts {
  const p = d.partial!;
  for (const n of [p.oldNode, p.newNode]) if (n) validNodeName(n);
  for (const m of [p.oldMachine, p.newMachine, p.templateMachine]) if (m) validMachineName(m);
  const target = { memberId: '', memberName: '', node: p.oldNode ?? '', nodeIP: p.oldNodeIP ?? '', machine: p.oldMachine };
  const execPod = pickExecPod(state, target.node);
  if (!execPod) throw new PlanError('no ready etcd pod to run etcdctl in');
  const readyNodes = new Set(state.nodes.filter((n) => n.ready === true).map((n) => n.name));
  const healthyNodes = state.members.filter((m) => m.healthy === true && readyNodes.has(m.name)).map((m) => m.name);
  const execNode = state.pods.find((x) => x.name === execPod)?.node;
  const backupNode = healthyNodes.includes(execNode ?? '') ? execNode! : healthyNodes[0];
  if (!backupNode) throw new PlanError('no healthy control-plane node to take the backup on');
  const mode = p.procedure === 'A' ? machineMode(state) : 'manual';
  if (p.procedure === 'A' && mode === 'yaml' && !p.newMachine && !p.oldMachine && !p.templateMachine) {
    throw new PlanError('no master machine is Running to copy the new machine from');
  }
  const bm = p.procedure === 'A' && state.platform === 'BareMetal' && mode !== 'manual' && !p.newMachine ? finishHost(state, p, bmh) : undefined;
  return {
    ...commonFacts(state, now, { procedure: p.procedure, target, backupNode, execPod, machineMode: mode }),
    ...(bm ? { bareMetal: bm.bareMetal } : {}),
    finish: bm ? { ...p, facts: [...p.facts, bm.fact] } : p,
  };
}

/**
 * The BareMetalHosts no surviving master's Machine consumes: the old host (released once its Machine went, or still
 * consumed by the old Machine) or a host created by hand for the replacement (docs step 9).
 */
export function spareHosts(state: ClusterState, p: PartialReplacement): HostInfo[] {
  const live = new Set((state.machines ?? []).filter((m) => m.name !== p.oldMachine).map((m) => m.name));
  return (state.hosts ?? []).filter((h) => !h.consumer || !live.has(h.consumer));
}

/**
 * Bare metal, member removed, no machine replaces it yet (openshift.md §1.6): the host route from where the docs'
 * steps stopped, read from the live cluster alone.
 * - the old machine still consumes its host: the bare-metal procedure minus what is done;
 * - the old host is still there (released, externally provisioned): saved, deleted and created again to be provisioned;
 * - a host created by hand (docs step 9, not externally provisioned): only the machine (from a surviving master's
 *   YAML, or the Active CPMS's) remains;
 * - no host: the BMC credentials Secret went with it (the garbage collector deletes it with its owner host) and no
 *   journal holds it, so nothing can be re-created: one line saying what to create, or `--bmh FILE`.
 */
function finishHost(state: ClusterState, p: PartialReplacement, bmh?: { host: any; secretName: string }): { bareMetal: NonNullable<PlanFacts['bareMetal']>; fact: string } {
  const spare = spareHosts(state, p);
  const mine = p.oldMachine ? spare.find((h) => h.consumer === p.oldMachine) : undefined;
  const old = mine ?? (spare.length === 1 && spare[0]!.state === 'externally provisioned' ? spare[0] : undefined);
  if (bmh) {
    validHostName(String(bmh.host?.metadata?.name ?? ''));
    const name = old?.name ?? String(bmh.host.metadata.name);
    if (old) validHostName(old.name);
    return { bareMetal: { host: name, manifest: bmh, ...(old ? {} : { oldHostGone: true }) }, fact: `--bmh: BareMetalHost ${bmh.host.metadata.name} is created for the new machine${old ? ` (the old host ${old.name} is deleted first)` : ''}` };
  }
  if (old) {
    validHostName(old.name);
    return {
      bareMetal: { host: old.name },
      fact: `BareMetalHost ${old.name} (${old.state || 'new'}${old.consumer ? `, consumed by ${old.consumer}` : ', no consumer'}) is deleted and created again to be provisioned, its Secrets kept`,
    };
  }
  const made = spare.filter((h) => h.state !== 'externally provisioned' && !h.consumer);
  if (made.length === 1) {
    validHostName(made[0]!.name);
    return { bareMetal: { host: made[0]!.name, hostCreated: true }, fact: `BareMetalHost ${made[0]!.name} (${made[0]!.state || 'new'}, no consumer) was created for the replacement: the new machine is provisioned onto it` };
  }
  if (spare.length > 1) {
    throw new PlanError(`BareMetalHosts ${spare.map((h) => `${h.name} (${h.state || 'new'})`).join(', ')} belong to no surviving master: cannot tell which one replaces the removed member; delete the others or pass --bmh FILE (stage: ${p.stage})`);
  }
  throw new PlanError(
    `the removed member's BareMetalHost is gone, and with it its BMC credentials Secret (garbage-collected with its host): create a BareMetalHost (externallyProvisioned: false, online: true) and its BMC credentials Secret (keys username, password) in openshift-machine-api as the docs' step 9 does, or pass both in --bmh FILE, then run auto again (stage: ${p.stage})`,
  );
}

export function buildSteps(kube: Kube, f: PlanFacts): Step[] {
  if (f.finish?.memberRemoved) return procedureFinish(kube, f);
  if (f.procedure === 'B') return procedureB(kube, f);
  return f.bareMetal ? procedureBareMetal(kube, f) : procedureA(kube, f);
}

/** The lines that say a replacement was started by someone else, what the cluster shows, and that we ask first. */
export function finishHeader(f: PlanFacts): string[] {
  if (!f.finish) return [];
  return [
    `PartialReplacement: ${f.finish.stage}.`,
    'Someone else started this replacement (no journal of this machine covers it). What the cluster shows:',
    ...f.finish.facts.map((x) => `  - ${x}`),
    'The plan below lists only the steps that remain; each checks the cluster again before it acts. Make sure nobody else is working on it now.',
  ];
}

export function planTitle(f: PlanFacts): string {
  const backup = f.backupForce ? `\nThe backup is taken with cluster-backup.sh --force (its files are marked __POSSIBLY_DIRTY__): ${f.backupForce}.` : '';
  if (f.finish?.memberRemoved) {
    const p = f.finish;
    const what = p.procedure === 'B' ? `procedure B (etcd on ${p.oldNode} comes back as a new member)` : `procedure A (a new ${f.machineMode === 'manual' ? 'control-plane node, made by hand,' : 'machine'} replaces the removed member)`;
    return [`Finish the replacement of the removed etcd member${p.oldNode ? ` of ${p.oldNode}` : ''}: ${what}, OpenShift ${f.release ?? 'unknown'}.`, ...finishHeader(f)].join('\n') + backup;
  }
  return planTitleOf(f) + (f.finish ? `\n${finishHeader(f).join('\n')}` : '') + backup;
}

function planTitleOf(f: PlanFacts): string {
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
