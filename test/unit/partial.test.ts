// A replacement someone else started (diagnose/partial.ts), the plan that finishes it (procedureFinish.ts), the backup
// --force prediction (diagnose/backup-force.ts) and the quorum guard end state: over hand-built ClusterState fixtures.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { diagnose } from '../../lib/diagnose/diagnose.ts';
import { backupForceReason } from '../../lib/diagnose/backup-force.ts';
import { PlanError, buildSteps, planFacts, planTitle } from '../../lib/runbooks/plan.ts';
import { withoutGuard } from '../../lib/runbooks/steps/quorum-guard.ts';
import { Kube } from '../../lib/cluster/kubectl.ts';

import type { ClusterState } from '../../lib/types.ts';



import { MASTERS, A, B, C, healthy, machineStopped, crashloop } from '../helpers/state-fixtures.ts';
const kube = new Kube({ client: 'kubectl' });
const stepIds = (s: ClusterState) => {
  const d = diagnose(s);
  const f = planFacts(s, d, new Date('2026-12-02T00:00:00Z'));
  return { d, f, ids: buildSteps(kube, f).map((x) => x.id) };
};
/** A's member removed by hand (etcdctl member remove), nothing else yet */
function aRemoved(): ClusterState {
  const s = machineStopped();
  s.members = s.members.filter((m) => m.id !== A.id);
  return s;
}

test('A, member removed, node and stopped machine still there: PartialReplacement, the rest of A, no member removal', () => {
  const { d, f, ids } = stepIds(aRemoved());
  assert.is(d.scenario, 'not-ready');
  assert.is(d.member, null);
  assert.match(d.reasons[0]!, /^PartialReplacement: member removed, node ip-10-0-131-183.ec2.internal \(Unknown\) and its machine still there$/);
  assert.ok(d.partial?.memberRemoved);
  assert.is(f.target.memberId, '');
  assert.equal(ids, ['backup', 'quorum-guard-off', 'delete-node', 'delete-secrets', 'save-machine', 'delete-machine', 'create-machine', 'wait-machine', 'wait-rollout', 'quorum-guard-restore', 'final-verify']);
  assert.match(planTitle(f), /Someone else started this replacement/);
});

test('A, guard already off and secrets deleted: those steps are not listed; the guard still ends on', () => {
  const s = aRemoved();
  s.etcd.unsupportedConfigOverrides = { useUnsupportedUnsafeNonHANonProductionUnstableEtcd: true, other: 'x' };
  s.etcd.quorumGuardOff = true;
  s.secrets = s.secrets.map((x) => (x.node === A.node ? { ...x, present: [], missing: x.present } : x));
  const { d, ids } = stepIds(s);
  assert.ok(d.reasons.some((r) => /quorum guard is off/.test(r)));
  assert.equal(ids, ['backup', 'delete-node', 'save-machine', 'delete-machine', 'create-machine', 'wait-machine', 'wait-rollout', 'quorum-guard-restore', 'final-verify']);
  assert.equal(withoutGuard(s.etcd.unsupportedConfigOverrides), { other: 'x' });
  assert.is(withoutGuard({ useUnsupportedUnsafeNonHANonProductionUnstableEtcd: 'true' }), undefined);
  assert.equal(withoutGuard({ useUnsupportedUnsafeNonHANonProductionUnstableEtcd: false }), { useUnsupportedUnsafeNonHANonProductionUnstableEtcd: false });
});

test('member removed, machine and node gone (the 4.12+ operator removal), CPMS inactive: a machine from a surviving master', () => {
  const s = aRemoved();
  s.nodes = s.nodes.filter((n) => n.name !== A.node);
  s.pods = s.pods.filter((p) => p.node !== A.node);
  s.machines = s.machines!.filter((m) => m.name !== A.machine);
  s.secrets = s.secrets.filter((x) => x.node !== A.node);
  s.strandedSecretNodes = [A.node];
  s.controlPlaneMachineSet = { state: 'Inactive' };
  const { d, f, ids } = stepIds(s);
  assert.match(d.reasons[0]!, /^PartialReplacement: member removed, no machine replaces it$/);
  assert.is(f.finish?.templateMachine, B.machine);
  assert.equal(ids, ['backup', 'quorum-guard-off', 'delete-secrets', 'save-machine', 'create-machine', 'wait-machine', 'wait-rollout', 'quorum-guard-restore', 'final-verify']);
  // CPMS Active: wait for it, and say so
  s.controlPlaneMachineSet = { state: 'Active' };
  const c = stepIds(s);
  assert.ok(c.d.reasons.some((r) => /Active control plane machine set creates one/.test(r)));
  assert.equal(c.ids, ['backup', 'quorum-guard-off', 'delete-secrets', 'wait-machine', 'wait-rollout', 'quorum-guard-restore', 'final-verify']);
});

test('member removed, machine gone, the old node lingering: the node deleted first; with an Active CPMS (Degraded by the unmanaged node until then) wait for it and say so', () => {
  const s = aRemoved();
  s.machines = s.machines!.filter((m) => m.name !== A.machine);
  s.controlPlaneMachineSet = { state: 'Active' };
  const { d, f, ids } = stepIds(s);
  assert.is(d.reasons[0], `PartialReplacement: member removed, node ${A.node} (Unknown) still there (no Machine of it)`);
  assert.ok(d.reasons.some((r) => r.includes(`the Active control plane machine set creates the new one once node ${A.node} is deleted`)), d.reasons.join('\n'));
  assert.equal(ids, ['backup', 'quorum-guard-off', 'delete-node', 'delete-secrets', 'wait-machine', 'wait-rollout', 'quorum-guard-restore', 'final-verify']);
  assert.match(buildSteps(kube, f).find((x) => x.id === 'wait-machine')!.title, /^Wait for the Active control plane machine set to create the new master machine/);
  // no CPMS: a surviving master's machine copied, after the node goes
  s.controlPlaneMachineSet = null;
  const r = stepIds(s);
  assert.equal(r.ids, ['backup', 'quorum-guard-off', 'delete-node', 'delete-secrets', 'save-machine', 'create-machine', 'wait-machine', 'wait-rollout', 'quorum-guard-restore', 'final-verify']);
});

test('member removed, new machine Provisioning / its node Ready without a member: only the waits remain', () => {
  const s = aRemoved();
  s.nodes = s.nodes.filter((n) => n.name !== A.node);
  s.pods = s.pods.filter((p) => p.node !== A.node);
  s.secrets = s.secrets.filter((x) => x.node !== A.node);
  s.machines = s.machines!.map((m) => (m.name === A.machine ? { ...m, name: 'clustername-8qw5l-master-3', phase: 'Provisioning', nodeName: null, internalIPs: [], instanceState: 'pending', instanceRunning: null } : m));
  let r = stepIds(s);
  assert.match(r.d.reasons[0]!, /new machine clustername-8qw5l-master-3 Provisioning/);
  assert.equal(r.ids, ['backup', 'quorum-guard-off', 'wait-machine', 'wait-rollout', 'quorum-guard-restore', 'final-verify']);
  // the new node is up, newer than the other masters, no member yet
  s.nodes = [...s.nodes.map((n) => ({ ...n, created: '2026-12-01T00:00:00Z' })), { name: 'ip-10-0-140-7.ec2.internal', internalIP: '10.0.140.7', ready: true, unreachable: false, uid: 'u-new', created: '2026-12-02T00:00:00Z' }];
  s.machines = s.machines.map((m) => (m.name === 'clustername-8qw5l-master-3' ? { ...m, phase: 'Running', nodeName: 'ip-10-0-140-7.ec2.internal', internalIPs: ['10.0.140.7'] } : m));
  r = stepIds(s);
  assert.match(r.d.reasons[0]!, /new node ip-10-0-140-7.ec2.internal Ready, its member not added yet/);
  assert.equal(r.ids, ['backup', 'quorum-guard-off', 'wait-machine', 'wait-rollout', 'quorum-guard-restore', 'final-verify']);
});

/** bare metal (4.14, no CPMS): each master's machine consumes the host named after its node */
function bareMetal(s: ClusterState): ClusterState {
  s.platform = 'BareMetal';
  const host = (m: (typeof MASTERS)[number], state = 'externally provisioned') => ({ name: `host-${m.id.slice(0, 4)}`, state, consumer: m.machine, online: true, poweredOn: true, error: '', bootMACAddress: null, bmcAddress: null, credentialsName: `host-${m.id.slice(0, 4)}-bmc-secret` });
  s.hosts = MASTERS.map((m) => host(m));
  return s;
}
const HOST_A = `host-${A.id.slice(0, 4)}`;
/** bare metal, A's member removed by hand, then the docs' steps up to the machine deletion (node and machine gone) */
function bmMachineGone(): ClusterState {
  const s = bareMetal(aRemoved());
  s.nodes = s.nodes.filter((n) => n.name !== A.node);
  s.pods = s.pods.filter((p) => p.node !== A.node);
  s.machines = s.machines!.filter((m) => m.name !== A.machine);
  s.secrets = s.secrets.filter((x) => x.node !== A.node);
  s.strandedSecretNodes = [A.node];
  return s;
}

test('bare metal, member removed, machine and host still there: the bare-metal procedure minus the member removal', () => {
  const { f, ids } = stepIds(bareMetal(aRemoved()));
  assert.is(f.bareMetal?.host, HOST_A);
  assert.equal(ids, ['check-baremetal-operator', 'backup', 'quorum-guard-off', 'delete-secrets', 'save-host', 'save-machine', 'delete-host', 'delete-machine', 'remove-machine-finalizer', 'delete-node', 'create-host', 'create-machine', 'wait-host', 'wait-machine', 'check-machine-address', 'wait-rollout', 'quorum-guard-restore', 'final-verify']);
});

test('bare metal, machine deleted (node gone), old host released: the host route, the machine copied from a surviving master', () => {
  const s = bmMachineGone();
  s.hosts = s.hosts!.map((h) => (h.name === HOST_A ? { ...h, consumer: null } : h));
  const { d, f, ids } = stepIds(s);
  assert.match(d.reasons[0]!, /^PartialReplacement: member removed, no machine replaces it$/);
  assert.equal(f.bareMetal, { host: HOST_A });
  assert.ok(f.finish!.facts.some((x) => x.startsWith(`BareMetalHost ${HOST_A} (externally provisioned, no consumer) is deleted and created again`)), f.finish!.facts.join('\n'));
  assert.equal(ids, ['check-baremetal-operator', 'backup', 'quorum-guard-off', 'delete-secrets', 'save-host', 'save-machine', 'delete-host', 'create-host', 'create-machine', 'wait-host', 'wait-machine', 'check-machine-address', 'wait-rollout', 'quorum-guard-restore', 'final-verify']);
  const save = buildSteps(kube, f).find((x) => x.id === 'save-machine')!;
  assert.match(save.title, new RegExp(`^Save machine ${B.machine} `), 'a surviving master\'s machine');
});

test('bare metal, host deleted (its BMC Secret garbage-collected): refused in one line saying what to create; --bmh takes the host route; a host made by hand is provisioned', () => {
  // docs step 6 done (host gone), machine and node still there
  const s6 = bareMetal(aRemoved());
  s6.hosts = s6.hosts!.filter((h) => h.name !== HOST_A);
  const d6 = diagnose(s6);
  assert.throws(() => planFacts(s6, d6), (e: Error) => e instanceof PlanError && /^the removed member's BareMetalHost is gone, and with it its BMC credentials Secret .* or pass both in --bmh FILE, then run auto again \(stage: member removed, node .*\)$/.test(e.message) && !e.message.includes('\n'));
  const bmh = { host: { metadata: { name: 'new-host-7' } }, secretName: 'new-host-7-bmc' };
  const f6 = planFacts(s6, d6, new Date(), { bmh });
  assert.equal(f6.bareMetal, { host: 'new-host-7', manifest: bmh, oldHostGone: true });
  assert.equal(buildSteps(kube, f6).map((x) => x.id), ['check-baremetal-operator', 'backup', 'quorum-guard-off', 'delete-secrets', 'save-host', 'save-machine', 'delete-machine', 'remove-machine-finalizer', 'delete-node', 'create-host', 'create-machine', 'wait-host', 'wait-machine', 'check-machine-address', 'wait-rollout', 'quorum-guard-restore', 'final-verify']);
  // docs step 7 done too (machine and node gone): the same refusal
  const s7 = bmMachineGone();
  s7.hosts = s7.hosts!.filter((h) => h.name !== HOST_A);
  assert.throws(() => planFacts(s7, diagnose(s7)), /BareMetalHost is gone.*\(stage: member removed, no machine replaces it\)$/);
  // docs step 9 done: a host created by hand, not externally provisioned: only the machine and the waits remain
  s7.hosts = [...s7.hosts, { name: HOST_A, state: 'available', consumer: null, online: true, poweredOn: false, error: '', bootMACAddress: null, bmcAddress: null, credentialsName: `${HOST_A}-bmc-secret` }];
  s7.etcd.quorumGuardOff = true;
  const r = stepIds(s7);
  assert.equal(r.f.bareMetal, { host: HOST_A, hostCreated: true });
  assert.equal(r.ids, ['check-baremetal-operator', 'backup', 'delete-secrets', 'save-machine', 'create-machine', 'wait-host', 'wait-machine', 'check-machine-address', 'wait-rollout', 'quorum-guard-restore', 'final-verify']);
  // two hosts no master uses: cannot tell which
  s7.hosts = [...s7.hosts, { ...s7.hosts.at(-1)!, name: 'spare-9' }];
  assert.throws(() => planFacts(s7, diagnose(s7)), /BareMetalHosts .*spare-9.* belong to no surviving master/);
});

test('no Machine API (platform None, UPI): member removed, node still there → no machine named; new node made by hand → only the waits', () => {
  const s = aRemoved();
  s.platform = 'None';
  s.machines = null;
  let r = stepIds(s);
  assert.is(r.d.reasons[0], 'PartialReplacement: member removed, node ip-10-0-131-183.ec2.internal (Unknown) still there (no Machine API)');
  assert.ok(r.d.reasons.includes('there is no Machine API: the new control-plane node is made by hand'), r.d.reasons.join('\n'));
  assert.not.ok(r.d.reasons.some((x) => /machine (still|is|replaces)/.test(x)), r.d.reasons.join('\n'));
  assert.match(planTitle(r.f), /procedure A \(a new control-plane node, made by hand, replaces the removed member\)/);
  assert.equal(r.ids, ['backup', 'quorum-guard-off', 'delete-node', 'delete-secrets', 'new-control-plane-node', 'wait-rollout', 'quorum-guard-restore', 'final-verify']);
  // the old node deleted and a new one made by hand, Ready, newer than the other masters, its member not added yet:
  // procedure A's waits (not procedure B on the new node, not a request to make another one)
  s.nodes = [...s.nodes.filter((n) => n.name !== A.node).map((n) => ({ ...n, created: '2026-12-01T00:00:00Z' })), { name: 'master-3.upi.example', internalIP: '10.0.140.7', ready: true, unreachable: false, uid: 'u-new', created: '2026-12-02T00:00:00Z' }];
  s.pods = s.pods.filter((p) => p.node !== A.node);
  s.secrets = s.secrets.filter((x) => x.node !== A.node);
  s.strandedSecretNodes = [A.node];
  r = stepIds(s);
  assert.is(r.d.partial?.procedure, 'A');
  assert.is(r.d.reasons[0], 'PartialReplacement: member removed, new node master-3.upi.example Ready, its member not added yet');
  assert.ok(r.d.reasons.includes('node master-3.upi.example is Ready, newer than the other masters, and has no etcd member yet'), r.d.reasons.join('\n'));
  assert.is(r.f.finish?.newNode, 'master-3.upi.example');
  assert.equal(r.ids, ['backup', 'quorum-guard-off', 'delete-secrets', 'wait-rollout', 'quorum-guard-restore', 'final-verify']);
});

test('B: etcd stopped by hand (no pod) → crashloop, the B plan; member then removed → the rest of B', () => {
  const s = crashloop();
  s.pods = s.pods.filter((p) => p.node !== A.node);
  let r = stepIds(s);
  assert.is(r.d.scenario, 'crashloop');
  assert.match(r.d.reasons[0]!, /^PartialReplacement: etcd stopped on ip-10-0-131-183.ec2.internal/);
  assert.equal(r.ids, ['backup', 'stop-etcd-pod', 'remove-member', 'quorum-guard-off', 'delete-secrets', 'force-redeploy', 'wait-rollout', 'quorum-guard-restore', 'final-verify']);
  s.members = s.members.filter((m) => m.id !== A.id);
  r = stepIds(s);
  assert.is(r.d.scenario, 'crashloop');
  assert.match(r.d.reasons[0]!, /^PartialReplacement: member removed, node ip-10-0-131-183.ec2.internal Ready without an etcd member \(procedure B\)$/);
  assert.equal(r.ids, ['backup', 'stop-etcd-pod', 'quorum-guard-off', 'delete-secrets', 'force-redeploy', 'wait-rollout', 'quorum-guard-restore', 'final-verify']);
  assert.not.ok(r.ids.includes('remove-member'), 'never a second member removal');
});

test('B: etcd stopped by hand, the guard left off and the secrets deleted: neither is listed again; the stop step says the pod is gone', () => {
  const s = crashloop();
  s.pods = s.pods.filter((p) => p.node !== A.node);
  s.etcd.unsupportedConfigOverrides = { useUnsupportedUnsafeNonHANonProductionUnstableEtcd: true };
  s.etcd.quorumGuardOff = true;
  let r = stepIds(s);
  assert.ok(r.d.partial?.etcdPodGone);
  assert.ok(r.d.partial?.facts.some((x) => /quorum guard is off/.test(x)), 'said');
  assert.equal(r.ids, ['backup', 'stop-etcd-pod', 'remove-member', 'delete-secrets', 'force-redeploy', 'wait-rollout', 'quorum-guard-restore', 'final-verify']);
  assert.match(buildSteps(kube, r.f)[1]!.title, /^Check on ip-10-0-131-183.ec2.internal that etcd's manifest and data dir are moved aside \(its etcd pod is gone\)/);
  s.secrets = s.secrets.map((x) => (x.node === A.node ? { ...x, present: [], missing: x.present } : x));
  r = stepIds(s);
  assert.equal(r.ids, ['backup', 'stop-etcd-pod', 'remove-member', 'force-redeploy', 'wait-rollout', 'quorum-guard-restore', 'final-verify']);
  // the member removed too: the rest of B, still no guard-off nor secrets step
  s.members = s.members.filter((m) => m.id !== A.id);
  r = stepIds(s);
  assert.ok(r.d.partial?.memberRemoved && r.d.partial.etcdPodGone);
  assert.equal(r.ids, ['backup', 'stop-etcd-pod', 'force-redeploy', 'wait-rollout', 'quorum-guard-restore', 'final-verify']);
  // a crash-looping pod still there: the plain title
  const c = stepIds(crashloop());
  assert.match(buildSteps(kube, c.f)[1]!.title, /^Stop the crash-looping etcd on /);
});

test('cannot tell: two members missing, or a ready etcd pod without a member → refused (ReplacementInProgress)', () => {
  const s = healthy();
  s.members = s.members.filter((m) => m.id !== A.id);
  let d = diagnose(s);
  assert.is(d.scenario, 'unsafe');
  assert.match(d.reasons[0]!, /stage cannot be told: node ip-10-0-131-183.ec2.internal is Ready and its etcd pod/);
  s.etcd.controlPlaneReplicas = 5;
  d = diagnose(s);
  assert.is(d.scenario, 'unsafe');
});

test('backup --force predicted only when clusteroperator/etcd is Progressing because of the repair', () => {
  const s = crashloop();
  // the installer waits on A (its new pod crash-loops), the others behind it
  s.etcd.latestAvailableRevision = 9;
  s.etcd.nodeStatuses = MASTERS.map((m) => ({ nodeName: m.node, currentRevision: 8, targetRevision: m === A ? 9 : 0 }));
  s.etcd.conditions.push({ type: 'NodeInstallerProgressing', status: 'True', reason: 'NodeInstaller', message: '3 nodes are at revision 8; 0 nodes have achieved new revision 9' });
  const d = diagnose(s);
  assert.is(d.scenario, 'crashloop');
  const prog = { type: 'Progressing', status: 'True' };
  assert.match(backupForceReason(s, d, { etcd: prog, kubeApiserver: { type: 'Progressing', status: 'False' } }) ?? '', /waits on ip-10-0-131-183.ec2.internal/);
  assert.is(backupForceReason(s, d, { etcd: { type: 'Progressing', status: 'False' }, kubeApiserver: null }), null, 'not Progressing: the plain backup');
  assert.is(backupForceReason(s, d, { etcd: prog, kubeApiserver: prog }), null, 'kube-apiserver rolling out: not ours');
  // another node moving too: not (only) ours
  s.etcd.nodeStatuses = MASTERS.map((m) => ({ nodeName: m.node, currentRevision: 8, targetRevision: m === C ? 9 : 0 }));
  assert.is(backupForceReason(s, diagnose(s), { etcd: prog, kubeApiserver: null }), null);
  // an unrelated Progressing condition
  const h = crashloop();
  h.etcd.conditions.push({ type: 'EtcdMembersProgressing', status: 'True', reason: 'MembersNotStarted' });
  assert.is(backupForceReason(h, diagnose(h), { etcd: prog, kubeApiserver: null }), null);
});

test.run();
