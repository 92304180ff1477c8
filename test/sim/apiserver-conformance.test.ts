// Simulator conformance: the simulated kube-apiserver and kube-controller-manager refuse, keep and delete what the real
// ones do, driven by the REAL kubectl (the one on PATH; against this server's default v1.27 it is kubectl 1.27), and
// asserting kubectl's real output. Each rule's source is cited where the simulator implements it
// (sim/kube-apiserver/store.ts, validation.ts, structural.ts, crds.ts; sim/kube-controller-manager/garbagecollector.ts).
// The simulated API server runs in this process with the garbage collector on its store (no etcd, no world).
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { execa } from 'execa';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createHash } from 'node:crypto';
import { Store } from '../../sim/kube-apiserver/store.ts';
import { R } from '../../sim/kube-apiserver/resources.ts';
import type { WorldHooks } from '../../sim/kube-apiserver/hooks.ts';
import { startApiServer } from '../../sim/kube-apiserver/server.ts';
import { writeKubeconfig } from '../../sim/kube-apiserver/kubeconfig.ts';
import { accessTokenName, oauthTokenUser } from '../../sim/kube-apiserver/oauth.ts';
import { GarbageCollector } from '../../sim/kube-controller-manager/garbagecollector.ts';
import { Kube } from '../../lib/cluster/kubectl.ts';
import { EventPoster, eventObject } from '../../lib/runbooks/events.ts';
import { kubeVersion } from '../../sim/world/release.ts';
import { debugPodManifest } from '../../lib/cluster/hostcmd.ts';

const dir = mkdtempSync(join(tmpdir(), 'sim-conformance-'));
const store = new Store();
const hooks: WorldHooks = {
  async exec() {
    return 0;
  },
  logs() {
    return '';
  },
};
for (const ns of ['default', 'openshift-etcd', 'openshift-machine-api', 'sim-system']) {
  store.create(R.namespaces, { apiVersion: 'v1', kind: 'Namespace', metadata: { name: ns } });
}
const gcLog: string[] = [];
const gc = new GarbageCollector(store, (m) => gcLog.push(m));
let close: () => Promise<void> = async () => undefined;
let kc = '';
let kcForbidden = '';

async function kubectl(args: string[], input?: string) {
  const r = await execa('kubectl', ['--kubeconfig', kc, ...args], { reject: false, input, timeout: 60_000, env: { KUBECACHEDIR: join(dir, 'cache'), HOME: dir } });
  return { stdout: String(r.stdout), stderr: String(r.stderr), code: r.exitCode ?? -1 };
}

async function until(what: string, check: () => boolean | Promise<boolean>, ms = 30_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

const cm = (name: string, extra: Record<string, unknown> = {}, meta: Record<string, unknown> = {}) =>
  JSON.stringify({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name, namespace: 'default', ...meta }, data: { a: 'b' }, ...extra });
const uidOf = (name: string) => store.get(R.configmaps, 'default', name)?.metadata.uid as string;
const ref = (name: string, extra: Record<string, unknown> = {}) => ({ apiVersion: 'v1', kind: 'ConfigMap', name, uid: uidOf(name), ...extra });
const exists = (name: string) => Boolean(store.get(R.configmaps, 'default', name));

test.before(async () => {
  const a = await startApiServer({ store, hooks, host: '127.0.0.1', port: 0 });
  close = a.close;
  kc = join(dir, 'kubeconfig');
  writeKubeconfig(kc, a.url);
  kcForbidden = join(dir, 'kubeconfig-nobody');
  writeKubeconfig(kcForbidden, a.url, { identity: 'nobody' });
  store.create(R.configmaps, { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'forbidden-users', namespace: 'sim-system' }, data: { users: 'nobody' } });
  gc.start();
});

/** Another simulated API server, of OpenShift 4.<minor> (its Kubernetes on /version, as the world starts it), with its own store. */
async function serverAt(minor: number) {
  const st = new Store();
  for (const ns of ['default', 'openshift-machine-api']) st.create(R.namespaces, { apiVersion: 'v1', kind: 'Namespace', metadata: { name: ns } });
  const a = await startApiServer({ store: st, hooks, host: '127.0.0.1', port: 0, release: minor, gitVersion: kubeVersion(minor) });
  closers.push(a.close);
  const file = join(dir, `kubeconfig-4.${minor}`);
  writeKubeconfig(file, a.url);
  const run = async (args: string[], input?: string) => {
    const r = await execa('kubectl', ['--kubeconfig', file, ...args], { reject: false, input, timeout: 60_000, env: { KUBECACHEDIR: join(dir, `cache-4.${minor}`), HOME: dir } });
    return { stdout: String(r.stdout), stderr: String(r.stderr), code: r.exitCode ?? -1 };
  };
  return { store: st, kubectl: run };
}
const closers: (() => Promise<void>)[] = [];

test.after(async () => {
  gc.stop();
  for (const c of closers) await c();
  await close();
  rmSync(dir, { recursive: true, force: true });
});

// ---- garbage collection and delete propagation ---------------------------------------------------------------------

test('gc: background (kubectl delete default): a dependent whose owners are all gone is deleted; one with another owner loses the reference', async () => {
  for (const n of ['owner-a', 'owner-b']) assert.is((await kubectl(['create', '-f', '-'], cm(n))).code, 0);
  assert.is((await kubectl(['create', '-f', '-'], cm('dep-only-a', {}, { ownerReferences: [ref('owner-a')] }))).code, 0);
  assert.is((await kubectl(['create', '-f', '-'], cm('dep-a-and-b', {}, { ownerReferences: [ref('owner-a'), ref('owner-b')] }))).code, 0);
  const del = await kubectl(['delete', 'configmap', 'owner-a']);
  assert.is(del.code, 0, del.stderr);
  assert.match(del.stdout, 'configmap "owner-a" deleted');
  await until('dep-only-a to be collected', () => !exists('dep-only-a'));
  await until('the reference to owner-a to be removed', () => (store.get(R.configmaps, 'default', 'dep-a-and-b')?.metadata.ownerReferences ?? []).length === 1);
  assert.ok(exists('dep-a-and-b'), 'a dependent with a remaining owner stays');
  assert.is((store.get(R.configmaps, 'default', 'dep-a-and-b')!.metadata.ownerReferences as any[])[0].name, 'owner-b');
  // a dependent created after its owner is gone (the uid names no live object) is collected too
  const ghost = { apiVersion: 'v1', kind: 'ConfigMap', name: 'owner-a', uid: '0b4c1d2e-0000-4000-8000-000000000000' };
  assert.is((await kubectl(['create', '-f', '-'], cm('dep-of-ghost', {}, { ownerReferences: [ghost] }))).code, 0);
  await until('dep-of-ghost to be collected', () => !exists('dep-of-ghost'));
  // an owner kind the server does not serve cannot be resolved: never collected (the real GC retries forever)
  const rs = { apiVersion: 'apps/v1', kind: 'ReplicaSet', name: 'nope', uid: '0b4c1d2e-0000-4000-8000-000000000001' };
  assert.is((await kubectl(['create', '-f', '-'], cm('dep-of-unserved', {}, { ownerReferences: [rs] }))).code, 0);
  assert.ok(gc.sweep() >= 0 && exists('dep-of-unserved'));
});

test('gc: --cascade=orphan: the owner goes, its dependents stay without the reference', async () => {
  assert.is((await kubectl(['create', '-f', '-'], cm('owner-o'))).code, 0);
  assert.is((await kubectl(['create', '-f', '-'], cm('dep-o', {}, { ownerReferences: [ref('owner-o', { controller: true, blockOwnerDeletion: true })] }))).code, 0);
  const del = await kubectl(['delete', 'configmap', 'owner-o', '--cascade=orphan']);
  assert.is(del.code, 0, del.stderr);
  assert.ok(!exists('owner-o'), 'kubectl waits until the owner is gone');
  assert.ok(exists('dep-o'));
  assert.is(store.get(R.configmaps, 'default', 'dep-o')!.metadata.ownerReferences, undefined);
});

test('gc: --cascade=foreground: the owner stays (foregroundDeletion) until its blocking dependents are gone', async () => {
  assert.is((await kubectl(['create', '-f', '-'], cm('owner-f'))).code, 0);
  // a blocking dependent held by a finalizer of its own, and a non-blocking one
  const held = cm('dep-f-held', {}, { ownerReferences: [ref('owner-f', { blockOwnerDeletion: true })], finalizers: ['example.com/hold'] });
  assert.is((await kubectl(['create', '-f', '-'], held)).code, 0);
  assert.is((await kubectl(['create', '-f', '-'], cm('dep-f-free', {}, { ownerReferences: [ref('owner-f')] }))).code, 0);
  const del = await kubectl(['delete', 'configmap', 'owner-f', '--cascade=foreground', '--wait=false']);
  assert.is(del.code, 0, del.stderr);
  const owner = JSON.parse((await kubectl(['get', 'configmap', 'owner-f', '-o', 'json'])).stdout);
  assert.type(owner.metadata.deletionTimestamp, 'string');
  assert.equal(owner.metadata.finalizers, ['foregroundDeletion']);
  await until('the non-blocking dependent to be collected', () => !exists('dep-f-free'));
  await until('the held dependent to be deleting', () => Boolean(store.get(R.configmaps, 'default', 'dep-f-held')?.metadata.deletionTimestamp));
  gc.sweep();
  assert.ok(exists('owner-f'), 'the owner waits for its blocking dependent');
  const patch = await kubectl(['patch', 'configmap', 'dep-f-held', '--type=merge', '-p', '{"metadata":{"finalizers":null}}']);
  assert.is(patch.code, 0, patch.stderr);
  await until('the owner to go once nothing blocks it', () => !exists('owner-f'));
  assert.ok(gcLog.some((l) => /no blocking dependents left/.test(l)));
});

test('delete options: an unsupported propagation policy is refused as ValidateDeleteOptions refuses it', async () => {
  assert.is((await kubectl(['create', '-f', '-'], cm('owner-x'))).code, 0);
  const r = await kubectl(['delete', '--raw', '/api/v1/namespaces/default/configmaps/owner-x?propagationPolicy=Sideways']);
  assert.is(r.code, 1);
  assert.match(r.stderr, 'propagationPolicy: Unsupported value: "Sideways": supported values: "Foreground", "Background", "Orphan", "nil"');
  assert.ok(exists('owner-x'));
});

// ---- finalizers ------------------------------------------------------------------------------------------------------

test('finalizers: delete sets deletionTimestamp, the object stays until its finalizers are gone, none may be added meanwhile', async () => {
  assert.is((await kubectl(['create', '-f', '-'], cm('held', {}, { finalizers: ['example.com/keep'] }))).code, 0);
  const del = await kubectl(['delete', 'configmap', 'held', '--wait=false']);
  assert.is(del.code, 0, del.stderr);
  const o = JSON.parse((await kubectl(['get', 'configmap', 'held', '-o', 'json'])).stdout);
  assert.type(o.metadata.deletionTimestamp, 'string');
  assert.is(o.metadata.deletionGracePeriodSeconds, 0);
  const add = await kubectl(['patch', 'configmap', 'held', '--type=merge', '-p', '{"metadata":{"finalizers":["example.com/keep","example.com/other"]}}']);
  assert.is(add.code, 1);
  assert.match(add.stderr, 'The ConfigMap "held" is invalid: metadata.finalizers: Forbidden: no new finalizers can be added if the object is being deleted, found new finalizers []string{"example.com/other"}');
  assert.ok(exists('held'));
  assert.is((await kubectl(['patch', 'configmap', 'held', '--type=json', '-p', '[{"op":"remove","path":"/metadata/finalizers"}]'])).code, 0);
  assert.ok(!exists('held'), 'gone with its last finalizer');
});

// ---- validation of the core types the plugin writes -----------------------------------------------------------------

const event = (ns: string, name: string, extra: Record<string, unknown> = {}) =>
  JSON.stringify({
    apiVersion: 'v1',
    kind: 'Event',
    metadata: { name, namespace: ns },
    involvedObject: { apiVersion: 'operator.openshift.io/v1', kind: 'Etcd', name: 'cluster' },
    reason: 'StepDone',
    message: 'step 1/2 done',
    type: 'Normal',
    source: { component: 'etcd-replace' },
    firstTimestamp: '2026-12-02T06:00:00Z',
    lastTimestamp: '2026-12-02T06:00:00Z',
    count: 1,
    ...extra,
  });

test('events: an Event about a cluster-scoped object is refused outside default (legacyValidateEvent), accepted in default', async () => {
  const bad = await kubectl(['create', '-f', '-'], event('openshift-etcd', 'cluster.1'));
  assert.is(bad.code, 1);
  assert.match(bad.stderr, 'The Event "cluster.1" is invalid: involvedObject.namespace: Invalid value: "": does not match event.namespace');
  const ok = await kubectl(['create', '-f', '-'], event('default', 'cluster.2'));
  assert.is(ok.code, 0, ok.stderr);
  // namespaced involved object: the namespaces must match
  const pod = await kubectl(['create', '-f', '-'], event('default', 'pod.1', { involvedObject: { kind: 'Pod', name: 'p', namespace: 'openshift-etcd' } }));
  assert.match(pod.stderr, 'The Event "pod.1" is invalid: involvedObject.namespace: Invalid value: "openshift-etcd": does not match event.namespace');
  // with eventTime (the new API's shape) reportingController, reportingInstance and action are required
  const modern = await kubectl(['create', '-f', '-'], event('default', 'cluster.3', { eventTime: '2026-12-02T06:00:00.000000Z' }));
  assert.is(modern.code, 1);
  assert.match(modern.stderr, 'reportingController: Required value');
  assert.match(modern.stderr, 'reportingInstance: Required value');
  assert.match(modern.stderr, 'action: Required value');
  const found = await kubectl(['get', 'events', '-A', '--field-selector', 'involvedObject.name=cluster', '-o', 'jsonpath={range .items[*]}{.metadata.namespace}/{.metadata.name}{"\\n"}{end}']);
  assert.is(found.stdout.trim(), 'default/cluster.2');
});

test('secrets: name, data keys, base64, type-specific keys; type is immutable', async () => {
  const secret = (name: string, extra: Record<string, unknown>) => JSON.stringify({ apiVersion: 'v1', kind: 'Secret', metadata: { name, namespace: 'default' }, ...extra });
  const name = await kubectl(['create', '-f', '-'], secret('Bad_Name', { data: {} }));
  assert.match(
    name.stderr,
    `The Secret "Bad_Name" is invalid: metadata.name: Invalid value: "Bad_Name": a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character (e.g. 'example.com', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')`,
  );
  const key = await kubectl(['create', '-f', '-'], secret('s1', { data: { 'bad key': 'eA==' } }));
  assert.match(key.stderr, `The Secret "s1" is invalid: data[bad key]: Invalid value: "bad key": a valid config key must consist of alphanumeric characters, '-', '_' or '.' (e.g. 'key.name',  or 'KEY_NAME',  or 'key-name', regex used for validation is '[-._a-zA-Z0-9]+')`);
  const b64 = await kubectl(['create', '-f', '-'], secret('s2', { data: { password: 'not base64!' } }));
  assert.match(b64.stderr, 'Error from server (BadRequest): error when creating "STDIN": Secret in version "v1" cannot be handled as a Secret: illegal base64 data at input byte 3');
  const tls = await kubectl(['create', '-f', '-'], secret('s3', { type: 'kubernetes.io/tls', data: { 'tls.crt': 'eA==' } }));
  assert.match(tls.stderr, 'The Secret "s3" is invalid: data[tls.key]: Required value');
  const ok = await kubectl(['create', '-f', '-'], secret('s4', { stringData: { username: 'u', password: 'p' } }));
  assert.is(ok.code, 0, ok.stderr);
  assert.is(store.get(R.secrets, 'default', 's4')?.type, 'Opaque', 'type defaulted');
  const type = await kubectl(['patch', 'secret', 's4', '--type=merge', '-p', '{"type":"kubernetes.io/basic-auth"}']);
  assert.match(type.stderr, 'The Secret "s4" is invalid: type: Invalid value: "kubernetes.io/basic-auth": field is immutable');
});

test('configmaps and leases: keys, value types, numbers, MicroTime', async () => {
  const key = await kubectl(['create', '-f', '-'], cm('c1', { data: { '..x': 'y' } }));
  assert.match(key.stderr, `The ConfigMap "c1" is invalid: data[..x]: Invalid value: "..x": must not start with '..'`);
  const num = await kubectl(['create', '-f', '-'], cm('c2', { data: { n: 1 } }));
  assert.match(num.stderr, 'ConfigMap in version "v1" cannot be handled as a ConfigMap: json: cannot unmarshal number into Go struct field ConfigMap.data of type string');
  const lease = (name: string, spec: Record<string, unknown>) => JSON.stringify({ apiVersion: 'coordination.k8s.io/v1', kind: 'Lease', metadata: { name, namespace: 'default' }, spec });
  const zero = await kubectl(['create', '-f', '-'], lease('l1', { holderIdentity: 'me', leaseDurationSeconds: 0 }));
  assert.match(zero.stderr, 'The Lease "l1" is invalid: spec.leaseDurationSeconds: Invalid value: 0: must be greater than 0');
  const time = await kubectl(['create', '-f', '-'], lease('l2', { holderIdentity: 'me', renewTime: '2026-12-02T06:00:00Z' }));
  assert.match(time.stderr, 'Lease in version "v1" cannot be handled as a Lease: parsing time "2026-12-02T06:00:00Z" as "2006-01-02T15:04:05.000000Z07:00": cannot parse "Z" as ".000000"');
  const ok = await kubectl(['create', '-f', '-'], lease('l3', { holderIdentity: 'me', leaseDurationSeconds: 60, renewTime: '2026-12-02T06:00:00.123000Z' }));
  assert.is(ok.code, 0, ok.stderr);
  // Lease is a built-in type: kubectl patch's default strategic merge patch works on it
  const smp = await kubectl(['patch', 'lease', 'l3', '-p', '{"spec":{"holderIdentity":"you"}}']);
  assert.is(smp.code, 0, smp.stderr);
  assert.is(store.get(R.leases, 'default', 'l3')?.spec.holderIdentity, 'you');
});

// ---- optimistic concurrency and patch types ---------------------------------------------------------------------------

test('conflict: replace with a stale resourceVersion is 409 Conflict; a custom resource rejects strategic merge (415)', async () => {
  assert.is((await kubectl(['create', '-f', '-'], cm('rv'))).code, 0);
  const v1 = JSON.parse((await kubectl(['get', 'configmap', 'rv', '-o', 'json'])).stdout);
  assert.is((await kubectl(['patch', 'configmap', 'rv', '--type=merge', '-p', '{"data":{"a":"c"}}'])).code, 0);
  const stale = await kubectl(['replace', '-f', '-'], JSON.stringify({ ...v1, data: { a: 'd' } }));
  assert.is(stale.code, 1);
  assert.match(stale.stderr, 'Error from server (Conflict): error when replacing "STDIN": Operation cannot be fulfilled on configmaps "rv": the object has been modified; please apply your changes to the latest version and try again');
  const machine = { apiVersion: 'machine.openshift.io/v1beta1', kind: 'Machine', metadata: { name: 'm0', namespace: 'openshift-machine-api' }, spec: { providerID: 'aws:///us-east-1a/i-0' } };
  assert.is((await kubectl(['create', '-f', '-'], JSON.stringify(machine))).code, 0);
  const smp = await kubectl(['-n', 'openshift-machine-api', 'patch', 'machines.machine.openshift.io', 'm0', '--type=strategic', '-p', '{"spec":{"providerID":"x"}}']);
  assert.is(smp.code, 1);
  // (kubectl patch words the 415 itself: kubectl/pkg/cmd/patch/patch.go on IsUnsupportedMediaType)
  assert.match(
    smp.stderr,
    'error: application/strategic-merge-patch+json is not supported by machine.openshift.io/v1beta1, Kind=Machine: the body of the request was in an unknown format - accepted media types include: application/json-patch+json, application/merge-patch+json, application/apply-patch+yaml',
  );
  const rv = await kubectl(['replace', '--raw', '/apis/machine.openshift.io/v1beta1/namespaces/openshift-machine-api/machines/m0', '-f', '-'], JSON.stringify(machine));
  assert.is(rv.code, 1);
  assert.match(rv.stderr, 'metadata.resourceVersion: Invalid value: 0x0: must be specified for an update');
});

// ---- custom resources: pruning, field validation, schema ----------------------------------------------------------------

test('crd schema: unknown fields refused with --validate=strict, warned with warn, pruned with false; types, patterns, required', async () => {
  const m = (name: string, spec: Record<string, unknown>) => JSON.stringify({ apiVersion: 'machine.openshift.io/v1beta1', kind: 'Machine', metadata: { name, namespace: 'openshift-machine-api' }, spec });
  const strict = await kubectl(['create', '-f', '-'], m('m1', { providerID: 'p', bogus: 1, providerSpec: { value: { anything: 'kept' }, extra: true } }));
  assert.is(strict.code, 1);
  assert.match(strict.stderr, 'Error from server (BadRequest): error when creating "STDIN": Machine in version "v1beta1" cannot be handled as a Machine: strict decoding error: unknown field "spec.bogus", unknown field "spec.providerSpec.extra"');
  assert.ok(!store.get(R.machines, 'openshift-machine-api', 'm1'));
  const warn = await kubectl(['create', '--validate=warn', '-f', '-'], m('m2', { providerID: 'p', bogus: 1 }));
  assert.is(warn.code, 0, warn.stderr);
  assert.match(warn.stderr, 'Warning: unknown field "spec.bogus"');
  const ignore = await kubectl(['create', '--validate=false', '-f', '-'], m('m3', { providerID: 'p', bogus: 1, providerSpec: { value: { anything: 'kept' } } }));
  assert.is(ignore.code, 0, ignore.stderr);
  assert.equal(store.get(R.machines, 'openshift-machine-api', 'm3')?.spec, { providerID: 'p', providerSpec: { value: { anything: 'kept' } } });
  const type = await kubectl(['create', '-f', '-'], m('m4', { providerID: 5 }));
  assert.match(type.stderr, 'The Machine "m4" is invalid: spec.providerID: Invalid value: "integer": spec.providerID in body must be of type string: "integer"');
  const hook = await kubectl(['create', '-f', '-'], m('m5', { lifecycleHooks: { preDrain: [{ name: 'EtcdQuorumOperator' }] } }));
  assert.match(hook.stderr, 'The Machine "m5" is invalid: spec.lifecycleHooks.preDrain[0].owner: Required value');
  store.create(R.etcds, { apiVersion: 'operator.openshift.io/v1', kind: 'Etcd', metadata: { name: 'cluster' }, spec: { managementState: 'Managed' } });
  const pattern = await kubectl(['patch', 'etcd', 'cluster', '--type=merge', '-p', '{"spec":{"managementState":"Bogus"}}']);
  assert.match(pattern.stderr, `The Etcd "cluster" is invalid: spec.managementState: Invalid value: "Bogus": spec.managementState in body should match '^(Managed|Unmanaged|Force|Removed)$'`);
  const overrides = await kubectl(['patch', 'etcd', 'cluster', '--type=merge', '-p', '{"spec":{"unsupportedConfigOverrides":{"useUnsupportedUnsafeNonHANonProductionUnstableEtcd":true}}}']);
  assert.is(overrides.code, 0, overrides.stderr);
  assert.equal(store.get(R.etcds, undefined, 'cluster')?.spec.unsupportedConfigOverrides, { useUnsupportedUnsafeNonHANonProductionUnstableEtcd: true });
  const unknown = await kubectl(['patch', 'etcd', 'cluster', '--type=merge', '-p', '{"spec":{"bogus":true}}']);
  assert.is(unknown.code, 0, unknown.stderr);
  assert.match(unknown.stderr, 'Warning: unknown field "spec.bogus"');
  assert.is(store.get(R.etcds, undefined, 'cluster')?.spec.bogus, undefined, 'pruned');
});

test('plugin events: the EventPoster posts where the API server accepts them; Forbidden is said once at debug level, then no more posts', async () => {
  const env = { ...process.env, KUBECACHEDIR: join(dir, 'cache'), HOME: dir };
  const poster = new EventPoster(new Kube({ client: 'kubectl', kubeconfig: kc, env }), 'me@laptop/run-1', () => assert.unreachable('no debug line when posting works'));
  poster.post({ reason: 'StepDone', message: 'step 1/2 done' });
  poster.post({ reason: 'ReplacementDone', message: 'all done', type: 'Normal' });
  await poster.flush();
  assert.equal(poster.results.map((r) => r.posted), [true, true]);
  const found = JSON.parse((await kubectl(['get', 'events', '-A', '--field-selector', 'involvedObject.name=cluster,involvedObject.kind=Etcd', '-o', 'json'])).stdout);
  const ours = found.items.filter((e: any) => e.reportingInstance === 'me@laptop/run-1');
  assert.equal(ours.map((e: any) => `${e.metadata.namespace} ${e.reason}`).sort(), ['default ReplacementDone', 'default StepDone']);

  const lines: string[] = [];
  const kube = new Kube({ client: 'kubectl', kubeconfig: kcForbidden, env });
  const denied = new EventPoster(kube, 'nobody@laptop/run-2', (l) => lines.push(l));
  const before = Kube.calls;
  for (const reason of ['ReplacementStarted', 'StepDone', 'StepDone']) denied.post({ reason, message: 'x' });
  await denied.flush();
  assert.is(Kube.calls - before, 1, 'one post, then none');
  assert.is(lines.length, 1, lines.join('\n'));
  assert.match(lines[0]!, /^events: posting Event ReplacementStarted in namespace default is forbidden \(you are not allowed to create events in default/);
  assert.equal(denied.results, [{ reason: 'ReplacementStarted', posted: false, error: denied.results[0]!.error }]);
});

// ---- the Kubernetes of each release, and the kubectl that talks to it ---------------------------------------------------

test('version: a server of OpenShift 4.x reports the Kubernetes that release shipped; the kubectl dispatcher runs the client of that minor', async () => {
  for (const [minor, kube] of [[11, '1.24'], [16, '1.29'], [20, '1.33']] as const) {
    const s = await serverAt(minor);
    const r = await s.kubectl(['version', '-o', 'json']);
    const v = JSON.parse(r.stdout);
    assert.match(v.serverVersion.gitVersion, `v${kube}.`);
    assert.is(`${v.serverVersion.major}.${v.serverVersion.minor}`, kube);
    // /usr/bin/kubectl is the gcloud kubectl dispatcher with kubectl.1.27 … kubectl.1.33 beside it: it runs the one of
    // the server's minor, and its own built-in kubectl (1.32) for any other server (4.6–4.13 here)
    if (minor >= 14) assert.match(v.clientVersion.gitVersion, `v${kube}.`);
    else assert.match(r.stderr, 'exceeds the supported minor version skew');
  }
});

// ---- unknown fields of the built-in types ---------------------------------------------------------------------------------

const pod = (name: string, container: Record<string, unknown>, spec: Record<string, unknown> = {}) =>
  JSON.stringify({ apiVersion: 'v1', kind: 'Pod', metadata: { name, namespace: 'default' }, spec: { containers: [{ name: 'c', image: 'x', ...container }], ...spec } });
const lease = (name: string, spec: Record<string, unknown>) => JSON.stringify({ apiVersion: 'coordination.k8s.io/v1', kind: 'Lease', metadata: { name, namespace: 'default' }, spec });

test('core types on Kubernetes >= 1.25 (1.27 here): an unknown field is refused with Strict (kubectl create/replace/apply), warned and dropped with Warn and by patch', async () => {
  // PodSpec.resources is a field of 1.32; Container.resizePolicy one of 1.27 (github:kubernetes/api core/v1/types.go)
  const strict = await kubectl(['create', '-f', '-'], pod('p1', { bogus: 1, resizePolicy: [] }, { resources: {} }));
  assert.is(strict.code, 1);
  assert.match(strict.stderr, 'Error from server (BadRequest): error when creating "STDIN": Pod in version "v1" cannot be handled as a Pod: strict decoding error: unknown field "spec.containers[0].bogus", unknown field "spec.resources"');
  const secret = await kubectl(['create', '-f', '-'], JSON.stringify({ apiVersion: 'v1', kind: 'Secret', metadata: { name: 'u1', namespace: 'default' }, spec: {} }));
  assert.match(secret.stderr, 'Secret in version "v1" cannot be handled as a Secret: strict decoding error: unknown field "spec"');
  const meta = await kubectl(['create', '-f', '-'], cm('u2', {}, { bogus: 'x' }));
  assert.match(meta.stderr, 'ConfigMap in version "v1" cannot be handled as a ConfigMap: strict decoding error: unknown field "metadata.bogus"');
  // LeaseSpec.strategy and preferredHolder are fields of 1.31 (OpenShift 4.18)
  const later = await kubectl(['create', '-f', '-'], lease('u3', { holderIdentity: 'me', strategy: 'OldestEmulationVersion' }));
  assert.match(later.stderr, 'Lease in version "v1" cannot be handled as a Lease: strict decoding error: unknown field "spec.strategy"');
  const ev = await kubectl(['create', '-f', '-'], event('default', 'u4', { involvedObject: { kind: 'Etcd', name: 'cluster', bogus: true } }));
  assert.match(ev.stderr, 'Event in version "v1" cannot be handled as a Event: strict decoding error: unknown field "involvedObject.bogus"');
  for (const n of ['p1', 'u1', 'u2', 'u3', 'u4']) assert.not.ok([R.pods, R.secrets, R.configmaps, R.leases, R.events].some((t) => store.get(t, 'default', n)), n);
  const warn = await kubectl(['create', '--validate=warn', '-f', '-'], pod('p2', { bogus: 1 }));
  assert.is(warn.code, 0, warn.stderr);
  assert.match(warn.stderr, 'Warning: unknown field "spec.containers[0].bogus"');
  assert.equal(store.get(R.pods, 'default', 'p2')?.spec.containers, [{ name: 'c', image: 'x' }]);
  // kubectl patch sends no fieldValidation: the server's default, Warn
  assert.is((await kubectl(['create', '-f', '-'], cm('u5'))).code, 0);
  const patch = await kubectl(['patch', 'configmap', 'u5', '--type=merge', '-p', '{"bogus":{"x":1}}']);
  assert.is(patch.code, 0, patch.stderr);
  assert.match(patch.stderr, 'Warning: unknown field "bogus"');
  assert.is(store.get(R.configmaps, 'default', 'u5')?.bogus, undefined);
  // what the plugin writes passes Strict: its debug pod (lib/cluster/hostcmd.ts; its Events: the EventPoster test)
  const debug = debugPodManifest('etcd-replace-debug-y', 'n1', 'img', 'true');
  (debug as any).metadata.namespace = 'default';
  const dp = await kubectl(['create', '-f', '-'], JSON.stringify(debug));
  assert.is(dp.code, 0, dp.stderr);
  assert.not.match(dp.stderr, 'unknown field');
  // the same Lease is fine on a 1.31 server
  const s18 = await serverAt(18);
  const ok = await s18.kubectl(['create', '-f', '-'], lease('u3', { holderIdentity: 'me', strategy: 'OldestEmulationVersion' }));
  assert.is(ok.code, 0, ok.stderr);
  assert.is(s18.store.get(R.leases, 'default', 'u3')?.spec.strategy, 'OldestEmulationVersion');
});

test('exec: kubectl >= 1.30 offers WebSocket v5 only; a server before 1.30 refuses it and kubectl falls back to SPDY', async () => {
  for (const [minor, expect] of [[11, 'RemoteCommand fallback: unable to upgrade streaming request: websocket: bad handshake (403 Forbidden): requested protocol(s) are not supported: [v5.channel.k8s.io]'], [17, 'The subprotocol is v5.channel.k8s.io']] as const) {
    const s = await serverAt(minor);
    s.store.create(R.pods, { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'p', namespace: 'default' }, spec: { containers: [{ name: 'c', image: 'x' }] }, status: { phase: 'Running' } });
    const r = await s.kubectl(['exec', 'p', '-c', 'c', '-v=4', '--', 'true']);
    assert.is(r.code, 0, r.stderr);
    assert.match(r.stderr, expect);
  }
});

test('before Kubernetes 1.25 (4.11 = 1.24, 4.7 = 1.20): no server-side field validation; decoding (core types) and pruning (CRDs) drop unknown fields silently', async () => {
  const s11 = await serverAt(11);
  // PodSpec.hostUsers is a field of 1.25
  const p = await s11.kubectl(['create', '-f', '-'], pod('p1', { bogus: 1 }, { hostUsers: false }));
  assert.is(p.code, 0, p.stderr);
  assert.not.match(p.stderr, 'unknown field');
  const stored = s11.store.get(R.pods, 'default', 'p1')!;
  assert.equal([stored.spec.hostUsers, stored.spec.containers[0].bogus], [undefined, undefined]);
  const m = await s11.kubectl(['create', '-f', '-'], JSON.stringify({ apiVersion: 'machine.openshift.io/v1beta1', kind: 'Machine', metadata: { name: 'm1', namespace: 'openshift-machine-api' }, spec: { providerID: 'p', bogus: 1 } }));
  assert.is(m.code, 0, m.stderr);
  assert.equal(s11.store.get(R.machines, 'openshift-machine-api', 'm1')?.spec, { providerID: 'p' });
  // 1.20 has no fieldValidation parameter at all: kubectl finds none in the OpenAPI document and says so for warn
  // (kubectl pkg/validation/schema.go paramVerifyingSchema), then sends none
  const s7 = await serverAt(7);
  const l = await s7.kubectl(['create', '--validate=warn', '-f', '-'], lease('l1', { holderIdentity: 'me', bogus: 1 }));
  assert.is(l.code, 0, l.stderr);
  assert.match(l.stderr, 'cannot perform warn validation if server-side field validation is unsupported, skipping validation');
  assert.equal(s7.store.get(R.leases, 'default', 'l1')?.spec, { holderIdentity: 'me' });
});

test('before Kubernetes 1.23 (4.7 = 1.20): kubectl validates on the client side against /openapi/v2 and refuses unknown fields before sending', async () => {
  const s7 = await serverAt(7);
  const p = await s7.kubectl(['create', '-f', '-'], pod('p1', { bogus: 1, securityContext: { privileged: true } }, { hostUsers: false }));
  assert.is(p.code, 1);
  assert.match(
    p.stderr,
    'error: error validating "STDIN": error validating data: [ValidationError(Pod.spec.containers[0]): unknown field "bogus" in io.k8s.api.core.v1.Container, ValidationError(Pod.spec): unknown field "hostUsers" in io.k8s.api.core.v1.PodSpec]; if you choose to ignore these errors, turn validation off with --validate=false',
  );
  const m = JSON.stringify({ apiVersion: 'machine.openshift.io/v1beta1', kind: 'Machine', metadata: { name: 'm1', namespace: 'openshift-machine-api' }, spec: { providerID: 'p', bogus: 1 } });
  const machine = await s7.kubectl(['create', '-f', '-'], m);
  assert.match(machine.stderr, 'error validating data: ValidationError(Machine.spec): unknown field "bogus" in io.openshift.machine.v1beta1.Machine.spec');
  assert.is(s7.store.list(R.pods, 'default').length + s7.store.list(R.machines, 'openshift-machine-api').length, 0, 'nothing reached the server');
  // --validate=false sends it; the 1.20 server drops the unknown fields silently
  const off = await s7.kubectl(['create', '--validate=false', '-f', '-'], m);
  assert.is(off.code, 0, off.stderr);
  assert.equal(s7.store.get(R.machines, 'openshift-machine-api', 'm1')?.spec, { providerID: 'p' });
  // what the plugin writes passes: its debug pod (lib/cluster/hostcmd.ts) and its Events (lib/runbooks/events.ts)
  const debug = debugPodManifest('etcd-replace-debug-x', 'n1', 'img', 'true');
  (debug as any).metadata.namespace = 'default';
  const ok = await s7.kubectl(['create', '-f', '-'], JSON.stringify(debug));
  assert.is(ok.code, 0, ok.stderr);
  const ev = await s7.kubectl(['create', '-f', '-'], JSON.stringify(eventObject({ reason: 'StepDone', message: 'x' }, 'me@laptop/run-1')));
  assert.is(ev.code, 0, ev.stderr);
});

// ---- bearer tokens (sim/kube-apiserver/oauth.ts) --------------------------------------------------------------------

test('bearer tokens: an unknown token is 401 Unauthorized on every request; an OAuth token is the userName of the OAuthAccessToken stored under its hash, never itself', async () => {
  const a = await startApiServer({ store, hooks, host: '127.0.0.1', port: 0, tls: true });
  try {
    const secret = `canary-${Math.random().toString(36).slice(2)}-0123456789abcdefghij`;
    const token = `sha256~${secret}`;
    const tkc = join(dir, 'kubeconfig-token');
    writeKubeconfig(tkc, a.url, { tls: { url: a.tls!.url, caPem: a.tls!.caPem, token } });
    const as = (args: string[], input?: string) =>
      execa('kubectl', ['--kubeconfig', tkc, '--context', 'tls', ...args], { reject: false, input, timeout: 60_000, env: { KUBECACHEDIR: join(dir, 'cache-tls'), HOME: dir } });
    const review = ['create', '--raw', '/apis/authentication.k8s.io/v1/selfsubjectreviews', '-f', '-'];
    const SSR = JSON.stringify({ apiVersion: 'authentication.k8s.io/v1', kind: 'SelfSubjectReview' });
    for (const args of [['get', 'namespaces'], ['version', '-o', 'json'], review]) {
      const r = await as(args, SSR);
      assert.is(r.exitCode, 1, `${args.join(' ')}: ${r.stdout}`);
      // kubectl words a 401 after discovery "(Unauthorized)", during it "the server has asked for the client to provide credentials"
      assert.match(String(r.stderr), /error: You must be logged in to the server \((Unauthorized|the server has asked for the client to provide credentials)\)/, `${args.join(' ')}: ${r.stderr}`);
      assert.not.match(String(r.stdout) + String(r.stderr), secret, 'the token is not echoed');
    }
    // what `oc login` leaves: the token's SHA-256, base64url without padding, as the object's name
    const name = `sha256~${createHash('sha256').update(secret).digest('base64url')}`;
    const tok = (n: string, extra: Record<string, unknown> = {}) =>
      JSON.stringify({ apiVersion: 'oauth.openshift.io/v1', kind: 'OAuthAccessToken', metadata: { name: n }, clientName: 'openshift-challenging-client', userName: 'alice', userUID: 'a1b2c3d4-0000-4000-8000-000000000001', redirectURI: 'https://oauth-openshift.apps.example.com/oauth/token/implicit', scopes: ['user:full'], expiresIn: 86400, ...extra });
    const bad = await kubectl(['create', '-f', '-'], tok(token.replace('sha256~', 'plain-')));
    assert.is(bad.code, 1);
    assert.match(bad.stderr, /metadata\.name: Invalid value: .*only the new format of tokens \(prefixed with sha256~\) is allowed/);
    const noUser = await kubectl(['create', '-f', '-'], tok(name, { userUID: '' }));
    assert.match(noUser.stderr, /userUID: Required value/);
    assert.is((await kubectl(['create', '-f', '-'], tok(name))).code, 0);
    const ok = await as(review, SSR);
    assert.is(ok.exitCode, 0, String(ok.stderr));
    assert.is(JSON.parse(String(ok.stdout)).status.userInfo.username, 'alice');
    assert.is((await as(['get', 'namespaces', 'default', '-o', 'name'])).stdout, 'namespace/default');
    assert.is((await kubectl(['delete', 'oauthaccesstokens', name])).code, 0);
    assert.match(String((await as(['get', 'namespaces'])).stderr), /You must be logged in to the server/, 'a deleted token no longer works');
  } finally {
    await a.close();
  }
});

test('oauthTokenUser: expiresIn seconds after creation the token no longer authenticates', () => {
  const name = accessTokenName('sha256~abc')!;
  const obj = { apiVersion: 'oauth.openshift.io/v1', kind: 'OAuthAccessToken', metadata: { name, creationTimestamp: '2026-01-01T00:00:00Z' }, userName: 'bob', expiresIn: 60 };
  const at = (iso: string) => oauthTokenUser('sha256~abc', (n) => (n === name ? obj : undefined), Date.parse(iso));
  assert.is(at('2026-01-01T00:00:59Z'), 'bob');
  assert.is(at('2026-01-01T00:01:01Z'), null);
  assert.is(oauthTokenUser('not-sha256-abc', () => obj), null, 'only sha256~ tokens are looked up');
});

test.run();
