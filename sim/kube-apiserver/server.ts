// The simulator's Kubernetes-style HTTP API server, driven by the real kubectl/oc: discovery,
// OpenAPI v3 stubs (enough for server-side field validation), CRUD + watch + patch for every
// type of resources.ts, server-side Table printing, pods/log and pods/exec (WebSocket).
//
// Identity and simulating Forbidden: kubectl sends no credentials over plain http (client-go only
// applies a kubeconfig's token/impersonation when the transport is TLS), so the user is taken from
// an optional server-URL prefix `/sim-user/<name>` (see writeKubeconfig's `identity`), else from a
// bearer token if one is sent, else it is `system:admin`. A ConfigMap `sim-system/forbidden-users`
// whose `data.users` lists user names (separated by newlines, commas or spaces) makes every
// resource request of those users fail with 403 Forbidden. Discovery, /version and /openapi stay
// open (as with RBAC).
//
// TLS (option `tls`): a second listener on https with a self-signed certificate (made with openssl), where kubectl
// does send the kubeconfig's token and the --as/--as-group impersonation headers (client-go's clientcmd applies
// user credentials only to TLS transports: tools/clientcmd/client_config.go "only try to read the auth information
// if we are secure"). Tokens: `sha256~sim-kubeadmin` is `kube:admin` (what `oc login -u kubeadmin` gives), a scenario
// user's token (userToken) is that user, any other `sha256~` token is the `userName` of the OAuthAccessToken stored
// under its hash (oauth.ts, as openshift/oauth-apiserver authenticates it); every other token gets 401 Unauthorized on
// every request (oauth.ts cites kube-apiserver): a server never takes a token for a user name. Tokens listed in the
// ConfigMap `sim-system/expired-tokens` (`data.tokens`) get 401 Unauthorized too, as an expired OAuth token does. Impersonate-User / Impersonate-Group (k8s.io/apiserver
// pkg/endpoints/filters/impersonation.go) make the request act as that user (everyone may impersonate here).
// `whoami`: POST authentication.k8s.io/v1 selfsubjectreviews (kube-apiserver ≥ 1.28, what `oc whoami` asks first:
// openshift/oc pkg/cli/whoami/whoami.go) and GET user.openshift.io/v1 users/~ (openshift-apiserver, its fallback).
// Request log (option `requestLog`): one JSON line per request with the user and impersonation it carried.
import { appendFileSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { execFileSync } from 'node:child_process';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import http, { type IncomingMessage, type ServerResponse } from 'node:http';
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import { createHash, randomBytes, randomUUID } from 'node:crypto';
import YAML from 'yaml';
import { Store, StoreError, type ChangeEvent, type DeleteOptions, type KObject, type PropagationPolicy } from './store.ts';
import { applyDefaults, decodeCheck, decodeError, invalid, invalidError, notSupported, validateCreate, validateUpdate, type FieldError } from './validation.ts';
import { prune, validateCustomResource } from './structural.ts';
import { schemaFor } from './crds.ts';
import { coreSchemaFor } from './coretypes.ts';
import { openapiV2 } from './openapi-v2.ts';
import { ALL_RESOURCES, R, groupVersion, type ResourceType } from './resources.ts';
import type { WorldHooks } from './hooks.ts';
import { ApiError, badRequest, notFound, statusBody } from './status.ts';
import { SelectorError, selectorPredicate } from './selectors.ts';
import { PatchError, applyPatch } from './patch.ts';
import { toTable, wantsTable, type IncludeObject } from './table.ts';
import { ExecServer, rejectUpgrade, resolveContainer } from './exec-websocket.ts';
import { answerFault, type ApiChaos } from './faults.ts';
import { admitPodSecurity } from './podsecurity.ts';
import { oauthTokenUser } from './oauth.ts';
import { ALLOWED_REASON, authorize, forbiddenMessage, type ResourceAttributes, type SimUser } from './authorization.ts';

export interface ApiServerOptions {
  store: Store;
  hooks: WorldHooks;
  host?: string;
  port?: number;
  /** Kubernetes gitVersion reported by /version (default v1.27.6+b49f9d1, OpenShift 4.14 style). */
  gitVersion?: string;
  /** also listen on https (self-signed certificate for 127.0.0.1) */
  tls?: boolean;
  /** append one JSON line per request here: {time, method, url, user, groups, impersonateUser, impersonateGroups, tls} */
  requestLog?: string;
  /** fault injection (scenario key `chaos`, sim/world/chaos.ts) */
  chaos?: ApiChaos;
  /** the OpenShift minor release modelled (default 14): CRD schemas (crds.ts) and server-side field validation (1.25+) */
  release?: number;
  /** scenario key `users`: token users and what their roles do not grant (authorization.ts) */
  users?: SimUser[];
}

export interface ApiServer {
  url: string;
  /** https URL and the PEM of its certificate (its own CA), when started with tls */
  tls?: { url: string; caPem: string };
  close(): Promise<void>;
  /** The API server goes away for `seconds` (connections cut, then connection refused), then listens again. */
  outage(seconds: number): Promise<void>;
}

/** The token of a scenario user (key `users`), as `oc login -u <name>` would store one (sha256~…). */
export const userToken = (name: string) => `sha256~sim-user-${name}`;

/** The token `oc login -u kubeadmin` would hold, as the sim knows it. */
export const KUBEADMIN_TOKEN = 'sha256~sim-kubeadmin';

function selfSignedCert(host: string): { key: string; cert: string } {
  const dir = mkdtempSync(join(tmpdir(), 'sim-tls-'));
  try {
    execFileSync('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-days', '2', '-subj', `/CN=${host}`,
      '-addext', `subjectAltName=IP:${host}`, '-keyout', join(dir, 'key.pem'), '-out', join(dir, 'cert.pem')], { stdio: 'ignore' });
    return { key: readFileSync(join(dir, 'key.pem'), 'utf8'), cert: readFileSync(join(dir, 'cert.pem'), 'utf8') };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

interface Identity {
  user: string;
  groups: string[];
  /** what the request carried */
  token?: string;
  /** a bearer token no authenticator accepted: 401 Unauthorized (oauth.ts) */
  unauthenticated?: boolean;
  impersonateUser?: string;
  impersonateGroups?: string[];
  tls: boolean;
}

/** Types whose status is a subresource: main-resource writes keep the stored status. */
const HAS_STATUS = new Set(['namespaces', 'nodes', 'pods', 'machines', 'controlplanemachinesets', 'etcds', 'clusteroperators', 'clusterversions', 'infrastructures', 'imagestreams']);
const HISTORY = 5000;

interface Route {
  type: ResourceType;
  namespace?: string;
  name?: string;
  sub?: string;
}

function byGroup(): Map<string, ResourceType[]> {
  const m = new Map<string, ResourceType[]>();
  for (const t of ALL_RESOURCES) {
    const gv = groupVersion(t);
    m.set(gv, [...(m.get(gv) ?? []), t]);
  }
  return m;
}

function groups(): Map<string, string[]> {
  const m = new Map<string, string[]>();
  for (const t of ALL_RESOURCES) {
    if (!t.group) continue;
    const vs = m.get(t.group) ?? [];
    if (!vs.includes(t.version)) vs.push(t.version);
    m.set(t.group, vs);
  }
  // v1 before v1beta1 (preferred = first)
  for (const vs of m.values()) vs.sort((a, b) => (a === 'v1' ? -1 : b === 'v1' ? 1 : a.localeCompare(b)));
  return m;
}

function apiGroup(name: string, versions: string[]) {
  const vs = versions.map((v) => ({ groupVersion: `${name}/${v}`, version: v }));
  return { name, versions: vs, preferredVersion: vs[0] };
}

function resourceList(gv: string, types: ResourceType[]) {
  const resources: object[] = [];
  for (const t of types) {
    resources.push({
      name: t.resource,
      singularName: t.singular,
      namespaced: t.namespaced,
      kind: t.kind,
      verbs: t.verbs,
      ...(t.shortNames ? { shortNames: t.shortNames } : {}),
      ...(t.categories ? { categories: t.categories } : {}),
      storageVersionHash: createHash('sha256').update(gv + t.resource).digest('base64').slice(0, 11),
    });
    if (HAS_STATUS.has(t.resource)) {
      resources.push({ name: `${t.resource}/status`, singularName: '', namespaced: t.namespaced, kind: t.kind, verbs: ['get', 'patch', 'update'] });
    }
    if (t.resource === 'pods') {
      resources.push({ name: 'pods/exec', singularName: '', namespaced: true, kind: 'PodExecOptions', verbs: ['create', 'get'] });
      resources.push({ name: 'pods/log', singularName: '', namespaced: true, kind: 'Pod', verbs: ['get'] });
    }
  }
  return { kind: 'APIResourceList', apiVersion: 'v1', groupVersion: gv, resources };
}

/** OpenAPI v3 document of one group/version: paths with the GVK extension and the query params kubectl probes for. */
function openapiGV(gv: string, types: ResourceType[], gitVersion: string, kubeMinor: number) {
  // `fieldValidation` is a query parameter of create/update/patch from Kubernetes 1.23 (metav1 CreateOptions,
  // UpdateOptions, PatchOptions .FieldValidation, KEP-2885); kubectl >= 1.25 looks it up here (cli-runtime
  // QueryParamVerifierV3, falling back to /openapi/v2) and, where it is missing, validates on the client side
  // (kubectl pkg/validation/schema.go paramVerifyingSchema) instead of sending it
  const fv = kubeMinor >= 23 ? ['fieldValidation'] : [];
  const prefix = gv.includes('/') ? `/apis/${gv}` : `/api/${gv}`;
  const q = (name: string) => ({ name, in: 'query', description: name, schema: { type: 'string', uniqueItems: true } });
  const paths: Record<string, object> = {};
  for (const t of types) {
    const gvk = { group: t.group, version: t.version, kind: t.kind };
    const base = t.namespaced ? `${prefix}/namespaces/{namespace}/${t.resource}` : `${prefix}/${t.resource}`;
    const op = (action: string, params: string[]) => ({
      operationId: `${action}${t.kind}`,
      parameters: params.map(q),
      responses: { '200': { description: 'OK' } },
      'x-kubernetes-action': action,
      'x-kubernetes-group-version-kind': gvk,
    });
    paths[base] = {
      get: op('list', ['labelSelector', 'fieldSelector', 'watch', 'resourceVersion', 'timeoutSeconds', 'limit']),
      post: op('post', ['dryRun', 'fieldManager', ...fv]),
    };
    paths[`${base}/{name}`] = {
      get: op('get', []),
      put: op('put', ['dryRun', 'fieldManager', ...fv]),
      patch: op('patch', ['dryRun', 'fieldManager', ...fv, 'force']),
      delete: op('delete', ['dryRun', 'gracePeriodSeconds', 'propagationPolicy']),
    };
  }
  return { openapi: '3.0.0', info: { title: 'Kubernetes', version: gitVersion.split('+')[0] }, paths, components: { schemas: {} } };
}

/** JSON with sorted keys, for comparing objects. */
function stable(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map(stable).join(',')}]`;
  if (v && typeof v === 'object') {
    return `{${Object.keys(v)
      .filter((k) => (v as Record<string, unknown>)[k] !== undefined)
      .sort()
      .map((k) => `${JSON.stringify(k)}:${stable((v as Record<string, unknown>)[k])}`)
      .join(',')}}`;
  }
  return JSON.stringify(v) ?? 'null';
}

const nowTs = () => new Date().toISOString().replace(/\.\d+Z$/, 'Z');

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

function parseObject(body: string, contentType: string | undefined): KObject {
  if (!body.trim()) throw badRequest('the request body is empty');
  try {
    const v = /yaml/.test(contentType ?? '') ? YAML.parse(body) : JSON.parse(body);
    if (typeof v !== 'object' || v === null || Array.isArray(v)) throw new Error('not an object');
    v.metadata ??= {};
    return v as KObject;
  } catch (err) {
    throw badRequest(`the object provided is unrecognized: ${(err as Error).message}`);
  }
}

function fromStoreError(err: StoreError, type: ResourceType, name: string): ApiError {
  return new ApiError(err.code, err.reason, err.message, { name, group: type.group || undefined, kind: type.resource });
}

export async function startApiServer(opts: ApiServerOptions): Promise<ApiServer> {
  const { store, hooks } = opts;
  const host = opts.host ?? '127.0.0.1';
  const gitVersion = opts.gitVersion ?? 'v1.27.6+b49f9d1';
  const release = opts.release ?? 14;
  // the Kubernetes minor the built-in types' fields follow: that of /version (OpenShift 4.x ships 1.(x+13))
  const kubeMinor = Number(gitVersion.match(/^v1\.(\d+)/)?.[1] ?? release + 13);
  const execServer = new ExecServer(hooks, opts.chaos, kubeMinor);
  const gvs = byGroup();
  const grp = groups();
  const upgraded = new Set<import('node:stream').Duplex>();

  // Recent change events, so a watch that starts from a list's resourceVersion misses nothing.
  const history: ChangeEvent[] = [];
  let evicted = false;
  const onChange = (ev: ChangeEvent) => {
    history.push(ev);
    if (history.length > HISTORY) {
      history.splice(0, history.length - HISTORY);
      evicted = true;
    }
  };
  store.events.on('change', onChange);

  const openapiDocs = new Map<string, { body: string; hash: string }>();
  for (const [gv, types] of gvs) {
    const body = JSON.stringify(openapiGV(gv, types, gitVersion, kubeMinor));
    openapiDocs.set(gv.includes('/') ? `apis/${gv}` : `api/${gv}`, { body, hash: createHash('sha512').update(body).digest('hex').toUpperCase().slice(0, 128) });
  }

  const openapiV2Doc = openapiV2(gitVersion, kubeMinor, release);

  let serverAddress = '';
  const openWatches = new Set<() => void>();

  const send = (res: ServerResponse, code: number, body: unknown) => {
    const text = JSON.stringify(body);
    res.writeHead(code, { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(text), 'Cache-Control': 'no-cache, private' });
    res.end(text);
  };
  const sendError = (res: ServerResponse, err: unknown) => {
    let e: ApiError;
    if (err instanceof ApiError) e = err;
    else if (err instanceof StoreError) e = new ApiError(err.code, err.reason, err.message);
    else if (err instanceof SelectorError) e = badRequest(err.message);
    else if (err instanceof PatchError) e = new ApiError(err.code, err.code === 415 ? 'UnsupportedMediaType' : err.code === 400 ? 'BadRequest' : 'Invalid', err.message);
    else {
      process.stderr.write(`sim api: internal error: ${(err as Error)?.stack ?? String(err)}\n`);
      e = new ApiError(500, 'InternalError', `Internal error occurred: ${(err as Error)?.message ?? String(err)}`);
    }
    if (!res.headersSent) send(res, e.code, statusBody(e.code, e.reason, e.message, e.details));
    else res.end();
  };

  const identities = new WeakMap<IncomingMessage, Identity>();
  const listOf = (name: string, key: string) =>
    String(store.get(R.configmaps, 'sim-system', name)?.data?.[key] ?? '')
      .split(/[\s,]+/)
      .filter(Boolean);
  const groupsOf = (user: string) =>
    user === 'system:admin' ? ['system:masters', 'system:authenticated'] : user === 'kube:admin' ? ['system:cluster-admins', 'system:authenticated'] : ['system:authenticated'];
  /** Strips the `/sim-user/<name>` prefix from req.url and remembers who the request is from. */
  function identify(req: IncomingMessage): void {
    const tls = Boolean((req.socket as { encrypted?: boolean }).encrypted);
    const m = (req.url ?? '/').match(/^\/sim-user\/([^/?]+)(.*)$/);
    const auth = req.headers.authorization ?? '';
    const token = auth.match(/^Bearer\s+(.+)$/i)?.[1]?.trim();
    let user = 'system:admin';
    if (m) {
      user = decodeURIComponent(m[1]);
      req.url = m[2] || '/';
    } else if (token) {
      user =
        (token === KUBEADMIN_TOKEN ? 'kube:admin' : (opts.users ?? []).find((u) => userToken(u.name) === token)?.name) ??
        oauthTokenUser(token, (name) => store.get(R.oauthaccesstokens, undefined, name)) ??
        '';
    }
    const id: Identity = { user, groups: user ? groupsOf(user) : [], token, tls, ...(token && !user ? { unauthenticated: true } : {}) };
    const iu = req.headers['impersonate-user'];
    const ig = req.headers['impersonate-group'];
    const igs = (Array.isArray(ig) ? ig : ig ? String(ig).split(',') : []).map((g) => g.trim()).filter(Boolean);
    if (typeof iu === 'string' && iu && !id.unauthenticated) {
      id.impersonateUser = iu;
      id.impersonateGroups = igs;
      id.user = iu;
      id.groups = [...igs, 'system:authenticated'];
    }
    identities.set(req, id);
    if (opts.requestLog) {
      const entry = { time: new Date().toISOString(), method: req.method, url: req.url, user: id.user, groups: id.groups, impersonateUser: id.impersonateUser, impersonateGroups: id.impersonateGroups, tls };
      // a DELETE may ask for a dry run in its DeleteOptions body (kubectl delete --dry-run=server does): logged once
      // the body is read (logRequest), so the line says whether it was one
      if (req.method === 'DELETE') pendingLog.set(req, entry);
      else appendLog({ ...entry, ...(/[?&]dryRun=All(&|$)/.test(req.url ?? '') ? { dryRun: true } : {}) });
    }
  }
  const pendingLog = new WeakMap<IncomingMessage, object>();
  function appendLog(entry: object): void {
    try {
      appendFileSync(opts.requestLog!, JSON.stringify(entry) + '\n');
    } catch {
      /* the log is best effort */
    }
  }
  /** Writes a DELETE's log line (once), with whether it was a dry run. */
  function logRequest(req: IncomingMessage, dry: boolean): void {
    const entry = pendingLog.get(req);
    if (!entry) return;
    pendingLog.delete(req);
    appendLog({ ...entry, ...(dry ? { dryRun: true } : {}) });
  }
  const identityOf = (req: IncomingMessage): Identity => identities.get(req) ?? { user: 'system:admin', groups: groupsOf('system:admin'), tls: false };
  const userOf = (req: IncomingMessage) => identityOf(req).user;

  /** 401 as kube-apiserver answers an expired or unknown bearer token (the body kubectl prints as "(Unauthorized)"). */
  function checkAuthenticated(req: IncomingMessage): void {
    const t = identityOf(req).token;
    if (identityOf(req).unauthenticated || (t && listOf('expired-tokens', 'tokens').includes(t))) throw new ApiError(401, 'Unauthorized', 'Unauthorized');
  }

  /** Is `user` allowed `a`? Users in the ConfigMap sim-system/forbidden-users are allowed nothing; scenario users all but their `deny` rules. */
  function allowed(user: string, a: ResourceAttributes): boolean {
    const cm = store.get(R.configmaps, 'sim-system', 'forbidden-users');
    const forbidden = cm ? String(cm.data?.users ?? '').split(/[\s,]+/).filter(Boolean) : [];
    if (forbidden.includes(user)) return false;
    return authorize(opts.users ?? [], user, a);
  }

  function checkForbidden(req: IncomingMessage, verb: string, route: Route): void {
    const user = userOf(req);
    const t = route.type;
    const sub = route.sub && route.sub !== 'status' ? route.sub : undefined;
    const attrs: ResourceAttributes = { verb, group: t.group, resource: t.resource, ...(sub ? { subresource: sub } : {}), ...(route.namespace ? { namespace: route.namespace } : {}), ...(route.name ? { name: route.name } : {}) };
    if (allowed(user, attrs)) return;
    const res = sub ? `${t.resource}/${sub}` : t.resource;
    throw new ApiError(403, 'Forbidden', `${res}${t.group ? '.' + t.group : ''}${route.name ? ` "${route.name}"` : ''} is forbidden: ${forbiddenMessage(user, attrs)}`, {
      name: route.name,
      group: t.group || undefined,
      kind: t.resource,
    });
  }

  /** /api/v1/... or /apis/g/v/... -> Route; undefined when not a resource path. */
  function route(parts: string[]): Route | undefined {
    let gv: string;
    let rest: string[];
    if (parts[0] === 'api' && parts.length >= 3) {
      gv = parts[1];
      rest = parts.slice(2);
    } else if (parts[0] === 'apis' && parts.length >= 4) {
      gv = `${parts[1]}/${parts[2]}`;
      rest = parts.slice(3);
    } else return undefined;
    const types = gvs.get(gv);
    if (!types) return undefined;
    const find = (res: string) => types.find((t) => t.resource === res);
    if (rest[0] === 'namespaces' && rest.length >= 3) {
      const t = find(rest[2]);
      if (!t || !t.namespaced || rest.length > 5) return undefined;
      return { type: t, namespace: rest[1], name: rest[3], sub: rest[4] };
    }
    const t = find(rest[0]);
    if (!t || rest.length > 3) return undefined;
    return { type: t, name: rest[1], sub: rest[2] };
  }

  function checkNamespace(ns: string | undefined): void {
    if (ns && !store.get(R.namespaces, undefined, ns)) {
      throw new ApiError(404, 'NotFound', `namespaces "${ns}" not found`, { name: ns, kind: 'namespaces' });
    }
  }

  function list(r: Route, q: URLSearchParams): KObject[] {
    const pred = selectorPredicate(q.get('labelSelector'), q.get('fieldSelector'), r.type.kind);
    return store.list(r.type, r.type.namespaced ? r.namespace : undefined, pred);
  }

  function render(req: IncomingMessage, r: Route, q: URLSearchParams, objects: KObject[], single?: KObject): unknown {
    if (wantsTable(req.headers.accept)) {
      const inc = (q.get('includeObject') ?? 'Metadata') as IncludeObject;
      return toTable(r.type, single ? [single] : objects, store.resourceVersion, inc);
    }
    if (single) return single;
    return {
      kind: `${r.type.kind}List`,
      apiVersion: groupVersion(r.type),
      metadata: { resourceVersion: store.resourceVersion },
      items: objects,
    };
  }

  function watch(req: IncomingMessage, res: ServerResponse, r: Route, q: URLSearchParams): void {
    const pred = selectorPredicate(q.get('labelSelector'), q.get('fieldSelector'), r.type.kind);
    const table = wantsTable(req.headers.accept);
    const inc = (q.get('includeObject') ?? 'Metadata') as IncludeObject;
    const matches = (o: KObject) => (!r.type.namespaced || !r.namespace || o.metadata.namespace === r.namespace) && pred(o);
    res.writeHead(200, { 'Content-Type': 'application/json', 'Cache-Control': 'no-cache, private', 'Transfer-Encoding': 'chunked' });
    res.flushHeaders();
    let first = true;
    const write = (type: string, obj: KObject) => {
      const object = table ? toTable(r.type, [obj], obj.metadata.resourceVersion ?? store.resourceVersion, inc, first) : obj;
      first = false;
      res.write(JSON.stringify({ type, object }) + '\n');
    };
    const same = (e: ChangeEvent) => e.resource.resource === r.type.resource && e.resource.group === r.type.group;
    const rv = q.get('resourceVersion');
    if (!rv || rv === '0') {
      for (const o of store.list(r.type, r.type.namespaced ? r.namespace : undefined, matches)) write('ADDED', o);
    } else {
      const from = Number(rv);
      if (evicted && Number(history[0].object.metadata.resourceVersion) > from + 1) {
        // older than our memory: let the client relist
        const gone = statusBody(410, 'Expired', `too old resource version: ${rv} (${history[0].object.metadata.resourceVersion})`);
        res.write(JSON.stringify({ type: 'ERROR', object: gone }) + '\n');
        res.end();
        return;
      }
      for (const e of history) if (same(e) && Number(e.object.metadata.resourceVersion) > from && matches(e.object)) write(e.type, e.object);
    }
    const listener = (e: ChangeEvent) => {
      if (same(e) && matches(e.object)) write(e.type, e.object);
    };
    store.events.on('change', listener);
    let timer: NodeJS.Timeout | undefined;
    const stop = () => {
      store.events.off('change', listener);
      if (timer) clearTimeout(timer);
      openWatches.delete(stop);
      if (!res.writableEnded) res.end();
    };
    openWatches.add(stop);
    const timeout = Number(q.get('timeoutSeconds') ?? 0);
    if (timeout > 0) timer = setTimeout(stop, timeout * 1000);
    req.on('close', stop);
    res.on('close', stop);
  }

  function dryRun(q: URLSearchParams): boolean {
    return q.getAll('dryRun').some((v) => v === 'All');
  }

  /**
   * metav1.DeleteOptions of a DELETE: kubectl sends them as the body (`{"kind":"DeleteOptions",...,
   * "propagationPolicy":"Background"}` for --cascade=background, Foreground / Orphan likewise); other clients may use
   * the query parameters of the same names. Validation as apimachinery pkg/apis/meta/v1/validation
   * ValidateDeleteOptions (422 `DeleteOptions.meta.k8s.io "" is invalid: ...`).
   */
  function deleteOptions(body: string, q: URLSearchParams): DeleteOptions & { dryRun: boolean } {
    let o: Record<string, any> = {};
    if (body.trim()) {
      try {
        const parsed = JSON.parse(body);
        if (parsed && typeof parsed === 'object' && !Array.isArray(parsed)) o = parsed;
      } catch {
        throw badRequest('the body of the request could not be decoded as DeleteOptions');
      }
    }
    const policy = o.propagationPolicy ?? q.get('propagationPolicy') ?? undefined;
    const orphanQ = q.get('orphanDependents');
    const orphanDependents: boolean | undefined = typeof o.orphanDependents === 'boolean' ? o.orphanDependents : orphanQ !== null ? orphanQ === 'true' : undefined;
    const errs: FieldError[] = [];
    if (orphanDependents !== undefined && policy !== undefined) errs.push(invalid('propagationPolicy', policy, 'orphanDependents and deletionPropagation cannot be both set'));
    if (policy !== undefined && !['Foreground', 'Background', 'Orphan'].includes(policy)) errs.push(notSupported('propagationPolicy', String(policy), ['Foreground', 'Background', 'Orphan', 'nil']));
    if (errs.length) throw invalidError({ kind: 'DeleteOptions', group: 'meta.k8s.io' }, '', errs);
    const dry = (Array.isArray(o.dryRun) && o.dryRun.includes('All')) || dryRun(q);
    const pre = o.preconditions && typeof o.preconditions === 'object' ? o.preconditions : undefined;
    return {
      dryRun: dry,
      ...(policy ? { propagationPolicy: policy as PropagationPolicy } : {}),
      ...(orphanDependents !== undefined ? { orphanDependents } : {}),
      ...(pre ? { preconditions: { uid: pre.uid, resourceVersion: pre.resourceVersion } } : {}),
    };
  }

  /** Secrets: stringData is write-only and lands base64-encoded in data (as the real API server does). */
  function normalize(t: ResourceType, obj: KObject): KObject {
    if (t.resource === 'secrets' && obj.stringData && typeof obj.stringData === 'object') {
      obj.data = { ...(obj.data ?? {}) };
      for (const [k, v] of Object.entries(obj.stringData)) obj.data[k] = Buffer.from(String(v)).toString('base64');
      delete obj.stringData;
    }
    return obj;
  }

  function keepStatus(r: Route, current: KObject, next: KObject): KObject {
    if (r.sub === 'status') {
      return { ...current, status: next.status, metadata: { ...current.metadata, resourceVersion: next.metadata.resourceVersion } };
    }
    if (HAS_STATUS.has(r.type.resource)) {
      const out = { ...next };
      if (current.status === undefined) delete out.status;
      else out.status = current.status;
      return out;
    }
    return next;
  }

  /**
   * What kube-apiserver does to a body between decoding and storage, in its order: decoding checks (400), defaults,
   * for custom resources pruning by the CRD's structural schema with field validation (structural.ts), then the
   * type's validation (validation.ts) and the CRD schema's (422 with every error). `old` for an update. Status
   * writes (the status subresource) skip the main resource's validation here.
   */
  function admit(t: ResourceType, obj: KObject, old: KObject | undefined, q: URLSearchParams, res: ServerResponse, sub?: string): void {
    decodeCheck(t, obj);
    applyDefaults(t, obj);
    if (!t.namespaced) delete obj.metadata.namespace; // rest.BeforeCreate clears it on cluster-scoped types
    const schema = t.crd ? schemaFor(t.resource, t.group, release) : undefined;
    // custom resources: pruning by the CRD's structural schema; built-in types: decoding into the release's Go struct
    // drops what it does not know (coretypes.ts). Both report the dropped paths as unknown fields.
    const decoding = schema ?? coreSchemaFor(t, kubeMinor);
    if (decoding) {
      const unknown = prune(obj, decoding);
      if (unknown.length) {
        // ServerSideFieldValidation (beta, on by default from Kubernetes 1.25 = OpenShift 4.12): Strict refuses, Warn
        // (the default when the client sends nothing) warns, Ignore drops silently; older servers drop silently
        // (1.23/1.24: the gate is alpha and off, handlers' fieldValidation() answers Ignore; before 1.23 no parameter)
        const supported = kubeMinor >= 25;
        const mode = supported ? (q.get('fieldValidation') ?? 'Warn') : 'Ignore';
        const texts = unknown.map((p) => `unknown field ${JSON.stringify(p)}`);
        if (mode === 'Strict') throw decodeError(t, `strict decoding error: ${texts.join(', ')}`);
        if (mode === 'Warn') res.setHeader('Warning', texts.map((w) => `299 - ${JSON.stringify(w)}`));
      }
    }
    if (sub === 'status') return;
    const errs = old ? validateUpdate(t, obj, old) : validateCreate(t, obj);
    if (schema) errs.push(...validateCustomResource(obj, schema));
    if (errs.length) throw invalidError(t, obj.metadata.name ?? '', errs);
  }

  function write(r: Route, q: URLSearchParams, current: KObject, next: KObject, res: ServerResponse, put = false): KObject {
    next.metadata ??= { name: current.metadata.name };
    if (next.metadata.name !== current.metadata.name) {
      throw new ApiError(400, 'BadRequest', `the name of the object (${next.metadata.name}) does not match the name on the URL (${current.metadata.name})`);
    }
    if (r.type.namespaced) next.metadata.namespace = current.metadata.namespace;
    const obj = normalize(r.type, keepStatus(r, current, next));
    // custom resources allow no unconditional update (apiextensions-apiserver pkg/registry/customresource/strategy.go
    // AllowUnconditionalUpdate false; generic registry store.go Update: "must be specified for an update", the
    // resource's name where the kind goes)
    if (put && r.type.crd && !next.metadata.resourceVersion) {
      throw invalidError({ kind: r.type.resource, group: r.type.group }, current.metadata.name, [invalid('metadata.resourceVersion', { go: '0x0' }, 'must be specified for an update')]);
    }
    if (obj.metadata.resourceVersion && obj.metadata.resourceVersion !== current.metadata.resourceVersion) {
      throw new ApiError(
        409,
        'Conflict',
        `Operation cannot be fulfilled on ${r.type.resource}${r.type.group ? '.' + r.type.group : ''} "${current.metadata.name}": the object has been modified; please apply your changes to the latest version and try again`,
        { name: current.metadata.name, group: r.type.group || undefined, kind: r.type.resource },
      );
    }
    admit(r.type, obj, current, q, res, r.sub);
    if (dryRun(q)) return { ...obj, metadata: { ...obj.metadata, resourceVersion: current.metadata.resourceVersion } };
    // A write that changes nothing is a no-op (no new resourceVersion, no watch event), as in the real API server.
    if (stable({ ...obj, metadata: { ...obj.metadata, resourceVersion: current.metadata.resourceVersion } }) === stable(current)) return current;
    try {
      return store.update(r.type, obj);
    } catch (err) {
      if (err instanceof StoreError) throw fromStoreError(err, r.type, current.metadata.name);
      throw err;
    }
  }

  async function handleResource(req: IncomingMessage, res: ServerResponse, r: Route, q: URLSearchParams): Promise<void> {
    const method = req.method ?? 'GET';
    const t = r.type;
    const ns = t.namespaced ? r.namespace : undefined;
    const isWatch = q.get('watch') === '1' || q.get('watch') === 'true';
    const verb =
      method === 'GET'
        ? r.name
          ? 'get'
          : isWatch
            ? 'watch'
            : 'list'
        : method === 'POST'
          ? 'create'
          : method === 'PUT'
            ? 'update'
            : method === 'PATCH'
              ? 'patch'
              : method === 'DELETE'
                ? r.name
                  ? 'delete'
                  : 'deletecollection'
                : method.toLowerCase();
    checkForbidden(req, verb, r);
    if (r.sub && !(r.sub === 'status' || (t.resource === 'pods' && (r.sub === 'log' || r.sub === 'exec')))) {
      throw new ApiError(404, 'NotFound', 'the server could not find the requested resource');
    }
    const current = () => {
      const o = store.get(t, ns, r.name!);
      if (!o) throw notFound(t, r.name!);
      return o;
    };

    if (!r.name) {
      // collection
      if (method === 'GET') {
        if (isWatch) return watch(req, res, r, q);
        return send(res, 200, render(req, r, q, list(r, q)));
      }
      if (method === 'POST') {
        if (t.namespaced && !ns) throw new ApiError(404, 'NotFound', 'the server could not find the requested resource');
        const obj = parseObject(await readBody(req), req.headers['content-type']);
        if (t.namespaced) {
          if (obj.metadata.namespace && obj.metadata.namespace !== ns) {
            throw badRequest('the namespace of the provided object does not match the namespace sent on the request');
          }
          obj.metadata.namespace = ns;
          checkNamespace(ns);
        }
        if (!obj.metadata.name && typeof obj.metadata.generateName === 'string') {
          const chars = 'bcdfghjklmnpqrstvwxz2456789';
          obj.metadata.name = obj.metadata.generateName + Array.from(randomBytes(5), (b) => chars[b % chars.length]).join('');
        }
        if (!obj.metadata.name) {
          throw new ApiError(422, 'Invalid', `${t.kind} "" is invalid: metadata.name: Required value: name or generateName is required`, { kind: t.kind, group: t.group || undefined });
        }
        const expectedGV = groupVersion(t);
        if ((obj.apiVersion && obj.apiVersion !== expectedGV) || (obj.kind && obj.kind !== t.kind)) {
          throw badRequest(`the API version in the data (${obj.apiVersion}) does not match the expected API version (${expectedGV})`);
        }
        delete obj.metadata.resourceVersion;
        normalize(t, obj);
        admit(t, obj, undefined, q, res);
        if (t.resource === 'pods' && !obj.status) obj.status = { phase: 'Pending', qosClass: 'BestEffort' };
        // admission (dry runs too): Pod Security as the namespace's labels decide (podsecurity.ts)
        if (t.resource === 'pods') admitPodSecurity(obj, store.get(R.namespaces, undefined, ns!));
        if (dryRun(q)) {
          if (store.get(t, ns, obj.metadata.name)) {
            throw new ApiError(409, 'AlreadyExists', `${t.resource}${t.group ? '.' + t.group : ''} "${obj.metadata.name}" already exists`, { name: obj.metadata.name, group: t.group || undefined, kind: t.resource });
          }
          return send(res, 201, { ...obj, apiVersion: expectedGV, kind: t.kind, metadata: { ...obj.metadata, uid: randomUUID(), creationTimestamp: nowTs(), generation: 1 } });
        }
        try {
          return send(res, 201, store.create(t, obj));
        } catch (err) {
          if (err instanceof StoreError) throw fromStoreError(err, t, obj.metadata.name);
          throw err;
        }
      }
      if (method === 'DELETE') {
        const dopts = deleteOptions(await readBody(req), q);
        logRequest(req, dopts.dryRun);
        if (dopts.dryRun) q.set('dryRun', 'All');
        const items = list(r, q);
        const out: KObject[] = [];
        for (const o of items) {
          if (dryRun(q)) out.push(o);
          else {
            try {
              out.push(store.delete(t, o.metadata.namespace, o.metadata.name, dopts));
            } catch (err) {
              if (!(err instanceof StoreError)) throw err;
            }
          }
        }
        return send(res, 200, { kind: `${t.kind}List`, apiVersion: groupVersion(t), metadata: { resourceVersion: store.resourceVersion }, items: out });
      }
      throw new ApiError(405, 'MethodNotAllowed', `the server does not allow this method on the requested resource`);
    }

    // one object
    if (r.sub === 'log') {
      if (method !== 'GET') throw new ApiError(405, 'MethodNotAllowed', 'the server does not allow this method on the requested resource');
      const pod = current();
      const container = resolveContainer(pod, q.get('container'), 'log');
      let text = hooks.logs(pod, container);
      const tail = q.get('tailLines');
      if (tail !== null && /^\d+$/.test(tail)) {
        const lines = text.split('\n');
        if (lines[lines.length - 1] === '') lines.pop();
        const n = Number(tail);
        text = n === 0 ? '' : lines.slice(-n).join('\n') + (lines.length ? '\n' : '');
      }
      const limit = q.get('limitBytes');
      if (limit && /^\d+$/.test(limit)) text = Buffer.from(text).subarray(0, Number(limit)).toString('utf8');
      res.writeHead(200, { 'Content-Type': 'text/plain', 'Content-Length': Buffer.byteLength(text) });
      res.end(text);
      return;
    }
    if (r.sub === 'exec') throw badRequest('Upgrade request required');

    if (method === 'GET') {
      const o = current();
      return send(res, 200, render(req, r, q, [], o));
    }
    if (method === 'PUT') {
      const cur = current();
      const next = parseObject(await readBody(req), req.headers['content-type']);
      return send(res, 200, write(r, q, cur, next, res, true));
    }
    if (method === 'PATCH') {
      const body = await readBody(req);
      const cur = current();
      const ct = req.headers['content-type'] ?? '';
      if (ct.startsWith('application/apply-patch')) {
        throw new ApiError(415, 'UnsupportedMediaType', 'server-side apply is not supported by this simulated API server; use client-side apply');
      }
      const patched = applyPatch(ct, cur, body, !t.crd);
      if (typeof patched !== 'object' || patched === null || Array.isArray(patched)) throw new ApiError(422, 'Invalid', 'patch result is not an object');
      patched.metadata ??= {};
      if (patched.metadata.resourceVersion === undefined) patched.metadata.resourceVersion = cur.metadata.resourceVersion;
      return send(res, 200, write(r, q, cur, patched, res));
    }
    if (method === 'DELETE') {
      const o = current();
      const dopts = deleteOptions(await readBody(req), q);
      logRequest(req, dopts.dryRun);
      if (dopts.dryRun) return send(res, 200, o);
      try {
        const out = store.delete(t, ns, r.name, dopts);
        if (out.metadata.deletionTimestamp && store.get(t, ns, r.name)) return send(res, 200, out);
        return send(res, 200, {
          kind: 'Status',
          apiVersion: 'v1',
          metadata: {},
          status: 'Success',
          details: { name: r.name, group: t.group || undefined, kind: t.resource, uid: o.metadata.uid },
        });
      } catch (err) {
        if (err instanceof StoreError) throw fromStoreError(err, t, r.name);
        throw err;
      }
    }
    if (method === 'POST') {
      throw new ApiError(405, 'MethodNotAllowed', 'the server does not allow this method on the requested resource');
    }
    throw new ApiError(405, 'MethodNotAllowed', 'the server does not allow this method on the requested resource');
  }

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://sim');
    const path = url.pathname.replace(/\/+$/, '') || '/';
    const parts = path.split('/').filter(Boolean);
    const q = url.searchParams;
    checkAuthenticated(req);

    if (path === '/apis/authentication.k8s.io/v1/selfsubjectreviews' && req.method === 'POST') {
      const id = identityOf(req);
      return send(res, 201, {
        kind: 'SelfSubjectReview',
        apiVersion: 'authentication.k8s.io/v1',
        metadata: { creationTimestamp: null },
        status: { userInfo: { username: id.user, groups: id.groups, ...(id.user.startsWith('system:') ? {} : { uid: createHash('sha1').update(id.user).digest('hex').slice(0, 36) }) } },
      });
    }
    if (path === '/apis/user.openshift.io/v1/users/~' && req.method === 'GET') {
      const id = identityOf(req);
      return send(res, 200, { kind: 'User', apiVersion: 'user.openshift.io/v1', metadata: { name: id.user, creationTimestamp: null }, groups: id.groups.filter((g) => g !== 'system:authenticated') });
    }

    if (path === '/version') {
      const m = gitVersion.match(/^v(\d+)\.(\d+)/);
      return send(res, 200, {
        major: m?.[1] ?? '1',
        minor: m?.[2] ?? '27',
        gitVersion,
        gitCommit: 'b49f9d1a6d8e6c6b5a5c2c1f3f5d0e1f2a3b4c5d',
        gitTreeState: 'clean',
        buildDate: '2023-10-10T12:00:00Z',
        goVersion: 'go1.20.10 X:strictfipsruntime',
        compiler: 'gc',
        platform: 'linux/amd64',
      });
    }
    if (path === '/healthz' || path === '/readyz' || path === '/livez') {
      res.writeHead(200, { 'Content-Type': 'text/plain' });
      return void res.end('ok');
    }
    if (path === '/api') {
      return send(res, 200, { kind: 'APIVersions', versions: ['v1'], serverAddressByClientCIDRs: [{ clientCIDR: '0.0.0.0/0', serverAddress }] });
    }
    if (path === '/apis') {
      const list = [...grp].map(([g, vs]) => apiGroup(g, vs));
      list.push(apiGroup('authorization.k8s.io', ['v1']));
      list.push(apiGroup('authentication.k8s.io', ['v1']));
      return send(res, 200, { kind: 'APIGroupList', apiVersion: 'v1', groups: list });
    }
    if (parts[0] === 'apis' && parts.length === 2) {
      const vs = grp.get(parts[1]);
      if (vs) return send(res, 200, { kind: 'APIGroup', apiVersion: 'v1', ...apiGroup(parts[1], vs) });
    }
    if ((parts[0] === 'api' && parts.length === 2) || (parts[0] === 'apis' && parts.length === 3)) {
      const gv = parts.slice(1).join('/');
      const types = gvs.get(gv);
      if (types) return send(res, 200, resourceList(gv, types));
    }
    if (path === '/openapi/v2' || path === '/swagger-2.0.0.pb-v1') {
      // the gnostic protobuf Document (openapi-v2.ts): definitions of the kinds clients write where kubectl validates
      // on the client side (Kubernetes < 1.23), none elsewhere (kubectl then builds strategic merge patches from
      // its compiled-in types)
      const pb = openapiV2Doc;
      res.writeHead(200, { 'Content-Type': 'application/com.github.proto-openapi.spec.v2.v1.0+protobuf', 'Content-Length': pb.length });
      return void res.end(pb);
    }
    if (path === '/openapi/v3') {
      const paths: Record<string, object> = {};
      for (const [p, d] of openapiDocs) paths[p] = { serverRelativeURL: `/openapi/v3/${p}?hash=${d.hash}` };
      return send(res, 200, { paths });
    }
    if (parts[0] === 'openapi' && parts[1] === 'v3') {
      const doc = openapiDocs.get(parts.slice(2).join('/'));
      if (doc) {
        res.writeHead(200, { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(doc.body), 'Cache-Control': 'public, immutable', Etag: `"${doc.hash}"` });
        return void res.end(doc.body);
      }
    }
    if (path === '/apis/authorization.k8s.io/v1/selfsubjectaccessreviews' && req.method === 'POST') {
      // `kubectl auth can-i`: the same rules as the requests themselves (authorization.ts)
      const review = parseObject(await readBody(req), req.headers['content-type']);
      const ra = review?.spec?.resourceAttributes ?? {};
      const attrs: ResourceAttributes = {
        verb: String(ra.verb ?? ''),
        group: String(ra.group ?? ''),
        resource: String(ra.resource ?? ''),
        ...(ra.subresource ? { subresource: String(ra.subresource) } : {}),
        ...(ra.namespace ? { namespace: String(ra.namespace) } : {}),
        ...(ra.name ? { name: String(ra.name) } : {}),
      };
      const ok = allowed(userOf(req), attrs);
      return send(res, 201, {
        ...review,
        apiVersion: 'authorization.k8s.io/v1',
        kind: 'SelfSubjectAccessReview',
        metadata: { ...(review.metadata ?? {}), creationTimestamp: null },
        status: ok ? { allowed: true, reason: ALLOWED_REASON } : { allowed: false },
      });
    }
    if (path === '/apis/authentication.k8s.io') {
      return send(res, 200, { kind: 'APIGroup', apiVersion: 'v1', ...apiGroup('authentication.k8s.io', ['v1']) });
    }
    if (path === '/apis/authentication.k8s.io/v1') {
      return send(res, 200, {
        kind: 'APIResourceList',
        apiVersion: 'v1',
        groupVersion: 'authentication.k8s.io/v1',
        resources: [{ name: 'selfsubjectreviews', singularName: 'selfsubjectreview', namespaced: false, kind: 'SelfSubjectReview', verbs: ['create'] }],
      });
    }
    if (path === '/apis/authorization.k8s.io') {
      return send(res, 200, { kind: 'APIGroup', apiVersion: 'v1', ...apiGroup('authorization.k8s.io', ['v1']) });
    }
    if (path === '/apis/authorization.k8s.io/v1') {
      return send(res, 200, {
        kind: 'APIResourceList',
        apiVersion: 'v1',
        groupVersion: 'authorization.k8s.io/v1',
        resources: [{ name: 'selfsubjectaccessreviews', singularName: 'selfsubjectaccessreview', namespaced: false, kind: 'SelfSubjectAccessReview', verbs: ['create'] }],
      });
    }
    const r = route(parts);
    if (r) {
      const chaos = opts.chaos;
      const isWatch = q.get('watch') === '1' || q.get('watch') === 'true';
      if (chaos && !isWatch) {
        const info = { method: req.method ?? 'GET', path: url.pathname + url.search, verb: verbOf(req.method ?? 'GET', r), user: userOf(req) };
        res.once('finish', () => chaos.onAnswered({ ...info, code: res.statusCode }));
        const fault = chaos.onRequest(info);
        if (fault) return answerFault(req, res, fault);
      }
      return handleResource(req, res, r, q);
    }
    throw new ApiError(404, 'NotFound', 'the server could not find the requested resource');
  }

  function verbOf(method: string, r: Route): string {
    if (method === 'GET') return r.name ? 'get' : 'list';
    return { POST: 'create', PUT: 'update', PATCH: 'patch', DELETE: r.name ? 'delete' : 'deletecollection' }[method] ?? method.toLowerCase();
  }

  const onRequest = (req: IncomingMessage, res: ServerResponse) => {
    identify(req);
    // a DELETE that failed before its body was read is logged all the same
    res.once('close', () => logRequest(req, /[?&]dryRun=All(&|$)/.test(req.url ?? '')));
    handle(req, res).catch((err) => sendError(res, err));
  };
  const server = http.createServer(onRequest);
  server.keepAliveTimeout = 65_000;
  const pem = opts.tls ? selfSignedCert(host) : undefined;
  const tlsServer = pem ? https.createServer({ key: pem.key, cert: pem.cert }, onRequest) : undefined;
  if (tlsServer) tlsServer.keepAliveTimeout = 65_000;

  const onUpgrade = (req: IncomingMessage, socket: import('node:stream').Duplex, head: Buffer) => {
    socket.on('error', () => undefined);
    upgraded.add(socket);
    socket.once('close', () => upgraded.delete(socket));
    identify(req);
    try {
      checkAuthenticated(req);
      const url = new URL(req.url ?? '/', 'http://sim');
      const parts = url.pathname.split('/').filter(Boolean);
      const r = route(parts);
      if (!r || r.type.resource !== 'pods' || !r.name || (r.sub !== 'exec' && r.sub !== 'attach')) {
        throw new ApiError(404, 'NotFound', 'the server could not find the requested resource');
      }
      checkForbidden(req, 'create', r);
      if (r.sub === 'attach') throw badRequest('attach is not supported by the simulated API server');
      const pod = store.get(R.pods, r.namespace, r.name);
      if (!pod) throw notFound(R.pods, r.name);
      const q = url.searchParams;
      const container = resolveContainer(pod, q.get('container'), 'exec');
      const phase = pod.status?.phase;
      if (phase === 'Succeeded' || phase === 'Failed') {
        throw badRequest(`cannot exec into a container in a completed pod; current phase is ${phase}`);
      }
      const command = q.getAll('command');
      if (command.length === 0) throw badRequest('you must specify at least one command for the container');
      const flag = (n: string) => q.get(n) === 'true' || q.get(n) === '1';
      execServer.handle(req, socket, head, { pod, container, command, stdin: flag('stdin'), tty: flag('tty') });
    } catch (err) {
      const e = err instanceof ApiError ? err : new ApiError(500, 'InternalError', (err as Error).message);
      rejectUpgrade(socket, e);
    }
  };
  server.on('upgrade', onUpgrade);
  tlsServer?.on('upgrade', onUpgrade);

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port ?? 0, host, () => resolve());
  });
  const addr = server.address() as AddressInfo;
  let down: Promise<void> | null = null;
  let closed = false;
  const hostPart = addr.family === 'IPv6' ? `[${addr.address}]` : addr.address;
  serverAddress = `${hostPart}:${addr.port}`;
  let tls: ApiServer['tls'];
  if (tlsServer && pem) {
    await new Promise<void>((resolve, reject) => {
      tlsServer.once('error', reject);
      tlsServer.listen(0, host, () => resolve());
    });
    tls = { url: `https://${hostPart}:${(tlsServer.address() as AddressInfo).port}`, caPem: pem.cert };
  }
  return {
    url: `http://${serverAddress}`,
    tls,
    // A kube-apiserver restart (or a client's VPN dropping): open connections are cut, new ones are refused.
    outage(seconds: number): Promise<void> {
      down ??= (async () => {
        const listeners = [server, tlsServer].filter((s): s is http.Server => !!s);
        const ports = listeners.map((s) => (s.address() as AddressInfo).port);
        for (const stop of [...openWatches]) stop();
        for (const s of [...upgraded]) s.destroy();
        await Promise.all(
          listeners.map(
            (s) =>
              new Promise<void>((resolve) => {
                s.close(() => resolve());
                s.closeAllConnections();
              }),
          ),
        );
        await new Promise((r) => setTimeout(r, seconds * 1000));
        if (closed) return;
        await Promise.all(
          listeners.map(
            (s, i) =>
              new Promise<void>((resolve, reject) => {
                s.once('error', reject);
                s.listen(ports[i], host, () => {
                  s.off('error', reject);
                  resolve();
                });
              }),
          ),
        );
      })().finally(() => {
        down = null;
      });
      return down;
    },
    close: async () => {
      closed = true;
      await down?.catch(() => undefined);
      store.events.off('change', onChange);
      for (const stop of [...openWatches]) stop();
      execServer.close();
      for (const s of [server, tlsServer]) {
        if (!s) continue;
        s.closeAllConnections();
        await new Promise<void>((resolve) => s.close(() => resolve()));
      }
    },
  };
}
