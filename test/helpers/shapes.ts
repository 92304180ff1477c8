// Helpers for the issue-9 e2e files (test/e2e/shapes-*.test.ts): the plugin as a real process with the real kubectl
// against the simulator (test/helpers/plugin.ts); each test starts its own simulator on a second octet of its own.
import type { SimHandle } from './sim.ts';
import { runPlugin, statusUntil as statusRun, type Run } from './plugin.ts';
import * as judge from './judge.ts';

export { stateEnv, waitDiagnosis, withSim } from './plugin.ts';
export type { Run };

let nextOctet = 30 + Math.floor(Math.random() * 60);
/** A second octet of its own for a test's node IPs. */
export const octet = () => nextOctet++;

export const plugin = (sim: SimHandle, args: string[], env: NodeJS.ProcessEnv = {}) => runPlugin(sim, args, { env });

/** `status -o json` until the diagnosis is `want`: the document (what status shows is under test in these files). */
export const statusUntil = async (sim: SimHandle, want: string, timeoutMs?: number) => (await statusRun(sim, want, { timeoutMs })).doc;

export function masters(n: number, o = octet()): { node: string; ip: string; machine: string }[] {
  return Array.from({ length: n }, (_, i) => ({ node: `ip-10-${o}-${130 + i}-${10 + i}.ec2.internal`, ip: `10.${o}.${130 + i}.${10 + i}`, machine: `clustername-8qw5l-master-${i}` }));
}

/** Node names of the master machines that run now (the new machines' nodes included), from plain kubectl. */
export async function runningMasterNodes(sim: SimHandle): Promise<string[]> {
  const list = await judge.expectExists(sim, ['-n', 'openshift-machine-api', 'machines.v1beta1.machine.openshift.io']);
  return list.items
    .filter((m: any) => m.metadata.labels?.['machine.openshift.io/cluster-api-machine-role'] === 'master' && m.status?.phase === 'Running' && !m.metadata.deletionTimestamp)
    .map((m: any) => m.status?.nodeRef?.name)
    .filter(Boolean);
}
