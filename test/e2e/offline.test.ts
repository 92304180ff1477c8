// Issue 22: diagnosis from a must-gather. For every scenario preset (sim/scenarios/*.yaml) the simulator runs in this
// process (no sim child, no plugin run per scenario), three worlds at a time. Once the world is settled (the judge's
// condition below: the fault shows in the objects, and nothing the diagnosis reads has changed for 2 s), it writes a
// must-gather of itself in the real layout (sim/must-gather/gather.ts: oc adm inspect paths + gather_etcd's
// etcd_info), THEN the live diagnosis is read (lib/cluster/read.ts through the real kubectl), and the judge checks that
// nothing moved in between. The diagnosis read from the must-gather (lib/offline) must then equal the live one exactly,
// or, where the real gather_etcd writes no etcd_info (its one pod cannot exec), be the exact unknown: DataMissing for
// the member list, no member (no live read there). A world that moved is not compared but taken again (at most 3 times).
// Then: a must-gather without etcd_info, a cut file, the .tar.gz form, an old-layout bundle, and the plugin itself
// (`status --from`, `auto --dry-run --from` with a kubectl on PATH that records any call).
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { chmodSync, mkdtempSync, readdirSync, readFileSync, rmSync, truncateSync, writeFileSync, existsSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execFile, execFileSync } from 'node:child_process';
import { promisify } from 'node:util';
import { parse as parseYaml } from 'yaml';
import { startWorld, type World } from '../../sim/world/world.ts';
import { writeMustGather } from '../../sim/must-gather/gather.ts';
import { R } from '../../sim/kube-apiserver/resources.ts';
import { tarGz } from '../../lib/bundle/tar.ts';
import { Kube } from '../../lib/cluster/kubectl.ts';
import { readClusterState } from '../../lib/cluster/read.ts';
import { diagnose } from '../../lib/diagnose/diagnose.ts';
import { readOffline } from '../../lib/offline/mustgather.ts';
import { diagnoseOffline } from '../../lib/offline/diagnose.ts';
import { ROOT, runPlugin } from '../helpers/plugin.ts';
import type { Diagnosis } from '../../lib/types.ts';

const T0 = Date.now();
const execFileP = promisify(execFile);
const SCENARIOS = join(ROOT, 'sim/scenarios');

/** the must-gather's etcd_info/member_list.json is missing: the reason the offline diagnosis must give first */
const NO_MEMBER_LIST = 'DataMissing: etcd_info/member_list.json: the etcd members and their health are unknown';

/**
 * What each preset shows live, and whether the real gather_etcd writes etcd_info for it. gather_etcd (must-gather
 * collection-scripts, every release 4.6 … main) execs `etcdctl member list` in ONE pod, the first by name whose STATUS
 * reads Running (app=etcd from 4.11), and with errexit ends before `mkdir etcd_info` when that exec fails; it never
 * tries another pod. A pod on a stopped node, or behind a stopped kubelet, still reads Running. `noEtcdInfo` says why.
 */
const PRESETS: Record<string, { live: Diagnosis['scenario']; noEtcdInfo?: string }> = {
  'arbiter-4.20-baremetal': { live: 'healthy' },
  'cpms-active-4.16': { live: 'not-ready', noEtcdInfo: 'etcd-ip-10-0-131-183… (first by name) is on the stopped machine' },
  'crashloop-4.14': { live: 'crashloop' },
  'dual-stack-ipv6-first-4.14': { live: 'crashloop' },
  'extra-unstarted-member-4.14': { live: 'unsafe' },
  'healthy-4.18': { live: 'healthy' },
  'hosted-4.20': { live: 'unsafe' },
  'kubelet-down-4.14': { live: 'unsafe', noEtcdInfo: "etcd-ip-10-0-131-183… is on the node whose kubelet is down (exec goes through it)" },
  'learner-4.16': { live: 'unsafe' },
  'node-not-ready-4.6': { live: 'not-ready', noEtcdInfo: 'etcd-ip-10-0-131-183… is on the NotReady node' },
  'platform-none-4.12': { live: 'crashloop' },
  'single-node-4.20': { live: 'quorum-lost', noEtcdInfo: 'the only etcd pod crash-loops: none reads Running' },
  'stopped-master-4.14-aws': { live: 'not-ready', noEtcdInfo: 'etcd-ip-10-0-131-183… is on the stopped machine' },
  'stopped-master-4.14-baremetal': { live: 'not-ready' },
  'two-down-of-five-4.14': { live: 'unsafe', noEtcdInfo: 'etcd-ip-10-0-131-183… is on a stopped machine' },
  'two-node-fencing-4.20': { live: 'unsafe' },
  'two-down-quorum-lost-4.14': { live: 'quorum-lost', noEtcdInfo: 'etcd-ip-10-0-131-183… is on a stopped machine' },
  'upgrade-4.7-to-4.8': { live: 'not-ready', noEtcdInfo: 'etcd-ip-10-0-131-183… is on the stopped machine' },
  'upi-node-not-ready-4.10': { live: 'not-ready', noEtcdInfo: 'etcd-master-0… is on the NotReady node' },
};

/** a clear unknown: refused, no member, the DataMissing reason first */
const unknownOnly = (d: Diagnosis) => (d.scenario === 'unsafe' || d.scenario === 'quorum-lost') && d.member === null && d.reasons[0]!.startsWith('DataMissing:');
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const tmp = (p: string) => mkdtempSync(join(tmpdir(), p));

async function live(w: World): Promise<Diagnosis> {
  return diagnose(await readClusterState(new Kube({ client: 'kubectl', kubeconfig: w.kubeconfigPath })));
}

// ---- the judge's view of the world (its own objects, never through lib/) ----

/** every object the diagnosis can read, without what changes while nothing happens (heartbeats, lease renewals) */
function worldView(w: World): Map<string, string> {
  const drop = new Set(['resourceVersion', 'managedFields', 'lastHeartbeatTime', 'renewTime', 'lastProbeTime']);
  const strip = (o: any): any =>
    Array.isArray(o) ? o.map(strip) : o && typeof o === 'object' ? Object.fromEntries(Object.entries(o).filter(([k]) => !drop.has(k)).map(([k, v]) => [k, strip(v)])) : o;
  const view = new Map<string, string>();
  for (const t of [R.pods, R.nodes, R.machines, R.controlplanemachinesets, R.baremetalhosts, R.etcds, R.clusteroperators, R.clusterversions, R.infrastructures, R.configmaps, R.secrets, R.leases]) {
    for (const o of w.ctx.store.list(t)) view.set(`${t.resource}/${o.metadata.namespace ?? ''}/${o.metadata.name}`, JSON.stringify(strip(o)));
  }
  return view;
}

/** the objects that differ, each with its first changed fields */
function moved(a: Map<string, string>, b: Map<string, string>): string[] {
  const leaves = (x: any, y: any, p: string, out: string[]) => {
    if (JSON.stringify(x) === JSON.stringify(y)) return out;
    if (x && y && typeof x === 'object' && typeof y === 'object') for (const k of new Set([...Object.keys(x), ...Object.keys(y)])) leaves(x[k], y[k], `${p}.${k}`, out);
    else out.push(`${p}: ${JSON.stringify(x)?.slice(0, 80)} → ${JSON.stringify(y)?.slice(0, 80)}`);
    return out;
  };
  return [...new Set([...a.keys(), ...b.keys()])]
    .filter((k) => a.get(k) !== b.get(k))
    .map((k) => `${k} (${a.has(k) && b.has(k) ? leaves(JSON.parse(a.get(k)!), JSON.parse(b.get(k)!), '', []).slice(0, 3).join('; ') : a.has(k) ? 'gone' : 'new'})`);
}

/** the scenario's faults as the objects show them; null when all show, else what is still awaited */
function faultsPending(w: World): string | null {
  const store = w.ctx.store;
  for (const f of w.scenario.faults) {
    if (!f.node) continue;
    if (f.kind === 'machine-stopped' || f.kind === 'node-not-ready' || f.kind === 'kubelet-down') {
      const ready = store.get(R.nodes, undefined, f.node)?.status?.conditions?.find((c: any) => c.type === 'Ready');
      if (ready?.status === 'True') return `node ${f.node} still Ready (${f.kind})`;
    } else if (f.kind === 'etcd-crashloop') {
      const pod = store.get(R.pods, 'openshift-etcd', `etcd-${f.node}`);
      const etcd = (pod?.status?.containerStatuses ?? []).find((c: any) => c.name === 'etcd');
      if (etcd?.state?.waiting?.reason !== 'CrashLoopBackOff') return `etcd-${f.node} not in CrashLoopBackOff`;
    }
  }
  return null;
}

/** settled: the faults show and nothing the diagnosis reads changed for QUIET_MS (deadline 60 s); returns the view */
const QUIET_MS = 2000;
async function settled(w: World, name: string): Promise<Map<string, string>> {
  const deadline = Date.now() + 60_000;
  let view = worldView(w);
  let since = Date.now();
  for (;;) {
    await sleep(500);
    const now = worldView(w);
    const changed = moved(view, now);
    const pending = faultsPending(w);
    if (changed.length || pending) {
      view = now;
      since = Date.now();
    } else if (Date.now() - since >= QUIET_MS) return view;
    if (Date.now() > deadline) throw new Error(`${name}: the world did not settle within 60 s: ${pending ?? `still changing: ${changed.join(', ')}`}`);
  }
}

let kept: { dir: string; name: string } | null = null; // a must-gather of a replaceable scenario, for the plugin tests
const results: string[] = [];

/** The preset with every IPv4 address's second octet set to `k`: the node IPs (and so their loopback mirrors, which
 * drop only the first octet: sim/world/context.ts mirrorIP) differ from every other preset's, so worlds run side by side. */
const remap = (yaml: string, k: number) =>
  yaml
    .replace(/\b(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})\b/g, (_m, a, _b, c, d) => `${a}.${k}.${c}.${d}`)
    // AWS node names carry the IP (ip-10-0-131-183.ec2.internal): kept in step
    .replace(/\bip-(\d{1,3})-(\d{1,3})-(\d{1,3})-(\d{1,3})\b/g, (_m, a, _b, c, d) => `ip-${a}-${k}-${c}-${d}`);

/** the preset, remapped, with a crash loop's back-off at a fixed 300 s (the kubelet's cap, MaxContainerBackOff): a
 * crash-looping pod then stays in CrashLoopBackOff, unchanged, while the must-gather and the live read are taken */
function preset(f: string, k: number): object {
  const doc = parseYaml(remap(readFileSync(join(SCENARIOS, f), 'utf8'), k));
  doc.timing = { ...(doc.timing ?? {}), crashLoopBackOffSeconds: 300 };
  return doc;
}

async function one(f: string, k: number): Promise<string> {
  const name = f.replace(/\.yaml$/, '');
  const want = PRESETS[name]!;
  const state = tmp(`offline-${name}-`);
  const t = Date.now();
  const w = await startWorld({ scenario: preset(f, k), stateDir: state });
  try {
    // the must-gather first, then the live read; the judge checks that the world did not move in between. When it did
    // (a health check that timed out on a loaded machine flips a condition and back), the two reads are of different
    // worlds and are not compared: the world settles again and both are taken again (at most 3 times, each move logged).
    // A difference between reads of a world that held still fails at once.
    const mg = join(state, 'must-gather.local.1');
    let image = '';
    let d!: Diagnosis;
    let tSettled = 0;
    const moves: string[] = [];
    for (let take = 1; ; take++) {
      const before = await settled(w, name);
      tSettled = Date.now();
      rmSync(mg, { recursive: true, force: true });
      image = (await writeMustGather(w, mg)).image;
      // without etcd_info the must-gather's diagnosis is the unknown whatever the live one says (the live one of these
      // presets is checked by the e2e files that replace or refuse them): no live read, the cost of a dozen kubectl runs
      if (!want.noEtcdInfo) d = await live(w);
      const m = moved(before, worldView(w));
      if (!m.length) break;
      moves.push(`take ${take}: ${m.join(', ')}`);
      if (take === 3) assert.unreachable(`${name}: the world never held still while the must-gather and the live read were taken:\n${moves.join('\n')}`);
    }
    if (moves.length) console.log(`${name}: the world moved, taken again:\n  ${moves.join('\n  ')}`);
    if (!want.noEtcdInfo) assert.is(d.scenario, want.live, `${name}: live diagnosis: ${JSON.stringify(d)}`);
    const offline = await readOffline(mg);
    const od = diagnoseOffline(offline.state, offline.source.gaps);
    const took = `settled ${((tSettled - t) / 1000).toFixed(1)} s, compared ${((Date.now() - tSettled) / 1000).toFixed(1)} s${moves.length ? `, ${moves.length + 1} takes` : ''}`;
    const gatherLog = readFileSync(join(image, 'gather.logs'), 'utf8');
    if (!want.noEtcdInfo) {
      if (name !== 'hosted-4.20') assert.ok(existsSync(join(image, 'etcd_info/member_list.json')), `${name}: gather_etcd should have written etcd_info: ${gatherLog}`);
      assert.equal(od, d, `${name}: the must-gather's diagnosis differs from the live one`);
      if (!kept && name === 'crashloop-4.14') {
        kept = { dir: join(tmp('offline-kept-'), 'must-gather.local.7'), name };
        await execFileP('cp', ['-a', mg, kept.dir]);
      }
      return `${name}: ${od.scenario} = live (${took})`;
    }
    // no etcd_info: the exact unknown, never a member
    assert.not.ok(existsSync(join(image, 'etcd_info')), `${name}: the real gather_etcd writes no etcd_info here (${want.noEtcdInfo}): ${gatherLog}`);
    assert.is(od.member, null, `${name}: a member named without etcd_info: ${JSON.stringify(od)}`);
    assert.is(od.reasons[0], NO_MEMBER_LIST, `${name}: ${JSON.stringify(od)}`);
    assert.is(od.scenario, want.live === 'quorum-lost' ? 'quorum-lost' : 'unsafe', `${name}: ${JSON.stringify(od)}`);
    return `${name}: no etcd_info (${want.noEtcdInfo}): ${od.scenario}, DataMissing, no member (${took})`;
  } finally {
    await w.stop();
    rmSync(state, { recursive: true, force: true });
  }
}

/** node names of a preset: two worlds of one process may not share one (the simulator's per-node process state) */
const nodeNames = (f: string, k: number) => new Set([...remap(readFileSync(join(SCENARIOS, f), 'utf8'), k).matchAll(/node:\s*([^,}\s]+)/g)].map((m) => m[1]!));

test('every scenario preset: the diagnosis from its must-gather equals the live one (or is the exact unknown)', async () => {
  const all = readdirSync(SCENARIOS).filter((f) => f.endsWith('.yaml')).sort();
  assert.equal(all.map((f) => f.replace(/\.yaml$/, '')).sort(), Object.keys(PRESETS).sort(), 'a scenario preset has no expectation in this test');
  const only = process.env.OFFLINE_ONLY?.split(',');
  const files = only ? all.filter((f) => only.includes(f.replace(/\.yaml$/, ''))) : all;
  // the slowest first (five members, bare metal), so that the last ones do not run alone
  const weight = (f: string) => (/five|baremetal|two-down/.test(f) ? 0 : 1);
  const queue = files.map((f) => [f, all.indexOf(f) + 1] as const).sort((a, b) => weight(a[0]) - weight(b[0]));
  const jobs = Number(process.env.OFFLINE_JOBS ?? 3);
  const busy = new Set<string>();
  const failures: unknown[] = [];
  await Promise.all(
    Array.from({ length: jobs }, async () => {
      for (;;) {
        const i = queue.findIndex(([f, k]) => ![...nodeNames(f, k)].some((n) => busy.has(n)));
        if (i === -1) {
          if (!queue.length) return;
          await sleep(200);
          continue;
        }
        const [f, k] = queue.splice(i, 1)[0]!;
        const names = nodeNames(f, k);
        for (const n of names) busy.add(n);
        try {
          results.push(await one(f, k));
        } catch (e) {
          failures.push(e);
        } finally {
          for (const n of names) busy.delete(n);
        }
      }
    }),
  );
  console.log(results.sort().join('\n'));
  if (process.env.OFFLINE_REPORT) writeFileSync(process.env.OFFLINE_REPORT, `${results.sort().join('\n')}\n${failures.map((e) => `FAILED ${(e as Error).message}`).join('\n')}\npresets took ${((Date.now() - T0) / 1000).toFixed(1)} s\n`);
  for (const e of failures) console.log(`FAILED ${String((e as Error).message ?? e).split('\n')[0]}`);
  if (failures.length) throw failures[0];
  if (!only) assert.ok(results.some((r) => / crashloop = live/.test(r)) && results.some((r) => / not-ready = live/.test(r)), 'no replaceable scenario compared equal');
});

test('no etcd_info, or a cut file: a clear unknown, never a member to remove', async () => {
  assert.ok(kept, 'the crashloop must-gather was not kept');
  const image = join(kept!.dir, readdirSync(kept!.dir).find((n) => statSync(join(kept!.dir, n)).isDirectory())!);
  const variants: [string, (dir: string) => void][] = [
    ['no etcd_info', (dir) => rmSync(join(dir, 'etcd_info'), { recursive: true })],
    ['cut member list', (dir) => truncateSync(join(dir, 'etcd_info/member_list.json'), 40)],
    ['cut endpoint health', (dir) => truncateSync(join(dir, 'etcd_info/endpoint_health.json'), 30)],
    ['cut Etcd CR', (dir) => truncateSync(join(dir, 'cluster-scoped-resources/operator.openshift.io/etcds/cluster.yaml'), 200)],
  ];
  await Promise.all(
    variants.map(async ([what, cut]) => {
      const copy = join(tmp('offline-cut-'), 'mg');
      execFileSync('cp', ['-a', kept!.dir, copy]);
      cut(join(copy, image.slice(kept!.dir.length + 1)));
      const r = await readOffline(copy);
      const d = diagnoseOffline(r.state, r.source.gaps);
      assert.ok(unknownOnly(d), `${what}: not a clear unknown: ${JSON.stringify(d)}`);
      assert.ok(r.source.gaps.some((g) => g.essential), `${what}: no gap named`);
      const plan = await runPlugin(null, ['auto', '--dry-run', '--from', copy], { env: { KUBECONFIG: '/nonexistent' } });
      assert.is(plan.code, 4, `${what}: auto --dry-run --from must refuse: ${plan.stdout}${plan.stderr}`);
      assert.not.match(plan.stdout, /member remove/, `${what}: a plan that removes a member`);
    }),
  );
});

test('the plugin: status --from (folder and .tar.gz) as live, auto --dry-run --from calls no kubectl, other auto --from and an old-layout bundle are usage errors', async () => {
  const bin = tmp('offline-bin-');
  const calls = join(bin, 'calls.log');
  for (const b of ['kubectl', 'oc']) {
    writeFileSync(join(bin, b), `#!/bin/sh\necho "$0 $*" >> ${calls}\nexit 1\n`);
    chmodSync(join(bin, b), 0o755);
  }
  const env = { PATH: `${bin}:${process.env.PATH}`, KUBECONFIG: '/nonexistent' };
  const tgz = join(tmp('offline-tgz-'), 'case.tar.gz');
  execFileSync('tar', ['-czf', tgz, '-C', join(kept!.dir, '..'), 'must-gather.local.7']);
  // a bundle in the layout of before bundles were must-gathers (lib/commands/bundle.ts until 0c36ad3): one folder with
  // status.yaml (or status.error.txt), objects/, journal/ and README.txt; as the .tar.gz `bundle` wrote, and unpacked
  const oldDir = tmp('offline-oldbundle-');
  const top = 'etcd-replace-bundle-20261201T101500Z';
  const oldEntries = [
    { name: `${top}/status.yaml`, data: 'cluster:\n  server: https://api.example.com:6443\ndiagnosis:\n  scenario: crashloop\n' },
    { name: `${top}/objects/etcd.yaml`, data: 'apiVersion: operator.openshift.io/v1\nkind: Etcd\n' },
    { name: `${top}/README.txt`, data: 'etcd-replace support bundle\n' },
  ];
  const oldTgz = join(oldDir, 'etcd-replace-bundle.tar.gz');
  writeFileSync(oldTgz, tarGz(oldEntries));
  const oldErrTgz = join(oldDir, 'etcd-replace-bundle-error.tar.gz');
  writeFileSync(oldErrTgz, tarGz([{ name: `${top}/status.error.txt`, data: 'error: the API server did not answer\n' }, ...oldEntries.slice(1)]));
  execFileSync('tar', ['-xzf', oldErrTgz, '-C', oldDir]);
  const old = [['status', '--from', oldTgz], ['auto', '--dry-run', '-o', 'json', '--from', join(oldDir, top)]];
  const bad = [['auto', '--from', tgz], ['auto', '--yes', '--from', tgz], ['auto', '--dry-run=server', '--from', tgz], ['auto', '--resume', '--from', tgz]];
  const [fromDir, fromTgz, screen, dry, ...usage] = await Promise.all([
    runPlugin(null, ['status', '--from', kept!.dir, '-o', 'json'], { env }),
    runPlugin(null, ['status', '--from', tgz, '-o', 'json'], { env }),
    runPlugin(null, ['status', '--from', kept!.dir], { env }),
    runPlugin(null, ['auto', '--dry-run', '--from', tgz], { env }),
    ...[...bad, ...old].map((args) => runPlugin(null, args, { env })),
  ]);
  assert.is(fromDir!.code, 3, fromDir!.stderr);
  assert.is(fromTgz!.code, 3, fromTgz!.stderr);
  const a = JSON.parse(fromDir!.stdout);
  const b = JSON.parse(fromTgz!.stdout);
  assert.equal(b.diagnosis, a.diagnosis);
  assert.equal(b.members, a.members);
  assert.is(a.diagnosis.scenario, 'crashloop');
  assert.match(a.cluster.source.collectedAt, /^\d{4}-\d\d-\d\dT/);
  assert.match(screen!.stdout, /^source must-gather .*collected \d{4}-/m);
  assert.match(screen!.stdout, /DIAGNOSIS\nscenario: crashloop/);
  assert.is(dry!.code, 0, dry!.stderr);
  assert.match(dry!.stdout, /etcdctl member remove [0-9a-f]{16}/);
  assert.match(dry!.stdout, /dry run: nothing was changed/);
  bad.forEach((args, i) => {
    const r = usage[i]!;
    assert.is(r.code, 2, `${args.join(' ')}: ${r.stderr}`);
    assert.is(r.stderr.trim().split('\n').length, 1, `${args.join(' ')}: one line: ${r.stderr}`);
  });
  old.forEach((args, i) => {
    const r = usage[bad.length + i]!;
    assert.is(r.code, 2, `${args.join(' ')}: an old-layout bundle is a usage error: ${r.stdout}${r.stderr}`);
    assert.is(r.stdout, '', `${args.join(' ')}: nothing on stdout`);
    assert.is(r.stderr.trim().split('\n').length, 1, `${args.join(' ')}: one line: ${r.stderr}`);
    assert.match(r.stderr, /is an etcd-replace bundle from before bundles were must-gathers: it has no raw etcd reads to diagnose from/, args.join(' '));
  });
  assert.not.ok(existsSync(calls), `kubectl/oc was run: ${existsSync(calls) ? readFileSync(calls, 'utf8') : ''}`);
  console.log(`offline.test.ts: ${((Date.now() - T0) / 1000).toFixed(1)} s`);
});

test.after(() => {
  // a world whose start failed half-way (its API server up, its etcd not) keeps the process alive: exit once uvu has
  // said its result, instead of hanging until the runner's deadline
  setTimeout(() => process.exit(process.exitCode ?? 0), 3000).unref();
});

test.run();
