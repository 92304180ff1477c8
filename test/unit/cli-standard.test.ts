// The command line as a kubectl user expects it (issue 21): help that never breaks a word, kubectl's habits
// (no arguments, --version, -n, lower-case errors naming the flag), the command's own flags before the global ones,
// hints naming the client in use, the connection flags forwarded, kubectl's -v log told apart from what we parse,
// completion of `--flag=` forms and -o values, and the Windows home folder client-go uses.
import { spawnSync } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { connectionArgs, splitKlog } from '../../lib/cluster/kubectl.ts';
import { kubeHome } from '../../lib/cluster/kubeconfig.ts';
import { globalArgs, kubeOptions } from '../../lib/commands/flags.ts';
import { completions } from '../../lib/complete.ts';
import { buildParser } from '../../lib/main.ts';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const TMP = mkdtempSync(join(tmpdir(), 'etcd-replace-cli-'));
test.after(() => rmSync(TMP, { recursive: true, force: true }));

// a PATH with only a fake `oc` (or nothing), so the client in use is known
const ocDir = join(TMP, 'oc-bin');
mkdirSync(ocDir);
writeFileSync(join(ocDir, 'oc'), '#!/bin/sh\nexit 0\n');
chmodSync(join(ocDir, 'oc'), 0o755);
const noClients = join(TMP, 'empty');
mkdirSync(noClients);

function cli(args: string[], path = noClients) {
  const r = spawnSync(process.execPath, ['--import', 'tsx', join(ROOT, 'lib/main.ts'), ...args], {
    cwd: ROOT, encoding: 'utf8', env: { PATH: `${path}:${dirname(process.execPath)}`, HOME: TMP, NO_COLOR: '1' },
  });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

test('help: no word is cut (yargs 18 wraps at spaces), every example on one line', () => {
  for (const args of [['--help'], ['auto', '--help'], ['status', '--help']]) {
    const h = cli(args);
    assert.is(h.code, 0, h.stderr);
    const text = h.stdout;
    // words from the flag descriptions that yargs 17's ESM fallback cut mid-word
    for (const w of ['KUBECONFIG', 'server', 'certificate', 'openshift-machine-api']) if (text.includes(w.slice(0, 5))) assert.ok(new RegExp(`\\b${w}\\b`).test(text), `${args.join(' ')}: "${w}" whole`);
    assert.not.match(text, /KUBECON\s*\n|ser\s*\n\s*ver/);
  }
  const top = cli(['--help']).stdout;
  const examples = top.slice(top.indexOf('Examples:'));
  assert.match(examples, /^ {2}kubectl etcd-replace --kubeconfig \.\/auth\/kubeconfig status\s/m, 'the example is whole, on one line');
});

test('kubectl habits: no arguments shows the help (exit 0); --version is the version command', () => {
  const none = cli([]);
  assert.is(none.code, 0);
  assert.match(none.stdout, /^kubectl etcd-replace <command> \[flags\]/);
  const v = cli(['--version']);
  assert.is(v.code, 0, v.stderr);
  assert.match(v.stdout, /^kubectl-etcd_replace \d+\.\d+\.\d+ \(commit \w+, node v\d+/);
});

test('errors: one lower-case line naming the flag or word, exit 2', () => {
  const flag = cli(['status', '-q']);
  assert.is(flag.code, 2);
  assert.is(flag.stderr, 'error: unknown flag: -q. Run "kubectl etcd-replace --help" for usage.\n');
  const word = cli(['stauts']);
  assert.is(word.code, 2);
  assert.match(word.stderr, /^error: unknown command or argument "stauts": the commands are status, auto, bundle and version\./);
  const ns = cli(['-n', 'default', 'status']);
  assert.is(ns.code, 2);
  assert.match(ns.stderr, /^error: -n default: the plugin always works in openshift-etcd and openshift-machine-api; leave -n out\./);
  const ok = cli(['-n', 'openshift-etcd', 'version']);
  assert.is(ok.code, 0, ok.stderr);
  assert.is(ok.stderr, 'note: -n is not needed: the plugin always works in openshift-etcd and openshift-machine-api\n');
});

test('help and hints name the client in use: oc when it is on PATH, --client when given', () => {
  assert.match(cli(['status', '-q'], ocDir).stderr, /Run "oc etcd-replace --help"/);
  assert.match(cli(['--client', 'kubectl', 'status', '-q'], ocDir).stderr, /Run "kubectl etcd-replace --help"/);
  assert.match(cli(['--help'], ocDir).stdout, /^oc etcd-replace <command>/);
});

test("a command's own flags come first, then the global ones under their own heading", () => {
  const h = cli(['auto', '--help']).stdout;
  const own = h.indexOf('Flags:'), global = h.indexOf('Global flags');
  assert.ok(own >= 0 && global > own, 'Flags: before Global flags');
  assert.ok(h.indexOf('--yes') > own && h.indexOf('--yes') < global, '--yes among the own flags');
  assert.ok(h.indexOf('--kubeconfig') > global, '--kubeconfig among the global flags');
});

test('connection flags: --tls-server-name, --client-certificate, --client-key, --cache-dir are accepted and forwarded', async () => {
  const argv = await buildParser(['--tls-server-name', 'api.c.example.com', '--client-certificate', '/c.crt', '--client-key', '/c.key', '--cache-dir', '/tmp/kc', 'version'], { ran: true, code: 0 })
    .command('version', false, () => {}, () => {}, [], true)
    .parseAsync();
  const args = connectionArgs(kubeOptions(globalArgs(argv as Record<string, unknown>)));
  for (const a of ['--tls-server-name=api.c.example.com', '--client-certificate=/c.crt', '--client-key=/c.key', '--cache-dir=/tmp/kc']) assert.ok(args.includes(a), a);
  for (const f of ['--tls-server-name', '--client-key']) {
    const empty = cli([`${f}=`, 'version']);
    assert.is(empty.code, 2);
    assert.match(empty.stderr, new RegExp(`^error: ${f} needs a value`));
  }
});

test('-v: klog lines (kubectl -v N) are told apart from the messages we parse', () => {
  const stderr = [
    'I1202 07:10:11.123456   41234 loader.go:395] Config loaded from file:  /root/.kube/config',
    'I1202 07:10:11.200001   41234 round_trippers.go:553] GET https://api:6443/api/v1/namespaces/openshift-etcd/pods 200 OK in 12 milliseconds',
    'Error from server (NotFound): pods "x" not found',
    'W1202 07:10:11.300000   41234 warnings.go:70] metadata.finalizers: prefer a domain-qualified finalizer name',
  ].join('\n');
  const { log, rest } = splitKlog(stderr);
  assert.is(log.split('\n').filter(Boolean).length, 3);
  assert.is(rest, 'Error from server (NotFound): pods "x" not found\n');
  assert.equal(splitKlog('plain\n'), { log: '', rest: 'plain\n' });
});

test('completion: --flag=<TAB> forms, each command\'s -o values, files for --bmh, the plugin namespaces for -n', async () => {
  assert.equal((await completions(['auto', '--dry-run=s'])).items, ['server']);
  assert.equal((await completions(['version', '-o', ''])).items, ['json']);
  assert.equal((await completions(['auto', '--output='])).items, ['json']);
  assert.equal((await completions(['status', '-o=y'])).items, ['yaml']);
  assert.equal(await completions(['auto', '--bmh', '']), { items: [], directive: 0 }, 'the shell completes file names');
  assert.equal((await completions(['status', '-n', ''])).items, ['openshift-etcd', 'openshift-machine-api']);
});

test("windows: kubeconfig home as client-go's homedir.HomeDir picks it", () => {
  const d = (n: string) => { const p = join(TMP, 'win', n); mkdirSync(p, { recursive: true }); return p; };
  const home = d('home'), profile = d('profile'), drive = d('drive');
  // none holds .kube/config: HOME first when writable
  assert.is(kubeHome({ HOME: home, USERPROFILE: profile, HOMEDRIVE: drive, HOMEPATH: '' }, 'win32'), home);
  // USERPROFILE before HOMEDRIVE+HOMEPATH when none holds a config
  assert.is(kubeHome({ USERPROFILE: profile, HOMEDRIVE: dirname(drive), HOMEPATH: '/drive' }, 'win32'), profile);
  // HOMEDRIVE+HOMEPATH before USERPROFILE when both hold a config
  mkdirSync(join(drive, '.kube')); writeFileSync(join(drive, '.kube', 'config'), '');
  mkdirSync(join(profile, '.kube')); writeFileSync(join(profile, '.kube', 'config'), '');
  assert.is(kubeHome({ USERPROFILE: profile, HOMEDRIVE: dirname(drive), HOMEPATH: '/drive' }, 'win32'), dirname(drive) + '/drive');
  // the one that holds a config wins over a writable HOME
  assert.is(kubeHome({ HOME: home, USERPROFILE: profile }, 'win32'), profile);
  // elsewhere: $HOME
  assert.is(kubeHome({ HOME: home, USERPROFILE: profile }, 'linux'), home);
});

test.run();
