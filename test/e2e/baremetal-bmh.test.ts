// End-to-end: `auto` on an installer-provisioned bare-metal cluster (Metal3, 4.16) with an active control plane machine
// set, onto new hardware given with `--bmh FILE` whose BMC Secret keeps the old host's Secret name (that one is owned by
// the old host and garbage-collected with it). Bad manifests are refused first, before any write. The run is killed
// after the old host is deleted, bundled, resumed and bundled again; every artifact (output, trace, JUnit, bundles,
// every file under the state directory) is searched for the BMC password: while the run is unfinished it is only in the
// run's 0600 secret file, after the run nowhere. Outcomes judged by test/helpers/judge.ts.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { join } from 'node:path';
import { existsSync, mkdtempSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { gunzipSync } from 'node:zlib';
import { stringify } from 'yaml';
import { startJudgedSim, type Run } from '../helpers/plugin.ts';
import * as judge from '../helpers/judge.ts';
import { MACHINES, NS, assertReplaced, envFor, journal, journalDir, plugin, requestsSince, scenario, stepStatus, waitNotReady } from '../helpers/baremetal.ts';

const OLD = 'openshift-control-plane-2';
const NEW = 'openshift-control-plane-3';
const SECRET = `${OLD}-bmc-secret`;

test('--bmh onto new hardware (active CPMS), its Secret keeping the old name: bad manifests refused with no write; killed, bundled, resumed: the BMC password only in the 0600 secret file while the run is unfinished, then nowhere', async () => {
  const sim = await startJudgedSim(scenario({ oct: 32, openshift: '4.16', cpms: 'active', fault: 'machine-stopped' }));
  try {
    const env = envFor(sim.kubeconfig);
    await waitNotReady(sim);
    const oldId = await judge.memberId(sim, OLD);
    const outputs: { what: string; run: Run }[] = [];
    const run = async (args: string[], killWhen?: () => boolean) => {
      const r = await plugin([...args, '--client', 'kubectl'], env, killWhen);
      outputs.push({ what: args.join(' '), run: r });
      return r;
    };
    // status names the host and what the replacement will delete (the plugin's output: the product under test)
    const st = await run(['status', '-o', 'json']);
    assert.is(st.code, 3, st.stderr);
    const doc = JSON.parse(st.stdout);
    const h2 = doc.hosts.find((h: any) => h.name === OLD);
    assert.equal([h2.state, h2.consumer, h2.online, h2.poweredOn], ['externally provisioned', 'examplecluster-control-plane-2', true, false]);
    assert.match(doc.diagnosis.action, /delete BareMetalHost openshift-control-plane-2 .*and machine examplecluster-control-plane-2/);

    const other = await judge.expectExists(sim, ['-n', NS, 'bmh', 'openshift-control-plane-0']);
    const oldSecret = await judge.expectExists(sim, ['-n', NS, 'secret', SECRET]);
    const PASSWORD = `Pw-${Math.random().toString(36).slice(2)}-bmc`;
    const inputs = mkdtempSync(join(tmpdir(), 'er-bmh-in-'));
    const file = (host: Record<string, unknown>) => {
      const f = join(inputs, `bmh-${Math.random().toString(36).slice(2)}.yaml`);
      const docs = [
        { apiVersion: 'v1', kind: 'Secret', metadata: { name: SECRET, namespace: NS }, type: 'Opaque', stringData: { username: 'admin', password: PASSWORD } },
        {
          apiVersion: 'metal3.io/v1alpha1',
          kind: 'BareMetalHost',
          metadata: { name: NEW, namespace: NS },
          spec: {
            automatedCleaningMode: 'disabled',
            bmc: { address: 'redfish://10.46.61.19:443/redfish/v1/Systems/1', credentialsName: SECRET, disableCertificateVerification: true },
            bootMACAddress: '48:df:37:b0:88:cc',
            bootMode: 'UEFI',
            externallyProvisioned: false,
            online: true,
            rootDeviceHints: { deviceName: '/dev/sda' },
            userData: { name: 'master-user-data-managed', namespace: NS },
            ...host,
          },
        },
      ];
      writeFileSync(f, docs.map((d) => stringify(d)).join('---\n'));
      return f;
    };

    // refusals that need the cluster (the others are unit-tested in test/unit/baremetal-host.test.ts): no write at all
    const mark0 = judge.requestMark(sim);
    for (const [bad, why] of [
      [{ bootMACAddress: other.spec.bootMACAddress }, /is already used by host openshift-control-plane-0/],
      [{ bogusField: true }, /spec\.bogusField is not a BareMetalHost field/],
    ] as const) {
      const r = await run(['auto', '--yes', '--bmh', file(bad)]);
      assert.is(r.code, 2, `${r.stdout}\n${r.stderr}`);
      assert.match(r.stderr, why);
      assert.is(r.stderr.trim().split('\n').length, 1, r.stderr);
      assert.ok(r.stderr.includes('--bmh'), r.stderr);
    }
    judge.expectNoWritesSince(sim, mark0);
    assert.equal((await judge.members(sim)).map((m) => m.id).includes(oldId), true, 'no member removed');

    // the run, killed once the old host is deleted (its Secret is then garbage-collected: only the secret file has it)
    const mark = judge.requestMark(sim);
    const junit1 = join(inputs, 'junit-1.xml');
    const bmh = file({});
    const killed = await run(['auto', '--yes', '-o', 'json', '--junit', junit1, '--bmh', bmh], () => stepStatus(journal(env.XDG_STATE_HOME), 'delete-host') === 'done');
    assert.is(killed.code, 'killed', `${killed.stdout}\n${killed.stderr}`);
    const runDir = journalDir(env.XDG_STATE_HOME)!;
    const bundles: string[] = [];
    const bundle = async (name: string) => {
      const f = join(inputs, name);
      const b = await run(['bundle', f]);
      assert.is(b.code, 0, b.stderr);
      bundles.push(f);
    };
    await bundle('bundle-stopped.tar.gz');

    // every artifact so far: the plugin's output, the bundles (decompressed), JUnit, and every file under the state
    // directory (journal, trace, ...): the password (as typed or base64) is only in the run's secret file
    const needles = [PASSWORD, Buffer.from(PASSWORD).toString('base64')];
    const found = () => {
      const hits: string[] = [];
      const scan = (what: string, data: Buffer | string) => {
        const text = Buffer.isBuffer(data) ? data.toString('latin1') : data;
        if (needles.some((n) => text.includes(n))) hits.push(what);
      };
      for (const o of outputs) scan(`output of ${o.what}`, o.run.stdout + o.run.stderr);
      for (const b of bundles) scan(`bundle ${b} (gunzipped)`, gunzipSync(readFileSync(b)));
      for (const f of readdirSync(inputs)) if (f.startsWith('junit')) scan(f, readFileSync(join(inputs, f)));
      const walk = (dir: string) => {
        for (const e of readdirSync(dir, { withFileTypes: true })) {
          const p = join(dir, e.name);
          if (e.isDirectory()) walk(p);
          else scan(p, readFileSync(p));
        }
      };
      walk(env.XDG_STATE_HOME);
      return hits;
    };
    assert.ok(existsSync(env.ETCD_REPLACE_TRACE), 'the trace was written (and is searched); a killed run writes no JUnit');
    const mid = found();
    assert.is(mid.length, 1, `the password is found in: ${mid.join(', ')}`);
    assert.match(mid[0]!, new RegExp(`^${runDir}/[^/]+\\.secret\\.json$`));
    assert.is(statSync(mid[0]!).mode & 0o777, 0o600);
    assert.is(statSync(runDir).mode & 0o777, 0o700);

    const junit2 = join(inputs, 'junit-2.xml');
    const r = await run(['auto', '--resume', '--yes', '-o', 'json', '--junit', junit2]);
    assert.is(r.code, 0, `${r.stdout}\n${r.stderr}`);
    await bundle('bundle-done.tar.gz');
    assert.ok(existsSync(junit2), 'JUnit was written (and is searched)');
    assert.equal(found(), [], 'after the run the password is nowhere (its secret file deleted)');

    // judged from the cluster: the Secret of that name now holds the --bmh password, created anew, owned by the new host
    const secret = await judge.expectExists(sim, ['-n', NS, 'secret', SECRET]);
    assert.is(Buffer.from(secret.data.password, 'base64').toString(), PASSWORD, 'the Secret holds the --bmh password');
    assert.is.not(secret.metadata.uid, oldSecret.metadata.uid, 'created again');
    const newHost = await judge.expectExists(sim, ['-n', NS, 'bmh', NEW]);
    assert.equal(secret.metadata.ownerReferences.map((x: any) => x.uid), [newHost.metadata.uid], 'owned by the new host only');
    await judge.expectGone(sim, ['-n', NS, 'bmh', OLD], 'the old host');
    // CPMS: the plugin created no Machine and needed no finalizer removal (the API server's request log)
    assert.equal(requestsSince(sim, mark, 'POST', /\/machines(\?|$)/), [], 'no Machine created by the plugin');
    assert.equal(requestsSince(sim, mark, 'PATCH', /\/machines\/examplecluster-control-plane-2(\?|$)/), [], 'no finalizer removed');
    await assertReplaced(sim, { oldId, host: NEW, machine: /^examplecluster-master-[a-z0-9]{5}-2$/, survivors: ['openshift-control-plane-0', 'openshift-control-plane-1'] });
  } finally {
    await sim.stop();
  }
});

test.run();
