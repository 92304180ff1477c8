// ClusterState -> Diagnosis. Pure. The safety rules of anchors.md §0 and openshift.md §1.2–1.3, §4.
// Every refusal carries a named reason ("<Reason>: <what we saw>"), as Cluster API remediation does.
import type { ClusterState, Diagnosis, EtcdMember, EtcdPod, MachineInfo, NodeInfo } from '../types.ts';
import { peerIP } from '../etcd/members.ts';
import { quorumOf, safeToRemove } from './quorum.ts';
import { applyTopology } from './topology.ts';
import { findPartial } from './partial.ts';

/** Reason names (stable; shown to the user and in `-o json`). */
export const Reason = {
  // why a member is replaceable
  MemberUnhealthy: 'MemberUnhealthy',
  MachineNotRunning: 'MachineNotRunning',
  NodeNotReady: 'NodeNotReady',
  NodeUnreachable: 'NodeUnreachable',
  PodCrashLooping: 'PodCrashLooping',
  // refusals
  MemberListUnreadable: 'MemberListUnreadable',
  NoQuorum: 'NoQuorum',
  WouldLoseQuorum: 'WouldLoseQuorum',
  MultipleUnhealthyMembers: 'MultipleUnhealthyMembers',
  OtherMemberUnhealthy: 'OtherMemberUnhealthy',
  MemberHealthUnknown: 'MemberHealthUnknown',
  LearnerPresent: 'LearnerPresent',
  UnstartedMember: 'UnstartedMember',
  IdentityMismatch: 'IdentityMismatch',
  NodeMissing: 'NodeMissing',
  PodMissing: 'PodMissing',
  CannotDecide: 'CannotDecide',
  NodeNotReadyMemberHealthy: 'NodeNotReadyMemberHealthy',
  MachineStoppedMemberHealthy: 'MachineStoppedMemberHealthy',
  PodFailingMemberHealthy: 'PodFailingMemberHealthy',
  ChangeInProgress: 'ChangeInProgress',
  RevisionRollout: 'RevisionRollout',
  RolloutWaitsOnTarget: 'RolloutWaitsOnTarget',
  MachineDeleting: 'MachineDeleting',
  ReplacementInProgress: 'ReplacementInProgress',
  PartialReplacement: 'PartialReplacement',
  UnexpectedMemberCount: 'UnexpectedMemberCount',
  TargetHealthy: 'TargetHealthy',
  MemberNotFound: 'MemberNotFound',
  TooFewMembers: 'TooFewMembers',
  AlarmNoSpace: 'AlarmNoSpace',
  AlarmCorrupt: 'AlarmCorrupt',
} as const;
export type ReasonName = (typeof Reason)[keyof typeof Reason];

const r = (name: ReasonName, text: string) => `${name}: ${text}`;

export const RESTORE_DOCS = 'Restoring to a previous cluster state';

export interface DiagnoseOptions {
  /** restrict the diagnosis to this member (etcd member name, node name or hex ID) */
  member?: string;
}

// ---------- helpers (exported for auto and tests) ----------

export function voters(s: ClusterState): EtcdMember[] {
  return s.members.filter((m) => !m.isLearner);
}

export function memberLabel(m: EtcdMember): string {
  return m.name ? `${m.id} (${m.name})` : `${m.id} (unstarted, peer ${m.peerURLs.join(',') || '?'})`;
}

export function nodeOfMember(s: ClusterState, m: EtcdMember): NodeInfo | null {
  return s.nodes.find((n) => n.name === m.name) ?? null;
}

export function nodeByIP(s: ClusterState, ip: string | null): NodeInfo | null {
  return ip ? s.nodes.find((n) => n.internalIP === ip) ?? null : null;
}

export function machineOfNode(s: ClusterState, node: string, ip: string | null = null): MachineInfo | null {
  if (!s.machines) return null;
  return s.machines.find((m) => m.nodeName === node) ?? (ip ? s.machines.find((m) => m.internalIPs.includes(ip)) : undefined) ?? null;
}

export function podOfNode(s: ClusterState, node: string): EtcdPod | null {
  return s.pods.find((p) => p.node === node) ?? null;
}

const CRASH_REASONS = new Set(['CrashLoopBackOff', 'Error', 'RunContainerError', 'CreateContainerError', 'OOMKilled', 'StartError']);

/** The etcd pod is crash-looping: pod STATUS CrashLoopBackOff/Error, or its etcd container waiting/terminated with such a reason. */
export function podCrashLooping(p: EtcdPod): boolean {
  if (CRASH_REASONS.has(p.status) || /^Init:(CrashLoopBackOff|Error)/.test(p.status)) return true;
  const e = p.etcd;
  if (!e) return false;
  if (e.state === 'waiting' || e.state === 'terminated') return !!e.reason && (CRASH_REASONS.has(e.reason) || e.restarts > 0);
  // Between two back-offs the kubelet runs the container again: `running`, not ready, with the failed run in
  // lastState.terminated. Restarted more than once and last ended with a failure: still the crash loop, not a recovery.
  if (e.state === 'running' && !e.ready && e.restarts >= CRASH_LOOP_MIN_RESTARTS && e.lastExitCode !== undefined) {
    return e.lastExitCode !== 0 || (!!e.lastReason && CRASH_REASONS.has(e.lastReason));
  }
  return false;
}

/** restarts that make a running-not-ready etcd container a crash loop rather than one restart that is recovering */
export const CRASH_LOOP_MIN_RESTARTS = 2;

/** Base name + next free number: clustername-8qw5l-master-0 with -0..-2 taken → clustername-8qw5l-master-3. */
export function nextMachineName(machines: MachineInfo[], current: string): string {
  const m = current.match(/^(.*-)(\d+)$/);
  if (!m) return `${current}-1`;
  const base = m[1];
  let max = Number(m[2]);
  for (const x of machines) {
    const mm = x.name.match(/^(.*-)(\d+)$/);
    if (mm && mm[1] === base) max = Math.max(max, Number(mm[2]));
  }
  return `${base}${max + 1}`;
}

function minorOf(release: string | null): number | null {
  const m = release?.match(/^4\.(\d+)/);
  return m ? Number(m[1]) : null;
}

export function restoreAction(s: ClusterState): string {
  const minor = minorOf(s.release);
  const qr = minor !== null && minor >= 18 ? ' (on 4.18+ you can instead follow "Quorum restoration": run quorum-restore.sh on one surviving control plane node)' : '';
  return `do not replace members: etcd has lost quorum; restore the cluster from an etcd backup following the OpenShift documentation "${RESTORE_DOCS}"${qr}`;
}

function conditionOf(s: ClusterState, type: string) {
  return s.etcd.conditions.find((c) => c.type === type);
}

/** Nodes whose static-pod revision is still rolling out (current != target or != latest), the suspected node excluded. */
export function rolloutNodes(s: ClusterState, exceptNode?: string): string[] {
  const latest = s.etcd.latestAvailableRevision;
  return s.etcd.nodeStatuses
    .filter((n) => n.nodeName !== exceptNode)
    .filter((n) => {
      if (n.targetRevision !== undefined && n.targetRevision !== 0 && n.targetRevision !== n.currentRevision) return true;
      if (latest !== null && n.currentRevision !== undefined && n.currentRevision !== latest) return true;
      return false;
    })
    .map((n) => n.nodeName);
}

/**
 * The installer (library-go) moves one node at a time and waits for that node's pod at the new revision: is `node` the
 * only node in transition (target revision set and ahead of its current one)? Then the other nodes are behind BECAUSE
 * of it (openshift.md §0.1 "Crash loop during a revision rollout").
 */
export function rolloutWaitsOnlyOn(s: ClusterState, node: string): boolean {
  const moving = s.etcd.nodeStatuses.filter((n) => n.targetRevision !== undefined && n.targetRevision !== 0 && n.targetRevision !== n.currentRevision);
  return moving.length === 1 && moving[0]!.nodeName === node;
}

function unsafe(reasons: string[], action: string, member: Diagnosis['member'] = null): Diagnosis {
  return { scenario: 'unsafe', member, reasons, action };
}

function memberRef(s: ClusterState, m: EtcdMember): NonNullable<Diagnosis['member']> {
  const node = nodeOfMember(s, m) ?? nodeByIP(s, peerIP(m));
  const nodeName = node?.name ?? m.name;
  return { id: m.id, name: m.name, node: nodeName, machine: machineOfNode(s, nodeName, peerIP(m))?.name ?? null };
}

// ---------- the diagnosis ----------

/** The diagnosis: the members judged by etcd's quorum rules, then by the control-plane topology's (topology.ts). */
export function diagnose(s: ClusterState, opts: DiagnoseOptions = {}): Diagnosis {
  return applyTopology(s, diagnoseMembers(s, opts));
}

function diagnoseMembers(s: ClusterState, opts: DiagnoseOptions): Diagnosis {
  // 1. No member list at all.
  if (!s.memberSource || s.members.length === 0) {
    const avail = conditionOf(s, 'EtcdMembersAvailable');
    const why = r(Reason.MemberListUnreadable, `the etcd member list could not be read from any etcd pod${s.memberListError ? ` (${s.memberListError})` : ''}`);
    if (avail && avail.status === 'False' && (avail.reason === 'NoQuorum' || !avail.reason)) {
      return { scenario: 'quorum-lost', member: null, reasons: [why, r(Reason.NoQuorum, `Etcd condition EtcdMembersAvailable is False${avail.message ? `: ${avail.message}` : ''}`)], action: restoreAction(s) };
    }
    return unsafe([why], 'check the etcd pods (oc -n openshift-etcd get pods -l k8s-app=etcd) and the etcd operator (oc get co etcd), then run status again');
  }

  // 2. An etcd alarm: NOSPACE (the backend reached its quota: etcd accepts only reads and deletes) or CORRUPT. Every
  // write of the procedure would fail part-way: never start a replacement through it. Checked before the quorum:
  // `etcdctl endpoint health` reports every member unhealthy ("Active Alarm(s): NOSPACE") while an alarm is active
  // (etcd-io/etcd release-3.4 etcdctl/ctlv3/command/ep_command.go), which is not a lost quorum.
  const alarmed = alarmDiagnosis(s);
  if (alarmed) return alarmed;

  const vs = voters(s);
  const dead = vs.filter((m) => m.healthy === false);
  const healthy = vs.filter((m) => m.healthy === true);
  const unknown = vs.filter((m) => m.healthy === null);
  const q = quorumOf(vs.length);

  // 2. Quorum: the healthy-or-unknown voters cannot make a majority → quorum lost.
  if (vs.length - dead.length < q || (healthy.length < q && unknown.length === 0)) {
    return {
      scenario: 'quorum-lost',
      member: null,
      reasons: [
        r(Reason.NoQuorum, `${healthy.length} of ${vs.length} voting members are healthy, a majority needs ${q}${dead.length ? `; unhealthy: ${dead.map((m) => m.name || m.id).join(', ')}` : ''}`),
      ],
      action: restoreAction(s),
    };
  }

  // 3. --member: pick the requested member.
  let requested: EtcdMember | null = null;
  if (opts.member) {
    const want = opts.member.trim();
    const wantId = want.toLowerCase().replace(/^0x/, '').padStart(16, '0');
    requested = s.members.find((m) => m.name === want || m.id === wantId) ?? s.members.find((m) => nodeByIP(s, peerIP(m))?.name === want) ?? null;
    if (!requested) {
      return unsafe([r(Reason.MemberNotFound, `no etcd member is named ${want} (members: ${s.members.map((m) => m.name || m.id).join(', ')})`)], 'check the member name with `status` and pass it with --member');
    }
    if (requested.healthy === true) {
      return unsafe([r(Reason.TargetHealthy, `member ${memberLabel(requested)} is healthy: refusing to replace a healthy member`)], 'nothing to do for this member; pass the unhealthy member with --member, or none', memberRef(s, requested));
    }
  }

  // 4. Learners / unstarted members: a member is being added; one change at a time.
  const blockers: string[] = [];
  for (const m of s.members) {
    if (m.isLearner) blockers.push(r(Reason.LearnerPresent, `member ${memberLabel(m)} is a learner: a member is being added`));
    else if (!m.started) blockers.push(r(Reason.UnstartedMember, `member ${memberLabel(m)} is unstarted`));
  }
  if (blockers.length) {
    return unsafe(blockers, 'wait until the new member is started and promoted (IS LEARNER false), then run status again; do not remove it');
  }

  // 5. More than one unhealthy voting member (quorum still there): one at a time, never automatically.
  // Removing one of them is still safe when the healthy voters stay a majority of the voters left (5 members, 2 down:
  // 3 of 4), so they can be replaced one at a time, each run asked for by name (never automatically).
  if (dead.length > 1) {
    const names = dead.map((m) => m.name || m.id).sort();
    const oneAtATime = safeToRemove({ votingMembers: vs.length, healthyVoters: healthy.length, targetHealthy: false }).ok && unknown.length === 0;
    if (!oneAtATime || !requested || !dead.includes(requested)) {
      const order = names.map((n) => `\`auto --member ${n}\``).join(', then ');
      return unsafe(
        [
          r(
            Reason.MultipleUnhealthyMembers,
            `${dead.length} voting members are unhealthy: ${names.join(', ')}; ${
              oneAtATime
                ? `removing one leaves ${healthy.length} healthy of ${vs.length - 1} voting members (a majority), so they can be replaced one at a time, in this order: ${order}`
                : 'etcd-replace replaces one member at a time and removing one now would not leave a healthy majority'
            }`,
          ),
        ],
        oneAtATime
          ? `replace them one at a time, naming each: ${order} (the etcd operator adds the new members once no member is unhealthy)`
          : 'bring back all but one of the unhealthy members (restart the machines/nodes), then run status again',
      );
    }
  }

  // 6. Health unknown for some voter: unknown is not dead, and not healthy either.
  if (unknown.length) {
    return unsafe(
      unknown.map((m) => r(Reason.MemberHealthUnknown, `health of member ${memberLabel(m)} is unknown${m.healthError ? ` (${m.healthError})` : ''}`)),
      'check `etcdctl endpoint health --cluster` from an etcd pod, then run status again',
    );
  }

  const target = requested ?? dead[0] ?? null;

  // 7. Nothing unhealthy: healthy, unless something else is off.
  if (!target) return healthyOrNot(s, vs);

  // 8. Another change in progress (machines deleting/provisioning, revision rollout on another node).
  const tNode = nodeOfMember(s, target);
  const tIP = peerIP(target);
  const ref = memberRef(s, target);
  // The target's own machine already Deleting (an admin, a MachineHealthCheck or the docs' CPMS branch deleted it): its
  // EtcdQuorumOperator preDrain hook holds it until this member is removed (OPERATOR@main machinedeletionhooks.go), so
  // waiting for it would wait forever; it is procedure A with the deletion under way. Another machine deleting is not.
  const tMachine = ref.machine ? (s.machines ?? []).find((m) => m.name === ref.machine) ?? null : null;
  const deletingWhy = tMachine?.deleting
    ? [r(Reason.MachineDeleting, `machine ${tMachine.name} is already being deleted (phase ${tMachine.phase ?? '?'})${tMachine.hasEtcdHook ? '; its EtcdQuorumOperator preDrain hook holds it until this member is removed' : ''}`)]
    : [];
  let progress = changesInProgress(s, ref.node, tMachine?.deleting ? tMachine.name : null);
  // A rollout that waits only on the target's node is held by the target itself; decided below (crash loop → B).
  const heldRollout = rolloutWaitsOnlyOn(s, ref.node) ? progress.filter((x) => x.startsWith(`${Reason.RevisionRollout}:`)) : [];
  if (heldRollout.length) progress = progress.filter((x) => !heldRollout.includes(x));
  if (progress.length) return unsafe(progress, 'another change is in progress: wait until it finishes (oc get machines -n openshift-machine-api; oc get etcd cluster), then run status again', ref);

  // 9. Identity: member name == node name AND member peer IP == node InternalIP.
  if (!tNode) {
    const byIP = nodeByIP(s, tIP);
    return unsafe(
      [
        byIP
          ? r(Reason.IdentityMismatch, `member ${memberLabel(target)} has peer IP ${tIP}, which belongs to node ${byIP.name}, but no node is named ${target.name}`)
          : r(Reason.NodeMissing, `no control plane node is named ${target.name} or has IP ${tIP ?? '?'}: the node may already have been deleted`),
      ],
      'check `oc get nodes -o wide` against the member list; if the node was deleted by an earlier run, finish that run (auto --resume)',
      ref,
    );
  }
  if (!tIP || tNode.internalIP !== tIP) {
    return unsafe(
      [r(Reason.IdentityMismatch, `member ${memberLabel(target)} has peer IP ${tIP ?? '?'} but node ${tNode.name} has InternalIP ${tNode.internalIP ?? '?'}`)],
      'the member does not match its node: replace it by hand following the OpenShift documentation, checking the IDs carefully',
      ref,
    );
  }

  // 10. Quorum after the removal.
  const check = safeToRemove({ votingMembers: vs.length, healthyVoters: healthy.length, targetHealthy: target.healthy === true });
  if (!check.ok) {
    if (check.reason === 'QuorumLost' || check.reason === 'WouldLoseQuorum') {
      return { scenario: 'quorum-lost', member: ref, reasons: [r(check.reason === 'QuorumLost' ? Reason.NoQuorum : Reason.WouldLoseQuorum, check.message)], action: restoreAction(s) };
    }
    return unsafe([r(check.reason === 'TooFewMembers' ? Reason.TooFewMembers : Reason.TargetHealthy, check.message)], 'this member cannot be replaced safely by etcd-replace', ref);
  }

  const unhealthyWhy = r(Reason.MemberUnhealthy, `member ${memberLabel(target)} is unhealthy${target.healthError ? `: ${target.healthError}` : ''}`);
  const machine = machineOfNode(s, tNode.name, tIP);

  // 11. Procedure A: machine not running or node NotReady / unreachable.
  const aWhy: string[] = [];
  if (machine && machine.instanceRunning === false) aWhy.push(r(Reason.MachineNotRunning, `machine ${machine.name} instance state is ${machine.instanceState}`));
  if (tNode.ready !== true) aWhy.push(r(Reason.NodeNotReady, `node ${tNode.name} is ${tNode.ready === false ? 'NotReady' : 'Unknown (kubelet stopped posting status)'}`));
  if (tNode.unreachable) aWhy.push(r(Reason.NodeUnreachable, `node ${tNode.name} has the node.kubernetes.io/unreachable taint`));
  aWhy.push(...deletingWhy);
  if (aWhy.length && heldRollout.length) {
    return unsafe([...heldRollout, ...aWhy], 'an etcd revision rollout waits on this node: wait until the node is back or the rollout moves on (oc get etcd cluster), then run status again', ref);
  }
  const others = dead.filter((m) => m.id !== target.id);
  const othersWhy = others.map((m) => r(Reason.OtherMemberUnhealthy, `member ${memberLabel(m)} is unhealthy too: replace it next (auto --member ${m.name || m.id}); its new member is added only after that`));
  if (aWhy.length) {
    const next = others.length ? `; then ${others.map((m) => `auto --member ${m.name || m.id}`).join(', ')}` : '';
    return { scenario: 'not-ready', member: ref, reasons: [unhealthyWhy, ...aWhy, ...othersWhy], action: procedureA(s, target, tNode, machine) + next };
  }
  if (others.length) {
    return unsafe(
      [unhealthyWhy, ...othersWhy],
      `replace the other unhealthy member first (auto --member ${others[0]!.name || others[0]!.id}); etcd-replace handles a second unhealthy member only for a stopped machine or NotReady node`,
      ref,
    );
  }

  // 12. Procedure B: node Ready, etcd pod crash-looping.
  const pod = podOfNode(s, tNode.name);
  if (!pod) {
    // What procedure B step 1 leaves (the static pod manifest moved out of /etc/kubernetes/manifests, so the kubelet
    // deleted the mirror pod): finish B; its stop step reads the node and skips what is already moved.
    const stage = `etcd stopped on ${tNode.name} (no etcd pod on the Ready node: its static pod manifest was moved away), member still listed`;
    return {
      scenario: 'crashloop',
      member: ref,
      reasons: [r(Reason.PartialReplacement, stage), unhealthyWhy, r(Reason.PodMissing, `node ${tNode.name} is Ready but has no etcd pod`)],
      action: `finish procedure B: ${procedureBRest(target, tNode)} (auto asks first: someone else started it)`,
      partial: {
        procedure: 'B',
        stage,
        facts: [
          `member ${memberLabel(target)} is unhealthy`,
          `node ${tNode.name} is Ready and has no etcd pod: procedure B step 1 (move the manifest and data aside) looks done`,
          ...(s.etcd.quorumGuardOff ? ['the quorum guard is off (unsupportedConfigOverrides): the documented end state turns it back on'] : []),
        ],
        memberRemoved: false,
        oldNode: tNode.name,
        oldNodeIP: tNode.internalIP,
        oldNodePresent: true,
        oldSecrets: s.secrets.find((x) => x.node === tNode.name)?.present ?? [],
        guardOff: s.etcd.quorumGuardOff,
        oldMachine: ref.machine,
        oldMachineDeleting: false,
        newMachine: null,
        newNode: null,
        templateMachine: null,
        etcdPodGone: true,
      },
    };
  }
  if (podCrashLooping(pod)) {
    const e = pod.etcd;
    const detail = e && e.reason && e.reason !== pod.status ? `, etcd container ${e.state} (${e.reason})` : '';
    const heldRev = s.etcd.nodeStatuses.find((n) => n.nodeName === tNode.name)?.targetRevision;
    const held = heldRollout.length
      ? [r(Reason.RolloutWaitsOnTarget, `the etcd revision rollout (revision ${heldRev ?? s.etcd.latestAvailableRevision ?? '?'}) waits on ${tNode.name}, whose new pod crash-loops: that is this crash loop, not a separate change (the other nodes wait behind it)`)]
      : [];
    return {
      scenario: 'crashloop',
      member: ref,
      reasons: [unhealthyWhy, r(Reason.PodCrashLooping, `etcd pod ${pod.name} on Ready node ${tNode.name} is ${pod.status} (${pod.readyCount}/${pod.containerCount} ready, ${pod.restarts} restarts${detail})`), ...held],
      action: procedureB(target, tNode, pod),
    };
  }

  // 13. Node Ready, pod not crash-looping, member unhealthy: cannot decide.
  return unsafe(
    [...heldRollout, unhealthyWhy, r(Reason.CannotDecide, `node ${tNode.name} is Ready and etcd pod ${pod.name} is ${pod.status} (${pod.readyCount}/${pod.containerCount} ready), yet the member is unhealthy`)],
    `investigate the etcd logs (oc -n openshift-etcd logs ${pod.name} -c etcd) and the network between control plane nodes; it may recover by itself`,
    ref,
  );
}

/** The documented remedy for a NOSPACE alarm (OpenShift docs "Defragmenting etcd data", "Increasing the database size for etcd"). */
export const NOSPACE_REMEDY =
  'free the space first: defragment every member (docs "Defragmenting etcd data": `etcdctl defrag --command-timeout=30s` in each etcd pod, the leader last), ' +
  'then clear the alarm (`etcdctl alarm disarm`); if the data really needs more room, raise the quota (4.16+: `oc patch etcd/cluster --type=merge -p \'{"spec": {"backendQuotaGiB": <GiB>}}\'`, ' +
  'docs "Increasing the database size for etcd"); then run status again';

function alarmDiagnosis(s: ClusterState): Diagnosis | null {
  const alarms = (s.alarms ?? []).filter((a) => a.alarm === 'NOSPACE' || a.alarm === 'CORRUPT');
  if (!alarms.length) return null;
  const who = (id: string) => {
    const m = s.members.find((x) => x.id === id);
    return m ? memberLabel(m) : id;
  };
  const reasons = alarms.map((a) =>
    a.alarm === 'NOSPACE'
      ? r(Reason.AlarmNoSpace, `etcd raised the NOSPACE alarm on member ${who(a.memberId)}: its database reached the space quota (--quota-backend-bytes${sizeNote(s, a.memberId)}), and until the alarm is cleared etcd accepts only reads and deletes, so the API server cannot write`)
      : r(Reason.AlarmCorrupt, `etcd raised the CORRUPT alarm on member ${who(a.memberId)}: its data does not match the other members', and etcd refuses writes while the alarm is active`),
  );
  const noSpace = alarms.some((a) => a.alarm === 'NOSPACE');
  const action = noSpace
    ? `do not replace members through an alarm (every step that writes would fail part-way): ${NOSPACE_REMEDY}`
    : 'do not replace members through an alarm: find the corrupt member (`etcdctl endpoint hashkv --cluster`) and follow the OpenShift documentation with Red Hat support; restoring from a backup ("Restoring to a previous cluster state") may be needed';
  return unsafe(reasons, action);
}

function sizeNote(s: ClusterState, id: string): string {
  const b = s.members.find((m) => m.id === id)?.dbSizeBytes;
  return typeof b === 'number' ? `; DB size ${(b / 1e6).toFixed(1)} MB` : '';
}

function changesInProgress(s: ClusterState, suspectNode: string | null, targetMachine: string | null = null): string[] {
  const out: string[] = [];
  for (const m of s.machines ?? []) {
    if (m.deleting && m.name === targetMachine) continue; // decided by the caller (procedure A with the deletion under way)
    if (m.deleting) out.push(r(Reason.ChangeInProgress, `machine ${m.name} is being deleted (phase ${m.phase ?? '?'})`));
    else if (m.phase === 'Provisioning' || m.phase === 'Provisioned') out.push(r(Reason.ChangeInProgress, `machine ${m.name} is ${m.phase}`));
  }
  // A new control-plane node that has no etcd member yet (the replacement of a member removed by an earlier run)
  // cannot finish its rollout while a member is unhealthy (the operator adds no member then: OPERATOR@release-4.14
  // clustermembercontroller.go): it waits for this removal, it is not another change.
  const memberHosts = new Set(s.members.flatMap((m) => [m.name, peerIP(m) ?? '']));
  const waitingToJoin = new Set(
    s.members.some((m) => m.healthy === false) ? s.nodes.filter((n) => !memberHosts.has(n.name) && !memberHosts.has(n.internalIP ?? '') && n.ready === true).map((n) => n.name) : [],
  );
  const roll = rolloutNodes(s, suspectNode ?? undefined).filter((n) => !waitingToJoin.has(n));
  if (roll.length) {
    out.push(r(Reason.RevisionRollout, `an etcd revision rollout is in progress (latest revision ${s.etcd.latestAvailableRevision ?? '?'}; not yet on ${roll.join(', ')})`));
  }
  return out;
}

function healthyOrNot(s: ClusterState, vs: EtcdMember[]): Diagnosis {
  const reasons: string[] = [];
  const memberNames = new Set(vs.map((m) => m.name));
  const memberIPs = new Set(vs.map((m) => peerIP(m)).filter(Boolean) as string[]);
  for (const n of s.nodes) {
    const m = vs.find((x) => x.name === n.name);
    if (!m) continue;
    if (n.ready !== true || n.unreachable) {
      reasons.push(r(Reason.NodeNotReadyMemberHealthy, `node ${n.name} is ${n.ready === false ? 'NotReady' : n.unreachable ? 'unreachable' : 'Unknown'} but its etcd member ${m.id} is healthy: this is not a member replacement; wait for the node or investigate the kubelet`));
    }
    const mach = machineOfNode(s, n.name, n.internalIP);
    if (mach && mach.instanceRunning === false) reasons.push(r(Reason.MachineStoppedMemberHealthy, `machine ${mach.name} reports instance state ${mach.instanceState} but etcd member ${m.id} (${m.name}) is healthy`));
    const pod = podOfNode(s, n.name);
    if (pod && podCrashLooping(pod)) reasons.push(r(Reason.PodFailingMemberHealthy, `etcd pod ${pod.name} is ${pod.status} but its member ${m.id} is healthy`));
  }
  let ambiguous: string | null = null;
  // Fewer members than the control plane wants and all of them healthy: a replacement someone else started, its
  // member already removed. Finish it when the cluster tells which stage it is at (partial.ts).
  if (vs.length < s.etcd.controlPlaneReplicas && reasons.length === 0) {
    const found = findPartial(s);
    if (found && 'partial' in found) {
      const p = found.partial;
      const others = changesInProgress(s, null).filter(
        (x) => !x.startsWith(`${Reason.RevisionRollout}:`) && ![p.oldMachine, p.newMachine].some((m) => m && x.includes(`machine ${m} `)),
      );
      if (others.length === 0) {
        return {
          scenario: p.procedure === 'B' ? 'crashloop' : 'not-ready',
          member: null,
          reasons: [r(Reason.PartialReplacement, p.stage), ...p.facts],
          action: `finish the replacement: \`auto\` shows the remaining steps and asks first (someone else started it); --yes accepts the plan it prints`,
          partial: p,
        };
      }
      reasons.push(...others);
    } else if (found) ambiguous = found.ambiguous;
  }
  // A control plane node without a member while fewer members than expected: removed, replacement pending.
  const orphanNodes = s.nodes.filter((n) => !memberNames.has(n.name) && !(n.internalIP && memberIPs.has(n.internalIP)));
  const expected = s.etcd.controlPlaneReplicas;
  if (vs.length < expected) {
    reasons.push(
      r(
        Reason.ReplacementInProgress,
        `${vs.length} voting members but the control plane has ${expected}${orphanNodes.length ? `; node ${orphanNodes.map((n) => n.name).join(', ')} has no etcd member` : ''}: a replacement seems to be in progress${ambiguous ? `, but its stage cannot be told: ${ambiguous}` : ''}`,
      ),
    );
  } else if (vs.length > expected) {
    reasons.push(r(Reason.UnexpectedMemberCount, `${vs.length} voting members but the control plane has ${expected}: remove the unwanted one carefully (removing a good member can lose quorum)`));
  }
  if (reasons.length === 0) {
    const progress = changesInProgress(s, null);
    return {
      scenario: 'healthy',
      member: null,
      reasons: progress,
      action: `nothing to do: all ${vs.length} etcd members are healthy${progress.length ? ' (a change is in progress)' : ''}`,
    };
  }
  reasons.push(...changesInProgress(s, null));
  const inProgress = reasons.some((x) => x.startsWith(Reason.ReplacementInProgress));
  return unsafe(
    reasons,
    inProgress
      ? 'if an etcd-replace run was interrupted, finish it with `auto --resume`; otherwise wait for the etcd operator to add the missing member (force a redeployment if it does not)'
      : 'wait for the node or investigate the kubelet; nothing needs replacing while every member is healthy',
  );
}

function procedureA(s: ClusterState, m: EtcdMember, node: NodeInfo, machine: MachineInfo | null): string {
  const head = `procedure A: remove member ${m.id} (${m.name}), delete node ${node.name} and its 3 secrets`;
  if (!s.machines) return `${head}; there is no Machine API, so add the new control plane host the same way the original was made`;
  if (!machine) return `${head}; no machine was found for the node, so add the new control plane host the same way the original was made`;
  const host = s.platform === 'BareMetal' ? s.hosts?.find((h) => h.consumer === machine.name) : undefined;
  if (host) {
    const next = s.controlPlaneMachineSet?.state === 'Active' ? 'the active control plane machine set creates the new machine' : `machine ${nextMachineName(s.machines, machine.name)} is created from its saved YAML`;
    return `${head}, delete BareMetalHost ${host.name} (state ${host.state}${host.poweredOn === false ? ', powered off' : ''}) and machine ${machine.name}, create the host again to provision it (${next}); see "oc get bmh -n openshift-machine-api"`;
  }
  if (s.controlPlaneMachineSet?.state === 'Active') return `${head}, delete machine ${machine.name} (the active control plane machine set creates its replacement)`;
  return `${head}, replace machine ${machine.name} with ${nextMachineName(s.machines, machine.name)}`;
}

function procedureBRest(m: EtcdMember, node: NodeInfo): string {
  return `check that etcd on ${node.name} is stopped (manifest and /var/lib/etcd moved aside), remove member ${m.id} (${m.name}), delete its 3 secrets, force an etcd redeployment`;
}

function procedureB(m: EtcdMember, node: NodeInfo, pod: EtcdPod): string {
  return `procedure B: stop etcd pod ${pod.name} on node ${node.name} (move its static pod manifest and /var/lib/etcd aside), remove member ${m.id} (${m.name}), delete its 3 secrets, force an etcd redeployment`;
}
