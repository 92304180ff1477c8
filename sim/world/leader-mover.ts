// Chaos `leaderChanges: {everySeconds: N}`: the etcd leader moves to another started voting member every N seconds,
// with the real `etcdctl move-leader <hex member ID>` sent to the current leader (etcd-io/etcd etcdctl/README.md
// "MOVE-LEADER"; the leader is found with `etcdctl endpoint status`, whose table/simple output has hex IDs and an
// IS LEADER column). Clients meanwhile may see "etcdserver: leader changed" (etcd server/etcdserver/errors.go).
import { runsEtcd, type WorldContext } from './context.ts';
import type { Kubelet } from '../kubelet/kubelet.ts';
import { clientURL, etcdctl, memberList } from '../etcd/etcd.ts';
import { controllerLoop, type ControllerLoop } from './loop.ts';
import type { Evidence } from './evidence.ts';

export function leaderMover(ctx: WorldContext, kubelets: Map<string, Kubelet>, everySeconds: number, rand: () => number, evidence: Evidence | null): ControllerLoop {
  let first = true;
  return controllerLoop(
    'leader-mover',
    everySeconds * 1000,
    async () => {
      if (first) {
        first = false; // the first tick comes at once; move only after a full period
        return;
      }
      const masters = [...ctx.nodes.values()].filter((n) => runsEtcd(n) && kubelets.get(n.name)?.etcdHealthy);
      if (masters.length < 2) return;
      const status = await etcdctl(masters.map(clientURL), ['endpoint', 'status', '-w', 'simple']);
      if (status.exitCode !== 0) return;
      // "http://127.0.131.183:2379, 8e9e05c52164694d, 3.4.30, 20 kB, true, false, 2, 8, 8, "
      const rows = status.stdout.trim().split('\n').map((l) => l.split(',').map((x) => x.trim()));
      const leader = rows.find((r) => r[4] === 'true');
      if (!leader) return;
      const members = await memberList(masters.map(clientURL)).catch(() => []);
      const started = new Set(rows.filter((r) => r[5] === 'false').map((r) => r[1]));
      const candidates = members.filter((m) => !m.isLearner && m.id !== leader[1] && started.has(m.id));
      if (candidates.length === 0) return;
      const to = candidates[Math.floor(rand() * candidates.length)]!;
      const r = await etcdctl([leader[0]!], ['move-leader', to.id]);
      ctx.log(`chaos: move-leader ${leader[1]} → ${to.id}: ${(r.stdout || r.stderr).trim().split('\n').pop()}`);
      if (r.exitCode === 0) evidence?.write({ kind: 'chaos', what: 'leader-moved', from: leader[1], to: to.id });
    },
    ctx.log,
  );
}
