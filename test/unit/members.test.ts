// Parsers of etcdctl member list / member remove / endpoint status, over REAL output:
// etcdctl 3.4.23 captured against a throwaway 3-member etcd on 127.0.0.1 (2026-11-25), and the etcd 3.5
// samples of openshift.md §2.10 / runbook.md.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import {
  decimalIdToHex,
  normalizeId,
  parseEndpointStatus,
  parseMemberList,
  parseMemberListSimple,
  parseMemberListTable,
  parseMemberRemove,
  peerIP,
} from '../../lib/etcd/members.ts';

// etcdctl 3.4.23 `member list -w simple` (note the 15-digit ID 4b2b4d0744853d4: %x is not zero-padded)
const SIMPLE_34 = `4b2b4d0744853d4, started, m2, http://127.0.0.1:26933, http://127.0.0.1:26934, false
5aebbc0451b34671, started, m1, http://127.0.0.1:26931, http://127.0.0.1:26932, false
f61a429e23f58b7b, started, m3, http://127.0.0.1:26935, http://127.0.0.1:26936, false
`;

const TABLE_34 = `+------------------+---------+------+------------------------+------------------------+------------+
|        ID        | STATUS  | NAME |       PEER ADDRS       |      CLIENT ADDRS      | IS LEARNER |
+------------------+---------+------+------------------------+------------------------+------------+
|  4b2b4d0744853d4 | started |   m2 | http://127.0.0.1:26933 | http://127.0.0.1:26934 |      false |
| 5aebbc0451b34671 | started |   m1 | http://127.0.0.1:26931 | http://127.0.0.1:26932 |      false |
| f61a429e23f58b7b | started |   m3 | http://127.0.0.1:26935 | http://127.0.0.1:26936 |      false |
+------------------+---------+------+------------------------+------------------------+------------+
`;

// etcdctl 3.4.23 after `member add m4 --learner` and `member add m5 --peer-urls A,B` (both unstarted)
const SIMPLE_34_LEARNER = `4b2b4d0744853d4, started, m2, http://127.0.0.1:26933, http://127.0.0.1:26934, false
1a114dc5b9a2eb60, unstarted, , http://127.0.0.1:26937, , true
5aebbc0451b34671, started, m1, http://127.0.0.1:26931, http://127.0.0.1:26932, false
e3d84b60ba304ce5, unstarted, , http://127.0.0.1:26939,http://127.0.0.2:26939, , false
`;

const TABLE_34_LEARNER = `+------------------+-----------+------+-----------------------------------------------+------------------------+------------+
|        ID        |  STATUS   | NAME |                  PEER ADDRS                   |      CLIENT ADDRS      | IS LEARNER |
+------------------+-----------+------+-----------------------------------------------+------------------------+------------+
|  4b2b4d0744853d4 |   started |   m2 |                        http://127.0.0.1:26933 | http://127.0.0.1:26934 |      false |
| 1a114dc5b9a2eb60 | unstarted |      |                        http://127.0.0.1:26937 |                        |       true |
| 5aebbc0451b34671 |   started |   m1 |                        http://127.0.0.1:26931 | http://127.0.0.1:26932 |      false |
| e3d84b60ba304ce5 | unstarted |      | http://127.0.0.1:26939,http://127.0.0.2:26939 |                        |      false |
+------------------+-----------+------+-----------------------------------------------+------------------------+------------+
`;

// etcd 3.5 `-w simple` (openshift.md §2.10)
const SIMPLE_35 = `6fc1e7c9db35841d, started, ip-10-0-131-183.ec2.internal, https://10.0.131.183:2380, https://10.0.131.183:2379, false
757b6793e2408b6c, started, ip-10-0-164-97.ec2.internal, https://10.0.164.97:2380, https://10.0.164.97:2379, false
ca8c2990a0aa29d1, started, ip-10-0-154-204.ec2.internal, https://10.0.154.204:2380, https://10.0.154.204:2379, false
`;

// runbook.md (docs, old 3.3 output: no IS LEARNER column)
const TABLE_DOCS = `+------------------+---------+------------------------------+---------------------------+---------------------------+
|        ID        | STATUS  |             NAME             |        PEER ADDRS         |       CLIENT ADDRS        |
+------------------+---------+------------------------------+---------------------------+---------------------------+
| 6fc1e7c9db35841d | started | ip-10-0-131-183.ec2.internal | https://10.0.131.183:2380 | https://10.0.131.183:2379 |
| 757b6793e2408b6c | started |  ip-10-0-164-97.ec2.internal |  https://10.0.164.97:2380 |  https://10.0.164.97:2379 |
| ca8c2990a0aa29d1 | started | ip-10-0-154-204.ec2.internal | https://10.0.154.204:2380 | https://10.0.154.204:2379 |
+------------------+---------+------------------------------+---------------------------+---------------------------+
`;

test('normalizeId pads to 16 lower-case hex digits and rejects non-hex', () => {
  assert.is(normalizeId('4b2b4d0744853d4'), '04b2b4d0744853d4');
  assert.is(normalizeId(' 4B2B4D0744853D4 '), '04b2b4d0744853d4');
  assert.is(normalizeId('0xca8c2990a0aa29d1'), 'ca8c2990a0aa29d1');
  assert.is(normalizeId('4b2b4d0744853d4x'), null);
  assert.is(normalizeId('11112222333344445'), null);
  assert.is(normalizeId(''), null);
});

test('decimal uint64 IDs (from -w json text) convert exactly via BigInt', () => {
  // real 3.4.23 `-w json`: "ID":338531729403302868 is 4b2b4d0744853d4, 16417955320391814373 is e3d84b60ba304ce5
  assert.is(decimalIdToHex('338531729403302868'), '04b2b4d0744853d4');
  assert.is(decimalIdToHex('16417955320391814373'), 'e3d84b60ba304ce5');
  assert.is(decimalIdToHex('8052972462867317789'), '6fc1e7c9db35841d');
  assert.is(decimalIdToHex('18446744073709551616'), null); // 2^64
});

test('member list -w simple (etcd 3.4.23, real)', () => {
  const ms = parseMemberListSimple(SIMPLE_34);
  assert.is(ms.length, 3);
  assert.equal(ms[0], {
    id: '04b2b4d0744853d4',
    name: 'm2',
    peerURLs: ['http://127.0.0.1:26933'],
    clientURLs: ['http://127.0.0.1:26934'],
    started: true,
    isLearner: false,
    healthy: null,
    leader: false,
  });
  assert.equal(ms.map((m) => m.id), ['04b2b4d0744853d4', '5aebbc0451b34671', 'f61a429e23f58b7b']);
});

test('member list -w table equals -w simple (3.4.23, real)', () => {
  assert.equal(parseMemberListTable(TABLE_34), parseMemberListSimple(SIMPLE_34));
  assert.equal(parseMemberList(TABLE_34), parseMemberList(SIMPLE_34));
});

test('unstarted learner and multi-URL unstarted voter (3.4.23, real)', () => {
  for (const text of [SIMPLE_34_LEARNER, TABLE_34_LEARNER]) {
    const ms = parseMemberList(text);
    assert.is(ms.length, 4);
    const learner = ms[1];
    assert.is(learner.id, '1a114dc5b9a2eb60');
    assert.is(learner.name, '');
    assert.is(learner.started, false);
    assert.is(learner.isLearner, true);
    assert.equal(learner.clientURLs, []);
    const multi = ms[3];
    assert.equal(multi.peerURLs, ['http://127.0.0.1:26939', 'http://127.0.0.2:26939']);
    assert.is(multi.started, false);
    assert.is(multi.isLearner, false);
  }
});

test('etcd 3.5 -w simple sample (openshift.md §2.10) and docs table without IS LEARNER', () => {
  const a = parseMemberList(SIMPLE_35);
  const b = parseMemberList(TABLE_DOCS);
  assert.equal(a, b);
  assert.is(a[0].id, '6fc1e7c9db35841d');
  assert.is(a[0].name, 'ip-10-0-131-183.ec2.internal');
  assert.is(peerIP(a[0]), '10.0.131.183');
  assert.is(a[2].id, 'ca8c2990a0aa29d1');
});

test('member remove output: space-padded %16x (3.4.23, real)', () => {
  assert.equal(parseMemberRemove('Member f61a429e23f58b7b removed from cluster ab6d56f13e8d2c3b\n'), {
    id: 'f61a429e23f58b7b',
    clusterId: 'ab6d56f13e8d2c3b',
  });
  assert.equal(parseMemberRemove('Member  4b2b4d0744853d4 removed from cluster ab6d56f13e8d2c3b\n'), {
    id: '04b2b4d0744853d4',
    clusterId: 'ab6d56f13e8d2c3b',
  });
  assert.equal(parseMemberRemove('Member 6fc1e7c9db35841d removed from cluster baa565c8919b060e'), { id: '6fc1e7c9db35841d', clusterId: 'baa565c8919b060e' });
  assert.is(parseMemberRemove('Error: bad member ID arg (strconv.ParseUint: parsing "4b2b4d0744853d4x": invalid syntax), expecting ID in Hex'), null);
});

test('peerIP handles IPv6', () => {
  assert.is(peerIP({ peerURLs: ['https://[fd00::12]:2380'] }), 'fd00::12');
  assert.is(peerIP({ peerURLs: [] }), null);
});

// etcdctl 3.4.23 `endpoint status --cluster -w simple` (trailing ", " for the empty ERRORS column)
const STATUS_SIMPLE = `http://127.0.0.1:26934, 4b2b4d0744853d4, 3.4.23, 20 kB, true, false, 2, 8, 8, 
http://127.0.0.1:26932, 5aebbc0451b34671, 3.4.23, 20 kB, false, false, 2, 8, 8, 
http://127.0.0.1:26936, f61a429e23f58b7b, 3.4.23, 20 kB, false, false, 2, 8, 8, 
`;
const STATUS_TABLE = `+------------------------+------------------+---------+---------+-----------+------------+-----------+------------+--------------------+--------+
|        ENDPOINT        |        ID        | VERSION | DB SIZE | IS LEADER | IS LEARNER | RAFT TERM | RAFT INDEX | RAFT APPLIED INDEX | ERRORS |
+------------------------+------------------+---------+---------+-----------+------------+-----------+------------+--------------------+--------+
| http://127.0.0.1:26934 |  4b2b4d0744853d4 |  3.4.23 |   20 kB |      true |      false |         2 |          8 |                  8 |        |
| http://127.0.0.1:26932 | 5aebbc0451b34671 |  3.4.23 |   20 kB |     false |      false |         2 |          8 |                  8 |        |
| http://127.0.0.1:26936 | f61a429e23f58b7b |  3.4.23 |   20 kB |     false |      false |         2 |          8 |                  8 |        |
+------------------------+------------------+---------+---------+-----------+------------+-----------+------------+--------------------+--------+
`;
// older 3.4 (before the IS LEARNER column): endpoint, id, version, db, leader, term, index, applied, errors
const STATUS_OLD = `https://10.0.131.183:2379, 6fc1e7c9db35841d, 3.4.9, 85 MB, false, 7, 123456, 123456, 
https://10.0.154.204:2379, ca8c2990a0aa29d1, 3.4.9, 85 MB, true, 7, 123456, 123456, 
`;

test('endpoint status -w simple / table (3.4.23, real) → leader', () => {
  for (const t of [STATUS_SIMPLE, STATUS_TABLE]) {
    const s = parseEndpointStatus(t);
    assert.is(s.length, 3);
    assert.equal(s.filter((x) => x.isLeader).map((x) => x.id), ['04b2b4d0744853d4']);
    assert.is(s[0].isLearner, false);
    assert.is(s[0].raftTerm, '2');
    assert.is(s[0].raftIndex, '8');
    assert.is(s[0].version, '3.4.23');
  }
});

test('endpoint status without IS LEARNER column', () => {
  const s = parseEndpointStatus(STATUS_OLD);
  assert.is(s.length, 2);
  assert.is(s[1].isLeader, true);
  assert.is(s[1].isLearner, null);
  assert.is(s[1].raftTerm, '7');
});

test('endpoint status with one member down: stdout has the live ones only (3.4.23, real)', () => {
  const stdout = `http://127.0.0.1:26934, 4b2b4d0744853d4, 3.4.23, 20 kB, true, false, 2, 8, 8, 
http://127.0.0.1:26932, 5aebbc0451b34671, 3.4.23, 20 kB, false, false, 2, 8, 8, 
`;
  assert.is(parseEndpointStatus(stdout).length, 2);
});

test.run();
