// krew-manifest.yaml against krew's rules (anchors.md §4: pkg/index/types.go, internal/index/validation/validate.go,
// plugin-manifest.md, and what krew-index reviewers ask for).
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import YAML from 'yaml';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const TEXT = readFileSync(join(ROOT, 'krew-manifest.yaml'), 'utf8');
const PKG = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { version: string };
const SEMVER = /^v(0|[1-9]\d*)\.(0|[1-9]\d*)\.(0|[1-9]\d*)(-[0-9A-Za-z.-]+)?(\+[0-9A-Za-z.-]+)?$/;
const WINDOWS_RESERVED = /^(con|prn|aux|nul|com\d|lpt\d)$/i;

/** The checks krew's validation applies to a manifest; returns the problems found. */
function validateManifest(text: string): string[] {
  const problems: string[] = [];
  const p = (ok: unknown, msg: string) => { if (!ok) problems.push(msg); };
  let m: any;
  try { m = YAML.parse(text); } catch (e) { return [`not YAML: ${(e as Error).message}`]; }
  p(m?.apiVersion === 'krew.googlecontainertools.github.com/v1alpha2', 'apiVersion must be krew.googlecontainertools.github.com/v1alpha2');
  p(m?.kind === 'Plugin', 'kind must be Plugin');
  const name = m?.metadata?.name;
  p(typeof name === 'string' && /^[\w-]+$/.test(name), 'metadata.name must match ^[\\w-]+$');
  p(!WINDOWS_RESERVED.test(String(name)), 'metadata.name must not be a Windows reserved name');
  const s = m?.spec ?? {};
  p(typeof s.version === 'string' && SEMVER.test(s.version), 'spec.version must be semver with a leading v');
  p(typeof s.shortDescription === 'string' && s.shortDescription.trim().length > 0, 'spec.shortDescription required');
  p(typeof s.shortDescription !== 'string' || !/[\r\n]/.test(s.shortDescription.trim()), 'spec.shortDescription must be one line');
  p(typeof s.shortDescription !== 'string' || s.shortDescription.length <= 50, 'spec.shortDescription at most 50 characters');
  p(typeof s.description === 'string' && s.description.trim().length > 0, 'spec.description required');
  p(typeof s.homepage === 'string' && /^https:\/\//.test(s.homepage), 'spec.homepage must be an https URL');
  p(Array.isArray(s.platforms) && s.platforms.length > 0, 'spec.platforms must not be empty');
  for (const [i, pl] of (Array.isArray(s.platforms) ? s.platforms : []).entries()) {
    const at = `platforms[${i}]`;
    const sel = pl?.selector;
    p(sel && (sel.matchLabels || sel.matchExpressions), `${at}.selector must have matchLabels or matchExpressions`);
    const keys = [...Object.keys(sel?.matchLabels ?? {}), ...((sel?.matchExpressions ?? []) as { key: string }[]).map((e) => e.key)];
    p(keys.length > 0, `${at}.selector must not be empty`);
    for (const k of keys) p(k === 'os' || k === 'arch', `${at}.selector key ${k} is not os or arch`);
    p(typeof pl?.uri === 'string' && /\.(tar\.gz|zip)$/.test(pl.uri), `${at}.uri must end in .tar.gz or .zip`);
    p(typeof pl?.sha256 === 'string' && /^[a-f0-9]{64}$/.test(pl.sha256), `${at}.sha256 must match ^[a-f0-9]{64}$`);
    p(typeof pl?.bin === 'string' && pl.bin.length > 0, `${at}.bin required`);
    if (pl?.files !== undefined) {
      p(Array.isArray(pl.files) && pl.files.length > 0, `${at}.files, when present, must not be empty`);
      for (const f of Array.isArray(pl.files) ? pl.files : []) p(f?.from && f?.to, `${at}.files entries need from and to`);
      p((pl.files ?? []).some((f: any) => /^LICEN[SC]E/.test(String(f?.from))), `${at}.files must extract the LICENSE`);
      p((pl.files ?? []).some((f: any) => f?.from === pl.bin || String(f?.from).endsWith(`/${pl.bin}`)), `${at}.files must extract bin`);
    }
    if (sel?.matchLabels?.os === 'windows') p(String(pl?.bin).endsWith('.exe'), `${at}.bin must be an .exe on windows`);
  }
  return problems;
}

const m = YAML.parse(TEXT);

test('krew-manifest.yaml passes krew validation', () => {
  assert.equal(validateManifest(TEXT), []);
});

test('name is etcd-replace and krew links it as the executable name (dashes -> underscores)', () => {
  assert.is(m.metadata.name, 'etcd-replace');
  assert.is(`kubectl-${m.metadata.name.replaceAll('-', '_')}`, 'kubectl-etcd_replace');
  for (const pl of m.spec.platforms) assert.is(pl.bin, 'kubectl-etcd_replace');
});

test('version is the package version with a v', () => {
  assert.is(m.spec.version, `v${PKG.version}`);
});

test('uri is the GitHub release of that version with the archive name for the platform', () => {
  for (const pl of m.spec.platforms) {
    const { os, arch } = pl.selector.matchLabels;
    assert.is(pl.uri, `https://github.com/etcd-replace/kubectl-etcd_replace/releases/download/${m.spec.version}/kubectl-etcd_replace_${PKG.version}_${os}_${arch}.tar.gz`);
    assert.ok(['linux', 'darwin', 'windows'].includes(os), os);
    assert.ok(['amd64', 'arm64'].includes(arch), arch);
  }
  const pairs = m.spec.platforms.map((pl: any) => `${pl.selector.matchLabels.os}/${pl.selector.matchLabels.arch}`);
  assert.is(new Set(pairs).size, pairs.length, 'one entry per os/arch');
});

test('description and caveats follow the reviewers: wrapped at 80 columns, no flag lists', () => {
  const lines = TEXT.split('\n');
  const start = lines.findIndex((l) => /^  description:/.test(l));
  const end = lines.findIndex((l, i) => i > start && /^  platforms:/.test(l));
  for (const l of lines.slice(start, end)) assert.ok(l.length <= 80, `longer than 80: ${l}`);
  assert.not.match(m.spec.description, /(^|\s)--?[a-z]/m, 'no flags in description');
  assert.not.match(m.spec.description, /kubectl etcd-replace /, 'no usage examples in description');
  assert.match(m.spec.caveats, /cluster-admin/);
  assert.match(m.spec.caveats, /backup/);
});

test('validator rejects what krew rejects', () => {
  const bad = (mut: (x: any) => void) => { const x = YAML.parse(TEXT); mut(x); return validateManifest(YAML.stringify(x)); };
  assert.ok(bad((x) => { x.spec.version = '0.1.0'; }).length > 0, 'version without v');
  assert.ok(bad((x) => { x.spec.shortDescription = 'x'.repeat(51); }).length > 0, 'long shortDescription');
  assert.ok(bad((x) => { x.spec.shortDescription = 'a\nb'; }).length > 0, 'two-line shortDescription');
  assert.ok(bad((x) => { x.spec.platforms = []; }).length > 0, 'no platforms');
  assert.ok(bad((x) => { x.spec.platforms[0].selector.matchLabels.distro = 'rhel'; }).length > 0, 'selector key');
  assert.ok(bad((x) => { x.spec.platforms[0].sha256 = 'ABC'; }).length > 0, 'sha256');
  assert.ok(bad((x) => { x.spec.platforms[0].uri = 'https://x/y.tgz'; }).length > 0, 'uri');
  assert.ok(bad((x) => { x.spec.platforms[0].files = [{ from: 'kubectl-etcd_replace', to: '.' }]; }).length > 0, 'LICENSE');
  assert.ok(bad((x) => { x.metadata.name = 'etcd replace'; }).length > 0, 'name');
  assert.ok(bad((x) => { x.kind = 'Plug'; }).length > 0, 'kind');
});

test.run();
