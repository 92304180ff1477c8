// The test runner's own pure parts (test/run.ts): uvu summaries and the order of the cluster pool.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { join, resolve } from 'node:path';
import { longestFirst, parseUvu } from '../run.ts';

const ROOT = resolve(import.meta.dirname, '../..');
const f = (rel: string) => join(ROOT, rel);

test('longest first; a file without a recorded time counts as long; ties keep path order', () => {
  const seconds = { 'test/e2e/a.test.ts': 30, 'test/e2e/b.test.ts': 300, 'test/sim/c.test.ts': 30 };
  const order = longestFirst([f('test/sim/c.test.ts'), f('test/e2e/a.test.ts'), f('test/e2e/new.test.ts'), f('test/e2e/b.test.ts')], seconds);
  assert.equal(order.map((x) => x.slice(ROOT.length + 1)), ['test/e2e/b.test.ts', 'test/e2e/new.test.ts', 'test/e2e/a.test.ts', 'test/sim/c.test.ts']);
});

test('uvu summaries of several suites add up; no summary is null', () => {
  const out = '  Total:     3\n  Passed:    2\n  Skipped:   1\n\n  Total:     4\n  Passed:    4\n  Skipped:   0\n';
  assert.equal(parseUvu(out), { total: 7, passed: 6, skipped: 1 });
  assert.is(parseUvu('crashed before any summary'), null);
});

test.run();
