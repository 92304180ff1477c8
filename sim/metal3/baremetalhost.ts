// Metal3 BareMetalHost state machine, as run by the baremetal-operator (github:metal3-io/baremetal-operator
// internal/controller/metal3.io/host_state_machine.go, baremetalhost_controller.go; apis/metal3.io/v1alpha1/baremetalhost_types.go, main@02aa5059):
//   new host: registering -> inspecting -> available (timing.inspectSeconds), or -> externally provisioned when
//   spec.externallyProvisioned; available + consumerRef + customDeploy/image -> provisioning -> provisioned
//   (timing.provisionSeconds); provisioned and the deployment cleared (actuator released it) -> deprovisioning ->
//   available; deletion -> (deprovisioning) -> powering off before delete -> deleting -> finalizer
//   `baremetalhost.metal3.io` removed.
// Secrets the host claims (github:openshift/baremetal-operator), so that Kubernetes' garbage collector deletes them
// with the host (sim/kube-controller-manager/garbagecollector.ts):
//   - the BMC credentials Secret: release-4.6 b4b10a08 pkg/controller/baremetalhost/baremetalhost_controller.go
//     setBMCCredentialsSecretOwner → controllerutil.SetControllerReference (controller + blockOwnerDeletion), the same
//     in 4.7–4.9 (controllers/metal3.io); release-4.10 41872192 / 4.11 f7b90bfd: secretutils AcquireSecret(key, host,
//     ownerIsController=true, addFinalizer) → claimSecret: label environment.metal3.io=baremetal, a controller
//     ownerReference, finalizer `baremetalhost.metal3.io/secret` while the host is not deleting; release-4.12 6817f4e2
//     … 4.14 483d0191: AcquireSecret(key, host, addFinalizer) → controllerutil.SetOwnerReference (a plain owner);
//     the deleting action calls ReleaseSecret (the finalizer goes) before the host's own finalizer is removed;
//   - the preprovisioning network data Secret (spec.preprovisioningNetworkDataName, 4.10+): AcquireSecret(key, host,
//     false[, false]) in the host controller's pre-provisioning image step: a plain owner, no finalizer;
//   - userData and networkData Secrets are only read (hostConfigData.getSecretData → ObtainSecret): not owned.
// Inspection (status.hardware, `HardwareDetails json:"hardware"` in baremetalhost_types.go) lists the NICs with the
// addresses they had during inspection; the bare-metal machine actuator copies them to the Machine (baremetal-actuator.ts).
// Scenario `baremetal.inspectionSeesNodeIP: false`: the production NIC has no address during inspection.
// The annotation `inspect.metal3.io/hardwaredetails` replaces status.hardware when inspection is disabled
// (`inspect.metal3.io: disabled`) or there are no details yet, and is then removed (release-4.11 f7b90bfd / 4.14
// 483d0191 baremetalhost_controller.go updateHardwareDetails).
import type { KObject } from '../kube-apiserver/store.ts';
import { R } from '../kube-apiserver/resources.ts';
import type { WorldContext } from '../world/context.ts';
import { NS_MACHINE_API, hashOf, now } from '../world/names.ts';
import { controllerLoop, type ControllerLoop } from '../world/loop.ts';

export const BMH_FINALIZER = 'baremetalhost.metal3.io';
/** secretutils SecretsFinalizer = BareMetalHostFinalizer + "/secret" (release-4.10+) */
export const SECRET_FINALIZER = 'baremetalhost.metal3.io/secret';
/** secretutils LabelEnvironmentName / LabelEnvironmentValue */
const ENV_LABEL = 'environment.metal3.io';
const HW_ANNOTATION = 'inspect.metal3.io/hardwaredetails';
const INSPECT_ANNOTATION = 'inspect.metal3.io';

/**
 * BareMetalHost spec fields per release (github:openshift/baremetal-operator BareMetalHostSpec json tags at
 * release-4.6 b4b10a08, 4.8 5492cf52, 4.9 4e7605ba, 4.10 41872192, 4.14 483d0191).
 */
export function bmhSpecFields(minor: number): Set<string> {
  const f = ['taints', 'bmc', 'hardwareProfile', 'rootDeviceHints', 'bootMode', 'bootMACAddress', 'online', 'consumerRef', 'image', 'userData', 'networkData', 'metaData', 'description', 'externallyProvisioned'];
  if (minor >= 8) f.push('automatedCleaningMode', 'raid');
  if (minor >= 9) f.push('firmware', 'customDeploy');
  if (minor >= 10) f.push('preprovisioningNetworkDataName');
  if (minor >= 14) f.push('architecture');
  if (minor >= 19) f.push('disablePowerOff');
  return new Set(f);
}

/** The installer's network config Secret of a host (openshift/installer pkg/asset/machines/baremetal: `<host>-network-config-secret`, key nmstate). */
export function networkConfigSecret(bmh: string, ip: string): KObject {
  const nmstate = `interfaces:\n- name: enp2s0\n  type: ethernet\n  state: up\n  ipv4:\n    enabled: true\n    dhcp: false\n    address:\n    - ip: ${ip}\n      prefix-length: 16\n`;
  return { apiVersion: 'v1', kind: 'Secret', metadata: { name: `${bmh}-network-config-secret`, namespace: NS_MACHINE_API }, type: 'Opaque', data: { nmstate: Buffer.from(nmstate).toString('base64') } };
}

/** NICs as inspection reports them: the production NIC (with the node's addresses when seen) and the provisioning NIC. */
export function inspectedNICs(o: { bootMAC: string; prodMAC: string; nodeIPs: string[]; provisioningIP: string; seesNodeIP: boolean }): any[] {
  const prod = o.seesNodeIP && o.nodeIPs.length ? o.nodeIPs.map((ip) => ({ name: 'enp2s0', mac: o.prodMAC, ip, model: '0x1af4 0x0001', speedGbps: 0, vlanId: 0, pxe: false })) : [{ name: 'enp2s0', mac: o.prodMAC, model: '0x1af4 0x0001', speedGbps: 0, vlanId: 0, pxe: false }];
  return [...prod, { name: 'enp1s0', mac: o.bootMAC, ip: o.provisioningIP, model: '0x1af4 0x0001', speedGbps: 0, vlanId: 0, pxe: true }];
}
const TICK_MS = 250;

/** A UID-looking string from a seed (stable per host, like a Redfish system UUID). */
function uuidOf(seed: string): string {
  return hashOf(seed, 32).replace(/^(.{8})(.{4})(.{4})(.{4})(.{12})$/, '$1-$2-$3-$4-$5');
}

/** 52:54:00:xx:xx:xx from a seed (libvirt-style MAC, as in the dev-scripts clusters the docs examples come from). */
export function macOf(seed: string): string {
  const h = hashOf(`mac-${seed}`, 6);
  return `52:54:00:${h.slice(0, 2)}:${h.slice(2, 4)}:${h.slice(4, 6)}`;
}

/** The Secret the BMC credentials live in (docs module restore-replace-stopped-baremetal-etcd-member: `<bmh>-bmc-secret`, keys username/password). */
export function bmcSecret(bmh: string): KObject {
  return {
    apiVersion: 'v1',
    kind: 'Secret',
    metadata: { name: `${bmh}-bmc-secret`, namespace: NS_MACHINE_API },
    type: 'Opaque',
    data: { username: Buffer.from('admin').toString('base64'), password: Buffer.from(hashOf(`pw-${bmh}`, 12)).toString('base64') },
  };
}

/**
 * An installer-provisioned control-plane host: externally provisioned (the installer, not Metal3, wrote its disk),
 * consumed by its Machine. Shape: baremetalhost_types.go; values as in the docs module's `oc get bmh` / example host.
 */
export function bareMetalHost(o: { name: string; index: number; machine: string | null; minor?: number; nodeIPs?: string[]; networkData?: boolean }): KObject {
  const ts = now();
  const minor = o.minor ?? 14;
  return {
    apiVersion: 'metal3.io/v1alpha1',
    kind: 'BareMetalHost',
    metadata: {
      name: o.name,
      namespace: NS_MACHINE_API,
      finalizers: [BMH_FINALIZER],
      annotations: {},
      labels: {},
    },
    spec: {
      ...(minor >= 8 ? { automatedCleaningMode: 'metadata' } : {}),
      bmc: {
        address: `redfish-virtualmedia://192.168.111.1:8000/redfish/v1/Systems/${uuidOf(`bmc-${o.name}`)}`,
        credentialsName: `${o.name}-bmc-secret`,
        disableCertificateVerification: true,
      },
      bootMACAddress: macOf(o.name),
      bootMode: 'UEFI',
      ...(o.machine ? { consumerRef: { apiVersion: 'machine.openshift.io/v1beta1', kind: 'Machine', name: o.machine, namespace: NS_MACHINE_API } } : {}),
      ...(minor >= 9 ? { customDeploy: { method: 'install_coreos' } } : {}),
      externallyProvisioned: true,
      online: true,
      ...(o.networkData ? { preprovisioningNetworkDataName: `${o.name}-network-config-secret` } : {}),
      rootDeviceHints: { deviceName: '/dev/sda' },
      userData: { name: 'master-user-data-managed', namespace: NS_MACHINE_API },
    },
    status: {
      errorCount: 0,
      errorMessage: '',
      goodCredentials: { credentials: { name: `${o.name}-bmc-secret`, namespace: NS_MACHINE_API } },
      // the installer hands Metal3 the details its own inspection found (the host is then externally provisioned)
      ...(o.nodeIPs
        ? { hardware: { hostname: o.name, cpu: { arch: 'x86_64', count: 8 }, ramMebibytes: 32768, nics: inspectedNICs({ bootMAC: macOf(o.name), prodMAC: macOf(`${o.name}-prod`), nodeIPs: o.nodeIPs, provisioningIP: `172.22.0.${10 + o.index}`, seesNodeIP: true }) } }
        : {}),
      hardwareProfile: 'unknown',
      lastUpdated: ts,
      operationHistory: {},
      operationalStatus: 'OK',
      poweredOn: true,
      provisioning: { ID: uuidOf(`ironic-${o.name}`), bootMode: 'UEFI', image: { url: '' }, rootDeviceHints: { deviceName: '/dev/sda' }, state: 'externally provisioned' },
    },
  };
}

export function hostState(h: KObject | undefined): string {
  return h?.status?.provisioning?.state ?? '';
}

/** The host a `{kind: Machine}` consumerRef points at. */
export function consumedBy(h: KObject): string | null {
  const c = h.spec?.consumerRef;
  return c && c.kind === 'Machine' && c.namespace === NS_MACHINE_API ? c.name ?? null : null;
}

export interface Metal3Options {
  /** scenario baremetal.inspectionSeesNodeIP (default true) */
  inspectionSeesNodeIP: boolean;
  /** a free production address (the DHCP lease the host's production NIC gets) */
  allocateIP: () => string;
}

export class Metal3Hosts {
  private loop?: ControllerLoop;
  /** host uid -> when its current timed state began */
  private readonly since = new Map<string, number>();
  /** host uid -> the production address its NIC gets (leased when the host is first inspected) */
  private readonly leases = new Map<string, string>();
  private provisioningIPs = 100;

  constructor(
    private readonly ctx: WorldContext,
    private readonly opts: Metal3Options = { inspectionSeesNodeIP: true, allocateIP: () => '' },
  ) {}

  /** The production IPv4 address of the host named `name` (its node's InternalIP), leased on first use. */
  productionIP(name: string): string | undefined {
    const h = this.ctx.store.get(R.baremetalhosts, NS_MACHINE_API, name);
    if (!h?.metadata.uid) return undefined;
    let ip = this.leases.get(h.metadata.uid);
    if (!ip) {
      ip = this.opts.allocateIP();
      if (!ip) return undefined;
      this.leases.set(h.metadata.uid, ip);
    }
    return ip;
  }

  start(): void {
    this.loop = controllerLoop('metal3', TICK_MS, () => this.tick(), (m) => this.ctx.log(m));
  }

  stop(): void {
    this.loop?.stop();
  }

  private setState(h: KObject, state: string, extra?: (o: KObject) => void): void {
    this.ctx.store.mutate(R.baremetalhosts, NS_MACHINE_API, h.metadata.name, (o) => {
      if (o.metadata.uid !== h.metadata.uid) return false;
      o.status ??= {};
      o.status.provisioning ??= {};
      o.status.provisioning.state = state;
      o.status.lastUpdated = now();
      extra?.(o);
    });
    this.since.set(h.metadata.uid!, Date.now());
    this.ctx.log(`metal3: host ${h.metadata.name}: ${state}`);
  }

  private elapsed(h: KObject): number {
    const uid = h.metadata.uid!;
    if (!this.since.has(uid)) this.since.set(uid, Date.now());
    return Date.now() - this.since.get(uid)!;
  }

  private tick(): void {
    const inspectMs = (this.ctx.timing.inspectSeconds ?? 2) * 1000;
    const provisionMs = this.ctx.timing.provisionSeconds * 1000;
    for (const h of this.ctx.store.list(R.baremetalhosts, NS_MACHINE_API)) {
      const state = hostState(h);
      const deployed = Boolean(h.spec?.customDeploy?.method || h.spec?.image?.url);
      if (h.metadata.deletionTimestamp) {
        this.reconcileDeletion(h, state);
        continue;
      }
      if (!(h.metadata.finalizers ?? []).includes(BMH_FINALIZER)) {
        this.ctx.store.mutate(R.baremetalhosts, NS_MACHINE_API, h.metadata.name, (o) => {
          o.metadata.finalizers = [...(o.metadata.finalizers ?? []), BMH_FINALIZER];
        });
      }
      this.hardwareDetailsAnnotation(h);
      if (state !== '') {
        this.claimSecret(h, h.spec?.bmc?.credentialsName, { controller: this.ctx.minor <= 11, finalizer: this.ctx.minor >= 10 });
        if (this.ctx.minor >= 10) this.claimSecret(h, h.spec?.preprovisioningNetworkDataName, { controller: false, finalizer: false });
      }
      switch (state) {
        case '':
          this.setState(h, 'registering', (o) => {
            o.status.operationalStatus = 'discovered';
            o.status.errorMessage = '';
            o.status.errorType = '';
            o.status.errorCount = 0;
            o.status.poweredOn = false;
            o.status.hardwareProfile = 'unknown';
            o.status.goodCredentials = {};
          });
          break;
        case 'registering':
          if (this.elapsed(h) < inspectMs / 4) break;
          if (!this.credentialsValid(h)) break;
          if (h.spec?.externallyProvisioned) this.setState(h, 'externally provisioned', (o) => (o.status.operationalStatus = 'OK'));
          else this.setState(h, 'inspecting', (o) => (o.status.operationalStatus = 'OK'));
          break;
        case 'inspecting':
          if (this.elapsed(h) >= (inspectMs * 3) / 4) {
            const ip = this.productionIP(h.metadata.name);
            const nics = inspectedNICs({
              bootMAC: h.spec?.bootMACAddress,
              prodMAC: macOf(`${h.spec?.bootMACAddress}-prod`),
              nodeIPs: ip ? [ip] : [],
              provisioningIP: `172.22.0.${this.provisioningIPs++ % 250}`,
              seesNodeIP: this.opts.inspectionSeesNodeIP,
            });
            this.setState(h, 'available', (o) => {
              if (!o.status.hardware) o.status.hardware = { hostname: h.metadata.name, cpu: { arch: 'x86_64', count: 8 }, ramMebibytes: 32768, nics };
              o.status.poweredOn = false;
            });
          }
          break;
        case 'available':
          if (consumedBy(h) && deployed) this.setState(h, 'provisioning');
          break;
        case 'provisioning':
          if (this.elapsed(h) >= provisionMs) {
            this.setState(h, 'provisioned', (o) => {
              o.status.poweredOn = Boolean(o.spec?.online);
              o.status.provisioning.bootMode = o.spec?.bootMode ?? 'UEFI';
              o.status.provisioning.rootDeviceHints = o.spec?.rootDeviceHints;
              o.status.provisioning.customDeploy = o.spec?.customDeploy;
            });
          }
          break;
        case 'provisioned':
          if (!deployed) this.setState(h, 'deprovisioning');
          break;
        case 'deprovisioning':
          if (this.elapsed(h) >= 500) this.setState(h, 'available', (o) => (o.status.poweredOn = false));
          break;
        default:
          break;
      }
      // power management: a settled host whose spec.online went false is powered off through its BMC
      if (!h.spec?.online && h.status?.poweredOn && ['externally provisioned', 'provisioned', 'available'].includes(state)) {
        this.ctx.store.mutate(R.baremetalhosts, NS_MACHINE_API, h.metadata.name, (o) => {
          o.status.poweredOn = false;
        });
      }
    }
  }

  /** Registration needs the BMC credentials Secret with username and password (host_state_machine handleRegistering, "Missing BMC credentials"). */
  private credentialsValid(h: KObject): boolean {
    const name = h.spec?.bmc?.credentialsName;
    const s = name ? this.ctx.store.get(R.secrets, NS_MACHINE_API, name) : undefined;
    const ok = Boolean(s && (s.data?.username || s.stringData?.username) && (s.data?.password || s.stringData?.password));
    const msg = ok ? '' : `BMC credentials secret ${name ?? '<unset>'} is missing or lacks username/password`;
    if (h.status?.errorMessage !== msg) {
      this.ctx.store.mutate(R.baremetalhosts, NS_MACHINE_API, h.metadata.name, (o) => {
        o.status.errorMessage = msg;
        o.status.errorType = ok ? '' : 'registration error';
        o.status.operationalStatus = ok ? 'discovered' : 'error';
      });
    }
    return ok;
  }

  /** secretutils claimSecret (4.10+) / setBMCCredentialsSecretOwner (4.6–4.9): see the header. */
  private claimSecret(h: KObject, name: string | undefined, o: { controller: boolean; finalizer: boolean }): void {
    if (!name) return;
    const labelled = this.ctx.minor >= 10;
    this.ctx.store.mutate(R.secrets, NS_MACHINE_API, name, (s) => {
      if (s.metadata.deletionTimestamp) return false;
      const refs = (s.metadata.ownerReferences ?? []) as any[];
      const mine = refs.find((r) => r.uid === h.metadata.uid);
      const hasLabel = !labelled || s.metadata.labels?.[ENV_LABEL] === 'baremetal';
      const hasFin = !o.finalizer || (s.metadata.finalizers ?? []).includes(SECRET_FINALIZER);
      if (mine && hasLabel && hasFin) return false;
      if (!mine) {
        const ref: any = { apiVersion: 'metal3.io/v1alpha1', kind: 'BareMetalHost', name: h.metadata.name, uid: h.metadata.uid };
        if (o.controller) {
          // SetControllerReference: one controller only (it fails on a Secret another object controls)
          if (refs.some((r) => r.controller)) return false;
          Object.assign(ref, { controller: true, blockOwnerDeletion: true });
        }
        s.metadata.ownerReferences = [...refs, ref];
      }
      if (!hasLabel) s.metadata.labels = { ...(s.metadata.labels ?? {}), [ENV_LABEL]: 'baremetal' };
      if (!hasFin) s.metadata.finalizers = [...(s.metadata.finalizers ?? []), SECRET_FINALIZER];
    });
  }

  /** updateHardwareDetails: the hardwaredetails annotation (see the header). */
  private hardwareDetailsAnnotation(h: KObject): void {
    const raw = h.metadata.annotations?.[HW_ANNOTATION];
    if (raw === undefined) return;
    let details: any;
    try {
      details = JSON.parse(raw);
    } catch {
      details = undefined;
    }
    const use = details && typeof details === 'object' && (!h.status?.hardware || h.metadata.annotations?.[INSPECT_ANNOTATION] === 'disabled');
    this.ctx.store.mutate(R.baremetalhosts, NS_MACHINE_API, h.metadata.name, (o) => {
      if (o.metadata.uid !== h.metadata.uid) return false;
      if (use) {
        o.status ??= {};
        o.status.hardware = details;
      }
      delete o.metadata.annotations![HW_ANNOTATION];
    });
    this.ctx.log(`metal3: host ${h.metadata.name}: ${use ? 'hardware details set from the annotation' : 'hardware details annotation ignored'}`);
  }

  private reconcileDeletion(h: KObject, state: string): void {
    if (state === 'provisioned' && !h.spec?.externallyProvisioned) return this.setState(h, 'deprovisioning');
    if (state === 'deprovisioning') {
      if (this.elapsed(h) >= 500) this.setState(h, 'powering off before delete');
      return;
    }
    if (state !== 'powering off before delete' && state !== 'deleting') return this.setState(h, 'powering off before delete');
    if (state === 'powering off before delete') return this.setState(h, 'deleting', (o) => (o.status.poweredOn = false));
    // actionDeleting: ReleaseSecret drops the Secret finalizer (4.10+) before the host's own finalizer goes
    const cred = h.spec?.bmc?.credentialsName;
    if (cred && this.ctx.minor >= 10) {
      this.ctx.store.mutate(R.secrets, NS_MACHINE_API, cred, (s) => {
        if (!(s.metadata.finalizers ?? []).includes(SECRET_FINALIZER)) return false;
        s.metadata.finalizers = s.metadata.finalizers!.filter((f) => f !== SECRET_FINALIZER);
      });
    }
    this.ctx.store.mutate(R.baremetalhosts, NS_MACHINE_API, h.metadata.name, (o) => {
      if (o.metadata.uid !== h.metadata.uid) return false;
      o.metadata.finalizers = (o.metadata.finalizers ?? []).filter((f: string) => f !== BMH_FINALIZER);
    });
    this.since.delete(h.metadata.uid!);
    this.ctx.log(`metal3: host ${h.metadata.name}: deleted`);
  }
}
