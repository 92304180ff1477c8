import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { parse, stringify } from 'yaml';
import { buildNewMachine, nextMachineName, scrubMachine, splitMachineName } from '../../lib/runbooks/machine.ts';

// Shaped like `oc get machine clustername-8qw5l-master-0 -n openshift-machine-api -o yaml` (openshift.md §2.6)
const OLD = {
  apiVersion: 'machine.openshift.io/v1beta1',
  kind: 'Machine',
  metadata: {
    annotations: { 'machine.openshift.io/instance-state': 'stopped' },
    creationTimestamp: '2026-11-01T10:00:00Z',
    finalizers: ['machine.machine.openshift.io'],
    generation: 2,
    labels: {
      'machine.openshift.io/cluster-api-cluster': 'clustername-8qw5l',
      'machine.openshift.io/cluster-api-machine-role': 'master',
      'machine.openshift.io/cluster-api-machine-type': 'master',
      'machine.openshift.io/instance-type': 'm6i.xlarge',
      'machine.openshift.io/region': 'us-east-1',
      'machine.openshift.io/zone': 'us-east-1a',
    },
    managedFields: [{ manager: 'machine-controller', operation: 'Update' }],
    name: 'clustername-8qw5l-master-0',
    namespace: 'openshift-machine-api',
    resourceVersion: '12345',
    selfLink: '/apis/machine.openshift.io/v1beta1/namespaces/openshift-machine-api/machines/clustername-8qw5l-master-0',
    uid: '7c6cd5e6-5f3e-4d0b-9b8e-1a2b3c4d5e6f',
  },
  spec: {
    lifecycleHooks: { preDrain: [{ name: 'EtcdQuorumOperator', owner: 'clusteroperator/etcd' }] },
    metadata: {},
    providerID: 'aws:///us-east-1a/i-0ec2782f8287dfb7e',
    providerSpec: {
      value: {
        apiVersion: 'machine.openshift.io/v1beta1',
        kind: 'AWSMachineProviderConfig',
        instanceType: 'm6i.xlarge',
        placement: { availabilityZone: 'us-east-1a', region: 'us-east-1' },
        userDataSecret: { name: 'master-user-data' },
      },
    },
  },
  status: {
    phase: 'Running',
    nodeRef: { kind: 'Node', name: 'ip-10-0-131-183.ec2.internal', uid: 'abc' },
    addresses: [{ type: 'InternalIP', address: '10.0.131.183' }],
    providerStatus: { kind: 'AWSMachineProviderStatus', instanceId: 'i-0ec2782f8287dfb7e', instanceState: 'stopped' },
  },
};

test('splitMachineName', () => {
  assert.equal(splitMachineName('clustername-8qw5l-master-0'), { base: 'clustername-8qw5l-master-', index: 0 });
  assert.is(splitMachineName('master'), null);
});

test('next name = max index among machines with the same base + 1', () => {
  const names = ['clustername-8qw5l-master-0', 'clustername-8qw5l-master-1', 'clustername-8qw5l-master-2', 'clustername-8qw5l-worker-us-east-1a-abcde'];
  assert.is(nextMachineName('clustername-8qw5l-master-0', names), 'clustername-8qw5l-master-3');
  assert.is(nextMachineName('c-master-0', ['c-master-0', 'c-master-2', 'c-master-5']), 'c-master-6');
  assert.is(nextMachineName('c-master-1', ['c-master-1', 'c-master-10', 'c-master-x']), 'c-master-11');
  // other bases do not count
  assert.is(nextMachineName('a-master-0', ['a-master-0', 'b-master-7']), 'a-master-1');
  assert.is(nextMachineName('master', ['master']), 'master-1');
});

test('scrub removes status, providerID and server-owned metadata; keeps spec and labels', () => {
  const m = scrubMachine(OLD, 'clustername-8qw5l-master-3');
  assert.is(m.status, undefined);
  assert.is(m.spec.providerID, undefined);
  for (const k of ['annotations', 'generation', 'resourceVersion', 'uid', 'creationTimestamp', 'managedFields', 'finalizers', 'ownerReferences']) {
    assert.is(m.metadata[k], undefined, k);
  }
  assert.is(m.metadata.name, 'clustername-8qw5l-master-3');
  assert.is(m.metadata.namespace, 'openshift-machine-api');
  assert.is(m.metadata.selfLink, '/apis/machine.openshift.io/v1beta1/namespaces/openshift-machine-api/machines/clustername-8qw5l-master-3');
  assert.equal(m.metadata.labels, OLD.metadata.labels);
  assert.equal(m.spec.providerSpec, OLD.spec.providerSpec);
  assert.equal(m.spec.lifecycleHooks, OLD.spec.lifecycleHooks);
  // input untouched
  assert.is(OLD.status.phase, 'Running');
  assert.is(OLD.metadata.name, 'clustername-8qw5l-master-0');
});

test('scrub without selfLink does not add one', () => {
  const o = structuredClone(OLD) as any;
  delete o.metadata.selfLink;
  assert.not.ok('selfLink' in scrubMachine(o, 'x-master-3').metadata);
});

test('scrub refuses non-Machine input', () => {
  assert.throws(() => scrubMachine({ kind: 'Node' }, 'x'));
});

test('buildNewMachine from YAML text', () => {
  const b = buildNewMachine(stringify(OLD), ['clustername-8qw5l-master-0', 'clustername-8qw5l-master-1', 'clustername-8qw5l-master-2']);
  assert.is(b.name, 'clustername-8qw5l-master-3');
  const back = parse(b.yaml);
  assert.is(back.metadata.name, 'clustername-8qw5l-master-3');
  assert.is(back.status, undefined);
  assert.is(back.kind, 'Machine');
});

test.run();
