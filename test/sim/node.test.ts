// Node side of the simulator: real etcd processes, kubelet (mirror pods, crash loop, discover/learner),
// host folders with chroot /host, cluster-backup.sh, exec translation. Uses a plain Store (no API server).
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, rmSync, writeFileSync, renameSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { PassThrough } from 'node:stream';
import YAML from 'yaml';
import { Store, type KObject } from '../../sim/kube-apiserver/store.ts';
import { R } from '../../sim/kube-apiserver/resources.ts';
import { mirrorIP, type SimNode, type WorldContext } from '../../sim/world/context.ts';
import { bootstrapCluster, clientURL, etcdctl, killAllTracked, memberList, peerURL, portInUse } from '../../sim/etcd/etcd.ts';
import { ETCD_MANIFEST, prepareHostRoot } from '../../sim/node/hostfs.ts';
import { Kubelet } from '../../sim/kubelet/kubelet.ts';
import { createWorldHooks } from '../../sim/kubelet/exec.ts';

const stateDir = mkdtempSync(path.join(tmpdir(), 'sim-node-test-'));
const store = new Store();
// A second octet of our own so parallel test runs (and running simulators) do not share loopback ports.
const octet = await (async () => {
  for (let i = 0; i < 50; i++) {
    const o = 150 + Math.floor(Math.random() * 100);
    const busy = await Promise.all(['131.183', '164.97', '154.204', '140.11'].map((x) => portInUse(`127.${o}.${x}`, 2379)));
    if (!busy.some(Boolean)) return o;
  }
  throw new Error('no free loopback range');
})();
const mk = (name: string, ip: string): SimNode => ({ name, ip, loopback: mirrorIP(ip), root: path.join(stateDir, 'nodes', name, 'root'), role: 'master' });
const n0 = mk(`ip-10-${octet}-131-183.ec2.internal`, `10.${octet}.131.183`);
const n1 = mk(`ip-10-${octet}-164-97.ec2.internal`, `10.${octet}.164.97`);
const n2 = mk(`ip-10-${octet}-154-204.ec2.internal`, `10.${octet}.154.204`);
const n3 = mk(`ip-10-${octet}-140-11.ec2.internal`, `10.${octet}.140.11`);
const nodes = new Map<string, SimNode>();
const logs: string[] = [];
const ctx: WorldContext = {
  store,
  stateDir,
  release: '4.14',
  minor: 14,
  platform: 'aws',
  timing: { provisionSeconds: 1, rolloutSeconds: 1 },
  nodes,
  log: (m) => logs.push(m),
};
const kubelets = new Map<string, Kubelet>();
const hooks = createWorldHooks(ctx, kubelets);
const KUBECONFIG = `apiVersion: v1\nkind: Config\nclusters:\n- name: sim\n  cluster: {server: 'http://127.0.0.1:1'}\ncontexts:\n- name: sim\n  context: {cluster: sim, user: admin}\ncurrent-context: sim\nusers:\n- name: admin\n  user: {token: x}\n`;

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
async function waitFor<T>(what: string, fn: () => T | Promise<T>, timeoutMs = 20000): Promise<NonNullable<T>> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await fn();
    if (v) return v as NonNullable<T>;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(100);
  }
}

function addNode(n: SimNode) {
  nodes.set(n.name, n);
  prepareHostRoot(n, KUBECONFIG);
  store.create(R.nodes, {
    apiVersion: 'v1',
    kind: 'Node',
    metadata: { name: n.name, labels: { 'node-role.kubernetes.io/master': '' } },
    status: { addresses: [{ type: 'InternalIP', address: n.ip }], conditions: [] },
  });
}

function manifest(n: SimNode, revision: number, members: SimNode[]): string {
  const eps = members.map((m) => `https://${m.ip}:2379`).join(',');
  const etcdctlEnv = [
    { name: 'ETCDCTL_API', value: '3' },
    { name: 'ETCDCTL_CACERT', value: '/etc/kubernetes/static-pod-certs/configmaps/etcd-serving-ca/ca-bundle.crt' },
    { name: 'ETCDCTL_CERT', value: `/etc/kubernetes/static-pod-certs/secrets/etcd-all-certs/etcd-peer-${n.name}.crt` },
    { name: 'ETCDCTL_KEY', value: `/etc/kubernetes/static-pod-certs/secrets/etcd-all-certs/etcd-peer-${n.name}.key` },
    { name: 'ETCDCTL_ENDPOINTS', value: eps },
    { name: 'ALL_ETCD_ENDPOINTS', value: eps },
  ];
  const img = 'quay.io/openshift-release-dev/ocp-v4.0-art-dev@sha256:0000';
  return YAML.stringify({
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: {
      name: 'etcd',
      namespace: 'openshift-etcd',
      labels: { app: 'etcd', 'k8s-app': 'etcd', etcd: 'true', revision: String(revision) },
      annotations: { 'kubectl.kubernetes.io/default-container': 'etcd', 'target.workload.openshift.io/management': '{"effect": "PreferredDuringScheduling"}' },
    },
    spec: {
      hostNetwork: true,
      priorityClassName: 'system-node-critical',
      initContainers: ['setup', 'etcd-ensure-env-vars', 'etcd-resources-copy'].map((name) => ({ name, image: img })),
      containers: ['etcdctl', 'etcd', 'etcd-metrics', 'etcd-readyz'].map((name) => ({
        name,
        image: img,
        command: ['/bin/sh', '-c'],
        env: name === 'etcdctl' || name === 'etcd' ? etcdctlEnv : [],
      })),
    },
  });
}

function writeManifest(n: SimNode, text: string) {
  const file = path.join(n.root, ETCD_MANIFEST);
  writeFileSync(file + '.tmp', text);
  renameSync(file + '.tmp', file);
}

const mirror = (n: SimNode) => store.get(R.pods, 'openshift-etcd', `etcd-${n.name}`);
const etcdStatus = (pod: KObject | undefined) => pod?.status?.containerStatuses?.find((s: any) => s.name === 'etcd');

async function exec(pod: KObject, container: string, command: string[]) {
  const stdout = new PassThrough();
  const stderr = new PassThrough();
  let out = '';
  let err = '';
  stdout.on('data', (d) => (out += d));
  stderr.on('data', (d) => (err += d));
  const code = await hooks.exec({ pod, container, command, stdout, stderr, tty: false });
  return { code, out, err };
}

function hostPod(n: SimNode, name: string, script: string): KObject {
  return store.create(R.pods, {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name, namespace: 'default' },
    spec: {
      nodeName: n.name,
      restartPolicy: 'Never',
      hostNetwork: true,
      containers: [{ name: 'container-00', image: 'registry/tools', command: ['/bin/sh', '-c', script], volumeMounts: [{ name: 'host', mountPath: '/host' }] }],
      volumes: [{ name: 'host', hostPath: { path: '/' } }],
    },
  });
}
async function podDone(name: string, timeoutMs = 30000): Promise<KObject> {
  return waitFor(`pod ${name} to finish`, () => {
    const p = store.get(R.pods, 'default', name);
    return p && ['Succeeded', 'Failed'].includes(p.status?.phase) ? p : undefined;
  }, timeoutMs);
}

test('bootstrap a 3-node etcd cluster on loopback mirrors', async () => {
  for (const n of [n0, n1, n2]) addNode(n);
  // (how long it takes is a figure for the bench, not a test)
  await bootstrapCluster([n0, n1, n2], stateDir);
  const health = await etcdctl([n0, n1, n2].map(clientURL), ['endpoint', 'health']);
  assert.is(health.exitCode, 0, health.stderr);
  // etcdctl 3.4 prints healthy lines on stderr (3.5 on stdout; the exec hook moves them)
  assert.is((health.stdout + health.stderr).match(/is healthy/g)?.length, 3);
  for (const n of [n0, n1, n2]) assert.ok(existsSync(path.join(n.root, 'var/lib/etcd/member/wal')));
});

test('kubelets adopt etcd, post heartbeats and mirror pods', async () => {
  for (const n of [n0, n1, n2]) {
    writeManifest(n, manifest(n, 3, [n0, n1, n2]));
    const k = new Kubelet(ctx, n);
    kubelets.set(n.name, k);
    k.start();
  }
  for (const n of [n0, n1, n2]) {
    const pod = await waitFor(`mirror pod of ${n.name} ready`, () => {
      const p = mirror(n);
      return p?.status?.containerStatuses?.every((s: any) => s.ready) ? p : undefined;
    });
    assert.is(pod.metadata.annotations?.['kubernetes.io/config.source'], 'file');
    assert.ok(pod.metadata.annotations?.['kubernetes.io/config.mirror']);
    assert.is(pod.metadata.labels?.revision, '3');
    assert.is(pod.spec.nodeName, n.name);
    assert.is(pod.status.podIP, n.ip);
    assert.is(pod.status.phase, 'Running');
    assert.is(pod.status.containerStatuses.length, 4);
    assert.is(pod.status.initContainerStatuses[0].state.terminated.reason, 'Completed');
    assert.is((pod.metadata.ownerReferences as any[])[0].kind, 'Node');
    const node = store.get(R.nodes, undefined, n.name)!;
    const ready = node.status.conditions.find((c: any) => c.type === 'Ready');
    assert.is(ready.status, 'True');
    assert.is(ready.reason, 'KubeletReady');
  }
  // only one etcd per node (the kubelet adopted the bootstrap process)
  const out = execFileSync('pgrep', ['-f', `${stateDir}/nodes/.*/var/lib/etcd`]).toString().trim().split('\n');
  assert.is(out.length, 3);
});

test('exec into etcdctl shows real-shaped https://10.x output', async () => {
  const pod = mirror(n0)!;
  const list = await exec(pod, 'etcdctl', ['etcdctl', 'member', 'list', '-w', 'simple']);
  assert.is(list.code, 0, list.err);
  assert.match(list.out, `https://${n1.ip}:2380, https://${n1.ip}:2379, false`);
  assert.not.match(list.out, '127.');
  const health = await exec(pod, 'etcdctl', ['sh', '-c', 'etcdctl endpoint health']);
  assert.is(health.code, 0, health.err);
  assert.match(health.out, `https://${n2.ip}:2379 is healthy`);
  // like a real pod (ETCDCTL_ENDPOINTS is set), --endpoints conflicts with the env
  const conflict = await exec(pod, 'etcdctl', ['etcdctl', 'endpoint', 'health', '--endpoints', `https://${n0.ip}:2379`]);
  assert.is.not(conflict.code, 0);
  assert.match(conflict.err, 'conflicting environment variable "ETCDCTL_ENDPOINTS"');
  const bad = await exec(pod, 'etcdctl', ['sh', '-c', `ETCDCTL_ENDPOINTS=https://${n0.ip}:2379,https://10.${octet}.9.9:2379 etcdctl endpoint health`]);
  assert.is.not(bad.code, 0);
  assert.match(bad.out, `https://${n0.ip}:2379 is healthy`);
  // an unknown IP is never dialled: it goes to its loopback mirror (refused) and is shown as given
  assert.match(bad.err, `https://10.${octet}.9.9:2379 is unhealthy`, bad.err + "\n---\n" + bad.out);
  assert.not.match(bad.err + bad.out, '127.');
  // steady state: the kubelet does not rewrite an unchanged mirror pod
  const rv = mirror(n0)!.metadata.resourceVersion;
  const k0 = kubelets.get(n0.name)!;
  const syncs = k0.syncs;
  await waitFor('three more kubelet sync loops', () => k0.syncs >= syncs + 3);
  assert.is(mirror(n0)!.metadata.resourceVersion, rv);
  const logText = hooks.logs(pod, 'etcd');
  assert.ok(logText.length > 0);
  assert.not.match(logText, n0.loopback);
});

test('cluster-backup.sh via chroot /host writes a real snapshot', async () => {
  const aborted = await podDone(hostPod(n0, 'backup-noforce', 'chroot /host /usr/local/bin/cluster-backup.sh /home/core/assets/backup').metadata.name);
  assert.is(aborted.status.phase, 'Failed');
  const abortedLog = hooks.logs(aborted, 'container-00');
  // no ClusterOperators in this world: the real script's answer when `oc get co kube-apiserver` (checked first) gives nothing
  assert.match(abortedLog, 'Could not find the status of the kube-apiserver. Check if the API server is running. Pass the --force flag to skip checks.');
  const pod = await podDone(hostPod(n0, 'backup', 'chroot /host /usr/local/bin/cluster-backup.sh --force /home/core/assets/backup').metadata.name);
  const text = hooks.logs(pod, 'container-00');
  assert.is(pod.status.phase, 'Succeeded', text);
  assert.is(pod.status.containerStatuses[0].state.terminated.exitCode, 0);
  assert.match(text, 'snapshot db and kube resources are successfully saved to /home/core/assets/backup');
  assert.not.match(text, n0.loopback);
  const files = readdirSync(path.join(n0.root, 'home/core/assets/backup'));
  const snap = files.find((f) => /^snapshot_.*__POSSIBLY_DIRTY__\.db$/.test(f));
  assert.ok(snap, files.join(','));
  assert.ok(files.some((f) => /^static_kuberesources_.*__POSSIBLY_DIRTY__\.tar\.gz$/.test(f)));
  const status = execFileSync('/usr/bin/etcdctl', ['snapshot', 'status', path.join(n0.root, 'home/core/assets/backup', snap!), '-w', 'json'], { env: { ETCDCTL_API: '3' } });
  assert.ok(JSON.parse(status.toString()).totalKey >= 0);
  // no /host without the hostPath mount
  const plain = store.create(R.pods, {
    apiVersion: 'v1', kind: 'Pod', metadata: { name: 'nohost', namespace: 'default' },
    spec: { nodeName: n0.name, containers: [{ name: 'c', image: 'x', command: ['sh', '-c', 'test -e /host/etc/kubernetes && echo HOST || echo NOHOST'] }] },
  });
  const p2 = await podDone(plain.metadata.name);
  assert.match(hooks.logs(p2, 'c'), 'NOHOST');
});

test('corruptEtcd -> real crash loop with CrashLoopBackOff', async () => {
  const k1 = kubelets.get(n1.name)!;
  await k1.corruptEtcd();
  const pod = await waitFor('restarts >= 2 and CrashLoopBackOff', () => {
    const p = mirror(n1);
    const s = etcdStatus(p);
    return s && s.restartCount >= 2 && s.state.waiting?.reason === 'CrashLoopBackOff' ? p : undefined;
  }, 20000);
  const s = etcdStatus(pod);
  assert.is(s.ready, false);
  assert.is(s.lastState.terminated.reason, 'Error');
  assert.ok(s.lastState.terminated.exitCode !== 0);
  assert.match(s.state.waiting.message, /^back-off \d+s restarting failed container=etcd pod=etcd-/);
  assert.is(pod.status.phase, 'Running');
  const readyz = pod.status.containerStatuses.find((c: any) => c.name === 'etcd-readyz');
  assert.is(readyz.ready, false);
  // exec into the etcdctl container still works; the etcd container is not running
  assert.is((await exec(pod, 'etcdctl', ['etcdctl', 'version'])).code, 0);
  const health = await etcdctl([clientURL(n1)], ['endpoint', 'health']);
  assert.is.not(health.exitCode, 0);
});

test('procedure B on the host: chroot /host mv, then the member is replaced by a learner that syncs', async () => {
  const script = "chroot /host sh -c 'mkdir /var/lib/etcd-backup && mv /etc/kubernetes/manifests/etcd-pod.yaml /var/lib/etcd-backup/ && mv /var/lib/etcd/ /tmp'";
  const pod = await podDone(hostPod(n1, 'debug-mv', script).metadata.name);
  assert.is(pod.status.phase, 'Succeeded', hooks.logs(pod, 'container-00'));
  assert.ok(existsSync(path.join(n1.root, 'var/lib/etcd-backup/etcd-pod.yaml')));
  assert.ok(existsSync(path.join(n1.root, 'tmp/etcd/member')));
  assert.not.ok(existsSync(path.join(n1.root, 'var/lib/etcd')));
  assert.not.ok(existsSync(path.join(n1.root, ETCD_MANIFEST)));
  await waitFor('mirror pod of n1 deleted', () => !mirror(n1));
  await waitFor('no etcd on n1', () => !kubelets.get(n1.name)!.etcdProcess);

  // remove the broken member (as the plugin would), add a 4th master as learner (as the operator would)
  const members = await memberList([clientURL(n0)]);
  const broken = members.find((m) => m.peerURLs.includes(peerURL(n1)))!;
  const rm = await etcdctl([clientURL(n0)], ['member', 'remove', broken.id]);
  assert.is(rm.exitCode, 0, rm.stderr);
  // etcdctl prints the ID with %16x: space-padded, so a leading zero of our 16-digit form shows as a space
  assert.match(rm.stdout, new RegExp(`Member\\s+${broken.id.replace(/^0+/, '')} removed`));

  addNode(n3);
  const k3 = new Kubelet(ctx, n3);
  kubelets.set(n3.name, k3);
  k3.start();
  writeManifest(n3, manifest(n3, 4, [n0, n2, n3]));
  // not in the member list yet: running, not ready (discover)
  const waiting = await waitFor('n3 mirror pod in discover', () => {
    const s = etcdStatus(mirror(n3));
    return s?.state.running && !s.ready ? s : undefined;
  });
  assert.is(waiting.ready, false);
  const add = await etcdctl([clientURL(n0)], ['member', 'add', n3.name, '--peer-urls', peerURL(n3), '--learner']);
  assert.is(add.exitCode, 0, add.stderr);
  await waitFor('n3 etcd started', () => k3.etcdProcess);
  const learner = (await memberList([clientURL(n0)])).find((m) => m.peerURLs.includes(peerURL(n3)))!;
  const promoted = await waitFor('promote', async () => {
    const r = await etcdctl([clientURL(n0)], ['member', 'promote', learner.id]);
    return r.exitCode === 0 ? r : undefined;
  }, 20000);
  assert.match(promoted.stdout, 'promoted');
  const after = await memberList([clientURL(n0)]);
  assert.is(after.length, 3);
  assert.ok(after.every((m) => m.name && !m.isLearner));
  await waitFor('n3 mirror pod ready', () => mirror(n3)?.status?.containerStatuses?.every((s: any) => s.ready));
  const health = await etcdctl([n0, n2, n3].map(clientURL), ['endpoint', 'health']);
  assert.is(health.exitCode, 0, health.stderr);
});

test('manifest change restarts etcd with the new revision', async () => {
  const k0 = kubelets.get(n0.name)!;
  const before = k0.etcdProcess!.pid;
  writeManifest(n0, manifest(n0, 5, [n0, n2, n3]));
  await waitFor('revision 5 mirror pod ready', () => {
    const p = mirror(n0);
    return p?.metadata.labels?.revision === '5' && p.status?.containerStatuses?.every((s: any) => s.ready);
  });
  assert.is.not(k0.etcdProcess!.pid, before);
  assert.is(etcdStatus(mirror(n0)).restartCount, 0);
});

test('powerOff: etcd really down, heartbeats stop, exec refused; kubeletDown keeps etcd', async () => {
  const k2 = kubelets.get(n2.name)!;
  const podBefore = mirror(n2)!;
  await k2.powerOff();
  assert.is(k2.isPoweredOn, false);
  const h = await etcdctl([clientURL(n2)], ['endpoint', 'health']);
  assert.is.not(h.exitCode, 0);
  await waitFor('the heartbeat of the powered-off node to go stale', () => !k2.heartbeatFresh, 60_000);
  const pod = mirror(n2)!;
  assert.equal(pod.status, podBefore.status); // frozen
  try {
    await exec(pod, 'etcdctl', ['etcdctl', 'member', 'list']);
    assert.unreachable('exec should be refused');
  } catch (err: any) {
    assert.match(err.message, `error dialing backend: dial tcp ${n2.ip}:10250: connect: no route to host`);
  }
  // the two others still have quorum (polled: on a loaded machine a leader election may be under way)
  const q = await waitFor('the two others healthy', async () => {
    const r = await etcdctl([clientURL(n0), clientURL(n3)], ['endpoint', 'health']);
    return r.exitCode === 0 ? r : undefined;
  });
  assert.is(q.exitCode, 0, q.stderr);

  const k3 = kubelets.get(n3.name)!;
  k3.kubeletDown();
  // the agent stops at once (no timer is left to run another loop); its etcd keeps serving health checks
  const syncs = k3.syncs;
  for (let i = 0; i < 3; i++) {
    assert.ok(k3.etcdProcess);
    assert.is((await etcdctl([clientURL(n3)], ['endpoint', 'health'])).exitCode, 0);
  }
  assert.is(k3.syncs, syncs, 'no kubelet loop ran after kubeletDown');
  k3.start();
});

test('stop: no etcd left behind', async () => {
  await Promise.all([...kubelets.values()].map((k) => k.stop()));
  killAllTracked();
  // killed processes take a moment to go: none may be left once that moment has passed
  const pgrep = () => {
    try {
      return execFileSync('pgrep', ['-f', stateDir]).toString().trim();
    } catch {
      return '';
    }
  };
  await waitFor('every etcd of the test to exit', () => pgrep() === '', 30_000).catch(() => undefined);
  assert.is(pgrep(), '');
  rmSync(stateDir, { recursive: true, force: true });
});

test.run();
