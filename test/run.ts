// Test runner: `npm test [-- FILTER]` = `node --import tsx test/run.ts [FILTER]`.
//
// Finds every test/**/*.test.ts and runs each in its own child process (`node --import tsx <file>`):
// unit files first (in parallel), then sim files, then e2e files. Sim and e2e files start real etcd clusters on
// fixed loopback addresses, so two of them can only run side by side when each has its own network namespace: as root
// with `unshare` and `ip` on the machine, each such file runs in `unshare -n` (loopback brought up first) and
// CLUSTER_JOBS of them (default 4: a file keeps about half a core busy, the rest is waiting) run at once; otherwise they run one at a time. Each file has a timeout (TEST_TIMEOUT_S, default 540 s) after which its whole process group
// is killed. uvu's summary (`Total:`, `Passed:`, `Skipped:`) is parsed from each child's output; a file
// that crashes, times out or exits non-zero without a failure in its summary counts as (at least) one
// failure. The last line printed is always `N passed, N failed` (`, N skipped` appended when > 0).
// With network namespaces, the sim and e2e files share one pool, longest first (seconds from test/durations.json, a
// file missing there counts as long), so that no long file starts last and runs alone while the other slots idle;
// TEST_DURATIONS_OUT=FILE writes this run's seconds per file in that format.
// With TEST_TYPECHECK=1 (scripts/test.sh) the type check (`tsc -p . --noEmit`) runs first and counts as one check:
// a type error shows in that last line and the exit code like any failed test.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, readFileSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { dirname, join, relative, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const TEST_DIR = join(ROOT, 'test');
const TIMEOUT_MS = Number(process.env.TEST_TIMEOUT_S ?? 540) * 1000;
const UNIT_JOBS = Math.max(1, Number(process.env.TEST_JOBS ?? Math.min(4, cpus().length)));
const ORDER = ['unit', 'sim', 'e2e'] as const;
const CLUSTER_JOBS = Math.max(1, Number(process.env.CLUSTER_JOBS ?? 4));

interface FileResult { file: string; passed: number; failed: number; skipped: number; seconds: number; ok: boolean; output: string; note?: string }

function findTests(dir: string): string[] {
  const out: string[] = [];
  for (const name of readdirSync(dir).sort()) {
    if (name === 'node_modules' || name.startsWith('.')) continue;
    const p = join(dir, name);
    const st = statSync(p);
    if (st.isDirectory()) out.push(...findTests(p));
    else if (name.endsWith('.test.ts')) out.push(p);
  }
  return out;
}

function group(rel: string): number {
  const top = rel.split('/')[1] ?? '';
  const i = (ORDER as readonly string[]).indexOf(top);
  return i === -1 ? 1 : i; // unknown folders run with the sim group (sequentially)
}

const ANSI = /\x1b\[[0-9;?]*[A-Za-z]/g;

/** Parses uvu's summary block. uvu prints it once per process, after all suites ran. */
export function parseUvu(output: string): { total: number; passed: number; skipped: number } | null {
  const text = output.replace(ANSI, '');
  const total = [...text.matchAll(/^\s*Total:\s+(\d+)\s*$/gm)];
  const passed = [...text.matchAll(/^\s*Passed:\s+(\d+)\s*$/gm)];
  if (total.length === 0 || passed.length === 0) return null;
  const skipped = [...text.matchAll(/^\s*Skipped:\s+(\d+)\s*$/gm)];
  const sum = (m: RegExpMatchArray[]) => m.reduce((a, x) => a + Number(x[1]), 0);
  return { total: sum(total), passed: sum(passed), skipped: sum(skipped) };
}

const running = new Set<ChildProcess>();

function killGroup(child: ChildProcess, signal: NodeJS.Signals): void {
  if (child.pid === undefined) return;
  try { process.kill(-child.pid, signal); } catch { try { child.kill(signal); } catch { /* gone */ } }
}

/** Can each cluster test file get a private network namespace? (root, `unshare -n` works, `ip` brings loopback up) */
function canIsolate(): boolean {
  if (process.env.TEST_NO_NETNS === '1' || process.getuid?.() !== 0) return false;
  return spawnSync('unshare', ['-n', 'sh', '-c', 'ip link set lo up'], { stdio: 'ignore' }).status === 0;
}

function runFile(file: string, isolate = false): Promise<FileResult> {
  const rel = relative(ROOT, file);
  const started = Date.now();
  // `unshare -n` execs the shell, which execs node: one process group, so a timeout still kills everything
  const [cmd, args] = isolate
    ? ['unshare', ['-n', 'sh', '-c', 'ip link set lo up && exec "$0" --import tsx "$1"', process.execPath, file]]
    : [process.execPath, ['--import', 'tsx', file]];
  return new Promise((resolvePromise) => {
    const child = spawn(cmd as string, args as string[], {
      cwd: ROOT,
      detached: true, // own process group, so a timeout kills the sims and etcds it started too
      stdio: ['ignore', 'pipe', 'pipe'],
      // TEST_FILE_DEADLINE: when this runner kills the file; runPlugin ends a plugin run before it, so that a hung run
      // fails with what the plugin printed instead of a bare "timed out"
      env: { ...process.env, FORCE_COLOR: '0', NO_COLOR: '1', TEST_FILE_DEADLINE: String(started + TIMEOUT_MS) },
    });
    running.add(child);
    let output = '';
    child.stdout!.on('data', (d: Buffer) => { output += d.toString(); });
    child.stderr!.on('data', (d: Buffer) => { output += d.toString(); });
    let timedOut = false;
    let killTimer: NodeJS.Timeout | undefined;
    const timer = setTimeout(() => {
      timedOut = true;
      killGroup(child, 'SIGTERM');
      killTimer = setTimeout(() => killGroup(child, 'SIGKILL'), 5000);
    }, TIMEOUT_MS);
    child.on('error', (err) => { output += `\nspawn error: ${err.message}\n`; });
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      if (killTimer) clearTimeout(killTimer);
      running.delete(child);
      // whatever the test left behind in its group (a sim, etcds) goes too
      killGroup(child, 'SIGKILL');
      const seconds = (Date.now() - started) / 1000;
      const sum = parseUvu(output);
      let passed = 0, failed = 0, skipped = 0, note: string | undefined;
      if (sum) {
        passed = sum.passed;
        skipped = sum.skipped;
        failed = Math.max(0, sum.total - sum.passed);
      }
      if (timedOut) { note = `timed out after ${TIMEOUT_MS / 1000}s`; failed = Math.max(failed, 1); }
      else if (!sum) { note = signal ? `killed by ${signal}` : `no uvu summary (exit ${code})`; failed = Math.max(failed, 1); }
      else if (code !== 0) { note = signal ? `killed by ${signal}` : `exit ${code}`; failed = Math.max(failed, 1); }
      resolvePromise({ file: rel, passed, failed, skipped, seconds, ok: failed === 0, output, note });
    });
  });
}

function report(r: FileResult): void {
  const parts = [`${r.passed} passed`];
  if (r.failed) parts.push(`${r.failed} failed`);
  if (r.skipped) parts.push(`${r.skipped} skipped`);
  const mark = r.ok ? '✓' : '✗';
  console.log(`${mark} ${r.file} ${parts.join(', ')} (${r.seconds.toFixed(1)}s)${r.note ? ` — ${r.note}` : ''}`);
  if (!r.ok) {
    const body = r.output.replace(ANSI, '').trimEnd();
    if (body) console.log(body.split('\n').map((l) => `    ${l}`).join('\n'));
  }
}

async function pool<T, R>(items: T[], jobs: number, fn: (x: T) => Promise<R>): Promise<R[]> {
  const out: R[] = [];
  let next = 0;
  const worker = async () => { while (next < items.length) { const i = next++; out[i] = await fn(items[i]!); } };
  await Promise.all(Array.from({ length: Math.min(jobs, items.length) }, worker));
  return out;
}

/** Seconds per test file from an earlier run (test/durations.json); a file not listed there counts as long. */
const DURATIONS: Record<string, number> = (() => {
  const file = join(TEST_DIR, 'durations.json');
  try { return existsSync(file) ? JSON.parse(readFileSync(file, 'utf8')) : {}; } catch { return {}; }
})();
const UNKNOWN_SECONDS = 150;

/** The files in the order that finishes a pool soonest: longest first (ties by path, so the order is stable). */
export function longestFirst(files: string[], seconds: Record<string, number> = DURATIONS): string[] {
  const s = (f: string) => seconds[relative(ROOT, f).split(sep).join('/')] ?? UNKNOWN_SECONDS;
  return [...files].sort((a, b) => s(b) - s(a) || a.localeCompare(b));
}

/** `tsc -p . --noEmit` as one check: 1 passed, or 1 failed with tsc's output. */
function typecheck(): Promise<FileResult> {
  const started = Date.now();
  return new Promise((resolvePromise) => {
    const child = spawn(process.execPath, [join(ROOT, 'node_modules/typescript/bin/tsc'), '-p', '.', '--noEmit'], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout!.on('data', (d: Buffer) => { output += d.toString(); });
    child.stderr!.on('data', (d: Buffer) => { output += d.toString(); });
    child.on('error', (err) => { output += `\nspawn error: ${err.message}\n`; });
    child.on('close', (code, signal) => {
      const ok = code === 0;
      resolvePromise({ file: 'typecheck (tsc -p . --noEmit)', passed: ok ? 1 : 0, failed: ok ? 0 : 1, skipped: 0, seconds: (Date.now() - started) / 1000, ok, output, note: ok ? undefined : signal ? `killed by ${signal}` : `exit ${code}` });
    });
  });
}

function onPath(cmd: string): boolean {
  return spawnSync('sh', ['-c', `command -v ${cmd}`], { stdio: 'ignore' }).status === 0;
}

async function main(): Promise<number> {
  // Any argument is a filter: a file runs when its path contains one of them.
  const filters = process.argv.slice(2).filter((a) => a !== '--');
  const filter = filters.join(' ');
  const all = findTests(TEST_DIR).map((f) => ({ f, rel: relative(ROOT, f).split(sep).join('/') }));
  const chosen = all.filter(({ rel }) => filters.length === 0 || filters.some((x) => rel.includes(x)));
  if (chosen.length === 0) {
    console.log(filter ? `no test files match "${filter}"` : 'no test files found');
    console.log('0 passed, 1 failed');
    return 1;
  }
  const needsCluster = chosen.some(({ rel }) => group(rel) > 0);
  if (needsCluster) {
    const missing = ['etcd', 'etcdctl', 'kubectl'].filter((c) => !onPath(c));
    if (missing.length) {
      console.log(`error: ${missing.join(', ')} not found on PATH — install Debian's etcd-server/etcd-client and a kubectl (bash scripts/setup.sh), or run only unit tests: npm test -- test/unit`);
      console.log('0 passed, 1 failed');
      return 1;
    }
  }
  const isolate = needsCluster && canIsolate();
  const results: FileResult[] = [];
  if (process.env.TEST_TYPECHECK === '1') {
    const r = await typecheck();
    report(r);
    results.push(r);
  }
  const run = async (files: string[], jobs: number, inNetns: boolean) =>
    pool(files, jobs, async (f) => { const r = await runFile(f, inNetns); report(r); results.push(r); return r; });
  const inGroup = (g: number) => chosen.filter(({ rel }) => group(rel) === g).map(({ f }) => f);
  await run(inGroup(0), UNIT_JOBS, false);
  if (isolate) await run(longestFirst([...inGroup(1), ...inGroup(2)]), CLUSTER_JOBS, true);
  else for (let g = 1; g < ORDER.length; g++) await run(inGroup(g), 1, false);
  if (process.env.TEST_DURATIONS_OUT) {
    const out: Record<string, number> = {};
    for (const r of [...results].sort((a, b) => a.file.localeCompare(b.file))) if (r.file.startsWith('test/')) out[r.file] = Math.round(r.seconds);
    writeFileSync(process.env.TEST_DURATIONS_OUT, JSON.stringify(out, null, 2) + '\n');
  }
  const passed = results.reduce((a, r) => a + r.passed, 0);
  const failed = results.reduce((a, r) => a + r.failed, 0);
  const skipped = results.reduce((a, r) => a + r.skipped, 0);
  console.log(`${passed} passed, ${failed} failed${skipped ? `, ${skipped} skipped` : ''}`);
  return failed > 0 ? 1 : 0;
}

for (const sig of ['SIGINT', 'SIGTERM'] as const) {
  process.on(sig, () => {
    for (const c of running) killGroup(c, 'SIGKILL');
    console.log('interrupted');
    process.exit(130);
  });
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  main().then((code) => { process.exitCode = code; }, (err) => { console.error(err); console.log('0 passed, 1 failed'); process.exitCode = 1; });
}
