// Pure parts of the preflight: alarm list and DB size parsing, the permissions every plan needs, space figures,
// the NOSPACE diagnosis, the Pod Security checks of the simulator.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { parseAlarmList, parseHumanBytes } from '../../lib/etcd/alarms.ts';
import { STEP_ACCESS, accessLabel, planAccess, splitJsonStream } from '../../lib/preflight/access.ts';
import { backupNeedKiB, parseSpaceProbe } from '../../lib/preflight/space.ts';
import { buildSteps } from '../../lib/runbooks/plan.ts';
import { backupDbSize } from '../../lib/preflight/preflight.ts';
import { parseStatusFile } from '../../lib/offline/etcd-info.ts';
import { Kube } from '../../lib/cluster/kubectl.ts';
import type { PlanFacts } from '../../lib/runbooks/step.ts';
import { podSecurityViolations } from '../../sim/kube-apiserver/podsecurity.ts';
import { debugPodManifest } from '../../lib/cluster/hostcmd.ts';
import { defaultPullPolicy, needsPull } from '../../sim/kubelet/images.ts';

test('alarm list: decimal member IDs become hex through BigInt; no alarm, no entry', () => {
  const out = 'memberID:13803658152347727308 alarm:NOSPACE \nmemberID:1 alarm:CORRUPT \n';
  assert.equal(parseAlarmList(out), [
    { memberId: 'bf9071f4639c75cc', alarm: 'NOSPACE' },
    { memberId: '0000000000000001', alarm: 'CORRUPT' },
  ]);
  assert.equal(parseAlarmList(''), []);
});

test('DB SIZE as etcdctl prints it (go-humanize, SI)', () => {
  assert.is(parseHumanBytes('25 MB'), 25_000_000);
  assert.is(parseHumanBytes('20 kB'), 20_000);
  assert.is(parseHumanBytes('3.1 GB'), 3_100_000_000);
  assert.is(parseHumanBytes('n/a'), null);
});

const facts = (o: Partial<PlanFacts>): PlanFacts => ({
  procedure: 'A',
  release: '4.14.8',
  platform: 'AWS',
  target: { memberId: '6fc1e7c9db35841d', memberName: 'n0', node: 'n0', nodeIP: '10.0.0.1', machine: 'c-master-0' },
  backupNode: 'n1',
  execPod: 'etcd-n1',
  machineMode: 'yaml',
  machinesAtPlan: [],
  nodesAtPlan: [],
  controlPlaneReplicas: 3,
  stamp: '2026-12-02T00:00:00Z',
  ...o,
});

test('every step of every procedure lists its permissions; delete machines is asked for procedure A', () => {
  const kube = new Kube({ client: 'kubectl' });
  const all = [
    facts({}),
    facts({ machineMode: 'cpms' }),
    facts({ machineMode: 'manual' }),
    facts({ procedure: 'B', machineMode: 'manual' }),
    facts({ platform: 'BareMetal', bareMetal: { host: 'h0' } }),
    facts({ otherUnhealthy: ['n2'] }),
    facts({ release: '4.6.1' }),
  ];
  for (const f of all) {
    const steps = buildSteps(kube, f);
    for (const s of steps) assert.ok(STEP_ACCESS[s.id], `no permissions listed for step ${s.id}`);
    planAccess(f, steps);
  }
  const a = planAccess(facts({}), buildSteps(kube, facts({}))).map(accessLabel);
  assert.ok(a.includes('delete machines.machine.openshift.io in namespace openshift-machine-api'), a.join('\n'));
  assert.ok(a.includes('create pods/exec in namespace openshift-etcd'), a.join('\n'));
  assert.ok(a.includes('patch etcds.operator.openshift.io (cluster-wide)'), a.join('\n'));
  const b = planAccess(facts({ procedure: 'B', machineMode: 'manual' }), buildSteps(kube, facts({ procedure: 'B', machineMode: 'manual' }))).map(accessLabel);
  assert.not.ok(b.includes('delete machines.machine.openshift.io in namespace openshift-machine-api'));
});

test('the created reviews come back as a stream of objects (or a List)', () => {
  assert.is(splitJsonStream('{"a":{"b":"}"}}\n{"c":1}').length, 2);
  assert.is(splitJsonStream('{"kind":"List","items":[{"x":1},{"x":2},{"x":3}]}').length, 3);
});

test('space: the probe output and what cluster-backup.sh needs', () => {
  const p = parseSpaceProbe('backup-free 16 /home/core/assets/backup\nresources 20\netcd-data 300\ntmp-free 1000\nsame-fs no\n');
  assert.equal(p, { backupFreeKiB: 16, backupDir: '/home/core/assets/backup', resourcesKiB: 20, etcdDataKiB: 300, tmpFreeKiB: 1000, sameFs: false });
  assert.is(backupNeedKiB(20_000, 20), 40);
  assert.is(parseSpaceProbe('nothing'), null);
});

test('backup space: the backup member\'s DB size, else the largest known, else unknown; a cut JSON answer is not read as fewer members', () => {
  const sizes = [{ id: 'a', dbSizeBytes: 10 }, { id: 'b', dbSizeBytes: 30 }, { id: 'c' }];
  assert.is(backupDbSize(sizes, 'a'), 10);
  assert.is(backupDbSize(sizes, 'c'), 30);
  assert.is(backupDbSize([{ id: 'c' }], 'c'), null);
  // etcdctl endpoint status -w json: decimal uint64 IDs (beyond 2^53) kept exact
  const json = '[{"Endpoint":"https://10.0.0.1:2379","Status":{"header":{"cluster_id":1,"member_id":13803658152347727308,"revision":9,"raft_term":2},"leader":13803658152347727308,"dbSize":20480}}]';
  assert.is(backupDbSize(parseStatusFile(json), 'bf9071f4639c75cc'), 20480);
  assert.throws(() => parseStatusFile(json.slice(0, 60)));
});

test('sim Pod Security: the debug pod is privileged; baseline and restricted refuse it, privileged admits it', () => {
  const pod = debugPodManifest('p', 'n0', 'img', 'true');
  assert.equal(podSecurityViolations(pod, 'privileged'), []);
  const base = podSecurityViolations(pod, 'baseline');
  assert.equal(base, ['host namespaces (hostNetwork=true, hostPID=true)', 'hostPath volumes (volume "host")', 'privileged (container "debug" must not set securityContext.privileged=true)']);
  assert.ok(podSecurityViolations(pod, 'restricted').length > base.length);
});

test('sim image pulls: default policy and whether a pull is needed', () => {
  assert.is(defaultPullPolicy('registry.redhat.io/rhel9/support-tools'), 'Always');
  assert.is(defaultPullPolicy('quay.io/x/y:v1'), 'IfNotPresent');
  assert.is(defaultPullPolicy('quay.io/x/y@sha256:abc'), 'IfNotPresent');
  assert.is(needsPull('quay.io/x/y@sha256:abc', 'IfNotPresent', new Set(['quay.io/x/y@sha256:abc'])), false);
  assert.is(needsPull('quay.io/x/y@sha256:abc', 'Always', new Set(['quay.io/x/y@sha256:abc'])), true);
  assert.is(needsPull('registry.redhat.io/rhel9/support-tools', undefined, new Set()), true);
});

test.run();
