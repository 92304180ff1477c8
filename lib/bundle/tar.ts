// The project's one tar implementation: a POSIX ustar writer (IEEE Std 1003.1, ustar header layout) for the
// support bundle and the release archives (scripts/archive.ts), and the reader that unpacks what krew and the
// tests unpack. Regular files only, which is all either needs. Bytes depend only on the entries: uid/gid 0,
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
