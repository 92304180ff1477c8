// Fault `revision-crashloop`: a new static-pod revision is rolled out and its etcd crash-loops on node N. The installer
// (github.com/openshift/library-go pkg/operator/staticpod/controller/installer/installer_controller.go) moves one node
// at a time and waits for that node's pod at the new revision to be Ready ("static pod is pending"), so the other nodes
// stay at the older revision (openshift.md §0.1 "Crash loop during a revision rollout"). The crash itself: N's data
// turns out to be unreadable when its etcd restarts (as fault etcd-crashloop).
import type { Kubelet } from '../kubelet/kubelet.ts';

export interface RolloutOperator {
  changeOperatorConfig(): void;
  readonly installing: { node: string; rev: number; manifestWritten: boolean } | null;
}

/** Start a new revision; when the installer turns to `node` (before it writes the manifest), break that node's etcd. */
export async function revisionCrashloop(operator: RolloutOperator, kubelet: Kubelet, node: string, log: (m: string) => void, timeoutMs = 120_000): Promise<void> {
  operator.changeOperatorConfig();
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const ins = operator.installing;
    if (ins && ins.node === node && !ins.manifestWritten) break;
    if (Date.now() > deadline) throw new Error(`fault revision-crashloop: the installer did not turn to ${node} within ${timeoutMs / 1000}s`);
    await new Promise((r) => setTimeout(r, 50));
  }
  log(`fault: revision-crashloop: installer is on ${node} (revision ${operator.installing?.rev}); its etcd will crash-loop`);
  await kubelet.corruptEtcd();
}
