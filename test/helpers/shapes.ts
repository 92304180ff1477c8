// Helpers for the issue-9 e2e files (test/e2e/shapes-*.test.ts): the plugin as a real process with the real kubectl
// against the simulator; each test starts its own simulator on a second octet of its own.
import { spawn } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startSim, type SimHandle } from './sim.ts';
import { Kube } from '../../lib/cluster/kubectl.ts';
import { readClusterState } from '../../lib/cluster/read.ts';
import { diagnose } from '../../lib/diagnose/diagnose.ts';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
let nextOctet = 30 + Math.floor(Math.random() * 60);
/** A second octet of its own for a test's node IPs. */
export const octet = () => nextOctet++;

export interface Run { code: number | null; stdout: string; stderr: string }

export function plugin(sim: SimHandle, args: string[], env: NodeJS.ProcessEnv = {}): Promise<Run> {
  return new Promise((res) => {
    const p = spawn(process.execPath, ['--import', 'tsx', join(ROOT, 'lib/main.ts'), ...args], {
      cwd: ROOT,
      env: { ...process.env, ...sim.env, NO_COLOR: '1', ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    p.stdout.on('data', (d) => (stdout += d));
    p.stderr.on('data', (d) => (stderr += d));
    p.on('close', (code) => res({ code, stdout, stderr }));
  });
}

export const stateEnv = () => ({ XDG_STATE_HOME: mkdtempSync(join(tmpdir(), 'er-state-')), ETCD_REPLACE_FORCE_REDEPLOY_AFTER_S: '20' });

/** `status -o json` until the diagnosis is `want` (faults show after the sim's grace periods). */
export async function statusUntil(sim: SimHandle, want: string, timeoutMs = 75_000): Promise<any> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const run = await plugin(sim, ['status', '-o', 'json']);
    let doc: any = null;
    try {
      doc = JSON.parse(run.stdout);
    } catch {
      /* keep polling */
    }
    if (doc?.diagnosis?.scenario === want) return doc;
    if (Date.now() > deadline) throw new Error(`status never reported "${want}" (last: exit ${run.code}, ${doc ? JSON.stringify(doc.diagnosis) : run.stderr.trim()})`);
    await new Promise((r) => setTimeout(r, 1000));
  }
}

export function masters(n: number, o = octet()): { node: string; ip: string; machine: string }[] {
  return Array.from({ length: n }, (_, i) => ({ node: `ip-10-${o}-${130 + i}-${10 + i}.ec2.internal`, ip: `10.${o}.${130 + i}.${10 + i}`, machine: `clustername-8qw5l-master-${i}` }));
}

export async function withSim(scenario: object, fn: (sim: SimHandle) => Promise<void>) {
  const sim = await startSim(scenario, { timeoutMs: 90_000 });
  try {
    await fn(sim);
  } finally {
    await sim.stop();
  }
}

export async function healthyVoters(sim: SimHandle, n: number, timeoutMs = 120_000): Promise<any> {
  const deadline = Date.now() + timeoutMs;
  let last = '';
  for (;;) {
    const run = await plugin(sim, ['status', '-o', 'json']);
    try {
      const doc = JSON.parse(run.stdout);
      const ok = doc.members.filter((m: any) => m.started && !m.isLearner && m.healthy === true);
      if (ok.length === n && doc.members.length === n) return doc;
      last = JSON.stringify(doc.members.map((m: any) => [m.name, m.healthy, m.isLearner]));
    } catch {
      last = run.stderr.trim();
    }
    if (Date.now() > deadline) throw new Error(`never ${n} healthy voting members (last: ${last})`);
    await new Promise((r) => setTimeout(r, 1000));
  }
}

/** The in-process diagnosis for `--member` until it is `want` (nothing changes while polling). */
export async function diagnosisUntil(sim: SimHandle, member: string, want: string, timeoutMs = 90_000) {
  const kube = new Kube({ client: 'kubectl', kubeconfig: sim.kubeconfig });
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const d = diagnose(await readClusterState(kube), { member });
    if (d.scenario === want) return d;
    if (Date.now() > deadline) throw new Error(`diagnosis for --member ${member} stayed ${d.scenario}: ${d.reasons.join('; ')}`);
    await new Promise((r) => setTimeout(r, 1000));
  }
}

