// The ClusterOperators of the Machine API, as `oc get co` shows them on a healthy installer-provisioned cluster:
//   machine-api: github:openshift/machine-api-operator pkg/operator/status.go statusAvailable (release-4.6 … 4.18):
//     Available=True, reason empty, message "Cluster Machine API Operator is available at <operand versions>"
//     (printOperandVersions: "<name>: <version>" joined by ", "), Progressing=False, Degraded=False.
//   control-plane-machine-set (4.12+): github:openshift/cluster-control-plane-machine-set-operator, its
//     clusteroperator controller (pkg/controllers/clusteroperator): Available=True / Progressing=False /
//     Degraded=False with reason AsExpected (library-go's "as expected" convention) while the operator runs.
// Without a Machine API (platform none) neither operator reports anything useful; the sim does not serve them then.
import type { KObject } from '../kube-apiserver/store.ts';
import { clusterOperator } from '../installer/objects.ts';
import { fullVersion } from '../world/release.ts';
import { now } from '../world/names.ts';

export function machineApiOperator(minor: number, patch?: number): KObject {
  const ts = now();
  return clusterOperator(
    'machine-api',
    minor,
    [
      { type: 'Available', status: 'True', message: `Cluster Machine API Operator is available at operator: ${fullVersion(minor, patch)}`, lastTransitionTime: ts },
      { type: 'Progressing', status: 'False', lastTransitionTime: ts },
      { type: 'Degraded', status: 'False', lastTransitionTime: ts },
      { type: 'Upgradeable', status: 'True', lastTransitionTime: ts },
    ],
    [],
    patch,
  );
}

export function controlPlaneMachineSetOperator(minor: number, patch?: number): KObject {
  const ts = now();
  return clusterOperator(
    'control-plane-machine-set',
    minor,
    [
      { type: 'Available', status: 'True', reason: 'AsExpected', lastTransitionTime: ts },
      { type: 'Progressing', status: 'False', reason: 'AsExpected', lastTransitionTime: ts },
      { type: 'Degraded', status: 'False', reason: 'AsExpected', lastTransitionTime: ts },
      { type: 'Upgradeable', status: 'True', reason: 'AsExpected', lastTransitionTime: ts },
    ],
    [],
    patch,
  );
}
