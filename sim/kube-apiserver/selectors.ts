// Label and field selectors as the Kubernetes API server parses them (the subset kubectl sends):
// labels: `a=b`, `a==b`, `a!=b`, `a in (x,y)`, `a notin (x)`, `a` (exists), `!a` (does not exist);
// fields: `path=value`, `path==value`, `path!=value` for a few well-known paths.
import type { KObject } from './store.ts';

export class SelectorError extends Error {}

type LabelReq =
  | { op: 'eq' | 'neq'; key: string; value: string }
  | { op: 'in' | 'notin'; key: string; values: string[] }
  | { op: 'exists' | 'notexists'; key: string };

/** Split on commas that are not inside parentheses. */
function splitTop(s: string): string[] {
  const out: string[] = [];
  let depth = 0;
  let cur = '';
  for (const ch of s) {
    if (ch === '(') depth++;
    if (ch === ')') depth--;
    if (ch === ',' && depth === 0) {
      out.push(cur);
      cur = '';
    } else cur += ch;
  }
  out.push(cur);
  return out.map((p) => p.trim()).filter((p) => p !== '');
}

const KEY = /^[A-Za-z0-9]([-A-Za-z0-9_./]*[A-Za-z0-9])?$/;
const VALUE = /^([A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?)?$/;

function checkKey(k: string, whole: string): string {
  if (!KEY.test(k)) throw new SelectorError(`unable to parse requirement: invalid label key "${k}" in "${whole}"`);
  return k;
}
function checkValue(v: string, whole: string): string {
  if (!VALUE.test(v)) throw new SelectorError(`unable to parse requirement: invalid label value: "${v}" in "${whole}"`);
  return v;
}

export function parseLabelSelector(s: string | null | undefined): LabelReq[] {
  if (!s) return [];
  const reqs: LabelReq[] = [];
  for (const part of splitTop(s)) {
    let m: RegExpMatchArray | null;
    if ((m = part.match(/^(\S+)\s+(in|notin)\s*\(([^)]*)\)$/))) {
      const values = m[3].split(',').map((v) => v.trim()).filter((v) => v !== '');
      reqs.push({ op: m[2] as 'in' | 'notin', key: checkKey(m[1], s), values: values.map((v) => checkValue(v, s)) });
    } else if ((m = part.match(/^([^=!\s]+)\s*(==|=|!=)\s*(.*)$/))) {
      reqs.push({ op: m[2] === '!=' ? 'neq' : 'eq', key: checkKey(m[1], s), value: checkValue(m[3].trim(), s) });
    } else if ((m = part.match(/^!\s*(\S+)$/))) {
      reqs.push({ op: 'notexists', key: checkKey(m[1], s) });
    } else if ((m = part.match(/^(\S+)$/))) {
      reqs.push({ op: 'exists', key: checkKey(m[1], s) });
    } else {
      throw new SelectorError(`unable to parse requirement: found '${part}', expected: in, notin, =, ==, !=, gt, lt`);
    }
  }
  return reqs;
}

export function matchLabels(reqs: LabelReq[], labels: Record<string, string> | undefined): boolean {
  const l = labels ?? {};
  return reqs.every((r) => {
    const has = Object.prototype.hasOwnProperty.call(l, r.key);
    switch (r.op) {
      case 'eq':
        return has && l[r.key] === r.value;
      case 'neq':
        return !has || l[r.key] !== r.value;
      case 'in':
        return has && r.values.includes(l[r.key]);
      case 'notin':
        return !has || !r.values.includes(l[r.key]);
      case 'exists':
        return has;
      case 'notexists':
        return !has;
    }
  });
}

interface FieldReq {
  path: string;
  neq: boolean;
  value: string;
}

const FIELD_PATHS: Record<string, (o: KObject) => string> = {
  'metadata.name': (o) => o.metadata.name,
  'metadata.namespace': (o) => o.metadata.namespace ?? '',
  'spec.nodeName': (o) => o.spec?.nodeName ?? '',
  'status.phase': (o) => o.status?.phase ?? '',
  'spec.unschedulable': (o) => String(Boolean(o.spec?.unschedulable)),
  'spec.schedulerName': (o) => o.spec?.schedulerName ?? '',
  'spec.serviceAccountName': (o) => o.spec?.serviceAccountName ?? '',
  'status.podIP': (o) => o.status?.podIP ?? '',
  'type': (o) => o.type ?? '',
  'involvedObject.name': (o) => o.involvedObject?.name ?? '',
  'involvedObject.namespace': (o) => o.involvedObject?.namespace ?? '',
  'involvedObject.kind': (o) => o.involvedObject?.kind ?? '',
  'involvedObject.uid': (o) => o.involvedObject?.uid ?? '',
  'reason': (o) => o.reason ?? '',
};

export function parseFieldSelector(s: string | null | undefined, kind: string): FieldReq[] {
  if (!s) return [];
  const reqs: FieldReq[] = [];
  for (const part of splitTop(s)) {
    const m = part.match(/^([^=!]+)(==|=|!=)(.*)$/);
    if (!m) throw new SelectorError(`invalid selector: '${s}'; can't understand '${part}'`);
    const path = m[1].trim();
    if (!FIELD_PATHS[path]) throw new SelectorError(`field label not supported: ${path}`);
    void kind;
    reqs.push({ path, neq: m[2] === '!=', value: m[3].trim() });
  }
  return reqs;
}

export function matchFields(reqs: FieldReq[], obj: KObject): boolean {
  return reqs.every((r) => {
    const v = FIELD_PATHS[r.path](obj);
    return r.neq ? v !== r.value : v === r.value;
  });
}

/** One predicate for `?labelSelector=&fieldSelector=`; throws SelectorError (-> 400 BadRequest). */
export function selectorPredicate(labelSelector: string | null, fieldSelector: string | null, kind: string): (o: KObject) => boolean {
  const l = parseLabelSelector(labelSelector);
  const f = parseFieldSelector(fieldSelector, kind);
  return (o) => matchLabels(l, o.metadata.labels) && matchFields(f, o);
}
