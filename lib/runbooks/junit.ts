// JUnit XML for `auto --junit FILE`: one testsuite, one testcase per step.
import { XMLBuilder } from 'fast-xml-parser';
import { writeFileSync } from 'node:fs';
import type { StepRecord } from './journal.ts';

function secondsBetween(a?: string, b?: string): number {
  if (!a || !b) return 0;
  const d = (Date.parse(b) - Date.parse(a)) / 1000;
  return Number.isFinite(d) && d > 0 ? Math.round(d * 1000) / 1000 : 0;
}

export function junitXml(procedure: string, steps: StepRecord[], o: { timestamp?: string } = {}): string {
  const testcases = steps.map((s) => {
    const tc: Record<string, unknown> = {
      '@_classname': procedure,
      '@_name': `${s.id}: ${s.title}`,
      '@_time': String(secondsBetween(s.startedAt, s.endedAt)),
    };
    if (s.status === 'skipped') tc.skipped = { '@_message': s.output ?? 'result already in place' };
    else if (s.status === 'failed') tc.failure = { '@_message': s.error ?? 'failed', '#text': s.error ?? 'failed' };
    else if (s.status === 'pending' || s.status === 'running') tc.skipped = { '@_message': `not run (${s.status})` };
    if (s.output && s.status !== 'skipped') tc['system-out'] = s.output;
    return tc;
  });
  const failures = steps.filter((s) => s.status === 'failed').length;
  const skipped = steps.filter((s) => s.status !== 'done' && s.status !== 'failed').length;
  const total = steps.reduce((t, s) => t + secondsBetween(s.startedAt, s.endedAt), 0);
  const doc = {
    '?xml': { '@_version': '1.0', '@_encoding': 'UTF-8' },
    testsuites: {
      testsuite: {
        '@_name': 'etcd-replace auto',
        '@_tests': String(steps.length),
        '@_failures': String(failures),
        '@_errors': '0',
        '@_skipped': String(skipped),
        '@_time': String(Math.round(total * 1000) / 1000),
        ...(o.timestamp ? { '@_timestamp': o.timestamp } : {}),
        testcase: testcases,
      },
    },
  };
  const builder = new XMLBuilder({ ignoreAttributes: false, attributeNamePrefix: '@_', format: true, suppressEmptyNode: true, processEntities: true });
  return builder.build(doc);
}

export function writeJunit(file: string, procedure: string, steps: StepRecord[]): void {
  writeFileSync(file, junitXml(procedure, steps, { timestamp: new Date().toISOString() }));
}
