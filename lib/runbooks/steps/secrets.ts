// Step `delete-secrets`: etcd-peer-, etcd-serving-, etcd-serving-metrics-<node> (openshift.md §1.4 step 4, §2.2).
import type { Kube } from '../../cluster/kubectl.ts';
import { waitFor, type PlanFacts, type Step } from '../step.ts';
import { NS_ETCD, TIMEOUTS } from './shared.ts';

export function secretNames(node: string): string[] {
  return [`etcd-peer-${node}`, `etcd-serving-${node}`, `etcd-serving-metrics-${node}`];
}

export function deleteSecretsStep(kube: Kube, f: PlanFacts): Step {
  const node = f.target.node;
  const names = secretNames(node);
  const args = (n: string) => ['-n', NS_ETCD, 'delete', 'secret', n, '--ignore-not-found'];
  let uids: Record<string, string> = {};
  const currentUids = async () => {
    const list = await kube.json(['-n', NS_ETCD, 'get', 'secrets'], { retries: 4 });
    const out: Record<string, string> = {};
    for (const s of list.items ?? []) if (names.includes(s.metadata?.name)) out[s.metadata.name] = s.metadata.uid;
    return out;
  };
  return {
    id: 'delete-secrets',
    title: `Delete the etcd secrets of ${node}`,
    command: names.map((n) => kube.display(args(n))),
    destructive: true,
    async precondition(ctx) {
      uids = await currentUids();
      if (Object.keys(uids).length === 0) {
        ctx.note('none of the three secrets exists');
        return 'skip';
      }
      return 'run';
    },
    async act() {
      for (const n of names) if (uids[n]) await kube.run(args(n), { retries: 4 });
      return `deleted ${Object.keys(uids).join(', ')}`;
    },
    async verify() {
      // gone, or re-created by the operator's cert signer (a new uid) for a node that still exists
      await waitFor(
        `secrets ${Object.keys(uids).join(', ')} to be gone`,
        async () => {
          const now = await currentUids();
          const stale = Object.keys(uids).filter((n) => now[n] === uids[n]);
          return stale.length === 0 || `still present: ${stale.join(', ')}`;
        },
        { timeoutMs: TIMEOUTS.api },
      );
    },
  };
}
