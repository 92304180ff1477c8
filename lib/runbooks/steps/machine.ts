// Machine steps of procedure A (openshift.md §1.4 step 5): with an Active control plane machine set `delete-machine`
// and wait for its replacement; with the Machine API `save-machine` → `delete-machine` → `create-machine`; then
// `wait-machine` (the new machine Running and its node Ready).
import type { Kube } from '../../cluster/kubectl.ts';
import { MASTER_MACHINE_SELECTOR } from '../../cluster/read.ts';
import { waitFor, type PlanFacts, type RunContext, type Step } from '../step.ts';
import { buildNewMachine } from '../machine.ts';
import { NS_MAPI, TIMEOUTS, nodeReady } from './shared.ts';

async function masterMachines(kube: Kube): Promise<any[]> {
  const list = await kube.json(['-n', NS_MAPI, 'get', 'machines.v1beta1.machine.openshift.io', '-l', MASTER_MACHINE_SELECTOR], { retries: 4 });
  return list.items ?? [];
}

async function allMachineNames(kube: Kube): Promise<string[]> {
  const list = await kube.json(['-n', NS_MAPI, 'get', 'machines.v1beta1.machine.openshift.io'], { retries: 4 });
  return (list.items ?? []).map((m: any) => m.metadata?.name).filter(Boolean);
}

function oldMachine(f: PlanFacts): string {
  if (!f.target.machine) throw new Error(`no machine is known for node ${f.target.node}`);
  return f.target.machine;
}

export function deleteMachineStep(kube: Kube, f: PlanFacts, cpms: boolean): Step {
  const name = f.target.machine ?? '<machine>';
  const args = ['-n', NS_MAPI, 'delete', 'machines.v1beta1.machine.openshift.io', name, '--wait=false'];
  return {
    id: 'delete-machine',
    title: `Delete machine ${name}${cpms ? ' (the control plane machine set creates its replacement)' : ''}`,
    command: [kube.display(args)],
    destructive: true,
    async precondition(ctx) {
      const m = oldMachine(f);
      const r = await kube.run(['-n', NS_MAPI, 'get', 'machines.v1beta1.machine.openshift.io', m, '-o', 'json'], { allowFailure: true, retries: 4 });
      if (r.exitCode !== 0) {
        ctx.note(`machine ${m} is already gone`);
        return 'skip';
      }
      if (!cpms && !ctx.readFile('new-machine.yaml')) throw new Error('the new machine YAML was not saved; not deleting the old machine');
      if (JSON.parse(r.stdout).metadata?.deletionTimestamp) ctx.note(`machine ${m} is already being deleted; waiting for it`);
      return 'run';
    },
    async act() {
      const r = await kube.run(args, { retries: 4, allowFailure: true });
      if (r.exitCode !== 0 && !/not ?found/i.test(r.stderr)) throw new Error(`delete machine ${name} failed: ${r.stderr.trim().split('\n').pop()}`);
    },
    async verify() {
      await waitFor(
        `machine ${name} to be gone (its preDrain hook is released once the member is removed)`,
        async () => {
          const r = await kube.run(['-n', NS_MAPI, 'get', 'machines.v1beta1.machine.openshift.io', name, '-o', 'json'], { allowFailure: true });
          if (r.exitCode !== 0) return /not ?found/i.test(r.stderr) || r.stderr.trim();
          return `phase ${JSON.parse(r.stdout).status?.phase ?? '?'}`;
        },
        { timeoutMs: TIMEOUTS.machineGone },
      );
    },
  };
}

/** `source`: the machine whose YAML is copied; default the target's own (a surviving master's when that is gone). */
export function saveMachineStep(kube: Kube, f: PlanFacts, source?: string): Step {
  const name = source ?? f.target.machine ?? '<machine>';
  const from = source && source !== f.target.machine ? ` (the replaced machine is gone: a surviving master's definition, as the docs copy it)` : '';
  return {
    id: 'save-machine',
    title: `Save machine ${name} and write the new machine definition${from}`,
    command: [`${kube.display(['-n', NS_MAPI, 'get', 'machines.v1beta1.machine.openshift.io', name, '-o', 'yaml'])} > old-machine.yaml   (new-machine.yaml: no status/providerID/uid…, next free name)`],
    destructive: false,
    async precondition(ctx) {
      if (ctx.readFile('new-machine.yaml') && typeof ctx.vars.newMachine === 'string') {
        ctx.note(`already saved; new machine ${ctx.vars.newMachine}`);
        return 'skip';
      }
      return 'run';
    },
    async act(ctx) {
      if (!source) oldMachine(f);
      const r = await kube.run(['-n', NS_MAPI, 'get', 'machines.v1beta1.machine.openshift.io', name, '-o', 'yaml'], { retries: 4 });
      const built = buildNewMachine(r.stdout, await allMachineNames(kube), f.platform);
      ctx.saveFile('old-machine.yaml', r.stdout);
      ctx.saveFile('new-machine.yaml', built.yaml);
      ctx.record('newMachine', built.name);
      return `new machine will be ${built.name}`;
    },
    async verify(ctx) {
      if (!ctx.readFile('new-machine.yaml')) throw new Error('new-machine.yaml is missing from the journal');
    },
  };
}

export function createMachineStep(kube: Kube): Step {
  const args = ['apply', '-f', '-'];
  return {
    id: 'create-machine',
    title: 'Create the new master machine',
    command: [`${kube.display(args)} < new-machine.yaml`],
    destructive: true,
    async precondition(ctx) {
      const name = ctx.vars.newMachine as string;
      if (await kube.exists(['-n', NS_MAPI, 'get', 'machines.v1beta1.machine.openshift.io', name], { retries: 4 })) {
        ctx.note(`machine ${name} already exists`);
        return 'skip';
      }
      return 'run';
    },
    async act(ctx) {
      const yaml = ctx.readFile('new-machine.yaml');
      if (!yaml) throw new Error('new-machine.yaml is missing from the journal');
      const r = await kube.run(args, { input: yaml, retries: 4 });
      return r.stdout.trim();
    },
    async verify(ctx) {
      const name = ctx.vars.newMachine as string;
      await waitFor(`machine ${name} to exist`, async () => kube.exists(['-n', NS_MAPI, 'get', 'machines.v1beta1.machine.openshift.io', name]), { timeoutMs: TIMEOUTS.api });
    },
  };
}

/** The replacement master machine: the one named in the journal, else any master machine that did not exist at plan time. */
async function findNewMachine(kube: Kube, f: PlanFacts, ctx: RunContext): Promise<any | null> {
  const machines = await masterMachines(kube);
  const named = typeof ctx.vars.newMachine === 'string' ? ctx.vars.newMachine : f.finish?.newMachine ?? null;
  if (named) return machines.find((m) => m.metadata?.name === named) ?? null;
  return machines.find((m) => !f.machinesAtPlan.includes(m.metadata?.name) && !m.metadata?.deletionTimestamp) ?? null;
}

/** `cpms`: the machine is the Active control plane machine set's to create (the step says so while it waits). */
export function waitMachineStep(kube: Kube, f: PlanFacts, o: { cpms?: boolean } = {}): Step {
  let found = '';
  return {
    id: 'wait-machine',
    title: o.cpms
      ? 'Wait for the Active control plane machine set to create the new master machine, Running with its node Ready'
      : 'Wait for the new master machine to be Running and its node Ready',
    command: [kube.display(['-n', NS_MAPI, 'get', 'machines.v1beta1.machine.openshift.io', '-o', 'wide']), kube.display(['get', 'nodes', '-l', 'node-role.kubernetes.io/master'])],
    destructive: false,
    async precondition() {
      return 'run';
    },
    async act(ctx) {
      await waitFor(
        'a new master machine in phase Running with a Ready node',
        async () => {
          const m = await findNewMachine(kube, f, ctx);
          if (!m) return o.cpms ? 'no new master machine yet: waiting for the Active control plane machine set to create it' : 'no new master machine yet';
          const name = m.metadata.name;
          const phase = m.status?.phase ?? 'Pending';
          const node = m.status?.nodeRef?.name;
          if (phase !== 'Running') return `machine ${name} is ${phase}`;
          if (!node) return `machine ${name} has no node yet`;
          if (!(await nodeReady(kube, node))) return `node ${node} is not Ready`;
          if (ctx.vars.newMachine !== name) ctx.record('newMachine', name);
          ctx.record('newNode', node);
          found = `machine ${name} Running, node ${node} Ready`;
          return true;
        },
        { timeoutMs: TIMEOUTS.machineRunning },
      );
      return found;
    },
    async verify(ctx) {
      if (typeof ctx.vars.newNode !== 'string') throw new Error('the new node was not recorded');
    },
  };
}

