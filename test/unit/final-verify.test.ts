// The final verification's verdict (lib/runbooks/steps/verify.ts finalGap): what it accepts and each way it refuses,
// on hand-built states (test/helpers/state-fixtures.ts). Its e2e failure branch (a member added by hand at the last
// question, exit 5 naming it, then --resume) is in test/e2e/cli.test.ts.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { finalGap } from '../../lib/runbooks/steps/verify.ts';
import type { PlanFacts } from '../../lib/runbooks/step.ts';
import { A, B, C, healthy, member } from '../helpers/state-fixtures.ts';

const OLD = 'aaaaaaaaaaaaaaaa';
const facts = { controlPlaneReplicas: 3, target: { memberId: OLD } } as unknown as PlanFacts;
const settled = () => healthy().etcd;

test('three started, healthy voters, the old one gone, operator settled: no gap', () => {
  assert.is(finalGap({ members: [member(A!), member(B!), member(C!)], etcd: settled() }, facts), '');
});

test('each refusal names what is wrong', () => {
  const cases: [string, Parameters<typeof finalGap>[0], RegExp][] = [
    ['an extra unstarted member', { members: [member(A!), member(B!), member(C!), { ...member(A!), id: 'bbbbbbbbbbbbbbbb', name: '', started: false, healthy: null }], etcd: settled() }, /^4 members, want exactly 3; not started\/healthy\/voting: bbbbbbbbbbbbbbbb$/],
    ['one missing', { members: [member(A!), member(B!)], etcd: settled() }, /^2 members, want exactly 3$/],
    ['a learner', { members: [member(A!), member(B!), member(C!, { isLearner: true })], etcd: settled() }, new RegExp(`^not started/healthy/voting: ${C!.node}$`)],
    ['an unhealthy member', { members: [member(A!), member(B!, { healthy: false }), member(C!)], etcd: settled() }, new RegExp(`^not started/healthy/voting: ${B!.node}$`)],
    ['health unknown', { members: [member(A!), member(B!), member(C!, { healthy: null })], etcd: settled() }, new RegExp(`not started/healthy/voting: ${C!.node}`)],
    ['the old member still listed', { members: [member(A!, { id: OLD }), member(B!), member(C!)], etcd: settled() }, new RegExp(`^old member ${OLD} is still listed$`)],
    ['the member list unreadable', { members: [], memberListError: 'context deadline exceeded', etcd: settled() }, /^member list: context deadline exceeded; 0 members, want exactly 3$/],
    [
      'EtcdMembersAvailable not True',
      { members: [member(A!), member(B!), member(C!)], etcd: { ...settled(), conditions: [{ type: 'EtcdMembersAvailable', status: 'False', reason: 'NoQuorum', message: '' }] } },
      /^EtcdMembersAvailable is False$/,
    ],
    [
      'a revision still rolling out',
      { members: [member(A!), member(B!), member(C!)], etcd: { ...settled(), conditions: [...settled().conditions, { type: 'NodeInstallerProgressing', status: 'True', reason: 'NodeInstaller', message: '1 node is at revision 7; 2 nodes are at revision 8' }] } },
      /^NodeInstallerProgressing: NodeInstaller 1 node is at revision 7; 2 nodes are at revision 8$/,
    ],
  ];
  for (const [what, state, re] of cases) assert.match(finalGap(state, facts), re, what);
});

test.run();
