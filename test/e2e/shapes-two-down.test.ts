// Issue 9 item 10: five members, two machines stopped, replaced one at a time (auto --member A, then --member B).
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { diagnosisUntil, healthyVoters, masters, octet, plugin, stateEnv, statusUntil, withSim } from '../helpers/shapes.ts';

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
      const deadline = Date.now() + 75_000;
      let doc: any;
      for (;;) {
        doc = await statusUntil(sim, 'unsafe');
        if (doc.diagnosis.reasons.some((r: string) => r.startsWith('MultipleUnhealthyMembers'))) break;
        if (Date.now() > deadline) assert.unreachable(JSON.stringify(doc.diagnosis));
        await new Promise((r) => setTimeout(r, 1000));
      }
      const refused = await plugin(sim, ['auto', '--yes'], env);
      assert.is(refused.code, 4, refused.stderr);
      assert.match(refused.stderr, new RegExp(`auto --member ${A.replace(/\./g, '\\.')}\`, then \`auto --member ${B.replace(/\./g, '\\.')}`));

      // cluster-backup.sh refuses while clusteroperator/etcd is Progressing, as it may be with two members down:
      // the user's explicit --force-backup (the backup is then marked __POSSIBLY_DIRTY__).
      const first = await plugin(sim, ['auto', '--yes', '--force-backup', '--member', A], env);
      assert.is(first.code, 0, `exit ${first.code}\n${first.stdout}\n${first.stderr}`);
      assert.match(first.stdout + first.stderr, new RegExp(`auto --member ${B.replace(/\./g, '\\.')}`));
      const mid = JSON.parse((await plugin(sim, ['status', '-o', 'json'])).stdout);
      assert.is(mid.members.length, 4, 'A removed, its replacement not added while B is unhealthy');
      assert.is(mid.etcd.unsupportedConfigOverrides, null, 'the quorum guard was never turned off');

      await diagnosisUntil(sim, B, 'not-ready');
      const second = await plugin(sim, ['auto', '--yes', '--force-backup', '--member', B], env);
      assert.is(second.code, 0, `exit ${second.code}\n${second.stdout}\n${second.stderr}`);
      const end = await healthyVoters(sim, 5);
      assert.not.ok(end.members.some((m: any) => m.name === A || m.name === B), 'old members gone');
    },
  );
});

test.run();
