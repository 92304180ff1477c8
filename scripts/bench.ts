// `npm run bench [-- --runs N] [--calls] [--startup-only | --no-rollout | --rollout-only]` (--calls also prints the kubectl calls of one status run) — prints figures, passes or fails nothing.
//
//  - each platform's executable size (dist/<os>-<arch>/, where built by `npm run build:binary`);
//  - startup: the host's single executable (`--help`, `status --help`, `version`, a completion) against its OWN
//    runtime's `node -e 0` (the Node 24 binary it was built from, in the build cache; target: --help <= 1.5x) and
//    an empty single executable of that runtime (built here: the fixed cost of any SEA), runs interleaved so that
//    a busy machine slows them alike; then the host's node and the dev form
//    (`node --import tsx lib/main.ts --help`) for reference. Median of N runs (builds the host executable
//    first if it is missing or stale);
//  - a healthy 3-master simulated cluster (test/helpers/sim.ts startSim): how long the sim takes to start;
//  - `status` on it: wall time, the number of kubectl calls it made, the slowest single call and the ratio
//    wall / slowest (target <= 1.5x: the reads run in parallel), and the peak RSS of the plugin process.
//    kubectl calls are measured honestly from outside: a `kubectl` shim first on PATH appends
//    `<start ns> <end ns> <argv>` to a trace file and execs the real kubectl. The plugin runs with
//    `--client kubectl` so it cannot pick an `oc` that bypasses the shim;
//  - `status --from` on a must-gather (issue 22): the simulator's own must-gather (sim/must-gather) padded to a large
//    real one, 300 MB of pod logs and 3,000 unrelated objects; wall time beyond process start (the same process
//    running `version`), target < 1.5 s; also its .tar.gz (no target). `--offline-only` runs just this case;
//  - the load of `auto` while it waits for a new member (a learner for 60 s): kubectl calls and exec sessions per
//    minute of the wait-rollout step of a procedure A run (same shim; skip with --no-rollout).
import { spawn, spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync, readdirSync } from 'node:fs';
import { homedir, tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { ROOT, SENTINEL, TARGETS, binaryPath, buildBinaries, fetchNode, parsePlatforms, platformKey, hostPlatform } from './build-binary.ts';

const argv = process.argv.slice(2);
const RUNS = Number(argv[argv.indexOf('--runs') + 1] || 0) || 11;
const STATUS_RUNS = Math.max(3, Math.ceil(RUNS / 2));

// Unusual node IPs (random third octet) so the bench's etcds do not collide with a sim already running.
const NET = `10.${200 + (process.pid % 50)}.${process.pid % 250}`;
const SCENARIO = `openshift: "4.14"
platform: aws
controlPlaneMachineSet: absent
masters:
  - {node: ip-10-0-131-183.ec2.internal, ip: ${NET}.11, machine: clustername-8qw5l-master-0}
  - {node: ip-10-0-154-204.ec2.internal, ip: ${NET}.12, machine: clustername-8qw5l-master-1}
  - {node: ip-10-0-164-97.ec2.internal,  ip: ${NET}.13, machine: clustername-8qw5l-master-2}
workers: 3
faults: []
timing: {provisionSeconds: 3, rolloutSeconds: 2}
`;

const rows: [string, string, string][] = [];
const row = (what: string, value: string, note = '') => { rows.push([what, value, note]); console.error(`bench: ${what}: ${value}${note ? ` (${note})` : ''}`); };
const median = (xs: number[]) => { const s = [...xs].sort((a, b) => a - b); const m = Math.floor(s.length / 2); return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2; };
const ms = (x: number) => `${x.toFixed(0)} ms`;

function timeRuns(cmd: string, args: string[], n: number, env: NodeJS.ProcessEnv = process.env): { median: number; min: number; ok: boolean } {
  const t: number[] = [];
  let ok = true;
  for (let i = 0; i < n; i++) {
    const s = process.hrtime.bigint();
    const r = spawnSync(cmd, args, { cwd: ROOT, env, stdio: 'ignore' });
    t.push(Number(process.hrtime.bigint() - s) / 1e6);
    if (r.status !== 0) ok = false;
  }
  return { median: median(t), min: Math.min(...t), ok };
}

/** Runs each command n times, one of each in turn (so that a change in machine load hits all of them alike). */
/**
 * CPU time (user + system, ms) of this process's reaped children so far, from /proc/self/stat (cutime, cstime;
 * clock ticks of 10 ms): NaN where there is no /proc. The difference around one spawnSync is that child's CPU time.
 */
function childrenCpuMs(): number {
  try {
    const stat = readFileSync('/proc/self/stat', 'utf8');
    const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(f[13]) + Number(f[14])) * 10; // fields 16 and 17 of proc(5), USER_HZ 100
  } catch {
    return NaN;
  }
}

/**
 * Runs each command n times, one of each in turn (so that a change in machine load hits all of them alike). Also the
 * mean CPU time per run (all threads): less moved by other load than the wall time, which waits for the CPU.
 */
function timeInterleaved(cmds: { cmd: string; args: string[]; env?: NodeJS.ProcessEnv }[], n: number): { median: number; min: number; ok: boolean; cpu: number }[] {
  const t = cmds.map(() => [] as number[]);
  const cpu = cmds.map(() => 0);
  const ok = cmds.map(() => true);
  const once = (i: number) => {
    const c = cmds[i]!;
    const c0 = childrenCpuMs();
    const s = process.hrtime.bigint();
    const r = spawnSync(c.cmd, c.args, { cwd: ROOT, env: c.env ?? process.env, stdio: 'ignore' });
    t[i]!.push(Number(process.hrtime.bigint() - s) / 1e6);
    cpu[i]! += childrenCpuMs() - c0;
    if (r.status !== 0) ok[i] = false;
  };
  for (let i = 0; i < cmds.length; i++) once(i); // warm-up (page cache), not counted
  t.forEach((x) => x.splice(0));
  cpu.fill(0);
  for (let k = 0; k < n; k++) for (let i = 0; i < cmds.length; i++) once(i);
  return t.map((x, i) => ({ median: median(x), min: Math.min(...x), ok: ok[i]!, cpu: cpu[i]! / n }));
}

/**
 * A single executable of the same runtime whose main script is empty (`0`): what any SEA of that Node costs to start
 * (the floor under the plugin's figures). Built in `dir` the way build-binary.ts builds (blob by the runtime, postject).
 */
function emptySea(runtime: string, dir: string): string {
  writeFileSync(join(dir, 'empty.cjs'), '0\n');
  writeFileSync(join(dir, 'sea-config.json'), JSON.stringify({ main: 'empty.cjs', output: 'empty.blob', disableExperimentalSEAWarning: true, useCodeCache: false, useSnapshot: false }));
  const gen = spawnSync(runtime, ['--experimental-sea-config', 'sea-config.json'], { cwd: dir, encoding: 'utf8' });
  if (gen.status !== 0) throw new Error(`SEA blob: ${gen.stderr.trim()}`);
  const exe = join(dir, 'empty-sea');
  writeFileSync(exe, readFileSync(runtime), { mode: 0o755 });
  const inj = spawnSync(process.execPath, [join(ROOT, 'node_modules', 'postject', 'dist', 'cli.js'), exe, 'NODE_SEA_BLOB', join(dir, 'empty.blob'), '--sentinel-fuse', SENTINEL], { encoding: 'utf8' });
  if (inj.status !== 0) throw new Error(`postject: ${inj.stderr.trim()}`);
  return exe;
}

interface RunStats { wallMs: number; exitCode: number | null; peakRssKiB: number; stdout: string; stderr: string }

/** Runs a command, polling /proc/<pid>/status for VmHWM (peak RSS of that process alone, not its kubectl children). */
function runMeasured(cmd: string, args: string[], env: NodeJS.ProcessEnv): Promise<RunStats> {
  return new Promise((resolve) => {
    const s = process.hrtime.bigint();
    const child = spawn(cmd, args, { cwd: ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '', stderr = '', peak = 0;
    child.stdout.on('data', (d: Buffer) => { stdout += d.toString(); });
    child.stderr.on('data', (d: Buffer) => { stderr += d.toString(); });
    const poll = setInterval(() => {
      try {
        const m = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${child.pid}/status`, 'utf8'));
        if (m) peak = Math.max(peak, Number(m[1]));
      } catch { /* exited */ }
    }, 5);
    child.on('close', (code) => {
      clearInterval(poll);
      resolve({ wallMs: Number(process.hrtime.bigint() - s) / 1e6, exitCode: code, peakRssKiB: peak, stdout, stderr });
    });
  });
}

function kubectlShim(dir: string, trace: string): string {
  const real = spawnSync('sh', ['-c', 'command -v kubectl'], { encoding: 'utf8' }).stdout.trim();
  if (!real) throw new Error('kubectl not on PATH');
  const shim = join(dir, 'kubectl');
  writeFileSync(shim, `#!/bin/sh
s=$(date +%s%N)
${JSON.stringify(real)} "$@"
rc=$?
e=$(date +%s%N)
printf '%s %s %s\\n' "$s" "$e" "$*" >> ${JSON.stringify(trace)}
exit $rc
`);
  chmodSync(shim, 0o755);
  return real;
}

function printTable(): void {
  const w0 = Math.max(...rows.map((r) => r[0].length), 6);
  const w1 = Math.max(...rows.map((r) => r[1].length), 5);
  const line = (a: string, b: string, c: string) => `${a.padEnd(w0)}  ${b.padStart(w1)}  ${c}`.trimEnd();
  console.log(line('figure', 'value', 'note'));
  console.log(line('-'.repeat(w0), '-'.repeat(w1), '-'.repeat(4)));
  for (const r of rows) console.log(line(...r));
}

/**
 * A must-gather as large as real ones: the simulator's own (a healthy 3-master cluster, in-process) plus 300 MB of pod
 * logs (installer pods in openshift-etcd, pods of 40 other namespaces) and 3,000 unrelated objects (100 worker nodes,
 * 2,000 ConfigMaps in the other namespaces' lists, 900 ClusterRoles one file each), then `status --from` timed.
 */
async function offlineBench(): Promise<void> {
  const { startWorld } = await import(pathToFileURL(join(ROOT, 'sim/world/world.ts')).href);
  const { writeMustGather } = await import(pathToFileURL(join(ROOT, 'sim/must-gather/gather.ts')).href);
  const { stringify } = await import('yaml');
  const work = mkdtempSync(join(tmpdir(), 'er-bench-mg-'));
  const mg = join(work, 'must-gather.local.1');
  const world = await startWorld({ scenario: SCENARIO, stateDir: join(work, 'sim') });
  let image: string;
  try {
    const { readClusterState } = await import(pathToFileURL(join(ROOT, 'lib/cluster/read.ts')).href);
    const { Kube } = await import(pathToFileURL(join(ROOT, 'lib/cluster/kubectl.ts')).href);
    const { diagnose } = await import(pathToFileURL(join(ROOT, 'lib/diagnose/diagnose.ts')).href);
    // settled: the live diagnosis is healthy (deadline 60 s)
    for (const end = Date.now() + 60_000; Date.now() < end; ) {
      const d = diagnose(await readClusterState(new Kube({ client: 'kubectl', kubeconfig: world.kubeconfigPath })));
      if (d.scenario === 'healthy') break;
      await new Promise((r) => setTimeout(r, 1000));
    }
    ({ image } = await writeMustGather(world, mg));
  } finally {
    await world.stop();
  }
  const { mkdirSync } = await import('node:fs');
  const put = (rel: string, data: string | Buffer) => {
    const f = join(image, rel);
    mkdirSync(join(f, '..'), { recursive: true });
    writeFileSync(f, data);
  };
  // log lines that differ (gzip finds no repeat within its 32 KiB window), as real logs
  const lines: string[] = [];
  for (let i = 0, size = 0; size < 1048576; i++) {
    const l = `2026-12-02T11:${String(i % 60).padStart(2, '0')}:${String((i * 7) % 60).padStart(2, '0')}.${String((i * 7919) % 1e6).padStart(6, '0')}Z I1202 reflector.go:${(i * 31) % 997}] watch of *v1.ConfigMap rv=${(i * 104729) % 9999991} took ${(i * 13) % 977}ms id=${((i * 2654435761) >>> 0).toString(16)}\n`;
    lines.push(l);
    size += l.length;
  }
  const chunk = Buffer.from(lines.join(''));
  let logBytes = 0;
  const logFile = (rel: string, mib: number) => {
    put(rel, Buffer.concat(Array.from({ length: mib }, () => chunk)));
    logBytes += mib * chunk.length;
  };
  for (let i = 0; i < 20; i++) logFile(`namespaces/openshift-etcd/pods/installer-${i}-ip-10-0-131-183.ec2.internal/installer/installer/logs/current.log`, 3);
  for (let n = 0; logBytes < 300 * 1048576; n++) logFile(`namespaces/openshift-bench-${n % 40}/pods/app-${n}/app/app/logs/current.log`, 5);
  const node = readFileSync(join(image, 'cluster-scoped-resources/core/nodes', readdirSync(join(image, 'cluster-scoped-resources/core/nodes'))[0]!), 'utf8');
  let objects = 0;
  for (let i = 0; i < 100; i++, objects++) put(`cluster-scoped-resources/core/nodes/worker-${i}.bench.example.com.yaml`, node.replace(/node-role\.kubernetes\.io\/(master|control-plane)/g, 'node-role.kubernetes.io/worker').replace(/name: \S+/, `name: worker-${i}.bench.example.com`));
  for (let n = 0; n < 40; n++) {
    const items = Array.from({ length: 50 }, (_, i) => ({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: `cm-${i}`, namespace: `openshift-bench-${n}` }, data: { 'config.yaml': 'x: 1\n'.repeat(200) } }));
    objects += items.length;
    put(`namespaces/openshift-bench-${n}/core/configmaps.yaml`, stringify({ apiVersion: 'v1', items, kind: 'ConfigMapList', metadata: { resourceVersion: '1' } }));
  }
  for (let i = 0; i < 900; i++, objects++) put(`cluster-scoped-resources/rbac.authorization.k8s.io/clusterroles/bench-${i}.yaml`, stringify({ apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'ClusterRole', metadata: { name: `bench-${i}` }, rules: [{ apiGroups: [''], resources: ['pods'], verbs: ['get', 'list'] }] }));
  const cli = [process.execPath, ['--import', 'tsx', join(ROOT, 'lib/main.ts')]] as const;
  // process start: the same command up to reading (a --from that does not exist: every module loaded, then exit 2)
  const base = timeRuns(cli[0], [...cli[1], 'status', '--from', join(work, 'none'), '-o', 'json'], STATUS_RUNS);
  const from = timeRuns(cli[0], [...cli[1], 'status', '--from', mg, '-o', 'json'], STATUS_RUNS);
  // beyond process start, measured inside: reading the files, the state, the diagnosis and the -o json document
  const { readOffline } = await import(pathToFileURL(join(ROOT, 'lib/offline/mustgather.ts')).href);
  const { diagnoseOffline } = await import(pathToFileURL(join(ROOT, 'lib/offline/diagnose.ts')).href);
  const { statusDocument } = await import(pathToFileURL(join(ROOT, 'lib/commands/status.ts')).href);
  const inside: number[] = [];
  for (let i = 0; i < STATUS_RUNS; i++) {
    const t = process.hrtime.bigint();
    const r = await readOffline(mg);
    JSON.stringify(statusDocument(r.state, diagnoseOffline(r.state, r.source.gaps), { server: r.server, context: null, client: null, source: r.source }, r.lease));
    inside.push(Number(process.hrtime.bigint() - t) / 1e6);
  }
  const beyond = median(inside);
  row('status --from must-gather, beyond process start', ms(beyond), `${(logBytes / 1048576).toFixed(0)} MB of logs, ${objects} unrelated objects; read + state + diagnosis + -o json, median of ${STATUS_RUNS} (first ${ms(inside[0]!)}); target < 1500 ms${beyond < 1500 ? ' (met)' : ' (NOT met)'}`);
  row('status --from must-gather, whole process', ms(from.median), `dev form (tsx), median of ${STATUS_RUNS}; ${ms(base.median)} for \`status --from\` of a missing path${from.ok ? '' : '; status did not exit 0'}`);
  const tgz = join(work, 'mg.tar.gz');
  const t0 = Date.now();
  spawnSync('tar', ['-czf', tgz, '-C', work, 'must-gather.local.1']);
  const packMs = Date.now() - t0;
  const fromTgz = timeRuns(cli[0], [...cli[1], 'status', '--from', tgz, '-o', 'json'], 3);
  row('status --from must-gather .tar.gz, whole process', ms(fromTgz.median), `${(statSync(tgz).size / 1048576).toFixed(1)} MB archive (tar -czf took ${ms(packMs)}); streamed through gunzip, logs skipped unstored; median of 3`);
  rmSync(work, { recursive: true, force: true });
}

async function main(): Promise<void> {
  if (argv.includes('--offline-only')) return offlineBench();
  if (argv.includes('--rollout-only')) {
    const { startSim } = (await import(pathToFileURL(join(ROOT, 'test', 'helpers', 'sim.ts')).href)) as { startSim: (scenario: string) => Promise<{ kubeconfig: string; stop: () => Promise<void> | void }> };
    return rolloutLoad(startSim, ''); // the dev form: always the current sources
  }
  console.error(`bench: ${RUNS} runs per startup figure, ${STATUS_RUNS} status runs; node ${process.version}, ${process.platform}-${process.arch}`);
  // --- startup
  let bin = binaryPath();
  try {
    const b = await buildBinaries({ platforms: parsePlatforms('host'), ifStale: true, quiet: true });
    bin = b.binaries[0]!.binary;
    if (!b.binaries[0]!.skipped) row('SEA build time (host)', `${b.seconds.toFixed(1)} s`, 'esbuild bundle + SEA blob + postject');
  } catch (e) {
    if (!existsSync(bin)) { row('binary', 'not built', (e as Error).message); bin = ''; }
    else row('binary', 'stale', `rebuild failed: ${(e as Error).message}; using the existing one`);
  }
  // Each platform's executable, where built (npm run build:binary builds them all).
  for (const t of TARGETS) {
    const p = binaryPath(t);
    row(`executable size ${t.os}/${t.arch}`, existsSync(p) ? `${(statSync(p).size / 1048576).toFixed(1)} MiB` : 'not built', `${p.replace(`${ROOT}/`, '')}, Node ${t.node.split('@')[1]}`);
  }
  // The executable against its own runtime (the Node binary the build injected into): what the SEA adds.
  const hostTarget = TARGETS.find((t) => platformKey(t) === platformKey(hostPlatform()));
  let runtime = '';
  try {
    if (!hostTarget) throw new Error(`no target for ${platformKey(hostPlatform())}`);
    runtime = fetchNode(hostTarget.node);
  } catch (e) { row('startup: executable runtime', 'skipped', (e as Error).message); }
  if (bin && runtime) {
    const v = hostTarget!.node.split('@')[1];
    const quiet = { PATH: '/nonexistent', HOME: tmpdir() };
    const seaDir = mkdtempSync(join(tmpdir(), 'etcd-replace-bench-sea-'));
    try {
      let empty = '';
      try { empty = emptySea(runtime, seaDir); } catch (e) { row('startup: empty SEA', 'not built', (e as Error).message); }
      const [base, help, statusHelp, version, complete, none] = timeInterleaved([
        { cmd: runtime, args: ['-e', '0'] },
        { cmd: bin, args: ['--help'], env: quiet },
        { cmd: bin, args: ['status', '--help'], env: quiet },
        { cmd: bin, args: ['version'], env: quiet },
        { cmd: bin, args: ['__complete', 'auto', '--'], env: quiet },
        ...(empty ? [{ cmd: empty, args: [], env: quiet }] : []),
      ], RUNS);
      const x = (r: { median: number }) => `${(r.median / base!.median).toFixed(2)}x node -e 0`;
      const cpu = (r: { cpu: number }) => `CPU ${r.cpu.toFixed(1)} ms a run (${(r.cpu / base!.cpu).toFixed(2)}x)`;
      row(`startup: node ${v} -e 0`, ms(base!.median), `median of ${RUNS}, min ${ms(base!.min)}, CPU ${base!.cpu.toFixed(1)} ms a run; the executable's own runtime (${runtime.replace(homedir(), '~')})`);
      if (none) row('startup: empty SEA', ms(none.median), `${x(none)}, min ${ms(none.min)}, ${cpu(none)}: a single executable of that runtime whose main script is \`0\` (the floor)`);
      const ratio = help!.median / base!.median;
      row('startup: binary --help', ms(help!.median), `median of ${RUNS}, min ${ms(help!.min)}, ${cpu(help!)}${help!.ok ? '' : ', NON-ZERO EXIT'}`);
      row('startup: --help / node -e 0', `${ratio.toFixed(2)}x`, `same runtime (Node ${v}); target <= 1.5x${ratio <= 1.5 ? ' (met)' : ' (NOT met)'}; wall time on a loaded machine varies, the CPU ratio less`);
      row('startup: binary status --help', ms(statusHelp!.median), `${x(statusHelp!)}${statusHelp!.ok ? '' : ', NON-ZERO EXIT'}`);
      row('startup: binary version', ms(version!.median), `${x(version!)}${version!.ok ? '' : ', NON-ZERO EXIT'}`);
      row('startup: binary completion', ms(complete!.median), `__complete auto --: ${x(complete!)}${complete!.ok ? '' : ', NON-ZERO EXIT'}`);
    } finally {
      rmSync(seaDir, { recursive: true, force: true });
    }
  }
  const nodeBase = timeRuns(process.execPath, ['-e', '0'], RUNS);
  row(`startup: host node ${process.version} -e 0`, ms(nodeBase.median), `median of ${RUNS}, min ${ms(nodeBase.min)}; the node running this bench, for reference`);
  if (existsSync(join(ROOT, 'lib', 'main.ts'))) {
    const d = timeRuns(process.execPath, ['--import', 'tsx', 'lib/main.ts', '--help'], Math.min(RUNS, 5));
    row('startup: tsx lib/main.ts --help', ms(d.median), `dev form, median of ${Math.min(RUNS, 5)}`);
  }
  if (argv.includes('--startup-only')) return;

  // --- sim + status
  const helper = join(ROOT, 'test', 'helpers', 'sim.ts');
  if (!existsSync(helper)) { row('sim', 'skipped', 'test/helpers/sim.ts not found'); return; }
  const { startSim } = (await import(pathToFileURL(helper).href)) as {
    startSim: (scenario: string) => Promise<{ kubeconfig: string; stateDir: string; stop: () => Promise<void> | void }>;
  };
  const t0 = process.hrtime.bigint();
  const sim = await startSim(SCENARIO);
  row('sim startup (3 masters, healthy)', ms(Number(process.hrtime.bigint() - t0) / 1e6), 'startSim() until its kubeconfig is usable');
  const work = mkdtempSync(join(tmpdir(), 'etcd-replace-bench-'));
  try {
    const trace = join(work, 'kubectl.trace');
    kubectlShim(work, trace);
    const env = { ...process.env, PATH: `${work}:${process.env.PATH ?? ''}`, KUBECONFIG: sim.kubeconfig, NO_COLOR: '1' };
    const [cmd, pre] = bin ? [bin, [] as string[]] : [process.execPath, ['--import', 'tsx', 'lib/main.ts']];
    const args = [...pre, 'status', '--client', 'kubectl'];
    // Warm-up (kubectl's discovery cache, the sim settling) until status reports healthy (exit 0); not counted.
    const t1 = Date.now();
    let warm = await runMeasured(cmd, args, env);
    while (warm.exitCode !== 0 && Date.now() - t1 < 60_000) { await new Promise((r) => setTimeout(r, 500)); warm = await runMeasured(cmd, args, env); }
    row('sim healthy (status exit 0) after', ms(Date.now() - t1), `after startSim returned${warm.exitCode === 0 ? '' : `; still exit ${warm.exitCode}`}`);
    // Two series: "warm" shares one cache dir, so status starts its etcdctl execs at once from the pod it read
    // last time (lib/cluster/source-hint.ts); "cold" gets a new cache dir each run, as on a first run.
    const series = async (cacheFor: (i: number) => string) => {
      const sums: number[] = [];
      let timeline: string[] = [];
      const walls: number[] = [], ratios: number[] = [], slowest: number[] = [], calls: number[] = [], rss: number[] = [];
      let lastExit: number | null = null, lastErr = '';
      for (let i = 0; i < STATUS_RUNS; i++) {
        rmSync(trace, { force: true });
        const r = await runMeasured(cmd, args, { ...env, XDG_CACHE_HOME: cacheFor(i) });
        lastExit = r.exitCode; lastErr = r.stderr;
        const lines = existsSync(trace) ? readFileSync(trace, 'utf8').trim().split('\n').filter(Boolean) : [];
        const durs = lines.map((l) => { const [s, e] = l.split(' '); return (Number(e) - Number(s)) / 1e6; });
        const slow = durs.length ? Math.max(...durs) : NaN;
        sums.push(durs.reduce((x, y) => x + y, 0));
        const t0ns = lines.length ? Math.min(...lines.map((l) => Number(l.split(' ')[0]))) : 0;
        timeline = lines.map((l) => { const [st, en, ...rest] = l.split(' '); return `  +${((Number(st) - t0ns) / 1e6).toFixed(0).padStart(5)} ms  ${((Number(en) - Number(st)) / 1e6).toFixed(0).padStart(5)} ms  kubectl ${rest.join(' ')}`; });
        walls.push(r.wallMs); slowest.push(slow); ratios.push(r.wallMs / slow); calls.push(lines.length); rss.push(r.peakRssKiB);
      }
      return { sums, timeline, walls, ratios, slowest, calls, rss, lastExit, lastErr };
    };
    const warmCache = join(work, 'cache-warm');
    await runMeasured(cmd, args, { ...env, XDG_CACHE_HOME: warmCache }); // fills the warm cache
    const cold = await series((i) => join(work, `cache-cold-${i}`));
    const { sums, timeline, walls, ratios, slowest, calls, rss, lastExit, lastErr } = await series(() => warmCache);
    const form = bin ? 'binary' : 'tsx';
    row(`status wall time (${form})`, ms(median(walls)), `median of ${STATUS_RUNS}, exit ${lastExit}${lastExit !== 0 ? `: ${lastErr.trim().split('\n').pop()}` : ''}`);
    row('kubectl calls per status', String(median(calls)), `min ${Math.min(...calls)}, max ${Math.max(...calls)}`);
    row('slowest single kubectl call', ms(median(slowest)), 'median over the runs of each run\'s slowest call');
    row('sum of kubectl call times', ms(median(sums)), `${(median(sums) / median(walls)).toFixed(1)}x the wall time: calls overlap`);
    row('status / slowest call', `${median(ratios).toFixed(2)}x`, `target <= 1.5x${median(ratios) <= 1.5 ? ' (met)' : ' (NOT met)'}`);
    row('status wall time, cold', ms(median(cold.walls)), `first run for a kubeconfig: etcdctl execs wait for the pod list`);
    row('status / slowest call, cold', `${median(cold.ratios).toFixed(2)}x`, `target <= 1.5x${median(cold.ratios) <= 1.5 ? ' (met)' : ' (NOT met)'}`);
    if (argv.includes('--calls')) console.log(`kubectl calls of the last status run (start offset, duration, argv):\n${timeline.sort().join('\n')}\n`);
    row('status peak RSS', `${(median(rss) / 1024).toFixed(0)} MiB`, 'VmHWM of the plugin process, not its kubectl children');
  } finally {
    await sim.stop();
    rmSync(work, { recursive: true, force: true });
  }
  await offlineBench();
  if (!argv.includes('--no-rollout')) await rolloutLoad(startSim, bin);
}

/**
 * The load `auto` puts on the control plane while it waits for the new member: a procedure A run (4.14 aws, machine
 * stopped, no CPMS) whose new member stays a learner for 60 s (timing.learnerPromoteSeconds). kubectl calls (and how
 * many are `exec` sessions) per minute of the `wait-rollout` step, from the shim's trace and the journal's step times.
 * Target: at most 20 calls and 4 exec sessions per minute once the first minute has passed.
 */
async function rolloutLoad(startSim: (scenario: string) => Promise<{ kubeconfig: string; stop: () => Promise<void> | void }>, bin: string): Promise<void> {
  const net = `10.${200 + ((process.pid + 7) % 50)}.${(process.pid + 7) % 250}`;
  const sim = await startSim(`openshift: "4.14"
platform: aws
controlPlaneMachineSet: absent
masters:
  - {node: ip-10-0-131-183.ec2.internal, ip: ${net}.11, machine: clustername-8qw5l-master-0}
  - {node: ip-10-0-154-204.ec2.internal, ip: ${net}.12, machine: clustername-8qw5l-master-1}
  - {node: ip-10-0-164-97.ec2.internal,  ip: ${net}.13, machine: clustername-8qw5l-master-2}
workers: 0
faults:
  - {node: ip-10-0-131-183.ec2.internal, kind: machine-stopped}
timing: {provisionSeconds: 3, rolloutSeconds: 2, learnerPromoteSeconds: 60}
`);
  const work = mkdtempSync(join(tmpdir(), 'etcd-replace-bench-rollout-'));
  try {
    const trace = join(work, 'kubectl.trace');
    kubectlShim(work, trace);
    const env = { ...process.env, PATH: `${work}:${process.env.PATH ?? ''}`, KUBECONFIG: sim.kubeconfig, NO_COLOR: '1', XDG_STATE_HOME: join(work, 'state'), XDG_CACHE_HOME: join(work, 'cache') };
    const [cmd, pre] = bin ? [bin, [] as string[]] : [process.execPath, ['--import', 'tsx', 'lib/main.ts']];
    // the stopped machine's node goes NotReady after its grace period: wait for status to see a replaceable member (exit 3)
    const t0 = Date.now();
    while ((await runMeasured(cmd, [...pre, 'status', '--client', 'kubectl'], env)).exitCode !== 3 && Date.now() - t0 < 120_000) await new Promise((r) => setTimeout(r, 1000));
    rmSync(trace, { force: true });
    const run = await runMeasured(cmd, [...pre, 'auto', '--yes', '--client', 'kubectl'], env);
    if (run.exitCode !== 0) {
      row('rollout wait load', 'not measured', `auto exited ${run.exitCode}: ${run.stderr.trim().split('\n').pop()}`);
      return;
    }
    const stateDir = join(work, 'state', 'etcd-replace');
    const jfile = readdirSync(stateDir).flatMap((c) => readdirSync(join(stateDir, c)).map((r) => join(stateDir, c, r, 'journal.json')))[0]!;
    const step = (JSON.parse(readFileSync(jfile, 'utf8')).steps as any[]).find((x) => x.id === 'wait-rollout');
    const from = Date.parse(step.startedAt);
    const to = Date.parse(step.endedAt);
    const calls = readFileSync(trace, 'utf8').trim().split('\n').filter(Boolean).map((l) => {
      const [st, , ...rest] = l.split(' ');
      return { at: Number(st) / 1e6, exec: rest.includes('exec') };
    }).filter((c) => c.at >= from && c.at <= to);
    const minutes = Math.ceil((to - from) / 60_000);
    const per: string[] = [];
    for (let k = 0; k < minutes; k++) {
      const inMin = calls.filter((c) => c.at >= from + k * 60_000 && c.at < from + (k + 1) * 60_000);
      const span = Math.min(60_000, to - from - k * 60_000) / 1000;
      per.push(`min ${k + 1}${span < 60 ? ` (${span.toFixed(0)} s)` : ''}: ${inMin.length} calls, ${inMin.filter((c) => c.exec).length} exec`);
    }
    const later = calls.filter((c) => c.at >= from + 60_000);
    const laterMin = Math.max(0, to - from - 60_000) / 60_000;
    row('rollout wait (learner 60 s)', `${((to - from) / 1000).toFixed(0)} s`, `wait-rollout of a procedure A run: ${calls.length} calls, ${calls.filter((c) => c.exec).length} exec sessions; ${per.join('; ')}`);
    const wholeMin = (to - from) / 60_000;
    row('rollout wait load, whole wait', `${(calls.length / wholeMin).toFixed(1)} calls/min`, `${(calls.filter((c) => c.exec).length / wholeMin).toFixed(1)} exec/min (first minute included)`);
    if (laterMin * 60 >= 30) {
      const cpm = later.length / laterMin;
      const epm = later.filter((c) => c.exec).length / laterMin;
      row('rollout wait load after minute 1', `${cpm.toFixed(1)} calls/min`, `${epm.toFixed(1)} exec/min over ${(laterMin * 60).toFixed(0)} s; target <= 20 calls and <= 4 exec per minute${cpm <= 20 && epm <= 4 ? ' (met)' : ' (NOT met)'}`);
    } else {
      row('rollout wait load after minute 1', `${later.length} calls`, `${later.filter((c) => c.exec).length} exec in the last ${(laterMin * 60).toFixed(0)} s (too short a window for a per-minute rate; target <= 20 calls and <= 4 exec per minute)`);
    }
  } finally {
    await sim.stop();
    rmSync(work, { recursive: true, force: true });
  }
}

main()
  .catch((e: unknown) => { row('error', 'bench stopped', e instanceof Error ? e.message : String(e)); })
  .finally(() => { console.log(''); printTable(); });
