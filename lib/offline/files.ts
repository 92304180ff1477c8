// The files of a must-gather or bundle, wherever they are: a folder, or a .tar / .tar.gz of one. One small interface
// (exists / read / list, '/'-separated paths relative to the source) so the reader never cares which.
//
// A .tar(.gz) is read once, as a stream (node:zlib + the ustar reader below, no dependency): only the entries the
// reader can use are kept in memory (object YAML, etcd_info JSON, timestamp, version, gather.logs, our bundle's
// marker); pod logs, audit
// logs and everything else are skipped without being stored, so a must-gather with hundreds of MB of logs costs its
// decompression, not its size in memory.
import { closeSync, createReadStream, existsSync, openSync, readdirSync, readFileSync, readSync, statSync } from 'node:fs';
import { createGunzip } from 'node:zlib';
import { join } from 'node:path';

export interface FileSource {
  /** what was given (shown in the header) */
  readonly label: string;
  readonly kind: 'folder' | 'archive';
  exists(rel: string): boolean;
  isDir(rel: string): boolean;
  /** the text of a file; null when it is not there */
  read(rel: string): string | null;
  /** names in a folder ('' = the top); [] when it is not there */
  list(rel: string): string[];
}

export class FolderSource implements FileSource {
  readonly kind = 'folder' as const;
  constructor(
    readonly root: string,
    readonly label = root,
  ) {}
  private abs(rel: string): string {
    return rel ? join(this.root, ...rel.split('/')) : this.root;
  }
  exists(rel: string): boolean {
    return existsSync(this.abs(rel));
  }
  isDir(rel: string): boolean {
    try {
      return statSync(this.abs(rel)).isDirectory();
    } catch {
      return false;
    }
  }
  read(rel: string): string | null {
    try {
      return readFileSync(this.abs(rel), 'utf8');
    } catch {
      return null;
    }
  }
  list(rel: string): string[] {
    try {
      return readdirSync(this.abs(rel)).sort();
    } catch {
      return [];
    }
  }
}

/** Entries of an archive kept in memory: files (by path) and every folder on their paths. */
export class ArchiveSource implements FileSource {
  readonly kind = 'archive' as const;
  private readonly files = new Map<string, Buffer>();
  private readonly dirs = new Map<string, Set<string>>([['', new Set()]]);
  constructor(readonly label: string) {}
  add(path: string, data: Buffer | null): void {
    const parts = path.split('/').filter((p) => p && p !== '.');
    if (!parts.length) return;
    for (let i = 0; i < parts.length; i++) {
      const parent = parts.slice(0, i).join('/');
      const set = this.dirs.get(parent) ?? new Set<string>();
      set.add(parts[i]!);
      this.dirs.set(parent, set);
    }
    const full = parts.join('/');
    if (data === null) {
      if (!this.dirs.has(full)) this.dirs.set(full, new Set());
    } else this.files.set(full, data);
  }
  exists(rel: string): boolean {
    return this.files.has(rel) || this.dirs.has(rel);
  }
  isDir(rel: string): boolean {
    return this.dirs.has(rel);
  }
  read(rel: string): string | null {
    const b = this.files.get(rel);
    return b ? b.toString('utf8') : null;
  }
  list(rel: string): string[] {
    return [...(this.dirs.get(rel) ?? [])].sort();
  }
}

/** Is this archive entry of use to the reader? Pod logs, audit logs, metrics dumps and the like are not. */
export function wantedEntry(path: string, size: number): boolean {
  if (size > 64 * 1024 * 1024) return false;
  const base = path.slice(path.lastIndexOf('/') + 1);
  if (base === 'timestamp' || base === 'version' || base === 'gather.logs' || base === 'etcd-replace-bundle.txt') return true;
  if (/\/(logs|audit_logs|monitoring|network_logs|host_service_logs|node_logs)\//.test(`/${path}`)) return false;
  return base.endsWith('.yaml') || base.endsWith('.json');
}

const isGzip = (b: Buffer) => b.length >= 2 && b[0] === 0x1f && b[1] === 0x8b;

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
    private readonly out: ArchiveSource,
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

/** Reads `file` (.tar, .tar.gz, .tgz: told by its first bytes) into an ArchiveSource of the entries `want` accepts. */
export async function readArchive(file: string, want = wantedEntry): Promise<ArchiveSource & { truncated: boolean }> {
  const src = new ArchiveSource(file) as ArchiveSource & { truncated: boolean };
  const reader = new TarReader(src, want);
  const head = Buffer.alloc(2);
  const fd = openSync(file, 'r');
  try {
    readSync(fd, head, 0, 2, 0);
  } finally {
    closeSync(fd);
  }
  const input = createReadStream(file, { highWaterMark: 1 << 20 });
  const stream = isGzip(head) ? input.pipe(createGunzip({ chunkSize: 1 << 20 })) : input;
  let truncated = false;
  await new Promise<void>((resolve, reject) => {
    stream.on('data', (d: Buffer) => {
      try {
        reader.push(d);
      } catch (e) {
        input.destroy();
        reject(e);
      }
    });
    // a gzip stream cut short: keep what was whole
    stream.on('error', (e: NodeJS.ErrnoException) => {
      if (e.code === 'Z_BUF_ERROR' || /unexpected end/i.test(e.message)) {
        truncated = true;
        resolve();
      } else reject(e);
    });
    input.on('error', reject);
    stream.on('end', () => resolve());
  });
  reader.end();
  src.truncated = truncated || reader.truncated;
  return src;
}
