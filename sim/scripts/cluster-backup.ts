// /usr/local/bin/cluster-backup.sh of a simulated master, modelled on the cluster-etcd-operator's
// bindata/etcd/cluster-backup.sh (openshift.md §3.7): same usage, root check, Progressing checks with the
// same abort message, --force -> __POSSIBLY_DIRTY__ file names, static_kuberesources_<date>.tar.gz and
// snapshot_<date>.db, `snapshot status` verification, trap removing both files on error, same final line.
// Differences: kubectl (not oc) with the node's localhost.kubeconfig; etcdctl talks plain HTTP to the
// node's own etcd on its loopback mirror address, baked in here (the real one uses NODE_<name>_IP).
import type { SimNode } from '../world/context.ts';

const envName = (node: SimNode) => node.name.replace(/[-.]/g, '_');

/** etcd.env of the etcd-scripts configmap (the parts the sim's scripts use). */
export function etcdEnv(node: SimNode): string {
  const n = envName(node);
  return [
    `export ETCDCTL_API=3`,
    `export NODE_${n}_IP="${node.loopback}"`,
    `export NODE_${n}_ETCD_URL_HOST="${node.loopback}"`,
    `export NODE_${n}_ETCD_NAME="${node.name}"`,
    `export NODE_NODE_ENVVAR_NAME_IP="${node.loopback}"`,
    '',
  ].join('\n');
}

/** etcd-common-tools of the etcd-scripts configmap (sim edition: etcdctl/kubectl come from /usr/bin). */
export function etcdCommonTools(): string {
  return `# Common environment variables
ASSET_DIR="/home/core/assets"
CONFIG_FILE_DIR="/etc/kubernetes"
MANIFEST_DIR="\${CONFIG_FILE_DIR}/manifests"
ETCD_DATA_DIR="/var/lib/etcd"
ETCD_DATA_DIR_BACKUP="/var/lib/etcd-backup"
MANIFEST_STOPPED_DIR="\${ASSET_DIR}/manifests-stopped"
RESTORE_ETCD_POD_YAML="\${CONFIG_FILE_DIR}/static-pod-resources/etcd-certs/configmaps/restore-etcd-pod/pod.yaml"
ETCDCTL_BIN_DIR="\${CONFIG_FILE_DIR}/static-pod-resources/bin"
KUBECONFIG="/etc/kubernetes/static-pod-resources/kube-apiserver-certs/secrets/node-kubeconfigs/localhost.kubeconfig"
PATH=\${PATH}:\${ETCDCTL_BIN_DIR}
export KUBECONFIG

# download etcdctl from upstream release assets (sim: the node already has /usr/bin/etcdctl)
function dl_etcdctl {
  if command -v etcdctl >/dev/null 2>&1; then
    echo "etcdctl is already installed"
    return
  fi
  echo "etcdctl not found" >&2
  return 1
}
`;
}

/** The script text. The node's loopback address is baked in. */
export function clusterBackupScript(node: SimNode): string {
  return `#!/usr/bin/env bash
# cluster-backup.sh (simulated OpenShift master ${node.name})

### Created by cluster-etcd-operator. DO NOT edit.

set -o errexit
set -o pipefail
set -o errtrace

# example
# cluster-backup.sh $path-to-snapshot

if [[ $EUID -ne 0 ]]; then
  echo "This script must be run as root"
  exit 1
fi

function usage {
  echo 'Path to backup dir required: ./cluster-backup.sh [--force] <path-to-backup-dir>'
  exit 1
}

IS_DIRTY=""
if [ "$1" == "--force" ]; then
  IS_DIRTY="__POSSIBLY_DIRTY__"
  shift
fi

# If the first argument is missing, or it is an existing file, then print usage and exit
if [ -z "$1" ] || [ -f "$1" ]; then
  usage
fi

if [ ! -d "$1" ]; then
  mkdir -p "$1"
fi

ETCD_SCRIPTS=/etc/kubernetes/static-pod-resources/etcd-certs/configmaps/etcd-scripts
# shellcheck disable=SC1091
[ -f "\${ETCD_SCRIPTS}/etcd.env" ] && . "\${ETCD_SCRIPTS}/etcd.env"
# shellcheck disable=SC1091
[ -f "\${ETCD_SCRIPTS}/etcd-common-tools" ] && . "\${ETCD_SCRIPTS}/etcd-common-tools"

CONFIG_FILE_DIR="/etc/kubernetes"
KUBECONFIG="/etc/kubernetes/static-pod-resources/kube-apiserver-certs/secrets/node-kubeconfigs/localhost.kubeconfig"
ETCD_ENDPOINT="http://${node.loopback}:2379"

function check_if_operator_is_progressing {
  local operator="$1"
  progressing=$(kubectl --kubeconfig "\${KUBECONFIG}" get co "\${operator}" -o jsonpath='{.status.conditions[?(@.type=="Progressing")].status}') || true
  if [ "$progressing" == "" ]; then
    echo "Could not find the status of the $operator. Check if the API server is running. Pass the --force flag to skip checks."
    exit 1
  elif [ "$progressing" != "False" ]; then
    echo "Currently the \${operator} operator is progressing. A reliable backup requires that a rollout is not in progress.  Aborting!"
    exit 1
  fi
}

# backup latest static pod resources
function backup_latest_kube_static_resources {
  RESOURCES=("$@")

  LATEST_RESOURCE_DIRS=()
  for RESOURCE in "\${RESOURCES[@]}"; do
    # shellcheck disable=SC2012
    LATEST_RESOURCE=$(ls -trd "\${CONFIG_FILE_DIR}"/static-pod-resources/"\${RESOURCE}"-[0-9]* 2>/dev/null | tail -1) || true
    if [ -n "$LATEST_RESOURCE" ]; then
      echo "found latest \${RESOURCE}: \${LATEST_RESOURCE}"
      LATEST_RESOURCE_DIRS+=("\${LATEST_RESOURCE#\${CONFIG_FILE_DIR}/}")
    fi
  done
  if [ \${#LATEST_RESOURCE_DIRS[@]} -eq 0 ]; then
    # sim: no revisioned <resource>-pod-<N> folders on this node; keep the whole static-pod-resources tree
    LATEST_RESOURCE_DIRS=("static-pod-resources")
  fi

  # tar latest resources with the path relative to CONFIG_FILE_DIR
  tar -cpzf "$BACKUP_TAR_FILE" -C "\${CONFIG_FILE_DIR}" "\${LATEST_RESOURCE_DIRS[@]}"
  chmod 600 "$BACKUP_TAR_FILE"
}

function source_required_dependency {
  local path="$1"
  if [ ! -f "\${path}" ]; then
    echo "required dependencies not found, please ensure this script is run on a node with a functional etcd static pod"
    exit 1
  fi
}

# The real script checks kube-apiserver, kube-controller-manager, kube-scheduler, etcd in that order (inside its
# resource loop); the sim serves only the kube-apiserver and etcd ClusterOperators, so it checks those two, in order.
if [ -z "\${IS_DIRTY}" ]; then
  check_if_operator_is_progressing "kube-apiserver"
  check_if_operator_is_progressing "etcd"
fi

source_required_dependency "\${KUBECONFIG}"
command -v etcdctl >/dev/null 2>&1 && echo "etcdctl is already installed"

DATESTRING=$(date "+%F_%H%M%S")
BACKUP_TAR_FILE="\${1}/static_kuberesources_\${DATESTRING}\${IS_DIRTY}.tar.gz"
SNAPSHOT_FILE="\${1}/snapshot_\${DATESTRING}\${IS_DIRTY}.db"
BACKUP_RESOURCE_LIST=("kube-apiserver-pod" "kube-controller-manager-pod" "kube-scheduler-pod" "etcd-pod")

trap 'rm -f \${SNAPSHOT_FILE} \${BACKUP_TAR_FILE}' ERR

backup_latest_kube_static_resources "\${BACKUP_RESOURCE_LIST[@]}"

ETCDCTL_API=3 etcdctl --endpoints "\${ETCD_ENDPOINT}" snapshot save "\${SNAPSHOT_FILE}"

# Check the integrity of the snapshot
ETCDCTL_API=3 etcdctl snapshot status "\${SNAPSHOT_FILE}" -w json
snapshot_failed=$?

# If check_snapshot_status returns 1 it failed, so exit with code 1
if [[ $snapshot_failed -eq 1 ]]; then
  echo "snapshot failed with exit code \${snapshot_failed}"
  exit 1
fi

echo "snapshot db and kube resources are successfully saved to \${1}"
`;
}
