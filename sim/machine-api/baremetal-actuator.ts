// The baremetal machine actuator (github:openshift/cluster-api-provider-baremetal
// pkg/cloud/baremetal/actuators/machine/actuator.go, release-4.23@f2b0db19): Create finds the Machine's host (providerID /
// `metal3.io/BareMetalHost` annotation / a host whose consumerRef names it) or chooses one that is available, unconsumed,
// not being deleted, error-free and not externally provisioned — none: errorReason InsufficientResources "No available
// BareMetalHost found", the Machine stays Provisioning; it claims the host (consumerRef, customDeploy, userData, online)
// and mirrors the host's provisioning state into `machine.openshift.io/instance-state`. Delete deprovisions a host the
// Machine consumes and waits until it is no longer provisioned (externally provisioned: powered off), then releases it;
// a Machine whose host is gone is finished at once.
// Machine addresses (Update → ensureMachineAddresses → nodeAddresses, release-4.14 0c1c23f3 and release-4.7 6d86e627):
// an InternalIP per NIC of the host's status.hardware (nic.ip, empty when the NIC had none), then Hostname and
// InternalDNS from hardware.hostname; no hardware details: no addresses. Not the Node's addresses.
import type { KObject } from '../kube-apiserver/store.ts';
import { R } from '../kube-apiserver/resources.ts';
import type { WorldContext } from '../world/context.ts';
import { NS_MACHINE_API, now } from '../world/names.ts';
import { consumedBy, hostState } from '../metal3/baremetalhost.ts';

export const HOST_ANNOTATION = 'metal3.io/BareMetalHost';
const INSTANCE_STATE = 'machine.openshift.io/instance-state';

export function providerIDForHost(h: KObject): string {
  return `baremetalhost:///${h.metadata.namespace}/${h.metadata.name}/${h.metadata.uid}`;
}

export class BareMetalActuator {
  /** machines whose deletion never finishes (fault machine-finalizer-stuck) */
  readonly stuck = new Set<string>();
  private readonly stuckLogged = new Set<string>();

  constructor(private readonly ctx: WorldContext) {}

  private hosts(): KObject[] {
    return this.ctx.store.list(R.baremetalhosts, NS_MACHINE_API);
  }

  /** getHost: the host named by the providerID, else by the annotation (getHostKey). */
  hostOf(m: KObject): KObject | undefined {
    const pid = /^baremetalhost:\/\/\/([^/]+)\/([^/]+)\//.exec(m.spec?.providerID ?? '');
    const key = pid ? `${pid[1]}/${pid[2]}` : m.metadata.annotations?.[HOST_ANNOTATION];
    if (!key) return undefined;
    const [ns, name] = key.split('/');
    if (ns !== NS_MACHINE_API || !name) return undefined;
    return this.ctx.store.get(R.baremetalhosts, NS_MACHINE_API, name);
  }

  /** chooseHost */
  private chooseHost(m: KObject): KObject | undefined {
    const hosts = this.hosts();
    const mine = hosts.find((h) => consumedBy(h) === m.metadata.name);
    if (mine) return mine;
    const free = hosts.filter(
      (h) =>
        !h.spec?.consumerRef &&
        !h.metadata.deletionTimestamp &&
        ['available', 'ready'].includes(hostState(h)) &&
        !h.status?.errorMessage &&
        !h.spec?.externallyProvisioned,
    );
    return free[Math.floor(Math.random() * free.length)];
  }

  /** Create: returns the host the machine is now associated with, or undefined (stays Provisioning). */
  create(m: KObject): KObject | undefined {
    const store = this.ctx.store;
    const name = m.metadata.name;
    const host = this.hostOf(m) ?? this.chooseHost(m);
    if (!host) {
      store.mutate(R.machines, NS_MACHINE_API, name, (o) => {
        if (o.status?.errorReason === 'InsufficientResources') return false;
        o.status ??= {};
        o.status.errorReason = 'InsufficientResources';
        o.status.errorMessage = 'No available BareMetalHost found';
        o.status.lastUpdated = now();
      });
      return undefined;
    }
    const value = m.spec?.providerSpec?.value ?? {};
    if (consumedBy(host) !== name) {
      store.mutate(R.baremetalhosts, NS_MACHINE_API, host.metadata.name, (h) => {
        if (value.image?.url && value.image?.checksum) h.spec.image = { url: value.image.url, checksum: value.image.checksum };
        if (value.customDeploy?.method) h.spec.customDeploy = { method: value.customDeploy.method };
        if (value.userData) h.spec.userData = { namespace: NS_MACHINE_API, ...value.userData };
        h.spec.consumerRef = { apiVersion: 'machine.openshift.io/v1beta1', kind: 'Machine', name, namespace: NS_MACHINE_API };
        h.spec.online = true;
      });
      this.ctx.log(`baremetal-actuator: machine ${name} associated with host ${host.metadata.name}`);
    }
    this.syncAnnotations(m, host);
    store.mutate(R.machines, NS_MACHINE_API, name, (o) => {
      if (!o.status?.errorReason) return false;
      delete o.status.errorReason;
      delete o.status.errorMessage;
    });
    return store.get(R.baremetalhosts, NS_MACHINE_API, host.metadata.name);
  }

  /** nodeAddresses(host) */
  nodeAddresses(host: KObject | undefined): { type: string; address: string }[] {
    const hw = host?.status?.hardware;
    if (!hw) return [];
    const out = ((hw.nics ?? []) as any[]).map((nic) => ({ type: 'InternalIP', address: String(nic.ip ?? '') }));
    if (hw.hostname) out.push({ type: 'Hostname', address: hw.hostname }, { type: 'InternalDNS', address: hw.hostname });
    return out;
  }

  /** ensureAnnotation: host key + instance state = the host's provisioning state; ensureMachineAddresses. */
  syncAnnotations(m: KObject, host?: KObject): void {
    const h = host ?? this.hostOf(m);
    if (!h) return;
    if (m.status?.phase === 'Running') {
      const addrs = this.nodeAddresses(h);
      this.ctx.store.mutate(R.machines, NS_MACHINE_API, m.metadata.name, (o) => {
        if (JSON.stringify(o.status?.addresses ?? []) === JSON.stringify(addrs)) return false;
        o.status.addresses = addrs;
        o.status.lastUpdated = now();
      });
    }
    const want = { [HOST_ANNOTATION]: `${NS_MACHINE_API}/${h.metadata.name}`, [INSTANCE_STATE]: hostState(h) };
    this.ctx.store.mutate(R.machines, NS_MACHINE_API, m.metadata.name, (o) => {
      const a = (o.metadata.annotations ??= {});
      if (Object.entries(want).every(([k, v]) => a[k] === v)) return false;
      Object.assign(a, want);
    });
  }

  /** Delete: true when the actuator is done with the machine (its finalizer may go). */
  delete(m: KObject): boolean {
    const store = this.ctx.store;
    const name = m.metadata.name;
    if (this.stuck.has(name)) {
      if (!this.stuckLogged.has(name)) this.ctx.log(`baremetal-actuator: machine ${name}: deletion hangs (fault machine-finalizer-stuck)`);
      this.stuckLogged.add(name);
      return false;
    }
    const host = this.hostOf(m);
    if (!host) return true;
    if (consumedBy(host) !== name) return true;
    if (host.spec?.image || host.spec?.userData || host.spec?.customDeploy) {
      store.mutate(R.baremetalhosts, NS_MACHINE_API, host.metadata.name, (h) => {
        delete h.spec.image;
        delete h.spec.customDeploy;
        delete h.spec.userData;
        h.spec.online = false;
      });
      this.ctx.log(`baremetal-actuator: deprovisioning host ${host.metadata.name} of machine ${name}`);
      return false;
    }
    const state = hostState(host);
    if (['provisioning', 'provisioned', 'deprovisioning'].includes(state)) return false;
    if (state === 'externally provisioned' && host.status?.poweredOn) return false;
    store.mutate(R.baremetalhosts, NS_MACHINE_API, host.metadata.name, (h) => {
      delete h.spec.consumerRef;
    });
    this.ctx.log(`baremetal-actuator: released host ${host.metadata.name} of machine ${name}`);
    return true;
  }
}
