// The runner: shows the plan, asks once, then for each step precondition → skip/run → act → verify,
// with the journal written after every change, progress per step, and resume from the first open step.
//
// Exit codes (interface.md): 0 done · 1 a step failed (resumable) or the user declined · 2 no TTY and no --yes ·
// 4 a safety check refused (nothing changed by that step) or another run holds the lease · 5 interrupted
// (SIGINT/SIGTERM), stopped at a manual step, the lease was lost, or stopped because the cluster did not make
// progress before a step's deadline / could not be reached (WaitTimeout, a transient PluginError): resumable with
// `auto --resume`.
// Before the first change the runner takes the cluster's lease (lease.ts) and renews it while it runs; each step
// posts a Kubernetes Event (events.ts). `--dry-run=server` sends every API write of the plan with --dry-run=server.
// With `json`, every step event is one JSON object per line on stdout (events: planned, started, note, done, skipped,
// failed, result) and the human text goes nowhere.
import { ExitCode, PluginError } from '../errors.ts';
import type { ClusterIdentity } from '../cluster/identity.ts';
import { describeCluster } from '../cluster/identity.ts';
import type { RunEvent } from './events.ts';
import { Journal } from './journal.ts';
import { writeJunit } from './junit.ts';
import { ManualStop, StepRefusal, WaitTimeout, type PlanFacts, type RunContext, type Step } from './step.ts';
import { createProgress, type Progress } from '../ui/progress.ts';
import { confirm as askTTY } from '../ui/prompt.ts';
import type { Kube } from '../cluster/kubectl.ts';
import { formatPreflight, preflightFailed, type PreflightCheck } from '../preflight/preflight.ts';
import { readSecrets, writeSecrets } from './secret-store.ts';

export interface Plan {
  procedure: string; // e.g. "A"
  title: string; // one line: what this plan does
  facts: PlanFacts;
  steps: Step[];
  /** the preflight checks (lib/preflight), printed with the plan; one failed → refused before any change */
  preflight?: PreflightCheck[];
}

/** The cluster lease as the runner uses it (lease.ts RunLease). */
export interface LeaseHandle {
  lost: string | null;
  holder: string;
  startRenewing(): void;
  renew(step?: string): Promise<void>;
  stop(release: boolean): Promise<void>;
}

export interface RunnerOptions {
  yes: boolean;
  /** true or 'client': show the plan only; 'server': also submit the plan's API writes with --dry-run=server */
  dryRun: boolean | 'none' | 'client' | 'server';
  /** where the plan acts: named in the plan header and the prompt */
  cluster?: ClusterIdentity;
  /** one JSON object per line on stdout for each step event (auto -o json) */
  json?: boolean;
  /** takes the cluster lease for this run (after the confirmation, before the first change) */
  lease?: (runId: string) => Promise<LeaseHandle>;
  /**
   * Housekeeping run once the lease is held (before the first step) and again when the run ends: deletes what an
   * earlier, killed run left behind (privileged debug pods). Best effort; `note` prints one line.
   */
  sweep?: (note: (line: string) => void) => Promise<void>;
  /** posts an event about the run (best effort); flush waits for those posted */
  events?: (holder: string) => { post(e: RunEvent): void; flush(): Promise<void> };
  stepMode: boolean;
  tty: boolean;
  color: boolean;
  junit?: string;
  /** command prefix shown in hints, e.g. "oc etcd-replace" */
  cli: string;
  /** plan text goes here (stdout) */
  out?: (line: string) => void;
  /** progress / errors go here (stderr) */
  err?: (line: string) => void;
  confirm?: (question: string) => Promise<boolean>;
  progress?: Progress;
  /** install SIGINT/SIGTERM handlers (off in unit tests) */
  handleSignals?: boolean;
  /** --force-backup (see RunContext.forceBackup) */
  forceBackup?: boolean;
}

export function formatPlan(plan: Plan, journal?: Journal | null, cluster?: ClusterIdentity): string[] {
  const lines = [...(cluster ? [`Cluster: ${describeCluster(cluster)}`] : []), plan.title, ''];
  const total = plan.steps.length;
  plan.steps.forEach((s, i) => {
    const rec = journal?.data.steps.find((r) => r.id === s.id);
    const mark = rec && (rec.status === 'done' || rec.status === 'skipped') ? `  (${rec.status})` : '';
    lines.push(`  ${String(i + 1).padStart(String(total).length)}. ${s.title}${s.destructive ? '  [changes the cluster]' : ''}${mark}`);
    for (const c of s.command) lines.push(`       $ ${c}`);
  });
  if (plan.preflight?.length) lines.push('', ...formatPreflight(plan.preflight));
  return lines;
}

/** kubectl verbs that write through the API (and accept --dry-run=server). exec, logs, get… do not. */
const API_WRITES = new Set(['create', 'apply', 'replace', 'patch', 'delete', 'label', 'annotate', 'scale', 'cordon', 'uncordon', 'drain', 'taint', 'set']);

export function apiWriteVerb(args: string[]): string | null {
  for (let i = 0; i < args.length; i++) {
    const a = args[i]!;
    if (a === '-n' || a === '--namespace' || a === '--context' || a === '--kubeconfig') {
      i++;
      continue;
    }
    if (a.startsWith('-')) continue;
    return API_WRITES.has(a) ? a : null;
  }
  return null;
}

/** --dry-run=server: every API write the plan shows, sent with --dry-run=server (validated and admitted, never persisted). */
async function serverDryRun(plan: Plan, kube: Kube, out: (l: string) => void, emit: (e: object) => void): Promise<number> {
  let failed = 0;
  let sent = 0;
  for (const [i, s] of plan.steps.entries()) {
    for (const c of s.command) {
      const args = kube.argsOf?.(c);
      if (!args || !apiWriteVerb(args)) continue;
      sent++;
      const r = await kube.run([...args, '--dry-run=server'], { allowFailure: true });
      const ok = r.exitCode === 0;
      if (!ok) failed++;
      const detail = (ok ? r.stdout : r.stderr).trim().split('\n').filter(Boolean).pop() ?? '';
      out(`  ${String(i + 1).padStart(2)}. ${ok ? 'accepted' : 'REJECTED'} by the API server: ${kube.display([...args, '--dry-run=server'])}${detail ? `  → ${detail}` : ''}`);
      emit({ event: 'server-dry-run', step: s.id, index: i + 1, command: kube.display([...args, '--dry-run=server']), accepted: ok, detail });
    }
  }
  out(`server dry run: ${sent - failed} of ${sent} API writes accepted; nothing was changed (etcdctl and node commands are not sent).`);
  return failed ? ExitCode.Error : ExitCode.Ok;
}

/** A wait that ran out of time, or a failure of the cluster that may go away by itself (→ exit 5, resumable). */
export function stoppedByCluster(e: unknown): boolean {
  return e instanceof WaitTimeout || (e instanceof PluginError && e.transient);
}

function errMessage(err: unknown): string {
  if (err instanceof Error) return err.message.split('\n').filter(Boolean).join(' / ');
  return String(err);
}

/**
 * Run `plan`. `openJournal` creates the journal (fresh run) or returns the loaded one (resume); it is called
 * only after the confirmation, so a declined or dry run leaves nothing behind.
 */
export async function runPlan(plan: Plan, kube: Kube, openJournal: () => Journal, o: RunnerOptions): Promise<number> {
  const json = Boolean(o.json);
  const writeJson = (e: object) => void process.stdout.write(`${JSON.stringify({ time: new Date().toISOString(), ...e })}\n`);
  const emit = json ? writeJson : (_e: object) => undefined;
  const out = json ? (_l: string) => undefined : (o.out ?? ((l: string) => void process.stdout.write(`${l}\n`)));
  const err = o.err ?? ((l: string) => void process.stderr.write(`${l}\n`));
  const ask = o.confirm ?? ((q: string) => askTTY(q));
  const total = plan.steps.length;
  const resumeHint = `run "${o.cli} auto --resume" to continue`;
  const dryRun = o.dryRun === true ? 'client' : o.dryRun === false ? 'none' : o.dryRun;
  const result = (code: number, status: string, extra: object = {}) => {
    emit({ event: 'result', status, exitCode: code, procedure: plan.procedure, ...extra });
    return code;
  };

  for (const l of formatPlan(plan, null, o.cluster)) out(l);
  out('');
  emit({ event: 'plan', procedure: plan.procedure, title: plan.title, cluster: o.cluster ?? null, steps: total, ...(plan.preflight ? { preflight: plan.preflight } : {}) });
  plan.steps.forEach((s, i) => emit({ event: 'planned', step: s.id, index: i + 1, total, title: s.title, destructive: s.destructive, commands: s.command }));
  const failedChecks = preflightFailed(plan.preflight ?? []);
  if (failedChecks.length) {
    err(`refused by the preflight checks: ${failedChecks.map((c) => `${c.title}: ${c.detail}`).join(' | ')}. Nothing was changed.`);
    return result(ExitCode.Refused, 'refused', { preflight: plan.preflight, reasons: failedChecks.map((c) => `${c.id}: ${c.detail}`) });
  }
  if (dryRun === 'client') {
    out('dry run: nothing was changed.');
    return result(ExitCode.Ok, 'dry-run');
  }
  if (dryRun === 'server') {
    const code = await serverDryRun(plan, kube, out, emit);
    return result(code, 'dry-run');
  }
  if (!o.yes) {
    if (!o.tty) {
      err('error: refusing to change the cluster without a terminal to confirm on. Pass --yes to run the plan above.');
      return result(ExitCode.Usage, 'not-confirmed');
    }
    const what = plan.facts.finish ? `Finish the replacement someone else started with these ${total} steps` : `Run these ${total} steps`;
    if (!(await ask(`${what} on ${o.cluster ? describeCluster(o.cluster) : 'this cluster'}?`))) {
      err('aborted: nothing was changed.');
      return result(ExitCode.Error, 'declined');
    }
  }
  if (o.stepMode && !o.tty && !o.yes) {
    err('error: --step needs a terminal to ask on.');
    return ExitCode.Usage;
  }

  const journal = openJournal();
  let lease: LeaseHandle | null = null;
  if (o.lease) {
    try {
      lease = await o.lease(journal.data.runId);
    } catch (e) {
      // nothing was changed: a fresh journal is marked refused (not "unfinished"); a resumed one stays as it was
      if (journal.data.steps.every((s) => s.status === 'pending')) journal.setStatus('refused');
      if (e instanceof PluginError) {
        err(`error: ${e.line()}`);
        return result(e.exitCode, 'refused', { error: e.message });
      }
      throw e;
    }
    lease.startRenewing();
  }
  const events = o.events?.(lease?.holder ?? journal.data.runId);
  const tell = (reason: string, message: string, type: 'Normal' | 'Warning' = 'Normal') => events?.post({ reason, message: `${message} (run ${journal.data.runId}${lease ? ` by ${lease.holder}` : ''})`, type });
  const progressBase = o.progress ?? createProgress({ tty: o.tty && !json, color: o.color, stream: json ? nullStream() : undefined });
  const progress = json ? jsonProgress(progressBase, emit, (i) => plan.steps[i - 1]?.id ?? '') : progressBase;
  progress.line(`journal: ${journal.dir}`);
  emit({ event: 'journal', dir: journal.dir, runId: journal.data.runId });
  tell('ReplacementStarted', `etcd-replace ${journal.firstOpenStep() > 0 ? 'resumed' : 'started'} procedure ${plan.procedure}: ${plan.title}`);
  const sweep = async () => {
    try {
      await o.sweep?.((l) => progress.line(l));
    } catch {
      /* best effort: status lists what is left, the next run tries again */
    }
  };
  await sweep();
  const finish = async (code: number, status: string, release: boolean) => {
    await sweep();
    await lease?.stop(release);
    await events?.flush();
    return result(code, status, { journal: journal.dir });
  };
  const notes: string[] = [];
  const ctx: RunContext = {
    kube,
    facts: journal.data.facts,
    vars: journal.data.vars,
    record: (k, v) => journal.record(k, v),
    saveFile: (name, text) => journal.saveFile(name, text),
    secrets: { read: () => readSecrets(journal.dir), write: (x) => writeSecrets(journal.dir, x) },
    readFile: (name) => journal.readFile(name),
    saveSecret: (name, value, what) => journal.saveSecret(name, value, what),
    readSecret: (name) => journal.readSecret(name),
    originalOverrides: () => journal.data.originalOverrides,
    recordOriginalOverrides: (v) => journal.recordOriginalOverrides(v),
    note: (l) => {
      notes.push(l);
      current?.note(l);
    },
    cli: o.cli,
    forceBackup: o.forceBackup === true,
    ...(o.tty && !o.yes
      ? {
          ask: async (q: string) => {
            current?.pause();
            return ask(q);
          },
        }
      : {}),
  };
  let current: ReturnType<Progress['step']> | null = null;
  let currentIndex = -1;

  const junit = () => {
    if (!o.junit) return;
    try {
      writeJunit(o.junit, plan.procedure, journal.data.steps);
    } catch (e) {
      err(`warning: could not write JUnit file ${o.junit}: ${errMessage(e)}`);
    }
  };
  const summary = (): string => {
    const done = journal.data.steps.filter((s) => s.status === 'done' || s.status === 'skipped');
    return done.length === 0 ? 'no step was completed' : `completed: ${done.map((s) => `${s.id} (${s.status})`).join(', ')}`;
  };

  const onSignal = (sig: NodeJS.Signals) => {
    current?.pause();
    const s = plan.steps[currentIndex];
    if (s) {
      const rec = journal.step(s.id);
      if (rec.status === 'running') rec.error = `interrupted by ${sig}`;
    }
    journal.setStatus('interrupted');
    junit();
    err(`interrupted by ${sig}${s ? ` during step ${currentIndex + 1}/${total} (${s.id}: ${s.title})` : ''}; ${summary()}.`);
    err(`journal: ${journal.dir}; ${resumeHint}.`);
    emit({ event: 'result', status: 'interrupted', exitCode: ExitCode.Interrupted, journal: journal.dir });
    process.exit(ExitCode.Interrupted);
  };
  if (o.handleSignals !== false) {
    process.on('SIGINT', onSignal);
    process.on('SIGTERM', onSignal);
  }

  try {
    journal.setStatus('running');
    for (let i = journal.firstOpenStep(); i < total; i++) {
      const step = plan.steps[i]!;
      const rec = journal.step(step.id);
      if (rec.status === 'done' || rec.status === 'skipped') continue;
      if (lease) {
        await lease.renew(`${i + 1}/${total} ${step.id}`);
        if (lease.lost) {
          journal.setStatus('stopped');
          junit();
          err(`stopped before step ${i + 1}/${total} (${step.id}): ${lease.lost}; ${summary()}.`);
          err(`journal: ${journal.dir}; make sure the other run is finished, then ${resumeHint}.`);
          return finish(ExitCode.Interrupted, 'lease-lost', false);
        }
      }
      currentIndex = i;
      notes.length = 0;
      journal.updateStep(step.id, { status: 'running', startedAt: new Date().toISOString(), endedAt: undefined, error: undefined });
      current = progress.step(i + 1, total, step.title);
      try {
        const pre = await step.precondition(ctx);
        if (pre === 'skip') {
          const reason = notes[notes.length - 1] ?? 'result already in place';
          journal.updateStep(step.id, { status: 'skipped', endedAt: new Date().toISOString(), output: notes.join('\n') || reason });
          current.skipped(reason);
          tell('StepSkipped', `step ${i + 1}/${total} ${step.id} skipped: ${reason}`);
          continue;
        }
        if (o.stepMode && step.destructive && o.tty) {
          current.pause();
          if (!(await ask(`Step ${i + 1}/${total}: ${step.title}\n${step.command.map((c) => `  $ ${c}`).join('\n')}\nRun it?`))) {
            journal.updateStep(step.id, { status: 'pending', startedAt: undefined });
            journal.setStatus('stopped');
            junit();
            err(`stopped before step ${i + 1}/${total} (${step.id}); ${summary()}. ${resumeHint}.`);
            return finish(ExitCode.Interrupted, 'stopped', false);
          }
          current = progress.step(i + 1, total, step.title);
        }
        const output = await step.act(ctx);
        await step.verify(ctx);
        const text = [typeof output === 'string' ? output : '', ...notes].filter(Boolean).join('\n');
        journal.updateStep(step.id, { status: 'done', endedAt: new Date().toISOString(), output: text || undefined });
        current.done(typeof output === 'string' && output.length < 100 && !output.includes('\n') ? output : undefined);
        tell('StepDone', `step ${i + 1}/${total} ${step.id} done: ${step.title}`);
      } catch (e) {
        const msg = errMessage(e);
        const endedAt = new Date().toISOString();
        if (e instanceof ManualStop) {
          journal.updateStep(step.id, { status: 'pending', endedAt, error: msg, output: e.instructions.join('\n') });
          journal.setStatus('stopped');
          current.pause();
          junit();
          err(`stopped at manual step ${i + 1}/${total} (${step.id}: ${step.title}): ${msg}`);
          for (const l of e.instructions) err(`  ${l}`);
          err(`${summary()}. journal: ${journal.dir}`);
          err(`when that is done, ${resumeHint}.`);
          tell('ManualStep', `stopped at manual step ${i + 1}/${total} ${step.id}: ${msg}`, 'Warning');
          return finish(ExitCode.Interrupted, 'manual-step', false);
        }
        journal.updateStep(step.id, { status: 'failed', endedAt, error: msg });
        current.failed(msg);
        tell(e instanceof StepRefusal ? 'StepRefused' : 'StepFailed', `step ${i + 1}/${total} ${step.id} ${e instanceof StepRefusal ? 'refused' : 'failed'}: ${msg}`, 'Warning');
        if (e instanceof StepRefusal) {
          const changed = journal.data.steps.some((s, k) => s.status === 'done' && plan.steps[k]?.destructive);
          journal.setStatus(changed ? 'failed' : 'refused');
          junit();
          err(`refused at step ${i + 1}/${total} (${step.id}): ${msg}. This step changed nothing; ${summary()}.`);
          err(changed ? `journal: ${journal.dir}; fix the cause, then ${resumeHint}.` : `journal: ${journal.dir}`);
          return finish(ExitCode.Refused, 'refused', !changed);
        }
        journal.setStatus('failed');
        junit();
        if (stoppedByCluster(e)) {
          // the cluster did not get there in time, or could not be reached: nothing is wrong with the plan; resume later
          err(`stopped at step ${i + 1}/${total} (${step.id}: ${step.title}): ${msg}`);
          err(`${summary()}. journal: ${journal.dir}`);
          err(`the step can be retried safely: once the cluster is reachable and settled, ${resumeHint}.`);
          return finish(ExitCode.Interrupted, 'stopped', false);
        }
        err(`failed at step ${i + 1}/${total} (${step.id}: ${step.title}): ${msg}`);
        err(`${summary()}. journal: ${journal.dir}`);
        err(`${resumeHint}.`);
        return finish(ExitCode.Error, 'failed', false);
      } finally {
        current = null;
      }
    }
    journal.setStatus('done');
    junit();
    progress.line(`all ${total} steps done (procedure ${plan.procedure}); journal: ${journal.dir}`);
    tell('ReplacementDone', `etcd-replace finished procedure ${plan.procedure}: all ${total} steps done`);
    return finish(ExitCode.Ok, 'done', true);
  } finally {
    if (o.handleSignals !== false) {
      process.off('SIGINT', onSignal);
      process.off('SIGTERM', onSignal);
    }
  }
}

/** A stream that drops everything (the human progress when -o json). */
function nullStream(): NodeJS.WriteStream {
  return { write: () => true, isTTY: false, columns: 80 } as unknown as NodeJS.WriteStream;
}

/** Progress that also emits one JSON event per step event. */
function jsonProgress(base: Progress, emit: (e: object) => void, idOf: (index: number) => string): Progress {
  return {
    line: (t) => base.line(t),
    step(index, total, title) {
      const p = base.step(index, total, title);
      const at = { step: idOf(index), index, total, title };
      emit({ event: 'started', ...at });
      return {
        note: (l) => {
          emit({ event: 'note', ...at, note: l });
          p.note(l);
        },
        done: (n) => {
          emit({ event: 'done', ...at, ...(n ? { note: n } : {}) });
          p.done(n);
        },
        skipped: (r) => {
          emit({ event: 'skipped', ...at, reason: r });
          p.skipped(r);
        },
        failed: (m) => {
          emit({ event: 'failed', ...at, error: m });
          p.failed(m);
        },
        pause: () => p.pause(),
      };
    },
  };
}
