// Issue 18, the CPMS branch of a half-done replacement: "CPMS active: wait for it and say so". A 4.16 cluster whose
// broken master's Machine was deleted while its control plane machine set was Inactive: the etcd operator's
// member-removal controller removed the member, the Machine and the Node went, nothing replaced it. The administrator
// then activates the CPMS; it creates the Machine of the empty index (cluster-control-plane-machine-set-operator
// release-4.16 machineInfosByIndex) timing.cpmsReconcileSeconds after it first sees it: 60 here, so that status and
// auto read the cluster and take the backup before it does (the new node's rollout makes the etcd operator
// Progressing). `status` names the stage and says the CPMS creates the machine; `auto --yes` waits for it, says so,
// copies no machine, and ends healthy. Judged by test/helpers/judge.ts.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { kubectl, waitFor } from '../helpers/sim.ts';
import { runPlugin, stateEnv, withSim } from '../helpers/plugin.ts';
import * as judge from '../helpers/judge.ts';
import * as hand from '../helpers/byhand.ts';

const { N, M, scenario: SCENARIO } = hand.deletedMachineCluster(63, 'cpmsReconcileSeconds: 60');
const MAPI = 'openshift-machine-api';

test('Machine deleted while the CPMS was Inactive, the CPMS then activated: status says the Active control plane machine set creates the machine; auto --yes waits for it, says so, and finishes', async () => {
  await withSim(SCENARIO, async (s) => {
    const env = stateEnv();
    const keep = await hand.operatorRemovedMember(s, N, M, judge.members);
    const since = new Date().toISOString();
    // the node's removal rolls out a new etcd revision: wait until that is done, as the backup (cluster-backup.sh)
    // wants: no node status for it and Progressing=False on three reads in a row
    let settled = 0;
    await waitFor('the etcd operator settled after the node went (no node status for it, Progressing=False)', () => {
      const e = JSON.parse(kubectl(s, ['get', 'etcd', 'cluster', '-o', 'json']).stdout || '{}');
      const listed = (e?.status?.nodeStatuses ?? []).some((x: any) => x.nodeName === N[0]);
      const progressing = kubectl(s, ['get', 'clusteroperator', 'etcd', '-o', 'jsonpath={.status.conditions[?(@.type=="Progressing")].status}']).stdout.trim();
      settled = !listed && progressing === 'False' ? settled + 1 : 0;
      return settled >= 3;
    }, 180_000, 1000);
    // the administrator activates the control plane machine set (clusters upgraded from 4.11 and earlier need it)
    const p = kubectl(s, ['-n', MAPI, 'patch', 'controlplanemachineset', 'cluster', '--type=merge', '-p', '{"spec":{"state":"Active"}}']);
    assert.is(p.exitCode, 0, p.stderr);
    const [st, r] = await Promise.all([runPlugin(s, ['status', '-o', 'json'], { env }), runPlugin(s, ['auto', '--yes'], { env })]);
    assert.is(st.code, 3, `a replaceable state (exit 3): ${st.stderr}`);
    const reasons: string[] = JSON.parse(st.stdout).diagnosis.reasons;
    assert.is(reasons[0], 'PartialReplacement: member removed, no machine replaces it');
    assert.ok(reasons.includes('no machine replaces it yet: the Active control plane machine set creates one'), reasons.join('\n'));
    assert.is(r.code, 0, `exit ${r.code}\n${r.stdout}\n${r.stderr}`);
    assert.match(r.stdout, /no machine replaces it yet: the Active control plane machine set creates one/);
    assert.match(r.stdout, /Wait for the Active control plane machine set to create the new master machine/);
    assert.not.match(r.stdout, /Create the new master machine|Save machine/, 'nothing copies a machine: the CPMS makes it');
    const machines = (await judge.getJSON(s, ['-n', MAPI, 'machines']))!.items as any[];
    const made = machines.filter((m) => !M.includes(m.metadata.name));
    assert.is(made.length, 1, machines.map((m) => m.metadata.name).join(', '));
    // machineInfosByIndex fills the lowest index without a Machine: 0
    assert.match(made[0].metadata.name, /^clustername-8qw5l-master-[a-z0-9]{5}-0$/, 'the CPMS names it for the empty index 0');
    assert.is(made[0].metadata.ownerReferences?.[0]?.kind, 'ControlPlaneMachineSet');
    const nodes = hand.masterNodes(s);
    assert.is(nodes.length, 3, nodes.join(', '));
    await judge.expectHealthy(s, nodes);
    await judge.expectGuardRestored(s, null);
    for (const id of keep) judge.expectMemberNeverRemoved(s, id, since);
    judge.expectQuorumNeverLost(s);
  });
});

test.run();
