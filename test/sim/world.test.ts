// The simulated world end to end, through the real kubectl: node run alone with
//   node --import tsx test/sim/world.test.ts
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { kubectl, startSim, waitFor, type SimHandle } from '../helpers/sim.ts';

/** A 3-master scenario on a random 10.<octet>.0.0/16 so concurrent simulators never share loopback addresses. */
function scenario(o: { openshift?: string; platform?: string; faults?: { node?: number; kind: string }[]; workers?: number } = {}) {
  const oct = 20 + Math.floor(Math.random() * 200);
  const ips = [`10.${oct}.131.183`, `10.${oct}.154.204`, `10.${oct}.164.97`];
  const names = ips.map((ip) => `ip-${ip.replace(/\./g, '-')}.ec2.internal`);
  const masters = ips.map((ip, i) => ({ node: names[i]!, ip, machine: `clustername-8qw5l-master-${i}` }));
  return {
    names,
    ips,
    yaml: {
      openshift: o.openshift ?? '4.14',
      platform: o.platform ?? 'aws',
      masters,
      workers: o.workers ?? 1,
      faults: (o.faults ?? []).map((f) => (f.node === undefined ? { kind: f.kind } : { node: names[f.node]!, kind: f.kind })),
      timing: { provisionSeconds: 1, rolloutSeconds: 1 },
    },
  };
}

function json(sim: SimHandle, args: string[]): any {
  const r = kubectl(sim, [...args, '-o', 'json']);
  if (r.exitCode !== 0) throw new Error(`kubectl ${args.join(' ')}: ${r.stderr}`);
  return JSON.parse(r.stdout);
}

function etcdctl(sim: SimHandle, pod: string, args: string[]) {
  return kubectl(sim, ['exec', '-n', 'openshift-etcd', pod, '-c', 'etcdctl', '--', 'etcdctl', ...args]);
}

test('healthy 4.14: three started members, three etcd pods Running 4/4, startup time', async () => {
  const s = scenario();
  const sim = await startSim(s.yaml);
  try {
    console.log(`    sim startup (spawn -> kubeconfig): ${sim.startupMs} ms`);
    const table = kubectl(sim, ['get', 'pods', '-n', 'openshift-etcd', '-l', 'k8s-app=etcd']);
    assert.is(table.exitCode, 0, table.stderr);
    const rows = table.stdout.trim().split('\n').slice(1);
    assert.is(rows.length, 3, table.stdout);
    for (const r of rows) assert.match(r, /\s4\/4\s+Running\s/);
    const list = etcdctl(sim, `etcd-${s.names[1]}`, ['member', 'list']);
    assert.is(list.exitCode, 0, list.stderr);
    const lines = list.stdout.trim().split('\n');
    assert.is(lines.length, 3);
    for (const ip of s.ips) assert.ok(lines.some((l) => l.includes(`, started, `) && l.includes(`https://${ip}:2380`)), list.stdout);
    const etcd = json(sim, ['get', 'etcd', 'cluster']);
    const avail = etcd.status.conditions.find((c: any) => c.type === 'EtcdMembersAvailable');
    assert.is(avail.message, '3 members are available');
    const pod = json(sim, ['get', 'pod', '-n', 'openshift-etcd', `etcd-${s.names[0]}`]);
    assert.equal(
      pod.spec.containers.map((c: any) => c.name),
      ['etcdctl', 'etcd', 'etcd-metrics', 'etcd-readyz'],
    );
    assert.is(pod.metadata.annotations['kubectl.kubernetes.io/default-container'], 'etcd');
    const env = Object.fromEntries(pod.spec.containers[0].env.map((e: any) => [e.name, e.value]));
    assert.is(env.ETCDCTL_ENDPOINTS, [...s.ips].sort().map((ip) => `https://${ip}:2379`).join(','));
    const guards = json(sim, ['get', 'pods', '-n', 'openshift-etcd', '-l', 'app=guard']);
    assert.is(guards.items.length, 3);
    const secrets = kubectl(sim, ['get', 'secrets', '-n', 'openshift-etcd']);
    for (const n of s.names) for (const k of ['etcd-peer', 'etcd-serving', 'etcd-serving-metrics']) assert.match(secrets.stdout, `${k}-${n} `);
    const cm = json(sim, ['get', 'configmap', '-n', 'openshift-etcd', 'etcd-endpoints']);
    assert.equal(Object.values(cm.data).sort(), [...s.ips].sort());
    const cv = json(sim, ['get', 'clusterversion', 'version']);
    assert.match(cv.status.desired.version, /^4\.14\.\d+$/);
  } finally {
    await sim.stop();
  }
});

test('machine-stopped: member really unhealthy, machine STATE stopped, node NotReady', async () => {
  const s = scenario({ faults: [{ node: 0, kind: 'machine-stopped' }] });
  const sim = await startSim(s.yaml);
  try {
    const health = etcdctl(sim, `etcd-${s.names[1]}`, ['endpoint', 'health', '--cluster']);
    assert.is.not(health.exitCode, 0);
    assert.match(health.stderr, `https://${s.ips[0]}:2379 is unhealthy`);
    assert.match(health.stdout, `https://${s.ips[1]}:2379 is healthy`);
    const machines = kubectl(sim, ['get', 'machines', '-n', 'openshift-machine-api', '-o', 'wide']);
    const row = machines.stdout.split('\n').find((l) => l.startsWith('clustername-8qw5l-master-0'));
    assert.ok(row && /\sstopped\s*$/.test(row), machines.stdout);
    const m = json(sim, ['get', 'machine', '-n', 'openshift-machine-api', 'clustername-8qw5l-master-0']);
    assert.is(m.status.providerStatus.instanceState, 'stopped');
    await waitFor('node NotReady with the unreachable taint', () => {
      const n = json(sim, ['get', 'node', s.names[0]!]);
      const ready = n.status.conditions.find((c: any) => c.type === 'Ready');
      return ready.status === 'Unknown' && (n.spec.taints ?? []).some((t: any) => t.key === 'node.kubernetes.io/unreachable');
    }, 10_000);
    const avail = await waitFor('EtcdMembersAvailable message', () => {
      const etcd = json(sim, ['get', 'etcd', 'cluster']);
      const c = etcd.status.conditions.find((c: any) => c.type === 'EtcdMembersAvailable');
      return c.message.includes('unhealthy') ? c : undefined;
    });
    assert.is(avail.status, 'True');
    assert.is(avail.message, `2 of 3 members are available, ${s.names[0]} is unhealthy`);
  } finally {
    await sim.stop();
  }
});

test('etcd-crashloop: CrashLoopBackOff with rising restarts', async () => {
  const s = scenario({ faults: [{ node: 2, kind: 'etcd-crashloop' }] });
  const sim = await startSim(s.yaml);
  try {
    const pod = `etcd-${s.names[2]}`;
    const restarts = () => {
      const p = json(sim, ['get', 'pod', '-n', 'openshift-etcd', pod]);
      return p.status.containerStatuses.find((c: any) => c.name === 'etcd');
    };
    const first = await waitFor('CrashLoopBackOff', () => {
      const c = restarts();
      return c.state.waiting?.reason === 'CrashLoopBackOff' ? c : undefined;
    }, 20_000);
    await waitFor('restart count to rise', () => restarts().restartCount > first.restartCount, 20_000);
    const table = kubectl(sim, ['get', 'pods', '-n', 'openshift-etcd', '-l', 'k8s-app=etcd']);
    assert.match(table.stdout, new RegExp(`${pod.replace(/\./g, '\\.')}\\s+[23]/4\\s+(CrashLoopBackOff|Error|Running)`));
    const nodes = json(sim, ['get', 'nodes', '-l', 'node-role.kubernetes.io/master']);
    for (const n of nodes.items) assert.is(n.status.conditions.find((c: any) => c.type === 'Ready').status, 'True');
  } finally {
    await sim.stop();
  }
});

test('4.6 shape: 3/3 etcd pods, etcd-quorum-guard pods, no guard pods', async () => {
  const s = scenario({ openshift: '4.6' });
  const sim = await startSim(s.yaml);
  try {
    const table = kubectl(sim, ['get', 'pods', '-n', 'openshift-etcd']);
    const etcdRows = table.stdout.split('\n').filter((l) => !l.includes('etcd-quorum-guard') && /^etcd-/.test(l));
    assert.is(etcdRows.length, 3, table.stdout);
    for (const r of etcdRows) assert.match(r, /\s3\/3\s+Running\s/);
    const qg = json(sim, ['get', 'pods', '-n', 'openshift-etcd', '-l', 'k8s-app=etcd-quorum-guard']);
    assert.is(qg.items.length, 3);
    for (const p of qg.items) {
      assert.is(p.metadata.labels.name, 'etcd-quorum-guard');
      assert.is(p.status.phase, 'Running');
    }
    const guards = json(sim, ['get', 'pods', '-n', 'openshift-etcd', '-l', 'app=guard']);
    assert.is(guards.items.length, 0);
    const pod = json(sim, ['get', 'pod', '-n', 'openshift-etcd', `etcd-${s.names[0]}`]);
    assert.equal(pod.spec.containers.map((c: any) => c.name), ['etcdctl', 'etcd', 'etcd-metrics']);
    assert.not.ok(pod.metadata.annotations?.['kubectl.kubernetes.io/default-container']);
    const m = json(sim, ['get', 'machine', '-n', 'openshift-machine-api', 'clustername-8qw5l-master-0']);
    assert.not.ok(m.spec.lifecycleHooks?.preDrain);
    // the API server is the Kubernetes 4.6 shipped (1.19), and so are the kubelets
    const v = JSON.parse(kubectl(sim, ['version', '-o', 'json']).stdout);
    assert.match(v.serverVersion.gitVersion, /^v1\.19\./);
    assert.match(json(sim, ['get', 'node', s.names[0]!]).status.nodeInfo.kubeletVersion, /^v1\.19\./);
  } finally {
    await sim.stop();
  }
});

test('learner fault: an unstarted learner shows in the member list', async () => {
  const s = scenario({ openshift: '4.16', faults: [{ kind: 'learner' }] });
  (s.yaml as any).unsupportedConfigOverrides = { someOtherKey: 'kept' };
  const sim = await startSim(s.yaml);
  try {
    // 4.16 is Kubernetes 1.29: the kubectl dispatcher runs kubectl 1.29 (exec over SPDY; websocket from 1.30)
    const v = JSON.parse(kubectl(sim, ['version', '-o', 'json']).stdout);
    assert.match(v.serverVersion.gitVersion, /^v1\.29\./);
    assert.match(v.clientVersion.gitVersion, /^v1\.29\./);
    const list = etcdctl(sim, `etcd-${s.names[0]}`, ['member', 'list', '-w', 'table']);
    assert.is(list.exitCode, 0, list.stderr);
    const rows = list.stdout.split('\n').filter((l) => /^\|\s+[0-9a-f]+\s+\|/.test(l));
    assert.is(rows.length, 4, list.stdout);
    const learner = rows.find((r) => /unstarted/.test(r));
    assert.ok(learner, list.stdout);
    assert.match(learner!, /\|\s+true\s+\|$/);
    assert.match(learner!, new RegExp(`https://10\\.\\d+\\.\\d+\\.\\d+:2380`));
    assert.not.match(list.stdout, /127\.\d+\.\d+\.\d+/);
    const etcd = await waitFor('EtcdMembersProgressing', () => {
      const e = json(sim, ['get', 'etcd', 'cluster']);
      const c = e.status.conditions.find((c: any) => c.type === 'EtcdMembersProgressing');
      return c.status === 'True' ? e : undefined;
    });
    assert.equal(etcd.spec.unsupportedConfigOverrides, { someOtherKey: 'kept' });
    const upg = etcd.status.conditions.find((c: any) => c.type === 'UnsupportedConfigOverridesUpgradeable');
    assert.is(upg.status, 'False');
    assert.is(upg.message, 'setting: [someOtherKey]');
    const avail = etcd.status.conditions.find((c: any) => c.type === 'EtcdMembersAvailable');
    assert.match(avail.message, /^3 of 4 members are available, NAME-PENDING-10\.\d+\.\d+\.\d+ has not started$/);
  } finally {
    await sim.stop();
  }
});

test('scenario validation: one-line errors naming the field', async () => {
  const bad = scenario();
  (bad.yaml as any).faults = [{ node: 'nope', kind: 'machine-stopped' }];
  await startSim(bad.yaml).then(
    () => assert.unreachable('should fail'),
    (err: Error) => assert.match(err.message, /faults\[0\]\.node: "nope" is not one of the masters/),
  );
  const bad2 = scenario({ openshift: '4.21' });
  await startSim(bad2.yaml).then(
    () => assert.unreachable('should fail'),
    (err: Error) => assert.match(err.message, /openshift: "4\.21" is outside 4\.6–4\.20/),
  );
});

test.run();
