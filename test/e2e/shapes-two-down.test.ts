// Issue 9 item 10 / issue 18: five members, two machines stopped, replaced one at a time (auto --member A, then
// --member B), with --yes alone: no --force-backup. cluster-backup.sh refuses while clusteroperator/etcd is
// Progressing; when that is caused by this repair, the plan says upfront that the backup is taken with --force and
// why, and --yes accepts it. The hand-over of the first run prints the exact second command.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import type { SimHandle } from '../helpers/sim.ts';
import { masters, plugin, runningMasterNodes, stateEnv, waitDiagnosis, withSim } from '../helpers/shapes.ts';
import * as judge from '../helpers/judge.ts';

const esc = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/** Snapshots marked __POSSIBLY_DIRTY__ on the masters (found on the nodes, not in the plugin's words). */
function dirtySnapshots(sim: SimHandle): string[] {
  const nodes = join(sim.stateDir, 'nodes');
  return readdirSync(nodes).flatMap((n) => {
    const dir = join(nodes, n, 'root/home/core/assets/backup');
    return existsSync(dir) ? readdirSync(dir).filter((f) => /^snapshot_.*__POSSIBLY_DIRTY__\.db$/.test(f)).map((f) => `${n}:${f}`) : [];
  });
}

let dirtyBefore = 0;
/** The run took a forced backup (a new dirty snapshot on a node) exactly when its plan said so upfront, with why. */
function expectDirtyOnlyIfSaid(sim: SimHandle, stdout: string, run: number): boolean {
  const dirty = dirtySnapshots(sim);
  const said = /The backup is taken with cluster-backup\.sh --force \(its files are marked __POSSIBLY_DIRTY__\): \S/.test(stdout);
  const forced = dirty.length > dirtyBefore;
  dirtyBefore = dirty.length;
  assert.is(forced, said, `run ${run}: dirty snapshots ${dirty.join(', ') || 'none'}; the plan ${said ? 'said' : 'did not say'} --force`);
  return forced;
}

test('item 10: 5 members, 2 machines stopped: auto refuses naming both and the order; --member A then --member B, --yes alone, end with 5 healthy voters', async () => {
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
      const env = { ...stateEnv(), NO_COLOR: '1' };
      await waitDiagnosis(sim, 'unsafe', { reason: /^MultipleUnhealthyMembers/ });
      const healthy = ms.slice(2).map((m) => m.node);
      const healthyIds = await Promise.all(healthy.map((n) => judge.memberId(sim, n)));
      const [idA, idB] = [await judge.memberId(sim, A), await judge.memberId(sim, B)];
      const refused = await plugin(sim, ['auto', '--yes'], env);
      assert.is(refused.code, 4, refused.stderr);
      assert.match(refused.stderr, new RegExp(`auto --member ${esc(A)}\`, then \`auto --member ${esc(B)}`));

      // no --force-backup: when the backup needs --force because of this repair, the plan said so before any change
      const guard = await judge.watchEtcdCR(sim);
      const first = await plugin(sim, ['auto', '--yes', '--member', A], env);
      assert.is(first.code, 0, `exit ${first.code}\n${first.stdout}\n${first.stderr}`);
      expectDirtyOnlyIfSaid(sim, first.stdout, 1);
      // the exact second command
      assert.match(first.stdout + first.stderr, new RegExp(`next, run: (oc|kubectl) etcd-replace auto --member ${esc(B)} `));
      // A removed, its replacement not added while B is unhealthy; the guard stayed on through that whole run
      const mid = await judge.members(sim);
      assert.equal(mid.map((m) => m.id).sort(), [...healthyIds, idB].sort(), 'A removed, nothing added');
      await judge.expectGuardNeverOff(guard);

      await waitDiagnosis(sim, 'not-ready', { member: B });
      const second = await plugin(sim, ['auto', '--yes', '--member', B], env);
      assert.is(second.code, 0, `exit ${second.code}\n${second.stdout}\n${second.stderr}`);
      // the case: the second run's backup needs --force (clusteroperator/etcd Progressing because of this repair)
      assert.ok(expectDirtyOnlyIfSaid(sim, second.stdout, 2), 'the second run took its backup with --force, said in its plan');
      const nodes = await runningMasterNodes(sim);
      assert.is(nodes.length, 5, `running master machines' nodes: ${nodes}`);
      assert.not.ok(nodes.includes(A) || nodes.includes(B), `old nodes still run: ${nodes}`);
      await judge.expectHealthy(sim, nodes);
      const end = await judge.members(sim);
      assert.not.ok(end.some((m) => m.id === idA || m.id === idB), 'old members gone');
      // never a healthy member removed, never quorum lost, over both runs; the guard ends on
      for (const id of healthyIds) judge.expectMemberNeverRemoved(sim, id);
      judge.expectQuorumNeverLost(sim);
      await judge.expectGuardRestored(sim, null);
    },
  );
});

test.run();
