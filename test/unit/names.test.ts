import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { isDNS1123Label, isDNS1123Subdomain, shortHash, validMemberId, validName, validNodeName } from '../../lib/cluster/names.ts';
import { PluginError } from '../../lib/errors.ts';

test('valid node and machine names', () => {
  for (const n of ['ip-10-0-131-183.ec2.internal', 'master-0', 'clustername-8qw5l-master-3', 'a', '0', 'a.b.c', 'x'.repeat(253)]) {
    assert.ok(isDNS1123Subdomain(n), n);
    assert.is(validNodeName(n), n);
  }
});

test('invalid names are refused with a one-line PluginError', () => {
  for (const n of ['', 'A', 'Master-0', '-a', 'a-', 'a..b', '.a', 'a b', 'a;rm -rf /', "a'b", 'a$(x)', 'a/b', 'a_b', 'x'.repeat(254), 'a\nb']) {
    assert.not.ok(isDNS1123Subdomain(n), JSON.stringify(n));
    try {
      validName('node', n);
      assert.unreachable(`accepted ${JSON.stringify(n)}`);
    } catch (e) {
      assert.instance(e, PluginError);
      assert.ok(!(e as PluginError).line().includes('\n'));
      assert.ok((e as PluginError).message.startsWith('invalid node name'));
      assert.is((e as PluginError).exitCode, 1);
    }
  }
});

test('DNS-1123 label', () => {
  assert.ok(isDNS1123Label('etcd-replace-debug-1a2b3c4d-abcde'));
  assert.not.ok(isDNS1123Label('a.b'));
  assert.not.ok(isDNS1123Label('x'.repeat(64)));
});

test('member IDs', () => {
  assert.is(validMemberId('6fc1e7c9db35841d'), '6fc1e7c9db35841d');
  assert.throws(() => validMemberId('6FC1E7C9DB35841D'));
  assert.throws(() => validMemberId('4b2b4d0744853d4'));
  assert.throws(() => validMemberId('6fc1e7c9db35841d; ls'));
});

test('shortHash is stable (32-bit FNV-1a, its published test vectors), 8 hex digits', () => {
  assert.is(shortHash(''), '811c9dc5');
  assert.is(shortHash('a'), 'e40c292c');
  assert.is(shortHash('foobar'), 'bf9cf968');
  assert.match(shortHash('x'), /^[0-9a-f]{8}$/);
  assert.is.not(shortHash('a'), shortHash('b'));
});

test.run();
