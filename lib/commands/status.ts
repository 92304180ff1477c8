// `status [-o table|json|yaml]`: read the cluster, diagnose, print. Thin: reading in lib/cluster, judging in
// lib/diagnose, rendering in lib/ui/table.ts.
import { stringify } from 'yaml';
import { Kube } from '../cluster/kubectl.ts';
import { readClusterState } from '../cluster/read.ts';
import { diagnose } from '../diagnose/diagnose.ts';
import { ExitCode } from '../errors.ts';
import { renderStatus } from '../ui/table.ts';
import { useColor } from '../ui/color.ts';
import type { ClusterState, Diagnosis, Scenario } from '../types.ts';

export type OutputFormat = 'table' | 'json' | 'yaml';

export interface StatusArgs {
  output?: OutputFormat;
  member?: string;
  kubeconfig?: string;
  context?: string;
  client?: 'oc' | 'kubectl';
  noColor?: boolean;
  color?: boolean;
}

/** status exit code: 0 healthy, 3 a replaceable member (not-ready / crashloop), 4 refused (unsafe / quorum-lost). */
export function statusExitCode(s: Scenario): number {
  if (s === 'healthy') return ExitCode.Ok;
  if (s === 'not-ready' || s === 'crashloop') return ExitCode.Replaceable;
  return ExitCode.Refused;
}

/** The `-o json|yaml` document: {cluster, members, pods, nodes, machines, controlPlaneMachineSet, secrets, etcd, diagnosis}. */
export function statusDocument(state: ClusterState, d: Diagnosis, h: { server: string | null; context: string | null; client: string }) {
  return {
    cluster: {
      server: h.server,
      context: h.context,
      client: h.client,
      release: state.release,
      platform: state.platform,
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
  };
}

export async function statusCommand(argv: StatusArgs, out: NodeJS.WriteStream = process.stdout): Promise<number> {
  const kube = new Kube({ client: argv.client, kubeconfig: argv.kubeconfig, context: argv.context });
  const [state, where] = await Promise.all([readClusterState(kube), kube.server()]);
  const d = diagnose(state, { member: argv.member });
  const fmt = argv.output ?? 'table';
  if (fmt === 'json') out.write(JSON.stringify(statusDocument(state, d, { ...where, client: kube.binary }), null, 2) + '\n');
  else if (fmt === 'yaml') out.write(stringify(statusDocument(state, d, { ...where, client: kube.binary })));
  else out.write(renderStatus(state, d, where, useColor(out, argv.noColor === true || argv.color === false)));
  return statusExitCode(d.scenario);
}
