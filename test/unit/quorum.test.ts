// Quorum arithmetic: a table of cases (as Cluster API's remediation tests do).
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { faultTolerance, hasQuorum, quorumOf, safeToRemove } from '../../lib/diagnose/quorum.ts';

test('quorumOf', () => {
  assert.equal([1, 2, 3, 4, 5, 6, 7].map(quorumOf), [1, 2, 2, 3, 3, 4, 4]);
});

test('faultTolerance: 3 → 1, 5 → 2, 7 → 3; with failures', () => {
  assert.is(faultTolerance(3), 1);
  assert.is(faultTolerance(5), 2);
  assert.is(faultTolerance(7), 3);
  assert.is(faultTolerance(3, 2), 0);
  assert.is(faultTolerance(5, 3), 0);
  assert.is(faultTolerance(3, 1), 0);
});

test('hasQuorum', () => {
  assert.ok(hasQuorum(3, 2));
  assert.not.ok(hasQuorum(3, 1));
  assert.ok(hasQuorum(5, 3));
  assert.not.ok(hasQuorum(2, 1));
  assert.not.ok(hasQuorum(0, 0));
});

// [voters, healthy, targetHealthy, ok, reason]
const TABLE: [number, number, boolean, boolean, string | undefined][] = [
  [3, 2, false, true, undefined], // 3 members, 1 dead: remove it → 2 of 2 healthy
  [3, 1, false, false, 'QuorumLost'], // 3 members, 2 dead
  [3, 0, false, false, 'QuorumLost'],
  [3, 3, true, false, 'TargetHealthy'], // never remove a healthy member
  [5, 4, false, true, undefined], // 5 members, 1 dead → 4 voters, 4 healthy
  [5, 3, false, true, undefined], // 5 members, 2 dead → 4 voters, 3 healthy ≥ 3 (arithmetic ok; diagnose still refuses >1 unhealthy)
  [5, 2, false, false, 'QuorumLost'], // 5 members, 3 dead
  [4, 2, false, false, 'QuorumLost'], // 4 members, 2 dead: 2 < 3 now
  [4, 3, false, true, undefined], // 4 members (e.g. an extra), 1 dead → 3 voters, 3 healthy
  [2, 1, false, false, 'QuorumLost'], // 2 members, 1 dead: the removal cannot be committed
  [2, 2, true, false, 'TargetHealthy'],
  [1, 0, false, false, 'TooFewMembers'],
  [1, 1, true, false, 'TooFewMembers'],
];

for (const [v, h, th, ok, reason] of TABLE) {
  test(`safeToRemove voters=${v} healthy=${h} targetHealthy=${th} → ${ok ? 'ok' : reason}`, () => {
    const r = safeToRemove({ votingMembers: v, healthyVoters: h, targetHealthy: th });
    assert.is(r.ok, ok, r.message);
    assert.is(r.reason, reason);
    assert.is(r.votersAfter, v - 1);
  });
}

test('WouldLoseQuorum: arithmetic of removing a healthy member when allowed', () => {
  // 3 voters, 2 healthy, target healthy → after: 2 voters, 1 healthy < 2
  const r = safeToRemove({ votingMembers: 3, healthyVoters: 2, targetHealthy: true, allowHealthyTarget: true });
  assert.is(r.ok, false);
  assert.is(r.reason, 'WouldLoseQuorum');
  assert.is(r.healthyAfter, 1);
  assert.is(r.quorumAfter, 2);
  // 5 voters all healthy, removing one healthy: 4 voters, 4 healthy → ok
  assert.ok(safeToRemove({ votingMembers: 5, healthyVoters: 5, targetHealthy: true, allowHealthyTarget: true }).ok);
});

test.run();
