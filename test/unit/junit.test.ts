import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { XMLParser } from 'fast-xml-parser';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { junitXml, writeJunit } from '../../lib/runbooks/junit.ts';
import type { StepRecord } from '../../lib/runbooks/journal.ts';

const STEPS: StepRecord[] = [
  { id: 'backup', title: 'Back up etcd on <n1>', status: 'done', startedAt: '2026-11-25T12:00:00.000Z', endedAt: '2026-11-25T12:00:01.500Z', output: 'saved' },
  { id: 'remove-member', title: 'Remove etcd member 6fc1e7c9db35841d', status: 'skipped', output: 'member already gone' },
  { id: 'delete-secrets', title: 'Delete "secrets" & more', status: 'failed', startedAt: '2026-11-25T12:00:02Z', endedAt: '2026-11-25T12:00:04Z', error: 'timed out after 120s waiting for secrets' },
  { id: 'final-verify', title: 'Verify', status: 'pending' },
];

const parse = (xml: string) => new XMLParser({ ignoreAttributes: false, attributeNamePrefix: '@_', isArray: (n) => n === 'testcase' }).parse(xml);

test('one testsuite, one testcase per step, parse-back', () => {
  const doc = parse(junitXml('A', STEPS));
  const suite = doc.testsuites.testsuite;
  assert.is(suite['@_name'], 'etcd-replace auto');
  assert.is(suite['@_tests'], '4');
  assert.is(suite['@_failures'], '1');
  const tcs = suite.testcase;
  assert.is(tcs.length, 4);
  assert.is(tcs[0]['@_classname'], 'A');
  assert.is(tcs[0]['@_name'], 'backup: Back up etcd on <n1>');
  assert.is(tcs[0]['@_time'], '1.5');
  assert.is(tcs[0].skipped, undefined);
  assert.is(tcs[0].failure, undefined);
  assert.ok(tcs[1].skipped !== undefined);
  assert.is(tcs[2]['@_name'], 'delete-secrets: Delete "secrets" & more');
  assert.is(tcs[2].failure['@_message'], 'timed out after 120s waiting for secrets');
  assert.is(tcs[2]['@_time'], '2');
  assert.ok(tcs[3].skipped !== undefined, 'a step never run is reported as skipped');
});

test('writeJunit writes the file', () => {
  const f = join(mkdtempSync(join(tmpdir(), 'junit-')), 'out.xml');
  writeJunit(f, 'B', STEPS.slice(0, 1));
  const doc = parse(readFileSync(f, 'utf8'));
  assert.is(doc.testsuites.testsuite.testcase.length, 1);
  assert.is(doc.testsuites.testsuite.testcase[0]['@_classname'], 'B');
});

test.run();
