// `oc adm must-gather` of the simulated cluster, written in the real layout from the simulator's own objects and its
// real etcd (never through lib/): what the default must-gather image collects that concerns etcd and its machines.
//
// Sources (read 2026-12-02):
// - openshift/oc master pkg/cli/admin/mustgather/mustgather.go: the destination folder (--dest-dir, default
//   must-gather.local.<rand>) holds `timestamp` (Go time.Now() "%v", written at start and end), `must-gather.logs`,
//   and one folder per image named after the gather pod's imageID with each run of [^A-Za-z0-9] turned into "-"
//   (copyFilesFromPod); in it the image's /must-gather and its `gather.logs` (the gather container's log, Timestamps).
// - openshift/oc master pkg/cli/admin/inspect/{inspect,resource,namespace,pod,secret,util}.go: the paths (see
//   lib-independent copy below), YAML from the kubectl printer (keys sorted, managedFields kept), lists for the
//   resources of an inspected namespace, Secrets with every data value but tls.crt/ca.crt/service-ca.crt replaced by
//   "<N> bytes long" (elideSecret), and logs/current.log per container.
// - openshift/must-gather main collection-scripts/gather: `oc adm inspect` of clusterversion, clusteroperators, nodes,
//   ns/openshift-etcd, ns/kube-system, ns/default, `leases --all-namespaces`; each ClusterOperator's relatedObjects
//   (etcd: etcds/cluster; machine-api: ns/openshift-machine-api, machines, machinesets; control-plane-machine-set:
//   controlplanemachinesets; baremetal: baremetalhosts).
// - openshift/must-gather collection-scripts/gather_etcd, read at release-4.6, -4.10, -4.12, -4.14, -4.16, -4.20 and
//   main (2026-12-02); `set -o errexit -o pipefail -o nounset` in every one:
//   1. RUNNING_ETCD_POD=$(oc get pod -n openshift-etcd --no-headers [-l app=etcd] | grep Running | grep -o -m 1
//      '\S*etcd\S*'): ONE pod, the first by name whose STATUS reads Running; `-l app=etcd` from release-4.11 (commit
//      3be67226; up to release-4.10 any Running pod of the namespace whose name holds "etcd", e.g. etcd-quorum-guard-*).
//      No Running pod: grep fails, the pipeline fails, errexit ends the script (its "No running etcd pods found" line
//      comes after and is never printed).
//   2. ETCDCTL_ENDPOINTS=$(oc exec $POD -c etcdctl -- /bin/sh -c "etcdctl member list" | awk '{...$5}'): the fifth
//      column (client URLs) of every member. The script never tries another pod and never uses --cluster: when this
//      exec fails (the pod's node is stopped or its kubelet is down, yet the pod still reads Running; or etcdctl fails,
//      e.g. without quorum) errexit ends the script here, BEFORE `mkdir -p etcd_info`: the must-gather has no
//      etcd_info/ at all.
//   3. `set +o errexit`, then in parallel `etcdctl member list|endpoint status|endpoint health|alarm list -w json`
//      with ETCDCTL_ENDPOINTS, each stdout redirected to etcd_info/<name>.json (empty when that exec fails); from
//      release-4.14 also object_count.json (not written here: nothing reads it).
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { Writable } from 'node:stream';
import { stringify } from 'yaml';
import type { KObject } from '../kube-apiserver/store.ts';
import { R, groupVersion, type ResourceType } from '../kube-apiserver/resources.ts';
import { podStatus } from '../kube-apiserver/table.ts';
import { createWorldHooks } from '../kubelet/exec.ts';
import type { World } from '../world/world.ts';

/** The imageID of the default must-gather image a real run reports (a release payload digest). */
export const MUST_GATHER_IMAGE_ID = 'quay.io/openshift-release-dev/ocp-v4.0-art-dev@sha256:4f4d6a7c1b9b0d8ea2f3a3e5c9d1b7c0e6f2a1d4c8b3e7f5a9d2c6b1e0f3a7d8';

export interface MustGatherOptions {
  /** leave etcd_info/ out (as when gather_etcd failed before writing) */
  noEtcdInfo?: boolean;
  now?: Date;
}

const imageFolder = (id: string) => id.replace(/[^A-Za-z0-9]+/g, '-');

/** Go's time.Time "%v" */
function goTime(d: Date): string {
  const p = (n: number, w = 2) => String(n).padStart(w, '0');
  return `${d.getUTCFullYear()}-${p(d.getUTCMonth() + 1)}-${p(d.getUTCDate())} ${p(d.getUTCHours())}:${p(d.getUTCMinutes())}:${p(d.getUTCSeconds())}.${p(d.getUTCMilliseconds(), 3)}000000 +0000 UTC`;
}

/** sigs.k8s.io/yaml: JSON marshalled, then YAML with keys in sorted order */
const toYaml = (o: unknown) => stringify(o, { sortMapEntries: true, lineWidth: 0, aliasDuplicateObjects: false });

/** oc adm inspect elideSecret */
function elide(secret: KObject): KObject {
  const s = structuredClone(secret);
  const keep = new Set(['tls.crt', 'ca.crt', 'service-ca.crt']);
  for (const k of Object.keys(s.data ?? {})) if (!keep.has(k)) s.data[k] = Buffer.from(`${Buffer.from(String(s.data[k]), 'base64').length} bytes long`).toString('base64');
  for (const a of ['openshift.io/token-secret.value', 'kubectl.kubernetes.io/last-applied-configuration']) if (s.metadata.annotations?.[a] !== undefined) s.metadata.annotations[a] = '';
  return s;
}

const group = (t: ResourceType) => t.group || 'core';

export async function writeMustGather(world: Pick<World, 'ctx' | 'kubelets'>, dest: string, o: MustGatherOptions = {}): Promise<{ root: string; image: string }> {
  const store = world.ctx.store;
  const now = o.now ?? new Date();
  const image = join(dest, imageFolder(MUST_GATHER_IMAGE_ID));
  const write = (rel: string, text: string) => {
    const f = join(image, rel);
    mkdirSync(dirname(f), { recursive: true });
    writeFileSync(f, text);
  };
  const list = (t: ResourceType, items: KObject[]) => toYaml({ apiVersion: groupVersion(t), items, kind: `${t.kind}List`, metadata: { resourceVersion: store.resourceVersion } });
  const nsBase = (ns: string, t: ResourceType) => `namespaces/${ns}/${group(t)}`;
  const clusterBase = (t: ResourceType) => `cluster-scoped-resources/${group(t)}`;
  const one = (t: ResourceType, obj: KObject) =>
    write(t.namespaced ? `${nsBase(obj.metadata.namespace!, t)}/${t.resource}/${obj.metadata.name}.yaml` : `${clusterBase(t)}/${t.resource}/${obj.metadata.name}.yaml`, toYaml(t === R.secrets ? elide(obj) : obj));
  mkdirSync(dest, { recursive: true });
  writeFileSync(join(dest, 'timestamp'), `${goTime(now)}\n`);
  write('timestamp', `${goTime(now)}\n`);
  write('version', 'openshift/must-gather\n0.0.0-sim\n');
  const hooks = createWorldHooks(world.ctx, world.kubelets);
  const stamp = (text: string) => text.split('\n').filter(Boolean).map((l) => `${now.toISOString()} ${l}`).join('\n') + (text ? '\n' : '');

  // clusterversion, clusteroperators (and with them every config.openshift.io resource as a list), nodes
  for (const t of [R.clusterversions, R.infrastructures, R.networks, R.clusteroperators]) write(`${clusterBase(t)}/${t.resource}.yaml`, list(t, store.list(t)));
  for (const t of [R.clusterversions, R.clusteroperators, R.nodes]) for (const obj of store.list(t)) one(t, obj);
  // related objects: etcds/cluster, the machine API's objects, the hosts
  for (const obj of store.list(R.etcds)) one(R.etcds, obj);
  for (const t of [R.machines, R.controlplanemachinesets, R.baremetalhosts]) for (const obj of store.list(t, 'openshift-machine-api')) one(t, obj);
  // leases --all-namespaces
  for (const obj of store.list(R.leases)) one(R.leases, obj);
  // the inspected namespaces: the namespace, its lists, its pods with their logs
  const namespaces = ['openshift-etcd', 'openshift-etcd-operator', 'openshift-machine-api', 'kube-system', 'default'].filter((n) => store.get(R.namespaces, undefined, n));
  for (const ns of namespaces) {
    write(`namespaces/${ns}/${ns}.yaml`, toYaml(store.get(R.namespaces, undefined, ns)));
    for (const t of [R.pods, R.configmaps, R.events, R.secrets]) {
      const items = store.list(t, ns);
      write(`${nsBase(ns, t)}/${t.resource}.yaml`, list(t, t === R.secrets ? items.map(elide) : items));
    }
    for (const pod of store.list(R.pods, ns)) {
      write(`namespaces/${ns}/pods/${pod.metadata.name}/${pod.metadata.name}.yaml`, toYaml(pod));
      for (const c of [...(pod.spec?.containers ?? []), ...(pod.spec?.initContainers ?? [])] as any[]) {
        let text = '';
        try {
          text = hooks.logs(pod, c.name);
        } catch {
          text = '';
        }
        write(`namespaces/${ns}/pods/${pod.metadata.name}/${c.name}/${c.name}/logs/current.log`, stamp(text));
      }
    }
  }

  // gather_etcd
  const log: string[] = [];
  if (!o.noEtcdInfo) {
    // 1. the pod: the first Running one by name (oc get lists by name), app=etcd from 4.11, any "etcd" name before
    const byName = (a: KObject, b: KObject) => (a.metadata.name < b.metadata.name ? -1 : a.metadata.name > b.metadata.name ? 1 : 0);
    const pods = store
      .list(R.pods, 'openshift-etcd', (p) => (world.ctx.minor >= 11 ? p.metadata.labels?.app === 'etcd' : p.metadata.name.includes('etcd')))
      .sort(byName);
    const running = pods.find((p) => podStatus(p).reason === 'Running');
    if (!running) log.push('(no Running etcd pod: `grep Running` failed and errexit ended gather_etcd; no etcd_info/)');
    else {
      const exec = async (command: string[]): Promise<{ code: number; out: string; err: string }> => {
        let out = '';
        let err = '';
        const stdout = new Writable({ write: (c, _e, cb) => ((out += String(c)), cb()) });
        const stderr = new Writable({ write: (c, _e, cb) => ((err += String(c)), cb()) });
        try {
          const code = await hooks.exec({ pod: running, container: 'etcdctl', command, stdout, stderr, tty: false });
          return { code, out, err: code ? `${err}command terminated with exit code ${code}\n` : err };
        } catch (e) {
          // oc exec failed before the command ran (the API server could not reach the kubelet, no such container)
          return { code: 1, out, err: `Error from server: ${(e as Error).message}\n` };
        }
      };
      // 2. the endpoints; a failed exec ends the script before etcd_info/ exists
      const first = await exec(['/bin/sh', '-c', 'etcdctl member list']);
      if (first.code !== 0) log.push(...first.err.split('\n').filter(Boolean), '(errexit: gather_etcd ended before writing etcd_info/)');
      else {
        const eps = first.out
          .split('\n')
          .filter(Boolean)
          .map((l) => l.split(', ')[4] ?? '')
          .join(',');
        log.push(`Getting information from pod "${running.metadata.name}", container "etcdctl"`, `Using endpoints: ${eps}`, 'INFO: Starting getting etcd information');
        // 3. the four reads in parallel, each stdout to its file, whatever the exit code
        const files: [string, string[]][] = [
          ['member_list.json', ['member', 'list', '-w', 'json']],
          ['endpoint_status.json', ['endpoint', 'status', '-w', 'json']],
          ['endpoint_health.json', ['endpoint', 'health', '-w', 'json']],
          ['alarm_list.json', ['alarm', 'list', '-w', 'json']],
        ];
        const outs = await Promise.all(files.map(([, args]) => exec(['env', `ETCDCTL_ENDPOINTS=${eps}`, 'etcdctl', ...args])));
        files.forEach(([name], i) => write(`etcd_info/${name}`, outs[i]!.out));
        log.push(...outs.flatMap((r) => r.err.split('\n').filter(Boolean)), 'INFO: Done collecting etcd information');
      }
    }
  }
  write('gather.logs', stamp(log.join('\n')));
  writeFileSync(join(dest, 'timestamp'), `${goTime(now)}\n${goTime(new Date())}\n`);
  return { root: dest, image };
}
