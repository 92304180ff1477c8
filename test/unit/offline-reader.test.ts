// lib/offline: the etcd_info parsers (etcdctl -w json shapes: etcd-io/etcd release-3.4/3.5 printer_json.go, checked
// against etcdctl 3.4.23's output), the `timestamp` format, the tar reader and finding the image folder.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { tar } from '../../lib/bundle/tar.ts';
import { CutFile, parseAlarmFile, parseHealthFile, parseMembersFile, parseStatusFile } from '../../lib/offline/etcd-info.ts';
import { parseGoTime, goTime, imageFolderName } from '../../lib/offline/layout.ts';
import { readArchive, FolderSource } from '../../lib/offline/files.ts';
import { findImageFolder } from '../../lib/offline/mustgather.ts';

// IDs above 2^53: through a JS number they would come back wrong (openshift.md §0 point 3)
const BIG = '14613776637218785653'; // 0xcace906ca8540975
const LEADER = '8015405314113191423'; // 0x6f3c9b47b3b1a9ff

test('member_list.json: decimal uint64 IDs to exact hex, unstarted (no name), learner', () => {
  const text = `{"header":{"cluster_id":14282926339482810172,"member_id":${LEADER},"raft_term":2},"members":[{"ID":${BIG},"name":"m-0","peerURLs":["https://10.0.0.1:2380"],"clientURLs":["https://10.0.0.1:2379"]},{"ID":${LEADER},"peerURLs":["https://10.0.0.9:2380"],"isLearner":true}]}\n`;
  const ms = parseMembersFile(text);
  assert.is(ms[0]!.id, BigInt(BIG).toString(16).padStart(16, '0'));
  assert.is(ms[0]!.id, 'cace906ca8540975');
  assert.is(ms[1]!.started, false);
  assert.is(ms[1]!.isLearner, true);
  assert.throws(() => parseMembersFile(text.slice(0, 80)), (e: unknown) => e instanceof CutFile);
  assert.throws(() => parseMembersFile(''), (e: unknown) => e instanceof CutFile);
});

test('endpoint_status.json: the leader is the member whose header.member_id equals Status.leader; DB size in bytes', () => {
  const row = (id: string, db: number) => `{"Endpoint":"https://10.0.0.${id === LEADER ? 1 : 2}:2379","Status":{"header":{"cluster_id":1,"member_id":${id},"revision":9,"raft_term":2},"version":"3.5.9","dbSize":${db},"leader":${LEADER},"raftIndex":4,"raftTerm":2,"raftAppliedIndex":4,"dbSizeInUse":16384}}`;
  const st = parseStatusFile(`[${row(LEADER, 20480)},${row(BIG, 104857600)}]\n`);
  assert.equal(st, [
    { id: BigInt(LEADER).toString(16).padStart(16, '0'), leader: true, dbSizeBytes: 20480 },
    { id: 'cace906ca8540975', leader: false, dbSizeBytes: 104857600 },
  ]);
  assert.throws(() => parseStatusFile(`[${row(LEADER, 1)}`), (e: unknown) => e instanceof CutFile);
});

test('endpoint_health.json and alarm_list.json', () => {
  const h = parseHealthFile('[{"endpoint":"https://10.0.0.1:2379","health":true,"took":"1.3ms"},{"endpoint":"https://10.0.0.2:2379","health":false,"took":"5s","error":"context deadline exceeded"}]\n');
  assert.equal(h.map((x) => [x.endpoint, x.healthy, x.error ?? null]), [
    ['https://10.0.0.1:2379', true, null],
    ['https://10.0.0.2:2379', false, 'context deadline exceeded'],
  ]);
  assert.throws(() => parseHealthFile('[{"endpoint":"https://10.0.0.1:2379","hea'), (e: unknown) => e instanceof CutFile);
  // etcdctl 3.4.23 `alarm list -w json`: {} without alarms, the AlarmType as its enum number (rpc.proto NOSPACE=1)
  assert.equal(parseAlarmFile('{}\n'), []);
  assert.equal(parseAlarmFile(`{"alarms":[{"memberID":${BIG},"alarm":1},{"memberID":${LEADER},"alarm":2}]}`), [
    { memberId: 'cace906ca8540975', alarm: 'NOSPACE' },
    { memberId: BigInt(LEADER).toString(16).padStart(16, '0'), alarm: 'CORRUPT' },
  ]);
});

test('timestamp (Go time.Time %v) and the image folder name (mustgather.go copyFilesFromPod)', () => {
  assert.is(parseGoTime('2026-12-02 11:03:22.123456789 +0000 UTC m=+0.012345678'), '2026-12-02T11:03:22.123Z');
  assert.is(parseGoTime('2026-12-02 13:03:22.5 +0200 CEST'), '2026-12-02T11:03:22.500Z');
  assert.is(parseGoTime(goTime(new Date('2026-01-02T03:04:05.006Z'))), '2026-01-02T03:04:05.006Z');
  assert.is(parseGoTime('not a time'), null);
  assert.is(imageFolderName('quay.io/openshift-release-dev/ocp-v4.0-art-dev@sha256:abc'), 'quay-io-openshift-release-dev-ocp-v4-0-art-dev-sha256-abc');
});

test('tar(.gz) reader: keeps objects and etcd_info, skips pod logs, long names, a cut archive', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'offline-unit-'));
  const long = `mg/img/namespaces/openshift-etcd/pods/${'x'.repeat(60)}/${'x'.repeat(60)}.yaml`;
  const entries = [
    { name: 'mg/timestamp', data: '2026-12-02 11:03:22.1 +0000 UTC\n' },
    { name: 'mg/img/etcd_info/member_list.json', data: '{}' },
    { name: 'mg/img/namespaces/openshift-etcd/pods/etcd-a/etcd/etcd/logs/current.log', data: 'log line\n'.repeat(1000) },
    { name: long, data: 'kind: Pod\n' },
    { name: 'mg/img/etcd-replace-bundle.txt', data: 'etcd-replace support bundle\n' },
  ];
  const plain = join(dir, 'a.tar');
  writeFileSync(plain, tar(entries));
  const gz = join(dir, 'a.tar.gz');
  const gzData = gzipSync(tar(entries));
  writeFileSync(gz, gzData);
  for (const f of [plain, gz]) {
    const a = await readArchive(f);
    assert.is(a.read('mg/img/etcd_info/member_list.json'), '{}');
    assert.is(a.read(long), 'kind: Pod\n', 'ustar prefix + name');
    assert.is(a.read('mg/img/namespaces/openshift-etcd/pods/etcd-a/etcd/etcd/logs/current.log'), null, 'logs are not kept');
    assert.ok(a.isDir('mg/img/namespaces/openshift-etcd/pods/etcd-a'));
    assert.is(a.read('mg/img/etcd-replace-bundle.txt'), 'etcd-replace support bundle\n', "the bundle's marker (kind: bundle)");
    assert.is(a.truncated, false);
    assert.is(findImageFolder(a), 'mg/img');
  }
  const cut = join(dir, 'cut.tar.gz');
  writeFileSync(cut, gzData.subarray(0, Math.floor(gzData.length / 2)));
  const c = await readArchive(cut);
  assert.is(c.truncated, true);
  const junk = join(dir, 'junk.tar');
  writeFileSync(junk, Buffer.alloc(2048, 7));
  try {
    await readArchive(junk);
    assert.unreachable('junk read as a tar');
  } catch (e) {
    assert.match(String(e), /not a tar archive/);
  }
});

test('the image folder: the must-gather.local root, the image folder itself, or an unpacked archive around it', () => {
  const root = mkdtempSync(join(tmpdir(), 'offline-unit-'));
  const img = join(root, 'x', 'must-gather.local.42', 'quay-io-img');
  mkdirSync(join(img, 'cluster-scoped-resources'), { recursive: true });
  assert.is(findImageFolder(new FolderSource(join(root, 'x', 'must-gather.local.42'))), 'quay-io-img');
  assert.is(findImageFolder(new FolderSource(img)), '');
  assert.is(findImageFolder(new FolderSource(root)), 'x/must-gather.local.42/quay-io-img');
  assert.throws(() => findImageFolder(new FolderSource(join(root, 'x', 'must-gather.local.42', 'quay-io-img', 'cluster-scoped-resources'))), /no must-gather found/);
});

test.run();
