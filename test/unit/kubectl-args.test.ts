// The adapter's argv construction and error classification, run against a FAKE `kubectl`/`oc` on a temp PATH
// that prints its argv (and KUBECONFIG) as JSON, or plays a scripted failure. This tests OUR side only.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { chmodSync, mkdtempSync, readFileSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Kube, isTransient, shellQuote } from '../../lib/cluster/kubectl.ts';
import { PluginError } from '../../lib/errors.ts';
import { etcdctl, etcdctlArgs } from '../../lib/etcd/exec.ts';

const dir = mkdtempSync(join(tmpdir(), 'fake-kubectl-'));
// FAKE_MODE: echo (default) | fail:<stderr file>:<code> | flaky:<count file>:<n failures>
const script = `#!${process.execPath}
const fs = require('node:fs');
const mode = process.env.FAKE_MODE || 'echo';
const args = process.argv.slice(2);
const me = require('node:path').basename(process.argv[1]);
if (process.env.FAKE_LOG) fs.appendFileSync(process.env.FAKE_LOG, JSON.stringify(args) + '\\n');
if (args.includes('config') && args.includes('view')) { process.stdout.write(JSON.stringify({clusters:[{cluster:{server:'https://api.example:6443'}}],'current-context':'ctx-a'})); process.exit(0); }
if (mode === 'echo') {
  let input = '';
  try { input = fs.readFileSync(0, 'utf8'); } catch {}
  process.stdout.write(JSON.stringify({ bin: me, argv: args, kubeconfig: process.env.KUBECONFIG ?? null, input }));
  process.exit(0);
}
const [kind, a, b] = mode.split('|');
if (kind === 'fail') { process.stderr.write(fs.readFileSync(a, 'utf8')); process.exit(Number(b)); }
if (kind === 'flaky') {
  const n = fs.existsSync(a) ? Number(fs.readFileSync(a, 'utf8')) : 0;
  fs.writeFileSync(a, String(n + 1));
  if (n < Number(b)) { process.stderr.write('Error from server (ServiceUnavailable): the server is currently unable to handle the request\\n'); process.exit(1); }
  process.stdout.write('{"ok":true}'); process.exit(0);
}
`;
for (const name of ['kubectl', 'oc']) {
  writeFileSync(join(dir, name), script);
  chmodSync(join(dir, name), 0o755);
}
const onlyKubectl = mkdtempSync(join(tmpdir(), 'fake-kubectl-only-'));
writeFileSync(join(onlyKubectl, 'kubectl'), script);
chmodSync(join(onlyKubectl, 'kubectl'), 0o755);

const env = (extra: Record<string, string> = {}, path = dir) => ({ PATH: `${path}:/usr/bin:/bin`, ...extra });
Kube.backoffMs = [5, 5, 5, 5];

test('oc preferred when on PATH, kubectl otherwise; --client overrides', () => {
  assert.is(new Kube({ env: env() }).binary, 'oc');
  assert.is(new Kube({ env: env({}, onlyKubectl) }).binary, 'kubectl');
  assert.is(new Kube({ env: env(), client: 'kubectl' }).binary, 'kubectl');
});

test('--kubeconfig and --context go before the subcommand; KUBECONFIG inherited', async () => {
  const k = new Kube({ env: env({ KUBECONFIG: '/from/env' }), kubeconfig: '/k/config', context: 'admin' });
  const out = await k.json<any>(['-n', 'openshift-etcd', 'get', 'pods', '-l', 'k8s-app=etcd']);
  assert.is(out.bin, 'oc');
  assert.equal(out.argv, ['--kubeconfig', '/k/config', '--context', 'admin', '-n', 'openshift-etcd', 'get', 'pods', '-l', 'k8s-app=etcd', '-o', 'json']);
  assert.is(out.kubeconfig, '/from/env');
  const plain = await new Kube({ env: env({ KUBECONFIG: '/from/env' }) }).json<any>(['get', 'nodes']);
  assert.equal(plain.argv, ['get', 'nodes', '-o', 'json']);
});

test('exec always passes -c and --, never a shell string', async () => {
  const k = new Kube({ env: env(), client: 'kubectl', context: 'c1' });
  const r = await etcdctl(k, 'etcd-ip-10-0-154-204.ec2.internal', ['member', 'list', '-w', 'simple']);
  const out = JSON.parse(r.stdout);
  assert.equal(out.argv, ['--context', 'c1', '-n', 'openshift-etcd', 'exec', 'etcd-ip-10-0-154-204.ec2.internal', '-c', 'etcdctl', '--', 'etcdctl', 'member', 'list', '-w', 'simple']);
  assert.equal(r.command.slice(1), out.argv);
  assert.equal(etcdctlArgs('p', ['x']), ['-n', 'openshift-etcd', 'exec', 'p', '-c', 'etcdctl', '--', 'etcdctl', 'x']);
});

test('stdin input is passed', async () => {
  const k = new Kube({ env: env() });
  const r = await k.run(['create', '-f', '-'], { input: 'kind: Pod\n' });
  assert.is(JSON.parse(r.stdout).input, 'kind: Pod\n');
});

test('display quotes like a shell and includes the user flags', () => {
  const k = new Kube({ env: env(), context: 'my ctx' });
  assert.is(k.display(['-n', 'openshift-etcd', 'get', 'pods']), "oc --context 'my ctx' -n openshift-etcd get pods");
  assert.is(shellQuote(`{"spec": {"a": "b"}}`), `'{"spec": {"a": "b"}}'`);
  assert.is(shellQuote("it's"), `'it'\\''s'`);
});

test('call counter and timings', async () => {
  Kube.resetStats();
  const k = new Kube({ env: env() });
  await Promise.all([k.run(['get', 'a']), k.run(['get', 'b']), k.run(['get', 'c'])]);
  assert.is(Kube.calls, 3);
  assert.is(Kube.timings.length, 3);
  assert.ok(Kube.timings.every((t) => t.ms > 0 && t.exitCode === 0));
});

function failing(stderr: string, code = 1) {
  const f = join(dir, `err-${Math.random().toString(36).slice(2)}`);
  writeFileSync(f, stderr);
  return new Kube({ env: env({ FAKE_MODE: `fail|${f}|${code}` }) });
}

async function errorOf(p: Promise<unknown>): Promise<PluginError> {
  try {
    await p;
  } catch (e) {
    assert.instance(e, PluginError);
    return e as PluginError;
  }
  throw new Error('expected a PluginError');
}

test('not on PATH', async () => {
  const k = new Kube({ env: { PATH: '/nonexistent' } });
  const e = await errorOf(k.run(['get', 'pods']));
  assert.is(e.line(), 'kubectl not found on PATH. Install kubectl or oc, or pass --client.');
  assert.is(e.exitCode, 1);
});

test('API unreachable (real kubectl 1.32 stderr)', async () => {
  const k = failing(`E1125 11:42:50.013816    5679 memcache.go:265] "Unhandled Error" err="couldn't get current server API group list: Get \\"https://127.0.0.1:1/api?timeout=32s\\": dial tcp 127.0.0.1:1: connect: connection refused"
The connection to the server 127.0.0.1:1 was refused - did you specify the right host or port?
`);
  const e = await errorOf(k.run(['get', 'pods']));
  assert.match(e.message, /^cannot reach the API server at https:\/\/api\.example:6443: connect: connection refused$/);
  assert.not.match(e.line(), /\n/);
});

test('unknown context (real kubectl 1.32 stderr)', async () => {
  const e = await errorOf(failing('Error in configuration: context was not found for specified context: nope\n').run(['get', 'pods']));
  assert.is(e.message, 'context "nope" not found in kubeconfig');
});

test('Forbidden → needs cluster-admin', async () => {
  const e = await errorOf(
    failing('Error from server (Forbidden): pods is forbidden: User "developer" cannot list resource "pods" in API group "" in the namespace "openshift-etcd"\n').run(['get', 'pods']),
  );
  assert.is(e.line(), 'you are not allowed to list pods in openshift-etcd: etcd-replace needs cluster-admin (oc login as a cluster-admin user).');
});

test('namespace openshift-etcd missing → not OpenShift', async () => {
  const e = await errorOf(failing('Error from server (NotFound): namespaces "openshift-etcd" not found\n').run(['-n', 'openshift-etcd', 'get', 'pod', 'x']));
  assert.match(e.message, /^namespace openshift-etcd not found: this does not look like an OpenShift 4 cluster$/);
});

test('other failures: allowFailure returns, else a one-line error naming the command', async () => {
  const k = failing('Error from server (NotFound): pods "etcd-x" not found\n');
  const r = await k.run(['-n', 'openshift-etcd', 'get', 'pod', 'etcd-x'], { allowFailure: true });
  assert.is(r.exitCode, 1);
  const e = await errorOf(k.run(['-n', 'openshift-etcd', 'get', 'pod', 'etcd-x']));
  assert.is(e.message, 'oc -n openshift-etcd get pod etcd-x failed: Error from server (NotFound): pods "etcd-x" not found');
  assert.not.ok(await k.exists(['-n', 'openshift-etcd', 'get', 'pod', 'etcd-x']));
});

test('an etcdctl "connection refused" inside exec is the caller\'s to judge, not an unreachable API', async () => {
  const k = failing('{"level":"warn","msg":"retrying","error":"dial tcp 10.0.131.183:2379: connect: connection refused"}\nError: unhealthy cluster\n', 1);
  const r = await k.exec('openshift-etcd', 'etcd-a', 'etcdctl', ['etcdctl', 'endpoint', 'health', '--cluster'], { allowFailure: true });
  assert.is(r.exitCode, 1);
  assert.match(r.stderr, /unhealthy cluster/);
});

test('transient errors are retried with backoff: reads by default, non-idempotent calls never', async () => {
  const count = join(dir, `count-${Math.random().toString(36).slice(2)}`);
  const k = new Kube({ env: env({ FAKE_MODE: `flaky|${count}|2` }) });
  Kube.resetStats();
  const out = await k.json<any>(['get', 'etcd', 'cluster'], { retries: 3 });
  assert.equal(out, { ok: true });
  assert.is(Kube.calls, 3);
  const count2 = join(dir, `count-${Math.random().toString(36).slice(2)}`);
  const k2 = new Kube({ env: env({ FAKE_MODE: `flaky|${count2}|2` }) });
  const e = await errorOf(k2.run(['create', '-f', '-'], { input: '{}', retries: 3 }));
  assert.match(e.message, /ServiceUnavailable/);
  assert.is(readFileSync(count2, 'utf8'), '1'); // a create is never retried blindly, even with retries given
  const count3 = join(dir, `count-${Math.random().toString(36).slice(2)}`);
  const k3 = new Kube({ env: env({ FAKE_MODE: `flaky|${count3}|2` }) });
  assert.equal(await k3.json<any>(['get', 'x']), { ok: true });
  assert.is(readFileSync(count3, 'utf8'), '3'); // a read retries by default
});

test('isTransient', () => {
  for (const s of ['etcdserver: leader changed', 'etcdserver: request timed out', 'read: connection reset by peer', 'unexpected EOF', 'net/http: TLS handshake timeout', 'Error from server (InternalError): an error on the server', 'Error from server (ServiceUnavailable): x'])
    assert.ok(isTransient(s), s);
  for (const s of ['Error from server (NotFound): x', 'Error from server (Forbidden): x', 'Error: bad member ID arg']) assert.not.ok(isTransient(s), s);
});

test('ETCD_REPLACE_TRACE writes one JSON line per call', async () => {
  const trace = join(dir, 'trace.jsonl');
  const k = new Kube({ env: env({ ETCD_REPLACE_TRACE: trace }) });
  await k.run(['get', 'x']);
  await k.run(['get', 'y']);
  assert.ok(existsSync(trace));
  const lines = readFileSync(trace, 'utf8').trim().split('\n').map((l) => JSON.parse(l));
  assert.equal(lines.map((l) => l.argv), [['get', 'x'], ['get', 'y']]);
});

test.run();
