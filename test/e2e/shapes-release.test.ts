// Issue 9 items 8 and 9 (member count before 4.11, release gates during an upgrade) and item 5 (IPv6 service
// network): status and plans on the simulator, through the plugin as a real process.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { masters, octet, plugin, stateEnv, statusUntil, withSim } from '../helpers/shapes.ts';

test('item 8: 5-master 4.10 cluster (no observedConfig.controlPlane.replicas): healthy, 5 expected members from the install-config', async () => {
  await withSim({ openshift: '4.10', platform: 'aws', masters: masters(5), workers: 0, timing: { provisionSeconds: 1, rolloutSeconds: 1 } }, async (sim) => {
    const doc = await statusUntil(sim, 'healthy', 30_000);
    assert.is(doc.members.length, 5);
    assert.is(doc.etcd.controlPlaneReplicas, 5);
  });
});

test('item 9: upgrade 4.7 → 4.8 in progress (etcd operator already 4.8): the plan turns the quorum guard off', async () => {
  const ms = masters(3);
  await withSim(
    { openshift: '4.8', upgradingFrom: '4.7', platform: 'aws', masters: ms, workers: 0, faults: [{ node: ms[0]!.node, kind: 'machine-stopped' }], timing: { provisionSeconds: 1, rolloutSeconds: 1 } },
    async (sim) => {
      const doc = await statusUntil(sim, 'not-ready');
      assert.match(doc.cluster.release, /^4\.8\./);
      const dry = await plugin(sim, ['auto', '--dry-run'], stateEnv());
      assert.is(dry.code, 0, dry.stderr);
      assert.match(dry.stdout, /useUnsupportedUnsafeNonHANonProductionUnstableEtcd/);
    },
  );
});

test('item 5: IPv6 service network: peer URLs https://[v6]:2380 match the nodes, crash loop diagnosed', async () => {
  const o = octet();
  const ms = [0, 1, 2].map((i) => ({ node: `master-${i}.ocp${o}.example.com`, ip: `10.${o}.111.${20 + i}`, ipv6: `fd2e:6f44:${o.toString(16)}::${20 + i}` }));
  await withSim(
    {
      openshift: '4.14',
      platform: 'none',
      network: { ipFamilies: ['IPv6', 'IPv4'] },
      masters: ms,
      workers: 0,
      faults: [{ node: ms[1]!.node, kind: 'etcd-crashloop' }],
      timing: { provisionSeconds: 1, rolloutSeconds: 1 },
    },
    async (sim) => {
      const doc = await statusUntil(sim, 'crashloop');
      assert.is(doc.diagnosis.member.node, ms[1]!.node);
      const m1 = doc.members.find((m: any) => m.name === ms[1]!.node);
      assert.equal(m1.peerURLs, [`https://[${ms[1]!.ipv6}]:2380`]);
      const dry = await plugin(sim, ['auto', '--dry-run'], stateEnv());
      assert.is(dry.code, 0, dry.stderr);
      assert.match(dry.stdout, new RegExp(`${ms[1]!.ipv6!.replace(/[.:]/g, (c) => `\\${c}`)}`));
    },
  );
});

test.run();
