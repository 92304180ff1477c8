// Pacemaker's podman-etcd resource agent on a two-node cluster with fencing (controlPlaneTopology DualReplica), reduced to
// what the plugin can observe: who runs etcd, and what the survivor does when its peer goes down.
//
// Sources:
// - openshift/cluster-etcd-operator release-4.19/release-4.20 pkg/tnf/setup/runner.go RunTnfSetup: `pcs resource create
//   etcd ocf:heartbeat:podman-etcd` (pkg/tnf/pkg/pcs/etcd.go ConfigureEtcd), stonith devices per node
//   (pkg/tnf/pkg/pcs/fencing.go), then pkg/tnf/pkg/etcd/etcd.go RemoveStaticContainer sets the Etcd CR overrides
//   useUnsupportedUnsafeEtcdContainerRemoval and useExternalEtcdSupport and waits until every node runs the revision
//   whose static pod has no etcd container (bindata/etcd/pod.gotpl.yaml `{{ if .EnableEtcdContainer }}`). From then on
//   etcd runs as a podman container that pacemaker starts, not the kubelet (openshift/enhancements
//   enhancements/two-node-fencing/tnf.md "etcd Operator Changes": the agent waits for the etcd container to be gone).
// - ClusterLabs/resource-agents heartbeat/podman-etcd, from its first version (959b5c88c, 2025-04-24, the 4.19/4.20
//   time frame) to main (2026-08): podman_monitor → check_peer: when the member list cannot be read and the one
//   endpoint's status says "no leader", the agent sets force_new_cluster and standalone_node and fails the monitor
//   (main moved this into detect_cluster_leadership_loss); the restart then starts etcd with force-new-cluster, so
//   the survivor runs as a one-member cluster with its data. The lost peer was fenced by pacemaker's stonith first.
//
// Simulated: the survivor's restart with --force-new-cluster once its peer's host is down and it has no leader (the
// monitor interval shortened to MONITOR_MS, as the simulator shortens every other timing); the fenced peer stays down.
// Not simulated: the peer's return (wipe and rejoin as a learner), the revision bump of force-new-cluster-bump-amount,
// pacemaker's supervision of the kubelet, and the agent's restart of a crashed etcd.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import YAML from 'yaml';
import type { SimNode, WorldContext } from '../world/context.ts';
import { controllerLoop, type ControllerLoop } from '../world/loop.ts';
import { etcdHealthy, runningEtcd, startEtcd, stopEtcd } from '../etcd/etcd.ts';
import { ETCD_MANIFEST } from '../node/hostfs.ts';
import type { Kubelet } from '../kubelet/kubelet.ts';

export const MONITOR_MS = 500;
/** consecutive monitors without a leader before the agent forces a new cluster */
const NO_LEADER_MONITORS = 2;

/** Has the node's etcd static pod an etcd container? While it has, the agent waits (the kubelet runs etcd). */
function staticPodRunsEtcd(node: SimNode): boolean {
  try {
    const pod = YAML.parse(readFileSync(path.join(node.root, ETCD_MANIFEST), 'utf8'));
    return (pod?.spec?.containers ?? []).some((c: any) => c?.name === 'etcd');
  } catch {
    return true; // no manifest yet: the agent waits
  }
}

export function podmanEtcd(ctx: WorldContext, kubelets: Map<string, Kubelet>, nodes: SimNode[]): ControllerLoop {
  const noLeader = new Map<string, number>();
  const fenced = new Set<string>();
  return controllerLoop(
    'pacemaker',
    MONITOR_MS,
    async () => {
      for (const node of nodes) {
        // pacemaker runs on the node: nothing happens there while it is down
        if (!kubelets.get(node.name)?.hostUp || fenced.has(node.name) || staticPodRunsEtcd(node)) continue;
        const proc = runningEtcd(node);
        if (!proc) continue;
        const peer = nodes.find((n) => n !== node);
        const peerDown = !!peer && (fenced.has(peer.name) || !kubelets.get(peer.name)?.hostUp);
        if (!peerDown || (await etcdHealthy(node, 400))) {
          noLeader.delete(node.name);
          continue;
        }
        const count = (noLeader.get(node.name) ?? 0) + 1;
        noLeader.set(node.name, count);
        if (count < NO_LEADER_MONITORS) continue;
        // stonith fences the unreachable peer, then the agent restarts etcd here as a new one-member cluster
        fenced.add(peer!.name);
        ctx.log(`pacemaker: ${peer!.name} fenced; ${node.name}: podman-etcd: no leader, force_new_cluster`);
        await stopEtcd(proc);
        startEtcd(node, { stateDir: ctx.stateDir, state: 'existing', forceNewCluster: true });
        noLeader.delete(node.name);
      }
    },
    ctx.log,
  );
}
