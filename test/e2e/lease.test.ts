// One run per cluster, against the simulator with the real kubectl: an expired lease of another run is refused
// without --take-over and taken over with it; while that `auto` runs, a second `auto` (another "laptop": its own
// journal folder) refuses naming the holder and since when, and `status` shows the running replacement; each step
// posts an Event on the Etcd CR; the lease is released at the end. Then `bundle` archives the journal, status and
// objects, with Secret data removed. The run is a full procedure A on 4.7 (issue 25: no quorum-guard steps before
// 4.8, the guard judged never off over the whole run), judged by test/helpers/judge.ts.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import YAML from 'yaml';
import { kubectl, waitFor } from '../helpers/sim.ts';
import { runPlugin, runPluginTTY, waitDiagnosis, withSim } from '../helpers/plugin.ts';
import * as judge from '../helpers/judge.ts';

const NODE0 = 'ip-10-41-131-183.ec2.internal';
const SURVIVORS = ['ip-10-41-154-204.ec2.internal', 'ip-10-41-164-97.ec2.internal'];
const scenario = `openshift: "4.7"
platform: aws
controlPlaneMachineSet: absent
masters:
  - {node: ${NODE0}, ip: 10.41.131.183, machine: clustername-8qw5l-master-0}
  - {node: ip-10-41-154-204.ec2.internal, ip: 10.41.154.204, machine: clustername-8qw5l-master-1}
  - {node: ip-10-41-164-97.ec2.internal,  ip: 10.41.164.97,  machine: clustername-8qw5l-master-2}
workers: 0
timing: {provisionSeconds: 2, rolloutSeconds: 2}
faults:
  - {node: ${NODE0}, kind: machine-stopped}
`;

const plugin = (args: string[], env: NodeJS.ProcessEnv) => runPlugin(null, args, { env });

const micro = (d: Date) => d.toISOString().replace(/\.(\d{3})Z$/, '.$1000Z');

test('lease: expired lease needs --take-over; a second auto refuses naming the holder; status shows the run; events; released; bundle', async () => {
  await withSim(scenario, async (sim) => {
    await waitDiagnosis(sim, 'not-ready');
    const laptopA = { KUBECONFIG: sim.kubeconfig, XDG_STATE_HOME: mkdtempSync(join(tmpdir(), 'er-a-')), ETCD_REPLACE_POLL_MS: '300' };
    const laptopB = { ...laptopA, XDG_STATE_HOME: mkdtempSync(join(tmpdir(), 'er-b-')) };

    // a lease left behind by a run on another laptop, not renewed for 10 minutes
    const old = new Date(Date.now() - 600_000);
    const stale = {
      apiVersion: 'coordination.k8s.io/v1',
      kind: 'Lease',
      metadata: { name: 'etcd-replace', namespace: 'openshift-etcd' },
      spec: { holderIdentity: 'bob@laptop-b/20261128T090000Z-abcdef', leaseDurationSeconds: 60, acquireTime: micro(old), renewTime: micro(old), leaseTransitions: 0 },
    };
    assert.is(kubectl(sim, ['create', '-f', '-'], JSON.stringify(stale)).exitCode, 0);
    const markRefused = judge.requestMark(sim);
    const refused = await plugin(['auto', '--yes'], laptopA);
    assert.is(refused.code, 4, refused.stderr);
    assert.match(refused.stderr, /the lease openshift-etcd\/etcd-replace of another run has expired: bob@laptop-b\/20261128T090000Z-abcdef since 20\d\d-/);
    assert.match(refused.stderr, /--take-over \(--yes is not enough\)/);
    assert.equal(JSON.parse(kubectl(sim, ['-n', 'openshift-etcd', 'get', 'lease', 'etcd-replace', '-o', 'json']).stdout).spec.holderIdentity, stale.spec.holderIdentity);
    // on a terminal --take-over asks first, before anything is written: answered n, refused (exit 4), nothing written
    const markDeclined = judge.requestMark(sim);
    const declined = await runPluginTTY(sim, ['auto', '--yes', '--take-over'], { env: laptopA, answer: () => 'n', timeoutMs: 120_000 });
    assert.is(declined.code, 4, declined.screen.slice(-2000));
    assert.equal(declined.asked.map((q) => /The lease of bob@laptop-b\/20261128T090000Z-abcdef expired .*Take it over\?/.test(q)), [true], declined.screen.slice(-2000));
    assert.match(declined.screen, /the expired lease was not taken over/);
    assert.equal(judge.writesSince(sim, markDeclined).map((q) => `${q.method} ${q.url}`), [], 'writes of the run whose take-over was declined');
    assert.equal(JSON.parse(kubectl(sim, ['-n', 'openshift-etcd', 'get', 'lease', 'etcd-replace', '-o', 'json']).stdout).spec.holderIdentity, stale.spec.holderIdentity);
    const membersBefore = (await judge.members(sim)).map((m) => m.id).sort();
    assert.is(membersBefore.length, 3);
    // the run the lease refused wrote nothing at all: the lease is read before the preflight starts its probe pod
    assert.equal(judge.writesSince(sim, markRefused).map((q) => `${q.method} ${q.url}`), [], 'writes of the run the lease refused');
    const oldId = await judge.memberId(sim, NODE0);
    const guard = await judge.watchEtcdCR(sim);

    // laptop A takes the expired lease over and runs
    // (with -o json: the step events of a real run, one JSON object per line)
    const a = plugin(['auto', '--yes', '--take-over', '-o', 'json'], laptopA);
    const holderA = await waitFor(
      'laptop A to hold the lease',
      () => {
        const r = kubectl(sim, ['-n', 'openshift-etcd', 'get', 'lease', 'etcd-replace', '-o', 'jsonpath={.spec.holderIdentity}']);
        return r.exitCode === 0 && r.stdout && !r.stdout.startsWith('bob@') ? r.stdout : '';
      },
      90_000,
      200,
    );
    assert.match(holderA, /^[^@]+@[^/]+\/\d{8}T\d{6}Z-[0-9a-f]+$/);
    const lease = JSON.parse(kubectl(sim, ['-n', 'openshift-etcd', 'get', 'lease', 'etcd-replace', '-o', 'json']).stdout);
    assert.is(lease.spec.leaseTransitions, 1);
    assert.is(lease.spec.leaseDurationSeconds, 60);

    // laptop B, meanwhile: refused, naming A and since when
    const b = await plugin(['auto', '--yes'], laptopB);
    assert.is(b.code, 4, `B: ${b.stdout}\n${b.stderr}`);
    assert.match(b.stderr, `another etcd-replace run holds the lease openshift-etcd/etcd-replace: ${holderA} (cluster user system:admin) since ${lease.spec.acquireTime}`);
    const st = await plugin(['status'], laptopB);
    assert.match(st.stdout, `a replacement is running: ${holderA}`);
    const stj = await plugin(['status', '-o', 'json'], laptopB);
    assert.is(JSON.parse(stj.stdout).replacement.holder, holderA);

    // renewed while it runs (at each step, and every third of the 60 s duration): a later renewTime, same holder
    const renewed = await waitFor(
      'the lease to be renewed',
      async () => {
        const l = await judge.getJSON(sim, ['-n', 'openshift-etcd', 'lease', 'etcd-replace']);
        return l && Date.parse(l.spec.renewTime) > Date.parse(lease.spec.renewTime) ? l : null;
      },
      60_000,
      500,
    );
    assert.is(renewed.spec.holderIdentity, holderA, 'renewed by the holder');
    assert.is(renewed.spec.acquireTime, lease.spec.acquireTime, 'a renewal, not a new acquisition');

    const ra = await a;
    assert.is(ra.code, 0, `A: ${ra.stdout}\n${ra.stderr}`);
    const evs = ra.stdout.trim().split('\n').map((l) => JSON.parse(l));
    const steps = evs.find((e) => e.event === 'plan').steps;
    assert.is(evs.filter((e) => e.event === 'planned').length, steps);
    assert.is(evs.filter((e) => e.event === 'started').length, steps);
    assert.is(evs.filter((e) => e.event === 'done' || e.event === 'skipped').length, steps);
    assert.ok(evs.some((e) => e.event === 'done' && e.step === 'remove-member'));
    assert.equal(evs[evs.length - 1], { ...evs[evs.length - 1], event: 'result', status: 'done', exitCode: 0 });
    await judge.expectGone(sim, ['-n', 'openshift-etcd', 'lease', 'etcd-replace'], 'the lease (released at the end)');
    // the replacement itself, from the world's side: healthy, replaced, and on 4.7 the quorum guard never turned off
    const m3 = await judge.expectExists(sim, ['-n', 'openshift-machine-api', 'machine', 'clustername-8qw5l-master-3']);
    const newNode: string = m3.status?.nodeRef?.name;
    await judge.expectHealthy(sim, [...SURVIVORS, newNode]);
    await judge.expectReplaced(sim, { oldId, name: newNode });
    await judge.expectGone(sim, ['-n', 'openshift-machine-api', 'machine', 'clustername-8qw5l-master-0'], 'the old machine');
    await judge.expectGuardNeverOff(guard);
    judge.expectQuorumNeverLost(sim);
    assert.not.ok(evs.some((e) => e.event === 'planned' && /quorum-guard/.test(e.step)), 'no quorum-guard step planned on 4.7');

    // the run's Events are where an administrator finds them (README): all namespaces, by the involved object; the
    // simulated API server refuses Events about the cluster-scoped etcd/cluster outside `default` (legacyValidateEvent)
    const found = await judge.getJSON(sim, ['events', '-A', '--field-selector', 'involvedObject.name=cluster,involvedObject.kind=Etcd']);
    const events = found.items.filter((e: any) => e.source?.component === 'etcd-replace');
    const reasons = events.map((e: any) => e.reason);
    assert.ok(reasons.includes('ReplacementStarted') && reasons.includes('ReplacementDone'), reasons.join(','));
    assert.is(reasons.filter((r: string) => r === 'StepDone' || r === 'StepSkipped').length, steps, `one Event per step of the plan: ${reasons.join(',')}`);
    for (const e of events) assert.equal(e.involvedObject, { apiVersion: 'operator.openshift.io/v1', kind: 'Etcd', name: 'cluster' });
    for (const e of events) assert.is(e.metadata.namespace, 'default');
    assert.ok(events.every((e: any) => e.message.includes(holderA)));
    const table = kubectl(sim, ['-n', 'default', 'get', 'events']).stdout;
    assert.match(table, /StepDone/);

    // bundle: a must-gather (oc adm inspect paths, etcd_info/) with the newest journal and status; no Secret data
    const file = join(laptopA.XDG_STATE_HOME, 'case.tar.gz');
    const bu = await plugin(['bundle', file], laptopA);
    assert.is(bu.code, 0, bu.stderr);
    const list = execFileSync('tar', ['tzf', file], { encoding: 'utf8' }).split('\n').filter(Boolean);
    const top = list[0]!.split('/')[0];
    const mg = 'etcd-replace';
    for (const f of ['status.yaml', 'journal/journal.json', 'journal/old-machine.yaml', 'timestamp', `${mg}/namespaces/openshift-etcd/core/secrets.yaml`, `${mg}/namespaces/openshift-etcd/core/pods.yaml`, `${mg}/namespaces/openshift-machine-api/core/secrets.yaml`, `${mg}/cluster-scoped-resources/operator.openshift.io/etcds/cluster.yaml`, `${mg}/etcd_info/member_list.json`, `${mg}/etcd_info/endpoint_health.json`]) {
      assert.ok(list.includes(`${top}/${f}`), `${f} in ${list.join(' ')}`);
    }
    const out = mkdtempSync(join(tmpdir(), 'er-bundle-'));
    execFileSync('tar', ['xzf', file, '-C', out]);
    assert.ok(list.some((f) => f.startsWith(`${top}/${mg}/namespaces/openshift-machine-api/machine.openshift.io/machines/`)), 'machines, one file each');
    const secrets = YAML.parse(readFileSync(join(out, top!, `${mg}/namespaces/openshift-etcd/core/secrets.yaml`), 'utf8'));
    assert.ok(secrets.items.length >= 6, `${secrets.items.length} secrets`);
    for (const s of secrets.items) {
      assert.is(s.data, undefined, s.metadata.name);
      assert.type(s.metadata.annotations['etcd-replace.openshift.io/bundle-data-removed'], 'string', s.metadata.name);
    }
    assert.ok(secrets.items.some((s: any) => /tls\.crt/.test(s.metadata.annotations['etcd-replace.openshift.io/bundle-data-removed'])), 'key names kept');
    // no Secret value of the cluster anywhere in the bundle, encoded or decoded (and there are values to look for)
    const values = (await judge.getJSON(sim, ['-n', 'openshift-etcd', 'secrets'])).items.flatMap((s: any) => Object.values(s.data ?? {}) as string[]).filter((v: string) => v.length > 16);
    assert.ok(values.length >= 6, `${values.length} Secret values in openshift-etcd to look for`);
    const everything = list.filter((f) => !f.endsWith('/')).map((f) => readFileSync(join(out, f), 'latin1')).join('\n');
    for (const v of values) {
      assert.not.ok(everything.includes(v), 'a Secret value (base64) in the bundle');
      const body = Buffer.from(v, 'base64').toString('utf8').split('\n').find((l) => l.length > 20 && !l.startsWith('-----'));
      if (body) assert.not.ok(everything.includes(body), 'a Secret value (decoded) in the bundle');
    }
    // what the bundle holds: the status and journal of this run (outputs of the plugin, checked as such)
    const status = YAML.parse(readFileSync(join(out, top!, 'status.yaml'), 'utf8'));
    assert.is(status.diagnosis.scenario, 'healthy');
    assert.is(JSON.parse(readFileSync(join(out, top!, 'journal/journal.json'), 'utf8')).status, 'done');
    // the bundle is a must-gather `status --from` reads: the same diagnosis, no gap
    const from = await plugin(['status', '--from', file, '-o', 'json'], laptopA);
    assert.is(from.code, 0, from.stderr);
    const fromDoc = JSON.parse(from.stdout);
    assert.equal(fromDoc.diagnosis, status.diagnosis);
    assert.equal(fromDoc.cluster.source.gaps, []);
    assert.is(fromDoc.cluster.source.kind, 'bundle');
  });
});

test.run();
