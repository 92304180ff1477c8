// A replacement someone else started (the docs followed by hand, a colleague's run whose journal is elsewhere, the etcd
// operator's own member removal of a deleting Machine on 4.12+): which procedure, which stage, and the objects the
// remaining steps work on, read from the live cluster alone. Pure. Called by diagnose() once the members that are
// left are all healthy voters (nothing to remove) and fewer than the control plane wants.
import type { ClusterState, EtcdMember, MachineInfo, NodeInfo, PartialReplacement } from '../types.ts';
import { peerIP } from '../etcd/members.ts';

const nodeHasMember = (members: EtcdMember[], n: NodeInfo) =>
  members.some((m) => m.name === n.name || (!!n.internalIP && peerIP(m) === n.internalIP) || (n.internalIPs ?? []).includes(peerIP(m) ?? ''));

const machineOf = (s: ClusterState, n: NodeInfo): MachineInfo | null =>
  (s.machines ?? []).find((m) => m.nodeName === n.name) ?? (s.machines ?? []).find((m) => !!n.internalIP && m.internalIPs.includes(n.internalIP)) ?? null;

/** Is `n` newer than every node that kept its member (a replacement's node, not an old master)? */
function newerThanMembers(s: ClusterState, n: NodeInfo): boolean {
  const t = n.created ? Date.parse(n.created) : NaN;
  if (!Number.isFinite(t)) return false;
  const others = s.nodes.filter((x) => x !== n && nodeHasMember(s.members, x)).map((x) => (x.created ? Date.parse(x.created) : NaN));
  return others.length > 0 && others.every((o) => Number.isFinite(o) && t > o);
}

/** The etcd secrets of a deleted node, by their documented names (openshift.md §2.2): at least etcd-peer- is there. */
const strandedSet = (node: string) => [`etcd-peer-${node}`, `etcd-serving-${node}`, `etcd-serving-metrics-${node}`];

/** The old node's fields when the member is removed and the node is still there (procedure A or B). */
const oldNodeStillThere = (n: NodeInfo, secrets: string[], mach: MachineInfo | null) => ({
  oldNode: n.name,
  oldNodeIP: n.internalIP,
  oldNodePresent: true,
  oldSecrets: secrets,
  oldMachine: mach?.name ?? null,
});

const readyText = (n: NodeInfo) => (n.ready === true ? 'Ready' : n.ready === false ? 'NotReady' : 'Unknown');

const NO_MACHINE_API = 'there is no Machine API: the new control-plane node is made by hand';

/**
 * The partial replacement the cluster shows, or a reason it cannot be told apart (`ambiguous`), or null when the
 * cluster does not look like one. Preconditions (checked by the caller): member list read, every voter healthy, no
 * learner or unstarted member, fewer voters than `controlPlaneReplicas`.
 */
export function findPartial(s: ClusterState): { partial: PartialReplacement } | { ambiguous: string } | null {
  const voters = s.members.filter((m) => !m.isLearner);
  const missing = s.etcd.controlPlaneReplicas - voters.length;
  if (missing <= 0) return null;
  if (missing > 1) return { ambiguous: `${missing} members are missing (${voters.length} of ${s.etcd.controlPlaneReplicas}): etcd-replace finishes one replacement at a time` };
  const orphans = s.nodes.filter((n) => !nodeHasMember(voters, n));
  const memberMachines = new Set(s.nodes.filter((n) => nodeHasMember(voters, n)).map((n) => machineOf(s, n)?.name).filter(Boolean) as string[]);
  // machines that belong to no member's node: the old one (deleting or stopped) and/or its replacement
  const spare = (s.machines ?? []).filter((m) => !memberMachines.has(m.name));
  const cpms = s.controlPlaneMachineSet?.state === 'Active';
  const facts: string[] = [`${voters.length} healthy voting members, the control plane wants ${s.etcd.controlPlaneReplicas}: one member was removed`];
  if (s.etcd.quorumGuardOff) facts.push('the quorum guard is off (unsupportedConfigOverrides): the documented end state turns it back on');
  const template = (s.machines ?? []).filter((m) => memberMachines.has(m.name) && !m.deleting && m.phase === 'Running').map((m) => m.name).sort()[0] ?? null;
  const base = { memberRemoved: true, oldNode: null, oldNodeIP: null, oldNodePresent: false, oldSecrets: [] as string[], guardOff: s.etcd.quorumGuardOff, oldMachine: null, oldMachineDeleting: false, newMachine: null, newNode: null, templateMachine: null };

  if (orphans.length > 1) return { ambiguous: `nodes ${orphans.map((n) => n.name).join(', ')} have no etcd member: cannot tell which one the replacement is about` };
  const orphan = orphans[0];
  if (orphan) {
    const mach = machineOf(s, orphan);
    const stopped = mach?.instanceRunning === false;
    const secrets = s.secrets.find((x) => x.node === orphan.name)?.present ?? [];
    const stillThere = oldNodeStillThere(orphan, secrets, mach);
    if (orphan.ready !== true || orphan.unreachable || stopped || mach?.deleting) {
      // Procedure A after the member removal: the old node is still there.
      facts.push(`node ${orphan.name} is ${readyText(orphan)} and has no etcd member${mach ? `; its machine ${mach.name} is ${mach.deleting ? 'being deleted' : `${mach.phase ?? '?'}${mach.instanceState ? `, instance ${mach.instanceState}` : ''}`}` : ''}`);
      facts.push(secrets.length ? `its etcd secrets are still there: ${secrets.join(', ')}` : 'its etcd secrets are already deleted');
      if (s.machines === null) facts.push(NO_MACHINE_API);
      const repl = spare.find((m) => m.name !== mach?.name && !m.deleting) ?? null;
      if (repl) facts.push(`machine ${repl.name} (${repl.phase ?? 'Pending'}) replaces it${repl.nodeName ? ` on node ${repl.nodeName}` : ''}`);
      // its Machine gone, the Node left behind: the Active CPMS is Degraded (a master Node no Machine names) and creates
      // nothing until the Node goes (cluster-control-plane-machine-set-operator checkControlPlaneNodesToMachinesMappings)
      else if (!mach && s.machines !== null) facts.push(cpms ? `its machine is gone; the Active control plane machine set creates the new one once node ${orphan.name} is deleted (until then it counts it as an unmanaged node)` : 'its machine is gone');
      return {
        partial: {
          ...base,
          procedure: 'A',
          stage: repl ? `member removed, old node ${orphan.name} lingering, new machine ${repl.name} ${repl.phase ?? 'Pending'}` : `member removed, node ${orphan.name} (${readyText(orphan)})${mach ? ' and its machine' : ''} still there${s.machines === null ? ' (no Machine API)' : mach ? '' : ' (no Machine of it)'}`,
          facts,
          ...stillThere,
          oldMachineDeleting: mach?.deleting === true,
          newMachine: repl?.name ?? null,
          newNode: repl?.nodeName ?? null,
          templateMachine: template,
        },
      };
    }
    if (newerThanMembers(s, orphan) && (mach || s.machines === null)) {
      // A new master (machine Running, or made by hand without a Machine API; node Ready) whose member the operator
      // has not added yet.
      facts.push(`node ${orphan.name}${mach ? ` (machine ${mach.name}, ${mach.phase ?? '?'})` : ''} is Ready, newer than the other masters, and has no etcd member yet`);
      const stranded = s.strandedSecretNodes ?? [];
      if (stranded.length === 1) facts.push(`etcd secrets of the deleted node ${stranded[0]} are still there`);
      return {
        partial: {
          ...base,
          procedure: 'A',
          stage: `member removed, new node ${orphan.name} Ready, its member not added yet`,
          facts,
          oldNode: stranded.length === 1 ? stranded[0]! : null,
          oldSecrets: stranded.length === 1 ? strandedSet(stranded[0]!) : [],
          newMachine: mach?.name ?? null,
          newNode: orphan.name,
        },
      };
    }
    // Procedure B after the member removal: the node is Ready and stays; its etcd is stopped (or crash-looping).
    // A ready etcd pod without a member is no stage of either procedure (a removed member's etcd exits): not ours to judge.
    const pod = s.pods.find((p) => p.node === orphan.name);
    if (pod && pod.phase === 'Running' && pod.containerCount > 0 && pod.readyCount === pod.containerCount) {
      return { ambiguous: `node ${orphan.name} is Ready and its etcd pod ${pod.name} is ready, yet it has no etcd member` };
    }
    facts.push(`node ${orphan.name} is Ready and has no etcd member; its etcd pod ${pod ? `is ${pod.status} (${pod.readyCount}/${pod.containerCount} ready)` : 'is gone (static pod manifest moved away)'}`);
    facts.push(secrets.length ? `its etcd secrets are still there: ${secrets.join(', ')}` : 'its etcd secrets are deleted');
    return {
      partial: {
        ...base,
        procedure: 'B',
        stage: `member removed, node ${orphan.name} Ready without an etcd member (procedure B)`,
        facts,
        ...stillThere,
        ...(pod ? {} : { etcdPodGone: true }),
      },
    };
  }

  // The old node is gone.
  const stranded = s.strandedSecretNodes ?? [];
  const oldNode = stranded.length === 1 ? stranded[0]! : null;
  if (oldNode) facts.push(`node ${oldNode} is gone; its etcd secrets are still there`);
  const oldSecrets = oldNode ? strandedSet(oldNode) : [];
  const repl = spare.find((m) => !m.deleting) ?? null;
  const gone = spare.find((m) => m.deleting) ?? null;
  if (gone) facts.push(`machine ${gone.name} is being deleted`);
  if (s.machines === null) {
    facts.push(NO_MACHINE_API);
    return { partial: { ...base, procedure: 'A', stage: 'member removed, node gone, no new node yet (no Machine API)', facts, oldNode, oldSecrets } };
  }
  if (repl) {
    facts.push(`machine ${repl.name} (${repl.phase ?? 'Pending'}) replaces it${repl.nodeName ? ` on node ${repl.nodeName}` : ', no node yet'}`);
    return {
      partial: {
        ...base,
        procedure: 'A',
        stage: `member removed, new machine ${repl.name} ${repl.phase ?? 'Pending'}, its member not added yet`,
        facts,
        oldNode,
        oldSecrets,
        oldMachine: gone?.name ?? null,
        oldMachineDeleting: !!gone,
        newMachine: repl.name,
        newNode: repl.nodeName,
      },
    };
  }
  facts.push(
    cpms
      ? 'no machine replaces it yet: the Active control plane machine set creates one'
      : `no machine replaces it${s.controlPlaneMachineSet ? ' (the control plane machine set is Inactive)' : ''}: a new one is created from ${template ? `machine ${template}` : 'a surviving master machine'}, as the docs do`,
  );
  return {
    partial: {
      ...base,
      procedure: 'A',
      stage: 'member removed, no machine replaces it',
      facts,
      oldNode,
      oldSecrets,
      oldMachine: gone?.name ?? null,
      oldMachineDeleting: !!gone,
      templateMachine: cpms ? null : template,
    },
  };
}
