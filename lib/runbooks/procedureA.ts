// Procedure A (openshift.md §1.4): the member's machine is not running or its node is NotReady.
// backup → member remove → quorum guard off (4.8+) → delete node (4.12+) → delete secrets →
// replace the machine (CPMS: delete; Machine API: copy YAML, delete, create; none: manual) →
// wait for the new member → restore overrides (4.8+) → final verify.
import type { Kube } from '../cluster/kubectl.ts';
import { ManualStop, waitFor, type PlanFacts, type RunContext, type Step } from './step.ts';
import {
  NS_MAPI,
  TIMEOUTS,
  backupStep,
  deleteNodeStep,
  deleteSecretsStep,
  finalVerifyStep,
  nodeReady,
  quorumGuardOffStep,
  quorumGuardRestoreStep,
  releaseAtLeast,
  removeMemberStep,
  waitRolloutStep,
} from './common.ts';
import { buildNewMachine } from './machine.ts';
import { MASTER_MACHINE_SELECTOR } from '../cluster/read.ts';

async function masterMachines(kube: Kube): Promise<any[]> {
  const list = await kube.json(['-n', NS_MAPI, 'get', 'machines.machine.openshift.io', '-l', MASTER_MACHINE_SELECTOR], { retries: 4 });
  return list.items ?? [];
}

async function allMachineNames(kube: Kube): Promise<string[]> {
  const list = await kube.json(['-n', NS_MAPI, 'get', 'machines.machine.openshift.io'], { retries: 4 });
  return (list.items ?? []).map((m: any) => m.metadata?.name).filter(Boolean);
}

function oldMachine(f: PlanFacts): string {
  if (!f.target.machine) throw new Error(`no machine is known for node ${f.target.node}`);
  return f.target.machine;
}

function deleteMachineStep(kube: Kube, f: PlanFacts, cpms: boolean): Step {
  const name = f.target.machine ?? '<machine>';
  const args = ['-n', NS_MAPI, 'delete', 'machines.machine.openshift.io', name, '--wait=false'];
  return {
    id: 'delete-machine',
    title: `Delete machine ${name}${cpms ? ' (the control plane machine set creates its replacement)' : ''}`,
    command: [kube.display(args)],
    destructive: true,
    async precondition(ctx) {
      const m = oldMachine(f);
      const r = await kube.run(['-n', NS_MAPI, 'get', 'machines.machine.openshift.io', m, '-o', 'json'], { allowFailure: true, retries: 4 });
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
          const r = await kube.run(['-n', NS_MAPI, 'get', 'machines.machine.openshift.io', name, '-o', 'json'], { allowFailure: true });
          if (r.exitCode !== 0) return /not ?found/i.test(r.stderr) || r.stderr.trim();
          return `phase ${JSON.parse(r.stdout).status?.phase ?? '?'}`;
        },
        { timeoutMs: TIMEOUTS.machineGone },
      );
    },
  };
}

function saveMachineStep(kube: Kube, f: PlanFacts): Step {
  const name = f.target.machine ?? '<machine>';
  return {
    id: 'save-machine',
    title: `Save machine ${name} and write the new machine definition`,
    command: [`${kube.display(['-n', NS_MAPI, 'get', 'machines.machine.openshift.io', name, '-o', 'yaml'])} > old-machine.yaml   (new-machine.yaml: no status/providerID/uid…, next free name)`],
    destructive: false,
    async precondition(ctx) {
      if (ctx.readFile('new-machine.yaml') && typeof ctx.vars.newMachine === 'string') {
        ctx.note(`already saved; new machine ${ctx.vars.newMachine}`);
        return 'skip';
      }
      return 'run';
    },
    async act(ctx) {
      const r = await kube.run(['-n', NS_MAPI, 'get', 'machines.machine.openshift.io', oldMachine(f), '-o', 'yaml'], { retries: 4 });
      const built = buildNewMachine(r.stdout, await allMachineNames(kube));
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

function createMachineStep(kube: Kube): Step {
  const args = ['apply', '-f', '-'];
  return {
    id: 'create-machine',
    title: 'Create the new master machine',
    command: [`${kube.display(args)} < new-machine.yaml`],
    destructive: true,
    async precondition(ctx) {
      const name = ctx.vars.newMachine as string;
      if (await kube.exists(['-n', NS_MAPI, 'get', 'machines.machine.openshift.io', name], { retries: 4 })) {
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
      await waitFor(`machine ${name} to exist`, async () => kube.exists(['-n', NS_MAPI, 'get', 'machines.machine.openshift.io', name]), { timeoutMs: TIMEOUTS.api });
    },
  };
}

/** The replacement master machine: the one named in the journal, else any master machine that did not exist at plan time. */
async function findNewMachine(kube: Kube, f: PlanFacts, ctx: RunContext): Promise<any | null> {
  const machines = await masterMachines(kube);
  const named = typeof ctx.vars.newMachine === 'string' ? ctx.vars.newMachine : null;
  if (named) return machines.find((m) => m.metadata?.name === named) ?? null;
  return machines.find((m) => !f.machinesAtPlan.includes(m.metadata?.name) && !m.metadata?.deletionTimestamp) ?? null;
}

function waitMachineStep(kube: Kube, f: PlanFacts): Step {
  let found = '';
  return {
    id: 'wait-machine',
    title: 'Wait for the new master machine to be Running and its node Ready',
    command: [kube.display(['-n', NS_MAPI, 'get', 'machines.machine.openshift.io', '-o', 'wide']), kube.display(['get', 'nodes', '-l', 'node-role.kubernetes.io/master'])],
    destructive: false,
    async precondition() {
      return 'run';
    },
    async act(ctx) {
      await waitFor(
        'a new master machine in phase Running with a Ready node',
        async () => {
          const m = await findNewMachine(kube, f, ctx);
          if (!m) return 'no new master machine yet';
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

async function masterNodes(kube: Kube): Promise<any[]> {
  const list = await kube.json(['get', 'nodes', '-l', 'node-role.kubernetes.io/master'], { retries: 4 });
  return list.items ?? [];
}

function manualNodeStep(kube: Kube, f: PlanFacts): Step {
  return {
    id: 'new-control-plane-node',
    title: 'Create a new control-plane node (manual: this cluster has no Machine API)',
    command: [`(by hand) create a new control-plane node the way ${f.target.node} was made, then: ${kube.binary} etcd-replace auto --resume`],
    destructive: false,
    async precondition(ctx) {
      for (const n of await masterNodes(kube)) {
        const key = `${n.metadata?.name}/${n.metadata?.uid}`;
        const ready = (n.status?.conditions ?? []).some((c: any) => c.type === 'Ready' && c.status === 'True');
        if (ready && !f.nodesAtPlan.includes(key)) {
          ctx.record('newNode', n.metadata.name);
          ctx.note(`new Ready control-plane node ${n.metadata.name} found`);
          return 'skip';
        }
      }
      return 'run';
    },
    async act(ctx) {
      throw new ManualStop('this cluster has no Machine API, so the new control-plane node must be made by hand', [
        `1. Create a new control-plane node the same way the original ${f.target.node} was made (UPI / your provisioning tooling).`,
        `2. Approve its CSRs if needed (${kube.binary} get csr; ${kube.binary === 'oc' ? 'oc adm' : 'kubectl'} certificate approve <name>) and wait until it is Ready.`,
        `3. Then run \`${ctx.cli} auto --resume\`: it checks that a new Ready control-plane node exists and continues.`,
      ]);
    },
    async verify() {},
  };
}

export function procedureA(kube: Kube, f: PlanFacts): Step[] {
  const steps: Step[] = [backupStep(kube, f), removeMemberStep(kube, f)];
  const guard = releaseAtLeast(f.release, '4.8');
  if (guard) steps.push(quorumGuardOffStep(kube));
  if (releaseAtLeast(f.release, '4.12')) steps.push(deleteNodeStep(kube, f));
  steps.push(deleteSecretsStep(kube, f));
  if (f.machineMode === 'cpms') steps.push(deleteMachineStep(kube, f, true), waitMachineStep(kube, f));
  else if (f.machineMode === 'yaml') steps.push(saveMachineStep(kube, f), deleteMachineStep(kube, f, false), createMachineStep(kube), waitMachineStep(kube, f));
  else steps.push(manualNodeStep(kube, f));
  steps.push(waitRolloutStep(kube, f, (ctx) => (typeof ctx.vars.newNode === 'string' ? ctx.vars.newNode : null)));
  if (guard) steps.push(quorumGuardRestoreStep(kube, f));
  steps.push(finalVerifyStep(kube, f, { endpointHealth: true }));
  return steps;
}
