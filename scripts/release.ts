// `npm run release [-- --dist DIR] [--manifest-dir DIR] [--no-build]`
// `npm run manifest [-- REF]` (= release --from-commit REF, default HEAD): the committed krew manifest's step.
//
// 1. Builds the executable of every platform that is missing or older than its sources (build-binary.ts).
// 2. Writes one archive per platform in <dist>/release/: kubectl-etcd_replace_<version>_<os>_<arch>.tar.gz
//    for linux and darwin, .zip for windows (as krew-index plugins ship), holding the executable, LICENSE
//    and EXTRA_FILES at the archive root; reproducible (scripts/archive.ts). Then SHA256SUMS for them.
// 3. Writes the krew manifest, generated with the `yaml` library, with every sha256 taken from the archives
//    just written, as krew-manifest.yaml and plugins/etcd-replace.yaml (the path krew-index wants) in the
//    repository root (or --manifest-dir). darwin/arm64 points at the darwin/amd64 archive (Rosetta 2): npm
//    carries no SEA-capable Node for it (build-binary.ts).
// --from-commit REF does all that from the committed tree of REF alone (`git archive`, into a temporary folder
// sharing only node_modules), never the working tree: so the manifest it writes into the repository names a
// commit whose sources give exactly those sha256s, whoever runs it. Same commit, same manifest, byte for byte.
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import YAML from 'yaml';
import { type ArchiveEntry, tarGz, zip } from './archive.ts';
import { BIN_NAME, ROOT, SOURCES, TARGETS, buildBinaries, binaryPath, exeName, gitCommit, packageVersion, platformKey } from './build-binary.ts';

export const PLUGIN_NAME = 'etcd-replace';
export const HOMEPAGE = 'https://github.com/etcd-replace/kubectl-etcd_replace';
export const SHORT_DESCRIPTION = 'Replace an unhealthy OpenShift etcd member';
export const MANIFEST_FILES = ['krew-manifest.yaml', join('plugins', `${PLUGIN_NAME}.yaml`)];

/**
 * Files shipped in every archive besides the executable and LICENSE, each installed next to the executable
 * by a krew `files` entry (from: name, to: "."). `source` is relative to the repository root; `os` limits
 * the file to those platforms (e.g. shell-completion executables for linux/darwin only).
 */
export const EXTRA_FILES: { source: string; name: string; mode: number; os?: string[] }[] = [
  { source: 'completion/kubectl_complete-etcd_replace', name: 'kubectl_complete-etcd_replace', mode: 0o755, os: ['linux', 'darwin'] },
  { source: 'completion/oc_complete-etcd_replace', name: 'oc_complete-etcd_replace', mode: 0o755, os: ['linux', 'darwin'] },
  { source: 'completion/kubectl_complete-etcd_replace.cmd', name: 'kubectl_complete-etcd_replace.cmd', mode: 0o644, os: ['windows'] },
  { source: 'completion/oc_complete-etcd_replace.cmd', name: 'oc_complete-etcd_replace.cmd', mode: 0o644, os: ['windows'] },
];

/** Platforms served by another platform's archive: krew os/arch → the os/arch whose archive it installs. */
export const ALIASES: Record<string, string> = { 'darwin/arm64': 'darwin/amd64' };

// Plain prose (krew reviewers: no usage examples, no flag lists); wrapped so that, indented by 4 in the
// manifest, no line is longer than 80 columns.
const DESCRIPTION = wrap(`Finds the unhealthy etcd member of an OpenShift control plane and replaces it following
Red Hat's documented procedures: for a master whose machine is gone or whose node is not ready, and for an etcd
pod that is crash-looping on a ready node. It first shows every member, etcd pod, master node, machine, secret
and the etcd operator's conditions with a diagnosis, checks that quorum survives the removal, refuses anything it
cannot decide safely, and then runs each step with the exact command shown, verifying it before going on. Runs
are journaled so an interrupted replacement can be resumed. Works with both oc and kubectl.`, 76);

function caveats(version: string): string {
  return [
    wrap(`This plugin changes the control plane of an OpenShift 4 cluster, releases 4.6 to 4.18, and needs
cluster-admin rights. Replacing a member removes the unhealthy member from etcd and deletes its etcd
secrets; for a master that is gone it also deletes that master's Node and Machine and creates a new Machine.
It turns the etcd quorum guard off for the time of the replacement (the etcd operator's
unsupportedConfigOverrides, restored afterwards), forces an etcd redeployment, and runs privileged debug pods
on master nodes (etcdctl, cluster-backup.sh). The status command changes nothing. Take an etcd backup before
replacing a member, and read the plan it prints before confirming.`, 76),
    wrap(`macOS: the executable is built for Intel (amd64); Apple silicon Macs run it under Rosetta 2
(softwareupdate --install-rosetta). It has no code signature; if macOS refuses to run it, sign it ad hoc:`, 76),
    `  codesign --sign - ~/.krew/store/${PLUGIN_NAME}/v${version}/${BIN_NAME}`,
    wrap(`Shell completion (kubectl 1.26+, oc): the plugin answers completion when it runs under the helper
names kubectl and oc look for. Link them to the plugin in krew's bin folder, where they survive
\`kubectl krew upgrade\` (Linux and macOS):`, 76),
    ['  b="${KREW_ROOT:-$HOME/.krew}/bin"', ...['kubectl', 'oc'].map((c) => `  ln -sf ${BIN_NAME} "$b/${c}_complete-etcd_replace"`)].join('\n'),
    wrap(`Windows: copy the two .cmd files that came with the plugin (in the store folder of this version) into
%USERPROFILE%\\.krew\\bin; they call the plugin through PATH.`, 76),
  ].join('\n\n');
}

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
  return `${BIN_NAME}_${version}_${os}_${arch}.${os === 'windows' ? 'zip' : 'tar.gz'}`;
}

/** What goes into the archive of one platform (names at the archive root). */
export function archiveEntries(os: string, binary: string): ArchiveEntry[] {
  const entries: ArchiveEntry[] = [
    { name: exeName(os), data: readFileSync(binary), mode: 0o755 },
    { name: 'LICENSE', data: readFileSync(join(ROOT, 'LICENSE')), mode: 0o644 },
  ];
  for (const f of EXTRA_FILES) {
    if (f.os && !f.os.includes(os)) continue;
    entries.push({ name: f.name, data: readFileSync(join(ROOT, f.source)), mode: f.mode });
  }
  return entries;
}

export interface ReleasedPlatform { os: string; arch: string; archive: string; sha256: string; files: string[] }

/** The krew manifest (a YAML document made with the `yaml` library). */
export function renderManifest(version: string, commit: string, platforms: ReleasedPlatform[]): string {
  const v = `v${version}`;
  const entry = (os: string, arch: string, p: ReleasedPlatform) => ({
    selector: { matchLabels: { os, arch } },
    uri: `${HOMEPAGE}/releases/download/${v}/${p.archive}`,
    sha256: p.sha256,
    bin: exeName(os),
    files: p.files.map((from) => ({ from, to: '.' })),
  });
  const rows: ReturnType<typeof entry>[] = [];
  const keys = [...platforms.map(platformKey), ...Object.keys(ALIASES)].sort();
  for (const key of keys) {
    const own = platforms.find((p) => platformKey(p) === key);
    const via = ALIASES[key] ? platforms.find((p) => platformKey(p) === ALIASES[key]) : undefined;
    const p = own ?? via;
    if (!p) continue;
    const [os, arch] = key.split('/') as [string, string];
    rows.push(entry(os, arch, p));
  }
  const doc = new YAML.Document({
    apiVersion: 'krew.googlecontainertools.github.com/v1alpha2',
    kind: 'Plugin',
    metadata: { name: PLUGIN_NAME },
    spec: {
      version: v,
      homepage: HOMEPAGE,
      shortDescription: SHORT_DESCRIPTION,
      description: `${DESCRIPTION}\n`,
      caveats: `${caveats(version)}\n`,
      platforms: rows,
    },
  });
  doc.commentBefore = ` Generated by \`npm run release\` (scripts/release.ts) from the sources at commit ${commit}: do not edit.`;
  YAML.visit(doc, {
    Scalar(key, node) {
      if (typeof node.value === 'string' && node.value.includes('\n')) node.type = 'BLOCK_LITERAL';
    },
  });
  return doc.toString({ lineWidth: 0, indentSeq: true });
}

export interface ReleaseResult { manifests: string[]; platforms: ReleasedPlatform[]; sums: string; commit: string }

export async function release(opts: { dist?: string; manifestDir?: string; build?: boolean; quiet?: boolean } = {}): Promise<ReleaseResult> {
  const log = (m: string) => { if (!opts.quiet) console.error(`release: ${m}`); };
  const dist = resolve(ROOT, opts.dist ?? 'dist');
  const manifestDir = resolve(ROOT, opts.manifestDir ?? '.');
  if (opts.build !== false) await buildBinaries({ dist, ifStale: true, quiet: opts.quiet });
  const version = packageVersion();
  const commit = gitCommit();
  const outDir = join(dist, 'release');
  rmSync(outDir, { recursive: true, force: true });
  mkdirSync(outDir, { recursive: true });
  const platforms: ReleasedPlatform[] = await Promise.all(TARGETS.map(async (t) => {
    const binary = binaryPath(t, dist);
    if (!existsSync(binary)) throw new Error(`${relative(ROOT, binary)} is missing (run npm run build:binary)`);
    const archive = archiveName(version, t.os, t.arch);
    const path = join(outDir, archive);
    const entries = archiveEntries(t.os, binary);
    writeFileSync(path, t.os === 'windows' ? await zip(entries) : await tarGz(entries));
    const sha256 = sha256File(path);
    log(`${relative(ROOT, path) || path} ${(statSync(path).size / 1048576).toFixed(1)} MiB ${sha256}`);
    return { os: t.os, arch: t.arch, archive, sha256, files: entries.map((e) => e.name) };
  }));
  const sums = join(outDir, 'SHA256SUMS');
  writeFileSync(sums, platforms.map((p) => `${p.sha256}  ${p.archive}\n`).join(''));
  const text = renderManifest(version, commit, platforms);
  const manifests = MANIFEST_FILES.map((f) => join(manifestDir, f));
  for (const m of manifests) {
    mkdirSync(join(m, '..'), { recursive: true });
    writeFileSync(m, text);
    log(`wrote ${relative(ROOT, m) || m}`);
  }
  return { manifests, platforms, sums, commit };
}

/** The commit of `ref` that last changed what the executables are built from (as gitCommit() names it). */
export function sourcesCommit(ref: string, cwd = ROOT): string {
  const r = spawnSync('git', ['log', '-1', '--format=%H', ref, '--', ...SOURCES], { cwd, encoding: 'utf8' });
  if (r.status !== 0 || !r.stdout.trim()) throw new Error(`git log ${ref}: ${(r.stderr || 'no commit').trim()}`);
  return r.stdout.trim().slice(0, 12);
}

/**
 * The release of a commit, from its committed tree only: `git archive REF` into a temporary folder (with a
 * link to this checkout's node_modules, which package-lock.json pins), built there, the manifests written
 * into `manifestDir` (default: this checkout). Uncommitted changes never reach it.
 */
export async function releaseFromCommit(ref = 'HEAD', opts: { manifestDir?: string; quiet?: boolean } = {}): Promise<ReleaseResult> {
  const log = (m: string) => { if (!opts.quiet) console.error(`release: ${m}`); };
  const commit = sourcesCommit(ref);
  const tmp = mkdtempSync(join(tmpdir(), 'etcd-replace-release-'));
  try {
    const src = join(tmp, 'src');
    mkdirSync(src);
    const archive = spawnSync('sh', ['-c', 'git archive --format=tar "$1" | tar -x -C "$2"', 'sh', ref, src], { cwd: ROOT, encoding: 'utf8' });
    if (archive.status !== 0) throw new Error(`git archive ${ref}: ${archive.stderr.trim()}`);
    symlinkSync(join(ROOT, 'node_modules'), join(src, 'node_modules'));
    log(`building ${ref} (sources at commit ${commit}) in ${src}`);
    const r = spawnSync(process.execPath, ['--import', 'tsx', 'scripts/release.ts', '--dist', join(tmp, 'dist'), '--manifest-dir', resolve(ROOT, opts.manifestDir ?? '.')], {
      cwd: src, encoding: 'utf8', stdio: ['ignore', 'pipe', opts.quiet ? 'pipe' : 'inherit'],
      // the export has no git history: the commit comes from here (build-binary.ts gitCommit)
      env: { ...process.env, ETCD_REPLACE_COMMIT: commit },
    });
    if (r.status !== 0) throw new Error(`release of ${ref} failed (exit ${r.status})${opts.quiet ? `: ${r.stderr.trim().split('\n').slice(-3).join(' ')}` : ''}`);
    const manifestDir = resolve(ROOT, opts.manifestDir ?? '.');
    const text = readFileSync(join(manifestDir, MANIFEST_FILES[0]!), 'utf8');
    const platforms = (YAML.parse(text) as { spec: { platforms: { selector: { matchLabels: { os: string; arch: string } }; uri: string; sha256: string; files: { from: string }[] }[] } }).spec.platforms
      .map((pl) => ({ ...pl.selector.matchLabels, archive: pl.uri.split('/').pop()!, sha256: pl.sha256, files: pl.files.map((f) => f.from) }));
    return { manifests: MANIFEST_FILES.map((f) => join(manifestDir, f)), platforms, sums: '', commit };
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const argv = process.argv.slice(2);
  const opt = (name: string) => { const i = argv.indexOf(name); return i >= 0 ? argv[i + 1] : undefined; };
  const from = argv.includes('--from-commit') ? (opt('--from-commit') ?? 'HEAD') : undefined;
  (from !== undefined
    ? releaseFromCommit(from.startsWith('-') ? 'HEAD' : from, { manifestDir: opt('--manifest-dir') }).then((r) => { for (const m of r.manifests) console.log(relative(ROOT, m)); })
    : release({ dist: opt('--dist'), manifestDir: opt('--manifest-dir'), build: !argv.includes('--no-build') })
      .then((r) => { for (const p of r.platforms) console.log(join(relative(ROOT, resolve(ROOT, opt('--dist') ?? 'dist')), 'release', p.archive)); }))
    .catch((err: unknown) => { console.error(`release: ${err instanceof Error ? err.message : String(err)}`); process.exitCode = 1; });
}
