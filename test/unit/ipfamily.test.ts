// Dual-stack nodes: the node address matched against etcd peer URLs is the service network's family (openshift.md §0.1).
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { preferredIP, serviceNetworkFamily, toNodeInfo } from '../../lib/cluster/read.ts';
import { hostOf, peerIP } from '../../lib/etcd/members.ts';

const node = {
  metadata: { name: 'master-0' },
  status: {
    addresses: [
      { type: 'InternalIP', address: 'fd2e:6f44:5dd8::5' },
      { type: 'InternalIP', address: '192.168.10.5' },
      { type: 'Hostname', address: 'master-0' },
    ],
  },
};

test('service network family: status first, spec as fallback, IPv6 by the CIDR', () => {
  assert.is(serviceNetworkFamily({ status: { serviceNetwork: ['172.30.0.0/16', 'fd02::/112'] } }), 'IPv4');
  assert.is(serviceNetworkFamily({ status: { serviceNetwork: ['fd02::/112', '172.30.0.0/16'] } }), 'IPv6');
  assert.is(serviceNetworkFamily({ spec: { serviceNetwork: ['fd02::/112'] } }), 'IPv6');
  assert.is(serviceNetworkFamily(null), null);
});

test('IPv6 listed first, IPv4 service network: the IPv4 InternalIP', () => {
  const n = toNodeInfo(node, 'IPv4');
  assert.is(n.internalIP, '192.168.10.5');
  assert.equal(n.internalIPs, ['fd2e:6f44:5dd8::5', '192.168.10.5']);
  assert.is(toNodeInfo(node, 'IPv6').internalIP, 'fd2e:6f44:5dd8::5');
  assert.is(toNodeInfo(node).internalIP, 'fd2e:6f44:5dd8::5', 'family unknown: the first');
  assert.is(preferredIP(['10.0.0.1'], 'IPv6'), null);
});

test('IPv6 peer URLs parse to the bare address', () => {
  assert.is(hostOf('https://[fd2e:6f44:5dd8::5]:2380'), 'fd2e:6f44:5dd8::5');
  assert.is(peerIP({ peerURLs: ['https://[fd2e:6f44:5dd8::5]:2380'] }), 'fd2e:6f44:5dd8::5');
});

test.run();
