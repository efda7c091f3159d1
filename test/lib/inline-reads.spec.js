'use strict';
require('should');
const fs = require('fs');
const fsp = require('fs/promises');
const path = require('path');
const { InlineReads, suitsInlineReads, SLOW_INLINE_READ_MS, SLOW_READS_TO_SWITCH, THREAD_POOL_SPELL_MS, THREAD_POOL_SPELL_MAX_MS } = require('../../dist/lib/inline-reads');
const { FileReader } = require('../../dist/lib/file-reader');
const { identify } = require('../../dist/lib/file-identity');
const { tempDir } = require('../support/collect');

const SPLIT = { encoding: 'utf8', delimiter: '\n', maxLineBytes: 0, longLines: 'cut', trackLineEnds: false };

/** A clock the test moves; `read` advances it by what the read "took". */
function fakeClock() {
  const clock = { t: 1000, now: () => clock.t };
  return clock;
}

describe('inline-reads', function () {
  const dirs = [];
  const newDir = () => {
    const dir = tempDir('inline-reads-');
    dirs.push(dir);
    return dir;
  };
  after(function () {
    for (const dir of dirs) fs.rmSync(dir, { recursive: true, force: true });
  });

  describe('InlineReads', function () {
    it('stays inline while reads are fast', function () {
      const clock = fakeClock();
      const reads = new InlineReads(true, clock.now);
      for (let i = 0; i < 3; i++) {
        reads.inline.should.be.true();
        reads.read(() => {
          clock.t += SLOW_INLINE_READ_MS / 2;
          return 10;
        }).should.equal(10);
      }
      reads.inline.should.be.true();
    });

    const slowRead = (clock) => () => {
      clock.t += SLOW_INLINE_READ_MS + 1;
      return 5;
    };
    const fastRead = (clock) => () => {
      clock.t += SLOW_INLINE_READ_MS / 4;
      return 5;
    };

    it('one slow read among fast ones is a hiccup: reads stay inline', function () {
      const clock = fakeClock();
      const reads = new InlineReads(true, clock.now);
      for (let i = 0; i < 5; i++) {
        reads.read(slowRead(clock));
        reads.inline.should.be.true();
        reads.read(fastRead(clock));
        reads.inline.should.be.true();
      }
    });

    it('after slow reads in a row, goes to the thread pool for a spell, then inline again', function () {
      const clock = fakeClock();
      const reads = new InlineReads(true, clock.now);
      for (let i = 1; i < SLOW_READS_TO_SWITCH; i++) reads.read(slowRead(clock));
      reads.inline.should.be.true();
      reads.read(slowRead(clock));
      reads.inline.should.be.false();
      clock.t += THREAD_POOL_SPELL_MS - 1;
      reads.inline.should.be.false();
      clock.t += 1;
      reads.inline.should.be.true();
    });

    it('a disk that stays slow gets ever longer spells on the thread pool (up to a bound); fast reads end that', function () {
      const clock = fakeClock();
      const reads = new InlineReads(true, clock.now);
      const spells = [];
      for (let round = 0; round < 8; round++) {
        for (let i = 0; i < SLOW_READS_TO_SWITCH; i++) reads.read(slowRead(clock));
        const from = clock.t;
        while (!reads.inline) clock.t += 1000;
        spells.push(Math.round((clock.t - from) / 1000) * 1000);
      }
      spells.should.eql([10000, 20000, 40000, 80000, 160000, 320000, 320000, 320000]);
      spells[0].should.equal(THREAD_POOL_SPELL_MS);
      spells[7].should.equal(THREAD_POOL_SPELL_MAX_MS);
      reads.read(fastRead(clock));
      for (let i = 0; i < SLOW_READS_TO_SWITCH; i++) reads.read(slowRead(clock));
      const from = clock.t;
      while (!reads.inline) clock.t += 1000;
      Math.round((clock.t - from) / 1000).should.equal(THREAD_POOL_SPELL_MS / 1000);
    });

    it('a read that throws still counts its time, and the error reaches the caller', function () {
      const clock = fakeClock();
      const reads = new InlineReads(true, clock.now);
      for (let i = 0; i < SLOW_READS_TO_SWITCH; i++) {
        (() =>
          reads.read(() => {
            clock.t += SLOW_INLINE_READ_MS * 10;
            throw Object.assign(new Error('EIO'), { code: 'EIO' });
          })).should.throw(/EIO/);
      }
      reads.inline.should.be.false();
    });

    it('never inline when not allowed', function () {
      new InlineReads(false, fakeClock().now).inline.should.be.false();
    });
  });

  describe('suitsInlineReads', function () {
    it('not on other platforms than Linux, nor for a path that is gone', async function () {
      const dir = newDir();
      (await suitsInlineReads(dir, 'darwin')).should.be.false();
      (await suitsInlineReads(dir, 'win32')).should.be.false();
      (await suitsInlineReads(path.join(dir, 'missing', 'app.log'), 'linux')).should.be.false();
    });

    it('a local temp folder on Linux suits', async function () {
      if (process.platform !== 'linux') this.skip();
      (await suitsInlineReads(newDir())).should.be.true();
    });
  });

  describe('FileReader', function () {
    /** Opens `file` with its handle's read() counted. */
    async function countedReader(file, settings) {
      const handle = await fsp.open(file, 'r');
      const identity = await identify(handle, await handle.stat());
      const counted = { threadPoolReads: 0 };
      const read = handle.read.bind(handle);
      handle.read = (...args) => {
        counted.threadPoolReads++;
        return read(...args);
      };
      return { reader: new FileReader(file, handle, identity, { ...SPLIT, ...settings }, 0, 64), counted, handle };
    }

    async function readAll(reader) {
      const lines = [];
      (await reader.readAvailable((chunk) => void lines.push(...chunk.lines), () => true)).should.equal('end');
      return lines;
    }

    it('reads the same lines inline and on the thread pool, and only the latter uses the pool for chunks', async function () {
      if (process.platform !== 'linux') this.skip();
      const file = path.join(newDir(), 'app.log');
      const written = Array.from({ length: 500 }, (_, i) => `line ${i} ${'x'.repeat(i % 37)}`);
      fs.writeFileSync(file, `${written.join('\n')}\n`);

      const inline = await countedReader(file, {});
      const pooled = await countedReader(file, { inlineReads: false });
      try {
        (await readAll(inline.reader)).should.eql(written);
        (await readAll(pooled.reader)).should.eql(written);
        inline.counted.threadPoolReads.should.equal(0);
        // 64-byte chunks of a file of several kilobytes: many reads each.
        pooled.counted.threadPoolReads.should.be.above(50);
      } finally {
        await inline.handle.close();
        await pooled.handle.close();
      }
    });
  });
});
