// Desired control-plane member count: observedConfig (4.11+), else the install-config (openshift.md §0.1).
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { installConfigReplicas, observedReplicas } from '../../lib/cluster/read.ts';

test('observedConfig.controlPlane.replicas only when present (absent on 4.6–4.10)', () => {
  assert.is(observedReplicas({ spec: { observedConfig: { controlPlane: { replicas: 5 } } } }), 5);
  assert.is(observedReplicas({ spec: { observedConfig: { servingInfo: {} } } }), null);
  assert.is(observedReplicas({}), null);
});

test('install-config controlPlane.replicas', () => {
  const ic = 'apiVersion: v1\nbaseDomain: example.com\ncontrolPlane:\n  hyperthreading: Enabled\n  name: master\n  platform: {}\n  replicas: 5\nmetadata:\n  name: c\n';
  assert.is(installConfigReplicas(ic), 5);
  assert.is(installConfigReplicas('controlPlane: {name: master}\n'), null);
  assert.is(installConfigReplicas(': not yaml ['), null);
  assert.is(installConfigReplicas(''), null);
});

test.run();
