// The administrator's side of a cluster without the Machine API (platform none: user-provisioned infrastructure):
// a new control-plane host, booted with the cluster's master ignition, registers itself as a Node and its kubelet
// runs the static pods the etcd operator's installer writes. Not a component: a harness input, like the ConfigMaps
// sim-system/forbidden-users and sim-system/expired-tokens (kube-apiserver/server.ts).
//
// Input: the ConfigMap `sim-system/new-control-plane-hosts`, `data: {<node name>: <InternalIP>}`; each entry boots
// once. The IP must be IPv4 and free (its loopback mirror is where the node's etcd will listen).
//
// Real sources:
//   - openshift-docs, installing_bare_metal (UPI, 4.10) "Installing RHCOS and starting the OpenShift Container
//     Platform bootstrap process": a control-plane host is booted with `master.ign`; "Approving the certificate
//     signing requests for your machines": the node joins once its CSRs are approved. CSR approval is not simulated:
//     the node registers as if its client and serving CSRs had been approved.
//   - kubernetes/kubernetes release-1.23 pkg/kubelet/kubelet_node_status.go registerWithAPIServer/initialNode: the
//     kubelet creates its own Node object; the master role labels come from the kubelet's --node-labels
//     (openshift/machine-config-operator release-4.10 templates/master/01-master-kubelet/_base/units/kubelet.service.yaml:
//     node-role.kubernetes.io/master).
import { R } from '../kube-apiserver/resources.ts';
import { node as nodeObject } from '../kubelet/objects.ts';
import { mirrorIP, newNodeIPv6, type SimNode, type WorldContext } from './context.ts';
import { controllerLoop, type ControllerLoop } from './loop.ts';
import path from 'node:path';

export const NEW_HOSTS_CONFIGMAP = { namespace: 'sim-system', name: 'new-control-plane-hosts' };

/** Boots every host listed in the ConfigMap (once): Node registration, then `boot` (host folder and kubelet). */
export function upiHosts(ctx: WorldContext, boot: (n: SimNode) => Promise<void> | void): ControllerLoop {
  const booted = new Set<string>();
  return controllerLoop(
    'upi-hosts',
    500,
    async () => {
      const cm = ctx.store.get(R.configmaps, NEW_HOSTS_CONFIGMAP.namespace, NEW_HOSTS_CONFIGMAP.name);
      for (const [name, ip] of Object.entries<string>(cm?.data ?? {})) {
        if (booted.has(name)) continue;
        booted.add(name);
        if (ctx.nodes.has(name) || [...ctx.nodes.values()].some((n) => n.ip === ip)) {
          ctx.log(`upi-hosts: ${name} (${ip}): name or IP already in use, not booted`);
          continue;
        }
        const v6 = newNodeIPv6(ctx, ip);
        const sim: SimNode = { name, ip, loopback: mirrorIP(ip), root: path.join(ctx.stateDir, 'nodes', name, 'root'), role: 'master', ...v6 };
        ctx.store.create(R.nodes, nodeObject({ name, ip, ...v6, addressOrder: ctx.network?.nodeAddressOrder, role: 'master', minor: ctx.minor, platform: ctx.platform }));
        ctx.nodes.set(name, sim);
        await boot(sim);
        ctx.log(`upi-hosts: ${name} (${ip}) booted with the master ignition and registered`);
      }
    },
    (m) => ctx.log(m),
  );
}
