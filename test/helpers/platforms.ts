// Procedure A on one installer-provisioned platform (issue 23): master 0's instance is stopped the platform's way,
// `auto --yes` replaces it (the Machine re-created from its YAML, or by an Active control plane machine set), and
// the outcome is judged from the world's side (test/helpers/judge.ts):
//   - the plugin read the stopped instance from the platform's own value (a precondition: the diagnosis names it);
//   - the new Machine's providerSpec equals the old one (same failure domain) and differs from each survivor only in
//     the platform's failure-domain fields; no providerID, instance annotations or status of the old instance;
//   - the new Machine is Running with the provider's running state; the old machine is gone;
//   - three healthy voters, the old member replaced, quorum never lost.
import * as assert from 'uvu/assert';
import { runPlugin, stateEnv, waitDiagnosis, withSim } from './plugin.ts';
import * as judge from './judge.ts';

const NS = 'openshift-machine-api';
export const INFRA = 'clustername-8qw5l';

export interface PlatformCase {
  platform: 'azure' | 'gcp' | 'vsphere' | 'openstack' | 'nutanix' | 'ibmcloud';
  openshift: string;
  /** the stopped instance as the plugin reports it */
  stoppedState: RegExp;
  /** the annotation value of a running instance */
  runningState: string;
  /** providerSpec.value keys a failure domain sets (what may differ between masters) */
  failureDomainKeys: string[];
  /** an instance-bound annotation besides instance-state, which the new machine must not inherit */
  instanceAnnotation?: string;
}

/** Top-level providerSpec.value keys whose values differ between `a` and `b`. */
export function differingKeys(a: any, b: any): string[] {
  const keys = new Set([...Object.keys(a ?? {}), ...Object.keys(b ?? {})]);
  return [...keys].filter((k) => JSON.stringify(a?.[k]) !== JSON.stringify(b?.[k])).sort();
}

function scenario(c: PlatformCase, cpms: 'absent' | 'active'): string {
  const names = [0, 1, 2].map((i) => `${INFRA}-master-${i}`);
  return `openshift: "${c.openshift}"
platform: ${c.platform}
controlPlaneMachineSet: ${cpms}
masters:
  - {node: ${names[0]}, ip: 10.23.0.10, machine: ${names[0]}}
  - {node: ${names[1]}, ip: 10.23.0.11, machine: ${names[1]}}
  - {node: ${names[2]}, ip: 10.23.0.12, machine: ${names[2]}}
workers: 0
faults:
  - {node: ${names[0]}, kind: machine-stopped}
timing: {provisionSeconds: 1, rolloutSeconds: 1}
`;
}

export async function procedureAOn(c: PlatformCase, cpms: 'absent' | 'active'): Promise<void> {
  await withSim(scenario(c, cpms), async (sim) => {
    const [n0, n1, n2] = [0, 1, 2].map((i) => `${INFRA}-master-${i}`) as [string, string, string];
    // precondition: the plugin reads master 0's instance as stopped from the platform's own value
    await waitDiagnosis(sim, 'not-ready', { reason: c.stoppedState });
    const before = await judge.expectExists(sim, ['-n', NS, 'machines']);
    const old = before.items.find((m: any) => m.metadata.name === n0);
    const survivors = before.items.filter((m: any) => m.metadata.name !== n0);
    assert.ok(old && survivors.length === 2, 'three master machines before the run');
    const oldId = await judge.memberId(sim, n0);

    const r = await runPlugin(sim, ['auto', '--yes'], { env: stateEnv() });
    assert.is(r.code, 0, `${c.platform} ${cpms}: exit ${r.code}\n${r.stdout}\n${r.stderr}`);

    const after = await judge.expectExists(sim, ['-n', NS, 'machines']);
    const fresh = after.items.filter((m: any) => !before.items.some((b: any) => b.metadata.name === m.metadata.name));
    assert.is(fresh.length, 1, `one new machine: ${after.items.map((m: any) => m.metadata.name).join(', ')}`);
    const m = fresh[0];
    // names: the docs' next free index without a CPMS; <clusterID>-master-<5 random>-<failure domain index> with one
    if (cpms === 'absent') assert.is(m.metadata.name, `${INFRA}-master-3`);
    else assert.match(m.metadata.name, new RegExp(`^${INFRA}-master-[a-z0-9]{5}-0$`));

    // the providerSpec: the old one's (its failure domain), differing from the survivors only in failure-domain keys
    assert.equal(m.spec.providerSpec.value, old.spec.providerSpec.value, `${c.platform}: new providerSpec = old providerSpec`);
    for (const s of survivors) {
      const diff = differingKeys(m.spec.providerSpec.value, s.spec.providerSpec.value);
      assert.ok(diff.every((k) => c.failureDomainKeys.includes(k)), `${c.platform}: new vs ${s.metadata.name} differ in ${diff.join(', ')} (allowed: ${c.failureDomainKeys.join(', ') || 'none'})`);
    }
    // what belongs to the old instance was not copied: the provider filled its own
    assert.ok(m.spec.providerID && m.spec.providerID !== old.spec.providerID, `providerID ${m.spec.providerID} (old ${old.spec.providerID})`);
    if (c.instanceAnnotation) {
      const a = m.metadata.annotations?.[c.instanceAnnotation];
      assert.ok(a && a !== old.metadata.annotations?.[c.instanceAnnotation], `${c.instanceAnnotation}: ${a} (old ${old.metadata.annotations?.[c.instanceAnnotation]})`);
    }
    if (m.status?.providerStatus || old.status?.providerStatus) assert.is(m.status.providerStatus.kind, old.status.providerStatus.kind);
    // Running, with the provider's running state
    assert.is(m.status?.phase, 'Running');
    assert.is(m.metadata.annotations?.['machine.openshift.io/instance-state'], c.runningState);
    const newNode: string = m.status?.nodeRef?.name;
    assert.ok(newNode && newNode !== n0, `the new machine's node: ${newNode}`);

    await judge.expectGone(sim, ['-n', NS, 'machine', n0], 'the old machine');
    await judge.expectHealthy(sim, [n1, n2, newNode]);
    await judge.expectReplaced(sim, { oldId, name: newNode });
    judge.expectQuorumNeverLost(sim);
  });
}
