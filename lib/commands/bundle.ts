// `bundle [FILE]`: a support archive (tar.gz) to attach to a support case, laid out as a must-gather (issue 22): the
// objects the plugin reads where `oc adm inspect` writes them and etcd_info/ as must-gather's gather_etcd writes it, in
// the image folder etcd-replace/ (so `status --from`, omc and must-gather scripts read it), plus the newest run's
// journal for this cluster and `status -o yaml`; every Secret's data removed (only its key names are kept, in an
// annotation).
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
import { ETCD_INFO_FILES, goTime, listPath, objectPath, podPath } from '../offline/layout.ts';
import { etcdctl } from '../etcd/exec.ts';
import { pluginVersion } from './version.ts';
import { statusDocument } from './status.ts';

export interface BundleArgs extends GlobalArgs {
  file?: string;
}

/** The image folder of the bundle's must-gather layout (a must-gather has one per image; this is ours). */
export const BUNDLE_IMAGE_FOLDER = 'etcd-replace';

/**
 * The objects the plugin reads (cluster/read.ts, lease.ts, events.ts), one `kubectl get` each, written where
 * `oc adm inspect` writes them (lib/offline/layout.ts): `list` = the namespace's List file
 * (namespaces/<ns>/<group>/<resource>.yaml), else one file per object (…/<resource>/<name>.yaml).
 */
export const BUNDLE_READS: { group: string; resource: string; ns?: string; list?: boolean; args: string[] }[] = [
  { group: '', resource: 'pods', ns: 'openshift-etcd', list: true, args: ['-n', 'openshift-etcd', 'get', 'pods'] },
  { group: '', resource: 'secrets', ns: 'openshift-etcd', list: true, args: ['-n', 'openshift-etcd', 'get', 'secrets'] },
  { group: '', resource: 'events', ns: 'openshift-etcd', list: true, args: ['-n', 'openshift-etcd', 'get', 'events'] },
  // the plugin's own Events (events.ts: in `default`, where kube-apiserver accepts Events about etcd/cluster)
  { group: '', resource: 'events', ns: 'default', list: true, args: ['-n', 'default', 'get', 'events', '-l', 'app.kubernetes.io/managed-by=etcd-replace'] },
  { group: 'coordination.k8s.io', resource: 'leases', ns: 'openshift-etcd', args: ['-n', 'openshift-etcd', 'get', 'leases.v1.coordination.k8s.io'] },
  { group: 'machine.openshift.io', resource: 'machines', ns: 'openshift-machine-api', args: ['-n', 'openshift-machine-api', 'get', 'machines.v1beta1.machine.openshift.io'] },
  { group: 'machine.openshift.io', resource: 'controlplanemachinesets', ns: 'openshift-machine-api', args: ['-n', 'openshift-machine-api', 'get', 'controlplanemachinesets.v1.machine.openshift.io'] },
  { group: 'metal3.io', resource: 'baremetalhosts', ns: 'openshift-machine-api', args: ['-n', 'openshift-machine-api', 'get', 'baremetalhosts.v1alpha1.metal3.io'] },
  { group: '', resource: 'secrets', ns: 'openshift-machine-api', list: true, args: ['-n', 'openshift-machine-api', 'get', 'secrets'] },
  { group: '', resource: 'configmaps', ns: 'kube-system', args: ['-n', 'kube-system', 'get', 'configmaps', 'cluster-config-v1'] },
  { group: '', resource: 'nodes', args: ['get', 'nodes'] },
  { group: 'operator.openshift.io', resource: 'etcds', args: ['get', 'etcds.v1.operator.openshift.io', 'cluster'] },
  { group: 'config.openshift.io', resource: 'clusterversions', args: ['get', 'clusterversions.v1.config.openshift.io', 'version'] },
  { group: 'config.openshift.io', resource: 'infrastructures', args: ['get', 'infrastructures.v1.config.openshift.io', 'cluster'] },
  { group: 'config.openshift.io', resource: 'networks', args: ['get', 'networks.v1.config.openshift.io', 'cluster'] },
  { group: 'config.openshift.io', resource: 'clusteroperators', args: ['get', 'clusteroperators.v1.config.openshift.io', 'etcd', 'kube-apiserver', 'machine-api', 'control-plane-machine-set', 'baremetal', '--ignore-not-found'] },
];

/** sigs.k8s.io/yaml order (keys sorted), as oc adm inspect prints */
const toYaml = (o: unknown) => stringify(o, { sortMapEntries: true, lineWidth: 0, aliasDuplicateObjects: false });

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

function run(root: string, cluster: string): string | null {
  const dir = join(root, cluster);
  if (!existsSync(dir)) return null;
  const runs = readdirSync(dir)
    .filter((n) => existsSync(join(dir, n, 'journal.json')))
    .sort();
  return runs.length ? join(dir, runs[runs.length - 1]!) : null;
}

async function objects(kube: Kube): Promise<TarEntry[]> {
  const at = (p: string) => `${BUNDLE_IMAGE_FOLDER}/${p}`;
  const parts = await Promise.all(
    BUNDLE_READS.map(async (r): Promise<TarEntry[]> => {
      const res = await kube.run([...r.args, '-o', 'json'], { allowFailure: true, retries: 1 });
      if (res.exitCode !== 0) return [{ name: at(`${listPath(r.group, r.resource, r.ns)}.error.txt`), data: `${kube.display(r.args)}\n${res.stderr}` }];
      const doc = scrub(res.stdout.trim() ? JSON.parse(res.stdout) : { apiVersion: 'v1', kind: 'List', items: [] });
      const items: any[] = Array.isArray(doc.items) ? doc.items : [doc];
      if (r.list) {
        const out: TarEntry[] = [{ name: at(listPath(r.group, r.resource, r.ns)), data: toYaml(doc) }];
        // inspect also writes every pod of an inspected namespace on its own: namespaces/<ns>/pods/<pod>/<pod>.yaml
        if (r.resource === 'pods' && r.ns) for (const p of items) out.push({ name: at(podPath(r.ns, p.metadata.name)), data: toYaml(p) });
        return out;
      }
      return items.map((o) => ({ name: at(objectPath(r.group, r.resource, o.metadata.name, o.metadata?.namespace || undefined)), data: toYaml(o) }));
    }),
  );
  return parts.flat();
}

/**
 * etcd_info/ as openshift/must-gather's gather_etcd writes it (lib/offline/etcd-info.ts), from the pod the live read
 * used: member list, endpoint status, endpoint health (every member: --cluster) and alarm list, each `-w json`.
 */
async function etcdInfo(kube: Kube, pod: string | null): Promise<{ entries: TarEntry[]; log: string }> {
  if (!pod) return { entries: [], log: 'ERROR: No running etcd pods found' };
  const reads: [string, string[]][] = [
    [ETCD_INFO_FILES.members, ['member', 'list', '-w', 'json']],
    [ETCD_INFO_FILES.status, ['endpoint', 'status', '--cluster', '-w', 'json']],
    [ETCD_INFO_FILES.health, ['endpoint', 'health', '--cluster', '-w', 'json']],
    [ETCD_INFO_FILES.alarms, ['alarm', 'list', '-w', 'json']],
  ];
  const outs = await Promise.all(reads.map(([, args]) => etcdctl(kube, pod, args, { allowFailure: true, timeoutMs: 30_000 }).catch(() => ({ stdout: '' }))));
  return {
    entries: reads.map(([file], i) => ({ name: `${BUNDLE_IMAGE_FOLDER}/${file}`, data: outs[i]!.stdout })),
    log: `Getting information from pod "${pod}", container "etcdctl"`,
  };
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
  const info = await etcdInfo(kube, state instanceof Error ? null : state.memberSource);
  if (state instanceof Error) entries.push({ name: 'status.error.txt', data: `${state.message}\n` });
  else entries.push({ name: 'status.yaml', data: stringify(statusDocument(state, diagnose(state), { ...where, client: kube.binary }, lease)) });
  const done = new Date();
  const readme =
    `etcd-replace support bundle, ${now.toISOString()}\ncluster: ${where.server ?? '?'} (context ${where.context ?? '?'})\njournal: ${run(stateRoot(), cluster) ?? 'none for this cluster'}\n` +
    `Layout: a must-gather (oc adm must-gather / oc adm inspect paths) in ${BUNDLE_IMAGE_FOLDER}/, with etcd_info/ as the must-gather's gather_etcd writes it; ` +
    `\`etcd-replace status --from THIS-FILE\` reads it, and so do must-gather tools.\n` +
    `Secrets: data removed (the cluster's objects and the journal's files), key names kept in the annotation etcd-replace.openshift.io/bundle-data-removed.\n`;
  entries.push(
    { name: 'timestamp', data: `${goTime(now)}\n${goTime(done)}\n` },
    { name: `${BUNDLE_IMAGE_FOLDER}/timestamp`, data: `${goTime(now)}\n${goTime(done)}\n` },
    { name: `${BUNDLE_IMAGE_FOLDER}/version`, data: `etcd-replace\n${pluginVersion()}\n` },
    { name: `${BUNDLE_IMAGE_FOLDER}/gather.logs`, data: `${now.toISOString()} ${info.log}\n` },
    { name: `${BUNDLE_IMAGE_FOLDER}/etcd-replace-bundle.txt`, data: readme },
    ...objs,
    ...info.entries,
  );
  const runDir = run(stateRoot(), cluster);
  const files = runDir ? journalFiles(runDir) : { take: [], leftOut: [] };
  for (const f of files.take) entries.push({ name: `journal/${f}`, data: scrubJournalFile(f, readFileSync(join(runDir!, f))), mode: 0o600 });
  entries.push({
    name: 'README.txt',
    data:
      readme +
      `Credentials: none. The journal's secret files (credentials kept for a resume, mode 0600) are never included` +
      (files.leftOut.length ? `; left out of this bundle: ${files.leftOut.join(', ')}.\n` : '; this run has none.\n') +
      `No kubeconfig content, token or client key is read into this bundle.\n`,
  });
  try {
    writeFileSync(file, tarGz(entries.map((e) => ({ ...e, name: `${top}/${e.name}` }))), { mode: 0o600 });
  } catch (e) {
    throw new PluginError(`cannot write ${file}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`, { hint: 'pass a writable path: bundle FILE' });
  }
  process.stdout.write(`wrote ${file} (${entries.length} files${runDir ? `, journal ${runDir}` : ', no journal for this cluster'})\n`);
  return 0;
}
