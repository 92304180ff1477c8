// The node agent of a simulated node: Node heartbeats, the etcd static pod (manifest in the node's
// host folder -> real etcd process + mirror pod), and running non-static pods scheduled on the node.
//
// Crash loop back-off is shortened from the kubelet's 10 s .. 5 min to 1 s, 2 s, 4 s, 8 s, 10 s (cap);
// it resets once a container ran 10 s without crashing.
import { createHash, randomBytes } from 'node:crypto';
import { closeSync, existsSync, openSync, readFileSync, readSync, statSync, writeSync, appendFileSync, mkdirSync } from 'node:fs';
import path from 'node:path';
import YAML from 'yaml';
import type { KObject } from '../kube-apiserver/store.ts';
import { R } from '../kube-apiserver/resources.ts';
import { runsEtcd, translator, type SimNode, type WorldContext } from '../world/context.ts';
import {
  boundaryTranslator,
  clientURL,
  dataDir,
  etcdHealthy,
  etcdLogFile,
  hasMemberData,
  memberList,
  peerURL,
  runningEtcd,
  startEtcd,
  stopEtcd,
  type EtcdProcess,
} from '../etcd/etcd.ts';
import { ETCD_MANIFEST, runPodCommand } from '../node/hostfs.ts';
import { needsPull, unreachablePullError } from './images.ts';

export const BACKOFF_BASE_MS = 1000;
export const BACKOFF_MAX_MS = 10_000;
const TICK_MS = 250;
/** the etcd readinessProbe's timeoutSeconds (30) and failureThreshold (5), see checkHealth */
const PROBE_TIMEOUT_MS = 30_000;
const PROBE_FAILURE_THRESHOLD = 5;
const HEARTBEAT_MS = 1000;
const DISCOVER_RETRY_MS = 500;

const now = () => new Date().toISOString().replace(/\.\d+Z$/, 'Z');
const newContainerID = () => `cri-o://${randomBytes(32).toString('hex')}`;

type EtcdState =
  | { kind: 'none' } // no manifest / not started yet
  | { kind: 'discover'; startedAt: string } // container running the discover script, not ready
  | { kind: 'running'; startedAt: string } // real process
  | { kind: 'backoff'; until: number; delayMs: number } // CrashLoopBackOff
  | { kind: 'stopped' }; // agent not running (powered off, kubelet down)

interface StaticManifest {
  text: string;
  hash: string;
  pod: KObject;
  podName: string;
  namespace: string;
}

interface RunPod {
  uid: string;
  namespace: string;
  name: string;
  output: string;
  host: boolean;
  env: Record<string, string>;
  abort: AbortController;
  running: boolean;
}

/** env of a container spec: plain `value` entries only (valueFrom is ignored). */
export function containerEnv(container: any): Record<string, string> {
  const env: Record<string, string> = {};
  for (const e of container?.env ?? []) if (e?.name && typeof e.value === 'string') env[e.name] = e.value;
  return env;
}

/** Does the static pod have an etcd container? (not on two nodes with fencing: cluster-etcd-operator objects.ts PodInputs.etcdContainer) */
function podRunsEtcd(m: StaticManifest): boolean {
  return (m.pod.spec?.containers ?? []).some((c: any) => c?.name === 'etcd');
}

export class Kubelet {
  private powered = true;
  private agentRunning = false;
  private heartbeating = false;
  /** completed sync loops (manifest, etcd, mirror pod, pods): tests wait for a few to see what a loop leaves unchanged */
  syncs = 0;
  private networkUp = true;
  private lastHeartbeat = 0;
  private tickTimer?: NodeJS.Timeout;
  private heartbeatTimer?: NodeJS.Timeout;

  private manifest?: StaticManifest;
  private etcd?: EtcdProcess;
  private state: EtcdState = { kind: 'none' };
  private restartCount = 0;
  private lastState: any = undefined;
  private backoffMs = 0;
  private containerID = newContainerID();
  private healthy = false;
  /** readiness probe failures in a row while the same etcd process runs (reset by a success or a new process) */
  private probeFailures = 0;
  private healthInFlight = false;
  private discoverInFlight = false;
  private nextDiscoverAt = 0;
  private discoverMessage = '';
  private pauseEtcd = false;
  private podStartTime?: string;
  private lastCrashExit?: number;
  private crashes = 0;
  private busy = false; // a manifest transition (stop old etcd) is in progress

  private readonly runPods = new Map<string, RunPod>();
  /** images pulled onto this node (images.ts) */
  private readonly pulled = new Set<string>();
  /** the node's images: those its static pods ran (they stay in the image store after the pod goes) and those pulled */
  private images(): Set<string> {
    for (const k of [...(this.manifest?.pod.spec?.containers ?? []), ...(this.manifest?.pod.spec?.initContainers ?? [])]) if (k?.image) this.pulled.add(String(k.image));
    return this.pulled;
  }
  private readonly handled = new Set<string>();

  constructor(
    private readonly ctx: WorldContext,
    readonly node: SimNode,
  ) {}

  // ---- public state ---------------------------------------------------------------------------------

  /** false after powerOff() until start() */
  get isPoweredOn(): boolean {
    return this.powered;
  }
  /** true while heartbeats are posted (and the last one is < 3 s old) */
  get heartbeatFresh(): boolean {
    return this.heartbeating && Date.now() - this.lastHeartbeat < 3000;
  }
  /** Can the API server reach this kubelet (exec/logs)? */
  get reachable(): boolean {
    return this.powered && this.networkUp && this.agentRunning;
  }
  /** Why the kubelet cannot be reached, as the API server would report it, or undefined. */
  get unreachableError(): string | undefined {
    if (!this.powered || !this.networkUp) return `error dialing backend: dial tcp ${this.node.ip}:10250: connect: no route to host`;
    if (!this.agentRunning) return `error dialing backend: dial tcp ${this.node.ip}:10250: connect: connection refused`;
    return undefined;
  }
  /** Is the etcd process running and answering /health? */
  get etcdHealthy(): boolean {
    return this.healthy;
  }
  /**
   * The node's live etcd process, if any: the etcd container's, or, when the static pod has no etcd container (two
   * nodes with fencing: pacemaker's podman-etcd runs it, sim/pacemaker/podman-etcd.ts), whichever runs on the node.
   */
  get etcdProcess(): EtcdProcess | undefined {
    if (this.etcd && this.etcd.exitCode === undefined) return this.etcd;
    return this.manifest && !podRunsEtcd(this.manifest) ? runningEtcd(this.node) : undefined;
  }
  /** The host is up (powered, on the network): what runs outside the kubelet, pacemaker, runs. */
  get hostUp(): boolean {
    return this.powered && this.networkUp;
  }
  get etcdRestartCount(): number {
    return this.restartCount;
  }
  /** Name of the mirror pod of the current etcd manifest. */
  get mirrorPodName(): string | undefined {
    return this.manifest?.podName;
  }
  /** Is this container of the etcd static pod running (exec allowed)? */
  staticContainerRunning(container: string): boolean {
    if (!this.manifest) return false;
    const names = (this.manifest.pod.spec?.containers ?? []).map((c: any) => c.name);
    if (!names.includes(container)) return false;
    if (container === 'etcd') return this.state.kind === 'running' || this.state.kind === 'discover';
    return true;
  }
  /** Log text of the current (or, while in back-off, the last) etcd container instance. */
  etcdLogs(maxBytes = 1 << 20): string {
    const file = etcdLogFile(this.ctx.stateDir, this.node);
    if (!existsSync(file)) return '';
    const size = statSync(file).size;
    const from = Math.max(this.etcdLogOffset, size - maxBytes);
    const fd = openSync(file, 'r');
    try {
      const buf = Buffer.alloc(size - from);
      readSync(fd, buf, 0, buf.length, from);
      return buf.toString();
    } finally {
      closeSync(fd);
    }
  }
  private etcdLogOffset = 0;
  /** A non-static pod run by this kubelet (for exec/logs). */
  runPod(uid: string): { output: string; running: boolean; host: boolean; env: Record<string, string> } | undefined {
    return this.runPods.get(uid);
  }

  // ---- lifecycle ------------------------------------------------------------------------------------

  /** Start (or power on / bring back) the agent: heartbeats, static pods, pod runner. */
  start(): void {
    this.powered = true;
    this.networkUp = true;
    this.agentRunning = true;
    this.heartbeating = true;
    if (this.state.kind === 'stopped') this.state = { kind: 'none' };
    this.tickTimer ??= setInterval(() => void this.tick(), TICK_MS);
    this.heartbeatTimer ??= setInterval(() => this.heartbeat(), HEARTBEAT_MS);
    this.heartbeat();
    void this.tick();
  }

  /** Stop the agent and its etcd (SIGTERM) and pods: simulator shutdown. */
  async stop(): Promise<void> {
    this.halt();
    this.killRunPods();
    if (this.etcd) await stopEtcd(this.etcd);
    const adopted = runningEtcd(this.node);
    if (adopted) await stopEtcd(adopted);
  }

  /** Machine stopped: etcd killed, heartbeats stop, pod statuses freeze (stale). */
  async powerOff(): Promise<void> {
    this.powered = false;
    this.halt();
    this.killRunPods();
    await this.killEtcdHard();
  }

  /** Kubelet stopped: heartbeats and pod management stop, the etcd process KEEPS RUNNING. */
  kubeletDown(): void {
    this.halt();
  }

  /** Node network down: NotReady (no heartbeats) and etcd unreachable (its process is stopped). */
  async networkDown(): Promise<void> {
    this.networkUp = false;
    this.halt();
    await this.killEtcdHard();
  }

  /**
   * Fault etcd-crashloop: corrupt the data dir so the real etcd exits non-zero on every start.
   * Resolves once a start has really failed (throws if etcd still starts).
   */
  async corruptEtcd(timeoutMs = 15000): Promise<void> {
    this.pauseEtcd = true;
    try {
      if (this.etcd) await stopEtcd(this.etcd, { hard: true });
      const adopted = runningEtcd(this.node);
      if (adopted) await stopEtcd(adopted, { hard: true });
      const db = path.join(dataDir(this.node), 'member/snap/db');
      if (!existsSync(db)) throw new Error(`${this.node.name}: no etcd database to corrupt at ${db}`);
      const fd = openSync(db, 'r+');
      try {
        writeSync(fd, randomBytes(16384), 0, 16384, 0); // both bolt meta pages
      } finally {
        closeSync(fd);
      }
      this.ctx.log(`${this.node.name}: etcd database corrupted (fault etcd-crashloop)`);
      this.state = { kind: 'none' };
      this.backoffMs = 0;
    } finally {
      this.pauseEtcd = false;
    }
    const crashesBefore = this.crashes;
    if (!this.agentRunning) return;
    const deadline = Date.now() + timeoutMs;
    while (this.crashes === crashesBefore) {
      if (Date.now() > deadline) throw new Error(`${this.node.name}: etcd did not crash after corrupting its database`);
      await new Promise((r) => setTimeout(r, 50));
    }
    if (!this.lastCrashExit) throw new Error(`${this.node.name}: etcd exited 0 after corruption`);
  }

  private halt(): void {
    this.agentRunning = false;
    this.heartbeating = false;
    if (this.tickTimer) clearInterval(this.tickTimer);
    if (this.heartbeatTimer) clearInterval(this.heartbeatTimer);
    this.tickTimer = undefined;
    this.heartbeatTimer = undefined;
  }

  private async killEtcdHard(): Promise<void> {
    const procs = [this.etcd, runningEtcd(this.node)].filter((p): p is EtcdProcess => !!p);
    await Promise.all(procs.map((p) => stopEtcd(p, { hard: true })));
    this.unready();
    this.state = { kind: 'stopped' };
  }

  private killRunPods(): void {
    for (const p of this.runPods.values()) if (p.running) p.abort.abort();
  }

  // ---- heartbeat ------------------------------------------------------------------------------------

  private heartbeat(): void {
    if (!this.heartbeating) return;
    const t = now();
    try {
      this.ctx.store.mutate(R.nodes, undefined, this.node.name, (obj) => {
        obj.status ??= {};
        obj.status.conditions ??= [];
        const conds: any[] = obj.status.conditions;
        let ready = conds.find((c) => c.type === 'Ready');
        if (!ready) {
          ready = { type: 'Ready' };
          conds.push(ready);
        }
        if (ready.status !== 'True') ready.lastTransitionTime = t;
        ready.status = 'True';
        ready.reason = 'KubeletReady';
        ready.message = 'kubelet is posting ready status';
        ready.lastHeartbeatTime = t;
        for (const c of conds) if (c.type !== 'Ready' && c.lastHeartbeatTime) c.lastHeartbeatTime = t;
      });
      this.lastHeartbeat = Date.now();
    } catch (err) {
      this.ctx.log(`${this.node.name}: heartbeat failed: ${(err as Error).message}`);
    }
  }

  // ---- main loop ------------------------------------------------------------------------------------

  private ticking = false;
  private async tick(): Promise<void> {
    if (!this.agentRunning || this.ticking) return;
    this.ticking = true;
    try {
      await this.syncManifest();
      if (!this.agentRunning) return;
      this.reconcileEtcd();
      void this.checkHealth();
      this.writeMirrorPod();
      this.syncRunPods();
      this.syncs++;
    } catch (err) {
      this.ctx.log(`${this.node.name}: kubelet: ${(err as Error).stack ?? err}`);
    } finally {
      this.ticking = false;
    }
  }

  private readManifest(): StaticManifest | undefined {
    const file = path.join(this.node.root, ETCD_MANIFEST);
    let text: string;
    try {
      text = readFileSync(file, 'utf8');
    } catch {
      return undefined;
    }
    const hash = createHash('md5').update(text).digest('hex');
    if (this.manifest?.hash === hash) return this.manifest;
    let pod: KObject;
    try {
      pod = YAML.parse(text) as KObject;
      if (!pod?.metadata?.name || !Array.isArray(pod?.spec?.containers)) throw new Error('not a pod manifest');
    } catch (err) {
      this.ctx.log(`${this.node.name}: kubelet: invalid static pod manifest ${ETCD_MANIFEST}: ${(err as Error).message}`);
      return this.manifest; // keep what runs
    }
    const base = pod.metadata.name;
    const podName = base.endsWith(`-${this.node.name}`) ? base : `${base}-${this.node.name}`;
    return { text, hash, pod, podName, namespace: pod.metadata.namespace ?? 'openshift-etcd' };
  }

  private async syncManifest(): Promise<void> {
    if (this.busy) return;
    const next = this.readManifest();
    if (next === this.manifest) return;
    const old = this.manifest;
    this.busy = true;
    try {
      if (old) {
        // the old pod's containers stop; an etcd run outside the kubelet (no etcd container) is not the kubelet's
        const ownsEtcd = podRunsEtcd(old);
        this.ctx.log(`${this.node.name}: kubelet: static pod ${old.podName} ${next ? 'changed' : 'removed'}${ownsEtcd ? '; stopping etcd' : ''}`);
        this.pauseEtcd = true;
        const procs = ownsEtcd ? [this.etcd, runningEtcd(this.node)].filter((p): p is EtcdProcess => !!p) : [];
        await Promise.all(procs.map((p) => stopEtcd(p)));
        this.pauseEtcd = false;
        this.deleteMirrorPod(old);
      }
      this.manifest = next;
      this.images(); // its images are on the node from now on
      this.state = { kind: 'none' };
      this.restartCount = 0;
      this.lastState = undefined;
      this.backoffMs = 0;
      this.unready();
      this.podStartTime = next ? now() : undefined;
      this.nextDiscoverAt = 0;
      if (next) this.ctx.log(`${this.node.name}: kubelet: static pod ${next.podName} (revision ${next.pod.metadata.labels?.revision ?? '?'})`);
    } finally {
      this.busy = false;
      this.pauseEtcd = false;
    }
  }

  private deleteMirrorPod(m: StaticManifest): void {
    try {
      this.ctx.store.delete(R.pods, m.namespace, m.podName);
    } catch {
      /* already gone */
    }
  }

  // ---- etcd container -------------------------------------------------------------------------------

  private reconcileEtcd(): void {
    if (!this.manifest || this.pauseEtcd || this.busy) return;
    if (!podRunsEtcd(this.manifest)) return; // no etcd container: nothing of the kubelet's to run

    if (this.etcd && this.etcd.exitCode === undefined) return;
    if (this.state.kind === 'backoff' && Date.now() < this.state.until) return;
    const adopted = runningEtcd(this.node);
    if (adopted) {
      this.attach(adopted);
      return;
    }
    if (hasMemberData(this.node)) {
      this.launch();
      return;
    }
    // Empty data dir: the pod's discover-etcd-initial-cluster step.
    if (this.state.kind !== 'discover') {
      this.state = { kind: 'discover', startedAt: now() };
      this.containerID = newContainerID();
      this.etcdLogOffset = this.logSize();
    }
    if (this.discoverInFlight || Date.now() < this.nextDiscoverAt) return;
    this.discoverInFlight = true;
    void this.discover().finally(() => {
      this.discoverInFlight = false;
      this.nextDiscoverAt = Date.now() + DISCOVER_RETRY_MS;
    });
  }

  private logSize(): number {
    try {
      return statSync(etcdLogFile(this.ctx.stateDir, this.node)).size;
    } catch {
      return 0;
    }
  }

  private etcdLog(line: string): void {
    const file = etcdLogFile(this.ctx.stateDir, this.node);
    mkdirSync(path.dirname(file), { recursive: true });
    appendFileSync(file, `${line}\n`);
  }

  private discoverEndpoints(): string[] {
    const tr = boundaryTranslator(this.ctx.nodes.values());
    let list: string | undefined;
    for (const c of [...(this.manifest?.pod.spec?.containers ?? []), ...(this.manifest?.pod.spec?.initContainers ?? [])]) {
      const env = containerEnv(c);
      list ??= env.ALL_ETCD_ENDPOINTS ?? env.ETCDCTL_ENDPOINTS;
    }
    const own = clientURL(this.node);
    const eps = list
      ? list.split(',').map((e) => tr.toLoopback(e.trim())).filter(Boolean)
      : [...this.ctx.nodes.values()].filter(runsEtcd).map(clientURL);
    // only known nodes' mirrors can answer; never dial anything else
    const known = new Set([...this.ctx.nodes.values()].map(clientURL));
    return eps.filter((e) => e !== own && known.has(e));
  }

  private async discover(): Promise<void> {
    const eps = this.discoverEndpoints();
    const self = peerURL(this.node);
    let message: string;
    try {
      if (!eps.length) throw new Error('no endpoints to discover the cluster from');
      const members = await memberList(eps);
      const me = members.find((m) => m.peerURLs.includes(self));
      if (me && !me.name) {
        if (!this.manifest || this.pauseEtcd || this.busy || !this.agentRunning || hasMemberData(this.node)) return;
        const initialCluster = members
          .flatMap((m, i) => m.peerURLs.map((u) => `${m === me ? this.node.name : m.name || `unstarted-${i}`}=${u}`))
          .join(',');
        this.etcdLog(`#### discover: member ${me.id} (${self}) found unstarted; ETCD_INITIAL_CLUSTER=${initialCluster}`);
        this.launch(initialCluster);
        return;
      }
      message = me
        ? `member ${me.id} (${self}) is already started but the data dir ${'/var/lib/etcd'} is empty; waiting`
        : `Waiting for ${self} to be added to the member list`;
    } catch (err) {
      message = `failed to list members: ${(err as Error).message.split('\n')[0]}`;
    }
    if (message !== this.discoverMessage) {
      this.discoverMessage = message;
      this.etcdLog(`#### discover: ${tr(this.ctx, message)}`);
    }
  }

  private launch(initialCluster?: string): void {
    if (!this.manifest) return;
    let proc: EtcdProcess;
    try {
      proc = startEtcd(this.node, { stateDir: this.ctx.stateDir, state: 'existing', initialCluster });
    } catch (err) {
      this.ctx.log(`${this.node.name}: kubelet: cannot start etcd: ${(err as Error).message}`);
      return;
    }
    this.discoverMessage = '';
    this.containerID = newContainerID();
    this.attach(proc);
  }

  private attach(proc: EtcdProcess): void {
    this.etcd = proc;
    this.etcdLogOffset = proc.logOffset;
    this.state = { kind: 'running', startedAt: proc.startedAt.toISOString().replace(/\.\d+Z$/, 'Z') };
    const manifest = this.manifest;
    void proc.exited.then((code) => this.onEtcdExit(proc, code, manifest));
  }

  private onEtcdExit(proc: EtcdProcess, code: number, manifest: StaticManifest | undefined): void {
    if (this.etcd === proc) this.etcd = undefined;
    this.unready();
    if (proc.stopping || manifest !== this.manifest) return; // intended stop or a new pod revision
    this.crashes++;
    this.lastCrashExit = code;
    this.restartCount++;
    const ranMs = Date.now() - proc.startedAt.getTime();
    // kubernetes/kubernetes pkg/kubelet/kubelet.go: backOffPeriod 10 s doubling to MaxContainerBackOff 300 s, compressed
    // here to 1 s … 10 s; `timing.crashLoopBackOffSeconds` makes every back-off that long, as on a kubelet whose back-off
    // reached its cap (a pod crash-looping for minutes, which a must-gather or a support case usually shows)
    const fixed = (this.ctx.timing.crashLoopBackOffSeconds ?? 0) * 1000;
    this.backoffMs = fixed || (ranMs > 10_000 || !this.backoffMs ? BACKOFF_BASE_MS : Math.min(this.backoffMs * 2, BACKOFF_MAX_MS));
    this.lastState = {
      terminated: {
        exitCode: code,
        reason: code === 0 ? 'Completed' : 'Error',
        startedAt: proc.startedAt.toISOString().replace(/\.\d+Z$/, 'Z'),
        finishedAt: now(),
        containerID: this.containerID,
      },
    };
    if (this.agentRunning) {
      this.state = { kind: 'backoff', until: Date.now() + this.backoffMs, delayMs: this.backoffMs };
      this.ctx.log(`${this.node.name}: etcd exited with ${code}; restart ${this.restartCount} in ${this.backoffMs} ms`);
    } else if (this.state.kind !== 'stopped') {
      this.state = { kind: 'stopped' };
    }
  }

  /**
   * The etcd container's readinessProbe as the operator's pod manifest sets it (cluster-etcd-operator release-4.14
   * bindata/etcd/pod.yaml: readyz on 9980, timeoutSeconds 30, periodSeconds 5, failureThreshold 5): one slow or failed
   * answer does not make a running etcd unready, five in a row do (the kubelet's prober, pkg/kubelet/prober/worker.go,
   * counts consecutive results against the threshold). The period is compressed like every sim timing (a 250 ms tick
   * for 5 s); the timeout is not: it guards against a slow host, and the etcd processes here run at real speed. A
   * process that is gone is unready at once (no probe needed).
   */
  /** etcd not ready, and the probe's count of failures in a row starts again (a stopped or new process) */
  private unready(): void {
    this.healthy = false;
    this.probeFailures = 0;
  }

  private async checkHealth(): Promise<void> {
    if (this.healthInFlight) return;
    this.healthInFlight = true;
    try {
      const proc = this.etcdProcess;
      const ok = !!proc && (await etcdHealthy(this.node, PROBE_TIMEOUT_MS));
      if (!proc || this.etcdProcess !== proc) {
        this.unready();
      } else if (ok) {
        this.healthy = true;
        this.probeFailures = 0;
      } else if (++this.probeFailures >= PROBE_FAILURE_THRESHOLD) {
        this.healthy = false;
      }
    } finally {
      this.healthInFlight = false;
    }
  }

  // ---- mirror pod -----------------------------------------------------------------------------------

  private etcdContainerStatus(c: any, podName: string, namespace: string, uid: string): any {
    const base = { name: c.name, image: c.image ?? 'quay.io/openshift-release-dev/ocp-v4.0-art-dev', imageID: c.image ?? '' };
    const st = this.state;
    let state: any;
    let ready = false;
    let started = false;
    if (st.kind === 'running' || st.kind === 'discover') {
      state = { running: { startedAt: st.startedAt } };
      ready = st.kind === 'running' && this.healthy;
      started = true;
    } else if (st.kind === 'backoff') {
      state = {
        waiting: {
          reason: 'CrashLoopBackOff',
          message: `back-off ${Math.round(st.delayMs / 1000)}s restarting failed container=${c.name} pod=${podName}_${namespace}(${uid})`,
        },
      };
    } else if (this.lastState?.terminated) {
      state = this.lastState;
    } else {
      state = { waiting: { reason: 'ContainerCreating' } };
    }
    return {
      ...base,
      containerID: this.containerID,
      lastState: this.lastState ?? {},
      ready,
      restartCount: this.restartCount,
      started,
      state,
    };
  }

  private desiredMirrorPod(m: StaticManifest, existing: KObject | undefined): KObject {
    const nodeObj = this.ctx.store.get(R.nodes, undefined, this.node.name);
    const uid = existing?.metadata.uid ?? '';
    const startTime = this.podStartTime ?? now();
    const containers: any[] = m.pod.spec.containers ?? [];
    const inits: any[] = m.pod.spec.initContainers ?? [];
    const statuses = containers.map((c) => {
      if (c.name === 'etcd') return this.etcdContainerStatus(c, m.podName, m.namespace, uid);
      const ready = c.name === 'etcd-readyz' ? this.healthy : true;
      const prev = (existing?.status?.containerStatuses ?? []).find((s: any) => s.name === c.name);
      return {
        name: c.name,
        image: c.image ?? '',
        imageID: c.image ?? '',
        containerID: prev?.containerID ?? newContainerID(),
        lastState: {},
        ready,
        restartCount: 0,
        started: true,
        state: { running: { startedAt: startTime } },
      };
    });
    const allReady = statuses.every((s) => s.ready);
    const notReady = statuses.filter((s) => !s.ready).map((s) => s.name);
    const cond = (type: string, ok: boolean, extra: Record<string, string> = {}) => ({
      type,
      status: ok ? 'True' : 'False',
      lastProbeTime: null,
      lastTransitionTime: (existing?.status?.conditions ?? []).find((c: any) => c.type === type && c.status === (ok ? 'True' : 'False'))?.lastTransitionTime ?? now(),
      ...(ok ? {} : extra),
    });
    const unready = { reason: 'ContainersNotReady', message: `containers with unready status: [${notReady.join(' ')}]` };
    const annotations = {
      ...(m.pod.metadata.annotations ?? {}),
      'kubernetes.io/config.hash': m.hash,
      'kubernetes.io/config.mirror': m.hash,
      'kubernetes.io/config.seen': existing?.metadata.annotations?.['kubernetes.io/config.seen'] ?? new Date().toISOString(),
      'kubernetes.io/config.source': 'file',
    };
    return {
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: {
        ...(existing?.metadata ?? {}),
        name: m.podName,
        namespace: m.namespace,
        labels: { ...(m.pod.metadata.labels ?? {}) },
        annotations,
        // the kubelet's mirror pods are owned by its Node (kubernetes/kubernetes pkg/kubelet/pod/mirror_client.go
        // CreateMirrorPod, 1.19+), so the garbage collector deletes them with the Node. The real kubelet creates no
        // mirror pod while it cannot read its Node's UID; here the pod is created without the reference instead
        // (an empty uid is refused by the API server: ValidateOwnerReferences).
        ...(nodeObj?.metadata.uid ? { ownerReferences: [{ apiVersion: 'v1', kind: 'Node', name: this.node.name, uid: nodeObj.metadata.uid, controller: true }] } : {}),
      },
      spec: {
        restartPolicy: 'Always',
        dnsPolicy: 'ClusterFirst',
        schedulerName: 'default-scheduler',
        terminationGracePeriodSeconds: 30,
        enableServiceLinks: true,
        preemptionPolicy: 'PreemptLowerPriority',
        tolerations: [{ operator: 'Exists' }],
        ...m.pod.spec,
        nodeName: this.node.name,
      },
      status: {
        phase: 'Running',
        conditions: [
          cond('Initialized', true),
          cond('Ready', allReady, unready),
          cond('ContainersReady', allReady, unready),
          cond('PodScheduled', true),
        ],
        hostIP: this.node.ip,
        hostIPs: [{ ip: this.node.ip }],
        podIP: this.node.ip,
        podIPs: [{ ip: this.node.ip }],
        startTime,
        qosClass: 'Burstable',
        initContainerStatuses: inits.map((c) => {
          const prev = (existing?.status?.initContainerStatuses ?? []).find((s: any) => s.name === c.name);
          return {
            name: c.name,
            image: c.image ?? '',
            imageID: c.image ?? '',
            containerID: prev?.containerID ?? newContainerID(),
            lastState: {},
            ready: true,
            restartCount: 0,
            started: false,
            state: { terminated: { exitCode: 0, reason: 'Completed', startedAt: startTime, finishedAt: startTime, containerID: prev?.containerID ?? '' } },
          };
        }),
        containerStatuses: statuses,
      },
    };
  }

  private writeMirrorPod(): void {
    const m = this.manifest;
    if (!m || this.busy) return;
    const store = this.ctx.store;
    const existing = store.get(R.pods, m.namespace, m.podName);
    if (!existing || existing.metadata.deletionTimestamp) {
      if (existing) return;
      const created = store.create(R.pods, this.desiredMirrorPod(m, undefined));
      // second write fills in the uid-bearing CrashLoopBackOff message
      store.mutate(R.pods, m.namespace, m.podName, (obj) => {
        const want = this.desiredMirrorPod(m, created);
        obj.status = want.status;
      });
      return;
    }
    store.mutate(R.pods, m.namespace, m.podName, (obj) => {
      const want = this.desiredMirrorPod(m, obj);
      const same =
        JSON.stringify(obj.status) === JSON.stringify(want.status) &&
        JSON.stringify(obj.metadata.labels) === JSON.stringify(want.metadata.labels) &&
        JSON.stringify(obj.metadata.annotations) === JSON.stringify(want.metadata.annotations) &&
        JSON.stringify(obj.metadata.ownerReferences) === JSON.stringify(want.metadata.ownerReferences);
      if (same) return false;
      obj.metadata.labels = want.metadata.labels;
      obj.metadata.annotations = want.metadata.annotations;
      obj.metadata.ownerReferences = want.metadata.ownerReferences;
      obj.status = want.status;
    });
  }

  // ---- non-static pods ------------------------------------------------------------------------------

  private syncRunPods(): void {
    const store = this.ctx.store;
    const pods = store.list(R.pods, undefined, (p) => p.spec?.nodeName === this.node.name);
    const alive = new Set(pods.map((p) => p.metadata.uid));
    for (const rp of this.runPods.values()) if (rp.running && !alive.has(rp.uid)) rp.abort.abort();
    for (const pod of pods) {
      const uid = pod.metadata.uid!;
      if (this.handled.has(uid)) continue;
      if (pod.metadata.annotations?.['kubernetes.io/config.mirror']) continue;
      if (pod.metadata.labels?.['sim.openshift.io/managed']) continue;
      if (pod.metadata.deletionTimestamp) continue;
      const phase = pod.status?.phase;
      if (phase && phase !== 'Pending') continue;
      if (phase === 'Pending' && pod.status?.containerStatuses?.length) continue; // someone else's
      this.handled.add(uid);
      void this.runNonStaticPod(pod);
    }
  }

  private async runNonStaticPod(pod: KObject): Promise<void> {
    const store = this.ctx.store;
    const { namespace, name } = pod.metadata;
    const uid = pod.metadata.uid!;
    const c = pod.spec?.containers?.[0];
    if (!c) return;
    const volumes: any[] = pod.spec?.volumes ?? [];
    const host = volumes.some(
      (v) => v?.hostPath?.path === '/' && (c.volumeMounts ?? []).some((vm: any) => vm.name === v.name && vm.mountPath === '/host'),
    );
    const tr = boundaryTranslator(this.ctx.nodes.values());
    const argv: string[] = [...(c.command ?? []), ...(c.args ?? [])].map((a) => tr.toLoopback(String(a)));
    const env = Object.fromEntries(Object.entries(containerEnv(c)).map(([k, v]) => [k, tr.toLoopback(v)]));
    const rp: RunPod = { uid, namespace: namespace!, name, output: '', host, env, abort: new AbortController(), running: true };
    this.runPods.set(uid, rp);
    const startedAt = now();
    const containerID = newContainerID();
    const podIP = pod.spec?.hostNetwork ? this.node.ip : `10.128.${Number(this.node.ip.split('.')[3]) % 250}.${2 + (this.runPods.size % 250)}`;
    const setStatus = (fn: (status: any) => void) =>
      store.mutate(R.pods, namespace, name, (obj) => {
        if (obj.metadata.uid !== uid) return false;
        obj.status ??= {};
        fn(obj.status);
      });
    const baseStatus = (s: any, ready: boolean, phase: string) => {
      s.phase = phase;
      s.hostIP = this.node.ip;
      s.hostIPs = [{ ip: this.node.ip }];
      s.podIP = podIP;
      s.podIPs = [{ ip: podIP }];
      s.startTime ??= startedAt;
      s.qosClass ??= 'BestEffort';
      const t = now();
      const r = ready ? 'True' : 'False';
      const extra = ready ? {} : { reason: phase === 'Running' ? 'ContainersNotReady' : 'PodCompleted' };
      s.conditions = [
        { type: 'Initialized', status: 'True', lastProbeTime: null, lastTransitionTime: startedAt },
        { type: 'Ready', status: r, lastProbeTime: null, lastTransitionTime: t, ...extra },
        { type: 'ContainersReady', status: r, lastProbeTime: null, lastTransitionTime: t, ...extra },
        { type: 'PodScheduled', status: 'True', lastProbeTime: null, lastTransitionTime: pod.metadata.creationTimestamp ?? startedAt },
      ];
    };
    const others = (pod.spec?.containers ?? []).slice(1);
    // images (images.ts): pull what the node does not have, as the pull policy says; a failed pull never starts the pod
    for (const k of [c, ...others]) {
      const image = String(k.image ?? '');
      if (!needsPull(image, k.imagePullPolicy, this.images())) continue;
      if (this.ctx.registry === 'unreachable') {
        const waiting = (reason: string, message: string) =>
          setStatus((s) => {
            s.phase = 'Pending';
            s.hostIP = this.node.ip;
            s.startTime ??= startedAt;
            s.containerStatuses = [c, ...others].map((x: any) => ({ name: x.name, image: x.image ?? '', imageID: '', lastState: {}, ready: false, restartCount: 0, started: false, state: { waiting: { reason, message } } }));
          });
        waiting('ErrImagePull', unreachablePullError(image));
        await new Promise((r) => setTimeout(r, 1000));
        rp.running = false;
        if (this.agentRunning) waiting('ImagePullBackOff', `Back-off pulling image "${image}"`);
        return;
      }
      this.pulled.add(image);
    }
    setStatus((s) => {
      baseStatus(s, true, 'Running');
      s.containerStatuses = [c, ...others].map((k: any) => ({
        name: k.name,
        image: k.image ?? '',
        imageID: k.image ?? '',
        containerID,
        lastState: {},
        ready: true,
        restartCount: 0,
        started: true,
        state: { running: { startedAt } },
      }));
    });
    let result: { exitCode: number; output: string };
    if (!argv.length) {
      result = { exitCode: 0, output: '' };
    } else {
      result = await runPodCommand(this.node, uid, argv, {
        env,
        host,
        dedicatedEtcdDisk: this.ctx.etcdDisk === 'dedicated',
        podsDir: path.join(this.ctx.stateDir, 'pods'),
        signal: rp.abort.signal,
        onOutput: (chunk) => (rp.output += tr.fromLoopback(chunk)),
      });
    }
    rp.output = tr.fromLoopback(result.output);
    rp.running = false;
    if (!this.agentRunning) return; // powered off / kubelet down: the status stays stale
    const finishedAt = now();
    const reason = result.exitCode === 0 ? 'Completed' : 'Error';
    setStatus((s) => {
      baseStatus(s, false, result.exitCode === 0 ? 'Succeeded' : 'Failed');
      s.containerStatuses = [c, ...others].map((k: any) => ({
        name: k.name,
        image: k.image ?? '',
        imageID: k.image ?? '',
        containerID,
        lastState: {},
        ready: false,
        restartCount: 0,
        started: false,
        state: { terminated: { exitCode: result.exitCode, reason, startedAt, finishedAt, containerID } },
      }));
    });
  }
}

function tr(ctx: WorldContext, text: string): string {
  return translator(ctx.nodes.values()).fromLoopback(text);
}
