// End-to-end: `auto` on an installer-provisioned bare-metal cluster (Metal3) with an active control plane machine set,
// onto new hardware given with `--bmh FILE` (a bad manifest refused first, before any change).
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { join } from 'node:path';
import { writeFileSync } from 'node:fs';
import { stringify } from 'yaml';
import { startJudgedSim } from '../helpers/plugin.ts';
import * as judge from '../helpers/judge.ts';
import { readClusterState } from '../../lib/cluster/read.ts';
import { diagnose } from '../../lib/diagnose/diagnose.ts';
import { NS, assertReplaced, envFor, journal, kubeFor, plugin, scenario, stepStatus, waitNotReady } from '../helpers/baremetal.ts';

test('stopped bare-metal master, active CPMS, --bmh onto new hardware: bad manifests refused before any change (exit 2), then the CPMS machine lands on the new host', async () => {
  const sim = await startJudgedSim(scenario({ oct: 32, openshift: '4.16', cpms: 'active', fault: 'machine-stopped' }));
  try {
    const env = envFor(sim.kubeconfig);
    await waitNotReady(sim);
    const k = kubeFor(sim.kubeconfig);
    const oldId = await judge.memberId(sim, 'openshift-control-plane-2');
    const idsBefore = (await judge.members(sim)).map((m) => m.id).sort();
    // the plugin's reader and diagnosis are the product under test here (status names the host)
    const state = await readClusterState(k);
    const h2 = state.hosts!.find((h) => h.name === 'openshift-control-plane-2')!;
    assert.equal([h2.state, h2.consumer, h2.online, h2.poweredOn], ['externally provisioned', 'examplecluster-control-plane-2', true, false]);
    assert.match(diagnose(state).action, /delete BareMetalHost openshift-control-plane-2 .*and machine examplecluster-control-plane-2/);
    const other = await k.json(['-n', NS, 'get', 'bmh', 'openshift-control-plane-0']);
    const file = (host: Record<string, unknown>) => {
      const f = join(env.XDG_STATE_HOME, `bmh-${Math.random().toString(36).slice(2)}.yaml`);
      const docs = [
        { apiVersion: 'v1', kind: 'Secret', metadata: { name: 'openshift-control-plane-3-bmc-secret', namespace: NS }, type: 'Opaque', stringData: { username: 'admin', password: 'secret' } },
        {
          apiVersion: 'metal3.io/v1alpha1',
          kind: 'BareMetalHost',
          metadata: { name: 'openshift-control-plane-3', namespace: NS },
          spec: {
            automatedCleaningMode: 'disabled',
            bmc: { address: 'redfish://10.46.61.19:443/redfish/v1/Systems/1', credentialsName: 'openshift-control-plane-3-bmc-secret', disableCertificateVerification: true },
            bootMACAddress: '48:df:37:b0:88:cc',
            bootMode: 'UEFI',
            externallyProvisioned: false,
            online: true,
            rootDeviceHints: { deviceName: '/dev/sda' },
            userData: { name: 'master-user-data-managed', namespace: NS },
            ...host,
          },
        },
      ];
      writeFileSync(f, docs.map((d) => stringify(d)).join('---\n'));
      return f;
    };
    // the other refusals are unit-tested (test/unit/baremetal-host.test.ts); this one needs the cluster's hosts
    for (const [bad, why] of [[{ bootMACAddress: other.spec.bootMACAddress }, /is already used by host openshift-control-plane-0/]] as const) {
      const r = await plugin(['auto', '--yes', '--client', 'kubectl', '--bmh', file(bad)], env);
      assert.is(r.code, 2, `${r.stdout}\n${r.stderr}`);
      assert.match(r.stderr, why);
      assert.is(r.stderr.trim().split('\n').length, 1, r.stderr);
      assert.ok(r.stderr.includes('--bmh'), r.stderr);
      assert.is(journal(env.XDG_STATE_HOME), null, 'nothing started');
    }
    assert.equal((await judge.members(sim)).map((m) => m.id).sort(), idsBefore, 'no member removed');

    const r = await plugin(['auto', '--yes', '--client', 'kubectl', '--bmh', file({})], env);
    assert.is(r.code, 0, `${r.stdout}\n${r.stderr}`);
    const j = journal(env.XDG_STATE_HOME);
    assert.is(stepStatus(j, 'save-machine'), undefined, 'CPMS: no machine YAML copy');
    assert.is(stepStatus(j, 'remove-machine-finalizer'), 'skipped');
    await judge.expectGone(sim, ['-n', NS, 'bmh', 'openshift-control-plane-2'], 'the old host');
    await assertReplaced(sim, { oldId, host: 'openshift-control-plane-3', machine: /^examplecluster-master-[a-z0-9]{5}-2$/ });
  } finally {
    await sim.stop();
  }
});

test.run();
