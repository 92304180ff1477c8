// The etcd pod the member list was last read from, remembered per kubeconfig + context in
// $XDG_CACHE_HOME/etcd-replace/member-source.json, so the next read can start its etcdctl execs at
// once, beside the object reads, instead of after them. It is only a hint: the reader uses what it
// fetched that way only when the pod is still the one it would have chosen from the fresh pod list.
import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import type { Kube } from './kubectl.ts';

const MAX_CLUSTERS = 32;

function cacheFile(env: NodeJS.ProcessEnv): string {
  const base = env.XDG_CACHE_HOME || join(homedir(), '.cache');
  return join(base, 'etcd-replace', 'member-source.json');
}

/** Which cluster a hint belongs to: the kubeconfig files and context this invocation uses. */
function keyOf(kube: Kube, env: NodeJS.ProcessEnv): string {
  return JSON.stringify([kube.opts.kubeconfig ?? env.KUBECONFIG ?? '', kube.opts.context ?? '']);
}

function readAll(file: string): Record<string, string> {
  try {
    const parsed = JSON.parse(readFileSync(file, 'utf8'));
    return parsed && typeof parsed === 'object' ? parsed : {};
  } catch {
    return {};
  }
}

export function readSourceHint(kube: Kube, env: NodeJS.ProcessEnv = kube.opts.env ?? process.env): string | null {
  const hint = readAll(cacheFile(env))[keyOf(kube, env)];
  return typeof hint === 'string' && hint ? hint : null;
}

/** Best effort: a cache that cannot be written only costs speed. */
export function writeSourceHint(kube: Kube, pod: string, env: NodeJS.ProcessEnv = kube.opts.env ?? process.env): void {
  const file = cacheFile(env);
  try {
    const all = readAll(file);
    const key = keyOf(kube, env);
    if (all[key] === pod) return;
    delete all[key];
    all[key] = pod;
    // keep the newest few clusters only
    for (const old of Object.keys(all).slice(0, -MAX_CLUSTERS)) delete all[old];
    mkdirSync(join(file, '..'), { recursive: true, mode: 0o700 });
    const tmp = `${file}.${process.pid}.tmp`;
    writeFileSync(tmp, JSON.stringify(all, null, 1), { mode: 0o600 });
    renameSync(tmp, file);
  } catch {
    /* ignore */
  }
}
