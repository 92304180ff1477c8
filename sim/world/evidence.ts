// Instrumentation, not a behaviour of the real cluster: the simulator's own record of what happened, for judging a
// run from evidence rather than from the plugin's claims (scripts/soak.ts). Like a kube-apiserver audit log
// (kubernetes.io/docs/tasks/debug/debug-cluster/audit/, one JSON object per line) plus a record of the real etcd's
// membership. Written to <state>/evidence.jsonl when the scenario has a `chaos` key:
//   {kind: 'api', verb, path, code, user}             every create/update/patch/delete a client sent
//   {kind: 'exec', pod, container, command, exitCode, ran, stderr}   every command run in a pod (ran: false when chaos
//                                                                    failed it before it started)
//   {kind: 'chaos', what, ...}                        every injected fault
//   {kind: 'members', members: [{id, name, learner, started, healthy}]}   the member list whenever it (or a health) changes
//   {kind: 'quorum-lost', voters, healthyVoters}      a poll that found fewer healthy voting members than a majority
// Membership is read from the real etcd every second (etcdctl member list -w json, BigInt IDs) and health from each
// member's /health through the kubelets' probes.
import { appendFileSync } from 'node:fs';
import path from 'node:path';
import type { WorldContext } from './context.ts';
import type { Kubelet } from './kubelet.ts';
import { clientURL, memberList } from './etcd.ts';
import { controllerLoop, type ControllerLoop } from './loop.ts';

export class Evidence {
  readonly file: string;
  constructor(stateDir: string) {
    this.file = path.join(stateDir, 'evidence.jsonl');
  }
  write(entry: Record<string, unknown>): void {
    try {
      appendFileSync(this.file, JSON.stringify({ t: new Date().toISOString(), ...entry }) + '\n');
    } catch {
      /* best effort */
    }
  }
}

/** Polls the real etcd membership and records changes and quorum loss. */
export function membershipMonitor(ctx: WorldContext, kubelets: Map<string, Kubelet>, evidence: Evidence): ControllerLoop {
  let last = '';
  let lostLogged = false;
  return controllerLoop(
    'evidence',
    1000,
    async () => {
      const masters = [...ctx.nodes.values()].filter((n) => n.role === 'master' && kubelets.get(n.name)?.etcdHealthy);
      if (masters.length === 0) return;
      let members;
      try {
        members = await memberList(masters.map(clientURL));
      } catch {
        return; // no quorum to answer right now: judged by the health below on the next successful read
      }
      const healthyOf = (peer: string | undefined) => {
        const host = peer ? new URL(peer).hostname : '';
        const node = [...ctx.nodes.values()].find((n) => n.loopback === host);
        return !!node && !!kubelets.get(node.name)?.etcdHealthy;
      };
      const view = members
        .map((m) => ({ id: m.id.padStart(16, '0'), name: m.name, learner: m.isLearner, started: m.clientURLs.length > 0, healthy: healthyOf(m.peerURLs[0]) }))
        .sort((a, b) => a.id.localeCompare(b.id));
      const key = JSON.stringify(view.map(({ id, learner, started, healthy }) => [id, learner, started, healthy]));
      if (key !== last) {
        last = key;
        evidence.write({ kind: 'members', members: view });
      }
      const voters = view.filter((m) => !m.learner);
      const healthyVoters = voters.filter((m) => m.healthy).length;
      const lost = healthyVoters < Math.floor(voters.length / 2) + 1;
      if (lost && !lostLogged) evidence.write({ kind: 'quorum-lost', voters: voters.length, healthyVoters, members: view });
      lostLogged = lost;
    },
    ctx.log,
  );
}
