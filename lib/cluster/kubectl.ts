// THE adapter: every oc/kubectl call the plugin makes goes through Kube.run (execa, argument arrays, never a shell).
//
// - client: `oc` when on PATH, else `kubectl`; `--client` overrides.
// - `--kubeconfig` / `--context` are forwarded before the subcommand; KUBECONFIG is inherited from the environment.
// - Failures the user must fix are turned into one-line PluginErrors (exit 1): client not on PATH, API unreachable,
//   unknown context, unreadable kubeconfig, Unauthorized, Forbidden (needs cluster-admin), namespace openshift-etcd missing.
// - Every call has a time limit: `timeoutMs` when given, else `--request-timeout` (KubeOptions.requestTimeout, kubectl
//   duration syntax) plus a grace period, else a default per call kind (CALL_TIMEOUT_MS). A call that runs out of time is
//   killed and reported as "timed out after Ns" (a transient failure).
// - Transient failures (connection refused/reset, EOF, TLS handshake timeout, 5xx, ServiceUnavailable, 429, etcdserver:
//   leader changed / request timed out / too many requests, a timed-out call) are retried with backoff 0.5, 1, 2, 4 s,
//   but only for calls whose repetition is harmless (callKind): reads (default 3 retries) and idempotent writes
//   (apply/patch/delete/label/annotate/replace; `retries` when given). A non-idempotent call (create, etcdctl member
//   remove/add, a shell on a node) is never retried here: its caller checks the live state before trying again.
// - Every call is counted and timed (Kube.calls, Kube.timings) for the benchmark; ETCD_REPLACE_TRACE=FILE appends one JSON
//   line per call ({argv, ms, exitCode}), ETCD_REPLACE_DEBUG=1 prints each call on stderr.
// - Credentials (issue 20): --token is a Credential (lib/security/credential.ts). The argv given to the process is the
//   only place its value is revealed (execArgv); every text that leaves this adapter (display, the trace, the debug
//   line, a RunResult's stderr and so every error built from it) is the shown argv and goes through redact(), the
//   one redaction function. Kubeconfig contents are read once, `config view --minify --raw --flatten` (server(): the
//   server URL and the context name), and its credentials are sealed there and then (sealKubeconfigCredentials), so
//   that redact() knows them too; no other field of it is kept.
import { appendFileSync } from 'node:fs';
import { execa } from 'execa';
import { PluginError, oneLine } from '../errors.ts';
import { Credential, redact, scrubSecrets } from '../security/credential.ts';
import { sealKubeconfigCredentials } from './kubeconfig.ts';
import { which } from './which.ts';

export { which };

export interface KubeOptions {
  client?: 'oc' | 'kubectl';
  kubeconfig?: string;
  context?: string;
  env?: NodeJS.ProcessEnv;
  /** kubectl connection flags given to the plugin, forwarded to every call (kubectl spelling and meaning) */
  cluster?: string;
  user?: string;
  server?: string;
  /** --token: sealed, revealed only in the argv given to the kubectl/oc process */
  token?: Credential;
  as?: string;
  asGroup?: string[];
  certificateAuthority?: string;
  clientCertificate?: string;
  clientKey?: string;
  tlsServerName?: string;
  insecureSkipTlsVerify?: boolean;
  cacheDir?: string;
  /** kubectl duration syntax ("30s", "1m", "0" = none): forwarded as --request-timeout, the per-call default */
  requestTimeout?: string;
  /** kubectl's -v level: forwarded, and any level > 0 prints each call on stderr (as ETCD_REPLACE_DEBUG=1) */
  verbosity?: number;
  /**
   * `--from PATH`: the cluster is a must-gather, there is none to call. The adapter refuses every call (an internal
   * error naming it) and counts it in Kube.offlineRefusals; display() still shows commands for the plan.
   */
  offline?: string;
}

/**
 * The connection flags of `o` as kubectl arguments, in kubectl's spelling (`--flag=value`). The token shows as
 * `--token=<redacted>` unless `reveal` (only for the argv given to the kubectl process).
 */
export function connectionArgs(o: KubeOptions, reveal = false): string[] {
  const g: string[] = [];
  if (o.kubeconfig) g.push('--kubeconfig', o.kubeconfig);
  if (o.context) g.push('--context', o.context);
  if (o.cluster) g.push(`--cluster=${o.cluster}`);
  if (o.user) g.push(`--user=${o.user}`);
  if (o.server) g.push(`--server=${o.server}`);
  if (o.token && !o.token.empty) g.push(`--token=${reveal ? Credential.reveal(o.token) : String(o.token)}`);
  if (o.as) g.push(`--as=${o.as}`);
  for (const grp of o.asGroup ?? []) g.push(`--as-group=${grp}`);
  if (o.certificateAuthority) g.push(`--certificate-authority=${o.certificateAuthority}`);
  if (o.clientCertificate) g.push(`--client-certificate=${o.clientCertificate}`);
  if (o.clientKey) g.push(`--client-key=${o.clientKey}`);
  if (o.tlsServerName) g.push(`--tls-server-name=${o.tlsServerName}`);
  if (o.insecureSkipTlsVerify) g.push('--insecure-skip-tls-verify=true');
  if (o.cacheDir) g.push(`--cache-dir=${o.cacheDir}`);
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
  /** how many times to retry a transient failure (backoff 0.5, 1, 2, 4, 4… s); ignored for non-idempotent calls */
  retries?: number;
  /** time limit of one attempt; default from --request-timeout, else per call kind */
  timeoutMs?: number;
}

export interface CallTiming {
  argv: string[];
  ms: number;
  exitCode: number;
}

export const BACKOFF_MS = [500, 1000, 2000, 4000];

/**
 * What repeating a call would do: `read` nothing; `idempotent` the same change again (apply, patch, delete by name,
 * label, annotate, replace, scale); `once` a second change (create, etcdctl member remove/add/promote/move-leader,
 * any other command run in a pod). Only `read` and `idempotent` calls are retried by the adapter.
 */
export type CallKind = 'read' | 'idempotent' | 'once';

/** Default time limit of one attempt when neither timeoutMs nor --request-timeout is given. */
export const CALL_TIMEOUT_MS: Record<CallKind | 'exec', number> = { read: 30_000, idempotent: 60_000, once: 60_000, exec: 60_000 };
/** Added to --request-timeout for the process limit, so that kubectl's own timeout (and its message) comes first. */
export const REQUEST_TIMEOUT_GRACE_MS = 5_000;
/** Retries of a read (not an exec: its stderr is the command's) when the caller does not say. */
export const DEFAULT_READ_RETRIES = 3;

const READ_VERBS = new Set(['get', 'describe', 'logs', 'explain', 'api-resources', 'api-versions', 'version', 'config', 'auth', 'top', 'cluster-info', 'wait', 'events']);
const IDEMPOTENT_VERBS = new Set(['apply', 'patch', 'label', 'annotate', 'delete', 'replace', 'scale']);
/** kubectl flags that take their value as the next argument (only those that can come before the verb). */
const KUBECTL_VALUE_FLAGS = new Set(['-n', '--namespace', '--context', '--kubeconfig', '-s', '--server', '--request-timeout', '--as', '--as-group', '--user', '--cluster', '--token', '--certificate-authority', '--client-certificate', '--client-key', '--tls-server-name', '--cache-dir', '-v', '--v']);
const ETCDCTL_VALUE_FLAGS = new Set(['-w', '--write-out', '--endpoints', '--command-timeout', '--dial-timeout', '--keepalive-time', '--keepalive-timeout', '--cacert', '--cert', '--key', '--user', '--password']);
/** etcdctl subcommands that only read (etcd-io/etcd etcdctl/ctlv3/command). */
const ETCDCTL_READS = ['member list', 'endpoint health', 'endpoint status', 'endpoint hashkv', 'alarm list', 'version', 'get', 'check perf'];

function positionals(args: string[], valueFlags: Set<string>): string[] {
  const out: string[] = [];
  for (let i = 0; i < args.length; i++) {
    const a = args[i]!;
    if (a.startsWith('-')) {
      if (!a.includes('=') && valueFlags.has(a)) i++;
      continue;
    }
    out.push(a);
  }
  return out;
}

/** The subcommand of a kubectl/oc argv (`get`, `exec`, …), skipping global flags. */
export function kubectlVerb(args: string[]): string {
  const dd = args.indexOf('--');
  return positionals(dd >= 0 ? args.slice(0, dd) : args, KUBECTL_VALUE_FLAGS)[0] ?? '';
}

/** The kind of a kubectl/oc call given its argv (without the binary). */
export function callKind(args: string[]): CallKind {
  const dd = args.indexOf('--');
  const verb = kubectlVerb(args);
  if (verb === 'exec') {
    const cmd = dd >= 0 ? args.slice(dd + 1) : [];
    const bin = (cmd[0] ?? '').split('/').pop();
    if (bin !== 'etcdctl') return 'once';
    const words = positionals(cmd.slice(1), ETCDCTL_VALUE_FLAGS);
    const sub = words.slice(0, 2).join(' ');
    return ETCDCTL_READS.some((r) => sub === r || (!r.includes(' ') && words[0] === r)) ? 'read' : 'once';
  }
  if (READ_VERBS.has(verb)) return 'read';
  if (IDEMPOTENT_VERBS.has(verb)) return 'idempotent';
  return 'once';
}

/** kubectl duration ("30s", "1m30s", "500ms", "2h", plain digits = seconds) in ms; null when not a duration. */
export function parseKubeDuration(v: string): number | null {
  const t = v.trim();
  if (/^\d+$/.test(t)) return Number(t) * 1000;
  if (!/^(\d+(\.\d+)?(ns|us|µs|ms|s|m|h))+$/.test(t)) return null;
  const unit: Record<string, number> = { ns: 1e-6, us: 1e-3, 'µs': 1e-3, ms: 1, s: 1000, m: 60_000, h: 3_600_000 };
  let ms = 0;
  for (const m of t.matchAll(/(\d+(?:\.\d+)?)(ns|us|µs|ms|s|m|h)/g)) ms += Number(m[1]) * unit[m[2]!]!;
  return Math.round(ms);
}
export const NOT_ON_PATH = 'kubectl not found on PATH';


/** Quotes one argument for display the way a POSIX shell would need it. */
export function shellQuote(a: string): string {
  if (a === '') return "''";
  if (/^[A-Za-z0-9_@%+=:,./-]+$/.test(a)) return a;
  return `'${a.replace(/'/g, `'\\''`)}'`;
}

const TRANSIENT = [
  /connection refused/i,
  /The connection to the server \S+ was refused/,
  /Unable to connect to the server/,
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
  /Too many requests, please try again later/i,
  /unexpected EOF/i,
  /error reading from error stream/i,
  /error sending request/i,
  /websocket: close/i,
  /broken pipe/i,
  /\(Timeout\)|Timeout: request did not complete/,
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

  /** `--kubeconfig X --context Y` and the other connection flags, placed before every subcommand (token redacted). */
  globalArgs(): string[] {
    return connectionArgs(this.opts);
  }

  /** The full argv as shown (token redacted). */
  argv(args: string[]): string[] {
    return [...this.globalArgs(), ...args];
  }

  /** The full argv given to the process: the one place the token is revealed. */
  private execArgv(args: string[]): string[] {
    return [...connectionArgs(this.opts, true), ...args];
  }

  /** Argument arrays of the commands shown by display(), by their text (the runner's server-side dry run sends them). */
  private readonly shown = new Map<string, string[]>();

  /** The command as shown to the user, e.g. `oc -n openshift-etcd get pods`; a --token value is never shown. */
  display(args: string[]): string {
    const text = redact([this.binary, ...this.argv(args)].map(shellQuote).join(' '));
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

  /** Time limit of one attempt of `args`: the caller's, else --request-timeout + grace, else the call kind's default. */
  timeoutFor(args: string[], o: RunOptions = {}): number | undefined {
    if (o.timeoutMs !== undefined) return o.timeoutMs;
    if (this.opts.requestTimeout !== undefined) {
      const ms = parseKubeDuration(this.opts.requestTimeout);
      if (ms === 0) return undefined; // kubectl: 0 = no limit; waits still enforce their own deadlines
      if (ms !== null) return ms + REQUEST_TIMEOUT_GRACE_MS;
    }
    if (kubectlVerb(args) === 'exec') return CALL_TIMEOUT_MS.exec;
    return CALL_TIMEOUT_MS[callKind(args)];
  }

  /** calls refused because the Kube was offline (--from): always 0 unless something tried to reach a cluster */
  static offlineRefusals = 0;

  private refuseOffline(args: string[]): never {
    Kube.offlineRefusals++;
    throw new PluginError(`internal error: a cluster call (${this.display(args)}) was attempted while reading ${this.opts.offline}; nothing was sent`);
  }

  async run(args: string[], o: RunOptions = {}): Promise<RunResult> {
    if (this.opts.offline) this.refuseOffline(args);
    if (!this.path) {
      throw new PluginError(`${this.binary} not found on PATH`, {
        hint: this.opts.client ? `install ${this.binary}, or pass --client ${this.binary === 'oc' ? 'kubectl' : 'oc'}` : 'install kubectl or oc, or pass --client',
      });
    }
    const kind = callKind(args);
    // a call that changes something each time it runs is never repeated blindly (its caller checks the live state)
    // (an exec's stderr is the command's: its caller says whether to retry, e.g. not a health probe of a dead member)
    const isExec = kubectlVerb(args) === 'exec';
    const retries = kind === 'once' ? 0 : Math.max(0, o.retries ?? (kind === 'read' && !isExec ? DEFAULT_READ_RETRIES : 0));
    const timeoutMs = this.timeoutFor(args, o);
    for (let attempt = 0; ; attempt++) {
      const r = await this.once(args, { ...o, timeoutMs });
      if (r.exitCode === 0) return r;
      const transient = isTransient(r.stderr);
      if (transient && attempt < retries) {
        await sleep(Kube.backoffMs[Math.min(attempt, Kube.backoffMs.length - 1)]);
        continue;
      }
      const fatal = await this.classify(args, r);
      if (fatal) throw fatal;
      if (o.allowFailure) return r;
      throw new PluginError(`${this.display(args)} failed: ${firstErrorLine(r.stderr) || `exit code ${r.exitCode}`}`, { transient });
    }
  }

  /** One call of `args` (without the connection flags). What it returns and writes is redacted (see the file comment). */
  private async once(args: string[], o: RunOptions): Promise<RunResult> {
    if (this.opts.offline) this.refuseOffline(args);
    Kube.calls++;
    const t0 = performance.now();
    const p = await execa(this.path!, this.execArgv(args), {
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
    // the kubeconfig's credentials, when server() is reading them in parallel (status does), are sealed before this
    // call's stderr is redacted
    if (this.serverCache && args[0] !== 'config') await this.serverCache;
    let stderr = redactStderr(String(p.stderr ?? ''));
    if ((this.opts.verbosity ?? 0) > 0) {
      // -v N: kubectl's own request log (redacted like everything else) is the user's; what we parse is the rest
      const { log, rest } = splitKlog(stderr);
      if (log) process.stderr.write(log);
      stderr = rest;
    }
    let exitCode = typeof p.exitCode === 'number' ? p.exitCode : 1;
    if (p.timedOut) {
      stderr += `\n${this.binary} timed out after ${Math.round((o.timeoutMs ?? 0) / 1000)}s`;
      exitCode = exitCode === 0 ? 124 : exitCode;
    }
    const argv = this.argv(args).map(redact);
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
    if (this.showCalls) process.stderr.write(`[kube ${ms.toFixed(0)}ms rc=${exitCode}] ${this.display(args)}\n`);
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
        transient: true,
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
        if (!this.path || this.opts.offline) return { server: null, context: null };
        try {
          // --raw --flatten: the credentials kubectl will send, sealed at once (defence in depth: redact() then removes
          // them from anything a server echoes back, e.g. a user name); without it only what plain `config view` shows
          let r = await this.once(['config', 'view', '--minify', '--raw', '--flatten', '-o', 'json'], { timeoutMs: 10000 });
          if (r.exitCode === 0) sealKubeconfigCredentials(JSON.parse(r.stdout));
          else r = await this.once(['config', 'view', '--minify', '-o', 'json'], { timeoutMs: 10000 });
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

/**
 * kubectl's stderr as the adapter passes it on: redact() (every sealed value, Bearer tokens), and, at -v 8 and above
 * where kubectl logs request and response bodies, the data of every Secret in a body that parses as JSON, or the
 * whole body when it does not parse (truncated) and names a Secret.
 */
export function redactStderr(stderr: string): string {
  if (!stderr) return stderr;
  const lines = stderr.split('\n').map((line) => {
    const m = /^(.*?\b(?:Response|Request) Body:\s*)(.*)$/.exec(line);
    if (!m) return line;
    const body = m[2]!;
    try {
      return m[1] + JSON.stringify(scrubSecrets(JSON.parse(body)));
    } catch {
      return /"kind"\s*:\s*"Secret(List)?"|"data"\s*:|stringData/.test(body) ? `${m[1]}<redacted: a body that may hold Secret data>` : line;
    }
  });
  return redact(lines.join('\n'));
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

/**
 * klog's header (k8s.io/klog/v2 formatHeader: `Lmmdd hh:mm:ss.uuuuuu threadid file:line] msg`, L one of I W E F), the
 * lines kubectl/oc write at -v N. Splits a stderr into those lines (the log, to pass through to the user as they are)
 * and the rest (the messages we parse).
 */
const KLOG_LINE = /^[IWEF]\d{4} \d{2}:\d{2}:\d{2}\.\d{6}\s+\d+ [^\s:]+:\d+\] /;
export function splitKlog(stderr: string): { log: string; rest: string } {
  const log: string[] = [];
  const rest: string[] = [];
  for (const line of stderr.split(/(?<=\n)/)) (KLOG_LINE.test(line) ? log : rest).push(line);
  const last = log[log.length - 1];
  if (last !== undefined && !last.endsWith('\n')) log[log.length - 1] = `${last}\n`;
  return { log: log.join(''), rest: rest.join('') };
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
