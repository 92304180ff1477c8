// Procedure A on vSphere (issue 23): without a control plane machine set and with an Active one.
// One simulator per run; outcomes judged by test/helpers/judge.ts (test/helpers/platforms.ts). Two runs at most per
// file keep it well under the runner's 420 s per-file limit.
import { test } from 'uvu';
import { procedureAOn, type PlatformCase } from '../helpers/platforms.ts';

const CASE: PlatformCase = { platform: 'vsphere', openshift: '4.16', stoppedState: /instance state is poweredOff/, runningState: 'poweredOn', failureDomainKeys: [] };

test('vSphere 4.16, no CPMS: the machine is re-created from its YAML', () => procedureAOn(CASE, 'absent'));
test('vSphere 4.16, Active CPMS: the control plane machine set re-creates it from its template', () => procedureAOn(CASE, 'active'));

test.run();
