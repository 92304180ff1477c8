// Issue 9 items 5 (dual-stack, IPv6 listed first: the InternalIP of the service network's family) and 4 (UPI before 4.12: the old Node is
// deleted), on the simulator, through the plugin as a real process.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { diagnosisUntil, healthyVoters, masters, octet, plugin, stateEnv, statusUntil, withSim } from '../helpers/shapes.ts';

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
      const r = await plugin(sim, ['auto', '--yes'], stateEnv());
      assert.is(r.code, 0, `exit ${r.code}\n${r.stdout}\n${r.stderr}`);
      const after = await healthyVoters(sim, 3);
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
      const nodes = JSON.parse((await plugin(sim, ['status', '-o', 'json'])).stdout).nodes.map((n: any) => n.name);
      assert.not.ok(nodes.includes(ms[0]!.node), `old Node still exists: ${nodes}`);
      // With the dead Node gone the installer stops targeting it (4.6–4.11 target every master Node).
      const deadline = Date.now() + 90_000;
      let last = '';
      for (;;) {
        const doc = JSON.parse((await plugin(sim, ['status', '-o', 'json'])).stdout);
        const c = doc.etcd.conditions.find((x: any) => x.type === 'NodeInstallerProgressing');
        last = `${c?.reason}: ${c?.message}`;
        if (c?.reason === 'AllNodesAtLatestRevision') break;
        if (Date.now() > deadline) assert.unreachable(`NodeInstallerProgressing never settled (${last})`);
        await new Promise((res) => setTimeout(res, 1000));
      }
    },
  );
});

test.run();
