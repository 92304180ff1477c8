// Assembles the simulated OpenShift control plane: store + API server, objects, host folders,
// real etcd per master (bootstrap), kubelets, etcd operator, machine API, node lifecycle, faults.
import { appendFileSync, mkdirSync, readFileSync, rmSync } from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { Store, type KObject } from '../kube-apiserver/store.ts';
import { R } from '../kube-apiserver/resources.ts';
import { KUBEADMIN_TOKEN, startApiServer, userToken } from '../kube-apiserver/server.ts';
import { writeKubeconfig } from '../kube-apiserver/kubeconfig.ts';
import { etcdHost, mirrorIP, type SimNode, type WorldContext } from './context.ts';
import { bootstrapCluster, killTrackedUnder, memberList, clientURL } from '../etcd/etcd.ts';
import { prepareHostRoot } from '../node/hostfs.ts';
import { Kubelet } from '../kubelet/kubelet.ts';
import { createWorldHooks } from '../kubelet/exec.ts';
import { EtcdOperator, CONTAINER_REMOVAL_KEY, EXTERNAL_ETCD_KEY } from '../cluster-etcd-operator/operator.ts';
import { podmanEtcd } from '../pacemaker/podman-etcd.ts';
import { MachineApi } from '../machine-api/machineapi.ts';
import { Metal3Hosts, bareMetalHost, bmcSecret, networkConfigSecret } from '../metal3/baremetalhost.ts';
import { BareMetalActuator, providerIDForHost } from '../machine-api/baremetal-actuator.ts';
import { NodeLifecycle } from '../kube-controller-manager/nodelifecycle.ts';
import { GarbageCollector } from '../kube-controller-manager/garbagecollector.ts';
import { applyFault } from './faults.ts';
import { infraName, parseScenario, type Scenario } from './scenario.ts';
import { startBackupDisk } from '../node/backupdisk.ts';
import { SMALL_QUOTA_BYTES } from '../etcd/quota.ts';
import { controlPlaneMachineSetOperator, machineApiOperator } from '../machine-api/clusteroperators.ts';
import { NS_ETCD, NS_ETCD_OPERATOR, NS_MACHINE_API, now } from './names.ts';
import { allCertsSecret, configMap, etcdCR, nodeSecret, scriptsConfigMap, SECRET_KINDS } from '../cluster-etcd-operator/objects.ts';
import { clusterOperator, clusterVersion, infrastructure, installConfigMap, kubeApiServerOperator, namespaces, networkConfig, toolsImageStream } from '../installer/objects.ts';
import { controlPlaneMachineSet, machine, setMachineRunning, ZONES } from '../machine-api/objects.ts';
import { node as nodeObject } from '../kubelet/objects.ts';
import { fullVersion, kubeVersion } from './release.ts';
import { WorldChaos, prng } from './chaos.ts';
import { Evidence, membershipMonitor } from './evidence.ts';
import { leaderMover } from './leader-mover.ts';
import type { ControllerLoop } from './loop.ts';
import { cloudProvider } from '../machine-api/providers.ts';
import { upiHosts } from './upi-hosts.ts';

export const INITIAL_REVISION = 7;

export interface World {
  kubeconfigPath: string;
  url: string;
  ctx: WorldContext;
  scenario: Scenario;
  kubelets: Map<string, Kubelet>;
  operator: EtcdOperator;
  stop(): Promise<void>;
}

export interface StartWorldOptions {
  scenario: string | object | Scenario;
  stateDir: string;
  /** skip applying the scenario faults (tests) */
  noFaults?: boolean;
}

function workerName(platform: string, ip: string, infra: string, i: number, machine?: string): string {
  if (platform === 'aws') return `ip-${ip.replace(/\./g, '-')}.ec2.internal`;
  if (platform === 'baremetal') return `${infra.split('-')[0]}-worker-${i}`;
  // the other clouds name the instance, and so the node, after the Machine (providers.ts)
  if (machine && cloudProvider(platform)) return machine;
  return `worker-${i}.${infra.split('-')[0]}.example.com`;
}

/** Fail fast when another simulator (or anything) already listens on a node's mirrored address. */
async function assertFree(host: string, port: number): Promise<void> {
  await new Promise<void>((resolve, reject) => {
    const srv = net.createServer();
    srv.once('error', (err: NodeJS.ErrnoException) =>
      reject(new Error(`${host}:${port} is already in use${err.code === 'EADDRINUSE' ? ' (another simulator with the same node IPs running?)' : `: ${err.message}`}`)),
    );
    srv.listen(port, host, () => srv.close(() => resolve()));
  });
}

export async function startWorld(opts: StartWorldOptions): Promise<World> {
  const t0 = Date.now();
  const scenario: Scenario =
    typeof opts.scenario === 'object' && opts.scenario && 'minor' in opts.scenario && 'timing' in opts.scenario && Array.isArray((opts.scenario as Scenario).faults)
      ? (opts.scenario as Scenario)
      : parseScenario(opts.scenario as string | object);
  const stateDir = path.resolve(opts.stateDir);
  mkdirSync(stateDir, { recursive: true });
  const logFile = path.join(stateDir, 'sim.log');
  const log = (message: string) => {
    try {
      appendFileSync(logFile, `${new Date().toISOString()} ${message}\n`);
    } catch {
      /* ignore */
    }
  };
  const store = new Store();
  const ctx: WorldContext = {
    store,
    stateDir,
    release: scenario.openshift,
    minor: scenario.minor,
    patch: scenario.patch,
    platform: scenario.platform,
    timing: scenario.timing,
    ...(scenario.network ? { network: scenario.network } : {}),
    etcdDisk: scenario.etcdDisk,
    registry: scenario.registry,
    nodes: new Map(),
    topology: scenario.topology,
    log,
  };
  log(
    `starting world: OpenShift ${fullVersion(scenario.minor, scenario.patch)} platform=${scenario.platform} topology=${scenario.topology} masters=${scenario.masters.length} arbiters=${scenario.arbiters.length} workers=${scenario.workers}`,
  );
  const infra = infraName(scenario);
  // the etcd members' hosts: the masters, then the arbiters (HighlyAvailableArbiter), each with its own real etcd
  const cpHosts = [...scenario.masters.map((m) => ({ ...m, role: 'master' as const })), ...scenario.arbiters.map((a) => ({ ...a, ipv6: undefined, role: 'arbiter' as const }))];
  const masters: SimNode[] = cpHosts.map((m) => ({
    name: m.node,
    ip: m.ip,
    loopback: mirrorIP(m.ip),
    root: path.join(stateDir, 'nodes', m.node, 'root'),
    role: m.role,
    ...(m.ipv6 ? { ipv6: m.ipv6, preferIPv6: scenario.network?.ipFamilies[0] === 'IPv6' } : {}),
    ...(scenario.faults.some((f) => f.kind === 'etcd-alarm-nospace') ? { quotaBackendBytes: SMALL_QUOTA_BYTES } : {}),
  }));
  const addressOrder = scenario.network?.nodeAddressOrder;
  for (const m of masters) ctx.nodes.set(m.name, m);
  await Promise.all(masters.flatMap((m) => [assertFree(m.loopback, 2379), assertFree(m.loopback, 2380)]));

  const kubelets = new Map<string, Kubelet>();
  // evidence.jsonl: with chaos, or when the harness asks for it (SIM_EVIDENCE=1: the tests' judge reads it)
  const evidence = scenario.chaos || process.env.SIM_EVIDENCE === '1' ? new Evidence(stateDir) : null;
  const chaos = scenario.chaos ? new WorldChaos(scenario.chaos, evidence, log) : undefined;
  const hooks = createWorldHooks(ctx, kubelets, chaos, evidence);
  // an https listener too (context `tls` of the kubeconfig) and a log of every request with its user/impersonation
  const api = await startApiServer({ store, hooks, host: '127.0.0.1', port: 0, tls: true, requestLog: path.join(stateDir, 'requests.jsonl'), chaos, release: scenario.minor, gitVersion: kubeVersion(scenario.minor), users: scenario.users });
  const kubeconfigPath = path.join(stateDir, 'kubeconfig');
  writeKubeconfig(kubeconfigPath, api.url, {
    tls: api.tls ? { ...api.tls, token: KUBEADMIN_TOKEN } : undefined,
    users: scenario.users.map((u) => ({ name: u.name, token: userToken(u.name) })),
  });
  const kubeconfigText = readFileSync(kubeconfigPath, 'utf8');
  log(`API server ${api.url} up after ${Date.now() - t0} ms`);

  // ---- objects ----
  // A hosted cluster (topology External) runs no etcd, no etcd operator and no Machine API of its own: its etcd is a
  // StatefulSet in the hosted control plane's namespace of the management cluster and its machines are NodePools there
  // (hypershift docs how-to/etcd-recovery; openshift/api TopologyMode External: "operators should ... [not] assume that
  // any of the control plane components such as kubernetes API server or etcd are visible within the cluster").
  const hostedAbsent = new Set(scenario.topology === 'External' ? [NS_ETCD, NS_ETCD_OPERATOR, NS_MACHINE_API] : []);
  for (const ns of namespaces()) if (!hostedAbsent.has(ns.metadata.name)) store.create(R.namespaces, ns);
  store.create(R.clusterversions, clusterVersion(scenario.minor, scenario.patch, scenario.upgradingFrom ? Number(scenario.upgradingFrom.split('.')[1]) : undefined));
  store.create(R.infrastructures, infrastructure(scenario.platform, infra, { topology: scenario.topology, workers: scenario.workers, minor: scenario.minor }));
  if (scenario.topology === 'External') return hostedWorld({ scenario, ctx, api, kubeconfigPath, infra, log, t0 });
  store.create(R.networks, networkConfig(scenario.network));
  store.create(R.imagestreams, toolsImageStream(scenario.minor));
  store.create(R.clusteroperators, kubeApiServerOperator(scenario.minor));
  store.create(
    R.configmaps,
    installConfigMap({
      infra,
      platform: scenario.platform,
      replicas: scenario.masters.length,
      arbiters: scenario.arbiters.length,
      workers: scenario.workers,
      machineCIDR: `${scenario.masters[0]!.ip.split('.').slice(0, 2).join('.')}.0.0/16`,
    }),
  );
  // two nodes with fencing: the cluster as the TNF setup job leaves it (pacemaker/podman-etcd.ts): etcd handed over to
  // pacemaker, the overrides set (OPERATOR@release-4.20 pkg/tnf/pkg/etcd/etcd.go RemoveStaticContainer)
  const overrides = scenario.topology === 'DualReplica' ? { ...scenario.unsupportedConfigOverrides, [CONTAINER_REMOVAL_KEY]: true, [EXTERNAL_ETCD_KEY]: true } : scenario.unsupportedConfigOverrides;
  store.create(R.etcds, etcdCR({ replicas: masters.length, overrides, minor: scenario.minor }));
  const machinePlatform = scenario.platform === 'none' ? undefined : scenario.platform;

  const machineOf = new Map<string, string>();
  cpHosts.forEach((m, i) => {
    const cloud = cloudProvider(scenario.platform);
    const cloudLabels = cloud && cloud.platform !== 'aws' ? cloud.nodeLabels({ role: m.role, value: cloud.providerSpec({ infra, role: m.role, index: i }) }) : undefined;
    const n = nodeObject({
      name: m.node,
      ip: m.ip,
      ipv6: m.ipv6,
      addressOrder,
      role: m.role,
      schedulable: scenario.topology === 'SingleReplica',
      minor: scenario.minor,
      platform: scenario.platform,
      zone: ZONES[i % 3],
      cloudLabels,
    });
    if (m.machine) n.metadata.annotations!['machine.openshift.io/machine'] = `${NS_MACHINE_API}/${m.machine}`;
    store.create(R.nodes, n);
  });
  // workers
  const [a, b] = masters[0]!.ip.split('.');
  const workers: { name: string; ip: string; machine?: string }[] = [];
  for (let i = 0; i < scenario.workers; i++) {
    const ip = `${a}.${b}.${200 + Math.floor(i / 200)}.${10 + (i % 200)}`;
    const cloud = cloudProvider(scenario.platform);
    const zone = cloud?.zones?.[i % 3] ?? (scenario.platform === 'aws' ? ZONES[i % 3]! : undefined);
    const machineName = machinePlatform ? `${infra}-worker-${zone ? `${zone}-` : ''}${Math.random().toString(36).slice(2, 7)}` : undefined;
    const name = workerName(scenario.platform, ip, infra, i, machineName);
    workers.push({ name, ip, machine: machineName });
    const cloudLabels = cloud && cloud.platform !== 'aws' ? cloud.nodeLabels({ role: 'worker', value: cloud.providerSpec({ infra, role: 'worker', index: i }) }) : undefined;
    const n = nodeObject({ name, ip, role: 'worker', minor: scenario.minor, platform: scenario.platform, zone, cloudLabels });
    if (machineName) n.metadata.annotations!['machine.openshift.io/machine'] = `${NS_MACHINE_API}/${machineName}`;
    store.create(R.nodes, n);
  }
  // The cluster-baremetal-operator runs on every platform; elsewhere it reports Disabled (docs: `oc get clusteroperator baremetal`)
  const coTs = now();
  store.create(
    R.clusteroperators,
    clusterOperator('baremetal', scenario.minor, [
      { type: 'Available', status: 'True', reason: 'AsExpected', message: scenario.platform === 'baremetal' ? 'Operational' : 'Operator is non-functional', lastTransitionTime: coTs },
      { type: 'Progressing', status: 'False', reason: 'AsExpected', lastTransitionTime: coTs },
      { type: 'Degraded', status: 'False', reason: 'AsExpected', lastTransitionTime: coTs },
      { type: 'Disabled', status: scenario.platform === 'baremetal' ? 'False' : 'True', reason: scenario.platform === 'baremetal' ? 'AsExpected' : 'UnsupportedPlatform', lastTransitionTime: coTs },
    ]),
  );
  // the Machine API's operators (machine-api/clusteroperators.ts): where there is a Machine API
  if (scenario.platform !== 'none') {
    store.create(R.clusteroperators, machineApiOperator(scenario.minor, scenario.patch));
    if (scenario.minor >= 12) store.create(R.clusteroperators, controlPlaneMachineSetOperator(scenario.minor, scenario.patch));
  }
  // installer-provisioned bare metal: one externally provisioned BareMetalHost per master, consumed by its Machine
  const hostOf = new Map<string, KObject>();
  if (scenario.platform === 'baremetal') {
    cpHosts.forEach((m, i) => {
      store.create(R.secrets, bmcSecret(m.bmh!));
      if (scenario.baremetal.networkData) store.create(R.secrets, networkConfigSecret(m.bmh!, m.ip));
      const nodeIPs = [m.ip, ...(m.ipv6 ? [m.ipv6] : [])];
      hostOf.set(m.node, store.create(R.baremetalhosts, bareMetalHost({ name: m.bmh!, index: i, machine: m.machine ?? null, minor: scenario.minor, nodeIPs, networkData: scenario.baremetal.networkData })));
    });
  }
  if (machinePlatform) {
    cpHosts.forEach((m, i) => {
      // an arbiter's Machine: role and type `arbiter` (openshift/enhancements arbiter-clusters.md "Workflow Description" 8)
      const mo = machine({ name: m.machine!, infra, role: m.role, platform: machinePlatform, minor: scenario.minor, index: i, withHook: scenario.minor >= 11 });
      const host = hostOf.get(m.node);
      if (host) {
        mo.metadata.annotations!['metal3.io/BareMetalHost'] = `${NS_MACHINE_API}/${host.metadata.name}`;
        mo.spec.providerID = providerIDForHost(host);
      }
      // (the owner reference to the ControlPlaneMachineSet is set below, once it exists and has a UID)
      const nodeUID = store.get(R.nodes, undefined, m.node)?.metadata.uid;
      setMachineRunning(mo, { name: m.node, ip: m.ip, ipv6: m.ipv6, addressOrder, uid: nodeUID }, machinePlatform);
      machineOf.set(m.node, m.machine!);
      store.create(R.machines, mo);
    });
    workers.forEach((w, i) => {
      const mo = machine({ name: w.machine!, infra, role: 'worker', platform: machinePlatform, minor: scenario.minor, index: i, withHook: false });
      if (scenario.platform === 'baremetal') {
        const bmh = w.name.split('.')[0]!;
        store.create(R.secrets, bmcSecret(bmh));
        const host = store.create(R.baremetalhosts, bareMetalHost({ name: bmh, index: cpHosts.length + i, machine: w.machine!, minor: scenario.minor, nodeIPs: [w.ip] }));
        mo.metadata.annotations!['metal3.io/BareMetalHost'] = `${NS_MACHINE_API}/${bmh}`;
        mo.spec.providerID = providerIDForHost(host);
      }
      const nodeUID = store.get(R.nodes, undefined, w.name)?.metadata.uid;
      setMachineRunning(mo, { name: w.name, ip: w.ip, uid: nodeUID }, machinePlatform);
      store.create(R.machines, mo);
    });
    if (scenario.controlPlaneMachineSet !== 'absent') {
      const cpms = store.create(
        R.controlplanemachinesets,
        controlPlaneMachineSet({ infra, state: scenario.controlPlaneMachineSet === 'active' ? 'Active' : 'Inactive', platform: machinePlatform, replicas: scenario.masters.length }),
      );
      for (const m of scenario.masters) {
        store.mutate(R.machines, NS_MACHINE_API, m.machine!, (o) => {
          o.metadata.ownerReferences = [{ apiVersion: 'machine.openshift.io/v1', kind: 'ControlPlaneMachineSet', name: 'cluster', uid: cpms.metadata.uid, controller: true, blockOwnerDeletion: true }];
        });
      }
    }
  }
  // secrets and config maps in openshift-etcd
  for (const m of masters) {
    const uid = store.get(R.nodes, undefined, m.name)?.metadata.uid;
    for (const k of SECRET_KINDS) store.create(R.secrets, nodeSecret(k, m.name, uid, scenario.minor));
  }
  store.create(R.secrets, allCertsSecret(store.list(R.secrets, NS_ETCD)));
  store.create(R.configmaps, scriptsConfigMap(scenario.minor));
  store.create(R.configmaps, configMap('etcd-serving-ca', { 'ca-bundle.crt': '-----BEGIN CERTIFICATE-----\nc2ltdWxhdGVk\n-----END CERTIFICATE-----\n' }));
  store.create(R.configmaps, configMap('etcd-all-bundles', { 'server-ca-bundle.crt': '-----BEGIN CERTIFICATE-----\nc2ltdWxhdGVk\n-----END CERTIFICATE-----\n' }));

  log(`objects created after ${Date.now() - t0} ms`);
  // ---- host folders + real etcd ----
  for (const m of masters) prepareHostRoot(m, kubeconfigText);
  // `masters[].backupFreeBytes`: the backup dir is a disk of that size (node/backupdisk.ts)
  await Promise.all(scenario.masters.map((m, i) => (m.backupFreeBytes !== undefined ? startBackupDisk(masters[i]!, m.backupFreeBytes) : undefined)));
  log(`host roots prepared after ${Date.now() - t0} ms`);
  const tBoot = Date.now();
  await bootstrapCluster(masters, stateDir);
  log(`etcd bootstrap took ${Date.now() - tBoot} ms`);
  const members = await memberList(masters.map(clientURL));
  const endpoints: Record<string, string> = {};
  for (const mem of members) {
    const host = new URL(mem.peerURLs[0]!).hostname;
    const sim = masters.find((n) => n.loopback === host);
    if (sim) endpoints[mem.id] = etcdHost(sim);
  }
  store.create(R.configmaps, configMap('etcd-endpoints', endpoints, NS_ETCD, { 'alpha.installer.openshift.io/etcd-bootstrap-': '' }));

  const operator = new EtcdOperator(ctx, { replicas: masters.length });
  operator.bootstrap(INITIAL_REVISION, masters);

  // ---- kubelets ----
  const startKubelet = (n: SimNode) => {
    const k = new Kubelet(ctx, n);
    kubelets.set(n.name, k);
    k.start();
    return k;
  };
  for (const m of masters) startKubelet(m);

  const metal3 = scenario.platform === 'baremetal' ? new BareMetalActuator(ctx) : undefined;
  const hosts: Metal3Hosts | undefined =
    scenario.platform === 'baremetal' ? new Metal3Hosts(ctx, { inspectionSeesNodeIP: scenario.baremetal.inspectionSeesNodeIP, allocateIP: (): string => machineApi.allocateIP() }) : undefined;
  const machineApi: MachineApi = new MachineApi(ctx, {
    infra,
    cpms: scenario.controlPlaneMachineSet,
    metal3,
    ...(hosts ? { hostIP: (h: string) => hosts.productionIP(h) } : {}),
    addMaster: async (n) => {
      // a provisioned bare-metal host got a freshly written disk (the same host name may come back)
      if (metal3) rmSync(n.root, { recursive: true, force: true });
      prepareHostRoot(n, kubeconfigText);
      startKubelet(n);
    },
    removeNode: async (name) => {
      const k = kubelets.get(name);
      if (k) await k.powerOff();
    },
  });
  for (const w of workers) machineApi.reserveIP(w.ip);
  const lifecycle = new NodeLifecycle(ctx);
  const gc = new GarbageCollector(store, log);

  operator.start();
  const pacemaker = scenario.topology === 'DualReplica' ? podmanEtcd(ctx, kubelets, masters) : undefined;
  lifecycle.start();
  gc.start();
  if (machinePlatform) machineApi.start();
  hosts?.start();
  // no Machine API: new control-plane hosts are booted by the administrator (harness input, upi-hosts.ts)
  const upi = scenario.platform === 'none' ? upiHosts(ctx, (n) => {
    prepareHostRoot(n, kubeconfigText);
    startKubelet(n);
  }) : undefined;

  const chaosLoops: ControllerLoop[] = [];
  let stopping: Promise<void> | undefined;
  const stopAll = () => {
    stopping ??= (async () => {
      chaos?.stop();
      for (const l of chaosLoops) l.stop();
      operator.stop();
      pacemaker?.stop();
      lifecycle.stop();
      gc.stop();
      machineApi.stop();
      hosts?.stop();
      upi?.stop();
      await Promise.all([...kubelets.values()].map((k) => k.stop().catch(() => undefined)));
      killTrackedUnder(stateDir);
      await api.close().catch(() => undefined);
      log('world stopped');
    })();
    return stopping;
  };
  // a world that fails to come up (a fault that cannot be applied, a cluster that never gets healthy) stops what it
  // started before it throws: its etcds, kubelets and loops would otherwise keep the caller's process alive
  try {
    await untilReadyWithFaults();
  } catch (err) {
    log(`world failed to start: ${(err as Error).message}`);
    await stopAll();
    throw err;
  }
  async function untilReadyWithFaults(): Promise<void> {
    // ---- wait for the healthy cluster, then the faults ----
    // a harness deadline (a healthy cluster takes ~3 s here; a 2-core host running several worlds, much longer)
    const deadline = Date.now() + 90_000;
    for (;;) {
      const pods = masters.map((m) => store.get(R.pods, NS_ETCD, `etcd-${m.name}`));
      const ready = pods.every((p) => p && (p.status?.containerStatuses ?? []).every((c: any) => c.ready));
      const etcd = store.get(R.etcds, undefined, 'cluster');
      const avail = (etcd?.status?.conditions ?? []).find((c: any) => c.type === 'EtcdMembersAvailable');
      if (ready && avail?.message === `${masters.length} members are available`) break;
      if (Date.now() > deadline) throw new Error('the healthy cluster did not come up within 90 s (see sim.log)');
      await new Promise((r) => setTimeout(r, 50));
    }
    log(`healthy cluster up after ${Date.now() - t0} ms`);
    if (!opts.noFaults) {
      // the alarm first: it needs a quorum to raise it (a later fault may stop a member)
      for (const f of [...scenario.faults].sort((a, b) => Number(b.kind === 'etcd-alarm-nospace') - Number(a.kind === 'etcd-alarm-nospace'))) {
        await applyFault(ctx, { kubelets, machineOf, allocateIP: () => machineApi.allocateIP(), operator, finalizerStuck: (machineName) => metal3?.stuck.add(machineName) }, f);
      }
    }
    log(`world ready after ${Date.now() - t0} ms`);
  }
  if (evidence) chaosLoops.push(membershipMonitor(ctx, kubelets, evidence));
  if (chaos && evidence) {
    if (scenario.chaos!.leaderChanges) chaosLoops.push(leaderMover(ctx, kubelets, scenario.chaos!.leaderChanges.everySeconds, prng(scenario.chaos!.seed + 1), evidence));
    chaos.start((seconds) => api.outage(seconds));
    log(`chaos on: ${JSON.stringify(scenario.chaos)}`);
  }

  return {
    kubeconfigPath,
    url: api.url,
    ctx,
    scenario,
    kubelets,
    operator,
    stop: stopAll,
  };
}

/**
 * A hosted cluster as its own API server shows it (topology External): ClusterVersion, Infrastructure, Network and the
 * worker nodes; no etcd objects, no control-plane nodes, no Machine API (see the namespaces note in startWorld).
 */
function hostedWorld(o: {
  scenario: Scenario;
  ctx: WorldContext;
  api: { url: string; close(): Promise<void> };
  kubeconfigPath: string;
  infra: string;
  log: (m: string) => void;
  t0: number;
}): World {
  const { scenario, ctx, infra } = o;
  const store = ctx.store;
  store.create(R.networks, networkConfig(scenario.network));
  store.create(R.clusteroperators, kubeApiServerOperator(scenario.minor));
  for (let i = 0; i < scenario.workers; i++) {
    const ip = `10.0.${200 + Math.floor(i / 200)}.${10 + (i % 200)}`;
    store.create(R.nodes, nodeObject({ name: workerName(scenario.platform, ip, infra, i), ip, role: 'worker', minor: scenario.minor, platform: scenario.platform, zone: ZONES[i % 3] }));
  }
  o.log(`hosted cluster (topology External) ready after ${Date.now() - o.t0} ms: no etcd in this cluster`);
  let stopping: Promise<void> | undefined;
  return {
    kubeconfigPath: o.kubeconfigPath,
    url: o.api.url,
    ctx,
    scenario,
    kubelets: new Map(),
    operator: new EtcdOperator(ctx, { replicas: 0 }),
    stop() {
      stopping ??= o.api.close().catch(() => undefined).then(() => o.log('world stopped'));
      return stopping;
    },
  };
}
