// The Windows side of the plugin, checked from Linux with the platform passed in: oc.exe/kubectl.exe found
// through PATH and PATHEXT as cmd.exe finds them (lib/cluster/kubectl.ts which), and the journal under
// %LOCALAPPDATA% (lib/runbooks/journal.ts stateRoot).
import { chmodSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { which } from '../../lib/cluster/kubectl.ts';
import { stateRoot } from '../../lib/runbooks/journal.ts';

const DIR = mkdtempSync(join(tmpdir(), 'etcd-replace-which-'));
const a = join(DIR, 'a'), b = join(DIR, 'b b');
mkdirSync(a); mkdirSync(b);
const touch = (p: string, mode = 0o644) => { writeFileSync(p, ''); chmodSync(p, mode); };
touch(join(a, 'kubectl.cmd'));
touch(join(b, 'kubectl.exe'));
touch(join(b, 'oc.exe'));
touch(join(a, 'oc'), 0o755);
mkdirSync(join(a, 'etcdctl.exe'));

test.after(() => rmSync(DIR, { recursive: true, force: true }));

test('windows: PATH split on ";", quoted entries, PATHEXT order; .cmd/.bat skipped (they need a shell)', () => {
  const env = { Path: `${a};"${b}";`, PATHEXT: '.COM;.EXE;.BAT;.CMD' };
  assert.is(which('kubectl', env, 'win32'), join(b, 'kubectl.exe'));
  assert.is(which('oc', env, 'win32'), join(b, 'oc.exe'), 'extension-less "oc" is not a Windows executable');
  assert.is(which('kubectl.exe', env, 'win32'), join(b, 'kubectl.exe'), 'a name with an extension is tried as is');
  assert.is(which('etcdctl', env, 'win32'), null, 'a folder is not an executable');
  assert.is(which('kubectl', { PATH: a }, 'win32'), null, 'only kubectl.cmd there');
  assert.is(which('kubectl', { Path: b }, 'win32'), join(b, 'kubectl.exe'), 'default PATHEXT');
});

test('linux/darwin: PATH split on ":", execute bit required, no extensions', () => {
  assert.is(which('oc', { PATH: `${b}:${a}` }, 'linux'), join(a, 'oc'));
  assert.is(which('kubectl', { PATH: `${a}:${b}` }, 'linux'), null, 'kubectl.exe/.cmd are not "kubectl"');
  touch(join(b, 'kubectl'), 0o644);
  assert.is(which('kubectl', { PATH: b }, 'linux'), null, 'not executable');
});

test('journal state dir: %LOCALAPPDATA%\\etcd-replace on Windows; XDG_STATE_HOME wins when absolute', () => {
  assert.is(stateRoot({ LOCALAPPDATA: 'C:\\Users\\ops\\AppData\\Local' }, 'win32'), 'C:\\Users\\ops\\AppData\\Local\\etcd-replace');
  assert.is(stateRoot({ XDG_STATE_HOME: 'D:\\state', LOCALAPPDATA: 'C:\\x' }, 'win32'), 'D:\\state\\etcd-replace');
  assert.ok(stateRoot({ LOCALAPPDATA: 'relative' }, 'win32').endsWith('\\AppData\\Local\\etcd-replace'));
  assert.is(stateRoot({ XDG_STATE_HOME: '/x/state' }, 'linux'), '/x/state/etcd-replace');
  assert.ok(stateRoot({ XDG_STATE_HOME: 'relative' }, 'linux').endsWith('/.local/state/etcd-replace'));
});

test.run();
