// What the plugin knows about the Machines of each installer-provisioned platform: the providerSpec kind, how the
// provider reports its instance (the machine.openshift.io/instance-state annotation, and where it keeps more), and
// which of them the control plane machine set supports out of the box. Every value is the one the provider writes:
//
// | platform  | provider (github:openshift/…)                           | providerSpec kind            | instance-state: running / stopped or gone / other          |
// |-----------|---------------------------------------------------------|------------------------------|-------------------------------------------------------------|
// | AWS       | machine-api-provider-aws reconciler.go (EC2 state name) | AWSMachineProviderConfig     | running / stopping stopped shutting-down terminated / pending |
// | Azure     | machine-api-provider-azure reconciler.go getVMState     | AzureMachineProviderSpec     | Running (Succeeded, older) / Stopping Stopped Deallocating Deallocated Deleting / Creating Updating Migrating Starting Failed Unknown |
// | GCP       | machine-api-provider-gcp reconciler.go (instance.Status)| GCPMachineProviderSpec       | RUNNING / STOPPING STOPPED SUSPENDING SUSPENDED TERMINATED / PROVISIONING STAGING REPAIRING |
// | VSphere   | machine-api-operator pkg/controller/vsphere getPowerState | VSphereMachineProviderSpec | poweredOn / poweredOff suspended / -                         |
// | OpenStack | machine-api-provider-openstack actuator.go (Nova server status) | OpenstackProviderSpec | ACTIVE / SHUTOFF STOPPED SUSPENDED PAUSED SHELVED SHELVED_OFFLOADED SOFT_DELETED DELETED / BUILD ERROR REBOOT … |
// | Nutanix   | machine-api-provider-nutanix reconciler.go              | NutanixMachineProviderConfig | the VM *entity* state (COMPLETE, PENDING, ERROR, DELETED); power is machine.openshift.io/instance-power-state ON / OFF |
// | IBMCloud  | machine-api-provider-ibmcloud reconciler.go (VPC instance status) | IBMCloudMachineProviderSpec | running / stopping stopped deleting / pending starting restarting failed |
// | BareMetal | cluster-api-provider-baremetal (BareMetalHost provisioning state) | BareMetalMachineProviderSpec | externally provisioned, provisioned / - / other host states |
//
// A machine that goes Failed gets `Unknown` in the annotation and in providerStatus.instanceState / vmState
// (machine-api-operator pkg/controller/machine/controller.go, unknownInstanceState).
//
// Control plane machine set: the operator works on any platform but None (a generic provider config for the ones it
// has no failure-domain code for: cluster-control-plane-machine-set-operator release-4.12…
// providerconfig.go newProviderConfigFromProviderSpec), and it GENERATES one (Inactive on upgraded clusters; the
// installer writes it Active on new ones) only for the platforms of controlplanemachinesetgenerator/controller.go:
// AWS from release-4.12, Azure and GCP from 4.13, Nutanix and OpenStack from 4.14, vSphere from 4.15 behind the
// VSphereControlPlaneMachineSet feature gate (TechPreview) and by default from 4.16 (docs cpmso-getting-started).
// IBM Cloud has no generator. Replacements are named <clusterID>-<role>-<5 random>-<failure domain index> (or
// <machineNamePrefix>-<5 random>-<index>): provider.go createMachine.

export interface PlatformMachines {
  /** infrastructure.config.openshift.io status.platformStatus.type */
  type: string;
  label: string;
  providerSpecKind: string;
  running: string[];
  stopped: string[];
  /** a second annotation that carries the power state (Nutanix) */
  powerAnnotation?: { name: string; on: string[]; off: string[] };
  /** release from which the CPMS operator generates a control plane machine set here, null: never */
  cpmsGeneratedFrom: string | null;
  /** the longest instance name the cloud accepts (the instance is named after the Machine), with the source */
  maxInstanceName?: { length: number; pattern?: RegExp; source: string };
}

export const INSTANCE_POWER_STATE_ANNOTATION = 'machine.openshift.io/instance-power-state';

export const PLATFORMS: Record<string, PlatformMachines> = {
  AWS: {
    type: 'AWS',
    label: 'AWS',
    providerSpecKind: 'AWSMachineProviderConfig',
    running: ['running'],
    stopped: ['stopping', 'stopped', 'shutting-down', 'terminated'],
    cpmsGeneratedFrom: '4.12',
  },
  Azure: {
    type: 'Azure',
    label: 'Azure',
    providerSpecKind: 'AzureMachineProviderSpec',
    // Succeeded: the provisioning state older actuators reported for a running VM (openshift.md §1.2)
    running: ['running', 'succeeded'],
    stopped: ['stopping', 'stopped', 'deallocating', 'deallocated', 'deleting'],
    cpmsGeneratedFrom: '4.13',
    // Azure resource naming rules: a Linux VM name is 1-64 characters
    maxInstanceName: { length: 64, source: 'Azure naming rules for Microsoft.Compute/virtualMachines (Linux: 1-64 characters)' },
  },
  GCP: {
    type: 'GCP',
    label: 'GCP',
    providerSpecKind: 'GCPMachineProviderSpec',
    running: ['running'],
    stopped: ['stopping', 'stopped', 'suspending', 'suspended', 'terminated'],
    cpmsGeneratedFrom: '4.13',
    // the instance is named after the Machine (machine_scope.go providerID gce://<project>/<zone>/<machine name>);
    // Compute Engine resource names follow RFC 1035: [a-z]([-a-z0-9]{0,61}[a-z0-9])?
    maxInstanceName: { length: 63, pattern: /^[a-z]([-a-z0-9]{0,61}[a-z0-9])?$/, source: 'Compute Engine instance names (RFC 1035, at most 63 characters)' },
  },
  VSphere: {
    type: 'VSphere',
    label: 'vSphere',
    providerSpecKind: 'VSphereMachineProviderSpec',
    running: ['poweredon'],
    stopped: ['poweredoff', 'suspended'],
    cpmsGeneratedFrom: '4.16',
    // vCenter inventory names are at most 80 characters
    maxInstanceName: { length: 80, source: 'vSphere virtual machine names (at most 80 characters)' },
  },
  OpenStack: {
    type: 'OpenStack',
    label: 'OpenStack',
    providerSpecKind: 'OpenstackProviderSpec',
    running: ['active'],
    // Nova server status (compute API "Server status"): none of these runs the guest
    stopped: ['shutoff', 'stopped', 'suspended', 'paused', 'shelved', 'shelved_offloaded', 'soft_deleted', 'deleted'],
    cpmsGeneratedFrom: '4.14',
  },
  Nutanix: {
    type: 'Nutanix',
    label: 'Nutanix',
    providerSpecKind: 'NutanixMachineProviderConfig',
    running: [],
    stopped: ['deleted'],
    powerAnnotation: { name: INSTANCE_POWER_STATE_ANNOTATION, on: ['on'], off: ['off'] },
    cpmsGeneratedFrom: '4.14',
    maxInstanceName: { length: 80, source: 'Prism Central VM names (at most 80 characters)' },
  },
  IBMCloud: {
    type: 'IBMCloud',
    label: 'IBM Cloud',
    providerSpecKind: 'IBMCloudMachineProviderSpec',
    running: ['running'],
    stopped: ['stopping', 'stopped', 'deleting'],
    cpmsGeneratedFrom: null,
    // VPC instance names: 1-63 lowercase letters, digits and hyphens, starting with a letter
    maxInstanceName: { length: 63, pattern: /^[a-z]([-a-z0-9]*[a-z0-9])?$/, source: 'IBM Cloud VPC instance names (at most 63 lowercase characters)' },
  },
  BareMetal: {
    type: 'BareMetal',
    label: 'bare metal',
    providerSpecKind: 'BareMetalMachineProviderSpec',
    running: ['externally provisioned', 'provisioned'],
    stopped: [],
    cpmsGeneratedFrom: null,
  },
};

/** The platform's entry by infrastructure type (case-insensitive: `VSphere`, `vsphere`), null when unknown. */
export function platformMachines(type: string | null | undefined): PlatformMachines | null {
  if (!type) return null;
  const t = type.toLowerCase();
  return Object.values(PLATFORMS).find((p) => p.type.toLowerCase() === t) ?? null;
}

const norm = (s: string) => s.trim().toLowerCase();

/**
 * Our reading of an instance state: true running, false stopped (or gone), null unknown. With a known platform only
 * its own values count; without one (or an unknown platform) any platform's value does.
 */
export function instanceRunning(state: string | null | undefined, platform?: string | null): boolean | null {
  if (!state) return null;
  const s = norm(state);
  const p = platformMachines(platform);
  const tables = p ? [p] : Object.values(PLATFORMS);
  if (tables.some((t) => t.running.includes(s))) return true;
  if (tables.some((t) => t.stopped.includes(s))) return false;
  return null;
}

/**
 * The instance state of a Machine as the plugin shows and reads it: the annotation first, else providerStatus
 * instanceState (AWS, GCP, vSphere, IBM Cloud) or vmState (Azure). On Nutanix the annotation is the VM entity state
 * and the power state is a second annotation: shown together, read from the power state.
 */
export function machineInstanceState(m: any, platform?: string | null): { state: string | null; running: boolean | null } {
  const ann = m?.metadata?.annotations ?? {};
  const ps = m?.status?.providerStatus ?? {};
  const state: string | null = ann['machine.openshift.io/instance-state'] ?? ps.instanceState ?? ps.vmState ?? null;
  const p = platformMachines(platform);
  const powerDef = p?.powerAnnotation ?? (p ? undefined : PLATFORMS.Nutanix.powerAnnotation);
  const power: string | undefined = powerDef ? ann[powerDef.name] : undefined;
  if (powerDef && typeof power === 'string' && power) {
    const pw = norm(power);
    const shown = state ? `${state}, power ${power}` : `power ${power}`;
    if (state && instanceRunning(state, p?.type ?? 'Nutanix') === false) return { state: shown, running: false };
    if (state && norm(state) === 'unknown') return { state: shown, running: null };
    return { state: shown, running: powerDef.on.includes(pw) ? true : powerDef.off.includes(pw) ? false : null };
  }
  return { state, running: instanceRunning(state, platform) };
}

export function releaseAtLeastMinor(release: string | null | undefined, min: string): boolean {
  const a = /^(\d+)\.(\d+)/.exec(release ?? '');
  const b = /^(\d+)\.(\d+)/.exec(min);
  if (!a || !b) return false;
  return Number(a[1]) > Number(b[1]) || (Number(a[1]) === Number(b[1]) && Number(a[2]) >= Number(b[2]));
}

/** Whether the CPMS operator generates a control plane machine set for `platform` at `release` (see the table above). */
export function cpmsGenerated(platform: string | null | undefined, release: string | null | undefined): boolean {
  const p = platformMachines(platform);
  return !!p?.cpmsGeneratedFrom && releaseAtLeastMinor(release, p.cpmsGeneratedFrom);
}

/**
 * Why the plugin must not re-create `machine` (a saved master Machine) as `newName` on `platform`, or null when it
 * may. Each reason names what is wrong and what to do instead.
 */
export function machineCopyRefusal(machine: any, newName: string, platform: string | null | undefined): string | null {
  const p = platformMachines(platform);
  const name = machine?.metadata?.name ?? '?';
  if (!p) {
    const known = Object.values(PLATFORMS).map((x) => x.label).join(', ');
    return (
      `platform ${platform ?? 'unknown'}: etcd-replace knows which Machine fields are tied to the instance only on ${known}; ` +
      `re-create machine ${name} by hand (docs: copy its YAML, change the name, remove spec.providerID, the annotations and status, ` +
      `and any field naming that instance), or use an Active control plane machine set`
    );
  }
  const kind = machine?.spec?.providerSpec?.value?.kind;
  if (kind !== p.providerSpecKind) {
    return `machine ${name} has providerSpec kind ${kind ?? '(none)'}, not ${p.providerSpecKind} as on ${p.label}; check spec.providerSpec of the master machines and re-create this one by hand`;
  }
  const lim = p.maxInstanceName;
  if (lim && (newName.length > lim.length || (lim.pattern && !lim.pattern.test(newName)))) {
    return `the new machine name ${newName} cannot name the ${p.label} instance (${lim.source}); create the replacement by hand with a shorter name, keeping the base of ${name}`;
  }
  return null;
}
