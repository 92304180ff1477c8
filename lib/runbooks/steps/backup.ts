// Step `backup`: cluster-backup.sh on a healthy master (openshift.md §3.7), skipped when a fresh snapshot exists.
import type { Kube } from '../../cluster/kubectl.ts';
import { hostCommandDisplay, runOnNode } from '../../cluster/hostcmd.ts';
import type { PlanFacts, Step } from '../step.ts';
import { TIMEOUTS, lastLines } from './shared.ts';

const MIN = 60_000;

export const BACKUP_DIR = '/home/core/assets/backup';

/** a snapshot newer than this in BACKUP_DIR on the backup node counts as "backup already taken" */
export const BACKUP_FRESH_MINUTES = 60;

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
