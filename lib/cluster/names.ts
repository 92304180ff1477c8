// Validation of Kubernetes object names before they reach a remote shell or a command line.
// Nodes, machines, pods and secrets are DNS-1123 subdomains: lower-case alphanumerics, '-' and '.',
// starting and ending with an alphanumeric, at most 253 characters. Anything else is refused, so a
// validated name can be placed in a `sh -c` script without quoting problems.
import { PluginError } from '../errors.ts';

const DNS1123_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
const DNS1123_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;

export function isDNS1123Subdomain(name: string): boolean {
  return typeof name === 'string' && name.length > 0 && name.length <= 253 && DNS1123_SUBDOMAIN.test(name);
}

export function isDNS1123Label(name: string): boolean {
  return typeof name === 'string' && name.length > 0 && name.length <= 63 && DNS1123_LABEL.test(name);
}

/** Returns the name when it is a valid DNS-1123 subdomain, else throws a one-line PluginError naming the kind. */
export function validName(kind: string, name: string): string {
  if (!isDNS1123Subdomain(name)) {
    const shown = JSON.stringify(String(name)).slice(0, 80);
    throw new PluginError(`invalid ${kind} name ${shown}: not a DNS-1123 subdomain (lower-case letters, digits, '-' and '.', at most 253 characters)`, {
      hint: `check the ${kind} name`,
    });
  }
  return name;
}

export const validNodeName = (name: string) => validName('node', name);
export const validMachineName = (name: string) => validName('machine', name);
export const validPodName = (name: string) => validName('pod', name);
export const validHostName = (name: string) => validName('BareMetalHost', name);

/** A valid member ID as passed to `etcdctl member remove` (16 lower-case hex digits). */
export function validMemberId(id: string): string {
  if (!/^[0-9a-f]{16}$/.test(id)) throw new PluginError(`invalid etcd member ID ${JSON.stringify(id)}: expected 16 lower-case hex digits`);
  return id;
}

/** Short stable hash of a name (for generated object names). FNV-1a 32-bit, hex. */
export function shortHash(s: string): string {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) {
    h ^= s.charCodeAt(i);
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h.toString(16).padStart(8, '0');
}
