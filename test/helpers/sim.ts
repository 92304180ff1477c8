// Start the simulator as a child process (its own process group) for integration tests.
//   const sim = await startSim(yamlTextOrObject, { provisionSeconds: 1 });
//   ... KUBECONFIG=sim.kubeconfig kubectl ...
//   await sim.stop();
import { spawn, execFileSync } from 'node:child_process';
import { mkdtempSync, writeFileSync, readdirSync, readFileSync, existsSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import YAML from 'yaml';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

export interface SimHandle {
  kubeconfig: string;
  stateDir: string;
  url: string;
  pid: number;
  /** milliseconds from spawn to the kubeconfig line */
  startupMs: number;
  /** environment for kubectl/plugin child processes (KUBECONFIG set) */
  env: NodeJS.ProcessEnv;
  stop(): Promise<void>;
}

export interface StartSimOptions {
  /** state dir to use (kept after stop); default: a fresh temp dir, removed by stop() unless SIM_KEEP_STATE=1 */
  stateDir?: string;
  timeoutMs?: number;
  /** passed through to the child (e.g. for debugging) */
  env?: NodeJS.ProcessEnv;
}

/** pids of etcd processes whose command line mentions `dir` */
function etcdPidsOf(dir: string): number[] {
  const out: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const cmd = readFileSync(`/proc/${entry}/cmdline`, 'utf8').split('\0');
      if (cmd.some((a) => a.endsWith('/etcd') || a === 'etcd') && cmd.some((a) => a.startsWith(dir))) out.push(Number(entry));
    } catch {
      /* gone */
    }
  }
  return out;
}

export async function startSim(scenario: string | object, opts: StartSimOptions = {}): Promise<SimHandle> {
  const ownDir = !opts.stateDir;
  const stateDir = path.resolve(opts.stateDir ?? mkdtempSync(path.join(tmpdir(), 'etcd-replace-sim-')));
  const text = typeof scenario === 'string' ? scenario : YAML.stringify(scenario);
  const file = path.join(stateDir, 'scenario.yaml');
  writeFileSync(file, text);
  const t0 = Date.now();
  const child = spawn(process.execPath, ['--import', 'tsx', path.join(ROOT, 'sim/main.ts'), '--scenario', file, '--state', stateDir], {
    cwd: ROOT,
    detached: true,
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, SIM_EXIT_WITH_PARENT: '1', ...opts.env },
  });
  let stdout = '';
  let stderr = '';
  child.stdout!.on('data', (d) => (stdout += d));
  child.stderr!.on('data', (d) => (stderr += d));
  const exited = new Promise<number>((resolve) => child.once('exit', (code, sig) => resolve(code ?? (sig ? 128 : 1))));

  const stop = async () => {
    if (child.exitCode === null && child.signalCode === null) {
      try {
        process.kill(-child.pid!, 'SIGTERM');
      } catch {
        /* gone */
      }
      const timer = setTimeout(() => {
        try {
          process.kill(-child.pid!, 'SIGKILL');
        } catch {
          /* gone */
        }
      }, 8000);
      await exited;
      clearTimeout(timer);
    }
    // make sure no etcd of this state dir survives
    const deadline = Date.now() + 10_000;
    for (;;) {
      const left = etcdPidsOf(stateDir);
      if (!left.length) break;
      if (Date.now() > deadline) {
        for (const p of left) {
          try {
            process.kill(p, 'SIGKILL');
          } catch {
            /* gone */
          }
        }
      }
      await new Promise((r) => setTimeout(r, 100));
      if (Date.now() > deadline + 5000) break;
    }
    // the temp state dir goes too (keep it with SIM_KEEP_STATE=1 to debug: sim.log, logs/, nodes/)
    if (ownDir && !process.env.SIM_KEEP_STATE) {
      try {
        rmSync(stateDir, { recursive: true, force: true });
      } catch {
        /* ignore */
      }
    }
  };

  const timeoutMs = opts.timeoutMs ?? 60_000;
  const line = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`sim did not start within ${timeoutMs} ms\n${stderr}`)), timeoutMs);
    const check = () => {
      const nl = stdout.indexOf('\n');
      if (nl >= 0) {
        clearTimeout(timer);
        resolve(stdout.slice(0, nl).trim());
      }
    };
    child.stdout!.on('data', check);
    void exited.then((code) => {
      clearTimeout(timer);
      reject(new Error(`sim exited with ${code} before printing the kubeconfig:\n${stderr.trim()}`));
    });
  }).catch(async (err) => {
    await stop();
    throw err;
  });
  const startupMs = Date.now() - t0;
  if (!existsSync(line)) {
    await stop();
    throw new Error(`sim printed "${line}", which is not a file`);
  }
  const kc = YAML.parse(readFileSync(line, 'utf8'));
  const url: string = kc?.clusters?.[0]?.cluster?.server ?? '';
  return {
    kubeconfig: line,
    stateDir,
    url,
    pid: child.pid!,
    startupMs,
    env: { ...process.env, KUBECONFIG: line },
    stop,
  };
}

/** Run kubectl against the sim; never throws (check exitCode). */
export function kubectl(sim: SimHandle, args: string[], input?: string): { stdout: string; stderr: string; exitCode: number } {
  try {
    const stdout = execFileSync('kubectl', args, { env: sim.env, input, encoding: 'utf8', stdio: ['pipe', 'pipe', 'pipe'], timeout: 30_000 });
    return { stdout, stderr: '', exitCode: 0 };
  } catch (err: any) {
    return { stdout: String(err.stdout ?? ''), stderr: String(err.stderr ?? err.message), exitCode: typeof err.status === 'number' ? err.status : 1 };
  }
}

/** Poll `fn` until it returns a truthy value (returned) or the timeout passes (throws with the last value). */
export async function waitFor<T>(what: string, fn: () => T | Promise<T>, timeoutMs = 30_000, everyMs = 300): Promise<NonNullable<T>> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const v = await fn();
      if (v) return v as NonNullable<T>;
      last = v;
    } catch (err) {
      last = err;
    }
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what} (last: ${last instanceof Error ? last.message : JSON.stringify(last)})`);
    await new Promise((r) => setTimeout(r, everyMs));
  }
}
