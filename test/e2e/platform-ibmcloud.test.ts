// Procedure A on IBM Cloud (issue 23): without a control plane machine set (the CPMS operator generates none on IBM Cloud).
// One simulator per run; outcomes judged by test/helpers/judge.ts (test/helpers/platforms.ts). Two runs at most per
// file keep it well under the runner's 420 s per-file limit.
import { test } from 'uvu';
import { procedureAOn, type PlatformCase } from '../helpers/platforms.ts';

const CASE: PlatformCase = { platform: 'ibmcloud', openshift: '4.16', stoppedState: /instance state is stopped/, runningState: 'running', failureDomainKeys: ['zone', 'primaryNetworkInterface'] };

test('IBM Cloud 4.16, no CPMS: the machine is re-created from its YAML', () => procedureAOn(CASE, 'absent'));

test.run();
