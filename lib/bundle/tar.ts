// The project's one tar implementation: a POSIX ustar writer (IEEE Std 1003.1, ustar header layout) for the
// support bundle and the release archives (scripts/archive.ts), and the reader that unpacks what krew and the
// tests unpack, and a streaming reader (TarReader: pax/GNU long names, entries skipped unstored) for `--from`
// must-gather archives. Regular files only, which is all either needs. Bytes depend only on the entries: uid/gid 0,
// no user/group names, the mtime given (default: now), entries in the order given; gzip from node:zlib.
import { gunzipSync, gzipSync } from 'node:zlib';

export interface TarEntry {
  /** path inside the archive, '/'-separated */
  name: string;
  data: string | Buffer;
  /** permission bits (default 0o644) */
  mode?: number;
  /** modification time (default: now) */
  mtime?: Date;
}

function octal(n: number, width: number): string {
  return n.toString(8).padStart(width - 1, '0') + '\0';
}

function header(name: string, size: number, mode: number, mtime: Date): Buffer {
  const h = Buffer.alloc(512, 0);
  let prefix = '';
  let base = name;
  if (Buffer.byteLength(name) > 100) {
    const cut = name.lastIndexOf('/', 155);
    if (cut <= 0 || Buffer.byteLength(name.slice(cut + 1)) > 100) throw new Error(`tar: name too long: ${name}`);
    prefix = name.slice(0, cut);
    base = name.slice(cut + 1);
  }
  h.write(base, 0, 100, 'utf8');
  h.write(octal(mode & 0o7777, 8), 100, 'ascii');
  h.write(octal(0, 8), 108, 'ascii'); // uid
  h.write(octal(0, 8), 116, 'ascii'); // gid
  h.write(octal(size, 12), 124, 'ascii');
  h.write(octal(Math.floor(mtime.getTime() / 1000), 12), 136, 'ascii');
  h.write('        ', 148, 'ascii'); // checksum placeholder: spaces
  h.write('0', 156, 'ascii'); // regular file
  h.write('ustar\0', 257, 'ascii');
  h.write('00', 263, 'ascii');
  h.write(prefix, 345, 155, 'utf8');
  let sum = 0;
  for (const b of h) sum += b;
  h.write(sum.toString(8).padStart(6, '0') + '\0 ', 148, 'ascii');
  return h;
}

/** The uncompressed tar stream of `entries`, in their order. */
export function tar(entries: TarEntry[]): Buffer {
  const now = new Date();
  const parts: Buffer[] = [];
  for (const e of entries) {
    const data = typeof e.data === 'string' ? Buffer.from(e.data, 'utf8') : e.data;
    parts.push(header(e.name, data.length, e.mode ?? 0o644, e.mtime ?? now), data);
    const pad = (512 - (data.length % 512)) % 512;
    if (pad) parts.push(Buffer.alloc(pad, 0));
  }
  parts.push(Buffer.alloc(1024, 0)); // two zero blocks end the archive
  return Buffer.concat(parts);
}

export function tarGz(entries: TarEntry[]): Buffer {
  return gzipSync(tar(entries));
}

export interface ReadEntry { name: string; data: Buffer; mode: number; type: 'file' | 'dir' | 'other' }

/** The entries of an uncompressed tar stream (ustar names with their prefix). */
export function untar(buf: Buffer): ReadEntry[] {
  const out: ReadEntry[] = [];
  let off = 0;
  while (off + 512 <= buf.length) {
    const h = buf.subarray(off, off + 512);
    if (h.every((b) => b === 0)) break;
    const str = (a: number, n: number) => h.subarray(a, a + n).toString('utf8').replace(/\0.*$/s, '');
    const num = (a: number, n: number) => parseInt(str(a, n).trim() || '0', 8);
    const size = num(124, 12);
    const prefix = str(345, 155);
    const name = prefix ? `${prefix}/${str(0, 100)}` : str(0, 100);
    const flag = String.fromCharCode(h[156]!);
    const type = flag === '0' || flag === '\0' ? 'file' : flag === '5' ? 'dir' : 'other';
    out.push({ name, mode: num(100, 8), type, data: Buffer.from(buf.subarray(off + 512, off + 512 + size)) });
    off += 512 + Math.ceil(size / 512) * 512;
  }
  return out;
}

export function readTarGz(buf: Buffer): ReadEntry[] {
  return untar(gunzipSync(buf));
}

// ---- streaming reader (lib/offline: a must-gather archive of hundreds of MB, read once, most entries skipped) ----

function cString(b: Buffer, off: number, len: number): string {
  const s = b.subarray(off, off + len);
  const z = s.indexOf(0);
  return (z === -1 ? s : s.subarray(0, z)).toString('utf8');
}

function octalNum(b: Buffer, off: number, len: number): number {
  // GNU base-256 for sizes ≥ 8 GiB: the high bit of the first byte
  if (b[off]! & 0x80) {
    let n = 0;
    for (let i = off + 1; i < off + len; i++) n = n * 256 + b[i]!;
    return n;
  }
  const t = cString(b, off, len).trim();
  return t ? parseInt(t, 8) : 0;
}

/** pax extended header records `LEN key=value\n`: the `path` one, if any. */
function paxPath(data: Buffer): string | null {
  let i = 0;
  let path: string | null = null;
  while (i < data.length) {
    const sp = data.indexOf(0x20, i);
    if (sp === -1) break;
    const len = parseInt(data.subarray(i, sp).toString('ascii'), 10);
    if (!len) break;
    const rec = data.subarray(sp + 1, i + len - 1).toString('utf8');
    const eq = rec.indexOf('=');
    if (eq > 0 && rec.slice(0, eq) === 'path') path = rec.slice(eq + 1);
    i += len;
  }
  return path;
}

/**
 * Reads a tar stream (POSIX ustar, pax `x` headers and GNU `L` long names, which GNU tar and Go's archive/tar write)
 * and keeps the entries `want` accepts. Throws on a stream that is not a tar archive; an archive cut short keeps what
 * was whole (the reader then finds files missing, and says so).
 */
/** Where a streaming read puts what it keeps: a file's data, or null for a folder. */
export interface TarSink {
  add(path: string, data: Buffer | null): void;
}

export class TarReader {
  private buf: Buffer = Buffer.alloc(0);
  private state: 'header' | 'data' | 'end' = 'header';
  private remaining = 0;
  private padding = 0;
  private keep: Buffer[] | null = null;
  private current = '';
  private nextPath: string | null = null;
  private nextIsMeta: 'pax' | 'gnu' | null = null;
  private blocks = 0;
  truncated = false;

  constructor(
    private readonly out: TarSink,
    private readonly want: (path: string, size: number) => boolean,
  ) {}

  push(chunk: Buffer): void {
    this.buf = this.buf.length ? Buffer.concat([this.buf, chunk]) : chunk;
    let off = 0;
    for (;;) {
      if (this.state === 'end') {
        off = this.buf.length;
        break;
      }
      if (this.state === 'header') {
        if (this.buf.length - off < 512) break;
        const h = this.buf.subarray(off, off + 512);
        off += 512;
        if (h.every((x) => x === 0)) {
          this.state = 'end';
          continue;
        }
        this.blocks++;
        if (this.blocks === 1 && h.subarray(257, 262).toString('ascii') !== 'ustar') {
          // v7 tar has no magic: accept when the checksum matches
          let sum = 0;
          for (let i = 0; i < 512; i++) sum += i >= 148 && i < 156 ? 32 : h[i]!;
          if (sum !== octalNum(h, 148, 8)) throw new Error('not a tar archive');
        }
        const size = octalNum(h, 124, 12);
        const type = String.fromCharCode(h[156]! || 0x30);
        const prefix = h.subarray(257, 262).toString('ascii') === 'ustar' ? cString(h, 345, 155) : '';
        let name = cString(h, 0, 100);
        if (prefix) name = `${prefix}/${name}`;
        if (this.nextPath) name = this.nextPath;
        this.nextPath = null;
        this.remaining = size;
        this.padding = (512 - (size % 512)) % 512;
        this.keep = null;
        this.nextIsMeta = null;
        if (type === 'x' || type === 'L') {
          this.nextIsMeta = type === 'x' ? 'pax' : 'gnu';
          this.keep = [];
        } else if (type === '5') {
          this.out.add(name, null);
        } else if (type === '0' || type === '7') {
          if (this.want(name.replace(/^\.\//, ''), size)) {
            this.keep = [];
            this.current = name;
          } else if (name.includes('/')) {
            // not kept, but its folder is there (a pod's folder holds only logs when its YAML is elsewhere)
            this.out.add(name.slice(0, name.lastIndexOf('/')).replace(/^\.\//, ''), null);
          }
        } else if (type === 'g') {
          // a global pax header: nothing the reader needs
        }
        this.state = 'data';
        if (size === 0) this.finishEntry();
        continue;
      }
      // data
      const avail = this.buf.length - off;
      if (this.remaining > 0) {
        const n = Math.min(avail, this.remaining);
        if (n === 0) break;
        if (this.keep) this.keep.push(this.buf.subarray(off, off + n));
        off += n;
        this.remaining -= n;
        if (this.remaining > 0) break;
      }
      const p = Math.min(this.buf.length - off, this.padding);
      off += p;
      this.padding -= p;
      if (this.padding > 0) break;
      this.finishEntry();
    }
    this.buf = off >= this.buf.length ? Buffer.alloc(0) : Buffer.from(this.buf.subarray(off));
  }

  private finishEntry(): void {
    if (this.remaining > 0 || this.padding > 0) return;
    const data = this.keep ? Buffer.concat(this.keep) : null;
    if (this.nextIsMeta === 'pax' && data) this.nextPath = paxPath(data);
    else if (this.nextIsMeta === 'gnu' && data) this.nextPath = cString(data, 0, data.length);
    else if (data) this.out.add(this.current.replace(/^\.\//, ''), data);
    this.keep = null;
    this.nextIsMeta = null;
    this.state = 'header';
  }

  end(): void {
    if (this.state === 'data' || this.buf.length) this.truncated = true;
  }
}
