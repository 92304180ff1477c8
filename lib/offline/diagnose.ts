// The diagnosis of a must-gather: the live rules (lib/diagnose) on the state read from the files, then what the files
// could not tell. An essential gap (no member list, no health, a cut file the state needs) puts the named reason
// `DataMissing` first and drops the member: a healthy or replaceable diagnosis becomes `unsafe` (an unknown is never
// healthy, and nothing is planned from it); a refusal stays the refusal it was (quorum-lost, a topology's).
import { diagnose, type DiagnoseOptions } from '../diagnose/diagnose.ts';
import type { ClusterState, Diagnosis } from '../types.ts';
import type { Gap } from './mustgather.ts';

export const DataMissing = 'DataMissing';

export function diagnoseOffline(state: ClusterState, gaps: Gap[], opts: DiagnoseOptions = {}): Diagnosis {
  const d = diagnose(state, opts);
  const essential = gaps.filter((g) => g.essential);
  if (!essential.length) return d;
  const refused = d.scenario === 'unsafe' || d.scenario === 'quorum-lost';
  return {
    scenario: refused ? d.scenario : 'unsafe',
    member: null,
    reasons: [...essential.map((g) => `${DataMissing}: ${g.file}: ${g.what}`), ...d.reasons.filter((x) => !x.startsWith(`${DataMissing}:`))],
    action: refused ? d.action : 'the must-gather cannot tell what is safe: collect a new one (oc adm must-gather; its etcd_info/ comes from gather_etcd), or run status against the cluster',
  };
}
