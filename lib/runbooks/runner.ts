// The runner: shows the plan, asks once, then for each step precondition → skip/run → act → verify,
// with the journal written after every change, progress per step, and resume from the first open step.
//
// Exit codes (interface.md): 0 done · 1 a step failed (resumable) or the user declined · 2 no TTY and no --yes ·
// 4 a safety check refused (nothing changed by that step) · 5 interrupted (SIGINT/SIGTERM) or stopped at a manual step.
import { ExitCode } from '../errors.ts';
import { Journal } from './journal.ts';
import { writeJunit } from './junit.ts';
import { ManualStop, StepRefusal, type PlanFacts, type RunContext, type Step } from './step.ts';
import { createProgress, type Progress } from '../ui/progress.ts';
import { confirm as askTTY } from '../ui/prompt.ts';
import type { Kube } from '../cluster/kubectl.ts';

export interface Plan {
  procedure: string; // e.g. "A"
  title: string; // one line: what this plan does
  facts: PlanFacts;
  steps: Step[];
}

export interface RunnerOptions {
  yes: boolean;
  dryRun: boolean;
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
}

export function formatPlan(plan: Plan, journal?: Journal | null): string[] {
  const lines = [plan.title, ''];
  const total = plan.steps.length;
  plan.steps.forEach((s, i) => {
    const rec = journal?.data.steps.find((r) => r.id === s.id);
    const mark = rec && (rec.status === 'done' || rec.status === 'skipped') ? `  (${rec.status})` : '';
    lines.push(`  ${String(i + 1).padStart(String(total).length)}. ${s.title}${s.destructive ? '  [changes the cluster]' : ''}${mark}`);
    for (const c of s.command) lines.push(`       $ ${c}`);
  });
  return lines;
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
  const out = o.out ?? ((l: string) => void process.stdout.write(`${l}\n`));
  const err = o.err ?? ((l: string) => void process.stderr.write(`${l}\n`));
  const ask = o.confirm ?? ((q: string) => askTTY(q));
  const total = plan.steps.length;
  const resumeHint = `run "${o.cli} auto --resume" to continue`;

  for (const l of formatPlan(plan)) out(l);
  out('');
  if (o.dryRun) {
    out('dry run: nothing was changed.');
    return ExitCode.Ok;
  }
  if (!o.yes) {
    if (!o.tty) {
      err('error: refusing to change the cluster without a terminal to confirm on. Pass --yes to run the plan above.');
      return ExitCode.Usage;
    }
    if (!(await ask(`Run these ${total} steps?`))) {
      err('aborted: nothing was changed.');
      return ExitCode.Error;
    }
  }
  if (o.stepMode && !o.tty && !o.yes) {
    err('error: --step needs a terminal to ask on.');
    return ExitCode.Usage;
  }

  const journal = openJournal();
  const progress = o.progress ?? createProgress({ tty: o.tty, color: o.color });
  progress.line(`journal: ${journal.dir}`);
  const notes: string[] = [];
  const ctx: RunContext = {
    kube,
    facts: journal.data.facts,
    vars: journal.data.vars,
    record: (k, v) => journal.record(k, v),
    saveFile: (name, text) => journal.saveFile(name, text),
    readFile: (name) => journal.readFile(name),
    originalOverrides: () => journal.data.originalOverrides,
    recordOriginalOverrides: (v) => journal.recordOriginalOverrides(v),
    note: (l) => {
      notes.push(l);
      current?.note(l);
    },
    cli: o.cli,
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
          continue;
        }
        if (o.stepMode && step.destructive && o.tty) {
          current.pause();
          if (!(await ask(`Step ${i + 1}/${total}: ${step.title}\n${step.command.map((c) => `  $ ${c}`).join('\n')}\nRun it?`))) {
            journal.updateStep(step.id, { status: 'pending', startedAt: undefined });
            journal.setStatus('stopped');
            junit();
            err(`stopped before step ${i + 1}/${total} (${step.id}); ${summary()}. ${resumeHint}.`);
            return ExitCode.Interrupted;
          }
          current = progress.step(i + 1, total, step.title);
        }
        const output = await step.act(ctx);
        await step.verify(ctx);
        const text = [typeof output === 'string' ? output : '', ...notes].filter(Boolean).join('\n');
        journal.updateStep(step.id, { status: 'done', endedAt: new Date().toISOString(), output: text || undefined });
        current.done(typeof output === 'string' && output.length < 100 && !output.includes('\n') ? output : undefined);
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
          return ExitCode.Interrupted;
        }
        journal.updateStep(step.id, { status: 'failed', endedAt, error: msg });
        current.failed(msg);
        if (e instanceof StepRefusal) {
          const changed = journal.data.steps.some((s, k) => s.status === 'done' && plan.steps[k]?.destructive);
          journal.setStatus(changed ? 'failed' : 'refused');
          junit();
          err(`refused at step ${i + 1}/${total} (${step.id}): ${msg}. This step changed nothing; ${summary()}.`);
          err(changed ? `journal: ${journal.dir}; fix the cause, then ${resumeHint}.` : `journal: ${journal.dir}`);
          return ExitCode.Refused;
        }
        journal.setStatus('failed');
        junit();
        err(`failed at step ${i + 1}/${total} (${step.id}: ${step.title}): ${msg}`);
        err(`${summary()}. journal: ${journal.dir}`);
        err(`${resumeHint}.`);
        return ExitCode.Error;
      } finally {
        current = null;
      }
    }
    journal.setStatus('done');
    junit();
    progress.line(`all ${total} steps done (procedure ${plan.procedure}); journal: ${journal.dir}`);
    return ExitCode.Ok;
  } finally {
    if (o.handleSignals !== false) {
      process.off('SIGINT', onSignal);
      process.off('SIGTERM', onSignal);
    }
  }
}
