// /var/lib/etcd on its own disk: the documented "Moving etcd to a different disk" setup (openshift-docs PR #57592,
// OCPBUGS-3829, module from the KCS article) is a MachineConfig whose systemd unit `var-lib-etcd.mount` mounts a
// separate filesystem at /var/lib/etcd on every master. /var/lib/etcd is then a mount point: `mv /var/lib/etcd/ /tmp/x`
// fails (rename(2) of a mount point: EBUSY), while its contents can be moved (across filesystems: copy + delete).
// Scenario key `etcdDisk: dedicated`; the sim makes it a real mount point in the mount namespace of each host pod.

/** Shell lines run by the pod set-up (hostfs.ts SETUP) after the node root is known as $R. */
export const ETCD_DISK_SETUP = String.raw`if [ -n "$R" ] && [ "$SIM_ETCD_DISK" = dedicated ]; then
  mkdir -p "$R/var/lib/etcd"
  mount --bind "$R/var/lib/etcd" "$R/var/lib/etcd"
fi`;

/** Environment of a host pod's set-up: dedicated only on masters of an `etcdDisk: dedicated` scenario. */
export function etcdDiskEnv(dedicated: boolean): Record<string, string> {
  return { SIM_ETCD_DISK: dedicated ? 'dedicated' : 'shared' };
}
