// Node lifecycle controller: a master Node whose kubelet stopped posting status goes Ready=Unknown
// with the unreachable taints (and its pods lose their Ready condition); a fresh heartbeat clears them.
import type { KObject } from '../kube-apiserver/store.ts';
import { R } from '../kube-apiserver/resources.ts';
import type { WorldContext } from '../world/context.ts';
import { now } from '../world/names.ts';

const TICK_MS = 500;
export const GRACE_MS = 2000;
const UNREACHABLE = 'node.kubernetes.io/unreachable';

export class NodeLifecycle {
  private timer?: NodeJS.Timeout;
  private readonly unknownSince = new Map<string, string>();

  constructor(private readonly ctx: WorldContext) {}

  start(): void {
    this.timer = setInterval(() => {
      try {
        this.tick();
      } catch (err) {
        this.ctx.log(`node-lifecycle: ${(err as Error).stack ?? err}`);
      }
    }, TICK_MS);
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
  }

  /** when this controller last ran, and when it resumed after the simulator process stalled */
  private lastTick = 0;
  private resumedAt = 0;

  private tick(): void {
    const store = this.ctx.store;
    // The real controller judges a node by the time IT last saw the heartbeat change, on its own clock
    // (kubernetes/kubernetes pkg/controller/nodelifecycle/node_lifecycle_controller.go tryUpdateNodeHealth, read 2026-12-02:
    // probeTimestamp = nc.now() when the status or the Lease's renewTime changed; unhealthy after gracePeriod), and it
    // never shares a pause with the kubelets it watches. Here kubelets and controller share one event loop: when the
    // process stalled (a loaded machine, a synchronous must-gather), no kubelet could post either, so the grace period
    // starts again from the end of the stall instead of every node going Unknown at once.
    const t = Date.now();
    if (this.lastTick && t - this.lastTick > TICK_MS + 1000) {
      this.resumedAt = t;
      this.ctx.log(`node-lifecycle: the simulator did not run for ${t - this.lastTick} ms: node heartbeats get a new grace period`);
    }
    this.lastTick = t;
    this.podGC();
    for (const n of store.list(R.nodes)) {
      // only nodes with a simulated kubelet (masters); workers stay Ready
      if (!this.ctx.nodes.has(n.metadata.name)) continue;
      const ready = (n.status?.conditions ?? []).find((c: any) => c.type === 'Ready');
      if (!ready) continue;
      const hb = Date.parse(ready.lastHeartbeatTime ?? '') || 0;
      const stale = Date.now() - Math.max(hb, this.resumedAt) > GRACE_MS + 1000; // heartbeat timestamps have 1 s resolution
      if (stale && ready.status !== 'Unknown') this.markUnknown(n);
      else if (!stale && ready.status === 'True' && this.hasUnreachableTaint(n)) this.clear(n);
    }
  }

  /** PodGC: pods bound to a Node that no longer exists are deleted (after a short quarantine). */
  private readonly orphanSince = new Map<string, number>();
  private podGC(): void {
    const store = this.ctx.store;
    const nodes = new Set(store.list(R.nodes).map((n) => n.metadata.name));
    const seen = new Set<string>();
    for (const p of store.list(R.pods, undefined, (p) => !!p.spec?.nodeName && !nodes.has(p.spec.nodeName))) {
      const key = `${p.metadata.namespace}/${p.metadata.name}/${p.metadata.uid}`;
      seen.add(key);
      const since = this.orphanSince.get(key) ?? Date.now();
      this.orphanSince.set(key, since);
      if (Date.now() - since < 1500) continue;
      try {
        store.delete(R.pods, p.metadata.namespace, p.metadata.name);
        this.ctx.log(`pod-gc: deleted orphaned pod ${p.metadata.namespace}/${p.metadata.name} (node ${p.spec.nodeName} is gone)`);
      } catch {
        /* gone */
      }
    }
    for (const k of this.orphanSince.keys()) if (!seen.has(k)) this.orphanSince.delete(k);
  }

  private hasUnreachableTaint(n: KObject): boolean {
    return (n.spec?.taints ?? []).some((t: any) => t.key === UNREACHABLE);
  }

  private markUnknown(n: KObject): void {
    const store = this.ctx.store;
    const ts = now();
    store.mutate(R.nodes, undefined, n.metadata.name, (o) => {
      const conds: any[] = o.status?.conditions ?? [];
      for (const c of conds) {
        if (!['Ready', 'MemoryPressure', 'DiskPressure', 'PIDPressure'].includes(c.type)) continue;
        if (c.status === 'Unknown') continue;
        c.status = 'Unknown';
        c.reason = 'NodeStatusUnknown';
        c.message = 'Kubelet stopped posting node status.';
        c.lastTransitionTime = ts;
      }
      o.spec ??= {};
      const taints: any[] = (o.spec.taints ?? []).filter((t: any) => t.key !== UNREACHABLE);
      taints.push({ key: UNREACHABLE, effect: 'NoSchedule', timeAdded: ts });
      taints.push({ key: UNREACHABLE, effect: 'NoExecute', timeAdded: ts });
      o.spec.taints = taints;
    });
    this.unknownSince.set(n.metadata.name, ts);
    this.ctx.log(`node-lifecycle: ${n.metadata.name}: Ready=Unknown (Kubelet stopped posting node status.), tainted unreachable`);
    // MarkPodsNotReady
    for (const p of store.list(R.pods, undefined, (p) => p.spec?.nodeName === n.metadata.name && p.status?.phase === 'Running')) {
      store.mutate(R.pods, p.metadata.namespace, p.metadata.name, (o) => {
        const r = (o.status?.conditions ?? []).find((c: any) => c.type === 'Ready');
        if (!r || r.status === 'False') return false;
        r.status = 'False';
        r.lastTransitionTime = ts;
        delete r.reason;
        delete r.message;
      });
    }
  }

  private clear(n: KObject): void {
    this.ctx.store.mutate(R.nodes, undefined, n.metadata.name, (o) => {
      o.spec.taints = (o.spec?.taints ?? []).filter((t: any) => t.key !== UNREACHABLE);
      if (!o.spec.taints.length) delete o.spec.taints;
      const ts = now();
      for (const c of o.status?.conditions ?? []) {
        if (c.status !== 'Unknown') continue;
        if (c.type === 'MemoryPressure') Object.assign(c, { status: 'False', reason: 'KubeletHasSufficientMemory', message: 'kubelet has sufficient memory available', lastTransitionTime: ts });
        if (c.type === 'DiskPressure') Object.assign(c, { status: 'False', reason: 'KubeletHasNoDiskPressure', message: 'kubelet has no disk pressure', lastTransitionTime: ts });
        if (c.type === 'PIDPressure') Object.assign(c, { status: 'False', reason: 'KubeletHasSufficientPID', message: 'kubelet has sufficient PID available', lastTransitionTime: ts });
      }
    });
    this.unknownSince.delete(n.metadata.name);
    this.ctx.log(`node-lifecycle: ${n.metadata.name}: Ready again, unreachable taints removed`);
  }
}
