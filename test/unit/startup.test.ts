// Fast start (issue 21; the figures are in `npm run bench`, never here): help, usage errors and completion must not
// load what only a command needs. Checked on the import graph esbuild sees from lib/main.ts: following static
// imports only (a command's module is imported when it runs), none of the heavy packages is reached.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build, type Metafile } from 'esbuild';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..');

async function staticClosure(entry: string): Promise<Set<string>> {
  const r = await build({
    entryPoints: [join(ROOT, entry)], bundle: true, write: false, metafile: true, platform: 'node', format: 'esm',
    absWorkingDir: ROOT, preserveSymlinks: true, logLevel: 'silent', outdir: join(ROOT, 'dist', 'startup-test'),
  });
  const inputs = (r.metafile as Metafile).inputs;
  const seen = new Set<string>();
  const walk = (f: string) => {
    if (seen.has(f) || !inputs[f]) return;
    seen.add(f);
    for (const i of inputs[f]!.imports) if (i.kind !== 'dynamic-import' && !i.external) walk(i.path);
  };
  walk(entry);
  return seen;
}

const HEAVY = /node_modules\/(execa|ora|table|yaml|fast-xml-parser|cli-spinners|ajv)\//;

test('lib/main.ts and lib/complete.ts: no static path to a command module or a heavy package', async () => {
  for (const entry of ['lib/main.ts', 'lib/complete.ts']) {
    const files = [...await staticClosure(entry)];
    assert.ok(files.some((f) => f.includes('node_modules/yargs/')), `${entry} reaches yargs (the graph was read)`);
    assert.equal(files.filter((f) => HEAVY.test(f)), [], `${entry} loads heavy packages at start`);
    assert.equal(files.filter((f) => /^lib\/(commands\/(status|auto|bundle|version|connect)|cluster\/kubectl|runbooks\/|diagnose\/|ui\/)/.test(f)), [], `${entry} loads a command's modules at start`);
  }
});

test.run();
