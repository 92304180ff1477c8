// Pure functions for the "copy the Machine YAML" path (openshift.md §1.4 no-CPMS branch, §4.12).
import { parse, stringify } from 'yaml';
import { machineCopyRefusal } from '../cluster/platforms.ts';

const METADATA_DROP = ['annotations', 'generation', 'resourceVersion', 'uid', 'creationTimestamp', 'managedFields', 'finalizers', 'ownerReferences', 'deletionTimestamp', 'deletionGracePeriodSeconds'];

/** Split "clustername-8qw5l-master-0" into base "clustername-8qw5l-master-" and index 0; null when no trailing number. */
export function splitMachineName(name: string): { base: string; index: number } | null {
  const m = /^(.*?)(\d+)$/.exec(name);
  if (!m || m[1] === '') return null;
  return { base: m[1], index: Number(m[2]) };
}

/**
 * Next free name with the same base: max index among ALL machines sharing the base, plus one.
 * master-0,1,2 → master-3; master-0,2,5 → master-6. A name without a trailing number gets "-1" (or next).
 */
export function nextMachineName(oldName: string, allNames: string[]): string {
  const split = splitMachineName(oldName);
  const base = split ? split.base : `${oldName}-`;
  let max = split ? split.index : 0;
  for (const n of allNames) {
    if (!n.startsWith(base)) continue;
    const rest = n.slice(base.length);
    if (/^\d+$/.test(rest)) max = Math.max(max, Number(rest));
  }
  const next = `${base}${max + 1}`;
  if (next.length > 253) throw new Error(`machine name ${next} is too long`);
  return next;
}

/** A copy of `machine` ready to create as `newName`: no status, providerID or server-owned metadata. */
export function scrubMachine(machine: any, newName: string): any {
  if (!machine || typeof machine !== 'object' || machine.kind !== 'Machine') throw new Error('not a Machine object');
  const m = structuredClone(machine);
  delete m.status;
  if (m.spec) delete m.spec.providerID;
  m.metadata = m.metadata ?? {};
  for (const k of METADATA_DROP) delete m.metadata[k];
  const oldName: string = m.metadata.name;
  m.metadata.name = newName;
  if (typeof m.metadata.selfLink === 'string') {
    m.metadata.selfLink = m.metadata.selfLink.replace(/\/[^/]*$/, `/${newName}`);
  }
  // generateName would race with the explicit name
  delete m.metadata.generateName;
  if (oldName && m.metadata.labels) {
    for (const [k, v] of Object.entries(m.metadata.labels)) if (v === oldName) m.metadata.labels[k] = newName;
  }
  return m;
}

/**
 * From the saved `oc get machine -o yaml` text: the new name and the YAML to `apply -f -`. With `platform`
 * (infrastructure status.platformStatus.type) it throws the reason when that platform's Machine cannot be copied.
 */
export function buildNewMachine(oldYaml: string, allNames: string[], platform?: string | null): { name: string; yaml: string; object: any } {
  const old = parse(oldYaml);
  const name = nextMachineName(old?.metadata?.name ?? '', allNames);
  if (platform !== undefined) {
    const why = machineCopyRefusal(old, name, platform);
    if (why) throw new Error(why);
  }
  const object = scrubMachine(old, name);
  return { name, yaml: stringify(object), object };
}
