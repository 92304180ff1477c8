// Step `final-verify`: exactly N started, healthy voting members, the old one gone, the operator settled.
import type { Kube } from '../../cluster/kubectl.ts';
import { toEtcdOperatorInfo } from '../../cluster/read.ts';
import type { ClusterState } from '../../types.ts';
import { etcdctlArgs } from '../../etcd/exec.ts';
import { waitFor, type PlanFacts, type Step } from '../step.ts';
import { MAX_POLL_MS, TIMEOUTS, etcdCR, etcdPods, lastLines, membersFrom, podReady } from './shared.ts';

/** What the Etcd CR's conditions say is not settled yet ('' when settled). */
export function conditionsGap(etcd: ClusterState['etcd']): string {
  const gaps: string[] = [];
  const cond = (t: string) => etcd.conditions.find((c) => c.type === t);
  const avail = cond('EtcdMembersAvailable');
  if (!avail || avail.status !== 'True') gaps.push(`EtcdMembersAvailable is ${avail?.status ?? 'missing'}`);
  const inst = cond('NodeInstallerProgressing');
  if (inst && inst.reason !== 'AllNodesAtLatestRevision') gaps.push(`NodeInstallerProgressing: ${inst.reason ?? inst.status} ${inst.message ?? ''}`.trim());
  return gaps.join('; ');
}

export function finalGap(state: Pick<ClusterState, 'members' | 'memberListError' | 'etcd'>, f: PlanFacts): string {
  const gaps: string[] = [];
  const want = f.controlPlaneReplicas;
  if (state.memberListError) gaps.push(`member list: ${state.memberListError}`);
  if (state.members.length !== want) gaps.push(`${state.members.length} members, want exactly ${want}`);
  const bad = state.members.filter((m) => !m.started || m.isLearner || m.healthy !== true);
  if (bad.length) gaps.push(`not started/healthy/voting: ${bad.map((m) => m.name || m.id).join(', ')}`);
  if (state.members.some((m) => m.id === f.target.memberId)) gaps.push(`old member ${f.target.memberId} is still listed`);
  const conds = conditionsGap(state.etcd);
  if (conds) gaps.push(conds);
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
          // The Etcd CR first (one call); the etcd pods, member list and health (execs) only once it has settled.
          const etcd = toEtcdOperatorInfo(await etcdCR(kube));
          let gap = conditionsGap(etcd);
          let members: ClusterState['members'] = [];
          let pod = f.execPod;
          if (!gap) {
            const pods = await etcdPods(kube);
            pod = pods.find((p) => podReady(p) && p.node !== f.target.node)?.name ?? pod;
            members = await membersFrom(kube, pods, f.target.node, { health: true });
            gap = finalGap({ members, etcd }, f);
          }
          if (gap && gap !== lastGap) ctx.note((lastGap = gap));
          if (gap) return gap;
          if (o.endpointHealth) {
            const r = await kube.run(healthArgs(pod), { allowFailure: true, timeoutMs: 60_000 });
            if (r.exitCode !== 0) return `endpoint health --cluster: ${lastLines(r.stderr || r.stdout, 2)}`;
          }
          summary = members.map((m) => `${m.id} ${m.name}`).join(', ');
          return true;
        },
        { timeoutMs: TIMEOUTS.finalVerify, maxIntervalMs: MAX_POLL_MS },
      );
      return `members: ${summary}`;
    },
    async verify() {},
  };
}
