import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { mkdtempSync, readdirSync, readFileSync, statSync, writeFileSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Journal, newestUnfinished, sanitizeCluster, stateRoot, unfinishedRuns } from '../../lib/runbooks/journal.ts';
import type { PlanFacts } from '../../lib/runbooks/step.ts';
import { Credential, SecretData } from '../../lib/security/credential.ts';

const facts: PlanFacts = {
  procedure: 'A',
  release: '4.14.8',
  platform: 'AWS',
  target: { memberId: '6fc1e7c9db35841d', memberName: 'n1', node: 'n1', nodeIP: '10.0.131.183', machine: 'c-master-0' },
  backupNode: 'n2',
  execPod: 'etcd-n2',
  machineMode: 'yaml',
  machinesAtPlan: ['c-master-0', 'c-master-1', 'c-master-2'],
  nodesAtPlan: ['n1/u1', 'n2/u2', 'n3/u3'],
  controlPlaneReplicas: 3,
  stamp: '2026-11-25T12:00:00.000123456Z',
};
const steps = [
  { id: 'a', title: 'A' },
  { id: 'b', title: 'B' },
  { id: 'c', title: 'C' },
];
const tmp = () => mkdtempSync(join(tmpdir(), 'journal-'));

test('stateRoot honours XDG_STATE_HOME, defaults to ~/.local/state', () => {
  assert.is(stateRoot({ XDG_STATE_HOME: '/x/state' }), '/x/state/etcd-replace');
  assert.ok(stateRoot({}).endsWith('/.local/state/etcd-replace'));
});

test('sanitizeCluster', () => {
  assert.is(sanitizeCluster('https://api.c1.example.com:6443'), 'api.c1.example.com_6443');
  assert.is(sanitizeCluster('https://127.0.0.1:34567/'), '127.0.0.1_34567');
  assert.not.ok(sanitizeCluster('../../etc').startsWith('.'));
  assert.not.ok(sanitizeCluster('a/../b').includes('/'));
});

test('create: dir 0700, journal.json written, steps pending', () => {
  const root = tmp();
  const j = Journal.create(root, 'c1', facts, steps);
  assert.is(statSync(j.dir).mode & 0o777, 0o700);
  const data = JSON.parse(readFileSync(join(j.dir, 'journal.json'), 'utf8'));
  assert.is(data.procedure, 'A');
  assert.equal(data.target, facts.target);
  assert.equal(data.steps.map((s: any) => s.status), ['pending', 'pending', 'pending']);
  assert.is(data.originalOverrides.recorded, false);
});

test('atomic write: no tmp files left, reload sees updates', () => {
  const root = tmp();
  const j = Journal.create(root, 'c1', facts, steps);
  j.updateStep('a', { status: 'done', output: 'x' });
  j.record('newMachine', 'c-master-3');
  j.saveFile('new-machine.yaml', 'kind: Machine\n');
  assert.equal(readdirSync(j.dir).sort(), ['journal.json', 'new-machine.yaml']);
  const k = Journal.load(j.dir);
  assert.is(k.step('a').status, 'done');
  assert.is(k.data.vars.newMachine, 'c-master-3');
  assert.is(k.readFile('new-machine.yaml'), 'kind: Machine\n');
  assert.is(k.firstOpenStep(), 1);
  assert.throws(() => j.saveFile('../evil', 'x'));
});

test('original overrides are recorded once only', () => {
  const j = Journal.create(tmp(), 'c1', facts, steps);
  assert.ok(j.recordOriginalOverrides({ foo: 'bar' }));
  assert.not.ok(j.recordOriginalOverrides({ useUnsupportedUnsafeNonHANonProductionUnstableEtcd: true, foo: 'bar' }));
  assert.equal(Journal.load(j.dir).data.originalOverrides, { recorded: true, value: { foo: 'bar' } });
  const k = Journal.create(tmp(), 'c1', facts, steps);
  k.recordOriginalOverrides(undefined);
  assert.equal(Journal.load(k.dir).data.originalOverrides, { recorded: true });
});

test('resume selection: newest unfinished of this cluster; done/refused ignored', () => {
  const root = tmp();
  const old = Journal.create(root, 'c1', facts, steps, new Date('2026-11-25T10:00:00Z'));
  const newer = Journal.create(root, 'c1', facts, steps, new Date('2026-11-25T11:00:00Z'));
  const done = Journal.create(root, 'c1', facts, steps, new Date('2026-11-25T12:00:00Z'));
  done.setStatus('done');
  const refused = Journal.create(root, 'c1', facts, steps, new Date('2026-11-25T12:30:00Z'));
  refused.setStatus('refused');
  Journal.create(root, 'c2', facts, steps, new Date('2026-11-25T13:00:00Z'));
  mkdirSync(join(root, 'c1', 'garbage'));
  writeFileSync(join(root, 'c1', 'garbage', 'journal.json'), '{not json');
  assert.is(newestUnfinished(root, 'c1'), newer.dir);
  assert.equal(unfinishedRuns(root, 'c1'), [newer.dir, old.dir]);
  newer.setStatus('done');
  old.setStatus('failed');
  assert.is(newestUnfinished(root, 'c1'), old.dir);
  assert.is(newestUnfinished(root, 'nope'), null);
});

test('secret files: 0600 in the 0700 run dir, only names in journal.json, sealed on read, deleted when the run ends', () => {
  const j = Journal.create(tmp(), 'c1', facts, steps);
  const pass = Buffer.from('canary-bmc-pass-19c').toString('base64');
  j.saveSecret('host-secrets.secret.json', [{ name: 'bmc', data: new SecretData({ password: pass }), token: new Credential('tok-canary-a7') }], 'BMC Secret data');
  const file = join(j.dir, 'host-secrets.secret.json');
  assert.is(statSync(j.dir).mode & 0o777, 0o700);
  assert.is(statSync(file).mode & 0o777, 0o600);
  assert.ok(readFileSync(file, 'utf8').includes(pass));
  const journalText = readFileSync(join(j.dir, 'journal.json'), 'utf8');
  assert.not.ok(journalText.includes(pass));
  assert.equal(Journal.load(j.dir).data.secretFiles, { 'host-secrets.secret.json': 'BMC Secret data' });
  const back = Journal.load(j.dir).readSecret<any[]>('host-secrets.secret.json')!;
  assert.ok(back[0].data instanceof SecretData);
  assert.equal(SecretData.reveal(back[0].data), { password: pass });
  assert.throws(() => j.saveSecret('plain.json', {}), /secret\.json/);
  j.setStatus('failed');
  assert.ok(readdirSync(j.dir).includes('host-secrets.secret.json'), 'kept for a resume');
  j.setStatus('done');
  assert.not.ok(readdirSync(j.dir).includes('host-secrets.secret.json'), 'deleted when the run ends');
  assert.equal(Journal.load(j.dir).data.secretFiles, {});
});

test.run();
