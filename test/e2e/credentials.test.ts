// End-to-end (issue 20): no credential leaves the cluster through the plugin. Canary values, each unique to this run:
//  - a bearer token in a kubeconfig user (sent over TLS by kubectl), another given with --token (both known to the
//    cluster as OAuthAccessTokens named by their hash, as `oc login` leaves them), and a third the cluster does not know
//    (401 Unauthorized: an error that echoes kubectl's stderr);
//  - a client key (client-key-data of the kubeconfig user, a real key made with openssl);
//  - the etcd TLS keys of the openshift-etcd Secrets, as the simulated etcd operator planted them (read here with plain
//    kubectl, no lib/ code);
//  - a BMC password in a `--bmh` file.
// One simulator for both tests: every command with every output option (table, -o json, -o yaml, -v 9), over the
// kubeconfig's user and with --token, and `bundle`; then a bare-metal `auto --bmh` run killed after the old host is
// deleted, bundled while stopped, resumed to the end and bundled again. Every byte the plugin wrote is collected:
// stdout, stderr, the trace, JUnit, the bundles' contents, every file under the journal home, the Events and Leases it
// wrote. No canary may appear, except the BMC password in a 0600 secret file of the 0700 run directory while the run
// is unfinished.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createHash } from 'node:crypto';
import { gunzipSync } from 'node:zlib';
import YAML from 'yaml';
import { runPlugin, startJudgedSim, stateEnv, waitDiagnosis, type Run } from '../helpers/plugin.ts';
import type { SimHandle } from '../helpers/sim.ts';
import { NS, scenario } from '../helpers/baremetal.ts';

const uniq = () => `${Date.now().toString(36)}${Math.random().toString(36).slice(2, 10)}`;

/** Every file of a ustar archive (the bundle is tar.gz), read without lib/ code. */
function untar(gz: Buffer): { name: string; data: Buffer }[] {
  const tar = gunzipSync(gz);
  const out: { name: string; data: Buffer }[] = [];
  for (let off = 0; off + 512 <= tar.length; ) {
    const h = tar.subarray(off, off + 512);
    if (h.every((b) => b === 0)) break;
    const name = h.toString('latin1', 0, 100).replace(/\0.*$/s, '');
    const prefix = h.toString('latin1', 345, 500).replace(/\0.*$/s, '');
    const size = parseInt(h.toString('latin1', 124, 136).replace(/\0.*$/s, '').trim() || '0', 8);
    out.push({ name: prefix ? `${prefix}/${name}` : name, data: tar.subarray(off + 512, off + 512 + size) });
    off += 512 + Math.ceil(size / 512) * 512;
  }
  return out;
}

const kubectl = (kubeconfig: string, args: string[], input?: string) => execFileSync('kubectl', ['--kubeconfig', kubeconfig, ...args], { encoding: 'utf8', maxBuffer: 64 << 20, input });

let sim: SimHandle;
/** what both tests share: the canaries, the kubeconfig carrying two of them, the --bmh file carrying another */
const c = {} as {
  dir: string; kubeconfig: string; tlsCluster: any; ca: string; bmh: string; TOKEN: string; FLAG_TOKEN: string; UNKNOWN_TOKEN: string; BMC_PASSWORD: string;
  leaks: (what: string, text: string) => string[];
};
/** every file under a folder */
const walk = (d: string): string[] => (existsSync(d) ? readdirSync(d, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? walk(join(d, e.name)) : [join(d, e.name)])) : []);
/** the plugin with the canary kubeconfig; every stream it wrote kept in `outputs` */
function runner(env: Record<string, string>, outputs: { what: string; text: string }[]) {
  return async (args: string[], o: { killWhen?: () => boolean } = {}): Promise<Run> => {
    const r = await runPlugin(null, args, { env: { ...env, KUBECONFIG: c.kubeconfig }, killWhen: o.killWhen });
    outputs.push({ what: `stdout of ${args.join(' ')}`, text: r.stdout }, { what: `stderr of ${args.join(' ')}`, text: r.stderr });
    return r;
  };
}

test.before(async () => {
  sim = await startJudgedSim(scenario({ oct: 57, openshift: '4.16', cpms: 'active', fault: 'machine-stopped' }));
  const dir = (c.dir = mkdtempSync(join(tmpdir(), 'er-canary-')));
  // ---- the canaries
  const TOKEN = `sha256~canary-kubeconfig-token-${uniq()}`;
  const FLAG_TOKEN = `sha256~canary-flag-token-${uniq()}`;
  const UNKNOWN_TOKEN = `sha256~canary-unknown-token-${uniq()}`;
  const BMC_PASSWORD = `canary-bmc-password-${uniq()}`;
  execFileSync('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-days', '2', '-subj', '/CN=canary',
    '-keyout', join(dir, 'client.key'), '-out', join(dir, 'client.crt')], { stdio: 'ignore' });
  const clientKey = readFileSync(join(dir, 'client.key'), 'utf8');
  const kc = YAML.parse(readFileSync(sim.kubeconfig, 'utf8'));
  const tlsCluster = kc.clusters.find((c: any) => c.name === 'sim-tls').cluster;
  kc.users.push({ name: 'canary', user: { token: TOKEN, 'client-certificate-data': Buffer.from(readFileSync(join(dir, 'client.crt'))).toString('base64'), 'client-key-data': Buffer.from(clientKey).toString('base64') } });
  kc.contexts.push({ name: 'canary', context: { cluster: 'sim-tls', user: 'canary' } });
  kc['current-context'] = 'canary';
  const kubeconfig = join(dir, 'kubeconfig');
  writeFileSync(kubeconfig, YAML.stringify(kc), { mode: 0o600 });
  // the cluster knows both canary tokens as `oc login` leaves them: an OAuthAccessToken named by the token's SHA-256
  // (the token itself is nowhere in the cluster), for the user canary-admin
  for (const t of [TOKEN, FLAG_TOKEN]) {
    const name = `sha256~${createHash('sha256').update(t.slice('sha256~'.length)).digest('base64url')}`;
    kubectl(sim.kubeconfig, ['create', '-f', '-'], JSON.stringify({ apiVersion: 'oauth.openshift.io/v1', kind: 'OAuthAccessToken', metadata: { name },
      clientName: 'openshift-challenging-client', userName: 'canary-admin', userUID: '5e0c7f4e-2d1b-4a57-9c7e-0a1b2c3d4e5f', redirectURI: 'https://oauth-openshift.apps.example.com/oauth/token/implicit', scopes: ['user:full'], expiresIn: 86400 }));
  }
  const ca = join(dir, 'ca.crt');
  writeFileSync(ca, Buffer.from(tlsCluster['certificate-authority-data'], 'base64'));
  await waitDiagnosis(sim, 'not-ready');
  const etcdSecrets = JSON.parse(kubectl(sim.kubeconfig, ['-n', 'openshift-etcd', 'get', 'secrets', '-o', 'json'])).items as any[];
  const etcdKeys = etcdSecrets.flatMap((s) => Object.entries(s.data ?? {}).filter(([k]) => k.endsWith('.key')).map(([, v]) => String(v)));
  assert.ok(etcdKeys.length >= 9, `the etcd operator planted TLS keys (${etcdKeys.length})`);
  const pemLines = (pem: string) => pem.split('\n').filter((l) => l.length >= 40 && !l.startsWith('-----'));
  const canaries: Record<string, string[]> = {
    'kubeconfig token': [TOKEN],
    '--token': [FLAG_TOKEN],
    'unknown --token': [UNKNOWN_TOKEN],
    'client key': [Buffer.from(clientKey).toString('base64'), ...pemLines(clientKey)],
    'etcd TLS key': etcdKeys.flatMap((k) => [k, ...pemLines(Buffer.from(k, 'base64').toString('utf8')).slice(0, 2)]),
    'BMC password': [BMC_PASSWORD, Buffer.from(BMC_PASSWORD).toString('base64')],
  };
  const leaks = (what: string, text: string) =>
    Object.entries(canaries).flatMap(([name, values]) => (values.some((v) => text.includes(v)) ? [`${name} in ${what}`] : []));

  Object.assign(c, { kubeconfig, tlsCluster, ca, TOKEN, FLAG_TOKEN, UNKNOWN_TOKEN, BMC_PASSWORD, leaks });
  const bmh = (c.bmh = join(dir, 'bmh.yaml'));
  writeFileSync(bmh, [
    { apiVersion: 'v1', kind: 'Secret', metadata: { name: 'openshift-control-plane-3-bmc-secret', namespace: NS }, type: 'Opaque', stringData: { username: 'admin', password: BMC_PASSWORD } },
    { apiVersion: 'metal3.io/v1alpha1', kind: 'BareMetalHost', metadata: { name: 'openshift-control-plane-3', namespace: NS }, spec: {
      automatedCleaningMode: 'disabled', bmc: { address: 'redfish://10.57.61.19:443/redfish/v1/Systems/1', credentialsName: 'openshift-control-plane-3-bmc-secret', disableCertificateVerification: true },
      bootMACAddress: '48:df:37:b0:57:cc', bootMode: 'UEFI', externallyProvisioned: false, online: true, rootDeviceHints: { deviceName: '/dev/sda' }, userData: { name: 'master-user-data-managed', namespace: NS } } },
  ].map((d) => YAML.stringify(d)).join('---\n'));
});

test.after(async () => {
  await sim?.stop();
});

test('canaries: tokens, a client key, etcd TLS keys and a BMC password never appear in anything any command writes', async () => {
  const { dir, tlsCluster, ca, bmh, FLAG_TOKEN, UNKNOWN_TOKEN, leaks } = c;
  const env = stateEnv({ ETCD_REPLACE_TRACE: join(dir, 'trace.jsonl') });
  const outputs: { what: string; text: string }[] = [];
  const run = runner(env, outputs);
  const viaFlag = ['--server', tlsCluster.server, '--certificate-authority', ca, '--token', FLAG_TOKEN];
  const junit = join(dir, 'junit.xml');
  const [table, json, yaml, v9, dry, server, dryBmh, flagStatus, flagDry, flagServer, unknown] = await Promise.all([
    run(['status']),
    run(['status', '-o', 'json']),
    run(['status', '-o', 'yaml']),
    run(['status', '-v', '9']),
    run(['auto', '--dry-run', '--junit', junit]),
    run(['auto', '--dry-run=server', '-o', 'json']),
    run(['auto', '--dry-run', '--bmh', bmh, '-o', 'json']),
    run(['status', ...viaFlag, '-o', 'json', '-v', '9']),
    run(['auto', '--dry-run', ...viaFlag, '-v', '9']),
    run(['auto', '--dry-run=server', ...viaFlag, '-o', 'json']),
    // a failing call whose kubectl stderr reaches our error message: a token the cluster does not know (401)
    run(['status', '--server', tlsCluster.server, '--insecure-skip-tls-verify', '--token', UNKNOWN_TOKEN, '-v', '9']),
  ]);
  for (const [r, what] of [[table, 'status'], [json, 'status -o json'], [yaml, 'status -o yaml'], [v9, 'status -v 9'], [flagStatus, 'status --token']] as const) {
    assert.is(r.code, 3, `${what}: replaceable\n${r.stderr}`);
  }
  for (const [r, what] of [[dry, 'auto --dry-run'], [server, 'auto --dry-run=server'], [dryBmh, 'auto --dry-run --bmh'], [flagDry, 'auto --dry-run --token'], [flagServer, 'auto --dry-run=server --token']] as const) {
    assert.is(r.code, 0, `${what}\n${r.stdout}\n${r.stderr}`);
  }
  // the plan names the user the cluster knows each token as (never the token)
  for (const r of [dry, flagDry]) assert.match(r.stdout, /user canary-admin\b/);
  for (const r of [server, flagServer]) assert.is(JSON.parse(r.stdout.split('\n')[0]!).cluster.user, 'canary-admin');
  assert.is(unknown.code, 1, unknown.stderr);
  assert.match(unknown.stderr, /not logged in to .*\(Unauthorized\)/);
  assert.match(v9.stderr, /round_trippers\.go/, 'status -v 9 shows kubectl\'s request log');
  assert.is((await run(['version'])).code, 0);

  const bundleFile = join(dir, 'bundle.tar.gz');
  assert.is((await run(['bundle', bundleFile])).code, 0, 'bundle written');
  const end = untar(readFileSync(bundleFile));
  // (wherever the bundle's layout puts them: as `oc adm inspect` does since issue 22)
  const etcdSecrets = end.find((e) => e.name.includes('openshift-etcd') && /secrets/.test(e.name) && e.data.toString('utf8').includes('etcd-peer-'));
  assert.ok(etcdSecrets, `the bundle has the etcd Secrets (scrubbed): ${end.map((e) => e.name).join(', ')}`);

  // ---- collect every byte and look for the canaries
  const texts = [
    ...outputs,
    { what: 'the trace', text: readFileSync(join(dir, 'trace.jsonl'), 'utf8') },
    ...[junit].filter(existsSync).map((f) => ({ what: 'JUnit', text: readFileSync(f, 'utf8') })),
    ...walk(env.XDG_STATE_HOME).map((f) => ({ what: `state file ${f}`, text: readFileSync(f, 'utf8') })),
    ...end.map((e) => ({ what: `bundle entry ${e.name}`, text: e.data.toString('utf8') })),
    { what: 'Events', text: kubectl(sim.kubeconfig, ['get', 'events', '-A', '-o', 'json']) },
    { what: 'Leases', text: kubectl(sim.kubeconfig, ['get', 'leases', '-A', '-o', 'json']) },
  ];
  assert.ok(readFileSync(join(dir, 'trace.jsonl'), 'utf8').includes('--token='), 'the trace has the --token calls');
  const found = texts.flatMap((t) => leaks(t.what, t.text));
  assert.equal(found, [], `canaries leaked:\n${found.join('\n')}`);
});

test('canaries through a bare-metal --bmh run, killed, bundled, resumed and bundled: the BMC password only in a 0600 secret file until the run ends', async () => {
  const { dir, bmh, BMC_PASSWORD, leaks } = c;
  const env = stateEnv({ ETCD_REPLACE_TRACE: join(dir, 'trace-bmh.jsonl'), ETCD_REPLACE_MACHINE_DELETE_WAIT_S: '4' });
  const outputs: { what: string; text: string }[] = [];
  const run = runner(env, outputs);
  const root = join(env.XDG_STATE_HOME, 'etcd-replace');
  const runDir = () => (existsSync(root) ? readdirSync(root).flatMap((cl) => readdirSync(join(root, cl)).map((r) => join(root, cl, r)))[0] : undefined);
  const journal = () => { try { return JSON.parse(readFileSync(join(runDir()!, 'journal.json'), 'utf8')); } catch { return null; } };
  const stepDone = (id: string) => journal()?.steps?.find((s: any) => s.id === id)?.status === 'done';
  const junit1 = join(dir, 'junit-1.xml');
  const killed = await run(['auto', '--yes', '--bmh', bmh, '--junit', junit1, '-o', 'json'], { killWhen: () => stepDone('delete-host') });
  assert.is(killed.code, 'killed', `${killed.stdout}\n${killed.stderr}`);
  const d = runDir()!;
  assert.is(statSync(d).mode & 0o777, 0o700, 'the run directory is 0700');
  /** the run's files the journal does not list as its own: its secret files */
  const secretFiles = () => {
    const own = new Set(['journal.json', ...Object.keys(journal()?.files ?? {})]);
    return readdirSync(d).filter((f) => !own.has(f) && !f.includes('.tmp-'));
  };
  const journalText = () => readdirSync(d).filter((f) => !secretFiles().includes(f)).map((f) => ({ what: `journal file ${f}`, text: readFileSync(join(d, f), 'utf8') }));
  const held = secretFiles().filter((f) => readFileSync(join(d, f), 'utf8').includes(Buffer.from(BMC_PASSWORD).toString('base64')) || readFileSync(join(d, f), 'utf8').includes(BMC_PASSWORD));
  assert.ok(held.length >= 1, `the BMC password is kept for the resume in a secret file (files: ${readdirSync(d).join(', ')})`);
  for (const f of held) assert.is(statSync(join(d, f)).mode & 0o777, 0o600, `${f} is 0600`);
  const midJournal = journalText();
  const bundle = async (name: string) => {
    const f = join(dir, name);
    const r = await run(['bundle', f]);
    assert.is(r.code, 0, r.stderr);
    return untar(readFileSync(f));
  };
  const mid = await bundle('bundle-stopped.tar.gz');
  const readme = mid.find((e) => e.name.endsWith('/README.txt'))!.data.toString();
  for (const f of held) {
    assert.not.ok(mid.some((e) => e.name.endsWith(`/journal/${f}`)), `${f} is not in the bundle`);
    assert.match(readme, f, 'README.txt names the secret file it left out');
  }
  const junit2 = join(dir, 'junit-2.xml');
  const resumed = await run(['auto', '--resume', '--yes', '--junit', junit2, '-o', 'json']);
  assert.is(resumed.code, 0, `${resumed.stdout}\n${resumed.stderr}`);
  assert.equal(secretFiles(), [], 'the secret files are deleted when the run ends');
  const end = await bundle('bundle-done.tar.gz');

  // ---- collect every byte and look for the canaries
  const texts = [
    ...outputs,
    ...midJournal,
    ...walk(env.XDG_STATE_HOME).map((f) => ({ what: `state file ${f}`, text: readFileSync(f, 'utf8') })),
    { what: 'the trace', text: readFileSync(join(dir, 'trace-bmh.jsonl'), 'utf8') },
    ...[junit1, junit2].filter(existsSync).map((f) => ({ what: f, text: readFileSync(f, 'utf8') })),
    ...[...mid, ...end].map((e) => ({ what: `bundle entry ${e.name}`, text: e.data.toString('utf8') })),
    { what: 'Events', text: kubectl(sim.kubeconfig, ['get', 'events', '-A', '-o', 'json']) },
    { what: 'Leases', text: kubectl(sim.kubeconfig, ['get', 'leases', '-A', '-o', 'json']) },
  ];
  assert.ok(existsSync(junit2), 'JUnit written');
  const found = texts.flatMap((t) => leaks(t.what, t.text));
  assert.equal(found, [], `canaries leaked:\n${found.join('\n')}`);
});

test.run();
