// Entry point: `kubectl etcd-replace <status|auto|version>` (also `oc etcd-replace`).
// Global flags are parsed here (kubectl refuses flags before a plugin name): --kubeconfig --context --client --no-color.
// Exit codes (interface.md): 0 ok/healthy, 1 error, 2 bad usage, 3 replaceable member found, 4 refused, 5 interrupted.
import { realpathSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import yargs from 'yargs';
import { ExitCode, PluginError, errorLine, exitCodeOf, oneLine } from './errors.ts';
import { statusCommand, type OutputFormat } from './commands/status.ts';
import { versionCommand } from './commands/version.ts';
import { autoCommand } from './commands/auto.ts';

class UsageError extends Error {}

const CLIENTS = ['oc', 'kubectl'] as const;
const OUTPUTS = ['table', 'json', 'yaml'] as const;

function usageLine(msg: string): string {
  const m = msg.match(/^Invalid values:\s*Argument: (\S+), Given: (.*), Choices: (.*)$/s);
  if (m) {
    const flag = m[1] === 'output' ? '-o/--output' : `--${m[1]}`;
    return `invalid value ${oneLine(m[2])} for ${flag}: choose one of ${oneLine(m[3])}`;
  }
  return oneLine(msg);
}

/** Runs the CLI; resolves to the process exit code (never calls process.exit itself). */
export async function main(args: string[]): Promise<number> {
  let code: number = ExitCode.Ok;
  let ran = false;
  const y = yargs(args)
    .scriptName('kubectl etcd-replace')
    .usage('$0 <command> [flags]\n\nReplaces an unhealthy etcd member of an OpenShift 4 control plane, safely.')
    .option('kubeconfig', { type: 'string', describe: 'path to the kubeconfig file (default: $KUBECONFIG or ~/.kube/config)', global: true })
    .option('context', { type: 'string', describe: 'the kubeconfig context to use', global: true })
    .option('client', { choices: CLIENTS, describe: 'the client binary to run (default: oc when on PATH, else kubectl)', global: true })
    .option('color', { type: 'boolean', default: true, describe: 'colored output on a terminal (--no-color to disable)', global: true })
    .command(
      'status',
      'show the etcd control plane and the diagnosis',
      (c) => c.option('output', { alias: 'o', choices: OUTPUTS, default: 'table' as OutputFormat, describe: 'output format' }),
      async (a) => {
        ran = true;
        code = await statusCommand({
          output: a.output as OutputFormat,
          kubeconfig: a.kubeconfig,
          context: a.context,
          client: a.client as 'oc' | 'kubectl' | undefined,
          noColor: a.color === false,
          color: a.color,
        });
      },
    )
    .command(
      'auto',
      'detect, show the plan, ask, replace the unhealthy member, verify',
      (c) =>
        c
          .option('yes', { type: 'boolean', default: false, describe: 'answer yes to the confirmation (required without a terminal)' })
          .option('dry-run', { type: 'boolean', default: false, describe: 'print the plan and change nothing' })
          .option('member', { type: 'string', describe: 'the etcd member (name) to replace; a healthy member is still refused' })
          .option('resume', { type: 'boolean', default: false, describe: 'continue the newest unfinished run from its journal' })
          .option('junit', { type: 'string', describe: 'write a JUnit report (one test case per step) to FILE', requiresArg: true })
          .option('step', { type: 'boolean', default: false, describe: 'ask again before each destructive step' })
          .option('bmh', { type: 'string', requiresArg: true, describe: 'bare metal: a BareMetalHost + BMC Secret manifest (FILE) for new hardware; default: the same host re-provisioned' }),
      async (a) => {
        ran = true;
        code = await autoCommand({
          yes: a.yes,
          dryRun: a.dryRun,
          member: a.member,
          resume: a.resume,
          junit: a.junit,
          step: a.step,
          bmh: a.bmh as string | undefined,
          kubeconfig: a.kubeconfig,
          context: a.context,
          client: a.client as 'oc' | 'kubectl' | undefined,
          noColor: a.color === false,
          color: a.color,
        });
      },
    )
    .command('version', 'print the plugin version, commit and Node runtime', {}, () => {
      ran = true;
      code = versionCommand();
    })
    .demandCommand(1, 'a command is required: status, auto or version')
    .strict()
    .version(false)
    .help()
    .alias('h', 'help')
    .wrap(Math.min(110, process.stdout.columns || 100))
    .exitProcess(false)
    .fail((msg, err) => {
      if (err) throw err;
      throw new UsageError(msg ?? 'bad usage');
    });
  try {
    await y.parseAsync();
  } catch (err) {
    if (err instanceof UsageError) {
      process.stderr.write(`error: ${usageLine(err.message)}. Run "kubectl etcd-replace --help" for usage.\n`);
      return ExitCode.Usage;
    }
    if (err instanceof PluginError) {
      process.stderr.write(`${errorLine(err)}\n`);
      return err.exitCode;
    }
    process.stderr.write(`${errorLine(err)}\n`);
    if (process.env.ETCD_REPLACE_DEBUG && err instanceof Error && err.stack) process.stderr.write(`${err.stack}\n`);
    return exitCodeOf(err);
  }
  if (!ran) return ExitCode.Ok; // --help
  return code;
}

function isEntry(): boolean {
  if (process.env.ETCD_REPLACE_BUNDLED === '1') return true;
  const argv1 = process.argv[1];
  if (!argv1) return false;
  try {
    return realpathSync(argv1) === realpathSync(fileURLToPath(import.meta.url));
  } catch {
    return false;
  }
}

/** Runs main() with the process arguments and sets the exit code (used by lib/main.ts as entry and by bin/). */
export function run(): void {
  // `oc etcd-replace status -o json | head`: a reader that closes the pipe early is not an error of ours.
  for (const stream of [process.stdout, process.stderr]) {
    stream.on('error', (err: NodeJS.ErrnoException) => {
      if (err.code === 'EPIPE') process.exit(process.exitCode ?? 0);
      throw err;
    });
  }
  main(process.argv.slice(2)).then(
    (c) => {
      process.exitCode = c;
    },
    (err) => {
      process.stderr.write(`${errorLine(err)}\n`);
      process.exitCode = ExitCode.Error;
    },
  );
}

if (isEntry()) run();
