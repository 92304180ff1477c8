// Step `backup`: cluster-backup.sh on a healthy master (openshift.md §3.7), as the docs run it: WITHOUT --force.
// The script refuses while an operator is Progressing ("Currently the <op> operator is progressing. A reliable backup
// requires that a rollout is not in progress.  Aborting!", github.com/openshift/cluster-etcd-operator
// bindata/etcd/cluster-backup.sh check_if_operator_is_progressing); then the user decides: wait, or --force-backup
// (or "yes" at the prompt), which reruns it with --force (its files are then named …__POSSIBLY_DIRTY__).
// Only a snapshot this run took counts as "the backup": it is recorded in the journal, and a resumed run skips the
// step only when that recorded file is still on the node.
import type { Kube } from '../../cluster/kubectl.ts';
import { hostCommandDisplay, runOnNode } from '../../cluster/hostcmd.ts';
import { StepRefusal, type PlanFacts, type RunContext, type Step } from '../step.ts';
import { TIMEOUTS, lastLines } from './shared.ts';
import { backupSpaceGuard } from '../../preflight/space.ts';

const MIN = 60_000;

export const BACKUP_DIR = '/home/core/assets/backup';

const SCRIPT = '/usr/local/bin/cluster-backup.sh';

/** A snapshot file name cluster-backup.sh writes into BACKUP_DIR (safe to put in a node shell command). */
const SNAPSHOT_FILE = /^\/home\/core\/assets\/backup\/snapshot_[0-9]{4}-[0-9]{2}-[0-9]{2}_[0-9]{6}(__POSSIBLY_DIRTY__)?\.db$/;

/** The operator cluster-backup.sh says is progressing, or null. */
export function progressingOperator(output: string): string | null {
  const m = /Currently the (\S+) operator is progressing/.exec(output);
  return m ? m[1]! : null;
}

/** The snapshot file this invocation wrote: etcdctl `snapshot save` prints "Snapshot saved at <file>". */
export function savedSnapshot(output: string): string | null {
  const all = [...output.matchAll(/Snapshot saved at (\S+)/g)].map((m) => m[1]!);
  const file = all.pop();
  return file && SNAPSHOT_FILE.test(file) ? file : null;
}

export function backupStep(kube: Kube, f: PlanFacts): Step {
  const plain = `${SCRIPT} ${BACKUP_DIR}`;
  const forced = `${SCRIPT} --force ${BACKUP_DIR}`;
  // the space cluster-backup.sh needs, checked on the node right before it runs (preflight/space.ts); exit 3: too little
  const guard = f.backupDbBytes !== undefined ? `${backupSpaceGuard(Math.ceil(f.backupDbBytes / 1024))}\n` : '';
  const run = async (ctx: RunContext, script: string) => {
    const r = await runOnNode(kube, f.backupNode, guard + script, { timeoutMs: TIMEOUTS.backup });
    if (guard && r.exitCode === 3 && /not enough space for the backup/.test(r.output)) {
      throw new StepRefusal(`${r.output.trim().split('\n').filter((l) => /not enough space/.test(l)).pop()}; free space on ${f.backupNode} and run again (nothing was changed)`);
    }
    if (r.exitCode === 0) {
      const file = savedSnapshot(r.output);
      if (!file) throw new Error(`cluster-backup.sh on ${f.backupNode} did not say which snapshot it saved: ${lastLines(r.output)}`);
      ctx.record('backup', `${f.backupNode}:${file}`);
      return { ok: true as const, file };
    }
    return { ok: false as const, output: r.output, exitCode: r.exitCode };
  };
  return {
    id: 'backup',
    title: `Back up etcd on ${f.backupNode}`,
    command: [
      ...(guard ? [`first, in the same pod: free space in ${BACKUP_DIR} ≥ the snapshot (DB size) + the static pod resources, else refused`] : []),
      hostCommandDisplay(kube.binary, f.backupNode, plain),
      f.backupForce
        ? `clusteroperator/etcd is expected to refuse it (Progressing because of this failure), then: ${forced}   (files marked __POSSIBLY_DIRTY__)`
        : `only if an operator is progressing and you agree (or --force-backup): ${forced}`,
    ],
    destructive: false,
    async precondition(ctx) {
      // Resume: the snapshot this run took, if it is still there. Any other snapshot is not this run's backup.
      const rec = typeof ctx.vars.backup === 'string' ? ctx.vars.backup : null;
      const file = rec?.startsWith(`${f.backupNode}:`) ? rec.slice(f.backupNode.length + 1) : null;
      if (!file || !SNAPSHOT_FILE.test(file)) return 'run';
      const r = await runOnNode(kube, f.backupNode, `test -s ${file}`, { timeoutMs: 5 * MIN });
      if (r.exitCode === 0) {
        ctx.note(`this run's backup is on the node: ${rec}`);
        return 'skip';
      }
      ctx.note(`this run's backup ${rec} is gone; taking a new one`);
      return 'run';
    },
    async act(ctx) {
      const first = await run(ctx, plain);
      if (first.ok) return `backup saved to ${f.backupNode}:${first.file}`;
      const op = progressingOperator(first.output);
      if (!op) throw new Error(`cluster-backup.sh on ${f.backupNode} exited ${first.exitCode}: ${lastLines(first.output)}`);
      const why = `the ${op} operator is progressing (a rollout is in progress), and cluster-backup.sh refuses to take a reliable backup then`;
      // predicted and accepted with the plan: clusteroperator/etcd Progressing because of the failure being repaired
      let force = ctx.forceBackup === true || (op === 'etcd' && !!f.backupForce);
      if (!force && ctx.ask) {
        force = await ctx.ask(`${why}. Take the backup anyway with --force (its files are marked __POSSIBLY_DIRTY__)?`);
      }
      if (!force) {
        throw new StepRefusal(
          `${why}. Wait until "${kube.binary} get co ${op}" shows Progressing=False and run again, or run again with --force-backup to take it anyway (marked __POSSIBLY_DIRTY__)`,
        );
      }
      ctx.note(`${why}: taking it with --force${!ctx.forceBackup && f.backupForce ? ` as the plan said (${f.backupForce})` : ''}`);
      const second = await run(ctx, forced);
      if (!second.ok) throw new Error(`cluster-backup.sh --force on ${f.backupNode} exited ${second.exitCode}: ${lastLines(second.output)}`);
      return `backup saved to ${f.backupNode}:${second.file} (taken with --force while ${op} was progressing)`;
    },
    async verify(ctx) {
      if (typeof ctx.vars.backup !== 'string') throw new Error('no backup file was recorded');
    },
  };
}
