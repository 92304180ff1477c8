// endpoint health parsing over REAL etcdctl 3.4.23 output (one member stopped: everything lands on stderr,
// including the healthy lines, plus a klog-style JSON warning) and the 3.5 docs sample (runbook.md).
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { applyHealth, parseEndpointHealth } from '../../lib/etcd/health.ts';
import { parseMemberList } from '../../lib/etcd/members.ts';

const HEALTHY_STDOUT = `http://127.0.0.1:26936 is healthy: successfully committed proposal: took = 4.191546ms
http://127.0.0.1:26934 is healthy: successfully committed proposal: took = 4.234017ms
http://127.0.0.1:26932 is healthy: successfully committed proposal: took = 3.950523ms
`;

// m3 (26936) stopped; stdout was EMPTY, exit code 1
const ONE_DOWN_STDERR = `{"level":"warn","ts":"2026-11-25T11:43:58.347Z","caller":"clientv3/retry_interceptor.go:62","msg":"retrying of unary invoker failed","target":"endpoint://client-d727596c-fac0-488f-b04d-3131074c190a/127.0.0.1:26936","attempt":0,"error":"rpc error: code = DeadlineExceeded desc = latest balancer error: all SubConns are in TransientFailure"}
http://127.0.0.1:26934 is healthy: successfully committed proposal: took = 3.419688ms
http://127.0.0.1:26932 is healthy: successfully committed proposal: took = 3.103163ms
http://127.0.0.1:26936 is unhealthy: failed to commit proposal: context deadline exceeded
Error: unhealthy cluster
`;

const JSON_ONE_DOWN = `[{"endpoint":"http://127.0.0.1:26934","health":true,"took":"2.576736ms"},{"endpoint":"http://127.0.0.1:26932","health":true,"took":"2.534867ms"},{"endpoint":"http://127.0.0.1:26936","health":false,"took":"5.000716267s","error":"context deadline exceeded"}]`;
const JSON_STDERR = `{"level":"warn","ts":"2026-11-25T11:44:03.374Z","caller":"clientv3/retry_interceptor.go:62","msg":"retrying of unary invoker failed","target":"endpoint://client-70275ccf/127.0.0.1:26936","attempt":0,"error":"rpc error: code = DeadlineExceeded desc = latest balancer error: all SubConns are in TransientFailure"}
Error: unhealthy cluster
`;

const MEMBERS = `4b2b4d0744853d4, started, m2, http://127.0.0.1:26933, http://127.0.0.1:26934, false
5aebbc0451b34671, started, m1, http://127.0.0.1:26931, http://127.0.0.1:26932, false
f61a429e23f58b7b, started, m3, http://127.0.0.1:26935, http://127.0.0.1:26936, false
1a114dc5b9a2eb60, unstarted, , http://127.0.0.1:26937, , true
`;

// runbook.md (etcd 3.5)
const DOCS = `https://10.0.131.183:2379 is healthy: successfully committed proposal: took = 16.671434ms
https://10.0.154.204:2379 is healthy: successfully committed proposal: took = 16.698331ms
https://10.0.164.97:2379 is healthy: successfully committed proposal: took = 16.621645ms
`;

test('all healthy (stdout)', () => {
  const h = parseEndpointHealth(HEALTHY_STDOUT, '');
  assert.is(h.length, 3);
  assert.ok(h.every((x) => x.healthy));
  assert.is(h.find((x) => x.endpoint === 'http://127.0.0.1:26932')!.took, '3.950523ms');
});

test('one member down: unhealthy line on stderr, healthy lines on stderr too (3.4.23)', () => {
  const h = parseEndpointHealth('', ONE_DOWN_STDERR);
  assert.is(h.length, 3);
  const bad = h.filter((x) => !x.healthy);
  assert.is(bad.length, 1);
  assert.is(bad[0].endpoint, 'http://127.0.0.1:26936');
  assert.is(bad[0].error, 'failed to commit proposal: context deadline exceeded');
});

test('-w json form', () => {
  const h = parseEndpointHealth(JSON_ONE_DOWN, JSON_STDERR);
  assert.is(h.length, 3);
  assert.equal(h.find((x) => !x.healthy), { endpoint: 'http://127.0.0.1:26936', healthy: false, error: 'context deadline exceeded', took: '5.000716267s' });
});

test('applyHealth maps endpoints to members by client URL; unprobed stays unknown (null)', () => {
  const ms = applyHealth(parseMemberList(MEMBERS), parseEndpointHealth('', ONE_DOWN_STDERR));
  assert.equal(ms.map((m) => [m.name, m.healthy]), [
    ['m2', true],
    ['m1', true],
    ['m3', false],
    ['', null],
  ]);
  assert.is(ms[2].healthError, 'failed to commit proposal: context deadline exceeded');
  assert.is(ms[0].healthError, undefined);
});

test('nothing parsed (exec failed) → every member unknown, never dead', () => {
  const ms = applyHealth(parseMemberList(MEMBERS), parseEndpointHealth('', 'error: unable to upgrade connection: container not found ("etcdctl")'));
  assert.ok(ms.every((m) => m.healthy === null));
});

test('docs sample (3.5), https URLs, trailing slash tolerated', () => {
  const h = parseEndpointHealth(DOCS);
  assert.is(h.length, 3);
  const ms = applyHealth(
    [{ id: '6fc1e7c9db35841d', name: 'a', peerURLs: [], clientURLs: ['https://10.0.131.183:2379/'], started: true, isLearner: false, healthy: null, leader: false }],
    h,
  );
  assert.is(ms[0].healthy, true);
});

test.run();
