// The soak's scenario space: lists that are easy to extend (a new platform, fault, chaos profile or release is one
// entry). `pickCase(rng)` draws one run: release × platform × CPMS × masters × fault × chaos profile, keeping only
// combinations the simulator accepts (sim/world/scenario.ts) and that have one right answer.
import { prng } from '../../sim/world/chaos.ts';

export type Expect = 'replaced' | 'refused' | 'nothing-to-do';

export interface SoakFault {
  name: string;
  /** the scenario's faults (node = a master's node name) */
  faults: (masters: string[]) => { node?: string; kind: string }[];
  /** what a correct `auto --yes` ends with */
  expect: Expect;
  /** the node whose member may be removed (replaced runs) */
  target?: (masters: string[]) => string;
  /** platforms it applies to (default: all) */
  platforms?: string[];
  /** relative frequency (default 1): replacements are what the soak is for */
  weight?: number;
  /** quorum is already lost when the run starts (the fault itself, not the plugin) */
  quorumLostAtStart?: (mastersCount: number) => boolean;
}

export const FAULTS: SoakFault[] = [
  { name: 'machine-stopped', faults: (m) => [{ node: m[0], kind: 'machine-stopped' }], expect: 'replaced', target: (m) => m[0]!, platforms: ['aws'], weight: 4 },
  { name: 'node-not-ready', faults: (m) => [{ node: m[1], kind: 'node-not-ready' }], expect: 'replaced', target: (m) => m[1]!, platforms: ['aws'], weight: 3 },
  { name: 'etcd-crashloop', faults: (m) => [{ node: m[0], kind: 'etcd-crashloop' }], expect: 'replaced', target: (m) => m[0]!, weight: 3 },
  { name: 'kubelet-down (member healthy)', faults: (m) => [{ node: m[2], kind: 'kubelet-down' }], expect: 'refused' },
  { name: 'learner present', faults: () => [{ kind: 'learner' }], expect: 'refused' },
  { name: 'extra unstarted member', faults: () => [{ kind: 'extra-unstarted-member' }], expect: 'refused' },
  {
    name: 'two machines stopped',
    faults: (m) => [{ node: m[0], kind: 'machine-stopped' }, { node: m[1], kind: 'machine-stopped' }],
    expect: 'refused',
    platforms: ['aws'],
    quorumLostAtStart: (n) => n === 3,
  },
  { name: 'healthy', faults: () => [], expect: 'nothing-to-do' },
];

export const RELEASES = ['4.6', '4.10', '4.12', '4.14', '4.16', '4.18'];
export const PLATFORMS = ['aws', 'none'];
export const CPMS = ['absent', 'inactive', 'active'];
export const MASTER_COUNTS = [3, 5];

export interface ChaosProfile {
  name: string;
  chaos: (seed: number) => Record<string, unknown>;
}

export const CHAOS: ChaosProfile[] = [
  { name: 'flaky API', chaos: (seed) => ({ seed, apiErrorRate: 0.08, execDropRate: 0.05, etcdErrorRate: 0.05 }) },
  { name: 'outage after member remove', chaos: (seed) => ({ seed, apiErrorRate: 0.03, apiOutages: [{ afterMemberRemove: true, seconds: 6 }] }) },
  { name: 'VPN drop + leader moves', chaos: (seed) => ({ seed, apiErrorRate: 0.03, execDropRate: 0.05, apiOutages: [{ afterWrite: 2, seconds: 8 }], leaderChanges: { everySeconds: 7 } }) },
  { name: 'cut streams', chaos: (seed) => ({ seed, execDropRate: 0.2, etcdErrorRate: 0.1 }) },
  { name: 'stalled request', chaos: (seed) => ({ seed, apiErrorRate: 0.02, apiHangRate: 0.005 }) },
];

export interface SoakCase {
  title: string;
  release: string;
  platform: string;
  cpms: string;
  masters: number;
  fault: SoakFault;
  chaosProfile: ChaosProfile;
  scenario: Record<string, unknown>;
  masterNodes: string[];
}

const pick = <T>(r: () => number, xs: readonly T[]): T => xs[Math.floor(r() * xs.length)]!;
function pickWeighted(r: () => number, xs: readonly SoakFault[]): SoakFault {
  const total = xs.reduce((a, x) => a + (x.weight ?? 1), 0);
  let x = r() * total;
  for (const f of xs) if ((x -= f.weight ?? 1) < 0) return f;
  return xs[xs.length - 1]!;
}

export interface CaseChoice {
  release: string;
  platform: string;
  cpms: string;
  masters: number;
  fault: SoakFault;
  chaosProfile: ChaosProfile;
  chaosSeed: number;
  /** 1–250: second octet of the node IPs, to keep runs apart */
  net: number;
}

/** The scenario of one choice. */
export function makeCase(ch: CaseChoice): SoakCase {
  const { release, platform, cpms, masters, fault, chaosProfile, net } = ch;
  const ips = Array.from({ length: masters }, (_, i) => `10.${net}.${100 + i * 10}.${11 + i}`);
  const nodes = ips.map((ip, i) => (platform === 'aws' ? `ip-${ip.replace(/\./g, '-')}.ec2.internal` : `master-${i}.soak.example.com`));
  const scenario: Record<string, unknown> = {
    openshift: release,
    platform,
    controlPlaneMachineSet: cpms,
    masters: nodes.map((node, i) => ({ node, ip: ips[i], ...(platform === 'none' ? {} : { machine: `soak-x7k2p-master-${i}` }) })),
    workers: 0,
    faults: fault.faults(nodes),
    timing: { provisionSeconds: 1, rolloutSeconds: 1 },
    chaos: chaosProfile.chaos(ch.chaosSeed),
  };
  const title = `${release} ${platform}${cpms !== 'absent' ? ` cpms-${cpms}` : ''} ${masters}m, ${fault.name}, chaos: ${chaosProfile.name} (seed ${ch.chaosSeed})`;
  return { title, release, platform, cpms, masters, fault, chaosProfile, scenario, masterNodes: nodes };
}

/** One random run of the space (deterministic for a seed). `net` (1–250) keeps node IPs apart between runs. */
export function pickCase(seed: number, net: number): SoakCase {
  const r = prng(seed);
  for (;;) {
    const release = pick(r, RELEASES);
    const minor = Number(release.split('.')[1]);
    const platform = pick(r, PLATFORMS);
    const fault = pickWeighted(r, FAULTS);
    if (fault.platforms && !fault.platforms.includes(platform)) continue;
    const cpms = platform === 'none' || minor < 12 ? 'absent' : pick(r, CPMS);
    const masters = pick(r, MASTER_COUNTS);
    const chaosProfile = pick(r, CHAOS);
    return makeCase({ release, platform, cpms, masters, fault, chaosProfile, chaosSeed: Math.floor(r() * 1e6), net });
  }
}

/** A fault / chaos profile by name (for fixed cases, e.g. the CI soak). */
export const faultNamed = (name: string): SoakFault => FAULTS.find((f) => f.name === name) ?? (() => { throw new Error(`no soak fault ${name}`); })();
export const chaosNamed = (name: string): ChaosProfile => CHAOS.find((c) => c.name === name) ?? (() => { throw new Error(`no chaos profile ${name}`); })();
