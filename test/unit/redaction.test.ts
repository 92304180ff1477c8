// The adapter's stderr redaction (kubectl -v 8+ bodies, sealed values) and the bundle's choice of journal files.
import { mkdtempSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { redactStderr } from '../../lib/cluster/kubectl.ts';
import { journalFiles, scrubJournalFile } from '../../lib/commands/bundle.ts';
import { Credential } from '../../lib/security/credential.ts';

const KEY = Buffer.from('-----BEGIN KEY-----\nc2VjcmV0LWtleS1ib2R5LWNhbmFyeQ==\n-----END KEY-----\n').toString('base64');

test('redactStderr: Secret data in -v 9 bodies (parsed or truncated), sealed values, Bearer headers', () => {
  new Credential('flag-token-canary-81');
  const body = JSON.stringify({ kind: 'SecretList', items: [{ kind: 'Secret', metadata: { name: 'etcd-peer-a' }, data: { 'tls.key': KEY } }] });
  const err = [
    `I1202 08:00:00.000000    1 round_trippers.go:553] curl -v -XGET -H "Authorization: Bearer flag-token-canary-81" 'https://api:6443/api/v1/namespaces/openshift-etcd/secrets'`,
    `I1202 08:00:00.000001    1 request.go:1212] Response Body: ${body}`,
    `I1202 08:00:00.000002    1 request.go:1212] Response Body: ${body.slice(0, 90)}`,
    'error: --token=flag-token-canary-81 is not valid',
  ].join('\n');
  const out = redactStderr(err);
  assert.not.ok(out.includes(KEY.slice(0, 40)), out);
  assert.not.ok(out.includes('flag-token-canary-81'), out);
  assert.match(out, /etcd-peer-a/, 'the Secret names stay');
  assert.match(out, /error: --token=<redacted> is not valid/);
});

test('bundle: only journal.json and the files it lists; Secrets inside them scrubbed; secret files left out', () => {
  const run = mkdtempSync(join(tmpdir(), 'bundle-run-'));
  mkdirSync(run, { recursive: true });
  writeFileSync(join(run, 'journal.json'), JSON.stringify({ files: { 'new-host.yaml': 'x' }, facts: { secret: { kind: 'Secret', stringData: { password: 'pw-canary-1234' } } } }));
  writeFileSync(join(run, 'new-host.yaml'), 'kind: Secret\nstringData:\n  password: pw-canary-1234\n---\nkind: BareMetalHost\n');
  writeFileSync(join(run, 'host.secret.json'), '{"password":"pw-canary-1234"}');
  writeFileSync(join(run, 'secrets.json'), '{"password":"pw-canary-1234"}');
  const f = journalFiles(run);
  assert.equal(f.take, ['journal.json', 'new-host.yaml']);
  assert.equal(f.leftOut, ['host.secret.json', 'secrets.json']);
  for (const name of f.take) {
    const text = scrubJournalFile(name, readFileSync(join(run, name))).toString();
    assert.not.ok(text.includes('pw-canary-1234'), text);
  }
});

test.run();
