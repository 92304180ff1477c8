// End-to-end: SIGKILL the plugin at every step boundary (and in the middle of the two steps whose effect
// must never happen twice), resume each time, and check the end state and that nothing was done twice.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startSim } from '../helpers/sim.ts';
import { Kube } from '../../lib/cluster/kubectl.ts';
import { readClusterState } from '../../lib/cluster/read.ts';
import { diagnose } from '../../lib/diagnose/diagnose.ts';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');

const SCENARIO = `openshift: "4.14"
platform: aws
controlPlaneMachineSet: absent
masters:
  - {node: ip-10-22-131-183.ec2.internal, ip: 10.22.131.183, machine: clustername-8qw5l-master-0}
  - {node: ip-10-22-154-204.ec2.internal, ip: 10.22.154.204, machine: clustername-8qw5l-master-1}
  - {node: ip-10-22-164-97.ec2.internal,  ip: 10.22.164.97,  machine: clustername-8qw5l-master-2}
workers: 0
faults:
  - {node: ip-10-22-131-183.ec2.internal, kind: machine-stopped}
timing: {provisionSeconds: 1, rolloutSeconds: 1}
`;

function journalFile(stateHome: string): string | null {
  const root = join(stateHome, 'etcd-replace');
  if (!existsSync(root)) return null;
  for (const c of readdirSync(root)) for (const r of readdirSync(join(root, c))) {
    const f = join(root, c, r, 'journal.json');
    if (existsSync(f)) return f;
  }
  return null;
}

function readJournal(stateHome: string): any | null {
  const f = journalFile(stateHome);
  if (!f) return null;
  try {
    return JSON.parse(readFileSync(f, 'utf8'));
  } catch {
    return null;
  }
}

const finishedCount = (j: any) => (j?.steps ?? []).filter((s: any) => s.status === 'done' || s.status === 'skipped').length;

function traceCalls(trace: string, re: RegExp): number {
  if (!existsSync(trace)) return 0;
  return readFileSync(trace, 'utf8').split('\n').filter(Boolean).filter((l) => re.test((JSON.parse(l).argv as string[]).join(' '))).length;
}

const REMOVE = /etcdctl member remove/;
const APPLY = /(^| )apply -f -( |$)/;

/** Runs the plugin; kills it (SIGKILL) when `killWhen` turns true. Resolves with the exit code, or 'killed'. */
function runUntil(args: string[], env: NodeJS.ProcessEnv, killWhen: () => boolean): Promise<{ code: number | 'killed'; out: string }> {
  return new Promise((res) => {
    const p = spawn(process.execPath, ['--import', 'tsx', join(ROOT, 'lib/main.ts'), ...args], { cwd: ROOT, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let killed = false;
    p.stdout.on('data', (d) => (out += d));
    p.stderr.on('data', (d) => (out += d));
    const t = setInterval(() => {
      if (!killed && killWhen()) {
        killed = true;
        p.kill('SIGKILL');
      }
    }, 15);
    p.on('close', (code) => {
      clearInterval(t);
      res({ code: killed ? 'killed' : (code ?? -1), out });
    });
  });
}

test('killed at every step boundary and mid-step, resumed until done: healthy, removed once, machine created once', async () => {
  const sim = await startSim(SCENARIO);
  try {
    const state = mkdtempSync(join(tmpdir(), 'er-resume-'));
    const trace = join(state, 'trace.jsonl');
    const env = { KUBECONFIG: sim.kubeconfig, XDG_STATE_HOME: state, ETCD_REPLACE_TRACE: trace, ETCD_REPLACE_FORCE_REDEPLOY_AFTER_S: '20' };
    const k = new Kube({ client: 'kubectl', kubeconfig: sim.kubeconfig });
    for (let t = 0; t < 90 && diagnose(await readClusterState(k)).scenario !== 'not-ready'; t++) await new Promise((r) => setTimeout(r, 1000));
    const oldId = (await readClusterState(k)).members.find((m) => m.name === 'ip-10-22-131-183.ec2.internal')!.id;

    let firedRemove = false;
    let firedApply = false;
    let final: number | 'killed' = 'killed';
    const log: string[] = [];
    for (let i = 0; i < 40 && final === 'killed'; i++) {
      const t0 = Date.now();
      const startFinished = finishedCount(readJournal(state));
      const args = i === 0 ? ['auto', '--yes'] : ['auto', '--resume', '--yes'];
      const r = await runUntil(args, env, () => {
        // mid-step kills right after the one-shot calls
        if (!firedRemove && traceCalls(trace, REMOVE) > 0) return (firedRemove = true);
        if (!firedApply && traceCalls(trace, APPLY) > 0) return (firedApply = true);
        return finishedCount(readJournal(state)) > startFinished;
      });
      const j = readJournal(state);
      log.push(`run ${i}: ${r.code} (finished ${finishedCount(j)}, ${((Date.now() - t0) / 1000).toFixed(1)}s)`);
      if (r.code !== 'killed' && r.code !== 0) assert.unreachable(`run ${i} exited ${r.code}:\n${r.out}\n${log.join('\n')}`);
      // killed right after the last step: the journal may already say done
      final = r.code === 'killed' && j?.status === 'done' ? 0 : r.code;
    }
    console.log(log.join("\n"));
    assert.is(final, 0, log.join("\n"));
    const j = readJournal(state);
    assert.is(j.status, 'done');
    assert.ok(j.steps.every((s: any) => s.status === 'done' || s.status === 'skipped'));
    assert.ok(firedRemove && firedApply, 'both mid-step kills happened');
    // the remove and the create ran exactly once; their re-runs after the kill were skips
    assert.is(traceCalls(trace, REMOVE), 1, 'member remove called once');
    assert.is(traceCalls(trace, APPLY), 1, 'machine created once');
    assert.is(j.steps.find((s: any) => s.id === 'remove-member').status, 'skipped');
    assert.is(j.steps.find((s: any) => s.id === 'create-machine').status, 'skipped');

    const s = await readClusterState(k);
    assert.is(s.members.length, 3);
    assert.ok(s.members.every((m) => m.started && !m.isLearner && m.healthy === true));
    assert.not.ok(s.members.some((m) => m.id === oldId));
    const machines = await k.json(['-n', 'openshift-machine-api', 'get', 'machines']);
    const names = machines.items.map((m: any) => m.metadata.name).sort();
    assert.equal(names.filter((n: string) => /master/.test(n)), ['clustername-8qw5l-master-1', 'clustername-8qw5l-master-2', 'clustername-8qw5l-master-3']);
    const cr = await k.json(['get', 'etcd', 'cluster']);
    assert.is(cr.spec.unsupportedConfigOverrides ?? null, null);
  } finally {
    await sim.stop();
  }
});

test.run();
