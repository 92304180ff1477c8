// Pure logic of the bare-metal procedure: the re-provisioned host definition, --bmh validation, the host of a machine.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { parseAllDocuments, stringify } from 'yaml';
import { existsSync, mkdtempSync, readFileSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { inspect } from 'node:util';
import { BmhFileError, HOST_SECRETS_FILE, HOST_SECRETS_WHAT, definitionOf, mergeHostSecrets, referencedSecrets, reprovisionedHost, specFieldKnown, toHostSecret, validateBmhManifest, type HostSecret } from '../../lib/runbooks/baremetal-host.ts';
import { secretManifest } from '../../lib/security/credential.ts';
import { Journal } from '../../lib/runbooks/journal.ts';
import { hostOfMachine, toHostInfo, type HostInfo } from '../../lib/cluster/baremetal.ts';
import { buildNewMachine } from '../../lib/runbooks/machine.ts';

const oldHost = {
  apiVersion: 'metal3.io/v1alpha1',
  kind: 'BareMetalHost',
  metadata: { name: 'openshift-control-plane-2', namespace: 'openshift-machine-api', uid: 'u-1', finalizers: ['baremetalhost.metal3.io'], resourceVersion: '7' },
  spec: {
    automatedCleaningMode: 'metadata',
    bmc: { address: 'redfish://10.46.61.18:443/redfish/v1/Systems/1', credentialsName: 'openshift-control-plane-2-bmc-secret', disableCertificateVerification: true },
    bootMACAddress: '48:df:37:b0:8a:a0',
    bootMode: 'UEFI',
    consumerRef: { apiVersion: 'machine.openshift.io/v1beta1', kind: 'Machine', name: 'examplecluster-control-plane-2', namespace: 'openshift-machine-api' },
    customDeploy: { method: 'install_coreos' },
    externallyProvisioned: true,
    online: true,
    rootDeviceHints: { deviceName: '/dev/disk/by-id/scsi-3600508b400105e210000900000490000' },
    userData: { name: 'master-user-data-managed', namespace: 'openshift-machine-api' },
  },
  status: { provisioning: { state: 'externally provisioned' }, poweredOn: false },
};

test('reprovisionedHost: same hardware, externallyProvisioned false, online, managed user data, cleaning disabled, no consumer', () => {
  const h = reprovisionedHost(oldHost);
  assert.equal(h.metadata, { name: 'openshift-control-plane-2', namespace: 'openshift-machine-api' });
  assert.equal(h.spec, {
    automatedCleaningMode: 'disabled',
    bmc: oldHost.spec.bmc,
    bootMACAddress: '48:df:37:b0:8a:a0',
    bootMode: 'UEFI',
    externallyProvisioned: false,
    online: true,
    rootDeviceHints: oldHost.spec.rootDeviceHints,
    userData: { name: 'master-user-data-managed', namespace: 'openshift-machine-api' },
  });
  assert.not.ok('status' in h);
  assert.throws(() => reprovisionedHost({ ...oldHost, spec: { ...oldHost.spec, bmc: undefined } }), /no BMC address/);
  assert.throws(() => reprovisionedHost({ kind: 'Machine' }), /not a BareMetalHost/);
});

test('definitionOf: only the host (its Secrets are created from the run\'s 0600 secret file)', () => {
  const only = definitionOf(reprovisionedHost(oldHost));
  assert.equal(parseAllDocuments(only.yaml).map((d) => (d.toJS() as any).kind), ['BareMetalHost']);
});

test('reprovisionedHost per release: automatedCleaningMode only from 4.8; static network data and the old userData kept', () => {
  const withNet = { ...oldHost, spec: { ...oldHost.spec, preprovisioningNetworkDataName: 'openshift-control-plane-2-network-config-secret', networkData: { name: 'nd-2' }, userData: { name: 'ud-2', namespace: 'openshift-machine-api' } } };
  const h14 = reprovisionedHost(withNet, '4.14.8');
  assert.is(h14.spec.automatedCleaningMode, 'disabled');
  assert.is(h14.spec.preprovisioningNetworkDataName, 'openshift-control-plane-2-network-config-secret');
  assert.equal(h14.spec.networkData, { name: 'nd-2' });
  assert.equal(h14.spec.userData, { name: 'ud-2', namespace: 'openshift-machine-api' });
  assert.equal(referencedSecrets(h14).map((r) => `${r.role}:${r.name}`), [
    'bmc:openshift-control-plane-2-bmc-secret',
    'preprovisioningNetworkData:openshift-control-plane-2-network-config-secret',
    'networkData:nd-2',
    'userData:ud-2',
  ]);
  const h7 = reprovisionedHost(withNet, '4.7.60');
  assert.not.ok('automatedCleaningMode' in h7.spec, '4.7 CRD has no automatedCleaningMode');
  assert.not.ok('preprovisioningNetworkDataName' in h7.spec, 'nor preprovisioningNetworkDataName (4.10+)');
  assert.ok('automatedCleaningMode' in reprovisionedHost(oldHost, '4.8.0').spec);
  assert.ok(specFieldKnown('4.9.1', 'customDeploy') && !specFieldKnown('4.8.9', 'customDeploy'));
  assert.not.ok(specFieldKnown('4.14', 'noSuchField'));
});

test('validateBmhManifest: a field the release does not know is refused', () => {
  assert.throws(() => validateBmhManifest(manifest(), others, '4.7.60'), (e: Error) => e instanceof BmhFileError && /spec.automatedCleaningMode is not a BareMetalHost field in OpenShift 4.7.60 \(it came in 4.8\)/.test(e.message));
  assert.throws(() => validateBmhManifest(manifest({ host: { bogus: 1 } }), others, '4.14.8'), /spec.bogus is not a BareMetalHost field/);
  assert.ok(validateBmhManifest(manifest(), others, '4.8.0'));
});

test('host Secrets: kept only through Journal.saveSecret (0600, deleted when the run ends); the data never serialises', () => {
  const root = mkdtempSync(join(tmpdir(), 'er-hs-'));
  const j = Journal.create(root, 'c', { procedure: 'BM', target: {} } as any, [{ id: 's', title: 's' }]);
  const s = toHostSecret('bmc', { metadata: { name: 'x', namespace: 'openshift-machine-api', labels: { 'environment.metal3.io': 'baremetal', keep: 'y' }, ownerReferences: [{ uid: 'u' }] }, type: 'Opaque', data: { password: 'c2VjcmV0LXB3' }, stringData: { username: 'root-user' } });
  for (const text of [JSON.stringify(s), String(s.data), `${s.data}`, inspect(s)]) assert.not.ok(text.includes('c2VjcmV0LXB3') || text.includes('root-user'), text);
  j.saveSecret(HOST_SECRETS_FILE, { secrets: [s] }, HOST_SECRETS_WHAT);
  assert.is(statSync(join(j.dir, HOST_SECRETS_FILE)).mode & 0o777, 0o600);
  assert.not.ok(readFileSync(join(j.dir, 'journal.json'), 'utf8').includes('c2VjcmV0LXB3'), 'journal.json names the file only');
  const back = j.readSecret<{ secrets: HostSecret[] }>(HOST_SECRETS_FILE)!.secrets;
  assert.is(back.length, 1);
  assert.equal(JSON.parse(JSON.stringify(secretManifest({ name: back[0]!.name, namespace: back[0]!.namespace, labels: back[0]!.labels }, back[0]!.type, back[0]!.data))), {
    apiVersion: 'v1', kind: 'Secret', metadata: { name: 'x', namespace: 'openshift-machine-api', labels: { keep: 'y' } }, type: 'Opaque', data: { password: 'c2VjcmV0LXB3', username: Buffer.from('root-user').toString('base64') },
  });
  const merged = mergeHostSecrets(back, [toHostSecret('bmc', { metadata: { name: 'x', namespace: 'n' }, data: { password: 'b3RoZXI=' } })]);
  assert.is(merged.length, 1, 'same role and name replaced');
  j.setStatus('done');
  assert.not.ok(existsSync(join(j.dir, HOST_SECRETS_FILE)), 'deleted when the run ends');
});

const others: HostInfo[] = [toHostInfo(oldHost)].map((h) => ({ ...h, name: 'openshift-control-plane-0', bootMACAddress: '48:df:37:b0:8a:01', bmcAddress: 'redfish://10.46.61.10:443/redfish/v1/Systems/1' }));

function manifest(o: { host?: any; secret?: any; extra?: any[] } = {}): string {
  const secret = { apiVersion: 'v1', kind: 'Secret', metadata: { name: 'openshift-control-plane-3-bmc-secret', namespace: 'openshift-machine-api' }, type: 'Opaque', data: { username: 'YWRtaW4=', password: 'cGFzc3dvcmQ=' }, ...o.secret };
  const host = {
    apiVersion: 'metal3.io/v1alpha1',
    kind: 'BareMetalHost',
    metadata: { name: 'openshift-control-plane-3', namespace: 'openshift-machine-api' },
    spec: {
      automatedCleaningMode: 'disabled',
      bmc: { address: 'redfish://10.46.61.19:443/redfish/v1/Systems/1', credentialsName: 'openshift-control-plane-3-bmc-secret', disableCertificateVerification: true },
      bootMACAddress: '48:df:37:b0:88:cc',
      bootMode: 'UEFI',
      externallyProvisioned: false,
      online: true,
      rootDeviceHints: { deviceName: '/dev/sda' },
      userData: { name: 'master-user-data-managed', namespace: 'openshift-machine-api' },
      ...o.host,
    },
  };
  return [secret, host, ...(o.extra ?? [])].map((d) => stringify(d)).join('---\n');
}

test('validateBmhManifest: a good BareMetalHost + Secret pair is accepted', () => {
  const r = validateBmhManifest(manifest(), others);
  assert.is(r.host.metadata.name, 'openshift-control-plane-3');
  assert.is(r.secret.metadata.name, 'openshift-control-plane-3-bmc-secret');
  assert.is(r.host.spec.externallyProvisioned, false);
});

test('validateBmhManifest: refusals, each with a one-line reason', () => {
  const cases: [string, RegExp][] = [
    [stringify({ apiVersion: 'v1', kind: 'Secret', metadata: { name: 'x' } }), /exactly one BareMetalHost and one Secret \(found 0 BareMetalHost, 1 Secret\)/],
    [manifest({ extra: [{ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'c' } }] }), /1 other/],
    [manifest({ host: { externallyProvisioned: true } }), /externallyProvisioned: true/],
    [manifest({ host: { bootMACAddress: '48:DF:37:B0:8A:01' } }), /bootMACAddress 48:DF:37:B0:8A:01 is already used by host openshift-control-plane-0/],
    [manifest({ host: { bmc: { address: 'redfish://10.46.61.10:443/redfish/v1/Systems/1', credentialsName: 'openshift-control-plane-3-bmc-secret' } } }), /BMC address .* is already used by host openshift-control-plane-0/],
    [manifest({ host: { bootMACAddress: 'not-a-mac' } }), /not a MAC address/],
    [manifest({ host: { bmc: { address: 'redfish://x', credentialsName: 'other-secret' } } }), /credentialsName is other-secret but the Secret is named openshift-control-plane-3-bmc-secret/],
    [manifest({ secret: { data: { username: 'YQ==' } } }), /needs the keys username and password/],
    [manifest({ host: { consumerRef: { kind: 'Machine', name: 'm' } } }), /consumerRef/],
    ['kind: [', /not valid YAML/],
  ];
  for (const [text, re] of cases) {
    try {
      validateBmhManifest(text, others);
      assert.unreachable(`accepted: ${re}`);
    } catch (e) {
      assert.instance(e, BmhFileError);
      assert.match((e as Error).message, re);
      assert.not.match((e as Error).message, /\n/);
    }
  }
  assert.throws(() => validateBmhManifest(manifest(), [{ ...others[0]!, name: 'openshift-control-plane-3' }]), /already exists/);
});

test('hostOfMachine: annotation first, else providerID; buildNewMachine drops the metal3 annotation and providerID', () => {
  const machine = {
    apiVersion: 'machine.openshift.io/v1beta1',
    kind: 'Machine',
    metadata: { name: 'examplecluster-control-plane-2', namespace: 'openshift-machine-api', annotations: { 'metal3.io/BareMetalHost': 'openshift-machine-api/openshift-control-plane-2' } },
    spec: { providerID: 'baremetalhost:///openshift-machine-api/openshift-control-plane-2/u-1', providerSpec: { value: { kind: 'BareMetalMachineProviderSpec' } } },
  };
  assert.is(hostOfMachine(machine), 'openshift-control-plane-2');
  assert.is(hostOfMachine({ spec: { providerID: 'baremetalhost:///openshift-machine-api/h-9/u' } }), 'h-9');
  assert.is(hostOfMachine({ spec: { providerID: 'aws:///us-east-1a/i-1' } }), null);
  const built = buildNewMachine(stringify(machine), ['examplecluster-control-plane-0', 'examplecluster-control-plane-1', 'examplecluster-control-plane-2']);
  assert.is(built.name, 'examplecluster-control-plane-3');
  assert.is(built.object.metadata.annotations, undefined);
  assert.is(built.object.spec.providerID, undefined);
});

test('toHostInfo: the oc get bmh columns', () => {
  assert.equal(toHostInfo(oldHost), {
    name: 'openshift-control-plane-2',
    state: 'externally provisioned',
    consumer: 'examplecluster-control-plane-2',
    online: true,
    poweredOn: false,
    error: '',
    bootMACAddress: '48:df:37:b0:8a:a0',
    bmcAddress: 'redfish://10.46.61.18:443/redfish/v1/Systems/1',
    credentialsName: 'openshift-control-plane-2-bmc-secret',
  });
});

test.run();
