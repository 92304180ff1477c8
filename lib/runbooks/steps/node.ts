// Step `delete-node` (4.12+ docs, openshift.md §1.4 step 3), and the manual `new-control-plane-node` step of a cluster
// without a Machine API.
import type { Kube } from '../../cluster/kubectl.ts';
import { ManualStop, waitFor, type PlanFacts, type Step } from '../step.ts';
import { TIMEOUTS, lastLines } from './shared.ts';

export function deleteNodeStep(kube: Kube, f: PlanFacts): Step {
  const node = f.target.node;
  const args = ['delete', 'node', node, '--wait=false'];
  return {
    id: 'delete-node',
    title: `Delete node ${node}`,
    command: [kube.display(args)],
    destructive: true,
    async precondition(ctx) {
      if (await kube.exists(['get', 'node', node], { retries: 4 })) return 'run';
      ctx.note(`node ${node} is already gone`);
      return 'skip';
    },
    async act() {
      const r = await kube.run(args, { retries: 4, allowFailure: true });
      if (r.exitCode !== 0 && !/not ?found/i.test(r.stderr)) throw new Error(`delete node ${node} failed: ${lastLines(r.stderr, 1)}`);
    },
    async verify() {
      await waitFor(`node ${node} to be gone`, async () => !(await kube.exists(['get', 'node', node])), { timeoutMs: TIMEOUTS.api });
    },
  };
}

async function masterNodes(kube: Kube): Promise<any[]> {
  const list = await kube.json(['get', 'nodes', '-l', 'node-role.kubernetes.io/master'], { retries: 4 });
  return list.items ?? [];
}

export function manualNodeStep(kube: Kube, f: PlanFacts): Step {
  return {
    id: 'new-control-plane-node',
    title: 'Create a new control-plane node (manual: this cluster has no Machine API)',
    command: [`(by hand) create a new control-plane node the way ${f.target.node} was made, then: ${kube.binary} etcd-replace auto --resume`],
    destructive: false,
    async precondition(ctx) {
      for (const n of await masterNodes(kube)) {
        const key = `${n.metadata?.name}/${n.metadata?.uid}`;
        const ready = (n.status?.conditions ?? []).some((c: any) => c.type === 'Ready' && c.status === 'True');
        if (ready && !f.nodesAtPlan.includes(key)) {
          ctx.record('newNode', n.metadata.name);
          ctx.note(`new Ready control-plane node ${n.metadata.name} found`);
          return 'skip';
        }
      }
      return 'run';
    },
    async act(ctx) {
      throw new ManualStop('this cluster has no Machine API, so the new control-plane node must be made by hand', [
        `1. Create a new control-plane node the same way the original ${f.target.node} was made (UPI / your provisioning tooling).`,
        `2. Approve its CSRs if needed (${kube.binary} get csr; ${kube.binary === 'oc' ? 'oc adm' : 'kubectl'} certificate approve <name>) and wait until it is Ready.`,
        `3. Then run \`${ctx.cli} auto --resume\`: it checks that a new Ready control-plane node exists and continues.`,
      ]);
    },
    async verify() {},
  };
}
