// Seeded, reproducible fault injection (scenario key `chaos`): what a degraded control plane does to a client while
// one etcd member is being replaced. The shapes of the answers are the real ones (sim/kube-apiserver/faults.ts names the
// kube-apiserver sources); here is only WHEN they happen:
// - apiErrorRate: that fraction of resource requests (not watches) is answered 429 (max-in-flight), 500 (an etcd
//   error passed through: "etcdserver: leader changed") or 503 (apiserver not ready / shutting down), one third each.
// - apiHangRate: that fraction of requests is held until the apiserver's own 60 s request timeout (then 504).
// - execDropRate: that fraction of exec sessions has its stream cut in the middle of the output; the command runs to
//   its end on the node (a cut stream says nothing about whether the command took effect).
// - etcdErrorRate: that fraction of `etcdctl` runs inside an etcd pod ends with "Error: etcdserver: leader changed",
//   exit 1 (etcd server/etcdserver/errors.go ErrLeaderChanged, printed by etcdctl/ctlv3/command/error.go
//   ExitWithError). A read fails without result; a member change (remove/add/promote) is applied first and its reply
//   is lost, as when the leader changes after the proposal was committed (etcd server/etcdserver/v3_server.go).
// - apiOutages: the API server goes away for `seconds` (open connections cut, then "connection refused"), as during
//   the kube-apiserver rollout that follows a member change ("the cluster might be unreachable for a short time",
//   openshift-docs modules/restore-replace-stopped-etcd-member.adoc) or when the admin's VPN drops. Each outage has
//   one trigger: `atSecond` (seconds after the simulator is ready), `afterWrite: N` (after the N-th create/update/
//   patch/delete a client sends), or `afterMemberRemove: true` (after the first `etcdctl member remove` that ran).
// - leaderChanges: {everySeconds: N}: the etcd leader is moved to another started voting member every N seconds
//   with the real `etcdctl move-leader` (sim/world/leader-mover.ts).
// Every decision comes from one PRNG seeded with `seed`, in the order requests arrive.
import type { ApiChaos, FaultAnswer } from '../kube-apiserver/faults.ts';
import type { Evidence } from './evidence.ts';

export interface ChaosOutage {
  seconds: number;
  atSecond?: number;
  afterWrite?: number;
  afterMemberRemove?: boolean;
}

export interface ChaosSpec {
  seed: number;
  apiErrorRate: number;
  apiHangRate: number;
  execDropRate: number;
  etcdErrorRate: number;
  apiOutages: ChaosOutage[];
  leaderChanges?: { everySeconds: number };
}

/** Validates the scenario's `chaos` mapping (one-line errors naming the field). */
export function parseChaos(raw: unknown, fail: (msg: string) => never): ChaosSpec | undefined {
  if (raw === undefined || raw === null) return undefined;
  if (typeof raw !== 'object' || Array.isArray(raw)) fail('chaos: must be a mapping');
  const c = raw as Record<string, any>;
  const keys = ['seed', 'apiErrorRate', 'apiHangRate', 'execDropRate', 'etcdErrorRate', 'apiOutages', 'leaderChanges'];
  for (const k of Object.keys(c)) if (!keys.includes(k)) fail(`chaos: unknown field "${k}"`);
  const rate = (k: string) => {
    const v = c[k] ?? 0;
    if (typeof v !== 'number' || v < 0 || v > 0.5) fail(`chaos.${k}: "${v}" must be a number 0–0.5`);
    return v as number;
  };
  const seed = c.seed ?? 1;
  if (!Number.isInteger(seed) || seed < 0) fail(`chaos.seed: "${seed}" must be a non-negative integer`);
  const outages: ChaosOutage[] = [];
  if (c.apiOutages !== undefined && !Array.isArray(c.apiOutages)) fail('chaos.apiOutages: must be a list');
  (c.apiOutages ?? []).forEach((o: any, i: number) => {
    const at = `chaos.apiOutages[${i}]`;
    if (!o || typeof o !== 'object') fail(`${at}: must be a mapping {seconds, atSecond | afterWrite | afterMemberRemove}`);
    for (const k of Object.keys(o)) if (!['seconds', 'atSecond', 'afterWrite', 'afterMemberRemove'].includes(k)) fail(`${at}: unknown field "${k}"`);
    if (typeof o.seconds !== 'number' || o.seconds <= 0 || o.seconds > 300) fail(`${at}.seconds: "${o.seconds}" must be a number 0–300`);
    const triggers = ['atSecond', 'afterWrite', 'afterMemberRemove'].filter((k) => o[k] !== undefined);
    if (triggers.length !== 1) fail(`${at}: exactly one of atSecond, afterWrite, afterMemberRemove is required`);
    if (o.atSecond !== undefined && (typeof o.atSecond !== 'number' || o.atSecond < 0)) fail(`${at}.atSecond: "${o.atSecond}" must be a number ≥ 0`);
    if (o.afterWrite !== undefined && (!Number.isInteger(o.afterWrite) || o.afterWrite < 1)) fail(`${at}.afterWrite: "${o.afterWrite}" must be an integer ≥ 1`);
    if (o.afterMemberRemove !== undefined && o.afterMemberRemove !== true) fail(`${at}.afterMemberRemove: must be true`);
    outages.push({ seconds: o.seconds, atSecond: o.atSecond, afterWrite: o.afterWrite, afterMemberRemove: o.afterMemberRemove });
  });
  let leaderChanges: ChaosSpec['leaderChanges'];
  if (c.leaderChanges !== undefined) {
    const l = c.leaderChanges;
    if (!l || typeof l !== 'object' || typeof l.everySeconds !== 'number' || l.everySeconds < 1) fail('chaos.leaderChanges: must be {everySeconds: N} with N ≥ 1');
    leaderChanges = { everySeconds: l.everySeconds };
  }
  return {
    seed,
    apiErrorRate: rate('apiErrorRate'),
    apiHangRate: rate('apiHangRate'),
    execDropRate: rate('execDropRate'),
    etcdErrorRate: rate('etcdErrorRate'),
    apiOutages: outages,
    leaderChanges,
  };
}

/** mulberry32: small, fast, good enough for reproducible fault schedules. */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const MUTATING = new Set(['create', 'update', 'patch', 'delete', 'deletecollection']);
const ETCD_MEMBER_CHANGES = ['remove', 'add', 'promote', 'update'];

export class WorldChaos implements ApiChaos {
  private readonly rand: () => number;
  private writes = 0;
  private readonly fired = new Set<number>();
  private timers: NodeJS.Timeout[] = [];
  private outage: ((seconds: number) => Promise<void>) | null = null;

  constructor(
    readonly spec: ChaosSpec,
    private readonly evidence: Evidence | null,
    private readonly log: (m: string) => void,
  ) {
    this.rand = prng(spec.seed);
  }

  /** Starts the `atSecond` outages; `outage` takes the API server away for N seconds. */
  start(outage: (seconds: number) => Promise<void>): void {
    this.outage = outage;
    this.spec.apiOutages.forEach((o, i) => {
      if (o.atSecond !== undefined) this.timers.push(setTimeout(() => this.fire(i, `at second ${o.atSecond}`), o.atSecond * 1000));
    });
  }

  stop(): void {
    for (const t of this.timers) clearTimeout(t);
    this.timers = [];
    this.outage = null;
  }

  private fire(i: number, why: string): void {
    if (this.fired.has(i) || !this.outage) return;
    this.fired.add(i);
    const o = this.spec.apiOutages[i]!;
    this.log(`chaos: API server outage of ${o.seconds}s (${why})`);
    this.evidence?.write({ kind: 'chaos', what: 'api-outage', seconds: o.seconds, why });
    // after the answer that triggered it has been written
    setImmediate(() => void this.outage?.(o.seconds).catch((e) => this.log(`chaos: outage failed: ${(e as Error).message}`)));
  }

  onRequest(req: { method: string; path: string; verb: string; user: string }): FaultAnswer | null {
    const x = this.rand();
    if (x < this.spec.apiHangRate) {
      this.evidence?.write({ kind: 'chaos', what: 'api-hang', verb: req.verb, path: req.path });
      return { kind: 'hang', seconds: 60 };
    }
    if (x < this.spec.apiHangRate + this.spec.apiErrorRate) {
      const code = ([429, 500, 503] as const)[Math.floor(this.rand() * 3)]!;
      this.evidence?.write({ kind: 'chaos', what: `api-${code}`, verb: req.verb, path: req.path });
      return { kind: 'error', code };
    }
    return null;
  }

  onAnswered(req: { method: string; path: string; verb: string; user: string; code: number }): void {
    const write = MUTATING.has(req.verb);
    if (write) this.evidence?.write({ kind: 'api', verb: req.verb, path: req.path, code: req.code, user: req.user });
    if (!write || req.code >= 400) return;
    this.writes++;
    this.spec.apiOutages.forEach((o, i) => {
      if (o.afterWrite === this.writes) this.fire(i, `after write ${this.writes}: ${req.verb} ${req.path}`);
    });
  }

  onExec(req: { pod: string; container: string; command: string[] }): { cutAfterBytes: number } | null {
    if (this.rand() >= this.spec.execDropRate) return null;
    const cutAfterBytes = Math.floor(this.rand() * 200);
    this.evidence?.write({ kind: 'chaos', what: 'exec-cut', pod: req.pod, command: req.command, cutAfterBytes });
    return { cutAfterBytes };
  }

  /**
   * For an etcdctl run inside an etcd pod: null (run normally), 'fail' (answer leader changed without running) or
   * 'lose-reply' (run it, then answer leader changed).
   */
  etcdctlFault(command: string[]): 'fail' | 'lose-reply' | null {
    if (this.rand() >= this.spec.etcdErrorRate) return null;
    const change = command.includes('member') && ETCD_MEMBER_CHANGES.some((c) => command.includes(c));
    this.evidence?.write({ kind: 'chaos', what: change ? 'etcd-leader-changed-after-apply' : 'etcd-leader-changed', command });
    return change ? 'lose-reply' : 'fail';
  }

  /** An exec finished on a node (for the member-remove outage trigger). */
  onExecRan(command: string[], exitCode: number): void {
    const i = command.indexOf('member');
    if (i < 0 || command[i + 1] !== 'remove' || exitCode !== 0) return;
    this.spec.apiOutages.forEach((o, k) => {
      if (o.afterMemberRemove) this.fire(k, `after member remove ${command[i + 2] ?? ''}`);
    });
  }
}
