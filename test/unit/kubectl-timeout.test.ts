// The adapter's time limits and retry rules (issue 10/11), against a FAKE kubectl on a temp PATH that hangs or fails
// as scripted; waitFor's deadline with a check that never returns. Tests our side only; the simulator's stalled
// requests are exercised in test/e2e/chaos.test.ts.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { chmodSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CALL_TIMEOUT_MS, Kube, REQUEST_TIMEOUT_GRACE_MS, callKind, isTransient, parseKubeDuration } from '../../lib/cluster/kubectl.ts';
import { PluginError } from '../../lib/errors.ts';
import { WaitTimeout, waitFor } from '../../lib/runbooks/step.ts';
import { stoppedByCluster } from '../../lib/runbooks/runner.ts';

const dir = mkdtempSync(join(tmpdir(), 'fake-kubectl-t-'));
// FAKE_MODE: hang (sleeps 60 s) | hang-once:<count file> (first call hangs, then prints {"ok":true})
const script = `#!${process.execPath}
const fs = require('node:fs');
const mode = process.env.FAKE_MODE || 'hang';
if (process.env.FAKE_LOG) fs.appendFileSync(process.env.FAKE_LOG, JSON.stringify(process.argv.slice(2)) + '\\n');
const [kind, a] = mode.split('|');
if (kind === 'hang') setTimeout(() => {}, 60000);
else if (kind === 'hang-once') {
  const n = fs.existsSync(a) ? Number(fs.readFileSync(a, 'utf8')) : 0;
  fs.writeFileSync(a, String(n + 1));
  if (n === 0) setTimeout(() => {}, 60000); else process.stdout.write('{"ok":true}');
}
`;
writeFileSync(join(dir, 'kubectl'), script);
chmodSync(join(dir, 'kubectl'), 0o755);
const env = (extra: Record<string, string> = {}) => ({ PATH: `${dir}:/usr/bin:/bin`, ...extra });
Kube.backoffMs = [5, 5, 5, 5];
// (time limits below are seconds, not milliseconds: on a loaded machine starting the fake kubectl takes a while)
const lines = (f: string) => readFileSync(f, 'utf8').trim().split('\n').length;

test('callKind: reads, idempotent writes, and calls that must never run twice', () => {
  const cases: [string[], string][] = [
    [['-n', 'openshift-etcd', 'get', 'pods', '-l', 'k8s-app=etcd', '-o', 'json'], 'read'],
    [['--request-timeout', '5s', 'logs', 'x'], 'read'],
    [['-n', 'openshift-etcd', 'exec', 'etcd-a', '-c', 'etcdctl', '--', 'etcdctl', 'member', 'list', '-w', 'simple'], 'read'],
    [['-n', 'openshift-etcd', 'exec', 'etcd-a', '-c', 'etcdctl', '--', 'etcdctl', '-w', 'table', 'endpoint', 'health', '--cluster'], 'read'],
    [['-n', 'openshift-etcd', 'exec', 'etcd-a', '-c', 'etcdctl', '--', 'etcdctl', 'member', 'remove', '6fc1e7c9db35841d'], 'once'],
    [['-n', 'openshift-etcd', 'exec', 'etcd-a', '-c', 'etcdctl', '--', 'etcdctl', 'move-leader', 'abc'], 'once'],
    [['-n', 'openshift-etcd', 'exec', 'etcd-a', '--', 'sh', '-c', 'rm -rf /x'], 'once'],
    [['apply', '-f', '-'], 'idempotent'],
    [['patch', 'etcd', 'cluster', '--type=merge', '-p', '{}'], 'idempotent'],
    [['-n', 'openshift-etcd', 'delete', 'secret', 'x', '--ignore-not-found'], 'idempotent'],
    [['create', '-f', '-'], 'once'],
  ];
  for (const [args, kind] of cases) assert.is(callKind(args), kind, args.join(' '));
});

test('parseKubeDuration: kubectl --request-timeout syntax', () => {
  assert.is(parseKubeDuration('30s'), 30_000);
  assert.is(parseKubeDuration('1m30s'), 90_000);
  assert.is(parseKubeDuration('500ms'), 500);
  assert.is(parseKubeDuration('5'), 5_000);
  assert.is(parseKubeDuration('0'), 0);
  assert.is(parseKubeDuration('soon'), null);
});

test('every call has a time limit: --request-timeout + grace, else per call kind', () => {
  const k = new Kube({ env: env() });
  assert.is(k.timeoutFor(['get', 'nodes']), CALL_TIMEOUT_MS.read);
  assert.is(k.timeoutFor(['apply', '-f', '-']), CALL_TIMEOUT_MS.idempotent);
  assert.is(k.timeoutFor(['-n', 'x', 'exec', 'p', '--', 'etcdctl', 'member', 'list']), CALL_TIMEOUT_MS.exec);
  assert.is(k.timeoutFor(['get', 'nodes'], { timeoutMs: 1234 }), 1234);
  const r = new Kube({ env: env(), requestTimeout: '7s' });
  assert.is(r.timeoutFor(['get', 'nodes']), 7_000 + REQUEST_TIMEOUT_GRACE_MS);
  assert.is(new Kube({ env: env(), requestTimeout: '0' }).timeoutFor(['get', 'nodes']), undefined);
});

test('a hung read is killed at its time limit and retried; the retry succeeds', async () => {
  const count = join(dir, `c-${Math.random().toString(36).slice(2)}`);
  const k = new Kube({ env: env({ FAKE_MODE: `hang-once|${count}` }) });
  // generous limit: on a loaded machine even starting the fake kubectl takes seconds
  const out = await k.json<any>(['get', 'etcd', 'cluster'], { timeoutMs: 8_000, retries: 3 });
  assert.equal(out, { ok: true });
  assert.ok(Number(readFileSync(count, 'utf8')) >= 2, 'the hung first call was killed and the read tried again');
});

test('a hung non-idempotent call is killed and NOT retried; the error is transient (resumable)', async () => {
  const log = join(dir, `l-${Math.random().toString(36).slice(2)}`);
  const k = new Kube({ env: env({ FAKE_MODE: 'hang', FAKE_LOG: log }) });
  let err: unknown;
  try {
    await k.run(['-n', 'openshift-etcd', 'exec', 'etcd-a', '-c', 'etcdctl', '--', 'etcdctl', 'member', 'remove', '6fc1e7c9db35841d'], { timeoutMs: 6_000, retries: 4 });
  } catch (e) {
    err = e;
  }
  assert.ok(err instanceof PluginError);
  assert.match((err as Error).message, /timed out after/);
  assert.ok((err as PluginError).transient);
  assert.ok(stoppedByCluster(err));
  assert.is(lines(log), 1);
  // the same via allowFailure: one call, a transient failure for the caller to judge
  const log2 = join(dir, `l-${Math.random().toString(36).slice(2)}`);
  const k2 = new Kube({ env: env({ FAKE_MODE: 'hang', FAKE_LOG: log2 }) });
  const r = await k2.run(['create', '-f', '-'], { input: '{}', timeoutMs: 6_000, allowFailure: true });
  assert.ok(r.exitCode !== 0 && isTransient(r.stderr));
  assert.is(lines(log2), 1);
});

test('--request-timeout bounds a hung call', async () => {
  const k = new Kube({ env: env({ FAKE_MODE: 'hang' }), requestTimeout: '100ms' });
  const r = await k.run(['patch', 'etcd', 'cluster', '-p', '{}'], { allowFailure: true });
  assert.ok(r.exitCode !== 0);
  // killed by the adapter (the fake never answers: without the kill this await would not return)
  assert.match(r.stderr, /timed out after/);
});

test('waitFor keeps its deadline when a check hangs, and names what it waited for', async () => {
  let err: unknown;
  try {
    await waitFor('member 6fc1e7c9db35841d to leave the member list', () => new Promise<boolean>(() => undefined), { timeoutMs: 300, intervalMs: 10 });
  } catch (e) {
    err = e;
  }
  assert.ok(err instanceof WaitTimeout);
  assert.match((err as Error).message, /waiting for member 6fc1e7c9db35841d to leave the member list/);
  assert.match((err as Error).message, /still running at the deadline/);
  assert.ok(stoppedByCluster(err));
});

test('retryable errors: etcdserver leader changed, 429 max-in-flight text, exec stream cut', () => {
  for (const s of [
    'Error: etcdserver: leader changed',
    'Error from server (TooManyRequests): Too many requests, please try again later.',
    'error: Too many requests, please try again later.',
    'E1128 11:00:00 v2.go:104] websocket: close 1006 (abnormal closure): unexpected EOF',
    'error: error reading from error stream: EOF',
    'Error from server (Timeout): Timeout: request did not complete within requested timeout - context deadline exceeded',
  ]) assert.ok(isTransient(s), s);
  assert.not.ok(isTransient('Error from server (NotFound): pods "x" not found'));
  assert.not.ok(isTransient('Error: etcdserver: member not found'));
});

test.run();
