// Kubernetes Events about the run, on the Etcd CR `cluster`, so that other administrators can see what happened:
// `kubectl get events -A --field-selector involvedObject.name=cluster` (or `-n default`). Shape as client-go's event
// recorder writes core/v1 Events (kubernetes/client-go tools/record/event.go: name `<object>.<hex nanoseconds>`,
// involvedObject, source.component, first/lastTimestamp, count 1, no eventTime).
//
// Namespace: the involved object is cluster-scoped, so kube-apiserver accepts such an Event only in `default` (or
// with no namespace): kubernetes/kubernetes pkg/apis/core/validation/events.go `legacyValidateEvent` refuses any
// other namespace with `involvedObject.namespace: Invalid value: "": does not match event.namespace`. client-go's
// recorder does the same (tools/record/event.go `makeEvent`: an empty ref.Namespace becomes metav1.NamespaceDefault).
//
// Best effort: a failed post never stops the run. Each post's result is checked once (no retry: `create` is not
// idempotent); a failure is one line at debug level (ETCD_REPLACE_DEBUG / -v), and a Forbidden answer (a user who
// may not create Events) stops posting for the rest of the run.
import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import { PluginError } from '../errors.ts';
import { firstErrorLine, type Kube } from '../cluster/kubectl.ts';

/** Where a real API server accepts an Event about a cluster-scoped object (see above). */
export const EVENT_NS = 'default';

export interface RunEvent {
  reason: string; // CamelCase, e.g. StepDone
  message: string;
  type?: 'Normal' | 'Warning';
}

export function eventObject(e: RunEvent, holder: string, now = new Date()) {
  const ts = now.toISOString().replace(/\.\d+Z$/, 'Z');
  const nanos = (BigInt(now.getTime()) * 1000000n + BigInt(randomBytes(2).readUInt16BE(0))).toString(16);
  return {
    apiVersion: 'v1',
    kind: 'Event',
    metadata: { name: `cluster.${nanos}`, namespace: EVENT_NS, labels: { 'app.kubernetes.io/managed-by': 'etcd-replace' } },
    involvedObject: { apiVersion: 'operator.openshift.io/v1', kind: 'Etcd', name: 'cluster' },
    reason: e.reason,
    message: e.message.slice(0, 1024),
    type: e.type ?? 'Normal',
    source: { component: 'etcd-replace', host: hostname() },
    reportingComponent: 'etcd-replace',
    reportingInstance: holder.slice(0, 128),
    firstTimestamp: ts,
    lastTimestamp: ts,
    count: 1,
  };
}

/** Posts events in order, in the background; flush() waits for those sent so far. */
export class EventPoster {
  private chain: Promise<void> = Promise.resolve();
  /** set once the API server answered Forbidden: no further posts */
  private forbidden = false;
  /** results of the posts so far (for tests and the debug line) */
  readonly results: { reason: string; posted: boolean; error?: string }[] = [];

  constructor(
    private readonly kube: Kube,
    private readonly holder: string,
    /** one line at debug level; default: stderr when the adapter shows calls (ETCD_REPLACE_DEBUG, -v N) */
    private readonly debug: (line: string) => void = (l) => {
      if (kube.showCalls) process.stderr.write(`debug: ${l}\n`);
    },
  ) {}

  post(e: RunEvent): void {
    const obj = eventObject(e, this.holder);
    this.chain = this.chain.then(async () => {
      if (this.forbidden) return;
      let error: string | undefined;
      try {
        const r = await this.kube.run(['create', '-f', '-'], { input: JSON.stringify(obj), allowFailure: true });
        if (r.exitCode !== 0) error = firstErrorLine(r.stderr) || `exit code ${r.exitCode}`;
      } catch (err) {
        // the adapter turns Forbidden (and an unreachable API server) into a PluginError even with allowFailure
        error = err instanceof Error ? err.message : String(err);
        if (err instanceof PluginError && /^you are not allowed to /.test(err.message)) {
          this.forbidden = true;
          this.results.push({ reason: e.reason, posted: false, error });
          this.debug(`events: posting Event ${e.reason} in namespace ${EVENT_NS} is forbidden (${error}); this run posts no more Events`);
          return;
        }
      }
      this.results.push({ reason: e.reason, posted: error === undefined, ...(error ? { error } : {}) });
      if (error) this.debug(`events: Event ${e.reason} not posted: ${error}`);
    });
  }

  flush(): Promise<void> {
    return this.chain;
  }
}
