// Steps shared by procedures A and B: backup, member remove (with the live safety re-check), quorum guard
// off/on, node and secret deletion, forced redeploy, waits and the final verification.
import { isDeepStrictEqual } from 'node:util';
import type { Kube } from '../cluster/kubectl.ts';
import { readClusterState, toNodeInfo } from '../cluster/read.ts';
import { hostCommandDisplay, runOnNode } from '../cluster/hostcmd.ts';
import type { ClusterState, EtcdMember } from '../types.ts';
import { hostOf, parseMemberList } from '../etcd/members.ts';
import { ETCD_NS, etcdctlArgs } from '../etcd/exec.ts';
import { StepRefusal, waitFor, type PlanFacts, type RunContext, type Step, type Target } from './step.ts';

export const NS_ETCD = ETCD_NS;
export const NS_MAPI = 'openshift-machine-api';
export const OVERRIDE_KEY = 'useUnsupportedUnsafeNonHANonProductionUnstableEtcd';
export const BACKUP_DIR = '/home/core/assets/backup';
/** a snapshot newer than this in BACKUP_DIR on the backup node counts as "backup already taken" */
export const BACKUP_FRESH_MINUTES = 60;

const MIN = 60_000;
/** Timeouts: real-world values; the simulator is fast, and waits poll every second. */
export const TIMEOUTS = {
  api: 2 * MIN,
  backup: 15 * MIN,
  memberGone: 2 * MIN,
  machineGone: 20 * MIN,
  machineRunning: 30 * MIN,
  rollout: 30 * MIN,
  finalVerify: 15 * MIN,
  /** only 2 etcd pods/members after this long → force a redeployment (docs "Verification" step 1) */
  forceRedeployAfter: Number(process.env.ETCD_REPLACE_FORCE_REDEPLOY_AFTER_S ?? 180) * 1000,
};

// ---------- small helpers ----------

/** "4.14.8" ≥ "4.12"? Unknown release → treat as newest (the override and node deletion are harmless there). */
export function releaseAtLeast(release: string | null, min: string): boolean {
  if (!release) return true;
  const a = release.split(/[.-]/).map((x) => Number.parseInt(x, 10));
  const b = min.split('.').map((x) => Number.parseInt(x, 10));
  for (let i = 0; i < b.length; i++) {
    const x = Number.isFinite(a[i]) ? a[i]! : 0;
    if (x !== b[i]) return x > b[i]!;
  }
  return true;
}

/** Go strconv.ParseBool truthiness, as the operator reads the override. */
export function overrideIsOn(overrides: unknown): boolean {
  if (!overrides || typeof overrides !== 'object') return false;
  const v = (overrides as Record<string, unknown>)[OVERRIDE_KEY];
  if (v === true) return true;
  return typeof v === 'string' && ['1', 't', 'T', 'true', 'TRUE', 'True'].includes(v);
}

export function secretNames(node: string): string[] {
  return [`etcd-peer-${node}`, `etcd-serving-${node}`, `etcd-serving-metrics-${node}`];
}

export function peerHost(m: EtcdMember): string[] {
  return m.peerURLs.map((u) => hostOf(u) ?? u);
}

/** An etcd pod to exec `etcdctl` in: Running, all containers ready, not on `avoidNode`. */
export function pickExecPod(state: ClusterState, avoidNode: string): string | null {
  const readyNodes = new Set(state.nodes.filter((n) => n.ready === true).map((n) => n.name));
  const ok = state.pods.filter(
    (p) => p.node !== avoidNode && readyNodes.has(p.node) && p.phase === 'Running' && p.containerCount > 0 && p.readyCount === p.containerCount,
  );
  if (state.memberSource && ok.some((p) => p.name === state.memberSource)) return state.memberSource;
  return ok[0]?.name ?? null;
}

/** Reasons it is NOT safe to remove `target` right now (empty = safe). Pure; anchors.md §0 rules 1, 5, 6. */
export function removalRefusals(state: ClusterState, target: Target): string[] {
  const reasons: string[] = [];
  const m = state.members.find((x) => x.id === target.memberId);
  if (!m) return reasons; // already gone: nothing to check
  if (m.healthy === true) reasons.push(`member ${m.id} (${m.name}) is healthy again: refusing to remove a healthy member`);
  if (m.name && m.name !== target.node) reasons.push(`member ${m.id} is named ${m.name}, not ${target.node}`);
  if (!peerHost(m).includes(target.nodeIP)) reasons.push(`member ${m.id} has peer URL(s) ${m.peerURLs.join(',') || '(none)'}, not https://${target.nodeIP}:2380`);
  const others = state.members.filter((x) => x.id !== target.memberId);
  const learners = others.filter((x) => x.isLearner || !x.started);
  if (learners.length > 0) reasons.push(`a learner or unstarted member exists (${learners.map((x) => x.id).join(', ')}): another replacement is in progress`);
  const voters = others.filter((x) => !x.isLearner && x.started);
  const healthy = voters.filter((x) => x.healthy === true);
  const quorum = Math.floor(voters.length / 2) + 1;
  if (healthy.length < quorum) {
    reasons.push(`after removing ${m.id}, ${healthy.length} of ${voters.length} voting members would be healthy; quorum needs ${quorum}`);
  }
  const pod = pickExecPod(state, target.node);
  if (!pod) reasons.push(`no ready etcd pod outside ${target.node} to run etcdctl in`);
  if (state.memberSource && state.pods.find((p) => p.name === state.memberSource)?.node === target.node) {
    reasons.push(`the member list was read from the target's own pod ${state.memberSource}`);
  }
  return reasons;
}

/** readClusterState, retried until the member list is readable. */
export async function liveState(kube: Kube, timeoutMs = TIMEOUTS.api): Promise<ClusterState> {
  let state: ClusterState | null = null;
  await waitFor(
    'a readable etcd member list',
    async () => {
      const s = await readClusterState(kube);
      if (s.memberListError || s.members.length === 0) return s.memberListError ?? 'empty member list';
      state = s;
      return true;
    },
    { timeoutMs },
  );
  return state!;
}

/** Member list (no health) read from a ready etcd pod not on `avoidNode`: two API calls, no health probing. */
export async function liveMembers(kube: Kube, avoidNode: string): Promise<EtcdMember[]> {
  const pods = await kube.json(['-n', NS_ETCD, 'get', 'pods', '-l', 'k8s-app=etcd'], { retries: 4 });
  const ready = ((pods.items ?? []) as any[]).filter((p) => {
    const cs: any[] = p.status?.containerStatuses ?? [];
    return p.spec?.nodeName !== avoidNode && p.status?.phase === 'Running' && cs.length > 0 && cs.every((c) => c.ready);
  });
  let last = 'no ready etcd pod';
  for (const p of ready) {
    const r = await kube.run(etcdctlArgs(p.metadata.name, ['member', 'list', '-w', 'simple']), { allowFailure: true, retries: 2, timeoutMs: 60_000 });
    if (r.exitCode === 0) return parseMemberList(r.stdout);
    last = lastLines(r.stderr, 1);
  }
  throw new Error(`cannot read the etcd member list: ${last}`);
}

async function etcdCR(kube: Kube): Promise<any> {
  return kube.json(['get', 'etcd', 'cluster'], { retries: 4 });
}

async function nodeReady(kube: Kube, name: string): Promise<boolean> {
  const r = await kube.run(['get', 'node', name, '-o', 'json'], { allowFailure: true, retries: 2 });
  if (r.exitCode !== 0) return false;
  return toNodeInfo(JSON.parse(r.stdout)).ready === true;
}

export { nodeReady };

function lastLines(text: string, n = 5): string {
  return text.trim().split('\n').slice(-n).join(' / ');
}

// ---------- steps ----------

export function backupStep(kube: Kube, f: PlanFacts): Step {
  const script = `/usr/local/bin/cluster-backup.sh --force ${BACKUP_DIR}`;
  const find = `find ${BACKUP_DIR} -maxdepth 1 -name 'snapshot_*.db' -mmin -${BACKUP_FRESH_MINUTES} 2>/dev/null | sort | tail -n 1`;
  return {
    id: 'backup',
    title: `Back up etcd on ${f.backupNode}`,
    command: [hostCommandDisplay(kube.binary, f.backupNode, script)],
    destructive: false,
    async precondition(ctx) {
      const r = await runOnNode(kube, f.backupNode, find, { timeoutMs: 5 * MIN });
      const file = r.output.split('\n').map((l: string) => l.trim()).filter((l: string) => /snapshot_.*\.db$/.test(l)).pop();
      if (r.exitCode === 0 && file) {
        ctx.record('backup', `${f.backupNode}:${file}`);
        ctx.note(`a snapshot newer than ${BACKUP_FRESH_MINUTES} min exists: ${f.backupNode}:${file}`);
        return 'skip';
      }
      return 'run';
    },
    async act(ctx) {
      const r = await runOnNode(kube, f.backupNode, `${script} && ls -1t ${BACKUP_DIR}/snapshot_*.db | head -n 1`, { timeoutMs: TIMEOUTS.backup });
      if (r.exitCode !== 0) throw new Error(`cluster-backup.sh on ${f.backupNode} exited ${r.exitCode}: ${lastLines(r.output)}`);
      const file = r.output.split('\n').map((l: string) => l.trim()).filter((l: string) => /snapshot_.*\.db$/.test(l)).pop();
      if (!file) throw new Error(`cluster-backup.sh on ${f.backupNode} left no snapshot in ${BACKUP_DIR}: ${lastLines(r.output)}`);
      ctx.record('backup', `${f.backupNode}:${file}`);
      return `backup saved to ${f.backupNode}:${file}`;
    },
    async verify(ctx) {
      if (typeof ctx.vars.backup !== 'string') throw new Error('no backup file was recorded');
    },
  };
}

export function removeMemberStep(kube: Kube, f: PlanFacts): Step {
  const t = f.target;
  let pod = f.execPod;
  const args = (p: string) => etcdctlArgs(p, ['member', 'remove', t.memberId]);
  return {
    id: 'remove-member',
    title: `Remove etcd member ${t.memberId} (${t.memberName || t.node})`,
    command: [kube.display(args(f.execPod))],
    destructive: true,
    async precondition(ctx) {
      const state = await liveState(kube);
      if (!state.members.some((m) => m.id === t.memberId)) {
        ctx.note(`member ${t.memberId} is already gone`);
        return 'skip';
      }
      const reasons = removalRefusals(state, t);
      if (reasons.length) throw new StepRefusal(reasons.join('; '));
      pod = pickExecPod(state, t.node)!;
      return 'run';
    },
    async act() {
      const r = await kube.run(args(pod), { allowFailure: true, timeoutMs: 60_000 });
      if (r.exitCode === 0) return r.stdout.trim().replace(/\s+/g, ' ');
      if (/member not found/i.test(r.stderr)) return `member ${t.memberId} was already removed`;
      throw new Error(`etcdctl member remove ${t.memberId} failed: ${lastLines(r.stderr || r.stdout, 2)}`);
    },
    async verify() {
      await waitFor(
        `member ${t.memberId} to leave the member list`,
        async () => {
          const r = await kube.run(etcdctlArgs(pod, ['member', 'list', '-w', 'simple']), { allowFailure: true });
          if (r.exitCode !== 0) return lastLines(r.stderr, 1);
          const ids = parseMemberList(r.stdout).map((m) => m.id);
          return ids.includes(t.memberId) ? `still listed` : true;
        },
        { timeoutMs: TIMEOUTS.memberGone },
      );
    },
  };
}

const OVERRIDE_ON = JSON.stringify({ spec: { unsupportedConfigOverrides: { [OVERRIDE_KEY]: true } } });

export function quorumGuardOffStep(kube: Kube): Step {
  const args = ['patch', 'etcd', 'cluster', '--type=merge', '-p', OVERRIDE_ON];
  return {
    id: 'quorum-guard-off',
    title: 'Turn off the etcd quorum guard (unsupportedConfigOverrides)',
    command: [kube.display(args)],
    destructive: true,
    async precondition(ctx) {
      const cr = await etcdCR(kube);
      const current = cr.spec?.unsupportedConfigOverrides;
      if (ctx.recordOriginalOverrides(current)) ctx.note(`original unsupportedConfigOverrides recorded: ${current === undefined ? '(absent)' : JSON.stringify(current)}`);
      if (overrideIsOn(current)) {
        ctx.note(`${OVERRIDE_KEY} is already on`);
        return 'skip';
      }
      return 'run';
    },
    async act() {
      await kube.run(args, { retries: 4 });
    },
    async verify() {
      await waitFor(`${OVERRIDE_KEY}=true on etcd/cluster`, async () => overrideIsOn((await etcdCR(kube)).spec?.unsupportedConfigOverrides), {
        timeoutMs: TIMEOUTS.api,
      });
    },
  };
}

/** The patch that puts the original overrides back without touching keys it did not have. */
export function restorePatchArgs(original: unknown): string[] {
  if (original === undefined || original === null) {
    return ['patch', 'etcd', 'cluster', '--type=merge', '-p', JSON.stringify({ spec: { unsupportedConfigOverrides: null } })];
  }
  return ['patch', 'etcd', 'cluster', '--type=json', '-p', JSON.stringify([{ op: 'add', path: '/spec/unsupportedConfigOverrides', value: original }])];
}

function sameOverrides(a: unknown, b: unknown): boolean {
  const n = (x: unknown) => (x === undefined ? null : x);
  return isDeepStrictEqual(n(a), n(b));
}

export function quorumGuardRestoreStep(kube: Kube, f: PlanFacts): Step {
  return {
    id: 'quorum-guard-restore',
    title: 'Turn the quorum guard back on (restore the original unsupportedConfigOverrides)',
    command: [kube.display(restorePatchArgs(f.overridesAtPlan))],
    destructive: true,
    async precondition(ctx) {
      const orig = ctx.originalOverrides();
      if (!orig.recorded) throw new Error('the original unsupportedConfigOverrides were never recorded; not touching them');
      const current = (await etcdCR(kube)).spec?.unsupportedConfigOverrides;
      if (sameOverrides(current, orig.value)) {
        ctx.note(`unsupportedConfigOverrides already equal the original (${JSON.stringify(orig.value ?? null)})`);
        return 'skip';
      }
      return 'run';
    },
    async act(ctx) {
      const orig = ctx.originalOverrides().value;
      await kube.run(restorePatchArgs(orig), { retries: 4 });
      return `unsupportedConfigOverrides restored to ${JSON.stringify(orig ?? null)}`;
    },
    async verify(ctx) {
      const orig = ctx.originalOverrides().value;
      await waitFor(
        `unsupportedConfigOverrides to equal ${JSON.stringify(orig ?? null)}`,
        async () => {
          const cur = (await etcdCR(kube)).spec?.unsupportedConfigOverrides;
          return sameOverrides(cur, orig) || JSON.stringify(cur ?? null);
        },
        { timeoutMs: TIMEOUTS.api },
      );
    },
  };
}

export function deleteNodeStep(kube: Kube, f: PlanFacts): Step {
  const node = f.target.node;
  const args = ['delete', 'node', node, '--wait=false'];
  return {
    id: 'delete-node',
    title: `Delete node ${node}`,
    command: [kube.display(args)],
    destructive: true,
    async precondition(ctx) {
      if (await kube.exists(['get', 'node', node], { retries: 4 })) return 'run';
      ctx.note(`node ${node} is already gone`);
      return 'skip';
    },
    async act() {
      const r = await kube.run(args, { retries: 4, allowFailure: true });
      if (r.exitCode !== 0 && !/not ?found/i.test(r.stderr)) throw new Error(`delete node ${node} failed: ${lastLines(r.stderr, 1)}`);
    },
    async verify() {
      await waitFor(`node ${node} to be gone`, async () => !(await kube.exists(['get', 'node', node])), { timeoutMs: TIMEOUTS.api });
    },
  };
}

export function deleteSecretsStep(kube: Kube, f: PlanFacts): Step {
  const node = f.target.node;
  const names = secretNames(node);
  const args = (n: string) => ['-n', NS_ETCD, 'delete', 'secret', n, '--ignore-not-found'];
  let uids: Record<string, string> = {};
  const currentUids = async () => {
    const list = await kube.json(['-n', NS_ETCD, 'get', 'secrets'], { retries: 4 });
    const out: Record<string, string> = {};
    for (const s of list.items ?? []) if (names.includes(s.metadata?.name)) out[s.metadata.name] = s.metadata.uid;
    return out;
  };
  return {
    id: 'delete-secrets',
    title: `Delete the etcd secrets of ${node}`,
    command: names.map((n) => kube.display(args(n))),
    destructive: true,
    async precondition(ctx) {
      uids = await currentUids();
      if (Object.keys(uids).length === 0) {
        ctx.note('none of the three secrets exists');
        return 'skip';
      }
      return 'run';
    },
    async act() {
      for (const n of names) if (uids[n]) await kube.run(args(n), { retries: 4 });
      return `deleted ${Object.keys(uids).join(', ')}`;
    },
    async verify() {
      // gone, or re-created by the operator's cert signer (a new uid) for a node that still exists
      await waitFor(
        `secrets ${Object.keys(uids).join(', ')} to be gone`,
        async () => {
          const now = await currentUids();
          const stale = Object.keys(uids).filter((n) => now[n] === uids[n]);
          return stale.length === 0 || `still present: ${stale.join(', ')}`;
        },
        { timeoutMs: TIMEOUTS.api },
      );
    },
  };
}

export function forceRedeployArgs(reason: string): string[] {
  return ['patch', 'etcd', 'cluster', '--type=merge', '-p', JSON.stringify({ spec: { forceRedeploymentReason: reason } })];
}

/** Unique redeploy reason: ISO time with nanosecond-ish digits (docs use `date --rfc-3339=ns`). */
export function uniqueStamp(d = new Date()): string {
  const ns = String(process.hrtime.bigint() % 1_000_000n).padStart(6, '0');
  return d.toISOString().replace(/Z$/, `${ns}Z`);
}

export function forceRedeployStep(kube: Kube, f: PlanFacts, prefix: string): Step {
  const reason = `${prefix}-${f.stamp}`;
  const args = forceRedeployArgs(reason);
  return {
    id: 'force-redeploy',
    title: 'Force a redeployment of etcd',
    command: [kube.display(args)],
    destructive: true,
    async precondition(ctx) {
      const cur = (await etcdCR(kube)).spec?.forceRedeploymentReason;
      if (cur === reason) {
        ctx.note(`forceRedeploymentReason is already ${reason}`);
        return 'skip';
      }
      return 'run';
    },
    async act() {
      await kube.run(args, { retries: 4 });
      return `forceRedeploymentReason=${reason}`;
    },
    async verify() {
      await waitFor(`forceRedeploymentReason=${reason}`, async () => (await etcdCR(kube)).spec?.forceRedeploymentReason === reason, { timeoutMs: TIMEOUTS.api });
    },
  };
}

/** What is still missing for "the replacement member is in": '' when complete. */
export function rolloutGap(state: ClusterState, f: PlanFacts, newNode: string | null): string {
  const want = f.controlPlaneReplicas;
  const gaps: string[] = [];
  if (!newNode) gaps.push('no new control-plane node known yet');
  else {
    const pod = state.pods.find((p) => p.name === `etcd-${newNode}`);
    if (!pod) gaps.push(`pod etcd-${newNode} does not exist`);
    else if (pod.readyCount !== pod.containerCount || pod.containerCount === 0) gaps.push(`pod etcd-${newNode} is ${pod.readyCount}/${pod.containerCount} ready`);
  }
  if (state.memberListError) gaps.push(`member list: ${state.memberListError}`);
  if (state.members.some((m) => m.id === f.target.memberId)) gaps.push(`old member ${f.target.memberId} is still listed`);
  const learners = state.members.filter((m) => m.isLearner);
  if (learners.length) gaps.push(`learner(s) not promoted yet: ${learners.map((m) => m.id).join(', ')}`);
  const unstarted = state.members.filter((m) => !m.started);
  if (unstarted.length) gaps.push(`${unstarted.length} member(s) not started`);
  const voters = state.members.filter((m) => !m.isLearner && m.started);
  if (voters.length !== want) gaps.push(`${voters.length} started voting members, want ${want}`);
  const unhealthy = voters.filter((m) => m.healthy !== true);
  if (unhealthy.length) gaps.push(`unhealthy: ${unhealthy.map((m) => m.name || m.id).join(', ')}`);
  if (newNode && !voters.some((m) => m.name === newNode)) gaps.push(`no started member named ${newNode}`);
  return gaps.join('; ');
}

export function waitRolloutStep(kube: Kube, f: PlanFacts, newNodeOf: (ctx: RunContext) => string | null): Step {
  return {
    id: 'wait-rollout',
    title: `Wait for the new etcd member to be started, healthy and promoted (${f.controlPlaneReplicas} members)`,
    command: [
      kube.display(['-n', NS_ETCD, 'get', 'pods', '-l', 'k8s-app=etcd']),
      kube.display(etcdctlArgs(f.execPod, ['member', 'list', '-w', 'table'])),
      `if only ${f.controlPlaneReplicas - 1} etcd pods/members after ${Math.round(TIMEOUTS.forceRedeployAfter / 1000)}s: ${kube.display(forceRedeployArgs('recovery-<timestamp>'))}`,
    ],
    destructive: false,
    async precondition() {
      return 'run';
    },
    async act(ctx) {
      const started = Date.now();
      let lastGap = '';
      await waitFor(
        'the new etcd member (pod ready, member started, healthy, not a learner)',
        async () => {
          const state = await readClusterState(kube);
          const gap = rolloutGap(state, f, newNodeOf(ctx));
          if (!gap) return true;
          if (gap !== lastGap) ctx.note((lastGap = gap));
          const etcdPods = state.pods.length;
          const voters = state.members.filter((m) => !m.isLearner && m.started).length;
          if (
            Date.now() - started > TIMEOUTS.forceRedeployAfter &&
            typeof ctx.vars.recoveryRedeploy !== 'string' &&
            (etcdPods < f.controlPlaneReplicas || voters < f.controlPlaneReplicas)
          ) {
            const reason = `recovery-${uniqueStamp()}`;
            await kube.run(forceRedeployArgs(reason), { retries: 4 });
            ctx.record('recoveryRedeploy', reason);
            ctx.note(`only ${etcdPods} etcd pods / ${voters} members: forced a redeployment (${reason})`);
          }
          return gap;
        },
        { timeoutMs: TIMEOUTS.rollout },
      );
      return `member on ${newNodeOf(ctx)} started and healthy`;
    },
    async verify(ctx) {
      // Polled, not read once: the operator may still be rolling a newer revision through the nodes, which
      // restarts each etcd pod in turn (not ready for a moment) although the member is in.
      await waitFor(
        'the rollout to settle with the new member in',
        async () => rolloutGap(await readClusterState(kube), f, newNodeOf(ctx)) || true,
        { timeoutMs: TIMEOUTS.rollout },
      );
    },
  };
}

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
