// Steps `quorum-guard-off` / `quorum-guard-restore`: the unsupportedConfigOverrides switch (openshift.md §1.4 steps 2 and 6,
// §3.1), with the original value saved in the journal and put back exactly.
import { isDeepStrictEqual } from 'node:util';
import type { Kube } from '../../cluster/kubectl.ts';
import { waitFor, type PlanFacts, type Step } from '../step.ts';
import { TIMEOUTS, etcdCR } from './shared.ts';

export const OVERRIDE_KEY = 'useUnsupportedUnsafeNonHANonProductionUnstableEtcd';

/** Go strconv.ParseBool truthiness, as the operator reads the override. */
export function overrideIsOn(overrides: unknown): boolean {
  if (!overrides || typeof overrides !== 'object') return false;
  const v = (overrides as Record<string, unknown>)[OVERRIDE_KEY];
  if (v === true) return true;
  return typeof v === 'string' && ['1', 't', 'T', 'true', 'TRUE', 'True'].includes(v);
}

/**
 * The overrides the documented end state has: the quorum guard on. When the guard is already off as the run starts
 * (someone else's half-done replacement left it off, journal-less), "the original" is the value without that key:
 * the docs turn the guard back on at the end (openshift.md §1.4 step 6), other keys stay as they are.
 */
export function withoutGuard(overrides: unknown): unknown {
  if (!overrideIsOn(overrides)) return overrides;
  const rest = { ...(overrides as Record<string, unknown>) };
  delete rest[OVERRIDE_KEY];
  return Object.keys(rest).length ? rest : undefined;
}

const OVERRIDE_ON = JSON.stringify({ spec: { unsupportedConfigOverrides: { [OVERRIDE_KEY]: true } } });

export function quorumGuardOffStep(kube: Kube): Step {
  const args = ['patch', 'etcd', 'cluster', '--type=merge', '-p', OVERRIDE_ON];
  return {
    id: 'quorum-guard-off',
    title: 'Turn off the etcd quorum guard (unsupportedConfigOverrides)',
    command: [kube.display(args)],
    destructive: true,
    async precondition(ctx) {
      const cr = await etcdCR(kube);
      const current = cr.spec?.unsupportedConfigOverrides;
      const end = withoutGuard(current);
      if (ctx.recordOriginalOverrides(end)) {
        ctx.note(`original unsupportedConfigOverrides recorded: ${end === undefined ? '(absent)' : JSON.stringify(end)}${end !== current ? ` (the guard was already off before this run: it is turned back on at the end, as the docs do)` : ''}`);
      }
      if (overrideIsOn(current)) {
        ctx.note(`${OVERRIDE_KEY} is already on (the quorum guard is already off)`);
        return 'skip';
      }
      return 'run';
    },
    async act() {
      await kube.run(args, { retries: 4 });
    },
    async verify() {
      await waitFor(`${OVERRIDE_KEY}=true on etcd/cluster`, async () => overrideIsOn((await etcdCR(kube)).spec?.unsupportedConfigOverrides), {
        timeoutMs: TIMEOUTS.api,
      });
    },
  };
}

/** The patch that puts the original overrides back without touching keys it did not have. */
export function restorePatchArgs(original: unknown): string[] {
  if (original === undefined || original === null) {
    return ['patch', 'etcd', 'cluster', '--type=merge', '-p', JSON.stringify({ spec: { unsupportedConfigOverrides: null } })];
  }
  return ['patch', 'etcd', 'cluster', '--type=json', '-p', JSON.stringify([{ op: 'add', path: '/spec/unsupportedConfigOverrides', value: original }])];
}

function sameOverrides(a: unknown, b: unknown): boolean {
  const n = (x: unknown) => (x === undefined ? null : x);
  return isDeepStrictEqual(n(a), n(b));
}

export function quorumGuardRestoreStep(kube: Kube, f: PlanFacts): Step {
  return {
    id: 'quorum-guard-restore',
    title: 'Turn the quorum guard back on (restore the original unsupportedConfigOverrides)',
    command: [kube.display(restorePatchArgs(withoutGuard(f.overridesAtPlan)))],
    destructive: true,
    async precondition(ctx) {
      // finishing someone else's replacement that had already turned the guard off: the documented end state (guard on)
      if (!ctx.originalOverrides().recorded && f.finish?.guardOff) {
        const end = withoutGuard(f.overridesAtPlan);
        ctx.recordOriginalOverrides(end);
        ctx.note(`the quorum guard was off when this run started; the documented end state turns it back on: ${JSON.stringify(end ?? null)}`);
      }
      const orig = ctx.originalOverrides();
      if (!orig.recorded) throw new Error('the original unsupportedConfigOverrides were never recorded; not touching them');
      const current = (await etcdCR(kube)).spec?.unsupportedConfigOverrides;
      if (sameOverrides(current, orig.value)) {
        ctx.note(`unsupportedConfigOverrides already equal the original (${JSON.stringify(orig.value ?? null)})`);
        return 'skip';
      }
      return 'run';
    },
    async act(ctx) {
      const orig = ctx.originalOverrides().value;
      await kube.run(restorePatchArgs(orig), { retries: 4 });
      return `unsupportedConfigOverrides restored to ${JSON.stringify(orig ?? null)}`;
    },
    async verify(ctx) {
      const orig = ctx.originalOverrides().value;
      await waitFor(
        `unsupportedConfigOverrides to equal ${JSON.stringify(orig ?? null)}`,
        async () => {
          const cur = (await etcdCR(kube)).spec?.unsupportedConfigOverrides;
          return sameOverrides(cur, orig) || JSON.stringify(cur ?? null);
        },
        { timeoutMs: TIMEOUTS.api },
      );
    },
  };
}
