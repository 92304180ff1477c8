// The kubectl-native command line against the simulator and the real kubectl: --dry-run=client|server, usage errors,
// the plan header (API server, context, user, cluster ID), forwarded connection flags (seen in the sim's request log:
// TLS, token user, impersonation, request timeout), one-line errors (missing kubeconfig, unknown context, expired
// token, Forbidden, not OpenShift), auto -o json, NO_COLOR / TERM=dumb, English whatever the locale, version -o json,
// --help examples, shell completion through `kubectl __complete`. One simulator for all; the lease and bundle are
// in lease.test.ts (a full run).
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { spawn, execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync, symlinkSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import YAML from 'yaml';
import { kubectl, type SimHandle } from '../helpers/sim.ts';
import { startJudgedSim, waitDiagnosis } from '../helpers/plugin.ts';
import * as judge from '../helpers/judge.ts';
import { main } from '../../lib/main.ts';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const NODE0 = 'ip-10-31-131-183.ec2.internal';
const scenario = `openshift: "4.14"
platform: aws
controlPlaneMachineSet: absent
masters:
  - {node: ${NODE0}, ip: 10.31.131.183, machine: clustername-8qw5l-master-0}
  - {node: ip-10-31-154-204.ec2.internal, ip: 10.31.154.204, machine: clustername-8qw5l-master-1}
  - {node: ip-10-31-164-97.ec2.internal,  ip: 10.31.164.97,  machine: clustername-8qw5l-master-2}
workers: 0
timing: {provisionSeconds: 1, rolloutSeconds: 1}
faults:
  - {node: ${NODE0}, kind: machine-stopped}
`;

interface Run { code: number | null; stdout: string; stderr: string }

/** Runs the plugin with process.env + `env`; a key set to undefined in `env` is removed (the test runner sets NO_COLOR). */
function plugin(args: string[], env: NodeJS.ProcessEnv): Promise<Run> {
  const full: NodeJS.ProcessEnv = { ...process.env, ...env };
  for (const k of Object.keys(full)) if (full[k] === undefined) delete full[k];
  return new Promise((res) => {
    const p = spawn(process.execPath, ['--import', 'tsx', join(ROOT, 'lib/main.ts'), ...args], { cwd: ROOT, env: full, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    p.stdout.on('data', (d) => (stdout += d));
    p.stderr.on('data', (d) => (stderr += d));
    p.on('close', (code) => res({ code, stdout, stderr }));
  });
}

/** main() in this process (usage errors happen before any cluster call; saves a process start per case) */
async function inProcess(args: string[]): Promise<Run> {
  const saved = { KUBECONFIG: process.env.KUBECONFIG, XDG_STATE_HOME: process.env.XDG_STATE_HOME };
  Object.assign(process.env, env);
  let stderr = '';
  let stdout = '';
  const errWrite = process.stderr.write.bind(process.stderr);
  const outWrite = process.stdout.write.bind(process.stdout);
  process.stderr.write = ((c: string) => ((stderr += c), true)) as typeof process.stderr.write;
  process.stdout.write = ((c: string) => ((stdout += c), true)) as typeof process.stdout.write;
  try {
    const code = await main(args);
    return { code, stdout, stderr };
  } finally {
    process.stderr.write = errWrite;
    process.stdout.write = outWrite;
    for (const [key, v] of Object.entries(saved)) if (v === undefined) delete process.env[key]; else process.env[key] = v;
  }
}

let sim: SimHandle;
let env: NodeJS.ProcessEnv;
let kc: any;
const log = () => join(sim.stateDir, 'requests.jsonl');
const logLines = (from: number) => readFileSync(log(), 'utf8').slice(from).split('\n').filter(Boolean).map((l) => JSON.parse(l));
const logSize = () => (existsSync(log()) ? readFileSync(log(), 'utf8').length : 0);

test.before(async () => { try {
  sim = await startJudgedSim(scenario);
  env = { KUBECONFIG: sim.kubeconfig, XDG_STATE_HOME: mkdtempSync(join(tmpdir(), 'er-cli-')), ETCD_REPLACE_POLL_MS: '300' };
  kc = YAML.parse(readFileSync(sim.kubeconfig, 'utf8'));
  // the stopped machine's node goes NotReady after the grace period
  await waitDiagnosis(sim, 'not-ready');
  } catch (e) { console.error('before:', e); throw e; }
});
test.after(async () => {
  await sim?.stop();
});

/** The world as it is (test/helpers/judge.ts: etcd's own member list, plain kubectl), to compare before and after. */
async function snapshot() {
  const members = (await judge.members(sim)).map((m) => m.id).sort();
  const cr = await judge.expectExists(sim, ['etcd', 'cluster']);
  const secrets = kubectl(sim, ['-n', 'openshift-etcd', 'get', 'secrets', '-o', 'name']).stdout;
  const machines = kubectl(sim, ['-n', 'openshift-machine-api', 'get', 'machines', '-o', 'name']).stdout;
  const nodes = kubectl(sim, ['get', 'nodes', '-o', 'name']).stdout;
  return { members, cr: JSON.stringify(cr.spec), secrets, machines, nodes };
}

test('usage errors: --dry-run values, flags without a value, --resume with --member (exit 2, one line)', async () => {
  const cases: [string[], RegExp][] = [
    [['auto', '--dry-run=maybe', '--yes'], /invalid value "maybe" for --dry-run: choose one of client, server, none/],
    [['auto', '--dry-run=false', '--yes'], /invalid value "false" for --dry-run/],
    [['auto', '--yes', '--member'], /--member needs a value/],
    [['auto', '--yes', '--member='], /--member needs a value/],
    [['status', '--context'], /--context needs a value/],
    [['status', '--kubeconfig='], /--kubeconfig needs a value/],
    [['auto', '--resume', '--member', 'x'], /--resume and --member cannot be used together/],
    [['status', '--request-timeout=soon'], /invalid value "soon" for --request-timeout/],
    [['status', '-o', 'xml'], /invalid value "xml" for -o\/--output/],
  ];
  const before = await snapshot();
  for (const [args, re] of cases) {
    const r = await inProcess(args);
    assert.is(r.code, 2, `${args.join(' ')}: exit ${r.code}\n${r.stderr}`);
    assert.match(r.stderr, re, args.join(' '));
    assert.is(r.stderr.trim().split('\n').length, 1, `one line: ${r.stderr}`);
  }
  assert.equal(await snapshot(), before, 'nothing changed');
});

test('--dry-run=client with --yes (the bare flag: auto.test.ts): the plan names server, context, user, cluster ID; nothing changes', async () => {
  const before = await snapshot();
  const id = kubectl(sim, ['get', 'clusterversion', 'version', '-o', 'jsonpath={.spec.clusterID}']).stdout.trim();
  for (const flag of ['--dry-run=client']) {
    const r = await plugin(['auto', flag, '--yes'], env);
    assert.is(r.code, 0, `${flag}: ${r.stderr}`);
    assert.match(r.stdout, `Cluster: ${sim.url} (context admin, user system:admin, cluster ID ${id})`);
    assert.match(r.stdout, /member remove/);
    assert.match(r.stdout, /dry run: nothing was changed/);
  }
  assert.equal(await snapshot(), before);
  assert.not.ok(kubectl(sim, ['-n', 'openshift-etcd', 'get', 'lease', 'etcd-replace']).exitCode === 0, 'no lease taken by a dry run');
});

test('--dry-run=server: every API write of the plan sent with dryRun=All, accepted, nothing persisted', async () => {
  const before = await snapshot();
  const mark = judge.requestMark(sim);
  const r = await plugin(['auto', '--dry-run=server', '--context', 'tls'], env);
  assert.is(r.code, 0, r.stderr);
  assert.match(r.stdout, /user kube:admin/);
  assert.match(r.stdout, /accepted by the API server: kubectl --context tls -n openshift-etcd delete secret etcd-peer-ip-10-31-131-183\.ec2\.internal --ignore-not-found --dry-run=server/);
  assert.match(r.stdout, /accepted by the API server: kubectl --context tls patch etcd cluster .* --dry-run=server/);
  assert.match(r.stdout, /server dry run: (\d+) of \1 API writes accepted/);
  // every request that asks for a change, whatever its verb (the API server's request log): sent as a dry run
  const writes = judge.writesSince(sim, mark);
  const verbs = [...new Set(writes.map((w) => w.method))].sort();
  // the plan deletes (secrets, machine, node) and patches (etcd/cluster); whatever else it sends is checked alike
  assert.ok(writes.length >= 5 && verbs.includes('DELETE') && verbs.includes('PATCH'), `writes: ${writes.map((w) => `${w.method} ${w.url}`).join('; ')}`);
  for (const w of writes) assert.ok(judge.isDryRun(w), `not a dry run: ${w.method} ${w.url}`);
  judge.expectNoWritesSince(sim, mark);
  assert.equal(await snapshot(), before, 'nothing persisted');
});

test('connection flags are forwarded to every call (request log: TLS, token user, --as/--as-group, --request-timeout); -v shows calls, never the token', async () => {
  const from = logSize();
  const r = await plugin(['status', '--context', 'tls', '--as', 'system:admin', '--as-group', 'system:masters', '--as-group', 'ops', '--request-timeout=25s', '-v', '1'], env);
  assert.is(r.code, 3, r.stderr);
  assert.match(r.stderr, /\[kube \d+ms rc=0\] kubectl --context tls --as=system:admin --as-group=system:masters --as-group=ops --request-timeout=25s -v=1 /);
  const lines = logLines(from);
  assert.ok(lines.length >= 5, `${lines.length} requests`);
  for (const l of lines) {
    assert.ok(l.tls, `over TLS: ${l.url}`);
    assert.is(l.impersonateUser, 'system:admin', l.url);
    assert.equal(l.impersonateGroups, ['system:masters', 'ops'], l.url);
  }
  assert.ok(lines.filter((l) => !/^\/(api|apis)(\/[^/]+){0,2}$|^\/version|openapi/.test(l.url.split('?')[0])).every((l) => /[?&]timeout=25s/.test(l.url)), JSON.stringify(lines.map((l) => l.url)));

  // --server/--certificate-authority/--token without a context's credentials; --cluster/--user; --insecure-skip-tls-verify
  const ca = join(env.XDG_STATE_HOME!, 'ca.crt');
  const tlsCluster = kc.clusters.find((c: any) => c.name === 'sim-tls').cluster;
  writeFileSync(ca, Buffer.from(tlsCluster['certificate-authority-data'], 'base64'));
  const token = kc.users.find((u: any) => u.name === 'kubeadmin').user.token;
  const variants: string[][] = [
    ['--server', tlsCluster.server, '--certificate-authority', ca, '--token', token],
    ['--cluster', 'sim-tls', '--user', 'kubeadmin'],
    ['--server', tlsCluster.server, '--insecure-skip-tls-verify', '--token', token],
  ];
  for (const v of variants) {
    const at = logSize();
    const x = await plugin(['status', '-o', 'json', ...v, '-v', '2'], env);
    assert.is(x.code, 3, `${v.join(' ')}: ${x.stderr}`);
    assert.not.match(x.stderr + x.stdout, token, 'the token is never printed');
    const ls = logLines(at);
    assert.ok(ls.length > 0 && ls.every((l) => l.tls && l.user === 'kube:admin'), `${v.join(' ')}: ${JSON.stringify(ls.slice(0, 3))}`);
  }
});

test('one-line errors: missing kubeconfig, unknown context, expired token (Unauthorized), Forbidden names verb and resource', async () => {
  const missing = await plugin(['status'], { ...env, KUBECONFIG: '/no/such/file' });
  assert.is(missing.code, 1);
  assert.is(missing.stderr.trim(), 'error: kubeconfig /no/such/file (from KUBECONFIG) does not exist. Set KUBECONFIG to an existing file, or pass --kubeconfig.');
  const flag = await plugin(['status', '--kubeconfig', '/no/such/kc'], env);
  assert.is(flag.code, 1);
  assert.match(flag.stderr, /kubeconfig \/no\/such\/kc \(from --kubeconfig\) does not exist/);
  const dir = await plugin(['status', '--kubeconfig', '/tmp'], env);
  assert.match(dir.stderr, /kubeconfig \/tmp \(from --kubeconfig\) is a directory/);
  const ctx = await plugin(['status', '--context', 'nope'], env);
  assert.is(ctx.code, 1);
  assert.match(ctx.stderr, /^error: context "nope" not found in kubeconfig/);

  kubectl(sim, ['create', 'namespace', 'sim-system']);
  const token = kc.users.find((u: any) => u.name === 'kubeadmin').user.token;
  assert.is(kubectl(sim, ['-n', 'sim-system', 'create', 'configmap', 'expired-tokens', `--from-literal=tokens=${token}`]).exitCode, 0);
  const expired = await plugin(['status', '--context', 'tls'], env);
  kubectl(sim, ['-n', 'sim-system', 'delete', 'configmap', 'expired-tokens']);
  assert.is(expired.code, 1);
  assert.match(expired.stderr, /^error: not logged in to https:\/\/127\.0\.0\.1:\d+ \(Unauthorized\)\. Log in as a cluster-admin user/);
  assert.is(expired.stderr.trim().split('\n').length, 1);

  assert.is(kubectl(sim, ['-n', 'sim-system', 'create', 'configmap', 'forbidden-users', '--from-literal=users=developer']).exitCode, 0);
  const forbidden = await plugin(['status', '--context', 'tls', '--as', 'developer'], env);
  kubectl(sim, ['-n', 'sim-system', 'delete', 'configmap', 'forbidden-users']);
  assert.is(forbidden.code, 1);
  assert.match(forbidden.stderr, /^error: you are not allowed to (get|list) [a-z.]+( in openshift-[a-z-]+)?: etcd-replace needs cluster-admin/);
});

test('auto -o json: one JSON object per line (plan, planned per step, result); --dry-run keeps it valid', async () => {
  const r = await plugin(['auto', '--dry-run', '-o', 'json'], env);
  assert.is(r.code, 0, r.stderr);
  const events = r.stdout.trim().split('\n').map((l) => JSON.parse(l));
  assert.is(events[0].event, 'plan');
  assert.is(events[0].cluster.user, 'system:admin');
  const planned = events.filter((e) => e.event === 'planned');
  assert.is(planned.length, events[0].steps);
  assert.ok(planned.some((e) => e.step === 'remove-member' && e.destructive === true && /member remove/.test(e.commands[0])));
  assert.equal(events[events.length - 1], { ...events[events.length - 1], event: 'result', status: 'dry-run', exitCode: 0 });
});

test('NO_COLOR and TERM=dumb: no escape sequences even when colors are forced', async () => {
  for (const extra of [{ NO_COLOR: '1' }, { TERM: 'dumb' }]) {
    const r = await plugin(['status'], { ...env, FORCE_COLOR: '1', TERM: 'xterm', NO_COLOR: undefined, ...extra });
    assert.is(r.code, 3, r.stderr);
    assert.not.match(r.stdout, /\x1b\[/, JSON.stringify(extra));
  }
  const forced = await plugin(['status'], { ...env, FORCE_COLOR: '1', TERM: 'xterm', NO_COLOR: undefined });
  assert.match(forced.stdout, /\x1b\[/, 'colors when forced (the check above can fail)');
});

test('LANG/LC_ALL of another language: kubectl messages stay English', async () => {
  const r = await plugin(['status', '--context', 'nope'], { ...env, LANG: 'de_DE.UTF-8', LC_ALL: 'de_DE.UTF-8', LANGUAGE: 'de' });
  assert.match(r.stderr, /^error: context "nope" not found in kubeconfig/);
});

test('version -o json; every --help ends with examples', async () => {
  const v = await inProcess(['version', '-o', 'json']);
  assert.is(v.code, 0);
  assert.equal(Object.keys(JSON.parse(v.stdout)), ['version', 'commit', 'node']);
  for (const c of [[], ['status'], ['auto'], ['bundle'], ['version']]) {
    const h = await inProcess([...c, '--help']);
    assert.is(h.code, 0);
    assert.match(h.stdout, /Examples:\n\s+kubectl etcd-replace /, c.join(' '));
  }
});

test('shell completion through kubectl plugin completion (kubectl __complete etcd-replace …)', () => {
  const bin = mkdtempSync(join(tmpdir(), 'er-bin-'));
  symlinkSync(join(ROOT, 'bin/kubectl-etcd_replace.js'), join(bin, 'kubectl-etcd_replace'));
  symlinkSync(join(ROOT, 'bin/kubectl_complete-etcd_replace.js'), join(bin, 'kubectl_complete-etcd_replace'));
  const run = (...words: string[]) =>
    execFileSync('kubectl', ['__complete', 'etcd-replace', ...words], { env: { ...process.env, ...env, PATH: `${bin}:${process.env.PATH}` }, encoding: 'utf8', timeout: 30_000 });
  const cmds = run('');
  for (const c of ['status', 'auto', 'bundle', 'version']) assert.match(cmds, new RegExp(`^${c}(\\t|$)`, 'm'), cmds);
  assert.match(cmds, /^:4$/m);
  assert.match(run('auto', '--dry'), /^--dry-run(\t|$)/m);
  assert.equal(run('auto', '--dry-run', '').split('\n').filter((l) => l && !l.startsWith(':')), ['client', 'server', 'none']);
  const ctx = run('--context', '');
  assert.match(ctx, /^admin$/m);
  assert.match(ctx, /^tls$/m);
});

test('the real kubectl: -v N log passed through untouched, --tls-server-name forwarded, completion from the checkout\'s bin/', async () => {
  // -v 6: kubectl's own request log reaches the user's stderr as klog lines; stdout and the exit code are what they
  // are without -v (the log never reaches our parsers)
  const plain = await plugin(['status', '-o', 'json'], env);
  const verbose = await plugin(['status', '-o', 'json', '-v', '6'], env);
  assert.is(verbose.code, plain.code, verbose.stderr.slice(0, 2000));
  assert.is(JSON.parse(verbose.stdout).diagnosis.scenario, JSON.parse(plain.stdout).diagnosis.scenario);
  assert.match(verbose.stderr, /^I\d{4} [\d:.]+\s+\d+ round_trippers\.go:\d+\] (GET|POST) https?:\/\/127\.0\.0\.1:\d+\/api/m, 'kubectl request log');
  assert.not.match(plain.stderr, /round_trippers/, 'no kubectl log without -v');
  // --tls-server-name: the TLS context's certificate names only its IP, so the right name passes and another fails
  const right = await plugin(['--context', 'tls', '--tls-server-name', '127.0.0.1', 'status', '-o', 'json'], env);
  assert.is(right.code, plain.code, right.stderr);
  const wrong = await plugin(['--context', 'tls', '--tls-server-name', 'api.wrong.example.com', 'status'], env);
  assert.is(wrong.code, 1, wrong.stderr);
  assert.match(wrong.stderr, /certificate|x509/i, wrong.stderr);
  // kubectl finds the plugin and its completion helper in a checkout's bin/ by their names
  const r = execFileSync('kubectl', ['__complete', 'etcd-replace', 'auto', '--dry-run=s'], { env: { ...process.env, ...env, PATH: `${join(ROOT, 'bin')}:${process.env.PATH}` }, encoding: 'utf8', timeout: 60_000 });
  assert.equal(r.split('\n').filter(Boolean), ['server', ':4']);
});

test('not an OpenShift 4 cluster (no Etcd CR, no openshift-etcd namespace): one line, exit 1 (last: it breaks the sim)', async () => {
  assert.is(kubectl(sim, ['delete', 'etcds.v1.operator.openshift.io', 'cluster', '--wait=false']).exitCode, 0);
  assert.is(kubectl(sim, ['delete', 'namespace', 'openshift-etcd', '--wait=false']).exitCode, 0);
  const r = await plugin(['status'], env);
  assert.is(r.code, 1, r.stderr);
  assert.is(r.stderr.trim(), 'error: namespace openshift-etcd not found: this does not look like an OpenShift 4 cluster. Check --context/--kubeconfig point at an OpenShift 4 cluster.');
});

test.run();
