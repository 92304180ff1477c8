// npm run sim -- --scenario FILE [--state DIR] [--must-gather DIR [--settle-seconds N]]
// Starts the simulated OpenShift control plane, prints ONLY the kubeconfig path on stdout, logs to
// <state>/sim.log and runs until SIGTERM/SIGINT (then kills every etcd it started and exits).
// With --must-gather DIR it waits N seconds (default 15: the scenario's faults take effect), writes a must-gather of
// itself to DIR in the real layout (sim/must-gather/gather.ts), prints DIR and exits.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { parseScenario, ScenarioError } from './world/scenario.ts';
import { startWorld } from './world/world.ts';

function usage(msg?: string): never {
  if (msg) process.stderr.write(`sim: ${msg}\n`);
  process.stderr.write('usage: sim --scenario FILE [--state DIR] [--must-gather DIR [--settle-seconds N]]\n');
  process.exit(2);
}

function parseArgs(argv: string[]): { scenario: string; state?: string; timing: boolean; mustGather?: string; settle: number } {
  let scenario: string | undefined;
  let state: string | undefined;
  let mustGather: string | undefined;
  let settle = 15;
  let timing = false;
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    const val = () => {
      const eq = a.indexOf('=');
      if (eq > 0) return a.slice(eq + 1);
      const v = argv[++i];
      if (v === undefined) usage(`${a} needs a value`);
      return v;
    };
    if (a === '--scenario' || a.startsWith('--scenario=')) scenario = val();
    else if (a === '--state' || a.startsWith('--state=')) state = val();
    else if (a === '--timing') timing = true;
    else if (a === '--must-gather' || a.startsWith('--must-gather=')) mustGather = val();
    else if (a === '--settle-seconds' || a.startsWith('--settle-seconds=')) {
      settle = Number(val());
      if (!Number.isFinite(settle) || settle < 0) usage('--settle-seconds needs a number of seconds');
    }
    else if (a === '-h' || a === '--help') usage();
    else usage(`unknown argument ${a}`);
  }
  if (!scenario) usage('--scenario is required');
  return { scenario, state, timing, ...(mustGather ? { mustGather } : {}), settle };
}

async function main() {
  const t0 = Date.now();
  const args = parseArgs(process.argv.slice(2));
  let text: string;
  try {
    text = readFileSync(args.scenario, 'utf8');
  } catch (err) {
    process.stderr.write(`sim: cannot read scenario ${args.scenario}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}\n`);
    process.exit(1);
  }
  let scenario;
  try {
    scenario = parseScenario(text);
  } catch (err) {
    if (err instanceof ScenarioError) {
      process.stderr.write(`sim: ${args.scenario}: ${err.message}\n`);
      process.exit(1);
    }
    throw err;
  }
  const stateDir = path.resolve(args.state ?? mkdtempSync(path.join(tmpdir(), 'etcd-replace-sim-')));
  const tempState = !args.state;
  let world: Awaited<ReturnType<typeof startWorld>> | undefined;
  let shuttingDown = false;
  const shutdown = async (code: number) => {
    if (shuttingDown) return;
    shuttingDown = true;
    try {
      await world?.stop();
      // An auto-created temp state dir keeps sim.log and logs/ but drops the node folders (etcd data
      // and WAL files, ~500 MB per run) unless SIM_KEEP_STATE=1.
      if (tempState && !process.env.SIM_KEEP_STATE) rmSync(path.join(stateDir, 'nodes'), { recursive: true, force: true });
    } finally {
      process.exit(code);
    }
  };
  process.on('SIGTERM', () => void shutdown(0));
  process.on('SIGINT', () => void shutdown(0));
  process.on('SIGHUP', () => void shutdown(0));
  // Test harnesses start the sim in its own process group; with SIM_EXIT_WITH_PARENT=1 it also goes
  // away when its parent dies (so a killed test run never leaves a simulator and its etcds behind).
  if (process.env.SIM_EXIT_WITH_PARENT === '1') {
    const parent = process.ppid;
    setInterval(() => {
      if (process.ppid !== parent) void shutdown(0);
    }, 500).unref();
  }
  try {
    world = await startWorld({ scenario, stateDir });
  } catch (err) {
    process.stderr.write(`sim: startup failed: ${(err as Error).message} (state: ${stateDir})\n`);
    await world?.stop();
    process.exitCode = 1;
    await shutdown(1);
    return;
  }
  if (args.timing) process.stderr.write(`sim: ready in ${Date.now() - t0} ms\n`);
  world.ctx.log(`kubeconfig: ${world.kubeconfigPath} (startup ${Date.now() - t0} ms)`);
  if (args.mustGather) {
    await new Promise((r) => setTimeout(r, args.settle * 1000));
    const { writeMustGather } = await import('./must-gather/gather.ts');
    const dest = path.resolve(args.mustGather);
    await writeMustGather(world, dest);
    process.stdout.write(`${dest}\n`);
    await shutdown(0);
    return;
  }
  process.stdout.write(`${world.kubeconfigPath}\n`);
}

main().catch((err) => {
  process.stderr.write(`sim: ${(err as Error).stack ?? err}\n`);
  process.exit(1);
});
