// End-to-end: the preflight refuses before any change (issue "Preflight: never start what cannot be finished").
// One simulator with a user who may not delete machines AND a full backup disk on every master; one with a real
// NOSPACE alarm. "Nothing changed" is judged from the simulator's side (test/helpers/judge.ts and its request log).
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { kubectl } from '../helpers/sim.ts';
import { runPlugin, stateEnv, waitDiagnosis, withSim } from '../helpers/plugin.ts';
import * as judge from '../helpers/judge.ts';

const M0 = 'ip-10-24-131-183.ec2.internal';
const masters = (extra = '') => `masters:
  - {node: ${M0}, ip: 10.24.131.183, machine: clustername-8qw5l-master-0${extra}}
  - {node: ip-10-24-154-204.ec2.internal, ip: 10.24.154.204, machine: clustername-8qw5l-master-1${extra}}
  - {node: ip-10-24-164-97.ec2.internal,  ip: 10.24.164.97,  machine: clustername-8qw5l-master-2${extra}}
workers: 0
timing: {provisionSeconds: 1, rolloutSeconds: 1}
`;

/** Writes a client sent since `mark`, other than reviews, dry runs, exec and the preflight's read-only debug pods. */
function changesSince(stateDir: string, mark: number): string[] {
  const lines = readFileSync(join(stateDir, 'requests.jsonl'), 'utf8').split('\n').filter(Boolean).slice(mark).map((l) => JSON.parse(l));
  return lines
    .filter((r) => !['GET', 'HEAD', 'OPTIONS'].includes(r.method))
    .filter((r) => !/\/selfsubject(access)?reviews|\/pods\/[^/]+\/exec\?|[?&]dryRun=All/.test(r.url))
    // the space probe: a debug pod created and deleted in openshift-etcd (POST …/pods, DELETE …/pods/etcd-replace-debug-…)
    .filter((r) => !(r.url.startsWith('/api/v1/namespaces/openshift-etcd/pods') && (r.method === 'POST' ? /\/pods(\?|$)/.test(r.url) : /\/pods\/etcd-replace-debug-/.test(r.url))))
    .map((r) => `${r.method} ${r.url}`);
}

test('a user without `delete machines`, then a full backup disk: refused before any change, each naming what is missing', async () => {
  const scenario = `openshift: "4.14"
platform: aws
controlPlaneMachineSet: absent
users:
  - name: oncall
    deny:
      - {verb: delete, group: machine.openshift.io, resource: machines}
${masters(', backupFreeBytes: 16384')}faults:
  - {node: ${M0}, kind: machine-stopped}
`;
  await withSim(scenario, async (sim) => {
    await waitDiagnosis(sim, 'not-ready');
    const oldId = await judge.memberId(sim, M0);
    const mark = judge.requestMark(sim);

    // the real API server's answer to the same question (kubectl auth can-i as that user)
    const can = kubectl(sim, ['--context', 'oncall', 'auth', 'can-i', 'delete', 'machines.v1beta1.machine.openshift.io', '-n', 'openshift-machine-api']);
    assert.is(can.stdout.trim(), 'no', `${can.stdout}${can.stderr}`);

    const asOncall = await runPlugin(sim, ['--context', 'oncall', 'auto', '--yes'], { env: stateEnv() });
    assert.is(asOncall.code, 4, `${asOncall.stdout}\n${asOncall.stderr}`);
    assert.match(asOncall.stderr, /delete machines\.machine\.openshift\.io in namespace openshift-machine-api \(delete-machine\)/);
    assert.match(asOncall.stderr, /ClusterRole cluster-admin grants/);
    assert.match(asOncall.stderr, /Nothing was changed/);
    assert.match(asOncall.stdout, /permissions\s+FAILED/);

    // an admin passes the permissions and meets the full disk (df of the tmpfs the sim gives the backup dir)
    const admin = await runPlugin(sim, ['auto', '--yes', '-o', 'json'], { env: stateEnv() });
    assert.is(admin.code, 4, `${admin.stdout}\n${admin.stderr}`);
    const events = admin.stdout.split('\n').filter(Boolean).map((l) => JSON.parse(l));
    const checks: any[] = events.find((e) => e.event === 'plan')?.preflight ?? [];
    const byId = Object.fromEntries(checks.map((c) => [c.id, c]));
    assert.is(byId.permissions?.status, 'passed', JSON.stringify(checks));
    assert.is(byId['backup-space']?.status, 'failed', JSON.stringify(checks));
    assert.match(byId['backup-space'].detail, /not enough space: .*16\.0 KiB free|not enough space: .*1[0-9] KiB free/);
    assert.is(events.at(-1)?.status, 'refused');

    // nothing changed: the member is still there (etcd itself), no API write but the probes, no journal step ran
    judge.expectMemberNeverRemoved(sim, oldId);
    assert.ok((await judge.members(sim)).some((m) => m.id === oldId), 'the unhealthy member was removed');
    assert.equal(changesSince(sim.stateDir, mark), []);
    await judge.expectExists(sim, ['-n', 'openshift-machine-api', 'machines.v1beta1.machine.openshift.io', 'clustername-8qw5l-master-0']);
  });
});

test('a NOSPACE alarm raised by real etcd: explained with the documented remedy, nothing changed', async () => {
  const scenario = `openshift: "4.14"
platform: aws
controlPlaneMachineSet: absent
${masters()}faults:
  - {kind: etcd-alarm-nospace}
  - {node: ${M0}, kind: machine-stopped}
`;
  await withSim(scenario, async (sim) => {
    const d = await waitDiagnosis(sim, 'unsafe', { reason: /^AlarmNoSpace:/ });
    assert.match(d.action, /defrag/);
    assert.match(d.action, /alarm disarm/);
    assert.match(d.action, /backendQuotaGiB/);
    const oldId = await judge.memberId(sim, M0);
    const mark = judge.requestMark(sim);
    const status = await runPlugin(sim, ['status', '-o', 'json'], { env: stateEnv() });
    const doc = JSON.parse(status.stdout);
    assert.ok(doc.diagnosis.reasons.some((r: string) => /^AlarmNoSpace: etcd raised the NOSPACE alarm/.test(r)), status.stdout);
    const run = await runPlugin(sim, ['auto', '--yes'], { env: stateEnv() });
    assert.is(run.code, 4, `${run.stdout}\n${run.stderr}`);
    assert.match(run.stderr, /NOSPACE/);
    assert.match(run.stderr, /Nothing was changed/);
    judge.expectMemberNeverRemoved(sim, oldId);
    judge.expectNoWritesSince(sim, mark);
  });
});

test.run();
