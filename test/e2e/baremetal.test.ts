// End-to-end: `auto` on an installer-provisioned bare-metal cluster (Metal3, 4.14) in the simulator, as a real child
// process: no control plane machine set, every host with static network data (`<host>-network-config-secret`, owned by
// the host like its BMC Secret), the Machine's finalizer hangs, inspection of the re-created host does not see the
// production address. One run: the dry run shows every command; killed after the old host was deleted (Kubernetes then
// garbage-collects the Secrets it owned); resumed, it creates the Secrets again and the host, and stops with exit 5 once
// the new Machine does not list the node's InternalIP (the etcd operator would never add the member); the documented
// fix (hardware details from the annotation); resumed again to three started, healthy voters.
// Second: the bare-metal procedure half done by hand (issue 18), no journal: the refusal when the host and its BMC
// Secret are gone, then finished from the host created by hand (docs step 9).
// (With an active CPMS and `--bmh`: baremetal-bmh.test.ts; 4.7: baremetal-4.7.test.ts.) Outcomes are judged by
// test/helpers/judge.ts from the simulator's side; the journal only times the kill and locates the run directory.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { readdirSync, statSync } from 'node:fs';
import { kubectl } from '../helpers/sim.ts';
import { runPlugin, startJudgedSim, waitDiagnosis } from '../helpers/plugin.ts';
import * as judge from '../helpers/judge.ts';
import * as hand from '../helpers/byhand.ts';
import { MACHINES, NS, assertReplaced, envFor, journal, journalDir, plugin, requestsSince, scenario, stepStatus, waitFor, waitNotReady } from '../helpers/baremetal.ts';

const HOST = 'openshift-control-plane-2';
const NEW_MACHINE = 'examplecluster-control-plane-3';

test('same hardware with static network data, finalizer stuck, killed after the host deletion (its Secrets garbage-collected), inspection missing the production IP (exit 5), fixed and resumed', async () => {
  const sim = await startJudgedSim(scenario({ oct: 31, fault: 'machine-finalizer-stuck', baremetal: { networkData: true, inspectionSeesNodeIP: false } }));
  try {
    const env = envFor(sim.kubeconfig);
    await waitNotReady(sim);
    const oldId = await judge.memberId(sim, HOST);
    const oldNode = await judge.expectExists(sim, ['node', HOST]);
    const oldHost = await judge.expectExists(sim, ['-n', NS, 'bmh', HOST]);
    assert.is(oldHost.spec.preprovisioningNetworkDataName, `${HOST}-network-config-secret`, 'the installer names the network data Secret <host>-network-config-secret');
    const SECRETS = [`${HOST}-bmc-secret`, `${HOST}-network-config-secret`];
    const before = await Promise.all(SECRETS.map((n) => judge.expectExists(sim, ['-n', NS, 'secret', n])));
    for (const s of before) assert.ok(s.metadata.ownerReferences.some((r: any) => r.uid === oldHost.metadata.uid), `${s.metadata.name} is owned by the host`);

    const dry = await plugin(['auto', '--dry-run', '--client', 'kubectl'], env);
    assert.is(dry.code, 0, dry.stderr);
    for (const cmd of [
      'kubectl get clusteroperator baremetal',
      `kubectl -n openshift-machine-api get baremetalhosts.v1alpha1.metal3.io ${HOST} -o yaml > old-host.yaml`,
      "kubectl -n openshift-machine-api get secret '<name>' -o json",
      `kubectl -n openshift-machine-api delete baremetalhosts.v1alpha1.metal3.io ${HOST} --wait=false`,
      'kubectl -n openshift-machine-api delete machines.v1beta1.machine.openshift.io examplecluster-control-plane-2 --wait=false',
      `kubectl -n openshift-machine-api patch machines.v1beta1.machine.openshift.io examplecluster-control-plane-2 --type=merge -p '{"metadata":{"finalizers":[]}}'`,
      'kubectl -n openshift-machine-api create -f -',
      'kubectl apply -f - < new-host.yaml',
      'kubectl apply -f - < new-machine.yaml',
      `kubectl -n openshift-machine-api get bmh ${HOST}`,
      "kubectl -n openshift-machine-api get machines.v1beta1.machine.openshift.io '<new machine>' -o 'jsonpath={.status.addresses}'",
    ]) {
      assert.ok(dry.stdout.includes(cmd), `dry-run shows: ${cmd}\n${dry.stdout}`);
    }
    assert.is(journalDir(env.XDG_STATE_HOME), null, 'dry-run writes no journal');

    // killed after the old host was deleted, before the new one was created
    const mark = judge.requestMark(sim);
    const first = await plugin(['auto', '--yes', '--client', 'kubectl'], env, () => stepStatus(journal(env.XDG_STATE_HOME), 'delete-host') === 'done');
    assert.is(first.code, 'killed', `${first.stdout}\n${first.stderr}`);
    await judge.expectGone(sim, ['-n', NS, 'bmh', HOST], 'the old host (only the journal has its definition)');
    // Kubernetes' garbage collector deletes the Secrets the old host owned: only the run's 0600 secret file keeps them
    for (const n of SECRETS) await waitFor(`Secret ${n} garbage-collected`, async () => (await judge.getJSON(sim, ['-n', NS, 'secret', n])) === null, 60_000);
    const runDir = journalDir(env.XDG_STATE_HOME)!;
    assert.is(statSync(runDir).mode & 0o777, 0o700);
    const secretFiles = () => readdirSync(runDir).filter((f) => f.endsWith('.secret.json'));
    assert.is(secretFiles().length, 1, `one secret file while the run is unfinished: ${readdirSync(runDir).join(', ')}`);
    assert.is(statSync(`${runDir}/${secretFiles()[0]}`).mode & 0o777, 0o600);

    // resumed: the Secrets and the host are created again; inspection did not see the production address, so the
    // Machine (addresses from inspection) does not list the node's InternalIP: a clear stop before any rollout wait
    const watch = await judge.watchEtcdCR(sim);
    const stop = await plugin(['auto', '--resume', '--yes', '--client', 'kubectl'], env);
    assert.is(stop.code, 5, `${stop.stdout}\n${stop.stderr}`);
    const node = await judge.expectExists(sim, ['node', HOST]);
    assert.is.not(node.metadata.uid, oldNode.metadata.uid, 'the new host registered a new node');
    const ip: string = node.status.addresses.find((a: any) => a.type === 'InternalIP').address;
    const machine = await judge.expectExists(sim, ['-n', NS, MACHINES, NEW_MACHINE]);
    assert.not.ok(machine.status.addresses.some((a: any) => a.address === ip), 'the Machine lacks the node IP (actuator: inspected NICs only)');
    assert.match(stop.stderr, /stopped at manual step \d+\/\d+ \(check-machine-address/);
    assert.match(stop.stderr, `machine ${NEW_MACHINE} does not list ${ip}, the InternalIP of the new node ${HOST}: the etcd operator will not add a member for it`);
    assert.match(stop.stderr, /no Machine found referencing this node's internal IP/);
    assert.match(stop.stderr, /inspect\.metal3\.io\/hardwaredetails/);
    assert.match(stop.stderr, /auto --resume/);
    const ms = await judge.members(sim);
    assert.equal(ms.map((m) => m.name).sort(), ['openshift-control-plane-0', 'openshift-control-plane-1'], 'no member for the new node');
    const versions = await watch.stop();
    assert.not.ok(versions.some((v) => /^recovery-/.test(v.spec?.forceRedeploymentReason ?? '')), 'no forced redeployment');
    // the Secrets are back with the same data, created anew, owned by the new host only (the operator claimed them)
    const host = await judge.expectExists(sim, ['-n', NS, 'bmh', HOST]);
    assert.is(host.spec.preprovisioningNetworkDataName, `${HOST}-network-config-secret`, 'the static network data kept');
    assert.is(host.spec.bmc.credentialsName, `${HOST}-bmc-secret`);
    for (const [i, n] of SECRETS.entries()) {
      const s = await judge.expectExists(sim, ['-n', NS, 'secret', n]);
      assert.equal(s.data, before[i].data, `${n} has its old data`);
      assert.is.not(s.metadata.uid, before[i].metadata.uid, `${n} was created again`);
      assert.equal(s.metadata.ownerReferences.map((r: any) => r.uid), [host.metadata.uid], `${n} is owned by the new host only`);
    }

    // the administrator's fix, as the stop message says: the hardware details with the production address
    const hw = { ...host.status.hardware, nics: [...host.status.hardware.nics.filter((n: any) => n.ip), { name: 'enp2s0', mac: '52:54:00:00:00:02', ip }] };
    const a = kubectl(sim, ['-n', NS, 'annotate', 'bmh', HOST, 'inspect.metal3.io=disabled', `inspect.metal3.io/hardwaredetails=${JSON.stringify(hw)}`, '--overwrite']);
    assert.is(a.exitCode, 0, a.stderr);
    await waitFor('the Machine to list the node IP', async () => ((await judge.getJSON(sim, ['-n', NS, MACHINES, NEW_MACHINE]))?.status?.addresses ?? []).some((x: any) => x.address === ip));

    const done = await plugin(['auto', '--resume', '--yes', '--client', 'kubectl'], env);
    assert.is(done.code, 0, `${done.stdout}\n${done.stderr}`);
    // judged from the simulator's side: what the pods ran, what the API server received, what is there now
    assert.is(judge.commandsRun(sim, /etcdctl member remove/).length, 1, 'member removed once');
    assert.is(requestsSince(sim, mark, 'DELETE', /\/baremetalhosts\/openshift-control-plane-2(\?|$)/).length, 1, 'host deleted once');
    // the machine's finalizer never goes by itself (machine-finalizer-stuck): gone means the run removed it
    assert.ok(requestsSince(sim, mark, 'PATCH', /\/machines\/examplecluster-control-plane-2(\?|$)/).length >= 1, 'the old machine was patched (its finalizer)');
    await assertReplaced(sim, { oldId, host: HOST, machine: new RegExp(`^${NEW_MACHINE}$`) });
    assert.equal(secretFiles(), [], 'the secret file is deleted when the run ends');
  } finally {
    await sim.stop();
  }
});

test('bare metal half done by hand, no journal: member removed, guard off, host deleted (its BMC Secret garbage-collected) → refused in one line, no write; machine deleted, host created again by hand (docs step 9) → the plan lists only the rest, auto --yes finishes', async () => {
  const T = 'openshift-control-plane-0';
  const MT = 'examplecluster-control-plane-0';
  const VIA = 'openshift-control-plane-1';
  const sc = scenario({ oct: 35, fault: 'machine-stopped' });
  sc.faults = [{ node: T, kind: 'machine-stopped' }];
  const sim = await startJudgedSim(sc);
  try {
    const env = envFor(sim.kubeconfig);
    await waitNotReady(sim);
    const old = await judge.memberId(sim, T);
    const keep = (await judge.members(sim)).filter((m) => m.id !== old).map((m) => m.id);
    // what the administrator keeps for docs step 9: the host's hardware and its BMC credentials
    const host0 = await judge.expectExists(sim, ['-n', NS, 'bmh', T]);
    const CRED = host0.spec.bmc.credentialsName as string;
    const cred0 = await judge.expectExists(sim, ['-n', NS, 'secret', CRED]);

    // docs 1, 2, 6: member removed from another node's etcd pod, quorum guard off, the host deleted (its owned BMC
    // Secret goes with it); the etcd secrets left for later (docs 3 not done)
    hand.removeMember(sim, VIA, old!);
    hand.quorumGuardOff(sim);
    const del = kubectl(sim, ['-n', NS, 'delete', 'bmh', T, '--wait=false']);
    assert.is(del.exitCode, 0, del.stderr);
    await waitFor('the host and its BMC Secret gone', async () => (await judge.getJSON(sim, ['-n', NS, 'bmh', T])) === null && (await judge.getJSON(sim, ['-n', NS, 'secret', CRED])) === null, 60_000);
    await waitDiagnosis(sim, 'not-ready', { reason: new RegExp(`^PartialReplacement: member removed, node ${T} \\(\\w+\\) and its machine still there$`) });
    // nothing can re-create the host: one line saying what to create (or --bmh), and no API write
    let mark = judge.requestMark(sim);
    const refused = await runPlugin(sim, ['auto', '--yes'], { env });
    assert.is(refused.code, 4, `${refused.stdout}\n${refused.stderr}`);
    const lines = refused.stderr.trim().split('\n');
    assert.is(lines.length, 1, refused.stderr);
    assert.match(lines[0]!, /^refused: the removed member's BareMetalHost is gone, and with it its BMC credentials Secret .*create a BareMetalHost .*and its BMC credentials Secret \(keys username, password\) in openshift-machine-api .*or pass both in --bmh FILE.* Nothing was changed\.$/);
    judge.expectNoWritesSince(sim, mark);

    // docs 7: the machine deleted (the operator releases its hook, the member being gone; the Node goes with it)
    hand.deleteMachine(sim, MT);
    await waitFor('the old machine and node gone', async () => (await judge.getJSON(sim, ['-n', NS, MACHINES, MT])) === null && (await judge.getJSON(sim, ['node', T])) === null, 120_000);

    // docs 9: the Secret and the host created again by hand, as the docs' example (same hardware, to be provisioned)
    const secret = { apiVersion: 'v1', kind: 'Secret', metadata: { name: CRED, namespace: NS }, type: 'Opaque', data: cred0.data };
    const host = {
      apiVersion: 'metal3.io/v1alpha1',
      kind: 'BareMetalHost',
      metadata: { name: T, namespace: NS },
      spec: {
        automatedCleaningMode: 'disabled',
        bmc: { address: host0.spec.bmc.address, credentialsName: CRED, disableCertificateVerification: true },
        bootMACAddress: host0.spec.bootMACAddress,
        bootMode: 'UEFI',
        externallyProvisioned: false,
        online: true,
        rootDeviceHints: { deviceName: '/dev/sda' },
        userData: { name: 'master-user-data-managed', namespace: NS },
      },
    };
    for (const o of [secret, host]) {
      const c = kubectl(sim, ['create', '-f', '-'], JSON.stringify(o));
      assert.is(c.exitCode, 0, c.stderr);
    }
    // the plan names the stage (the diagnosis status shows) and lists only the rest
    const dry = await runPlugin(sim, ['auto', '--dry-run'], { env });
    assert.is(dry.code, 0, `${dry.stdout}\n${dry.stderr}`);
    assert.match(dry.stdout, /^PartialReplacement: member removed, no machine replaces it\.$/m);
    assert.match(dry.stdout, new RegExp(`BareMetalHost ${T} \\(\\w+, no consumer\\) was created for the replacement`));
    const titles = dry.stdout.split('\n').filter((l) => /^\s+\d+\. /.test(l)).map((l) => l.replace(/^\s+\d+\. /, ''));
    const want = [
      /^Check that the baremetal cluster operator is Available/,
      /^Back up etcd/,
      new RegExp(`^Delete the etcd secrets of ${T}`),
      /^Save machine examplecluster-control-plane-1 and write the new machine definition/,
      /^Create the new master machine/,
      new RegExp(`^Wait for BareMetalHost ${T} to be inspected and provisioned`),
      /^Wait for the new master machine/,
      /^Check that the new machine lists the new node's InternalIP/,
      /^Wait for the new etcd member/,
      /^Turn the quorum guard back on/,
      /^Verify:/,
    ];
    assert.is(titles.length, want.length, `plan:\n${titles.join('\n')}`);
    want.forEach((re, i) => assert.match(titles[i]!, re, `step ${i + 1} of:\n${titles.join('\n')}`));

    mark = judge.requestMark(sim);
    const r = await runPlugin(sim, ['auto', '--yes'], { env });
    assert.is(r.code, 0, `exit ${r.code}\n${r.stdout}\n${r.stderr}`);
    const h = await judge.expectExists(sim, ['-n', NS, 'bmh', T]);
    assert.is(h.status.provisioning.state, 'provisioned');
    const m = await judge.expectExists(sim, ['-n', NS, MACHINES, h.spec.consumerRef?.name ?? '-']);
    assert.is(m.metadata.name, 'examplecluster-control-plane-3', 'the next free name after the copied master');
    assert.is(m.status.nodeRef.name, T);
    await judge.expectHealthy(sim, ['openshift-control-plane-1', 'openshift-control-plane-2', T]);
    await judge.expectReplaced(sim, { oldId: old!, name: T });
    // the old node's etcd secrets deleted by the run (the new node has the same name: the operator makes its own)
    for (const x of ['etcd-peer-', 'etcd-serving-', 'etcd-serving-metrics-']) {
      assert.is(requestsSince(sim, mark, 'DELETE', new RegExp(`/namespaces/openshift-etcd/secrets/${x}${T}(\\?|$)`)).length, 1, `${x}${T} deleted once`);
    }
    await judge.expectGuardRestored(sim, null);
    for (const id of keep) judge.expectMemberNeverRemoved(sim, id);
    judge.expectQuorumNeverLost(sim);
  } finally {
    await sim.stop();
  }
});

test.run();
