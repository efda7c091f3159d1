'use strict';
// Only regular files are read, and nothing waits in open(): a FIFO renamed
// over a followed file between the engine's stat and its open used to block
// one of libuv's four threads for ever (four of them: the whole runtime).
//
// The race is made by construction: `swapBeforeOpen` renames a FIFO over a
// path just before the engine's next open of it, after any stat the engine
// made. Without the fix each of these tests waits for an open that never
// returns (a mocha timeout); afterEach then opens each FIFO for writing, which
// lets a stuck open go, so that a failed run does not keep the process alive.
const fs = require('fs');
const os = require('os');
const net = require('net');
const path = require('path');
const { execFileSync } = require('child_process');
const { EventEmitter, once } = require('events');
const should = require('should');
const { openRegularFile, readRegularFile, readRegularFileSync, isNotARegularFile, NOT_A_REGULAR_FILE } = require('../../dist/lib/regular-file');
const { FileFollower } = require('../../dist/lib/file-follower');
const { DirectoryTail } = require('../../dist/lib/directory-tail');
const { DeliveryLedger } = require('../../dist/lib/delivery-ledger');
const { findFileByIdentity, findNewerRotations } = require('../../dist/lib/sibling-search');
const { identify } = require('../../dist/lib/file-identity');
const { BASE_OPTIONS } = require('../support/follow-model');

describe('regular-file: only regular files are opened, and no open waits', function () {
  let dir;
  /** FIFOs made by a test, wherever they are now: released in afterEach. */
  let fifos;
  let restoreOpen;

  beforeEach(function () {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'log-ingest-regular-'));
    fifos = [];
    restoreOpen = undefined;
  });

  afterEach(function () {
    restoreOpen?.();
    // A reader stuck in open() (the defect) is let go by a writer's open.
    for (const fifo of fifos) {
      try {
        fs.closeSync(fs.openSync(fifo, fs.constants.O_WRONLY | fs.constants.O_NONBLOCK));
      } catch {
        // no reader waiting (ENXIO), or gone
      }
    }
    fs.rmSync(dir, { recursive: true, force: true });
  });

  /** A FIFO at `name` in the test folder. */
  function mkfifo(name) {
    const fifo = path.join(dir, name);
    execFileSync('mkfifo', [fifo]);
    return fifo;
  }

  /**
   * The next open of `file`, by anyone, first finds `fifo` renamed over it:
   * the window between a stat and an open, by construction. Resolves once done.
   */
  function swapBeforeOpen(file, fifo) {
    const original = fs.promises.open;
    let swapped;
    const done = new Promise((resolve) => (swapped = resolve));
    fs.promises.open = function (target, ...rest) {
      if (path.resolve(String(target)) === file) {
        fs.promises.open = original;
        restoreOpen = undefined;
        fs.renameSync(fifo, file);
        const at = fifos.indexOf(fifo);
        if (at >= 0) fifos[at] = file;
        else fifos.push(file);
        swapped();
      }
      return original.call(this, target, ...rest);
    };
    restoreOpen = () => (fs.promises.open = original);
    return done;
  }

  /** Open descriptors of this process. */
  const openFds = () => fs.readdirSync('/proc/self/fd').length;

  describe('openRegularFile', function () {
    it('opens a regular file, with the stats of the file opened, and reads it inline and on the thread pool', async function () {
      const file = path.join(dir, 'app.log');
      fs.writeFileSync(file, 'one\ntwo\n');
      const { handle, stats } = await openRegularFile(file);
      try {
        stats.isFile().should.be.true();
        stats.ino.should.equal(fs.statSync(file).ino);
        stats.size.should.equal(8);
        const buffer = Buffer.alloc(16);
        (await handle.read(buffer, 0, 16, 0)).bytesRead.should.equal(8);
        // O_NONBLOCK has no effect on a regular file: a read at the end
        // returns 0 bytes (no EAGAIN), and one after an append reads it.
        fs.readSync(handle.fd, buffer, 0, 16, 8).should.equal(0);
        fs.appendFileSync(file, 'three\n');
        fs.readSync(handle.fd, buffer, 0, 16, 8).should.equal(6);
        buffer.subarray(0, 6).toString().should.equal('three\n');
        (await handle.read(buffer, 0, 16, 14)).bytesRead.should.equal(0);
      } finally {
        await handle.close();
      }
    });

    it('with noFollow, refuses a link as no regular file, and opens the file itself', async function () {
      const file = path.join(dir, 'real.log');
      fs.writeFileSync(file, 'x\n');
      const link = path.join(dir, 'link.log');
      fs.symlinkSync(file, link);
      const err = await openRegularFile(link, { noFollow: true }).then(() => undefined, (e) => e);
      should(err).be.ok();
      err.code.should.equal(NOT_A_REGULAR_FILE);
      const opened = await openRegularFile(file, { noFollow: true });
      await opened.handle.close();
      const followed = await openRegularFile(link);
      followed.stats.ino.should.equal(opened.stats.ino);
      await followed.handle.close();
    });

    it('refuses a FIFO at once, with no writer, and closes what it opened', async function () {
      const fifo = mkfifo('pipe.log');
      fifos.push(fifo);
      const before = openFds();
      const err = await openRegularFile(fifo).should.be.rejected();
      err.code.should.equal(NOT_A_REGULAR_FILE);
      err.message.should.equal(`${fifo} is not a regular file`);
      isNotARegularFile(err).should.be.true();
      openFds().should.equal(before);
    });

    it('refuses a FIFO renamed over a regular file after its stat', async function () {
      const file = path.join(dir, 'app.log');
      fs.writeFileSync(file, 'line\n');
      fs.statSync(file).isFile().should.be.true();
      fs.renameSync(mkfifo('next'), file);
      fifos.push(file);
      (await openRegularFile(file).should.be.rejected()).code.should.equal(NOT_A_REGULAR_FILE);
    });

    it('refuses a folder, a device and a Unix socket', async function () {
      (await openRegularFile(dir).should.be.rejected()).code.should.equal(NOT_A_REGULAR_FILE);
      (await openRegularFile('/dev/null').should.be.rejected()).code.should.equal(NOT_A_REGULAR_FILE);
      const socketPath = path.join(dir, 'app.sock');
      const server = net.createServer();
      await new Promise((resolve) => server.listen(socketPath, resolve));
      try {
        isNotARegularFile(await openRegularFile(socketPath).should.be.rejected()).should.be.true();
      } finally {
        server.close();
      }
    });

    it('passes on why a path cannot be opened at all', async function () {
      (await openRegularFile(path.join(dir, 'missing.log')).should.be.rejected()).code.should.equal('ENOENT');
    });
  });

  describe('readRegularFile and readRegularFileSync', function () {
    it('read a regular file whole and refuse a FIFO at once', async function () {
      const file = path.join(dir, 'state.json');
      fs.writeFileSync(file, '{"a":1}');
      (await readRegularFile(file, 'utf8')).should.equal('{"a":1}');
      (await readRegularFile(file)).should.eql(Buffer.from('{"a":1}'));
      readRegularFileSync(file, 'utf8').should.equal('{"a":1}');
      const fifo = mkfifo('state2.json');
      fifos.push(fifo);
      (await readRegularFile(fifo, 'utf8').should.be.rejected()).code.should.equal(NOT_A_REGULAR_FILE);
      (() => readRegularFileSync(fifo, 'utf8')).should.throw({ code: NOT_A_REGULAR_FILE });
    });
  });

  describe('FileFollower', function () {
    it('reports a FIFO renamed over the path between its stat and its open as "not a file", then reads the file that replaces it', async function () {
      const file = path.join(dir, 'app.log');
      fs.writeFileSync(file, 'before\n');
      const events = new EventEmitter();
      const lines = [];
      const follower = new FileFollower(
        { ...BASE_OPTIONS, path: file, watch: false, pollIntervalMs: 0 },
        {
          deliver: (chunk) => {
            lines.push(...chunk.lines);
            events.emit('lines');
          },
          opened: () => undefined,
          state: () => undefined,
          notice: () => undefined,
          error: (e) => events.emit('failure', e),
        },
      );
      const fifo = mkfifo('next');
      fifos.push(fifo);
      const failure = once(events, 'failure');
      const swapped = swapBeforeOpen(file, fifo);
      follower.start();
      await swapped;
      const [error] = await failure;
      error.should.match({ path: file, reason: 'notAFile', code: NOT_A_REGULAR_FILE });
      lines.should.eql([]);
      // A regular file back at the path is read as usual.
      const back = path.join(dir, 'back');
      fs.writeFileSync(back, 'after\n');
      fs.renameSync(back, file);
      fifos.length = 0;
      const read = once(events, 'lines');
      follower.trigger();
      await read;
      lines.should.eql(['after']);
      await follower.stop();
    });
  });

  describe('sibling-search', function () {
    it('findFileByIdentity passes over a sibling that became a FIFO after it was listed', async function () {
      const followed = path.join(dir, 'app.log');
      const rotated = path.join(dir, 'app.log.1');
      fs.writeFileSync(rotated, 'old line\n');
      const handle = await fs.promises.open(rotated, 'r');
      const identity = await identify(handle, await handle.stat());
      await handle.close();
      // Outside the folder, so that the folder's listing does not change.
      const fifo = path.join(os.tmpdir(), `log-ingest-fifo-${process.pid}-${Date.now()}`);
      execFileSync('mkfifo', [fifo]);
      fifos.push(fifo);
      const swapped = swapBeforeOpen(rotated, fifo);
      should(await findFileByIdentity(dir, identity, followed)).be.undefined();
      await swapped;
    });

    it('findNewerRotations passes over rotated files that became FIFOs after they were listed', async function () {
      const followed = path.join(dir, 'app.log');
      const older = path.join(dir, 'app.log.2');
      const newer = path.join(dir, 'app.log.1');
      fs.writeFileSync(older, 'older\n');
      fs.writeFileSync(newer, 'newer\n');
      const handle = await fs.promises.open(older, 'r');
      const identity = await identify(handle, await handle.stat());
      await handle.close();
      // The newer rotation, opened to be read (the older one is held open).
      swapBeforeOpen(newer, (fifos.push(mkfifo('fifo-1')), fifos[fifos.length - 1]));
      (await findNewerRotations({ dir, followed, after: identity, afterIsOpen: true, skip: () => false })).should.eql([]);
      // The older one, opened to check that it is still itself.
      swapBeforeOpen(older, (fifos.push(mkfifo('fifo-2')), fifos[fifos.length - 1]));
      should(await findNewerRotations({ dir, followed, after: identity, afterIsOpen: false, skip: () => false })).be.undefined();
    });
  });

  describe('DirectoryTail', function () {
    it('reports a FIFO that replaced a new name of a file already read (checked for a rotated copy) as "not a file"', async function () {
      const first = path.join(dir, 'a.log');
      const second = path.join(dir, 'b.log');
      fs.writeFileSync(first, 'one\n');
      const events = new EventEmitter();
      let lines = 0;
      const tail = new DirectoryTail(
        {
          ...BASE_OPTIONS,
          id: `regular-file-${process.pid}`,
          ledger: new DeliveryLedger(),
          discovery: { root: dir, patterns: ['*.log'], exclude: [], recursive: false, maxDepth: 1, ignoreOlderMs: 0, rescanMs: 10000 },
          maxOpenFiles: 10,
          resume: false,
        },
        {
          emit: (chunk) => {
            lines += chunk.lines.length;
            events.emit('lines');
          },
          acksPerMessage: () => 0,
          creditLines: () => 1e6,
          event: (e) => events.emit('event', e),
          notice: () => undefined,
          error: (e) => events.emit('failure', e),
          mode: () => undefined,
          checkpointError: () => undefined,
        },
      );
      await tail.start();
      try {
        while (lines < 1) await once(events, 'lines');
        // The same file under a second name, as a rotation leaves it; then a
        // FIFO over that name before the tail opens it to compare.
        const fifo = mkfifo('fifo');
        fifos.push(fifo);
        const refused = new Promise((resolve) => {
          const on = (e) => {
            if (e.path === second) {
              events.off('failure', on);
              resolve(e);
            }
          };
          events.on('failure', on);
        });
        const swapped = swapBeforeOpen(second, fifo);
        fs.linkSync(first, second);
        await swapped;
        (await refused).should.match({ path: second, reason: 'notAFile' });
      } finally {
        await tail.stop(0);
      }
    });
  });
});
