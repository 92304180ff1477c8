// What the plan needs the API server to allow (preflight "permissions"): every verb, resource and namespace the
// plan's steps use, asked before any change with SelfSubjectAccessReview (authorization.k8s.io/v1), as
// `kubectl auth can-i` does (kubernetes/kubectl pkg/cmd/auth/cani.go: one SelfSubjectAccessReview per question).
// All questions go in ONE `kubectl create -f -` of a v1 List (one process, one connection): the API server answers
// each review for the user who sent it and stores nothing.
//
// The runbook's documented prerequisite is "access to the cluster as a user with the cluster-admin role"
// (openshift-docs restore-replace-stopped-etcd-member / restore-replace-crashlooping-etcd-member): that ClusterRole is
// what a refusal names.
import type { Kube } from '../cluster/kubectl.ts';
import { firstErrorLine, isTransient } from '../cluster/kubectl.ts';
import { PluginError } from '../errors.ts';
import type { PlanFacts, Step } from '../runbooks/step.ts';

export const GRANTING_ROLE = 'cluster-admin';

export interface Access {
  verb: string;
  /** API group ('' = core) */
  group: string;
  resource: string;
  subresource?: string;
  /** absent for cluster-scoped resources */
  namespace?: string;
}

export interface NeededAccess extends Access {
  /** the steps (or 'every run') that use it */
  usedBy: string[];
}

const ETCD = 'openshift-etcd';
const MAPI = 'openshift-machine-api';
const MACHINES = { group: 'machine.openshift.io', resource: 'machines', namespace: MAPI };
const BMH = { group: 'metal3.io', resource: 'baremetalhosts', namespace: MAPI };
const ETCD_CR = { group: 'operator.openshift.io', resource: 'etcds' };

const a = (verbs: string[], r: Omit<Access, 'verb'>): Access[] => verbs.map((verb) => ({ verb, ...r }));

/** A node command: a privileged debug pod in openshift-etcd, its status and logs read, then deleted (hostcmd.ts). */
const NODE_COMMAND: Access[] = [
  ...a(['create', 'get', 'delete'], { group: '', resource: 'pods', namespace: ETCD }),
  ...a(['get'], { group: '', resource: 'pods', subresource: 'log', namespace: ETCD }),
];
/** etcdctl in an etcd pod (`kubectl exec … -c etcdctl`), the pods listed first to pick one. */
const ETCDCTL: Access[] = [...a(['list'], { group: '', resource: 'pods', namespace: ETCD }), ...a(['create'], { group: '', resource: 'pods', subresource: 'exec', namespace: ETCD })];

/** What every run uses whatever its steps: the reads of the cluster state, the lease, the events, the debug-pod sweep. */
export const EVERY_RUN: Access[] = [
  ...ETCDCTL,
  ...a(['list'], { group: '', resource: 'nodes' }),
  ...a(['list'], { group: '', resource: 'secrets', namespace: ETCD }),
  ...a(['get'], ETCD_CR),
  ...a(['get'], { group: 'config.openshift.io', resource: 'clusteroperators' }),
  ...a(['list'], MACHINES),
  ...a(['get', 'create', 'update', 'delete'], { group: 'coordination.k8s.io', resource: 'leases', namespace: ETCD }),
  ...a(['create'], { group: '', resource: 'events', namespace: ETCD }),
  ...a(['delete'], { group: '', resource: 'pods', namespace: ETCD }),
];

/**
 * The accesses of each step, by step id. A step id missing here is a programming error (a unit test builds every
 * procedure and checks that each step is listed).
 */
export const STEP_ACCESS: Record<string, (f: PlanFacts) => Access[]> = {
  backup: () => NODE_COMMAND,
  'stop-etcd-pod': () => NODE_COMMAND,
  'remove-member': () => ETCDCTL,
  'quorum-guard-off': () => a(['get', 'patch'], ETCD_CR),
  'quorum-guard-restore': () => a(['get', 'patch'], ETCD_CR),
  'force-redeploy': () => a(['get', 'patch'], ETCD_CR),
  'delete-node': () => a(['get', 'delete'], { group: '', resource: 'nodes' }),
  'new-control-plane-node': () => a(['list'], { group: '', resource: 'nodes' }),
  'delete-secrets': () => a(['list', 'delete'], { group: '', resource: 'secrets', namespace: ETCD }),
  'save-machine': () => a(['get'], MACHINES),
  'delete-machine': () => a(['get', 'delete'], MACHINES),
  // kubectl apply: get, then create (client-side apply of a new object)
  'create-machine': () => a(['get', 'create'], MACHINES),
  'wait-machine': () => [...a(['get', 'list'], MACHINES), ...a(['get'], { group: '', resource: 'nodes' })],
  'wait-rollout': () => [...ETCDCTL, ...a(['get'], { group: '', resource: 'configmaps', namespace: ETCD }), ...a(['get', 'patch'], ETCD_CR)],
  'final-verify': () => ETCDCTL,
  'hand-over': () => a(['get', 'list'], MACHINES),
  'check-baremetal-operator': () => a(['get'], { group: 'config.openshift.io', resource: 'clusteroperators' }),
  'save-host': () => [...a(['get'], BMH), ...a(['get'], { group: '', resource: 'secrets', namespace: MAPI })],
  'delete-host': () => a(['get', 'delete'], BMH),
  'remove-machine-finalizer': () => a(['get', 'patch'], MACHINES),
  // kubectl apply of the host (and, with --bmh, its Secret): get, create, patch
  'create-host': (f) => [...a(['get', 'create', 'patch'], BMH), ...(f.bareMetal?.manifest ? a(['get', 'create', 'patch'], { group: '', resource: 'secrets', namespace: MAPI }) : a(['get'], { group: '', resource: 'secrets', namespace: MAPI }))],
  'wait-host': () => a(['get', 'list'], BMH),
  // reads only: the new node's addresses, the cluster network, the master Machines' addresses
  'check-machine-address': () => [
    ...a(['get'], { group: '', resource: 'nodes' }),
    ...a(['get'], { group: 'config.openshift.io', resource: 'networks' }),
    ...a(['get', 'list'], MACHINES),
  ],
};

export function accessKey(x: Access): string {
  return [x.verb, x.group, x.resource, x.subresource ?? '', x.namespace ?? ''].join('|');
}

/** "delete machines.machine.openshift.io in namespace openshift-machine-api", "create pods/exec in namespace openshift-etcd" */
export function accessLabel(x: Access): string {
  const res = `${x.resource}${x.subresource ? `/${x.subresource}` : ''}${x.group ? `.${x.group}` : ''}`;
  return `${x.verb} ${res}${x.namespace ? ` in namespace ${x.namespace}` : ' (cluster-wide)'}`;
}

/** The `kubectl auth can-i` line that asks the same question. */
export function canIArgs(x: Access): string[] {
  const res = `${x.resource}${x.group ? `.${x.group}` : ''}`;
  return ['auth', 'can-i', x.verb, res, ...(x.subresource ? [`--subresource=${x.subresource}`] : []), ...(x.namespace ? ['-n', x.namespace] : [])];
}

/** Every access the given steps (from `from` on) and every run use, deduplicated, each with the steps that need it. */
export function planAccess(f: PlanFacts, steps: Pick<Step, 'id'>[], from = 0): NeededAccess[] {
  const out = new Map<string, NeededAccess>();
  const add = (list: Access[], by: string) => {
    for (const x of list) {
      const k = accessKey(x);
      const cur = out.get(k);
      if (cur) {
        if (!cur.usedBy.includes(by)) cur.usedBy.push(by);
      } else out.set(k, { ...x, usedBy: [by] });
    }
  };
  add(EVERY_RUN, 'every run');
  for (const s of steps.slice(from)) {
    const of = STEP_ACCESS[s.id];
    if (!of) throw new Error(`preflight: no permissions are listed for step ${s.id} (lib/preflight/access.ts STEP_ACCESS)`);
    add(of(f), s.id);
  }
  return [...out.values()];
}

/** The SelfSubjectAccessReview for one question. */
export function accessReview(x: Access): object {
  const attrs: Record<string, string> = { verb: x.verb, resource: x.resource };
  if (x.group) attrs.group = x.group;
  if (x.subresource) attrs.subresource = x.subresource;
  if (x.namespace) attrs.namespace = x.namespace;
  return { apiVersion: 'authorization.k8s.io/v1', kind: 'SelfSubjectAccessReview', spec: { resourceAttributes: attrs } };
}

/** kubectl prints the created objects of a List one after the other (`-o json`): split that stream into objects. */
export function splitJsonStream(text: string): any[] {
  const out: any[] = [];
  let depth = 0;
  let start = -1;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (inString) {
      if (c === '\\') i++;
      else if (c === '"') inString = false;
      continue;
    }
    if (c === '"') inString = true;
    else if (c === '{') {
      if (depth === 0) start = i;
      depth++;
    } else if (c === '}') {
      depth--;
      if (depth === 0 && start >= 0) {
        out.push(JSON.parse(text.slice(start, i + 1)));
        start = -1;
      }
    }
  }
  const flat: any[] = [];
  for (const o of out) {
    if (o?.kind === 'List' && Array.isArray(o.items)) flat.push(...o.items);
    else flat.push(o);
  }
  return flat;
}

export interface AccessAnswer {
  access: NeededAccess;
  allowed: boolean;
  reason?: string;
}

/** The args of the one call that asks every question. */
export const REVIEW_ARGS = ['create', '-f', '-', '-o', 'json'];

/** Ask the API server about every access (one call; a transient failure is tried again: a review changes nothing). */
export async function reviewAccess(kube: Kube, needed: NeededAccess[]): Promise<AccessAnswer[]> {
  const input = JSON.stringify({ apiVersion: 'v1', kind: 'List', items: needed.map(accessReview) });
  let last = '';
  for (let attempt = 1; attempt <= 4; attempt++) {
    const r = await kube.run(REVIEW_ARGS, { input, allowFailure: true });
    if (r.exitCode === 0) {
      const answers = splitJsonStream(r.stdout);
      if (answers.length !== needed.length) throw new PluginError(`the API server answered ${answers.length} of ${needed.length} access reviews`);
      return needed.map((access, i) => {
        const st = answers[i]?.status ?? {};
        return { access, allowed: st.allowed === true, ...(st.reason ? { reason: String(st.reason) } : {}), ...(st.evaluationError ? { reason: String(st.evaluationError) } : {}) };
      });
    }
    last = firstErrorLine(r.stderr) || `exit code ${r.exitCode}`;
    if (!isTransient(r.stderr)) break;
    await new Promise((res) => setTimeout(res, 500 * attempt));
  }
  throw new PluginError(`the access review (SelfSubjectAccessReview) failed: ${last}`, { transient: isTransient(last) });
}
