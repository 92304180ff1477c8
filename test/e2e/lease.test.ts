// One run per cluster, against the simulator with the real kubectl: an expired lease of another run is refused
// without --take-over and taken over with it; while that `auto` runs, a second `auto` (another "laptop": its own
// journal folder) refuses naming the holder and since when, and `status` shows the running replacement; each step
// posts an Event on the Etcd CR; the lease is released at the end. Then `bundle` archives the journal, status and
// objects, with Secret data removed.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { spawn, execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import YAML from 'yaml';
import { startSim, kubectl, waitFor } from '../helpers/sim.ts';
import * as judge from '../helpers/judge.ts';
import { Kube } from '../../lib/cluster/kubectl.ts';
import { readClusterState } from '../../lib/cluster/read.ts';
import { diagnose } from '../../lib/diagnose/diagnose.ts';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const NODE0 = 'ip-10-41-131-183.ec2.internal';
const scenario = `openshift: "4.14"
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

interface Run { code: number | null; stdout: string; stderr: string }

function plugin(args: string[], env: NodeJS.ProcessEnv): Promise<Run> {
  return new Promise((res) => {
    const p = spawn(process.execPath, ['--import', 'tsx', join(ROOT, 'lib/main.ts'), ...args], { cwd: ROOT, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    p.stdout.on('data', (d) => (stdout += d));
    p.stderr.on('data', (d) => (stderr += d));
    p.on('close', (code) => res({ code, stdout, stderr }));
  });
}

const micro = (d: Date) => d.toISOString().replace(/\.(\d{3})Z$/, '.$1000Z');

test('lease: expired lease needs --take-over; a second auto refuses naming the holder; status shows the run; events; released; bundle', async () => {
  const sim = await startSim(scenario);
  try {
    const k = new Kube({ client: 'kubectl', kubeconfig: sim.kubeconfig });
    await waitFor('not-ready diagnosis', async () => diagnose(await readClusterState(k)).scenario === 'not-ready', 90_000, 500);
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
    const refused = await plugin(['auto', '--yes'], laptopA);
    assert.is(refused.code, 4, refused.stderr);
    assert.match(refused.stderr, /the lease openshift-etcd\/etcd-replace of another run has expired: bob@laptop-b\/20261128T090000Z-abcdef since 20\d\d-/);
    assert.match(refused.stderr, /--take-over \(--yes is not enough\)/);
    assert.equal(JSON.parse(kubectl(sim, ['-n', 'openshift-etcd', 'get', 'lease', 'etcd-replace', '-o', 'json']).stdout).spec.holderIdentity, stale.spec.holderIdentity);
    const membersBefore = (await readClusterState(k)).members.length;
    assert.is(membersBefore, 3, 'nothing changed by the refusal');

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

    // renewed while it runs (at each step, and every third of the 60 s duration)
    await waitFor(
      'the lease to be renewed',
      () => {
        const r = kubectl(sim, ['-n', 'openshift-etcd', 'get', 'lease', 'etcd-replace', '-o', 'jsonpath={.spec.renewTime}']);
        return r.exitCode === 0 && Date.parse(r.stdout) > Date.parse(lease.spec.renewTime);
      },
      60_000,
      500,
    );

    const ra = await a;
    assert.is(ra.code, 0, `A: ${ra.stdout}\n${ra.stderr}`);
    const evs = ra.stdout.trim().split('\n').map((l) => JSON.parse(l));
    const steps = evs.find((e) => e.event === 'plan').steps;
    assert.is(evs.filter((e) => e.event === 'planned').length, steps);
    assert.is(evs.filter((e) => e.event === 'started').length, steps);
    assert.is(evs.filter((e) => e.event === 'done' || e.event === 'skipped').length, steps);
    assert.ok(evs.some((e) => e.event === 'done' && e.step === 'remove-member'));
    assert.equal(evs[evs.length - 1], { ...evs[evs.length - 1], event: 'result', status: 'done', exitCode: 0 });
    assert.is(kubectl(sim, ['-n', 'openshift-etcd', 'get', 'lease', 'etcd-replace']).exitCode, 1, 'lease released');
    const renewed = Date.parse(lease.spec.renewTime);
    assert.ok(renewed > 0);

    // the run's Events are where an administrator finds them (README): all namespaces, by the involved object; the
    // simulated API server refuses Events about the cluster-scoped etcd/cluster outside `default` (legacyValidateEvent)
    const found = await judge.getJSON(sim, ['events', '-A', '--field-selector', 'involvedObject.name=cluster,involvedObject.kind=Etcd']);
    const events = found.items.filter((e: any) => e.source?.component === 'etcd-replace');
    const reasons = events.map((e: any) => e.reason);
    assert.ok(reasons.includes('ReplacementStarted') && reasons.includes('ReplacementDone'), reasons.join(','));
    assert.ok(reasons.filter((r: string) => r === 'StepDone' || r === 'StepSkipped').length >= 10, reasons.join(','));
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
    const raw = readFileSync(join(out, top!, `${mg}/namespaces/openshift-etcd/core/secrets.yaml`), 'utf8');
    const anyKey = JSON.parse(kubectl(sim, ['-n', 'openshift-etcd', 'get', 'secrets', '-o', 'json']).stdout).items.find((s: any) => s.data?.['tls.key'])?.data['tls.key'];
    if (anyKey) assert.not.ok(raw.includes(anyKey), 'no secret value in the bundle');
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
  } finally {
    await sim.stop();
  }
});

test.run();
