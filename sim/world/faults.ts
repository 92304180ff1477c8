// Faults applied once the healthy cluster is up (the cluster really lived with all members first).
import { R } from '../kube-apiserver/resources.ts';
import { mirrorIP, runsEtcd, type SimNode, type WorldContext } from './context.ts';
import { clientURL, etcdctl } from '../etcd/etcd.ts';
import { fillUntilNoSpace } from '../etcd/quota.ts';
import type { Kubelet } from '../kubelet/kubelet.ts';
import { NS_MACHINE_API, now } from './names.ts';
import type { ScenarioFault } from './scenario.ts';
import { revisionCrashloop, type RolloutOperator } from './revisioncrashloop.ts';
import { cloudProvider, stopInstance } from '../machine-api/providers.ts';

export interface FaultDeps {
  kubelets: Map<string, Kubelet>;
  /** machine name of each master node */
  machineOf: Map<string, string>;
  /** allocate an unused IP (same /16 as the masters) for a phantom member */
  allocateIP(): string;
  /** the etcd operator (revision rollouts) */
  operator?: RolloutOperator;
  /** fault machine-finalizer-stuck: the actuator never finishes deleting this machine */
  finalizerStuck?(machine: string): void;
}

function healthyEndpoints(ctx: WorldContext, deps: FaultDeps): string[] {
  return [...ctx.nodes.values()]
    .filter((n) => runsEtcd(n) && deps.kubelets.get(n.name)?.etcdHealthy)
    .map((n) => clientURL(n));
}

export async function applyFault(ctx: WorldContext, deps: FaultDeps, f: ScenarioFault): Promise<void> {
  const kubelet = f.node ? deps.kubelets.get(f.node) : undefined;
  if (f.node && !kubelet) throw new Error(`fault ${f.kind}: no kubelet for node ${f.node}`);
  ctx.log(`fault: ${f.kind}${f.node ? ` on ${f.node}` : ''}`);
  switch (f.kind) {
    case 'etcd-alarm-nospace': {
      // every member runs with a small quota (world.ts); fill the keyspace until etcd raises NOSPACE (etcd/quota.ts)
      const alarms = await fillUntilNoSpace([...ctx.nodes.values()].filter((n) => n.role === 'master' && deps.kubelets.get(n.name)?.etcdHealthy), ctx.log);
      ctx.log(`fault: etcd-alarm-nospace: ${alarms.replace(/\s+/g, ' ')}`);
      return;
    }
    case 'machine-deleting': {
      // The instance stopped AND someone (an admin, a MachineHealthCheck, the docs' CPMS branch) already deleted the
      // Machine: it stays Deleting, held by the EtcdQuorumOperator preDrain hook until its member leaves the member list
      // (OPERATOR@main pkg/operator/machinedeletionhooks/machinedeletionhooks.go; machine-api Drainable=False HookPresent).
      await applyFault(ctx, deps, { ...f, kind: 'machine-stopped' });
      const machine = deps.machineOf.get(f.node!);
      if (!machine) throw new Error(`fault machine-deleting: node ${f.node} has no machine`);
      ctx.store.delete(R.machines, NS_MACHINE_API, machine);
      ctx.log(`fault: machine-deleting: machine ${machine} deleted (finalizer and preDrain hook hold it)`);
      return;
    }
    case 'machine-finalizer-stuck':
    case 'machine-stopped': {
      const machine = deps.machineOf.get(f.node!);
      if (machine && f.kind === 'machine-finalizer-stuck') deps.finalizerStuck?.(machine);
      if (machine && ctx.platform === 'baremetal') {
        // bare metal: the BMC reports the host powered off; the Machine's instance-state stays the host's
        // provisioning state (cluster-api-provider-baremetal actuator.go ensureAnnotation)
        const host = ctx.store.get(R.machines, NS_MACHINE_API, machine)?.metadata.annotations?.['metal3.io/BareMetalHost']?.split('/')[1];
        if (host) {
          ctx.store.mutate(R.baremetalhosts, NS_MACHINE_API, host, (h) => {
            h.status.poweredOn = false;
            h.status.lastUpdated = now();
          });
        }
      } else if (machine) {
        // the provider's value for a stopped instance (sim/machine-api/providers.ts: AWS stopped, Azure Deallocated,
        // GCP TERMINATED, vSphere poweredOff, OpenStack SHUTOFF, Nutanix power OFF, IBM Cloud stopped)
        const cloud = cloudProvider(ctx.platform);
        ctx.store.mutate(R.machines, NS_MACHINE_API, machine, (m) => {
          if (cloud) stopInstance(cloud, m);
          m.status ??= {};
          m.status.lastUpdated = now();
        });
      }
      await kubelet!.powerOff();
      return;
    }
    case 'node-not-ready':
      await kubelet!.networkDown();
      return;
    case 'kubelet-down':
      kubelet!.kubeletDown();
      return;
    case 'etcd-crashloop':
      await kubelet!.corruptEtcd();
      return;
    case 'revision-crashloop':
      if (!deps.operator) throw new Error('fault revision-crashloop: no etcd operator');
      await revisionCrashloop(deps.operator, kubelet!, f.node!, (m) => ctx.log(m));
      return;
    case 'extra-unstarted-member':
    case 'learner': {
      const ip = deps.allocateIP();
      const phantom: SimNode = { name: `phantom-${ip.replace(/\./g, '-')}`, ip, loopback: mirrorIP(ip), root: '', role: 'worker' };
      // known to the translator (so etcdctl output shows https://<ip>:2380), never started
      ctx.nodes.set(phantom.name, phantom);
      const args = ['member', 'add', phantom.name, '--peer-urls', `http://${phantom.loopback}:2380`];
      if (f.kind === 'learner') args.push('--learner');
      const eps = healthyEndpoints(ctx, deps);
      // etcd refuses a member add ("etcdserver: unhealthy cluster") until every voting member has been connected to the
      // leader for its health interval (etcd server.go mayAddMember with --strict-reconfig-check, the default;
      // HealthInterval 5 s): a cluster just up, on a busy host, needs longer than that, so retry for up to a minute
      let res = await etcdctl(eps, args);
      for (const until = Date.now() + 60_000; res.exitCode !== 0 && Date.now() < until; ) {
        await new Promise((r) => setTimeout(r, 500));
        res = await etcdctl(healthyEndpoints(ctx, deps), args);
      }
      if (res.exitCode !== 0) throw new Error(`fault ${f.kind}: member add failed: ${res.stderr.trim()}`);
      ctx.log(`fault: ${f.kind}: ${res.stdout.split('\n')[0]}`);
      return;
    }
  }
}
