// lib/security/credential.ts: a Credential / SecretData never turns into its value as text, only into its own 0600
// file; redact() removes every value ever sealed (and its base64-decoded form) from any text.
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { inspect } from 'node:util';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { Credential, REDACTED, SecretData, readSecretFile, redact, scrubSecrets, writeSecretFile } from '../../lib/security/credential.ts';

const TOKEN = 'sha256~canary-token-3f9a1c';
const PASSWORD = 'canary-pass-77e1';

test('a Credential and a SecretData turn into <redacted> whatever turns them into text', () => {
  const c = new Credential(TOKEN);
  const d = new SecretData({ username: Buffer.from('root').toString('base64'), password: Buffer.from(PASSWORD).toString('base64') });
  const texts = [
    JSON.stringify({ c, d, nested: [{ c }] }),
    String(c), `${c}`, 'x' + c, String(d), `${d}`,
    inspect({ c, d }, { depth: 10, showHidden: true }),
    String(new Error(`failed with ${c} and ${d}`)),
  ];
  for (const t of texts) {
    assert.not.ok(t.includes(TOKEN), t);
    assert.not.ok(t.includes(PASSWORD), t);
    assert.not.ok(t.includes(Buffer.from(PASSWORD).toString('base64')), t);
    assert.ok(t.includes(REDACTED), t);
  }
  assert.equal(d.keys(), ['username', 'password']);
  assert.ok(d.has('password'));
  assert.is(Credential.reveal(c), TOKEN);
});

test('only writeSecretFile writes the values: mode 0600, read back sealed', () => {
  const dir = mkdtempSync(join(tmpdir(), 'cred-test-'));
  try {
    const file = join(dir, 'x.secret.json');
    const d = new SecretData({ password: Buffer.from(PASSWORD).toString('base64') });
    writeSecretFile(file, { name: 'bmc', token: new Credential(TOKEN), data: d });
    assert.is(statSync(file).mode & 0o777, 0o600);
    const text = readFileSync(file, 'utf8');
    assert.ok(text.includes(TOKEN) && text.includes(Buffer.from(PASSWORD).toString('base64')), 'the file holds the values');
    const back = readSecretFile<any>(file);
    assert.is(back.name, 'bmc');
    assert.ok(back.token instanceof Credential);
    assert.ok(back.data instanceof SecretData);
    assert.is(Credential.reveal(back.token), TOKEN);
    assert.equal(SecretData.reveal(back.data), SecretData.reveal(d));
    assert.not.ok(JSON.stringify(back).includes(TOKEN));
    assert.is(readSecretFile(join(dir, 'absent.json')), undefined);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('redact: every sealed value, its base64-decoded form and any Bearer token leave the text', () => {
  new Credential(TOKEN);
  new SecretData({ 'tls.key': Buffer.from(`-----BEGIN KEY-----\nQUJDREVGR0hJSktMTU5PUA==\n-----END KEY-----\n`).toString('base64') });
  const out = redact(`error: --token=${TOKEN} refused; Authorization: Bearer abc.def.ghi; line QUJDREVGR0hJSktMTU5PUA== quoted`);
  assert.not.ok(out.includes(TOKEN), out);
  assert.not.ok(out.includes('abc.def.ghi'), out);
  assert.not.ok(out.includes('QUJDREVGR0hJSktMTU5PUA=='), out);
  assert.ok(out.startsWith('error: --token=<redacted> refused'), out);
  assert.is(redact('nothing secret here'), 'nothing secret here');
});

test('scrubSecrets: every Secret at any depth loses data/stringData, keeps its key names', () => {
  const doc = { facts: { manifest: { host: { kind: 'BareMetalHost' }, secret: { kind: 'Secret', metadata: { name: 'bmc' }, stringData: { password: PASSWORD }, data: { username: 'cm9vdA==' } } } } };
  const s = scrubSecrets(doc);
  assert.not.ok(JSON.stringify(s).includes(PASSWORD));
  assert.not.ok(JSON.stringify(s).includes('cm9vdA=='));
  assert.is(s.facts.manifest.secret.metadata.annotations['etcd-replace.openshift.io/bundle-data-removed'], 'username,password');
  assert.equal(s.facts.manifest.host, { kind: 'BareMetalHost' });
});

test.run();
