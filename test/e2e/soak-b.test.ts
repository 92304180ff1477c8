// A short fixed soak (scripts/soak.ts) in CI, part 2 of 2: procedure B while exec streams are cut mid-output (kubectl
// then exits 0 with part of the output) and etcdctl answers "etcdserver: leader changed" (a member change applied,
// its reply lost). Judged from the simulator's evidence: no wrong outcome, and the replacement ends healthy.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { soakRun } from '../../scripts/soak.ts';
import { chaosNamed, faultNamed, makeCase } from '../../scripts/soak/space.ts';

test('fixed soak with chaos (procedure B, cut exec streams, etcd leader changed): ends healthy, nothing wrong', async () => {
  const c = makeCase({ release: '4.16', platform: 'aws', cpms: 'inactive', masters: 3, fault: faultNamed('etcd-crashloop'), chaosProfile: chaosNamed('cut streams'), chaosSeed: 202, net: 242 });
  const r = await soakRun(1, c, { log: (l) => console.log(l) });
  console.log(`${c.title}: ${r.outcome} (exit ${r.codes.join(' → ')}, ${r.seconds.toFixed(0)} s)\n  ${r.notes.join('\n  ')}`);
  assert.is.not(r.outcome, 'wrong', r.notes.join('; '));
  assert.ok(['healthy', 'resumed'].includes(r.outcome), `${r.outcome}: ${r.notes.join('; ')}`);
});

test.run();
