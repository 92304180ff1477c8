// The one way e2e tests run the plugin, wait for the simulated fault to show, and start and stop a simulator:
//   await withSim(scenario, async (sim) => {
//     await waitDiagnosis(sim, 'not-ready');
//     const r = await runPlugin(sim, ['auto', '--yes']);
//     ...judge the outcome with test/helpers/judge.ts...
//   });
// The diagnosis wait is a precondition only (the fault has taken effect as the plugin sees it); outcomes are judged by
// judge.ts, never by the plugin's own reader.
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startSim, type SimHandle, type StartSimOptions } from './sim.ts';
import { Kube } from '../../lib/cluster/kubectl.ts';
import { readClusterState } from '../../lib/cluster/read.ts';
import { diagnose } from '../../lib/diagnose/diagnose.ts';

export const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');

export interface Run {
  /** exit code, or 'killed' when killWhen fired */
  code: number | 'killed';
  stdout: string;
  stderr: string;
}

export interface RunOptions {
  /** added to process.env and the simulator's KUBECONFIG; a key set to undefined is removed (e.g. NO_COLOR) */
  env?: NodeJS.ProcessEnv;
  /** SIGKILL the plugin as soon as this turns true (checked every 20 ms) */
  killWhen?: () => boolean;
  /** the plugin is SIGKILLed after this long and the run fails loudly (default 15 min: the runner's per-file limit comes first) */
  timeoutMs?: number;
  stdin?: string;
}

/** Runs the plugin (lib/main.ts through tsx) as a child process against the simulator, with no TTY. */
/**
 * How long a plugin run may take: the test's own limit (15 minutes when it sets none), but never past 20 s before
 * test/run.ts kills the whole file (TEST_FILE_DEADLINE), so that a hung run is reported with its output.
 */
export function pluginLimitMs(wanted: number | undefined, now = Date.now()): number {
  const limit = wanted ?? 15 * 60_000;
  const deadline = Number(process.env.TEST_FILE_DEADLINE);
  if (!Number.isFinite(deadline) || deadline <= 0) return limit;
  return Math.max(1000, Math.min(limit, deadline - now - 20_000));
}

export function runPlugin(sim: Pick<SimHandle, 'kubeconfig'> | null, args: string[], opts: RunOptions = {}): Promise<Run> {
  // The simulated world runs on compressed timings (a machine provisions in seconds), so the plugin's waits back off
  // to 2 s between polls instead of the 10 s meant for real clusters; a test may set its own value.
  const env: NodeJS.ProcessEnv = { ETCD_REPLACE_MAX_POLL_MS: '2000', ...process.env, ...(sim ? { KUBECONFIG: sim.kubeconfig } : {}), ...opts.env };
  for (const k of Object.keys(env)) if (env[k] === undefined) delete env[k];
  return new Promise((res, rej) => {
    const p = spawn(process.execPath, ['--import', 'tsx', join(ROOT, 'lib/main.ts'), ...args], { cwd: ROOT, env, stdio: [opts.stdin === undefined ? 'ignore' : 'pipe', 'pipe', 'pipe'] });
    if (opts.stdin !== undefined) p.stdin!.end(opts.stdin);
    let stdout = '';
    let stderr = '';
    let killed = false;
    let timedOut = false;
    p.stdout!.on('data', (d) => (stdout += d));
    p.stderr!.on('data', (d) => (stderr += d));
    const poll = opts.killWhen
      ? setInterval(() => {
          if (!killed && opts.killWhen!()) {
            killed = true;
            p.kill('SIGKILL');
          }
        }, 20)
      : undefined;
    const limitMs = pluginLimitMs(opts.timeoutMs);
    const limit = setTimeout(() => {
      timedOut = true;
      p.kill('SIGKILL');
    }, limitMs);
    p.on('close', (code, signal) => {
      if (poll) clearInterval(poll);
      clearTimeout(limit);
      if (timedOut) return rej(new Error(`plugin ${args.join(' ')} still running after ${Math.round(limitMs / 1000)}s: killed\n${stdout}\n${stderr}`));
      res({ code: killed ? 'killed' : (code ?? (signal ? 128 : -1)), stdout, stderr });
    });
  });
}

export interface TTYRun {
  code: number;
  /** everything the terminal showed (stdout and stderr share it), escape sequences left in */
  screen: string;
  /** the questions asked ([y/N] prompts), in order, each with the text shown since the previous answer */
  asked: string[];
}

const shq = (a: string) => `'${a.replace(/'/g, `'\\''`)}'`;

/**
 * Runs the plugin on a terminal: a pseudo-terminal made by util-linux `script` (the plugin's stdin, stdout and stderr
 * are that terminal, 120 columns wide), as a user at a shell. Each `[y/N]` question is answered with what `answer`
 * returns for the text shown since the last answer (it may act on the cluster first: the plugin waits for the answer).
 */
export function runPluginTTY(sim: Pick<SimHandle, 'kubeconfig'>, args: string[], opts: { env?: NodeJS.ProcessEnv; answer: (shown: string) => string | Promise<string>; timeoutMs?: number }): Promise<TTYRun> {
  const env: NodeJS.ProcessEnv = { ...process.env, KUBECONFIG: sim.kubeconfig, TERM: 'xterm', ...opts.env };
  for (const k of Object.keys(env)) if (env[k] === undefined) delete env[k];
  const ttyLimitMs = pluginLimitMs(opts.timeoutMs ?? 10 * 60_000);
  const cmd = `stty cols 120 rows 40 && exec ${[process.execPath, '--import', 'tsx', join(ROOT, 'lib/main.ts'), ...args].map(shq).join(' ')}`;
  return new Promise((res, rej) => {
    const p = spawn('script', ['-qfec', cmd, '/dev/null'], { cwd: ROOT, env, stdio: ['pipe', 'pipe', 'pipe'] });
    let screen = '';
    let from = 0;
    let answering = Promise.resolve();
    const asked: string[] = [];
    const onData = (d: Buffer) => {
      screen += d.toString('utf8');
      // a new question once the text since the last answer ends with the prompt
      // (readline moves the cursor after its prompt: escape sequences are left out of the match)
      const shown = screen.slice(from).replace(/\x1b\[[0-9;?]*[A-Za-z]/g, '');
      if (/\[y\/N\] $/.test(shown)) {
        from = screen.length;
        asked.push(shown);
        answering = answering.then(async () => {
          const a = await opts.answer(shown);
          p.stdin!.write(`${a}\r`);
        });
        answering.catch((e) => {
          p.kill('SIGKILL');
          rej(e);
        });
      }
    };
    p.stdout!.on('data', onData);
    p.stderr!.on('data', (d) => (screen += d.toString('utf8')));
    const limit = setTimeout(() => {
      p.kill('SIGKILL');
      rej(new Error(`plugin ${args.join(' ')} on a terminal still running after ${Math.round(ttyLimitMs / 1000)}s: killed\n${screen}`));
    }, ttyLimitMs);
    p.on('close', (code, signal) => {
      clearTimeout(limit);
      res({ code: code ?? (signal ? 128 : -1), screen, asked });
    });
  });
}

/** A fresh journal home for one "laptop" (XDG_STATE_HOME), plus the usual test knobs. */
export function stateEnv(extra: Record<string, string> = {}): Record<string, string> & { XDG_STATE_HOME: string } {
  return { XDG_STATE_HOME: mkdtempSync(join(tmpdir(), 'er-state-')), ETCD_REPLACE_FORCE_REDEPLOY_AFTER_S: '20', ...extra };
}

/** The journal a run kept under XDG_STATE_HOME (exactly one run expected); null when there is none (yet). */
export function journalFile(stateHome: string): string | null {
  const root = join(stateHome, 'etcd-replace');
  if (!existsSync(root)) return null;
  const files = readdirSync(root).flatMap((c) => readdirSync(join(root, c)).map((r) => join(root, c, r, 'journal.json'))).filter(existsSync);
  if (files.length > 1) throw new Error(`more than one journal under ${root}: ${files.join(', ')}`);
  return files[0] ?? null;
}

/** The journal as the plugin wrote it (what the plugin believes; not proof of any outcome). null while unreadable. */
export function readJournal(stateHome: string): any | null {
  const f = journalFile(stateHome);
  if (!f) return null;
  try {
    return JSON.parse(readFileSync(f, 'utf8'));
  } catch {
    return null; // being rewritten
  }
}

/** Number of commands in the plugin's trace (ETCD_REPLACE_TRACE) whose argv matches `re`. */
export function traceCount(trace: string, re: RegExp): number {
  if (!existsSync(trace)) return 0;
  return readFileSync(trace, 'utf8')
    .split('\n')
    .filter(Boolean)
    .filter((l) => re.test((JSON.parse(l).argv as string[]).join(' '))).length;
}

export interface DiagnosisWait {
  /** diagnose as `auto --member NAME` would */
  member?: string;
  /** one of the reasons must match too */
  reason?: RegExp;
  timeoutMs?: number;
}

/**
 * Waits until the plugin's diagnosis is `want` (a fault takes effect after the simulator's grace periods): a
 * precondition for the run, not a verdict. Throws, naming the last diagnosis, when the deadline passes.
 */
export async function waitDiagnosis(sim: Pick<SimHandle, 'kubeconfig'>, want: string, opts: DiagnosisWait = {}) {
  const kube = new Kube({ client: 'kubectl', kubeconfig: sim.kubeconfig });
  const timeoutMs = opts.timeoutMs ?? 120_000;
  const deadline = Date.now() + timeoutMs;
  let last = '';
  for (;;) {
    try {
      const d = diagnose(await readClusterState(kube), opts.member ? { member: opts.member } : {});
      if (d.scenario === want && (!opts.reason || d.reasons.some((r) => opts.reason!.test(r)))) return d;
      last = `${d.scenario}: ${d.reasons.join('; ')}`;
    } catch (err) {
      last = (err as Error).message;
    }
    if (Date.now() > deadline) throw new Error(`the diagnosis${opts.member ? ` for --member ${opts.member}` : ''} never became ${want}${opts.reason ? ` (${opts.reason})` : ''} in ${timeoutMs / 1000}s; last: ${last}`);
    await new Promise((r) => setTimeout(r, 1000));
  }
}

/**
 * `status -o json` (the plugin as a child process) until its diagnosis is `want`; returns that run and its document,
 * for tests of what status shows. Throws, naming the last answer, when the deadline passes.
 */
export async function statusUntil(sim: Pick<SimHandle, 'kubeconfig'>, want: string, opts: { timeoutMs?: number; env?: NodeJS.ProcessEnv } = {}): Promise<{ run: Run; doc: any }> {
  const timeoutMs = opts.timeoutMs ?? 120_000;
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const run = await runPlugin(sim, ['status', '-o', 'json'], { env: opts.env, timeoutMs: 120_000 });
    let doc: any = null;
    try {
      doc = JSON.parse(run.stdout);
    } catch {
      /* keep polling */
    }
    if (doc?.diagnosis?.scenario === want) return { run, doc };
    if (Date.now() > deadline) throw new Error(`status never reported "${want}" in ${timeoutMs / 1000}s (last: exit ${run.code}, ${doc ? JSON.stringify(doc.diagnosis) : run.stderr.trim() || run.stdout.slice(0, 300)})`);
    await new Promise((r) => setTimeout(r, 1000));
  }
}

/**
 * Starts a simulator that keeps evidence (SIM_EVIDENCE=1: member-list changes and quorum losses over the whole run,
 * which the judge reads), runs `fn`, and stops the simulator in `finally` whatever happened.
 */
export async function withSim<T>(scenario: string | object, fn: (sim: SimHandle) => Promise<T>, opts: StartSimOptions = {}): Promise<T> {
  const sim = await startJudgedSim(scenario, opts);
  try {
    return await fn(sim);
  } catch (err) {
    // what the simulated world did last goes with the failure (printed once: uvu shows a message twice, in its stack
    // too): CI keeps nothing else once the sim is stopped
    console.error(`--- the simulator's log, last lines ---\n${simLogTail(sim.stateDir)}`);
    throw err;
  } finally {
    await sim.stop();
  }
}

/** The last `n` lines of a simulator's sim.log, a message repeated back to back shown once with its count. */
export function simLogTail(stateDir: string, n = 60): string {
  let text: string;
  try {
    text = readFileSync(join(stateDir, 'sim.log'), 'utf8');
  } catch {
    return '(no sim.log)';
  }
  const out: { line: string; msg: string; count: number }[] = [];
  for (const line of text.trimEnd().split('\n')) {
    const msg = line.replace(/^\S+Z /, '');
    const last = out[out.length - 1];
    if (last && last.msg === msg) last.count++;
    else out.push({ line, msg, count: 1 });
  }
  return out.slice(-n).map((l) => (l.count > 1 ? `${l.line}  (×${l.count})` : l.line)).join('\n');
}

/** startSim with evidence kept (see withSim); the caller stops it (in a finally, or an `after` hook). */
export function startJudgedSim(scenario: string | object, opts: StartSimOptions = {}): Promise<SimHandle> {
  return startSim(scenario, { timeoutMs: 90_000, ...opts, env: { SIM_EVIDENCE: '1', ...opts.env } });
}
