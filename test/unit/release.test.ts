// Which release decides the runbook's release gates: the etcd operator's own version (openshift.md §0.1).
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { releaseOf } from '../../lib/cluster/read.ts';
import { releaseAtLeast } from '../../lib/runbooks/steps/shared.ts';

const upgradingCV = {
  status: {
    desired: { version: '4.12.70' },
    history: [
      { state: 'Partial', version: '4.12.70' },
      { state: 'Completed', version: '4.11.59' },
    ],
  },
};

test('during an upgrade the etcd operator version wins over the last Completed ClusterVersion entry', () => {
  const co = { status: { versions: [{ name: 'raw-internal', version: '4.12.70' }, { name: 'operator', version: '4.12.70' }] } };
  assert.is(releaseOf(upgradingCV, co), '4.12.70');
  assert.ok(releaseAtLeast(releaseOf(upgradingCV, co), '4.12'), 'delete-node gate follows the operator');
});

test('etcd operator not yet updated: its old version', () => {
  assert.is(releaseOf(upgradingCV, { status: { versions: [{ name: 'operator', version: '4.11.59' }] } }), '4.11.59');
});

test('no etcd ClusterOperator readable: the last Completed ClusterVersion entry', () => {
  assert.is(releaseOf(upgradingCV, null), '4.11.59');
  assert.is(releaseOf({ status: { history: [{ state: 'Completed', version: '4.14.8' }] } }), '4.14.8');
});

test.run();
