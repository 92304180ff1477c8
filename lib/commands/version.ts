// `version`: plugin version, commit, Node runtime. Version and commit are inlined by the binary build
// (esbuild `define`); from source, the version comes from package.json and the commit from git (if any).
import { execFileSync } from 'node:child_process';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import pkg from '../../package.json' with { type: 'json' };

declare const __ETCD_REPLACE_VERSION__: string | undefined;
declare const __ETCD_REPLACE_COMMIT__: string | undefined;

export function pluginVersion(): string {
  return typeof __ETCD_REPLACE_VERSION__ === 'string' ? __ETCD_REPLACE_VERSION__ : (pkg as { version: string }).version;
}

export function pluginCommit(): string {
  if (typeof __ETCD_REPLACE_COMMIT__ === 'string' && __ETCD_REPLACE_COMMIT__) return __ETCD_REPLACE_COMMIT__;
  if (process.env.ETCD_REPLACE_COMMIT) return process.env.ETCD_REPLACE_COMMIT;
  try {
    const dir = dirname(fileURLToPath(import.meta.url));
    return execFileSync('git', ['-C', resolve(dir, '../..'), 'rev-parse', '--short=12', 'HEAD'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'], timeout: 3000 }).trim() || 'unknown';
  } catch {
    return 'unknown';
  }
}

export function versionInfo(): { version: string; commit: string; node: string } {
  return { version: pluginVersion(), commit: pluginCommit(), node: process.version };
}

export function versionCommand(argv: { output?: string } = {}, out: NodeJS.WriteStream = process.stdout): number {
  const v = versionInfo();
  if (argv.output === 'json') out.write(JSON.stringify(v) + '\n');
  else out.write(`kubectl-etcd_replace ${v.version} (commit ${v.commit}, node ${v.node})\n`);
  return 0;
}
