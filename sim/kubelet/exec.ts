// WorldHooks implementation: `kubectl exec` and `kubectl logs` against simulated pods.
//
// exec into an etcd static (mirror) pod runs the real /usr/bin/etcdctl (or /bin/sh) on this machine with
// the container's env from the pod spec: TLS file variables dropped (the sim's etcd is plain HTTP),
// ETCDCTL_ENDPOINTS and argv translated to the loopback mirrors; stdout/stderr are translated back line
// by line (https://10.x addresses), so clients never see the mirroring.
// exec into a running non-static pod run by a kubelet (debug/tools pods) runs in a fresh pod rootfs with
// the same /host decision as the pod itself.
import { spawn, type ChildProcess } from 'node:child_process';
import { Writable } from 'node:stream';

/** Writes to both. */
function teeWritable(a: Writable, b: Writable): Writable {
  return new Writable({
    write(chunk, enc, cb) {
      a.write(chunk, enc);
      b.write(chunk, enc, cb);
    },
  });
}
import type { KObject } from '../kube-apiserver/store.ts';
import type { ExecRequest, WorldHooks } from '../kube-apiserver/hooks.ts';
import type { WorldContext } from '../world/context.ts';
import { containerEnv, type Kubelet } from './kubelet.ts';
import { boundaryTranslator, track } from '../etcd/etcd.ts';
import { spawnInPod } from '../node/hostfs.ts';
import type { WorldChaos } from '../world/chaos.ts';
import type { Evidence } from '../world/evidence.ts';

/** Error thrown to refuse an exec; the API server turns it into a metav1.Status. */
export class WorldError extends Error {
  constructor(
    readonly code: number,
    readonly reason: string,
    message: string,
  ) {
    super(message);
  }
}

const TLS_VARS = ['ETCDCTL_CACERT', 'ETCDCTL_CERT', 'ETCDCTL_KEY'];
const SHELLS = new Set(['sh', '/bin/sh', '/usr/bin/sh', 'bash', '/bin/bash', '/usr/bin/bash']);

/** A writable that translates complete lines and buffers the partial last line until flush(). */
function lineTranslator(out: Writable, fn: (s: string) => string) {
  let partial = '';
  return {
    write(chunk: Buffer | string) {
      const text = partial + chunk.toString();
      const cut = text.lastIndexOf('\n');
      if (cut < 0) {
        partial = text;
        return;
      }
      partial = text.slice(cut + 1);
      out.write(fn(text.slice(0, cut + 1)));
    },
    flush() {
      if (partial) out.write(fn(partial));
      partial = '';
    },
  };
}

let execCounter = 0;

export function createWorldHooks(ctx: WorldContext, kubelets: Map<string, Kubelet>, chaos?: WorldChaos, evidence?: Evidence | null): WorldHooks {
  const tr = () => boundaryTranslator(ctx.nodes.values());
  const isMirror = (pod: KObject) => !!pod.metadata.annotations?.['kubernetes.io/config.mirror'];

  function kubeletOf(pod: KObject): Kubelet {
    const nodeName = pod.spec?.nodeName;
    const kubelet = nodeName ? kubelets.get(nodeName) : undefined;
    if (!kubelet) throw new WorldError(400, 'BadRequest', `pod ${pod.metadata.name} does not have a host assigned`);
    const unreachable = kubelet.unreachableError;
    if (unreachable) throw new WorldError(500, 'InternalError', unreachable);
    return kubelet;
  }

  function runChild(child: ChildProcess, req: ExecRequest, t: ReturnType<typeof tr>): Promise<number> {
    const out = lineTranslator(req.stdout, t.fromLoopback);
    const err = lineTranslator(req.tty ? req.stdout : req.stderr, t.fromLoopback);
    // etcdctl 3.4 prints `endpoint health` healthy lines on stderr; etcd 3.5 (OCP 4.9+) prints them on
    // stdout (openshift.md §2.10), so they are moved to stdout.
    const healthy = /^\S+ is healthy: successfully committed proposal/;
    let errPartial = '';
    const routeErr = (chunk: Buffer | string) => {
      const text = errPartial + chunk.toString();
      const cut = text.lastIndexOf('\n');
      if (cut < 0) {
        errPartial = text;
        return;
      }
      errPartial = text.slice(cut + 1);
      for (const line of text.slice(0, cut + 1).split(/(?<=\n)/)) (healthy.test(line) ? out : err).write(line);
    };
    child.stdout!.on('data', (d) => out.write(d));
    child.stderr!.on('data', (d) => routeErr(d));
    if (req.stdin) {
      req.stdin.on('data', (d) => child.stdin!.write(Buffer.isBuffer(d) ? Buffer.from(t.toLoopback(d.toString())) : t.toLoopback(String(d))));
      req.stdin.on('end', () => child.stdin!.end());
      req.stdin.on('error', () => child.stdin!.end());
    } else {
      child.stdin!.end();
    }
    child.stdin!.on('error', () => {
      /* the command may exit before reading its stdin */
    });
    return new Promise((resolve) => {
      let spawnError: Error | undefined;
      child.once('error', (e) => (spawnError = e));
      child.once('close', (code, signal) => {
        if (errPartial) (healthy.test(errPartial) ? out : err).write(errPartial);
        errPartial = '';
        out.flush();
        err.flush();
        if (spawnError) {
          req.stderr.write(`exec failed: ${spawnError.message}\n`);
          resolve(126);
          return;
        }
        resolve(code ?? (signal === 'SIGKILL' ? 137 : 128));
      });
    });
  }

  async function execStatic(req: ExecRequest, kubelet: Kubelet): Promise<number> {
    const t = tr();
    const spec = (req.pod.spec?.containers ?? []).find((c: any) => c.name === req.container);
    const env: Record<string, string> = {};
    for (const [k, v] of Object.entries(containerEnv(spec))) {
      if (TLS_VARS.includes(k)) continue;
      env[k] = t.toLoopback(v);
    }
    env.PATH = '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin';
    env.HOME = '/root';
    env.HOSTNAME = kubelet.node.name;
    const argv = req.command.map((a) => t.toLoopback(a));
    const [cmd, ...args] = argv;
    const isEtcdctl = cmd === 'etcdctl' || !!cmd?.endsWith('/etcdctl');
    const fault = isEtcdctl && chaos ? chaos.etcdctlFault(req.command) : null;
    if (fault === 'fail') {
      req.stderr.write('Error: etcdserver: leader changed\n');
      evidence?.write({ kind: 'exec', pod: req.pod.metadata.name, container: req.container, command: req.command, exitCode: 1, ran: false });
      return 1;
    }
    let file: string;
    if (cmd === 'etcdctl' || cmd?.endsWith('/etcdctl')) file = '/usr/bin/etcdctl';
    else if (cmd && SHELLS.has(cmd)) file = '/bin/sh';
    else if (cmd) file = cmd; // resolved on PATH like a container runtime would
    else throw new WorldError(400, 'BadRequest', 'you must specify at least one command for the container');
    const child = spawn(file, args, { stdio: ['pipe', 'pipe', 'pipe'], env, cwd: '/' });
    track(child);
    if (!evidence && fault !== 'lose-reply') return runChild(child, req, t);
    // keep what the command printed on stderr for the evidence; with 'lose-reply' the client gets the error instead
    const errTail: string[] = [];
    const sink = new Writable({
      write(chunk, _enc, cb) {
        errTail.push(String(chunk));
        cb();
      },
    });
    const outSink = new Writable({ write: (_c, _e, cb) => cb() });
    const code = await runChild(child, fault === 'lose-reply' ? { ...req, stdout: outSink, stderr: sink } : { ...req, stderr: teeWritable(req.stderr, sink) }, t);
    chaos?.onExecRan(req.command, code);
    evidence?.write({ kind: 'exec', pod: req.pod.metadata.name, container: req.container, command: req.command, exitCode: code, ran: true, stderr: errTail.join('').slice(-300) });
    if (fault === 'lose-reply') {
      req.stderr.write('Error: etcdserver: leader changed\n');
      return 1;
    }
    return code;
  }

  async function execRunPod(req: ExecRequest, kubelet: Kubelet): Promise<number> {
    const rp = kubelet.runPod(req.pod.metadata.uid!);
    if (!rp?.running) {
      const phase = req.pod.status?.phase;
      if (phase === 'Succeeded' || phase === 'Failed')
        throw new WorldError(400, 'BadRequest', `cannot exec into a container in a completed pod; current phase is ${phase}`);
      throw new WorldError(400, 'BadRequest', `container not found ("${req.container}")`);
    }
    const t = tr();
    const { child } = spawnInPod(kubelet.node, `${req.pod.metadata.uid}-exec-${++execCounter}`, req.command.map((a) => t.toLoopback(a)), {
      env: rp.env,
      host: rp.host,
      dedicatedEtcdDisk: ctx.etcdDisk === 'dedicated',
      podsDir: `${ctx.stateDir}/pods`,
    });
    return runChild(child, req, t);
  }

  return {
    async exec(req: ExecRequest): Promise<number> {
      const kubelet = kubeletOf(req.pod);
      const names: string[] = (req.pod.spec?.containers ?? []).map((c: any) => c.name);
      if (!names.includes(req.container)) {
        throw new WorldError(400, 'BadRequest', `container ${req.container} is not valid for pod ${req.pod.metadata.name}`);
      }
      if (isMirror(req.pod)) {
        if (!kubelet.staticContainerRunning(req.container)) {
          throw new WorldError(400, 'BadRequest', `container not found ("${req.container}")`);
        }
        return execStatic(req, kubelet);
      }
      return execRunPod(req, kubelet);
    },

    logs(pod: KObject, container: string): string {
      const nodeName = pod.spec?.nodeName;
      const kubelet = nodeName ? kubelets.get(nodeName) : undefined;
      if (!kubelet) return '';
      if (isMirror(pod)) {
        if (container !== 'etcd') return '';
        return tr().fromLoopback(kubelet.etcdLogs());
      }
      return tr().fromLoopback(kubelet.runPod(pod.metadata.uid!)?.output ?? '');
    },
  };
}
