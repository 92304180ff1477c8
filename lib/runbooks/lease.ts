// One run per cluster: a coordination.k8s.io/v1 Lease `etcd-replace` in openshift-etcd (the object Kubernetes
// leader election uses: client-go tools/leaderelection/resourcelock/leaselock.go; fields in k8s.io/api
// coordination/v1 LeaseSpec). Taken before the first change, renewed while `auto` runs, deleted when the run ends
// well. Holder = `<local user>@<host>/<run ID>`. A lease whose renewTime + leaseDurationSeconds has passed is
// expired: it may be taken over, but only with --take-over (and a prompt on a terminal).
// Writes use the object's resourceVersion, so two runs racing for the lease cannot both win (409 Conflict).
import { hostname, userInfo } from 'node:os';
import { PluginError, ExitCode } from '../errors.ts';
import type { Kube } from '../cluster/kubectl.ts';
import { isNotFound, isTransient, firstErrorLine } from '../cluster/kubectl.ts';

export const LEASE_NS = 'openshift-etcd';
export const LEASE_NAME = 'etcd-replace';
const A = 'etcd-replace.openshift.io/';

export interface LeaseInfo {
  holder: string;
  runId: string | null;
  acquireTime: string | null;
  renewTime: string | null;
  durationSeconds: number;
  expired: boolean;
  clusterUser: string | null;
  member: string | null;
  step: string | null;
  transitions: number;
  raw: any;
}

/** Kubernetes MicroTime: RFC 3339 with exactly 6 fraction digits. */
export function microTime(d: Date): string {
  return d.toISOString().replace(/\.(\d{3})Z$/, '.$1000Z');
}

export function localHolder(runId: string): string {
  let user = 'unknown';
  try {
    user = userInfo().username;
  } catch {
    user = process.env.USER ?? 'unknown';
  }
  return `${user}@${hostname()}/${runId}`;
}

export function leaseInfo(obj: any, now = Date.now()): LeaseInfo {
  const spec = obj?.spec ?? {};
  const ann = obj?.metadata?.annotations ?? {};
  const duration = Number(spec.leaseDurationSeconds ?? 0) || 0;
  const renew = spec.renewTime ?? spec.acquireTime ?? null;
  const holder = String(spec.holderIdentity ?? '');
  const expired = !holder || !renew || Date.parse(renew) + duration * 1000 < now;
  return {
    holder,
    runId: ann[`${A}run-id`] ?? (holder.includes('/') ? holder.slice(holder.lastIndexOf('/') + 1) : null),
    acquireTime: spec.acquireTime ?? null,
    renewTime: spec.renewTime ?? null,
    durationSeconds: duration,
    expired,
    clusterUser: ann[`${A}cluster-user`] ?? null,
    member: ann[`${A}member`] ?? null,
    step: ann[`${A}step`] ?? null,
    transitions: Number(spec.leaseTransitions ?? 0) || 0,
    raw: obj,
  };
}

export async function readLease(kube: Kube): Promise<LeaseInfo | null> {
  const r = await kube.run(['-n', LEASE_NS, 'get', 'leases.v1.coordination.k8s.io', LEASE_NAME, '-o', 'json'], { allowFailure: true, retries: 4 });
  if (r.exitCode !== 0) {
    if (isNotFound(r.stderr)) return null;
    throw new PluginError(`cannot read the lease ${LEASE_NS}/${LEASE_NAME}: ${firstErrorLine(r.stderr)}`);
  }
  return leaseInfo(JSON.parse(r.stdout));
}

function ago(iso: string | null, now = Date.now()): string {
  if (!iso) return 'unknown';
  const s = Math.max(0, Math.round((now - Date.parse(iso)) / 1000));
  return s < 120 ? `${s}s ago` : s < 7200 ? `${Math.round(s / 60)}m ago` : `${Math.round(s / 3600)}h ago`;
}

/** One line about who holds the lease, for refusals and `status`. */
export function describeLease(l: LeaseInfo, now = Date.now()): string {
  const who = `${l.holder || 'nobody'}${l.clusterUser ? ` (cluster user ${l.clusterUser})` : ''}`;
  const what = l.member ? `, replacing member ${l.member}` : '';
  const step = l.step ? `, at step ${l.step}` : '';
  return `${who} since ${l.acquireTime ?? 'unknown'}${what}${step}; last renewed ${ago(l.renewTime, now)}${l.expired ? ' (expired)' : ''}`;
}

const isOurs = (cur: LeaseInfo, runId: string | undefined, holder: string | undefined) => runId !== undefined && cur.runId === runId && cur.holder === (holder ?? localHolder(runId));

/**
 * The refusal (exit 4) RunLease.acquire gives for the lease `cur`, or null when it may be taken (an expired one with
 * --take-over: on a terminal still asked first). `auto` checks it before anything else too (its preflight starts a
 * pod), so a run the lease refuses writes nothing. `runId`: the run that may hold it already (a resumed one).
 */
export function leaseRefusal(cur: LeaseInfo | null, o: { runId?: string; holder?: string; takeOver?: boolean; cli: string }): PluginError | null {
  if (!cur?.holder || isOurs(cur, o.runId, o.holder)) return null;
  if (!cur.expired) {
    return new PluginError(`another etcd-replace run holds the lease ${LEASE_NS}/${LEASE_NAME}: ${describeLease(cur)}`, {
      exitCode: ExitCode.Refused,
      hint: `nothing was changed; wait for it to finish (\`${o.cli} status\` shows it)`,
    });
  }
  if (!o.takeOver) {
    return new PluginError(`the lease ${LEASE_NS}/${LEASE_NAME} of another run has expired: ${describeLease(cur)}`, {
      exitCode: ExitCode.Refused,
      hint: `nothing was changed; if that run is really gone (ask its holder), run again with --take-over (--yes is not enough)`,
    });
  }
  return null;
}

/** The expired lease of another run (not `runId`'s): what --take-over takes over. */
export function expiredOther(cur: LeaseInfo | null, runId?: string): cur is LeaseInfo {
  return !!cur?.holder && cur.expired && !isOurs(cur, runId, undefined);
}

/** The terminal question before an expired lease is taken over. */
export function takeOverQuestion(cur: LeaseInfo): string {
  return `The lease of ${cur.holder} expired (last renewed ${ago(cur.renewTime)}). Take it over?`;
}

export const TAKE_OVER_DECLINED = 'the expired lease was not taken over';

export interface AcquireOptions {
  runId: string;
  holder?: string;
  clusterUser?: string | null;
  member?: string;
  durationSeconds?: number;
  takeOver?: boolean;
  /** asked before the expired lease of `holder` is taken over (a terminal prompt); absent: --take-over alone answers */
  confirm?: (question: string, holder: string) => Promise<boolean>;
  cli: string;
}

export class RunLease {
  lost: string | null = null;
  private obj: any;
  private timer: NodeJS.Timeout | null = null;
  private renewing: Promise<void> = Promise.resolve();

  private constructor(
    private readonly kube: Kube,
    readonly holder: string,
    obj: any,
  ) {
    this.obj = obj;
  }

  /** Takes the lease or throws a refusal (exit 4) naming who holds it and since when. */
  static async acquire(kube: Kube, o: AcquireOptions): Promise<RunLease> {
    const holder = o.holder ?? localHolder(o.runId);
    const duration = o.durationSeconds ?? Number(process.env.ETCD_REPLACE_LEASE_SECONDS ?? 60);
    const body = (prev: any | null) => {
      const now = microTime(new Date());
      return {
        apiVersion: 'coordination.k8s.io/v1',
        kind: 'Lease',
        metadata: {
          name: LEASE_NAME,
          namespace: LEASE_NS,
          ...(prev ? { resourceVersion: prev.metadata.resourceVersion } : {}),
          labels: { 'app.kubernetes.io/managed-by': 'etcd-replace' },
          annotations: {
            [`${A}run-id`]: o.runId,
            ...(o.clusterUser ? { [`${A}cluster-user`]: o.clusterUser } : {}),
            ...(o.member ? { [`${A}member`]: o.member } : {}),
          },
        },
        spec: {
          holderIdentity: holder,
          leaseDurationSeconds: duration,
          acquireTime: now,
          renewTime: now,
          leaseTransitions: prev ? (Number(prev.spec?.leaseTransitions ?? 0) || 0) + 1 : 0,
        },
      };
    };
    let lastTransient = '';
    for (let attempt = 0; attempt < 4; attempt++) {
      const cur = await readLease(kube);
      if (!cur) {
        const r = await kube.run(['create', '-f', '-', '-o', 'json'], { input: JSON.stringify(body(null)), allowFailure: true });
        if (r.exitCode === 0) return new RunLease(kube, holder, JSON.parse(r.stdout));
        if (/AlreadyExists/.test(r.stderr)) continue;
        // a create is never repeated blindly: a transient failure (maybe it went through) → read the lease again
        if (isTransient(r.stderr)) {
          lastTransient = firstErrorLine(r.stderr);
          await new Promise((res) => setTimeout(res, 1000 * (attempt + 1)));
          continue;
        }
        throw new PluginError(`cannot create the lease ${LEASE_NS}/${LEASE_NAME}: ${firstErrorLine(r.stderr)}`);
      }
      const refusal = leaseRefusal(cur, { ...o, holder });
      if (refusal) throw refusal;
      if (cur.holder && cur.expired && !isOurs(cur, o.runId, holder)) {
        if (o.confirm && !(await o.confirm(takeOverQuestion(cur), cur.holder))) {
          throw new PluginError(TAKE_OVER_DECLINED, { exitCode: ExitCode.Refused, hint: 'nothing was changed' });
        }
      }
      const r = await kube.run(['replace', '-f', '-', '-o', 'json'], { input: JSON.stringify(body(cur.raw)), allowFailure: true });
      if (r.exitCode === 0) return new RunLease(kube, holder, JSON.parse(r.stdout));
      if (/Conflict|NotFound|not found/.test(r.stderr)) continue; // someone else wrote it meanwhile: look again
      if (isTransient(r.stderr)) {
        lastTransient = firstErrorLine(r.stderr);
        await new Promise((res) => setTimeout(res, 1000 * (attempt + 1)));
        continue;
      }
      throw new PluginError(`cannot take the lease ${LEASE_NS}/${LEASE_NAME}: ${firstErrorLine(r.stderr)}`);
    }
    if (lastTransient) throw new PluginError(`cannot take the lease ${LEASE_NS}/${LEASE_NAME}: ${lastTransient}`, { transient: true, hint: 'nothing was changed; try again when the API server answers' });
    throw new PluginError(`the lease ${LEASE_NS}/${LEASE_NAME} keeps changing under us: another run is starting`, { exitCode: ExitCode.Refused, hint: 'nothing was changed' });
  }

  /** Renews every third of the lease duration until stop(); a lost lease is recorded in `lost`. */
  startRenewing(): void {
    const every = Math.max(1000, ((Number(this.obj?.spec?.leaseDurationSeconds) || 60) * 1000) / 3);
    this.timer = setInterval(() => void this.renew(), every);
    this.timer.unref();
  }

  /** Renews now (and records the current step in an annotation). */
  renew(step?: string): Promise<void> {
    this.renewing = this.renewing.then(async () => {
      if (this.lost) return;
      const next = structuredClone(this.obj);
      next.spec.renewTime = microTime(new Date());
      if (step) next.metadata.annotations = { ...(next.metadata.annotations ?? {}), [`${A}step`]: step };
      const r = await this.kube.run(['replace', '-f', '-', '-o', 'json'], { input: JSON.stringify(next), allowFailure: true }).catch((e) => ({ exitCode: 1, stdout: '', stderr: String(e?.message ?? e) }));
      if (r.exitCode === 0) {
        this.obj = JSON.parse(r.stdout);
        return;
      }
      if (/Conflict|NotFound|not found/.test(r.stderr)) {
        const cur = await readLease(this.kube).catch(() => null);
        if (!cur || cur.holder !== this.holder) this.lost = cur ? `the lease was taken over by ${describeLease(cur)}` : 'the lease was deleted by someone else';
        else this.obj = cur.raw;
      }
      // other failures (API briefly unreachable): try again at the next tick
    });
    return this.renewing;
  }

  /** Stops renewing; with release, deletes the lease (only if still ours). */
  async stop(release: boolean): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    await this.renewing.catch(() => undefined);
    if (!release || this.lost) return;
    const uid = this.obj?.metadata?.uid;
    // delete only this very object (its uid as a precondition is not available in kubectl: compare right before)
    const cur = await readLease(this.kube).catch(() => null);
    if (cur && cur.holder === this.holder && (!uid || cur.raw?.metadata?.uid === uid)) {
      await this.kube.run(['-n', LEASE_NS, 'delete', 'leases.v1.coordination.k8s.io', LEASE_NAME, '--ignore-not-found'], { allowFailure: true, retries: 4 });
    }
  }
}
