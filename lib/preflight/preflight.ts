// Preflight: before any change, every failure we can predict. Each check has a result shown in the plan's
// preflight table (and in `-o json`); one failed check refuses the run (exit 4) with nothing changed.
//   permissions   SelfSubjectAccessReview for every verb/resource/namespace the plan uses (access.ts)
//   debug-pod     the exact privileged pod that runs node commands, created with --dry-run=server (admission,
//                 Pod Security) on each node the plan runs commands on; its image (hostcmd.ts debugImage)
//   backup-space  free space where cluster-backup.sh writes ≥ snapshot (DB size) + static pod resources (space.ts)
//   data-move     procedure B: room for moving /var/lib/etcd aside (stop-etcd.ts), when it is a copy
//   etcd-alarms   `etcdctl alarm list` is empty (NOSPACE / CORRUPT make every write fail)
//   controllers   procedure A: the machine-api operator (and baremetal, and control-plane-machine-set when the
//                 CPMS is Active) Available, else no new machine will ever come
import { stringify } from 'yaml';
import type { Kube } from '../cluster/kubectl.ts';
import { firstErrorLine } from '../cluster/kubectl.ts';
import { DEBUG_NS, debugImage, debugPodManifest, debugPodName, runOnNode } from '../cluster/hostcmd.ts';
import { etcdctl } from '../etcd/exec.ts';
import { parseAlarmList } from '../etcd/alarms.ts';
import { parseStatusFile } from '../offline/etcd-info.ts';
import type { ClusterState, EtcdAlarm } from '../types.ts';
import type { PlanFacts, Step } from '../runbooks/step.ts';
import { GRANTING_ROLE, accessLabel, planAccess, reviewAccess } from './access.ts';
import { backupNeedKiB, fmtKiB, parseSpaceProbe, spaceProbeScript } from './space.ts';

export type CheckStatus = 'passed' | 'failed' | 'skipped';

export interface PreflightCheck {
  id: 'permissions' | 'debug-pod' | 'backup-space' | 'data-move' | 'etcd-alarms' | 'controllers';
  title: string;
  status: CheckStatus;
  detail: string;
  /** permissions: what is missing, one `verb resource in namespace` each */
  missing?: string[];
}

export interface PreflightOptions {
  /** the first step still to run (resume), default 0 */
  from?: number;
  /** ids of steps already done or skipped (resume): their checks are not repeated */
  done?: Set<string>;
  /** a dry run starts no pod on a node: the node-side space checks are left to the real run */
  dryRun: 'none' | 'client' | 'server';
  /** who the API server sees (for the permissions detail) */
  user?: string;
}

const ok = (id: PreflightCheck['id'], title: string, detail: string): PreflightCheck => ({ id, title, status: 'passed', detail });
const bad = (id: PreflightCheck['id'], title: string, detail: string): PreflightCheck => ({ id, title, status: 'failed', detail });
const skip = (id: PreflightCheck['id'], title: string, detail: string): PreflightCheck => ({ id, title, status: 'skipped', detail });

async function permissions(kube: Kube, f: PlanFacts, steps: Step[], o: PreflightOptions): Promise<PreflightCheck> {
  const title = 'permissions';
  const needed = planAccess(f, steps, o.from ?? 0);
  try {
    const answers = await reviewAccess(kube, needed);
    const denied = answers.filter((a) => !a.allowed);
    const who = o.user ? ` for ${o.user}` : '';
    if (!denied.length) return ok('permissions', title, `all ${answers.length} allowed${who} (SelfSubjectAccessReview)`);
    const missing = denied.map((d) => `${accessLabel(d.access)} (${d.access.usedBy.join(', ')})`);
    return {
      ...bad('permissions', title, `${denied.length} of ${answers.length} not allowed${who}: ${missing.join('; ')}; the ClusterRole ${GRANTING_ROLE} grants them (the runbook's prerequisite): \`oc adm policy add-cluster-role-to-user ${GRANTING_ROLE} <user>\``),
      missing: denied.map((d) => accessLabel(d.access)),
    };
  } catch (e) {
    return bad('permissions', title, `could not ask the API server: ${(e as Error).message}`);
  }
}

/** The nodes the remaining steps run node commands on. */
function commandNodes(f: PlanFacts, steps: Step[], from: number): string[] {
  const ids = new Set(steps.slice(from).map((s) => s.id));
  const out: string[] = [];
  if (ids.has('backup')) out.push(f.backupNode);
  if (ids.has('stop-etcd-pod') && !out.includes(f.target.node)) out.push(f.target.node);
  return out;
}

async function debugPods(kube: Kube, nodes: string[]): Promise<PreflightCheck> {
  const title = 'node-command pod admitted';
  if (!nodes.length) return skip('debug-pod', title, 'no node command left to run');
  const parts: string[] = [];
  const failed: string[] = [];
  for (const node of nodes) {
    let img;
    try {
      img = await debugImage(kube, node);
    } catch (e) {
      failed.push(`${node}: cannot choose an image: ${(e as Error).message}`);
      continue;
    }
    const manifest = stringify(debugPodManifest(debugPodName(node), node, img.image, spaceProbeScript(false)));
    const r = await kube.run(['create', '-f', '-', '--dry-run=server', '-o', 'name'], { input: manifest, allowFailure: true });
    if (r.exitCode !== 0) {
      failed.push(`${node}: the API server refused the privileged pod in ${DEBUG_NS}: ${firstErrorLine(r.stderr) || `exit code ${r.exitCode}`}`);
      continue;
    }
    parts.push(`${node}: admitted (server dry run); image ${img.image} (${img.onNode ? `${img.source}, imagePullPolicy IfNotPresent: no pull` : `${img.source}: the node will pull it`})`);
  }
  if (failed.length) return bad('debug-pod', title, `${failed.join('; ')}; node commands (backup${nodes.length > 1 ? ', moving the etcd data aside' : ''}) cannot run`);
  return ok('debug-pod', title, parts.join('; '));
}

async function space(kube: Kube, f: PlanFacts, state: Pick<ClusterState, 'members'>, steps: Step[], o: PreflightOptions): Promise<PreflightCheck[]> {
  const ids = new Set(steps.slice(o.from ?? 0).map((s) => s.id));
  const out: PreflightCheck[] = [];
  const backupTitle = 'backup space';
  const moveTitle = 'room to move the etcd data';
  const wantBackup = ids.has('backup') && !o.done?.has('backup');
  const wantMove = ids.has('stop-etcd-pod') && !o.done?.has('stop-etcd-pod');
  if (o.dryRun !== 'none') {
    const why = 'checked on the node by a real run before any change (a dry run starts no pod)';
    if (ids.has('backup')) out.push(skip('backup-space', backupTitle, why));
    if (ids.has('stop-etcd-pod')) out.push(skip('data-move', moveTitle, why));
    return out;
  }
  const probe = async (node: string, dataMove: boolean) => {
    const r = await runOnNode(kube, node, spaceProbeScript(dataMove), { timeoutMs: 5 * 60_000 });
    const p = r.exitCode === 0 ? parseSpaceProbe(r.output) : null;
    if (!p) throw new Error(`the probe on ${node} exited ${r.exitCode}: ${r.output.trim().split('\n').slice(-2).join(' / ')}`);
    return p;
  };
  const [b, m] = await Promise.all([
    wantBackup ? probe(f.backupNode, false).catch((e: Error) => e) : null,
    wantMove ? probe(f.target.node, true).catch((e: Error) => e) : null,
  ]);
  if (ids.has('backup')) {
    if (!wantBackup) out.push(skip('backup-space', backupTitle, 'the backup is already taken'));
    else if (b instanceof Error) out.push(bad('backup-space', backupTitle, b.message));
    else if (b) {
      const ownId = state.members.find((x) => x.name === f.backupNode)?.id;
      const db = backupDbSize(state.members, ownId) ?? (await readDbSize(kube, f.execPod, ownId));
      if (db === null) out.push(bad('backup-space', backupTitle, 'the DB size could not be read (etcdctl endpoint status), so the space cluster-backup.sh needs is unknown'));
      else {
        const need = backupNeedKiB(db, b.resourcesKiB);
        const line = `${f.backupNode}: ${fmtKiB(b.backupFreeKiB)} free in ${b.backupDir}; cluster-backup.sh needs about ${fmtKiB(need)} (snapshot ≈ DB size ${fmtKiB(Math.ceil(db / 1024))} + static pod resources ${fmtKiB(b.resourcesKiB)})`;
        out.push(b.backupFreeKiB >= need ? ok('backup-space', backupTitle, line) : bad('backup-space', backupTitle, `not enough space: ${line}; free space on ${f.backupNode} first (e.g. old backups in ${b.backupDir})`));
      }
    }
  }
  if (ids.has('stop-etcd-pod')) {
    if (!wantMove) out.push(skip('data-move', moveTitle, 'the etcd data is already moved aside'));
    else if (m instanceof Error) out.push(bad('data-move', moveTitle, m.message));
    else if (m) {
      const data = m.etcdDataKiB ?? 0;
      if (m.sameFs) out.push(ok('data-move', moveTitle, `${f.target.node}: /var/lib/etcd (${fmtKiB(data)}) and /tmp are on the same filesystem: the move is a rename`));
      else {
        const line = `${f.target.node}: /var/lib/etcd holds ${fmtKiB(data)}, /tmp has ${fmtKiB(m.tmpFreeKiB ?? 0)} free (another filesystem: the data is copied)`;
        out.push(data < (m.tmpFreeKiB ?? 0) ? ok('data-move', moveTitle, line) : bad('data-move', moveTitle, `not enough room: ${line}`));
      }
    }
  }
  return out;
}

/** The backup member's DB size (its snapshot is about that large), else the largest one known, else null. */
export function backupDbSize(sizes: { id: string; dbSizeBytes?: number }[], ownId: string | undefined): number | null {
  const own = sizes.find((s) => s.id === ownId)?.dbSizeBytes;
  const known = sizes.map((s) => s.dbSizeBytes).filter((x): x is number => typeof x === 'number');
  return own ?? (known.length ? Math.max(...known) : null);
}

/**
 * The DB size when the diagnosis has none (the status read's exec stream was cut, or it timed out): `etcdctl endpoint
 * status --cluster -w json` again, up to three times. JSON, so that a cut answer fails to parse instead of reading as
 * fewer members; stdout is read whatever the exit code, since etcdctl exits 1 when one endpoint (the broken member's)
 * does not answer but still prints the others.
 */
async function readDbSize(kube: Kube, pod: string, ownId: string | undefined): Promise<number | null> {
  for (let i = 0; i < 3; i++) {
    const r = await etcdctl(kube, pod, ['endpoint', 'status', '--cluster', '-w', 'json'], { allowFailure: true, retries: 1 }).catch(() => null);
    try {
      const db = r ? backupDbSize(parseStatusFile(r.stdout), ownId) : null;
      if (db !== null) return db;
    } catch {
      /* cut short: read again */
    }
  }
  return null;
}

async function alarms(kube: Kube, f: PlanFacts, state: Pick<ClusterState, 'alarms'>): Promise<PreflightCheck> {
  const title = 'etcd alarms';
  let list: EtcdAlarm[] | undefined = state.alarms;
  if (!list) {
    const r = await etcdctl(kube, f.execPod, ['alarm', 'list'], { allowFailure: true, retries: 2 }).catch(() => null);
    if (r && r.exitCode === 0) list = parseAlarmList(r.stdout);
  }
  if (!list) return bad('etcd-alarms', title, `\`etcdctl alarm list\` could not be read from ${f.execPod}`);
  if (!list.length) return ok('etcd-alarms', title, 'none (etcdctl alarm list)');
  return bad('etcd-alarms', title, `${list.map((a) => `${a.alarm} on member ${a.memberId}`).join(', ')}: every write would fail; see the diagnosis (status)`);
}

/** ClusterOperators the plan relies on: name → why. */
export function neededOperators(f: PlanFacts, steps: Step[], from: number): [string, string][] {
  const ids = new Set(steps.slice(from).map((s) => s.id));
  const out: [string, string][] = [];
  const makesMachine = ids.has('create-machine') || ids.has('wait-machine');
  if (f.procedure === 'A' && f.machineMode !== 'manual' && makesMachine) {
    out.push(['machine-api', 'it creates the new machine']);
    if (f.machineMode === 'cpms') out.push(['control-plane-machine-set', 'the Active control plane machine set replaces the machine']);
    if (f.bareMetal) out.push(['baremetal', 'Metal3 provisions the new host']);
  }
  return out;
}

async function controllers(kube: Kube, f: PlanFacts, steps: Step[], from: number): Promise<PreflightCheck> {
  const title = 'controllers';
  const need = neededOperators(f, steps, from);
  if (!need.length) return skip('controllers', title, f.procedure === 'B' ? 'procedure B creates no machine' : 'no machine is created by this plan');
  const r = await kube.run(['get', 'clusteroperators.v1.config.openshift.io', ...need.map(([n]) => n), '-o', 'json'], { allowFailure: true, retries: 2 });
  let items: any[] = [];
  try {
    const obj = r.stdout.trim() ? JSON.parse(r.stdout) : null;
    items = obj ? (obj.kind === 'List' || Array.isArray(obj.items) ? obj.items ?? [] : [obj]) : [];
  } catch {
    /* counted as missing below */
  }
  const parts: string[] = [];
  const failed: string[] = [];
  for (const [name, why] of need) {
    const co = items.find((x) => x?.metadata?.name === name);
    const c = ((co?.status?.conditions ?? []) as any[]).find((x) => x?.type === 'Available');
    if (!co) failed.push(`clusteroperator ${name} was not found (${why})`);
    else if (c?.status !== 'True') failed.push(`clusteroperator ${name} is not Available (${c ? `${c.status}${c.reason ? `, ${c.reason}` : ''}${c.message ? `: ${c.message}` : ''}` : 'no Available condition'}): ${why}`);
    else parts.push(`${name} Available`);
  }
  if (failed.length) return bad('controllers', title, `${failed.join('; ')}; no new machine would come: fix it first (oc get co)`);
  return ok('controllers', title, parts.join(', '));
}

/** Every check, in table order. Never throws for a failed check: it is a row with status failed. */
export async function runPreflight(kube: Kube, f: PlanFacts, steps: Step[], state: Pick<ClusterState, 'members' | 'alarms'>, o: PreflightOptions): Promise<PreflightCheck[]> {
  const from = o.from ?? 0;
  const [perm, pods, alarm, ctl] = await Promise.all([
    permissions(kube, f, steps, o),
    debugPods(kube, commandNodes(f, steps, from)),
    alarms(kube, f, state),
    controllers(kube, f, steps, from),
  ]);
  // the node-side probes (a read-only pod per node: the only objects the preflight creates) only once every API-side
  // check passed: a run refused on those starts nothing at all
  const blocked =
    perm.status === 'failed' ? 'permissions' : pods.status === 'failed' ? 'the node-command pod' : alarm.status === 'failed' ? 'etcd alarms' : ctl.status === 'failed' ? 'controllers' : null;
  const nodeChecks = blocked
    ? await space(kube, f, state, steps, { ...o, dryRun: 'client' }).then((l) => l.map((c) => ({ ...c, detail: `not checked: ${blocked} failed` })))
    : await space(kube, f, state, steps, o).catch((e: Error) => [bad('backup-space', 'backup space', e.message)]);
  return [perm, pods, ...nodeChecks, alarm, ctl];
}

export const preflightFailed = (checks: PreflightCheck[]) => checks.filter((c) => c.status === 'failed');

/** The table printed with the plan. */
export function formatPreflight(checks: PreflightCheck[]): string[] {
  if (!checks.length) return [];
  const w = Math.max(...checks.map((c) => c.title.length));
  const lines = ['Preflight (before any change):'];
  for (const c of checks) lines.push(`  ${c.title.padEnd(w)}  ${c.status.toUpperCase().padEnd(7)}  ${c.detail}`);
  return lines;
}
