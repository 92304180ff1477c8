// A runbook step as data: {id, title, command shown to the user, precondition, act, verify}.
// The runner (runner.ts), not the step, owns spinners, prompts, the journal and resume.
import type { Kube } from '../cluster/kubectl.ts';
import type { MemberId, PartialReplacement } from '../types.ts';

/** The member being replaced, fixed at plan time and stored in the journal. */
export interface Target {
  memberId: MemberId;
  memberName: string;
  node: string;
  nodeIP: string;
  machine: string | null;
}

export type Procedure = 'A' | 'B';
export type MachineMode = 'cpms' | 'yaml' | 'manual';

/** Everything the step list is built from; stored in the journal so `--resume` rebuilds the same list. */
export interface PlanFacts {
  procedure: Procedure;
  release: string | null;
  platform: string | null;
  target: Target;
  /** healthy node that runs cluster-backup.sh */
  backupNode: string;
  /** the DB size of the member on backupNode at plan time (its snapshot's size): the backup's space check */
  backupDbBytes?: number;
  /** etcd pod the plan shows `etcdctl` commands against (re-picked live before each use) */
  execPod: string;
  machineMode: MachineMode;
  /** master machine names and control-plane node names when the plan was made */
  machinesAtPlan: string[];
  nodesAtPlan: string[];
  controlPlaneReplicas: number;
  /** ISO-ish stamp used in file names and redeploy reasons, digits/letters/-/:/. only */
  stamp: string;
  /** spec.unsupportedConfigOverrides when the plan was made (shown in the restore command) */
  overridesAtPlan?: unknown;
  /** platform BareMetal (openshift.md §1.6): the old host, and the `--bmh FILE` host + its Secret's name for new hardware
   * (the Secret's data only in the run's secret file, HOST_SECRETS_FILE) */
  bareMetal?: {
    host: string;
    manifest?: { host: any; secretName: string };
    /** finishing a half-done replacement: `host` is a new host already created by hand (docs step 9), only to provision */
    hostCreated?: boolean;
    /** finishing with `--bmh`: the old host is already gone (docs step 6 done by hand); nothing to delete */
    oldHostGone?: boolean;
  };
  /**
   * Other unhealthy voting members when the plan was made (5 members, 2 down, `--member` named one): this run removes
   * its member and replaces its machine, and the next run (`auto --member <other>`) lets the operator add both.
   */
  otherUnhealthy?: string[];
  /**
   * The target's machine was already Deleting at plan time (someone deleted it; the preDrain hook holds it until the
   * member is removed, after which it disappears): its YAML is saved before the member removal.
   */
  machineDeleting?: boolean;
  /**
   * A replacement someone else started, as the live cluster showed it at plan time (diagnose/partial.ts): the plan
   * holds only the steps that remain, and says so before it asks. With `memberRemoved` the target's member ID is
   * unknown ('') and no step removes a member.
   */
  finish?: PartialReplacement;
  /**
   * Why the backup will be taken with `cluster-backup.sh --force` (an operator is Progressing because of the very
   * failure being repaired): said in the plan, accepted with it. Absent: the docs' plain backup.
   */
  backupForce?: string;
}

/** What a step may read and record while it runs. Records go to the journal at once. */
export interface RunContext {
  kube: Kube;
  facts: PlanFacts;
  /** values recorded by earlier steps (backup path, new machine/node name, original overrides …) */
  vars: Record<string, unknown>;
  record(key: string, value: unknown): void;
  saveFile(name: string, text: string): void;
  readFile(name: string): string | null;
  /** Credentials a resume needs (Credential/SecretData inside `value`): NAME.secret.json, 0600, deleted when the run ends */
  saveSecret(name: string, value: unknown, what?: string): void;
  readSecret<T = unknown>(name: string): T | undefined;
  /** the original spec.unsupportedConfigOverrides; recorded once per run (a resumed run keeps the first) */
  originalOverrides(): { recorded: boolean; value?: unknown };
  recordOriginalOverrides(value: unknown): boolean;
  /** one informational line (shown under the step) */
  note(line: string): void;
  /** the user-facing command prefix, e.g. "oc etcd-replace" */
  cli: string;
  /** `--force-backup`: take the backup with `cluster-backup.sh --force` when an operator is progressing */
  forceBackup?: boolean;
  /** a yes/no question to the user; absent without a terminal or with --yes (then the step decides from flags) */
  ask?: (question: string) => Promise<boolean>;
}

export type PreconditionResult = 'run' | 'skip';

export interface Step {
  id: string;
  title: string;
  /** the exact command(s) this step runs, as shown in the plan */
  command: string[];
  destructive: boolean;
  /** result already in place → 'skip'; unsafe → throw a StepRefusal */
  precondition(ctx: RunContext): Promise<PreconditionResult>;
  /** returns text kept in the journal as the step's output */
  act(ctx: RunContext): Promise<string | void>;
  /** postcondition; polls with a timeout whose error names what it was waiting for */
  verify(ctx: RunContext): Promise<void>;
}

/** A safety check failed: nothing was changed by this step. → exit 4 */
export class StepRefusal extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'StepRefusal';
  }
}

/** The runbook needs a person (e.g. create a control-plane node by hand). → exit 5, resumable */
export class ManualStop extends Error {
  readonly instructions: string[];
  constructor(message: string, instructions: string[]) {
    super(message);
    this.name = 'ManualStop';
    this.instructions = instructions;
  }
}

/** A wait ran out of time; `what` names the condition it waited for. */
export class WaitTimeout extends Error {
  constructor(what: string, seconds: number, last?: string) {
    super(`timed out after ${seconds}s waiting for ${what}${last ? ` (last seen: ${last})` : ''}`);
    this.name = 'WaitTimeout';
  }
}

/**
 * Poll `check` every `intervalMs` until it returns true or `timeoutMs` passes.
 * With `maxIntervalMs`, the pause doubles after each poll up to that (a long wait backs off, e.g. 1 s → 10 s).
 * `check` may return a string: the current state, shown in the timeout error.
 * Errors thrown by `check` count as "not yet" (transient API errors) until the timeout.
 * The deadline holds even when a check hangs: a check still running at the deadline is abandoned (its kubectl call
 * has its own time limit and ends by itself) and the wait fails with WaitTimeout.
 */
export async function waitFor(
  what: string,
  check: () => Promise<boolean | string>,
  o: { timeoutMs: number; intervalMs?: number; maxIntervalMs?: number },
): Promise<void> {
  const started = Date.now();
  const deadline = started + o.timeoutMs;
  let interval = o.intervalMs ?? Number(process.env.ETCD_REPLACE_POLL_MS ?? 1000);
  const maxInterval = Math.max(interval, o.maxIntervalMs ?? interval);
  let last: string | undefined;
  const HUNG = Symbol('hung');
  for (let n = 0; ; n++) {
    if (n > 0 && Date.now() >= deadline) throw new WaitTimeout(what, Math.round(o.timeoutMs / 1000), last);
    let timer: NodeJS.Timeout | undefined;
    try {
      const r = await Promise.race([
        check(),
        new Promise<typeof HUNG>((res) => {
          timer = setTimeout(() => res(HUNG), Math.max(0, deadline - Date.now()));
        }),
      ]);
      if (r === true) return;
      if (r === HUNG) last = `${last ? `${last}; ` : ''}a check was still running at the deadline`;
      else if (typeof r === 'string') last = r;
    } catch (err) {
      if (err instanceof StepRefusal) throw err;
      last = err instanceof Error ? err.message.split('\n')[0] : String(err);
    } finally {
      clearTimeout(timer);
    }
    await new Promise((r) => setTimeout(r, Math.min(interval, Math.max(0, deadline - Date.now()))));
    interval = Math.min(maxInterval, interval * 2);
  }
}
