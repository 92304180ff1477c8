// `bundle [FILE]`: a support archive (tar.gz) to attach to a support case: the newest run's journal for this
// cluster, `status -o yaml`, and the openshift-etcd / openshift-machine-api objects the plugin reads, as YAML, with
// every Secret's data removed (only its key names are kept, in an annotation).
// Credentials (issue 20): from the journal folder only journal.json and the files the journal lists as its own
// (Journal.saveFile) are taken, never its secret files (NAME.secret.json, Journal.saveSecret) nor anything else; every
// Secret object inside them, at any depth, loses its data (scrubSecrets); README.txt names what was left out.
import { existsSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { parseAllDocuments } from 'yaml';
import { scrubSecrets } from '../security/credential.ts';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { readClusterState } from '../cluster/read.ts';
import { diagnose } from '../diagnose/diagnose.ts';
import { PluginError } from '../errors.ts';
import { sanitizeCluster, stateRoot } from '../runbooks/journal.ts';
import { readLease } from '../runbooks/lease.ts';
import { tarGz, type TarEntry } from '../bundle/tar.ts';
import type { Kube } from '../cluster/kubectl.ts';
import type { GlobalArgs } from './flags.ts';
import { connect } from './connect.ts';
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
  { file: 'openshift-etcd/leases.yaml', args: ['-n', 'openshift-etcd', 'get', 'leases.v1.coordination.k8s.io'] },
  { file: 'openshift-machine-api/machines.yaml', args: ['-n', 'openshift-machine-api', 'get', 'machines.v1beta1.machine.openshift.io'] },
  { file: 'openshift-machine-api/controlplanemachinesets.yaml', args: ['-n', 'openshift-machine-api', 'get', 'controlplanemachinesets.v1.machine.openshift.io'] },
  { file: 'openshift-machine-api/baremetalhosts.yaml', args: ['-n', 'openshift-machine-api', 'get', 'baremetalhosts.v1alpha1.metal3.io'] },
  { file: 'openshift-machine-api/secrets.yaml', args: ['-n', 'openshift-machine-api', 'get', 'secrets'] },
  { file: 'cluster/nodes.yaml', args: ['get', 'nodes'] },
  { file: 'cluster/etcd.yaml', args: ['get', 'etcds.v1.operator.openshift.io', 'cluster'] },
  { file: 'cluster/clusterversion.yaml', args: ['get', 'clusterversions.v1.config.openshift.io', 'version'] },
  { file: 'cluster/infrastructure.yaml', args: ['get', 'infrastructures.v1.config.openshift.io', 'cluster'] },
  { file: 'cluster/clusteroperator-etcd.yaml', args: ['get', 'clusteroperators.v1.config.openshift.io', 'etcd'] },
];

/** Every Secret in a kubectl answer (a List or one object, at any depth) scrubbed. */
export function scrub(doc: any): any {
  return scrubSecrets(doc);
}

/** A journal file as it goes into the bundle: JSON or YAML with every Secret scrubbed; other text as it is. */
export function scrubJournalFile(name: string, data: Buffer): Buffer {
  const text = data.toString('utf8');
  if (name.endsWith('.json')) {
    try {
      return Buffer.from(JSON.stringify(scrubSecrets(JSON.parse(text)), null, 2) + '\n');
    } catch {
      return data;
    }
  }
  if (name.endsWith('.yaml') || name.endsWith('.yml')) {
    const docs = parseAllDocuments(text);
    if (docs.some((d) => d.errors.length)) return Buffer.from('# not valid YAML: left out of the bundle\n');
    return Buffer.from(docs.map((d) => stringify(scrubSecrets(d.toJS()))).join('---\n'));
  }
  return data;
}

/** The files of a run folder the bundle takes (journal.json and the journal's own files) and those it leaves out. */
export function journalFiles(run: string): { take: string[]; leftOut: string[] } {
  let own: string[] = [];
  try {
    own = Object.keys((JSON.parse(readFileSync(join(run, 'journal.json'), 'utf8')) as { files?: Record<string, string> }).files ?? {});
  } catch {
    /* an unreadable journal.json: only itself, as it is */
  }
  const take: string[] = [];
  const leftOut: string[] = [];
  for (const f of readdirSync(run).sort()) {
    const p = join(run, f);
    if (!statSync(p).isFile() || f.includes('.tmp-')) continue;
    if ((f === 'journal.json' || own.includes(f)) && !f.endsWith('.secret.json')) take.push(f);
    else leftOut.push(f);
  }
  return { take, leftOut };
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
  const files = run ? journalFiles(run) : { take: [], leftOut: [] };
  for (const f of files.take) entries.push({ name: `journal/${f}`, data: scrubJournalFile(f, readFileSync(join(run!, f))), mode: 0o600 });
  entries.push({
    name: 'README.txt',
    data:
      `etcd-replace support bundle, ${now.toISOString()}\ncluster: ${where.server ?? '?'} (context ${where.context ?? '?'})\njournal: ${run ?? 'none for this cluster'}\n` +
      `Secrets: data removed (the cluster's objects and the journal's files), key names kept in the annotation etcd-replace.openshift.io/bundle-data-removed.\n` +
      `Credentials: none. The journal's secret files (credentials kept for a resume, mode 0600) are never included` +
      (files.leftOut.length ? `; left out of this bundle: ${files.leftOut.join(', ')}.\n` : '; this run has none.\n') +
      `No kubeconfig content, token or client key is read into this bundle.\n`,
  });
  try {
    writeFileSync(file, tarGz(entries.map((e) => ({ ...e, name: `${top}/${e.name}` }))), { mode: 0o600 });
  } catch (e) {
    throw new PluginError(`cannot write ${file}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`, { hint: 'pass a writable path: bundle FILE' });
  }
  process.stdout.write(`wrote ${file} (${entries.length} files${run ? `, journal ${run}` : ', no journal for this cluster'})\n`);
  return 0;
}
