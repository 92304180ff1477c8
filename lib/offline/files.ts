// The files of a must-gather or bundle, wherever they are: a folder, or a .tar / .tar.gz of one. One small interface
// (exists / read / list, '/'-separated paths relative to the source) so the reader never cares which.
//
// A .tar(.gz) is read once, as a stream (node:zlib + lib/bundle/tar.ts TarReader, no dependency): only the entries the
// reader can use are kept in memory (object YAML, etcd_info JSON, timestamp, version, gather.logs, our bundle's
// marker); pod logs, audit
// logs and everything else are skipped without being stored, so a must-gather with hundreds of MB of logs costs its
// decompression, not its size in memory.
import { closeSync, createReadStream, existsSync, openSync, readdirSync, readFileSync, readSync, statSync } from 'node:fs';
import { createGunzip } from 'node:zlib';
import { join } from 'node:path';
import { TarReader } from '../bundle/tar.ts';

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
  if (base === 'timestamp' || base === 'version' || base === 'gather.logs' || base === 'etcd-replace-bundle.txt' || base === 'status.error.txt') return true;
  if (/\/(logs|audit_logs|monitoring|network_logs|host_service_logs|node_logs)\//.test(`/${path}`)) return false;
  return base.endsWith('.yaml') || base.endsWith('.json');
}

const isGzip = (b: Buffer) => b.length >= 2 && b[0] === 0x1f && b[1] === 0x8b;

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
