// A short fixed soak (scripts/soak.ts) in CI, part 1 of 2 (soak-b.test.ts has procedure B): runs from the scenario
// space with chaos on, each `auto --yes` (then `--resume` while it stops resumable) and `status`, judged from the
// simulator's evidence. No run may be wrong; the replacement must end healthy (first time or after a resume) and the
// refusal must refuse.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { soakRun, soakTable, type RunReport } from '../../scripts/soak.ts';
import { chaosNamed, faultNamed, makeCase } from '../../scripts/soak/space.ts';

const CASES = [
  // procedure A, Machine API: the API server goes away right after member remove; 429/500/503 throughout
  makeCase({ release: '4.14', platform: 'aws', cpms: 'absent', masters: 3, fault: faultNamed('machine-stopped'), chaosProfile: chaosNamed('outage after member remove'), chaosSeed: 101, net: 241 }),
  // a refusal under a flaky API: a learner is present
  makeCase({ release: '4.12', platform: 'none', cpms: 'absent', masters: 3, fault: faultNamed('learner present'), chaosProfile: chaosNamed('flaky API'), chaosSeed: 303, net: 243 }),
];

test('fixed soak with chaos (procedure A with an API outage after member remove; a refusal): no wrong outcome', async () => {
  const t0 = Date.now();
  const reports: RunReport[] = [];
  for (const [i, c] of CASES.entries()) {
    const r = await soakRun(i + 1, c, { log: (l) => console.log(l) });
    reports.push(r);
    console.log(`${c.title}: ${r.outcome} (exit ${r.codes.join(' → ')}, ${r.seconds.toFixed(0)} s)\n  ${r.notes.join('\n  ')}`);
  }
  console.log(soakTable(reports, (Date.now() - t0) / 1000));
  for (const r of reports) assert.is.not(r.outcome, 'wrong', `${r.title}: ${r.notes.join('; ')}`);
  assert.ok(['healthy', 'resumed'].includes(reports[0]!.outcome), `${reports[0]!.title}: ${reports[0]!.outcome}: ${reports[0]!.notes.join('; ')}`);
  assert.is(reports[1]!.outcome, 'refused', `${reports[1]!.title}: ${reports[1]!.notes.join('; ')}`);
});

test.run();
