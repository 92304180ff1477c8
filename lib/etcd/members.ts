// Parsers for `etcdctl member list` (-w simple / -w table) and `etcdctl member remove` output.
// Member IDs stay strings all the way: 16-digit lower-case zero-padded hex (they are uint64; never a JS number).
import type { EtcdMember, MemberId } from '../types.ts';

/** Normalises a hex member ID ("4b2b4d0744853d4", " 4B2B…", "0x…") to 16 lower-case zero-padded digits; null if not hex. */
export function normalizeId(raw: string): MemberId | null {
  let s = raw.trim().toLowerCase();
  if (s.startsWith('0x')) s = s.slice(2);
  if (!/^[0-9a-f]{1,16}$/.test(s)) return null;
  return s.padStart(16, '0');
}

/** A decimal uint64 (as found in `-w json` output, read as text) to a normalised hex ID, via BigInt. */
export function decimalIdToHex(dec: string): MemberId | null {
  if (!/^\d{1,20}$/.test(dec.trim())) return null;
  const n = BigInt(dec.trim());
  if (n >= 1n << 64n) return null;
  return n.toString(16).padStart(16, '0');
}

function splitURLs(field: string): string[] {
  return field
    .split(',')
    .map((u) => u.trim())
    .filter(Boolean);
}

function rowToMember(cols: string[]): EtcdMember | null {
  if (cols.length < 5) return null;
  const id = normalizeId(cols[0]);
  if (!id) return null;
  const status = cols[1].trim();
  if (status !== 'started' && status !== 'unstarted') return null;
  return {
    id,
    name: cols[2].trim(),
    peerURLs: splitURLs(cols[3]),
    clientURLs: splitURLs(cols[4]),
    started: status === 'started',
    isLearner: (cols[5] ?? 'false').trim() === 'true', // 3.3-era output has no IS LEARNER column
    healthy: null,
    leader: false,
  };
}

/**
 * `etcdctl member list -w simple`: `id, status, name, peerURLs, clientURLs, isLearner` joined by ", ".
 * Multiple URLs in one field are joined by "," without a space, so splitting on ", " is safe.
 */
export function parseMemberListSimple(stdout: string): EtcdMember[] {
  const out: EtcdMember[] = [];
  for (const line of stdout.split('\n')) {
    if (!line.trim()) continue;
    const m = rowToMember(line.split(', '));
    if (m) out.push(m);
  }
  return out;
}

/** `etcdctl member list -w table` (ID | STATUS | NAME | PEER ADDRS | CLIENT ADDRS | IS LEARNER). */
export function parseMemberListTable(stdout: string): EtcdMember[] {
  const out: EtcdMember[] = [];
  for (const line of stdout.split('\n')) {
    const t = line.trim();
    if (!t.startsWith('|')) continue;
    const cols = t.slice(1, t.endsWith('|') ? -1 : undefined).split('|').map((c) => c.trim());
    if (cols[0] === 'ID') continue;
    const m = rowToMember(cols);
    if (m) out.push(m);
  }
  return out;
}

/**
 * `etcdctl member list -w json`: {header, members: [{ID, name, peerURLs, clientURLs, isLearner?}]} with IDs as
 * decimal uint64 (quoted before JSON.parse, never through a JS number). An unstarted member has no name. Throws when the text is not one complete JSON document: `kubectl exec` can exit 0 with its output cut
 * short when the stream breaks (kubernetes/kubectl#1208, kubernetes/kubernetes#124571), and a member list missing a
 * member must never be taken for the real one.
 */
export function parseMemberListJson(stdout: string): EtcdMember[] {
  const quoted = stdout.replace(/"(ID|cluster_id|member_id|revision|raft_term)"\s*:\s*(\d+)/g, '"$1":"$2"');
  let doc: any;
  try {
    doc = JSON.parse(quoted);
  } catch {
    throw new Error(`incomplete etcdctl member list output (${stdout.length} bytes, not a whole JSON document): the exec stream was probably cut`);
  }
  if (!doc || typeof doc !== 'object' || !doc.header || !Array.isArray(doc.members)) {
    throw new Error('etcdctl member list -w json printed no header/members');
  }
  return (doc.members as any[]).map((m) => {
    const id = decimalIdToHex(String(m.ID ?? ''));
    if (!id) throw new Error(`etcdctl member list -w json: bad member ID ${String(m.ID)}`);
    const clientURLs: string[] = Array.isArray(m.clientURLs) ? m.clientURLs : [];
    return {
      id,
      name: typeof m.name === 'string' ? m.name : '',
      peerURLs: Array.isArray(m.peerURLs) ? m.peerURLs : [],
      clientURLs,
      started: typeof m.name === 'string' && m.name !== '', // etcdctl's printer: "unstarted" when the name is empty
      isLearner: m.isLearner === true,
      healthy: null,
      leader: false,
    };
  });
}

/** Any format: JSON (strict, see parseMemberListJson), table when the output has `|` rows, else simple. */
export function parseMemberList(stdout: string): EtcdMember[] {
  if (/^\s*\{/.test(stdout)) return parseMemberListJson(stdout);
  return /^\s*\|/m.test(stdout) ? parseMemberListTable(stdout) : parseMemberListSimple(stdout);
}

/** `Member %16x removed from cluster %16x` (space-padded) → normalised IDs; null when the text is something else. */
export function parseMemberRemove(stdout: string): { id: MemberId; clusterId: MemberId } | null {
  const m = stdout.match(/Member\s+([0-9a-fA-F]{1,16}) removed from cluster\s+([0-9a-fA-F]{1,16})/);
  if (!m) return null;
  return { id: normalizeId(m[1])!, clusterId: normalizeId(m[2])! };
}

/** The IP (or host) of a URL like https://10.0.131.183:2380 or https://[fd00::1]:2380. */
export function hostOf(url: string): string | null {
  try {
    const h = new URL(url).hostname;
    return h.replace(/^\[|\]$/g, '');
  } catch {
    return null;
  }
}

/** Peer IP of a member (first peer URL), as used for the identity check against the node InternalIP. */
export function peerIP(m: Pick<EtcdMember, 'peerURLs'>): string | null {
  return m.peerURLs.length ? hostOf(m.peerURLs[0]) : null;
}

/** `etcdctl endpoint status -w simple|table` rows: endpoint, ID, version, db size, is leader, [is learner (3.4.?+)], raft term, raft index, raft applied index, errors. */
export interface EndpointStatus {
  endpoint: string;
  id: MemberId;
  version: string;
  dbSize: string;
  isLeader: boolean;
  isLearner: boolean | null;
  raftTerm: string;
  raftIndex: string;
  errors: string;
}

function rowToStatus(cols: string[]): EndpointStatus | null {
  if (cols.length < 5) return null;
  const id = normalizeId(cols[1]);
  if (!id || !/^[a-z]+:\/\//i.test(cols[0].trim())) return null;
  // With the IS LEARNER column: endpoint,id,version,db,leader,learner,term,index,applied,errors (10);
  // without (older 3.4): endpoint,id,version,db,leader,term,index,applied,errors (9) — 3.3: 8 without applied.
  const hasLearner = cols.length >= 10 || (cols.length >= 6 && /^(true|false)$/.test(cols[5].trim()));
  const rest = hasLearner ? cols.slice(6) : cols.slice(5);
  return {
    endpoint: cols[0].trim(),
    id,
    version: cols[2].trim(),
    dbSize: cols[3].trim(),
    isLeader: cols[4].trim() === 'true',
    isLearner: hasLearner ? cols[5].trim() === 'true' : null,
    raftTerm: (rest[0] ?? '').trim(),
    raftIndex: (rest[1] ?? '').trim(),
    errors: rest.slice(3).join(', ').trim(),
  };
}

export function parseEndpointStatus(stdout: string): EndpointStatus[] {
  const out: EndpointStatus[] = [];
  const table = /^\s*\|/m.test(stdout);
  for (const line of stdout.split('\n')) {
    const t = line.trim();
    if (!t) continue;
    let cols: string[];
    if (table) {
      if (!t.startsWith('|')) continue;
      cols = t.slice(1, t.endsWith('|') ? -1 : undefined).split('|').map((c) => c.trim());
      if (cols[0] === 'ENDPOINT') continue;
    } else {
      cols = line.replace(/\r$/, '').split(', ');
    }
    const s = rowToStatus(cols);
    if (s) out.push(s);
  }
  return out;
}
