// Metal3 BareMetalHosts (metal3.io/v1alpha1, namespace openshift-machine-api) as the plugin reads them on
// platform BareMetal: `oc get bmh` columns (github:metal3-io/baremetal-operator baremetalhost_types.go printcolumns).
/** What the plugin knows of a BareMetalHost (status HOSTS view, validation against the other hosts). */
export interface HostInfo {
  name: string;
  state: string;
  consumer: string | null;
  online: boolean | null;
  poweredOn: boolean | null;
  error: string;
  bootMACAddress: string | null;
  bmcAddress: string | null;
  credentialsName: string | null;
}

export function toHostInfo(o: any): HostInfo {
  return {
    name: String(o?.metadata?.name ?? ''),
    state: String(o?.status?.provisioning?.state ?? ''),
    consumer: o?.spec?.consumerRef?.name ?? null,
    online: typeof o?.spec?.online === 'boolean' ? o.spec.online : null,
    poweredOn: typeof o?.status?.poweredOn === 'boolean' ? o.status.poweredOn : null,
    error: String(o?.status?.errorType || o?.status?.errorMessage || ''),
    bootMACAddress: o?.spec?.bootMACAddress ?? null,
    bmcAddress: o?.spec?.bmc?.address ?? null,
    credentialsName: o?.spec?.bmc?.credentialsName ?? null,
  };
}

/** The host a Machine runs on: its `metal3.io/BareMetalHost` annotation (`<ns>/<name>`), else its providerID. */
export function hostOfMachine(machine: any): string | null {
  const ann: string | undefined = machine?.metadata?.annotations?.['metal3.io/BareMetalHost'];
  if (ann && ann.includes('/')) return ann.split('/')[1] || null;
  const m = /^baremetalhost:\/\/\/[^/]+\/([^/]+)\//.exec(machine?.spec?.providerID ?? '');
  return m ? m[1]! : null;
}

