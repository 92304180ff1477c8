// The documented replacement steps done BY HAND, as an administrator following the docs would (runbook.md): plain
// kubectl, `etcdctl` in an etcd pod of another node, node commands through a privileged pod with the host's / at /host
// as `oc debug node/X` + `chroot /host` makes it. Nothing from lib/: the half-done state is made the way a person
// makes it, and the plugin then has to finish it from the live cluster alone.
import * as assert from 'uvu/assert';
import YAML from 'yaml';
import { kubectl, waitFor, type SimHandle } from './sim.ts';

type W = Pick<SimHandle, 'env'>;

function ok(sim: W, args: string[], input?: string): string {
  const r = kubectl(sim as SimHandle, args, input);
  assert.is(r.exitCode, 0, `kubectl ${args.join(' ')}: ${r.stderr}`);
  return r.stdout;
}

/**
 * A 4.16 AWS cluster, CPMS Inactive, whose master 0's Machine someone deleted while its instance was stopped (fault
 * machine-deleting), on network 10.<octet>: its node and machine names and the scenario. `timing` adds scenario timing
 * keys to the compressed provisioning and rollout.
 */
export function deletedMachineCluster(octet: number, timing = ''): { N: string[]; M: string[]; scenario: string } {
  const ips = [`10.${octet}.131.183`, `10.${octet}.154.204`, `10.${octet}.164.97`];
  const N = ips.map((ip) => `ip-${ip.replace(/\./g, '-')}.ec2.internal`);
  const M = [0, 1, 2].map((i) => `clustername-8qw5l-master-${i}`);
  const scenario = `openshift: "4.16"
platform: aws
controlPlaneMachineSet: inactive
masters:
${N.map((n, i) => `  - {node: ${n}, ip: ${ips[i]}, machine: ${M[i]}}`).join('\n')}
workers: 0
faults:
  - {node: ${N[0]}, kind: machine-deleting}
timing: {provisionSeconds: 1, rolloutSeconds: 1${timing ? `, ${timing}` : ''}}
`;
  return { N, M, scenario };
}

/**
 * The etcd operator's member-removal controller (4.12+) removes the unhealthy member of the deleting Machine; its
 * preDrain hook then goes, and the machine controller deletes the Node and the Machine. Waits for both to be gone and
 * checks that only the other two members are left; returns their IDs.
 */
export async function operatorRemovedMember<S extends W>(sim: S, N: string[], M: string[], members: (sim: S) => Promise<{ id: string; name: string }[]>): Promise<string[]> {
  const gone = (args: string[]) => kubectl((sim as W) as SimHandle, ['get', ...args, '-o', 'name']).exitCode !== 0;
  await waitFor('the deleting machine and its node to be gone', () => gone(['-n', 'openshift-machine-api', 'machine', M[0]!]) && gone(['node', N[0]!]), 180_000, 1000);
  const ms = await members(sim);
  assert.equal(ms.map((m) => m.name).sort(), [N[1], N[2]], 'the operator removed the member');
  return ms.map((m) => m.id);
}

/** `oc rsh etcd-<node>` + `etcdctl member remove <id>` (docs A.1 / B.2), from the etcd pod on `viaNode`. */
export function removeMember(sim: W, viaNode: string, id: string): string {
  const out = ok(sim, ['-n', 'openshift-etcd', 'exec', `etcd-${viaNode}`, '-c', 'etcdctl', '--', 'etcdctl', 'member', 'remove', id]);
  // etcdctl prints the ID with `%16x`: space-padded, so an ID with leading zeros reads `Member  d25c7bf1f52982b removed`
  assert.match(out, new RegExp(`Member\\s+${id.replace(/^0+/, '')} removed`), `etcdctl member remove ${id} printed: ${JSON.stringify(out)}`);
  return out;
}

/** Docs (4.8+): `oc patch etcd/cluster --type=merge -p '{"spec": {"unsupportedConfigOverrides": {"useUnsupported…": true}}}'`. */
export function quorumGuardOff(sim: W): void {
  ok(sim, ['patch', 'etcd', 'cluster', '--type=merge', '-p', JSON.stringify({ spec: { unsupportedConfigOverrides: { useUnsupportedUnsafeNonHANonProductionUnstableEtcd: true } } })]);
}

/** Docs A.2 / B.3: `oc delete secret -n openshift-etcd etcd-peer-<node>` and the serving ones. */
export function deleteSecrets(sim: W, node: string): void {
  for (const s of [`etcd-peer-${node}`, `etcd-serving-${node}`, `etcd-serving-metrics-${node}`]) ok(sim, ['-n', 'openshift-etcd', 'delete', 'secret', s]);
}

/**
 * `oc debug node/<node>` then `chroot /host` and `script`: the pod oc debug creates (privileged, host network and
 * PID, the host's / at /host, pinned to the node), waited for until it ends; returns its log.
 */
export async function onNode(sim: W, node: string, script: string): Promise<string> {
  const name = `${node.split('.')[0]}-debug-${Date.now().toString(36)}`;
  const pod = {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name, namespace: 'default', annotations: { 'debug.openshift.io/source-resource': `/v1, Resource=nodes/${node}` } },
    spec: {
      nodeName: node,
      hostPID: true,
      hostNetwork: true,
      restartPolicy: 'Never',
      tolerations: [{ operator: 'Exists' }],
      volumes: [{ name: 'host', hostPath: { path: '/', type: 'Directory' } }],
      containers: [
        {
          name: 'container-00',
          image: 'registry.redhat.io/rhel9/support-tools',
          command: ['chroot', '/host', 'sh', '-c', script],
          securityContext: { privileged: true, runAsUser: 0 },
          volumeMounts: [{ name: 'host', mountPath: '/host' }],
        },
      ],
    },
  };
  ok(sim, ['create', '-f', '-'], JSON.stringify(pod));
  const phase = await waitFor(`debug pod on ${node} to finish`, () => {
    const p = kubectl(sim as SimHandle, ['-n', 'default', 'get', 'pod', name, '-o', 'jsonpath={.status.phase}']).stdout.trim();
    return p === 'Succeeded' || p === 'Failed' ? p : '';
  }, 120_000, 500);
  const log = kubectl(sim as SimHandle, ['-n', 'default', 'logs', name]).stdout;
  ok(sim, ['-n', 'default', 'delete', 'pod', name, '--wait=false']);
  assert.is(phase, 'Succeeded', `${script} on ${node}: ${log}`);
  return log;
}

/** Docs B.1: move the static pod manifest and the data dir aside on the node. */
export function stopEtcd(sim: W, node: string): Promise<string> {
  return onNode(sim, node, 'mkdir -p /var/lib/etcd-backup && mv /etc/kubernetes/manifests/etcd-pod.yaml /var/lib/etcd-backup/ && mv /var/lib/etcd/ /tmp');
}

/**
 * Docs A.3: `oc get machine <from> -o yaml`, edited as the docs say (no status, new name, no providerID, annotations,
 * generation, resourceVersion, uid), then `oc apply -f`. Returns the new machine's name.
 */
export function copyMachine(sim: W, from: string, newName: string): string {
  const m = YAML.parse(ok(sim, ['-n', 'openshift-machine-api', 'get', 'machine', from, '-o', 'yaml']));
  delete m.status;
  m.metadata.name = newName;
  if (m.metadata.selfLink) m.metadata.selfLink = m.metadata.selfLink.replace(/[^/]+$/, newName);
  delete m.spec.providerID;
  for (const k of ['annotations', 'generation', 'resourceVersion', 'uid', 'creationTimestamp', 'managedFields', 'finalizers']) delete m.metadata[k];
  ok(sim, ['apply', '-f', '-'], YAML.stringify(m));
  return newName;
}

/** `oc delete machine -n openshift-machine-api <name>` (docs A.3.4, the CPMS branch; or anyone): returns at once, the
 * machine stays Deleting while its preDrain hook holds it. */
export function deleteMachine(sim: W, name: string): void {
  ok(sim, ['-n', 'openshift-machine-api', 'delete', 'machine', name, '--wait=false']);
}

/** The control-plane node names as the API server lists them now. */
export function masterNodes(sim: W): string[] {
  const list = JSON.parse(ok(sim, ['get', 'nodes', '-l', 'node-role.kubernetes.io/master', '-o', 'json']));
  return (list.items as any[]).map((n) => n.metadata.name).sort();
}
