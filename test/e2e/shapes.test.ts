// Real-world cluster shapes the plugin must handle (issue 9): the plugin as a real process with the real kubectl
// against the simulator. Each test starts its own simulator on a second octet of its own.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { spawn } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startSim, type SimHandle } from '../helpers/sim.ts';
import { Kube } from '../../lib/cluster/kubectl.ts';
import { readClusterState } from '../../lib/cluster/read.ts';
import { diagnose } from '../../lib/diagnose/diagnose.ts';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const O = 30 + Math.floor(Math.random() * 60);
let nextOctet = O;

interface Run { code: number | null; stdout: string; stderr: string }

function plugin(sim: SimHandle, args: string[], env: NodeJS.ProcessEnv = {}): Promise<Run> {
  return new Promise((res) => {
    const p = spawn(process.execPath, ['--import', 'tsx', join(ROOT, 'lib/main.ts'), ...args], {
      cwd: ROOT,
      env: { ...process.env, ...sim.env, NO_COLOR: '1', ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    p.stdout.on('data', (d) => (stdout += d));
    p.stderr.on('data', (d) => (stderr += d));
    p.on('close', (code) => res({ code, stdout, stderr }));
  });
}

const stateEnv = () => ({ XDG_STATE_HOME: mkdtempSync(join(tmpdir(), 'er-state-')), ETCD_REPLACE_FORCE_REDEPLOY_AFTER_S: '20' });

/** `status -o json` until the diagnosis is `want` (faults show after the sim's grace periods). */
async function statusUntil(sim: SimHandle, want: string, timeoutMs = 75_000): Promise<any> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const run = await plugin(sim, ['status', '-o', 'json']);
    let doc: any = null;
    try {
      doc = JSON.parse(run.stdout);
    } catch {
      /* keep polling */
    }
    if (doc?.diagnosis?.scenario === want) return doc;
    if (Date.now() > deadline) throw new Error(`status never reported "${want}" (last: exit ${run.code}, ${doc ? JSON.stringify(doc.diagnosis) : run.stderr.trim()})`);
    await new Promise((r) => setTimeout(r, 1000));
  }
}

function masters(n: number, o = nextOctet++): { node: string; ip: string; machine: string }[] {
  return Array.from({ length: n }, (_, i) => ({ node: `ip-10-${o}-${130 + i}-${10 + i}.ec2.internal`, ip: `10.${o}.${130 + i}.${10 + i}`, machine: `clustername-8qw5l-master-${i}` }));
}

async function withSim(scenario: object, fn: (sim: SimHandle) => Promise<void>) {
  const sim = await startSim(scenario, { timeoutMs: 90_000 });
  try {
    await fn(sim);
  } finally {
    await sim.stop();
  }
}

test('item 8: 5-master 4.10 cluster (no observedConfig.controlPlane.replicas): healthy, 5 expected members from the install-config', async () => {
  await withSim({ openshift: '4.10', platform: 'aws', masters: masters(5), workers: 0, timing: { provisionSeconds: 1, rolloutSeconds: 1 } }, async (sim) => {
    const doc = await statusUntil(sim, 'healthy', 30_000);
    assert.is(doc.members.length, 5);
    assert.is(doc.etcd.controlPlaneReplicas, 5);
  });
});

test('item 9: upgrade 4.7 → 4.8 in progress (etcd operator already 4.8): the plan turns the quorum guard off', async () => {
  const ms = masters(3);
  await withSim(
    { openshift: '4.8', upgradingFrom: '4.7', platform: 'aws', masters: ms, workers: 0, faults: [{ node: ms[0]!.node, kind: 'machine-stopped' }], timing: { provisionSeconds: 1, rolloutSeconds: 1 } },
    async (sim) => {
      const doc = await statusUntil(sim, 'not-ready');
      assert.match(doc.cluster.release, /^4\.8\./);
      const dry = await plugin(sim, ['auto', '--dry-run'], stateEnv());
      assert.is(dry.code, 0, dry.stderr);
      assert.match(dry.stdout, /useUnsupportedUnsafeNonHANonProductionUnstableEtcd/);
    },
  );
});

async function healthyVoters(sim: SimHandle, n: number, timeoutMs = 120_000): Promise<any> {
  const deadline = Date.now() + timeoutMs;
  let last = '';
  for (;;) {
    const run = await plugin(sim, ['status', '-o', 'json']);
    try {
      const doc = JSON.parse(run.stdout);
      const ok = doc.members.filter((m: any) => m.started && !m.isLearner && m.healthy === true);
      if (ok.length === n && doc.members.length === n) return doc;
      last = JSON.stringify(doc.members.map((m: any) => [m.name, m.healthy, m.isLearner]));
    } catch {
      last = run.stderr.trim();
    }
    if (Date.now() > deadline) throw new Error(`never ${n} healthy voting members (last: ${last})`);
    await new Promise((r) => setTimeout(r, 1000));
  }
}

test('item 5: dual-stack, IPv4 service network, nodes list IPv6 first: crash loop diagnosed by the IPv4 InternalIP, replaced', async () => {
  const o = nextOctet++;
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

test('item 5: IPv6 service network: peer URLs https://[v6]:2380 match the nodes, crash loop diagnosed', async () => {
  const o = nextOctet++;
  const ms = [0, 1, 2].map((i) => ({ node: `master-${i}.ocp${o}.example.com`, ip: `10.${o}.111.${20 + i}`, ipv6: `fd2e:6f44:${o.toString(16)}::${20 + i}` }));
  await withSim(
    {
      openshift: '4.14',
      platform: 'none',
      network: { ipFamilies: ['IPv6', 'IPv4'] },
      masters: ms,
      workers: 0,
      faults: [{ node: ms[1]!.node, kind: 'etcd-crashloop' }],
      timing: { provisionSeconds: 1, rolloutSeconds: 1 },
    },
    async (sim) => {
      const doc = await statusUntil(sim, 'crashloop');
      assert.is(doc.diagnosis.member.node, ms[1]!.node);
      const m1 = doc.members.find((m: any) => m.name === ms[1]!.node);
      assert.equal(m1.peerURLs, [`https://[${ms[1]!.ipv6}]:2380`]);
      const dry = await plugin(sim, ['auto', '--dry-run'], stateEnv());
      assert.is(dry.code, 0, dry.stderr);
      assert.match(dry.stdout, new RegExp(`${ms[1]!.ipv6!.replace(/[.:]/g, (c) => `\\${c}`)}`));
    },
  );
});

test('item 4: UPI 4.10 (no Machine API), node NotReady: the old Node is deleted before the manual step, so the installer settles', async () => {
  const o = nextOctet++;
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

/** The in-process diagnosis for `--member` until it is `want` (nothing changes while polling). */
async function diagnosisUntil(sim: SimHandle, member: string, want: string, timeoutMs = 90_000) {
  const kube = new Kube({ client: 'kubectl', kubeconfig: sim.kubeconfig });
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const d = diagnose(await readClusterState(kube), { member });
    if (d.scenario === want) return d;
    if (Date.now() > deadline) throw new Error(`diagnosis for --member ${member} stayed ${d.scenario}: ${d.reasons.join('; ')}`);
    await new Promise((r) => setTimeout(r, 1000));
  }
}

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

      const first = await plugin(sim, ['auto', '--yes', '--member', A], env);
      assert.is(first.code, 0, `exit ${first.code}\n${first.stdout}\n${first.stderr}`);
      assert.match(first.stdout + first.stderr, new RegExp(`auto --member ${B.replace(/\./g, '\\.')}`));
      const mid = JSON.parse((await plugin(sim, ['status', '-o', 'json'])).stdout);
      assert.is(mid.members.length, 4, 'A removed, its replacement not added while B is unhealthy');
      assert.is(mid.etcd.unsupportedConfigOverrides, null, 'the quorum guard was never turned off');

      await diagnosisUntil(sim, B, 'not-ready');
      const second = await plugin(sim, ['auto', '--yes', '--member', B], env);
      assert.is(second.code, 0, `exit ${second.code}\n${second.stdout}\n${second.stderr}`);
      const end = await healthyVoters(sim, 5);
      assert.not.ok(end.members.some((m: any) => m.name === A || m.name === B), 'old members gone');
    },
  );
});

test.run();
