// Judges one soak run from evidence, not from the plugin's claims: the simulator's own record
// (<state>/evidence.jsonl, sim/world/evidence.ts: real etcd membership over time, every API write, every command run
// in a pod) and the final objects read with kubectl. Pure: takes the parsed evidence and final facts.

export interface EvidenceEntry {
  t: string;
  kind: string;
  [k: string]: any;
}

export interface FinalFacts {
  /** spec.unsupportedConfigOverrides before the run and at the end */
  overridesBefore: unknown;
  overridesAfter: unknown;
  /** debug pods (label app=etcd-replace-debug) left at the end */
  debugPods: string[];
  /** did the run end (done, or refused/nothing to do), i.e. should the overrides be back? */
  finished: boolean;
}

export interface Verdict {
  wrong: string[];
  removed: { id: string; name: string }[];
}

const stable = (v: unknown): string =>
  Array.isArray(v) ? `[${v.map(stable).join(',')}]` : v && typeof v === 'object' ? `{${Object.keys(v).sort().map((k) => `${JSON.stringify(k)}:${stable((v as any)[k])}`).join(',')}}` : JSON.stringify(v ?? null);

export function parseEvidence(text: string): EvidenceEntry[] {
  return text
    .split('\n')
    .filter(Boolean)
    .flatMap((l) => {
      try {
        return [JSON.parse(l) as EvidenceEntry];
      } catch {
        return [];
      }
    });
}

/**
 * Wrong outcomes: a member removed while its etcd was running (a healthy member), or that is not the target's; a member removed
 * twice (a second `member remove` of it that reached etcd); quorum lost (unless the fault lost it before the run);
 * more than one machine created; overrides not restored; a debug pod left behind.
 */
export function judge(ev: EvidenceEntry[], f: FinalFacts, o: { targetNode: string | null; quorumLostAtStart: boolean }): Verdict {
  const wrong: string[] = [];
  const removed: { id: string; name: string }[] = [];
  let prev: any[] | null = null;
  const names = new Map<string, string>();
  for (const e of ev) {
    if (e.kind === 'members') {
      for (const m of e.members) if (m.name) names.set(m.id, m.name);
      if (prev) {
        for (const m of prev) {
          if (e.members.some((x: any) => x.id === m.id)) continue;
          const name = names.get(m.id) ?? m.name;
          removed.push({ id: m.id, name });
          if (m.running && m.started && !m.learner) wrong.push(`member ${m.id} (${name}) was removed while its etcd was running (healthy)`);
          if (o.targetNode === null) wrong.push(`member ${m.id} (${name}) was removed although the run had to refuse`);
          else if (name !== o.targetNode) wrong.push(`member ${m.id} (${name}) was removed, not the member of ${o.targetNode}`);
        }
      }
      prev = e.members;
    }
    if (e.kind === 'quorum-lost' && !o.quorumLostAtStart) {
      wrong.push(`quorum lost at ${e.t}: ${e.how}${e.voters !== undefined ? ` (${e.runningVoters} of ${e.voters} voting members running)` : ''}`);
    }
  }
  if (removed.length > 1) wrong.push(`${removed.length} members removed: ${removed.map((m) => m.id).join(', ')}`);
  // `member remove <id>` runs that reached etcd: the first removes it, a second says "member not found"
  const removes = new Map<string, number>();
  for (const e of ev) {
    if (e.kind !== 'exec' || !e.ran) continue;
    const c: string[] = e.command ?? [];
    const i = c.indexOf('member');
    if (i < 0 || c[i + 1] !== 'remove') continue;
    const id = String(c[i + 2] ?? '');
    if (e.exitCode === 0 || /member not found/i.test(String(e.stderr ?? ''))) removes.set(id, (removes.get(id) ?? 0) + 1);
  }
  for (const [id, n] of removes) if (n > 1) wrong.push(`member ${id} removed ${n} times (member remove reached etcd ${n} times)`);
  const machineCreates = ev.filter((e) => e.kind === 'api' && e.verb === 'create' && /\/machines(\?|$)/.test(e.path) && e.code < 300);
  if (machineCreates.length > 1) wrong.push(`${machineCreates.length} machines created`);
  if (f.finished && stable(f.overridesBefore) !== stable(f.overridesAfter)) {
    wrong.push(`unsupportedConfigOverrides not restored: before ${stable(f.overridesBefore)}, after ${stable(f.overridesAfter)}`);
  }
  if (f.debugPods.length) wrong.push(`debug pod(s) left behind: ${f.debugPods.join(', ')}`);
  return { wrong, removed };
}
