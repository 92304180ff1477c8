// runOnNode: run a shell script on a control plane node's host, the way `oc debug node/X -- chroot /host sh -c …`
// does under the hood, but explicitly (so oc and kubectl behave the same and nothing needs a TTY):
// a privileged pod pinned to the node (hostPID, hostNetwork, hostPath / at /host, tolerating everything)
// runs `chroot /host sh -c SCRIPT`; we wait for it to finish, read its logs, delete it.
// `script` must be built by the caller only from constants and validated names (lib/cluster/names.ts).
// Image: the node's own etcd static pod image when that pod has run there (it is in the node's image store), with
// imagePullPolicy IfNotPresent, so a broken or disconnected registry cannot stop a run halfway (kubelet
// pkg/kubelet/images/image_manager.go: IfNotPresent pulls only when the image is not present). Otherwise the release's
// tools image (imagestream openshift/tools, what `oc debug node/X` uses: openshift/oc pkg/cli/debug/debug.go), which
// the node will pull.
import { randomBytes } from 'node:crypto';
import { stringify } from 'yaml';
import { Kube, firstErrorLine, isTransient } from './kubectl.ts';
import { PluginError } from '../errors.ts';
import { shortHash, validNodeName } from './names.ts';
import { shellQuote } from './kubectl.ts';

export const DEBUG_NS = 'openshift-etcd';
export const FALLBACK_TOOLS_IMAGE = 'registry.redhat.io/rhel9/support-tools';
export const DEBUG_POD_PREFIX = 'etcd-replace-debug-';
export const DEBUG_POD_LABEL = 'etcd-replace-debug';

export interface HostCmdOptions {
  image?: string;
  timeoutMs?: number;
  /** poll interval, default 500 ms */
  pollMs?: number;
}

export interface HostCmdResult {
  exitCode: number;
  output: string;
  pod: string;
}

const imageCache = new WeakMap<Kube, Promise<string>>();

/** The tools image (imagestream openshift/tools, tag latest), else registry.redhat.io/rhel9/support-tools. */
export function toolsImage(kube: Kube): Promise<string> {
  let p = imageCache.get(kube);
  if (!p) {
    p = (async () => {
      const r = await kube.run(['-n', 'openshift', 'get', 'imagestreams.v1.image.openshift.io', 'tools', '-o', 'json'], { allowFailure: true, retries: 2 });
      if (r.exitCode !== 0) return FALLBACK_TOOLS_IMAGE;
      try {
        const is = JSON.parse(r.stdout);
        const tag = ((is?.status?.tags ?? []) as any[]).find((t) => t.tag === 'latest');
        return tag?.items?.[0]?.dockerImageReference || FALLBACK_TOOLS_IMAGE;
      } catch {
        return FALLBACK_TOOLS_IMAGE;
      }
    })();
    imageCache.set(kube, p);
  }
  return p;
}

export interface DebugImage {
  image: string;
  /** the image is already on the node (no pull needed) */
  onNode: boolean;
  /** where it came from, for the preflight table */
  source: string;
}

const nodeImageCache = new WeakMap<Kube, Map<string, Promise<DebugImage>>>();

/** The image the debug pod on `node` uses (see the header): the etcd pod's own image, else the tools image. */
export function debugImage(kube: Kube, node: string): Promise<DebugImage> {
  let byNode = nodeImageCache.get(kube);
  if (!byNode) nodeImageCache.set(kube, (byNode = new Map()));
  let p = byNode.get(node);
  if (!p) {
    p = (async (): Promise<DebugImage> => {
      const r = await kube.run(['-n', DEBUG_NS, 'get', 'pod', `etcd-${node}`, '-o', 'json'], { allowFailure: true, retries: 2 });
      if (r.exitCode === 0) {
        try {
          const img = etcdPodImage(JSON.parse(r.stdout));
          if (img) return { image: img, onNode: true, source: `the image of etcd-${node}, already on the node` };
        } catch {
          /* fall through to the tools image */
        }
      }
      const tools = await toolsImage(kube);
      return { image: tools, onNode: false, source: tools === FALLBACK_TOOLS_IMAGE ? 'no tools imagestream: the default support-tools image' : 'the release tools image (imagestream openshift/tools)' };
    })();
    p.catch(() => byNode!.delete(node));
    byNode.set(node, p);
  }
  return p;
}

/** The `etcd` container's image of an etcd static pod, when that container has run on the node (its status has an imageID). */
export function etcdPodImage(pod: any): string | null {
  const spec = ((pod?.spec?.containers ?? []) as any[]).find((c) => c?.name === 'etcd');
  const st = ((pod?.status?.containerStatuses ?? []) as any[]).find((c) => c?.name === 'etcd');
  if (!spec?.image || !st?.imageID) return null;
  return String(spec.image);
}

export function debugPodName(node: string): string {
  return `${DEBUG_POD_PREFIX}${shortHash(node)}-${randomBytes(3).toString('hex').slice(0, 5)}`;
}

/** The pod manifest (exported for tests and --dry-run display). */
export function debugPodManifest(name: string, node: string, image: string, script: string): object {
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: {
      name,
      namespace: DEBUG_NS,
      labels: { app: DEBUG_POD_LABEL },
      annotations: { 'debug.openshift.io/source-resource': `/v1, Resource=nodes/${node}` },
    },
    spec: {
      nodeName: node,
      hostPID: true,
      hostNetwork: true,
      restartPolicy: 'Never',
      priorityClassName: 'system-node-critical',
      tolerations: [{ operator: 'Exists' }],
      volumes: [{ name: 'host', hostPath: { path: '/', type: 'Directory' } }],
      containers: [
        {
          name: 'debug',
          image,
          imagePullPolicy: 'IfNotPresent',
          command: ['chroot', '/host', 'sh', '-c', script],
          securityContext: { privileged: true, runAsUser: 0 },
          volumeMounts: [{ name: 'host', mountPath: '/host' }],
          stdin: false,
          tty: false,
        },
      ],
    },
  };
}

/**
 * What we show the user for a host command: what really runs (a privileged pod we create, as
 * `oc debug node/X` would) and the script it runs there.
 */
export function hostCommandDisplay(binary: string, node: string, script: string): string {
  return `${binary} -n ${DEBUG_NS} create -f - (privileged pod on node/${node}, host / at /host, as "${binary} debug node/${node}" does) running: chroot /host sh -c ${shellQuote(script)}`;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * `create -f -` is not idempotent, so it is not retried blindly: after a failure the pod is looked up by its (random,
 * unique) name; there → created (the reply was lost); absent and the failure transient → create again.
 */
async function createDebugPod(kube: Kube, name: string, manifest: string): Promise<void> {
  for (let attempt = 1; ; attempt++) {
    const r = await kube.run(['create', '-f', '-'], { input: manifest, allowFailure: true });
    if (r.exitCode === 0) return;
    if (/AlreadyExists|already exists/.test(r.stderr)) return; // our unique name: an earlier attempt went through
    const exists = await kube.exists(['-n', DEBUG_NS, 'get', 'pod', name]).catch(() => null);
    if (exists === true) return;
    if (!isTransient(r.stderr) || attempt >= 4) {
      throw new PluginError(`creating debug pod ${DEBUG_NS}/${name} failed: ${firstErrorLine(r.stderr) || `exit code ${r.exitCode}`}`, { transient: isTransient(r.stderr) });
    }
    await sleep(Kube.backoffMs[Math.min(attempt - 1, Kube.backoffMs.length - 1)]);
  }
}

export async function runOnNode(kube: Kube, node: string, script: string, o: HostCmdOptions = {}): Promise<HostCmdResult> {
  validNodeName(node);
  const timeoutMs = o.timeoutMs ?? 5 * 60_000;
  const pollMs = o.pollMs ?? 500;
  const image = o.image ?? (await debugImage(kube, node)).image;
  const name = debugPodName(node);
  const manifest = stringify(debugPodManifest(name, node, image, script));
  await createDebugPod(kube, name, manifest);
  try {
    const deadline = Date.now() + timeoutMs;
    let pod: any = null;
    for (;;) {
      const r = await kube.run(['-n', DEBUG_NS, 'get', 'pod', name, '-o', 'json'], { allowFailure: true, retries: 3 });
      if (r.exitCode === 0) {
        pod = JSON.parse(r.stdout);
        const phase = pod?.status?.phase;
        if (phase === 'Succeeded' || phase === 'Failed') break;
        // the image cannot be pulled (the kubelet already retried once: back-off): waiting longer changes nothing
        const w = pod?.status?.containerStatuses?.[0]?.state?.waiting;
        if (w && ['ImagePullBackOff', 'InvalidImageName', 'ErrImageNeverPull'].includes(w.reason)) {
          throw new PluginError(`the debug pod ${DEBUG_NS}/${name} on node ${node} cannot start: ${w.reason} for image ${image}${w.message ? ` (${w.message})` : ''}`, {
            hint: 'the node cannot pull that image (registry unreachable?); nothing was run on the node',
          });
        }
      }
      if (Date.now() > deadline) {
        const phase = pod?.status?.phase ?? 'unknown';
        const waiting = pod?.status?.containerStatuses?.[0]?.state?.waiting?.reason;
        throw new PluginError(
          `timed out after ${Math.round(timeoutMs / 1000)}s waiting for debug pod ${DEBUG_NS}/${name} on node ${node} to finish (phase ${phase}${waiting ? `, ${waiting}` : ''})`,
          { hint: `check the node and \`${kube.binary} -n ${DEBUG_NS} describe pod ${name}\`` },
        );
      }
      await sleep(pollMs);
    }
    const term = pod?.status?.containerStatuses?.[0]?.state?.terminated;
    const exitCode = typeof term?.exitCode === 'number' ? term.exitCode : pod?.status?.phase === 'Succeeded' ? 0 : 1;
    const logs = await kube.run(['-n', DEBUG_NS, 'logs', name], { allowFailure: true, retries: 3 });
    return { exitCode, output: logs.stdout, pod: name };
  } finally {
    // retried through a short API outage; a pod that still stays behind is found by label by the next run
    await kube.run(['-n', DEBUG_NS, 'delete', 'pod', name, '--ignore-not-found', '--wait=false'], { allowFailure: true, retries: 4 }).catch(() => undefined);
  }
}

export const DEBUG_POD_SELECTOR = `app=${DEBUG_POD_LABEL}`;

export interface DebugPod {
  name: string;
  node: string;
  phase: string;
  created: string;
}

/** The privileged debug pods this plugin created and did not delete (a killed run leaves them), by label. */
export async function findDebugPods(kube: Kube): Promise<DebugPod[]> {
  const list = await kube.json(['-n', DEBUG_NS, 'get', 'pods', '-l', DEBUG_POD_SELECTOR]);
  return ((list.items ?? []) as any[]).map((p) => ({
    name: p.metadata?.name ?? '',
    node: p.spec?.nodeName ?? '',
    phase: p.status?.phase ?? 'Unknown',
    created: p.metadata?.creationTimestamp ?? '',
  }));
}

/**
 * Deletes debug pods left behind by an earlier run (found by label; a running `auto` holds the cluster's lease, so
 * none of them belongs to a live run). Returns the names deleted. Best effort: a failure is reported, not thrown.
 */
export async function deleteLeftoverDebugPods(kube: Kube, note: (line: string) => void): Promise<string[]> {
  let pods: DebugPod[];
  try {
    pods = await findDebugPods(kube);
  } catch (e) {
    note(`could not list leftover debug pods: ${(e as Error).message}`);
    return [];
  }
  const deleted: string[] = [];
  for (const p of pods) {
    const r = await kube.run(['-n', DEBUG_NS, 'delete', 'pod', p.name, '--ignore-not-found', '--wait=false'], { allowFailure: true, retries: 3 });
    if (r.exitCode === 0) deleted.push(p.name);
    else note(`could not delete leftover debug pod ${DEBUG_NS}/${p.name}: ${firstErrorLine(r.stderr)}`);
  }
  if (deleted.length) note(`deleted ${deleted.length} debug pod(s) left by an earlier run: ${deleted.join(', ')}`);
  return deleted;
}
