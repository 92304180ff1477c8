// The simulated Machine API (machine-api-operator actuator) and the ControlPlaneMachineSet controller.
//   new Machine -> Provisioning -> (provisionSeconds) Provisioned -> Running with a new node (host root,
//   Node object, kubelet); deletion -> Deleting, honouring preDrain hooks (Drainable=False HookPresent),
//   then the kubelet stops, the Node goes, the finalizer is removed.
import path from 'node:path';
import type { KObject } from '../kube-apiserver/store.ts';
import { R } from '../kube-apiserver/resources.ts';
import { mirrorIP, newNodeIPv6, type SimNode, type WorldContext } from '../world/context.ts';
import { HOOK, MACHINE_FINALIZER, NS_MACHINE_API, now, rand5 } from '../world/names.ts';
import { machineConditions, setMachineRunning } from './objects.ts';
import { cloudProvider, setInstance, type CloudProvider } from './providers.ts';
import { node as nodeObject } from '../kubelet/objects.ts';
import { controllerLoop, type ControllerLoop } from '../world/loop.ts';
import { hostState } from '../metal3/baremetalhost.ts';
import { providerIDForHost, type BareMetalActuator } from './baremetal-actuator.ts';

const TICK_MS = 250;

export interface MachineApiDeps {
  /** Create the host root and start a kubelet for a new master node (world.ts). */
  addMaster(node: SimNode): Promise<void>;
  /** Stop the kubelet of a node whose machine is deleted. */
  removeNode(nodeName: string): Promise<void>;
  infra: string;
  cpms: 'absent' | 'inactive' | 'active';
  /** platform baremetal: the Metal3 actuator (a Machine runs only on a BareMetalHost it claimed) */
  metal3?: BareMetalActuator;
  /** platform baremetal: the production IPv4 address of a host (its node's InternalIP) */
  hostIP?: (host: string) => string | undefined;
}

export class MachineApi {
  private loop?: ControllerLoop;
  private busy = false;
  private readonly provisioning = new Map<string, number>(); // machine uid -> started
  /** CPMS: index -> when the controller first saw it needing a machine (timing.cpmsReconcileSeconds counts from then) */
  private readonly cpmsNeed = new Map<number, number>();
  private cpmsDegraded = '';
  private readonly deleting = new Set<string>();
  private readonly usedIPs = new Set<string>();

  constructor(
    private readonly ctx: WorldContext,
    private readonly deps: MachineApiDeps,
  ) {
    for (const n of ctx.nodes.values()) this.usedIPs.add(n.ip);
  }

  reserveIP(ip: string): void {
    this.usedIPs.add(ip);
  }

  start(): void {
    this.loop = controllerLoop('machine-api', TICK_MS, () => this.tick(), (m) => this.ctx.log(m));
  }

  stop(): void {
    this.loop?.stop();
  }

  /** A free IP in the /16 of the masters (never .0/.255, never used before in this world). */
  allocateIP(): string {
    const first = [...this.ctx.nodes.values()].find((n) => n.role === 'master')?.ip ?? '10.0.0.10';
    const [a, b] = first.split('.');
    for (let i = 0; i < 10000; i++) {
      const c = 128 + Math.floor(Math.random() * 64);
      const d = 2 + Math.floor(Math.random() * 250);
      const ip = `${a}.${b}.${c}.${d}`;
      if (this.usedIPs.has(ip)) continue;
      if ([...this.ctx.nodes.values()].some((n) => n.ip === ip || n.loopback === mirrorIP(ip))) continue;
      this.usedIPs.add(ip);
      return ip;
    }
    throw new Error('no free IP');
  }

  private async tick(): Promise<void> {
    if (this.busy) return;
    this.busy = true;
    try {
      const store = this.ctx.store;
      this.reconcileControlPlaneMachineSet();
      for (const m of store.list(R.machines, NS_MACHINE_API)) {
        if (m.metadata.deletionTimestamp) await this.reconcileDeleting(m);
        else await this.reconcileLive(m);
      }
    } finally {
      this.busy = false;
    }
  }

  /** the cloud provider of this world (every platform with machines but bare metal) */
  private cloud(): CloudProvider {
    const p = cloudProvider(this.ctx.platform);
    if (!p) throw new Error(`machine-api: no cloud provider for platform ${this.ctx.platform}`);
    return p;
  }

  private role(m: KObject): 'master' | 'worker' {
    return m.metadata.labels?.['machine.openshift.io/cluster-api-machine-role'] === 'master' ? 'master' : 'worker';
  }

  private async reconcileLive(m: KObject): Promise<void> {
    if (this.deps.metal3) return this.reconcileBareMetal(m, this.deps.metal3);
    const store = this.ctx.store;
    const uid = m.metadata.uid!;
    const phase = m.status?.phase;
    const cloud = this.cloud();
    if (!phase) {
      // the actuator's Create: the instance exists (providerID, the provider's "creating" state), the machine Provisioning
      store.mutate(R.machines, NS_MACHINE_API, m.metadata.name, (o) => {
        if (o.status?.phase) return false;
        o.metadata.finalizers = [...new Set([...(o.metadata.finalizers ?? []), MACHINE_FINALIZER])];
        const inst = cloud.newInstance(o.metadata.name, o.spec?.providerSpec?.value ?? {}, this.deps.infra);
        o.status = { phase: 'Provisioning', lastUpdated: now() };
        setInstance(cloud, o, inst, cloud.states.creating, now());
      });
      this.provisioning.set(uid, Date.now());
      this.ctx.log(`machine-api: ${m.metadata.name}: Provisioning`);
      return;
    }
    if (phase === 'Provisioning' || phase === 'Provisioned') {
      const started = this.provisioning.get(uid) ?? Date.now();
      if (!this.provisioning.has(uid)) this.provisioning.set(uid, started);
      const total = this.ctx.timing.provisionSeconds * 1000;
      if (phase === 'Provisioning' && Date.now() - started >= total / 2) {
        store.mutate(R.machines, NS_MACHINE_API, m.metadata.name, (o) => {
          o.status.phase = 'Provisioned';
          o.status.lastUpdated = now();
          const inst = cloud.instanceOf(o);
          if (inst) setInstance(cloud, o, inst, cloud.states.running, now());
        });
        return;
      }
      if (phase === 'Provisioned' && Date.now() - started >= total) {
        await this.bringUp(m);
      }
    }
  }

  /** Bare metal: the machine controller calls the actuator's Create until the claimed host is provisioned, then the node joins. */
  private async reconcileBareMetal(m: KObject, act: BareMetalActuator): Promise<void> {
    const phase = m.status?.phase;
    if (phase === 'Running' || phase === 'Failed') {
      act.syncAnnotations(m);
      return;
    }
    if (!phase) {
      this.ctx.store.mutate(R.machines, NS_MACHINE_API, m.metadata.name, (o) => {
        if (o.status?.phase) return false;
        o.metadata.finalizers = [...new Set([...(o.metadata.finalizers ?? []), MACHINE_FINALIZER])];
        o.status = { ...(o.status ?? {}), phase: 'Provisioning', lastUpdated: now() };
      });
      this.ctx.log(`machine-api: ${m.metadata.name}: Provisioning`);
      return;
    }
    const host = act.create(m);
    if (!host) return;
    if (phase === 'Provisioning') {
      this.ctx.store.mutate(R.machines, NS_MACHINE_API, m.metadata.name, (o) => {
        o.status.phase = 'Provisioned';
        o.status.lastUpdated = now();
      });
    }
    if (hostState(host) === 'provisioned') {
      this.ctx.store.mutate(R.machines, NS_MACHINE_API, m.metadata.name, (o) => {
        o.spec.providerID ??= providerIDForHost(host);
      });
      await this.bringUp(this.ctx.store.get(R.machines, NS_MACHINE_API, m.metadata.name) ?? m, host.metadata.name);
    }
  }

  private nodeNameFor(m: KObject, ip: string): string {
    if (this.ctx.platform === 'aws') return `ip-${ip.replace(/\./g, '-')}.ec2.internal`;
    return m.metadata.name;
  }

  private async bringUp(m: KObject, hostName?: string): Promise<void> {
    const store = this.ctx.store;
    const role = this.role(m);
    // bare metal: the production address the host's NIC was leased (Metal3Hosts.productionIP)
    const ip = (hostName && this.deps.hostIP?.(hostName)) || this.allocateIP();
    // bare metal: the node is named after the host (its hostname), interface.md
    const name = hostName ?? this.nodeNameFor(m, ip);
    const zone = m.spec?.providerSpec?.value?.placement?.availabilityZone;
    const providerID = m.spec?.providerID;
    const cloud = cloudProvider(this.ctx.platform);
    const cloudLabels = cloud && cloud.platform !== 'aws' ? cloud.nodeLabels({ role, value: m.spec?.providerSpec?.value ?? {} }) : undefined;
    const v6 = newNodeIPv6(this.ctx, ip); // dual-stack / IPv6 clusters
    if (role === 'master') {
      const sim: SimNode = {
        name,
        ip,
        loopback: mirrorIP(ip),
        root: path.join(this.ctx.stateDir, 'nodes', name, 'root'),
        role: 'master',
        ...v6,
      };
      const nodeObj = nodeObject({ name, ip, ...v6, addressOrder: this.ctx.network?.nodeAddressOrder, role, minor: this.ctx.minor, platform: this.ctx.platform, zone, providerID, cloudLabels });
      nodeObj.metadata.annotations!['machine.openshift.io/machine'] = `${NS_MACHINE_API}/${m.metadata.name}`;
      try {
        store.create(R.nodes, nodeObj);
      } catch {
        /* exists */
      }
      this.ctx.nodes.set(name, sim);
      await this.deps.addMaster(sim);
    } else {
      const nodeObj = nodeObject({ name, ip, role, minor: this.ctx.minor, platform: this.ctx.platform, zone, providerID, cloudLabels });
      nodeObj.metadata.annotations!['machine.openshift.io/machine'] = `${NS_MACHINE_API}/${m.metadata.name}`;
      try {
        store.create(R.nodes, nodeObj);
      } catch {
        /* exists */
      }
    }
    const nodeUID = store.get(R.nodes, undefined, name)?.metadata.uid;
    store.mutate(R.machines, NS_MACHINE_API, m.metadata.name, (o) => {
      const addr = { name, ip, ...v6, addressOrder: this.ctx.network?.nodeAddressOrder, uid: nodeUID };
      if (cloud) setMachineRunning(o, addr, cloud.platform);
      if (this.ctx.platform === 'baremetal') {
        setMachineRunning(o, addr, this.ctx.platform, 'provisioned');
        // the actuator, not the node, gives a bare-metal Machine its addresses (baremetal-actuator.ts nodeAddresses)
        if (this.deps.metal3 && hostName) o.status.addresses = this.deps.metal3.nodeAddresses(this.deps.metal3.hostOf(o));
      }
    });
    this.provisioning.delete(m.metadata.uid!);
    this.ctx.log(`machine-api: ${m.metadata.name}: Running as node ${name} (${ip})`);
  }

  private async reconcileDeleting(m: KObject): Promise<void> {
    const store = this.ctx.store;
    const uid = m.metadata.uid!;
    const name = m.metadata.name;
    if (this.deleting.has(uid)) return;
    const hooks: any[] = m.spec?.lifecycleHooks?.preDrain ?? [];
    if (hooks.length) {
      const message = `Drain operation currently blocked by: [${hooks.map((h) => `{Name:${h.name} Owner:${h.owner}}`).join(' ')}]`;
      store.mutate(R.machines, NS_MACHINE_API, name, (o) => {
        const conds: any[] = o.status?.conditions ?? [];
        const d = conds.find((c) => c.type === 'Drainable');
        if (o.status?.phase === 'Deleting' && d?.status === 'False' && d.message === message) return false;
        o.status ??= {};
        o.status.phase = 'Deleting';
        o.status.lastUpdated = now();
        const others = conds.filter((c) => c.type !== 'Drainable');
        o.status.conditions = [
          { type: 'Drainable', status: 'False', severity: 'Warning', reason: 'HookPresent', message, lastTransitionTime: now() },
          ...others,
        ];
      });
      return;
    }
    // bare metal: the actuator deprovisions and releases the host first (or hangs: fault machine-finalizer-stuck)
    if (this.deps.metal3 && !this.deps.metal3.delete(m)) {
      store.mutate(R.machines, NS_MACHINE_API, name, (o) => {
        if (o.status?.phase === 'Deleting') return false;
        o.status ??= {};
        o.status.phase = 'Deleting';
        o.status.lastUpdated = now();
      });
      return;
    }
    // no hooks left: drain, terminate the instance, delete the node, drop the finalizer
    this.deleting.add(uid);
    try {
      store.mutate(R.machines, NS_MACHINE_API, name, (o) => {
        o.status ??= {};
        o.status.phase = 'Deleting';
        o.status.lastUpdated = now();
        const conds = (o.status.conditions ?? machineConditions()).filter((c: any) => c.type !== 'Drainable');
        o.status.conditions = [{ type: 'Drainable', status: 'True', lastTransitionTime: now() }, { type: 'Drained', status: 'True', lastTransitionTime: now() }, ...conds];
      });
      const nodeName: string | undefined = m.status?.nodeRef?.name;
      if (nodeName) {
        await this.deps.removeNode(nodeName);
        try {
          store.delete(R.nodes, undefined, nodeName);
          this.ctx.log(`machine-api: ${name}: deleted node ${nodeName}`);
        } catch {
          /* already gone */
        }
      }
      await new Promise((r) => setTimeout(r, 300));
      store.mutate(R.machines, NS_MACHINE_API, name, (o) => {
        if (o.metadata.uid !== uid) return false;
        // the provider's state of a deleted instance, where it writes one (providers.ts: AWS terminated, Azure Deleting, IBM Cloud deleting)
        const cloud = cloudProvider(this.ctx.platform);
        const inst = cloud?.states.deleting ? cloud.instanceOf(o) : null;
        if (cloud && inst) setInstance(cloud, o, inst, cloud.states.deleting!, now());
        o.metadata.finalizers = (o.metadata.finalizers ?? []).filter((f: string) => f !== MACHINE_FINALIZER);
      });
      this.ctx.log(`machine-api: ${name}: deleted`);
    } finally {
      this.deleting.delete(uid);
    }
  }

  /**
   * The ControlPlaneMachineSet controller (github:openshift/cluster-control-plane-machine-set-operator release-4.16
   * 14571e8a, pkg/controllers/controlplanemachineset): nothing while Inactive (reconcileMachines: `!isActive`);
   * validateClusterState first: a master Node no Machine's nodeRef names makes it Degraded ("Found N unmanaged
   * node(s)", checkControlPlaneNodesToMachinesMappings) and it creates nothing; machineInfosByIndex then fills the
   * indexes that have no Machine at all (from 0 until there are spec.replicas), and both update strategies create a
   * Machine for an index that is empty or whose Machines are all being deleted (updates.go
   * createRollingUpdateReplacementMachines / createOnDeleteReplacementMachines; RollingUpdate one at a time, maxSurge 1).
   * The index of a Machine is its name's numeric suffix. timing.cpmsReconcileSeconds: how long after the controller
   * first sees an index needing a machine it creates one (its watch-driven reconcile: about a second).
   */
  private reconcileControlPlaneMachineSet(): void {
    const store = this.ctx.store;
    const cpms = store.get(R.controlplanemachinesets, NS_MACHINE_API, 'cluster');
    if (!cpms || cpms.spec?.state !== 'Active' || cpms.metadata.deletionTimestamp) {
      this.cpmsNeed.clear();
      return;
    }
    const masters = store.list(R.machines, NS_MACHINE_API).filter((m) => this.role(m) === 'master');
    const named = new Set(masters.map((m) => m.status?.nodeRef?.name).filter(Boolean));
    const unmanaged = store
      .list(R.nodes)
      .filter((n) => n.metadata.labels && 'node-role.kubernetes.io/master' in n.metadata.labels && !named.has(n.metadata.name))
      .map((n) => n.metadata.name);
    const degraded = unmanaged.length ? `Found ${unmanaged.length} unmanaged node(s): ${unmanaged.join(', ')}` : '';
    if (degraded !== this.cpmsDegraded) {
      this.cpmsDegraded = degraded;
      this.ctx.log(degraded ? `cpms: Degraded (UnmanagedNodes): ${degraded}` : 'cpms: no unmanaged nodes');
    }
    if (degraded) {
      this.cpmsNeed.clear();
      return;
    }
    const byIndex = new Map<number, KObject[]>();
    for (const m of masters) {
      const i = Number(/-(\d+)$/.exec(m.metadata.name)?.[1] ?? 0);
      byIndex.set(i, [...(byIndex.get(i) ?? []), m]);
    }
    const replicas = Number(cpms.spec?.replicas ?? 3);
    for (let i = 0; byIndex.size < replicas; i++) if (!byIndex.has(i)) byIndex.set(i, []);
    const delayMs = (this.ctx.timing.cpmsReconcileSeconds ?? 1) * 1000;
    for (const [index, ms] of [...byIndex].sort((a, b) => a[0] - b[0])) {
      const needs = ms.every((m) => m.metadata.deletionTimestamp);
      if (!needs) {
        this.cpmsNeed.delete(index);
        continue;
      }
      const since = this.cpmsNeed.get(index) ?? Date.now();
      this.cpmsNeed.set(index, since);
      if (Date.now() - since < delayMs) continue;
      this.cpmsNeed.delete(index);
      this.createReplacement(cpms, index, ms[0]?.metadata.name ?? null);
      return; // maxSurge 1
    }
  }

  private createReplacement(cpms: KObject, index: number, old: string | null): void {
    const store = this.ctx.store;
    const name = `${this.deps.infra}-master-${rand5()}-${index}`;
    const tmpl = cpms.spec.template?.machines_v1beta1_machine_openshift_io ?? {};
    const spec = structuredClone(tmpl.spec ?? {});
    // the replacement goes into the deleted machine's failure domain: the template with that domain's fields put back
    // (cluster-control-plane-machine-set-operator providerconfig/<platform>.go InjectFailureDomain)
    const cloud = cloudProvider(this.ctx.platform);
    if (cloud && spec.providerSpec?.value) spec.providerSpec.value = cloud.cpmsInject(spec.providerSpec.value, index, this.deps.infra);
    spec.lifecycleHooks = { preDrain: [{ ...HOOK }] };
    // the template's labels; the actuator adds instance type, region and zone
    const labels = { ...(tmpl.metadata?.labels ?? {}) };
    try {
      store.create(R.machines, {
        apiVersion: 'machine.openshift.io/v1beta1',
        kind: 'Machine',
        metadata: {
          name,
          namespace: NS_MACHINE_API,
          labels,
          annotations: {},
          finalizers: [MACHINE_FINALIZER],
          ownerReferences: [
            { apiVersion: 'machine.openshift.io/v1', kind: 'ControlPlaneMachineSet', name: 'cluster', uid: cpms.metadata.uid, controller: true, blockOwnerDeletion: true },
          ],
        },
        spec,
      });
      this.ctx.log(old ? `cpms: ${old} is being deleted; created replacement ${name}` : `cpms: index ${index} has no machine; created ${name}`);
    } catch (err) {
      this.ctx.log(`cpms: cannot create replacement ${name}: ${(err as Error).message}`);
    }
  }
}
