// The shipped artefacts: the single executable (Node SEA), the krew archive and manifest, and the plugin as
// real kubectl sees it. Builds the binary only when dist/ is missing or older than the sources (about 5 s),
// and writes the release manifest to a temporary file so the committed krew-manifest.yaml is left alone.
import { spawnSync, type SpawnSyncReturns } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import YAML from 'yaml';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const VERSION = (JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { version: string }).version;
const BIN_DIR = join(ROOT, 'dist', 'linux-amd64');
const BIN = join(BIN_DIR, 'kubectl-etcd_replace');
const ARCHIVE = join(ROOT, 'dist', 'release', `kubectl-etcd_replace_${VERSION}_linux_amd64.tar.gz`);
const TMP = mkdtempSync(join(tmpdir(), 'etcd-replace-binary-test-'));
const KUBECTL = spawnSync('sh', ['-c', 'command -v kubectl'], { encoding: 'utf8' }).stdout.trim();

// A PATH with kubectl and our binary but no node: proves the plugin needs no runtime.
const KUBECTL_ONLY = join(TMP, 'kubectl-only');
spawnSync('mkdir', ['-p', KUBECTL_ONLY]);
if (KUBECTL) symlinkSync(KUBECTL, join(KUBECTL_ONLY, 'kubectl'));
const PLUGIN_ENV = { PATH: `${BIN_DIR}:${KUBECTL_ONLY}`, HOME: TMP, KUBECONFIG: join(TMP, 'no-kubeconfig') };

function run(cmd: string, args: string[], env?: NodeJS.ProcessEnv, timeout = 180_000): SpawnSyncReturns<string> {
  const r = spawnSync(cmd, args, { cwd: ROOT, encoding: 'utf8', env: env ?? process.env, timeout, stdio: ['ignore', 'pipe', 'pipe'] });
  if (r.error) throw r.error;
  return r;
}
const show = (r: SpawnSyncReturns<string>) => `exit ${r.status}\nstdout: ${r.stdout}\nstderr: ${r.stderr}`;

test.after(() => { rmSync(TMP, { recursive: true, force: true }); });

test('npm run build:binary produces dist/linux-amd64/kubectl-etcd_replace (rebuilt only when stale)', () => {
  const t0 = Date.now();
  const r = run(process.execPath, ['--import', 'tsx', 'scripts/build-binary.ts', '--if-stale']);
  assert.is(r.status, 0, show(r));
  assert.ok(existsSync(BIN), 'binary exists');
  assert.ok(statSync(BIN).mode & 0o111, 'binary is executable');
  console.log(`    build: ${((Date.now() - t0) / 1000).toFixed(1)}s, ${(statSync(BIN).size / 1048576).toFixed(1)} MiB`);
});

test('the binary runs with no node on PATH and an empty environment', () => {
  const r = run(BIN, ['--help'], { PATH: '/nonexistent' });
  assert.is(r.status, 0, show(r));
  assert.match(r.stdout + r.stderr, /etcd-replace/);
  assert.not.match(r.stderr, /ExperimentalWarning|single executable/i, 'no SEA warning');
  const v = run(BIN, ['version'], { PATH: '/nonexistent' });
  assert.is(v.status, 0, show(v));
  assert.ok(v.stdout.includes(VERSION), `version output has ${VERSION}: ${v.stdout}`);
});

test('release: archive holds the binary and LICENSE; manifest sha256 is the archive sha256', () => {
  const manifest = join(TMP, 'krew-manifest.yaml');
  const r = run(process.execPath, ['--import', 'tsx', 'scripts/release.ts', '--no-build', '--manifest', manifest]);
  assert.is(r.status, 0, show(r));
  assert.ok(existsSync(ARCHIVE), 'archive exists');
  const list = run('tar', ['tzf', ARCHIVE]);
  assert.equal(list.stdout.trim().split('\n').sort(), ['LICENSE', 'kubectl-etcd_replace']);
  const sha = createHash('sha256').update(readFileSync(ARCHIVE)).digest('hex');
  const m = YAML.parse(readFileSync(manifest, 'utf8'));
  const linux = m.spec.platforms.find((p: any) => p.selector.matchLabels.os === 'linux' && p.selector.matchLabels.arch === 'amd64');
  assert.ok(linux, 'linux/amd64 platform');
  assert.is(linux.sha256, sha);
  assert.ok(linux.uri.endsWith(`/v${VERSION}/kubectl-etcd_replace_${VERSION}_linux_amd64.tar.gz`), linux.uri);
  assert.is(readFileSync(`${ARCHIVE}.sha256`, 'utf8').split(/\s+/)[0], sha);
  // The committed manifest is what release.ts writes, apart from the sha256 of a locally built archive.
  const norm = (t: string) => t.replace(/sha256: [a-f0-9]{64}/g, 'sha256: X');
  assert.fixture(norm(readFileSync(join(ROOT, 'krew-manifest.yaml'), 'utf8')), norm(readFileSync(manifest, 'utf8')));
  // Extracting the archive gives a working plugin.
  const x = join(TMP, 'x');
  spawnSync('mkdir', ['-p', x]);
  assert.is(run('tar', ['xzf', ARCHIVE, '-C', x]).status, 0);
  const h = run(join(x, 'kubectl-etcd_replace'), ['--help'], { PATH: '/nonexistent' });
  assert.is(h.status, 0, show(h));
});

test('kubectl plugin list finds kubectl-etcd_replace', () => {
  if (!KUBECTL) assert.unreachable('kubectl not on PATH');
  const r = run('kubectl', ['plugin', 'list'], PLUGIN_ENV);
  assert.match(r.stdout, new RegExp(`${BIN_DIR}/kubectl-etcd_replace`), show(r));
});

test('kubectl etcd-replace --help / version run the plugin without node on PATH', () => {
  const h = run('kubectl', ['etcd-replace', '--help'], PLUGIN_ENV);
  assert.is(h.status, 0, show(h));
  assert.match(h.stdout, /status/, 'usage lists status');
  assert.match(h.stdout, /auto/, 'usage lists auto');
  const v = run('kubectl', ['etcd-replace', 'version'], PLUGIN_ENV);
  assert.is(v.status, 0, show(v));
  assert.ok(v.stdout.includes(VERSION), v.stdout);
  const u = run('kubectl', ['etcd_replace', 'version'], PLUGIN_ENV);
  assert.is(u.status, 0, show(u));
});

test('installed the krew way (a symlink in another folder on PATH) it still runs', () => {
  const krewBin = join(TMP, 'krew-bin');
  spawnSync('mkdir', ['-p', krewBin]);
  symlinkSync(BIN, join(krewBin, 'kubectl-etcd_replace'));
  const v = run('kubectl', ['etcd-replace', 'version'], { ...PLUGIN_ENV, PATH: `${krewBin}:${KUBECTL_ONLY}` });
  assert.is(v.status, 0, show(v));
  assert.ok(v.stdout.includes(VERSION), v.stdout);
});

test.run();
