// `npm run release [-- --manifest FILE] [--no-build]`
//
// 1. Builds the host binary if it is missing or older than its sources (scripts/build-binary.ts).
// 2. For every platform that was actually built (dist/<os>-<arch>/kubectl-etcd_replace), writes
//    dist/release/kubectl-etcd_replace_<version>_<os>_<arch>.tar.gz holding the binary and LICENSE at the
//    archive root (reproducible: sorted names, owner 0, fixed mtime, `gzip -n`), and <archive>.sha256.
// 3. Writes the krew manifest (krew-manifest.yaml at the repo root unless --manifest is given) with one
//    platform entry per archive and the archive's sha256.
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { BIN_NAME, ROOT, buildBinary, packageVersion } from './build-binary.ts';

export const PLUGIN_NAME = 'etcd-replace';
export const HOMEPAGE = 'https://github.com/etcd-replace/kubectl-etcd_replace';
export const SHORT_DESCRIPTION = 'Replace an unhealthy OpenShift etcd member';

// Plain prose (krew reviewers: no usage examples, no flag lists); wrapped so that, indented by 4 in the
// manifest, no line is longer than 80 columns.
const DESCRIPTION = wrap(`Finds the unhealthy etcd member of an OpenShift control plane and replaces it following
Red Hat's documented procedures: for a master whose machine is gone or whose node is not ready, and for an etcd
pod that is crash-looping on a ready node. It first shows every member, etcd pod, master node, machine, secret
and the etcd operator's conditions with a diagnosis, checks that quorum survives the removal, refuses anything it
cannot decide safely, and then runs each step with the exact command shown, verifying it before going on. Runs
are journaled so an interrupted replacement can be resumed. Works with both oc and kubectl.`, 76);

const CAVEATS = wrap(`This plugin changes the etcd cluster of an OpenShift control plane and needs cluster-admin
rights. Take an etcd backup (cluster-backup.sh) before replacing a member, and read the plan it prints before
confirming.`, 76);

export function wrap(text: string, width: number): string {
  const lines: string[] = [];
  let line = '';
  for (const word of text.split(/\s+/).filter(Boolean)) {
    if (line && line.length + 1 + word.length > width) { lines.push(line); line = word; }
    else line = line ? `${line} ${word}` : word;
  }
  if (line) lines.push(line);
  return lines.join('\n');
}

export function sha256File(path: string): string {
  return createHash('sha256').update(readFileSync(path)).digest('hex');
}

export function archiveName(version: string, os: string, arch: string): string {
  return `${BIN_NAME}_${version}_${os}_${arch}.tar.gz`;
}

export interface BuiltPlatform { os: string; arch: string; archive: string; sha256: string }

/** Platforms built in dist/ (folders named <os>-<arch> holding the executable). */
export function builtPlatforms(): { os: string; arch: string; binary: string }[] {
  const dist = join(ROOT, 'dist');
  if (!existsSync(dist)) return [];
  return readdirSync(dist)
    .map((d) => /^(linux|darwin)-(amd64|arm64)$/.exec(d))
    .filter((m): m is RegExpExecArray => m !== null)
    .map((m) => ({ os: m[1]!, arch: m[2]!, binary: join(dist, m[0], BIN_NAME) }))
    .filter((p) => existsSync(p.binary))
    .sort((a, b) => `${a.os}/${a.arch}`.localeCompare(`${b.os}/${b.arch}`));
}

function sh(cmd: string, args: string[], opts: { cwd?: string } = {}): void {
  const r = spawnSync(cmd, args, { cwd: opts.cwd ?? ROOT, stdio: ['ignore', 'pipe', 'pipe'], encoding: 'utf8' });
  if (r.error) throw r.error;
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')} failed (exit ${r.status}): ${r.stderr.trim()}`);
}

/** A reproducible .tar.gz of the binary and LICENSE at the archive root. */
export function makeArchive(binary: string, out: string): void {
  const stage = mkdtempSync(join(tmpdir(), 'etcd-replace-release-'));
  try {
    copyFileSync(binary, join(stage, BIN_NAME));
    copyFileSync(join(ROOT, 'LICENSE'), join(stage, 'LICENSE'));
    const tar = join(stage, 'archive.tar');
    const mtime = process.env.SOURCE_DATE_EPOCH ?? '0';
    sh('tar', ['--sort=name', '--owner=0', '--group=0', '--numeric-owner', `--mtime=@${mtime}`, '--mode=u+rw,go+r',
      '-cf', tar, BIN_NAME, 'LICENSE'], { cwd: stage });
    sh('gzip', ['-n', tar]);
    rmSync(out, { force: true });
    copyFileSync(`${tar}.gz`, out);
  } finally {
    rmSync(stage, { recursive: true, force: true });
  }
}

function indent(text: string, n: number): string {
  return text.split('\n').map((l) => (l ? ' '.repeat(n) + l : l)).join('\n');
}

export function renderManifest(version: string, platforms: BuiltPlatform[]): string {
  const v = `v${version}`;
  const plats = platforms.map((p) => [
    `  - selector:`,
    `      matchLabels:`,
    `        os: ${p.os}`,
    `        arch: ${p.arch}`,
    `    uri: ${HOMEPAGE}/releases/download/${v}/${p.archive}`,
    `    sha256: ${p.sha256}`,
    `    bin: ${BIN_NAME}`,
    `    files:`,
    `      - from: ${BIN_NAME}`,
    `        to: .`,
    `      - from: LICENSE`,
    `        to: .`,
  ].join('\n'));
  return [
    `apiVersion: krew.googlecontainertools.github.com/v1alpha2`,
    `kind: Plugin`,
    `metadata:`,
    `  name: ${PLUGIN_NAME}`,
    `spec:`,
    `  version: ${v}`,
    `  homepage: ${HOMEPAGE}`,
    `  shortDescription: ${SHORT_DESCRIPTION}`,
    `  description: |`,
    indent(DESCRIPTION, 4),
    `  caveats: |`,
    indent(CAVEATS, 4),
    `  platforms:`,
    ...plats,
    ``,
  ].join('\n');
}

export async function release(opts: { manifest?: string; build?: boolean; quiet?: boolean } = {}): Promise<{ manifest: string; platforms: BuiltPlatform[] }> {
  const log = (m: string) => { if (!opts.quiet) console.error(`release: ${m}`); };
  if (opts.build !== false) await buildBinary({ ifStale: true, quiet: opts.quiet });
  const version = packageVersion();
  const outDir = join(ROOT, 'dist', 'release');
  mkdirSync(outDir, { recursive: true });
  const platforms: BuiltPlatform[] = [];
  for (const p of builtPlatforms()) {
    const archive = archiveName(version, p.os, p.arch);
    const path = join(outDir, archive);
    makeArchive(p.binary, path);
    const sha256 = sha256File(path);
    writeFileSync(`${path}.sha256`, `${sha256}  ${archive}\n`);
    log(`${relative(ROOT, path)} ${sha256}`);
    platforms.push({ os: p.os, arch: p.arch, archive, sha256 });
  }
  if (platforms.length === 0) throw new Error('no built platform in dist/ (run npm run build:binary)');
  const manifest = resolve(ROOT, opts.manifest ?? 'krew-manifest.yaml');
  writeFileSync(manifest, renderManifest(version, platforms));
  log(`wrote ${relative(ROOT, manifest) || manifest}`);
  return { manifest, platforms };
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const argv = process.argv.slice(2);
  const i = argv.indexOf('--manifest');
  release({ manifest: i >= 0 ? argv[i + 1] : undefined, build: !argv.includes('--no-build') })
    .then((r) => { for (const p of r.platforms) console.log(join('dist', 'release', p.archive)); })
    .catch((err: unknown) => { console.error(`release: ${err instanceof Error ? err.message : String(err)}`); process.exitCode = 1; });
}
