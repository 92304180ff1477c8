// Shared by the bare-metal e2e files: the scenario, the plugin run through test/helpers/plugin.ts, the journal (only to
// time a kill and to find the run directory: never as proof), and the end-state check judged by test/helpers/judge.ts
// (three started, healthy, voting members; the new BareMetalHost provisioned and consumed by the new Running machine).
import * as assert from 'uvu/assert';
import { existsSync, mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { SimHandle } from './sim.ts';
import { runPlugin, waitDiagnosis } from './plugin.ts';
import * as judge from './judge.ts';

export const NS = 'openshift-machine-api';
export const MACHINES = 'machines.v1beta1.machine.openshift.io';

export function scenario(o: { oct: number; openshift?: string; cpms?: string; fault: string; baremetal?: { networkData?: boolean; inspectionSeesNodeIP?: boolean } }) {
  const masters = [0, 1, 2].map((i) => ({ node: `openshift-control-plane-${i}`, ip: `10.${o.oct}.111.${20 + i}`, machine: `examplecluster-control-plane-${i}` }));
  return {
    openshift: o.openshift ?? '4.14',
    platform: 'baremetal',
    controlPlaneMachineSet: o.cpms ?? 'absent',
    infrastructureName: 'examplecluster',
    masters,
    workers: 0,
    faults: [{ node: 'openshift-control-plane-2', kind: o.fault }],
    timing: { provisionSeconds: 1, rolloutSeconds: 1, inspectSeconds: 1 },
    ...(o.baremetal ? { baremetal: o.baremetal } : {}),
  };
}

export type { Run } from './plugin.ts';

/** Runs the plugin (the shared runner, test/helpers/plugin.ts); SIGKILLs it when `killWhen` turns true. */
export const plugin = (args: string[], env: NodeJS.ProcessEnv, killWhen?: () => boolean) => runPlugin(null, args, { env, killWhen });

export function envFor(kubeconfig: string) {
  const state = mkdtempSync(join(tmpdir(), 'er-bm-'));
  return {
    KUBECONFIG: kubeconfig,
    XDG_STATE_HOME: state,
    ETCD_REPLACE_TRACE: join(state, 'trace.jsonl'),
    ETCD_REPLACE_FORCE_REDEPLOY_AFTER_S: '20',
    ETCD_REPLACE_MACHINE_DELETE_WAIT_S: '4',
  };
}

/** The run directory of the (only) journal under `stateHome`. */
export function journalDir(stateHome: string): string | null {
  const root = join(stateHome, 'etcd-replace');
  if (!existsSync(root)) return null;
  for (const c of readdirSync(root)) for (const r of readdirSync(join(root, c))) if (existsSync(join(root, c, r, 'journal.json'))) return join(root, c, r);
  return null;
}

/** The journal as the plugin wrote it: what the plugin believes (to time a kill), never proof of an outcome. */
export function journal(stateHome: string): any | null {
  const d = journalDir(stateHome);
  if (!d) return null;
  try {
    return JSON.parse(readFileSync(join(d, 'journal.json'), 'utf8'));
  } catch {
    return null; // being rewritten
  }
}

export const stepStatus = (j: any, id: string) => j?.steps?.find((s: any) => s.id === id)?.status;

/** Polls `check` every 500 ms until it is true; fails the test after `timeoutMs`. */
export async function waitFor(what: string, check: () => Promise<boolean>, timeoutMs = 120_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (await check()) return;
    if (Date.now() > deadline) assert.unreachable(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 500));
  }
}

export const waitNotReady = (sim: Pick<SimHandle, 'kubeconfig'>) => waitDiagnosis(sim, 'not-ready');

/** Requests the API server received since `mark` (its request log), with method and URL matching. */
export function requestsSince(sim: SimHandle, mark: number, method: string, url: RegExp): { method: string; url: string }[] {
  return judge.requests(sim).slice(mark).filter((r) => r.method === method && url.test(r.url));
}

/**
 * Judged from the simulator's side (test/helpers/judge.ts): three started, healthy, voting members, the old one gone;
 * `host` provisioned and consumed by the new Running machine, whose node is named after the host; the old machine gone;
 * the quorum guard restored and quorum never lost over the run.
 */
export async function assertReplaced(sim: SimHandle, o: { oldId: string; host: string; machine: RegExp; survivors?: string[] }) {
  const h = await judge.expectExists(sim, ['-n', NS, 'bmh', o.host]);
  assert.is(h.status.provisioning.state, 'provisioned');
  assert.is(h.spec.externallyProvisioned, false);
  const consumer: string = h.spec.consumerRef?.name;
  assert.match(consumer, o.machine);
  const m = await judge.expectExists(sim, ['-n', NS, MACHINES, consumer]);
  assert.is(m.status.phase, 'Running');
  assert.is(m.status.nodeRef.name, o.host, 'the node is named after the host');
  assert.is(m.metadata.annotations['metal3.io/BareMetalHost'], `${NS}/${o.host}`);
  await judge.expectHealthy(sim, [...(o.survivors ?? ['openshift-control-plane-0', 'openshift-control-plane-1']), o.host]);
  await judge.expectReplaced(sim, { oldId: o.oldId, name: o.host });
  await judge.expectGone(sim, ['-n', NS, MACHINES, 'examplecluster-control-plane-2'], 'the old machine');
  await judge.expectGuardRestored(sim, null);
  judge.expectQuorumNeverLost(sim);
}
