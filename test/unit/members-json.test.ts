// `etcdctl member list -w json` parsing: exact 64-bit IDs, learners, unstarted members, and output cut short by a
// broken exec stream (kubectl exits 0 then: kubernetes/kubectl#1208) refused rather than read as fewer members.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { parseMemberList, parseMemberListJson } from '../../lib/etcd/members.ts';
import { removalRefusals } from '../../lib/runbooks/steps/member.ts';

// shape of etcdctl 3.4/3.5 `member list -w json` (IDs are decimal uint64)
const FULL =
  '{"header":{"cluster_id":14841639068965178418,"member_id":14595086193548470737,"raft_term":3},"members":[' +
  '{"ID":14595086193548470737,"name":"ip-10-0-131-183.ec2.internal","peerURLs":["https://10.0.131.183:2380"],"clientURLs":["https://10.0.131.183:2379"]},' +
  '{"ID":5415863011855723261,"name":"ip-10-0-154-204.ec2.internal","peerURLs":["https://10.0.154.204:2380"],"clientURLs":["https://10.0.154.204:2379"]},' +
  '{"ID":9655183840445527069,"name":"","peerURLs":["https://10.0.164.97:2380"],"isLearner":true}]}\n';

test('JSON member list: exact hex IDs, learner, unstarted', () => {
  const ms = parseMemberList(FULL);
  assert.equal(ms.map((m) => m.id), ['ca8c2990a0aa29d1', '4b2902b6fdd66afd', '85fe1a8c2ad8f41d']);
  assert.equal(ms.map((m) => [m.started, m.isLearner]), [[true, false], [true, false], [false, true]]);
  assert.equal(ms[0]!.clientURLs, ['https://10.0.131.183:2379']);
});

test('JSON member list cut anywhere is an error, never a shorter list', () => {
  for (let n = 0; n < FULL.trimEnd().length; n += 7) {
    assert.throws(() => parseMemberListJson(FULL.slice(0, n)), /incomplete|no header/, `cut at ${n}`);
  }
  assert.is(parseMemberListJson(FULL.trimEnd()).length, 3);
});

test('removal refused while the target health is unknown (health output lost)', () => {
  const members = parseMemberList(FULL).slice(0, 2).map((m, i) => ({ ...m, healthy: i === 0 ? null : true }));
  const state: any = { members: [...members, { ...members[1]!, id: '0000000000000003', name: 'c', peerURLs: ['https://10.0.164.97:2380'], healthy: true }], pods: [], nodes: [], memberSource: null };
  const target = { memberId: 'ca8c2990a0aa29d1', memberName: 'ip-10-0-131-183.ec2.internal', node: 'ip-10-0-131-183.ec2.internal', nodeIP: '10.0.131.183', machine: null };
  assert.ok(removalRefusals(state, target).some((r) => /health of member ca8c2990a0aa29d1 .* unknown/.test(r)));
  state.members[0].healthy = false;
  assert.not.ok(removalRefusals(state, target).some((r) => /unknown/.test(r)));
});

test.run();
