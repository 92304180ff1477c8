// Node host folders (<state>/nodes/<node>/root = the node's "/") and running a pod's command with the
// node root at /host, in a private mount namespace.
//
// Layout of a node root:
//   etc/kubernetes/manifests/                         static pod manifests (etcd-pod.yaml)
//   etc/kubernetes/static-pod-resources/etcd-certs/configmaps/etcd-scripts/{etcd.env,etcd-common-tools}
//   etc/kubernetes/static-pod-resources/kube-apiserver-certs/secrets/node-kubeconfigs/localhost.kubeconfig
//   etc/{passwd,group,hosts,...}                      small copies of the real files (see HOST_ETC_FILES)
//   var/lib/etcd/                                     THE data dir of the node's real etcd
//   tmp/  home/core/assets/  root/
//   usr/local/bin/cluster-backup.sh                   the node's own /usr/local/bin
//   usr/ dev/ proc/ (empty mount points), bin sbin lib lib64 -> usr/... (merged-usr symlinks)
//
// A pod command runs as: unshare -m --propagation private, then
//   node root:  real /usr bound on <root>/usr, the node's own usr/local/bin bound back over it,
//               /dev (rbind) and /proc bound in  -> `chroot /host sh -c '...'` works;
//   pod rootfs: <state>/pods/<uid>/rootfs with the real /usr, /etc, /dev, /proc bound in, merged-usr
//               symlinks, its own /tmp and /root, and (only when the pod mounts hostPath / at /host)
//               the node root rbound at /host;
//   then chroot <rootfs> argv.
// The real /etc is NOT bound over <root>/etc (it would hide etc/kubernetes): the node root carries small
// copies of the real passwd/group/hosts/ld.so.cache/alternatives... written by prepareHostRoot.
import { spawn, type ChildProcess } from 'node:child_process';
import { cpSync, existsSync, lstatSync, mkdirSync, rmdirSync, symlinkSync, unlinkSync, writeFileSync, chmodSync } from 'node:fs';
import path from 'node:path';
import { runsEtcd, type SimNode } from '../world/context.ts';
import { track } from '../etcd/etcd.ts';
import { clusterBackupScript, etcdCommonTools, etcdEnv } from '../scripts/cluster-backup.ts';
import { ETCD_DISK_SETUP, etcdDiskEnv } from './etcddisk.ts';
import { nodeMountNs } from './backupdisk.ts';

export const KUBECONFIG_PATH = 'etc/kubernetes/static-pod-resources/kube-apiserver-certs/secrets/node-kubeconfigs/localhost.kubeconfig';
export const MANIFESTS_DIR = 'etc/kubernetes/manifests';
export const ETCD_MANIFEST = 'etc/kubernetes/manifests/etcd-pod.yaml';
export const BACKUP_SCRIPT = 'usr/local/bin/cluster-backup.sh';
const ETCD_SCRIPTS_DIR = 'etc/kubernetes/static-pod-resources/etcd-certs/configmaps/etcd-scripts';

const DIRS = [
  MANIFESTS_DIR,
  ETCD_SCRIPTS_DIR,
  path.dirname(KUBECONFIG_PATH),
  'var/lib/etcd',
  'tmp',
  'home/core/assets',
  'root',
  'usr/local/bin',
  'dev',
  'proc',
];
const MERGED_USR: [string, string][] = [
  ['bin', 'usr/bin'],
  ['sbin', 'usr/sbin'],
  ['lib', 'usr/lib'],
  ['lib64', 'usr/lib64'],
];
/** Real /etc entries copied into the node root (the node root's own etc/ holds kubernetes/). */
const HOST_ETC_FILES = [
  'passwd', 'group', 'hosts', 'hostname', 'nsswitch.conf', 'resolv.conf', 'ld.so.cache', 'ld.so.conf',
  'ld.so.conf.d', 'localtime', 'os-release', 'profile', 'bash.bashrc', 'environment',
];
/**
 * Real /etc folders that are large (many files and links): bind-mounted over empty folders of the node
 * root when a pod runs, instead of copied at start-up (copying them took ~0.7 s a node).
 */
const HOST_ETC_DIRS = ['alternatives', 'ssl', 'ca-certificates'];

function ensureSymlink(target: string, at: string) {
  try {
    lstatSync(at);
    return;
  } catch {
    /* create */
  }
  symlinkSync(target, at);
}

/** Create the node root folder layout (idempotent; keeps existing files). */
export function ensureNodeLayout(node: SimNode): void {
  for (const d of DIRS) mkdirSync(path.join(node.root, d), { recursive: true });
  try {
    chmodSync(path.join(node.root, 'var/lib/etcd'), 0o700);
    chmodSync(path.join(node.root, 'tmp'), 0o1777);
  } catch {
    /* ignore */
  }
  // <root>/usr is a real folder (it holds usr/local/bin); the other merged-usr names are symlinks.
  for (const [name, target] of MERGED_USR) ensureSymlink(target, path.join(node.root, name));
  for (const f of HOST_ETC_FILES) {
    const src = path.join('/etc', f);
    const dst = path.join(node.root, 'etc', f);
    if (!existsSync(src) || existsSync(dst)) continue;
    try {
      cpSync(src, dst, { recursive: true, verbatimSymlinks: true, errorOnExist: false, force: false });
    } catch {
      /* unreadable entries are not essential */
    }
  }
  for (const d of HOST_ETC_DIRS) if (existsSync(path.join('/etc', d))) mkdirSync(path.join(node.root, 'etc', d), { recursive: true });
}

/**
 * Prepare a node's host folder: the layout above, the localhost.kubeconfig (text given by the caller;
 * it points at the sim API server), the operator's etcd-scripts (etcd.env, etcd-common-tools) and
 * /usr/local/bin/cluster-backup.sh.
 */
export function prepareHostRoot(node: SimNode, kubeconfigText: string): void {
  ensureNodeLayout(node);
  writeFileSync(path.join(node.root, KUBECONFIG_PATH), kubeconfigText, { mode: 0o600 });
  writeFileSync(path.join(node.root, ETCD_SCRIPTS_DIR, 'etcd.env'), etcdEnv(node), { mode: 0o644 });
  writeFileSync(path.join(node.root, ETCD_SCRIPTS_DIR, 'etcd-common-tools'), etcdCommonTools(), { mode: 0o644 });
  writeFileSync(path.join(node.root, BACKUP_SCRIPT), clusterBackupScript(node), { mode: 0o755 });
  chmodSync(path.join(node.root, BACKUP_SCRIPT), 0o755);
}

// ---- running a pod's command ------------------------------------------------------------------------

const SETUP = String.raw`
set -e
R="$SIM_NODE_ROOT"; F="$SIM_ROOTFS"
if [ -n "$R" ]; then
  mount --bind "$R/usr/local/bin" "$SIM_LOCALBIN"
  mount --bind /usr "$R/usr"
  mount --bind "$SIM_LOCALBIN" "$R/usr/local/bin"
  mount --rbind /dev "$R/dev"
  mount --bind /proc "$R/proc"
  for d in ${HOST_ETC_DIRS.join(' ')}; do
    if [ -d "/etc/$d" ] && [ -d "$R/etc/$d" ]; then mount --bind "/etc/$d" "$R/etc/$d"; fi
  done
fi
${ETCD_DISK_SETUP}
mount --bind /usr "$F/usr"
mount --bind /etc "$F/etc"
mount --rbind /dev "$F/dev"
mount --bind /proc "$F/proc"
if [ -n "$R" ]; then mount --rbind "$R" "$F/host"; fi
cd /
exec /usr/bin/env -u SIM_NODE_ROOT -u SIM_ROOTFS -u SIM_LOCALBIN -u SIM_ETCD_DISK /usr/sbin/chroot "$F" "$@"
`;

export interface PodSpawnOptions {
  /** container environment (PATH/HOME/HOSTNAME defaults are added) */
  env?: Record<string, string>;
  /** bind the node root at /host (only when the pod mounts hostPath / at /host) */
  host?: boolean;
  /** root of <state>/pods; default <node.root>/../../../pods (= <state>/pods) */
  podsDir?: string;
  /** working directory inside the pod (default /) */
  cwd?: string;
  /** /var/lib/etcd of the node root is its own mount point (etcddisk.ts) */
  dedicatedEtcdDisk?: boolean;
}

function podsDirOf(node: SimNode, opts: PodSpawnOptions): string {
  // node.root = <state>/nodes/<name>/root
  return opts.podsDir ?? path.join(path.dirname(path.dirname(path.dirname(node.root))), 'pods');
}

/** Low level: spawn argv inside a fresh pod rootfs (stdio pipes). The child is killed with the sim. */
export function spawnInPod(node: SimNode, podUid: string, argv: string[], opts: PodSpawnOptions = {}): { child: ChildProcess; cleanup: () => void } {
  if (!argv.length) throw new Error('empty command');
  const host = opts.host !== false;
  if (host) ensureNodeLayout(node);
  const base = path.join(podsDirOf(node, opts), podUid.replace(/[^A-Za-z0-9_.-]/g, '_'));
  const rootfs = path.join(base, 'rootfs');
  const localbin = path.join(base, 'localbin');
  const made: string[] = [];
  for (const d of ['usr', 'etc', 'dev', 'proc', 'tmp', 'root', 'host', 'var/tmp']) {
    mkdirSync(path.join(rootfs, d), { recursive: true });
    made.push(path.join(rootfs, d));
  }
  chmodSync(path.join(rootfs, 'tmp'), 0o1777);
  mkdirSync(localbin, { recursive: true });
  for (const [name, target] of MERGED_USR) ensureSymlink(target, path.join(rootfs, name));
  const env: Record<string, string> = {
    PATH: '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin',
    HOME: '/root',
    HOSTNAME: node.name,
    ...(opts.env ?? {}),
    SIM_ROOTFS: rootfs,
    SIM_LOCALBIN: localbin,
    SIM_NODE_ROOT: host ? node.root : '',
    ...etcdDiskEnv(opts.dedicatedEtcdDisk === true && runsEtcd(node)),
  };
  const setpriv = existsSync('/usr/bin/setpriv') ? ['/usr/bin/setpriv', '--pdeathsig', 'KILL'] : [];
  // a node with a backup disk of its own (backupdisk.ts): start from the namespace that holds it
  const full = [...setpriv, ...nodeMountNs(node), '/usr/bin/unshare', '-m', '--propagation', 'private', '/bin/sh', '-c', SETUP, 'sh', ...argv];
  const child = spawn(full[0]!, full.slice(1), { stdio: ['pipe', 'pipe', 'pipe'], env, detached: true });
  track(child);
  const cleanup = () => {
    // Mounts lived only in the private namespace, so these are plain empty folders here: rmdir, never rm -r.
    for (const d of made.reverse()) {
      try {
        rmdirSync(d);
      } catch {
        /* not empty (a file the pod left in its own /tmp) */
      }
    }
    for (const [name] of MERGED_USR) {
      try {
        unlinkSync(path.join(rootfs, name));
      } catch {
        /* ignore */
      }
    }
  };
  return { child, cleanup };
}

export interface RunPodResult {
  exitCode: number;
  /** stdout and stderr interleaved as produced */
  output: string;
}

/**
 * Run a pod's command (command + args) to completion with the node root at /host (unless opts.host is
 * false). `onOutput` receives chunks as they come (for `kubectl logs` while the pod runs). exitCode is
 * 128+signal when killed (timeout/abort).
 */
export function runPodCommand(
  node: SimNode,
  podUid: string,
  argv: string[],
  opts: PodSpawnOptions & { timeoutMs?: number; signal?: AbortSignal; onOutput?: (chunk: string) => void } = {},
): Promise<RunPodResult> {
  return new Promise((resolve) => {
    let output = '';
    let spawned: ReturnType<typeof spawnInPod>;
    try {
      spawned = spawnInPod(node, podUid, argv, opts);
    } catch (err) {
      resolve({ exitCode: 128, output: `failed to start container: ${(err as Error).message}\n` });
      return;
    }
    const { child, cleanup } = spawned;
    child.stdin!.end();
    const add = (d: Buffer) => {
      const s = d.toString();
      output += s;
      opts.onOutput?.(s);
    };
    child.stdout!.on('data', add);
    child.stderr!.on('data', add);
    const killGroup = () => {
      try {
        if (child.pid) process.kill(-child.pid, 'SIGKILL');
      } catch {
        /* gone */
      }
    };
    const timer = opts.timeoutMs ? setTimeout(killGroup, opts.timeoutMs) : undefined;
    opts.signal?.addEventListener('abort', killGroup, { once: true });
    child.once('error', (err) => {
      output += String(err);
    });
    child.once('close', (code, sig) => {
      if (timer) clearTimeout(timer);
      opts.signal?.removeEventListener('abort', killGroup);
      cleanup();
      resolve({ exitCode: code ?? (sig === 'SIGKILL' ? 137 : sig === 'SIGTERM' ? 143 : 128), output });
    });
  });
}
