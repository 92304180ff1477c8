// `auto`: detect, show the plan, ask, run it, verify. Thin: the work is in lib/runbooks.
import { readFileSync } from 'node:fs';
import { Kube } from '../cluster/kubectl.ts';
import { readClusterState } from '../cluster/read.ts';
import { diagnose } from '../diagnose/diagnose.ts';
import { ExitCode, PluginError } from '../errors.ts';
import { liveMembers, peerHost } from '../runbooks/steps/shared.ts';
import { Journal, newestUnfinished, sanitizeCluster, stateRoot } from '../runbooks/journal.ts';
import { PlanError, buildPlan, planFacts } from '../runbooks/plan.ts';
import { runPlan } from '../runbooks/runner.ts';
import type { PlanFacts } from '../runbooks/step.ts';
import type { ClusterState, Diagnosis, EtcdMember } from '../types.ts';
import { BmhFileError, validateBmhManifest } from '../runbooks/baremetal-host.ts';

export interface AutoArgs {
  yes?: boolean;
  dryRun?: boolean;
  member?: string;
  resume?: boolean;
  junit?: string;
  step?: boolean;
  /** --bmh FILE: BareMetalHost + Secret manifest for new hardware (bare metal only) */
  bmh?: string;
  kubeconfig?: string;
  context?: string;
  client?: 'oc' | 'kubectl';
  noColor?: boolean;
  color?: boolean;
}

/** Is the journal's target still the member this cluster has (or had)? Reasons when not. */
export function revalidateTarget(members: EtcdMember[], f: PlanFacts): string[] {
  const m = members.find((x) => x.id === f.target.memberId);
  if (!m) return []; // already removed: later steps carry on
  const reasons: string[] = [];
  if (m.name && m.name !== f.target.node) reasons.push(`member ${m.id} is now named ${m.name}, the journal says ${f.target.node}`);
  if (!peerHost(m).includes(f.target.nodeIP)) reasons.push(`member ${m.id} now has peer URL(s) ${m.peerURLs.join(',')}, the journal says ${f.target.nodeIP}`);
  return reasons;
}

function readBmhFile(file: string): string {
  try {
    return readFileSync(file, 'utf8');
  } catch (e) {
    throw new PluginError(`cannot read --bmh file ${file}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`, { exitCode: ExitCode.Usage });
  }
}

/** The --bmh manifest checked against this cluster before anything changes (exit 2 with the reason). */
function checkBmh(file: string, text: string, state: ClusterState, d: Diagnosis): { host: any; secret: any } {
  const usage = (msg: string) => new PluginError(`--bmh ${file}: ${msg}`, { exitCode: ExitCode.Usage, hint: 'fix the file; nothing was changed' });
  if (state.platform !== 'BareMetal') throw usage(`--bmh applies only to bare-metal clusters (platform BareMetal); this one is ${state.platform ?? 'unknown'}`);
  if (d.scenario !== 'not-ready') throw usage(`--bmh applies when the member's machine is replaced; the diagnosis is ${d.scenario}`);
  const old = (state.hosts ?? []).find((h) => h.consumer === d.member?.machine);
  try {
    return validateBmhManifest(text, (state.hosts ?? []).filter((h) => h.name !== old?.name));
  } catch (e) {
    if (e instanceof BmhFileError) throw usage(e.message);
    throw e;
  }
}

async function clusterKey(kube: Kube): Promise<string> {
  const { server, context } = await kube.server();
  return sanitizeCluster(server ?? context ?? 'default');
}

export async function autoCommand(argv: AutoArgs): Promise<number> {
  const kube = new Kube({ client: argv.client, kubeconfig: argv.kubeconfig, context: argv.context });
  // a terminal we can draw spinners on (a pty without a size, e.g. under `script`, gets plain lines)
  const tty = Boolean(process.stdin.isTTY && process.stderr.isTTY && (process.stderr.columns ?? 0) > 0);
  const color = !argv.noColor && argv.color !== false && !process.env.NO_COLOR;
  const cli = `${kube.binary} etcd-replace`;
  const root = stateRoot();
  const cluster = await clusterKey(kube);
  const opts = { yes: Boolean(argv.yes), dryRun: Boolean(argv.dryRun), stepMode: Boolean(argv.step), tty, color, junit: argv.junit, cli };
  const err = (l: string) => void process.stderr.write(`${l}\n`);

  if (argv.resume && argv.bmh) {
    throw new PluginError('--bmh cannot be used with --resume: the journal already holds the host definition', { exitCode: ExitCode.Usage });
  }
  const bmhText = argv.bmh ? readBmhFile(argv.bmh) : undefined;
  if (argv.resume) {
    const dir = newestUnfinished(root, cluster);
    if (!dir) {
      throw new PluginError(`no unfinished etcd-replace run for this cluster under ${root}/${cluster}`, {
        hint: `run "${cli} auto" to start one`,
      });
    }
    const journal = Journal.load(dir);
    const f = journal.data.facts;
    const reasons = revalidateTarget(await liveMembers(kube, f.target.node), f);
    if (reasons.length) {
      err(`refused: the journal's target no longer matches the cluster: ${reasons.join('; ')}. Nothing was changed.`);
      return ExitCode.Refused;
    }
    const plan = buildPlan(kube, f);
    const ids = plan.steps.map((s) => s.id).join(',');
    if (ids !== journal.data.steps.map((s) => s.id).join(',')) {
      throw new PluginError(`journal ${dir} lists different steps than this version of the plugin would run`, { hint: 'finish it with the plugin version that started it' });
    }
    const first = journal.firstOpenStep();
    err(`resuming run ${journal.data.runId} at step ${first + 1}/${plan.steps.length}${plan.steps[first] ? ` (${plan.steps[first]!.id})` : ''}`);
    return runPlan(plan, kube, () => journal, opts);
  }

  const unfinished = newestUnfinished(root, cluster);
  if (unfinished && !argv.dryRun) {
    throw new PluginError(`an unfinished etcd-replace run exists for this cluster (${unfinished})`, {
      exitCode: ExitCode.Refused,
      hint: `run "${cli} auto --resume" to continue it`,
    });
  }

  const state = await readClusterState(kube);
  const d = diagnose(state, { member: argv.member });
  switch (d.scenario) {
    case 'healthy':
      process.stdout.write(`nothing to do: ${d.reasons[0] ?? 'every etcd member is healthy'}.\n`);
      return ExitCode.Ok;
    case 'quorum-lost':
    case 'unsafe':
      err(`refused (${d.scenario}): ${d.reasons.join('; ') || 'the cluster state cannot be judged safely'}. Nothing was changed.`);
      if (d.action) err(d.action);
      return ExitCode.Refused;
    default:
      break;
  }
  const bmh = argv.bmh && bmhText !== undefined ? checkBmh(argv.bmh, bmhText, state, d) : undefined;
  let facts: PlanFacts;
  try {
    facts = planFacts(state, d, new Date(), bmh ? { bmh } : {});
  } catch (e) {
    if (e instanceof PlanError) {
      err(`refused: ${e.message}. Nothing was changed.`);
      return ExitCode.Refused;
    }
    throw e;
  }
  const plan = buildPlan(kube, facts);
  if (unfinished) process.stdout.write(`note: an unfinished run exists (${unfinished}); a real run would refuse until it is resumed.\n`);
  return runPlan(plan, kube, () => Journal.create(root, cluster, facts, plan.steps), opts);
}
