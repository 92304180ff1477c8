// Flags shared by every command: the kubectl connection flags (kubectl does not parse flags for a plugin, so
// the plugin accepts them and forwards them to every oc/kubectl call), --client and --no-color.
// Spelling and meaning follow kubectl (k8s.io/cli-runtime genericclioptions.ConfigFlags, kubectl --dry-run).
// Loaded for every invocation (help, completion): nothing here may import the adapter (connect.ts does).
import type { Argv } from 'yargs';
import type { KubeOptions } from '../cluster/kubectl.ts';
import { Credential } from '../security/credential.ts';

export const CLIENTS = ['oc', 'kubectl'] as const;
export type Client = (typeof CLIENTS)[number];

/** Raised for bad flag values; main turns it into a usage error (exit 2). */
export class FlagError extends Error {}

/** Flags taking a value: an empty value (`--member=`) is a usage error, never "use the default". */
export const VALUED_GLOBALS = [
  'kubeconfig', 'context', 'cluster', 'user', 'server', 'token', 'as', 'as-group', 'certificate-authority', 'client-certificate', 'client-key',
  'tls-server-name', 'cache-dir', 'request-timeout', 'client', 'namespace',
] as const;

/** The namespaces the plugin works in; `-n` with one of them is accepted (out of kubectl habit) and changes nothing. */
export const PLUGIN_NAMESPACES = ['openshift-etcd', 'openshift-machine-api'] as const;

/** Every global flag, in the order help lists them. */
export const GLOBAL_KEYS = [
  'kubeconfig', 'context', 'cluster', 'user', 'server', 'token', 'as', 'as-group', 'certificate-authority', 'client-certificate', 'client-key',
  'tls-server-name', 'insecure-skip-tls-verify', 'cache-dir', 'request-timeout', 'namespace', 'v', 'client', 'color',
] as const;

/** The heading of the global flags in every command's help (the command's own flags come first, under "Options:"). */
export const GLOBAL_GROUP = 'Global flags (kubectl connection flags, forwarded to every oc/kubectl call):';

export function globalFlags<T>(y: Argv<T>) {
  return y
    .option('kubeconfig', { type: 'string', requiresArg: true, global: true, describe: 'path to the kubeconfig file (default: $KUBECONFIG or ~/.kube/config)' })
    .option('context', { type: 'string', requiresArg: true, global: true, describe: 'the kubeconfig context to use' })
    .option('cluster', { type: 'string', requiresArg: true, global: true, describe: 'the kubeconfig cluster to use' })
    .option('user', { type: 'string', requiresArg: true, global: true, describe: 'the kubeconfig user to use' })
    .option('server', { alias: 's', type: 'string', requiresArg: true, global: true, describe: 'the address and port of the Kubernetes API server' })
    .option('token', { type: 'string', requiresArg: true, global: true, describe: 'bearer token for authentication to the API server (never shown in plans or logs)' })
    .option('as', { type: 'string', requiresArg: true, global: true, describe: 'username to impersonate for the operation' })
    .option('as-group', { type: 'string', requiresArg: true, global: true, describe: 'group to impersonate for the operation (repeat for several)' })
    .option('certificate-authority', { type: 'string', requiresArg: true, global: true, describe: 'path to a cert file for the certificate authority' })
    .option('client-certificate', { type: 'string', requiresArg: true, global: true, describe: 'path to a client certificate file for TLS' })
    .option('client-key', { type: 'string', requiresArg: true, global: true, describe: 'path to a client key file for TLS' })
    .option('tls-server-name', { type: 'string', requiresArg: true, global: true, describe: "server name to check the server's certificate against (reach the API by IP when DNS or the load balancer is broken)" })
    .option('insecure-skip-tls-verify', { type: 'boolean', global: true, describe: "don't check the server's certificate (insecure)" })
    .option('cache-dir', { type: 'string', requiresArg: true, global: true, describe: "kubectl's discovery cache folder (default: ~/.kube/cache)" })
    .option('request-timeout', { type: 'string', requiresArg: true, global: true, describe: 'time limit of a single API request, kubectl syntax (30s, 1m, 0 = none)' })
    .option('namespace', { alias: 'n', type: 'string', requiresArg: true, global: true, describe: `accepted for kubectl habit: the plugin always works in ${PLUGIN_NAMESPACES.join(' and ')}` })
    .option('v', { type: 'number', requiresArg: true, global: true, describe: "log level: forwarded to oc/kubectl, whose request log then goes to stderr; any level > 0 also prints each oc/kubectl call" })
    .option('client', { choices: CLIENTS, requiresArg: true, global: true, describe: 'the client binary to run (default: oc when on PATH, else kubectl)' })
    .option('color', { type: 'boolean', default: true, global: true, describe: 'colored output on a terminal (--no-color, NO_COLOR or TERM=dumb disable it)' })
    .group([...GLOBAL_KEYS], GLOBAL_GROUP);
}

/** kubectl's duration syntax for --request-timeout: a number of seconds or Go durations such as 30s, 1m30s, 500ms. */
export function validDuration(s: string): boolean {
  return /^(\d+|(\d+(\.\d+)?(ns|us|µs|ms|s|m|h))+)$/.test(s);
}

/**
 * kubectl's --dry-run: bare flag = client (print the plan, change nothing), `server` = also submit every API write with
 * --dry-run=server, `none` = a real run. Anything else is a usage error.
 */
export type DryRun = 'none' | 'client' | 'server';
export function parseDryRun(v: unknown): DryRun {
  if (v === undefined || v === false) return 'none';
  if (v === '' || v === true) return 'client';
  if (v === 'client' || v === 'server' || v === 'none') return v;
  throw new FlagError(`invalid value ${JSON.stringify(Array.isArray(v) ? v.join(',') : v)} for --dry-run: choose one of client, server, none (the bare flag means client)`);
}

const asList = (v: unknown): string[] => (v === undefined ? [] : Array.isArray(v) ? v.map(String) : [String(v)]);
/** --token's value sealed at once (lib/security/credential.ts): from here on it shows only as <redacted>. */
const sealed = (v: string | undefined): Credential | undefined => (v === undefined ? undefined : new Credential(v));
const one = (v: unknown): string | undefined => (Array.isArray(v) ? (v.length ? String(v[v.length - 1]) : undefined) : v === undefined ? undefined : String(v));

/** Checks flag values that yargs cannot (empty values, durations, log level); throws FlagError. */
export function checkGlobalFlags(a: Record<string, unknown>): void {
  for (const f of VALUED_GLOBALS) {
    for (const v of asList(a[f])) if (v.trim() === '') throw new FlagError(`--${f} needs a value`);
  }
  const rt = one(a['request-timeout']);
  if (rt !== undefined && !validDuration(rt)) throw new FlagError(`invalid value "${rt}" for --request-timeout: use kubectl's syntax, e.g. 30s, 1m or 0`);
  const ns = one(a.namespace);
  if (ns !== undefined && !(PLUGIN_NAMESPACES as readonly string[]).includes(ns)) {
    throw new FlagError(`-n ${ns}: the plugin always works in ${PLUGIN_NAMESPACES.join(' and ')}; leave -n out`);
  }
  const v = a.v;
  if (v !== undefined && (typeof v !== 'number' || !Number.isInteger(v) || v < 0)) throw new FlagError(`invalid value "${String(v)}" for -v: a log level 0-10`);
}

export interface GlobalArgs {
  kubeconfig?: string;
  context?: string;
  cluster?: string;
  user?: string;
  server?: string;
  token?: Credential;
  as?: string;
  asGroup?: string[];
  certificateAuthority?: string;
  clientCertificate?: string;
  clientKey?: string;
  tlsServerName?: string;
  insecureSkipTlsVerify?: boolean;
  cacheDir?: string;
  requestTimeout?: string;
  verbosity?: number;
  client?: Client;
  noColor?: boolean;
}

/** yargs argv → the global flags (last value wins for repeated single-value flags, as in kubectl). */
export function globalArgs(a: Record<string, unknown>): GlobalArgs {
  return {
    kubeconfig: one(a.kubeconfig),
    context: one(a.context),
    cluster: one(a.cluster),
    user: one(a.user),
    server: one(a.server),
    token: sealed(one(a.token)),
    as: one(a.as),
    asGroup: asList(a['as-group']),
    certificateAuthority: one(a['certificate-authority']),
    clientCertificate: one(a['client-certificate']),
    clientKey: one(a['client-key']),
    tlsServerName: one(a['tls-server-name']),
    insecureSkipTlsVerify: a['insecure-skip-tls-verify'] === true ? true : undefined,
    cacheDir: one(a['cache-dir']),
    requestTimeout: one(a['request-timeout']),
    verbosity: typeof a.v === 'number' ? a.v : undefined,
    client: one(a.client) as Client | undefined,
    noColor: a.color === false,
  };
}

export function kubeOptions(g: GlobalArgs, env?: NodeJS.ProcessEnv): KubeOptions {
  const { noColor: _n, ...k } = g;
  return { ...k, ...(env ? { env } : {}) };
}
