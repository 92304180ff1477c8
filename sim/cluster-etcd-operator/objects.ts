// The objects the cluster-etcd-operator renders (github:openshift/cluster-etcd-operator bindata/etcd/ and
// pkg/operator/*, per release): per-node etcd Secrets, etcd-all-certs, the scripts and etcd-pod ConfigMaps, the etcd
// static pod, guard pods / etcd-quorum-guard, installer and revision-pruner pods, and the Etcd CR. Shapes per
// openshift.md §2.
import { createHash } from 'node:crypto';
import { stringify as toYaml } from 'yaml';
import type { KObject } from '../kube-apiserver/store.ts';
import { urlHost } from '../world/context.ts';
import { etcdImage, fullVersion, releaseShape } from '../world/release.ts';
import { NS_ETCD, CERT_UID_ANNOTATION, now, hashOf, rand5, envVarName } from '../world/names.ts';
import { containerStatus, podConditions } from '../kubelet/objects.ts';

function dummyPem(kind: 'CERTIFICATE' | 'RSA PRIVATE KEY', seed: string): string {
  const body = createHash('sha512').update(seed).digest('base64').repeat(10);
  const lines = body.match(/.{1,64}/g) ?? [];
  return `-----BEGIN ${kind}-----\n${lines.join('\n')}\n-----END ${kind}-----\n`;
}

export const SECRET_KINDS = ['etcd-peer', 'etcd-serving', 'etcd-serving-metrics'] as const;

export function nodeSecret(kind: (typeof SECRET_KINDS)[number], nodeName: string, nodeUID: string | undefined, minor: number): KObject {
  const seed = `${kind}-${nodeName}-${Date.now()}`;
  const annotations: Record<string, string> = {
    'auth.openshift.io/certificate-issuer': 'openshift-etcd_etcd-signer@1700000000',
    'auth.openshift.io/certificate-not-after': new Date(Date.now() + 3 * 365 * 86400e3).toISOString().replace(/\.\d+Z$/, 'Z'),
    'auth.openshift.io/certificate-not-before': now(),
  };
  if (nodeUID) annotations[CERT_UID_ANNOTATION] = nodeUID;
  return {
    apiVersion: 'v1',
    kind: 'Secret',
    metadata: { name: `${kind}-${nodeName}`, namespace: NS_ETCD, annotations, labels: {} },
    type: 'kubernetes.io/tls',
    data: {
      'tls.crt': Buffer.from(dummyPem('CERTIFICATE', seed)).toString('base64'),
      'tls.key': Buffer.from(dummyPem('RSA PRIVATE KEY', seed + 'k')).toString('base64'),
    },
  };
}

/** The aggregated etcd-all-certs secret from the per-node secrets. */
export function allCertsSecret(secrets: KObject[], name = 'etcd-all-certs'): KObject {
  const data: Record<string, string> = {};
  for (const s of secrets) {
    if (s.type !== 'kubernetes.io/tls') continue;
    data[`${s.metadata.name}.crt`] = s.data?.['tls.crt'] ?? '';
    data[`${s.metadata.name}.key`] = s.data?.['tls.key'] ?? '';
  }
  return {
    apiVersion: 'v1',
    kind: 'Secret',
    metadata: { name, namespace: NS_ETCD },
    type: 'Opaque',
    data,
  };
}

export function configMap(name: string, data: Record<string, string>, ns = NS_ETCD, annotations?: Record<string, string>): KObject {
  const md: any = { name, namespace: ns };
  if (annotations) md.annotations = annotations;
  return { apiVersion: 'v1', kind: 'ConfigMap', metadata: md, data };
}

export function scriptsConfigMap(minor: number): KObject {
  const data: Record<string, string> = {};
  for (const s of releaseShape(minor).scripts) {
    data[s] = s.endsWith('.env') ? `export ETCDCTL_API=3\n` : `#!/usr/bin/env bash\n# ${s} (simulated)\n`;
  }
  return configMap('etcd-scripts', data);
}

// ---------------------------------------------------------------------------------------------
// The etcd static pod (bindata/etcd/pod.yaml after the installer's NODE_NAME substitution).

export interface PodInputs {
  minor: number;
  revision: number;
  /** all master nodes the env var controller knows: name -> IP */
  nodes: { name: string; ip: string }[];
  /** IPs of the voting members (etcd-endpoints) */
  endpointIPs: string[];
  /**
   * false: the pod has no `etcd` container (OPERATOR@release-4.19/4.20 bindata/etcd/pod.gotpl.yaml
   * `{{ if .EnableEtcdContainer }}`, ceohelpers/podsubstitution.go GetPodSubstitution: EnableEtcdContainer is
   * !useUnsupportedUnsafeEtcdContainerRemoval). Default true.
   */
  etcdContainer?: boolean;
}

function sortIPs(ips: string[]): string[] {
  return [...ips].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
}

/**
 * Directory of a node certificate inside the pod's cert dir: one aggregated secret per kind on 4.6/4.7
 * (etcd-all-peer, etcd-all-serving, etcd-all-serving-metrics: OPERATOR@release-4.6 bindata/etcd/pod.yaml and
 * pkg/etcdenvvar/etcd_env.go), etcd-all-certs from 4.8 (OPERATOR@release-4.8 pkg/etcdenvvar/etcd_env.go).
 */
export function certPath(minor: number, kind: 'etcd-peer' | 'etcd-serving' | 'etcd-serving-metrics', node: string, ext: 'crt' | 'key'): string {
  const dir = minor <= 7 ? `etcd-all-${kind.slice('etcd-'.length)}` : 'etcd-all-certs';
  return `/etc/kubernetes/static-pod-certs/secrets/${dir}/${kind}-${node}.${ext}`;
}

export function etcdEnv(inp: PodInputs, forNode: string): { name: string; value: string }[] {
  const shape = releaseShape(inp.minor);
  const eps = sortIPs(inp.endpointIPs).map((ip) => `https://${urlHost(ip)}:2379`).join(',');
  const env: { name: string; value: string }[] = [];
  env.push({ name: 'ALL_ETCD_ENDPOINTS', value: eps });
  if (shape.etcdctlApiEnv) env.push({ name: 'ETCDCTL_API', value: '3' });
  env.push({ name: 'ETCDCTL_CACERT', value: shape.etcdctlCACert });
  env.push({ name: 'ETCDCTL_CERT', value: certPath(inp.minor, 'etcd-peer', forNode, 'crt') });
  env.push({ name: 'ETCDCTL_ENDPOINTS', value: eps });
  env.push({ name: 'ETCDCTL_KEY', value: certPath(inp.minor, 'etcd-peer', forNode, 'key') });
  env.push({ name: 'ETCD_CIPHER_SUITES', value: 'TLS_AES_128_GCM_SHA256,TLS_AES_256_GCM_SHA384,TLS_CHACHA20_POLY1305_SHA256,TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256,TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256' });
  env.push({ name: 'ETCD_DATA_DIR', value: '/var/lib/etcd' });
  env.push({ name: 'ETCD_ELECTION_TIMEOUT', value: '1000' });
  env.push({ name: 'ETCD_ENABLE_PPROF', value: 'true' });
  env.push({ name: 'ETCD_HEARTBEAT_INTERVAL', value: '100' });
  env.push({ name: 'ETCD_IMAGE', value: etcdImage(inp.minor) });
  env.push({ name: 'ETCD_INITIAL_CLUSTER_STATE', value: 'existing' });
  if (inp.minor >= 14) env.push({ name: 'ETCD_MAX_LEARNERS', value: '1' });
  env.push({ name: 'ETCD_QUOTA_BACKEND_BYTES', value: '8589934592' });
  env.push({ name: 'ETCD_SOCKET_REUSE_ADDRESS', value: 'true' });
  env.push({ name: 'ETCD_STATIC_POD_VERSION', value: String(inp.revision) });
  if (inp.minor >= 12) env.push({ name: 'ETCD_TLS_MIN_VERSION', value: 'TLS1.2' });
  for (const n of [...inp.nodes].sort((a, b) => a.name.localeCompare(b.name))) {
    const v = envVarName(n.name);
    env.push({ name: `NODE_${v}_ETCD_NAME`, value: n.name });
    env.push({ name: `NODE_${v}_ETCD_URL_HOST`, value: urlHost(n.ip) }); // escaped for IPv6 (OPERATOR@main pkg/etcdenvvar/etcd_env.go)
    env.push({ name: `NODE_${v}_IP`, value: urlHost(n.ip) });
  }
  return env;
}

/** The static pod manifest for one node (what the installer writes to /etc/kubernetes/manifests/etcd-pod.yaml). */
export function etcdStaticPod(inp: PodInputs, nodeName: string): KObject {
  const shape = releaseShape(inp.minor);
  const image = etcdImage(inp.minor);
  const env = etcdEnv(inp, nodeName);
  const nv = envVarName(nodeName);
  const certDir = '/etc/kubernetes/static-pod-certs';
  const cacert = shape.etcdctlCACert;
  const resourcesMounts = [
    { mountPath: '/etc/kubernetes/manifests', name: 'static-pod-dir' },
    { mountPath: '/etc/kubernetes/static-pod-certs', name: 'cert-dir' },
    { mountPath: '/etc/kubernetes/static-pod-resources', name: 'resource-dir' },
    { mountPath: '/var/lib/etcd/', name: 'data-dir' },
    { mountPath: '/var/log/etcd/', name: 'log-dir' },
  ];
  const initContainers: any[] = shape.initContainers.map((name) => {
    const c: any = {
      name,
      image,
      imagePullPolicy: 'IfNotPresent',
      resources: { requests: { cpu: '10m', memory: '50Mi' } },
      securityContext: { privileged: true },
      terminationMessagePolicy: 'FallbackToLogsOnError',
      volumeMounts: resourcesMounts,
    };
    if (name === 'setup') {
      c.command = ['/bin/sh', '-c', '#!/bin/sh\necho -n "Fixing etcd log permissions."\nmkdir -p /var/log/etcd && chmod 0600 /var/log/etcd\n'];
      c.volumeMounts = [{ mountPath: '/var/log/etcd', name: 'log-dir' }];
    } else if (name === 'etcd-ensure-env-vars') {
      c.command = ['/bin/sh', '-c', `#!/bin/sh\nset -euo pipefail\n\n: "\${NODE_${nv}_ETCD_URL_HOST?not set}"\n: "\${NODE_${nv}_ETCD_NAME?not set}"\n: "\${NODE_${nv}_IP?not set}"\n\n# check for ipv4 addresses as well as ipv6 addresses with extra square brackets\nif [[ "\${NODE_${nv}_IP}" != "\${NODE_IP}" && "\${NODE_${nv}_IP}" != "[\${NODE_IP}]" ]]; then\n  # echo the error message to stderr\n  echo "Expected node IP to be \${NODE_IP} got \${NODE_${nv}_IP}" >&2\n  exit 1\nfi\n\n# check for ipv4 addresses as well as ipv6 addresses with extra square brackets\nif [[ "\${NODE_${nv}_ETCD_URL_HOST}" != "\${NODE_IP}" && "\${NODE_${nv}_ETCD_URL_HOST}" != "[\${NODE_IP}]" ]]; then\n  # echo the error message to stderr\n  echo "Expected etcd url host to be \${NODE_IP} got \${NODE_${nv}_ETCD_URL_HOST}" >&2\n  exit 1\nfi\n`];
      c.env = [...env, { name: 'NODE_IP', valueFrom: { fieldRef: { apiVersion: 'v1', fieldPath: 'status.podIP' } } }];
      delete c.volumeMounts;
    } else {
      c.command = ['/bin/sh', '-c', `#!/bin/sh\nset -euo pipefail\n\n# copy the etcd scripts to the host\ncp -f /etc/kubernetes/static-pod-certs/configmaps/etcd-scripts/*.sh /usr/local/bin/\ncp -f /usr/bin/etcdctl /usr/local/bin/\n`];
      c.volumeMounts = [
        { mountPath: '/etc/kubernetes/static-pod-resources', name: 'resource-dir' },
        { mountPath: '/etc/kubernetes/static-pod-certs', name: 'cert-dir' },
        { mountPath: '/usr/local/bin', name: 'usr-local-bin' },
      ];
    }
    return c;
  });

  const etcdCommand = `#!/bin/sh
set -euo pipefail

etcdctl member list || true

# this has a non-zero return code if the command is non-zero.  If you use an export first, it doesn't and you
# will succeed when you should fail.
ETCD_INITIAL_CLUSTER=$(discover-etcd-initial-cluster \\
  --cacert=${cacert} \\
  --cert=${certPath(inp.minor, 'etcd-peer', nodeName, 'crt')} \\
  --key=${certPath(inp.minor, 'etcd-peer', nodeName, 'key')} \\
  --endpoints=\${ALL_ETCD_ENDPOINTS} \\
  --data-dir=/var/lib/etcd \\
  --target-peer-url-host=\${NODE_${nv}_ETCD_URL_HOST} \\
  --target-name=${nodeName})
export ETCD_INITIAL_CLUSTER

# we cannot use the "normal" port conflict initcontainer because when we upgrade, the existing static pod will never yield,
# so we do the detection in etcd container itself.
echo -n "Waiting for ports 2379, 2380 and 9978 to be released."
time while [ -n "$(ss -Htan '( sport = 2379 or sport = 2380 or sport = 9978 )')" ]; do
  echo -n "."
  sleep 1
done

export ETCD_NAME=\${NODE_${nv}_ETCD_NAME}
env | grep ETCD | grep -v NODE

set -x
# See https://etcd.io/docs/v3.4.0/tuning/ for why we use ionice
exec nice -n -19 ionice -c2 -n0 etcd \\
  --logger=zap \\
  --log-level=info \\
  --experimental-initial-corrupt-check=true \\
  --snapshot-count=10000 \\
  --initial-advertise-peer-urls=https://\${NODE_${nv}_IP}:2380 \\
  --cert-file=${certPath(inp.minor, 'etcd-serving', nodeName, 'crt')} \\
  --key-file=${certPath(inp.minor, 'etcd-serving', nodeName, 'key')} \\
  --trusted-ca-file=${cacert} \\
  --client-cert-auth=true \\
  --peer-cert-file=${certPath(inp.minor, 'etcd-peer', nodeName, 'crt')} \\
  --peer-key-file=${certPath(inp.minor, 'etcd-peer', nodeName, 'key')} \\
  --peer-trusted-ca-file=${cacert} \\
  --peer-client-cert-auth=true \\
  --advertise-client-urls=https://\${NODE_${nv}_IP}:2379 \\
  --listen-client-urls=https://0.0.0.0:2379,unixs://\${NODE_${nv}_IP}:0 \\
  --listen-peer-urls=https://0.0.0.0:2380 \\
  --metrics=extensive \\
  --listen-metrics-urls=https://0.0.0.0:9978 ||  mv /etc/kubernetes/etcd-backup-dir/etcd-member.yaml /etc/kubernetes/manifests
`;

  const probe = (path: string, extra: Record<string, unknown>) => ({
    httpGet: { path, port: 9980, scheme: 'HTTPS' },
    failureThreshold: 5,
    periodSeconds: 5,
    successThreshold: 1,
    timeoutSeconds: 30,
    ...extra,
  });
  const containers: any[] = shape.containers.filter((name) => name !== 'etcd' || inp.etcdContainer !== false).map((name) => {
    const c: any = { name, image, imagePullPolicy: 'IfNotPresent', terminationMessagePolicy: 'FallbackToLogsOnError' };
    switch (name) {
      case 'etcdctl':
        c.command = ['/bin/bash', '-c', 'trap TERM INT; sleep infinity & wait'];
        c.env = env;
        c.resources = { requests: { cpu: '10m', memory: '60Mi' } };
        c.volumeMounts = resourcesMounts;
        break;
      case 'etcd':
        c.command = ['/bin/sh', '-c', etcdCommand];
        c.env = env;
        c.ports = [
          { containerPort: 2379, hostPort: 2379, name: 'etcd', protocol: 'TCP' },
          { containerPort: 2380, hostPort: 2380, name: 'etcd-peer', protocol: 'TCP' },
        ];
        c.resources = { requests: { cpu: '300m', memory: '600Mi' } };
        c.securityContext = { privileged: true };
        if (inp.minor >= 8) {
          c.readinessProbe = probe('readyz', { failureThreshold: 3, initialDelaySeconds: 0, periodSeconds: 5, timeoutSeconds: 10 });
          c.livenessProbe = probe('healthz', { initialDelaySeconds: 0, timeoutSeconds: 30 });
          c.startupProbe = probe('readyz', { failureThreshold: 18, initialDelaySeconds: 10, timeoutSeconds: 1 });
        } else {
          // OPERATOR@release-4.6/4.7 bindata/etcd/pod.yaml
          c.readinessProbe = { tcpSocket: { port: 2380 }, failureThreshold: 3, initialDelaySeconds: 3, periodSeconds: 5, successThreshold: 1, timeoutSeconds: 5 };
        }
        c.volumeMounts = [...resourcesMounts];
        break;
      case 'etcd-metrics':
        c.command = ['/bin/sh', '-c', `#!/bin/sh\nset -euo pipefail\n\nexec nice -n -18 etcd grpc-proxy start \\\n  --endpoints https://\${NODE_${nv}_ETCD_URL_HOST}:9978 \\\n  --metrics-addr https://0.0.0.0:9979 \\\n  --listen-addr 127.0.0.1:9977 \\\n  --advertise-client-url ""  \\\n  --key ${certPath(inp.minor, 'etcd-peer', nodeName, 'key')} \\\n  --key-file ${certPath(inp.minor, 'etcd-serving-metrics', nodeName, 'key')} \\\n  --cert ${certPath(inp.minor, 'etcd-peer', nodeName, 'crt')} \\\n  --cert-file ${certPath(inp.minor, 'etcd-serving-metrics', nodeName, 'crt')} \\\n  --cacert ${cacert} \\\n  --trusted-ca-file ${certDir}/configmaps/etcd-metrics-proxy-serving-ca/ca-bundle.crt\n`];
        c.env = env;
        c.ports = [{ containerPort: 9979, hostPort: 9979, name: 'metrics', protocol: 'TCP' }];
        c.resources = { requests: { cpu: '40m', memory: '200Mi' } };
        c.volumeMounts = resourcesMounts;
        break;
      case 'etcd-health-monitor':
        c.command = ['cluster-etcd-operator', 'monitor', '--targets=https://localhost:2379', `--probe-interval=1s`, `--log-outputs=stderr`, `--log-outputs=/var/log/etcd/etcd-health-probe.log`, `--enable-log-rotation`];
        c.resources = { requests: { cpu: '10m', memory: '50Mi' } };
        c.volumeMounts = resourcesMounts;
        break;
      case 'etcd-readyz':
        c.command = ['cluster-etcd-operator', 'readyz', `--target=https://localhost:2379`, '--listen-port=9980', `--serving-cert-file=${certPath(inp.minor, 'etcd-serving', nodeName, 'crt')}`];
        c.ports = [{ containerPort: 9980, hostPort: 9980, name: 'readyz', protocol: 'TCP' }];
        c.resources = { requests: { cpu: '10m', memory: '50Mi' } };
        c.securityContext = { privileged: true };
        c.volumeMounts = resourcesMounts;
        break;
      case 'etcd-rev':
        c.command = ['cluster-etcd-operator', 'rev', '--endpoints=$(ALL_ETCD_ENDPOINTS)', '--data-dir=/var/lib/etcd'];
        c.env = env;
        c.resources = { requests: { cpu: '10m', memory: '50Mi' } };
        c.volumeMounts = resourcesMounts;
        break;
    }
    return c;
  });

  const annotations: Record<string, string> = {
    'target.workload.openshift.io/management': '{"effect": "PreferredDuringScheduling"}',
  };
  if (shape.defaultContainerAnnotation) annotations['kubectl.kubernetes.io/default-container'] = 'etcd';
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: {
      name: 'etcd',
      namespace: NS_ETCD,
      annotations,
      labels: { app: 'etcd', 'k8s-app': 'etcd', etcd: 'true', revision: String(inp.revision) },
    },
    spec: {
      initContainers,
      containers,
      hostNetwork: true,
      nodeSelector: { 'node-role.kubernetes.io/master': '' },
      priorityClassName: 'system-node-critical',
      tolerations: [{ operator: 'Exists' }],
      volumes: [
        { hostPath: { path: '/etc/kubernetes/manifests' }, name: 'static-pod-dir' },
        { hostPath: { path: `/etc/kubernetes/static-pod-resources/etcd-pod-${inp.revision}` }, name: 'resource-dir' },
        { hostPath: { path: '/etc/kubernetes/static-pod-resources/etcd-certs' }, name: 'cert-dir' },
        { hostPath: { path: '/var/lib/etcd' }, name: 'data-dir' },
        { hostPath: { path: '/usr/local/bin' }, name: 'usr-local-bin' },
        { hostPath: { path: '/var/log/etcd' }, name: 'log-dir' },
      ],
    },
    status: {},
  };
}

export function etcdStaticPodYaml(inp: PodInputs, nodeName: string): string {
  return toYaml(etcdStaticPod(inp, nodeName), { lineWidth: 0 });
}

/**
 * The ExternalEtcdEnablerController's `external-etcd-pod` ConfigMap (OPERATOR@release-4.19/4.20
 * pkg/operator/externaletcdsupportcontroller/external_etcd_support_controller.go supportExternalEtcdOnlyPod): the pod
 * rendered WITH its etcd container, reduced to that container, as JSON (for pacemaker's podman-etcd agent), plus
 * forceRedeploymentReason and version. Applied while useExternalEtcdSupport is set, deleted otherwise.
 */
export function externalEtcdPodConfigMap(inp: PodInputs, forceRedeploymentReason: string): KObject {
  const pod = etcdStaticPod({ ...inp, etcdContainer: true }, 'NODE_NAME');
  pod.spec.containers = pod.spec.containers.filter((c: any) => c.name === 'etcd');
  delete pod.status;
  return configMap('external-etcd-pod', { 'pod.yaml': JSON.stringify(pod), forceRedeploymentReason, version: fullVersion(inp.minor) });
}

/** The operator's etcd-pod configmap (the template with NODE_NAME placeholders). */
export function etcdPodConfigMap(inp: PodInputs, forceRedeploymentReason: string, name = 'etcd-pod'): KObject {
  return configMap(name, {
    forceRedeploymentReason,
    'pod.yaml': etcdStaticPodYaml(inp, 'NODE_NAME'),
    version: fullVersion(inp.minor),
  });
}

export function guardPod(minor: number, n: { name: string; ip: string }, ready: boolean): KObject {
  const ts = now();
  const image = etcdImage(minor).replace(/sha256:.*/, 'sha256:' + hashOf('cli', 64));
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: {
      name: `etcd-guard-${n.name}`,
      namespace: NS_ETCD,
      labels: { app: 'guard' },
      annotations: { 'target.workload.openshift.io/management': '{"effect": "PreferredDuringScheduling"}' },
      // (no owner reference: the simulator does not model the guard pod's owner, and a reference without a uid is
      // refused by the API server, ValidateOwnerReferences)
    },
    spec: {
      containers: [
        {
          name: 'guard',
          image,
          command: ['/bin/bash'],
          args: ['-c', '# properly handle TERM and exit as soon as it is signaled\nset -euo pipefail\ntrap \'jobs -p | xargs -r kill; exit 0\' TERM\nsleep infinity & wait\n'],
          readinessProbe: { httpGet: { host: n.ip, path: 'readyz', port: 9980, scheme: 'HTTPS' }, failureThreshold: 3, periodSeconds: 5, successThreshold: 1, timeoutSeconds: 5 },
          resources: { requests: { cpu: '10m', memory: '5Mi' } },
          terminationMessagePolicy: 'FallbackToLogsOnError',
        },
      ],
      hostNetwork: true,
      nodeName: n.name,
      nodeSelector: { 'node-role.kubernetes.io/master': '' },
      priorityClassName: 'system-cluster-critical',
      tolerations: [{ operator: 'Exists' }],
    },
    status: {
      phase: 'Running',
      conditions: podConditions(ready, ts),
      containerStatuses: [containerStatus('guard', image, ready, ts)],
      hostIP: n.ip,
      podIP: n.ip,
      podIPs: [{ ip: n.ip }],
      qosClass: 'Burstable',
      startTime: ts,
    },
  };
}

export function quorumGuardPod(minor: number, rsHash: string, n: { name: string; ip: string } | undefined, ready: boolean): KObject {
  const ts = now();
  const image = etcdImage(minor).replace(/sha256:.*/, 'sha256:' + hashOf('cli', 64));
  const status: any = n
    ? {
        phase: 'Running',
        conditions: podConditions(ready, ts),
        containerStatuses: [containerStatus('guard', image, ready, ts)],
        hostIP: n.ip,
        podIP: n.ip,
        podIPs: [{ ip: n.ip }],
        qosClass: 'Burstable',
        startTime: ts,
      }
    : {
        phase: 'Pending',
        conditions: [
          {
            type: 'PodScheduled',
            status: 'False',
            lastProbeTime: null,
            lastTransitionTime: ts,
            reason: 'Unschedulable',
            message: "0/5 nodes are available: 2 node(s) didn't match pod anti-affinity rules, 3 node(s) didn't match Pod's node affinity/selector.",
          },
        ],
        qosClass: 'Burstable',
      };
  const spec: any = {
    affinity: {
      podAntiAffinity: {
        requiredDuringSchedulingIgnoredDuringExecution: [
          { labelSelector: { matchExpressions: [{ key: 'k8s-app', operator: 'In', values: ['etcd-quorum-guard'] }] }, topologyKey: 'kubernetes.io/hostname' },
        ],
      },
    },
    containers: [
      {
        name: 'guard',
        image,
        command: ['/bin/bash'],
        args: ['-c', '# properly handle TERM and exit as soon as it is signaled\nset -euo pipefail\ntrap \'jobs -p | xargs -r kill; exit 0\' TERM\nsleep infinity & wait\n'],
        readinessProbe: {
          exec: { command: ['/bin/sh', '-c', 'declare -r health_endpoint="https://localhost:2379/health"\ndeclare -r cert="/var/run/secrets/etcd-client/tls.crt"\ndeclare -r key="/var/run/secrets/etcd-client/tls.key"\ndeclare -r cacert="/var/run/configmaps/etcd-ca/ca-bundle.crt"\nexport NSS_SDB_USE_CACHE=no\n[[ -z $cert || -z $key ]] && exit 1\ncurl --max-time 2 --silent --cert "${cert//:/\\:}" --key "$key" --cacert "$cacert" "$health_endpoint" |grep \'{ *"health" *: *"true" *}\'\n'] },
          failureThreshold: 3,
          initialDelaySeconds: 5,
          periodSeconds: 5,
          successThreshold: 1,
          timeoutSeconds: 3,
        },
        resources: { requests: { cpu: '10m', memory: '5Mi' } },
        terminationMessagePolicy: 'FallbackToLogsOnError',
      },
    ],
    hostNetwork: true,
    nodeSelector: { 'node-role.kubernetes.io/master': '' },
    priorityClassName: 'system-cluster-critical',
    tolerations: [
      { effect: 'NoSchedule', key: 'node-role.kubernetes.io/master', operator: 'Exists' },
      { effect: 'NoExecute', key: 'node.kubernetes.io/not-ready', operator: 'Exists', tolerationSeconds: 120 },
      { effect: 'NoExecute', key: 'node.kubernetes.io/unreachable', operator: 'Exists', tolerationSeconds: 120 },
    ],
  };
  if (n) spec.nodeName = n.name;
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: {
      name: `etcd-quorum-guard-${rsHash}-${rand5()}`,
      namespace: NS_ETCD,
      labels: { 'k8s-app': 'etcd-quorum-guard', name: 'etcd-quorum-guard', 'pod-template-hash': rsHash },
      ownerReferences: [{ apiVersion: 'apps/v1', kind: 'ReplicaSet', name: `etcd-quorum-guard-${rsHash}`, uid: hashOf(rsHash, 32), controller: true, blockOwnerDeletion: true }],
    },
    spec,
    status,
  };
}

/** installer-<rev>-<node> (app=installer) or revision-pruner-<rev>-<node> (app=pruner). */
export function operatorJobPod(
  kind: 'installer' | 'pruner',
  minor: number,
  rev: number,
  n: { name: string; ip: string },
  state: 'running' | 'completed' | 'failed' | 'pending',
): KObject {
  const ts = now();
  const image = `quay.io/openshift-release-dev/ocp-v4.0-art-dev@sha256:${hashOf('ceo' + minor, 64)}`;
  const name = kind === 'installer' ? `installer-${rev}-${n.name}` : `revision-pruner-${rev}-${n.name}`;
  const cname = kind === 'installer' ? 'installer' : 'pruner';
  const args =
    kind === 'installer'
      ? ['-v=2', `--revision=${rev}`, '--namespace=openshift-etcd', '--pod=etcd-pod', '--resource-dir=/etc/kubernetes/static-pod-resources', '--pod-manifest-dir=/etc/kubernetes/manifests', '--configmaps=etcd-pod', '--configmaps=etcd-endpoints', '--configmaps=etcd-all-bundles', '--secrets=etcd-all-certs', '--cert-dir=/etc/kubernetes/static-pod-resources/etcd-certs']
      : ['-v=4', `--max-eligible-revision=${rev}`, '--protected-revisions=' + Array.from({ length: Math.min(rev, 5) }, (_, i) => rev - i).reverse().join(','), '--resource-dir=/etc/kubernetes/static-pod-resources', '--cert-dir=etcd-certs', '--static-pod-name=etcd-pod'];
  let status: any;
  if (state === 'completed' || state === 'failed') {
    const code = state === 'completed' ? 0 : 1;
    status = {
      phase: state === 'completed' ? 'Succeeded' : 'Failed',
      conditions: podConditions(false, ts, true),
      containerStatuses: [
        {
          containerID: `cri-o://${hashOf(name + ts, 64)}`,
          image,
          imageID: image,
          lastState: {},
          name: cname,
          ready: false,
          restartCount: 0,
          started: false,
          state: { terminated: { containerID: `cri-o://${hashOf(name + ts, 64)}`, exitCode: code, finishedAt: ts, reason: state === 'completed' ? 'Completed' : 'Error', startedAt: ts } },
        },
      ],
      hostIP: n.ip,
      podIP: n.ip,
      podIPs: [{ ip: n.ip }],
      qosClass: 'Guaranteed',
      startTime: ts,
    };
  } else if (state === 'running') {
    status = {
      phase: 'Running',
      conditions: podConditions(true, ts),
      containerStatuses: [containerStatus(cname, image, true, ts)],
      hostIP: n.ip,
      podIP: n.ip,
      podIPs: [{ ip: n.ip }],
      qosClass: 'Guaranteed',
      startTime: ts,
    };
  } else {
    status = {
      phase: 'Pending',
      conditions: [{ type: 'PodScheduled', status: 'True', lastProbeTime: null, lastTransitionTime: ts }],
      containerStatuses: [{ name: cname, image, imageID: '', lastState: {}, ready: false, restartCount: 0, started: false, state: { waiting: { reason: 'ContainerCreating' } } }],
      hostIP: n.ip,
      qosClass: 'Guaranteed',
      startTime: ts,
    };
  }
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: {
      name,
      namespace: NS_ETCD,
      labels: { app: kind === 'installer' ? 'installer' : 'pruner' },
      annotations: {},
      // owned by the revision's revision-status-<rev> ConfigMap (library-go installer / prune controllers), so the
      // garbage collector deletes them when that revision is pruned; the operator fills in the ConfigMap's uid
      ownerReferences: [{ apiVersion: 'v1', kind: 'ConfigMap', name: `revision-status-${rev}`, uid: '' }],
    },
    spec: {
      automountServiceAccountToken: false,
      containers: [
        {
          name: cname,
          image,
          command: [kind === 'installer' ? 'cluster-etcd-operator' : 'cluster-etcd-operator', kind === 'installer' ? 'installer' : 'prune'],
          args,
          resources: { limits: { cpu: '150m', memory: '200M' }, requests: { cpu: '150m', memory: '200M' } },
          securityContext: { privileged: true, runAsUser: 0 },
          terminationMessagePolicy: 'FallbackToLogsOnError',
          volumeMounts: [{ mountPath: '/etc/kubernetes/', name: 'kubelet-dir' }],
        },
      ],
      nodeName: n.name,
      priorityClassName: 'system-node-critical',
      restartPolicy: 'Never',
      serviceAccountName: 'installer-sa',
      tolerations: [{ operator: 'Exists' }],
      volumes: [{ hostPath: { path: '/etc/kubernetes/', type: '' }, name: 'kubelet-dir' }],
    },
    status,
  };
}

export function etcdCR(o: { replicas: number; overrides?: Record<string, unknown>; minor: number }): KObject {
  const spec: any = {
    forceRedeploymentReason: '',
    logLevel: 'Normal',
    managementState: 'Managed',
    // controlPlane.replicas is observed only from 4.11 (OPERATOR@release-4.11 pkg/operator/configobservation/controlplanereplicascount)
    observedConfig: { ...(o.minor >= 11 ? { controlPlane: { replicas: o.replicas } } : {}), servingInfo: { cipherSuites: ['TLS_AES_128_GCM_SHA256'], minTLSVersion: 'VersionTLS12' } },
    operatorLogLevel: 'Normal',
  };
  if (o.overrides) spec.unsupportedConfigOverrides = structuredClone(o.overrides);
  if (o.minor >= 14) spec.controlPlaneHardwareSpeed = '';
  return {
    apiVersion: 'operator.openshift.io/v1',
    kind: 'Etcd',
    metadata: {
      name: 'cluster',
      annotations: { 'include.release.openshift.io/self-managed-high-availability': 'true', 'release.openshift.io/create-only': 'true' },
    },
    spec,
    status: { conditions: [], latestAvailableRevision: 0, nodeStatuses: [], readyReplicas: 0, generations: [] },
  };
}
