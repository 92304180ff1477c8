// Parser for `etcdctl endpoint health [--cluster]`, text and `-w json`.
// Text: healthy lines `<ep> is healthy: successfully committed proposal: took = <d>` (stdout; etcdctl 3.4 prints
// them on stderr too when the cluster is unhealthy), unhealthy lines `<ep> is unhealthy: failed to commit proposal: <err>`
// (stderr), then `Error: unhealthy cluster`. Results come in random order.
import type { EtcdMember } from '../types.ts';

export interface EndpointHealth {
  endpoint: string;
  healthy: boolean;
  error?: string;
  took?: string;
}

/** Parses text or JSON output; pass stdout and stderr (both are read). Later lines for the same endpoint win. */
export function parseEndpointHealth(stdout: string, stderr = ''): EndpointHealth[] {
  const byEp = new Map<string, EndpointHealth>();
  for (const text of [stdout, stderr]) {
    const t = text.trim();
    const jsonStart = t.indexOf('[{');
    if (jsonStart !== -1) {
      const end = t.indexOf('}]', jsonStart);
      if (end !== -1) {
        try {
          const arr = JSON.parse(t.slice(jsonStart, end + 2)) as { endpoint: string; health: boolean; took?: string; error?: string }[];
          for (const e of arr) {
            if (typeof e?.endpoint !== 'string') continue;
            byEp.set(e.endpoint, { endpoint: e.endpoint, healthy: e.health === true, ...(e.error ? { error: e.error } : {}), ...(e.took ? { took: e.took } : {}) });
          }
        } catch {
          /* fall through to line parsing */
        }
      }
    }
    for (const line of text.split('\n')) {
      const ok = line.match(/^(\S+) is healthy: successfully committed proposal: took = (.*)$/);
      if (ok) {
        byEp.set(ok[1], { endpoint: ok[1], healthy: true, took: ok[2].trim() });
        continue;
      }
      const bad = line.match(/^(\S+) is unhealthy: (.*)$/);
      if (bad) byEp.set(bad[1], { endpoint: bad[1], healthy: false, error: bad[2].trim() });
    }
  }
  return [...byEp.values()];
}

function normURL(u: string): string {
  return u.trim().replace(/\/+$/, '').toLowerCase();
}

/**
 * Sets `healthy`/`healthError` on each member whose client URL was probed. Members never probed (no client URL,
 * unstarted learner) keep `healthy: null` — unknown is not dead.
 */
export function applyHealth(members: EtcdMember[], health: EndpointHealth[]): EtcdMember[] {
  const map = new Map(health.map((h) => [normURL(h.endpoint), h]));
  return members.map((m) => {
    const hits = m.clientURLs.map((u) => map.get(normURL(u))).filter((h): h is EndpointHealth => !!h);
    if (hits.length === 0) return { ...m, healthy: null };
    const bad = hits.find((h) => !h.healthy);
    if (bad) return { ...m, healthy: false, healthError: bad.error ?? 'unhealthy' };
    const { healthError: _drop, ...rest } = m;
    return { ...rest, healthy: true };
  });
}
