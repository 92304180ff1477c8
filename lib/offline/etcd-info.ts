// `etcd_info/*.json` of a must-gather: what openshift/must-gather collection-scripts/gather_etcd (release-4.6 … main)
// writes from one Running etcd pod (`oc exec -c etcdctl`), with ETCDCTL_ENDPOINTS set to every member's client URL
// (the 5th column of `etcdctl member list`, so every member is probed, as `--cluster` does):
//   member_list.json      etcdctl member list -w json
//   endpoint_status.json  etcdctl endpoint status -w json
//   endpoint_health.json  etcdctl endpoint health -w json
//   alarm_list.json       etcdctl alarm list -w json
// Each is stdout only, redirected by the script (stderr, e.g. "Error: unhealthy cluster", is not in the file).
// Shapes: etcd-io/etcd release-3.4/3.5 etcdctl/ctlv3/command/printer_json.go (encoding/json of the response, uint64 IDs
// as JSON numbers, `AlarmType` as its enum number: api/etcdserverpb/rpc.proto NONE=0 NOSPACE=1 CORRUPT=2), checked
// against etcdctl 3.4.23's own output. Every ID stays text (decimal → hex through BigInt), never a JS number.
import type { EtcdAlarm, EtcdMember } from '../types.ts';
import { decimalIdToHex, parseMemberListJson } from '../etcd/members.ts';
import { applyHealth, type EndpointHealth } from '../etcd/health.ts';

export class CutFile extends Error {}

/** Big integers quoted before JSON.parse so that no ID passes through a JS number. */
function parseQuoted(text: string, keys: string[]): any {
  const re = new RegExp(`"(${keys.join('|')})"\\s*:\\s*(\\d+)`, 'g');
  try {
    return JSON.parse(text.replace(re, '"$1":"$2"'));
  } catch {
    throw new CutFile(`not a whole JSON document (${text.length} bytes): the file is cut short or damaged`);
  }
}

export function parseMembersFile(text: string): EtcdMember[] {
  try {
    return parseMemberListJson(text);
  } catch (e) {
    throw new CutFile((e as Error).message.replace(/: the exec stream was probably cut$/, ': the file is cut short or damaged'));
  }
}

/** endpoint_health.json: `[{"endpoint","health","took","error"?}]` */
export function parseHealthFile(text: string): EndpointHealth[] {
  const doc = parseQuoted(text, []);
  if (!Array.isArray(doc)) throw new CutFile('endpoint health: not a JSON list');
  return doc
    .filter((e) => typeof e?.endpoint === 'string')
    .map((e) => ({ endpoint: e.endpoint, healthy: e.health === true, ...(e.error ? { error: String(e.error) } : {}), ...(e.took ? { took: String(e.took) } : {}) }));
}

export interface StatusOfMember {
  id: string;
  leader: boolean;
  dbSizeBytes?: number;
}

/** endpoint_status.json: `[{"Endpoint", "Status": {"header": {"member_id"}, "leader", "dbSize", …}}]` */
export function parseStatusFile(text: string): StatusOfMember[] {
  const doc = parseQuoted(text, ['cluster_id', 'member_id', 'revision', 'raft_term', 'leader', 'raftIndex', 'raftTerm', 'raftAppliedIndex']);
  if (!Array.isArray(doc)) throw new CutFile('endpoint status: not a JSON list');
  const out: StatusOfMember[] = [];
  for (const e of doc) {
    const st = e?.Status;
    const id = decimalIdToHex(String(st?.header?.member_id ?? ''));
    if (!id) continue;
    const leader = decimalIdToHex(String(st?.leader ?? ''));
    const db = Number(st?.dbSize);
    out.push({ id, leader: leader === id, ...(Number.isFinite(db) && db >= 0 ? { dbSizeBytes: db } : {}) });
  }
  return out;
}

const ALARMS: Record<string, string> = { '0': 'NONE', '1': 'NOSPACE', '2': 'CORRUPT' };

/** alarm_list.json: `{"header":…, "alarms":[{"memberID","alarm"}]}`; `{}` when there is none. */
export function parseAlarmFile(text: string): EtcdAlarm[] {
  const doc = parseQuoted(text, ['cluster_id', 'member_id', 'revision', 'raft_term', 'memberID']);
  if (!doc || typeof doc !== 'object' || Array.isArray(doc)) throw new CutFile('alarm list: not a JSON object');
  const out: EtcdAlarm[] = [];
  for (const a of (doc.alarms ?? []) as any[]) {
    const memberId = decimalIdToHex(String(a?.memberID ?? ''));
    const alarm = ALARMS[String(a?.alarm)] ?? (typeof a?.alarm === 'string' ? a.alarm : null);
    if (!memberId || !alarm || alarm === 'NONE') continue;
    out.push({ memberId, alarm });
  }
  return out;
}

export { applyHealth };
