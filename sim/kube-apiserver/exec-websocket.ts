// pods/exec over WebSocket, as kubectl >= 1.30 speaks it: subprotocol v5.channel.k8s.io (or v4),
// binary messages whose first byte is the channel: 0 stdin, 1 stdout, 2 stderr, 3 error (a
// metav1.Status once the command ends), 4 resize; v5 adds 255 = close a stream ([255, channel]).
import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import { PassThrough, Writable } from 'node:stream';
import { WebSocketServer, type WebSocket } from 'ws';
import type { KObject } from './store.ts';
import type { WorldHooks } from './hooks.ts';
import { ApiError, statusBody } from './status.ts';
import { handleSpdyExec } from './exec-spdy.ts';
import type { ApiChaos } from './faults.ts';

/**
 * Chaos: a stream cut in the middle (a kube-apiserver or kubelet restart, a dropped VPN). The command itself runs to
 * the end (its effect happens, as on a real node); the client sees its output stop after `cutAfterBytes` bytes and
 * the connection close without the final status. `cut()` is called with each output chunk; returns the part to send
 * and whether the connection must be cut now.
 */
export function streamCutter(cutAfterBytes: number | null) {
  let sent = 0;
  let cut = false;
  return {
    get active() {
      return cutAfterBytes !== null;
    },
    get done() {
      return cut;
    },
    take(chunk: Buffer): { send: Buffer; cutNow: boolean } {
      if (cutAfterBytes === null) return { send: chunk, cutNow: false };
      if (cut) return { send: Buffer.alloc(0), cutNow: false };
      const room = Math.max(0, cutAfterBytes - sent);
      if (chunk.length < room) {
        sent += chunk.length;
        return { send: chunk, cutNow: false };
      }
      cut = true;
      return { send: chunk.subarray(0, room), cutNow: true };
    },
    /** at the end of the command: a cut that did not happen yet happens now (before the status) */
    finish(): boolean {
      if (cutAfterBytes === null || cut) return false;
      cut = true;
      return true;
    },
  };
}

const PROTOCOLS = ['v5.channel.k8s.io', 'v4.channel.k8s.io'];
/**
 * The WebSocket subprotocols an exec request reaches before Kubernetes 1.30: kube-apiserver proxies the upgrade to the
 * kubelet / container runtime's streaming server (k8s.io/apiserver pkg/util/wsstream conn.go: channel.k8s.io,
 * base64.channel.k8s.io, v4.channel.k8s.io, v4.base64.channel.k8s.io); v5.channel.k8s.io (the CLOSE signal) is
 * kube-apiserver's own StreamTranslator from 1.30 (KEP-4006, TranslateStreamCloseWebsocketRequests beta, on).
 * kubectl >= 1.30 offers v5 only (client-go tools/remotecommand websocket.go NewWebSocketExecutor: "Only supports V5
 * protocol for correct version skew functionality") and falls back to SPDY on any upgrade failure
 * (FallbackExecutor, httpstream.IsUpgradeFailure).
 */
const LEGACY_PROTOCOLS = ['channel.k8s.io', 'base64.channel.k8s.io', 'v4.channel.k8s.io', 'v4.base64.channel.k8s.io'];

/** The container a request means: explicit name, else the default-container annotation, else the first. */
export function resolveContainer(pod: KObject, requested: string | null | undefined, what: 'exec' | 'log'): string {
  const containers: string[] = (pod.spec?.containers ?? []).map((c: any) => c.name);
  const inits: string[] = (pod.spec?.initContainers ?? []).map((c: any) => c.name);
  if (requested) {
    if (containers.includes(requested) || inits.includes(requested)) return requested;
    void what;
    throw new ApiError(400, 'BadRequest', `container ${requested} is not valid for pod ${pod.metadata.name}`);
  }
  const annotated = pod.metadata.annotations?.['kubectl.kubernetes.io/default-container'];
  if (annotated && containers.includes(annotated)) return annotated;
  if (containers.length === 0) throw new ApiError(400, 'BadRequest', `pod ${pod.metadata.name} has no containers`);
  return containers[0];
}

/** Writes an HTTP error response (a Status) on a socket that asked for an upgrade. */
export function rejectUpgrade(socket: Duplex, err: ApiError): void {
  const body = JSON.stringify(statusBody(err.code, err.reason, err.message, err.details));
  const text = { 400: 'Bad Request', 403: 'Forbidden', 404: 'Not Found', 405: 'Method Not Allowed' }[err.code] ?? 'Error';
  socket.end(
    `HTTP/1.1 ${err.code} ${text}\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`,
  );
}

export interface ExecTarget {
  pod: KObject;
  container: string;
  command: string[];
  stdin: boolean;
  tty: boolean;
}

export class ExecServer {
  private readonly wss = new WebSocketServer({
    noServer: true,
    handleProtocols: (protocols) => {
      for (const p of PROTOCOLS) if (protocols.has(p) && (p !== 'v5.channel.k8s.io' || this.kubeMinor >= 30)) return p;
      return false;
    },
  });

  constructor(
    private readonly hooks: WorldHooks,
    private readonly chaos?: ApiChaos,
    /** the server's Kubernetes minor: v5.channel.k8s.io from 1.30 */
    private readonly kubeMinor = 30,
  ) {}

  close(): void {
    for (const c of this.wss.clients) c.terminate();
    this.wss.close();
  }

  handle(req: IncomingMessage, socket: Duplex, head: Buffer, target: ExecTarget): void {
    const upgrade = (req.headers.upgrade ?? '').toLowerCase();
    if (upgrade !== 'websocket' && !upgrade.startsWith('spdy/')) {
      rejectUpgrade(socket, new ApiError(400, 'BadRequest', `unsupported upgrade protocol ${req.headers.upgrade}`));
      return;
    }
    const offered = String(req.headers['sec-websocket-protocol'] ?? '').split(',').map((p) => p.trim()).filter(Boolean);
    if (upgrade === 'websocket' && this.kubeMinor < 30 && !offered.includes('v4.channel.k8s.io')) {
      // the legacy streaming server's handshake (wsstream handshake, golang.org/x/net/websocket newServerConn): 403
      // with the reason as plain text (the simulator speaks only v4 of the legacy protocols); no command runs
      const text = `requested protocol(s) are not supported: [${offered.join(' ')}]; supports [${['', ...LEGACY_PROTOCOLS].join(' ')}]`;
      socket.end(`HTTP/1.1 403 Forbidden\r\nConnection: close\r\n\r\n${text}`);
      return;
    }
    const cut = this.chaos?.onExec({ pod: target.pod.metadata.name, container: target.container, command: target.command })?.cutAfterBytes ?? null;
    if (upgrade.startsWith('spdy/')) {
      handleSpdyExec(req, socket, head, this.hooks, target, cut);
      return;
    }
    this.wss.handleUpgrade(req, socket, head, (ws) => {
      this.run(ws, target, cut).catch((err) => process.stderr.write(`sim api: exec failed: ${(err as Error).stack}\n`));
    });
  }

  private async run(ws: WebSocket, t: ExecTarget, cutAfterBytes: number | null = null): Promise<void> {
    const cutter = streamCutter(cutAfterBytes);
    const send = (channel: number, data: Buffer | string) => {
      if (ws.readyState !== ws.OPEN) return;
      let payload = typeof data === 'string' ? Buffer.from(data) : data;
      let cutNow = false;
      if (channel === 1 || channel === 2) ({ send: payload, cutNow } = cutter.take(payload));
      if (payload.length || !cutter.done) ws.send(Buffer.concat([Buffer.from([channel]), payload]), { binary: true });
      if (cutNow) ws.terminate();
    };
    const stream = (channel: number) =>
      new Writable({
        write(chunk: Buffer, _enc, cb) {
          send(channel, Buffer.from(chunk));
          cb();
        },
      });
    const stdin = t.stdin ? new PassThrough() : undefined;
    let closed = false;
    ws.on('message', (raw: Buffer | ArrayBuffer | Buffer[]) => {
      const data = Array.isArray(raw) ? Buffer.concat(raw) : Buffer.from(raw as ArrayBuffer);
      if (data.length === 0) return;
      const ch = data[0];
      if (ch === 0) {
        if (stdin && !stdin.writableEnded) stdin.write(data.subarray(1));
      } else if (ch === 255) {
        if (data[1] === 0 && stdin && !stdin.writableEnded) stdin.end();
      }
      // channel 4 (resize) is ignored
    });
    ws.on('close', () => {
      closed = true;
      if (stdin && !stdin.writableEnded) stdin.end();
    });
    ws.on('error', () => undefined);

    let status: object;
    try {
      const code = await this.hooks.exec({
        pod: t.pod,
        container: t.container,
        command: t.command,
        stdin,
        stdout: stream(1),
        stderr: stream(t.tty ? 1 : 2),
        tty: t.tty,
      });
      status =
        code === 0
          ? { metadata: {}, status: 'Success' }
          : {
              metadata: {},
              status: 'Failure',
              message: `command terminated with non-zero exit code: error executing command [${t.command.join(' ')}], exit code ${code}`,
              reason: 'NonZeroExitCode',
              details: { causes: [{ reason: 'ExitCode', message: String(code) }] },
            };
    } catch (err) {
      const e = err as { code?: number; reason?: string; message?: string };
      status = {
        metadata: {},
        status: 'Failure',
        message: e.message ?? String(err),
        reason: e.reason ?? 'InternalError',
        code: typeof e.code === 'number' ? e.code : 500,
      };
    }
    if (closed) return;
    if (cutter.finish() || cutter.done) {
      ws.terminate();
      return;
    }
    send(3, JSON.stringify(status));
    ws.close(1000);
  }
}
