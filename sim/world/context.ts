// Shared context of the simulated world: what the control-side controllers (scenario, objects,
// machine API, etcd operator) and the node-side agents (kubelet, etcd processes, host folders,
// exec) both need to know.
import type { Store } from '../store.ts';

export interface SimNode {
  name: string; // node name, e.g. ip-10-0-131-183.ec2.internal
  ip: string; // InternalIP shown in objects, e.g. 10.0.131.183
  loopback: string; // mirrored loopback address the real processes bind, e.g. 127.0.131.183
  root: string; // absolute path of the node's host folder (what /host is), <state>/nodes/<name>/root
  role: 'master' | 'worker';
}

export interface Timing {
  provisionSeconds: number; // machine Provisioning -> Running
  rolloutSeconds: number; // per-node static pod revision install
  inspectSeconds?: number; // BareMetalHost registering/inspecting -> available
  learnerPromoteSeconds?: number; // a started learner catches up (is promotable) after this long
}

export interface WorldContext {
  store: Store;
  stateDir: string;
  /** "4.14" style release of the scenario */
  release: string;
  /** minor version number, 14 for "4.14" */
  minor: number;
  /** z-stream of the release (scenario `patch`), default per minor */
  patch?: number;
  platform: 'aws' | 'baremetal' | 'none';
  timing: Timing;
  nodes: Map<string, SimNode>;
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
  const swap = (text: string, from: (n: SimNode) => string, to: (n: SimNode) => string, fromScheme: string, toScheme: string) => {
    let out = text;
    for (const n of list) {
      const f = from(n).replace(/\./g, '\\.');
      out = out.replace(new RegExp(`${fromScheme}://${f}(?=[:/\\s,"]|$)`, 'g'), `${toScheme}://${to(n)}`);
      out = out.replace(new RegExp(`(?<![\\d.])${f}(?![\\d])`, 'g'), to(n));
    }
    return out;
  };
  return {
    toLoopback: (text: string) => swap(text, (n) => n.ip, (n) => n.loopback, 'https', 'http'),
    fromLoopback: (text: string) => swap(text, (n) => n.loopback, (n) => n.ip, 'http', 'https'),
  };
}
