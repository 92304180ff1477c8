// Step `final-verify`: exactly N started, healthy voting members, the old one gone, the operator settled.
import type { Kube } from '../../cluster/kubectl.ts';
import { readClusterState } from '../../cluster/read.ts';
import type { ClusterState } from '../../types.ts';
import { etcdctlArgs } from '../../etcd/exec.ts';
import { waitFor, type PlanFacts, type Step } from '../step.ts';
import { TIMEOUTS, lastLines, pickExecPod } from './shared.ts';

export function finalGap(state: ClusterState, f: PlanFacts): string {
  const gaps: string[] = [];
  const want = f.controlPlaneReplicas;
  if (state.memberListError) gaps.push(`member list: ${state.memberListError}`);
  if (state.members.length !== want) gaps.push(`${state.members.length} members, want exactly ${want}`);
  const bad = state.members.filter((m) => !m.started || m.isLearner || m.healthy !== true);
  if (bad.length) gaps.push(`not started/healthy/voting: ${bad.map((m) => m.name || m.id).join(', ')}`);
  if (state.members.some((m) => m.id === f.target.memberId)) gaps.push(`old member ${f.target.memberId} is still listed`);
  const cond = (t: string) => state.etcd.conditions.find((c) => c.type === t);
  const avail = cond('EtcdMembersAvailable');
  if (!avail || avail.status !== 'True') gaps.push(`EtcdMembersAvailable is ${avail?.status ?? 'missing'}`);
  const inst = cond('NodeInstallerProgressing');
  if (inst && inst.reason !== 'AllNodesAtLatestRevision') gaps.push(`NodeInstallerProgressing: ${inst.reason ?? inst.status} ${inst.message ?? ''}`.trim());
  return gaps.join('; ');
}

export function finalVerifyStep(kube: Kube, f: PlanFacts, o: { endpointHealth: boolean }): Step {
  const healthArgs = (p: string) => etcdctlArgs(p, ['endpoint', 'health', '--cluster']);
  return {
    id: 'final-verify',
    title: `Verify: exactly ${f.controlPlaneReplicas} started, healthy voting members; operator at the latest revision`,
    command: [
      kube.display(etcdctlArgs(f.execPod, ['member', 'list', '-w', 'table'])),
      ...(o.endpointHealth ? [kube.display(healthArgs(f.execPod))] : []),
      kube.display(['get', 'etcd', 'cluster', '-o', 'jsonpath={.status.conditions}']),
    ],
    destructive: false,
    async precondition() {
      return 'run';
    },
    async act(ctx) {
      let summary = '';
      let lastGap = '';
      await waitFor(
        'the final state (all members started, healthy, voting; EtcdMembersAvailable; AllNodesAtLatestRevision)',
        async () => {
          const state = await readClusterState(kube);
          const gap = finalGap(state, f);
          if (gap && gap !== lastGap) ctx.note((lastGap = gap));
          if (gap) return gap;
          if (o.endpointHealth) {
            const pod = pickExecPod(state, '') ?? f.execPod;
            const r = await kube.run(healthArgs(pod), { allowFailure: true, timeoutMs: 60_000 });
            if (r.exitCode !== 0) return `endpoint health --cluster: ${lastLines(r.stderr || r.stdout, 2)}`;
          }
          summary = state.members.map((m) => `${m.id} ${m.name}`).join(', ');
          return true;
        },
        { timeoutMs: TIMEOUTS.finalVerify },
      );
      return `members: ${summary}`;
    },
    async verify() {},
  };
}
