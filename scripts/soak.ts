// `npm run soak -- --runs N --seed S [--keep]`: N runs over random scenarios of the simulator's scenario space
// (scripts/soak/space.ts: release, platform, CPMS, 3 or 5 masters, fault, chaos profile), each `auto --yes` (then
// `auto --resume --yes` while it stops resumable, exit 5), judged from the simulator's evidence (scripts/soak/judge.ts)
// and the end state as test/helpers/judge.ts reads it (etcdctl at the real etcd processes), never from the plugin's
// claims. Prints one line per run and a table:
// ended healthy / refused correctly / stopped resumable (then resumed) / wrong / other. Exit 1 when any run is wrong.
// Run it inside a private network namespace (see README): every run starts a simulator with real etcds.
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { startSim, kubectl, waitFor } from '../test/helpers/sim.ts';
import * as world from '../test/helpers/judge.ts';
import { pickCase, type SoakCase } from './soak/space.ts';
import { judge, parseEvidence } from './soak/judge.ts';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');

export type Outcome = 'healthy' | 'refused' | 'resumed' | 'wrong' | 'other';

export interface RunReport {
  i: number;
  title: string;
  outcome: Outcome;
  codes: number[];
  seconds: number;
  notes: string[];
}

interface Proc {
  code: number;
  stdout: string;
  stderr: string;
}

/**
 * How long one plugin run may take: `wanted`, but in a test file never past 2 minutes before test/run.ts kills the
 * file (TEST_FILE_DEADLINE), so that the run's report (and what the plugin printed) still comes out.
 */
function limitMs(wanted: number): number {
  const deadline = Number(process.env.TEST_FILE_DEADLINE);
  return Number.isFinite(deadline) && deadline > 0 ? Math.max(1000, Math.min(wanted, deadline - Date.now() - 120_000)) : wanted;
}

function plugin(args: string[], env: NodeJS.ProcessEnv, wantedMs = 15 * 60_000): Promise<Proc> {
  const timeoutMs = limitMs(wantedMs);
  return new Promise((res) => {
    const p = spawn(process.execPath, ['--import', 'tsx', join(ROOT, 'lib/main.ts'), ...args], { cwd: ROOT, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    p.stdout.on('data', (d) => (stdout += d));
    p.stderr.on('data', (d) => (stderr += d));
    let killed = false;
    const t = setTimeout(() => {
      killed = true;
      p.kill('SIGKILL');
    }, timeoutMs);
    p.on('close', (code) => {
      clearTimeout(t);
      if (killed) stderr += `\nkilled: still running after ${Math.round(timeoutMs / 1000)} s`;
      res({ code: code ?? -1, stdout, stderr });
    });
  });
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** kubectl against a sim whose API may be failing on purpose: retried for up to a minute. */
async function kubectlRetry(sim: Parameters<typeof kubectl>[0], args: string[]): Promise<string> {
  let last = '';
  for (let i = 0; i < 40; i++) {
    const r = kubectl(sim, args);
    if (r.exitCode === 0) return r.stdout;
    last = r.stderr.trim().split('\n').pop() ?? '';
    await sleep(1500);
  }
  throw new Error(`kubectl ${args.join(' ')} kept failing: ${last}`);
}

async function statusJson(env: NodeJS.ProcessEnv): Promise<any | null> {
  for (let i = 0; i < 10; i++) {
    const r = await plugin(['status', '-o', 'json'], env, 3 * 60_000);
    if (r.code === 0 || r.code === 3 || r.code === 4) {
      try {
        return JSON.parse(r.stdout);
      } catch {
        /* cut output: again */
      }
    }
    await sleep(1500);
  }
  return null;
}

const SETTLED: Record<SoakCase['fault']['expect'], string[]> = {
  replaced: ['not-ready', 'crashloop'],
  refused: ['unsafe', 'quorum-lost'],
  'nothing-to-do': ['healthy'],
};

export async function soakRun(i: number, c: SoakCase, o: { keep?: boolean; log?: (l: string) => void } = {}): Promise<RunReport> {
  const t0 = Date.now();
  const notes: string[] = [];
  const codes: number[] = [];
  const stateDir = mkdtempSync(join(tmpdir(), 'etcd-replace-soak-'));
  mkdirSync(join(stateDir, 'sim'));
  const sim = await startSim(c.scenario, { stateDir: join(stateDir, 'sim'), timeoutMs: 180_000 });
  const env = { KUBECONFIG: sim.kubeconfig, XDG_STATE_HOME: join(stateDir, 'xdg'), ETCD_REPLACE_FORCE_REDEPLOY_AFTER_S: '20', NO_COLOR: '1' };
  let outcome: Outcome = 'other';
  try {
    // the faults show once the node grace period has passed: wait for the diagnosis the case is about
    let diag = '';
    for (let k = 0; k < 60 && !SETTLED[c.fault.expect].includes(diag); k++) {
      diag = (await statusJson(env))?.diagnosis?.scenario ?? '';
      if (!SETTLED[c.fault.expect].includes(diag)) await sleep(1500);
    }
    o.log?.(`diagnosis before the run: ${diag || 'unreadable'} (${(Date.now() - t0) / 1000 | 0} s in)`);
    if (!SETTLED[c.fault.expect].includes(diag)) notes.push(`diagnosis before the run was ${diag || 'unreadable'}, not ${SETTLED[c.fault.expect].join('/')}`);
    const before = JSON.parse(await kubectlRetry(sim, ['get', 'etcd', 'cluster', '-o', 'json'])).spec?.unsupportedConfigOverrides ?? null;

    const said = (what: string, x: Proc) => o.log?.(`${what}: exit ${x.code}, ${(Date.now() - t0) / 1000 | 0} s in; last lines:\n    ${x.stderr.trim().split('\n').slice(-4).join('\n    ')}`);
    let r = await plugin(['auto', '--yes'], env);
    said('auto --yes', r);
    codes.push(r.code);
    let resumes = 0;
    while ((r.code === 5 || r.code === 1) && /auto --resume/.test(r.stderr) && resumes < 8) {
      notes.push(`exit ${r.code}: ${r.stderr.trim().split('\n').filter((l) => /^(stopped|failed|refused|error)/.test(l)).pop() ?? r.stderr.trim().split('\n').pop()}`);
      resumes++;
      r = await plugin(['auto', '--resume', '--yes'], env);
      said('auto --resume --yes', r);
      codes.push(r.code);
    }
    if (r.code !== 0) notes.push(`last exit ${r.code}: ${r.stderr.trim().split('\n').filter((l) => /^(refused|stopped|failed|error)/.test(l)).slice(-2).join(' / ') || r.stderr.trim().split('\n').slice(-2).join(' / ')}`);

    // then the cluster as it really is (test/helpers/judge.ts: etcdctl straight at the etcd processes, not the plugin's
    // reader): every member a started, running, healthy voter, one per master. Health right after a rollout can be
    // slow: up to a minute.
    let healthy = false;
    let health = '';
    if (c.fault.expect !== 'refused') {
      const deadline = Date.now() + 60_000;
      for (;;) {
        try {
          const ms = await world.members(sim);
          const bad = ms.filter((m) => !m.started || m.learner || !m.running || !m.healthy);
          healthy = ms.length === c.masters && bad.length === 0;
          health = `${ms.length} members${bad.length ? `, not healthy voters: ${bad.map((m) => `${m.name || m.id} (${m.healthDetail})`).join(', ')}` : ''}`;
        } catch (e) {
          health = (e as Error).message;
        }
        if (healthy || Date.now() > deadline) break;
        await sleep(1000);
      }
      // the evidence monitor (one poll a second) has caught up once its last member list is the one etcd gives now
      const ids = async () => (await world.members(sim)).map((m) => `${m.id}:${m.learner}`).sort().join(',');
      await waitFor('the evidence to record the final member list', async () => {
        const last = world.membershipHistory(sim).pop();
        return !!last && last.members.map((m) => `${m.id}:${m.learner}`).sort().join(',') === (await ids());
      }, 30_000, 500).catch((e) => notes.push((e as Error).message));
    }
    const after = JSON.parse(await kubectlRetry(sim, ['get', 'etcd', 'cluster', '-o', 'json'])).spec?.unsupportedConfigOverrides ?? null;
    const pods = JSON.parse(await kubectlRetry(sim, ['-n', 'openshift-etcd', 'get', 'pods', '-l', 'app=etcd-replace-debug', '-o', 'json'])).items.map((p: any) => p.metadata.name);
    const evFile = join(sim.stateDir, 'evidence.jsonl');
    const ev = parseEvidence(existsSync(evFile) ? readFileSync(evFile, 'utf8') : '');
    const verdict = judge(ev, { overridesBefore: before, overridesAfter: after, debugPods: pods, finished: r.code === 0 || r.code === 4 }, {
      targetNode: c.fault.target ? c.fault.target(c.masterNodes) : null,
      quorumLostAtStart: c.fault.quorumLostAtStart?.(c.masters) ?? false,
    });
    const injected = ev.filter((e) => e.kind === 'chaos').reduce<Record<string, number>>((a, e) => ((a[e.what] = (a[e.what] ?? 0) + 1), a), {});
    notes.push(`faults injected: ${Object.entries(injected).map(([k, v]) => `${k}×${v}`).join(', ') || 'none'}`);
    if (verdict.wrong.length) {
      outcome = 'wrong';
      notes.push(...verdict.wrong.map((w) => `WRONG: ${w}`));
    } else if (c.fault.expect === 'refused') {
      outcome = r.code === 4 && codes.length === 1 && verdict.removed.length === 0 ? 'refused' : 'other';
    } else if (r.code === 0 && healthy && (c.fault.expect === 'nothing-to-do' || verdict.removed.length === 1)) {
      outcome = codes.length > 1 ? 'resumed' : 'healthy';
    } else {
      notes.push(`ended with exit ${r.code}, ${health}, ${verdict.removed.length} member(s) removed`);
    }
  } catch (e) {
    notes.push(`harness error: ${(e as Error).message}`);
  } finally {
    await sim.stop();
    if (!o.keep) rmSync(stateDir, { recursive: true, force: true });
    else notes.push(`state kept: ${stateDir}`);
  }
  return { i, title: c.title, outcome, codes, seconds: (Date.now() - t0) / 1000, notes };
}

export const OUTCOME_LABELS: [Outcome, string][] = [
  ['healthy', 'ended healthy'],
  ['refused', 'refused correctly'],
  ['resumed', 'stopped resumable (then resumed)'],
  ['wrong', 'wrong'],
  ['other', 'other (not wrong; see the run lines)'],
];

export function soakTable(reports: RunReport[], seconds: number): string {
  const w = Math.max(...OUTCOME_LABELS.map(([, l]) => l.length));
  const lines = [`${'outcome'.padEnd(w)}  runs`, `${'-'.repeat(w)}  ----`];
  for (const [k, label] of OUTCOME_LABELS) lines.push(`${label.padEnd(w)}  ${reports.filter((r) => r.outcome === k).length}`);
  lines.push(`${'total'.padEnd(w)}  ${reports.length} in ${Math.round(seconds)} s`);
  return lines.join('\n');
}

export async function runSoak(o: { runs: number; seed: number; keep?: boolean; out?: (l: string) => void }): Promise<RunReport[]> {
  const out = o.out ?? ((l: string) => void process.stdout.write(`${l}\n`));
  const reports: RunReport[] = [];
  const t0 = Date.now();
  for (let i = 0; i < o.runs; i++) {
    const c = pickCase(o.seed * 1000 + i, 1 + ((o.seed + i) % 250));
    out(`run ${i + 1}/${o.runs}: ${c.title}`);
    const r = await soakRun(i + 1, c, { keep: o.keep });
    reports.push(r);
    out(`  → ${r.outcome} (exit ${r.codes.join(' → ')}, ${r.seconds.toFixed(0)} s)`);
    for (const n of r.notes) out(`    ${n}`);
  }
  out('');
  out(`soak: ${o.runs} runs, seed ${o.seed}`);
  out(soakTable(reports, (Date.now() - t0) / 1000));
  return reports;
}

function argValue(argv: string[], name: string): string | undefined {
  const i = argv.findIndex((a) => a === name || a.startsWith(`${name}=`));
  if (i < 0) return undefined;
  return argv[i]!.includes('=') ? argv[i]!.split('=')[1] : argv[i + 1];
}

if (process.argv[1] && pathToFileURL(resolve(process.argv[1])).href === import.meta.url) {
  const argv = process.argv.slice(2);
  const runs = Number(argValue(argv, '--runs') ?? 10);
  const seed = Number(argValue(argv, '--seed') ?? Date.now() % 100000);
  if (!Number.isInteger(runs) || runs < 1 || !Number.isInteger(seed) || seed < 0) {
    process.stderr.write('usage: npm run soak -- --runs N --seed S [--keep]   (N ≥ 1, S ≥ 0)\n');
    process.exit(2);
  }
  runSoak({ runs, seed, keep: argv.includes('--keep') }).then(
    (r) => process.exit(r.some((x) => x.outcome === 'wrong') ? 1 : 0),
    (e) => {
      process.stderr.write(`soak: ${(e as Error).stack ?? e}\n`);
      process.exit(1);
    },
  );
}
