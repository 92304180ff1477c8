// pods/exec over SPDY/3.1, the streaming protocol of kubectl <= 1.29 (the gcloud kubectl
// dispatcher on this machine runs the kubectl matching the server's minor version, so a
// 1.27 server gets kubectl 1.27, which only speaks SPDY). Implements just what
// k8s.io/client-go remotecommand (v4.channel.k8s.io) needs: SYN_STREAM -> SYN_REPLY for the
// error/stdin/stdout/stderr/resize streams, DATA frames with FIN, PING echo.
// Header blocks we send are zlib "stored" blocks (no compression), which any zlib reader accepts.
import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import { PassThrough, Writable } from 'node:stream';
import zlib from 'node:zlib';
import type { WorldHooks } from './hooks.ts';
import { streamCutter, type ExecTarget } from './exec-websocket.ts';

/** The SPDY/3 header compression dictionary (1423 bytes, adler32 0xe3c6a7c2). */
const DICT = Buffer.from(
  'AAAAB29wdGlvbnMAAAAEaGVhZAAAAARwb3N0AAAAA3B1dAAAAAZkZWxldGUAAAAFdHJhY2UAAAAGYWNjZXB0AAAADmFjY2VwdC1jaGFyc2V0AAAAD2FjY2VwdC1lbmNvZGluZwAAAA9hY2NlcHQtbGFuZ3VhZ2UAAAANYWNjZXB0LXJhbmdlcwAAAANhZ2UAAAAFYWxsb3cAAAANYXV0aG9yaXphdGlvbgAAAA1jYWNoZS1jb250cm9sAAAACmNvbm5lY3Rpb24AAAAMY29udGVudC1iYXNlAAAAEGNvbnRlbnQtZW5jb2RpbmcAAAAQY29udGVudC1sYW5ndWFnZQAAAA5jb250ZW50LWxlbmd0aAAAABBjb250ZW50LWxvY2F0aW9uAAAAC2NvbnRlbnQtbWQ1AAAADWNvbnRlbnQtcmFuZ2UAAAAMY29udGVudC10eXBlAAAABGRhdGUAAAAEZXRhZwAAAAZleHBlY3QAAAAHZXhwaXJlcwAAAARmcm9tAAAABGhvc3QAAAAIaWYtbWF0Y2gAAAARaWYtbW9kaWZpZWQtc2luY2UAAAANaWYtbm9uZS1tYXRjaAAAAAhpZi1yYW5nZQAAABNpZi11bm1vZGlmaWVkLXNpbmNlAAAADWxhc3QtbW9kaWZpZWQAAAAIbG9jYXRpb24AAAAMbWF4LWZvcndhcmRzAAAABnByYWdtYQAAABJwcm94eS1hdXRoZW50aWNhdGUAAAATcHJveHktYXV0aG9yaXphdGlvbgAAAAVyYW5nZQAAAAdyZWZlcmVyAAAAC3JldHJ5LWFmdGVyAAAABnNlcnZlcgAAAAJ0ZQAAAAd0cmFpbGVyAAAAEXRyYW5zZmVyLWVuY29kaW5nAAAAB3VwZ3JhZGUAAAAKdXNlci1hZ2VudAAAAAR2YXJ5AAAAA3ZpYQAAAAd3YXJuaW5nAAAAEHd3dy1hdXRoZW50aWNhdGUAAAAGbWV0aG9kAAAAA2dldAAAAAZzdGF0dXMAAAAGMjAwIE9LAAAAB3ZlcnNpb24AAAAISFRUUC8xLjEAAAADdXJsAAAABnB1YmxpYwAAAApzZXQtY29va2llAAAACmtlZXAtYWxpdmUAAAAGb3JpZ2luMTAwMTAxMjAxMjAyMjA1MjA2MzAwMzAyMzAzMzA0MzA1MzA2MzA3NDAyNDA1NDA2NDA3NDA4NDA5NDEwNDExNDEyNDEzNDE0NDE1NDE2NDE3NTAyNTA0NTA1MjAzIE5vbi1BdXRob3JpdGF0aXZlIEluZm9ybWF0aW9uMjA0IE5vIENvbnRlbnQzMDEgTW92ZWQgUGVybWFuZW50bHk0MDAgQmFkIFJlcXVlc3Q0MDEgVW5hdXRob3JpemVkNDAzIEZvcmJpZGRlbjQwNCBOb3QgRm91bmQ1MDAgSW50ZXJuYWwgU2VydmVyIEVycm9yNTAxIE5vdCBJbXBsZW1lbnRlZDUwMyBTZXJ2aWNlIFVuYXZhaWxhYmxlSmFuIEZlYiBNYXIgQXByIE1heSBKdW4gSnVsIEF1ZyBTZXB0IE9jdCBOb3YgRGVjIDAwOjAwOjAwIE1vbiwgVHVlLCBXZWQsIFRodSwgRnJpLCBTYXQsIFN1biwgR01UY2h1bmtlZCx0ZXh0L2h0bWwsaW1hZ2UvcG5nLGltYWdlL2pwZyxpbWFnZS9naWYsYXBwbGljYXRpb24veG1sLGFwcGxpY2F0aW9uL3hodG1sK3htbCx0ZXh0L3BsYWluLHRleHQvamF2YXNjcmlwdCxwdWJsaWNwcml2YXRlbWF4LWFnZT1nemlwLGRlZmxhdGUsc2RjaGNoYXJzZXQ9dXRmLThjaGFyc2V0PWlzby04ODU5LTEsdXRmLSwqLGVucT0wLg==',
  'base64',
);

function adler32(buf: Buffer): number {
  let a = 1;
  let b = 0;
  for (const x of buf) {
    a = (a + x) % 65521;
    b = (b + a) % 65521;
  }
  return ((b << 16) | a) >>> 0;
}

const TYPE_SYN_STREAM = 1;
const TYPE_SYN_REPLY = 2;
const TYPE_RST_STREAM = 3;
const TYPE_PING = 6;
const TYPE_GOAWAY = 7;
const FLAG_FIN = 1;

function encodeHeaders(headers: Record<string, string>): Buffer {
  const parts: Buffer[] = [];
  const n = Buffer.alloc(4);
  n.writeUInt32BE(Object.keys(headers).length);
  parts.push(n);
  for (const [k, v] of Object.entries(headers)) {
    for (const s of [k, v]) {
      const b = Buffer.from(s);
      const l = Buffer.alloc(4);
      l.writeUInt32BE(b.length);
      parts.push(l, b);
    }
  }
  return Buffer.concat(parts);
}

function parseHeaders(block: Buffer): Record<string, string> {
  const out: Record<string, string> = {};
  let pos = 0;
  const count = block.readUInt32BE(pos);
  pos += 4;
  for (let i = 0; i < count; i++) {
    const nl = block.readUInt32BE(pos);
    pos += 4;
    const name = block.subarray(pos, pos + nl).toString();
    pos += nl;
    const vl = block.readUInt32BE(pos);
    pos += 4;
    out[name.toLowerCase()] = block.subarray(pos, pos + vl).toString();
    pos += vl;
  }
  return out;
}

class SpdySession {
  private buf = Buffer.alloc(0);
  private compressedIn = Buffer.alloc(0);
  private inflatedLength = 0;
  private headerOutStarted = false;
  private readonly streams = new Map<string, number>(); // streamtype -> id
  private readonly byId = new Map<number, string>();
  private stdin?: PassThrough;
  private started = false;
  private done = false;
  private readonly cutter: ReturnType<typeof streamCutter>;

  constructor(
    private readonly socket: Duplex,
    private readonly hooks: WorldHooks,
    private readonly t: ExecTarget & { stdout: boolean; stderr: boolean },
    cutAfterBytes: number | null = null,
  ) {
    this.cutter = streamCutter(cutAfterBytes);
    if (t.stdin) this.stdin = new PassThrough();
    socket.on('data', (d: Buffer) => this.onData(d));
    socket.on('close', () => {
      this.done = true;
      if (this.stdin && !this.stdin.writableEnded) this.stdin.end();
    });
    socket.on('error', () => undefined);
  }

  private write(frame: Buffer): void {
    if (!this.socket.destroyed && this.socket.writable) this.socket.write(frame);
  }

  private control(type: number, flags: number, payload: Buffer): Buffer {
    const h = Buffer.alloc(8);
    h.writeUInt16BE(0x8003, 0);
    h.writeUInt16BE(type, 2);
    h.writeUInt32BE(((flags & 0xff) << 24) | payload.length, 4);
    return Buffer.concat([h, payload]);
  }

  private data(id: number, payload: Buffer, fin = false): void {
    for (let off = 0; off < payload.length || (off === 0 && payload.length === 0); ) {
      const chunk = payload.subarray(off, off + 65536);
      off += Math.max(chunk.length, 1);
      const last = off >= payload.length;
      const h = Buffer.alloc(8);
      h.writeUInt32BE(id & 0x7fffffff, 0);
      h.writeUInt32BE((((fin && last ? FLAG_FIN : 0) & 0xff) << 24) | chunk.length, 4);
      this.write(Buffer.concat([h, chunk]));
      if (payload.length === 0) break;
    }
  }

  /** zlib stream (with the SPDY dictionary) made of stored blocks + sync-flush markers. */
  private compress(plain: Buffer): Buffer {
    const parts: Buffer[] = [];
    if (!this.headerOutStarted) {
      this.headerOutStarted = true;
      const h = Buffer.alloc(6);
      h[0] = 0x78;
      h[1] = 0x20; // FDICT, (0x7820 % 31 == 0)
      h.writeUInt32BE(adler32(DICT), 2);
      parts.push(h);
    }
    const stored = Buffer.alloc(5);
    stored[0] = 0x00;
    stored.writeUInt16LE(plain.length, 1);
    stored.writeUInt16LE(~plain.length & 0xffff, 3);
    parts.push(stored, plain, Buffer.from([0x00, 0x00, 0x00, 0xff, 0xff]));
    return Buffer.concat(parts);
  }

  private inflate(block: Buffer): Buffer {
    this.compressedIn = Buffer.concat([this.compressedIn, block]);
    const all = zlib.inflateSync(this.compressedIn, { dictionary: DICT, finishFlush: zlib.constants.Z_SYNC_FLUSH });
    const out = all.subarray(this.inflatedLength);
    this.inflatedLength = all.length;
    return out;
  }

  private onData(d: Buffer): void {
    this.buf = Buffer.concat([this.buf, d]);
    while (this.buf.length >= 8) {
      const len = this.buf.readUInt32BE(4) & 0xffffff;
      if (this.buf.length < 8 + len) return;
      const frame = this.buf.subarray(0, 8 + len);
      this.buf = this.buf.subarray(8 + len);
      try {
        this.onFrame(frame);
      } catch (err) {
        process.stderr.write(`sim api: spdy frame error: ${(err as Error).message}\n`);
        this.socket.destroy();
        return;
      }
    }
  }

  private onFrame(frame: Buffer): void {
    const flags = frame[4];
    const payload = frame.subarray(8);
    if (frame[0] & 0x80) {
      const type = frame.readUInt16BE(2);
      if (type === TYPE_SYN_STREAM) {
        const id = payload.readUInt32BE(0) & 0x7fffffff;
        const headers = parseHeaders(this.inflate(payload.subarray(10)));
        const kind = headers['streamtype'] ?? '';
        this.streams.set(kind, id);
        this.byId.set(id, kind);
        const reply = Buffer.alloc(4);
        reply.writeUInt32BE(id);
        this.write(this.control(TYPE_SYN_REPLY, 0, Buffer.concat([reply, this.compress(encodeHeaders({}))])));
        if (kind === 'stdin' && flags & FLAG_FIN) this.stdin?.end();
        this.maybeStart();
      } else if (type === TYPE_PING) {
        this.write(this.control(TYPE_PING, 0, payload));
      } else if (type === TYPE_RST_STREAM) {
        const id = payload.readUInt32BE(0) & 0x7fffffff;
        if (this.byId.get(id) === 'stdin') this.stdin?.end();
      } else if (type === TYPE_GOAWAY) {
        this.socket.end();
      }
      // SETTINGS, WINDOW_UPDATE, HEADERS: ignored
      return;
    }
    const id = frame.readUInt32BE(0) & 0x7fffffff;
    if (this.byId.get(id) === 'stdin' && this.stdin && !this.stdin.writableEnded) {
      if (payload.length) this.stdin.write(Buffer.from(payload));
      if (flags & FLAG_FIN) this.stdin.end();
    }
  }

  private maybeStart(): void {
    if (this.started) return;
    const need = ['error'];
    if (this.t.stdin) need.push('stdin');
    if (this.t.stdout) need.push('stdout');
    if (this.t.stderr && !this.t.tty) need.push('stderr');
    if (!need.every((k) => this.streams.has(k))) return;
    this.started = true;
    // client-go creates the resize stream right after the others when tty is set
    setImmediate(() => void this.run());
  }

  private stream(kind: string): Writable {
    return new Writable({
      write: (chunk: Buffer, _enc, cb) => {
        const id = this.streams.get(kind);
        const { send, cutNow } = this.cutter.take(Buffer.from(chunk));
        if (id !== undefined && send.length) this.data(id, send);
        if (cutNow) this.socket.destroy();
        cb();
      },
    });
  }

  private async run(): Promise<void> {
    let status: object;
    try {
      const code = await this.hooks.exec({
        pod: this.t.pod,
        container: this.t.container,
        command: this.t.command,
        stdin: this.stdin,
        stdout: this.stream('stdout'),
        stderr: this.stream(this.t.tty ? 'stdout' : 'stderr'),
        tty: this.t.tty,
      });
      status =
        code === 0
          ? { metadata: {}, status: 'Success' }
          : {
              metadata: {},
              status: 'Failure',
              message: `command terminated with non-zero exit code: error executing command [${this.t.command.join(' ')}], exit code ${code}`,
              reason: 'NonZeroExitCode',
              details: { causes: [{ reason: 'ExitCode', message: String(code) }] },
            };
    } catch (err) {
      const e = err as { code?: number; reason?: string; message?: string };
      status = { metadata: {}, status: 'Failure', message: e.message ?? String(err), reason: e.reason ?? 'InternalError', code: typeof e.code === 'number' ? e.code : 500 };
    }
    if (this.done) return;
    if (this.cutter.finish() || this.cutter.done) {
      this.socket.destroy();
      return;
    }
    for (const kind of ['stdout', 'stderr']) {
      const id = this.streams.get(kind);
      if (id !== undefined) this.data(id, Buffer.alloc(0), true);
    }
    const errId = this.streams.get('error');
    if (errId !== undefined) {
      this.data(errId, Buffer.from(JSON.stringify(status)), false);
      this.data(errId, Buffer.alloc(0), true);
    }
    // The client closes the connection once it has read everything; don't linger forever.
    setTimeout(() => this.socket.destroy(), 10_000).unref();
    this.socket.end();
  }
}

/** Answers an HTTP upgrade to SPDY/3.1 and runs the exec session on the socket. */
export function handleSpdyExec(req: IncomingMessage, socket: Duplex, head: Buffer, hooks: WorldHooks, t: ExecTarget, cutAfterBytes: number | null = null): void {
  const offered = ([] as string[]).concat(req.headers['x-stream-protocol-version'] ?? []).flatMap((v) => v.split(',').map((s) => s.trim()));
  const protocol = ['v4.channel.k8s.io', 'v3.channel.k8s.io', 'v2.channel.k8s.io', 'channel.k8s.io'].find((p) => offered.includes(p)) ?? 'channel.k8s.io';
  socket.write(
    'HTTP/1.1 101 Switching Protocols\r\nConnection: Upgrade\r\nUpgrade: SPDY/3.1\r\n' + `X-Stream-Protocol-Version: ${protocol}\r\n\r\n`,
  );
  const q = new URL(req.url ?? '/', 'http://sim').searchParams;
  const flag = (n: string) => q.get(n) === 'true' || q.get(n) === '1';
  const session = new SpdySession(socket, hooks, { ...t, stdout: flag('stdout'), stderr: flag('stderr') }, cutAfterBytes);
  if (head.length) socket.unshift(head);
  void session;
}
