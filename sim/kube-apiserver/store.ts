// In-memory object store of the simulated API server: one resourceVersion counter,
// uid/creationTimestamp on create, finalizer-aware delete, and change events that
// the simulated controllers and watch requests (server.ts) subscribe to.
//
// Delete follows the generic registry of kube-apiserver (kubernetes/kubernetes
// staging/src/k8s.io/apiserver/pkg/registry/generic/registry/store.go `Delete`,
// `deletionFinalizersForGarbageCollection`, `shouldOrphanDependents`, `shouldDeleteDependents`,
// `updateForGracefulDeletionAndFinalizers`, `markAsDeleting`; and pkg/registry/rest/delete.go `BeforeDelete` for the
// preconditions), unchanged in these parts from release-1.19 to release-1.31:
// - the propagation policy (or the deprecated orphanDependents) of the request sets the `orphan` or
//   `foregroundDeletion` finalizer (removing the other); without one, the object's own finalizer decides; the default
//   (every type served here) is background deletion, which adds neither;
// - an object left with finalizers gets deletionTimestamp (once; kept by later requests) and
//   deletionGracePeriodSeconds 0 and stays until its finalizers are removed; otherwise it goes at once;
// - an update can never set, change or remove a deletionTimestamp (rest.BeforeUpdate).
import { EventEmitter } from 'node:events';
import { randomUUID } from 'node:crypto';
import { ResourceType } from './resources.ts';

export interface ObjectMeta {
  name: string;
  namespace?: string;
  uid?: string;
  resourceVersion?: string;
  generation?: number;
  creationTimestamp?: string;
  deletionTimestamp?: string;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
  finalizers?: string[];
  ownerReferences?: unknown[];
  [key: string]: unknown;
}

export interface KObject {
  apiVersion: string;
  kind: string;
  metadata: ObjectMeta;
  spec?: any;
  status?: any;
  [key: string]: any;
}

/** metav1.DeletePropagation */
export type PropagationPolicy = 'Orphan' | 'Background' | 'Foreground';
export const FINALIZER_ORPHAN = 'orphan'; // metav1.FinalizerOrphanDependents
export const FINALIZER_FOREGROUND = 'foregroundDeletion'; // metav1.FinalizerDeleteDependents

/** The parts of metav1.DeleteOptions the store acts on. */
export interface DeleteOptions {
  propagationPolicy?: PropagationPolicy;
  /** deprecated; when set it wins over propagationPolicy */
  orphanDependents?: boolean;
  preconditions?: { uid?: string; resourceVersion?: string };
}

/** The finalizers an object has after a delete request (store.go deletionFinalizersForGarbageCollection). */
export function deletionFinalizers(current: string[], o: DeleteOptions): string[] {
  const orphan = (() => {
    if (o.orphanDependents !== undefined) return o.orphanDependents;
    if (o.propagationPolicy) return o.propagationPolicy === 'Orphan';
    for (const f of current) {
      if (f === FINALIZER_ORPHAN) return true;
      if (f === FINALIZER_FOREGROUND) return false;
    }
    return false;
  })();
  const foreground = (() => {
    if (o.orphanDependents !== undefined) return false;
    if (o.propagationPolicy) return o.propagationPolicy === 'Foreground';
    return current.includes(FINALIZER_FOREGROUND);
  })();
  const out = current.filter((f) => f !== FINALIZER_ORPHAN && f !== FINALIZER_FOREGROUND);
  if (orphan) out.push(FINALIZER_ORPHAN);
  if (foreground) out.push(FINALIZER_FOREGROUND);
  return out;
}

export type WatchEventType = 'ADDED' | 'MODIFIED' | 'DELETED';
export interface ChangeEvent {
  type: WatchEventType;
  resource: ResourceType;
  object: KObject;
}

/** Thrown by the store; the API server turns it into a metav1.Status. */
export class StoreError extends Error {
  constructor(
    readonly code: 404 | 409 | 422,
    readonly reason: 'NotFound' | 'AlreadyExists' | 'Conflict' | 'Invalid',
    message: string,
  ) {
    super(message);
  }
}

const clone = <T>(value: T): T => structuredClone(value);
const key = (ns: string | undefined, name: string) => `${ns ?? ''}/${name}`;

export class Store {
  private readonly tables = new Map<string, Map<string, KObject>>();
  private revision = 1;
  readonly events = new EventEmitter();

  constructor() {
    this.events.setMaxListeners(1000);
  }

  get resourceVersion(): string {
    return String(this.revision);
  }

  private table(type: ResourceType): Map<string, KObject> {
    let table = this.tables.get(type.resource + '.' + type.group);
    if (!table) {
      table = new Map();
      this.tables.set(type.resource + '.' + type.group, table);
    }
    return table;
  }

  private emit(type: WatchEventType, resource: ResourceType, object: KObject): void {
    this.events.emit('change', { type, resource, object: clone(object) } satisfies ChangeEvent);
  }

  get(type: ResourceType, namespace: string | undefined, name: string): KObject | undefined {
    const found = this.table(type).get(key(type.namespaced ? namespace : undefined, name));
    return found && clone(found);
  }

  /** Objects of a type, optionally in one namespace, filtered by a predicate. Sorted by namespace/name. */
  list(type: ResourceType, namespace?: string, filter?: (obj: KObject) => boolean): KObject[] {
    const out: KObject[] = [];
    for (const obj of this.table(type).values()) {
      if (type.namespaced && namespace && obj.metadata.namespace !== namespace) continue;
      if (filter && !filter(obj)) continue;
      out.push(clone(obj));
    }
    return out.sort((a, b) => key(a.metadata.namespace, a.metadata.name).localeCompare(key(b.metadata.namespace, b.metadata.name)));
  }

  create(type: ResourceType, input: KObject): KObject {
    const obj = clone(input);
    const ns = type.namespaced ? obj.metadata.namespace : undefined;
    if (!obj.metadata?.name) throw new StoreError(422, 'Invalid', `${type.kind} is invalid: metadata.name: Required value: name is required`);
    const table = this.table(type);
    const k = key(ns, obj.metadata.name);
    if (table.has(k)) {
      throw new StoreError(409, 'AlreadyExists', `${type.resource}${type.group ? '.' + type.group : ''} "${obj.metadata.name}" already exists`);
    }
    obj.apiVersion = type.group ? `${type.group}/${type.version}` : type.version;
    obj.kind = type.kind;
    if (!type.namespaced) delete obj.metadata.namespace;
    obj.metadata.uid = randomUUID();
    obj.metadata.creationTimestamp = new Date().toISOString().replace(/\.\d+Z$/, 'Z');
    obj.metadata.generation = 1;
    delete obj.metadata.deletionTimestamp;
    obj.metadata.resourceVersion = String(++this.revision);
    table.set(k, obj);
    this.emit('ADDED', type, obj);
    return clone(obj);
  }

  /**
   * Replace an object. When `input.metadata.resourceVersion` is set it must match (optimistic
   * concurrency, 409 Conflict otherwise). generation rises when spec changes.
   */
  update(type: ResourceType, input: KObject): KObject {
    const ns = type.namespaced ? input.metadata.namespace : undefined;
    const table = this.table(type);
    const k = key(ns, input.metadata.name);
    const current = table.get(k);
    if (!current) throw new StoreError(404, 'NotFound', `${type.resource}${type.group ? '.' + type.group : ''} "${input.metadata.name}" not found`);
    if (input.metadata.resourceVersion && input.metadata.resourceVersion !== current.metadata.resourceVersion) {
      throw new StoreError(
        409,
        'Conflict',
        `Operation cannot be fulfilled on ${type.resource}${type.group ? '.' + type.group : ''} "${input.metadata.name}": the object has been modified; please apply your changes to the latest version and try again`,
      );
    }
    const obj = clone(input);
    obj.apiVersion = current.apiVersion;
    obj.kind = current.kind;
    obj.metadata.uid = current.metadata.uid;
    obj.metadata.creationTimestamp = current.metadata.creationTimestamp;
    // rest.BeforeUpdate: an update can never set, change or remove a deletion timestamp (nor its grace period)
    if (current.metadata.deletionTimestamp) obj.metadata.deletionTimestamp = current.metadata.deletionTimestamp;
    else delete obj.metadata.deletionTimestamp;
    if (current.metadata.deletionGracePeriodSeconds !== undefined) obj.metadata.deletionGracePeriodSeconds = current.metadata.deletionGracePeriodSeconds;
    else delete obj.metadata.deletionGracePeriodSeconds;
    obj.metadata.generation =
      (current.metadata.generation ?? 1) + (JSON.stringify(obj.spec) !== JSON.stringify(current.spec) ? 1 : 0);
    if (!type.namespaced) delete obj.metadata.namespace;
    obj.metadata.resourceVersion = String(++this.revision);
    // An object being deleted goes away once its last finalizer is removed.
    if (obj.metadata.deletionTimestamp && !(obj.metadata.finalizers?.length)) {
      table.delete(k);
      this.emit('DELETED', type, obj);
      return clone(obj);
    }
    table.set(k, obj);
    this.emit('MODIFIED', type, obj);
    return clone(obj);
  }

  /** Read-modify-write with retry on conflict; `fn` may mutate the object in place. Returns undefined if absent. */
  mutate(type: ResourceType, namespace: string | undefined, name: string, fn: (obj: KObject) => void | false): KObject | undefined {
    for (;;) {
      const obj = this.get(type, namespace, name);
      if (!obj) return undefined;
      if (fn(obj) === false) return obj;
      try {
        return this.update(type, obj);
      } catch (err) {
        if (err instanceof StoreError && err.code === 409) continue;
        throw err;
      }
    }
  }

  /**
   * Delete (see the head of this file): with finalizers left after the request's propagation policy the object gets a
   * deletionTimestamp and stays until they are removed; otherwise it goes at once. Returns the object as it was (or
   * with its deletionTimestamp). A precondition that does not hold is a 409 Conflict (rest.BeforeDelete's message).
   */
  delete(type: ResourceType, namespace: string | undefined, name: string, opts: DeleteOptions = {}): KObject {
    const ns = type.namespaced ? namespace : undefined;
    const table = this.table(type);
    const k = key(ns, name);
    const current = table.get(k);
    if (!current) throw new StoreError(404, 'NotFound', `${type.resource}${type.group ? '.' + type.group : ''} "${name}" not found`);
    // BeforeDelete names the group and *kind* in this Conflict (schema.GroupResource{Group: gvk.Group, Resource: gvk.Kind})
    const what = `${type.kind}${type.group ? '.' + type.group : ''}`;
    const pre = opts.preconditions;
    if (pre?.uid && pre.uid !== current.metadata.uid) {
      throw new StoreError(409, 'Conflict', `Operation cannot be fulfilled on ${what} "${name}": the UID in the precondition (${pre.uid}) does not match the UID in record (${current.metadata.uid}). The object might have been deleted and then recreated`);
    }
    if (pre?.resourceVersion && pre.resourceVersion !== current.metadata.resourceVersion) {
      throw new StoreError(409, 'Conflict', `Operation cannot be fulfilled on ${what} "${name}": the ResourceVersion in the precondition (${pre.resourceVersion}) does not match the ResourceVersion in record (${current.metadata.resourceVersion}). The object might have been modified`);
    }
    const before = current.metadata.finalizers ?? [];
    const finalizers = deletionFinalizers(before, opts);
    if (finalizers.length) {
      const changed = JSON.stringify([...finalizers].sort()) !== JSON.stringify([...before].sort());
      if (changed) current.metadata.finalizers = finalizers;
      if (!current.metadata.deletionTimestamp || changed) {
        current.metadata.deletionTimestamp ??= new Date().toISOString().replace(/\.\d+Z$/, 'Z');
        current.metadata.deletionGracePeriodSeconds ??= 0;
        current.metadata.resourceVersion = String(++this.revision);
        this.emit('MODIFIED', type, current);
      }
      return clone(current);
    }
    table.delete(k);
    current.metadata.resourceVersion = String(++this.revision);
    this.emit('DELETED', type, current);
    return clone(current);
  }
}
