// `etcdctl alarm list` and the DB size column of `etcdctl endpoint status`.
//
// alarm list (etcd-io/etcd release-3.4/3.5 etcdctl/ctlv3/command/printer_simple.go Alarm): one line per alarm,
// `fmt.Printf("%+v\n", e)` of an etcdserverpb.AlarmMember, i.e. `memberID:10276657743932975437 alarm:NOSPACE `:
// the member ID in DECIMAL (a uint64: read as text, turned into hex through BigInt), the alarm type NOSPACE or
// CORRUPT (api/etcdserverpb/rpc.proto AlarmType). No output: no alarm.
import { decimalIdToHex } from './members.ts';
import type { EtcdAlarm } from '../types.ts';

export function parseAlarmList(stdout: string): EtcdAlarm[] {
  const out: EtcdAlarm[] = [];
  for (const line of stdout.split('\n')) {
    const m = /memberID:\s*(\d+)\s+alarm:\s*([A-Z_]+)/.exec(line);
    if (!m) continue;
    const memberId = decimalIdToHex(m[1]!);
    if (!memberId || m[2] === 'NONE') continue;
    out.push({ memberId, alarm: m[2]! });
  }
  return out;
}

const UNITS: Record<string, number> = { B: 1, kB: 1e3, KB: 1e3, MB: 1e6, GB: 1e9, TB: 1e12, KiB: 1024, MiB: 1024 ** 2, GiB: 1024 ** 3, TiB: 1024 ** 4 };

/**
 * The DB SIZE column of `endpoint status -w simple|table`: go-humanize Bytes (SI: "25 MB", "20 kB", "3.1 GB"), as
 * etcdctl prints it (etcdctl/ctlv3/command/printer.go makeEndpointStatusTable: humanize.Bytes(uint64(status.DbSize))).
 * Bytes, rounded up; null when unreadable.
 */
export function parseHumanBytes(text: string): number | null {
  const m = /^\s*([0-9]+(?:\.[0-9]+)?)\s*([kKMGT]?i?B)\s*$/.exec(text);
  if (!m) return null;
  const unit = UNITS[m[2]!];
  if (!unit) return null;
  return Math.ceil(Number(m[1]) * unit);
}
