// Shell completion for kubectl's plugin completion (kubectl ≥ 1.26, kubernetes/kubernetes#105867,
// staging/src/k8s.io/kubectl/pkg/cmd/plugin_completion.go): on TAB after `kubectl etcd-replace …`, kubectl runs the
// executable `kubectl_complete-etcd_replace` found on PATH (`oc_complete-etcd_replace` for oc) with the words typed
// after the plugin name, the last one being the word to complete ("" for a new word). It prints one completion per
// line (`word<TAB>description` allowed) and may end with `:<N>`, a cobra ShellCompDirective (4 = no file names).
// Answers come from the same yargs definitions as the CLI (main.ts buildParser).
import yargs from 'yargs';
import { COMMAND_FLAGS } from './main.ts';
import { PLUGIN_NAMESPACES, globalArgs, globalFlags, kubeOptions } from './commands/flags.ts';

const DIRECTIVE_DEFAULT = 0; // the shell completes file names
const DIRECTIVE_NO_FILE = 4;

/** flags whose value is a file name: let the shell complete files */
const FILE_FLAGS = new Set(['--kubeconfig', '--junit', '--bmh', '--from', '--certificate-authority', '--client-certificate', '--client-key', '--cache-dir']);

export function isCompletionInvocation(names: string[]): boolean {
  return names.some((n) => /^(kubectl|oc)_complete-etcd_replace(\.js|\.ts)?$/.test(n));
}

interface YargsOptions { key: Record<string, unknown>; alias: Record<string, string[]>; choices: Record<string, unknown[]> }

/** The options yargs knows for a command (global ones + its own), or the global ones alone. */
function optionsOf(command: keyof typeof COMMAND_FLAGS | undefined): YargsOptions {
  const y = globalFlags(yargs([]));
  return ((command ? COMMAND_FLAGS[command](y as never) : y) as unknown as { getOptions(): YargsOptions }).getOptions();
}

/** Completions for `words` (the last one is being completed), and the cobra directive. */
export async function completions(words: string[], env: NodeJS.ProcessEnv = process.env): Promise<{ items: string[]; directive: number }> {
  let all = words.length ? words : [''];
  // `--flag=<TAB>`: complete the value after the `=` as for `--flag <TAB>` (cobra's bash and zsh scripts put the
  // `--flag=` back in front of each answer themselves)
  const eq = all[all.length - 1]!.match(/^(--?[A-Za-z][\w-]*)=(.*)$/s);
  if (eq) all = [...all.slice(0, -1), eq[1]!, eq[2]!];
  const current = all[all.length - 1]!;
  const prev = all[all.length - 2];
  if (prev && FILE_FLAGS.has(prev)) return { items: [], directive: DIRECTIVE_DEFAULT };
  if (prev === 'bundle' && !current.startsWith('-')) return { items: [], directive: DIRECTIVE_DEFAULT };
  if (prev === '--context') {
    // the contexts of the kubeconfig in use (a local read through the adapter)
    const before = globalFlags(yargs(all.slice(0, -2))).help(false).version(false).exitProcess(false).parseSync();
    const { Kube } = await import('./cluster/kubectl.ts'); // only here: completion must not load the adapter
    const kube = new Kube({ ...kubeOptions(globalArgs(before as Record<string, unknown>)), context: undefined, env });
    const r = await kube.run(['config', 'get-contexts', '-o', 'name'], { allowFailure: true, timeoutMs: 5000 }).catch(() => null);
    const names = (r?.exitCode === 0 ? r.stdout : '').split('\n').filter((n) => n && n.startsWith(current));
    return { items: names, directive: DIRECTIVE_NO_FILE };
  }
  if (prev === '--dry-run') return { items: ['client', 'server', 'none'].filter((v) => v.startsWith(current)), directive: DIRECTIVE_NO_FILE };
  if (prev === '-n' || prev === '--namespace') return { items: PLUGIN_NAMESPACES.filter((v) => v.startsWith(current)), directive: DIRECTIVE_NO_FILE };
  if (prev === '--client') return { items: ['oc', 'kubectl'].filter((v) => v.startsWith(current)), directive: DIRECTIVE_NO_FILE };
  const command = all.slice(0, -1).find((w) => w in COMMAND_FLAGS) as keyof typeof COMMAND_FLAGS | undefined;
  if (prev === '-o' || prev === '--output') {
    // the command's own -o choices (status: table|json|yaml; auto, version: json)
    const choices = command ? (optionsOf(command).choices.output ?? []) : [];
    return { items: choices.map(String).filter((v) => v.startsWith(current)), directive: DIRECTIVE_NO_FILE };
  }
  let items: string[];
  if (current.startsWith('-')) {
    // the flags yargs knows for this command: global ones + the command's own
    const opts = optionsOf(command);
    const aliases = new Set(Object.values(opts.alias ?? {}).flat());
    items = Object.keys(opts.key)
      .filter((f) => f !== 'help' && f !== 'version' && !aliases.has(f) && !/[A-Z]/.test(f) && f.length > 1)
      .map((f) => `--${f}`);
    if (!command) items.push('--help');
  } else if (!command) {
    items = Object.keys(COMMAND_FLAGS);
  } else items = [];
  items = items.filter((c) => c.startsWith(current));
  return { items, directive: DIRECTIVE_NO_FILE };
}

/** Entry for the completion executables: prints the completions and the directive line. */
export async function completeMain(words: string[]): Promise<number> {
  try {
    const { items, directive } = await completions(words);
    process.stdout.write(items.map((i) => `${i}\n`).join('') + `:${directive}\n`);
    return 0;
  } catch {
    process.stdout.write(`:${DIRECTIVE_NO_FILE}\n`);
    return 0;
  }
}
