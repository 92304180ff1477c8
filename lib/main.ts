// Entry point: `kubectl etcd-replace <status|auto|bundle|version>` (also `oc etcd-replace`).
// kubectl does not parse flags for a plugin: the kubectl connection flags are parsed here (commands/flags.ts) and
// forwarded to every oc/kubectl call. Invoked as `kubectl_complete-etcd_replace` / `oc_complete-etcd_replace`
// (or with `__complete` first) it answers shell completion for kubectl's plugin completion (lib/complete.ts).
// Exit codes (interface.md): 0 ok/healthy, 1 error, 2 bad usage, 3 replaceable member found, 4 refused, 5 interrupted.
// Fast start (npm run bench): help, usage errors and completion load only yargs and the flag definitions; each
// command's module (and with it execa, ora, table, yaml…) is imported when that command runs.
import { realpathSync } from 'node:fs';
import { basename } from 'node:path';
import { fileURLToPath } from 'node:url';
import yargs, { type Argv } from 'yargs';
import { ExitCode, PluginError, errorLine, exitCodeOf, oneLine } from './errors.ts';
import type { OutputFormat } from './commands/status.ts';
import { FlagError, GLOBAL_KEYS, PLUGIN_NAMESPACES, checkGlobalFlags, globalArgs, globalFlags, parseDryRun } from './commands/flags.ts';
import { which } from './cluster/which.ts';
import { completeMain, isCompletionInvocation } from './complete.ts';

class UsageError extends Error {}

const OUTPUTS = ['table', 'json', 'yaml'] as const;

function usageLine(msg: string, args: readonly string[] = []): string {
  const m = msg.match(/^Invalid values:\s*Argument: (\S+), Given: (.*), Choices: (.*)$/s);
  if (m) {
    const flag = m[1] === 'output' ? '-o/--output' : `--${m[1]}`;
    return `invalid value ${oneLine(m[2])} for ${flag}: choose one of ${oneLine(m[3])}`;
  }
  const nargs = msg.match(/^Not enough arguments following: (\S+)$/);
  if (nargs) return `--${nargs[1]} needs a value`;
  const conflict = msg.match(/^Arguments (\S+) and (\S+) are mutually exclusive$/);
  if (conflict) return `--${conflict[1]} and --${conflict[2]} cannot be used together`;
  // yargs: "Unknown argument: n" / "Unknown arguments: n, foo" / "Unknown command: x" -> kubectl's spelling
  const unknown = msg.match(/^Unknown arguments?: (.*)$/s);
  if (unknown) {
    const words = unknown[1]!.split(/,\s*/);
    const word = words.find((w) => args.includes(w));
    if (word !== undefined) return `unknown command or argument "${word}": the commands are status, auto, bundle and version`;
    const names = words.map((n) => (n.length === 1 ? `-${n}` : `--${n}`));
    return `unknown flag${names.length > 1 ? 's' : ''}: ${names.join(', ')}`;
  }
  const unknownCmd = msg.match(/^Unknown command: (.*)$/s);
  if (unknownCmd) return `unknown command "${oneLine(unknownCmd[1]!)}": choose one of status, auto, bundle, version`;
  const text = oneLine(msg);
  return text.charAt(0).toLowerCase() + text.slice(1);
}

/**
 * How the user runs us, for help and hints: `oc etcd-replace` or `kubectl etcd-replace`, by the client in use (the one
 * every call goes through: --client, else oc when on PATH, else kubectl; as Kube resolves it).
 */
export function commandName(args: readonly string[], env: NodeJS.ProcessEnv = process.env): string {
  let client: string | undefined;
  args.forEach((a, i) => {
    if (a === '--client') client = args[i + 1];
    else if (a.startsWith('--client=')) client = a.slice('--client='.length);
  });
  if (client !== 'oc' && client !== 'kubectl') client = which('oc', env) ? 'oc' : 'kubectl';
  return `${client} etcd-replace`;
}

let k = 'kubectl etcd-replace';

/** Each command's flags and examples (also read by shell completion). */
export const statusFlags = <T>(c: Argv<T>) =>
  c
    .option('output', { alias: 'o', choices: OUTPUTS, default: 'table' as OutputFormat, requiresArg: true, describe: 'output format' })
    .option('from', { type: 'string', requiresArg: true, describe: 'read a must-gather (folder, or .tar/.tar.gz) or a bundle instead of the cluster' })
    .example(`${k} status`, 'members, pods, nodes, machines, secrets, operator conditions and the diagnosis')
    .example(`${k} status --from must-gather.local.5421`, 'the same screen and diagnosis from a must-gather, without a cluster')
    .example(`${k} status -o json | jq .diagnosis`, 'the diagnosis for a script (exit 3: a replaceable member)')
    .example(`${k} --context admin --as system:admin status`, 'another context, impersonating system:admin');

export const autoFlags = <T>(c: Argv<T>) =>
  c
    .option('yes', { type: 'boolean', default: false, describe: 'answer yes to the confirmation (required without a terminal)' })
    .option('dry-run', {
      type: 'string',
      describe: 'client (or the bare flag): print the plan, change nothing; server: also submit every API write with --dry-run=server; none: a real run',
    })
    .option('member', { type: 'string', requiresArg: true, describe: 'the etcd member (name) to replace; a healthy member is still refused' })
    .option('resume', { type: 'boolean', describe: 'continue the newest unfinished run from its journal' })
    .option('junit', { type: 'string', requiresArg: true, describe: 'write a JUnit report (one test case per step) to FILE' })
    .option('step', { type: 'boolean', default: false, describe: 'ask again before each destructive step' })
    .option('force-backup', { type: 'boolean', default: false, describe: 'take the etcd backup even while an operator is progressing (cluster-backup.sh --force; marked __POSSIBLY_DIRTY__)' })
    .option('take-over', { type: 'boolean', default: false, describe: 'take over the expired lease of another run (asks first; --yes is not enough)' })
    .option('output', { alias: 'o', choices: ['json'] as const, requiresArg: true, describe: 'json: one JSON object per line for each step event and the result' })
    .option('bmh', { type: 'string', requiresArg: true, describe: 'bare metal: a BareMetalHost + BMC Secret manifest (FILE) for new hardware; default: the same host re-provisioned' })
    .option('from', { type: 'string', requiresArg: true, describe: 'with --dry-run only: the plan for the cluster a must-gather (or bundle) shows; no cluster call' })
    .conflicts('resume', 'member')
    .example(`${k} auto`, 'detect, show the plan, ask once, run it')
    .example(`${k} auto --dry-run`, 'print the plan only (same as --dry-run=client)')
    .example(`${k} auto --dry-run=server`, 'print the plan and have the API server check every write without persisting it')
    .example(`${k} auto --yes -o json`, 'no prompt, one JSON event per line (for automation)')
    .example(`${k} auto --resume`, 'continue an interrupted run from its journal')
    .example(`${k} auto --dry-run --from case-0123-must-gather.tar.gz`, 'the plan auto would run on the cluster of that must-gather');

export const bundleFlags = <T>(c: Argv<T>) =>
  c
    .positional('file', { type: 'string', describe: 'archive to write (default: etcd-replace-bundle-<time>.tar.gz)' })
    .example(`${k} bundle`, 'write etcd-replace-bundle-<time>.tar.gz in the current folder')
    .example(`${k} bundle /tmp/case-0123.tar.gz`, 'write it there, to attach to a support case');

export const versionFlags = <T>(c: Argv<T>) =>
  c
    .option('output', { alias: 'o', choices: ['json'] as const, requiresArg: true, describe: 'json: {"version","commit","node"}' })
    .example(`${k} version`, 'one line')
    .example(`${k} version -o json`, 'for scripts');

export const COMMAND_FLAGS = { status: statusFlags, auto: autoFlags, bundle: bundleFlags, version: versionFlags } as const;

/** A command's own flags under "Flags:", listed before the global ones (yargs lists a command's groups first). */
function ownFlagsFirst<T>(c: Argv<T>): Argv<T> {
  const opts = (c as unknown as { getOptions(): { key: Record<string, unknown>; alias: Record<string, string[]> } }).getOptions();
  const globals = new Set<string>(GLOBAL_KEYS);
  for (const key of GLOBAL_KEYS) for (const a of opts.alias[key] ?? []) globals.add(a);
  const own = Object.keys(opts.key).filter((key) => !globals.has(key) && key !== 'help' && key !== 'version' && !/[A-Z]/.test(key) && key !== '$0');
  return c.group([...own, 'help'], 'Flags:');
}

export interface Handlers {
  ran: boolean;
  code: number;
}

/** The yargs parser (also used by shell completion, which must answer from the same definitions). */
export function buildParser(args: string[], h: Handlers = { ran: false, code: ExitCode.Ok }, name = 'kubectl etcd-replace'): Argv {
  k = name;
  const y = globalFlags(yargs(args))
    .scriptName(k)
    .usage('$0 <command> [flags]\n\nReplaces an unhealthy etcd member of an OpenShift 4 control plane, safely.')
    .middleware((a) => {
      try {
        checkGlobalFlags(a);
        if (a.namespace !== undefined) process.stderr.write(`note: -n is not needed: the plugin always works in ${PLUGIN_NAMESPACES.join(' and ')}\n`);
      } catch (err) {
        if (err instanceof FlagError) throw new UsageError(err.message);
        throw err;
      }
    }, true)
    .command(
      'status',
      'show the etcd control plane and the diagnosis',
      (c) => ownFlagsFirst(statusFlags(c)),
      async (a) => {
        h.ran = true;
        if (a.from !== undefined && String(a.from).trim() === '') throw new UsageError('--from needs a value');
        const { statusCommand } = await import('./commands/status.ts');
        h.code = await statusCommand({ ...globalArgs(a), output: a.output as OutputFormat, color: a.color, ...(a.from !== undefined ? { from: String(a.from) } : {}) });
      },
    )
    .command(
      'auto',
      'detect, show the plan, ask, replace the unhealthy member, verify',
      (c) => ownFlagsFirst(autoFlags(c)),
      async (a) => {
        h.ran = true;
        let dryRun;
        try {
          dryRun = parseDryRun(a.dryRun);
        } catch (err) {
          throw new UsageError((err as Error).message);
        }
        for (const f of ['member', 'junit', 'bmh', 'from'] as const) if (a[f] !== undefined && String(a[f]).trim() === '') throw new UsageError(`--${f} needs a value`);
        if (a.from !== undefined) {
          // a must-gather is a picture of the past: only the plan can be shown from it, never run
          if (dryRun !== 'client') throw new UsageError('--from works only with --dry-run (or --dry-run=client): a plan from a must-gather can be shown, never run');
          for (const f of ['resume', 'junit', 'step', 'takeOver'] as const) {
            if (a[f]) throw new UsageError(`--from cannot be used with --${f === 'takeOver' ? 'take-over' : f}: it only prints the plan (--dry-run)`);
          }
        }
        const { autoCommand } = await import('./commands/auto.ts');
        h.code = await autoCommand({
          ...globalArgs(a),
          yes: a.yes,
          dryRun,
          member: a.member,
          resume: a.resume,
          junit: a.junit,
          step: a.step,
          forceBackup: a.forceBackup as boolean,
          bmh: a.bmh as string | undefined,
          takeOver: a.takeOver,
          output: a.output === 'json' ? 'json' : undefined,
          color: a.color,
          ...(a.from !== undefined ? { from: String(a.from) } : {}),
        });
      },
    )
    .command(
      'bundle [file]',
      'write a support archive (tar.gz): newest journal, status, the objects read, Secret data removed',
      (c) => ownFlagsFirst(bundleFlags(c)),
      async (a) => {
        h.ran = true;
        const { bundleCommand } = await import('./commands/bundle.ts');
        h.code = await bundleCommand({ ...globalArgs(a), file: a.file });
      },
    )
    .command(
      'version',
      'print the plugin version, commit and Node runtime',
      (c) => ownFlagsFirst(versionFlags(c)),
      async (a) => {
        h.ran = true;
        const { versionCommand } = await import('./commands/version.ts');
        h.code = versionCommand({ output: a.output });
      },
    )
    .demandCommand(1, 'a command is required: status, auto, bundle or version')
    .example(`${k} status`, 'what is wrong, and what auto would do')
    .example(`${k} auto`, 'replace the unhealthy member (shows the plan and asks first)')
    .example(`${k} --kubeconfig ./auth/kubeconfig status`, 'a cluster by its installer kubeconfig')
    .strict()
    .version(false)
    .help()
    .alias('h', 'help')
    .wrap(Math.min(120, process.stdout.columns || 120))
    .exitProcess(false)
    .fail((msg, err) => {
      if (err && err.name === 'YError') throw new UsageError(err.message); // yargs' own validation (nargs, conflicts…)
      if (err) throw err;
      throw new UsageError(msg ?? 'bad usage');
    });
  return y;
}

/** Runs the CLI; resolves to the process exit code (never calls process.exit itself). */
export async function main(args: string[]): Promise<number> {
  const h: Handlers = { ran: false, code: ExitCode.Ok };
  // kubectl's habits: no arguments shows the help (exit 0); --version alone is the version command
  if (args.length === 0) args = ['--help'];
  if (args.length === 1 && args[0] === '--version') args = ['version'];
  try {
    await buildParser(args, h, commandName(args)).parseAsync();
  } catch (err) {
    if (err instanceof UsageError) {
      process.stderr.write(`error: ${usageLine(err.message, args)}. Run "${commandName(args)} --help" for usage.\n`);
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
  if (!h.ran) return ExitCode.Ok; // --help
  return h.code;
}

function isEntry(): boolean {
  if (process.env.ETCD_REPLACE_BUNDLED === '1') return false; // the executable's main script calls run() (scripts/build-binary.ts SEA_MAIN)
  const argv1 = process.argv[1];
  if (!argv1) return false;
  try {
    return realpathSync(argv1) === realpathSync(fileURLToPath(import.meta.url));
  } catch {
    return false;
  }
}

/**
 * One invocation: shell completion when asked for (`__complete …`, or run as `kubectl_complete-etcd_replace`), else
 * the CLI; resolves to the exit code. The executable's build also runs it to warm its code cache (build-binary.ts).
 */
export function invoke(args: string[], invokedAs: string[]): Promise<number> {
  if (args[0] === '__complete' || isCompletionInvocation(invokedAs)) return completeMain(args[0] === '__complete' ? args.slice(1) : args);
  return main(args);
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
  const invokedAs = [process.argv0, process.argv[1]].filter(Boolean).map((p) => basename(p!));
  invoke(process.argv.slice(2), invokedAs).then(
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
