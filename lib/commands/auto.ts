// `auto`: detect, show the plan, ask, run it, verify. Thin: the work is in lib/runbooks.
import { readFileSync } from 'node:fs';
import { Kube } from '../cluster/kubectl.ts';
import { clusterIdentity, type ClusterIdentity } from '../cluster/identity.ts';
import { RunLease, readLease, describeLease, leaseRefusal, expiredOther, takeOverQuestion, TAKE_OVER_DECLINED } from '../runbooks/lease.ts';
import { EventPoster } from '../runbooks/events.ts';
import { confirm as askTTY } from '../ui/prompt.ts';
import { colorAllowed, interactive } from '../ui/color.ts';
import { kubeOptions, type DryRun, type GlobalArgs } from './flags.ts';
import { connect } from './connect.ts';
import { diagnose } from '../diagnose/diagnose.ts';
import { backupForceReason, type OperatorProgress } from '../diagnose/backup-force.ts';
import { ExitCode, PluginError } from '../errors.ts';
import { liveMembers, peerHost, settledState } from '../runbooks/steps/shared.ts';
import { Journal, newestUnfinished, sanitizeCluster, stateRoot } from '../runbooks/journal.ts';
import { PlanError, buildPlan, planFacts, spareHosts } from '../runbooks/plan.ts';
import { finishHostRefusal } from '../runbooks/steps/baremetal.ts';
import { runPlan } from '../runbooks/runner.ts';
import { deleteLeftoverDebugPods } from '../cluster/hostcmd.ts';
import type { PlanFacts } from '../runbooks/step.ts';
import type { ClusterState, Condition, Diagnosis, EtcdMember } from '../types.ts';
import { BmhFileError, HOST_SECRETS_FILE, HOST_SECRETS_WHAT, toHostSecret, validateBmhManifest, type HostSecret } from '../runbooks/baremetal-host.ts';
import { runPreflight } from '../preflight/preflight.ts';
import { describeSource, readOffline } from '../offline/mustgather.ts';
import { diagnoseOffline } from '../offline/diagnose.ts';
import { readClusterState } from '../cluster/read.ts';

export interface AutoArgs extends GlobalArgs {
  yes?: boolean;
  dryRun?: DryRun | boolean;
  member?: string;
  resume?: boolean;
  junit?: string;
  step?: boolean;
  takeOver?: boolean;
  output?: 'json';
  /** --force-backup: take the backup even while an operator is progressing (cluster-backup.sh --force) */
  forceBackup?: boolean;
  /** --bmh FILE: BareMetalHost + Secret manifest for new hardware (bare metal only) */
  bmh?: string;
  color?: boolean;
  /** --from PATH (with --dry-run only): the plan for the cluster a must-gather shows */
  from?: string;
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
function checkBmh(file: string, text: string, state: ClusterState, d: Diagnosis): { host: any; secretName: string; secret: HostSecret } {
  const usage = (msg: string) => new PluginError(`--bmh ${file}: ${msg}`, { exitCode: ExitCode.Usage, hint: 'fix the file; nothing was changed' });
  if (state.platform !== 'BareMetal') throw usage(`--bmh applies only to bare-metal clusters (platform BareMetal); this one is ${state.platform ?? 'unknown'}`);
  if (d.scenario !== 'not-ready') throw usage(`--bmh applies when the member's machine is replaced; the diagnosis is ${d.scenario}`);
  // the host being replaced: the member's machine's; when finishing a half-done replacement, those no surviving master uses
  const old = new Set(d.partial?.memberRemoved ? spareHosts(state, d.partial).map((h) => h.name) : (state.hosts ?? []).filter((h) => h.consumer === d.member?.machine).map((h) => h.name));
  try {
    const m = validateBmhManifest(text, (state.hosts ?? []).filter((h) => !old.has(h.name)), state.release);
    // the Secret's data goes only to the run's secret file (Journal.saveSecret), never into the plan facts (journal.json)
    return { host: m.host, secretName: String(m.secret.metadata.name), secret: toHostSecret('bmc', m.secret) };
  } catch (e) {
    if (e instanceof BmhFileError) throw usage(e.message);
    throw e;
  }
}

/** The Progressing conditions of clusteroperator/etcd and kube-apiserver (what cluster-backup.sh checks), nulls when unread. */
async function operatorProgress(kube: Kube): Promise<OperatorProgress> {
  const r = await kube.run(['get', 'clusteroperators.v1.config.openshift.io', 'etcd', 'kube-apiserver', '-o', 'json'], { allowFailure: true, retries: 2 });
  const items: any[] = r.exitCode === 0 ? (JSON.parse(r.stdout).items ?? []) : [];
  const cond = (name: string): Condition | null => {
    const c = items.find((o) => o?.metadata?.name === name)?.status?.conditions?.find((x: any) => x.type === 'Progressing');
    return c ? { type: c.type, status: c.status, ...(c.reason ? { reason: c.reason } : {}), ...(c.message ? { message: c.message } : {}) } : null;
  };
  return { etcd: cond('etcd'), kubeApiserver: cond('kube-apiserver') };
}

async function clusterKey(kube: Kube): Promise<string> {
  const { server, context } = await kube.server();
  return sanitizeCluster(kube.opts.server ?? server ?? context ?? 'default');
}

/**
 * `auto --dry-run --from PATH`: the plan `auto` would run on the cluster a must-gather (or bundle) shows, from the same
 * diagnosis and plan code as live. Nothing is run: the adapter is offline (every call refused and counted), there is
 * no journal, lease, Event or preflight (its checks need the cluster).
 */
/** `-o json`'s last line, the run's result event; returns the exit code. */
function resultEvent(json: boolean): (code: number, status: string, extra?: object) => number {
  return (code, status, extra = {}) => {
    if (json) process.stdout.write(`${JSON.stringify({ time: new Date().toISOString(), event: 'result', status, exitCode: code, ...extra })}\n`);
    return code;
  };
}

/** The answer when the diagnosis leaves nothing to plan: healthy (exit 0) or refused (exit 4); null when a plan follows. */
function answerWithoutPlan(d: Diagnosis, json: boolean): number | null {
  const result = resultEvent(json);
  const err = (l: string) => void process.stderr.write(`${l}\n`);
  switch (d.scenario) {
    case 'healthy':
      if (!json) process.stdout.write(`nothing to do: ${d.reasons[0] ?? 'every etcd member is healthy'}.\n`);
      return result(ExitCode.Ok, 'healthy', { diagnosis: d });
    case 'quorum-lost':
    case 'unsafe':
      err(`refused (${d.scenario}): ${d.reasons.join('; ') || 'the cluster state cannot be judged safely'}. Nothing was changed.`);
      if (d.action) err(d.action);
      return result(ExitCode.Refused, 'refused', { diagnosis: d });
    default:
      return null;
  }
}

/** The plan's facts, or the refusal's exit code (4) when they cannot be made (a PlanError says why). */
async function factsOrRefusal(json: boolean, make: () => PlanFacts | Promise<PlanFacts>): Promise<PlanFacts | number> {
  try {
    return await make();
  } catch (e) {
    if (!(e instanceof PlanError)) throw e;
    process.stderr.write(`refused: ${e.message}. Nothing was changed.\n`);
    return resultEvent(json)(ExitCode.Refused, 'refused', { reasons: [e.message] });
  }
}

async function autoFrom(argv: AutoArgs): Promise<number> {
  const json = argv.output === 'json';
  const kube = new Kube({ ...kubeOptions(argv), offline: argv.from! });
  const say = (l: string) => void (json ? undefined : process.stdout.write(`${l}\n`));
  const read = await readOffline(argv.from!);
  const bmhText = argv.bmh ? readBmhFile(argv.bmh) : undefined;
  const { state, source } = read;
  say(`From ${describeSource(source)}: the plan auto would have run then. Nothing is run from a must-gather; the cluster may have changed since.`);
  for (const g of source.gaps) say(`  unknown: ${g.file}: ${g.what}`);
  if (read.lease?.holder && !read.lease.expired) say(`note: another etcd-replace run held the lease then: ${describeLease(read.lease, Date.parse(source.collectedUntil ?? '') || Date.now())}; a real run would have refused.`);
  const d = diagnoseOffline(state, source.gaps, { member: argv.member });
  const answered = answerWithoutPlan(d, json);
  if (answered !== null) return answered;
  const bmh = argv.bmh && bmhText !== undefined ? checkBmh(argv.bmh, bmhText, state, d) : undefined;
  const facts = await factsOrRefusal(json, () => {
    const backupForce = argv.forceBackup ? null : backupForceReason(state, d, read.progress);
    const at = source.collectedUntil ? new Date(source.collectedUntil) : new Date();
    return planFacts(state, d, at, { ...(bmh ? { bmh } : {}), ...(backupForce ? { backupForce } : {}) });
  });
  if (typeof facts === 'number') return facts;
  const plan = buildPlan(kube, facts);
  const cluster: ClusterIdentity = { server: read.server, context: null, user: null, clusterID: read.clusterID };
  say('preflight: not run (its checks ask the cluster: permissions, debug pods, disk space, alarms)');
  return runPlan(plan, kube, () => {
    throw new PluginError('internal error: no journal is opened from a must-gather');
  }, {
    yes: false,
    dryRun: 'client',
    stepMode: false,
    tty: false,
    color: false,
    cli: `${kube.binary} etcd-replace`,
    forceBackup: Boolean(argv.forceBackup),
    json,
    cluster,
  });
}

export async function autoCommand(argv: AutoArgs): Promise<number> {
  if (argv.from !== undefined) return autoFrom(argv);
  const kube = connect(argv);
  const json = argv.output === 'json';
  // a terminal we can draw spinners on (a pty without a size, e.g. under `script`, gets plain lines); TERM=dumb cannot redraw
  const tty = interactive();
  const color = colorAllowed(process.stderr, argv.noColor === true || argv.color === false);
  const cli = `${kube.binary} etcd-replace`;
  const root = stateRoot();
  const cluster = await clusterKey(kube);
  const dryRun: DryRun = argv.dryRun === true ? 'client' : argv.dryRun === false || argv.dryRun === undefined ? 'none' : argv.dryRun;
  const err = (l: string) => void process.stderr.write(`${l}\n`);
  const result = resultEvent(json);
  let identity: ClusterIdentity | undefined;
  // the lease before anything else of a real run: one it refuses (held by another run, or expired without
  // --take-over) writes nothing, not even the preflight's probe pod. `runId`: a resumed run's, which may hold it.
  // Unreadable here (no permission, a transient error): the preflight's permissions check names what is missing, and
  // taking the lease reads it again before the first change.
  // An expired lease with --take-over is asked about on a terminal here too, before anything is written (taking it
  // asks again only if another run's lease is there by then).
  let takeOverAgreed: string | null = null;
  const leaseRefused = async (runId?: string): Promise<number | null> => {
    const lease = await readLease(kube).catch(() => null);
    const refusal = leaseRefusal(lease, { runId, takeOver: argv.takeOver, cli });
    const refuse = (e: PluginError, l: { holder: string; acquireTime: string | null }) => {
      err(`error: ${e.line()}`);
      return result(e.exitCode, 'refused', { error: e.message, lease: { holder: l.holder, since: l.acquireTime } });
    };
    if (refusal && lease) return refuse(refusal, lease);
    if (tty && expiredOther(lease, runId)) {
      if (!(await askTTY(takeOverQuestion(lease)))) return refuse(new PluginError(TAKE_OVER_DECLINED, { exitCode: ExitCode.Refused, hint: 'nothing was changed' }), lease);
      takeOverAgreed = lease.holder;
    }
    return null;
  };
  const coordination = (member: string) => ({
    lease: (runId: string) =>
      RunLease.acquire(kube, {
        runId,
        clusterUser: identity?.user,
        member,
        takeOver: argv.takeOver,
        // on a terminal the take-over is always asked, --yes or not; without one, --take-over is the answer
        confirm: tty ? (q: string, holder: string) => (holder === takeOverAgreed ? Promise.resolve(true) : askTTY(q)) : undefined,
        cli,
      }),
    events: (holder: string) => new EventPoster(kube, holder),
  });
  const opts = (member: string) => ({
    yes: Boolean(argv.yes),
    dryRun,
    // debug pods a killed run left behind (found by label), once this run holds the lease, and again at its end
    sweep: async (note: (l: string) => void) => void (await deleteLeftoverDebugPods(kube, (l) => note(`note: ${l}`))),
    stepMode: Boolean(argv.step),
    tty,
    color,
    junit: argv.junit,
    cli,
    forceBackup: Boolean(argv.forceBackup),
    json,
    cluster: identity,
    ...coordination(member),
  });

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
    if (dryRun === 'none') {
      const refused = await leaseRefused(journal.data.runId);
      if (refused !== null) return refused;
    }
    const [members, id] = await Promise.all([liveMembers(kube, f.target.node), clusterIdentity(kube)]);
    identity = id;
    const reasons = revalidateTarget(members, f);
    if (reasons.length) {
      err(`refused: the journal's target no longer matches the cluster: ${reasons.join('; ')}. Nothing was changed.`);
      return result(ExitCode.Refused, 'refused', { reasons });
    }
    const plan = buildPlan(kube, f);
    const ids = plan.steps.map((s) => s.id).join(',');
    if (ids !== journal.data.steps.map((s) => s.id).join(',')) {
      throw new PluginError(`journal ${dir} lists different steps than this version of the plugin would run`, { hint: 'finish it with the plugin version that started it' });
    }
    const first = journal.firstOpenStep();
    const done = new Set(journal.data.steps.filter((s) => s.status === 'done' || s.status === 'skipped').map((s) => s.id));
    // the backup's space check needs the members' DB sizes (etcdctl endpoint status), which liveMembers does not read:
    // a run stopped before its backup finished would otherwise be refused on every resume
    let sized = members;
    if (!done.has('backup')) {
      const s = await readClusterState(kube).catch(() => null);
      if (s?.members.some((m) => m.dbSizeBytes !== undefined)) sized = s.members;
    }
    plan.preflight = await runPreflight(kube, f, plan.steps, { members: sized }, { from: first, done, dryRun, user: identity?.user ?? undefined });
    err(`resuming run ${journal.data.runId} at step ${first + 1}/${plan.steps.length}${plan.steps[first] ? ` (${plan.steps[first]!.id})` : ''}`);
    return runPlan(plan, kube, () => journal, opts(f.target.memberId || f.target.node || 'finish'));
  }

  const unfinished = newestUnfinished(root, cluster);
  if (unfinished && dryRun === 'none') {
    throw new PluginError(`an unfinished etcd-replace run exists for this cluster (${unfinished})`, {
      exitCode: ExitCode.Refused,
      hint: `run "${cli} auto --resume" to continue it`,
    });
  }

  if (dryRun === 'none') {
    const refused = await leaseRefused();
    if (refused !== null) return refused;
  }
  const [state, id, lease] = await Promise.all([settledState(kube), clusterIdentity(kube), dryRun === 'none' ? null : readLease(kube).catch(() => null)]);
  identity = id;
  if (lease && lease.holder && !lease.expired) {
    // another run is replacing a member right now: its changes make this diagnosis meaningless
    if (!json) process.stdout.write(`note: another etcd-replace run holds the lease openshift-etcd/etcd-replace: ${describeLease(lease)}; a real run would refuse.\n`);
  }
  const d = diagnose(state, { member: argv.member });
  const answered = answerWithoutPlan(d, json);
  if (answered !== null) return answered;
  const bmh = argv.bmh && bmhText !== undefined ? checkBmh(argv.bmh, bmhText, state, d) : undefined;
  const facts = await factsOrRefusal(json, async () => {
    const backupForce = argv.forceBackup ? null : backupForceReason(state, d, await operatorProgress(kube));
    const f = planFacts(state, d, new Date(), { ...(bmh ? { bmh: { host: bmh.host, secretName: bmh.secretName } } : {}), ...(backupForce ? { backupForce } : {}) });
    const noHost = await finishHostRefusal(kube, f);
    if (noHost) throw new PlanError(noHost);
    return f;
  });
  if (typeof facts === 'number') return facts;
  const plan = buildPlan(kube, facts);
  // without --yes and without a terminal the runner stops before anything (exit 2): no preflight then (it starts pods)
  if (dryRun !== 'none' || argv.yes || tty) plan.preflight = await runPreflight(kube, facts, plan.steps, state, { dryRun, user: identity?.user ?? undefined });
  if (unfinished && !json) process.stdout.write(`note: an unfinished run exists (${unfinished}); a real run would refuse until it is resumed.\n`);
  const open = () => {
    const j = Journal.create(root, cluster, facts, plan.steps);
    if (bmh) j.saveSecret(HOST_SECRETS_FILE, { secrets: [bmh.secret] }, HOST_SECRETS_WHAT);
    return j;
  };
  return runPlan(plan, kube, open, opts(facts.target.memberId || facts.target.node || 'finish'));
}
