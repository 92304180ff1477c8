// Issue 9 items 5 (dual-stack, IPv6 listed first: the InternalIP of the service network's family) and 4 (UPI before 4.12: the old Node is
// deleted), on the simulator, through the plugin as a real process.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { octet, plugin, stateEnv, statusUntil, withSim } from '../helpers/shapes.ts';
import { waitFor } from '../helpers/sim.ts';
import * as judge from '../helpers/judge.ts';

test('item 5: dual-stack, IPv4 service network, nodes list IPv6 first: crash loop diagnosed by the IPv4 InternalIP, replaced', async () => {
  const o = octet();
  const ms = [0, 1, 2].map((i) => ({ node: `master-${i}.ocp${o}.example.com`, ip: `10.${o}.111.${20 + i}`, ipv6: `fd2e:6f44:${o.toString(16)}::${20 + i}` }));
  await withSim(
    {
      openshift: '4.14',
      platform: 'none',
      network: { ipFamilies: ['IPv4', 'IPv6'], nodeAddressOrder: ['IPv6', 'IPv4'] },
      masters: ms,
      workers: 0,
      faults: [{ node: ms[0]!.node, kind: 'etcd-crashloop' }],
      timing: { provisionSeconds: 1, rolloutSeconds: 1 },
    },
    async (sim) => {
      const doc = await statusUntil(sim, 'crashloop');
      assert.is(doc.diagnosis.member.node, ms[0]!.node);
      const n0 = doc.nodes.find((n: any) => n.name === ms[0]!.node);
      assert.is(n0.internalIP, ms[0]!.ip, 'the InternalIP of the service network family, not the first listed');
      const oldId = await judge.memberId(sim, ms[0]!.node);
      const r = await plugin(sim, ['auto', '--yes'], stateEnv());
      assert.is(r.code, 0, `exit ${r.code}\n${r.stdout}\n${r.stderr}`);
      await judge.expectHealthy(sim, ms.map((m) => m.node));
      await judge.expectReplaced(sim, { oldId, name: ms[0]!.node });
      judge.expectQuorumNeverLost(sim);
      // the peer URLs as the cluster shows them (the simulator's etcd runs on loopback mirrors of the node IPs): status
      const after = (await statusUntil(sim, 'healthy')) as any;
      assert.ok(after.members.every((m: any) => /^https:\/\/10\./.test(m.peerURLs[0])), JSON.stringify(after.members.map((m: any) => m.peerURLs)));
    },
  );
});

test('item 4: UPI 4.10 (no Machine API), node NotReady: the old Node is deleted before the manual step, so the installer settles', async () => {
  const o = octet();
  const ms = [0, 1, 2].map((i) => ({ node: `master-${i}.upi${o}.example.com`, ip: `10.${o}.111.${20 + i}` }));
  await withSim(
    { openshift: '4.10', platform: 'none', masters: ms, workers: 0, faults: [{ node: ms[0]!.node, kind: 'node-not-ready' }], timing: { provisionSeconds: 1, rolloutSeconds: 1 } },
    async (sim) => {
      await statusUntil(sim, 'not-ready');
      const r = await plugin(sim, ['auto', '--yes'], stateEnv());
      assert.is(r.code, 5, `exit ${r.code}\n${r.stdout}\n${r.stderr}`);
      assert.match(r.stdout + r.stderr, new RegExp(`delete node ${ms[0]!.node.replace(/\./g, '\\.')}`));
      await judge.expectGone(sim, ['node', ms[0]!.node], 'the old Node');
      // With the dead Node gone the installer stops targeting it (4.6–4.11 target every master Node).
      await waitFor(
        'NodeInstallerProgressing to settle (AllNodesAtLatestRevision)',
        async () => (await judge.expectExists(sim, ['etcd', 'cluster'])).status?.conditions?.find((x: any) => x.type === 'NodeInstallerProgressing')?.reason === 'AllNodesAtLatestRevision',
        120_000,
        1000,
      );
    },
  );
});

test.run();
