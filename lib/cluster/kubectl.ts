// THE adapter: every oc/kubectl call the plugin makes goes through Kube.run (execa, argument arrays, never a shell).
//
// - client: `oc` when on PATH, else `kubectl`; `--client` overrides.
// - `--kubeconfig` / `--context` are forwarded before the subcommand; KUBECONFIG is inherited from the environment.
// - Failures the user must fix are turned into one-line PluginErrors (exit 1): client not on PATH, API unreachable,
//   unknown context, unreadable kubeconfig, Unauthorized, Forbidden (needs cluster-admin), namespace openshift-etcd missing.
// - Transient failures (connection refused/reset, EOF, TLS handshake timeout, 5xx, ServiceUnavailable, etcdserver: leader
//   changed / request timed out / too many requests) are retried with backoff 0.5, 1, 2, 4 s when `retries` is given.
// - Every call is counted and timed (Kube.calls, Kube.timings) for the benchmark; ETCD_REPLACE_TRACE=FILE appends one JSON
//   line per call ({argv, ms, exitCode}), ETCD_REPLACE_DEBUG=1 prints each call on stderr.
import { appendFileSync, accessSync, constants, statSync } from 'node:fs';
import { join, win32 } from 'node:path';
import { execa } from 'execa';
import { PluginError, oneLine } from '../errors.ts';

export interface KubeOptions {
  client?: 'oc' | 'kubectl';
  kubeconfig?: string;
  context?: string;
  env?: NodeJS.ProcessEnv;
  /** kubectl connection flags given to the plugin, forwarded to every call (kubectl spelling and meaning) */
  cluster?: string;
  user?: string;
  server?: string;
  token?: string;
  as?: string;
  asGroup?: string[];
  certificateAuthority?: string;
  insecureSkipTlsVerify?: boolean;
  /** kubectl duration syntax ("30s", "1m", "0" = none): forwarded as --request-timeout, the per-call default */
  requestTimeout?: string;
  /** kubectl's -v level: forwarded, and any level > 0 prints each call on stderr (as ETCD_REPLACE_DEBUG=1) */
  verbosity?: number;
}

/** The connection flags of `o` as kubectl arguments, in kubectl's spelling (`--flag=value`). */
export function connectionArgs(o: KubeOptions): string[] {
  const g: string[] = [];
  if (o.kubeconfig) g.push('--kubeconfig', o.kubeconfig);
  if (o.context) g.push('--context', o.context);
  if (o.cluster) g.push(`--cluster=${o.cluster}`);
  if (o.user) g.push(`--user=${o.user}`);
  if (o.server) g.push(`--server=${o.server}`);
  if (o.token) g.push(`--token=${o.token}`);
  if (o.as) g.push(`--as=${o.as}`);
  for (const grp of o.asGroup ?? []) g.push(`--as-group=${grp}`);
  if (o.certificateAuthority) g.push(`--certificate-authority=${o.certificateAuthority}`);
  if (o.insecureSkipTlsVerify) g.push('--insecure-skip-tls-verify=true');
  if (o.requestTimeout) g.push(`--request-timeout=${o.requestTimeout}`);
  if (o.verbosity !== undefined && o.verbosity > 0) g.push(`-v=${o.verbosity}`);
  return g;
}

/** Child processes speak English whatever the user's locale (oc translates its messages; we parse them). */
export function englishEnv(env: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  const out: NodeJS.ProcessEnv = { ...env, LC_ALL: 'C.UTF-8', LANG: 'C.UTF-8' };
  delete out.LANGUAGE;
  delete out.LC_MESSAGES;
  return out;
}

export interface RunResult {
  stdout: string;
  stderr: string;
  exitCode: number;
  command: string[];
}

export interface RunOptions {
  input?: string;
  allowFailure?: boolean;
  /** how many times to retry a transient failure (backoff 0.5, 1, 2, 4, 4… s) */
  retries?: number;
  timeoutMs?: number;
}

export interface CallTiming {
  argv: string[];
  ms: number;
  exitCode: number;
}

export const BACKOFF_MS = [500, 1000, 2000, 4000];
export const NOT_ON_PATH = 'kubectl not found on PATH';

/**
 * Finds an executable on PATH (no shell). On Windows, as cmd.exe looks it up: the PATH variable in any
 * case, split on ";" (entries may be quoted), each name tried with the PATHEXT extensions in their order
 * (default .COM;.EXE;.BAT;.CMD) unless it already has one. Only .exe and .com are accepted there: a .bat/.cmd
 * needs cmd.exe to run, and the adapter never runs a shell.
 */
export function which(name: string, env: NodeJS.ProcessEnv = process.env, platform: NodeJS.Platform = process.platform): string | null {
  const win = platform === 'win32';
  const get = (key: string) => (win ? Object.entries(env).find(([k]) => k.toUpperCase() === key)?.[1] : env[key]);
  const runnable = ['.exe', '.com'];
  let names = [name];
  if (win) {
    const exts = (get('PATHEXT') || '.COM;.EXE;.BAT;.CMD').split(';').map((e) => e.trim().toLowerCase()).filter(Boolean);
    const ext = win32.extname(name).toLowerCase();
    names = exts.includes(ext) ? [name] : exts.map((e) => name + e);
    names = names.filter((n) => runnable.includes(win32.extname(n).toLowerCase()));
  }
  for (const raw of (get('PATH') ?? '').split(win ? ';' : ':')) {
    const dir = win ? raw.trim().replace(/^"(.*)"$/, '$1') : raw;
    if (!dir) continue;
    for (const n of names) {
      const p = join(dir, n);
      try {
        if (!statSync(p).isFile()) continue;
        if (!win) accessSync(p, constants.X_OK); // Windows has no execute bit: the extension decides
        return p;
      } catch {
        /* not here */
      }
    }
  }
  return null;
}

/** Quotes one argument for display the way a POSIX shell would need it. */
export function shellQuote(a: string): string {
  if (a === '') return "''";
  if (/^[A-Za-z0-9_@%+=:,./-]+$/.test(a)) return a;
  return `'${a.replace(/'/g, `'\\''`)}'`;
}

const TRANSIENT = [
  /connection refused/i,
  /connection reset/i,
  /\bEOF\b/,
  /TLS handshake timeout/i,
  /i\/o timeout/i,
  /\bServiceUnavailable\b/,
  /\(InternalError\)/,
  /the server is currently unable to handle the request/i,
  /the server was unable to return a response in the time allotted/i,
  /\(Timeout\)/,
  /\(TooManyRequests\)/,
  /status code:? 5\d\d/i,
  /\b50[0234] (Internal Server Error|Bad Gateway|Service Unavailable|Gateway Timeout)/i,
  /etcdserver: leader changed/,
  /etcdserver: request timed out/,
  /etcdserver: too many requests/,
  /http2: client connection lost/i,
  /timed out after/i,
];

export function isTransient(stderr: string): boolean {
  return TRANSIENT.some((re) => re.test(stderr));
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export class Kube {
  /** Calls made by every Kube in this process (for the benchmark). */
  static calls = 0;
  /** Duration of every call made in this process, in order of completion. */
  static timings: CallTiming[] = [];
  static resetStats(): void {
    Kube.calls = 0;
    Kube.timings = [];
  }
  /** Backoff schedule; tests may shorten it. */
  static backoffMs: number[] = BACKOFF_MS;

  readonly binary: string;
  readonly path: string | null;
  readonly opts: KubeOptions;
  private readonly env: NodeJS.ProcessEnv;
  private serverCache?: Promise<{ server: string | null; context: string | null }>;

  constructor(opts: KubeOptions = {}) {
    this.opts = opts;
    this.env = englishEnv(opts.env ?? process.env);
    if (opts.client) {
      this.binary = opts.client;
      this.path = which(opts.client, this.env);
    } else {
      const oc = which('oc', this.env);
      if (oc) {
        this.binary = 'oc';
        this.path = oc;
      } else {
        this.binary = 'kubectl';
        this.path = which('kubectl', this.env);
      }
    }
  }

  /** `--kubeconfig X --context Y` and the other connection flags, placed before every subcommand. */
  globalArgs(): string[] {
    return connectionArgs(this.opts);
  }

  /** The full argv given to the binary. */
  argv(args: string[]): string[] {
    return [...this.globalArgs(), ...args];
  }

  /** Argument arrays of the commands shown by display(), by their text (the runner's server-side dry run sends them). */
  private readonly shown = new Map<string, string[]>();

  /** The command as shown to the user, e.g. `oc -n openshift-etcd get pods`; a --token value is never shown. */
  display(args: string[]): string {
    const text = [this.binary, ...this.argv(args)].map((a) => (a.startsWith('--token=') ? '--token=REDACTED' : a)).map(shellQuote).join(' ');
    this.shown.set(text, args);
    return text;
  }

  /** The argument array that display() turned into `text`, if it did. */
  argsOf(text: string): string[] | undefined {
    return this.shown.get(text);
  }

  /** true when -v N (N > 0) or ETCD_REPLACE_DEBUG asks to show each call */
  get showCalls(): boolean {
    return Boolean(this.env.ETCD_REPLACE_DEBUG) || (this.opts.verbosity ?? 0) > 0;
  }

  async run(args: string[], o: RunOptions = {}): Promise<RunResult> {
    if (!this.path) {
      throw new PluginError(`${this.binary} not found on PATH`, {
        hint: this.opts.client ? `install ${this.binary}, or pass --client ${this.binary === 'oc' ? 'kubectl' : 'oc'}` : 'install kubectl or oc, or pass --client',
      });
    }
    const argv = this.argv(args);
    const retries = Math.max(0, o.retries ?? 0);
    for (let attempt = 0; ; attempt++) {
      const r = await this.once(argv, o);
      if (r.exitCode === 0) return r;
      const transient = isTransient(r.stderr);
      if (transient && attempt < retries) {
        await sleep(Kube.backoffMs[Math.min(attempt, Kube.backoffMs.length - 1)]);
        continue;
      }
      const fatal = await this.classify(args, r);
      if (fatal) throw fatal;
      if (o.allowFailure) return r;
      throw new PluginError(`${this.display(args)} failed: ${firstErrorLine(r.stderr) || `exit code ${r.exitCode}`}`);
    }
  }

  private async once(argv: string[], o: RunOptions): Promise<RunResult> {
    Kube.calls++;
    const t0 = performance.now();
    const p = await execa(this.path!, argv, {
      input: o.input,
      stdin: o.input === undefined ? 'ignore' : undefined,
      reject: false,
      timeout: o.timeoutMs,
      env: this.env,
      extendEnv: false,
      stripFinalNewline: false,
      encoding: 'utf8',
      maxBuffer: 256 * 1024 * 1024,
    });
    const ms = performance.now() - t0;
    let stderr = String(p.stderr ?? '');
    let exitCode = typeof p.exitCode === 'number' ? p.exitCode : 1;
    if (p.timedOut) {
      stderr += `\n${this.binary} timed out after ${Math.round((o.timeoutMs ?? 0) / 1000)}s`;
      exitCode = exitCode === 0 ? 124 : exitCode;
    }
    const r: RunResult = { stdout: String(p.stdout ?? ''), stderr, exitCode, command: [this.binary, ...argv] };
    const t: CallTiming = { argv, ms, exitCode };
    Kube.timings.push(t);
    if (this.env.ETCD_REPLACE_TRACE) {
      try {
        appendFileSync(this.env.ETCD_REPLACE_TRACE, JSON.stringify(t) + '\n');
      } catch {
        /* tracing is best effort */
      }
    }
    if (this.showCalls) process.stderr.write(`[kube ${ms.toFixed(0)}ms rc=${exitCode}] ${this.display(argv.slice(this.globalArgs().length))}\n`);
    return r;
  }

  /** Turns an environment problem into the one-line error the user sees; null when the failure is the caller's to judge. */
  private async classify(args: string[], r: RunResult): Promise<PluginError | null> {
    const e = r.stderr;
    if (/context was not found for specified context: (.+)/.test(e) || /context "([^"]+)" does not exist/.test(e)) {
      const name = (e.match(/context was not found for specified context: (\S+)/) ?? e.match(/context "([^"]+)" does not exist/))?.[1] ?? this.opts.context ?? '';
      return new PluginError(`context "${name.trim()}" not found in kubeconfig`, {
        hint: `list contexts with \`${this.binary} config get-contexts\` and pass one with --context`,
      });
    }
    const stat = e.match(/^error: stat ([^:]+): no such file or directory/m);
    if (stat) return new PluginError(`kubeconfig ${stat[1]} not found`, { hint: 'pass an existing file with --kubeconfig or set KUBECONFIG' });
    if (/^error: (error loading config file|Error in configuration)/im.test(e) || /^Error in configuration/m.test(e)) {
      return new PluginError(`the kubeconfig is invalid: ${firstErrorLine(e)}`, { hint: 'check --kubeconfig / KUBECONFIG' });
    }
    const unreachable =
      e.match(/The connection to the server (\S+) was refused/) ??
      e.match(/Unable to connect to the server: (.*)/) ??
      (/couldn't get current server API group list/.test(e) ? e.match(/Get "([^"]+)"/) : null);
    if (unreachable) {
      const url = (await this.server()).server ?? urlFrom(e) ?? unreachable[1];
      const dial = e.match(/dial tcp [^\s"]+: ([^"\n]+)/)?.[1];
      const why = dial ?? (e.match(/Unable to connect to the server: (.*)/)?.[1] ?? 'connection refused');
      return new PluginError(`cannot reach the API server at ${url}: ${oneLine(why)}`, {
        hint: 'check that the cluster is up, your network/VPN, and --kubeconfig/--context',
      });
    }
    if (/\(Unauthorized\)/.test(e) || /You must be logged in to the server/.test(e)) {
      const url = (await this.server()).server ?? 'the API server';
      return new PluginError(`not logged in to ${url} (Unauthorized)`, { hint: 'log in as a cluster-admin user (oc login) or fix the credentials in your kubeconfig' });
    }
    const forb = e.match(/Error from server \(Forbidden\):.*?cannot (\w+) resource "([^"]+)"(?: in API group "([^"]*)")?(?: in the namespace "([^"]+)")?/);
    if (forb || /Error from server \(Forbidden\)/.test(e)) {
      const what = forb ? `${forb[1]} ${forb[2]}${forb[4] ? ` in ${forb[4]}` : ''}` : oneLine(firstErrorLine(e));
      return new PluginError(`you are not allowed to ${what}: etcd-replace needs cluster-admin (oc login as a cluster-admin user)`);
    }
    if (/namespaces? "openshift-etcd" not found/.test(e)) {
      return notOpenShift();
    }
    return null;
  }

  /** run(args + ['-o','json']) and parse. */
  async json<T = any>(args: string[], o: RunOptions = {}): Promise<T> {
    const r = await this.run([...args, '-o', 'json'], o);
    try {
      return JSON.parse(r.stdout) as T;
    } catch (err) {
      throw new PluginError(`${this.display([...args, '-o', 'json'])} printed output that is not JSON: ${oneLine(r.stdout.slice(0, 120))}`);
    }
  }

  /** A `get` that may 404: true when found, false on NotFound (other errors throw). */
  async exists(args: string[], o: RunOptions = {}): Promise<boolean> {
    const r = await this.run([...args, '-o', 'name'], { ...o, allowFailure: true });
    if (r.exitCode === 0) return r.stdout.trim() !== '';
    if (isNotFound(r.stderr)) return false;
    throw new PluginError(`${this.display(args)} failed: ${firstErrorLine(r.stderr) || `exit code ${r.exitCode}`}`);
  }

  /** `<bin> -n NS exec POD -c CONTAINER -- COMMAND...` (never through a shell, never interactive). */
  exec(ns: string, pod: string, container: string, command: string[], o: { allowFailure?: boolean; timeoutMs?: number; retries?: number } = {}): Promise<RunResult> {
    return this.run(['-n', ns, 'exec', pod, '-c', container, '--', ...command], o);
  }

  /** The API server URL and context name of the kubeconfig in use (local read, cached). */
  server(): Promise<{ server: string | null; context: string | null }> {
    if (!this.serverCache) {
      this.serverCache = (async () => {
        if (!this.path) return { server: null, context: null };
        try {
          const r = await this.once(this.argv(['config', 'view', '--minify', '-o', 'json']), { timeoutMs: 10000 });
          if (r.exitCode !== 0) return { server: null, context: this.opts.context ?? null };
          const cfg = JSON.parse(r.stdout);
          return { server: cfg?.clusters?.[0]?.cluster?.server ?? null, context: cfg?.['current-context'] ?? this.opts.context ?? null };
        } catch {
          return { server: null, context: this.opts.context ?? null };
        }
      })();
    }
    return this.serverCache;
  }
}

export function notOpenShift(): PluginError {
  return new PluginError('namespace openshift-etcd not found: this does not look like an OpenShift 4 cluster', {
    hint: 'check --context/--kubeconfig point at an OpenShift 4 cluster',
  });
}

function urlFrom(stderr: string): string | null {
  const m = stderr.match(/"(https?:\/\/[^/"]+)/);
  return m ? m[1] : null;
}

export function isNotFound(stderr: string): boolean {
  return /\(NotFound\)|not found|doesn't have a resource type|the server could not find the requested resource/i.test(stderr);
}

/** True when the failure says the resource type is not served (e.g. no Machine API on this cluster). */
export function isNoResourceType(stderr: string): boolean {
  return /doesn't have a resource type|the server could not find the requested resource|no matches for kind/i.test(stderr);
}

/** The most useful line of a kubectl stderr (skips klog noise). */
export function firstErrorLine(stderr: string): string {
  const lines = stderr
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l && !/^[EIW]\d{4} \d\d:\d\d:\d\d/.test(l));
  const pick = lines.find((l) => /^(error|Error)/.test(l)) ?? lines[0] ?? '';
  return oneLine(pick).replace(/^error: /, '');
}
