// Release-dependent object shapes of the simulator, checked against the real sources (pure, no simulator process):
//   node --import tsx test/sim/shapes.test.ts
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { etcdStaticPod, externalEtcdPodConfigMap } from '../../sim/cluster-etcd-operator/objects.ts';
import { checkSafeToScaleCluster } from '../../sim/cluster-etcd-operator/quorumcheck.ts';
import { translator, type SimNode } from '../../sim/world/context.ts';
import { parseScenario } from '../../sim/world/scenario.ts';

const inputs = (minor: number) => ({ minor, revision: 7, nodes: [{ name: 'master-0', ip: '10.0.0.10' }], endpointIPs: ['10.0.0.10'] });
const env = (pod: any, c: string) => Object.fromEntries((pod.spec.containers.find((x: any) => x.name === c)?.env ?? []).map((e: any) => [e.name, e.value]));

test('4.6 etcd pod: certificates under secrets/etcd-all-peer and etcd-all-serving, readiness probe tcpSocket 2380 (OPERATOR@release-4.6)', () => {
  const pod = etcdStaticPod(inputs(6), 'master-0');
  const e = env(pod, 'etcdctl');
  assert.is(e.ETCDCTL_CERT, '/etc/kubernetes/static-pod-certs/secrets/etcd-all-peer/etcd-peer-master-0.crt');
  assert.is(e.ETCDCTL_KEY, '/etc/kubernetes/static-pod-certs/secrets/etcd-all-peer/etcd-peer-master-0.key');
  const etcd = pod.spec.containers.find((c: any) => c.name === 'etcd');
  const cmd: string = etcd.command.join(' ');
  assert.match(cmd, /--cert-file=\/etc\/kubernetes\/static-pod-certs\/secrets\/etcd-all-serving\/etcd-serving-master-0\.crt/);
  assert.match(cmd, /--peer-cert-file=\/etc\/kubernetes\/static-pod-certs\/secrets\/etcd-all-peer\/etcd-peer-master-0\.crt/);
  assert.not.match(JSON.stringify(pod), /etcd-all-certs/);
  assert.equal(etcd.readinessProbe.tcpSocket, { port: 2380 });
  assert.is(etcd.readinessProbe.exec, undefined);
});

test('4.8+ etcd pod: etcd-all-certs and the readyz probe', () => {
  const pod = etcdStaticPod(inputs(8), 'master-0');
  assert.is(env(pod, 'etcdctl').ETCDCTL_CERT, '/etc/kubernetes/static-pod-certs/secrets/etcd-all-certs/etcd-peer-master-0.crt');
  const etcd = pod.spec.containers.find((c: any) => c.name === 'etcd');
  assert.is(etcd.readinessProbe.httpGet.port, 9980);
});

test('CheckSafeToScaleCluster: node-count gate (len(nodeStatuses) >= 3) on 4.8 to 4.15, gone on 4.16; fault tolerance always', () => {
  const healthy3 = { voting: 3, healthyVoting: 3 };
  for (const minor of [8, 10, 12, 14, 15]) {
    const r = checkSafeToScaleCluster({ minor, nodeStatuses: 2, ...healthy3 });
    assert.is(r, 'CheckSafeToScaleCluster 3 nodes are required, but only 2 are available', `4.${minor}`);
  }
  for (const minor of [16, 17, 18]) assert.is(checkSafeToScaleCluster({ minor, nodeStatuses: 2, ...healthy3 }), '', `4.${minor}`);
  assert.is(checkSafeToScaleCluster({ minor: 14, nodeStatuses: 3, ...healthy3 }), '');
  assert.match(checkSafeToScaleCluster({ minor: 16, nodeStatuses: 3, voting: 2, healthyVoting: 2 }), /quorum of 2 which is not fault tolerant/);
  assert.match(checkSafeToScaleCluster({ minor: 10, nodeStatuses: 5, voting: 4, healthyVoting: 3 }), /quorum of 3 which is not fault tolerant/);
  // two nodes with fencing (TwoNodeScalingStrategy): 2 healthy members are enough, 1 is not (OPERATOR@release-4.20 bootstrap.go)
  assert.is(checkSafeToScaleCluster({ minor: 20, nodeStatuses: 2, voting: 2, healthyVoting: 2, twoNode: { members: 2 } }), '');
  assert.is(checkSafeToScaleCluster({ minor: 20, nodeStatuses: 2, voting: 1, healthyVoting: 1, twoNode: { members: 1 } }), 'CheckSafeToScaleCluster found 1 healthy member(s) out of the 2 required by the TwoNodeScalingStrategy');
});

test('two nodes with fencing: the static pod without its etcd container; external-etcd-pod holds only that container (OPERATOR@release-4.20)', () => {
  const pod = etcdStaticPod({ ...inputs(20), etcdContainer: false }, 'master-0');
  assert.equal(pod.spec.containers.map((c: any) => c.name), ['etcdctl', 'etcd-metrics', 'etcd-readyz', 'etcd-rev']);
  assert.is(pod.metadata.annotations?.['kubectl.kubernetes.io/default-container'], 'etcd', 'the template keeps the annotation');
  const cm = externalEtcdPodConfigMap({ ...inputs(20), etcdContainer: false }, '');
  assert.equal(JSON.parse(cm.data['pod.yaml']).spec.containers.map((c: any) => c.name), ['etcd']);
});

test('network boundary: IPv6 node addresses map onto the IPv4 loopback mirror and back as https://[v6]', () => {
  const n: SimNode = { name: 'm0', ip: '10.9.0.5', ipv6: 'fd2e:6f44:5dd8::5', preferIPv6: true, loopback: '127.9.0.5', root: '', role: 'master' };
  const other: SimNode = { name: 'm1', ip: '10.9.0.50', ipv6: 'fd2e:6f44:5dd8::50', preferIPv6: true, loopback: '127.9.0.50', root: '', role: 'master' };
  const t = translator([n, other]);
  assert.is(t.toLoopback('https://[fd2e:6f44:5dd8::5]:2379,https://[fd2e:6f44:5dd8::50]:2379'), 'http://127.9.0.5:2379,http://127.9.0.50:2379');
  assert.is(t.toLoopback('NODE_IP=[fd2e:6f44:5dd8::5] X=fd2e:6f44:5dd8::50'), 'NODE_IP=127.9.0.5 X=127.9.0.50');
  assert.is(t.fromLoopback('abc, started, m0, http://127.9.0.5:2380, http://127.9.0.5:2379, false'), 'abc, started, m0, https://[fd2e:6f44:5dd8::5]:2380, https://[fd2e:6f44:5dd8::5]:2379, false');
  const v4 = translator([{ ...n, preferIPv6: false }]);
  assert.is(v4.fromLoopback('http://127.9.0.5:2380'), 'https://10.9.0.5:2380');
});

test('scenario keys network, masters[].ipv6 and upgradingFrom: parsed, bad values named', () => {
  const ms = [0, 1, 2].map((i) => ({ node: `m${i}`, ip: `10.1.0.${10 + i}`, ipv6: `fd00::${10 + i}` }));
  const sc = parseScenario({ openshift: '4.14', platform: 'none', network: { ipFamilies: ['IPv6', 'IPv4'] }, masters: ms, upgradingFrom: '4.13' });
  assert.equal(sc.network, { ipFamilies: ['IPv6', 'IPv4'], nodeAddressOrder: ['IPv6', 'IPv4'] });
  assert.is(sc.masters[0]!.ipv6, 'fd00::10');
  assert.is(sc.upgradingFrom, '4.13');
  assert.throws(() => parseScenario({ platform: 'none', network: { ipFamilies: ['IPv4', 'IPv6'] }, masters: ms.map(({ ipv6, ...m }) => m) }), /masters\[0\]\.ipv6: required/);
  assert.throws(() => parseScenario({ platform: 'none', masters: ms }), /needs IPv6 in network\.ipFamilies/);
  assert.throws(() => parseScenario({ platform: 'none', network: { ipFamilies: ['IPv4', 'IPv6'] }, masters: ms.map((m) => ({ ...m, ipv6: 'fd00::zz' })) }), /is not an IPv6 address/);
  assert.throws(() => parseScenario({ platform: 'none', network: { ipFamilies: ['IPv5'] }, masters: ms }), /network\.ipFamilies/);
  assert.throws(() => parseScenario({ openshift: '4.8', platform: 'none', masters: ms.map(({ ipv6, ...m }) => m), upgradingFrom: '4.9' }), /upgradingFrom/);
});

test.run();
