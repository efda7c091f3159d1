'use strict';
const should = require('should');
const fs = require('fs');
const fsp = require('fs/promises');
const os = require('os');
const path = require('path');
const { identify } = require('../../dist/lib/file-identity');
const { FileReader } = require('../../dist/lib/file-reader');
const { CopyRecovery } = require('../../dist/lib/copy-recovery');

const SETTINGS = { encoding: 'utf8', delimiter: '\n', maxLineBytes: 0, longLines: 'cut', trackLineEnds: false };

describe('copy-recovery', function () {
  let dir;
  let file;
  let heard;
  let recovery;
  const handles = [];
  beforeEach(function () {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'log-ingest-copy-'));
    file = path.join(dir, 'app.log');
    heard = { lines: [], notices: [] };
    const options = { ...SETTINGS, path: file, startAt: 'beginning', idleFlushMs: 0, pollIntervalMs: 0 };
    const events = { notice: (n) => heard.notices.push(n) };
    const deliver = (chunk) => void heard.lines.push(...chunk.lines);
    recovery = new CopyRecovery({ options, dir, events, deliver, sizes: new WeakMap() }, () => true);
  });
  afterEach(async function () {
    for (const h of handles.splice(0)) await h.close().catch(() => {});
    fs.rmSync(dir, { recursive: true, force: true });
  });

  async function openAt(target) {
    const handle = await fsp.open(target, 'r');
    handles.push(handle);
    return { handle, identity: await identify(handle, await handle.stat()) };
  }

  /** copytruncate: the file copied (with what was written meanwhile), then emptied and written again. */
  function copytruncate(meanwhile, after) {
    fs.writeFileSync(`${file}.1`, fs.readFileSync(file) + meanwhile);
    fs.truncateSync(file, 0);
    fs.writeFileSync(file, after);
  }

  it('reads the copy from the offset reached, to its end, and says where from', async function () {
    fs.writeFileSync(file, 'one\ntwo\n');
    const { identity } = await openAt(file);
    copytruncate('three\n', '');
    const read = await recovery.readCopy(identity, 4);
    read.should.eql({ consumed: 14, halted: false });
    heard.lines.should.eql(['two', 'three']);
    heard.notices.should.eql([{ kind: 'recovered', path: file, from: `${file}.1`, bytes: 10 }]);
  });

  it('finds no copy of a file whose head no other file shares', async function () {
    fs.writeFileSync(file, 'one\ntwo\n');
    const { identity } = await openAt(file);
    fs.writeFileSync(`${file}.1`, 'other\ncontent\n');
    should(await recovery.readCopy(identity, 4)).be.undefined();
    heard.lines.should.eql([]);
  });

  it('recover: what was not read comes from the copy, then the file is read again from its start', async function () {
    fs.writeFileSync(file, 'one\ntwo\n');
    const { handle, identity } = await openAt(file);
    const reader = new FileReader(file, handle, identity, SETTINGS, 0);
    (await reader.readAvailable((chunk) => void heard.lines.push(...chunk.lines), () => true)).should.equal('end');
    copytruncate('three\n', 'new\n');
    await recovery.recover(reader);
    heard.lines.should.eql(['one', 'two', 'three']);
    heard.notices.map((n) => n.kind).should.eql(['truncated', 'recovered']);
    reader.position.should.equal(0);
    (await reader.readAvailable((chunk) => void heard.lines.push(...chunk.lines), () => true)).should.equal('end');
    heard.lines.slice(3).should.eql(['new']);
  });
});
