'use strict';
require('should');
const fs = require('fs');
const os = require('os');
const path = require('path');
const fc = require('fast-check');
const { CheckpointStore } = require('../../dist/lib/checkpoint-store');
const { PositionBook } = require('../../dist/lib/position-book');

const identity = (ino, headHash = 'ab'.repeat(32)) => ({ dev: 2049, ino, headLength: 1024, headHash });
const LOG = '/logs/app.log';

describe('PositionBook', function () {
  let dir;
  let store;
  beforeEach(function () {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'position-book-'));
    store = new CheckpointStore(dir);
  });
  afterEach(function () {
    fs.rmSync(dir, { recursive: true, force: true });
  });

  const errors = [];
  const open = (read) =>
    new PositionBook({ shelf: store, keyOf: (p) => `tail~${path.basename(p)}`, intervalMs: 0, onError: (e) => errors.push(e), read });

  it('knows nothing of a path never followed, and nothing to resume of one that followed no file', function () {
    const book = open();
    (book.resumePoints(LOG) === undefined).should.be.true();
    (book.newest(LOG) === undefined).should.be.true();
    book.follow(LOG, [], () => []);
    (book.resumePoints(LOG) === undefined).should.be.true();
    (book.newest(LOG) === undefined).should.be.true();
  });

  it('resumes a stopped path at what was delivered, not at what was read, and writes that as the checkpoint', async function () {
    const book = open();
    const file = identity(7);
    book.follow(LOG, [], () => [{ identity: file, offset: 900 }]);
    book.opened(LOG, file, 0);
    book.sent(LOG, file, 0);
    book.committed(LOG, '2049:7', 400);
    book.stopped(LOG, [{ identity: file, offset: 900 }]).should.eql([{ identity: file, offset: 400 }]);
    book.resumePoints(LOG).should.eql([{ identity: file, offset: 400 }]);
    await book.flush(LOG);
    (await open().load(LOG)).should.eql({ kind: 'loaded', points: [{ identity: file, offset: 400 }] });
  });

  it('starts a file over where lines from before its delivered offset are sent (written again after a truncation)', function () {
    const book = open();
    const file = identity(7);
    book.follow(LOG, [{ identity: file, offset: 500 }], () => [{ identity: file, offset: 500 }]);
    book.sent(LOG, file, 0);
    book.deliveredOffset(LOG, file).should.equal(0);
  });

  it('forget() keeps the stored positions for the next start; remove() deletes them', async function () {
    const book = open();
    const file = identity(7);
    book.follow(LOG, [], () => [{ identity: file, offset: 10 }]);
    book.opened(LOG, file, 10);
    await book.flush(LOG);
    book.forget(LOG);
    (book.resumePoints(LOG) === undefined).should.be.true();
    (await book.load(LOG)).kind.should.equal('loaded');
    await book.remove(LOG);
    (await book.load(LOG)).should.eql({ kind: 'none' });
  });

  it('a checkpoint written for another path is not taken up', async function () {
    const book = new PositionBook({ shelf: store, keyOf: () => 'tail', intervalMs: 0, onError: () => undefined });
    book.follow('/a.log', [], () => [{ identity: identity(1), offset: 5 }]);
    book.opened('/a.log', identity(1), 5);
    await book.flush('/a.log');
    (await book.load('/b.log')).should.eql({ kind: 'none' });
  });

  it('remembers the files read under the name first read, grows their heads, and reads them back', async function () {
    const read = { key: 'tail~seen', root: '/logs' };
    const book = open(read);
    const short = { ...identity(7), headLength: 10 };
    book.noteRead(short, '/logs/app.log');
    book.noteRead(short, '/logs/app.log.1'); // a rotation: the first name stays
    book.noteHead(identity(7));
    book.readBefore({ dev: 2049, ino: 7 }).should.eql({ identity: identity(7), path: '/logs/app.log' });
    await book.flushRead();
    const again = open(read);
    (await again.loadRead() === undefined).should.be.true();
    again.readBefore({ dev: 2049, ino: 7 }).should.eql({ identity: identity(7), path: '/logs/app.log' });
    (again.readBefore({ dev: 2049, ino: 8 }) === undefined).should.be.true();
  });

  it('property: after any opens, sends and acknowledgements, a stop resumes each file at the model offset, and so does a new book from disk', async function () {
    const op = fc.oneof(
      fc.record({ kind: fc.constant('opened'), file: fc.integer({ min: 1, max: 3 }), offset: fc.nat(1000) }),
      fc.record({ kind: fc.constant('sent'), file: fc.integer({ min: 1, max: 3 }), offset: fc.nat(1000) }),
      fc.record({ kind: fc.constant('committed'), file: fc.integer({ min: 1, max: 3 }), offset: fc.nat(1000) }),
    );
    await fc.assert(
      fc.asyncProperty(fc.array(op, { maxLength: 30 }), async (ops) => {
        fs.rmSync(dir, { recursive: true, force: true });
        fs.mkdirSync(dir);
        const book = open();
        const followed = [1, 2, 3].map((ino) => ({ identity: identity(ino), offset: 1000 }));
        book.follow(LOG, [], () => followed);
        const model = new Map();
        for (const { kind, file, offset } of ops) {
          const known = model.get(file);
          if (kind === 'opened') {
            book.opened(LOG, identity(file), offset);
            if (known === undefined || known > offset) model.set(file, offset);
          } else if (kind === 'sent') {
            book.sent(LOG, identity(file), offset);
            if (known === undefined || offset < known) model.set(file, offset);
          } else {
            book.committed(LOG, `2049:${file}`, offset);
            if (known !== undefined) model.set(file, offset);
          }
        }
        const expected = followed.map((p) => ({ identity: p.identity, offset: model.has(p.identity.ino) ? model.get(p.identity.ino) : 1000 }));
        book.stopped(LOG, followed).should.eql(expected);
        book.newest(LOG).should.eql(expected[expected.length - 1]);
        await book.flush(LOG);
        const stored = expected.filter((p) => model.has(p.identity.ino));
        const load = await open().load(LOG);
        if (stored.length === 0) load.kind.should.not.equal('corrupt');
        else load.should.eql({ kind: 'loaded', points: stored });
      }),
      { numRuns: 60 },
    );
    errors.should.eql([]);
  });
});
