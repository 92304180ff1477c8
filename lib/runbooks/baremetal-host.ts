// Pure functions for the bare-metal procedure (openshift.md §1.6, docs module restore-replace-stopped-baremetal-etcd-member):
// the new BareMetalHost for the same hardware re-provisioned, and validation of a `--bmh FILE` (new hardware).
import { parseAllDocuments, stringify } from 'yaml';
import { isDNS1123Subdomain } from '../cluster/names.ts';
import type { HostInfo } from '../cluster/baremetal.ts';

export const NS_MAPI = 'openshift-machine-api';
export const BMH_API = 'metal3.io/v1alpha1';

const MAC = /^([0-9a-fA-F]{2}:){5}[0-9a-fA-F]{2}$/;

/**
 * The same hardware re-provisioned: BMC address, credentials secret, bootMACAddress, bootMode and rootDeviceHints from the
 * old host; `externallyProvisioned: false` (the docs: "do not leave the externallyProvisioned field set to true"),
 * `online: true`, userData `master-user-data-managed`, `automatedCleaningMode: disabled` (as in the docs' example).
 */
export function reprovisionedHost(old: any): any {
  if (!old || old.kind !== 'BareMetalHost') throw new Error('not a BareMetalHost object');
  const s = old.spec ?? {};
  if (!s.bmc?.address || !s.bmc?.credentialsName) throw new Error(`host ${old.metadata?.name} has no BMC address or credentials secret to re-use`);
  if (!s.bootMACAddress) throw new Error(`host ${old.metadata?.name} has no bootMACAddress to re-use`);
  const spec: any = {
    automatedCleaningMode: 'disabled',
    bmc: {
      address: s.bmc.address,
      credentialsName: s.bmc.credentialsName,
      ...(s.bmc.disableCertificateVerification !== undefined ? { disableCertificateVerification: s.bmc.disableCertificateVerification } : {}),
    },
    bootMACAddress: s.bootMACAddress,
    bootMode: s.bootMode ?? 'UEFI',
    externallyProvisioned: false,
    online: true,
    ...(s.rootDeviceHints ? { rootDeviceHints: structuredClone(s.rootDeviceHints) } : {}),
    userData: { name: 'master-user-data-managed', namespace: NS_MAPI },
  };
  const labels = old.metadata?.labels && Object.keys(old.metadata.labels).length ? { labels: { ...old.metadata.labels } } : {};
  return { apiVersion: BMH_API, kind: 'BareMetalHost', metadata: { name: old.metadata.name, namespace: NS_MAPI, ...labels }, spec };
}

export interface HostDefinition {
  /** the BareMetalHost name */
  name: string;
  /** the BMC credentials Secret to create first, or null when the existing one is re-used */
  secretName: string | null;
  /** YAML of the documents to `apply -f -` (Secret first, then the BareMetalHost) */
  yaml: string;
}

export function definitionOf(host: any, secret: any | null): HostDefinition {
  const docs = secret ? [secret, host] : [host];
  return { name: host.metadata.name, secretName: secret ? secret.metadata.name : null, yaml: docs.map((d) => stringify(d)).join('---\n') };
}

export class BmhFileError extends Error {}

/**
 * A `--bmh FILE` manifest: exactly one BareMetalHost and its BMC credentials Secret, for hardware that no other
 * host uses. `others` are the cluster's hosts except the one being replaced. Throws BmhFileError (one line).
 */
export function validateBmhManifest(text: string, others: HostInfo[]): { host: any; secret: any } {
  let docs: any[];
  try {
    const parsed = parseAllDocuments(text);
    const bad = parsed.find((d) => d.errors.length);
    if (bad) throw new Error(bad.errors[0]!.message.split('\n')[0]);
    docs = parsed.map((d) => d.toJS()).filter((d) => d !== null && d !== undefined);
  } catch (e) {
    throw new BmhFileError(`not valid YAML: ${(e as Error).message.split('\n')[0]}`);
  }
  const flat = docs.flatMap((d) => (d && d.kind === 'List' && Array.isArray(d.items) ? d.items : [d]));
  const hosts = flat.filter((d) => d?.kind === 'BareMetalHost');
  const secrets = flat.filter((d) => d?.kind === 'Secret');
  const other = flat.filter((d) => d?.kind !== 'BareMetalHost' && d?.kind !== 'Secret');
  if (hosts.length !== 1 || secrets.length !== 1 || other.length) {
    throw new BmhFileError(
      `it must hold exactly one BareMetalHost and one Secret (found ${hosts.length} BareMetalHost, ${secrets.length} Secret${other.length ? `, ${other.length} other` : ''})`,
    );
  }
  const host = structuredClone(hosts[0]);
  const secret = structuredClone(secrets[0]);
  if (host.apiVersion !== BMH_API) throw new BmhFileError(`the BareMetalHost apiVersion must be ${BMH_API}, not ${host.apiVersion ?? '(none)'}`);
  if (secret.apiVersion !== 'v1') throw new BmhFileError(`the Secret apiVersion must be v1, not ${secret.apiVersion ?? '(none)'}`);
  const name = String(host.metadata?.name ?? '');
  if (!isDNS1123Subdomain(name)) throw new BmhFileError(`the BareMetalHost name "${name}" is not a valid name (DNS-1123: lower-case letters, digits, '-', '.')`);
  if (!isDNS1123Subdomain(String(secret.metadata?.name ?? ''))) throw new BmhFileError(`the Secret name "${secret.metadata?.name ?? ''}" is not a valid name`);
  for (const [what, o] of [['BareMetalHost', host], ['Secret', secret]] as const) {
    const ns = o.metadata?.namespace;
    if (ns !== undefined && ns !== NS_MAPI) throw new BmhFileError(`the ${what} must be in namespace ${NS_MAPI}, not ${ns}`);
    o.metadata = { ...o.metadata, namespace: NS_MAPI };
  }
  const s = host.spec ?? {};
  if (s.externallyProvisioned === true) throw new BmhFileError('the BareMetalHost sets externallyProvisioned: true; a host to provision must have externallyProvisioned: false');
  if (!s.bmc?.address) throw new BmhFileError('the BareMetalHost has no spec.bmc.address');
  if (!s.bmc?.credentialsName) throw new BmhFileError('the BareMetalHost has no spec.bmc.credentialsName');
  if (s.bmc.credentialsName !== secret.metadata?.name) {
    throw new BmhFileError(`spec.bmc.credentialsName is ${s.bmc.credentialsName} but the Secret is named ${secret.metadata?.name ?? '(none)'}`);
  }
  const has = (k: string) => Boolean(secret.data?.[k] || secret.stringData?.[k]);
  if (!has('username') || !has('password')) throw new BmhFileError(`the Secret ${secret.metadata.name} needs the keys username and password`);
  if (!s.bootMACAddress || !MAC.test(s.bootMACAddress)) throw new BmhFileError(`spec.bootMACAddress "${s.bootMACAddress ?? ''}" is not a MAC address (aa:bb:cc:dd:ee:ff)`);
  if (s.consumerRef) throw new BmhFileError('the BareMetalHost already has a spec.consumerRef; leave it out (the machine claims the host)');
  const mac = String(s.bootMACAddress).toLowerCase();
  for (const o of others) {
    if (o.name === name) throw new BmhFileError(`a BareMetalHost named ${name} already exists`);
    if (o.bootMACAddress && o.bootMACAddress.toLowerCase() === mac) throw new BmhFileError(`bootMACAddress ${s.bootMACAddress} is already used by host ${o.name}`);
    if (o.bmcAddress && o.bmcAddress === s.bmc.address) throw new BmhFileError(`BMC address ${s.bmc.address} is already used by host ${o.name}`);
  }
  host.spec = { ...s, externallyProvisioned: false, online: s.online ?? true };
  return { host, secret };
}
