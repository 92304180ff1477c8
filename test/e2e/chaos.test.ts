// The simulator's chaos (scenario key `chaos`, sim/world/chaos.ts) against the plugin's adapter and reads, with the
// real kubectl: a stalled request is bounded by the call's time limit and retried; exec streams cut in the middle
// (kubectl then exits 0 with part of the output) never yield a shorter member list; an API outage is ridden out by
// a read's retries. Evidence comes from the simulator's own record (<state>/evidence.jsonl).
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { startSim, type SimHandle } from '../helpers/sim.ts';
import { Kube } from '../../lib/cluster/kubectl.ts';
import { readClusterState } from '../../lib/cluster/read.ts';

const SCENARIO = (chaos: object) => ({
  openshift: '4.14',
  platform: 'aws',
  controlPlaneMachineSet: 'absent',
  masters: [
    { node: 'ip-10-23-131-183.ec2.internal', ip: '10.23.131.183', machine: 'clustername-8qw5l-master-0' },
    { node: 'ip-10-23-154-204.ec2.internal', ip: '10.23.154.204', machine: 'clustername-8qw5l-master-1' },
    { node: 'ip-10-23-164-97.ec2.internal', ip: '10.23.164.97', machine: 'clustername-8qw5l-master-2' },
  ],
  workers: 0,
  faults: [],
  timing: { provisionSeconds: 1, rolloutSeconds: 1 },
  chaos,
});

const evidence = (sim: SimHandle) =>
  readFileSync(join(sim.stateDir, 'evidence.jsonl'), 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l));
const injected = (sim: SimHandle, what: string) => evidence(sim).filter((e) => e.kind === 'chaos' && e.what === what).length;

test('stalled and failing requests: each call is bounded by its time limit and the read retried', async () => {
  const sim = await startSim(SCENARIO({ seed: 11, apiHangRate: 0.3, apiErrorRate: 0.2 }));
  try {
    // a stalled request is killed at the call's time limit (--request-timeout + grace) and the read retried
    const k = new Kube({ client: 'kubectl', kubeconfig: sim.kubeconfig, requestTimeout: '1s' });
    const from = Kube.timings.length;
    for (let i = 0; i < 12 && (i < 3 || injected(sim, 'api-hang') === 0); i++) {
      const nodes = await k.json(['get', 'nodes'], { retries: 6 });
      assert.is(nodes.items.length, 3);
    }
    assert.ok(injected(sim, 'api-hang') >= 1, 'the sim stalled at least one request');
    // the stalled attempts ended (killed at the limit or given up by kubectl) and were retried: every read above succeeded
    const failed = Kube.timings.slice(from).filter((t) => t.argv.includes('nodes') && t.exitCode !== 0);
    assert.ok(failed.length >= 1, 'no attempt failed: the stalls were never met');
  } finally {
    await sim.stop();
  }
});

test('cut exec streams never give a shorter member list; an API outage after a write is ridden out by retries', async () => {
  const sim = await startSim(SCENARIO({ seed: 5, execDropRate: 0.5, apiOutages: [{ afterWrite: 1, seconds: 3 }] }));
  try {
    // exec streams cut mid-output (kubectl exits 0 with part of the output): every member list read is complete
    // (3 members) or an error, never shorter
    const kd = new Kube({ client: 'kubectl', kubeconfig: sim.kubeconfig });
    let complete = 0;
    for (let i = 0; i < 6; i++) {
      const s = await readClusterState(kd).catch(() => null);
      if (!s || s.memberListError) continue;
      assert.is(s.members.length, 3, `read ${i}: ${JSON.stringify(s.members.map((m) => m.id))}`);
      complete++;
    }
    assert.ok(injected(sim, 'exec-cut') >= 1, 'the sim cut at least one exec stream');
    assert.ok(complete >= 1, 'at least one complete read');
    // the outage: connection refused for 3 s after the first write
    const k = new Kube({ client: 'kubectl', kubeconfig: sim.kubeconfig });
    await k.run(['annotate', 'etcd', 'cluster', 'soak.example.com/touch=1', '--overwrite']);
    const from = Kube.timings.length;
    const r = await k.run(['get', 'nodes', '-o', 'name'], { retries: 6 });
    assert.is(r.stdout.trim().split('\n').length, 3);
    assert.is(injected(sim, 'api-outage'), 1);
    // every attempt kubectl made (the adapter records each one with its exit code): the first met the outage
    const attempts = Kube.timings.slice(from).filter((t) => t.argv.includes('nodes')).map((t) => t.exitCode);
    assert.ok(attempts.length >= 2 && attempts[0] !== 0 && attempts[attempts.length - 1] === 0, `attempts' exit codes: ${attempts.join(', ')}`);
  } finally {
    await sim.stop();
  }
});

test.run();
