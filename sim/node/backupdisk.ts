// The disk where cluster-backup.sh writes (/home/core/assets/backup) with the free space a scenario gives it
// (`masters[].backupFreeBytes`), as `df` reports it: a real tmpfs of that size (statfs answers what it holds and has
// left, and a write past it really fails with ENOSPC, as `etcdctl snapshot save` on a full disk does).
// A node's filesystems outlive its pods, so the tmpfs lives in a mount namespace of its own, held by a small process
// (killed with the sim: PR_SET_PDEATHSIG through setpriv); every pod of that node starts from that namespace
// (`nsenter --mount`) before its private one (hostfs.ts), so all of them see the same disk and its files.
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync } from 'node:fs';
import path from 'node:path';
import type { SimNode } from '../world/context.ts';
import { track } from '../etcd/etcd.ts';

export const BACKUP_DIR = 'home/core/assets/backup';

const holders = new Map<string, ChildProcess>();

/** Mount a tmpfs of `bytes` at the node's backup dir in a namespace of its own; resolves once it is mounted. */
export function startBackupDisk(node: SimNode, bytes: number): Promise<void> {
  const dir = path.join(node.root, BACKUP_DIR);
  mkdirSync(dir, { recursive: true });
  const size = Math.ceil(bytes / 4096) * 4096;
  const script = `mount -t tmpfs -o size=${size},mode=0700 tmpfs "$0" && echo mounted && exec sleep 2147483647`;
  const setpriv = existsSync('/usr/bin/setpriv') ? ['/usr/bin/setpriv', '--pdeathsig', 'KILL'] : [];
  const argv = [...setpriv, '/usr/bin/unshare', '-m', '--propagation', 'private', '/bin/sh', '-c', script, dir];
  const child = spawn(argv[0]!, argv.slice(1), { stdio: ['ignore', 'pipe', 'pipe'], detached: true });
  track(child);
  return new Promise((resolve, reject) => {
    let out = '';
    child.stdout!.on('data', (d) => {
      out += d;
      if (out.includes('mounted')) {
        holders.set(node.root, child);
        resolve();
      }
    });
    child.stderr!.on('data', (d) => (out += d));
    child.once('exit', (code) => {
      holders.delete(node.root);
      reject(new Error(`backup disk of ${node.name}: ${out.trim() || `exit ${code}`}`));
    });
  });
}

/** The argv prefix that enters the node's disk namespace (empty when the node has no disk of its own). */
export function nodeMountNs(node: SimNode): string[] {
  const h = holders.get(node.root);
  return h?.pid && h.exitCode === null ? ['/usr/bin/nsenter', `--mount=/proc/${h.pid}/ns/mnt`] : [];
}
