// The JSON fields of the built-in types clients write in the simulated cluster (Pod, Secret, ConfigMap, Event, Lease),
// per Kubernetes minor, as the Go structs that kube-apiserver decodes a body into. A field that is not in the struct
// of the server's release is an "unknown field": decoding drops it, and from Kubernetes 1.25 (OpenShift 4.12, the
// ServerSideFieldValidation gate beta and on) the server reports it as field validation asks (server.ts admit):
// Strict: 400 `Pod in version "v1" cannot be handled as a Pod: strict decoding error: unknown field "spec.foo"`;
// Warn (the default without the parameter): a `Warning: unknown field "spec.foo"` header; Ignore: silently.
//
// Sources:
// - github:kubernetes/api core/v1/types.go and coordination/v1/types.go at tags v0.19.0 … v0.33.0 (Kubernetes 1.19 …
//   1.33, the Kubernetes of OpenShift 4.6 … 4.20): the `json:"…"` names of each struct below; `since` is the first
//   minor whose struct has the field (read at every tag, e.g. PodSpec.os 1.23, hostUsers 1.25, schedulingGates and
//   resourceClaims 1.26, resources 1.32; Container.resizePolicy 1.27, restartPolicy 1.28; SecurityContext
//   .appArmorProfile and VolumeMount.recursiveReadOnly 1.30; VolumeSource.image 1.31; LeaseSpec.strategy and
//   preferredHolder 1.31). A field gated off at a release is still in the struct: it decodes, and the strategy drops it.
// - staging/src/k8s.io/apiserver/pkg/endpoints/handlers/create.go / update.go / patch.go (release-1.25 …):
//   `fieldValidation(directive)`: Ignore when the ServerSideFieldValidation gate is off (1.23, 1.24: alpha, off;
//   1.19–1.22: no such parameter), Warn when no directive is given; strict decoding errors become a BadRequest
//   (Strict) or warnings (Warn); the json serializer's strict errors name the field path as sigs.k8s.io/json does
//   (`spec.containers[0].foo`).
// - staging/src/k8s.io/apimachinery/pkg/apis/meta/v1/types.go ObjectMeta: what the root `metadata` keeps
//   (structural.ts OBJECT_META).
// Subtrees the simulator does not model field by field (probes, resources, affinity, the pod's securityContext,
// status …) are kept as written (x-kubernetes-preserve-unknown-fields): a real server would check them too.
import type { Schema } from './structural.ts';
import type { ResourceType } from './resources.ts';

const ANY: Schema = { 'x-kubernetes-preserve-unknown-fields': true };
const strMap: Schema = { type: 'object', additionalProperties: { type: 'string' } };

/** A struct: field name → its schema, or [schema, first Kubernetes minor whose struct has it]. */
type Fields = Record<string, Schema | [Schema, number]>;

function struct(kube: number, fields: Fields, definition?: string): Schema {
  const properties: Record<string, Schema> = {};
  for (const [k, v] of Object.entries(fields)) {
    const [s, since] = Array.isArray(v) ? v : [v, 0];
    if (kube >= since) properties[k] = s;
  }
  return { type: 'object', properties, ...(definition ? { definition } : {}) };
}
const V1 = 'io.k8s.api.core.v1.';
const list = (items: Schema): Schema => ({ type: 'array', items });
/** fields whose own shape is not modelled */
const any = (...names: string[]): Fields => Object.fromEntries(names.map((n) => [n, ANY]));

function objectReference(kube: number): Schema {
  return struct(kube, any('kind', 'namespace', 'name', 'uid', 'apiVersion', 'resourceVersion', 'fieldPath'), `${V1}ObjectReference`);
}

function container(kube: number): Schema {
  const securityContext = struct(kube, {
    capabilities: struct(kube, any('add', 'drop'), `${V1}Capabilities`),
    ...any('privileged', 'seLinuxOptions', 'windowsOptions', 'runAsUser', 'runAsGroup', 'runAsNonRoot', 'readOnlyRootFilesystem', 'allowPrivilegeEscalation', 'procMount', 'seccompProfile'),
    appArmorProfile: [ANY, 30],
  }, `${V1}SecurityContext`);
  const volumeMount = struct(kube, { ...any('name', 'readOnly', 'mountPath', 'subPath', 'mountPropagation', 'subPathExpr'), recursiveReadOnly: [ANY, 30] }, `${V1}VolumeMount`);
  return struct(kube, {
    ...any('name', 'image', 'command', 'args', 'workingDir', 'ports', 'envFrom', 'env', 'resources'),
    volumeMounts: list(volumeMount),
    ...any('volumeDevices', 'livenessProbe', 'readinessProbe', 'startupProbe', 'lifecycle', 'terminationMessagePath', 'terminationMessagePolicy', 'imagePullPolicy'),
    securityContext,
    ...any('stdin', 'stdinOnce', 'tty'),
    resizePolicy: [ANY, 27],
    restartPolicy: [ANY, 28],
  }, `${V1}Container`);
}

function volume(kube: number): Schema {
  return struct(kube, {
    name: ANY,
    hostPath: struct(kube, any('path', 'type'), `${V1}HostPathVolumeSource`),
    ...any('emptyDir', 'gcePersistentDisk', 'awsElasticBlockStore', 'gitRepo', 'secret', 'nfs', 'iscsi', 'glusterfs', 'persistentVolumeClaim', 'rbd', 'flexVolume', 'cinder', 'cephfs', 'flocker'),
    ...any('downwardAPI', 'fc', 'azureFile', 'configMap', 'vsphereVolume', 'quobyte', 'azureDisk', 'photonPersistentDisk', 'projected', 'portworxVolume', 'scaleIO', 'storageos', 'csi', 'ephemeral'),
    image: [ANY, 31],
  }, `${V1}Volume`);
}

function pod(kube: number): Schema {
  const c = container(kube);
  const spec = struct(kube, {
    volumes: list(volume(kube)),
    initContainers: list(c),
    containers: list(c),
    ...any('ephemeralContainers', 'restartPolicy', 'terminationGracePeriodSeconds', 'activeDeadlineSeconds', 'dnsPolicy', 'nodeSelector', 'serviceAccountName', 'serviceAccount'),
    ...any('automountServiceAccountToken', 'nodeName', 'hostNetwork', 'hostPID', 'hostIPC', 'shareProcessNamespace', 'securityContext', 'imagePullSecrets', 'hostname', 'subdomain'),
    ...any('affinity', 'schedulerName'),
    tolerations: list(struct(kube, any('key', 'operator', 'value', 'effect', 'tolerationSeconds'), `${V1}Toleration`)),
    ...any('hostAliases', 'priorityClassName', 'priority', 'dnsConfig', 'readinessGates', 'runtimeClassName', 'enableServiceLinks', 'preemptionPolicy', 'overhead'),
    ...any('topologySpreadConstraints', 'setHostnameAsFQDN'),
    os: [ANY, 23],
    hostUsers: [ANY, 25],
    schedulingGates: [ANY, 26],
    resourceClaims: [ANY, 26],
    resources: [ANY, 32],
  }, `${V1}PodSpec`);
  return struct(kube, { apiVersion: ANY, kind: ANY, metadata: ANY, spec, status: ANY }, `${V1}Pod`);
}

function secret(kube: number): Schema {
  return struct(kube, { apiVersion: ANY, kind: ANY, metadata: ANY, immutable: ANY, data: strMap, stringData: strMap, type: ANY }, `${V1}Secret`);
}

function configMap(kube: number): Schema {
  return struct(kube, { apiVersion: ANY, kind: ANY, metadata: ANY, immutable: ANY, data: strMap, binaryData: strMap }, `${V1}ConfigMap`);
}

function event(kube: number): Schema {
  return struct(kube, {
    apiVersion: ANY,
    kind: ANY,
    metadata: ANY,
    involvedObject: objectReference(kube),
    ...any('reason', 'message'),
    source: struct(kube, any('component', 'host'), `${V1}EventSource`),
    ...any('firstTimestamp', 'lastTimestamp', 'count', 'type', 'eventTime'),
    series: struct(kube, any('count', 'lastObservedTime'), `${V1}EventSeries`),
    action: ANY,
    related: objectReference(kube),
    ...any('reportingComponent', 'reportingInstance'),
  }, `${V1}Event`);
}

function lease(kube: number): Schema {
  const spec = struct(kube, { ...any('holderIdentity', 'leaseDurationSeconds', 'acquireTime', 'renewTime', 'leaseTransitions'), strategy: [ANY, 31], preferredHolder: [ANY, 31] }, 'io.k8s.api.coordination.v1.LeaseSpec');
  return struct(kube, { apiVersion: ANY, kind: ANY, metadata: ANY, spec }, 'io.k8s.api.coordination.v1.Lease');
}

const CORE: Record<string, (kube: number) => Schema> = {
  pods: pod,
  secrets: secret,
  configmaps: configMap,
  events: event,
  'leases.coordination.k8s.io': lease,
};

/** The decoding schema of a built-in type at Kubernetes 1.<kube>, or undefined when the simulator has none for it. */
export function coreSchemaFor(t: ResourceType, kube: number): Schema | undefined {
  if (t.crd) return undefined;
  return CORE[t.group ? `${t.resource}.${t.group}` : t.resource]?.(kube);
}
