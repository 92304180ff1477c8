// `npm run demo`: start a simulated 3-master OpenShift 4.14 cluster on AWS whose first master's
// instance is stopped, then run the plugin the way an administrator would: `kubectl etcd-replace
// status`, `kubectl etcd-replace auto --yes`, and `status` again, which ends healthy.
import { execa } from 'execa';
import { mkdtempSync, mkdirSync, symlinkSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startSim } from '../test/helpers/sim.ts';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const scenario = readFileSync(join(root, 'scripts', 'demo-scenario.yaml'), 'utf8');

function banner(text: string): void {
  const line = '─'.repeat(Math.max(20, text.length + 4));
  console.log(`\n${line}\n  ${text}\n${line}`);
}

async function main(): Promise<number> {
  const work = mkdtempSync(join(tmpdir(), 'etcd-replace-demo-'));
  // Install the plugin the way krew does: an executable named kubectl-etcd_replace on PATH.
  const pluginDir = join(work, 'bin');
  mkdirSync(pluginDir);
  symlinkSync(join(root, 'bin', 'kubectl-etcd_replace.js'), join(pluginDir, 'kubectl-etcd_replace'));

  banner('Starting a simulated OpenShift 4.14 control plane (3 masters, real etcd); master-0 is stopped');
  const started = Date.now();
  const sim = await startSim(scenario);
  console.log(`simulator ready in ${((Date.now() - started) / 1000).toFixed(1)}s, kubeconfig ${sim.kubeconfig}`);

  const env = {
    ...process.env,
    KUBECONFIG: sim.kubeconfig,
    XDG_STATE_HOME: join(work, 'state'),
    PATH: `${pluginDir}:${process.env.PATH ?? ''}`,
  };
  const run = (args: string[]) => execa('kubectl', args, { env, stdio: 'inherit', reject: false });
  try {
    banner('$ kubectl etcd-replace status');
    const before = await run(['etcd-replace', 'status']);
    console.log(`(exit code ${before.exitCode}: 3 means a replaceable member was found)`);

    banner('$ kubectl etcd-replace auto --yes');
    const auto = await run(['etcd-replace', 'auto', '--yes']);
    if (auto.exitCode !== 0) {
      console.error(`auto ended with exit code ${auto.exitCode}`);
      return auto.exitCode ?? 1;
    }

    banner('$ kubectl etcd-replace status');
    const after = await run(['etcd-replace', 'status']);
    banner(after.exitCode === 0 ? 'Demo done: the control plane is healthy again' : `status exit code ${after.exitCode}`);
    return after.exitCode ?? 1;
  } finally {
    await sim.stop();
  }
}

main().then(
  (code) => process.exit(code),
  (err) => {
    console.error(`demo failed: ${err instanceof Error ? err.message : String(err)}`);
    process.exit(1);
  },
);
