// Pure pieces of the command line: --dry-run values, durations, connection-flag arguments, the kubeconfig check,
// the child locale, the one tar writer (read back by the system `tar` and by its reader), Secret scrubbing, spinner marks without color.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { FlagError, parseDryRun, validDuration, checkGlobalFlags, globalArgs } from '../../lib/commands/flags.ts';
import { connectionArgs, englishEnv, Kube } from '../../lib/cluster/kubectl.ts';
import { checkKubeconfig } from '../../lib/cluster/kubeconfig.ts';
import { readTarGz, tarGz } from '../../lib/bundle/tar.ts';
import { scrub } from '../../lib/commands/bundle.ts';
import { apiWriteVerb } from '../../lib/runbooks/runner.ts';
import { createProgress } from '../../lib/ui/progress.ts';
import { useColor } from '../../lib/ui/color.ts';
import { leaseInfo, microTime } from '../../lib/runbooks/lease.ts';

test('--dry-run: bare = client; client/server/none; anything else is a usage error', () => {
  assert.is(parseDryRun(undefined), 'none');
  assert.is(parseDryRun(''), 'client');
  assert.is(parseDryRun(false), 'none');
  for (const v of ['client', 'server', 'none'] as const) assert.is(parseDryRun(v), v);
  for (const v of ['true', 'false', 'Client', 'all', ['client', 'server']]) assert.throws(() => parseDryRun(v), (e: unknown) => e instanceof FlagError);
});

test('--request-timeout uses kubectl duration syntax; empty values and bad -v are refused', () => {
  for (const ok of ['0', '30', '30s', '1m30s', '500ms', '1.5h']) assert.ok(validDuration(ok), ok);
  for (const bad of ['', 's', '30 s', '-1s', '1d', 'soon']) assert.not.ok(validDuration(bad), bad);
  assert.throws(() => checkGlobalFlags({ context: '' }), /--context needs a value/);
  assert.throws(() => checkGlobalFlags({ 'as-group': ['a', ''] }), /--as-group needs a value/);
  assert.throws(() => checkGlobalFlags({ v: -1 }), /-v/);
  assert.throws(() => checkGlobalFlags({ v: Number.NaN }), /-v/);
  checkGlobalFlags({ context: 'a', 'request-timeout': '10s', v: 6 });
});

test('connection flags become kubectl arguments before the subcommand, in kubectl spelling', () => {
  const g = globalArgs({ context: 'c', cluster: 'cl', user: 'u', server: 'https://s:6443', token: 't0k', as: 'system:admin', 'as-group': ['g1', 'g2'], 'certificate-authority': '/ca', 'insecure-skip-tls-verify': true, 'request-timeout': '20s', v: 6 });
  assert.equal(connectionArgs(g, true), ['--context', 'c', '--cluster=cl', '--user=u', '--server=https://s:6443', '--token=t0k', '--as=system:admin', '--as-group=g1', '--as-group=g2', '--certificate-authority=/ca', '--insecure-skip-tls-verify=true', '--request-timeout=20s', '-v=6']);
  assert.equal(connectionArgs(globalArgs({})), []);
  // the token is revealed only when asked (the argv given to the kubectl process); otherwise, and in JSON, it is sealed
  assert.ok(connectionArgs(g).includes('--token=<redacted>'));
  assert.not.match(JSON.stringify(g), 't0k');
  const k = new Kube({ ...g, client: 'kubectl', env: { PATH: '/usr/bin:/bin' } });
  const shown = k.display(['get', 'nodes']);
  assert.not.match(shown, 't0k');
  assert.match(shown, '--token=<redacted>');
  assert.equal(k.argsOf(shown), ['get', 'nodes']);
  assert.is(k.opts.requestTimeout, '20s');
  assert.ok(k.showCalls, '-v 6 shows calls');
});

test('child processes get an English locale', () => {
  const e = englishEnv({ LANG: 'de_DE.UTF-8', LC_ALL: 'fr_FR.UTF-8', LANGUAGE: 'de', LC_MESSAGES: 'ja_JP', PATH: '/bin' });
  assert.is(e.LC_ALL, 'C.UTF-8');
  assert.is(e.LANG, 'C.UTF-8');
  assert.is(e.LANGUAGE, undefined);
  assert.is(e.LC_MESSAGES, undefined);
  assert.is(e.PATH, '/bin');
});

test('kubeconfig check: --kubeconfig, KUBECONFIG list, ~/.kube/config, --server', () => {
  const d = mkdtempSync(join(tmpdir(), 'kc-'));
  const f = join(d, 'config');
  writeFileSync(f, 'apiVersion: v1\n');
  assert.throws(() => checkKubeconfig({ kubeconfig: join(d, 'nope') }, {}), /kubeconfig .*nope \(from --kubeconfig\) does not exist/);
  assert.throws(() => checkKubeconfig({ kubeconfig: d }, {}), /is a directory/);
  assert.equal(checkKubeconfig({ kubeconfig: f }, {}).files, [f]);
  assert.throws(() => checkKubeconfig({}, { KUBECONFIG: '/no/such/file' }), /^kubeconfig \/no\/such\/file \(from KUBECONFIG\) does not exist$/);
  assert.throws(() => checkKubeconfig({}, { KUBECONFIG: '/no/a:/no/b' }), /none of the kubeconfig files in KUBECONFIG exists/);
  assert.equal(checkKubeconfig({}, { KUBECONFIG: `/no/a:${f}` }).files, [f], 'missing entries are skipped, as kubectl does');
  const home = mkdtempSync(join(tmpdir(), 'home-'));
  assert.throws(() => checkKubeconfig({}, { HOME: home }), /no kubeconfig: KUBECONFIG is not set and .*\.kube\/config does not exist/);
  assert.is(checkKubeconfig({ server: 'https://x:6443' }, { HOME: home }).source, 'none');
  mkdirSync(join(home, '.kube'));
  writeFileSync(join(home, '.kube', 'config'), 'x');
  assert.is(checkKubeconfig({}, { HOME: home }).source, '~/.kube/config');
});

test('tar.gz written by us is read by the system tar', () => {
  const d = mkdtempSync(join(tmpdir(), 'tar-'));
  const long = `b/${'x'.repeat(120)}/file.txt`;
  writeFileSync(join(d, 'a.tgz'), tarGz([{ name: 'b/one.txt', data: 'hello\n' }, { name: 'b/empty', data: '' }, { name: long, data: Buffer.alloc(1000, 65) }]));
  assert.equal(execFileSync('tar', ['tzf', join(d, 'a.tgz')], { encoding: 'utf8' }).trim().split('\n'), ['b/one.txt', 'b/empty', long]);
  execFileSync('tar', ['xzf', join(d, 'a.tgz'), '-C', d]);
  assert.is(readFileSync(join(d, 'b/one.txt'), 'utf8'), 'hello\n');
  assert.is(readFileSync(join(d, long), 'utf8'), 'A'.repeat(1000));
});

test('one tar writer: lib/bundle/tar.ts (bundle and release archives); its reader gets names, modes and data back', () => {
  // every file of ours that writes a ustar magic is a tar writer: there must be exactly one
  const ours = execFileSync('grep', ['-rlE', String.raw`ustar\\0|'ustar`, 'lib', 'scripts', 'test/helpers'], { encoding: 'utf8', cwd: fileURLToPath(new URL('../..', import.meta.url)) }).trim().split('\n');
  assert.equal(ours, ['lib/bundle/tar.ts']);
  const mtime = new Date(1_700_000_000_000);
  const got = readTarGz(tarGz([{ name: 'x/run', data: Buffer.from([1, 2, 3]), mode: 0o755, mtime }, { name: 'x/y.txt', data: 'é\n' }]));
  assert.equal(got.map((e) => [e.name, e.mode.toString(8), e.type, e.data.toString('hex')]), [['x/run', '755', 'file', '010203'], ['x/y.txt', '644', 'file', 'c3a90a']]);
});

test('bundle scrubs Secret data (and last-applied) and leaves other objects alone', () => {
  const list = {
    kind: 'List',
    items: [
      { kind: 'Secret', metadata: { name: 's', annotations: { 'kubectl.kubernetes.io/last-applied-configuration': '{"data":{"k":"c2VjcmV0"}}' } }, data: { 'tls.crt': 'Y2VydA==', 'tls.key': 'a2V5' }, type: 'kubernetes.io/tls' },
      { kind: 'Pod', metadata: { name: 'p' }, spec: { data: 'kept' } },
    ],
  };
  const out = scrub(list);
  assert.is(out.items[0].data, undefined);
  assert.is(out.items[0].metadata.annotations['etcd-replace.openshift.io/bundle-data-removed'], 'tls.crt,tls.key');
  assert.not.ok(JSON.stringify(out).includes('c2VjcmV0') || JSON.stringify(out).includes('a2V5'));
  assert.equal(out.items[1], { kind: 'Pod', metadata: { name: 'p' }, spec: { data: 'kept' } });
});

test('server dry run picks API writes only', () => {
  assert.is(apiWriteVerb(['-n', 'openshift-etcd', 'delete', 'secret', 'x']), 'delete');
  assert.is(apiWriteVerb(['patch', 'etcd', 'cluster', '--type=merge', '-p', '{}']), 'patch');
  assert.is(apiWriteVerb(['-n', 'openshift-etcd', 'exec', 'pod', '-c', 'etcdctl', '--', 'etcdctl', 'member', 'remove', 'x']), null);
  assert.is(apiWriteVerb(['get', 'nodes']), null);
});

test('spinner marks: no escape sequences when colors are off; NO_COLOR and TERM=dumb turn colors off', () => {
  let text = '';
  const stream = { isTTY: true, columns: 80, write: (s: string) => ((text += s), true), on: () => stream, once: () => stream, removeListener: () => stream, off: () => stream, cursorTo: () => true, clearLine: () => true, moveCursor: () => true } as unknown as NodeJS.WriteStream;
  const p = createProgress({ tty: true, color: false, stream });
  p.step(1, 2, 'one').done();
  p.step(2, 2, 'two').failed('boom');
  const marks = text.replace(/\x1b\[\?25[lh]|\x1b\[\d*[GKA]|\x1b\[2K|\r/g, '');
  assert.not.match(marks, /\x1b\[3\dm/, JSON.stringify(text));
  assert.match(marks, /✔ \[1\/2\] one/);
  assert.match(marks, /✖ \[2\/2\] two {2}boom/);
  const tty = { isTTY: true } as NodeJS.WriteStream;
  assert.ok(useColor(tty, false, {}));
  assert.not.ok(useColor(tty, false, { NO_COLOR: '1' }));
  assert.not.ok(useColor(tty, false, { TERM: 'dumb' }));
  assert.not.ok(useColor(tty, true, {}));
});

test('lease: expiry from renewTime + leaseDurationSeconds; MicroTime has 6 fraction digits', () => {
  assert.match(microTime(new Date('2026-11-28T10:00:00.123Z')), /^2026-11-28T10:00:00\.123000Z$/);
  const now = Date.parse('2026-11-28T10:01:00Z');
  const l = (renew: string) => leaseInfo({ spec: { holderIdentity: 'a@h/run-1', leaseDurationSeconds: 60, acquireTime: renew, renewTime: renew } }, now);
  assert.not.ok(l('2026-11-28T10:00:30.000000Z').expired);
  assert.ok(l('2026-11-28T09:59:59.000000Z').expired);
  assert.is(l('2026-11-28T10:00:30.000000Z').runId, 'run-1');
  assert.ok(leaseInfo({ spec: { holderIdentity: '', leaseDurationSeconds: 60 } }, now).expired, 'released');
});

test.run();
