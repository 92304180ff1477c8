// End-to-end: `auto` on an installer-provisioned bare-metal cluster (Metal3) with an active control plane machine set,
// onto new hardware given with `--bmh FILE` (a bad manifest refused first, before any change).
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { join } from 'node:path';
import { existsSync, mkdtempSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { gunzipSync } from 'node:zlib';
import { stringify } from 'yaml';
import { startSim } from '../helpers/sim.ts';
import { readClusterState } from '../../lib/cluster/read.ts';
import { diagnose } from '../../lib/diagnose/diagnose.ts';
import { NS, assertReplaced, envFor, journal, journalDir, kubeFor, plugin, scenario, stepStatus, waitNotReady } from '../helpers/baremetal.ts';

test('stopped bare-metal master, active CPMS, --bmh onto new hardware whose Secret keeps the old name: bad manifests refused before any change (exit 2), then the CPMS machine lands on the new host; the BMC password is in no artifact but the 0600 secrets.json', async () => {
  const sim = await startSim(scenario({ oct: 32, openshift: '4.16', cpms: 'active', fault: 'machine-stopped' }));
  try {
    const env = envFor(sim.kubeconfig);
    await waitNotReady(sim.kubeconfig);
    const k = kubeFor(sim.kubeconfig);
    const oldId = (await readClusterState(k)).members.find((m) => m.name === 'openshift-control-plane-2')!.id;
    const state = await readClusterState(k);
    const h2 = state.hosts!.find((h) => h.name === 'openshift-control-plane-2')!;
    assert.equal([h2.state, h2.consumer, h2.online, h2.poweredOn], ['externally provisioned', 'examplecluster-control-plane-2', true, false]);
    assert.match(diagnose(state).action, /delete BareMetalHost openshift-control-plane-2 .*and machine examplecluster-control-plane-2/);
    const other = await k.json(['-n', NS, 'get', 'bmh', 'openshift-control-plane-0']);
    // the new hardware's Secret keeps the old host's Secret name: that one is owned by the old host (garbage-collected
    // with it), so the plugin must create it again from --bmh, not leave the old one or let the collector take the new one
    const SECRET = 'openshift-control-plane-2-bmc-secret';
    const PASSWORD = `Pw-${Math.random().toString(36).slice(2)}-bmc`;
    const oldSecret = await k.json(['-n', NS, 'get', 'secret', SECRET]);
    const inputs = mkdtempSync(join(tmpdir(), 'er-bmh-in-'));
    const file = (host: Record<string, unknown>) => {
      const f = join(inputs, `bmh-${Math.random().toString(36).slice(2)}.yaml`);
      const docs = [
        { apiVersion: 'v1', kind: 'Secret', metadata: { name: SECRET, namespace: NS }, type: 'Opaque', stringData: { username: 'admin', password: PASSWORD } },
        {
          apiVersion: 'metal3.io/v1alpha1',
          kind: 'BareMetalHost',
          metadata: { name: 'openshift-control-plane-3', namespace: NS },
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
    // the other refusals are unit-tested (test/unit/baremetal-host.test.ts); this one needs the cluster's hosts
    for (const [bad, why] of [[{ bootMACAddress: other.spec.bootMACAddress }, /is already used by host openshift-control-plane-0/]] as const) {
      const r = await plugin(['auto', '--yes', '--client', 'kubectl', '--bmh', file(bad)], env);
      assert.is(r.code, 2, `${r.stdout}\n${r.stderr}`);
      assert.match(r.stderr, why);
      assert.is(r.stderr.trim().split('\n').length, 1, r.stderr);
      assert.ok(r.stderr.includes('--bmh'), r.stderr);
      assert.is(journal(env.XDG_STATE_HOME), null, 'nothing started');
    }
    assert.is((await readClusterState(k)).members.length, 3, 'no member removed');

    // a field 4.16 does not know is refused before any change
    const unknown = await plugin(['auto', '--yes', '--client', 'kubectl', '--bmh', file({ bogusField: true })], env);
    assert.is(unknown.code, 2, unknown.stderr);
    assert.match(unknown.stderr, /spec\.bogusField is not a BareMetalHost field/);

    const junitFile = join(env.XDG_STATE_HOME, 'junit.xml');
    const r = await plugin(['auto', '--yes', '--client', 'kubectl', '-o', 'json', '--junit', junitFile, '--bmh', file({})], env);
    assert.is(r.code, 0, `${r.stdout}\n${r.stderr}`);
    const bundleFile = join(env.XDG_STATE_HOME, 'bundle.tar.gz');
    const b = await plugin(['bundle', bundleFile, '--client', 'kubectl'], env);
    assert.is(b.code, 0, b.stderr);
    const secret = await k.json(['-n', NS, 'get', 'secret', SECRET]);
    assert.is(Buffer.from(secret.data.password, 'base64').toString(), PASSWORD, 'the Secret holds the --bmh password');
    assert.is.not(secret.metadata.uid, oldSecret.metadata.uid, 'created again');
    const newHost = await k.json(['-n', NS, 'get', 'bmh', 'openshift-control-plane-3']);
    assert.equal(secret.metadata.ownerReferences.map((x: any) => x.uid), [newHost.metadata.uid], 'owned by the new host only (the old owner reference gone with the old Secret)');
    // every artifact of the run: stdout/stderr of each plugin run, the trace, JUnit, the bundle (decompressed), and
    // every file under the state directory; the password (as typed or base64) is only in the run's secrets.json
    const needles = [PASSWORD, Buffer.from(PASSWORD).toString('base64')];
    const hits: string[] = [];
    const scan = (what: string, data: Buffer | string) => {
      const text = Buffer.isBuffer(data) ? data.toString('latin1') : data;
      if (needles.some((n) => text.includes(n))) hits.push(what);
    };
    for (const [i, run] of [unknown, r, b].entries()) scan(`run ${i} output`, run.stdout + run.stderr);
    scan('bundle (gunzipped)', gunzipSync(readFileSync(bundleFile)));
    const walk = (dir: string) => {
      for (const e of readdirSync(dir, { withFileTypes: true })) {
        const p = join(dir, e.name);
        if (e.isDirectory()) walk(p);
        else scan(p, readFileSync(p));
      }
    };
    walk(env.XDG_STATE_HOME);
    const runDir = journalDir(env.XDG_STATE_HOME)!;
    assert.equal(hits, [join(runDir, 'secrets.json')], `the password is found in: ${hits.join(', ')}`);
    assert.ok(existsSync(junitFile) && existsSync(env.ETCD_REPLACE_TRACE), 'JUnit and trace were written (and scanned)');
    assert.is(statSync(join(runDir, 'secrets.json')).mode & 0o777, 0o600);
    assert.is(statSync(runDir).mode & 0o777, 0o700);
    assert.not.ok(JSON.stringify(journal(env.XDG_STATE_HOME).facts).includes('stringData'), 'no Secret in the plan facts');
    const j = journal(env.XDG_STATE_HOME);
    assert.is(stepStatus(j, 'save-machine'), undefined, 'CPMS: no machine YAML copy');
    assert.is(stepStatus(j, 'remove-machine-finalizer'), 'skipped');
    const old = await k.run(['-n', NS, 'get', 'bmh', 'openshift-control-plane-2'], { allowFailure: true });
    assert.is(old.exitCode, 1, 'the old host is gone');
    await assertReplaced(sim.kubeconfig, { oldId, host: 'openshift-control-plane-3', machine: /^examplecluster-master-[a-z0-9]{5}-2$/ });
  } finally {
    await sim.stop();
  }
});

test.run();
