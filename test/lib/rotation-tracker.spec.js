'use strict';
const should = require('should');
const fs = require('fs');
const fsp = require('fs/promises');
const os = require('os');
const path = require('path');
const { identify } = require('../../dist/lib/file-identity');
const { FileReader } = require('../../dist/lib/file-reader');
const { CopyRecovery } = require('../../dist/lib/copy-recovery');
const { RotationTracker } = require('../../dist/lib/rotation-tracker');

const SETTINGS = { encoding: 'utf8', delimiter: '\n', maxLineBytes: 0, longLines: 'cut', trackLineEnds: false };

describe('rotation-tracker', function () {
  let dir;
  let file;
  let heard;
  let tracker;
  const handles = [];
  beforeEach(function () {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'log-ingest-rotations-'));
    file = path.join(dir, 'app.log');
    heard = { opened: [], notices: [] };
  });
  afterEach(async function () {
    for (const reader of tracker?.openFiles(undefined) ?? []) await reader.close();
    for (const h of handles.splice(0)) await h.close().catch(() => {});
    fs.rmSync(dir, { recursive: true, force: true });
  });

  function track(resume) {
    const options = { ...SETTINGS, path: file, startAt: 'beginning', idleFlushMs: 0, pollIntervalMs: 0 };
    const events = { opened: (identity, offset) => heard.opened.push({ ino: identity.ino, offset }), notice: (n) => heard.notices.push(n) };
    const follow = { options, dir, events, deliver: () => undefined, sizes: new WeakMap() };
    tracker = new RotationTracker(follow, new CopyRecovery(follow, () => true), resume);
    return tracker;
  }

  async function identityOf(target) {
    const handle = await fsp.open(target, 'r');
    try {
      return await identify(handle, await handle.stat());
    } finally {
      await handle.close();
    }
  }

  it('gives back resume points not taken up, the last one last', async function () {
    const a = { identity: { dev: 1, ino: 10, headLength: 0, headHash: '' }, offset: 5 };
    const b = { identity: { dev: 1, ino: 11, headLength: 0, headHash: '' }, offset: 7 };
    track([a, b]).positions(undefined).should.eql([a, b]);
    tracker.hasResumePoints.should.be.true();
    track(undefined).positions(undefined).should.eql([]);
  });

  it('matches an opened file to the resume point with its inode and head, not to one whose head changed', async function () {
    fs.writeFileSync(file, 'first line\nsecond\n');
    const identity = await identityOf(file);
    const point = { identity, offset: 11 };
    const handle = await fsp.open(file, 'r');
    handles.push(handle);
    (await track([point]).identify(handle, await handle.stat())).matched.should.equal(point);
    fs.writeFileSync(file, 'other line\n');
    should((await tracker.identify(handle, await handle.stat())).matched).be.undefined();
  });

  it('with the path missing, reopens the file a checkpoint names at its offset, and the files rotated after it from 0', async function () {
    fs.writeFileSync(`${file}.2`, 'old one\nold two\n');
    fs.writeFileSync(`${file}.1`, 'newer\n');
    const older = await identityOf(`${file}.2`);
    const newer = await identityOf(`${file}.1`);
    await track([{ identity: older, offset: 8 }]).pathMissing();
    tracker.rotated.map((r) => [r.identity.ino, r.consumed]).should.eql([
      [older.ino, 8],
      [newer.ino, 0],
    ]);
    heard.opened.should.eql([
      { ino: older.ino, offset: 8 },
      { ino: newer.ino, offset: 0 },
    ]);
    heard.notices.map((n) => n.kind).should.eql(['rotated', 'rotated']);
    // The newest file taken up comes last, so that a restart looks for rotations from it.
    tracker.positions(undefined).map((p) => p.identity.ino).should.eql([older.ino, newer.ino]);
    tracker.hasResumePoints.should.be.true(); // not taken up at the path yet
  });

  it('keeps where a finished rotated file was left as the newest point until a file is taken up at the path, and forgets that one once deleted', async function () {
    fs.writeFileSync(`${file}.1`, 'rotated\n');
    const rotated = await identityOf(`${file}.1`);
    await track([{ identity: rotated, offset: 3 }]).pathMissing();
    const [reader] = tracker.rotated;
    await reader.close();
    tracker.finished(reader);
    tracker.rotated.should.have.length(0);
    tracker.positions(undefined).should.eql([{ identity: rotated, offset: 3 }]);

    fs.writeFileSync(file, 'at the path\n');
    const handle = await fsp.open(file, 'r');
    handles.push(handle);
    const { identity } = await tracker.identify(handle, await handle.stat());
    const atPath = new FileReader(file, handle, identity, SETTINGS, 0);
    await tracker.tookUp(atPath);
    // Taken up at the path: the checkpoint's points and the finished file are done with.
    tracker.hasResumePoints.should.be.false();
    tracker.positions(atPath).map((p) => p.identity.ino).should.eql([identity.ino]);
    await atPath.close();
    tracker.deleted(atPath);
    tracker.positions(undefined).should.eql([]);
  });
});
