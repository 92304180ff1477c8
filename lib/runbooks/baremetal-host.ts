// Pure functions for the bare-metal procedure (openshift.md §1.6, docs module restore-replace-stopped-baremetal-etcd-member):
// the new BareMetalHost for the same hardware re-provisioned, and validation of a `--bmh FILE` (new hardware).
import { parseAllDocuments, stringify } from 'yaml';
import { isDNS1123Subdomain } from '../cluster/names.ts';
import type { HostInfo } from '../cluster/baremetal.ts';
import { SecretData } from '../security/credential.ts';

export const NS_MAPI = 'openshift-machine-api';
export const BMH_API = 'metal3.io/v1alpha1';

const MAC = /^([0-9a-fA-F]{2}:){5}[0-9a-fA-F]{2}$/;

/**
 * BareMetalHost spec fields each release's CRD knows (github:openshift/baremetal-operator BareMetalHostSpec json tags:
 * release-4.6 b4b10a088 and 4.7 e36cbc13f; automatedCleaningMode and raid from 4.8 5492cf523; firmware and customDeploy
 * from 4.9 4e7605ba5; preprovisioningNetworkDataName from 4.10 41872192b; architecture from 4.14 483d01914;
 * disablePowerOff from 4.19 2be798a2d). A field the release does not know is refused by kubectl/the API server, so the
 * plugin never writes one.
 */
const SPEC_FIELDS_SINCE: Record<string, number> = {
  taints: 6, bmc: 6, hardwareProfile: 6, rootDeviceHints: 6, bootMode: 6, bootMACAddress: 6, online: 6, consumerRef: 6,
  image: 6, userData: 6, networkData: 6, metaData: 6, description: 6, externallyProvisioned: 6,
  automatedCleaningMode: 8, raid: 8, firmware: 9, customDeploy: 9, preprovisioningNetworkDataName: 10, architecture: 14,
  disablePowerOff: 19,
};

function minorOf(release: string | null | undefined): number | null {
  const m = /^4\.(\d+)/.exec(release ?? '');
  return m ? Number(m[1]) : null;
}

/** Whether the release's BareMetalHost CRD has spec.<field> (an unknown release: the newest schema). */
export function specFieldKnown(release: string | null | undefined, field: string): boolean {
  const since = SPEC_FIELDS_SINCE[field];
  if (since === undefined) return false;
  const minor = minorOf(release);
  return minor === null || minor >= since;
}

/** The release that brought spec.<field>, for messages ("4.8"), or null for a field no release has. */
export function specFieldSince(field: string): string | null {
  const since = SPEC_FIELDS_SINCE[field];
  return since === undefined ? null : `4.${since}`;
}

/** Why a host references a Secret: spec.bmc.credentialsName, spec.preprovisioningNetworkDataName, networkData, userData. */
export type SecretRole = 'bmc' | 'preprovisioningNetworkData' | 'networkData' | 'userData';

/** The Secrets a host spec references in its own namespace, by role (credentials, network and user data). */
export function referencedSecrets(host: any): { role: SecretRole; name: string }[] {
  const s = host?.spec ?? {};
  const ns = host?.metadata?.namespace ?? NS_MAPI;
  const out: { role: SecretRole; name: string }[] = [];
  const add = (role: SecretRole, ref: { name?: string; namespace?: string } | string | undefined) => {
    const name = typeof ref === 'string' ? ref : ref?.name;
    const refNs = typeof ref === 'string' ? ns : (ref?.namespace ?? ns);
    if (name && refNs === ns && !out.some((o) => o.name === name)) out.push({ role, name });
  };
  add('bmc', s.bmc?.credentialsName);
  add('preprovisioningNetworkData', s.preprovisioningNetworkDataName);
  add('networkData', s.networkData);
  add('userData', s.userData);
  return out;
}

/**
 * A Secret the new host references, kept across the old host's deletion (issue 16): the baremetal-operator makes the
 * host the owner of its BMC credentials Secret and of its preprovisioning network data Secret, so Kubernetes' garbage
 * collector deletes them with the host. Kept ONLY through Journal.saveSecret (HOST_SECRETS_FILE: 0600 in the 0700 run
 * directory, deleted when the run ends); `data` is a SecretData, so it never turns into text anywhere else.
 */
export interface HostSecret {
  role: SecretRole;
  name: string;
  namespace: string;
  type: string;
  /** labels worth keeping (not the operator's claim label) */
  labels: Record<string, string>;
  data: SecretData;
}

/** The run's secret file (Journal.saveSecret) holding `{ secrets: HostSecret[] }`. */
export const HOST_SECRETS_FILE = 'host-secrets.secret.json';
export const HOST_SECRETS_WHAT = 'the data of the Secrets the new BareMetalHost references (BMC credentials, network and user data)';

/** A Secret object as read from the API or a --bmh file → what is kept (stringData folded into base64 data). */
export function toHostSecret(role: SecretRole, o: any): HostSecret {
  const labels: Record<string, string> = {};
  // environment.metal3.io is the baremetal-operator's claim label (secretutils LabelEnvironmentName): it sets it again
  for (const [k, v] of Object.entries(o?.metadata?.labels ?? {})) if (k !== 'environment.metal3.io' && typeof v === 'string') labels[k] = v;
  return { role, name: String(o?.metadata?.name ?? ''), namespace: String(o?.metadata?.namespace ?? NS_MAPI), type: String(o?.type ?? 'Opaque'), labels, data: SecretData.fromSecret(o) };
}

/** `kept` with `add` merged in (the same role and name replaced). */
export function mergeHostSecrets(kept: HostSecret[], add: HostSecret[]): HostSecret[] {
  return [...kept.filter((x) => !add.some((a) => a.role === x.role && a.name === x.name)), ...add];
}

/**
 * The same hardware re-provisioned: BMC address, credentials secret, bootMACAddress, bootMode and rootDeviceHints from the
 * old host; `externallyProvisioned: false` (the docs: "do not leave the externallyProvisioned field set to true"),
 * `online: true`, the old host's userData (else `master-user-data-managed`), its static network data
 * (preprovisioningNetworkDataName, networkData: the installer sets them for hosts with a network config), and
 * `automatedCleaningMode: disabled` (as in the docs' example) on releases whose CRD has that field (4.8+).
 */
export function reprovisionedHost(old: any, release?: string | null): any {
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
    ...(s.preprovisioningNetworkDataName ? { preprovisioningNetworkDataName: s.preprovisioningNetworkDataName } : {}),
    ...(s.networkData?.name ? { networkData: structuredClone(s.networkData) } : {}),
    userData: s.userData?.name ? structuredClone(s.userData) : { name: 'master-user-data-managed', namespace: NS_MAPI },
  };
  for (const k of Object.keys(spec)) if (!specFieldKnown(release, k)) delete spec[k];
  const labels = old.metadata?.labels && Object.keys(old.metadata.labels).length ? { labels: { ...old.metadata.labels } } : {};
  return { apiVersion: BMH_API, kind: 'BareMetalHost', metadata: { name: old.metadata.name, namespace: NS_MAPI, ...labels }, spec };
}

export interface HostDefinition {
  /** the BareMetalHost name */
  name: string;
  /** YAML of the BareMetalHost to `apply -f -` (its Secrets are created first from the run's secret file, HOST_SECRETS_FILE) */
  yaml: string;
}

export function definitionOf(host: any): HostDefinition {
  return { name: host.metadata.name, yaml: stringify(host) };
}

export class BmhFileError extends Error {}

/**
 * A `--bmh FILE` manifest: exactly one BareMetalHost and its BMC credentials Secret, for hardware that no other
 * host uses. `others` are the cluster's hosts except the one being replaced. Throws BmhFileError (one line).
 */
export function validateBmhManifest(text: string, others: HostInfo[], release?: string | null): { host: any; secret: any } {
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
  for (const k of Object.keys(s)) {
    if (specFieldKnown(release, k)) continue;
    const since = specFieldSince(k);
    throw new BmhFileError(
      since
        ? `spec.${k} is not a BareMetalHost field in OpenShift ${release} (it came in ${since}); remove it`
        : `spec.${k} is not a BareMetalHost field${release ? ` in OpenShift ${release}` : ''} (kubectl would refuse it as an unknown field)`,
    );
  }
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
