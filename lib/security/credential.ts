// Credentials by construction (issue 20): a bearer token, a password or a Secret's data is held in a `Credential` or a
// `SecretData`, never in a plain string that a message, a log line or JSON could carry along.
//  - Both turn into `<redacted>` whatever turns them into text: JSON.stringify, String(), template strings,
//    util.inspect (console.log, errors), `+`.
//  - Their value leaves only through `reveal`, whose callers are: the adapter's argv to the kubectl process
//    (lib/cluster/kubectl.ts), the stdin of `kubectl create/replace -f -` (secretManifest), and `writeSecretFile`
//    (its own file, mode 0600, in the 0700 run directory). Nothing else may call it.
//  - Every value ever put into one is remembered for this process, so that `redact()` (the one redaction function,
//    applied at the adapter boundary to the argv shown/traced and to the stderr of every call) removes it from any
//    text that would still carry it (kubectl echoing its own argv in an error, for example).
import { chmodSync, existsSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { inspect } from 'node:util';

export const REDACTED = '<redacted>';

/** Values shorter than this are not searched for in text (a 4-letter user name would blank unrelated words). */
const MIN_REDACT_LENGTH = 6;
const known = new Set<string>();

function remember(value: string): void {
  if (value.length >= MIN_REDACT_LENGTH) known.add(value);
}

/** Remembers a secret value (and, for a base64 value, what it decodes to) so that redact() removes it. */
export function registerSecret(value: string, base64 = false): void {
  remember(value);
  if (base64) {
    const decoded = Buffer.from(value, 'base64').toString('utf8');
    remember(decoded);
    for (const line of decoded.split('\n')) remember(line.trim()); // a PEM key's lines, as an error may quote one
  }
}

abstract class Sealed {
  toJSON(): string {
    return REDACTED;
  }
  toString(): string {
    return REDACTED;
  }
  [Symbol.toPrimitive](): string {
    return REDACTED;
  }
  [inspect.custom](): string {
    return REDACTED;
  }
}

/** One secret string: a bearer token, a password. */
export class Credential extends Sealed {
  readonly #value: string;
  constructor(value: string) {
    super();
    this.#value = value;
    registerSecret(value);
  }
  get empty(): boolean {
    return this.#value === '';
  }
  /** The value itself: only for the kubectl argv, a manifest on stdin, or writeSecretFile (see the file comment). */
  static reveal(c: Credential): string {
    return c.#value;
  }
}

/** A Secret's `data`: key → base64 value. Only the key names can be read without reveal. */
export class SecretData extends Sealed {
  readonly #data: Readonly<Record<string, string>>;
  constructor(data: Record<string, string>) {
    super();
    this.#data = Object.freeze({ ...data });
    for (const v of Object.values(this.#data)) registerSecret(v, true);
  }
  /** From a Secret object as read from the API or a file: `data`, and `stringData` folded in as base64. */
  static fromSecret(o: any): SecretData {
    const data: Record<string, string> = {};
    for (const [k, v] of Object.entries(o?.data ?? {})) if (typeof v === 'string') data[k] = v;
    for (const [k, v] of Object.entries(o?.stringData ?? {})) if (typeof v === 'string') data[k] = Buffer.from(v, 'utf8').toString('base64');
    return new SecretData(data);
  }
  keys(): string[] {
    return Object.keys(this.#data);
  }
  has(key: string): boolean {
    return typeof this.#data[key] === 'string' && this.#data[key] !== '';
  }
  /** The base64 values: only for a manifest on stdin or writeSecretFile (see the file comment). */
  static reveal(d: SecretData): Record<string, string> {
    return { ...d.#data };
  }
}

/** Every remembered secret value (and Bearer tokens, whoever's) in `text` replaced by <redacted>. */
export function redact(text: string): string {
  if (!text) return text;
  let out = text.replace(/(\bBearer\s+)(?!<)[^\s"',]+/gi, `$1${REDACTED}`);
  // longest first, so that a value containing another is removed whole
  for (const v of [...known].sort((a, b) => b.length - a.length)) if (out.includes(v)) out = out.split(v).join(REDACTED);
  return out;
}

/**
 * A Secret to create or replace with `kubectl create/replace -f -` (on stdin, never in argv): `meta` and `type` as
 * given, `data` revealed. The caller pipes JSON.stringify of it to the adapter's `input` and nowhere else.
 */
export function secretManifest(meta: { name: string; namespace: string; labels?: Record<string, string> }, type: string, data: SecretData): object {
  const labels = meta.labels && Object.keys(meta.labels).length ? { labels: { ...meta.labels } } : {};
  return { apiVersion: 'v1', kind: 'Secret', metadata: { name: meta.name, namespace: meta.namespace, ...labels }, type, data: SecretData.reveal(data) };
}

const LAST_APPLIED = 'kubectl.kubernetes.io/last-applied-configuration';
export const DATA_REMOVED_ANNOTATION = 'etcd-replace.openshift.io/bundle-data-removed';

/** A Secret without its data: `data`/`stringData` dropped (key names kept in an annotation), last-applied dropped. */
export function scrubSecret(o: any): any {
  if (o?.kind !== 'Secret') return o;
  const keys = [...Object.keys(o.data ?? {}), ...Object.keys(o.stringData ?? {})];
  const { data: _d, stringData: _s, ...rest } = o;
  const annotations = { ...(o.metadata?.annotations ?? {}) };
  delete annotations[LAST_APPLIED];
  annotations[DATA_REMOVED_ANNOTATION] = keys.join(',');
  return { ...rest, metadata: { ...(o.metadata ?? {}), annotations } };
}

/** A copy of any JSON value with every Secret object in it, at any depth, scrubbed (scrubSecret). */
export function scrubSecrets(v: any): any {
  if (Array.isArray(v)) return v.map(scrubSecrets);
  if (v === null || typeof v !== 'object') return v;
  const o = v.kind === 'Secret' ? scrubSecret(v) : v;
  const out: Record<string, unknown> = {};
  for (const [k, x] of Object.entries(o)) out[k] = scrubSecrets(x);
  return out;
}

const TAG_CREDENTIAL = '$credential';
const TAG_SECRET_DATA = '$secretData';

/**
 * The one place a Credential or SecretData is written out: `value` as JSON (any Credential/SecretData inside it
 * written as its value) to `file`, mode 0600, atomically. The caller puts `file` in a 0700 directory.
 */
export function writeSecretFile(file: string, value: unknown): void {
  const text = JSON.stringify(
    value,
    function (this: any, key: string) {
      const raw = this[key];
      if (raw instanceof Credential) return { [TAG_CREDENTIAL]: Credential.reveal(raw) };
      if (raw instanceof SecretData) return { [TAG_SECRET_DATA]: SecretData.reveal(raw) };
      return raw;
    },
    2,
  );
  const tmp = `${file}.tmp-${process.pid}`;
  rmSync(tmp, { force: true });
  writeFileSync(tmp, `${text}\n`, { mode: 0o600 });
  chmodSync(tmp, 0o600);
  renameSync(tmp, file);
}

/** What writeSecretFile wrote, its Credentials and SecretData sealed again; undefined when the file is absent. */
export function readSecretFile<T = unknown>(file: string): T | undefined {
  if (!existsSync(file)) return undefined;
  return JSON.parse(readFileSync(file, 'utf8'), (_k, v) => {
    if (v && typeof v === 'object' && !Array.isArray(v)) {
      const keys = Object.keys(v);
      if (keys.length === 1 && keys[0] === TAG_CREDENTIAL && typeof v[TAG_CREDENTIAL] === 'string') return new Credential(v[TAG_CREDENTIAL]);
      if (keys.length === 1 && keys[0] === TAG_SECRET_DATA && v[TAG_SECRET_DATA] && typeof v[TAG_SECRET_DATA] === 'object') return new SecretData(v[TAG_SECRET_DATA]);
    }
    return v;
  }) as T;
}
