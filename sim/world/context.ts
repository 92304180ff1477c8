// Shared context of the simulated world: what the control-side controllers (scenario, objects,
// machine API, etcd operator) and the node-side agents (kubelet, etcd processes, host folders,
// exec) both need to know.
import type { Store } from '../kube-apiserver/store.ts';

export interface SimNode {
  name: string; // node name, e.g. ip-10-0-131-183.ec2.internal
  ip: string; // InternalIP shown in objects, e.g. 10.0.131.183
  loopback: string; // mirrored loopback address the real processes bind, e.g. 127.0.131.183
  root: string; // absolute path of the node's host folder (what /host is), <state>/nodes/<name>/root
  /** arbiter: a HighlyAvailableArbiter cluster's arbiter node, which runs an etcd member like a master */
  role: 'master' | 'worker' | 'arbiter';
  /** IPv6 InternalIP of a dual-stack / IPv6 node, e.g. fd2e:6f44:5dd8::9 (mirrored onto `loopback` too) */
  ipv6?: string;
  /** the service network is IPv6: etcd peer/client URLs use `ipv6` (OPERATOR@main pkg/dnshelpers/util.go GetPreferredIPFamily) */
  preferIPv6?: boolean;
  /** etcd's --quota-backend-bytes on this member (fault etcd-alarm-nospace, etcd/quota.ts) */
  quotaBackendBytes?: number;
}

/** Does this node run an etcd member? Masters, and arbiters (openshift/enhancements arbiter-clusters.md "ETCD Operator Change"). */
export function runsEtcd(n: Pick<SimNode, 'role'>): boolean {
  return n.role === 'master' || n.role === 'arbiter';
}

/** The address the etcd operator uses for this node: the first InternalIP of the service network's family. */
export function etcdHost(n: Pick<SimNode, 'ip' | 'ipv6' | 'preferIPv6'>): string {
  return n.preferIPv6 && n.ipv6 ? n.ipv6 : n.ip;
}

/** An IP as it appears in a URL host: IPv6 in brackets (OPERATOR@main GetEscapedPreferredInternalIPAddressForNodeName). */
export function urlHost(ip: string): string {
  return ip.includes(':') ? `[${ip}]` : ip;
}

export type IPFamily = 'IPv4' | 'IPv6';

/**
 * The IPv6 address of a new node of a dual-stack / IPv6 cluster (machine API scale-up): the masters' /64 prefix with
 * the last two IPv4 octets as the interface ID; undefined on IPv4-only clusters.
 */
export function newNodeIPv6(ctx: Pick<WorldContext, 'network' | 'nodes'>, ip: string): { ipv6?: string; preferIPv6?: boolean } {
  if (!ctx.network?.ipFamilies.includes('IPv6')) return {};
  const ref = [...ctx.nodes.values()].find((n) => n.ipv6)?.ipv6 ?? 'fd00::1';
  const prefix = ref.includes('::') ? ref.slice(0, ref.lastIndexOf('::')) : ref.split(':').slice(0, 4).join(':');
  const [, , c, d] = ip.split('.').map(Number);
  return { ipv6: `${prefix}::${((c! << 8) | d!).toString(16)}`, preferIPv6: ctx.network.ipFamilies[0] === 'IPv6' };
}

/** Service network and node addresses of the cluster (scenario `network`). */
export interface NetworkShape {
  /** service network families, primary first */
  ipFamilies: IPFamily[];
  /** order of the InternalIPs in Node (and Machine) status.addresses */
  nodeAddressOrder: IPFamily[];
}

export interface Timing {
  provisionSeconds: number; // machine Provisioning -> Running
  rolloutSeconds: number; // per-node static pod revision install
  inspectSeconds?: number; // BareMetalHost registering/inspecting -> available
  learnerPromoteSeconds?: number; // a started learner catches up (is promotable) after this long
  crashLoopBackOffSeconds?: number; // every CrashLoopBackOff wait this long (default 1 s doubling to 10 s)
  cpmsReconcileSeconds?: number; // an Active CPMS creates the machine of an index that needs one after this long
}

/** scenario `platform`: the cloud machine-api providers (sim/machine-api/providers.ts), Metal3 bare metal, or no Machine API */
export type SimPlatform = 'aws' | 'azure' | 'gcp' | 'vsphere' | 'openstack' | 'nutanix' | 'ibmcloud' | 'baremetal' | 'none';

export interface WorldContext {
  store: Store;
  stateDir: string;
  /** "4.14" style release of the scenario */
  release: string;
  /** minor version number, 14 for "4.14" */
  minor: number;
  /** z-stream of the release (scenario `patch`), default per minor */
  patch?: number;
  platform: SimPlatform;
  timing: Timing;
  /** absent: IPv4 single stack */
  network?: NetworkShape;
  /** scenario `etcdDisk`: dedicated = /var/lib/etcd is its own mount point on every master (etcddisk.ts) */
  etcdDisk?: 'shared' | 'dedicated';
  /** scenario `registry`: unreachable = every image pull fails (kubelet/images.ts) */
  registry?: 'reachable' | 'unreachable';
  nodes: Map<string, SimNode>;
  /** infrastructure status.controlPlaneTopology of the scenario (default HighlyAvailable) */
  topology?: 'HighlyAvailable' | 'SingleReplica' | 'HighlyAvailableArbiter' | 'DualReplica' | 'External';
  log(message: string): void;
}

/** 10.0.131.183 -> 127.0.131.183 */
export function mirrorIP(ip: string): string {
  const parts = ip.split('.');
  if (parts.length !== 4 || parts.some((p) => !/^\d{1,3}$/.test(p) || Number(p) > 255)) {
    throw new Error(`not an IPv4 address: ${ip}`);
  }
  return ['127', ...parts.slice(1)].join('.');
}

/**
 * Translate text crossing the simulated network boundary. `toLoopback` rewrites node IPs (and https://)
 * to their loopback mirrors (and http://) for real processes; `fromLoopback` does the reverse for
 * output shown to clients. Only the IPs of known nodes are rewritten.
 */
export function translator(nodes: Iterable<SimNode>) {
  const list = [...nodes];
  const esc = (t: string) => t.replace(/[.[\]]/g, (c) => `\\${c}`);
  const swap = (text: string, from: (n: SimNode) => string, to: (n: SimNode) => string, fromScheme: string, toScheme: string) => {
    let out = text;
    for (const n of list) {
      const f = esc(from(n));
      out = out.replace(new RegExp(`${fromScheme}://${f}(?=[:/\\s,"]|$)`, 'g'), `${toScheme}://${to(n)}`);
      out = out.replace(new RegExp(`(?<![\\d.])${f}(?![\\d])`, 'g'), to(n));
    }
    return out;
  };
  // IPv6 node addresses (dual-stack / IPv6 clusters) map onto the same loopback mirror as the node's IPv4 one.
  const v6 = list.filter((n) => n.ipv6).sort((a, b) => b.ipv6!.length - a.ipv6!.length);
  const v6ToLoopback = (text: string) => {
    let out = text;
    for (const n of v6) {
      const f = esc(n.ipv6!);
      out = out.replace(new RegExp(`https://\\[${f}\\](?=[:/\\s,"]|$)`, 'g'), `http://${n.loopback}`);
      out = out.replace(new RegExp(`\\[${f}\\]`, 'g'), n.loopback);
      out = out.replace(new RegExp(`(?<![0-9a-fA-F:])${f}(?![0-9a-fA-F:])`, 'g'), n.loopback);
    }
    return out;
  };
  return {
    toLoopback: (text: string) => swap(v6ToLoopback(text), (n) => n.ip, (n) => n.loopback, 'https', 'http'),
    // output shown to clients: the address the cluster uses for etcd (IPv6 in brackets inside URLs)
    fromLoopback: (text: string) => {
      let out = text;
      for (const n of list) {
        const f = esc(n.loopback);
        out = out.replace(new RegExp(`http://${f}(?=[:/\\s,"]|$)`, 'g'), `https://${urlHost(etcdHost(n))}`);
        out = out.replace(new RegExp(`(?<![\\d.])${f}(?![\\d])`, 'g'), etcdHost(n));
      }
      return out;
    },
  };
}
