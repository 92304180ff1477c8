// The documented runbook (runbook.md, openshift.md §1.4/§1.5) done by hand with PLAIN kubectl against the
// simulator: the sim must really end healthy. Run alone with
//   node --import tsx test/sim/runbook.test.ts
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import YAML from 'yaml';
import { kubectl, startSim, waitFor, type SimHandle } from '../helpers/sim.ts';

function scenario(fault: string, openshift = '4.14') {
  const oct = 20 + Math.floor(Math.random() * 200);
  const ips = [`10.${oct}.131.183`, `10.${oct}.154.204`, `10.${oct}.164.97`];
  const names = ips.map((ip) => `ip-${ip.replace(/\./g, '-')}.ec2.internal`);
  return {
    names,
    ips,
    yaml: {
      openshift,
      platform: 'aws',
      masters: ips.map((ip, i) => ({ node: names[i]!, ip, machine: `clustername-8qw5l-master-${i}` })),
      workers: 1,
      faults: [{ node: names[0]!, kind: fault }],
      timing: { provisionSeconds: 1, rolloutSeconds: 1 },
    },
  };
}

function ok(sim: SimHandle, args: string[], input?: string): string {
  const r = kubectl(sim, args, input);
  if (r.exitCode !== 0) throw new Error(`kubectl ${args.join(' ')} failed (${r.exitCode}): ${r.stderr}`);
  return r.stdout;
}

/** etcdctl in the etcdctl container of `pod`, retried while the 2-member cluster restarts (docs: "briefly unreachable"). */
async function etcdctl(sim: SimHandle, pod: string, args: string[]): Promise<string> {
  return waitFor(`etcdctl ${args.join(' ')}`, () => {
    const r = kubectl(sim, ['exec', '-n', 'openshift-etcd', pod, '-c', 'etcdctl', '--', 'etcdctl', ...args]);
    if (r.exitCode !== 0) throw new Error(r.stderr.trim().split('\n').pop());
    return r.stdout;
  }, 20_000, 500);
}

interface Row { id: string; status: string; name: string; peer: string; learner: boolean }
function members(simple: string): Row[] {
  return simple
    .trim()
    .split('\n')
    .filter(Boolean)
    .map((l) => {
      const [id, status, name, peer, , learner] = l.split(', ');
      return { id: id!, status: status!, name: name!, peer: peer!, learner: learner === 'true' };
    });
}

/** Every member started, voting and healthy; exactly `n` of them; returns them. */
async function waitHealthy(sim: SimHandle, pod: () => string, n: number, timeoutMs = 45_000): Promise<Row[]> {
  return waitFor(`${n} healthy started voting members`, () => {
    const p = pod();
    const list = kubectl(sim, ['exec', '-n', 'openshift-etcd', p, '-c', 'etcdctl', '--', 'etcdctl', 'member', 'list']);
    if (list.exitCode !== 0) return undefined;
    const rows = members(list.stdout);
    if (rows.length !== n || rows.some((r) => r.status !== 'started' || r.learner)) return undefined;
    const health = kubectl(sim, ['exec', '-n', 'openshift-etcd', p, '-c', 'etcdctl', '--', 'etcdctl', 'endpoint', 'health', '--cluster']);
    if (health.exitCode !== 0) return undefined;
    if (health.stdout.split('\n').filter((l) => l.includes('is healthy')).length !== n) return undefined;
    return rows;
  }, timeoutMs, 1000);
}

test('procedure A (stopped machine) with plain kubectl ends with 3 healthy members, none the old one', async () => {
  const t0 = Date.now();
  const s = scenario('machine-stopped');
  const bad = s.names[0]!;
  const good = `etcd-${s.names[1]}`;
  const sim = await startSim(s.yaml);
  try {
    // 1. remove the unhealthy member
    const before = members(await etcdctl(sim, good, ['member', 'list']));
    const old = before.find((m) => m.name === bad)!;
    assert.ok(old, 'the unhealthy member is listed');
    const removed = await etcdctl(sim, good, ['member', 'remove', old.id]);
    assert.match(removed, new RegExp(`^Member\\s+${old.id.replace(/^0+/, '')} removed from cluster\\s+[0-9a-f]+`));
    assert.is(members(await etcdctl(sim, good, ['member', 'list'])).length, 2);
    // 2. quorum guard off
    ok(sim, ['patch', 'etcd/cluster', '--type=merge', '-p', '{"spec": {"unsupportedConfigOverrides": {"useUnsupportedUnsafeNonHANonProductionUnstableEtcd": true}}}']);
    // 3. delete the node
    ok(sim, ['delete', 'node', bad]);
    // 4. delete the three secrets
    const secrets = ok(sim, ['get', 'secrets', '-n', 'openshift-etcd']).split('\n').filter((l) => l.includes(bad));
    assert.is(secrets.length, 3, secrets.join('\n'));
    for (const k of ['etcd-peer', 'etcd-serving', 'etcd-serving-metrics']) ok(sim, ['delete', 'secret', '-n', 'openshift-etcd', `${k}-${bad}`]);
    // 5. machine: save, edit, delete, apply
    const wide = ok(sim, ['get', 'machines', '-n', 'openshift-machine-api', '-o', 'wide']);
    const row = wide.split('\n').find((l) => l.includes(bad))!;
    assert.match(row, /stopped\s*$/);
    const machineName = row.split(/\s+/)[0]!;
    const saved = YAML.parse(ok(sim, ['get', 'machine', machineName, '-n', 'openshift-machine-api', '-o', 'yaml']));
    delete saved.status;
    saved.metadata.name = machineName.replace(/-(\d+)$/, '-3');
    saved.metadata.selfLink = `/apis/machine.openshift.io/v1beta1/namespaces/openshift-machine-api/machines/${saved.metadata.name}`;
    delete saved.spec.providerID;
    for (const k of ['annotations', 'generation', 'resourceVersion', 'uid', 'creationTimestamp', 'managedFields']) delete saved.metadata[k];
    ok(sim, ['delete', 'machine', '-n', 'openshift-machine-api', machineName, '--wait=false']);
    await waitFor('old machine gone', () => !ok(sim, ['get', 'machines', '-n', 'openshift-machine-api']).includes(`${machineName} `), 20_000);
    ok(sim, ['apply', '-f', '-'], YAML.stringify(saved));
    const newMachine = await waitFor('new machine Running', () => {
      const m = JSON.parse(ok(sim, ['get', 'machine', saved.metadata.name, '-n', 'openshift-machine-api', '-o', 'json']));
      return m.status?.phase === 'Running' && m.status?.nodeRef?.name ? m : undefined;
    }, 30_000);
    const newNode: string = newMachine.status.nodeRef.name;
    // verification
    const rows = await waitHealthy(sim, () => good, 3);
    assert.not.ok(rows.some((r) => r.id === old.id || r.name === bad), 'the old member is gone');
    assert.ok(rows.some((r) => r.name === newNode), 'the new node is a member');
    await waitFor('three etcd pods 4/4 Running, one on the new node', () => {
      const pods = ok(sim, ['get', 'pods', '-n', 'openshift-etcd', '-l', 'k8s-app=etcd']).trim().split('\n').slice(1);
      return pods.length === 3 && pods.every((p) => /\s4\/4\s+Running\s/.test(p)) && pods.some((p) => p.startsWith(`etcd-${newNode} `));
    }, 30_000);
    // quorum guard back on
    ok(sim, ['patch', 'etcd/cluster', '--type=merge', '-p', '{"spec": {"unsupportedConfigOverrides": null}}']);
    const etcd = JSON.parse(ok(sim, ['get', 'etcd/cluster', '-o', 'json']));
    assert.not.ok('unsupportedConfigOverrides' in etcd.spec);
    await waitFor('operator settles (AllNodesAtLatestRevision, Upgradeable)', () => {
      const e = JSON.parse(ok(sim, ['get', 'etcd/cluster', '-o', 'json']));
      const c = (t: string) => e.status.conditions.find((x: any) => x.type === t);
      return c('NodeInstallerProgressing')?.reason === 'AllNodesAtLatestRevision' && c('UnsupportedConfigOverridesUpgradeable')?.status === 'True' && c('EtcdMembersAvailable')?.message === '3 members are available';
    }, 30_000);
    console.log(`    procedure A took ${Math.round((Date.now() - t0) / 1000)} s`);
  } finally {
    await sim.stop();
  }
});

test('procedure B (crash-looping etcd) with plain kubectl ends healthy', async () => {
  const t0 = Date.now();
  const s = scenario('etcd-crashloop');
  const bad = s.names[0]!;
  const good = `etcd-${s.names[1]}`;
  const sim = await startSim(s.yaml);
  try {
    await waitFor('crash loop', () => {
      const p = JSON.parse(ok(sim, ['get', 'pod', '-n', 'openshift-etcd', `etcd-${bad}`, '-o', 'json']));
      return p.status.containerStatuses.find((c: any) => c.name === 'etcd').restartCount > 0;
    }, 20_000);
    // 1. stop the crash-looping pod: privileged pod with hostPath / at /host (as `oc debug node/...`)
    const debugPod = {
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { name: 'etcd-fix', namespace: 'default' },
      spec: {
        nodeName: bad,
        hostNetwork: true,
        hostPID: true,
        restartPolicy: 'Never',
        containers: [
          {
            name: 'container-00',
            image: 'registry.redhat.io/rhel8/support-tools',
            command: ['chroot', '/host', 'sh', '-c', 'mkdir /var/lib/etcd-backup && mv /etc/kubernetes/manifests/etcd-pod.yaml /var/lib/etcd-backup/ && mv /var/lib/etcd/ /tmp && echo moved'],
            securityContext: { privileged: true, runAsUser: 0 },
            volumeMounts: [{ name: 'host', mountPath: '/host' }],
          },
        ],
        volumes: [{ name: 'host', hostPath: { path: '/' } }],
      },
    };
    ok(sim, ['apply', '-f', '-'], JSON.stringify(debugPod));
    const phase = await waitFor('debug pod finished', () => {
      const p = JSON.parse(ok(sim, ['get', 'pod', '-n', 'default', 'etcd-fix', '-o', 'json']));
      return ['Succeeded', 'Failed'].includes(p.status?.phase) ? p.status.phase : undefined;
    }, 30_000);
    const logs = ok(sim, ['logs', '-n', 'default', 'etcd-fix']);
    assert.is(phase, 'Succeeded', logs);
    assert.match(logs, /moved/);
    ok(sim, ['delete', 'pod', '-n', 'default', 'etcd-fix', '--wait=false']);
    await waitFor('crash-looping etcd pod gone', () => kubectl(sim, ['get', 'pod', '-n', 'openshift-etcd', `etcd-${bad}`]).exitCode !== 0, 15_000);
    // 2. remove the member
    const old = members(await etcdctl(sim, good, ['member', 'list'])).find((m) => m.name === bad)!;
    assert.ok(old);
    await etcdctl(sim, good, ['member', 'remove', old.id]);
    // 3. quorum guard off
    ok(sim, ['patch', 'etcd/cluster', '--type=merge', '-p', '{"spec": {"unsupportedConfigOverrides": {"useUnsupportedUnsafeNonHANonProductionUnstableEtcd": true}}}']);
    // 4. delete the secrets
    for (const k of ['etcd-peer', 'etcd-serving', 'etcd-serving-metrics']) ok(sim, ['delete', 'secret', '-n', 'openshift-etcd', `${k}-${bad}`]);
    // 5. force a redeployment
    ok(sim, ['patch', 'etcd', 'cluster', `-p={"spec": {"forceRedeploymentReason": "single-master-recovery-${new Date().toISOString()}"}}`, '--type=merge']);
    // verification
    const rows = await waitHealthy(sim, () => good, 3);
    assert.ok(rows.some((r) => r.name === bad), 'the node is a member again');
    assert.not.ok(rows.some((r) => r.id === old.id), 'with a new member ID');
    await waitFor('etcd pod back on the node, 4/4 Running', () => /\s4\/4\s+Running\s/.test(kubectl(sim, ['get', 'pod', '-n', 'openshift-etcd', `etcd-${bad}`]).stdout), 30_000);
    ok(sim, ['patch', 'etcd/cluster', '--type=merge', '-p', '{"spec": {"unsupportedConfigOverrides": null}}']);
    console.log(`    procedure B took ${Math.round((Date.now() - t0) / 1000)} s`);
  } finally {
    await sim.stop();
  }
});

test('CPMS Active (4.16): deleting the stopped machine is enough, the CPMS creates <infra>-master-<rand5>-0', async () => {
  const t0 = Date.now();
  const s = scenario('machine-stopped', '4.16');
  (s.yaml as any).controlPlaneMachineSet = 'active';
  const bad = s.names[0]!;
  const good = `etcd-${s.names[1]}`;
  const sim = await startSim(s.yaml);
  try {
    const cpms = JSON.parse(ok(sim, ['-n', 'openshift-machine-api', 'get', 'controlplanemachineset', 'cluster', '-o', 'json']));
    assert.is(cpms.spec.state, 'Active');
    const old = members(await etcdctl(sim, good, ['member', 'list'])).find((m) => m.name === bad)!;
    await etcdctl(sim, good, ['member', 'remove', old.id]);
    ok(sim, ['patch', 'etcd/cluster', '--type=merge', '-p', '{"spec": {"unsupportedConfigOverrides": {"useUnsupportedUnsafeNonHANonProductionUnstableEtcd": true}}}']);
    ok(sim, ['delete', 'node', bad]);
    for (const k of ['etcd-peer', 'etcd-serving', 'etcd-serving-metrics']) ok(sim, ['delete', 'secret', '-n', 'openshift-etcd', `${k}-${bad}`]);
    ok(sim, ['delete', 'machine', '-n', 'openshift-machine-api', 'clustername-8qw5l-master-0', '--wait=false']);
    const replacement = await waitFor('replacement machine Running', () => {
      const list = JSON.parse(ok(sim, ['get', 'machines', '-n', 'openshift-machine-api', '-o', 'json']));
      return list.items.find((m: any) => /^clustername-8qw5l-master-[a-z0-9]{5}-0$/.test(m.metadata.name) && m.status?.phase === 'Running');
    }, 30_000);
    assert.is(replacement.metadata.ownerReferences?.[0]?.kind, 'ControlPlaneMachineSet');
    const rows = await waitHealthy(sim, () => good, 3);
    assert.ok(rows.some((r) => r.name === replacement.status.nodeRef.name));
    await waitFor('old machine gone', () => !ok(sim, ['get', 'machines', '-n', 'openshift-machine-api']).includes('clustername-8qw5l-master-0 '), 20_000);
    console.log(`    CPMS replacement took ${Math.round((Date.now() - t0) / 1000)} s`);
  } finally {
    await sim.stop();
  }
});

test('without the quorum-guard override (4.14) the new member is never added', async () => {
  const s = scenario('etcd-crashloop');
  const bad = s.names[0]!;
  const good = `etcd-${s.names[1]}`;
  const sim = await startSim(s.yaml);
  try {
    const old = members(await etcdctl(sim, good, ['member', 'list'])).find((m) => m.name === bad)!;
    await etcdctl(sim, good, ['member', 'remove', old.id]);
    for (const k of ['etcd-peer', 'etcd-serving', 'etcd-serving-metrics']) ok(sim, ['delete', 'secret', '-n', 'openshift-etcd', `${k}-${bad}`]);
    const gen = JSON.parse(ok(sim, ['patch', 'etcd', 'cluster', '-p={"spec": {"forceRedeploymentReason": "no-override"}}', '--type=merge', '-o', 'json'])).metadata.generation;
    // the operator has acted on the patched spec once it reports that generation as observed (it syncs its
    // conditions, observedGeneration included, at the end of each pass): what it did not add then, it never adds
    await waitFor('the operator to observe the patch', () => JSON.parse(ok(sim, ['get', 'etcd/cluster', '-o', 'json'])).status?.observedGeneration >= gen, 60_000, 500);
    const secrets = ok(sim, ['get', 'secrets', '-n', 'openshift-etcd']);
    assert.not.match(secrets, `etcd-peer-${bad}`, 'no certificates for the node while not fault tolerant');
    const e = JSON.parse(ok(sim, ['get', 'etcd/cluster', '-o', 'json']));
    assert.is(e.status.latestAvailableRevision, 7, 'no new revision');
    // (the ClusterMemberController may re-add the crash-looping node as a learner, as the real one does,
    // but it never starts: no third started voting member)
    const rows = members(await etcdctl(sim, good, ['member', 'list']));
    assert.is(rows.filter((r) => r.status === 'started' && !r.learner).length, 2);
  } finally {
    await sim.stop();
  }
});

test.run();
