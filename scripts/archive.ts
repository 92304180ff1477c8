// Reproducible release archives, written byte by byte so that the same inputs give the same bytes on any
// build host (no dependence on the host's tar/zip/gzip versions or options):
//  - .tar.gz (what krew extracts for linux/darwin): the project's one tar writer (lib/bundle/tar.ts), POSIX
//    ustar headers, entries in name order, mode 0755 or 0644, uid/gid 0, no user/group names, mtime
//    SOURCE_DATE_EPOCH (default 0); gzip with header mtime 0, no file name, OS byte 3 (Unix) whatever the host.
//  - .zip (what krew extracts for windows, and what krew-index plugins ship for windows): entries in name
//    order, "made by" Unix so that the mode bits survive, DOS time 1980-01-01 00:00, no extra fields.
// The readers are the other half, used by the tests to unpack an archive the way krew does
// (sigs.k8s.io/krew internal/download/downloader.go: extractTARGZ, extractZIP).
import * as zlib from 'node:zlib';
import { promisify } from 'node:util';
import { inflateRawSync } from 'node:zlib';
import { type ReadEntry, readTarGz, tar } from '../lib/bundle/tar.ts';

export { type ReadEntry, readTarGz };

// zlib's thread pool: several archives compress at once.
const gzip = promisify(zlib.gzip);
const deflateRaw = promisify(zlib.deflateRaw);

export interface ArchiveEntry {
  /** path inside the archive, '/'-separated, relative */
  name: string;
  data: Buffer;
  /** permission bits: 0o755 for executables, 0o644 otherwise */
  mode: number;
}

const LEVEL = 6; // zlib's default: level 9 takes twice the time for 1% less

function checkEntries(entries: ArchiveEntry[]): ArchiveEntry[] {
  const seen = new Set<string>();
  for (const e of entries) {
    if (!e.name || e.name.startsWith('/') || e.name.split('/').includes('..')) throw new Error(`bad archive entry name ${JSON.stringify(e.name)}`);
    if (seen.has(e.name)) throw new Error(`duplicate archive entry ${e.name}`);
    seen.add(e.name);
  }
  return [...entries].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
}

function sourceDateEpoch(): number {
  const v = process.env.SOURCE_DATE_EPOCH;
  return v && /^\d+$/.test(v) ? Number(v) : 0;
}

// ---------------------------------------------------------------- tar.gz

/** The release .tar.gz: the project's one tar writer (lib/bundle/tar.ts), entries sorted, mtime SOURCE_DATE_EPOCH. */
export async function tarGz(entries: ArchiveEntry[]): Promise<Buffer> {
  const mtime = new Date(sourceDateEpoch() * 1000);
  const gz = await gzip(tar(checkEntries(entries).map((e) => ({ ...e, mtime }))), { level: LEVEL });
  // RFC 1952 header: bytes 4-7 mtime (zlib writes 0), byte 9 OS. zlib writes the OS it was built for:
  // pin it to 3 (Unix) so the archive does not depend on the build host.
  gz[9] = 3;
  return gz;
}

// ---------------------------------------------------------------- zip

const CRC_TABLE = (() => {
  const t = new Int32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    t[n] = c;
  }
  return t;
})();

// zlib.crc32 exists from Node 20.15 / 22.2; the table is the fallback for older runtimes.
const nativeCrc32 = (zlib as { crc32?: (d: Buffer) => number }).crc32;

export function crc32(data: Buffer): number {
  if (nativeCrc32) return nativeCrc32(data) >>> 0;
  let c = -1;
  for (let i = 0; i < data.length; i++) c = CRC_TABLE[(c ^ data[i]!) & 0xff]! ^ (c >>> 8);
  return (c ^ -1) >>> 0;
}

const DOS_TIME = 0; // 00:00:00
const DOS_DATE = (0 << 9) | (1 << 5) | 1; // 1980-01-01

export async function zip(entries: ArchiveEntry[]): Promise<Buffer> {
  const locals: Buffer[] = [];
  const centrals: Buffer[] = [];
  let offset = 0;
  for (const e of checkEntries(entries)) {
    const name = Buffer.from(e.name, 'utf8');
    const deflated = await deflateRaw(e.data, { level: LEVEL });
    const stored = deflated.length >= e.data.length;
    const body = stored ? e.data : deflated;
    const crc = crc32(e.data);
    if (offset + 30 + name.length + body.length > 0xffffffff) throw new Error('zip archive over 4 GiB (zip64 not supported)');
    const lh = Buffer.alloc(30);
    lh.writeUInt32LE(0x04034b50, 0);
    lh.writeUInt16LE(20, 4); // version needed: 2.0 (deflate)
    lh.writeUInt16LE(0x0800, 6); // UTF-8 names
    lh.writeUInt16LE(stored ? 0 : 8, 8);
    lh.writeUInt16LE(DOS_TIME, 10);
    lh.writeUInt16LE(DOS_DATE, 12);
    lh.writeUInt32LE(crc, 14);
    lh.writeUInt32LE(body.length, 18);
    lh.writeUInt32LE(e.data.length, 22);
    lh.writeUInt16LE(name.length, 26);
    lh.writeUInt16LE(0, 28);
    const ch = Buffer.alloc(46);
    ch.writeUInt32LE(0x02014b50, 0);
    ch.writeUInt16LE((3 << 8) | 20, 4); // made by Unix, spec 2.0: external attributes carry the mode
    ch.writeUInt16LE(20, 6);
    ch.writeUInt16LE(0x0800, 8);
    ch.writeUInt16LE(stored ? 0 : 8, 10);
    ch.writeUInt16LE(DOS_TIME, 12);
    ch.writeUInt16LE(DOS_DATE, 14);
    ch.writeUInt32LE(crc, 16);
    ch.writeUInt32LE(body.length, 20);
    ch.writeUInt32LE(e.data.length, 24);
    ch.writeUInt16LE(name.length, 28);
    ch.writeUInt32LE(((0o100000 | (e.mode & 0o7777)) << 16) >>> 0, 38);
    ch.writeUInt32LE(offset, 42);
    locals.push(lh, name, body);
    centrals.push(ch, name);
    offset += lh.length + name.length + body.length;
  }
  const cd = Buffer.concat(centrals);
  const end = Buffer.alloc(22);
  end.writeUInt32LE(0x06054b50, 0);
  end.writeUInt16LE(entries.length, 8);
  end.writeUInt16LE(entries.length, 10);
  end.writeUInt32LE(cd.length, 12);
  end.writeUInt32LE(offset, 16);
  return Buffer.concat([...locals, cd, end]);
}

/** Reads a zip through its central directory (as Go's archive/zip does). */
export function readZip(buf: Buffer): ReadEntry[] {
  let eocd = -1;
  for (let i = buf.length - 22; i >= Math.max(0, buf.length - 22 - 0xffff); i--) {
    if (buf.readUInt32LE(i) === 0x06054b50) { eocd = i; break; }
  }
  if (eocd < 0) throw new Error('not a zip archive (no end of central directory)');
  const count = buf.readUInt16LE(eocd + 10);
  let p = buf.readUInt32LE(eocd + 16);
  const out: ReadEntry[] = [];
  for (let i = 0; i < count; i++) {
    if (buf.readUInt32LE(p) !== 0x02014b50) throw new Error('bad zip central directory');
    const madeBy = buf.readUInt16LE(p + 4) >> 8;
    const method = buf.readUInt16LE(p + 10);
    const crc = buf.readUInt32LE(p + 16);
    const csize = buf.readUInt32LE(p + 20);
    const nlen = buf.readUInt16LE(p + 28), xlen = buf.readUInt16LE(p + 30), clen = buf.readUInt16LE(p + 32);
    const ext = buf.readUInt32LE(p + 38);
    const loff = buf.readUInt32LE(p + 42);
    const name = buf.subarray(p + 46, p + 46 + nlen).toString('utf8');
    const start = loff + 30 + buf.readUInt16LE(loff + 26) + buf.readUInt16LE(loff + 28);
    const raw = buf.subarray(start, start + csize);
    const data = method === 0 ? Buffer.from(raw) : method === 8 ? inflateRawSync(raw) : (() => { throw new Error(`zip method ${method}`); })();
    if (crc32(data) !== crc) throw new Error(`zip entry ${name}: CRC mismatch`);
    // Go's zip.FileHeader.Mode(): Unix creators carry the mode in the high 16 bits; others get 0666 (0444 read-only).
    const mode = madeBy === 3 ? (ext >>> 16) & 0o7777 : ext & 1 ? 0o444 : 0o666;
    out.push({ name, data, mode, type: name.endsWith('/') ? 'dir' : 'file' });
    p += 46 + nlen + xlen + clen;
  }
  return out;
}
