// Procedure A on Azure (issue 23): without a control plane machine set and with an Active one.
// One simulator per run; outcomes judged by test/helpers/judge.ts (test/helpers/platforms.ts). Two runs at most per
// file keep it well under the runner's 420 s per-file limit.
import { test } from 'uvu';
import { procedureAOn, type PlatformCase } from '../helpers/platforms.ts';

const CASE: PlatformCase = { platform: 'azure', openshift: '4.14', stoppedState: /instance state is Deallocated/, runningState: 'Running', failureDomainKeys: ['zone'] };

test('Azure 4.14, no CPMS: the machine is re-created from its YAML', () => procedureAOn(CASE, 'absent'));
test('Azure 4.14, Active CPMS: the control plane machine set re-creates it in the same zone', () => procedureAOn(CASE, 'active'));

test.run();
