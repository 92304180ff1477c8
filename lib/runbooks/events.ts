// Kubernetes Events about the run, on the Etcd CR `cluster`, so that `oc get events -n openshift-etcd` tells other
// administrators what happened. Shape as client-go's event recorder writes core/v1 Events
// (tools/record/event.go: name `<object>.<hex nanoseconds>`, involvedObject, source.component, first/lastTimestamp,
// count 1). The involved object is cluster-scoped, so the event's namespace is free (core validation only requires a
// match for namespaced objects); openshift-etcd is where administrators look. Best effort: a failed post never stops
// the run.
import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import type { Kube } from '../cluster/kubectl.ts';

export const EVENT_NS = 'openshift-etcd';

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
  constructor(
    private readonly kube: Kube,
    private readonly holder: string,
  ) {}

  post(e: RunEvent): void {
    const obj = eventObject(e, this.holder);
    this.chain = this.chain.then(async () => {
      await this.kube.run(['create', '-f', '-'], { input: JSON.stringify(obj), allowFailure: true }).catch(() => undefined);
    });
  }

  flush(): Promise<void> {
    return this.chain;
  }
}
