// Shared by the bare-metal e2e files: the scenario, the plugin as a child process, the journal, the end-state check
// (three started, healthy, voting members; the new BareMetalHost provisioned and consumed by the new Running machine).
import * as assert from 'uvu/assert';
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Kube } from '../../lib/cluster/kubectl.ts';
import { readClusterState } from '../../lib/cluster/read.ts';
import { diagnose } from '../../lib/diagnose/diagnose.ts';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
export const NS = 'openshift-machine-api';

export function scenario(o: { oct: number; openshift?: string; cpms?: string; fault: string }) {
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
  };
}

export interface Run { code: number | 'killed'; stdout: string; stderr: string }

/** Runs the plugin; SIGKILLs it when `killWhen` turns true. */
export function plugin(args: string[], env: NodeJS.ProcessEnv, killWhen?: () => boolean): Promise<Run> {
  return new Promise((res) => {
    const p = spawn(process.execPath, ['--import', 'tsx', join(ROOT, 'lib/main.ts'), ...args], { cwd: ROOT, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    let killed = false;
    p.stdout.on('data', (d) => (stdout += d));
    p.stderr.on('data', (d) => (stderr += d));
    const t = killWhen
      ? setInterval(() => {
          if (!killed && killWhen()) {
            killed = true;
            p.kill('SIGKILL');
          }
        }, 20)
      : undefined;
    p.on('close', (code) => {
      if (t) clearInterval(t);
      res({ code: killed ? 'killed' : (code ?? -1), stdout, stderr });
    });
  });
}

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

export function journal(stateHome: string): any | null {
  const root = join(stateHome, 'etcd-replace');
  if (!existsSync(root)) return null;
  for (const c of readdirSync(root)) {
    for (const r of readdirSync(join(root, c))) {
      const f = join(root, c, r, 'journal.json');
      try {
        if (existsSync(f)) return JSON.parse(readFileSync(f, 'utf8'));
      } catch {
        return null;
      }
    }
  }
  return null;
}

export const stepStatus = (j: any, id: string) => j?.steps?.find((s: any) => s.id === id)?.status;

export function traceCount(trace: string, re: RegExp): number {
  if (!existsSync(trace)) return 0;
  return readFileSync(trace, 'utf8').split('\n').filter(Boolean).filter((l) => re.test((JSON.parse(l).argv as string[]).join(' '))).length;
}

export const kubeFor = (kubeconfig: string) => new Kube({ client: 'kubectl', kubeconfig });

export async function waitNotReady(kubeconfig: string) {
  let last = '';
  for (let t = 0; t < 90; t++) {
    last = diagnose(await readClusterState(kubeFor(kubeconfig))).scenario;
    if (last === 'not-ready') return;
    await new Promise((r) => setTimeout(r, 1000));
  }
  assert.unreachable(`diagnosis stayed ${last}, expected not-ready`);
}

/** Three started, healthy, voting members (the old one gone); `host` provisioned and consumed by the new Running machine. */
export async function assertReplaced(kubeconfig: string, o: { oldId: string; host: string; machine: RegExp }) {
  const k = kubeFor(kubeconfig);
  const s = await readClusterState(k);
  assert.is(s.members.length, 3, JSON.stringify(s.members.map((m) => [m.id, m.name])));
  for (const m of s.members) assert.ok(m.started && !m.isLearner && m.healthy === true, `member ${m.id} ${m.name} started=${m.started} learner=${m.isLearner} healthy=${m.healthy}`);
  assert.not.ok(s.members.some((m) => m.id === o.oldId), 'old member gone');
  const h = await k.json(['-n', NS, 'get', 'bmh', o.host]);
  assert.is(h.status.provisioning.state, 'provisioned');
  assert.is(h.spec.externallyProvisioned, false);
  const consumer: string = h.spec.consumerRef?.name;
  assert.match(consumer, o.machine);
  const m = await k.json(['-n', NS, 'get', 'machines.v1beta1.machine.openshift.io', consumer]);
  assert.is(m.status.phase, 'Running');
  assert.is(m.status.nodeRef.name, o.host, 'the node is named after the host');
  assert.is(m.metadata.annotations['metal3.io/BareMetalHost'], `${NS}/${o.host}`);
  assert.ok(s.members.some((x) => x.name === o.host), 'a member runs on the new node');
  const gone = await k.run(['-n', NS, 'get', 'machines.v1beta1.machine.openshift.io', 'examplecluster-control-plane-2'], { allowFailure: true });
  assert.is(gone.exitCode, 1, 'old machine gone');
  const cr = await k.json(['get', 'etcd', 'cluster']);
  assert.is(cr.spec.unsupportedConfigOverrides ?? null, null, 'quorum guard restored');
}

