// The adapter for the global flags, after checking that kubectl will find a kubeconfig (one-line error if not).
// Apart from flags.ts so that help and completion do not load the adapter.
import { Kube } from '../cluster/kubectl.ts';
import { checkKubeconfig } from '../cluster/kubeconfig.ts';
import { kubeOptions, type GlobalArgs } from './flags.ts';

export function connect(g: GlobalArgs, env: NodeJS.ProcessEnv = process.env): Kube {
  checkKubeconfig({ kubeconfig: g.kubeconfig, server: g.server }, env);
  return new Kube(kubeOptions(g));
}
