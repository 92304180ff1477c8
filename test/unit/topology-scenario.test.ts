// Scenario keys `topology` and `arbiters` (sim/world/scenario.ts) and the object shapes they select (pure builders).
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { parseScenario } from '../../sim/world/scenario.ts';
import { infrastructure } from '../../sim/installer/objects.ts';
import { node } from '../../sim/kubelet/objects.ts';

const m = (i: number) => `  - {node: m${i}.example.com, ip: 192.168.70.${10 + i}}`;
const yaml = (o: { openshift?: string; topology?: string; masters: number; arbiters?: number; platform?: string }) =>
  [
    `openshift: "${o.openshift ?? '4.20'}"`,
    `platform: ${o.platform ?? 'none'}`,
    ...(o.topology ? [`topology: ${o.topology}`] : []),
    ...(o.masters ? ['masters:', ...Array.from({ length: o.masters }, (_, i) => m(i))] : []),
    ...(o.arbiters ? ['arbiters:', ...Array.from({ length: o.arbiters }, (_, i) => `  - {node: a${i}.example.com, ip: 192.168.70.${50 + i}}`)] : []),
  ].join('\n');
const fails = (text: string, re: RegExp) => assert.throws(() => parseScenario(text), (e: Error) => re.test(e.message));

test('masters per topology and release', () => {
  assert.is(parseScenario(yaml({ masters: 3 })).topology, 'HighlyAvailable');
  assert.is(parseScenario(yaml({ masters: 4, openshift: '4.18' })).masters.length, 4);
  fails(yaml({ masters: 4, openshift: '4.14' }), /masters: 4 given, topology HighlyAvailable on openshift 4\.14 has 3 or 5 \(4 masters from 4\.17\)/);
  assert.is(parseScenario(yaml({ masters: 1, topology: 'SingleReplica' })).masters.length, 1);
  fails(yaml({ masters: 3, topology: 'SingleReplica' }), /topology SingleReplica .* has 1/);
  fails(yaml({ masters: 1, topology: 'SingleReplica', openshift: '4.7' }), /SingleReplica needs openshift 4\.8 or later/);
  const arb = parseScenario(yaml({ masters: 2, topology: 'HighlyAvailableArbiter', arbiters: 1 }));
  assert.equal(arb.arbiters.map((a) => a.node), ['a0.example.com']);
  fails(yaml({ masters: 2, topology: 'HighlyAvailableArbiter', arbiters: 1, openshift: '4.18' }), /HighlyAvailableArbiter needs openshift 4\.19/);
  fails(yaml({ masters: 2, topology: 'HighlyAvailableArbiter' }), /arbiters: topology HighlyAvailableArbiter needs/);
  fails(yaml({ masters: 3, arbiters: 1 }), /arbiters: only with topology HighlyAvailableArbiter/);
  fails(yaml({ masters: 2, topology: 'HighlyAvailableArbiter', arbiters: 1, platform: 'aws' }), /runs on platform baremetal or none/);
  assert.is(parseScenario(yaml({ masters: 2, topology: 'DualReplica', openshift: '4.19' })).topology, 'DualReplica');
  fails(yaml({ masters: 2, topology: 'DualReplica', openshift: '4.18' }), /DualReplica needs openshift 4\.19/);
  fails(yaml({ masters: 3, topology: 'DualReplica' }), /topology DualReplica .* has 2/);
  fails(yaml({ masters: 2, topology: 'DualReplica', platform: 'baremetal' }), /DualReplica is simulated on platform none only/);
  fails(`${yaml({ masters: 2, topology: 'DualReplica' })}\nfaults:\n  - {node: m0.example.com, kind: etcd-crashloop}`, /topology DualReplica simulates node-not-ready only/);
  assert.is(parseScenario(`${yaml({ masters: 2, topology: 'DualReplica' })}\nfaults:\n  - {node: m0.example.com, kind: node-not-ready}`).faults.length, 1);
  assert.equal(parseScenario(yaml({ masters: 0, topology: 'External', platform: 'aws' })).masters, []);
  fails(yaml({ masters: 3, topology: 'External', platform: 'aws' }), /topology External has no masters/);
  fails(yaml({ masters: 3, topology: 'TripleReplica' }), /topology: "TripleReplica" must be one of/);
});

test('infrastructure topologies (installer determineTopologies) and the field only from 4.8', () => {
  const st = (o: Parameters<typeof infrastructure>[2]) => infrastructure('none', 'edge-x7k2p', o).status;
  assert.equal([st({ topology: 'SingleReplica', workers: 0 }).controlPlaneTopology, st({ topology: 'SingleReplica', workers: 0 }).infrastructureTopology], ['SingleReplica', 'SingleReplica']);
  assert.equal([st({ topology: 'HighlyAvailableArbiter', workers: 0 }).controlPlaneTopology, st({ topology: 'HighlyAvailableArbiter', workers: 0 }).infrastructureTopology], ['HighlyAvailableArbiter', 'HighlyAvailable']);
  assert.is(st({ topology: 'HighlyAvailable', workers: 1 }).infrastructureTopology, 'SingleReplica');
  assert.is(st({ minor: 7 }).controlPlaneTopology, undefined);
});

test('node roles and taints: arbiter, single node, master', () => {
  const arb = node({ name: 'a0', ip: '192.168.70.50', role: 'arbiter', minor: 20, platform: 'none' });
  assert.ok('node-role.kubernetes.io/arbiter' in arb.metadata.labels!);
  assert.not.ok('node-role.kubernetes.io/master' in arb.metadata.labels!);
  assert.equal(arb.spec.taints, [{ key: 'node-role.kubernetes.io/arbiter', effect: 'NoSchedule' }]);
  const sno = node({ name: 's0', ip: '192.168.70.10', role: 'master', schedulable: true, minor: 20, platform: 'none' });
  assert.ok('node-role.kubernetes.io/worker' in sno.metadata.labels! && 'node-role.kubernetes.io/master' in sno.metadata.labels!);
  assert.is(sno.spec.taints, undefined);
  const master = node({ name: 'm0', ip: '192.168.70.11', role: 'master', minor: 20, platform: 'none' });
  assert.equal(master.spec.taints, [{ key: 'node-role.kubernetes.io/master', effect: 'NoSchedule' }]);
});

test.run();
