// Issue 9 items 5 (dual-stack, IPv6 listed first: the InternalIP of the service network's family) and 4 (UPI before 4.12: the old Node is
// deleted), on the simulator, through the plugin as a real process.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { octet, plugin, stateEnv, statusUntil, waitDiagnosis, withSim } from '../helpers/shapes.ts';
import { kubectl, waitFor } from '../helpers/sim.ts';
import * as judge from '../helpers/judge.ts';

test('item 5: dual-stack, IPv4 service network, nodes list IPv6 first (4.18): crash loop diagnosed by the IPv4 InternalIP, procedure B, replaced', async () => {
  const o = octet();
  const ms = [0, 1, 2].map((i) => ({ node: `master-${i}.ocp${o}.example.com`, ip: `10.${o}.111.${20 + i}`, ipv6: `fd2e:6f44:${o.toString(16)}::${20 + i}` }));
  await withSim(
    {
      // 4.18: procedure B where the quorum check became a precondition of every new revision (issue 25)
      openshift: '4.18',
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
      const guard = await judge.watchEtcdCR(sim);
      const r = await plugin(sim, ['auto', '--yes'], stateEnv());
      assert.is(r.code, 0, `exit ${r.code}\n${r.stdout}\n${r.stderr}`);
      await judge.expectHealthy(sim, ms.map((m) => m.node));
      await judge.expectReplaced(sim, { oldId, name: ms[0]!.node });
      await judge.expectGuardOffThenRestored(sim, guard, null);
      judge.expectQuorumNeverLost(sim);
      // every member's peer URL is its node's IPv4 address (the service network's family), as etcd itself lists it:
      // the simulator's etcds listen on loopback mirrors of the node IPs (first octet 127)
      const after = await judge.members(sim);
      for (const m of after) {
        const ip = ms.find((x) => x.node === m.name)!.ip;
        assert.is(new URL(m.peerURLs[0]!).hostname, ip.replace(/^\d+\./, '127.'), `${m.name}: ${m.peerURLs.join(', ')}`);
      }
    },
  );
});

test('item 4: UPI 4.10 (no Machine API), node NotReady: the old Node is deleted before the manual step, so the installer settles; the administrator adds a node and --resume finishes', async () => {
  const o = octet();
  const ms = [0, 1, 2].map((i) => ({ node: `master-${i}.upi${o}.example.com`, ip: `10.${o}.111.${20 + i}` }));
  await withSim(
    { openshift: '4.10', platform: 'none', masters: ms, workers: 0, faults: [{ node: ms[0]!.node, kind: 'node-not-ready' }], timing: { provisionSeconds: 1, rolloutSeconds: 1 } },
    async (sim) => {
      await waitDiagnosis(sim, 'not-ready');
      const oldId = await judge.memberId(sim, ms[0]!.node);
      const keep = await Promise.all(ms.slice(1).map((m) => judge.memberId(sim, m.node)));
      const guard = await judge.watchEtcdCR(sim);
      const env = stateEnv();
      const r = await plugin(sim, ['auto', '--yes'], env);
      assert.is(r.code, 5, `exit ${r.code}\n${r.stdout}\n${r.stderr}`);
      assert.match(r.stdout + r.stderr, new RegExp(`delete node ${ms[0]!.node.replace(/\./g, '\\.')}`));
      assert.match(r.stderr, /auto --resume/);
      await judge.expectGone(sim, ['node', ms[0]!.node], 'the old Node');
      assert.not.ok((await judge.members(sim)).some((m) => m.id === oldId), 'the old member removed before the manual step');
      // With the dead Node gone the installer stops targeting it (4.6–4.11 target every master Node).
      await waitFor(
        'NodeInstallerProgressing to settle (AllNodesAtLatestRevision)',
        async () => (await judge.expectExists(sim, ['etcd', 'cluster'])).status?.conditions?.find((x: any) => x.type === 'NodeInstallerProgressing')?.reason === 'AllNodesAtLatestRevision',
        120_000,
        1000,
      );
      // the administrator boots a new control-plane host the way the old one was made (simulator harness input:
      // sim/world/upi-hosts.ts), then resumes
      const fresh = { node: `master-3.upi${o}.example.com`, ip: `10.${o}.111.23` };
      // (as JSON manifests: kubectl's `create namespace` may send protobuf, which the simulator does not decode)
      const ns = kubectl(sim, ['create', '-f', '-'], JSON.stringify({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'sim-system' } }));
      assert.ok(ns.exitCode === 0 || /AlreadyExists|already exists/.test(ns.stderr), ns.stderr);
      const cm = kubectl(sim, ['create', '-f', '-'], JSON.stringify({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'new-control-plane-hosts', namespace: 'sim-system' }, data: { [fresh.node]: fresh.ip } }));
      assert.is(cm.exitCode, 0, cm.stderr);
      await waitFor('the new node to be Ready', async () => (await judge.getJSON(sim, ['node', fresh.node]))?.status?.conditions?.some((c: any) => c.type === 'Ready' && c.status === 'True'), 60_000, 500);
      const resumed = await plugin(sim, ['auto', '--resume', '--yes'], env);
      assert.is(resumed.code, 0, `exit ${resumed.code}\n${resumed.stdout}\n${resumed.stderr}`);
      await judge.expectHealthy(sim, [ms[1]!.node, ms[2]!.node, fresh.node]);
      await judge.expectReplaced(sim, { oldId, name: fresh.node });
      await judge.expectGuardOffThenRestored(sim, guard, null);
      for (const id of keep) judge.expectMemberNeverRemoved(sim, id);
      judge.expectQuorumNeverLost(sim);
    },
  );
});

test.run();
