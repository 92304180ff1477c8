// The shipped artefacts, built the way a release is: `npm run release` into two temporary dist folders
// (full builds, sharing only the cache of Node binaries fetched from npm), then
//  - both builds are byte-identical (executables, archives, SHA256SUMS, manifests);
//  - the manifest passes krew's validation, its sha256s are the archives', and it is the committed
//    krew-manifest.yaml (exactly, when the sources are those the committed one was built from);
//  - every platform is installed from its archive the way krew does it (test/helpers/krew.ts) into a
//    temporary krew root; the linux/amd64 one runs through the real kubectl with no node on PATH, the
//    linux/arm64 one runs under qemu-user; the linux/amd64 help is the sources' help, byte for byte (the
//    build's minifying and lazy loading change nothing visible); the darwin and windows executables are
//    checked structurally (signature removed, SEA blob present, fuse flipped).
import { spawnSync, type SpawnSyncReturns } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, readlinkSync, rmSync, statSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import YAML from 'yaml';
import { krewInstall, validateManifest } from '../helpers/krew.ts';
import { EXTRA_FILES } from '../../scripts/release.ts';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const VERSION = (JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { version: string }).version;
const TMP = mkdtempSync(join(tmpdir(), 'etcd-replace-binary-test-'));
const A = join(TMP, 'a'), B = join(TMP, 'b');
const KUBECTL = spawnSync('sh', ['-c', 'command -v kubectl'], { encoding: 'utf8' }).stdout.trim();
const FUSE = 'NODE_SEA_FUSE_fce680ab2cc467b6e072b8b5df1996b2:1';

function run(cmd: string, args: string[], env?: NodeJS.ProcessEnv, timeout = 300_000): SpawnSyncReturns<string> {
  const r = spawnSync(cmd, args, { cwd: ROOT, encoding: 'utf8', env: env ?? process.env, timeout, stdio: ['ignore', 'pipe', 'pipe'] });
  if (r.error) throw r.error;
  return r;
}
const show = (r: SpawnSyncReturns<string>) => `exit ${r.status}\nstdout: ${r.stdout}\nstderr: ${r.stderr}`;
const sha = (p: string) => createHash('sha256').update(readFileSync(p)).digest('hex');
/** `kubectl-etcd_replace 0.1.0 (commit 0123456789ab, node v24.21.0)` */
function versionOf(out: string): { version: string; commit: string; node: string } {
  const m = /^kubectl-etcd_replace (\S+) \(commit (\S+), node (\S+)\)$/m.exec(out);
  assert.ok(m, `version output: ${out}`);
  return { version: m[1]!, commit: m[2]!, node: m[3]! };
}
const files = (dir: string): string[] => readdirSync(dir).flatMap((n) => (statSync(join(dir, n)).isDirectory() ? files(join(dir, n)).map((f) => `${n}/${f}`) : [n])).sort();

test.after(() => { rmSync(TMP, { recursive: true, force: true }); });

const built: Record<string, number> = {};
test('npm run release builds every platform twice, byte-identical', () => {
  for (const [name, dir] of [['first', A], ['second', B]] as const) {
    const t0 = Date.now();
    // ~30 s each on an idle 2-core machine; the runner's per-file timeout is the limit that counts.
    const r = run(process.execPath, ['--import', 'tsx', 'scripts/release.ts', '--dist', dir, '--manifest-dir', dir], undefined, 900_000);
    assert.is(r.status, 0, show(r));
    built[name] = (Date.now() - t0) / 1000;
  }
  console.log(`    release builds: ${built.first!.toFixed(1)}s, ${built.second!.toFixed(1)}s`);
  const fa = files(A), fb = files(B);
  assert.equal(fa, fb);
  for (const want of ['linux-amd64/kubectl-etcd_replace', 'linux-arm64/kubectl-etcd_replace', 'darwin-amd64/kubectl-etcd_replace',
    'windows-amd64/kubectl-etcd_replace.exe', 'release/SHA256SUMS', 'krew-manifest.yaml', 'plugins/etcd-replace.yaml',
    `release/kubectl-etcd_replace_${VERSION}_windows_amd64.zip`, `release/kubectl-etcd_replace_${VERSION}_darwin_amd64.tar.gz`]) {
    assert.ok(fa.includes(want), `${want} written`);
  }
  for (const f of fa) assert.ok(readFileSync(join(A, f)).equals(readFileSync(join(B, f))), `${f} differs between the two builds`);
});

let manifest = '';
test('the manifest: krew validation passes, every sha256 is its archive\'s, SHA256SUMS agrees, committed manifest matches', () => {
  manifest = readFileSync(join(A, 'krew-manifest.yaml'), 'utf8');
  assert.equal(validateManifest(manifest, 'etcd-replace.yaml'), []);
  assert.is(readFileSync(join(A, 'plugins', 'etcd-replace.yaml'), 'utf8'), manifest);
  const m = YAML.parse(manifest);
  const sums = readFileSync(join(A, 'release', 'SHA256SUMS'), 'utf8').trim().split('\n').map((l) => l.split(/\s+/));
  assert.is(sums.length, 4);
  for (const [s, name] of sums) assert.is(sha(join(A, 'release', name!)), s, name);
  for (const pl of m.spec.platforms) {
    const archive = join(A, 'release', pl.uri.split('/').pop());
    assert.ok(existsSync(archive), pl.uri);
    assert.is(pl.sha256, sha(archive), pl.uri);
  }
  // The committed manifest is what this release writes. The executables embed the commit that last changed
  // their sources, named in the manifest's first line: when that is the committed manifest's, every byte
  // (sha256s included) must match; after a source change only the sha256s and that line may differ until
  // the next `npm run release`.
  const committed = readFileSync(join(ROOT, 'krew-manifest.yaml'), 'utf8');
  assert.is(readFileSync(join(ROOT, 'plugins', 'etcd-replace.yaml'), 'utf8'), committed);
  const firstLine = (t: string) => t.split('\n')[0];
  if (firstLine(committed) === firstLine(manifest)) {
    assert.fixture(committed, manifest);
  } else {
    console.log(`    note: krew-manifest.yaml is from other sources (${firstLine(committed)}); this build: ${firstLine(manifest)}`);
    const norm = (t: string) => t.split('\n').slice(1).join('\n').replace(/sha256: [a-f0-9]{64}/g, 'sha256: X');
    assert.fixture(norm(committed), norm(manifest));
  }
});

const roots: Record<string, ReturnType<typeof krewInstall>> = {};
test('krew install from each archive, for every platform in the manifest', () => {
  const m = YAML.parse(manifest);
  for (const pl of m.spec.platforms) {
    const { os, arch } = pl.selector.matchLabels;
    const root = join(TMP, `krew-${os}-${arch}`);
    const inst = krewInstall({ manifest, root, os, arch, archiveFor: (uri) => join(A, 'release', uri.split('/').pop()!) });
    const exe = os === 'windows' ? 'kubectl-etcd_replace.exe' : 'kubectl-etcd_replace';
    const extra = EXTRA_FILES.filter((f) => !f.os || f.os.includes(os)).map((f) => f.name);
    assert.equal(inst.files, ['LICENSE', exe, ...extra].sort(), `${os}/${arch} files`);
    assert.is(readlinkSync(inst.link), join(root, 'store', 'etcd-replace', `v${VERSION}`, exe));
    assert.ok(statSync(inst.target).mode & 0o100, `${os}/${arch} executable bit`);
    // The installed executable is the one built for that platform (darwin/arm64: the darwin/amd64 one).
    const from = `${os}-${os === 'darwin' ? 'amd64' : arch}`;
    assert.ok(readFileSync(inst.target).equals(readFileSync(join(A, from, exe))), `${os}/${arch} installs dist/${from}`);
    roots[`${os}/${arch}`] = inst;
  }
  assert.equal(Object.keys(roots).sort(), ['darwin/amd64', 'darwin/arm64', 'linux/amd64', 'linux/arm64', 'windows/amd64']);
});

test('linux/amd64, installed by krew: runs with no node on PATH; kubectl and its plugin list find it', () => {
  const inst = roots['linux/amd64']!;
  const h = run(inst.link, ['--help'], { PATH: '/nonexistent' });
  assert.is(h.status, 0, show(h));
  assert.match(h.stdout + h.stderr, /etcd-replace/);
  assert.not.match(h.stderr, /ExperimentalWarning|single executable/i, 'no SEA warning');
  assert.is(h.stderr, '', 'nothing on stderr');
  // the V8 code cache made at build time (build-binary.ts SEA_MAIN, warmUpScript) is accepted by the executable;
  // with a flag that changes how V8 compiles, it is rejected and the help is the same, compiled from source
  const debug = run(inst.link, ['--help'], { PATH: '/nonexistent', ETCD_REPLACE_DEBUG: '1' });
  assert.is(debug.stderr, '', 'V8 accepts the code cache');
  const rejected = run(inst.link, ['--help'], { PATH: '/nonexistent', ETCD_REPLACE_DEBUG: '1', NODE_OPTIONS: '--expose-gc' });
  assert.is(rejected.stderr, 'etcd-replace: V8 rejected the code cache of kubectl-etcd_replace.cjs\n', 'a cache that does not fit is noticed');
  assert.is(rejected.stdout, h.stdout, 'and the plugin runs as usual');
  // a command loads the second bundle (the commands, build-binary.ts LATE_MODULES), with its own code cache, sharing
  // lib/errors.ts with the first: a PluginError thrown there keeps its exit code (2 here, 1 if it were another class)
  for (const args of [['status', '--from', join(TMP, 'none')], ['auto', '--dry-run', '--from', join(TMP, 'none')]]) {
    const bin = run(inst.link, args, { PATH: '/nonexistent', ETCD_REPLACE_DEBUG: '1' });
    const dev = run(process.execPath, ['--import', 'tsx', 'lib/main.ts', ...args], { PATH: '/nonexistent' });
    assert.is(dev.status, 2, show(dev));
    assert.is(bin.status, dev.status, show(bin));
    assert.is(bin.stderr, dev.stderr, 'the same error, and V8 accepts the commands\' code cache');
  }
  // the build's lazy-load shims (build-binary.ts lazyLoads: string-width, assert, no package.json lookup) and the
  // minified bundle print exactly the help of the sources
  for (const args of [['--help'], ['status', '--help'], ['auto', '--help'], ['version', '--help']]) {
    const bin = run(inst.link, args, { PATH: '/nonexistent' });
    const dev = run(process.execPath, ['--import', 'tsx', 'lib/main.ts', ...args], { PATH: '/nonexistent' });
    assert.is(dev.status, 0, show(dev));
    assert.fixture(bin.stdout, dev.stdout);
  }
  const v = run(inst.link, ['version'], { PATH: '/nonexistent' });
  assert.is(v.status, 0, show(v));
  const info = versionOf(v.stdout);
  assert.is(info.version, VERSION);
  assert.match(info.node, /^v24\./, 'Node 24 LTS runtime');
  assert.match(manifest.split('\n')[0]!, new RegExp(`commit ${info.commit}:`), 'the manifest names the embedded commit');
  // completion set up as the caveats say (the ln -sf lines, with KREW_ROOT): the helper names link to the plugin in
  // krew's bin folder and the plugin answers completion under them
  const krewRoot = dirname(dirname(inst.link));
  const lnLines = String(YAML.parse(manifest).spec.caveats).split('\n').map((l) => l.trim()).filter((l) => l.startsWith('ln -sf ') || l.startsWith('b="'));
  assert.is(lnLines.filter((l) => l.startsWith('ln -sf ')).length, 2, 'the caveats link both helpers');
  const sh = spawnSync('sh', ['-ec', lnLines.join('\n')], { encoding: 'utf8', env: { PATH: process.env.PATH, HOME: TMP, KREW_ROOT: krewRoot } });
  assert.is(sh.status, 0, sh.stderr);
  for (const name of ['kubectl_complete-etcd_replace', 'oc_complete-etcd_replace']) {
    const c = run(join(dirname(inst.link), name), ['auto', '--dry-run='], { PATH: dirname(inst.link) });
    assert.is(c.status, 0, show(c));
    assert.equal(c.stdout.split('\n').filter(Boolean), ['client', 'server', 'none', ':4'], `${name} answers --flag= completion`);
  }
  if (!KUBECTL) assert.unreachable('kubectl not on PATH');
  const kubectlOnly = join(TMP, 'kubectl-only');
  mkdirSync(kubectlOnly, { recursive: true });
  symlinkSync(KUBECTL, join(kubectlOnly, 'kubectl'));
  const env = { PATH: `${dirname(inst.link)}:${kubectlOnly}`, HOME: TMP, KUBECONFIG: join(TMP, 'no-kubeconfig') };
  const l = run('kubectl', ['plugin', 'list'], env);
  assert.match(l.stdout, new RegExp(`${dirname(inst.link)}/kubectl-etcd_replace`), show(l));
  const kh = run('kubectl', ['etcd-replace', '--help'], env);
  assert.is(kh.status, 0, show(kh));
  assert.match(kh.stdout, /status/);
  assert.match(kh.stdout, /auto/);
  const kv = run('kubectl', ['etcd_replace', 'version'], env);
  assert.is(kv.status, 0, show(kv));
  assert.ok(kv.stdout.includes(VERSION), kv.stdout);
});

test('linux/arm64, installed by krew: --help and version under qemu-user', () => {
  const qemu = spawnSync('sh', ['-c', 'command -v qemu-aarch64'], { encoding: 'utf8' }).stdout.trim();
  const sysroot = '/usr/aarch64-linux-gnu';
  // scripts/setup.sh installs both: missing, they are a failure of the machine's setup, not a reason to pass
  assert.ok(qemu, 'qemu-aarch64 not installed (Debian qemu-user): run bash scripts/setup.sh');
  assert.ok(existsSync(join(sysroot, 'lib', 'ld-linux-aarch64.so.1')), `no arm64 C library in ${sysroot} (Debian libc6-arm64-cross, libstdc++6-arm64-cross): run bash scripts/setup.sh`);
  const inst = roots['linux/arm64']!;
  const h = run(qemu, ['-L', sysroot, inst.link, '--help'], { PATH: '/nonexistent' });
  assert.is(h.status, 0, show(h));
  assert.match(h.stdout, /status/);
  const v = run(qemu, ['-L', sysroot, inst.link, 'version'], { PATH: '/nonexistent' });
  assert.is(v.status, 0, show(v));
  const info = versionOf(v.stdout);
  assert.is(info.version, VERSION);
  assert.match(info.node, /^v24\./);
});

test('darwin (Mach-O) and windows (PE) executables: signature removed, SEA blob injected, fuse flipped', () => {
  const mach = readFileSync(roots['darwin/amd64']!.target);
  assert.is(mach.readUInt32LE(0), 0xfeedfacf, 'Mach-O 64-bit');
  assert.is(mach.readUInt32LE(4), 0x01000007, 'x86_64');
  const segs: string[] = [];
  let codeSignature = false;
  for (let i = 0, off = 32; i < mach.readUInt32LE(16); i++) {
    const cmd = mach.readUInt32LE(off);
    if (cmd === 0x19) segs.push(mach.subarray(off + 8, off + 24).toString('latin1').replace(/\0+$/, ''));
    if (cmd === 0x1d) codeSignature = true;
    off += mach.readUInt32LE(off + 4);
  }
  assert.ok(segs.includes('NODE_SEA'), `segments: ${segs.join(' ')}`);
  assert.is(segs.at(-1), '__LINKEDIT', '__LINKEDIT stays last');
  assert.not.ok(codeSignature, 'no (broken) code signature left');
  assert.ok(mach.includes(FUSE), 'fuse flipped');
  const pe = readFileSync(roots['windows/amd64']!.target);
  assert.is(pe.toString('latin1', 0, 2), 'MZ');
  const opt = pe.readUInt32LE(0x3c) + 24;
  assert.is(pe.readUInt16LE(opt), 0x20b, 'PE32+');
  assert.is(pe.readUInt32LE(opt + 112 + 32 + 4), 0, 'no (broken) Authenticode signature left');
  assert.ok(pe.includes(Buffer.from('NODE_SEA_BLOB', 'utf16le')), 'NODE_SEA_BLOB resource');
  assert.ok(pe.includes(FUSE), 'fuse flipped');
});

test.run();
