// End-to-end: `auto` on an installer-provisioned bare-metal cluster (Metal3, 4.14) in the simulator, as a real child
// process: no control plane machine set, every host with static network data (`<host>-network-config-secret`, owned by
// the host like its BMC Secret), the Machine's finalizer hangs, inspection of the re-created host does not see the
// production address. One run: the dry run shows every command; killed after the old host was deleted (Kubernetes then
// garbage-collects the Secrets it owned); resumed, it creates the Secrets again and the host, and stops with exit 5 once
// the new Machine does not list the node's InternalIP (the etcd operator would never add the member); the documented
// fix (hardware details from the annotation); resumed again to three started, healthy voters.
// (With an active CPMS and `--bmh`: baremetal-bmh.test.ts; 4.7: baremetal-4.7.test.ts.) Outcomes are judged by
// test/helpers/judge.ts from the simulator's side; the journal only times the kill and locates the run directory.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { readdirSync, statSync } from 'node:fs';
import { kubectl } from '../helpers/sim.ts';
import { startJudgedSim } from '../helpers/plugin.ts';
import * as judge from '../helpers/judge.ts';
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

test.run();
