// kube-controller-manager's garbage collector, as the simulated controllers need it: a dependent (an object with
// ownerReferences) whose owners are all gone is deleted, an owner deleted with propagationPolicy Foreground waits for
// its blocking dependents, one deleted with Orphan first frees its dependents.
//
// Follows kubernetes/kubernetes pkg/controller/garbagecollector/garbagecollector.go (release-1.27, unchanged in the
// parts used here from release-1.19 to release-1.31, the Kubernetes of OpenShift 4.6 to 4.18):
// - attemptToDeleteItem: an object being deleted is left alone unless it carries the foregroundDeletion finalizer;
//   its owner references are classified (classifyReferences / isDangling) into
//   solid (the owner exists with the referenced uid), dangling (absent, or present with another uid) and
//   waitingForDependentsDeletion (the owner exists and is being deleted with the foregroundDeletion finalizer).
//   * some solid owner: the dangling and waiting references are removed from the object (a patch), it stays;
//   * no solid owner, some waiting owner, and the object has dependents of its own: deleted with Foreground;
//   * otherwise: deleted with the policy its own finalizers ask (orphan -> Orphan, foregroundDeletion -> Foreground,
//     else Background), with a UID precondition (deleteObject).
//   An owner reference whose kind the API server does not serve cannot be resolved (gc.apiResource fails): the
//   object is not touched (the real controller retries it forever). Same for a cluster-scoped dependent that names
//   a namespaced owner (graph_builder.go, 1.20+: reported as OwnerRefInvalidNamespace, never collected).
// - processDeletingDependentsItem: an owner with the foregroundDeletion finalizer loses that finalizer once no
//   dependent with `blockOwnerDeletion: true` in its reference to that owner is left (being deleted still counts);
//   its dependents are collected meanwhile (graph_builder.go processTransitions queues them for attemptToDeleteItem).
// - orphanDependents / attemptToOrphanWorker: an owner with the orphan finalizer has its reference removed from every
//   dependent, then loses the orphan finalizer.
// The real controller reacts to watch events of a graph of every object; this one reacts to the store's change
// events and sweeps everything (the simulated cluster holds a few hundred objects), which reaches the same states.
import { FINALIZER_FOREGROUND, FINALIZER_ORPHAN, StoreError, type KObject, type PropagationPolicy, type Store } from '../kube-apiserver/store.ts';
import { ALL_RESOURCES, type ResourceType } from '../kube-apiserver/resources.ts';


interface OwnerRef {
  apiVersion?: string;
  kind?: string;
  name?: string;
  uid?: string;
  controller?: boolean;
  blockOwnerDeletion?: boolean;
}

interface Item {
  type: ResourceType;
  obj: KObject;
}

const refsOf = (o: KObject): OwnerRef[] => (Array.isArray(o.metadata.ownerReferences) ? (o.metadata.ownerReferences as OwnerRef[]) : []);
const deleting = (o: KObject) => Boolean(o.metadata.deletionTimestamp);
const has = (o: KObject, f: string) => (o.metadata.finalizers ?? []).includes(f);

export class GarbageCollector {
  private scheduled: NodeJS.Timeout | undefined;
  private timer: NodeJS.Timeout | undefined;
  private running = false;
  private readonly onChange = () => this.schedule();

  constructor(
    private readonly store: Store,
    private readonly log: (message: string) => void = () => undefined,
    private readonly resources: ResourceType[] = ALL_RESOURCES,
    /** a sweep also runs this often without any change (a dependent created after its owner was gone) */
    private readonly resyncMs = 2000,
  ) {}

  start(): void {
    this.store.events.on('change', this.onChange);
    this.timer = setInterval(() => this.schedule(), this.resyncMs);
    this.schedule();
  }

  stop(): void {
    this.store.events.off('change', this.onChange);
    if (this.timer) clearInterval(this.timer);
    if (this.scheduled) clearTimeout(this.scheduled);
    this.scheduled = undefined;
  }

  private schedule(): void {
    if (this.scheduled) return;
    // a short delay gathers the burst of events of one request (and keeps GC asynchronous, as the real one is)
    this.scheduled = setTimeout(() => {
      this.scheduled = undefined;
      if (this.running) return this.schedule();
      this.running = true;
      try {
        this.sweep();
      } catch (err) {
        this.log(`garbage-collector: ${(err as Error).stack ?? err}`);
      } finally {
        this.running = false;
      }
    }, 20);
  }

  /** The type the API server serves for an owner reference's apiVersion and kind (gc.apiResource / the RESTMapper). */
  private typeOf(ref: OwnerRef): ResourceType | undefined {
    const [group, version] = (ref.apiVersion ?? '').includes('/') ? (ref.apiVersion as string).split('/') : ['', ref.apiVersion ?? ''];
    return this.resources.find((t) => t.group === group && t.version === version && t.kind === ref.kind);
  }

  /** One pass over every object; returns how many changes it made. */
  sweep(): number {
    const items: Item[] = [];
    for (const type of this.resources) for (const obj of this.store.list(type)) items.push({ type, obj });
    const dependents = new Map<string, Item[]>();
    for (const it of items) {
      for (const ref of refsOf(it.obj)) {
        if (!ref.uid) continue;
        const list = dependents.get(ref.uid) ?? [];
        list.push(it);
        dependents.set(ref.uid, list);
      }
    }
    const depsOf = (o: KObject) => dependents.get(o.metadata.uid ?? '') ?? [];
    let changes = 0;

    // owners deleted with Orphan: free the dependents, then drop the finalizer (garbagecollector.go orphanDependents)
    for (const owner of items.filter((i) => deleting(i.obj) && has(i.obj, FINALIZER_ORPHAN))) {
      for (const dep of depsOf(owner.obj)) {
        this.store.mutate(dep.type, dep.obj.metadata.namespace, dep.obj.metadata.name, (o) => {
          if (o.metadata.uid !== dep.obj.metadata.uid) return false;
          const kept = refsOf(o).filter((r) => r.uid !== owner.obj.metadata.uid);
          if (kept.length === refsOf(o).length) return false;
          if (kept.length) o.metadata.ownerReferences = kept;
          else delete o.metadata.ownerReferences;
        });
        changes++;
      }
      this.removeFinalizer(owner, FINALIZER_ORPHAN);
      this.log(`garbage-collector: orphaned the dependents of ${this.describe(owner)}`);
      changes++;
    }

    // owners deleted with Foreground (processDeletingDependentsItem)
    for (const owner of items.filter((i) => deleting(i.obj) && has(i.obj, FINALIZER_FOREGROUND) && !has(i.obj, FINALIZER_ORPHAN))) {
      const blocking = depsOf(owner.obj).filter((d) => refsOf(d.obj).some((r) => r.uid === owner.obj.metadata.uid && r.blockOwnerDeletion === true));
      if (blocking.length === 0) {
        this.removeFinalizer(owner, FINALIZER_FOREGROUND);
        this.log(`garbage-collector: ${this.describe(owner)} has no blocking dependents left`);
        changes++;
      }
    }

    // every dependent (attemptToDeleteItem)
    const byKey = new Map<string, Item>();
    for (const it of items) byKey.set(this.key(it.type, it.obj.metadata.namespace, it.obj.metadata.name), it);
    for (const it of items) {
      const refs = refsOf(it.obj);
      if (refs.length === 0) continue;
      // being deleted is a one-way trip (an owner deleting its dependents in the foreground is handled above)
      if (deleting(it.obj)) continue;
      const solid: OwnerRef[] = [];
      const dangling: OwnerRef[] = [];
      const waiting: OwnerRef[] = [];
      let unresolvable = false;
      for (const ref of refs) {
        const t = this.typeOf(ref);
        if (!t || (t.namespaced && !it.type.namespaced)) {
          unresolvable = true;
          break;
        }
        const owner = byKey.get(this.key(t, t.namespaced ? it.obj.metadata.namespace : undefined, ref.name ?? ''));
        if (!owner || owner.obj.metadata.uid !== ref.uid) dangling.push(ref);
        else if (deleting(owner.obj) && has(owner.obj, FINALIZER_FOREGROUND)) waiting.push(ref);
        else solid.push(ref);
      }
      if (unresolvable) continue;
      if (solid.length) {
        if (!dangling.length && !waiting.length) continue;
        const drop = new Set([...dangling, ...waiting].map((r) => r.uid));
        this.store.mutate(it.type, it.obj.metadata.namespace, it.obj.metadata.name, (o) => {
          if (o.metadata.uid !== it.obj.metadata.uid) return false;
          o.metadata.ownerReferences = refsOf(o).filter((r) => !drop.has(r.uid));
        });
        this.log(`garbage-collector: removed owner references ${[...drop].join(', ')} from ${this.describe(it)} (it has other owners)`);
        changes++;
        continue;
      }
      const policy: PropagationPolicy = waiting.length && depsOf(it.obj).length ? 'Foreground' : has(it.obj, FINALIZER_ORPHAN) ? 'Orphan' : has(it.obj, FINALIZER_FOREGROUND) ? 'Foreground' : 'Background';
      try {
        this.store.delete(it.type, it.obj.metadata.namespace, it.obj.metadata.name, { propagationPolicy: policy, preconditions: { uid: it.obj.metadata.uid } });
        this.log(`garbage-collector: deleted ${this.describe(it)} (${policy}): its owners are ${waiting.length ? 'being deleted in the foreground' : 'gone'}`);
        changes++;
      } catch (err) {
        if (!(err instanceof StoreError)) throw err; // gone or recreated meanwhile
      }
    }
    return changes;
  }

  private removeFinalizer(it: Item, finalizer: string): void {
    this.store.mutate(it.type, it.obj.metadata.namespace, it.obj.metadata.name, (o) => {
      if (o.metadata.uid !== it.obj.metadata.uid || !has(o, finalizer)) return false;
      o.metadata.finalizers = (o.metadata.finalizers ?? []).filter((f) => f !== finalizer);
    });
  }

  private key(t: ResourceType, ns: string | undefined, name: string): string {
    return `${t.group}/${t.resource}/${t.namespaced ? ns ?? '' : ''}/${name}`;
  }

  private describe(it: Item): string {
    const t = it.type;
    return `${t.resource}${t.group ? '.' + t.group : ''} ${it.obj.metadata.namespace ? it.obj.metadata.namespace + '/' : ''}${it.obj.metadata.name}`;
  }
}
