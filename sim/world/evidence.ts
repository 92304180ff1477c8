// Instrumentation, not a behaviour of the real cluster: the simulator's own record of what happened, for judging a
// run from evidence rather than from the plugin's claims (scripts/soak.ts). Like a kube-apiserver audit log
// (kubernetes.io/docs/tasks/debug/debug-cluster/audit/, one JSON object per line) plus a record of the real etcd's
// membership. Written to <state>/evidence.jsonl when the scenario has a `chaos` key (all of it) or the simulator runs
// with SIM_EVIDENCE=1 (the member lists, quorum losses and pod commands; test/helpers/judge.ts reads them):
//   {kind: 'api', verb, path, code, user}             every create/update/patch/delete a client sent
//   {kind: 'exec', pod, container, command, exitCode, ran, stderr}   every command run in a pod (ran: false when chaos
//                                                                    failed it before it started)
//   {kind: 'chaos', what, ...}                        every injected fault
//   {kind: 'members', members: [{id, name, learner, started, running, healthy}]}   the member list whenever it (or
//                                                     whether a member's etcd process runs) changes
//   {kind: 'quorum-lost', how, ...}                   fewer voting members running than a majority, or linearizable
//                                                     reads failing, for 20 s on end
// Membership is read from the real etcd every second (etcdctl member list -w json, BigInt IDs); `running` is whether
// the member's etcd process runs, `healthy` the kubelet's last /health probe (informative only).
import { appendFileSync } from 'node:fs';
import path from 'node:path';
import { runsEtcd, type WorldContext } from './context.ts';
import type { Kubelet } from '../kubelet/kubelet.ts';
import { clientURL, etcdctl, memberList } from '../etcd/etcd.ts';
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

/**
 * Polls the real etcd membership and records changes and quorum loss. Quorum is judged two ways, neither from the
 * kubelets' health probes (which time out on a loaded machine): structurally (fewer voting members whose etcd process
 * runs than a majority) and by etcd itself (a linearizable read failing), each for QUORUM_PROBE_MS on end: a static
 * pod rollout restarts the members one at a time, and with two voting members (right after the removal, as the
 * documented procedure does) each restart is a few seconds without quorum; that is the procedure, not a loss.
 */
const QUORUM_PROBE_MS = 20_000;

export function membershipMonitor(ctx: WorldContext, kubelets: Map<string, Kubelet>, evidence: Evidence): ControllerLoop {
  let last = '';
  let lostLogged = false;
  let lostSince: number | null = null;
  let probeFailingSince: number | null = null;
  let probeLogged = false;
  let tick = 0;
  return controllerLoop(
    'evidence',
    1000,
    async () => {
      const nodeOf = (peer: string | undefined) => {
        const host = peer ? new URL(peer).hostname : '';
        return [...ctx.nodes.values()].find((n) => n.loopback === host);
      };
      const running = (peer: string | undefined) => {
        const n = nodeOf(peer);
        return !!n && !!kubelets.get(n.name)?.etcdProcess;
      };
      const masters = [...ctx.nodes.values()].filter((n) => runsEtcd(n) && kubelets.get(n.name)?.etcdProcess);
      if (masters.length === 0) return;
      const endpoints = masters.map(clientURL);
      if (tick++ % 2 === 0) {
        const probe = await etcdctl(endpoints, ['get', 'evidence-quorum-probe', '--consistency=l']);
        if (probe.exitCode === 0) {
          probeFailingSince = null;
          probeLogged = false;
        } else {
          probeFailingSince ??= Date.now();
          if (!probeLogged && Date.now() - probeFailingSince >= QUORUM_PROBE_MS) {
            probeLogged = true;
            evidence.write({ kind: 'quorum-lost', how: `linearizable reads failing for ${QUORUM_PROBE_MS / 1000}s`, error: probe.stderr.trim().split('\n').pop() });
          }
        }
      }
      let members;
      try {
        members = await memberList(endpoints);
      } catch {
        return;
      }
      const view = members
        .map((m) => {
          const n = nodeOf(m.peerURLs[0]);
          return {
            id: m.id.padStart(16, '0'),
            name: m.name,
            learner: m.isLearner,
            started: m.name !== '',
            running: running(m.peerURLs[0]),
            healthy: !!n && !!kubelets.get(n.name)?.etcdHealthy,
          };
        })
        .sort((a, b) => a.id.localeCompare(b.id));
      const key = JSON.stringify(view.map(({ id, learner, started, running }) => [id, learner, started, running]));
      if (key !== last) {
        last = key;
        evidence.write({ kind: 'members', members: view });
      }
      const voters = view.filter((m) => !m.learner);
      const runningVoters = voters.filter((m) => m.running).length;
      const lost = runningVoters < Math.floor(voters.length / 2) + 1;
      if (!lost) {
        lostSince = null;
        lostLogged = false;
      } else {
        lostSince ??= Date.now();
        if (!lostLogged && Date.now() - lostSince >= QUORUM_PROBE_MS) {
          lostLogged = true;
          evidence.write({ kind: 'quorum-lost', how: `too few voting members running for ${QUORUM_PROBE_MS / 1000}s`, voters: voters.length, runningVoters, members: view });
        }
      }
    },
    ctx.log,
  );
}
