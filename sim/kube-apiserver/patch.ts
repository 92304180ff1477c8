// PATCH bodies: JSON merge patch (RFC 7386), JSON patch (RFC 6902) and a pragmatic strategic
// merge patch (merge patch + lists merged by their Kubernetes merge keys + the `$patch` /
// `$setElementOrder` / `$retainKeys` / `$deleteFromPrimitiveList` directives kubectl generates).

export class PatchError extends Error {
  constructor(
    message: string,
    readonly code: 400 | 422 | 415 = 422,
  ) {
    super(message);
  }
}

const isObj = (v: unknown): v is Record<string, any> => typeof v === 'object' && v !== null && !Array.isArray(v);
const clone = <T>(v: T): T => structuredClone(v);

/** RFC 7386 */
export function mergePatch(target: any, patch: any): any {
  if (!isObj(patch)) return clone(patch);
  const out: Record<string, any> = isObj(target) ? { ...target } : {};
  for (const [k, v] of Object.entries(patch)) {
    if (v === null) delete out[k];
    else out[k] = mergePatch(out[k], v);
  }
  return out;
}

// ---- RFC 6902 ---------------------------------------------------------------------------------

function parsePointer(p: string): string[] {
  if (p === '') return [];
  if (!p.startsWith('/')) throw new PatchError(`invalid JSON pointer: ${p}`, 400);
  return p
    .slice(1)
    .split('/')
    .map((s) => s.replace(/~1/g, '/').replace(/~0/g, '~'));
}

function getAt(doc: any, path: string[]): any {
  let cur = doc;
  for (const seg of path) {
    if (Array.isArray(cur)) {
      const i = Number(seg);
      if (!/^\d+$/.test(seg) || i >= cur.length) return undefined;
      cur = cur[i];
    } else if (isObj(cur)) {
      if (!Object.prototype.hasOwnProperty.call(cur, seg)) return undefined;
      cur = cur[seg];
    } else return undefined;
  }
  return cur;
}

function parentOf(doc: any, path: string[], op: string, full: string): [any, string] {
  const parent = getAt(doc, path.slice(0, -1));
  if (parent === undefined || (typeof parent !== 'object') || parent === null) {
    throw new PatchError(`${op} operation does not apply: doc is missing path: "${full}": missing value`);
  }
  return [parent, path[path.length - 1]];
}

export function jsonPatch(doc: any, ops: any): any {
  if (!Array.isArray(ops)) throw new PatchError('json: cannot unmarshal object into Go value of type jsonpatch.Patch', 400);
  let out = clone(doc);
  for (const op of ops) {
    const path = parsePointer(String(op.path ?? ''));
    const full = String(op.path ?? '');
    switch (op.op) {
      case 'add': {
        if (path.length === 0) {
          out = clone(op.value);
          break;
        }
        const [parent, last] = parentOf(out, path, 'add', full);
        if (Array.isArray(parent)) {
          if (last === '-') parent.push(clone(op.value));
          else {
            const i = Number(last);
            if (!/^\d+$/.test(last) || i > parent.length) throw new PatchError(`add operation does not apply: doc is missing path: "${full}": missing value`);
            parent.splice(i, 0, clone(op.value));
          }
        } else parent[last] = clone(op.value);
        break;
      }
      case 'remove': {
        const [parent, last] = parentOf(out, path, 'remove', full);
        if (getAt(parent, [last]) === undefined) throw new PatchError(`remove operation does not apply: doc is missing path: "${full}": missing value`);
        if (Array.isArray(parent)) parent.splice(Number(last), 1);
        else delete parent[last];
        break;
      }
      case 'replace': {
        if (path.length === 0) {
          out = clone(op.value);
          break;
        }
        const [parent, last] = parentOf(out, path, 'replace', full);
        if (getAt(parent, [last]) === undefined) throw new PatchError(`replace operation does not apply: doc is missing key: ${full}: missing value`);
        if (Array.isArray(parent)) parent[Number(last)] = clone(op.value);
        else parent[last] = clone(op.value);
        break;
      }
      case 'move':
      case 'copy': {
        const from = parsePointer(String(op.from ?? ''));
        const value = getAt(out, from);
        if (value === undefined) throw new PatchError(`${op.op} operation does not apply: doc is missing from path: ${op.from}: missing value`);
        if (op.op === 'move') out = jsonPatch(out, [{ op: 'remove', path: op.from }]);
        out = jsonPatch(out, [{ op: 'add', path: op.path, value }]);
        break;
      }
      case 'test': {
        const value = getAt(out, path);
        if (JSON.stringify(value) !== JSON.stringify(op.value)) throw new PatchError(`testing value ${full} failed: test failed`);
        break;
      }
      default:
        throw new PatchError(`Unexpected kind: ${op.op}`, 400);
    }
  }
  return out;
}

// ---- strategic merge patch ------------------------------------------------------------------------

/** Lists merged by a key (patchMergeKey) in the core types. */
const MERGE_KEYS: Record<string, string> = {
  containers: 'name',
  initContainers: 'name',
  ephemeralContainers: 'name',
  env: 'name',
  volumes: 'name',
  volumeMounts: 'mountPath',
  volumeDevices: 'devicePath',
  ports: 'containerPort',
  conditions: 'type',
  imagePullSecrets: 'name',
  ownerReferences: 'uid',
  hostAliases: 'ip',
  addresses: 'type',
  containerStatuses: 'name',
  initContainerStatuses: 'name',
  topologySpreadConstraints: 'topologyKey',
  readinessGates: 'conditionType',
};
/** Lists of scalars merged as sets. */
const SET_LISTS = new Set(['finalizers']);

function strategicList(key: string, target: any[] | undefined, patch: any[]): any[] {
  const mk = MERGE_KEYS[key];
  const cur = Array.isArray(target) ? clone(target) : [];
  if (patch.some((e) => isObj(e) && e.$patch === 'replace')) {
    return patch.filter((e) => !(isObj(e) && e.$patch === 'replace'));
  }
  if (SET_LISTS.has(key)) {
    for (const v of patch) if (!cur.includes(v)) cur.push(v);
    return cur;
  }
  if (!mk) return clone(patch);
  for (const el of patch) {
    if (!isObj(el)) continue;
    const idx = cur.findIndex((c) => isObj(c) && c[mk] === el[mk]);
    if (el.$patch === 'delete') {
      if (idx >= 0) cur.splice(idx, 1);
      continue;
    }
    if (idx >= 0) cur[idx] = strategicMerge(cur[idx], el);
    else cur.push(strategicMerge({}, el));
  }
  return cur;
}

export function strategicMerge(target: any, patch: any): any {
  if (!isObj(patch)) return clone(patch);
  if (patch.$patch === 'delete') return undefined;
  if (patch.$patch === 'replace') {
    const { $patch: _drop, ...rest } = patch;
    return stripDirectives(rest);
  }
  const out: Record<string, any> = isObj(target) ? { ...target } : {};
  const retainKeys: string[] | undefined = Array.isArray(patch.$retainKeys) ? patch.$retainKeys : undefined;
  for (const [k, v] of Object.entries(patch)) {
    if (k === '$patch' || k === '$retainKeys' || k.startsWith('$setElementOrder/')) continue;
    if (k.startsWith('$deleteFromPrimitiveList/')) {
      const list = k.slice('$deleteFromPrimitiveList/'.length);
      if (Array.isArray(out[list]) && Array.isArray(v)) out[list] = out[list].filter((x: unknown) => !v.includes(x));
      continue;
    }
    if (v === null) delete out[k];
    else if (Array.isArray(v)) out[k] = strategicList(k, out[k], v);
    else if (isObj(v)) {
      const merged = strategicMerge(out[k], v);
      if (merged === undefined) delete out[k];
      else out[k] = merged;
    } else out[k] = v;
  }
  if (retainKeys) for (const k of Object.keys(out)) if (!retainKeys.includes(k)) delete out[k];
  return out;
}

function stripDirectives(v: any): any {
  if (Array.isArray(v)) return v.map(stripDirectives);
  if (!isObj(v)) return v;
  const out: Record<string, any> = {};
  for (const [k, x] of Object.entries(v)) if (!k.startsWith('$')) out[k] = stripDirectives(x);
  return out;
}

export const PATCH_TYPES = [
  'application/json-patch+json',
  'application/merge-patch+json',
  'application/strategic-merge-patch+json',
  'application/apply-patch+yaml',
] as const;

/** Applies a PATCH body of the given content type. `core` = built-in type (strategic merge allowed). */
export function applyPatch(contentType: string, current: any, body: string, core: boolean): any {
  const ct = contentType.split(';')[0].trim().toLowerCase();
  let parsed: any;
  const parse = () => {
    try {
      parsed = JSON.parse(body);
    } catch (err) {
      throw new PatchError(`error decoding patch: ${(err as Error).message}`, 400);
    }
  };
  switch (ct) {
    case 'application/merge-patch+json':
      parse();
      if (!isObj(parsed)) throw new PatchError('json: cannot unmarshal array into Go value of type map[string]interface {}', 400);
      return mergePatch(current, parsed);
    case 'application/json-patch+json':
      parse();
      return jsonPatch(current, parsed);
    case 'application/strategic-merge-patch+json':
      if (!core) {
        throw new PatchError(
          'the body of the request was in an unknown format - accepted media types include: application/json-patch+json, application/merge-patch+json, application/apply-patch+yaml',
          415,
        );
      }
      parse();
      if (!isObj(parsed)) throw new PatchError('json: cannot unmarshal array into Go value of type map[string]interface {}', 400);
      return strategicMerge(current, parsed);
    default:
      throw new PatchError(
        `the body of the request was in an unknown format - accepted media types include: application/json-patch+json, application/merge-patch+json${core ? ', application/strategic-merge-patch+json' : ''}`,
        415,
      );
  }
}
