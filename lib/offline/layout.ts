// Where `oc adm inspect` and `oc adm must-gather` put things (openshift/oc master, read 2026-12-02):
//
// pkg/cli/admin/inspect/util.go dirPathForInfo / filenameForInfo, resource.go, namespace.go, pod.go:
//   - an object given by name, or reached through a ClusterOperator's status.relatedObjects, or a top-level resource
//     argument (the builder Flatten()s lists into objects):
//       namespaced       namespaces/<ns>/<group>/<resource>/<name>.yaml
//       cluster-scoped   cluster-scoped-resources/<group>/<resource>/<name>.yaml
//     (<group> is "core" for the core API group)
//   - a namespace (`ns/X`, or a related object `namespaces`): namespaces/<ns>/<ns>.yaml, then each resource of
//     namespaceResourcesToCollect() (the `all` category, configmaps, events, secrets, …) as ONE list per resource,
//     not flattened: namespaces/<ns>/<group>/<resource>.yaml; and every pod of the namespace:
//     namespaces/<ns>/pods/<pod>/<pod>.yaml with each container's logs in
//     namespaces/<ns>/pods/<pod>/<container>/<container>/logs/{current,previous}.log
//   - a ClusterOperator: cluster-scoped-resources/config.openshift.io/clusteroperators/<name>.yaml, and once every
//     config.openshift.io resource as a list: cluster-scoped-resources/config.openshift.io/<resource>.yaml
//   - Secrets (secret.go elideSecret): every data value except tls.crt, ca.crt and service-ca.crt is replaced by
//     "<N> bytes long"
//   - YAML from the kubectl printer with managedFields kept; `timestamp`: time.Now() (Go "%v") at start and end.
// pkg/cli/admin/mustgather/mustgather.go: the local folder is must-gather.local.<rand> (--dest-dir), with
//   `timestamp`, `must-gather.logs`, and one folder per image, named after the gather pod's imageID with every run of
//   characters other than [A-Za-z0-9] replaced by "-" (copyFilesFromPod), holding what the image wrote to
//   /must-gather (and its gather.logs).
// openshift/must-gather collection-scripts/gather: `oc adm inspect --dest-dir must-gather` of clusterversion,
//   clusteroperators, nodes, ns/openshift-etcd, ns/kube-system, … and `leases --all-namespaces`; gather_etcd: etcd_info/.
// The ClusterOperators' relatedObjects bring the rest: etcd (cluster-etcd-operator pkg/operator/starter.go:
//   etcds.operator.openshift.io/cluster, ns/openshift-etcd), machine-api (machine-api-operator pkg/operator/status.go:
//   machines, machinesets in openshift-machine-api), control-plane-machine-set (its cluster_operator.go:
//   controlplanemachinesets, machines), baremetal (cluster-baremetal-operator controllers/clusteroperator.go:
//   baremetalhosts in openshift-machine-api).
export const NS_DIR = 'namespaces';
export const CLUSTER_DIR = 'cluster-scoped-resources';
export const ETCD_INFO = 'etcd_info';
export const ETCD_INFO_FILES = {
  members: `${ETCD_INFO}/member_list.json`,
  health: `${ETCD_INFO}/endpoint_health.json`,
  status: `${ETCD_INFO}/endpoint_status.json`,
  alarms: `${ETCD_INFO}/alarm_list.json`,
} as const;

export const groupDir = (group: string) => group || 'core';

/** The folder of a resource's objects / list file's parent: namespaces/<ns>/<group> or cluster-scoped-resources/<group>. */
export function resourceBase(group: string, ns?: string): string {
  return ns ? `${NS_DIR}/${ns}/${groupDir(group)}` : `${CLUSTER_DIR}/${groupDir(group)}`;
}

/** namespaces/<ns>/<group>/<resource>/<name>.yaml | cluster-scoped-resources/<group>/<resource>/<name>.yaml */
export function objectPath(group: string, resource: string, name: string, ns?: string): string {
  return `${resourceBase(group, ns)}/${resource}/${name}.yaml`;
}

/** namespaces/<ns>/<group>/<resource>.yaml | cluster-scoped-resources/<group>/<resource>.yaml (a List) */
export function listPath(group: string, resource: string, ns?: string): string {
  return `${resourceBase(group, ns)}/${resource}.yaml`;
}

/** namespaces/<ns>/pods/<pod>/<pod>.yaml */
export function podPath(ns: string, pod: string): string {
  return `${NS_DIR}/${ns}/pods/${pod}/${pod}.yaml`;
}

/** namespaces/<ns>/pods/<pod>/<container>/<container>/logs/current.log */
export function podLogPath(ns: string, pod: string, container: string, which: 'current' | 'previous' = 'current'): string {
  return `${NS_DIR}/${ns}/pods/${pod}/${container}/${container}/logs/${which}.log`;
}

/** The image folder name `oc adm must-gather` makes of a pod's imageID (mustgather.go copyFilesFromPod). */
export function imageFolderName(imageID: string): string {
  return imageID.replace(/[^A-Za-z0-9]+/g, '-');
}

/** `timestamp` as written by inspect/must-gather: Go's time.Time "%v", e.g. `2026-12-02 11:03:22.123456789 +0000 UTC m=+0.012`. */
export function goTime(d: Date): string {
  const p = (n: number, w = 2) => String(n).padStart(w, '0');
  const ns = `${p(d.getUTCMilliseconds(), 3)}000000`;
  return `${d.getUTCFullYear()}-${p(d.getUTCMonth() + 1)}-${p(d.getUTCDate())} ${p(d.getUTCHours())}:${p(d.getUTCMinutes())}:${p(d.getUTCSeconds())}.${ns} +0000 UTC`;
}

/** A `timestamp` line back to ISO 8601 (UTC), null when it is not one. */
export function parseGoTime(line: string): string | null {
  const m = /^(\d{4}-\d\d-\d\d) (\d\d:\d\d:\d\d)(\.\d+)? ([+-])(\d\d)(\d\d)/.exec(line.trim());
  if (!m) return null;
  const frac = m[3] ? m[3].slice(0, 4) : '';
  const t = Date.parse(`${m[1]}T${m[2]}${frac}${m[4]}${m[5]}:${m[6]}`);
  return Number.isNaN(t) ? null : new Date(t).toISOString().replace(/\.000Z$/, 'Z');
}
