// Names and small helpers that several simulated components share: namespaces, the etcd operator's hook and
// override keys, the Machine finalizer, timestamps and generated suffixes as the real components write them.
import { createHash, randomBytes } from 'node:crypto';
import { type SimNode } from './context.ts';

export const NS_ETCD = 'openshift-etcd';
export const NS_ETCD_OPERATOR = 'openshift-etcd-operator';
export const NS_MACHINE_API = 'openshift-machine-api';
export const MANAGED_LABEL = 'sim.openshift.io/managed';
export const HOOK = { name: 'EtcdQuorumOperator', owner: 'clusteroperator/etcd' };
export const MACHINE_FINALIZER = 'machine.machine.openshift.io';
export const OVERRIDE_KEY = 'useUnsupportedUnsafeNonHANonProductionUnstableEtcd';
export const CERT_UID_ANNOTATION = 'etcd-operator.alpha.openshift.io/cert-secret-node-uid';

export const now = (): string => new Date().toISOString().replace(/\.\d+Z$/, 'Z');

export function hashOf(text: string, len = 10): string {
  return createHash('sha256').update(text).digest('hex').slice(0, len);
}

const ALNUM = 'bcdfghjklmnpqrstvwxz2456789';
export function rand5(): string {
  const b = randomBytes(5);
  return [...b].map((x) => ALNUM[x % ALNUM.length]).join('');
}

/** NODE_<name with - and . as _>_IP style env var prefix. */
export function envVarName(node: string): string {
  return node.replace(/[-.]/g, '_');
}

export function simNodeOf(n: SimNode) {
  return { name: n.name, ip: n.ip };
}
