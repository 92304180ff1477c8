// Issue 9 item 10: five members, two machines stopped, replaced one at a time (auto --member A, then --member B).
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { masters, plugin, runningMasterNodes, stateEnv, waitDiagnosis, withSim } from '../helpers/shapes.ts';
import * as judge from '../helpers/judge.ts';

test('item 10: 5 members, 2 machines stopped: auto refuses naming both and the order; --member A then --member B end with 5 healthy voters', async () => {
  const ms = masters(5);
  const [A, B] = [ms[0]!.node, ms[1]!.node];
  await withSim(
    {
      openshift: '4.14',
      platform: 'aws',
      masters: ms,
      workers: 0,
      faults: [
        { node: A, kind: 'machine-stopped' },
        { node: B, kind: 'machine-stopped' },
      ],
      timing: { provisionSeconds: 1, rolloutSeconds: 1 },
    },
    async (sim) => {
      const env = stateEnv();
      await waitDiagnosis(sim, 'unsafe', { reason: /^MultipleUnhealthyMembers/ });
      const healthy = ms.slice(2).map((m) => m.node);
      const healthyIds = await Promise.all(healthy.map((n) => judge.memberId(sim, n)));
      const [idA, idB] = [await judge.memberId(sim, A), await judge.memberId(sim, B)];
      const refused = await plugin(sim, ['auto', '--yes'], env);
      assert.is(refused.code, 4, refused.stderr);
      assert.match(refused.stderr, new RegExp(`auto --member ${A.replace(/\./g, '\\.')}\`, then \`auto --member ${B.replace(/\./g, '\\.')}`));

      // cluster-backup.sh refuses while clusteroperator/etcd is Progressing, as it may be with two members down:
      // the user's explicit --force-backup (the backup is then marked __POSSIBLY_DIRTY__).
      const guard = await judge.watchEtcdCR(sim);
      const first = await plugin(sim, ['auto', '--yes', '--force-backup', '--member', A], env);
      assert.is(first.code, 0, `exit ${first.code}\n${first.stdout}\n${first.stderr}`);
      assert.match(first.stdout + first.stderr, new RegExp(`auto --member ${B.replace(/\./g, '\\.')}`));
      // A removed, its replacement not added while B is unhealthy; the guard stayed on through that whole run
      const mid = await judge.members(sim);
      assert.equal(mid.map((m) => m.id).sort(), [...healthyIds, idB].sort(), 'A removed, nothing added');
      await judge.expectGuardNeverOff(guard);

      await waitDiagnosis(sim, 'not-ready', { member: B });
      const second = await plugin(sim, ['auto', '--yes', '--force-backup', '--member', B], env);
      assert.is(second.code, 0, `exit ${second.code}\n${second.stdout}\n${second.stderr}`);
      const nodes = await runningMasterNodes(sim);
      assert.is(nodes.length, 5, `running master machines' nodes: ${nodes}`);
      assert.not.ok(nodes.includes(A) || nodes.includes(B), `old nodes still run: ${nodes}`);
      await judge.expectHealthy(sim, nodes);
      const end = await judge.members(sim);
      assert.not.ok(end.some((m) => m.id === idA || m.id === idB), 'old members gone');
      // never a healthy member removed, never quorum lost, over both runs
      for (const id of healthyIds) judge.expectMemberNeverRemoved(sim, id);
      judge.expectQuorumNeverLost(sim);
    },
  );
});

test.run();
