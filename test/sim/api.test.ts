// The simulated API server driven by the real kubectl (whatever `kubectl` is on PATH; on this
// machine the gcloud dispatcher, which runs kubectl 1.27 against a 1.27 server -> SPDY exec,
// and kubectl 1.32 against a 1.32 server -> WebSocket exec; both are exercised).
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { execa } from 'execa';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Store } from '../../sim/kube-apiserver/store.ts';
import { R } from '../../sim/kube-apiserver/resources.ts';
import type { WorldHooks } from '../../sim/kube-apiserver/hooks.ts';
import { startApiServer } from '../../sim/kube-apiserver/server.ts';
import { writeKubeconfig } from '../../sim/kube-apiserver/kubeconfig.ts';
import { jsonPatch, mergePatch, strategicMerge } from '../../sim/kube-apiserver/patch.ts';
import { matchLabels, parseLabelSelector } from '../../sim/kube-apiserver/selectors.ts';
import { humanDuration } from '../../sim/kube-apiserver/table.ts';
import { waitFor } from '../helpers/sim.ts';

const dir = mkdtempSync(join(tmpdir(), 'sim-api-test-'));
const store = new Store();

// Fake world, for this test only: exec echoes its command (and copies stdin), `exit N` -> exit code N.
const hooks: WorldHooks = {
  async exec(req) {
    if (req.stdin) for await (const chunk of req.stdin) req.stdout.write(chunk);
    req.stdout.write(`ran in ${req.container}: ${req.command.join(' ')}\n`);
    req.stderr.write('some stderr\n');
    const m = req.command.join(' ').match(/exit (\d+)/);
    return m ? Number(m[1]) : 0;
  },
  logs(pod, container) {
    return `log of ${pod.metadata.name}/${container}\nsecond line\n`;
  },
};

function seed(): void {
  for (const ns of ['default', 'openshift-etcd', 'openshift-machine-api', 'sim-system']) {
    store.create(R.namespaces, { apiVersion: 'v1', kind: 'Namespace', metadata: { name: ns } });
  }
  store.create(R.nodes, {
    apiVersion: 'v1',
    kind: 'Node',
    metadata: { name: 'master-0', labels: { 'node-role.kubernetes.io/master': '', 'node-role.kubernetes.io/control-plane': '' } },
    spec: {},
    status: {
      conditions: [{ type: 'Ready', status: 'True' }],
      nodeInfo: { kubeletVersion: 'v1.27.6+b49f9d1' },
      addresses: [{ type: 'InternalIP', address: '10.0.131.183' }],
    },
  });
  store.create(R.pods, {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: {
      name: 'etcd-master-0',
      namespace: 'openshift-etcd',
      labels: { app: 'etcd', etcd: 'true' },
      annotations: { 'kubectl.kubernetes.io/default-container': 'etcd' },
    },
    spec: { nodeName: 'master-0', containers: [{ name: 'etcdctl', image: 'etcd' }, { name: 'etcd', image: 'etcd' }] },
    status: {
      phase: 'Running',
      podIP: '10.0.131.183',
      conditions: [{ type: 'Ready', status: 'True' }],
      containerStatuses: [
        { name: 'etcdctl', ready: true, restartCount: 0, state: { running: {} } },
        { name: 'etcd', ready: true, restartCount: 0, state: { running: {} } },
      ],
    },
  });
  store.create(R.machines, {
    apiVersion: 'machine.openshift.io/v1beta1',
    kind: 'Machine',
    metadata: {
      name: 'cluster-master-0',
      namespace: 'openshift-machine-api',
      labels: { 'machine.openshift.io/cluster-api-machine-role': 'master', 'machine.openshift.io/instance-type': 'm6i.xlarge' },
      annotations: { 'machine.openshift.io/instance-state': 'running' },
    },
    spec: { providerID: 'aws:///us-east-1a/i-0abc' },
    status: { phase: 'Running', nodeRef: { kind: 'Node', name: 'master-0' } },
  });
  store.create(R.etcds, { apiVersion: 'operator.openshift.io/v1', kind: 'Etcd', metadata: { name: 'cluster' }, spec: {} });
}
seed();

let close: (() => Promise<void>)[] = [];
let kc27 = '';
let kc32 = '';

async function k(kubeconfig: string, args: string[], input?: string) {
  const r = await execa('kubectl', ['--kubeconfig', kubeconfig, ...args], {
    reject: false,
    input,
    timeout: 30_000,
    env: { KUBECACHEDIR: join(dir, 'cache'), HOME: dir },
  });
  return { stdout: String(r.stdout), stderr: String(r.stderr), code: r.exitCode ?? -1 };
}
const kube = (args: string[], input?: string) => k(kc27, args, input);

test.before(async () => {
  const a = await startApiServer({ store, hooks, host: '127.0.0.1', port: 0 });
  const b = await startApiServer({ store, hooks, gitVersion: 'v1.32.4' });
  close = [a.close, b.close];
  kc27 = join(dir, 'kubeconfig');
  kc32 = join(dir, 'kubeconfig-132');
  writeKubeconfig(kc27, a.url);
  writeKubeconfig(kc32, b.url);
});

test.after(async () => {
  for (const c of close) await c();
  rmSync(dir, { recursive: true, force: true });
});

test('patch, selector and duration helpers', () => {
  assert.equal(mergePatch({ a: 1, b: { c: 2, d: 3 } }, { b: { c: null, e: 4 }, f: [1] }), { a: 1, b: { d: 3, e: 4 }, f: [1] });
  assert.equal(jsonPatch({ a: [1, 2] }, [{ op: 'add', path: '/a/-', value: 3 }, { op: 'replace', path: '/a/0', value: 0 }, { op: 'add', path: '/b~1c', value: true }]), {
    a: [0, 2, 3],
    'b/c': true,
  });
  assert.throws(() => jsonPatch({}, [{ op: 'remove', path: '/x' }]));
  assert.throws(() => jsonPatch({ a: 1 }, [{ op: 'test', path: '/a', value: 2 }]));
  const pod = { spec: { containers: [{ name: 'a', image: 'x' }, { name: 'b', image: 'y' }] }, metadata: { finalizers: ['f1'] } };
  assert.equal(
    strategicMerge(pod, {
      $setElementOrder: undefined,
      'spec': { '$setElementOrder/containers': [{ name: 'a' }, { name: 'b' }], containers: [{ name: 'b', image: 'z' }, { name: 'c', image: 'w' }] },
      metadata: { finalizers: ['f2'] },
    }),
    {
      spec: { containers: [{ name: 'a', image: 'x' }, { name: 'b', image: 'z' }, { name: 'c', image: 'w' }] },
      metadata: { finalizers: ['f1', 'f2'] },
      $setElementOrder: undefined,
    },
  );
  assert.equal(strategicMerge(pod, { spec: { containers: [{ name: 'a', $patch: 'delete' }] } }).spec.containers, [{ name: 'b', image: 'y' }]);
  const l = { app: 'etcd', tier: 'cp' };
  assert.ok(matchLabels(parseLabelSelector('app=etcd,tier in (cp, x),!nope'), l));
  assert.ok(matchLabels(parseLabelSelector('app==etcd,tier notin (x),tier'), l));
  assert.not.ok(matchLabels(parseLabelSelector('app!=etcd'), l));
  assert.throws(() => parseLabelSelector('a in (b'));
  assert.is(humanDuration(59_000), '59s');
  assert.is(humanDuration(150_000), '2m30s');
  assert.is(humanDuration(3 * 3600_000 + 5 * 60_000), '3h5m');
  assert.is(humanDuration(3 * 86400_000), '3d');
});

test('discovery and version', async () => {
  const r = await kube(['api-resources']);
  assert.is(r.code, 0, r.stderr);
  for (const name of ['machines', 'controlplanemachinesets', 'etcds', 'clusteroperators', 'pods']) assert.match(r.stdout, name);
  const v = await kube(['version', '-o', 'json']);
  assert.is(JSON.parse(v.stdout).serverVersion.gitVersion, 'v1.27.6+b49f9d1');
});

test('get: table columns, wide, json, yaml, jsonpath, all namespaces', async () => {
  const pods = await kube(['-n', 'openshift-etcd', 'get', 'pods']);
  assert.is(pods.code, 0, pods.stderr);
  assert.match(pods.stdout, /NAME\s+READY\s+STATUS\s+RESTARTS\s+AGE/);
  assert.match(pods.stdout, /etcd-master-0\s+2\/2\s+Running\s+0/);
  const wide = await kube(['-n', 'openshift-etcd', 'get', 'pods', '-o', 'wide']);
  assert.match(wide.stdout, /IP\s+NODE\s+NOMINATED NODE\s+READINESS GATES/);
  assert.match(wide.stdout, /10\.0\.131\.183\s+master-0/);
  const all = await kube(['get', 'pods', '-A']);
  assert.match(all.stdout, /^NAMESPACE\s+NAME/);
  assert.match(all.stdout, /openshift-etcd\s+etcd-master-0/);
  const nodes = await kube(['get', 'nodes']);
  assert.match(nodes.stdout, /master-0\s+Ready\s+control-plane,master\s+\S+\s+v1\.27\.6\+b49f9d1/);
  const machines = await kube(['-n', 'openshift-machine-api', 'get', 'machines', '-o', 'wide']);
  assert.match(machines.stdout, /NAME\s+PHASE\s+TYPE\s+REGION\s+ZONE\s+AGE\s+NODE\s+PROVIDERID\s+STATE/);
  assert.match(machines.stdout, /cluster-master-0\s+Running\s+m6i\.xlarge\s+.*master-0\s+aws:\/\/\/us-east-1a\/i-0abc\s+running/);
  const json = await kube(['get', 'pods', '-A', '-o', 'json']);
  const list = JSON.parse(json.stdout);
  assert.is(list.kind, 'List');
  assert.is(list.items[0].metadata.name, 'etcd-master-0');
  const yaml = await kube(['get', 'etcd', 'cluster', '-o', 'yaml']);
  assert.match(yaml.stdout, 'kind: Etcd');
  const jp = await kube(['-n', 'openshift-etcd', 'get', 'pod', 'etcd-master-0', '-o', 'jsonpath={.spec.containers[*].name}']);
  assert.is(jp.stdout, 'etcdctl etcd');

  const t0 = Date.now();
  await kube(['get', 'pods', '-A', '-o', 'json']);
  console.log(`  (one 'kubectl get pods -A -o json' took ${Date.now() - t0} ms)`);
});

test('label and field selectors', async () => {
  const names = async (args: string[]) => (await kube(['get', 'pods', '-A', '-o', 'name', ...args])).stdout.trim();
  assert.is(await names(['-l', 'app=etcd']), 'pod/etcd-master-0');
  assert.is(await names(['-l', 'app in (etcd,x)']), 'pod/etcd-master-0');
  assert.is(await names(['-l', 'app notin (etcd)']), '');
  assert.is(await names(['-l', 'app!=etcd']), '');
  assert.is(await names(['-l', 'etcd,!missing']), 'pod/etcd-master-0');
  assert.is(await names(['-l', '!etcd']), '');
  assert.is(await names(['--field-selector', 'spec.nodeName=master-0,status.phase=Running']), 'pod/etcd-master-0');
  assert.is(await names(['--field-selector', 'metadata.name=nope']), '');
});

test('errors: NotFound, AlreadyExists', async () => {
  const nf = await kube(['-n', 'openshift-etcd', 'get', 'pod', 'nope']);
  assert.is(nf.code, 1);
  assert.match(nf.stderr, 'Error from server (NotFound): pods "nope" not found');
  const nm = await kube(['-n', 'openshift-machine-api', 'get', 'machine', 'nope']);
  assert.match(nm.stderr, 'Error from server (NotFound): machines.machine.openshift.io "nope" not found');
  const f = join(dir, 'ns.yaml');
  writeFileSync(f, 'apiVersion: v1\nkind: Namespace\nmetadata:\n  name: default\n');
  const ae = await kube(['create', '-f', f]);
  assert.is(ae.code, 1);
  assert.match(ae.stderr, 'Error from server (AlreadyExists): error when creating');
  assert.match(ae.stderr, 'namespaces "default" already exists');
});

test('create -f, apply -f (new and existing), patch merge/json', async () => {
  const m = join(dir, 'machine.yaml');
  writeFileSync(
    m,
    'apiVersion: machine.openshift.io/v1beta1\nkind: Machine\nmetadata:\n  name: cluster-master-3\n  namespace: openshift-machine-api\nspec:\n  providerID: aws:///x\n',
  );
  const c = await kube(['create', '-f', m]);
  assert.is(c.code, 0, c.stderr);
  assert.match(c.stdout, 'machine.machine.openshift.io/cluster-master-3 created');

  const p = join(dir, 'pod.yaml');
  writeFileSync(p, 'apiVersion: v1\nkind: Pod\nmetadata:\n  name: web\n  namespace: default\nspec:\n  containers:\n  - name: c\n    image: busybox\n');
  const a1 = await kube(['apply', '-f', p]);
  assert.is(a1.code, 0, a1.stderr);
  assert.match(a1.stdout, 'pod/web created');
  const created = store.get(R.pods, 'default', 'web')!;
  assert.ok(created.metadata.annotations?.['kubectl.kubernetes.io/last-applied-configuration']);
  writeFileSync(p, 'apiVersion: v1\nkind: Pod\nmetadata:\n  name: web\n  namespace: default\n  labels: {tier: web}\nspec:\n  containers:\n  - name: c\n    image: alpine\n');
  const a2 = await kube(['apply', '-f', p]);
  assert.is(a2.code, 0, a2.stderr);
  assert.match(a2.stdout, 'pod/web configured');
  const applied = store.get(R.pods, 'default', 'web')!;
  assert.is(applied.spec.containers.length, 1);
  assert.is(applied.spec.containers[0].image, 'alpine');
  assert.is(applied.metadata.labels?.tier, 'web');
  assert.is(applied.metadata.uid, created.metadata.uid);
  const a3 = await kube(['apply', '-f', m]); // apply over a created CR -> merge patch
  assert.is(a3.code, 0, a3.stderr);

  const pm = await kube(['-n', 'openshift-machine-api', 'patch', 'machine', 'cluster-master-3', '--type=merge', '-p', '{"metadata":{"annotations":{"a":"b"}}}']);
  assert.is(pm.code, 0, pm.stderr);
  const pj = await kube(['-n', 'openshift-machine-api', 'patch', 'machine', 'cluster-master-3', '--type=json', '-p', '[{"op":"add","path":"/metadata/labels","value":{"x":"y"}}]']);
  assert.is(pj.code, 0, pj.stderr);
  const after = store.get(R.machines, 'openshift-machine-api', 'cluster-master-3')!;
  assert.is(after.metadata.annotations?.a, 'b');
  assert.is(after.metadata.labels?.x, 'y');
  const ps = await kube(['patch', 'etcd', 'cluster', '--type=merge', '-p', '{"spec":{"unsupportedConfigOverrides":{"useUnsupportedUnsafeNonHANonProductionUnstableEtcd":true}}}']);
  assert.is(ps.code, 0, ps.stderr);
  assert.is(store.get(R.etcds, undefined, 'cluster')!.spec.unsupportedConfigOverrides.useUnsupportedUnsafeNonHANonProductionUnstableEtcd, true);
  const bad = await kube(['-n', 'openshift-machine-api', 'patch', 'machine', 'cluster-master-3', '--type=json', '-p', '[{"op":"remove","path":"/spec/nope"}]']);
  assert.is(bad.code, 1);
});

test('secrets: stringData is stored base64 in data', async () => {
  const f = join(dir, 'secret.yaml');
  writeFileSync(f, 'apiVersion: v1\nkind: Secret\nmetadata:\n  name: sd\n  namespace: default\nstringData:\n  k: hello\n');
  const r = await kube(['create', '-f', f]);
  assert.is(r.code, 0, r.stderr);
  const s = store.get(R.secrets, 'default', 'sd')!;
  assert.is(s.data.k, Buffer.from('hello').toString('base64'));
  assert.is(s.stringData, undefined);
  store.delete(R.secrets, 'default', 'sd');
});

test('delete, with and without a finalizer; dry run', async () => {
  store.create(R.secrets, { apiVersion: 'v1', kind: 'Secret', metadata: { name: 's1', namespace: 'default' }, type: 'Opaque', data: { a: 'Yg==' } });
  const sec = await kube(['get', 'secrets']);
  assert.match(sec.stdout, /s1\s+Opaque\s+1/);
  const dry = await kube(['delete', 'secret', 's1', '--dry-run=server']);
  assert.is(dry.code, 0, dry.stderr);
  assert.ok(store.get(R.secrets, 'default', 's1'));
  const d = await kube(['delete', 'secret', 's1']);
  assert.is(d.code, 0, d.stderr);
  assert.match(d.stdout, 'secret "s1" deleted');
  assert.not.ok(store.get(R.secrets, 'default', 's1'));

  store.create(R.machines, {
    apiVersion: 'machine.openshift.io/v1beta1',
    kind: 'Machine',
    metadata: { name: 'held', namespace: 'openshift-machine-api', finalizers: ['machine.machine.openshift.io'] },
    spec: {},
  });
  const dh = await kube(['-n', 'openshift-machine-api', 'delete', 'machine', 'held', '--wait=false']);
  assert.is(dh.code, 0, dh.stderr);
  const held = store.get(R.machines, 'openshift-machine-api', 'held');
  assert.ok(held?.metadata.deletionTimestamp);
  const rm = await kube(['-n', 'openshift-machine-api', 'patch', 'machine', 'held', '--type=merge', '-p', '{"metadata":{"finalizers":null}}']);
  assert.is(rm.code, 0, rm.stderr);
  assert.not.ok(store.get(R.machines, 'openshift-machine-api', 'held'));
});

for (const version of ['1.27 (SPDY)', '1.32 (WebSocket)']) {
  test(`exec via kubectl ${version}: exit code, default container, -c, stdin, bad container`, async () => {
    const kc = version.startsWith('1.27') ? kc27 : kc32;
    const ns = ['-n', 'openshift-etcd'];
    const ok = await k(kc, [...ns, 'exec', 'etcd-master-0', '-c', 'etcdctl', '--', 'etcdctl', 'member', 'list']);
    assert.is(ok.code, 0, ok.stderr);
    assert.is(ok.stdout, 'ran in etcdctl: etcdctl member list');
    assert.match(ok.stderr, 'some stderr');
    const def = await k(kc, [...ns, 'exec', 'etcd-master-0', '--', 'true']);
    assert.is(def.stdout, 'ran in etcd: true');
    const three = await k(kc, [...ns, 'exec', 'etcd-master-0', '-c', 'etcd', '--', 'sh', '-c', 'exit 3']);
    assert.is(three.code, 3);
    const stdin = await k(kc, [...ns, 'exec', '-i', 'etcd-master-0', '-c', 'etcd', '--', 'cat'], 'line one\nline two\n');
    assert.is(stdin.code, 0, stdin.stderr);
    assert.is(stdin.stdout, 'line one\nline two\nran in etcd: cat');
    const bad = await k(kc, [...ns, 'exec', 'etcd-master-0', '-c', 'nope', '--', 'true']);
    assert.is(bad.code, 1);
    assert.match(bad.stderr, 'container nope is not valid for pod etcd-master-0');
  });
}

test('logs: default container, -c, wrong container, --tail', async () => {
  const ns = ['-n', 'openshift-etcd'];
  const d = await kube([...ns, 'logs', 'etcd-master-0']);
  assert.is(d.code, 0, d.stderr);
  assert.is(d.stdout, 'log of etcd-master-0/etcd\nsecond line');
  const c = await kube([...ns, 'logs', 'etcd-master-0', '-c', 'etcdctl', '--tail=1']);
  assert.is(c.stdout, 'second line');
  const bad = await kube([...ns, 'logs', 'etcd-master-0', '-c', 'nope']);
  assert.is(bad.code, 1);
  assert.match(bad.stderr, 'container nope is not valid for pod etcd-master-0');
});

test('watch: get -w / --watch-only, wait --for=condition, wait --for=delete', async () => {
  store.create(R.pods, {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name: 'w1', namespace: 'default' },
    spec: { containers: [{ name: 'c' }] },
    status: { phase: 'Pending', conditions: [{ type: 'Ready', status: 'False' }] },
  });
  // four watches will open: each is one more listener on the store's changes
  const listening = store.events.listenerCount('change');
  const watchOnly = execa('kubectl', ['--kubeconfig', kc27, 'get', 'pods', '--watch-only', '-o', 'name'], {
    reject: false,
    timeout: 120_000,
    env: { KUBECACHEDIR: join(dir, 'cache'), HOME: dir },
  });
  const watchTable = execa('kubectl', ['--kubeconfig', kc27, 'get', 'pods', '-w'], {
    reject: false,
    timeout: 120_000,
    env: { KUBECACHEDIR: join(dir, 'cache'), HOME: dir },
  });
  let woOut = '';
  let wtOut = '';
  watchOnly.stdout!.on('data', (d) => (woOut += d));
  watchTable.stdout!.on('data', (d) => (wtOut += d));
  const waitReady = kube(['wait', '--for=condition=Ready', 'pod/w1', '--timeout=120s']);
  const waitGone = kube(['wait', '--for=delete', 'pod/w1', '--timeout=120s']);
  await waitFor('the four watches to be open', () => store.events.listenerCount('change') >= listening + 4, 30_000, 50);
  store.mutate(R.pods, 'default', 'w1', (p) => {
    p.status = { phase: 'Running', conditions: [{ type: 'Ready', status: 'True' }], containerStatuses: [{ name: 'c', ready: true, restartCount: 0, state: { running: {} } }] };
  });
  const ready = await waitReady;
  assert.is(ready.code, 0, ready.stderr);
  assert.match(ready.stdout, 'pod/w1 condition met');
  store.delete(R.pods, 'default', 'w1');
  const gone = await waitGone;
  assert.is(gone.code, 0, gone.stderr);
  // the watches run until stopped: collect what they printed, stop them once the change is there
  await waitFor('the watches to show the change', () => woOut.includes('pod/w1') && /w1\s+1\/1\s+Running/.test(wtOut), 30_000, 100).catch(() => undefined);
  watchOnly.kill();
  watchTable.kill();
  const wo = await watchOnly;
  assert.match(String(wo.stdout), 'pod/w1');
  const wt = await watchTable;
  assert.match(String(wt.stdout), /NAME\s+READY\s+STATUS/);
  assert.match(String(wt.stdout), /w1\s+1\/1\s+Running/);
});

test('Forbidden for tokens listed in sim-system/forbidden-users', async () => {
  const url = /server: (\S+)/.exec(readFileSync(kc27, 'utf8'))![1];
  const kcDev = join(dir, 'kubeconfig-developer');
  writeKubeconfig(kcDev, url, { identity: 'developer' });
  store.create(R.configmaps, { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'forbidden-users', namespace: 'sim-system' }, data: { users: 'developer' } });
  const r = await k(kcDev, ['get', 'nodes']);
  const admin = await kube(['get', 'nodes']);
  const pod = await k(kcDev, ['-n', 'openshift-etcd', 'get', 'pod', 'etcd-master-0']);
  const ex = await k(kcDev, ['-n', 'openshift-etcd', 'exec', 'etcd-master-0', '--', 'true']);
  const canI = await k(kcDev, ['auth', 'can-i', '*', '*']);
  const adminCanI = await kube(['auth', 'can-i', '*', '*']);
  store.delete(R.configmaps, 'sim-system', 'forbidden-users');
  assert.is(r.code, 1);
  assert.match(r.stderr, 'Error from server (Forbidden): nodes is forbidden: User "developer" cannot list resource "nodes" in API group "" at the cluster scope');
  assert.match(pod.stderr, 'Error from server (Forbidden): pods "etcd-master-0" is forbidden: User "developer" cannot get resource "pods" in API group "" in the namespace "openshift-etcd"');
  assert.is(ex.code, 1);
  assert.match(ex.stderr, 'Forbidden');
  assert.is(admin.code, 0, admin.stderr);
  assert.is(canI.stdout.trim(), 'no');
  assert.is(adminCanI.stdout.trim(), 'yes');
  const again = await k(kcDev, ['get', 'nodes']);
  assert.is(again.code, 0, again.stderr);
});

test.run();
