// Secret data the bare-metal procedure must carry across the deletion of a BareMetalHost (issue 16): the BMC
// credentials Secret and the network/user data Secrets a host references. The baremetal-operator puts an
// ownerReference to the host on the BMC Secret (release-4.6 setBMCCredentialsSecretOwner: SetControllerReference;
// 4.10+ secretutils AcquireSecret → claimSecret) and on the preprovisioning network data Secret (4.10+), so Kubernetes'
// garbage collector deletes them with the old host. Their data lives ONLY in one file, `secrets.json`, mode 0600, in
// the 0700 run directory: never in the plan facts, journal.json, the output, the trace, JUnit, `-o json` or the bundle.
//
// `SecretValue` cannot be turned into text by accident: JSON.stringify, String(), template strings and util.inspect
// all give "[secret data]"; only `writeSecrets` (to the 0600 file) and `secretManifest` (the object piped to
// `kubectl create -f -` on stdin) read the data. (Issue 20 may replace this with its credential type.)
import { existsSync, readFileSync, renameSync, writeFileSync, chmodSync } from 'node:fs';
import { join } from 'node:path';
import { inspect } from 'node:util';

/** The file in the run directory (excluded from the bundle). */
export const SECRETS_FILE = 'secrets.json';

/** Why the host references the Secret (spec.bmc.credentialsName, spec.preprovisioningNetworkDataName, …). */
export type SecretRole = 'bmc' | 'preprovisioningNetworkData' | 'networkData' | 'userData';

const REDACTED = '[secret data]';

export class SecretValue {
  readonly #data: Readonly<Record<string, string>>;
  constructor(data: Record<string, string>) {
    this.#data = Object.freeze({ ...data });
  }
  /** key names only */
  keys(): string[] {
    return Object.keys(this.#data);
  }
  has(key: string): boolean {
    return typeof this.#data[key] === 'string' && this.#data[key] !== '';
  }
  toJSON(): string {
    return REDACTED;
  }
  toString(): string {
    return REDACTED;
  }
  [inspect.custom](): string {
    return REDACTED;
  }
  /** @internal the base64 data, for this module's file and manifest writers only */
  static reveal(v: SecretValue): Record<string, string> {
    return { ...v.#data };
  }
}

export interface SavedSecret {
  role: SecretRole;
  name: string;
  namespace: string;
  type: string;
  /** labels worth keeping (not the operator's claim label) */
  labels: Record<string, string>;
  /** base64 values, as in a Secret's `data` */
  data: SecretValue;
}

/** A Secret object as read from the API → what is saved (stringData folded into base64 data). */
export function toSaved(role: SecretRole, o: any): SavedSecret {
  const data: Record<string, string> = {};
  for (const [k, v] of Object.entries(o?.data ?? {})) if (typeof v === 'string') data[k] = v;
  for (const [k, v] of Object.entries(o?.stringData ?? {})) if (typeof v === 'string') data[k] = Buffer.from(v, 'utf8').toString('base64');
  const labels: Record<string, string> = {};
  // environment.metal3.io is the baremetal-operator's claim label (secretutils LabelEnvironmentName): it sets it again
  for (const [k, v] of Object.entries(o?.metadata?.labels ?? {})) if (k !== 'environment.metal3.io' && typeof v === 'string') labels[k] = v;
  return { role, name: String(o?.metadata?.name ?? ''), namespace: String(o?.metadata?.namespace ?? ''), type: String(o?.type ?? 'Opaque'), labels, data: new SecretValue(data) };
}

/** The Secret to create: no ownerReferences, uid, resourceVersion, finalizers or annotations of the old object. */
export function secretManifest(s: SavedSecret): object {
  return {
    apiVersion: 'v1',
    kind: 'Secret',
    metadata: { name: s.name, namespace: s.namespace, ...(Object.keys(s.labels).length ? { labels: { ...s.labels } } : {}) },
    type: s.type,
    data: SecretValue.reveal(s.data),
  };
}

/** Secrets saved in run directory `dir` (none when the file is absent). */
export function readSecrets(dir: string): SavedSecret[] {
  const p = join(dir, SECRETS_FILE);
  if (!existsSync(p)) return [];
  const raw = JSON.parse(readFileSync(p, 'utf8')) as { secrets?: any[] };
  return (raw.secrets ?? []).map((s) => ({ role: s.role, name: s.name, namespace: s.namespace, type: s.type, labels: s.labels ?? {}, data: new SecretValue(s.data ?? {}) }));
}

/** Adds or replaces (same role and name) `s` in `dir`/secrets.json, written 0600 atomically. */
export function writeSecrets(dir: string, add: SavedSecret[]): void {
  const all = readSecrets(dir).filter((x) => !add.some((a) => a.role === x.role && a.name === x.name));
  all.push(...add);
  const text = JSON.stringify({ secrets: all.map((s) => ({ role: s.role, name: s.name, namespace: s.namespace, type: s.type, labels: s.labels, data: SecretValue.reveal(s.data) })) }, null, 2) + '\n';
  const file = join(dir, SECRETS_FILE);
  const tmp = `${file}.tmp-${process.pid}`;
  writeFileSync(tmp, text, { mode: 0o600 });
  chmodSync(tmp, 0o600); // an existing tmp file keeps its mode otherwise
  renameSync(tmp, file);
}
