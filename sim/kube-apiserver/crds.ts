// The structural schemas (CustomResourceDefinition spec.versions[].schema.openAPIV3Schema) of the custom resources
// clients write in the simulated cluster, per OpenShift release, as facts read from the CRDs each release installs
// (field names, types, enums, patterns, required lists; descriptions left out). A resource without a schema here is
// served without pruning or schema validation (as a CRD with x-kubernetes-preserve-unknown-fields at its root).
// Subtrees that the simulator does not model field by field are marked x-kubernetes-preserve-unknown-fields: they
// are kept as written, never pruned (a real server would prune unknown fields there too).
//
// - Machine (machine.openshift.io/v1beta1): github:openshift/machine-api-operator
//   install/0000_30_machine-api-operator_02_machine.crd.yaml, branches release-4.6 to release-4.16, and
//   install/0000_30_machine-api-operator_02_machine.Default.crd.yaml on release-4.17 and release-4.18.
//   spec: metadata, providerID, providerSpec (value: preserve-unknown), taints; lifecycleHooks from release-4.10
//   (preDrain, preTerminate: lists of {name, owner}); status.conditions from release-4.8.
// - Etcd (operator.openshift.io/v1): github:openshift/api operator/v1/0000_12_etcd-operator_01_config.crd.yaml
//   (the StaticPodOperatorSpec fields; `spec` required).
// - BareMetalHost (metal3.io/v1alpha1): per-release schema owned by the bare-metal work (issue 16); add it to
//   SCHEMAS with the release range it applies to.
import type { Schema } from './structural.ts';
import { bmhSpecFields } from '../metal3/baremetalhost.ts';

const str: Schema = { type: 'string' };
const int: Schema = { type: 'integer' };
const bool: Schema = { type: 'boolean' };
const strMap: Schema = { type: 'object', additionalProperties: { type: 'string' } };
const obj = (properties: Record<string, Schema>, required?: string[]): Schema => ({ type: 'object', properties, ...(required ? { required } : {}) });
const list = (items: Schema): Schema => ({ type: 'array', items });

// ---- Machine ------------------------------------------------------------------------------------------------------

const HOOK_NAME = '^([a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*/)?(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])$';
const hook = obj({ name: { type: 'string', pattern: HOOK_NAME }, owner: str }, ['name', 'owner']);

function machineSchema(minor: number): Schema {
  const spec: Record<string, Schema> = {
    metadata: obj({
      annotations: strMap,
      generateName: str,
      labels: strMap,
      name: str,
      namespace: str,
      ownerReferences: list(obj({ apiVersion: str, blockOwnerDeletion: bool, controller: bool, kind: str, name: str, uid: str }, ['apiVersion', 'kind', 'name', 'uid'])),
    }),
    providerID: str,
    providerSpec: obj({ value: { type: 'object', 'x-kubernetes-preserve-unknown-fields': true } }),
    taints: list(obj({ effect: str, key: str, timeAdded: { type: 'string', format: 'date-time' }, value: str }, ['effect', 'key'])),
  };
  if (minor >= 10) spec.lifecycleHooks = obj({ preDrain: list(hook), preTerminate: list(hook) });
  const status: Record<string, Schema> = {
    addresses: list(obj({ address: str, type: str }, ['address', 'type'])),
    errorMessage: str,
    errorReason: str,
    lastOperation: obj({ description: str, lastUpdated: str, state: str, type: str }),
    lastUpdated: str,
    nodeRef: obj({ apiVersion: str, fieldPath: str, kind: str, name: str, namespace: str, resourceVersion: str, uid: str }),
    phase: str,
    providerStatus: { type: 'object', 'x-kubernetes-preserve-unknown-fields': true },
  };
  if (minor >= 8) status.conditions = list({ type: 'object', 'x-kubernetes-preserve-unknown-fields': true });
  return obj({ apiVersion: str, kind: str, metadata: { type: 'object' }, spec: obj(spec), status: obj(status) });
}

// ---- Etcd ---------------------------------------------------------------------------------------------------------

const LOG_LEVEL: Schema = { type: 'string', enum: ['', 'Normal', 'Debug', 'Trace', 'TraceAll'] };

function etcdSchema(minor: number): Schema {
  // Later fields of openshift/api operator/v1 EtcdSpec: controlPlaneHardwareSpeed and backendQuotaGiB (feature gates
  // HardwareSpeed and EtcdBackendQuota). Typed here from 4.16 on so that a write of them is not refused; which release
  // made each ungated is not verified here, and their enums and limits are not modelled.
  const later: Record<string, Schema> = minor >= 16 ? { controlPlaneHardwareSpeed: str, backendQuotaGiB: int } : {};
  return obj(
    {
      apiVersion: str,
      kind: str,
      metadata: { type: 'object' },
      spec: obj({
        failedRevisionLimit: int,
        forceRedeploymentReason: str,
        logLevel: LOG_LEVEL,
        managementState: { type: 'string', pattern: '^(Managed|Unmanaged|Force|Removed)$' },
        observedConfig: { type: 'object', nullable: true, 'x-kubernetes-preserve-unknown-fields': true },
        operatorLogLevel: LOG_LEVEL,
        succeededRevisionLimit: int,
        unsupportedConfigOverrides: { type: 'object', nullable: true, 'x-kubernetes-preserve-unknown-fields': true },
        ...later,
      }),
      status: { type: 'object', 'x-kubernetes-preserve-unknown-fields': true },
    },
    ['spec'],
  );
}

// ---- BareMetalHost ------------------------------------------------------------------------------------------------
// github:openshift/baremetal-operator BareMetalHostSpec (config/crd, apis/metal3.io/v1alpha1/baremetalhost_types.go)
// per release (sim/metal3/baremetalhost.ts bmhSpecFields: automatedCleaningMode from 4.8, customDeploy from 4.9,
// preprovisioningNetworkDataName from 4.10, …). Each spec field's own subtree, and status, are kept as written.

const preserve: Schema = { 'x-kubernetes-preserve-unknown-fields': true };
function bareMetalHostSchema(minor: number): Schema {
  const spec: Record<string, Schema> = {};
  for (const f of bmhSpecFields(minor)) spec[f] = preserve;
  return obj({ apiVersion: str, kind: str, metadata: { type: 'object' }, spec: obj(spec), status: preserve });
}

/** Schemas by `<resource>.<group>`; each takes the release's minor version (4.<minor>). */
export const SCHEMAS: Record<string, (minor: number) => Schema | undefined> = {
  'machines.machine.openshift.io': machineSchema,
  'etcds.operator.openshift.io': etcdSchema,
  'baremetalhosts.metal3.io': bareMetalHostSchema,
};

export function schemaFor(resource: string, group: string, minor: number): Schema | undefined {
  return SCHEMAS[`${resource}.${group}`]?.(minor);
}

