// Real etcd processes of the simulated masters. Every master runs the Debian etcd (3.4) bound to its
// mirrored loopback address (plain HTTP, client 2379, peer 2380) with its data dir in the node's host
// folder (<root>/var/lib/etcd). Processes are started through `setpriv --pdeathsig KILL` so they die with
// the simulator even when it is SIGKILLed; an exit handler kills them too.
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, openSync, closeSync, readdirSync, statSync, chmodSync } from 'node:fs';
import path from 'node:path';
import { createConnection } from 'node:net';
import { mirrorIP, translator, type SimNode } from '../world/context.ts';

export const ETCD_BIN = '/usr/bin/etcd';
export const ETCDCTL_BIN = '/usr/bin/etcdctl';
const SETPRIV = existsSync('/usr/bin/setpriv') ? '/usr/bin/setpriv' : undefined;

export const clientURL = (node: SimNode) => `http://${node.loopback}:2379`;
export const peerURL = (node: SimNode) => `http://${node.loopback}:2380`;
export const dataDir = (node: SimNode) => path.join(node.root, 'var/lib/etcd');
export const etcdLogFile = (stateDir: string, node: SimNode) => path.join(stateDir, 'logs', `etcd-${node.name}.log`);

/** True when the data dir holds member data (what the real pod checks before starting etcd). */
export function hasMemberData(node: SimNode): boolean {
  const member = path.join(dataDir(node), 'member');
  try {
    return statSync(member).isDirectory() && readdirSync(member).length > 0;
  } catch {
    return false;
  }
}

// ---- the network boundary ----------------------------------------------------------------------------

const IPV4 = /(https:\/\/)?(?<![\d.])(\d{1,3}(?:\.\d{1,3}){3})(?!\d|\.\d)/g;
const isLoopbackHost = (ip: string) => ip.startsWith('127.');

/**
 * translator() plus a guard for text going to real processes: every IPv4 address that is neither loopback
 * nor a known node (e.g. the IP of a deleted node still listed in ETCDCTL_ENDPOINTS, or a typo) is mapped
 * to its loopback mirror too (nothing listens there: connection refused), so no real process ever dials a
 * non-loopback address. fromLoopback() maps those back as well.
 */
export function boundaryTranslator(nodes: Iterable<SimNode>) {
  const base = translator(nodes);
  const extra = new Map<string, string>(); // mirror -> original
  let v6n = 0;
  const v6Mirror = new Map<string, string>(); // unknown IPv6 -> a loopback nothing listens on
  const guard = (text: string) =>
    text.replace(/(https:\/\/)?\[([0-9a-fA-F]*:[0-9a-fA-F:.]*:[0-9a-fA-F:.]*)\]/g, (_all, scheme: string | undefined, ip: string) => {
      let m = v6Mirror.get(ip);
      if (!m) {
        m = `127.255.${Math.floor(v6n / 250)}.${(v6n++ % 250) + 2}`;
        v6Mirror.set(ip, m);
        extra.set(m, `[${ip}]`);
      }
      return (scheme ? 'http://' : '') + m;
    }).replace(IPV4, (all, scheme: string | undefined, ip: string) => {
      if (isLoopbackHost(ip) || ip === '0.0.0.0' || ip.split('.').some((o) => Number(o) > 255)) return all;
      const m = mirrorIP(ip);
      extra.set(m, ip);
      return (scheme ? 'http://' : '') + m;
    });
  return {
    toLoopback: (text: string) => guard(base.toLoopback(text)),
    fromLoopback: (text: string) => {
      let out = base.fromLoopback(text);
      for (const [m, ip] of extra) {
        const f = m.replace(/\./g, '\\.');
        out = out.replace(new RegExp(`http://${f}(?=[:/\\s,"]|$)`, 'g'), `https://${ip}`);
        out = out.replace(new RegExp(`(?<![\\d.])${f}(?![\\d])`, 'g'), ip);
      }
      return out;
    },
  };
}

/** Throws unless every URL/host in the list is a loopback address (the sim's only allowed network). */
export function assertLoopback(endpoints: string[]): void {
  for (const e of endpoints) {
    const host = e.replace(/^[a-z]+:\/\//, '').replace(/:\d+.*$/, '');
    if (!isLoopbackHost(host)) throw new Error(`refusing non-loopback endpoint ${e}`);
  }
}

// ---- process registry: everything we spawn dies with us -------------------------------------------

const live = new Set<ChildProcess>();
/** The etcd process currently running for each node, by its folder (one per node of one world; bootstrap and kubelets share it). */
const running = new Map<string, EtcdProcess>();
/** The live etcd process of a node, if any (a Kubelet adopts the one started by bootstrapCluster). */
export function runningEtcd(node: SimNode): EtcdProcess | undefined {
  const p = running.get(node.root);
  return p && p.exitCode === undefined ? p : undefined;
}
let hooked = false;
function killAll(signal: NodeJS.Signals = 'SIGKILL') {
  for (const child of live) {
    try {
      if (child.pid) process.kill(child.pid, signal);
    } catch {
      /* gone */
    }
  }
}
/** Register a child to be SIGKILLed when the simulator exits (exit, SIGINT, SIGTERM). */
export function track(child: ChildProcess): void {
  live.add(child);
  child.once('exit', () => live.delete(child));
  if (hooked) return;
  hooked = true;
  process.on('exit', () => killAll());
  for (const sig of ['SIGINT', 'SIGTERM'] as const) {
    const handler = () => {
      killAll();
      // Only take over the default "exit on signal" when nobody else handles the signal.
      if (process.listenerCount(sig) === 1) process.exit(sig === 'SIGINT' ? 130 : 143);
    };
    process.on(sig, handler);
  }
}
/** Kill every tracked process now (tests, shutdown). */
export function killAllTracked(): void {
  killAll();
}
/**
 * Kill the tracked processes one world started: those whose command line names a path under its state folder (its
 * etcd data dirs, host pods, backup disks). Other worlds of the same process keep theirs (test/e2e/offline.test.ts runs
 * several worlds side by side: a world's stop must not kill the etcd another one is bootstrapping).
 */
export function killTrackedUnder(dir: string): void {
  for (const child of live) {
    if (!child.spawnargs.some((a) => a === dir || a.includes(`${dir}/`))) continue;
    try {
      if (child.pid) process.kill(child.pid, 'SIGKILL');
    } catch {
      /* gone */
    }
  }
}

/** Spawn argv with PDEATHSIG=KILL (when setpriv exists) and register it. */
export function spawnTracked(argv: string[], opts: Parameters<typeof spawn>[2] = {}): ChildProcess {
  const [cmd, ...args] = SETPRIV ? [SETPRIV, '--pdeathsig', 'KILL', ...argv] : argv;
  const child = spawn(cmd!, args, opts);
  track(child);
  return child;
}

// ---- etcd processes ----------------------------------------------------------------------------------

export interface EtcdStartOptions {
  stateDir: string;
  /** 'new' for a bootstrap, 'existing' to join (a learner added by the operator, or a restart) */
  state?: 'new' | 'existing';
  /** name=peerURL,... ; needed when the data dir is empty. Ignored by etcd when member data exists. */
  initialCluster?: string;
  /** Cluster token for a new cluster. */
  token?: string;
  /** --force-new-cluster: restart as a one-member cluster keeping the data (pacemaker's podman-etcd on quorum loss) */
  forceNewCluster?: boolean;
}

export interface EtcdProcess {
  node: SimNode;
  child: ChildProcess;
  pid: number;
  startedAt: Date;
  /** Byte offset of this instance's first log line in the log file. */
  logOffset: number;
  /** Resolves with the exit code (128+signal when killed by a signal) once the process is gone. */
  exited: Promise<number>;
  exitCode: number | undefined;
  /** true once stop() was called (an intended exit, not a crash) */
  stopping: boolean;
}

function logSize(file: string): number {
  try {
    return statSync(file).size;
  } catch {
    return 0;
  }
}

/** Start the node's real etcd. Does not wait for it to be healthy. */
export function startEtcd(node: SimNode, opts: EtcdStartOptions): EtcdProcess {
  const already = runningEtcd(node);
  if (already) throw new Error(`etcd of ${node.name} is already running (pid ${already.pid})`);
  const dir = dataDir(node);
  mkdirSync(dir, { recursive: true });
  try {
    chmodSync(dir, 0o700);
  } catch {
    /* ignore */
  }
  const logFile = etcdLogFile(opts.stateDir, node);
  mkdirSync(path.dirname(logFile), { recursive: true });
  const logOffset = logSize(logFile);
  const fd = openSync(logFile, 'a');
  const args = [
    ETCD_BIN,
    '--name', node.name,
    '--data-dir', dir,
    '--listen-client-urls', clientURL(node),
    '--advertise-client-urls', clientURL(node),
    '--listen-peer-urls', peerURL(node),
    '--initial-advertise-peer-urls', peerURL(node),
    '--initial-cluster-state', opts.state ?? 'existing',
    '--initial-cluster-token', opts.token ?? 'sim-etcd-cluster',
    // OpenShift uses 100/1000 ms (AWS); the sim shortens the election timeout to 500 ms (still 5x the
    // heartbeat, as etcd requires) for fast bootstrap and fail-over on loopback.
    '--heartbeat-interval', '100',
    '--election-timeout', '500',
    '--logger', 'zap',
    '--log-outputs', 'stderr',
    '--snapshot-count', '10000',
    // fault etcd-alarm-nospace: a small backend quota (quota.ts); OpenShift passes the flag always (8 GiB)
    ...(node.quotaBackendBytes ? ['--quota-backend-bytes', String(node.quotaBackendBytes)] : []),
  ];
  if (opts.forceNewCluster) args.push('--force-new-cluster');
  if (opts.initialCluster) args.push('--initial-cluster', opts.initialCluster);
  else args.push('--initial-cluster', `${node.name}=${peerURL(node)}`);
  const child = spawnTracked(args, { stdio: ['ignore', fd, fd], env: { PATH: '/usr/bin:/bin', HOME: '/root' } });
  closeSync(fd);
  const proc: EtcdProcess = {
    node,
    child,
    pid: child.pid ?? -1,
    startedAt: new Date(),
    logOffset,
    exitCode: undefined,
    stopping: false,
    exited: new Promise<number>((resolve) => {
      child.once('exit', (code, signal) => {
        const sigNo = signal ? (({ SIGKILL: 9, SIGTERM: 15, SIGINT: 2, SIGABRT: 6, SIGSEGV: 11 }) as Record<string, number>)[signal] ?? 1 : 0;
        proc.exitCode = code ?? 128 + sigNo;
        if (running.get(node.root) === proc) running.delete(node.root);
        resolve(proc.exitCode);
      });
      child.once('error', () => {
        proc.exitCode = 127;
        resolve(127);
      });
    }),
  };
  running.set(node.root, proc);
  return proc;
}

/** Stop an etcd process: SIGTERM (or SIGKILL when `hard`), SIGKILL after `graceMs`. Resolves when gone. */
export async function stopEtcd(proc: EtcdProcess, opts: { hard?: boolean; graceMs?: number } = {}): Promise<void> {
  proc.stopping = true;
  if (proc.exitCode !== undefined) return;
  try {
    proc.child.kill(opts.hard ? 'SIGKILL' : 'SIGTERM');
  } catch {
    /* gone */
  }
  const timer = setTimeout(() => {
    try {
      proc.child.kill('SIGKILL');
    } catch {
      /* gone */
    }
  }, opts.graceMs ?? 5000);
  await proc.exited;
  clearTimeout(timer);
}

/** GET http://<loopback>:2379/health (the readiness check of the sim; no etcdctl process needed). */
export async function etcdHealthy(node: SimNode, timeoutMs = 1000): Promise<boolean> {
  try {
    const res = await fetch(`${clientURL(node)}/health`, { signal: AbortSignal.timeout(timeoutMs) });
    if (!res.ok) return false;
    const body = (await res.json()) as { health?: string | boolean };
    return body.health === 'true' || body.health === true;
  } catch {
    return false;
  }
}

// ---- etcdctl -----------------------------------------------------------------------------------------

export interface EtcdctlResult {
  exitCode: number;
  stdout: string;
  stderr: string;
}

/**
 * Run the real /usr/bin/etcdctl (ETCDCTL_API=3) against loopback endpoints, e.g.
 * `etcdctl([clientURL(n)], ['member', 'add', name, '--peer-urls', peerURL(m), '--learner'])`.
 * Endpoints must be the loopback http URLs (use clientURL()). Never rejects: check exitCode.
 */
export function etcdctl(endpoints: string[], args: string[], opts: { timeoutMs?: number } = {}): Promise<EtcdctlResult> {
  try {
    assertLoopback(endpoints);
  } catch (err) {
    return Promise.resolve({ exitCode: 1, stdout: '', stderr: (err as Error).message });
  }
  return new Promise((resolve) => {
    const child = spawnTracked([ETCDCTL_BIN, '--endpoints', endpoints.join(','), '--dial-timeout', '2s', '--command-timeout', '5s', ...args], {
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { PATH: '/usr/bin:/bin', ETCDCTL_API: '3', HOME: '/root' },
    });
    let stdout = '';
    let stderr = '';
    child.stdout!.on('data', (d) => (stdout += d));
    child.stderr!.on('data', (d) => (stderr += d));
    const timer = setTimeout(() => child.kill('SIGKILL'), opts.timeoutMs ?? 15000);
    child.once('error', (err) => {
      clearTimeout(timer);
      resolve({ exitCode: 127, stdout, stderr: stderr + String(err) });
    });
    child.once('close', (code) => {
      clearTimeout(timer);
      resolve({ exitCode: code ?? 1, stdout, stderr });
    });
  });
}

export interface MemberInfo {
  /** lowercase hex, no padding (as etcdctl prints it) */
  id: string;
  name: string;
  peerURLs: string[];
  clientURLs: string[];
  isLearner: boolean;
}

/** `etcdctl member list -w json` parsed with exact (BigInt) hex IDs. Throws when etcdctl fails. */
export async function memberList(endpoints: string[]): Promise<MemberInfo[]> {
  const res = await etcdctl(endpoints, ['member', 'list', '-w', 'json']);
  if (res.exitCode !== 0) throw new Error(res.stderr.trim() || `etcdctl member list exited ${res.exitCode}`);
  // IDs are > 2^53: quote them before JSON.parse.
  const text = res.stdout.replace(/"(ID|cluster_id|member_id|raft_term|revision)":(\d+)/g, '"$1":"$2"');
  const parsed = JSON.parse(text) as { members?: { ID: string; name?: string; peerURLs?: string[]; clientURLs?: string[]; isLearner?: boolean }[] };
  return (parsed.members ?? []).map((m) => ({
    id: BigInt(m.ID).toString(16),
    name: m.name ?? '',
    peerURLs: m.peerURLs ?? [],
    clientURLs: m.clientURLs ?? [],
    isLearner: !!m.isLearner,
  }));
}

/** Does something accept TCP connections on host:port (a leftover etcd of another run)? */
export function portInUse(host: string, port: number, timeoutMs = 300): Promise<boolean> {
  return new Promise((resolve) => {
    const sock = createConnection({ host, port });
    const done = (v: boolean) => {
      sock.destroy();
      resolve(v);
    };
    sock.setTimeout(timeoutMs, () => done(false));
    sock.once('connect', () => done(true));
    sock.once('error', () => done(false));
  });
}

/**
 * Start a NEW cluster made of these nodes (initial-cluster-state new) and wait until every member
 * answers /health. Returns the processes (the Kubelet adopts them via `kubelet.adoptEtcd(proc)`, or
 * simply let each Kubelet start its own etcd from existing member data).
 */
export async function bootstrapCluster(nodes: SimNode[], stateDir: string, opts: { timeoutMs?: number; token?: string } = {}): Promise<EtcdProcess[]> {
  for (const n of nodes) {
    for (const port of [2379, 2380]) {
      if (!runningEtcd(n) && (await portInUse(n.loopback, port))) {
        throw new Error(`${n.loopback}:${port} is already in use (another simulator running with the same node IPs?)`);
      }
    }
  }
  const initialCluster = nodes.map((n) => `${n.name}=${peerURL(n)}`).join(',');
  const token = opts.token ?? `sim-${Date.now().toString(36)}`;
  const procs = nodes.map((n) => startEtcd(n, { stateDir, state: 'new', initialCluster, token }));
  const deadline = Date.now() + (opts.timeoutMs ?? 20000);
  const pending = new Set(nodes);
  while (pending.size) {
    for (const p of procs) {
      if (p.exitCode !== undefined) {
        throw new Error(`etcd on ${p.node.name} exited with ${p.exitCode} during bootstrap (see ${etcdLogFile(stateDir, p.node)})`);
      }
    }
    await Promise.all([...pending].map(async (n) => (await etcdHealthy(n, 400)) && pending.delete(n)));
    if (!pending.size) break;
    if (Date.now() > deadline) {
      await Promise.all(procs.map((p) => stopEtcd(p, { hard: true })));
      throw new Error(`etcd bootstrap timed out; unhealthy: ${[...pending].map((n) => n.name).join(', ')}`);
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  return procs;
}
