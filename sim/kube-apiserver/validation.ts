// kube-apiserver's validation of the objects clients write, for the core types the plugin and kubectl write
// (Event, Secret, ConfigMap, Lease) and the object metadata of every type, with kube-apiserver's messages, field
// paths and HTTP answers (what kubectl prints as `The Secret "x" is invalid: data[bad key]: Invalid value: ...`).
//
// Sources (kubernetes/kubernetes; the rules below are the same from release-1.19 to release-1.31, the Kubernetes of
// OpenShift 4.6 to 4.18, unless a comment says otherwise):
// - staging/src/k8s.io/apimachinery/pkg/util/validation/field/errors.go: the error types, ErrorBody, and
//   staging/src/k8s.io/apimachinery/pkg/api/errors/errors.go NewInvalid (`<Kind> "<name>" is invalid: ...`, one error
//   as is, several as `[a, b]`; the causes carry field and body, which kubectl prints).
// - staging/src/k8s.io/apimachinery/pkg/util/validation/validation.go: IsDNS1123Subdomain, IsDNS1123Label,
//   IsQualifiedName, IsValidLabelValue, IsConfigMapKey, RegexError, MaxLenError.
// - staging/src/k8s.io/apimachinery/pkg/api/validation/objectmeta.go: ValidateObjectMeta (name, namespace, labels,
//   annotations, ownerReferences, finalizers) and ValidateObjectMetaUpdate (no new finalizers on an object being
//   deleted); path.ValidatePathSegmentName (staging/src/k8s.io/apimachinery/pkg/api/validation/path/name.go).
// - pkg/apis/core/validation/events.go: ValidateEventCreate / legacyValidateEvent (core/v1).
// - pkg/apis/core/validation/validation.go: ValidateSecret, ValidateSecretUpdate, ValidateConfigMap,
//   ValidateConfigMapUpdate.
// - pkg/apis/coordination/validation/validation.go: ValidateLease / ValidateLeaseSpec.
// - staging/src/k8s.io/apiserver/pkg/endpoints/handlers/rest.go transformDecodeError: a body that does not decode
//   into the Go type is `400 BadRequest: <Kind> in version "<v>" cannot be handled as a <Kind>: <decode error>`.
import { validateAccessToken } from './oauth.ts';
import { ApiError } from './status.ts';
import type { KObject } from './store.ts';
import type { ResourceType } from './resources.ts';

// ---- field errors (field/errors.go) ------------------------------------------------------------------------------

export type FieldErrorType =
  | 'Required value'
  | 'Invalid value'
  | 'Forbidden'
  | 'Too long'
  | 'Unsupported value'
  | 'Duplicate value'
  | 'Not found'
  | 'Invalid type';

const REASON: Record<FieldErrorType, string> = {
  'Required value': 'FieldValueRequired',
  'Invalid value': 'FieldValueInvalid',
  Forbidden: 'FieldValueForbidden',
  'Too long': 'FieldValueTooLong',
  'Unsupported value': 'FieldValueNotSupported',
  'Duplicate value': 'FieldValueDuplicate',
  'Not found': 'FieldValueNotFound',
  'Invalid type': 'FieldValueTypeInvalid',
};

/** A Go value as ErrorBody prints it: strings %q, numbers and booleans %v, nil "null", anything else pre-rendered. */
export type GoValue = string | number | boolean | null | undefined | { go: string };

export interface FieldError {
  type: FieldErrorType;
  field: string;
  value?: GoValue;
  detail: string;
}

function goQuote(s: string): string {
  return JSON.stringify(s).replace(/\\u([0-9a-f]{4})/g, (_m, h) => `\\x${h.slice(2)}`);
}

/** field.Error.ErrorBody(): Required/Forbidden/TooLong print no value. */
export function errorBody(e: FieldError): string {
  let s: string = e.type;
  if (!(e.type === 'Required value' || e.type === 'Forbidden' || e.type === 'Too long')) {
    const v = e.value;
    const shown = v === null || v === undefined ? 'null' : typeof v === 'string' ? goQuote(v) : typeof v === 'object' ? v.go : String(v);
    s = `${e.type}: ${shown}`;
  }
  if (e.detail) s += `: ${e.detail}`;
  return s;
}

export const fieldError = (e: FieldError) => `${e.field}: ${errorBody(e)}`;
export const required = (field: string, detail = ''): FieldError => ({ type: 'Required value', field, detail });
export const invalid = (field: string, value: GoValue, detail: string): FieldError => ({ type: 'Invalid value', field, value, detail });
export const forbidden = (field: string, detail: string): FieldError => ({ type: 'Forbidden', field, detail });
export const tooLong = (field: string, max: number): FieldError => ({ type: 'Too long', field, detail: `must have at most ${max} bytes` });
export const notSupported = (field: string, value: GoValue, valid: string[]): FieldError => ({
  type: 'Unsupported value',
  field,
  value,
  detail: `supported values: ${valid.map(goQuote).join(', ')}`,
});

/** The kind as errors.NewInvalid names it: `Secret` for core types, `Machine.machine.openshift.io` for others. */
export function qualifiedKind(t: ResourceType): string {
  return t.group ? `${t.kind}.${t.group}` : t.kind;
}

/** errors.NewInvalid: 422 with one cause per field error. */
export function invalidError(t: Pick<ResourceType, 'kind' | 'group'>, name: string, errs: FieldError[], kind = t.group ? `${t.kind}.${t.group}` : t.kind): ApiError {
  const agg = errs.length === 1 ? fieldError(errs[0]!) : `[${errs.map(fieldError).join(', ')}]`;
  return new ApiError(422, 'Invalid', `${kind} ${goQuote(name)} is invalid: ${agg}`, {
    name,
    group: t.group || undefined,
    kind: t.kind,
    causes: errs.map((e) => ({ reason: REASON[e.type], message: errorBody(e), field: e.field })),
  });
}

/** transformDecodeError: the body does not decode into the type. */
export function decodeError(t: ResourceType, message: string): ApiError {
  return new ApiError(400, 'BadRequest', `${t.kind} in version ${goQuote(t.version)} cannot be handled as a ${t.kind}: ${message}`);
}

// ---- names (util/validation/validation.go) -----------------------------------------------------------------------

function regexError(msg: string, fmt: string, ...examples: string[]): string {
  if (examples.length === 0) return `${msg} (regex used for validation is '${fmt}')`;
  return `${msg} (e.g. ${examples.map((e) => `'${e}', `).join(' or ')}regex used for validation is '${fmt}')`;
}
const maxLen = (n: number) => `must be no more than ${n} characters`;

const DNS1123_LABEL_FMT = '[a-z0-9]([-a-z0-9]*[a-z0-9])?';
const DNS1123_SUBDOMAIN_FMT = `${DNS1123_LABEL_FMT}(\\.${DNS1123_LABEL_FMT})*`;
const QUALIFIED_NAME_FMT = '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]';
const LABEL_VALUE_FMT = `(${QUALIFIED_NAME_FMT})?`;
const CONFIG_MAP_KEY_FMT = '[-._a-zA-Z0-9]+';
const full = (fmt: string) => new RegExp(`^${fmt}$`);

export function isDNS1123Label(v: string): string[] {
  const errs: string[] = [];
  if (v.length > 63) errs.push(maxLen(63));
  if (!full(DNS1123_LABEL_FMT).test(v)) {
    errs.push(regexError("a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and must start and end with an alphanumeric character", DNS1123_LABEL_FMT, 'my-name', '123-abc'));
  }
  return errs;
}

export function isDNS1123Subdomain(v: string): string[] {
  const errs: string[] = [];
  if (v.length > 253) errs.push(maxLen(253));
  if (!full(DNS1123_SUBDOMAIN_FMT).test(v)) {
    errs.push(regexError("a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character", DNS1123_SUBDOMAIN_FMT, 'example.com'));
  }
  return errs;
}

export function isQualifiedName(v: string): string[] {
  const errs: string[] = [];
  const parts = v.split('/');
  let name: string;
  if (parts.length === 1) name = parts[0]!;
  else if (parts.length === 2) {
    const [prefix, n] = parts as [string, string];
    name = n;
    if (prefix.length === 0) errs.push('prefix part must be non-empty');
    else for (const m of isDNS1123Subdomain(prefix)) errs.push(`prefix part ${m}`);
  } else {
    return [
      regexError("a qualified name must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character", QUALIFIED_NAME_FMT, 'MyName', 'my.name', '123-abc') +
        " with an optional DNS subdomain prefix and '/' (e.g. 'example.com/MyName')",
    ];
  }
  if (name.length === 0) errs.push('name part must be non-empty');
  else if (name.length > 63) errs.push(`name part ${maxLen(63)}`);
  if (!full(QUALIFIED_NAME_FMT).test(name)) {
    errs.push(`name part ${regexError("must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character", QUALIFIED_NAME_FMT, 'MyName', 'my.name', '123-abc')}`);
  }
  return errs;
}

export function isValidLabelValue(v: string): string[] {
  const errs: string[] = [];
  if (v.length > 63) errs.push(maxLen(63));
  if (!full(LABEL_VALUE_FMT).test(v)) {
    errs.push(regexError("a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character", LABEL_VALUE_FMT, 'MyValue', 'my_value', '12345'));
  }
  return errs;
}

export function isConfigMapKey(v: string): string[] {
  const errs: string[] = [];
  if (v.length > 253) errs.push(maxLen(253));
  if (!full(CONFIG_MAP_KEY_FMT).test(v)) errs.push(regexError("a valid config key must consist of alphanumeric characters, '-', '_' or '.'", CONFIG_MAP_KEY_FMT, 'key.name', 'KEY_NAME', 'key-name'));
  if (v === '.') errs.push("must not be '.'");
  else if (v === '..') errs.push("must not be '..'");
  else if (v.startsWith('..')) errs.push("must not start with '..'");
  return errs;
}

/** path.IsValidPathSegmentName: the name rule of types without a stricter one (core/v1 Events). */
export function isValidPathSegmentName(v: string): string[] {
  if (v === '.' || v === '..') return [`may not be '${v}'`];
  const errs: string[] = [];
  for (const bad of ['/', '%']) if (v.includes(bad)) errs.push(`may not contain '${bad}'`);
  return errs;
}

// ---- object metadata (api/validation/objectmeta.go) --------------------------------------------------------------

const TOTAL_ANNOTATION_SIZE = 256 * 1024;
const FINALIZER_ORPHAN = 'orphan';
const FINALIZER_FOREGROUND = 'foregroundDeletion';

export function validateObjectMeta(obj: KObject, namespaced: boolean, nameFn: (n: string) => string[]): FieldError[] {
  const errs: FieldError[] = [];
  const m = obj.metadata ?? ({} as KObject['metadata']);
  if (typeof m.generateName === 'string' && m.generateName) {
    for (const msg of nameFn(m.generateName.replace(/-$/, 'a'))) errs.push(invalid('metadata.generateName', m.generateName, msg));
  }
  if (!m.name) errs.push(required('metadata.name', 'name or generateName is required'));
  else for (const msg of nameFn(m.name)) errs.push(invalid('metadata.name', m.name, msg));
  if (namespaced) {
    if (!m.namespace) errs.push(required('metadata.namespace', ''));
    else for (const msg of isDNS1123Label(m.namespace)) errs.push(invalid('metadata.namespace', m.namespace, msg));
  } else if (m.namespace) errs.push(forbidden('metadata.namespace', 'not allowed on this type'));
  for (const [k, v] of Object.entries(m.labels ?? {})) {
    for (const msg of isQualifiedName(k)) errs.push(invalid('metadata.labels', k, msg));
    // the value's path names its key since release-1.27 (before: metadata.labels)
    for (const msg of isValidLabelValue(String(v))) errs.push(invalid(`metadata.labels`, String(v), msg));
  }
  let size = 0;
  for (const [k, v] of Object.entries(m.annotations ?? {})) {
    for (const msg of isQualifiedName(k.toLowerCase())) errs.push(invalid('metadata.annotations', k, msg));
    size += k.length + String(v).length;
  }
  if (size > TOTAL_ANNOTATION_SIZE) errs.push(tooLong('metadata.annotations', TOTAL_ANNOTATION_SIZE));
  const refs = Array.isArray(m.ownerReferences) ? (m.ownerReferences as Record<string, any>[]) : [];
  for (const r of refs) {
    const apiVersion = String(r.apiVersion ?? '');
    const version = apiVersion.includes('/') ? apiVersion.split('/')[1] : apiVersion;
    if (!version) errs.push(invalid('metadata.ownerReferences.apiVersion', apiVersion, 'version must not be empty'));
    if (!r.kind) errs.push(invalid('metadata.ownerReferences.kind', String(r.kind ?? ''), 'must not be empty'));
    if (!r.name) errs.push(invalid('metadata.ownerReferences.name', String(r.name ?? ''), 'must not be empty'));
    if (!r.uid) errs.push(invalid('metadata.ownerReferences.uid', String(r.uid ?? ''), 'must not be empty'));
  }
  const controllers = refs.filter((r) => r.controller === true);
  if (controllers.length > 1) {
    errs.push(
      invalid(
        'metadata.ownerReferences',
        { go: `[]v1.OwnerReference{...}` },
        `Only one reference can have Controller set to true. Found "true" in references for ${controllers.map((r) => `${r.kind}/${r.name}`).join(' and ')}`,
      ),
    );
  }
  const finalizers = Array.isArray(m.finalizers) ? m.finalizers.map(String) : [];
  for (const f of finalizers) for (const msg of isQualifiedName(f)) errs.push(invalid('metadata.finalizers', f, msg));
  if (finalizers.includes(FINALIZER_ORPHAN) && finalizers.includes(FINALIZER_FOREGROUND)) {
    errs.push(invalid('metadata.finalizers', { go: goStrings(finalizers) }, `finalizer ${FINALIZER_ORPHAN} and ${FINALIZER_FOREGROUND} cannot be both set`));
  }
  return errs;
}

const goStrings = (l: string[]) => `[]string{${l.map(goQuote).join(', ')}}`;

/** ValidateObjectMetaUpdate: the rules that the simulated server does not already enforce by keeping stored values. */
export function validateObjectMetaUpdate(next: KObject, old: KObject): FieldError[] {
  const errs: FieldError[] = [];
  if (old.metadata.deletionTimestamp) {
    const before = new Set(old.metadata.finalizers ?? []);
    const extra = (next.metadata.finalizers ?? []).filter((f) => !before.has(f));
    if (extra.length) errs.push(forbidden('metadata.finalizers', `no new finalizers can be added if the object is being deleted, found new finalizers ${goStrings([...new Set(extra)].sort())}`));
  }
  return errs;
}

// ---- types --------------------------------------------------------------------------------------------------------

const MAX_SECRET_SIZE = 1024 * 1024; // core.MaxSecretSize

/** Secret data values are []byte: base64 in JSON (encoding/base64 StdEncoding, as encoding/json decodes them). */
function base64Error(v: unknown): string | null {
  if (typeof v !== 'string') return `json: cannot unmarshal ${goJsonType(v)} into Go struct field Secret.data of type []uint8`;
  const bad = v.search(/[^A-Za-z0-9+/=]/);
  if (bad >= 0) return `illegal base64 data at input byte ${bad}`;
  const pad = v.indexOf('=');
  if (pad >= 0 && !/^=={0,1}$/.test(v.slice(pad).replace(/^=/, '='))) return `illegal base64 data at input byte ${pad}`;
  if (v.length % 4 !== 0) return `illegal base64 data at input byte ${v.length - (v.length % 4)}`;
  return null;
}

function goJsonType(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'array';
  if (typeof v === 'object') return 'object';
  return typeof v === 'string' ? 'string' : typeof v === 'number' ? 'number' : typeof v === 'boolean' ? 'bool' : 'value';
}

const byteLen = (s: string) => Buffer.byteLength(s);

/** Decoding (400) checks of a body, before defaults and validation. */
export function decodeCheck(t: ResourceType, obj: KObject): void {
  if (t.group === '' && t.resource === 'secrets') {
    for (const [k, v] of Object.entries(obj.data ?? {})) {
      const e = base64Error(v);
      if (e) throw decodeError(t, e.startsWith('json:') ? e : e);
      void k;
    }
  }
  if (t.group === '' && t.resource === 'configmaps') {
    for (const v of Object.values(obj.data ?? {})) {
      if (typeof v !== 'string') throw decodeError(t, `json: cannot unmarshal ${goJsonType(v)} into Go struct field ConfigMap.data of type string`);
    }
  }
  if (t.group === 'coordination.k8s.io' && t.resource === 'leases') {
    const spec = obj.spec ?? {};
    for (const f of ['leaseDurationSeconds', 'leaseTransitions']) {
      const v = spec[f];
      if (v !== undefined && v !== null && !(typeof v === 'number' && Number.isInteger(v))) {
        throw decodeError(t, `json: cannot unmarshal ${goJsonType(v)} into Go struct field LeaseSpec.spec.${f} of type int32`);
      }
    }
    for (const f of ['acquireTime', 'renewTime']) {
      const v = spec[f];
      if (v === undefined || v === null) continue;
      if (typeof v !== 'string') throw decodeError(t, `json: cannot unmarshal ${goJsonType(v)} into Go struct field LeaseSpec.spec.${f} of type string`);
      // metav1.MicroTime.UnmarshalJSON: time.Parse(RFC3339Micro, ...): exactly six fraction digits
      const m = v.match(/^(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d)(.*)$/);
      if (!m) throw decodeError(t, `parsing time ${goQuote(v)} as "2006-01-02T15:04:05.000000Z07:00": cannot parse ${goQuote(v)} as "2006"`);
      if (!/^\.\d{6}(Z|[+-]\d\d:\d\d)$/.test(m[2]!)) {
        throw decodeError(t, `parsing time ${goQuote(v)} as "2006-01-02T15:04:05.000000Z07:00": cannot parse ${goQuote(m[2]!)} as ".000000"`);
      }
    }
  }
}

/** SetDefaults_*: what the API server fills in before validation (core/v1 defaults.go). */
export function applyDefaults(t: ResourceType, obj: KObject): void {
  if (t.group === '' && t.resource === 'secrets' && !obj.type) obj.type = 'Opaque';
  if (t.group === '' && t.resource === 'events') {
    // SetDefaults_Event? none; the type is left as sent (core/v1 has no defaulting of Event.type)
  }
}

function validateEvent(obj: KObject): FieldError[] {
  // ValidateEventCreate for core/v1: legacyValidateEvent only (no ObjectMeta rules beyond the generic path-segment
  // name check that rest.BeforeCreate runs after the strategy's)
  const errs: FieldError[] = [];
  const ns = obj.metadata.namespace ?? '';
  const inv = obj.involvedObject ?? {};
  const invNs = String(inv.namespace ?? '');
  const eventTime = obj.eventTime;
  if (!eventTime) {
    if (!invNs) {
      if (ns !== '' && ns !== 'default') errs.push(invalid('involvedObject.namespace', invNs, 'does not match event.namespace'));
    } else if (ns !== invNs) errs.push(invalid('involvedObject.namespace', invNs, 'does not match event.namespace'));
  } else {
    if (!invNs && ns !== 'default' && ns !== 'kube-system') errs.push(invalid('involvedObject.namespace', invNs, 'does not match event.namespace'));
    const rc = String(obj.reportingComponent ?? '');
    if (!rc) errs.push(required('reportingController', ''));
    for (const msg of isQualifiedName(rc)) errs.push(invalid('reportingController', rc, msg));
    const ri = String(obj.reportingInstance ?? '');
    if (!ri) errs.push(required('reportingInstance', ''));
    if (ri.length > 128) errs.push(invalid('reportingInstance', '', 'can have at most 128 characters'));
    const action = String(obj.action ?? '');
    if (!action) errs.push(required('action', ''));
    if (action.length > 128) errs.push(invalid('action', '', 'can have at most 128 characters'));
    const reason = String(obj.reason ?? '');
    if (!reason) errs.push(required('reason', ''));
    if (reason.length > 128) errs.push(invalid('reason', '', 'can have at most 128 characters'));
    if (String(obj.message ?? '').length > 1024) errs.push(invalid('message', '', 'can have at most 1024 characters'));
  }
  for (const msg of isDNS1123Subdomain(ns)) errs.push(invalid('namespace', ns, msg));
  return errs;
}

function validateSecret(obj: KObject): FieldError[] {
  const errs = validateObjectMeta(obj, true, isDNS1123Subdomain);
  let total = 0;
  const data: Record<string, string> = obj.data ?? {};
  for (const [k, v] of Object.entries(data)) {
    for (const msg of isConfigMapKey(k)) errs.push(invalid(`data[${k}]`, k, msg));
    total += Buffer.from(String(v), 'base64').length;
  }
  if (total > MAX_SECRET_SIZE) errs.push(tooLong('data', MAX_SECRET_SIZE));
  const has = (k: string) => Object.prototype.hasOwnProperty.call(data, k);
  switch (obj.type) {
    case 'kubernetes.io/service-account-token':
      if (!obj.metadata.annotations?.['kubernetes.io/service-account.name']) errs.push(required('metadata.annotations[kubernetes.io/service-account.name]', ''));
      break;
    case 'kubernetes.io/basic-auth':
      if (!has('username') && !has('password')) errs.push(required('data[username]', ''), required('data[password]', ''));
      break;
    case 'kubernetes.io/ssh-auth':
      if (!data['ssh-privatekey']) errs.push(required('data[ssh-privatekey]', ''));
      break;
    case 'kubernetes.io/tls':
      if (!has('tls.crt')) errs.push(required('data[tls.crt]', ''));
      if (!has('tls.key')) errs.push(required('data[tls.key]', ''));
      break;
    case 'kubernetes.io/dockerconfigjson':
      if (!has('.dockerconfigjson')) errs.push(required('data[.dockerconfigjson]', ''));
      break;
    case 'kubernetes.io/dockercfg':
      if (!has('.dockercfg')) errs.push(required('data[.dockercfg]', ''));
      break;
    default:
  }
  return errs;
}

function validateConfigMap(obj: KObject): FieldError[] {
  const errs = validateObjectMeta(obj, true, isDNS1123Subdomain);
  let total = 0;
  const data: Record<string, string> = obj.data ?? {};
  const bin: Record<string, string> = obj.binaryData ?? {};
  for (const [k, v] of Object.entries(data)) {
    for (const msg of isConfigMapKey(k)) errs.push(invalid(`data[${k}]`, k, msg));
    if (Object.prototype.hasOwnProperty.call(bin, k)) errs.push(invalid(`data[${k}]`, k, 'duplicate of key present in binaryData'));
    total += byteLen(String(v));
  }
  for (const [k, v] of Object.entries(bin)) {
    for (const msg of isConfigMapKey(k)) errs.push(invalid(`binaryData[${k}]`, k, msg));
    if (Object.prototype.hasOwnProperty.call(data, k)) errs.push(invalid(`binaryData[${k}]`, k, 'duplicate of key present in data'));
    total += Buffer.from(String(v), 'base64').length;
  }
  if (total > MAX_SECRET_SIZE) errs.push(tooLong('', MAX_SECRET_SIZE));
  return errs;
}

function validateLease(obj: KObject): FieldError[] {
  const errs = validateObjectMeta(obj, true, isDNS1123Subdomain);
  const spec = obj.spec ?? {};
  if (typeof spec.leaseDurationSeconds === 'number' && spec.leaseDurationSeconds <= 0) errs.push(invalid('spec.leaseDurationSeconds', spec.leaseDurationSeconds, 'must be greater than 0'));
  if (typeof spec.leaseTransitions === 'number' && spec.leaseTransitions < 0) errs.push(invalid('spec.leaseTransitions', spec.leaseTransitions, 'must be greater than or equal to 0'));
  return errs;
}

/** The strategy's Validate on create, then (rest.BeforeCreate) the generic metadata check where the type has none. */
export function validateCreate(t: ResourceType, obj: KObject): FieldError[] {
  if (t.group === '' && t.resource === 'events') {
    const errs = validateEvent(obj);
    if (errs.length) return errs;
    return validateObjectMeta(obj, true, isValidPathSegmentName);
  }
  if (t.group === '' && t.resource === 'secrets') return validateSecret(obj);
  if (t.group === '' && t.resource === 'configmaps') return validateConfigMap(obj);
  if (t.group === 'coordination.k8s.io' && t.resource === 'leases') return validateLease(obj);
  if (t.group === 'oauth.openshift.io' && t.resource === 'oauthaccesstokens') return validateAccessToken(obj);
  // every other type: at least the generic metadata rules (the custom resources' strategy uses NameIsDNSSubdomain)
  return validateObjectMeta(obj, t.namespaced, t.resource === 'nodes' || t.resource === 'namespaces' ? (t.resource === 'namespaces' ? isDNS1123Label : isDNS1123Subdomain) : isDNS1123Subdomain);
}

export function validateUpdate(t: ResourceType, next: KObject, old: KObject): FieldError[] {
  const errs = [...validateCreate(t, next), ...validateObjectMetaUpdate(next, old)];
  if (t.group === '' && (t.resource === 'secrets' || t.resource === 'configmaps')) {
    // ValidateSecretUpdate / ValidateConfigMapUpdate
    if (t.resource === 'secrets' && (next.type ?? 'Opaque') !== (old.type ?? 'Opaque')) errs.push(invalid('type', String(next.type ?? ''), 'field is immutable'));
    if (old.immutable === true) {
      if (next.immutable !== true) errs.push(forbidden('immutable', 'field is immutable when `immutable` is set'));
      if (JSON.stringify(next.data ?? {}) !== JSON.stringify(old.data ?? {})) errs.push(forbidden('data', 'field is immutable when `immutable` is set'));
      if (t.resource === 'configmaps' && JSON.stringify(next.binaryData ?? {}) !== JSON.stringify(old.binaryData ?? {})) {
        errs.push(forbidden('binaryData', 'field is immutable when `immutable` is set'));
      }
    }
  }
  return errs;
}
