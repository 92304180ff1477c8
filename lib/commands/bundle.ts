// `bundle [FILE]`: a support archive (tar.gz) to attach to a support case: the newest run's journal for this
// cluster, `status -o yaml`, and the openshift-etcd / openshift-machine-api objects the plugin reads, as YAML, with
// every Secret's data removed (only its key names are kept, in an annotation).
import { existsSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { readClusterState } from '../cluster/read.ts';
import { diagnose } from '../diagnose/diagnose.ts';
import { PluginError } from '../errors.ts';
import { sanitizeCluster, stateRoot } from '../runbooks/journal.ts';
import { readLease } from '../runbooks/lease.ts';
import { tarGz, type TarEntry } from '../bundle/tar.ts';
import type { Kube } from '../cluster/kubectl.ts';
import { connect, type GlobalArgs } from './flags.ts';
import { statusDocument } from './status.ts';

export interface BundleArgs extends GlobalArgs {
  file?: string;
}

/** The objects the plugin reads (cluster/read.ts, lease.ts, events.ts), one `kubectl get` each. */
export const BUNDLE_READS: { file: string; args: string[] }[] = [
  { file: 'openshift-etcd/pods.yaml', args: ['-n', 'openshift-etcd', 'get', 'pods'] },
  { file: 'openshift-etcd/secrets.yaml', args: ['-n', 'openshift-etcd', 'get', 'secrets'] },
  { file: 'openshift-etcd/events.yaml', args: ['-n', 'openshift-etcd', 'get', 'events'] },
  // the plugin's own Events (events.ts: in `default`, where kube-apiserver accepts Events about etcd/cluster)
  { file: 'default/events-etcd-replace.yaml', args: ['-n', 'default', 'get', 'events', '-l', 'app.kubernetes.io/managed-by=etcd-replace'] },
  { file: 'openshift-etcd/leases.yaml', args: ['-n', 'openshift-etcd', 'get', 'leases.coordination.k8s.io'] },
  { file: 'openshift-machine-api/machines.yaml', args: ['-n', 'openshift-machine-api', 'get', 'machines.machine.openshift.io'] },
  { file: 'openshift-machine-api/controlplanemachinesets.yaml', args: ['-n', 'openshift-machine-api', 'get', 'controlplanemachinesets.machine.openshift.io'] },
  { file: 'openshift-machine-api/baremetalhosts.yaml', args: ['-n', 'openshift-machine-api', 'get', 'baremetalhosts.metal3.io'] },
  { file: 'openshift-machine-api/secrets.yaml', args: ['-n', 'openshift-machine-api', 'get', 'secrets'] },
  { file: 'cluster/nodes.yaml', args: ['get', 'nodes'] },
  { file: 'cluster/etcd.yaml', args: ['get', 'etcds.operator.openshift.io', 'cluster'] },
  { file: 'cluster/clusterversion.yaml', args: ['get', 'clusterversions.config.openshift.io', 'version'] },
  { file: 'cluster/infrastructure.yaml', args: ['get', 'infrastructures.config.openshift.io', 'cluster'] },
  { file: 'cluster/clusteroperator-etcd.yaml', args: ['get', 'clusteroperators.config.openshift.io', 'etcd'] },
];

const LAST_APPLIED = 'kubectl.kubernetes.io/last-applied-configuration';

/** A Secret without its data: `data`/`stringData` dropped (key names kept in an annotation), last-applied dropped. */
export function scrubSecret(o: any): any {
  if (o?.kind !== 'Secret') return o;
  const keys = [...Object.keys(o.data ?? {}), ...Object.keys(o.stringData ?? {})];
  const { data: _d, stringData: _s, ...rest } = o;
  const annotations = { ...(o.metadata?.annotations ?? {}) };
  delete annotations[LAST_APPLIED];
  annotations['etcd-replace.openshift.io/bundle-data-removed'] = keys.join(',');
  return { ...rest, metadata: { ...(o.metadata ?? {}), annotations } };
}

/** Every Secret in a kubectl answer (a List or one object) scrubbed. */
export function scrub(doc: any): any {
  if (Array.isArray(doc?.items)) return { ...doc, items: doc.items.map(scrubSecret) };
  return scrubSecret(doc);
}

function newestRunDir(root: string, cluster: string): string | null {
  const dir = join(root, cluster);
  if (!existsSync(dir)) return null;
  const runs = readdirSync(dir)
    .filter((n) => existsSync(join(dir, n, 'journal.json')))
    .sort();
  return runs.length ? join(dir, runs[runs.length - 1]!) : null;
}

async function objects(kube: Kube): Promise<TarEntry[]> {
  return Promise.all(
    BUNDLE_READS.map(async ({ file, args }) => {
      const r = await kube.run([...args, '-o', 'json'], { allowFailure: true, retries: 1 });
      if (r.exitCode !== 0) return { name: `objects/${file.replace(/\.yaml$/, '.error.txt')}`, data: `${kube.display(args)}\n${r.stderr}` };
      return { name: `objects/${file}`, data: stringify(scrub(JSON.parse(r.stdout))) };
    }),
  );
}

export async function bundleCommand(argv: BundleArgs, now = new Date()): Promise<number> {
  const kube = connect(argv);
  const stamp = now.toISOString().replace(/[-:]/g, '').replace(/\.\d+Z$/, 'Z');
  const file = argv.file ?? `etcd-replace-bundle-${stamp}.tar.gz`;
  const top = `etcd-replace-bundle-${stamp}`;
  const where = { ...(await kube.server()) };
  if (kube.opts.server) where.server = kube.opts.server;
  const cluster = sanitizeCluster(where.server ?? where.context ?? 'default');
  const entries: TarEntry[] = [];
  const [state, lease, objs] = await Promise.all([
    readClusterState(kube).catch((e) => e as Error),
    readLease(kube).catch(() => null),
    objects(kube),
  ]);
  if (state instanceof Error) entries.push({ name: 'status.error.txt', data: `${state.message}\n` });
  else entries.push({ name: 'status.yaml', data: stringify(statusDocument(state, diagnose(state), { ...where, client: kube.binary }, lease)) });
  entries.push(...objs);
  const run = newestRunDir(stateRoot(), cluster);
  if (run) {
    for (const f of readdirSync(run).sort()) {
      const p = join(run, f);
      if (!statSync(p).isFile() || f.includes('.tmp-')) continue;
      entries.push({ name: `journal/${f}`, data: readFileSync(p), mode: 0o600 });
    }
  }
  entries.push({
    name: 'README.txt',
    data: `etcd-replace support bundle, ${now.toISOString()}\ncluster: ${where.server ?? '?'} (context ${where.context ?? '?'})\njournal: ${run ?? 'none for this cluster'}\nSecrets: data removed, key names kept in the annotation etcd-replace.openshift.io/bundle-data-removed.\n`,
  });
  try {
    writeFileSync(file, tarGz(entries.map((e) => ({ ...e, name: `${top}/${e.name}` }))), { mode: 0o600 });
  } catch (e) {
    throw new PluginError(`cannot write ${file}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`, { hint: 'pass a writable path: bundle FILE' });
  }
  process.stdout.write(`wrote ${file} (${entries.length} files${run ? `, journal ${run}` : ', no journal for this cluster'})\n`);
  return 0;
}
