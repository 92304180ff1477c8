// krew's own rules, re-stated for the tests, from sigs.k8s.io/krew (fetched at commit db921d5b, May 2026):
//  - validateManifest: internal/index/validation/validate.go (ValidatePlugin, validatePlatform, validateFiles,
//    validateSelector), internal/installation/semver/version.go (Parse: a leading "v", then semantic version),
//    and cmd/validate-krew-manifest/main.go, the check krew-index runs on a pull request (file name
//    <name>.yaml, every platform selector matches one of krew's os/arch pairs, no os/arch matched by two
//    platforms, a LICENSE among the installed files); plus what krew-index reviewers ask for
//    (shortDescription at most 50 characters, description lines at most 80 columns).
//  - krewInstall: internal/installation/install.go (GetMatchingPlatform: the first platform whose selector
//    matches; install: download, verify sha256, extract into a staging folder, apply `files` (default
//    from "*" to "."), move to store/<name>/<version>, link bin/kubectl-<name with _ for -> (".exe" on
//    windows) to the `bin` file), internal/installation/move.go (a `from` naming a file moves it directly,
//    otherwise it is a glob; `to` must be a clean path; nothing may leave its base folder),
//    internal/download/downloader.go (the archive kind is sniffed from its first bytes; entries with ".." or
//    an absolute path are refused; tar regular files and folders only).
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, readdirSync, renameSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { basename, dirname, join, normalize, posix, relative, resolve, sep } from 'node:path';
import YAML from 'yaml';
import { type ReadEntry, readTarGz, readZip } from '../../scripts/archive.ts';

export const KREW_PLATFORMS = [
  'windows/386', 'windows/amd64', 'windows/arm64', 'linux/386', 'linux/amd64', 'linux/arm', 'linux/arm64',
  'linux/ppc64le', 'darwin/386', 'darwin/amd64', 'darwin/arm64',
].map((s) => { const [os, arch] = s.split('/') as [string, string]; return { os, arch }; });

const SEMVER = /^v(0|[1-9]\d*)\.(0|[1-9]\d*)\.(0|[1-9]\d*)(-[0-9A-Za-z-]+(\.[0-9A-Za-z-]+)*)?(\+[0-9A-Za-z-]+(\.[0-9A-Za-z-]+)*)?$/;
const WINDOWS_FORBIDDEN = ['CON', 'PRN', 'AUX', 'NUL', ...[1, 2, 3, 4, 5, 6, 7, 8, 9].flatMap((i) => [`COM${i}`, `LPT${i}`])];
const LICENSE_FILES = ['license', 'license.txt', 'license.md', 'licenses', 'licenses.txt', 'licenses.md', 'copying', 'copying.txt'];

interface Selector {
  matchLabels?: Record<string, string>;
  matchExpressions?: { key: string; operator: string; values?: string[] }[];
}

/** metav1.LabelSelectorAsSelector(sel).Matches({os, arch}). */
export function selectorMatches(sel: Selector, labels: Record<string, string>): boolean {
  for (const [k, v] of Object.entries(sel.matchLabels ?? {})) if (labels[k] !== v) return false;
  for (const e of sel.matchExpressions ?? []) {
    const has = e.key in labels;
    const val = labels[e.key];
    switch (e.operator) {
      case 'In': if (!has || !(e.values ?? []).includes(val!)) return false; break;
      case 'NotIn': if (has && (e.values ?? []).includes(val!)) return false; break;
      case 'Exists': if (!has) return false; break;
      case 'DoesNotExist': if (has) return false; break;
      default: return false;
    }
  }
  return true;
}

/** Problems krew (and krew-index's validate-krew-manifest) would report for a manifest file; [] when none. */
export function validateManifest(text: string, fileName = 'etcd-replace.yaml'): string[] {
  const problems: string[] = [];
  const p = (ok: unknown, msg: string) => { if (!ok) problems.push(msg); };
  let m: any;
  try { m = YAML.parse(text); } catch (e) { return [`not YAML: ${(e as Error).message}`]; }
  p(fileName.endsWith('.yaml'), `manifest file ${fileName} must end in .yaml`);
  const nameFromFile = basename(fileName).replace(/\.yaml$/, '');
  p(m?.apiVersion === 'krew.googlecontainertools.github.com/v1alpha2', 'apiVersion must be krew.googlecontainertools.github.com/v1alpha2');
  p(m?.kind === 'Plugin', 'kind must be Plugin');
  const name = m?.metadata?.name;
  p(/^[\w-]+$/.test(nameFromFile) && !WINDOWS_FORBIDDEN.some((f) => f.toLowerCase() === nameFromFile.toLowerCase()), `plugin name ${nameFromFile} is not allowed`);
  p(name === nameFromFile, `metadata.name ${name} must be the file name ${nameFromFile}`);
  const s = m?.spec ?? {};
  p(typeof s.shortDescription === 'string' && s.shortDescription !== '', 'spec.shortDescription required');
  p(typeof s.shortDescription !== 'string' || !/[\r\n]/.test(s.shortDescription), 'spec.shortDescription must have no line break');
  p(typeof s.shortDescription !== 'string' || s.shortDescription.length <= 50, 'spec.shortDescription at most 50 characters (krew-index)');
  p(Array.isArray(s.platforms) && s.platforms.length > 0, 'spec.platforms must not be empty');
  p(typeof s.version === 'string' && SEMVER.test(s.version), 'spec.version must be semver with a leading v');
  p(typeof s.homepage === 'string' && /^https:\/\//.test(s.homepage), 'spec.homepage must be an https URL (krew-index)');
  const platforms: any[] = Array.isArray(s.platforms) ? s.platforms : [];
  for (const [i, pl] of platforms.entries()) {
    const at = `spec.platforms[${i}]`;
    p(typeof pl?.uri === 'string' && pl.uri !== '', `${at}.uri has to be set`);
    p(typeof pl?.sha256 === 'string' && /^[a-f0-9]{64}$/.test(pl.sha256), `${at}.sha256 must match ^[a-f0-9]{64}$`);
    p(typeof pl?.bin === 'string' && pl.bin !== '', `${at}.bin has to be set`);
    if (pl?.files !== undefined && pl?.files !== null) {
      p(Array.isArray(pl.files) && pl.files.length > 0, `${at}.files has to be unspecified or non-empty`);
      for (const f of Array.isArray(pl.files) ? pl.files : []) p(f?.from && f?.to, `${at}.files: from and to have to be set`);
    }
    const sel: Selector | undefined = pl?.selector;
    p(sel, `${at}: nil selector is not supported`);
    if (!sel) continue;
    p(sel.matchLabels || (sel.matchExpressions ?? []).length > 0, `${at}: empty selector is not supported`);
    const keys = [...Object.keys(sel.matchLabels ?? {}), ...(sel.matchExpressions ?? []).map((e) => e.key)];
    for (const k of keys) p(k === 'os' || k === 'arch', `${at}: selector key ${k} not supported`);
    p(!sel.matchLabels || Object.keys(sel.matchLabels).length > 0, `${at}: matchLabels specified but empty`);
    p(!sel.matchExpressions || sel.matchExpressions.length > 0, `${at}: matchExpressions specified but empty`);
    p(KREW_PLATFORMS.some((e) => selectorMatches(sel, e)), `${at}: selector matches no platform krew supports`);
  }
  for (const env of KREW_PLATFORMS) {
    const idx = platforms.map((pl, i) => (pl?.selector && selectorMatches(pl.selector, env) ? i : -1)).filter((i) => i >= 0);
    p(idx.length <= 1, `spec.platforms ${idx.join(', ')} overlap: both select ${env.os}/${env.arch}`);
  }
  return problems;
}

function suspicious(name: string): void {
  if (name.includes('..')) throw new Error(`refusing to unpack archive with suspicious entry ${JSON.stringify(name)}`);
  if (name.startsWith('/') || name.startsWith('\\')) throw new Error(`refusing to unpack archive with absolute entry ${JSON.stringify(name)}`);
}

/** downloader.go extractArchive: sniffs gzip or zip, extracts regular files and folders with their modes. */
function extract(dst: string, data: Buffer): void {
  let entries: ReadEntry[];
  if (data[0] === 0x1f && data[1] === 0x8b && data[2] === 0x08) entries = readTarGz(data);
  else if (data.subarray(0, 4).equals(Buffer.from('PK\x03\x04', 'latin1'))) entries = readZip(data);
  else throw new Error('archive is neither application/x-gzip nor application/zip');
  for (const e of entries) {
    if (e.name === 'pax_global_header') continue;
    suspicious(e.name);
    const path = join(dst, ...e.name.split('/'));
    if (e.type === 'dir') { mkdirSync(path, { recursive: true, mode: e.mode }); continue; }
    if (e.type !== 'file') throw new Error(`unable to handle the type of ${e.name}`);
    mkdirSync(dirname(path), { recursive: true });
    writeFileSync(path, e.data, { mode: e.mode });
  }
}

const isSub = (base: string, p: string) => { const r = relative(base, p); return r === '' || (!r.startsWith('..') && !r.startsWith(sep) && !/^[a-z]:/i.test(r)); };

/** filepath.Glob, for patterns of *, ? and plain characters per path segment. */
function glob(base: string, pattern: string): string[] {
  const segs = pattern.split('/').filter((x) => x && x !== '.');
  let found = [base];
  for (const seg of segs) {
    const re = new RegExp(`^${seg.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '[^/]*').replace(/\?/g, '[^/]')}$`);
    found = found.flatMap((d) => {
      try { return statSync(d).isDirectory() ? readdirSync(d).filter((n) => re.test(n)).map((n) => join(d, n)) : []; } catch { return []; }
    });
  }
  return found;
}

/** move.go moveAllFiles: each `files` operation, a direct move when `from` names a file, else a glob. */
function applyFiles(fromDir: string, toDir: string, files: { from: string; to: string }[]): void {
  for (const fo of files) {
    if (fo.to !== posix.normalize(fo.to).replace(/\/$/, '') && fo.to !== '.') throw new Error(`the provided path is not clean, ${fo.to}`);
    const direct = resolve(fromDir, normalize(fo.from));
    let moves: { from: string; to: string }[];
    if (existsSync(direct)) {
      moves = [{ from: direct, to: resolve(toDir, fo.to === '.' ? basename(direct) : fo.to) }];
    } else {
      const gl = glob(fromDir, fo.from);
      if (gl.length === 0) throw new Error(`no files in the plugin archive matched the glob pattern=${fo.from}`);
      moves = gl.map((g) => ({ from: g, to: resolve(toDir, fo.to, basename(g)) }));
    }
    for (const m of moves) {
      if (!isSub(fromDir, m.from) || !isSub(toDir, m.to)) throw new Error(`can't move ${m.from} to ${m.to}: out of bounds`);
      mkdirSync(dirname(m.to), { recursive: true });
      renameSync(m.from, m.to);
    }
  }
}

export interface Installed { installDir: string; link: string; target: string; files: string[]; platformIndex: number }

/**
 * `KREW_ROOT=root KREW_OS=os KREW_ARCH=arch kubectl krew install --manifest=… --archive=…`, done as krew does
 * it. `archiveFor(uri)` plays the fetcher: the path of the file that the uri would download.
 */
export function krewInstall(opts: { manifest: string; root: string; os: string; arch: string; archiveFor: (uri: string) => string }): Installed {
  const m = YAML.parse(opts.manifest);
  const name: string = m.metadata.name;
  const version: string = m.spec.version;
  const idx = (m.spec.platforms as any[]).findIndex((pl) => selectorMatches(pl.selector, { os: opts.os, arch: opts.arch }));
  if (idx < 0) throw new Error(`plugin "${name}" does not offer installation for this platform`);
  const pl = m.spec.platforms[idx];
  const receipt = join(opts.root, 'receipts', `${name}.yaml`);
  if (existsSync(receipt)) throw new Error("can't install, the newest version is already installed");
  const data = readFileSync(opts.archiveFor(pl.uri));
  const got = createHash('sha256').update(data).digest('hex');
  if (got !== pl.sha256) throw new Error(`checksum does not match, want: ${pl.sha256}, got ${got}`);
  const staging = join(opts.root, '.staging', 'download');
  const moved = join(opts.root, '.staging', 'move');
  rmSync(join(opts.root, '.staging'), { recursive: true, force: true });
  mkdirSync(staging, { recursive: true });
  mkdirSync(moved, { recursive: true });
  extract(staging, data);
  applyFiles(staging, moved, pl.files ?? [{ from: '*', to: '.' }]);
  const installDir = join(opts.root, 'store', name, version);
  mkdirSync(dirname(installDir), { recursive: true });
  rmSync(installDir, { recursive: true, force: true });
  renameSync(moved, installDir);
  rmSync(join(opts.root, '.staging'), { recursive: true, force: true });
  const target = join(installDir, ...String(pl.bin).split('/'));
  if (!isSub(installDir, resolve(target))) throw new Error(`bin ${pl.bin} is outside the installation directory`);
  if (!existsSync(target)) throw new Error(`can't create symbolic link, source binary (${target}) cannot be found in extracted archive`);
  const binDir = join(opts.root, 'bin');
  mkdirSync(binDir, { recursive: true });
  const link = join(binDir, `kubectl-${name.replaceAll('-', '_')}${opts.os === 'windows' ? '.exe' : ''}`);
  rmSync(link, { force: true });
  symlinkSync(target, link);
  mkdirSync(dirname(receipt), { recursive: true });
  writeFileSync(receipt, YAML.stringify({ ...m, status: { source: { name: 'default' } } }));
  const files: string[] = [];
  const walk = (d: string) => { for (const n of readdirSync(d)) { const p = join(d, n); if (statSync(p).isDirectory()) walk(p); else files.push(relative(installDir, p)); } };
  walk(installDir);
  if (!files.some((f) => LICENSE_FILES.includes(basename(f).toLowerCase()))) throw new Error(`could not find license file among [${files.join(', ')}]`);
  return { installDir, link, target, files: files.sort(), platformIndex: idx };
}
