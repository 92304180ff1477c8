// Custom resources as kube-apiserver's apiextensions-apiserver serves them: the CRD's structural schema prunes
// unknown fields, field validation (the `fieldValidation` query parameter kubectl sends: Strict for
// `--validate=strict`, the default of kubectl >= 1.25) refuses or reports them, and the schema validates what is left.
//
// Sources (kubernetes/kubernetes, staging/src/k8s.io/apiextensions-apiserver):
// - pkg/apiserver/schema/pruning/algorithm.go: pruning (unknown properties dropped unless
//   x-kubernetes-preserve-unknown-fields; apiVersion, kind and metadata kept at the root, metadata reduced to
//   ObjectMeta's fields); the pruned paths are what strict field validation reports.
// - pkg/apiserver/customresource_handler.go + pkg/registry/customresource: unknown fields with fieldValidation=Strict
//   are a 400 BadRequest `<Kind> in version "<v>" cannot be handled as a <Kind>: strict decoding error: unknown
//   field "spec.foo"[, unknown field "..."]` (the wording of kubectl's real output: e.g. kubernetes/kubernetes
//   issue 111074); Warn gives one `Warning: unknown field "spec.foo"` header each; Ignore prunes silently.
//   ServerSideFieldValidation is beta (on) from release-1.25 (OpenShift 4.12): older servers prune silently
//   whatever the parameter says.
// - pkg/apiserver/validation/validation.go ValidateCustomResource: kube-openapi's errors as field errors:
//   required -> `Required value`; enum -> `Unsupported value: "x": supported values: ...`; a wrong type ->
//   `Invalid value: "<actual type>": <path> in body must be of type <type>: "<actual type>"`; a pattern ->
//   `Invalid value: "x": <path> in body should match '<pattern>'`.
import type { KObject } from './store.ts';
import { invalid, notSupported, required, type FieldError } from './validation.ts';

export interface Schema {
  type?: 'object' | 'array' | 'string' | 'integer' | 'number' | 'boolean';
  properties?: Record<string, Schema>;
  additionalProperties?: Schema;
  items?: Schema;
  required?: string[];
  enum?: (string | number | boolean | null)[];
  pattern?: string;
  nullable?: boolean;
  format?: string;
  'x-kubernetes-preserve-unknown-fields'?: boolean;
  'x-kubernetes-int-or-string'?: boolean;
  /** the OpenAPI definition this (sub)schema is published as (/openapi/v2: a $ref to it), e.g. io.k8s.api.core.v1.Container */
  definition?: string;
}

const isObj = (v: unknown): v is Record<string, any> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** metav1.ObjectMeta's JSON fields (what pruning keeps under the root `metadata`). */
const OBJECT_META = new Set([
  'name', 'generateName', 'namespace', 'selfLink', 'uid', 'resourceVersion', 'generation', 'creationTimestamp', 'deletionTimestamp',
  'deletionGracePeriodSeconds', 'labels', 'annotations', 'ownerReferences', 'finalizers', 'managedFields', 'clusterName',
]);

const child = (path: string, k: string) => (path ? `${path}.${k}` : k);

function pruneValue(v: unknown, s: Schema | undefined, path: string, out: string[]): void {
  if (!s || s['x-kubernetes-preserve-unknown-fields'] && !s.properties && !s.additionalProperties && !s.items) return;
  if (Array.isArray(v)) {
    v.forEach((e, i) => pruneValue(e, s.items, `${path}[${i}]`, out));
    return;
  }
  if (!isObj(v)) return;
  if (s.properties) {
    for (const k of Object.keys(v)) {
      const ps = s.properties[k];
      if (ps) pruneValue(v[k], ps, child(path, k), out);
      else if (!s['x-kubernetes-preserve-unknown-fields']) {
        out.push(child(path, k));
        delete v[k];
      }
    }
  } else if (s.additionalProperties) {
    for (const k of Object.keys(v)) pruneValue(v[k], s.additionalProperties, child(path, k), out);
  } else if (s.type === 'object' && !s['x-kubernetes-preserve-unknown-fields']) {
    for (const k of Object.keys(v)) {
      out.push(child(path, k));
      delete v[k];
    }
  }
}

/** Prunes `obj` (a whole custom resource) in place; returns the pruned field paths, sorted. */
export function prune(obj: KObject, schema: Schema): string[] {
  const out: string[] = [];
  for (const k of Object.keys(obj)) {
    if (k === 'apiVersion' || k === 'kind') continue;
    if (k === 'metadata') {
      if (isObj(obj.metadata)) {
        for (const mk of Object.keys(obj.metadata)) {
          if (!OBJECT_META.has(mk)) {
            out.push(`metadata.${mk}`);
            delete obj.metadata[mk];
          }
        }
      }
      continue;
    }
    const ps = schema.properties?.[k];
    if (ps) pruneValue(obj[k], ps, k, out);
    else if (!schema['x-kubernetes-preserve-unknown-fields']) {
      out.push(k);
      delete obj[k];
    }
  }
  return out.sort();
}

function typeName(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'array';
  if (typeof v === 'number') return Number.isInteger(v) ? 'integer' : 'number';
  if (typeof v === 'boolean') return 'boolean';
  if (typeof v === 'string') return 'string';
  return 'object';
}

function goValue(v: unknown): string | number | boolean | null | { go: string } {
  if (v === null || typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean') return v;
  return { go: JSON.stringify(v) };
}

function validateValue(v: unknown, s: Schema, path: string, errs: FieldError[]): void {
  if (v === null) {
    if (s.nullable || s['x-kubernetes-preserve-unknown-fields'] && !s.type) return;
    if (s.type) errs.push({ type: 'Invalid value', field: path, value: 'null', detail: `${path} in body must be of type ${s.type}: "null"` });
    return;
  }
  if (s['x-kubernetes-int-or-string']) {
    if (typeof v !== 'string' && !(typeof v === 'number' && Number.isInteger(v))) {
      errs.push({ type: 'Invalid value', field: path, value: typeName(v), detail: `${path} in body must be of type integer,string: "${typeName(v)}"` });
    }
    return;
  }
  if (s.type) {
    const actual = typeName(v);
    const ok = s.type === actual || (s.type === 'number' && actual === 'integer');
    if (!ok) {
      errs.push({ type: 'Invalid value', field: path, value: actual, detail: `${path} in body must be of type ${s.type}: "${actual}"` });
      return;
    }
  }
  if (s.enum && !s.enum.some((e) => JSON.stringify(e) === JSON.stringify(v))) {
    errs.push(notSupported(path, goValue(v) as any, s.enum.map((e) => (typeof e === 'string' ? e : JSON.stringify(e)))));
  }
  if (s.pattern && typeof v === 'string' && !new RegExp(s.pattern, 'u').test(v)) {
    errs.push(invalid(path, v, `${path} in body should match '${s.pattern}'`));
  }
  if (Array.isArray(v) && s.items) v.forEach((e, i) => validateValue(e, s.items!, `${path}[${i}]`, errs));
  if (isObj(v)) {
    for (const r of s.required ?? []) if (!(r in v)) errs.push(required(child(path, r)));
    if (s.properties) for (const [k, ps] of Object.entries(s.properties)) if (k in v) validateValue(v[k], ps, child(path, k), errs);
    if (s.additionalProperties) for (const k of Object.keys(v)) validateValue(v[k], s.additionalProperties, child(path, k), errs);
  }
}

/** ValidateCustomResource: the schema's rules on everything but apiVersion, kind and metadata. */
export function validateCustomResource(obj: KObject, schema: Schema): FieldError[] {
  const errs: FieldError[] = [];
  for (const r of schema.required ?? []) if (!(r in obj)) errs.push(required(r));
  for (const [k, ps] of Object.entries(schema.properties ?? {})) {
    if (k === 'apiVersion' || k === 'kind' || k === 'metadata') continue;
    if (k in obj) validateValue(obj[k], ps, k, errs);
  }
  return errs;
}
