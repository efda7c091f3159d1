'use strict';
// Multiline records where the file reader and the follower make them: records
// come out whole with their end offsets, the offset consumed (what a
// checkpoint saves) never falls inside a record, a quiet file completes its
// last record after the multiline timeout, and a rotated file's last record
// is finished before the new file's first.
const fs = require('fs');
const os = require('os');
const path = require('path');
const fsp = require('fs/promises');
const fc = require('fast-check');
const should = require('should');
const { FileReader } = require('../../dist/lib/file-reader');
const { FileFollower } = require('../../dist/lib/file-follower');
const { identify } = require('../../dist/lib/file-identity');
const { recordRule } = require('../../dist/lib/multiline-rules');
const { BASE_OPTIONS } = require('../support/follow-model');
const { EventEmitter } = require('events');
const { untilEvent } = require('../support/collect');

const SETTINGS = { encoding: 'utf8', delimiter: '\n', maxLineBytes: 0, longLines: 'cut', trackLineEnds: true };

/** Record `n` with `lines` lines: a start line, then indented continuation lines. */
function record(n, lines) {
  return [`start ${n}`, ...Array.from({ length: lines - 1 }, (_, i) => `  more ${n}.${i + 1}`)].join('\n');
}

describe('multiline records in the file reader', function () {
  let dir;

  beforeEach(function () {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'log-ingest-multiline-'));
  });

  afterEach(function () {
    fs.rmSync(dir, { recursive: true, force: true });
  });

  async function reader(file, multiline, chunkBytes) {
    const handle = await fsp.open(file, 'r');
    return new FileReader(file, handle, await identify(handle, await handle.stat()), { ...SETTINGS, multiline }, 0, chunkBytes);
  }

  it('gives out whole records with their ends, holds the last until the file is finished, and never consumes into a held record (property)', async function () {
    await fc.assert(
      fc.asyncProperty(fc.array(fc.integer({ min: 1, max: 40 }), { minLength: 1, maxLength: 25 }), fc.integer({ min: 1, max: 300 }), async (sizes, chunkBytes) => {
        const file = path.join(dir, `p-${Math.random().toString(36).slice(2)}.log`);
        const texts = sizes.map((k, i) => record(i, k));
        fs.writeFileSync(file, texts.map((t) => `${t}\n`).join(''));
        const ends = [];
        let at = 0;
        for (const t of texts) ends.push((at += Buffer.byteLength(t) + 1));
        const boundaries = new Set([0, ...ends]);
        const r = await reader(file, { rule: recordRule('indented'), maxLines: 1000, timeoutMs: 1000 }, chunkBytes);
        const got = [];
        const gotEnds = [];
        try {
          await r.readAvailable((chunk) => {
            got.push(...chunk.lines);
            gotEnds.push(...chunk.lineEnds);
            should(boundaries.has(chunk.end)).be.true(`chunk end ${chunk.end} inside a record`);
            should(boundaries.has(r.consumed)).be.true(`consumed ${r.consumed} inside a record`);
          }, () => true);
          // The last record waits: nothing after it says it is complete.
          got.should.eql(texts.slice(0, -1));
          r.consumed.should.equal(ends.length > 1 ? ends[ends.length - 2] : 0);
          r.holdsPartialLine.should.be.true();
          r.quietFlushMs(0).should.equal(1000);
          await r.flushPartial((chunk) => {
            got.push(...chunk.lines);
            gotEnds.push(...chunk.lineEnds);
          });
          got.should.eql(texts);
          gotEnds.should.eql(ends);
          r.consumed.should.equal(ends[ends.length - 1]);
          should(r.quietFlushMs(0)).be.undefined();
        } finally {
          await r.close();
        }
      }),
      { numRuns: 60 },
    );
  });

  it('without multiline, gives out lines as before', async function () {
    const file = path.join(dir, 'plain.log');
    fs.writeFileSync(file, 'a\n  b\nc\n');
    const r = await reader(file, undefined);
    const got = [];
    await r.readAvailable((chunk) => got.push(...chunk.lines), () => true);
    await r.close();
    got.should.eql(['a', '  b', 'c']);
  });

  it('after a quiet time flushes the record only, keeping a line in progress when idle flush is off', async function () {
    const file = path.join(dir, 'quiet.log');
    fs.writeFileSync(file, 'start 1\n  more\npartial');
    const r = await reader(file, { rule: recordRule('indented'), maxLines: 1000, timeoutMs: 5000 });
    const got = [];
    await r.readAvailable((chunk) => got.push(...chunk.lines), () => true);
    got.should.eql([]);
    // The line in progress is the next record's start: the held record is complete after the timeout.
    r.quietFlushMs(0).should.equal(5000);
    r.quietFlushMs(1000).should.equal(5000);
    await r.flushQuiet(0, (chunk) => got.push(...chunk.lines));
    got.should.eql(['start 1\n  more']);
    r.consumed.should.equal('start 1\n  more\n'.length);
    should(r.quietFlushMs(0)).be.undefined();
    await r.close();
  });

  it('cuts a record at max lines, drops the rest of it, and reports the cut', async function () {
    const file = path.join(dir, 'long.log');
    fs.writeFileSync(file, `${record(1, 7)}\n${record(2, 2)}\n`);
    const r = await reader(file, { rule: recordRule('indented'), maxLines: 3, timeoutMs: 1000 });
    const got = [];
    await r.readAvailable((chunk) => got.push(...chunk.lines), () => true);
    await r.flushPartial((chunk) => got.push(...chunk.lines));
    await r.close();
    got.should.eql([record(1, 3), record(2, 2)]);
    r.takeEvents().filter((e) => e.kind === 'long-record').should.eql([{ kind: 'long-record', offset: 0, lines: 3 }]);
  });
});

describe('multiline records in the follower', function () {
  let dir;
  let follower;

  beforeEach(function () {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'log-ingest-multiline-follow-'));
  });

  afterEach(async function () {
    await follower?.stop();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  /** Follows `file` with the indented rule; `delivered` gets the records, `arrived` fires after each chunk. */
  function follow(file, timeoutMs) {
    const delivered = [];
    const arrived = new EventEmitter();
    follower = new FileFollower(
      { ...BASE_OPTIONS, trackLineEnds: false, path: file, multiline: { rule: recordRule('indented'), maxLines: 1000, timeoutMs } },
      {
        deliver: (chunk) => {
          delivered.push(...chunk.lines);
          arrived.emit('chunk');
        },
        opened: () => {},
        state: () => {},
        notice: () => {},
        error: () => {},
      },
    );
    follower.start();
    return { delivered, until: (n) => untilEvent(arrived, 'chunk', () => delivered.length >= n) };
  }

  it('sends the last record once the file has been quiet for the timeout', async function () {
    const file = path.join(dir, 'app.log');
    fs.writeFileSync(file, `${record(1, 3)}\n${record(2, 4)}\n`);
    const sink = follow(file, 100);
    await sink.until(2);
    sink.delivered.should.eql([record(1, 3), record(2, 4)]);
  });

  it("finishes a rotated file's last record before the new file's first", async function () {
    const file = path.join(dir, 'app.log');
    // A long timeout: only the rotation can complete the old file's last record.
    fs.writeFileSync(file, `${record(1, 2)}\n${record(2, 3)}\n`);
    const sink = follow(file, 600000);
    await sink.until(1);
    sink.delivered.should.eql([record(1, 2)]);
    fs.renameSync(file, `${file}.1`);
    // The new file's first line is indented: it must not join the old file's record.
    fs.writeFileSync(file, `  orphan continuation\n${record(3, 2)}\n${record(4, 1)}\n`);
    follower.trigger();
    await sink.until(4);
    sink.delivered.slice(0, 4).should.eql([record(1, 2), record(2, 3), '  orphan continuation', record(3, 2)]);
  });
});
