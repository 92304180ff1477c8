// The run journal: $XDG_STATE_HOME/etcd-replace/<cluster>/<run-id>/journal.json (+ saved files), mode 0700;
// on Windows %LOCALAPPDATA%\etcd-replace\… (XDG_STATE_HOME still wins when set).
// Written atomically (tmp + rename, synchronously) after every state change, so a kill at any moment
// leaves either the previous or the next complete journal on disk.
import { mkdirSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync, existsSync, statSync } from 'node:fs';
import { homedir } from 'node:os';
import { join, posix, win32 } from 'node:path';
import { randomBytes } from 'node:crypto';
import type { PlanFacts } from './step.ts';
import { readSecretFile, writeSecretFile } from '../security/credential.ts';

export const JOURNAL_VERSION = 1;

export type StepStatus = 'pending' | 'running' | 'done' | 'skipped' | 'failed';

export interface StepRecord {
  id: string;
  title: string;
  status: StepStatus;
  startedAt?: string;
  endedAt?: string;
  output?: string;
  error?: string;
}

export type RunStatus = 'running' | 'done' | 'failed' | 'refused' | 'stopped' | 'interrupted';

export interface JournalData {
  version: number;
  runId: string;
  startedAt: string;
  updatedAt: string;
  cluster: string;
  procedure: string;
  status: RunStatus;
  facts: PlanFacts;
  target: PlanFacts['target'];
  /** spec.unsupportedConfigOverrides as found before the plugin changed it */
  originalOverrides: { recorded: boolean; value?: unknown };
  vars: Record<string, unknown>;
  steps: StepRecord[];
  /** file name → what it holds */
  files: Record<string, string>;
  /**
   * Files holding credentials a resume needs (e.g. BMC Secret data between deleting and creating a host): file name →
   * what it holds (never the values). Mode 0600, written only by writeSecretFile (lib/security/credential.ts), deleted
   * when the run ends (done or refused), never in a bundle.
   */
  secretFiles?: Record<string, string>;
}

export function stateRoot(env: NodeJS.ProcessEnv = process.env, platform: NodeJS.Platform = process.platform): string {
  const path = platform === 'win32' ? win32 : posix;
  if (env.XDG_STATE_HOME && path.isAbsolute(env.XDG_STATE_HOME)) return path.join(env.XDG_STATE_HOME, 'etcd-replace');
  if (platform === 'win32') {
    const local = env.LOCALAPPDATA && win32.isAbsolute(env.LOCALAPPDATA) ? env.LOCALAPPDATA : win32.join(homedir(), 'AppData', 'Local');
    return win32.join(local, 'etcd-replace');
  }
  return posix.join(homedir(), '.local', 'state', 'etcd-replace');
}

/** A cluster key safe as one folder name: API server host:port (or context name) with everything else replaced. */
export function sanitizeCluster(s: string): string {
  const t = s.replace(/^[a-z]+:\/\//i, '').replace(/\/.*$/, '');
  const clean = t.replace(/[^A-Za-z0-9._:-]/g, '_').replace(/:/g, '_').replace(/^\.+/, '_');
  return clean.slice(0, 120) || 'default';
}

export function newRunId(now = new Date()): string {
  const ts = now.toISOString().replace(/[-:]/g, '').replace(/\.\d+Z$/, 'Z'); // 20261125T120000Z
  return `${ts}-${randomBytes(3).toString('hex')}`;
}

function atomicWrite(file: string, text: string): void {
  const tmp = `${file}.tmp-${process.pid}`;
  writeFileSync(tmp, text, { mode: 0o600 });
  renameSync(tmp, file);
}

export class Journal {
  readonly dir: string;
  data: JournalData;

  private constructor(dir: string, data: JournalData) {
    this.dir = dir;
    this.data = data;
  }

  static create(root: string, cluster: string, facts: PlanFacts, steps: { id: string; title: string }[], now = new Date()): Journal {
    const runId = newRunId(now);
    const dir = join(root, cluster, runId);
    mkdirSync(dir, { recursive: true, mode: 0o700 });
    const iso = now.toISOString();
    const j = new Journal(dir, {
      version: JOURNAL_VERSION,
      runId,
      startedAt: iso,
      updatedAt: iso,
      cluster,
      procedure: facts.procedure,
      status: 'running',
      facts,
      target: facts.target,
      originalOverrides: { recorded: false },
      vars: {},
      steps: steps.map((s) => ({ id: s.id, title: s.title, status: 'pending' })),
      files: {},
    });
    j.save();
    return j;
  }

  static load(dir: string): Journal {
    const data = JSON.parse(readFileSync(join(dir, 'journal.json'), 'utf8')) as JournalData;
    if (data.version !== JOURNAL_VERSION) throw new Error(`journal ${dir} has version ${data.version}, expected ${JOURNAL_VERSION}`);
    return new Journal(dir, data);
  }

  save(): void {
    this.data.updatedAt = new Date().toISOString();
    atomicWrite(join(this.dir, 'journal.json'), JSON.stringify(this.data, null, 2) + '\n');
  }

  step(id: string): StepRecord {
    const s = this.data.steps.find((x) => x.id === id);
    if (!s) throw new Error(`journal has no step ${id}`);
    return s;
  }

  updateStep(id: string, patch: Partial<StepRecord>): void {
    Object.assign(this.step(id), patch);
    this.save();
  }

  setStatus(status: RunStatus): void {
    this.data.status = status;
    if (status === 'done' || status === 'refused') this.removeSecrets();
    this.save();
  }

  record(key: string, value: unknown): void {
    this.data.vars[key] = value;
    this.save();
  }

  /** Records the original overrides only the first time (a resumed run must not overwrite them). */
  recordOriginalOverrides(value: unknown): boolean {
    if (this.data.originalOverrides.recorded) return false;
    this.data.originalOverrides = value === undefined ? { recorded: true } : { recorded: true, value };
    this.save();
    return true;
  }

  saveFile(name: string, text: string, what = name): void {
    if (!/^[A-Za-z0-9._-]+$/.test(name)) throw new Error(`bad journal file name ${name}`);
    atomicWrite(join(this.dir, name), text);
    this.data.files[name] = what;
    this.save();
  }

  /**
   * Keeps `value` (holding Credential/SecretData) for a resume: `name` (ending in .secret.json) in the 0700 run
   * directory, mode 0600. `what` says what it is, in journal.json (no value).
   */
  saveSecret(name: string, value: unknown, what = name): void {
    if (!/^[A-Za-z0-9._-]+\.secret\.json$/.test(name)) throw new Error(`bad journal secret file name ${name} (NAME.secret.json)`);
    writeSecretFile(join(this.dir, name), value);
    this.data.secretFiles = { ...(this.data.secretFiles ?? {}), [name]: what };
    this.save();
  }

  /** What saveSecret kept under `name`, sealed again; undefined when there is none. */
  readSecret<T = unknown>(name: string): T | undefined {
    if (!/^[A-Za-z0-9._-]+\.secret\.json$/.test(name)) throw new Error(`bad journal secret file name ${name} (NAME.secret.json)`);
    return readSecretFile<T>(join(this.dir, name));
  }

  /** Deletes every secret file of the run (the run has ended: nothing will resume it). */
  removeSecrets(): void {
    for (const name of Object.keys(this.data.secretFiles ?? {})) rmSync(join(this.dir, name), { force: true });
    for (const name of readdirSync(this.dir)) if (name.endsWith('.secret.json')) rmSync(join(this.dir, name), { force: true });
    if (this.data.secretFiles && Object.keys(this.data.secretFiles).length) this.data.secretFiles = {};
  }

  readFile(name: string): string | null {
    const p = join(this.dir, name);
    return existsSync(p) ? readFileSync(p, 'utf8') : null;
  }

  get finished(): boolean {
    return this.data.status === 'done';
  }

  /** index of the first step that is neither done nor skipped; steps.length when all are */
  firstOpenStep(): number {
    const i = this.data.steps.findIndex((s) => s.status !== 'done' && s.status !== 'skipped');
    return i === -1 ? this.data.steps.length : i;
  }
}

/** Runs of a cluster that have not finished (status ≠ done and ≠ refused), newest first. */
export function unfinishedRuns(root: string, cluster: string): string[] {
  const dir = join(root, cluster);
  if (!existsSync(dir)) return [];
  const out: { dir: string; startedAt: string }[] = [];
  for (const name of readdirSync(dir)) {
    const d = join(dir, name);
    try {
      if (!statSync(d).isDirectory()) continue;
      const data = JSON.parse(readFileSync(join(d, 'journal.json'), 'utf8')) as JournalData;
      if (data.status === 'done' || data.status === 'refused') continue;
      out.push({ dir: d, startedAt: `${data.startedAt} ${data.runId}` });
    } catch {
      // not a journal (or an unreadable one): ignore
    }
  }
  out.sort((a, b) => (a.startedAt < b.startedAt ? 1 : a.startedAt > b.startedAt ? -1 : 0));
  return out.map((o) => o.dir);
}

export function newestUnfinished(root: string, cluster: string): string | null {
  return unfinishedRuns(root, cluster)[0] ?? null;
}
