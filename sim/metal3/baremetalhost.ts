// Metal3 BareMetalHost state machine, as run by the baremetal-operator (github:metal3-io/baremetal-operator
// internal/controller/metal3.io/host_state_machine.go, baremetalhost_controller.go; apis/metal3.io/v1alpha1/baremetalhost_types.go, main@02aa5059):
//   new host: registering -> inspecting -> available (timing.inspectSeconds), or -> externally provisioned when
//   spec.externallyProvisioned; available + consumerRef + customDeploy/image -> provisioning -> provisioned
//   (timing.provisionSeconds); provisioned and the deployment cleared (actuator released it) -> deprovisioning ->
//   available; deletion -> (deprovisioning) -> powering off before delete -> deleting -> finalizer
//   `baremetalhost.metal3.io` removed. The BMC Secret survives the host (ReleaseSecret only drops its claim).
import type { KObject } from '../kube-apiserver/store.ts';
import { R } from '../kube-apiserver/resources.ts';
import type { WorldContext } from '../world/context.ts';
import { NS_MACHINE_API, hashOf, now } from '../world/names.ts';
import { controllerLoop, type ControllerLoop } from '../world/loop.ts';

export const BMH_FINALIZER = 'baremetalhost.metal3.io';
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
export function bareMetalHost(o: { name: string; index: number; machine: string | null }): KObject {
  const ts = now();
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
      automatedCleaningMode: 'metadata',
      bmc: {
        address: `redfish-virtualmedia://192.168.111.1:8000/redfish/v1/Systems/${uuidOf(`bmc-${o.name}`)}`,
        credentialsName: `${o.name}-bmc-secret`,
        disableCertificateVerification: true,
      },
      bootMACAddress: macOf(o.name),
      bootMode: 'UEFI',
      ...(o.machine ? { consumerRef: { apiVersion: 'machine.openshift.io/v1beta1', kind: 'Machine', name: o.machine, namespace: NS_MACHINE_API } } : {}),
      customDeploy: { method: 'install_coreos' },
      externallyProvisioned: true,
      online: true,
      rootDeviceHints: { deviceName: '/dev/sda' },
      userData: { name: 'master-user-data-managed', namespace: NS_MACHINE_API },
    },
    status: {
      errorCount: 0,
      errorMessage: '',
      goodCredentials: { credentials: { name: `${o.name}-bmc-secret`, namespace: NS_MACHINE_API } },
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

export class Metal3Hosts {
  private loop?: ControllerLoop;
  /** host uid -> when its current timed state began */
  private readonly since = new Map<string, number>();

  constructor(private readonly ctx: WorldContext) {}

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
            this.setState(h, 'available', (o) => {
              o.status.hardware = { hostname: h.metadata.name, cpu: { arch: 'x86_64', count: 8 }, ramMebibytes: 32768, nics: [{ mac: h.spec?.bootMACAddress, name: 'enp1s0' }] };
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

  private reconcileDeletion(h: KObject, state: string): void {
    if (state === 'provisioned' && !h.spec?.externallyProvisioned) return this.setState(h, 'deprovisioning');
    if (state === 'deprovisioning') {
      if (this.elapsed(h) >= 500) this.setState(h, 'powering off before delete');
      return;
    }
    if (state !== 'powering off before delete' && state !== 'deleting') return this.setState(h, 'powering off before delete');
    if (state === 'powering off before delete') return this.setState(h, 'deleting', (o) => (o.status.poweredOn = false));
    this.ctx.store.mutate(R.baremetalhosts, NS_MACHINE_API, h.metadata.name, (o) => {
      if (o.metadata.uid !== h.metadata.uid) return false;
      o.metadata.finalizers = (o.metadata.finalizers ?? []).filter((f: string) => f !== BMH_FINALIZER);
    });
    this.since.delete(h.metadata.uid!);
    this.ctx.log(`metal3: host ${h.metadata.name}: deleted`);
  }
}
