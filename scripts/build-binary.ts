// `npm run build:binary [-- --if-stale] [--entry FILE] [--out FILE]`
//
// Builds a self-contained executable of the plugin: dist/<os>-<arch>/kubectl-etcd_replace.
//  1. esbuild bundles lib/main.ts (and every dependency, including the ESM-only execa and ora) into ONE
//     CommonJS file (platform node, target node20). The package version and the git commit are inlined
//     with `define` (__ETCD_REPLACE_VERSION__, __ETCD_REPLACE_COMMIT__); `import.meta.url` is replaced by
//     a shim, because CommonJS has no import.meta. No tsx at runtime. Top-level await is not allowed in
//     CommonJS, so lib/ must not use it (esbuild fails the build if it does).
//  2. That file becomes a Node single-executable application (SEA, Node >= 20): `node
//     --experimental-sea-config` writes a blob, which postject injects into a copy of the running node
//     binary (`process.execPath`) and flips the fuse. The experimental warning is disabled in the config.
//
// Why SEA and not pkg / @yao-pkg/pkg: pkg downloads prebuilt "base binaries" from GitHub at build time
// (and the maintained fork needs Node 22); this machine, and air-gapped build sites, cannot fetch them.
// SEA needs nothing but the node binary we already run. Its limit: it can only produce an executable for
// the platform of the node binary it copies, so this script builds for the HOST only (here linux-amd64).
// Other krew platforms (darwin, arm64, windows) must be built on those hosts (or with their node
// binaries) — release.ts lists only the platforms that were actually built.
import { spawnSync } from 'node:child_process';
import { chmodSync, copyFileSync, existsSync, mkdirSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

export const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
export const BIN_NAME = 'kubectl-etcd_replace';
const SENTINEL = 'NODE_SEA_FUSE_fce680ab2cc467b6e072b8b5df1996b2';

/** krew's os/arch names for this host. */
export function hostPlatform(): { os: string; arch: string } {
  const os = process.platform === 'win32' ? 'windows' : process.platform;
  const arch = ({ x64: 'amd64', arm64: 'arm64' } as Record<string, string>)[process.arch] ?? process.arch;
  return { os, arch };
}

export function binaryPath(p = hostPlatform()): string {
  return join(ROOT, 'dist', `${p.os}-${p.arch}`, p.os === 'windows' ? `${BIN_NAME}.exe` : BIN_NAME);
}

export function packageVersion(): string {
  return (JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { version: string }).version;
}

export function gitCommit(): string {
  const r = spawnSync('git', ['rev-parse', '--short=12', 'HEAD'], { cwd: ROOT, encoding: 'utf8' });
  if (r.status !== 0) return 'unknown';
  const dirty = spawnSync('git', ['status', '--porcelain', '--untracked-files=no'], { cwd: ROOT, encoding: 'utf8' });
  return r.stdout.trim() + (dirty.status === 0 && dirty.stdout.trim() ? '-dirty' : '');
}

function newestMtime(paths: string[]): number {
  let newest = 0;
  const walk = (p: string) => {
    if (!existsSync(p)) return;
    const st = statSync(p);
    if (st.isDirectory()) { for (const n of readdirSync(p)) walk(join(p, n)); }
    else newest = Math.max(newest, st.mtimeMs);
  };
  paths.forEach(walk);
  return newest;
}

/** True when the binary exists and is newer than everything it is built from. */
export function isFresh(out = binaryPath()): boolean {
  if (!existsSync(out)) return false;
  const sources = ['lib', 'package.json', 'package-lock.json', 'scripts/build-binary.ts'].map((p) => join(ROOT, p));
  return statSync(out).mtimeMs > newestMtime(sources);
}

/** Runs a build tool; its (noisy) output is shown only when it fails. */
function run(cmd: string, args: string[]): void {
  const r = spawnSync(cmd, args, { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'], encoding: 'utf8' });
  if (r.error) throw r.error;
  if (r.status !== 0) {
    process.stderr.write(r.stdout + r.stderr);
    throw new Error(`${cmd} ${args.join(' ')} failed (exit ${r.status})`);
  }
}

export interface BuildResult { binary: string; bundle: string; seconds: number; bytes: number; skipped: boolean }

export async function buildBinary(opts: { entry?: string; out?: string; ifStale?: boolean; quiet?: boolean } = {}): Promise<BuildResult> {
  const started = Date.now();
  const entry = resolve(ROOT, opts.entry ?? 'lib/main.ts');
  const out = resolve(ROOT, opts.out ?? binaryPath());
  const log = (m: string) => { if (!opts.quiet) console.error(`build-binary: ${m}`); };
  const work = join(ROOT, 'dist', 'build');
  const bundle = join(work, `${BIN_NAME}.cjs`);
  if (opts.ifStale && !opts.entry && isFresh(out)) {
    log(`${relative(ROOT, out)} is newer than its sources, not rebuilding`);
    return { binary: out, bundle, seconds: 0, bytes: statSync(out).size, skipped: true };
  }
  if (!existsSync(entry)) throw new Error(`entry ${entry} does not exist`);
  mkdirSync(work, { recursive: true });
  mkdirSync(dirname(out), { recursive: true });

  const version = packageVersion();
  const commit = gitCommit();
  log(`bundling ${relative(ROOT, entry) || entry} (version ${version}, commit ${commit})`);
  await build({
    entryPoints: [entry],
    outfile: bundle,
    nodePaths: [join(ROOT, 'node_modules')],
    bundle: true,
    platform: 'node',
    target: 'node20',
    format: 'cjs',
    minify: false,
    sourcemap: false,
    legalComments: 'none',
    logLevel: 'warning',
    // CommonJS has no import.meta: point import.meta.url at the executable itself.
    banner: { js: `const __import_meta_url = require('node:url').pathToFileURL(typeof __filename === 'string' && __filename ? __filename : process.execPath).href;` },
    define: {
      'import.meta.url': '__import_meta_url',
      __ETCD_REPLACE_VERSION__: JSON.stringify(version),
      __ETCD_REPLACE_COMMIT__: JSON.stringify(commit),
      'process.env.ETCD_REPLACE_BUNDLED': JSON.stringify('1'),
    },
  });

  // Single-executable application.
  const blob = join(work, 'sea-prep.blob');
  const config = join(work, 'sea-config.json');
  writeFileSync(config, JSON.stringify({ main: bundle, output: blob, disableExperimentalSEAWarning: true, useCodeCache: true }, null, 2));
  log('generating the SEA blob');
  run(process.execPath, ['--experimental-sea-config', config]);
  rmSync(out, { force: true });
  copyFileSync(process.execPath, out);
  chmodSync(out, 0o755);
  const { os } = hostPlatform();
  // Debian/NodeSource node binaries carry debug info: stripping the copy saves ~12 MB (98 -> 86 MB).
  if (os === 'linux' && spawnSync('strip', ['--version'], { stdio: 'ignore' }).status === 0) run('strip', [out]);
  if (os === 'darwin') run('codesign', ['--remove-signature', out]);
  log(`injecting into a copy of ${process.execPath}`);
  const postject = join(ROOT, 'node_modules', 'postject', 'dist', 'cli.js');
  const args = [out, 'NODE_SEA_BLOB', blob, '--sentinel-fuse', SENTINEL];
  if (os === 'darwin') args.push('--macho-segment-name', 'NODE_SEA');
  if (existsSync(postject)) run(process.execPath, [postject, ...args]);
  else run('npx', ['--yes', 'postject', ...args]);
  if (os === 'darwin') run('codesign', ['--sign', '-', out]);
  const seconds = (Date.now() - started) / 1000;
  const bytes = statSync(out).size;
  log(`wrote ${relative(ROOT, out)} (${(bytes / 1048576).toFixed(1)} MiB) in ${seconds.toFixed(1)}s`);
  return { binary: out, bundle, seconds, bytes, skipped: false };
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const argv = process.argv.slice(2);
  const opt = (name: string) => { const i = argv.indexOf(name); return i >= 0 ? argv[i + 1] : undefined; };
  buildBinary({ ifStale: argv.includes('--if-stale'), entry: opt('--entry'), out: opt('--out') })
    .then((r) => { console.log(r.binary); })
    .catch((err: unknown) => { console.error(`build-binary: ${err instanceof Error ? err.message : String(err)}`); process.exitCode = 1; });
}
