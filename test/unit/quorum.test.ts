// Quorum arithmetic: a table of cases (as Cluster API's remediation tests do).
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { quorumOf, safeToRemove } from '../../lib/diagnose/quorum.ts';

test('quorumOf', () => {
  assert.equal([1, 2, 3, 4, 5, 6, 7].map(quorumOf), [1, 2, 2, 3, 3, 4, 4]);
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

test.run();
