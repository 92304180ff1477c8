// scripts/build-binary.ts: the executable's main script reads the bundle as one-byte text (latin1), so the build
// writes the bundle in ASCII (asciiOnly). The escapes must mean what the characters meant wherever a minified bundle
// holds one: regular expressions (esbuild leaves non-ASCII there), with and without the u flag, in and out of
// character classes, astral characters included; identifiers. The built executable is checked in test/e2e/binary.test.ts.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { asciiOnly, seaMain } from '../../scripts/build-binary.ts';

test('asciiOnly: ASCII out, same meaning in regular expressions, strings and identifiers', () => {
  const src = `(() => {
    const µs = 'µs';
    return [
      /^(\\d+(\\.\\d+)?(ns|us|µs|ms|s|m|h))+$/.test('1µs500ms'),
      /^[µ-ÿ]+$/.test('µÿ'), /^[µ-ÿ]+$/.test('a'),
      /^😀$/u.test('😀'), /^[😀-😂]$/u.test('😁'), /^[😀-😂]$/u.test('😃'),
      /^😀$/.test('😀'), /^.{2}$/.test('😀'),
      µs, 'é' + \`\${'ü'}ß\`,
    ];
  })()`;
  const out = asciiOnly(src);
  assert.ok(/^[\x00-\x7f]*$/.test(out), out);
  assert.equal((0, eval)(out), (0, eval)(src));
  assert.equal((0, eval)(out), [true, true, false, true, true, false, true, true, 'µs', 'éüß']);
  assert.is(asciiOnly('plain ascii'), 'plain ascii');
});

test('seaMain: the code caches only where there are some; the bundles read as latin1', () => {
  assert.match(seaMain(true), /cachedData: Buffer\.from\(getRawAsset\(name\.replace\(\/\\\.cjs\$\/, '\.cache'\)\)\)/);
  assert.not.match(seaMain(false), /cachedData|\.cache/);
  for (const m of [seaMain(true), seaMain(false)]) {
    assert.match(m, /Buffer\.from\(getRawAsset\(name\)\)\.toString\('latin1'\)/);
    assert.match(m, /load\("kubectl-etcd_replace\.cjs", cliRequire\)/);
    assert.match(m, /load\("kubectl-etcd_replace-commands\.cjs"/);
  }
});

test.run();
