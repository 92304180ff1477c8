// Simulated Metal3 (platform baremetal) through the real kubectl: `oc get bmh` columns, and the actuator that
// provisions a Machine only onto an available, unconsumed BareMetalHost. One simulator for the whole file.
//   node --import tsx test/sim/metal3.test.ts
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { kubectl, startSim, waitFor, type SimHandle } from '../helpers/sim.ts';

const NS = 'openshift-machine-api';
const oct = 20 + Math.floor(Math.random() * 200);
const masters = [0, 1, 2].map((i) => ({ node: `openshift-control-plane-${i}`, ip: `10.${oct}.111.${20 + i}`, machine: `examplecluster-control-plane-${i}` }));
let sim: SimHandle;

function json(args: string[]): any {
  const r = kubectl(sim, [...args, '-o', 'json']);
  if (r.exitCode !== 0) throw new Error(`kubectl ${args.join(' ')}: ${r.stderr}`);
  return JSON.parse(r.stdout);
}

const header = (text: string) => text.split('\n')[0]!.trim().split(/\s{2,}/);

test.before(async () => {
  sim = await startSim({
    openshift: '4.14',
    platform: 'baremetal',
    infrastructureName: 'examplecluster',
    masters,
    workers: 1,
    timing: { provisionSeconds: 1, rolloutSeconds: 1, inspectSeconds: 1 },
  });
});

test.after(async () => {
  await sim?.stop();
});

test('kubectl get bmh prints the CRD printer columns; every master host is externally provisioned and consumed by its machine', () => {
  const r = kubectl(sim, ['get', 'bmh', '-n', NS]);
  assert.is(r.exitCode, 0, r.stderr);
  assert.equal(header(r.stdout), ['NAME', 'STATE', 'CONSUMER', 'ONLINE', 'ERROR', 'AGE']);
  for (const m of masters) {
    const row = r.stdout.split('\n').find((l) => l.startsWith(`${m.node} `));
    assert.ok(row, r.stdout);
    assert.match(row!, new RegExp(`^${m.node}\\s+externally provisioned\\s+${m.machine}\\s+true\\s+\\S+$`));
  }
  const wide = kubectl(sim, ['get', 'baremetalhosts.metal3.io', '-n', NS, '-o', 'wide']);
  assert.equal(header(wide.stdout), ['NAME', 'STATUS', 'STATE', 'CONSUMER', 'BMC', 'ONLINE', 'ERROR', 'AGE']);
  const host = json(['get', 'bmh', '-n', NS, masters[0]!.node]);
  assert.is(host.spec.bmc.credentialsName, `${masters[0]!.node}-bmc-secret`);
  assert.match(host.spec.bootMACAddress, /^([0-9a-f]{2}:){5}[0-9a-f]{2}$/);
  const secret = json(['get', 'secret', '-n', NS, `${masters[0]!.node}-bmc-secret`]);
  assert.ok(secret.data.username && secret.data.password);
  const machine = json(['get', 'machines.machine.openshift.io', '-n', NS, masters[0]!.machine]);
  assert.is(machine.metadata.annotations['metal3.io/BareMetalHost'], `${NS}/${masters[0]!.node}`);
  assert.is(machine.spec.providerID, `baremetalhost:///${NS}/${masters[0]!.node}/${host.metadata.uid}`);
  const co = json(['get', 'clusteroperator', 'baremetal']);
  assert.is(co.status.conditions.find((c: any) => c.type === 'Available').status, 'True');
  const machines = kubectl(sim, ['get', 'machines.machine.openshift.io', '-n', NS, '-o', 'wide']);
  assert.match(machines.stdout, new RegExp(`${masters[0]!.machine}\\s+Running.*externally provisioned`));
});

test('a Machine without an available host stays Provisioning; a new host is inspected, claimed, provisioned; deletion deprovisions and releases it', async () => {
  const worker = json(['get', 'machines.machine.openshift.io', '-n', NS, '-l', 'machine.openshift.io/cluster-api-machine-role=worker']).items[0];
  const newMachine = {
    apiVersion: 'machine.openshift.io/v1beta1',
    kind: 'Machine',
    metadata: { name: 'examplecluster-worker-extra', namespace: NS, labels: worker.metadata.labels },
    spec: { providerSpec: worker.spec.providerSpec },
  };
  assert.is(kubectl(sim, ['apply', '-f', '-'], JSON.stringify(newMachine)).exitCode, 0);
  const stuck = await waitFor('InsufficientResources', () => {
    const m = json(['get', 'machines.machine.openshift.io', '-n', NS, 'examplecluster-worker-extra']);
    return m.status?.errorReason === 'InsufficientResources' ? m : null;
  });
  assert.is(stuck.status.phase, 'Provisioning');
  assert.is(stuck.status.errorMessage, 'No available BareMetalHost found');

  const manifest = [
    { apiVersion: 'v1', kind: 'Secret', metadata: { name: 'worker-extra-bmc-secret', namespace: NS }, type: 'Opaque', data: { username: 'YWRtaW4=', password: 'cGFzc3dvcmQ=' } },
    {
      apiVersion: 'metal3.io/v1alpha1',
      kind: 'BareMetalHost',
      metadata: { name: 'worker-extra', namespace: NS },
      spec: {
        bmc: { address: 'redfish://192.168.111.1:8000/redfish/v1/Systems/extra', credentialsName: 'worker-extra-bmc-secret', disableCertificateVerification: true },
        bootMACAddress: '52:54:00:aa:bb:cc',
        bootMode: 'UEFI',
        externallyProvisioned: false,
        online: true,
      },
    },
  ];
  // a field the release's CRD does not declare is refused, as kubectl + the API server do
  const bogus = { ...manifest[1], metadata: { name: 'worker-bogus', namespace: NS }, spec: { ...(manifest[1] as any).spec, noSuchField: 1 } };
  const refused = kubectl(sim, ['apply', '-f', '-'], JSON.stringify(bogus));
  assert.is(refused.exitCode, 1, refused.stdout);
  assert.match(refused.stderr, 'BareMetalHost in version "v1alpha1" cannot be handled as a BareMetalHost: strict decoding error: unknown field "spec.noSuchField"');
  assert.is(kubectl(sim, ['get', 'bmh', '-n', NS, 'worker-bogus']).exitCode, 1, 'nothing written');
  const r = kubectl(sim, ['apply', '-f', '-'], JSON.stringify({ apiVersion: 'v1', kind: 'List', items: manifest }));
  assert.is(r.exitCode, 0, r.stderr);
  const host = await waitFor('host provisioned', () => {
    const h = json(['get', 'bmh', '-n', NS, 'worker-extra']);
    return h.status?.provisioning?.state === 'provisioned' ? h : null;
  });
  assert.is(host.spec.consumerRef.name, 'examplecluster-worker-extra');
  const running = await waitFor('machine Running', () => {
    const m = json(['get', 'machines.machine.openshift.io', '-n', NS, 'examplecluster-worker-extra']);
    return m.status?.phase === 'Running' ? m : null;
  });
  assert.is(running.status.nodeRef.name, 'worker-extra');
  assert.is(running.metadata.annotations['machine.openshift.io/instance-state'], 'provisioned');
  assert.is(running.spec.providerID, `baremetalhost:///${NS}/worker-extra/${host.metadata.uid}`);
  assert.is(running.status.errorReason, undefined);
  // the actuator's addresses are the NICs inspection saw (nodeAddresses), among them the node's InternalIP
  const nodeIP = json(['get', 'node', 'worker-extra']).status.addresses.find((a: any) => a.type === 'InternalIP').address;
  const inspected = json(['get', 'bmh', '-n', NS, 'worker-extra']).status.hardware;
  assert.equal(running.status.addresses, [...inspected.nics.map((n: any) => ({ type: 'InternalIP', address: n.ip ?? '' })), { type: 'Hostname', address: 'worker-extra' }, { type: 'InternalDNS', address: 'worker-extra' }]);
  assert.ok(running.status.addresses.some((a: any) => a.address === nodeIP), JSON.stringify(running.status.addresses));
  assert.ok(inspected.nics.some((n: any) => /^172\.22\.0\./.test(n.ip ?? '')), 'the provisioning NIC');
  // the baremetal-operator (4.14) claims the BMC Secret: a plain owner reference, its label and finalizer
  const claimed = json(['get', 'secret', '-n', NS, 'worker-extra-bmc-secret']);
  assert.equal(claimed.metadata.ownerReferences, [{ apiVersion: 'metal3.io/v1alpha1', kind: 'BareMetalHost', name: 'worker-extra', uid: host.metadata.uid }]);
  assert.equal(claimed.metadata.finalizers, ['baremetalhost.metal3.io/secret']);
  assert.is(claimed.metadata.labels['environment.metal3.io'], 'baremetal');
  // hardware details from the annotation (inspection disabled) replace status.hardware; the Machine follows
  const hw = { hostname: 'worker-extra', nics: [{ name: 'enp2s0', mac: '52:54:00:aa:bb:cd', ip: `10.${oct}.200.5` }] };
  assert.is(kubectl(sim, ['annotate', 'bmh', '-n', NS, 'worker-extra', 'inspect.metal3.io=disabled', `inspect.metal3.io/hardwaredetails=${JSON.stringify(hw)}`]).exitCode, 0);
  await waitFor('machine addresses from the annotation', () => {
    const m = json(['get', 'machines.machine.openshift.io', '-n', NS, 'examplecluster-worker-extra']);
    return m.status.addresses?.[0]?.address === `10.${oct}.200.5` ? m : null;
  });
  assert.is(json(['get', 'bmh', '-n', NS, 'worker-extra']).metadata.annotations['inspect.metal3.io/hardwaredetails'], undefined, 'the annotation is consumed');

  assert.is(kubectl(sim, ['delete', 'machines.machine.openshift.io', '-n', NS, 'examplecluster-worker-extra', '--wait=false']).exitCode, 0);
  await waitFor('machine gone', () => kubectl(sim, ['get', 'machines.machine.openshift.io', '-n', NS, 'examplecluster-worker-extra']).exitCode !== 0 || null);
  const released = await waitFor('host released and available', () => {
    const h = json(['get', 'bmh', '-n', NS, 'worker-extra']);
    return h.status?.provisioning?.state === 'available' && !h.spec.consumerRef ? h : null;
  });
  assert.is(released.spec.online, false);
  assert.is(kubectl(sim, ['get', 'node', 'worker-extra']).exitCode, 1);
  // the host deleted: its finalizer on the Secret released, then the garbage collector deletes the Secret it owned;
  // Secrets whose owner exists stay
  assert.is(kubectl(sim, ['delete', 'bmh', '-n', NS, 'worker-extra', '--wait=false']).exitCode, 0);
  await waitFor('host gone', () => kubectl(sim, ['get', 'bmh', '-n', NS, 'worker-extra']).exitCode !== 0 || null);
  await waitFor('BMC Secret garbage-collected', () => kubectl(sim, ['get', 'secret', '-n', NS, 'worker-extra-bmc-secret']).exitCode !== 0 || null);
  const kept = json(['get', 'secret', '-n', NS, 'openshift-control-plane-0-bmc-secret']);
  assert.is(kept.metadata.ownerReferences[0].name, 'openshift-control-plane-0');
});

test.run();
