// diagnose() over hand-built ClusterState fixtures: every scenario kind and the refusals.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { diagnose, nextMachineName, podCrashLooping } from '../../lib/diagnose/diagnose.ts';
import { instanceRunning, podStatusString, toEtcdPod, isEtcdMemberPod, toMachineInfo, toNodeInfo, podCandidates, toEtcdOperatorInfo } from '../../lib/cluster/read.ts';
import { statusDocument, statusExitCode } from '../../lib/commands/status.ts';
import { renderStatus } from '../../lib/ui/table.ts';

import { MASTERS, A, B, C, CONTAINERS_414, CONTAINERS_46, member, healthy, setMember, setNode, setMachine, dead, machineStopped, crashloop, hasReason } from '../helpers/state-fixtures.ts';

test('healthy', () => {
  const d = diagnose(healthy());
  assert.is(d.scenario, 'healthy');
  assert.is(d.member, null);
  assert.equal(d.reasons, []);
  assert.match(d.action, /nothing to do/);
});

test('machine stopped → not-ready, procedure A with the next machine name', () => {
  const d = diagnose(machineStopped());
  assert.is(d.scenario, 'not-ready');
  assert.equal(d.member, { id: A.id, name: A.node, node: A.node, machine: A.machine });
  assert.ok(hasReason(d.reasons, 'MemberUnhealthy'));
  assert.ok(hasReason(d.reasons, 'MachineNotRunning'));
  assert.ok(hasReason(d.reasons, 'NodeNotReady'));
  assert.is(
    d.action,
    'procedure A: remove member 6fc1e7c9db35841d (ip-10-0-131-183.ec2.internal), delete node ip-10-0-131-183.ec2.internal and its 3 secrets, replace machine clustername-8qw5l-master-0 with clustername-8qw5l-master-3',
  );
});

test('node NotReady with machine running → not-ready', () => {
  const s = healthy();
  dead(s, A);
  setNode(s, A.node, { ready: false });
  const d = diagnose(s);
  assert.is(d.scenario, 'not-ready');
  assert.not.ok(hasReason(d.reasons, 'MachineNotRunning'));
});

test('active CPMS: delete the machine, CPMS makes the replacement', () => {
  const s = machineStopped();
  s.controlPlaneMachineSet = { state: 'Active' };
  assert.match(diagnose(s).action, /delete machine clustername-8qw5l-master-0 \(the active control plane machine set creates its replacement\)/);
});

test('platform none (machines null): not-ready from the node alone', () => {
  const s = healthy();
  s.platform = 'None';
  s.machines = null;
  dead(s, A);
  setNode(s, A.node, { ready: null, unreachable: true });
  const d = diagnose(s);
  assert.is(d.scenario, 'not-ready');
  assert.is(d.member!.machine, null);
  assert.match(d.action, /no Machine API/);
});

test('crash-looping etcd pod on a Ready node → crashloop (4.14 shape)', () => {
  const d = diagnose(crashloop());
  assert.is(d.scenario, 'crashloop');
  assert.equal(d.member, { id: A.id, name: A.node, node: A.node, machine: A.machine });
  assert.ok(hasReason(d.reasons, 'PodCrashLooping'));
  assert.match(d.action, /^procedure B: stop etcd pod etcd-ip-10-0-131-183.ec2.internal/);
  assert.match(d.action, /remove member 6fc1e7c9db35841d/);
});

test('crashloop with the 4.6 pod shape (3 containers, pod STATUS Error)', () => {
  const s = crashloop(CONTAINERS_46);
  s.release = '4.6.12';
  s.pods = s.pods.map((p) => (p.node === A.node ? { ...p, status: 'Error' } : p));
  const d = diagnose(s);
  assert.is(d.scenario, 'crashloop');
  assert.match(d.reasons.find((r) => r.startsWith('PodCrashLooping'))!, /is Error \(2\/3 ready, 7 restarts/);
});

test('node Ready, pod Running, member unhealthy → unsafe CannotDecide', () => {
  const s = healthy();
  dead(s, A);
  const d = diagnose(s);
  assert.is(d.scenario, 'unsafe');
  assert.ok(hasReason(d.reasons, 'CannotDecide'));
  assert.is(d.member!.id, A.id);
});

test('kubelet down: node NotReady but member healthy → unsafe, not a replacement', () => {
  const s = healthy();
  setNode(s, A.node, { ready: null, unreachable: true });
  const d = diagnose(s);
  assert.is(d.scenario, 'unsafe');
  assert.ok(hasReason(d.reasons, 'NodeNotReadyMemberHealthy'));
  assert.match(d.action, /wait for the node or investigate the kubelet/);
});

test('two members down of three → quorum-lost, restore docs', () => {
  const s = machineStopped();
  dead(s, C);
  const d = diagnose(s);
  assert.is(d.scenario, 'quorum-lost');
  assert.ok(hasReason(d.reasons, 'NoQuorum'));
  assert.match(d.action, /Restoring to a previous cluster state/);
  assert.not.match(d.action, /quorum-restore\.sh/);
  s.release = '4.18.3';
  assert.match(diagnose(s).action, /quorum-restore\.sh/);
});

test('two members down of five → unsafe (quorum kept, but one at a time)', () => {
  const s = healthy();
  s.members.push(member({ node: 'm4', ip: '10.0.1.4', machine: 'x-master-3', id: '0000000000000004' }), member({ node: 'm5', ip: '10.0.1.5', machine: 'x-master-4', id: '0000000000000005' }));
  s.etcd.controlPlaneReplicas = 5;
  dead(s, A);
  setMember(s, '0000000000000004', { healthy: false });
  const d = diagnose(s);
  assert.is(d.scenario, 'unsafe');
  assert.ok(hasReason(d.reasons, 'MultipleUnhealthyMembers'));
});

test('two down of five: the refusal names both and the order; --member one of them → not-ready, the other named next', () => {
  const s = machineStopped();
  s.members.push(member({ node: 'm4', ip: '10.0.1.4', machine: 'x-master-3', id: '0000000000000004' }), member({ node: 'm5', ip: '10.0.1.5', machine: 'x-master-4', id: '0000000000000005' }));
  s.etcd.controlPlaneReplicas = 5;
  setMember(s, '0000000000000004', { healthy: false });
  const d = diagnose(s);
  const why = d.reasons.find((x) => x.startsWith('MultipleUnhealthyMembers'))!;
  assert.match(why, /3 healthy of 4 voting members/);
  assert.match(why, new RegExp(`\`auto --member ${A.node}\`, then \`auto --member m4\``));
  const one = diagnose(s, { member: A.node });
  assert.is(one.scenario, 'not-ready');
  assert.is(one.member?.id, A.id);
  assert.ok(hasReason(one.reasons, 'OtherMemberUnhealthy'));
  assert.match(one.action, /then auto --member m4/);
  assert.is(diagnose(s, { member: C.node }).scenario, 'unsafe', 'a healthy member is never the target');
  // three down of five: removing one would leave 2 healthy of 4 → quorum lost already (3 of 5 needed)
  setMember(s, '0000000000000005', { healthy: false });
  assert.is(diagnose(s, { member: A.node }).scenario, 'quorum-lost');
});

test('unknown health is not dead → unsafe MemberHealthUnknown', () => {
  const s = healthy();
  setMember(s, C.id, { healthy: null });
  const d = diagnose(s);
  assert.is(d.scenario, 'unsafe');
  assert.ok(hasReason(d.reasons, 'MemberHealthUnknown'));
  assert.match(d.reasons[0], /health of member 757b6793e2408b6c \(ip-10-0-164-97.ec2.internal\) is unknown/);
  // one dead and another unknown: still unsafe
  const t = machineStopped();
  setMember(t, C.id, { healthy: null });
  assert.is(diagnose(t).scenario, 'unsafe');
});

test('name/IP mismatch → unsafe IdentityMismatch', () => {
  const s = machineStopped();
  setMember(s, A.id, { peerURLs: ['https://10.0.131.999:2380'] });
  let d = diagnose(s);
  assert.is(d.scenario, 'unsafe');
  assert.ok(hasReason(d.reasons, 'IdentityMismatch'));
  // member name matches no node but its IP does
  const t = machineStopped();
  setMember(t, A.id, { name: 'some-other-name' });
  d = diagnose(t);
  assert.is(d.scenario, 'unsafe');
  assert.ok(hasReason(d.reasons, 'IdentityMismatch'));
  assert.match(d.reasons[0], /belongs to node ip-10-0-131-183.ec2.internal/);
});

test('learner present → unsafe LearnerPresent (even with a dead member)', () => {
  const s = machineStopped();
  s.members.push({ id: '1a114dc5b9a2eb60', name: '', peerURLs: ['https://10.0.140.10:2380'], clientURLs: [], started: false, isLearner: true, healthy: null, leader: false });
  const d = diagnose(s);
  assert.is(d.scenario, 'unsafe');
  assert.ok(hasReason(d.reasons, 'LearnerPresent'));
});

test('unstarted voting member → unsafe UnstartedMember', () => {
  const s = healthy();
  s.members.push({ id: 'e3d84b60ba304ce5', name: '', peerURLs: ['https://10.0.140.10:2380'], clientURLs: [], started: false, isLearner: false, healthy: null, leader: false });
  const d = diagnose(s);
  assert.is(d.scenario, 'unsafe');
  assert.ok(hasReason(d.reasons, 'UnstartedMember'));
});

test('member list unreadable: NoQuorum condition → quorum-lost, otherwise unsafe', () => {
  const s = healthy();
  s.members = [];
  s.memberSource = null;
  s.memberListError = 'etcd-x: context deadline exceeded';
  let d = diagnose(s);
  assert.is(d.scenario, 'unsafe');
  assert.ok(hasReason(d.reasons, 'MemberListUnreadable'));
  s.etcd.conditions = [{ type: 'EtcdMembersAvailable', status: 'False', reason: 'NoQuorum', message: '1 of 3 members are available' }];
  d = diagnose(s);
  assert.is(d.scenario, 'quorum-lost');
});

test('another change in progress: machine deleting / provisioning / revision rollout', () => {
  let s = machineStopped();
  setMachine(s, C.machine, { deleting: true, phase: 'Deleting' });
  let d = diagnose(s);
  assert.is(d.scenario, 'unsafe');
  assert.ok(hasReason(d.reasons, 'ChangeInProgress'));
  s = machineStopped();
  s.machines!.push({ name: 'clustername-8qw5l-master-3', phase: 'Provisioning', instanceState: 'pending', instanceRunning: null, nodeName: null, internalIPs: [], deleting: false, hasEtcdHook: false });
  assert.is(diagnose(s).scenario, 'unsafe');
  s = machineStopped();
  s.etcd.latestAvailableRevision = 9;
  s.etcd.nodeStatuses = MASTERS.map((m) => ({ nodeName: m.node, currentRevision: 8, targetRevision: 9 }));
  d = diagnose(s);
  assert.is(d.scenario, 'unsafe');
  assert.ok(hasReason(d.reasons, 'RevisionRollout'));
  // a rollout stuck only on the failed node is a symptom, not another change
  s = crashloop();
  s.etcd.latestAvailableRevision = 9;
  s.etcd.nodeStatuses = MASTERS.map((m) => ({ nodeName: m.node, currentRevision: m === A ? 8 : 9, targetRevision: m === A ? 9 : 0 }));
  assert.is(diagnose(s).scenario, 'crashloop');
});

test('target machine already Deleting (held by its preDrain hook): procedure A; another master machine deleting: refused', () => {
  let s = machineStopped();
  setMachine(s, A.machine, { deleting: true, phase: 'Deleting', hasEtcdHook: true });
  let d = diagnose(s);
  assert.is(d.scenario, 'not-ready', d.reasons.join('\n'));
  assert.ok(hasReason(d.reasons, 'MachineDeleting'), d.reasons.join('\n'));
  assert.is(d.member?.machine, A.machine);
  s = machineStopped();
  setMachine(s, B.machine, { deleting: true, phase: 'Deleting', hasEtcdHook: true });
  d = diagnose(s);
  assert.is(d.scenario, 'unsafe');
  assert.ok(hasReason(d.reasons, 'ChangeInProgress'));
  assert.match(d.reasons.join('\n'), B.machine);
});

test('revision rollout waiting on the crash-looping target (the others behind it) is the crash loop itself: B; not when another node moves, nor for A', () => {
  let s = crashloop();
  s.etcd.latestAvailableRevision = 9;
  s.etcd.nodeStatuses = MASTERS.map((m) => ({ nodeName: m.node, currentRevision: 8, ...(m === A ? { targetRevision: 9 } : {}) }));
  let d = diagnose(s);
  assert.is(d.scenario, 'crashloop', d.reasons.join('\n'));
  assert.ok(hasReason(d.reasons, 'RolloutWaitsOnTarget'), d.reasons.join('\n'));
  // another node is the one in transition: a separate change
  s.etcd.nodeStatuses = MASTERS.map((m) => ({ nodeName: m.node, currentRevision: 8, ...(m === B ? { targetRevision: 9 } : {}) }));
  d = diagnose(s);
  assert.is(d.scenario, 'unsafe');
  assert.ok(hasReason(d.reasons, 'RevisionRollout'));
  // nodes behind and nobody in transition (between two nodes): still a rollout in progress
  s.etcd.nodeStatuses = MASTERS.map((m) => ({ nodeName: m.node, currentRevision: m === C ? 9 : 8 }));
  assert.is(diagnose(s).scenario, 'unsafe');
  // a stopped machine whose node holds the rollout: not procedure A
  s = machineStopped();
  s.etcd.latestAvailableRevision = 9;
  s.etcd.nodeStatuses = MASTERS.map((m) => ({ nodeName: m.node, currentRevision: 8, ...(m === A ? { targetRevision: 9 } : {}) }));
  d = diagnose(s);
  assert.is(d.scenario, 'unsafe', d.reasons.join('\n'));
  assert.ok(hasReason(d.reasons, 'RevisionRollout'));
});

test('--member: healthy member refused; unknown name refused; matching member diagnosed', () => {
  let d = diagnose(machineStopped(), { member: B.node });
  assert.is(d.scenario, 'unsafe');
  assert.ok(hasReason(d.reasons, 'TargetHealthy'));
  d = diagnose(machineStopped(), { member: 'nope' });
  assert.ok(hasReason(d.reasons, 'MemberNotFound'));
  d = diagnose(machineStopped(), { member: A.node });
  assert.is(d.scenario, 'not-ready');
  d = diagnose(machineStopped(), { member: A.id });
  assert.is(d.scenario, 'not-ready');
});

test('already replaced / in progress: 2 healthy members and a master node without one → unsafe ReplacementInProgress', () => {
  const s = healthy();
  s.members = s.members.filter((m) => m.id !== A.id);
  const d = diagnose(s);
  assert.is(d.scenario, 'unsafe');
  assert.ok(hasReason(d.reasons, 'ReplacementInProgress'));
  assert.match(d.reasons[0], /node ip-10-0-131-183.ec2.internal has no etcd member/);
  assert.match(d.action, /auto --resume/);
});

test('2 members, 1 dead → quorum-lost', () => {
  const s = machineStopped();
  s.members = s.members.filter((m) => m.id !== C.id);
  assert.is(diagnose(s).scenario, 'quorum-lost');
});

test('single member cluster, dead → quorum-lost', () => {
  const s = machineStopped();
  s.members = s.members.filter((m) => m.id === A.id);
  assert.is(diagnose(s).scenario, 'quorum-lost');
});

test('every reason is named', () => {
  const fixtures = [machineStopped(), crashloop(), (() => { const s = healthy(); setNode(s, A.node, { ready: false }); return s; })()];
  for (const f of fixtures) for (const r of diagnose(f).reasons) assert.match(r, /^[A-Z][A-Za-z]+: /);
});

test('nextMachineName', () => {
  const ms = healthy().machines!;
  assert.is(nextMachineName(ms, 'clustername-8qw5l-master-0'), 'clustername-8qw5l-master-3');
  assert.is(nextMachineName([...ms, { ...ms[0], name: 'clustername-8qw5l-master-5' }], 'clustername-8qw5l-master-1'), 'clustername-8qw5l-master-6');
});

// ---------- status: exit codes, document, table ----------

test('status exit codes: 0 healthy, 3 replaceable, 4 refused', () => {
  assert.is(statusExitCode('healthy'), 0);
  assert.is(statusExitCode('not-ready'), 3);
  assert.is(statusExitCode('crashloop'), 3);
  assert.is(statusExitCode('unsafe'), 4);
  assert.is(statusExitCode('quorum-lost'), 4);
});

test('status document keys and the table (no colors unless asked)', () => {
  const s = machineStopped();
  const d = diagnose(s);
  const doc = statusDocument(s, d, { server: 'https://api.x:6443', context: 'admin', client: 'oc' });
  assert.equal(Object.keys(doc), ['cluster', 'members', 'pods', 'nodes', 'machines', 'controlPlaneMachineSet', 'secrets', 'etcd', 'diagnosis', 'replacement']);
  assert.is(doc.replacement, null);
  assert.is(doc.diagnosis, d);
  assert.is(doc.etcd.unsupportedConfigOverrides, null);
  const plain = renderStatus(s, d, { server: 'https://api.x:6443', context: 'admin' }, false);
  for (const x of ['MEMBERS', 'ETCD PODS', 'NODES', 'MACHINES', 'SECRETS', 'ETCD OPERATOR', 'DIAGNOSIS', 'scenario: not-ready', 'UNHEALTHY', 'stopped', '3 ✓', 'procedure A']) assert.ok(plain.includes(x), x);
  assert.not.match(plain, /\x1b\[/);
  assert.match(renderStatus(s, d, { server: null, context: null }, true), /\x1b\[31mUNHEALTHY/);
  const none = { ...s, machines: null };
  assert.match(renderStatus(none, diagnose(none), { server: null, context: null }), /no Machine API/);
  const unread = { ...healthy(), members: [], memberSource: null, memberListError: 'etcd-x: timed out' };
  assert.match(renderStatus(unread, diagnose(unread), { server: null, context: null }), /member list unreadable: etcd-x: timed out/);
});

// ---------- read.ts object mapping ----------

test('instance state table', () => {
  for (const s of ['running', 'RUNNING', 'poweredOn', 'Running', 'Succeeded', 'externally provisioned', 'provisioned']) assert.is(instanceRunning(s), true, s);
  for (const s of ['stopped', 'terminated', 'STOPPED', 'TERMINATED', 'poweredOff', 'Stopped', 'Deallocated']) assert.is(instanceRunning(s), false, s);
  for (const s of ['Unknown', 'pending', null, undefined, '']) assert.is(instanceRunning(s as any), null, String(s));
});

test('machine: annotation first, then providerStatus.instanceState / vmState', () => {
  const m = toMachineInfo({
    metadata: { name: 'x', annotations: { 'machine.openshift.io/instance-state': 'stopped' } },
    spec: { lifecycleHooks: { preDrain: [{ name: 'EtcdQuorumOperator', owner: 'clusteroperator/etcd' }] } },
    status: { phase: 'Running', providerStatus: { instanceState: 'running' }, nodeRef: { name: 'n' }, addresses: [{ type: 'InternalIP', address: '10.0.0.1' }, { type: 'InternalDNS', address: 'n' }] },
  });
  assert.equal(m, { name: 'x', phase: 'Running', instanceState: 'stopped', instanceRunning: false, nodeName: 'n', internalIPs: ['10.0.0.1'], deleting: false, hasEtcdHook: true, providerSpecKind: null });
  const az = toMachineInfo({ metadata: { name: 'az', deletionTimestamp: '2026-01-01T00:00:00Z' }, status: { phase: 'Deleting', providerStatus: { vmState: 'Succeeded' } } });
  assert.is(az.instanceState, 'Succeeded');
  assert.is(az.instanceRunning, true);
  assert.is(az.deleting, true);
  const bm = toMachineInfo({ metadata: { name: 'bm' }, status: { phase: 'Running' } });
  assert.is(bm.instanceRunning, null);
});

test('node: Ready True/False/Unknown and the unreachable taint', () => {
  const n = toNodeInfo({
    metadata: { name: 'n', uid: 'u' },
    spec: { taints: [{ key: 'node-role.kubernetes.io/master', effect: 'NoSchedule' }, { key: 'node.kubernetes.io/unreachable', effect: 'NoExecute' }] },
    status: { addresses: [{ type: 'Hostname', address: 'n' }, { type: 'InternalIP', address: '10.0.0.9' }], conditions: [{ type: 'Ready', status: 'Unknown' }] },
  });
  assert.equal(n, { name: 'n', internalIP: '10.0.0.9', ready: null, unreachable: true, uid: 'u', internalIPs: ['10.0.0.9'] });
  assert.is(toNodeInfo({ metadata: { name: 'n' }, status: { conditions: [{ type: 'Ready', status: 'False' }] } }).ready, false);
});

function rawPod(containers: string[], states: Record<string, any>, extra: any = {}) {
  return {
    metadata: { name: 'etcd-n1', labels: { app: 'etcd', 'k8s-app': 'etcd', etcd: 'true', revision: '7' }, ...(extra.metadata ?? {}) },
    spec: { nodeName: 'n1', containers: containers.map((name) => ({ name })), initContainers: [{ name: 'setup' }, { name: 'etcd-ensure-env-vars' }, { name: 'etcd-resources-copy' }] },
    status: {
      phase: 'Running',
      initContainerStatuses: [{ name: 'setup', state: { terminated: { exitCode: 0, reason: 'Completed' } } }, { name: 'etcd-ensure-env-vars', state: { terminated: { exitCode: 0, reason: 'Completed' } } }, { name: 'etcd-resources-copy', state: { terminated: { exitCode: 0, reason: 'Completed' } } }],
      containerStatuses: containers.map((name) => states[name] ?? { name, ready: true, restartCount: 0, state: { running: { startedAt: 'x' } } }),
      ...(extra.status ?? {}),
    },
  };
}

test('pod STATUS string like kubectl; 4.14 crashloop pod', () => {
  const p = rawPod(CONTAINERS_414, { etcd: { name: 'etcd', ready: false, restartCount: 7, state: { waiting: { reason: 'CrashLoopBackOff', message: 'back-off 5m0s' } }, lastState: { terminated: { exitCode: 1, reason: 'Error' } } } });
  assert.is(podStatusString(p), 'CrashLoopBackOff');
  const e = toEtcdPod(p);
  assert.is(e.readyCount, 3);
  assert.is(e.containerCount, 4);
  assert.is(e.restarts, 7);
  assert.is(e.revision, '7');
  assert.equal(e.etcd, { name: 'etcd', ready: false, state: 'waiting', reason: 'CrashLoopBackOff', restarts: 7, lastExitCode: 1, lastReason: 'Error' });
  assert.ok(podCrashLooping(e));
});

test('crash loop seen between two back-offs: running, not ready, restarted, last run failed', () => {
  const between = (restartCount: number, last: any, ready = false) =>
    toEtcdPod(rawPod(CONTAINERS_414, { etcd: { name: 'etcd', ready, restartCount, state: { running: { startedAt: '2026-11-28T10:00:00Z' } }, ...(last ? { lastState: { terminated: last } } : {}) } }));
  assert.ok(podCrashLooping(between(7, { exitCode: 1, reason: 'Error' })), 'restarting again after failures');
  assert.ok(podCrashLooping(between(2, { exitCode: 137, reason: 'OOMKilled' })));
  assert.not.ok(podCrashLooping(between(1, { exitCode: 1, reason: 'Error' })), 'one restart may be recovering');
  assert.not.ok(podCrashLooping(between(7, { exitCode: 0, reason: 'Completed' })), 'a clean exit is not a crash');
  assert.not.ok(podCrashLooping(between(7, { exitCode: 1, reason: 'Error' }, true)), 'ready again');
  assert.not.ok(podCrashLooping(between(7, null)), 'no record of a failed run');
});

test('pod STATUS: 4.6 shape Error (terminated), Running, Init, Terminating', () => {
  const err = rawPod(CONTAINERS_46, { etcd: { name: 'etcd', ready: false, restartCount: 7, state: { terminated: { exitCode: 1, reason: 'Error' } } } });
  assert.is(podStatusString(err), 'Error');
  assert.is(toEtcdPod(err).readyCount, 2);
  assert.ok(podCrashLooping(toEtcdPod(err)));
  const ok = rawPod(CONTAINERS_46, {});
  assert.is(podStatusString(ok), 'Running');
  assert.not.ok(podCrashLooping(toEtcdPod(ok)));
  const init = rawPod(CONTAINERS_46, {}, { status: { initContainerStatuses: [{ name: 'setup', state: { terminated: { exitCode: 0 } } }, { name: 'etcd-ensure-env-vars', state: { waiting: { reason: 'CrashLoopBackOff' } } }] } });
  assert.is(podStatusString(init), 'Init:CrashLoopBackOff');
  const init2 = rawPod(CONTAINERS_46, {}, { status: { initContainerStatuses: [{ name: 'setup', state: { running: {} } }] } });
  assert.is(podStatusString(init2), 'Init:0/3');
  const term = rawPod(CONTAINERS_46, {}, { metadata: { deletionTimestamp: 'x' } });
  assert.is(podStatusString(term), 'Terminating');
});

test('only static etcd pods: guard, quorum-guard, installer, pruner excluded', () => {
  const mk = (name: string, labels: any) => ({ metadata: { name, labels } });
  assert.ok(isEtcdMemberPod(mk('etcd-ip-10-0-131-183.ec2.internal', { app: 'etcd', 'k8s-app': 'etcd', etcd: 'true' })));
  assert.not.ok(isEtcdMemberPod(mk('etcd-guard-ip-10-0-131-183.ec2.internal', { app: 'guard' })));
  assert.not.ok(isEtcdMemberPod(mk('etcd-quorum-guard-7d9f-abc', { 'k8s-app': 'etcd-quorum-guard', name: 'etcd-quorum-guard' })));
  assert.not.ok(isEtcdMemberPod(mk('installer-8-ip-10-0-131-183.ec2.internal', { app: 'installer' })));
  assert.not.ok(isEtcdMemberPod(mk('revision-pruner-8-ip-10-0-131-183.ec2.internal', { app: 'pruner' })));
});

test('podCandidates: pod on a healthy node first, suspected node last', () => {
  const s = machineStopped();
  const order = podCandidates(s.pods, s.nodes, s.machines).map((p) => p.node);
  assert.is(order[order.length - 1], A.node);
  const t = crashloop();
  assert.is(podCandidates(t.pods, t.nodes, t.machines).at(-1)!.node, A.node);
});

test('etcd operator info: override parsing and replicas', () => {
  const e = toEtcdOperatorInfo({
    spec: { unsupportedConfigOverrides: { useUnsupportedUnsafeNonHANonProductionUnstableEtcd: 'true', other: 1 }, observedConfig: { controlPlane: { replicas: 5 } }, forceRedeploymentReason: 'recovery-1' },
    status: { latestAvailableRevision: 9, nodeStatuses: [{ nodeName: 'n1', currentRevision: 9 }], conditions: [{ type: 'EtcdMembersAvailable', status: 'True', reason: 'EtcdQuorate', message: '3 members are available' }] },
  });
  assert.is(e.quorumGuardOff, true);
  assert.is(e.controlPlaneReplicas, 5);
  assert.is(e.forceRedeploymentReason, 'recovery-1');
  assert.is(e.latestAvailableRevision, 9);
  assert.equal(e.unsupportedConfigOverrides, { useUnsupportedUnsafeNonHANonProductionUnstableEtcd: 'true', other: 1 });
  const d = toEtcdOperatorInfo({ spec: {}, status: {} });
  assert.is(d.quorumGuardOff, false);
  assert.is(d.controlPlaneReplicas, 3);
  assert.is(d.unsupportedConfigOverrides, undefined);
});

test.run();
