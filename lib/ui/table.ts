// `status` rendering: one screen of tables (table package) and the diagnosis.
import { table, getBorderCharacters } from 'table';
import type { ClusterState, Diagnosis } from '../types.ts';
import { colors, type Colors } from './color.ts';
import { peerIP } from '../etcd/members.ts';
import { topologyLabel } from '../diagnose/topology.ts';

export interface StatusHeader {
  server: string | null;
  context: string | null;
  /** read from files (status --from): where from and when collected, and what they could not tell */
  source?: { line: string; unknown: string[] };
}

const BORDER = getBorderCharacters('void');

function grid(rows: string[][]): string {
  return table(rows, {
    border: BORDER,
    columnDefault: { paddingLeft: 0, paddingRight: 2 },
    drawHorizontalLine: () => false,
  })
    .split('\n')
    .map((l) => l.replace(/\s+$/, ''))
    .filter((l, i, a) => l !== '' || i < a.length - 1)
    .join('\n');
}

function section(c: Colors, title: string, body: string): string {
  return `${c.bold(title)}\n${body.replace(/\n+$/, '')}\n`;
}

const short = (s: string, n = 40) => (s.length > n ? `${s.slice(0, n - 1)}…` : s);

export function renderStatus(s: ClusterState, d: Diagnosis, h: StatusHeader, useColors = false): string {
  const c = colors(useColors);
  const out: string[] = [];
  out.push(
    `${c.bold('cluster')} ${h.server ?? '?'}${h.context ? ` (context ${h.context})` : ''}   ${c.bold('release')} ${s.release ?? 'unknown'}   ${c.bold('platform')} ${s.platform ?? 'unknown'}   ${c.bold('topology')} ${topologyLabel(s)}` +
      `${s.controlPlaneMachineSet ? `   ${c.bold('cpms')} ${s.controlPlaneMachineSet.state}` : ''}\n`,
  );
  if (h.source) {
    out.push(`${c.bold('source')} ${h.source.line}\n`);
    for (const u of h.source.unknown) out.push(c.yellow(`  unknown: ${u}`) + '\n');
  }

  // MEMBERS
  if (s.members.length) {
    const rows = [['ID', 'NAME', 'PEER', 'CLIENT', 'STATUS', 'LEARNER', 'HEALTH', 'LEADER']];
    for (const m of s.members) {
      const health = m.healthy === true ? c.green('healthy') : m.healthy === false ? c.red('UNHEALTHY') : c.yellow('unknown');
      rows.push([
        m.id,
        m.name || '-',
        m.peerURLs.join(',') || '-',
        m.clientURLs.join(',') || '-',
        m.started ? 'started' : c.yellow('unstarted'),
        m.isLearner ? c.yellow('true') : 'false',
        health,
        m.leader ? 'yes' : '',
      ]);
    }
    out.push(section(c, `MEMBERS (read from ${s.memberSource})`, grid(rows)));
    const errs = s.members.filter((m) => m.healthy === false && m.healthError);
    for (const m of errs) out.push(c.dim(`  ${m.name || m.id}: ${short(m.healthError!, 160)}`) + '\n');
  } else {
    out.push(section(c, 'MEMBERS', c.red(`member list unreadable: ${s.memberListError ?? 'no etcd pod answered'}`)));
  }

  // ETCD PODS
  if (s.pods.length) {
    const rows = [['NAME', 'NODE', 'READY', 'STATUS', 'RESTARTS', 'REVISION']];
    for (const p of s.pods) {
      const st = p.status === 'Running' && p.readyCount === p.containerCount ? c.green(p.status) : p.status === 'Running' ? c.yellow(p.status) : c.red(p.status);
      rows.push([p.name, p.node, `${p.readyCount}/${p.containerCount}`, st, String(p.restarts), p.revision ?? '']);
    }
    out.push(section(c, 'ETCD PODS', grid(rows)));
  } else out.push(section(c, 'ETCD PODS', c.red('no etcd pods (label k8s-app=etcd) found')));

  // NODES
  if (s.nodes.length) {
    // ROLE only where there is more than one (an arbiter cluster: master and arbiter)
    const roles = s.nodes.some((n) => n.role === 'arbiter');
    const rows = [['NAME', ...(roles ? ['ROLE'] : []), 'IP', 'READY', 'MEMBER']];
    for (const n of s.nodes) {
      const ready = n.ready === true ? c.green('Ready') : n.ready === false ? c.red('NotReady') : c.red('Unknown');
      const m = s.members.find((x) => x.name === n.name) ?? s.members.find((x) => peerIP(x) === n.internalIP);
      rows.push([n.name, ...(roles ? [n.role ?? 'master'] : []), n.internalIP ?? '-', ready + (n.unreachable ? c.red(' (unreachable)') : ''), m ? m.id : c.yellow('none')]);
    }
    out.push(section(c, 'NODES', grid(rows)));
  } else if (s.topology === 'External') out.push(section(c, 'NODES', 'no control plane nodes: the control plane is hosted (topology External)'));
  else out.push(section(c, 'NODES', c.red('no control plane nodes (node-role.kubernetes.io/master) found')));

  // MACHINES
  if (s.machines) {
    const rows = [['NAME', 'PHASE', 'STATE', 'NODE']];
    for (const m of s.machines) {
      const state = m.instanceRunning === true ? c.green(m.instanceState ?? '') : m.instanceRunning === false ? c.red(m.instanceState ?? '') : c.yellow(m.instanceState ?? '-');
      const phase = m.phase === 'Running' ? m.phase : c.yellow(m.phase ?? '-');
      rows.push([m.name, phase + (m.deleting && m.phase !== 'Deleting' ? c.yellow(' (deleting)') : ''), state, m.nodeName ?? '-']);
    }
    out.push(section(c, 'MACHINES', grid(rows)));
  } else out.push(section(c, 'MACHINES', 'no Machine API (control plane machines are not managed by the cluster)'));

  // HOSTS (bare metal: the Metal3 BareMetalHosts of the control plane and the unclaimed ones, as `oc get bmh`)
  if (s.hosts) {
    const rows = [['NAME', 'STATE', 'CONSUMER', 'ONLINE', 'POWER', 'ERROR']];
    const masters = new Set((s.machines ?? []).map((m) => m.name));
    for (const h of s.hosts.filter((x) => !x.consumer || masters.has(x.consumer))) {
      const ok = ['provisioned', 'externally provisioned', 'available'].includes(h.state);
      const power = h.poweredOn === null ? '-' : h.poweredOn ? 'on' : c.red('off');
      rows.push([h.name, ok ? h.state : c.yellow(h.state || '-'), h.consumer ?? '-', h.online === null ? '-' : String(h.online), power, h.error ? c.red(h.error) : '-']);
    }
    out.push(section(c, 'HOSTS', grid(rows)));
  }

  // SECRETS
  if (s.secrets.length) {
    const rows = [['NODE', 'SECRETS']];
    for (const x of s.secrets) {
      rows.push([x.node, x.missing.length === 0 ? c.green('3 ✓') : c.red(`missing: ${x.missing.join(', ')}`)]);
    }
    out.push(section(c, 'SECRETS (etcd-peer/-serving/-serving-metrics)', grid(rows)));
  }

  // ETCD CR
  const wanted = ['EtcdMembersAvailable', 'EtcdMembersDegraded', 'NodeInstallerProgressing', 'UnsupportedConfigOverridesUpgradeable'];
  const rows = [['CONDITION', 'STATUS', 'REASON', 'MESSAGE']];
  for (const t of wanted) {
    const cond = s.etcd.conditions.find((x) => x.type === t);
    if (!cond) continue;
    const bad = (t === 'EtcdMembersAvailable' || t === 'UnsupportedConfigOverridesUpgradeable') ? cond.status !== 'True' : cond.status === 'True';
    rows.push([t, bad ? c.yellow(cond.status) : cond.status, cond.reason ?? '', short(cond.message ?? '', 70)]);
  }
  const etcdLines: string[] = [];
  if (rows.length > 1) etcdLines.push(grid(rows));
  const ov = s.etcd.unsupportedConfigOverrides;
  etcdLines.push(
    `quorum guard: ${s.etcd.quorumGuardOff ? c.yellow('OFF (useUnsupportedUnsafeNonHANonProductionUnstableEtcd)') : 'on'}` +
      `   unsupportedConfigOverrides: ${ov === undefined || ov === null ? 'none' : JSON.stringify(ov)}` +
      `   latest revision: ${s.etcd.latestAvailableRevision ?? '?'}`,
  );
  out.push(section(c, 'ETCD OPERATOR (etcd/cluster)', etcdLines.join('\n')));

  out.push(renderDiagnosis(d, c));
  return out.join('\n');
}

export function renderDiagnosis(d: Diagnosis, c: Colors = colors(false)): string {
  const scen =
    d.scenario === 'healthy' ? c.green(d.scenario) : d.scenario === 'not-ready' || d.scenario === 'crashloop' ? c.yellow(d.scenario) : c.red(d.scenario);
  const lines = [c.bold('DIAGNOSIS'), `scenario: ${scen}`];
  if (d.member) lines.push(`member:   ${d.member.id} ${d.member.name} (node ${d.member.node}${d.member.machine ? `, machine ${d.member.machine}` : ''})`);
  if (d.reasons.length) {
    lines.push('reasons:');
    for (const r of d.reasons) lines.push(`  - ${r}`);
  }
  lines.push(`action:   ${d.action}`);
  return lines.join('\n') + '\n';
}
