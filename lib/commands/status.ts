// `status [-o table|json|yaml]`: read the cluster, diagnose, print. Thin: reading in lib/cluster, judging in
// lib/diagnose, rendering in lib/ui/table.ts.
import { stringify } from 'yaml';
import { readClusterState } from '../cluster/read.ts';
import { describeLease, readLease, type LeaseInfo } from '../runbooks/lease.ts';
import type { GlobalArgs } from './flags.ts';
import { connect } from './connect.ts';
import { diagnose } from '../diagnose/diagnose.ts';
import { topologyLabel } from '../diagnose/topology.ts';
import { ExitCode } from '../errors.ts';
import { renderStatus } from '../ui/table.ts';
import { useColor } from '../ui/color.ts';
import type { ClusterState, Diagnosis, Scenario } from '../types.ts';
import { DEBUG_NS, findDebugPods, type DebugPod } from '../cluster/hostcmd.ts';
import { describeSource, readOffline, type OfflineSource } from '../offline/mustgather.ts';
import { diagnoseOffline } from '../offline/diagnose.ts';

export type OutputFormat = 'table' | 'json' | 'yaml';

export interface StatusArgs extends GlobalArgs {
  output?: OutputFormat;
  /** --from PATH: a must-gather (folder or .tar/.tar.gz) or a bundle instead of the cluster */
  from?: string;
  member?: string;
  color?: boolean;
}

/** The `replacement` part of status: the lease of a run in progress (or expired), null when none. */
export function replacementOf(l: LeaseInfo | null) {
  if (!l || !l.holder) return null;
  return { holder: l.holder, runId: l.runId, clusterUser: l.clusterUser, member: l.member, step: l.step, since: l.acquireTime, renewed: l.renewTime, expired: l.expired };
}

/** status exit code: 0 healthy, 3 a replaceable member (not-ready / crashloop), 4 refused (unsafe / quorum-lost). */
export function statusExitCode(s: Scenario): number {
  if (s === 'healthy') return ExitCode.Ok;
  if (s === 'not-ready' || s === 'crashloop') return ExitCode.Replaceable;
  return ExitCode.Refused;
}

/** The `-o json|yaml` document: {cluster, members, pods, nodes, machines, controlPlaneMachineSet, secrets, etcd, diagnosis}. */
export function statusDocument(
  state: ClusterState,
  d: Diagnosis,
  h: { server: string | null; context: string | null; client: string | null; source?: OfflineSource },
  lease: LeaseInfo | null = null,
) {
  return {
    cluster: {
      server: h.server,
      context: h.context,
      client: h.client,
      ...(h.source ? { source: h.source } : {}),
      release: state.release,
      platform: state.platform,
      topology: topologyLabel(state),
      memberSource: state.memberSource,
      ...(state.memberListError ? { memberListError: state.memberListError } : {}),
    },
    members: state.members,
    pods: state.pods,
    nodes: state.nodes,
    machines: state.machines,
    ...(state.hosts ? { hosts: state.hosts } : {}),
    controlPlaneMachineSet: state.controlPlaneMachineSet,
    secrets: state.secrets,
    etcd: { ...state.etcd, unsupportedConfigOverrides: state.etcd.unsupportedConfigOverrides ?? null },
    diagnosis: d,
    /** a run in progress (its lease), null when none */
    replacement: replacementOf(lease),
  };
}

/** The privileged debug pods present: a running `auto` uses them briefly; any other is left by a killed run. */
export function debugPodsNote(pods: DebugPod[], binary: string): string {
  const lines = [`\nPRIVILEGED DEBUG PODS (${DEBUG_NS}, label app=etcd-replace-debug): ${pods.length}`];
  for (const p of pods) lines.push(`  ${p.name}  node ${p.node}  ${p.phase}  created ${p.created}`);
  lines.push(`  unless an etcd-replace run is working right now, these were left by a killed run: the next "${binary} etcd-replace auto" (or --resume) deletes them`);
  return lines.join('\n') + '\n';
}

/** The header of a state read from files: where from, when, and what they could not tell. */
export function sourceHeader(s: OfflineSource): { line: string; unknown: string[] } {
  return { line: describeSource(s), unknown: s.gaps.map((g) => `${g.file}: ${g.what}`) };
}

/** `status --from PATH`: the same screen, -o json/yaml and diagnosis, from a must-gather or a bundle. No cluster call. */
async function statusFrom(argv: StatusArgs, out: NodeJS.WriteStream): Promise<number> {
  const read = await readOffline(argv.from!);
  const d = diagnoseOffline(read.state, read.source.gaps, { member: argv.member });
  const where = { server: read.server, context: null };
  const fmt = argv.output ?? 'table';
  const doc = () => ({ ...statusDocument(read.state, d, { ...where, client: null, source: read.source }, read.lease), debugPods: null });
  if (fmt === 'json') out.write(JSON.stringify(doc(), null, 2) + '\n');
  else if (fmt === 'yaml') out.write(stringify(doc()));
  else {
    const color = useColor(out, argv.noColor === true || argv.color === false);
    if (read.lease?.holder) {
      const what = read.lease.expired ? 'an interrupted replacement (its lease had expired)' : 'a replacement was running';
      out.write(`${color ? '\x1b[1m' : ''}${what}:${color ? '\x1b[22m' : ''} ${describeLease(read.lease, Date.parse(read.source.collectedUntil ?? '') || Date.now())}\n\n`);
    }
    out.write(renderStatus(read.state, d, { ...where, source: sourceHeader(read.source) }, color));
  }
  return statusExitCode(d.scenario);
}

export async function statusCommand(argv: StatusArgs, out: NodeJS.WriteStream = process.stdout): Promise<number> {
  if (argv.from !== undefined) return statusFrom(argv, out);
  const kube = connect(argv);
  const [state, found, lease, debugPods] = await Promise.all([readClusterState(kube), kube.server(), readLease(kube).catch(() => null), findDebugPods(kube).catch(() => null)]);
  const where = { ...found, server: kube.opts.server ?? found.server };
  const d = diagnose(state, { member: argv.member });
  const fmt = argv.output ?? 'table';
  const doc = () => ({ ...statusDocument(state, d, { ...where, client: kube.binary }, lease), debugPods });
  if (fmt === 'json') out.write(JSON.stringify(doc(), null, 2) + '\n');
  else if (fmt === 'yaml') out.write(stringify(doc()));
  else {
    const color = useColor(out, argv.noColor === true || argv.color === false);
    if (lease?.holder) {
      const what = lease.expired ? 'an interrupted replacement (its lease expired)' : 'a replacement is running';
      out.write(`${color ? '\x1b[1m' : ''}${what}:${color ? '\x1b[22m' : ''} ${describeLease(lease)}\n\n`);
    }
    out.write(renderStatus(state, d, where, color));
    if (debugPods?.length) out.write(debugPodsNote(debugPods, kube.binary));
  }
  return statusExitCode(d.scenario);
}
