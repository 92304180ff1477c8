// The adapter's stderr redaction (kubectl -v 8+ bodies, sealed values) and the bundle's choice of journal files.
import { mkdtempSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { Kube, redactStderr } from '../../lib/cluster/kubectl.ts';
import { clusterIdentity, describeCluster } from '../../lib/cluster/identity.ts';
import { journalFiles, scrubJournalFile } from '../../lib/commands/bundle.ts';
import { Credential, redact } from '../../lib/security/credential.ts';

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

test('a server naming the user by a credential: the plan shows <redacted> (the kubeconfig credentials are sealed when it is read)', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'fake-kubectl-'));
  const TOKEN = 'sha256~kubeconfig-token-canary-5521';
  const FILE_TOKEN = 'token-file-canary-7734';
  writeFileSync(join(dir, 'token'), `${FILE_TOKEN}\n`);
  const KEY_PEM = '-----BEGIN EC PRIVATE KEY-----\nMHcCAQEEIKeyLineCanaryKeyLineCanaryKeyLineCanary0123456789AB\n-----END EC PRIVATE KEY-----\n';
  const cfg = {
    'current-context': 'c',
    clusters: [{ name: 'x', cluster: { server: 'https://api.example:6443' } }],
    users: [{ name: 'u', user: { token: TOKEN, tokenFile: join(dir, 'token'), 'client-key-data': Buffer.from(KEY_PEM).toString('base64') } }],
  };
  writeFileSync(join(dir, 'view.json'), JSON.stringify(cfg));
  // a fake kubectl: `config view` prints the kubeconfig, a SelfSubjectReview answers with the name given by the test
  writeFileSync(
    join(dir, 'kubectl'),
    ['#!/bin/sh', 'case "$*" in', `  *"config view"*) cat '${join(dir, 'view.json')}' ;;`, `  *selfsubjectreviews*) printf '{"status":{"userInfo":{"username":"%s"}}}' "$(cat '${join(dir, 'name')}')" ;;`, '  *) exit 1 ;;', 'esac', ''].join('\n'),
    { mode: 0o755 },
  );
  const kube = new Kube({ client: 'kubectl', env: { PATH: `${dir}:/usr/bin:/bin` } });
  for (const [name, shown] of [
    [TOKEN, '<redacted>'],
    [FILE_TOKEN, '<redacted>'],
    ['MHcCAQEEIKeyLineCanaryKeyLineCanaryKeyLineCanary0123456789AB', '<redacted>'],
    ['kube:admin', 'kube:admin'],
  ]) {
    writeFileSync(join(dir, 'name'), name!);
    const id = await clusterIdentity(kube);
    assert.is(id.user, shown, name);
    assert.is(id.server, 'https://api.example:6443');
  }
  assert.not.ok(describeCluster(await clusterIdentity(kube)).includes('canary'));
});

test('an exec credential plugin: its env values and --flag values that say credential are sealed when the kubeconfig is read; the rest is not', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'fake-kubectl-exec-'));
  const ENV_TOKEN = 'ghp_execEnvTokenCanary4471';
  const SECRET_KEY = 'wJalrXUtnFEMI/K7MDENG/execCanary9903';
  const ARG_SECRET = 'exec-arg-secret-canary-6620';
  const ARG_TOKEN = 'exec-arg-token-canary-1187';
  const cfg = {
    'current-context': 'c',
    clusters: [{ name: 'x', cluster: { server: 'https://api.example:6443' } }],
    users: [
      {
        name: 'u',
        user: {
          exec: {
            apiVersion: 'client.authentication.k8s.io/v1',
            command: 'my-login',
            args: ['get-token', '--region', 'eu-west-3', `--client-secret=${ARG_SECRET}`, '--token', ARG_TOKEN, '--verbose'],
            env: [
              { name: 'GITHUB_TOKEN', value: ENV_TOKEN },
              { name: 'AWS_SECRET_ACCESS_KEY', value: SECRET_KEY },
              { name: 'AWS_REGION', value: 'eu-west-3' },
              { name: 'LOGIN_MODE', value: 'devicecode' },
            ],
            interactiveMode: 'Never',
          },
        },
      },
    ],
  };
  writeFileSync(join(dir, 'view.json'), JSON.stringify(cfg));
  // a fake kubectl: `config view` prints the kubeconfig; any other call fails the way kubectl does when an exec plugin
  // fails, with the plugin's own stderr (here echoing its environment and arguments)
  writeFileSync(
    join(dir, 'kubectl'),
    ['#!/bin/sh', 'case "$*" in', `  *"config view"*) cat '${join(dir, 'view.json')}' ;;`, `  *) echo "Unable to connect to the server: getting credentials: exec: executable my-login failed with exit code 1 (GITHUB_TOKEN=${ENV_TOKEN} AWS_SECRET_ACCESS_KEY=${SECRET_KEY} AWS_REGION=eu-west-3 args: --client-secret=${ARG_SECRET} --token ${ARG_TOKEN})" >&2; exit 1 ;;`, 'esac', ''].join('\n'),
    { mode: 0o755 },
  );
  const kube = new Kube({ client: 'kubectl', env: { PATH: `${dir}:/usr/bin:/bin` } });
  const canaries = [ENV_TOKEN, SECRET_KEY, ARG_SECRET, ARG_TOKEN];
  // before the kubeconfig is read, nothing knows them (the assertions below can fail)
  assert.ok(canaries.every((c) => redact(JSON.stringify(cfg)).includes(c)));
  assert.is((await kube.server()).server, 'https://api.example:6443');
  const shown = redact(JSON.stringify(cfg));
  for (const c of canaries) assert.not.ok(shown.includes(c), `${c} in ${shown}`);
  for (const kept of ['eu-west-3', 'devicecode', 'get-token', 'my-login']) assert.ok(shown.includes(kept), `${kept} redacted: ${shown}`);
  // what a failed call carries out of the adapter (its stderr, the error built from it) has none of them
  const e = await kube.run(['get', 'pods'], { allowFailure: true, retries: 0 }).then(() => null, (x: Error) => x);
  assert.match(String(e?.message), /executable my-login failed/);
  for (const c of canaries) assert.not.ok(String(e!.message).includes(c), `${c} in ${e!.message}`);
});

test('a call that fails while server() still reads the kubeconfig (status runs both at once): its error waits for the seal', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'fake-kubectl-race-'));
  const ENV_TOKEN = 'race-exec-env-token-canary-3318';
  const cfg = { clusters: [{ name: 'x', cluster: { server: 'https://api.example:6443' } }], users: [{ name: 'u', user: { exec: { command: 'my-login', env: [{ name: 'OIDC_TOKEN', value: ENV_TOKEN }] } } }] };
  writeFileSync(join(dir, 'view.json'), JSON.stringify(cfg));
  writeFileSync(
    join(dir, 'kubectl'),
    ['#!/bin/sh', 'case "$*" in', `  *"config view"*) sleep 1; cat '${join(dir, 'view.json')}' ;;`, `  *) echo "error: exec plugin my-login: OIDC_TOKEN=${ENV_TOKEN} rejected" >&2; exit 1 ;;`, 'esac', ''].join('\n'),
    { mode: 0o755 },
  );
  const kube = new Kube({ client: 'kubectl', env: { PATH: `${dir}:/usr/bin:/bin` } });
  const [r] = await Promise.all([kube.run(['get', 'pods'], { allowFailure: true, retries: 0 }), kube.server()]);
  assert.match(r.stderr, /exec plugin my-login: OIDC_TOKEN=<redacted> rejected/);
});

test.run();
