// Step `stop-etcd-pod` of procedure B (openshift.md §1.5 step 1): move the static pod manifest and the data dir aside
// on the node, through a privileged pod (what `oc debug node/X` + `chroot /host` does).
import type { Kube } from '../../cluster/kubectl.ts';
import { hostCommandDisplay, runOnNode } from '../../cluster/hostcmd.ts';
import { StepRefusal, waitFor, type PlanFacts, type Step } from '../step.ts';
import { MAX_POLL_MS, etcdPods } from './shared.ts';

const MANIFEST = '/etc/kubernetes/manifests/etcd-pod.yaml';
const BACKUP = '/var/lib/etcd-backup';
const DATA = '/var/lib/etcd';

/** The data dir's new home: /tmp/etcd-<stamp>, built only from the plan stamp's digits. */
export function movedDataDir(stamp: string): string {
  return `/tmp/etcd-${stamp.replace(/[^0-9]/g, '').slice(0, 20)}`;
}

/**
 * The script run on the node (chroot /host sh -c …). Only constants and a digits-only stamp go into it.
 * /var/lib/etcd may be its own mount point (the documented "move etcd to a different disk" setup, openshift.md §0.1):
 * `mv /var/lib/etcd/ /tmp/…` then fails (EBUSY) — so its CONTENTS are moved instead. Everything that could make the
 * data move fail (destination in the way, not enough room) is checked BEFORE the manifest is moved, so a failure
 * leaves the node as it was.
 */
export function stopEtcdScript(stamp: string): string {
  const dest = movedDataDir(stamp);
  return [
    'set -e',
    // mount point? (mountpoint(1) reads mountinfo, so it sees bind mounts too; without it, move the contents: safe either way)
    `if ! command -v mountpoint >/dev/null 2>&1 || mountpoint -q ${DATA}; then MODE=contents; else MODE=dir; fi`,
    `if [ -d ${DATA}/member ]; then`,
    `  if [ "$MODE" = dir ] && [ -e ${dest} ]; then echo "cannot move ${DATA}: ${dest} already exists" >&2; exit 3; fi`,
    `  if [ "$MODE" = contents ] && [ -e ${dest}/member ]; then echo "cannot move ${DATA}/member: ${dest}/member already exists" >&2; exit 3; fi`,
    `  NEED=$(du -sk ${DATA} | cut -f1); FREE=$(df -Pk /tmp | awk 'NR==2 {print $4}')`,
    `  if [ "$(stat -c %d ${DATA})" != "$(stat -c %d /tmp)" ] && [ "$NEED" -ge "$FREE" ]; then echo "not enough room in /tmp to move ${DATA}: need \${NEED} KiB, \${FREE} KiB free" >&2; exit 3; fi`,
    'fi',
    `mkdir -p ${BACKUP}`,
    `if [ -f ${MANIFEST} ]; then mv ${MANIFEST} ${BACKUP}/; fi`,
    `if [ -d ${DATA}/member ]; then`,
    `  if [ "$MODE" = contents ]; then mkdir -p ${dest} && find ${DATA} -mindepth 1 -maxdepth 1 -exec mv -t ${dest} {} +; echo "moved the contents of ${DATA} (a mount point) to ${dest}"; else mv ${DATA}/ ${dest}; echo "moved ${DATA} to ${dest}"; fi`,
    'fi',
  ].join('\n');
}

/** Read-only probe: prints "manifest" and/or "data" for what is still in place. */
export const PROBE_SCRIPT = `if [ -f ${MANIFEST} ]; then echo manifest; fi; if [ -d ${DATA}/member ]; then echo data; fi; true`;

export function stopEtcdStep(kube: Kube, f: PlanFacts): Step {
  const node = f.target.node;
  const script = stopEtcdScript(f.stamp);
  return {
    id: 'stop-etcd-pod',
    // a half-done B whose etcd pod is gone: the manifest was moved; where the data dir is only the node can tell
    title: f.finish?.etcdPodGone
      ? `Check on ${node} that etcd's manifest and data dir are moved aside (its etcd pod is gone), and move what is left`
      : `Stop the crash-looping etcd on ${node} (move its manifest and data dir aside)`,
    command: [hostCommandDisplay(kube.binary, node, script)],
    destructive: true,
    async precondition(ctx) {
      const r = await runOnNode(kube, node, PROBE_SCRIPT, { timeoutMs: 5 * 60_000 });
      if (r.exitCode !== 0) throw new Error(`could not inspect ${node}: ${r.output.trim().split('\n').pop()}`);
      const left = r.output.split('\n').map((l: string) => l.trim());
      if (!left.includes('manifest') && !left.includes('data')) {
        ctx.note(`${MANIFEST} and ${DATA}/member are already moved away`);
        return 'skip';
      }
      return 'run';
    },
    async act(ctx) {
      const r = await runOnNode(kube, node, script, { timeoutMs: 5 * 60_000 });
      if (r.exitCode === 3) throw new StepRefusal(`the etcd data on ${node} cannot be moved aside, so its manifest was left in place: ${r.output.trim().split('\n').slice(-2).join(' / ')}`);
      if (r.exitCode !== 0) throw new Error(`moving the etcd manifest/data on ${node} failed (exit ${r.exitCode}): ${r.output.trim().split('\n').slice(-3).join(' / ')}`);
      ctx.record('movedManifest', `${node}:${BACKUP}/etcd-pod.yaml`);
      ctx.record('movedData', `${node}:${movedDataDir(f.stamp)}`);
      const how = /moved the contents/.test(r.output) ? 'contents of the mount point ' : '';
      return `manifest → ${BACKUP}/, data (${how}${DATA}) → ${movedDataDir(f.stamp)}`;
    },
    async verify() {
      await waitFor(
        `the etcd container of etcd-${node} to stop`,
        async () => {
          const pod = (await etcdPods(kube)).find((p) => p.name === `etcd-${node}`);
          if (!pod || pod.etcd?.state !== 'running') return true;
          return `etcd container is ${pod.etcd.state}`;
        },
        { timeoutMs: 5 * 60_000, maxIntervalMs: MAX_POLL_MS },
      );
    },
  };
}

