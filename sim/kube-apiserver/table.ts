// Server-side printing (meta.k8s.io/v1 Table) for `kubectl get`, mirroring kubectl's / the API
// server's printers for the types the plugin looks at. Columns with priority 1 appear with -o wide.
import type { KObject } from './store.ts';
import type { ResourceType } from './resources.ts';

export interface Column {
  name: string;
  type: string;
  format?: string;
  description?: string;
  priority?: number;
}

/** k8s.io/apimachinery/pkg/util/duration.HumanDuration */
export function humanDuration(ms: number): string {
  const seconds = Math.floor(ms / 1000);
  if (seconds < -1) return '<invalid>';
  if (seconds < 0) return '0s';
  if (seconds < 120) return `${seconds}s`;
  const minutes = Math.floor(seconds / 60);
  if (minutes < 10) {
    const s = seconds % 60;
    return s === 0 ? `${minutes}m` : `${minutes}m${s}s`;
  }
  if (minutes < 180) return `${minutes}m`;
  const hours = Math.floor(seconds / 3600);
  if (hours < 8) {
    const m = minutes % 60;
    return m === 0 ? `${hours}h` : `${hours}h${m}m`;
  }
  if (hours < 48) return `${hours}h`;
  if (hours < 24 * 8) {
    const h = hours % 24;
    return h === 0 ? `${Math.floor(hours / 24)}d` : `${Math.floor(hours / 24)}d${h}h`;
  }
  if (hours < 24 * 365 * 2) return `${Math.floor(hours / 24)}d`;
  if (hours < 24 * 365 * 8) {
    const dy = Math.floor(hours / 24) % 365;
    return dy === 0 ? `${Math.floor(hours / 24 / 365)}y` : `${Math.floor(hours / 24 / 365)}y${dy}d`;
  }
  return `${Math.floor(hours / 24 / 365)}y`;
}

function since(ts: string | undefined): string {
  if (!ts) return '<unknown>';
  const t = Date.parse(ts);
  if (Number.isNaN(t)) return '<unknown>';
  return humanDuration(Date.now() - t);
}

const col = (name: string, type = 'string', priority = 0, format?: string): Column => ({
  name,
  type,
  format: format ?? (name === 'Name' ? 'name' : ''),
  description: name,
  priority,
});

const cond = (o: KObject, type: string) => (o.status?.conditions ?? []).find((c: any) => c?.type === type);

// ---- pods (k8s.io/kubernetes/pkg/printers/internalversion printPod) ----

export function podStatus(pod: KObject): { reason: string; ready: number; total: number; restarts: string } {
  const spec = pod.spec ?? {};
  const status = pod.status ?? {};
  let restarts = 0;
  let lastRestart = 0;
  const total = (spec.containers ?? []).length;
  let ready = 0;
  let reason: string = status.phase ?? 'Pending';
  if (status.reason) reason = status.reason;

  const noteRestart = (cs: any) => {
    restarts += cs.restartCount ?? 0;
    const fin = cs.lastState?.terminated?.finishedAt;
    if (fin) lastRestart = Math.max(lastRestart, Date.parse(fin));
  };

  let initializing = false;
  const inits: any[] = status.initContainerStatuses ?? [];
  for (let i = 0; i < inits.length; i++) {
    const cs = inits[i];
    noteRestart(cs);
    if (cs.state?.terminated && cs.state.terminated.exitCode === 0) continue;
    if (cs.state?.terminated) {
      reason = cs.state.terminated.reason
        ? 'Init:' + cs.state.terminated.reason
        : cs.state.terminated.signal
          ? `Init:Signal:${cs.state.terminated.signal}`
          : `Init:ExitCode:${cs.state.terminated.exitCode}`;
    } else if (cs.state?.waiting?.reason && cs.state.waiting.reason !== 'PodInitializing') {
      reason = 'Init:' + cs.state.waiting.reason;
    } else {
      reason = `Init:${i}/${(spec.initContainers ?? []).length}`;
    }
    initializing = true;
    break;
  }

  if (!initializing) {
    restarts = 0;
    lastRestart = 0;
    let hasRunning = false;
    const css: any[] = status.containerStatuses ?? [];
    for (let i = css.length - 1; i >= 0; i--) {
      const cs = css[i];
      noteRestart(cs);
      if (cs.state?.waiting?.reason) reason = cs.state.waiting.reason;
      else if (cs.state?.terminated?.reason) reason = cs.state.terminated.reason;
      else if (cs.state?.terminated) {
        reason = cs.state.terminated.signal ? `Signal:${cs.state.terminated.signal}` : `ExitCode:${cs.state.terminated.exitCode}`;
      } else if (cs.ready && cs.state?.running) {
        hasRunning = true;
        ready++;
      }
    }
    if (reason === 'Completed' && hasRunning) {
      reason = cond(pod, 'Ready')?.status === 'True' ? 'Running' : 'NotReady';
    }
  }
  if (pod.metadata.deletionTimestamp && status.reason === 'NodeLost') reason = 'Unknown';
  else if (pod.metadata.deletionTimestamp) reason = 'Terminating';

  let r = String(restarts);
  if (lastRestart > 0 && restarts > 0) r = `${restarts} (${humanDuration(Date.now() - lastRestart)} ago)`;
  return { reason, ready, total, restarts: r };
}

const none = (v: unknown) => (v === undefined || v === null || v === '' ? '<none>' : String(v));
const blank = (v: unknown) => (v === undefined || v === null ? '' : String(v));

interface Printer {
  columns: Column[];
  row(o: KObject): unknown[];
}

const AGE = col('Age', 'string', 0, '');

const PRINTERS: Record<string, Printer> = {
  pods: {
    columns: [
      col('Name'),
      col('Ready'),
      col('Status'),
      col('Restarts', 'string'),
      AGE,
      col('IP', 'string', 1),
      col('Node', 'string', 1),
      col('Nominated Node', 'string', 1),
      col('Readiness Gates', 'string', 1),
    ],
    row(o) {
      const s = podStatus(o);
      const gates: any[] = o.spec?.readinessGates ?? [];
      const gatesText = gates.length
        ? `${gates.filter((g) => cond(o, g.conditionType)?.status === 'True').length}/${gates.length}`
        : '<none>';
      return [
        o.metadata.name,
        `${s.ready}/${s.total}`,
        s.reason,
        s.restarts,
        since(o.metadata.creationTimestamp),
        none(o.status?.podIP),
        none(o.spec?.nodeName),
        none(o.status?.nominatedNodeName),
        gatesText,
      ];
    },
  },
  nodes: {
    columns: [
      col('Name'),
      col('Status'),
      col('Roles'),
      AGE,
      col('Version'),
      col('Internal-IP', 'string', 1),
      col('External-IP', 'string', 1),
      col('OS-Image', 'string', 1),
      col('Kernel-Version', 'string', 1),
      col('Container-Runtime', 'string', 1),
    ],
    row(o) {
      const ready = cond(o, 'Ready');
      let status = !ready ? 'Unknown' : ready.status === 'True' ? 'Ready' : 'NotReady';
      if (o.spec?.unschedulable) status += ',SchedulingDisabled';
      const roles = Object.keys(o.metadata.labels ?? {})
        .filter((k) => k.startsWith('node-role.kubernetes.io/'))
        .map((k) => k.slice('node-role.kubernetes.io/'.length))
        .filter((r) => r !== '')
        .sort();
      const addr = (t: string) => (o.status?.addresses ?? []).find((a: any) => a.type === t)?.address;
      const info = o.status?.nodeInfo ?? {};
      return [
        o.metadata.name,
        status,
        roles.length ? roles.join(',') : '<none>',
        since(o.metadata.creationTimestamp),
        blank(info.kubeletVersion),
        none(addr('InternalIP')),
        none(addr('ExternalIP')),
        blank(info.osImage) || '<unknown>',
        blank(info.kernelVersion) || '<unknown>',
        blank(info.containerRuntimeVersion) || '<unknown>',
      ];
    },
  },
  namespaces: {
    columns: [col('Name'), col('Status'), AGE],
    row: (o) => [o.metadata.name, o.status?.phase ?? 'Active', since(o.metadata.creationTimestamp)],
  },
  secrets: {
    columns: [col('Name'), col('Type'), col('Data', 'string'), AGE],
    row: (o) => [
      o.metadata.name,
      o.type ?? 'Opaque',
      Object.keys(o.data ?? {}).length + Object.keys(o.stringData ?? {}).length,
      since(o.metadata.creationTimestamp),
    ],
  },
  configmaps: {
    columns: [col('Name'), col('Data', 'string'), AGE],
    row: (o) => [o.metadata.name, Object.keys(o.data ?? {}).length + Object.keys(o.binaryData ?? {}).length, since(o.metadata.creationTimestamp)],
  },
  events: {
    columns: [col('Last Seen'), col('Type'), col('Reason'), col('Object'), col('Message')],
    row: (o) => [
      since(o.lastTimestamp ?? o.eventTime ?? o.metadata.creationTimestamp),
      blank(o.type),
      blank(o.reason),
      `${String(o.involvedObject?.kind ?? '').toLowerCase()}/${o.involvedObject?.name ?? ''}`,
      blank(o.message).trim(),
    ],
  },
  machines: {
    columns: [
      col('Name'),
      col('Phase'),
      col('Type'),
      col('Region'),
      col('Zone'),
      AGE,
      col('Node', 'string', 1),
      col('ProviderID', 'string', 1),
      col('State', 'string', 1),
    ],
    row: (o) => [
      o.metadata.name,
      blank(o.status?.phase),
      blank(o.metadata.labels?.['machine.openshift.io/instance-type']),
      blank(o.metadata.labels?.['machine.openshift.io/region']),
      blank(o.metadata.labels?.['machine.openshift.io/zone']),
      since(o.metadata.creationTimestamp),
      blank(o.status?.nodeRef?.name),
      blank(o.spec?.providerID),
      blank(o.metadata.annotations?.['machine.openshift.io/instance-state']),
    ],
  },
  controlplanemachinesets: {
    columns: [
      col('Name'),
      col('Desired', 'integer'),
      col('Current', 'integer'),
      col('Ready', 'integer'),
      col('Updated', 'integer'),
      col('Unavailable', 'integer'),
      col('State'),
      AGE,
    ],
    row: (o) => [
      o.metadata.name,
      o.spec?.replicas ?? null,
      o.status?.replicas ?? null,
      o.status?.readyReplicas ?? null,
      o.status?.updatedReplicas ?? null,
      o.status?.unavailableReplicas ?? null,
      blank(o.spec?.state),
      since(o.metadata.creationTimestamp),
    ],
  },
  // additionalPrinterColumns of the CRD (github:metal3-io/baremetal-operator
  // config/base/crds/bases/metal3.io_baremetalhosts.yaml): Status and BMC are wide-only (priority 1)
  baremetalhosts: {
    columns: [col('Name'), col('Status', 'string', 1), col('State'), col('Consumer'), col('BMC', 'string', 1), col('Online'), col('Error'), col('Age', 'date')],
    row: (o) => [
      o.metadata.name,
      blank(o.status?.operationalStatus),
      blank(o.status?.provisioning?.state),
      blank(o.spec?.consumerRef?.name),
      blank(o.spec?.bmc?.address),
      o.spec?.online === undefined ? '' : String(o.spec.online),
      blank(o.status?.errorType),
      since(o.metadata.creationTimestamp),
    ],
  },
  clusteroperators: {
    columns: [col('Name'), col('Version'), col('Available'), col('Progressing'), col('Degraded'), col('Since', 'date'), col('Message')],
    row: (o) => [
      o.metadata.name,
      blank((o.status?.versions ?? []).find((v: any) => v.name === 'operator')?.version),
      blank(cond(o, 'Available')?.status),
      blank(cond(o, 'Progressing')?.status),
      blank(cond(o, 'Degraded')?.status),
      cond(o, 'Available')?.lastTransitionTime ? since(cond(o, 'Available').lastTransitionTime) : '',
      blank(cond(o, 'Progressing')?.message),
    ],
  },
  clusterversions: {
    columns: [col('Name'), col('Version'), col('Available'), col('Progressing'), col('Since', 'date'), col('Status')],
    row: (o) => [
      o.metadata.name,
      blank(o.status?.desired?.version),
      blank(cond(o, 'Available')?.status),
      blank(cond(o, 'Progressing')?.status),
      cond(o, 'Progressing')?.lastTransitionTime ? since(cond(o, 'Progressing').lastTransitionTime) : '',
      blank(cond(o, 'Progressing')?.message),
    ],
  },
};

const DEFAULT: Printer = { columns: [col('Name'), AGE], row: (o) => [o.metadata.name, since(o.metadata.creationTimestamp)] };

export type IncludeObject = 'None' | 'Object' | 'Metadata';

function rowObject(o: KObject, include: IncludeObject): unknown {
  if (include === 'None') return undefined;
  if (include === 'Object') return o;
  return { kind: 'PartialObjectMetadata', apiVersion: 'meta.k8s.io/v1', metadata: o.metadata };
}

/** A meta.k8s.io/v1 Table of the objects. `withColumns` false for watch events after the first. */
export function toTable(type: ResourceType, objects: KObject[], resourceVersion: string, include: IncludeObject, withColumns = true): object {
  const p = PRINTERS[type.resource] ?? DEFAULT;
  return {
    kind: 'Table',
    apiVersion: 'meta.k8s.io/v1',
    metadata: { resourceVersion },
    ...(withColumns ? { columnDefinitions: p.columns } : { columnDefinitions: null }),
    rows: objects.map((o) => {
      const obj = rowObject(o, include);
      return obj === undefined ? { cells: p.row(o) } : { cells: p.row(o), object: obj };
    }),
  };
}

/** Whether an Accept header asks for a Table. */
export function wantsTable(accept: string | undefined): boolean {
  if (!accept) return false;
  return accept.split(',').some((part) => /as=Table/.test(part) && /g=meta\.k8s\.io/.test(part));
}
