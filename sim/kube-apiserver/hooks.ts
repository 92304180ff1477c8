// What the API server (sim/kube-apiserver) asks of the simulated world (sim/world, sim/kubelet) for the
// subresources that are not plain objects: exec and logs.
import type { Readable, Writable } from 'node:stream';
import type { KObject } from './store.ts';

export interface ExecRequest {
  pod: KObject; // the pod as stored
  container: string; // resolved container name (default-container annotation, else the first)
  command: string[];
  stdin?: Readable; // present when the client asked for stdin
  stdout: Writable;
  stderr: Writable;
  tty: boolean;
}

export interface WorldHooks {
  /** Runs a command in a container; resolves with its exit code. Throws a StoreError-like {code,reason,message} to refuse. */
  exec(req: ExecRequest): Promise<number>;
  /** The log text of a container (what `kubectl logs` prints). */
  logs(pod: KObject, container: string): string;
}
