// The independent judge of end-to-end tests (issue 25). It decides what the simulated world really looks like,
// from the world's side, with no code from lib/ (so a wrong reader in the plugin cannot make product and test agree):
//   - etcd processes: /proc, the etcd processes whose command line holds the simulator's state dir (their --name and
//     --listen-client-urls are the truth of which member runs where);
//   - membership and health: the real `etcdctl` run directly against those processes on their loopback addresses;
//   - objects: the real `kubectl -o json`, parsed here;
//   - the whole run ("never" properties): the simulator's own evidence (<state>/evidence.jsonl, sim/*/evidence.ts:
//     every member-list change with whether each member's etcd process ran, quorum losses, every API write) and a
//     `kubectl get --watch -o json` recorder of the objects the test names.
// Every predicate throws an assertion error that says what was seen; none waits for the outcome to come true unless
// its name says so (the plugin claims the outcome when it exits: the judge checks that claim at that moment).
import * as assert from 'uvu/assert';
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';

/** What the judge needs of a running simulator (test/helpers/sim.ts SimHandle has it). */
export interface World {
  stateDir: string;
  kubeconfig: string;
}

const ETCDCTL = 'etcdctl';

// ---- processes -----------------------------------------------------------------------------------------------------

export interface EtcdProc {
  pid: number;
  /** --name: the node the simulator started it for */
  name: string;
  /** --listen-client-urls, a loopback URL such as http://127.0.131.183:2379 */
  clientURL: string;
  dataDir: string;
}

function flag(argv: string[], name: string): string | undefined {
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (a === name) return argv[i + 1];
    if (a.startsWith(`${name}=`)) return a.slice(name.length + 1);
  }
  return undefined;
}

/** The etcd processes of this simulator that run now (read from /proc, not from the simulator). */
export function etcdProcesses(w: World): EtcdProc[] {
  const out: EtcdProc[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    let argv: string[];
    try {
      argv = readFileSync(`/proc/${entry}/cmdline`, 'utf8').split('\0').filter(Boolean);
      // a zombie still has its /proc entry but an empty command line; a stopped (T) process does not serve
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      const st = stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3);
      if (st === 'Z' || st === 'X' || st === 'T') continue;
    } catch {
      continue; // gone
    }
    if (!argv.length || path.basename(argv[0]!) !== 'etcd') continue;
    const dataDir = flag(argv, '--data-dir') ?? '';
    if (!dataDir.startsWith(w.stateDir + path.sep)) continue;
    out.push({ pid: Number(entry), name: flag(argv, '--name') ?? '', clientURL: flag(argv, '--listen-client-urls') ?? '', dataDir });
  }
  return out.sort((a, b) => a.name.localeCompare(b.name));
}

// ---- etcd ----------------------------------------------------------------------------------------------------------

interface Exec {
  code: number;
  stdout: string;
  stderr: string;
}

function exec(cmd: string, args: string[], env?: NodeJS.ProcessEnv, timeoutMs = 30_000): Promise<Exec> {
  return new Promise((resolve) => {
    execFile(cmd, args, { env: env ?? process.env, timeout: timeoutMs, maxBuffer: 64 << 20, encoding: 'utf8' }, (err, stdout, stderr) => {
      const code = err ? (typeof (err as any).code === 'number' ? (err as any).code : 1) : 0;
      resolve({ code, stdout: String(stdout), stderr: String(stderr || (err && !stderr ? err.message : '')) });
    });
  });
}

export interface Member {
  /** 16 lower-case hex digits (etcd prints the 64-bit ID as a JSON number: read as text, never through a JS number) */
  id: string;
  /** empty while the member has not started */
  name: string;
  peerURLs: string[];
  clientURLs: string[];
  learner: boolean;
  started: boolean;
}

/** `etcdctl member list -w json` against the given endpoints; IDs kept exact. Throws when no endpoint answers. */
export async function memberList(endpoints: string[]): Promise<Member[]> {
  if (!endpoints.length) throw new Error('no etcd process runs');
  const r = await exec(ETCDCTL, ['--endpoints', endpoints.join(','), '--dial-timeout', '3s', '--command-timeout', '10s', 'member', 'list', '-w', 'json']);
  if (r.code !== 0) throw new Error(`etcdctl member list failed (exit ${r.code}): ${r.stderr.trim()}`);
  const doc = JSON.parse(r.stdout.replace(/"(ID|cluster_id|member_id)":(\d+)/g, '"$1":"$2"'));
  return (doc.members ?? []).map((m: any) => ({
    id: BigInt(m.ID).toString(16).padStart(16, '0'),
    name: m.name ?? '',
    peerURLs: m.peerURLs ?? [],
    clientURLs: m.clientURLs ?? [],
    learner: m.isLearner === true,
    started: (m.name ?? '') !== '' && (m.clientURLs ?? []).length > 0,
  }));
}

/** `etcdctl endpoint health` of one endpoint: a linearizable read through that member (what etcd calls healthy). */
export async function endpointHealthy(endpoint: string): Promise<{ healthy: boolean; detail: string }> {
  const r = await exec(ETCDCTL, ['--endpoints', endpoint, '--dial-timeout', '3s', '--command-timeout', '10s', 'endpoint', 'health']);
  const text = `${r.stdout}${r.stderr}`.trim();
  return { healthy: r.code === 0 && /is healthy/.test(text) && !/is unhealthy/.test(text), detail: text.split('\n').pop() ?? '' };
}

export interface MemberView extends Member {
  /** an etcd process of this simulator listens on the member's client URL (or, unstarted, its peer host) */
  running: boolean;
  healthy: boolean;
  healthDetail: string;
}

/** Members as etcd lists them, with whether each one's process runs and answers a health check. */
export async function members(w: World): Promise<MemberView[]> {
  const procs = etcdProcesses(w);
  const list = await memberList(procs.map((p) => p.clientURL));
  const hostOf = (u: string | undefined) => (u ? new URL(u).hostname : '');
  return Promise.all(
    list.map(async (m) => {
      const host = hostOf(m.clientURLs[0] ?? m.peerURLs[0]);
      const running = procs.some((p) => hostOf(p.clientURL) === host);
      const h = m.started && running ? await endpointHealthy(m.clientURLs[0]!) : { healthy: false, detail: running ? 'not started' : 'no etcd process' };
      return { ...m, running, healthy: h.healthy, healthDetail: h.detail };
    }),
  );
}

const show = (ms: MemberView[]) =>
  ms.map((m) => `${m.id} ${m.name || '(unstarted)'}${m.learner ? ' learner' : ''}${m.running ? '' : ' not-running'}${m.healthy ? ' healthy' : ` UNHEALTHY(${m.healthDetail})`}`).join('; ');

/**
 * The cluster is healthy: exactly `names.length` members, all started voting members with exactly these names, each
 * with a running etcd process that answers `endpoint health`. A health check that does not answer is retried for up
 * to `retryMs` (a loaded machine); the membership itself is not waited for.
 */
export async function expectHealthy(w: World, names: string[], opts: { retryMs?: number } = {}): Promise<MemberView[]> {
  const deadline = Date.now() + (opts.retryMs ?? 20_000);
  for (;;) {
    const ms = await members(w);
    const got = ms.map((m) => m.name).sort();
    assert.equal(got, [...names].sort(), `member names: ${show(ms)}`);
    const bad = ms.filter((m) => !m.started || m.learner || !m.running);
    assert.is(bad.length, 0, `not every member is a started, running voter: ${show(ms)}`);
    const sick = ms.filter((m) => !m.healthy);
    if (!sick.length) return ms;
    if (Date.now() > deadline) assert.unreachable(`unhealthy members: ${show(ms)}`);
    await new Promise((r) => setTimeout(r, 1000));
  }
}

/** The member `oldId` is gone and a started voter named `name` (another ID) is in. */
export async function expectReplaced(w: World, o: { oldId: string; name: string }): Promise<MemberView> {
  const ms = await members(w);
  assert.not.ok(ms.some((m) => m.id === o.oldId), `old member ${o.oldId} still listed: ${show(ms)}`);
  const now = ms.find((m) => m.name === o.name);
  assert.ok(now && now.started && !now.learner, `no started voting member named ${o.name}: ${show(ms)}`);
  return now!;
}

/** The ID of the member etcd lists under `name` (throws when there is none). */
export async function memberId(w: World, name: string): Promise<string> {
  const ms = await memberList(etcdProcesses(w).map((p) => p.clientURL));
  const m = ms.find((x) => x.name === name);
  assert.ok(m, `no member named ${name}: ${ms.map((x) => `${x.id} ${x.name}`).join('; ')}`);
  return m!.id;
}

// ---- objects through plain kubectl ---------------------------------------------------------------------------------

function kenv(w: World): NodeJS.ProcessEnv {
  return { ...process.env, KUBECONFIG: w.kubeconfig };
}

/** `kubectl get ... -o json`, parsed; null when the API server says NotFound; throws on any other failure. */
export async function getJSON(w: World, args: string[]): Promise<any | null> {
  const r = await exec('kubectl', ['get', ...args, '-o', 'json'], kenv(w));
  if (r.code === 0) return JSON.parse(r.stdout);
  if (/\(NotFound\)|not found/i.test(r.stderr)) return null;
  throw new Error(`kubectl get ${args.join(' ')} failed (exit ${r.code}): ${r.stderr.trim()}`);
}

/** The object exists (kubectl found it). */
export async function expectExists(w: World, args: string[], what = args.join(' ')): Promise<any> {
  const o = await getJSON(w, args);
  assert.ok(o, `${what}: not found`);
  return o;
}

/** The object is gone: the API server answers NotFound (an object still being deleted is not gone). */
export async function expectGone(w: World, args: string[], what = args.join(' ')): Promise<void> {
  const o = await getJSON(w, args);
  assert.is(o, null, `${what} still exists${o?.metadata?.deletionTimestamp ? ` (deleting since ${o.metadata.deletionTimestamp}, finalizers ${JSON.stringify(o.metadata.finalizers)})` : ''}`);
}

/** The object no longer carries `finalizer` (or is gone altogether). */
export async function expectFinalizerRemoved(w: World, args: string[], finalizer: string): Promise<void> {
  const o = await getJSON(w, args);
  const fin: string[] = o?.metadata?.finalizers ?? [];
  assert.not.ok(fin.includes(finalizer), `${args.join(' ')} still carries ${finalizer}: ${JSON.stringify(fin)}`);
}

export const GUARD_OFF_KEY = 'useUnsupportedUnsafeNonHANonProductionUnstableEtcd';

/**
 * Quorum guard restored: the Etcd CR's spec.unsupportedConfigOverrides is what it was before the run (`original`,
 * default none at all), so the switch that turns the guard off is not there.
 */
export async function expectGuardRestored(w: World, original: unknown = null): Promise<void> {
  const cr = await expectExists(w, ['etcd', 'cluster']);
  assert.equal(cr.spec?.unsupportedConfigOverrides ?? null, original, 'spec.unsupportedConfigOverrides of etcd/cluster');
}

/** The Etcd CR turns the quorum guard off (the operator's switch set to a true value, as strconv.ParseBool reads it). */
export function guardOff(cr: any): boolean {
  const v = cr?.spec?.unsupportedConfigOverrides?.[GUARD_OFF_KEY];
  return ['1', 't', 'T', 'TRUE', 'true', 'True', true].includes(v);
}

// ---- the whole run -------------------------------------------------------------------------------------------------

/**
 * Every version of the objects a `kubectl get <args> --watch -o json` sees from now until stop(): the API server sends
 * each change as a watch event, so a state that existed only between two polls is still seen.
 */
export class Watch {
  readonly versions: any[] = [];
  private child: ChildProcess;
  private buf = '';
  private err = '';
  private closed: Promise<void>;
  constructor(w: World, args: string[]) {
    this.child = spawn('kubectl', ['get', ...args, '--watch', '--output-watch-events', '-o', 'json'], { env: kenv(w), stdio: ['ignore', 'pipe', 'pipe'] });
    this.child.stdout!.setEncoding('utf8');
    this.child.stdout!.on('data', (d: string) => this.feed(d));
    this.child.stderr!.on('data', (d) => (this.err += d));
    this.closed = new Promise((r) => this.child.once('close', () => r()));
  }
  /** kubectl -o json prints one pretty JSON document per event: split on the top-level closing brace. */
  private feed(text: string) {
    this.buf += text;
    let depth = 0;
    let inStr = false;
    let esc = false;
    let start = 0;
    for (let i = 0; i < this.buf.length; i++) {
      const c = this.buf[i];
      if (inStr) {
        if (esc) esc = false;
        else if (c === '\\') esc = true;
        else if (c === '"') inStr = false;
        continue;
      }
      if (c === '"') inStr = true;
      else if (c === '{') depth++;
      else if (c === '}' && --depth === 0) {
        const ev = JSON.parse(this.buf.slice(start, i + 1));
        this.versions.push(ev.object ?? ev);
        start = i + 1;
      }
    }
    this.buf = this.buf.slice(start);
  }
  /** Waits until the watch has delivered at least one version (the object as it was when the watch started). */
  async started(timeoutMs = 30_000): Promise<this> {
    const deadline = Date.now() + timeoutMs;
    while (!this.versions.length) {
      if (this.child.exitCode !== null) throw new Error(`kubectl watch ended: ${this.err.trim()}`);
      if (Date.now() > deadline) throw new Error(`kubectl watch delivered nothing in ${timeoutMs / 1000}s: ${this.err.trim()}`);
      await new Promise((r) => setTimeout(r, 100));
    }
    return this;
  }
  /** Stops the watch; an error it printed (other than being stopped) fails the test: a silent watch proves nothing. */
  async stop(): Promise<any[]> {
    if (this.child.exitCode === null) this.child.kill('SIGTERM');
    await this.closed;
    assert.ok(this.versions.length > 0, `the watch saw nothing: ${this.err.trim()}`);
    return this.versions;
  }
}

/** Starts watching etcd/cluster (for guard properties over the whole run). */
export function watchEtcdCR(w: World): Promise<Watch> {
  return new Watch(w, ['etcd', 'cluster']).started();
}

/** The quorum guard was never off in any version the watch saw (and the watch saw the run). */
export async function expectGuardNeverOff(watch: Watch): Promise<void> {
  const versions = await watch.stop();
  const off = versions.filter(guardOff);
  assert.is(off.length, 0, `the quorum guard was turned off (resourceVersion ${off.map((v) => v.metadata?.resourceVersion).join(', ')}: ${JSON.stringify(off[0]?.spec?.unsupportedConfigOverrides)})`);
}

/** The guard was off at some point and is back as `original` at the end. */
export async function expectGuardOffThenRestored(w: World, watch: Watch, original: unknown = null): Promise<void> {
  const versions = await watch.stop();
  assert.ok(versions.some(guardOff), 'the quorum guard was never turned off during the run');
  await expectGuardRestored(w, original);
}

export interface EvidenceEntry {
  t: string;
  kind: string;
  [k: string]: any;
}

/** The simulator's evidence so far (fails loudly when it keeps none: a "never" judged from nothing proves nothing). */
export function evidence(w: World): EvidenceEntry[] {
  const file = path.join(w.stateDir, 'evidence.jsonl');
  assert.ok(existsSync(file), `the simulator kept no evidence (${file}): start it through startJudgedSim / with SIM_EVIDENCE=1`);
  return readFileSync(file, 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l) as EvidenceEntry);
}

/** Member lists the simulator recorded over the run (each change), oldest first. */
export function membershipHistory(w: World): { t: string; members: { id: string; name: string; learner: boolean; started: boolean; running: boolean }[] }[] {
  return evidence(w).filter((e) => e.kind === 'members') as any;
}

/** Quorum was never lost over the whole run (the simulator's monitor: too few voters running, or reads failing). */
export function expectQuorumNeverLost(w: World): void {
  const lost = evidence(w).filter((e) => e.kind === 'quorum-lost');
  const hist = membershipHistory(w);
  assert.ok(hist.length > 0, 'the simulator recorded no member list');
  assert.is(lost.length, 0, `quorum lost: ${lost.map((e) => `${e.t} ${e.how}`).join('; ')}`);
}

/** The member `id` stayed in every member list recorded over the run (or since `since`, an ISO time, and the list then). */
export function expectMemberNeverRemoved(w: World, id: string, since?: string): void {
  const all = membershipHistory(w);
  let from = 0;
  if (since) all.forEach((h, i) => h.t <= since && (from = i));
  const hist = all.slice(from);
  assert.ok(hist.length > 0, 'the simulator recorded no member list');
  const missing = hist.find((h) => !h.members.some((m) => m.id === id));
  assert.not.ok(missing, `member ${id} was missing from the list at ${missing?.t}: ${JSON.stringify(missing?.members.map((m) => [m.id, m.name]))}`);
}

/** Commands the simulated pods really ran (the kubelet's exec, from the evidence) whose argv matches `re`. */
export function commandsRun(w: World, re: RegExp): { pod: string; command: string[]; exitCode: number }[] {
  return evidence(w).filter((e) => e.kind === 'exec' && e.ran === true && re.test((e.command as string[]).join(' '))) as any;
}

/** Every request a client sent to the API server (its request log, <state>/requests.jsonl), oldest first. */
export function requests(w: World): { method: string; url: string; user?: string }[] {
  const file = path.join(w.stateDir, 'requests.jsonl');
  assert.ok(existsSync(file), `the simulator kept no request log (${file})`);
  return readFileSync(file, 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l));
}

/** Where the API server's request log stands now (for expectNoWritesSince). */
export function requestMark(w: World): number {
  const file = path.join(w.stateDir, 'requests.jsonl');
  return existsSync(file) ? readFileSync(file, 'utf8').split('\n').filter(Boolean).length : 0;
}

/**
 * The requests since `mark` that ask the API server to change something (the simulator's request log,
 * <state>/requests.jsonl: every request a client sent, with its method; the simulated controllers do not go through
 * it): every method but GET/HEAD/OPTIONS, without commands run in pods (POST pods/exec: compare etcd's member list
 * before and after for those) and access reviews (questions, not changes). Server-side dry runs (`dryRun=All`) are
 * included: see expectNoWritesSince.
 */
export function writesSince(w: World, mark: number): { method: string; url: string; user?: string; dryRun?: boolean }[] {
  const file = path.join(w.stateDir, 'requests.jsonl');
  assert.ok(existsSync(file), `the simulator kept no request log (${file})`);
  const lines = readFileSync(file, 'utf8').split('\n').filter(Boolean);
  assert.ok(lines.length > mark, 'no request at all reached the API server since the mark (was the plugin run?)');
  return lines
    .slice(mark)
    .map((l) => JSON.parse(l))
    .filter((r) => !['GET', 'HEAD', 'OPTIONS'].includes(r.method) && !/\/selfsubject(access|rules)?reviews|\/pods\/[^/]+\/exec\?/.test(r.url));
}

/**
 * A server-side dry run: admitted and validated, never persisted. `?dryRun=All`, or (a DELETE) `dryRun: ["All"]` in
 * its DeleteOptions body, which the simulator's log marks `dryRun: true`.
 */
export const isDryRun = (r: { url: string; dryRun?: boolean }) => r.dryRun === true || /[?&]dryRun=All(&|$)/.test(r.url);

/**
 * No client wrote anything through the API since `mark` (writesSince). A server-side dry run (`?dryRun=All`, as
 * `kubectl create --dry-run=server` sends) is admitted and validated but never persisted
 * (kubernetes.io/docs/reference/using-api/api-concepts/#dry-run): not a write.
 */
export function expectNoWritesSince(w: World, mark: number): void {
  const writes = writesSince(w, mark).filter((r) => !isDryRun(r));
  assert.is(writes.length, 0, `API writes: ${writes.map((r) => `${r.method} ${r.url}`).join('; ')}`);
}
