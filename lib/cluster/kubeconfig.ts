// Which kubeconfig kubectl/oc will load, checked before the first call: kubectl silently skips a KUBECONFIG
// entry that does not exist and then talks to http://localhost:8080, which hides the real mistake.
// Loading rules as client-go's clientcmd (tools/clientcmd/loader.go): --kubeconfig must exist; KUBECONFIG is a
// PATH-style list whose missing entries are skipped; else ~/.kube/config, else (in a pod) the in-cluster service
// account. --server makes a kubeconfig optional.
import { accessSync, constants, readFileSync, statSync } from 'node:fs';
import { homedir } from 'node:os';
import { delimiter, join } from 'node:path';
import { PluginError } from '../errors.ts';
import { registerSecret } from '../security/credential.ts';

export interface KubeconfigChoice {
  /** the files kubectl will read (may be empty with --server) */
  files: string[];
  source: '--kubeconfig' | 'KUBECONFIG' | '~/.kube/config' | 'none';
}

function problem(file: string): string | null {
  try {
    const st = statSync(file);
    if (st.isDirectory()) return 'is a directory';
    accessSync(file, constants.R_OK);
    return null;
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR') return 'does not exist';
    if (code === 'EACCES' || code === 'EPERM') return 'is not readable (permission denied)';
    return `cannot be read (${code ?? (err as Error).message})`;
  }
}

/**
 * The home folder client-go reads `.kube/config` from (k8s.io/client-go util/homedir/homedir.go HomeDir). Elsewhere
 * $HOME. On Windows: the first of HOME, HOMEDRIVE+HOMEPATH, USERPROFILE that holds `.kube\config`; else the first of
 * HOME, USERPROFILE, HOMEDRIVE+HOMEPATH that exists and is writable; else the first that exists; else the first set.
 */
export function kubeHome(env: NodeJS.ProcessEnv = process.env, platform: NodeJS.Platform = process.platform): string {
  if (platform !== 'win32') return env.HOME || homedir();
  const driveHome = env.HOMEDRIVE && env.HOMEPATH ? env.HOMEDRIVE + env.HOMEPATH : '';
  const byConfig = [env.HOME ?? '', driveHome, env.USERPROFILE ?? ''].filter(Boolean);
  const byProfile = [env.HOME ?? '', env.USERPROFILE ?? '', driveHome].filter(Boolean);
  const can = (p: string, mode: number) => {
    try {
      accessSync(p, mode);
      return true;
    } catch {
      return false;
    }
  };
  return (
    byConfig.find((d) => can(join(d, '.kube', 'config'), constants.F_OK)) ??
    byProfile.find((d) => can(d, constants.W_OK)) ??
    byProfile.find((d) => can(d, constants.F_OK)) ??
    byProfile[0] ??
    homedir()
  );
}

/** Throws a one-line PluginError when no usable kubeconfig is there; returns what will be used. */
export function checkKubeconfig(o: { kubeconfig?: string; server?: string }, env: NodeJS.ProcessEnv = process.env, platform: NodeJS.Platform = process.platform): KubeconfigChoice {
  if (o.kubeconfig) {
    const p = problem(o.kubeconfig);
    if (p) throw new PluginError(`kubeconfig ${o.kubeconfig} (from --kubeconfig) ${p}`, { hint: 'pass an existing, readable file with --kubeconfig' });
    return { files: [o.kubeconfig], source: '--kubeconfig' };
  }
  const list = env.KUBECONFIG;
  if (list !== undefined && list !== '') {
    const entries = list.split(delimiter).filter(Boolean);
    const usable = entries.filter((f) => problem(f) === null);
    const unreadable = entries.find((f) => problem(f) !== null && problem(f) !== 'does not exist');
    if (unreadable) throw new PluginError(`kubeconfig ${unreadable} (from KUBECONFIG) ${problem(unreadable)}`, { hint: 'fix its permissions or KUBECONFIG' });
    if (usable.length === 0 && !o.server) {
      const what = entries.length === 1 ? `kubeconfig ${entries[0]} (from KUBECONFIG) does not exist` : `none of the kubeconfig files in KUBECONFIG exists (${entries.join(delimiter)})`;
      throw new PluginError(what, { hint: 'set KUBECONFIG to an existing file, or pass --kubeconfig' });
    }
    return { files: usable, source: 'KUBECONFIG' };
  }
  const home = join(kubeHome(env, platform), '.kube', 'config');
  const p = problem(home);
  if (p === null) return { files: [home], source: '~/.kube/config' };
  if (o.server) return { files: [], source: 'none' };
  // in a pod, client-go falls back to the in-cluster service account (rest.InClusterConfig)
  if (p === 'does not exist' && env.KUBERNETES_SERVICE_HOST) return { files: [], source: 'none' };
  if (p === 'does not exist') {
    throw new PluginError(`no kubeconfig: KUBECONFIG is not set and ${home} does not exist`, { hint: 'log in with `oc login`, set KUBECONFIG, or pass --kubeconfig' });
  }
  throw new PluginError(`kubeconfig ${home} ${p}`, { hint: 'fix its permissions, set KUBECONFIG, or pass --kubeconfig' });
}

/** A name (exec env variable, exec argument flag, auth-provider config key) that says its value is a credential. */
const SECRET_NAME = /token|secret|passw|credential|cookie|key|pat$/i;

/**
 * Seals the credentials of a kubeconfig as `kubectl config view --raw --flatten -o json` prints it (the users' AuthInfo,
 * client-go tools/clientcmd/api/v1/types.go): token, the tokenFile's contents, password, client-key-data, the
 * auth-provider's tokens and secrets, and of an exec credential plugin (ExecConfig) the values of its `env` entries
 * and `--flag=value` / `--flag value` arguments whose name says credential (e.g. GITHUB_TOKEN, AWS_SECRET_ACCESS_KEY,
 * --client-secret; plain `config view` shows those in clear, unlike a token). Nothing is kept or returned: redact()
 * only learns to remove them from text. (The credential an exec plugin makes is made at call time inside kubectl and
 * never reaches us.)
 */
export function sealKubeconfigCredentials(cfg: any): void {
  const str = (v: unknown): v is string => typeof v === 'string' && v !== '';
  for (const u of Array.isArray(cfg?.users) ? cfg.users : []) {
    const a = u?.user ?? {};
    if (str(a.token)) registerSecret(a.token);
    if (str(a.password)) registerSecret(a.password);
    if (str(a['client-key-data'])) registerSecret(a['client-key-data'], true);
    if (str(a.tokenFile)) {
      try {
        registerSecret(readFileSync(a.tokenFile, 'utf8').trim());
      } catch {
        /* kubectl reports an unreadable token file itself */
      }
    }
    for (const [k, v] of Object.entries(a['auth-provider']?.config ?? {})) if (/token|secret/i.test(k) && str(v)) registerSecret(v);
    const exec = a.exec ?? {};
    for (const e of Array.isArray(exec.env) ? exec.env : []) if (str(e?.name) && SECRET_NAME.test(e.name) && str(e?.value)) registerSecret(e.value);
    const args: unknown[] = Array.isArray(exec.args) ? exec.args : [];
    args.forEach((arg, i) => {
      if (!str(arg) || !arg.startsWith('-')) return;
      const eq = arg.indexOf('=');
      const flag = eq < 0 ? arg : arg.slice(0, eq);
      if (!SECRET_NAME.test(flag.replace(/^-+/, ''))) return;
      const value = eq < 0 ? args[i + 1] : arg.slice(eq + 1);
      if (str(value) && !(eq < 0 && value.startsWith('-'))) registerSecret(value);
    });
  }
}
