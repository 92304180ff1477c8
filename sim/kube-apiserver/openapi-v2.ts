// GET /openapi/v2: the Swagger 2.0 document kube-apiserver publishes, as the protobuf kubectl asks for
// (Accept: application/com.github.proto-openapi.spec.v2@v1.0+protobuf; client-go discovery OpenAPISchema
// proto.Unmarshal's it into gnostic's openapi_v2.Document).
//
// What kubectl does with it: client-side validation, when the server has no `fieldValidation` parameter for the kind
// (kubectl pkg/validation/schema.go paramVerifyingSchema: Strict, kubectl's default, then runs
// NewSchemaValidation = kube-openapi pkg/util/proto/validation over the document's definitions; a kind with no
// definition is not validated). In this simulator that is Kubernetes < 1.23 (OpenShift 4.6–4.9: server.ts openapiGV),
// where kubectl refuses an unknown field before anything is sent:
//   error validating data: ValidationError(Pod.spec.containers[0]): unknown field "bogus" in io.k8s.api.core.v1.Container
// From 1.23 on the server validates (or, 1.23/1.24, ignores) and kubectl needs no definitions: the document is served
// without them there, because the simulator's definitions carry no strategic-merge metadata
// (x-kubernetes-patch-merge-key …) that `kubectl apply` of a built-in type would otherwise read from them.
//
// Sources:
// - github:google/gnostic openapiv2/OpenAPIv2.proto: the field numbers below (Document.swagger 1, info 2,
//   definitions 9; Schema._ref 1, required 19, additional_properties 21, type 22, items 23, properties 25,
//   vendor_extension 31; NamedSchema / NamedAny name 1, value 2; Any.yaml 2 …).
// - kubernetes/kube-openapi pkg/util/proto/document.go: definitions by name; a definition is a kind's when its
//   x-kubernetes-group-version-kind extension names it; no type and no properties = arbitrary (never refused).
// - Definition names: built-in types io.k8s.api.<group>.<version>.<Kind> with $refs between structs (coretypes.ts
//   `definition`); custom resources one inline schema named by the reversed group (apiextensions-apiserver
//   pkg/controller/openapi/builder: io.openshift.machine.v1beta1.Machine). Leaves are published untyped here
//   (arbitrary): the simulator only models which fields exist, not kube-openapi's type checks.
import type { Schema } from './structural.ts';
import { ALL_RESOURCES, type ResourceType } from './resources.ts';
import { coreSchemaFor } from './coretypes.ts';
import { schemaFor } from './crds.ts';

// ---- protobuf wire format (length-delimited fields only) ----------------------------------------------------------

function varint(n: number): Buffer {
  const out: number[] = [];
  while (n > 0x7f) {
    out.push((n & 0x7f) | 0x80);
    n = Math.floor(n / 128);
  }
  out.push(n);
  return Buffer.from(out);
}

/** field `num` with wire type 2 (string, bytes or an embedded message) */
function field(num: number, payload: Buffer | string): Buffer {
  const b = typeof payload === 'string' ? Buffer.from(payload) : payload;
  return Buffer.concat([varint((num << 3) | 2), varint(b.length), b]);
}

const named = (name: string, value: Buffer) => Buffer.concat([field(1, name), field(2, value)]);

// ---- Schema messages -----------------------------------------------------------------------------------------------

interface V2 {
  ref?: string;
  type?: 'object' | 'array';
  properties?: [string, Buffer][];
  additionalProperties?: Buffer;
  items?: Buffer;
  gvk?: { group: string; version: string; kind: string };
}

function schemaMessage(s: V2): Buffer {
  const parts: Buffer[] = [];
  if (s.ref) parts.push(field(1, s.ref));
  if (s.additionalProperties) parts.push(field(21, field(1, s.additionalProperties))); // AdditionalPropertiesItem.schema
  if (s.type) parts.push(field(22, field(1, s.type))); // TypeItem.value
  if (s.items) parts.push(field(23, field(1, s.items))); // ItemsItem.schema
  if (s.properties) parts.push(field(25, Buffer.concat(s.properties.map(([k, v]) => field(1, named(k, v)))))); // Properties
  if (s.gvk) {
    const yaml = `- group: ${JSON.stringify(s.gvk.group)}\n  kind: ${s.gvk.kind}\n  version: ${s.gvk.version}\n`;
    parts.push(field(31, named('x-kubernetes-group-version-kind', field(2, yaml)))); // NamedAny{name, Any{yaml}}
  }
  return Buffer.concat(parts);
}

/** Our Schema as a v2 Schema message; sub-schemas with a `definition` become $refs registered in `defs`. */
function convert(s: Schema, defs: Map<string, Buffer>, top: boolean, gvk?: V2['gvk']): Buffer {
  if (s.definition && !top) {
    if (!defs.has(s.definition)) {
      defs.set(s.definition, Buffer.alloc(0)); // reserved (recursive types)
      defs.set(s.definition, convert(s, defs, true));
    }
    return schemaMessage({ ref: `#/definitions/${s.definition}` });
  }
  if (s['x-kubernetes-preserve-unknown-fields']) return schemaMessage({ gvk });
  if (s.properties) {
    return schemaMessage({ type: 'object', properties: Object.entries(s.properties).map(([k, v]) => [k, convert(v, defs, false)]), gvk });
  }
  if (s.additionalProperties) return schemaMessage({ type: 'object', additionalProperties: convert(s.additionalProperties, defs, false), gvk });
  if (s.items) return schemaMessage({ type: 'array', items: convert(s.items, defs, false), gvk });
  return schemaMessage({ gvk });
}

/** io.openshift.machine.v1beta1.Machine for machine.openshift.io/v1beta1 Machine */
function crdDefinitionName(t: ResourceType): string {
  return [...t.group.split('.').reverse(), t.version, t.kind].join('.');
}

/** The protobuf Document of a server at Kubernetes 1.<kubeMinor> (OpenShift 4.<release>). */
export function openapiV2(gitVersion: string, kubeMinor: number, release: number): Buffer {
  const defs = new Map<string, Buffer>();
  if (kubeMinor < 23) {
    for (const t of ALL_RESOURCES) {
      const gvk = { group: t.group, version: t.version, kind: t.kind };
      if (t.crd) {
        const s = schemaFor(t.resource, t.group, release);
        if (s) defs.set(crdDefinitionName(t), convert(s, defs, true, gvk));
        continue;
      }
      const s = coreSchemaFor(t, kubeMinor);
      if (s?.definition) defs.set(s.definition, convert(s, defs, true, gvk));
    }
  }
  const info = Buffer.concat([field(1, 'Kubernetes'), field(2, gitVersion.split('+')[0]!)]);
  const definitions = Buffer.concat([...defs].map(([name, body]) => field(1, named(name, body))));
  return Buffer.concat([field(1, '2.0'), field(2, info), ...(defs.size ? [field(9, definitions)] : [])]);
}
