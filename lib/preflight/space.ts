// Free space on the node where the backup is written, and for procedure B's data move, as `df` reports it.
//
// cluster-backup.sh (github.com/openshift/cluster-etcd-operator bindata/etcd/cluster-backup.sh, release-4.14) writes
// two files into its backup dir: snapshot_<date>.db (`etcdctl snapshot save` of the local member: about the member's
// DB size, the DB SIZE column of `etcdctl endpoint status`) and static_kuberesources_<date>.tar.gz (a gzip tar of the
// newest kube-apiserver-pod-N, kube-controller-manager-pod-N, kube-scheduler-pod-N and etcd-pod-N folders under
// /etc/kubernetes/static-pod-resources: at most their size on disk). Both go to /home/core/assets/backup.
// Scripts here are built from constants and digits only (they run through `chroot /host sh -c`).
/** where the backup step runs cluster-backup.sh (the docs' /home/core/assets/backup; backup.ts BACKUP_DIR) */
export const BACKUP_DIR = '/home/core/assets/backup';

const RESOURCES = ['kube-apiserver-pod', 'kube-controller-manager-pod', 'kube-scheduler-pod', 'etcd-pod'];

/** Shell lines that set D (the backup dir, or its nearest existing parent), FREE (KiB free there) and RES (KiB of the newest static pod resources). */
const MEASURE = [
  `D=${BACKUP_DIR}; while [ ! -d "$D" ]; do D=$(dirname "$D"); done`,
  `FREE=$(df -Pk "$D" | awk 'NR==2 {print $4}')`,
  `RES=0; for r in ${RESOURCES.join(' ')}; do L=$(ls -trd /etc/kubernetes/static-pod-resources/$r-[0-9]* 2>/dev/null | tail -1); if [ -n "$L" ]; then RES=$((RES + $(du -sk "$L" | cut -f1))); fi; done`,
];

/** Read-only probe for the preflight: prints `backup-free <KiB> <dir>` and `resources <KiB>`; with `dataMove`, also the data move's figures. */
export function spaceProbeScript(dataMove: boolean): string {
  const lines = [...MEASURE, 'echo "backup-free $FREE $D"', 'echo "resources $RES"'];
  if (dataMove) {
    // stop-etcd.ts moves /var/lib/etcd (or its contents, when a mount point) to /tmp: a rename on the same
    // filesystem, a copy otherwise
    lines.push(
      'if [ -d /var/lib/etcd ]; then echo "etcd-data $(du -sk /var/lib/etcd | cut -f1)"; else echo "etcd-data 0"; fi',
      `echo "tmp-free $(df -Pk /tmp | awk 'NR==2 {print $4}')"`,
      'if [ -d /var/lib/etcd ] && [ "$(stat -c %d /var/lib/etcd)" = "$(stat -c %d /tmp)" ] && ! { command -v mountpoint >/dev/null 2>&1 && mountpoint -q /var/lib/etcd; }; then echo "same-fs yes"; else echo "same-fs no"; fi',
    );
  }
  return lines.join('\n');
}

export interface SpaceProbe {
  backupFreeKiB: number;
  backupDir: string;
  resourcesKiB: number;
  etcdDataKiB?: number;
  tmpFreeKiB?: number;
  sameFs?: boolean;
}

export function parseSpaceProbe(out: string): SpaceProbe | null {
  const get = (k: string) => new RegExp(`^${k} (\\d+)(?: (\\S+))?\\s*$`, 'm').exec(out);
  const free = get('backup-free');
  const res = get('resources');
  if (!free || !res) return null;
  const data = get('etcd-data');
  const tmp = get('tmp-free');
  const same = /^same-fs (yes|no)\s*$/m.exec(out);
  return {
    backupFreeKiB: Number(free[1]),
    backupDir: free[2] ?? BACKUP_DIR,
    resourcesKiB: Number(res[1]),
    ...(data ? { etcdDataKiB: Number(data[1]) } : {}),
    ...(tmp ? { tmpFreeKiB: Number(tmp[1]) } : {}),
    ...(same ? { sameFs: same[1] === 'yes' } : {}),
  };
}

/** KiB cluster-backup.sh needs: the snapshot (the DB size) plus the static pod resources. */
export function backupNeedKiB(dbSizeBytes: number, resourcesKiB: number): number {
  return Math.ceil(dbSizeBytes / 1024) + resourcesKiB;
}

export const fmtKiB = (k: number) => (k >= 1024 * 1024 ? `${(k / 1024 / 1024).toFixed(1)} GiB` : k >= 1024 ? `${(k / 1024).toFixed(1)} MiB` : `${k} KiB`);

/**
 * Lines put before cluster-backup.sh in the backup step: the same measure, right before the backup; exit 3 (nothing
 * written) when the free space is below the snapshot (`dbKiB`, digits only) plus the static pod resources.
 */
export function backupSpaceGuard(dbKiB: number): string {
  const db = Math.max(0, Math.ceil(Number(dbKiB))) | 0;
  return [
    ...MEASURE,
    `NEED=$((${db} + RES))`,
    `if [ "$FREE" -lt "$NEED" ]; then echo "not enough space for the backup in $D: cluster-backup.sh needs about $NEED KiB (snapshot ${db} KiB + static pod resources $RES KiB), $FREE KiB free" >&2; exit 3; fi`,
  ].join('\n');
}
