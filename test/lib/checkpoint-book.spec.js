'use strict';
require('should');
const fs = require('fs');
const os = require('os');
const path = require('path');
const fc = require('fast-check');
const { CheckpointStore } = require('../../dist/lib/checkpoint-store');
const { CheckpointBook, parseBook } = require('../../dist/lib/checkpoint-book');
const { stateFileName } = require('../../dist/lib/state-file');

const identity = (ino) => ({ dev: 2049, ino, headLength: 1024, headHash: 'ab'.repeat(32) });
const content = (file, offset, ino = 7) => ({ path: file, files: [{ identity: identity(ino), offset }] });
const HOUR = 3600 * 1000;

describe('CheckpointBook', function () {
  let dir;
  let store;
  beforeEach(function () {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'checkpoint-book-'));
    store = new CheckpointStore(dir);
  });
  afterEach(function () {
    fs.rmSync(dir, { recursive: true, force: true });
  });

  const open = (intervalMs = 0) => new CheckpointBook(store, 'tail~book', intervalMs);
  const onDisk = () => JSON.parse(fs.readFileSync(path.join(dir, 'tail%7Ebook.json'), 'utf8'));

  async function loaded(book, key) {
    const result = await book.load(key);
    result.kind.should.equal('loaded', JSON.stringify(result));
    return { path: result.checkpoint.path, files: result.checkpoint.files };
  }

  it('keeps every key in one file, which a new book reads back', async function () {
    const book = open();
    await Promise.all([book.save('tail~a', content('/logs/a.log', 10, 1)), book.save('tail~b', content('/logs/b.log', 20, 2))]);
    fs.readdirSync(dir).should.eql(['tail%7Ebook.json']);
    onDisk().version.should.equal(1);
    const again = open();
    (await loaded(again, 'tail~a')).should.eql(content('/logs/a.log', 10, 1));
    (await loaded(again, 'tail~b')).should.eql(content('/logs/b.log', 20, 2));
    (await again.load('tail~c')).should.eql({ kind: 'none' });
  });

  it('a save before any load (resume off) keeps the keys already in the file', async function () {
    await open().save('tail~a', content('/a', 1));
    await open().save('tail~b', content('/b', 2));
    Object.keys(onDisk().sources).sort().should.eql(['tail~a', 'tail~b']);
  });

  it('writes at most once per interval; a save resolves once it is on disk; hurry() writes what waits at once', async function () {
    const book = open(HOUR);
    await book.save('tail~a', content('/a', 1));
    let second = false;
    const saving = book.save('tail~a', content('/a', 2)).then(() => (second = true));
    await new Promise((resolve) => setImmediate(resolve));
    second.should.be.false();
    onDisk().sources['tail~a'].files[0].offset.should.equal(1); // the interval has not passed
    book.hurry();
    await saving;
    onDisk().sources['tail~a'].files[0].offset.should.equal(2);
  });

  it('end() writes what is pending and nothing after; drop() writes neither', async function () {
    const book = open(HOUR);
    await book.save('tail~a', content('/a', 1));
    void book.save('tail~a', content('/a', 2));
    await book.end();
    onDisk().sources['tail~a'].files[0].offset.should.equal(2);
    await book.save('tail~a', content('/a', 3));
    onDisk().sources['tail~a'].files[0].offset.should.equal(2);

    const other = open(HOUR);
    (await loaded(other, 'tail~a')).files[0].offset.should.equal(2);
    void other.save('tail~a', content('/a', 4));
    await other.drop();
    await other.save('tail~a', content('/a', 5));
    onDisk().sources['tail~a'].files[0].offset.should.equal(2);
  });

  it('remove() forgets a key, on disk too', async function () {
    const book = open();
    await book.save('tail~a', content('/a', 1));
    await book.save('tail~b', content('/b', 1));
    await book.remove('tail~a');
    Object.keys(onDisk().sources).should.eql(['tail~b']);
    (await open().load('tail~a')).should.eql({ kind: 'none' });
  });

  it('takes over the file an earlier version kept for a key, and removes it once the book is written', async function () {
    await store.save('tail~a', content('/logs/a.log', 42));
    await store.save('tail~gone', content('/logs/gone.log', 1));
    const book = open();
    (await loaded(book, 'tail~a')).should.eql(content('/logs/a.log', 42));
    await book.save('tail~b', content('/logs/b.log', 1));
    fs.existsSync(path.join(dir, stateFileName('tail~a'))).should.be.false();
    Object.keys(onDisk().sources).sort().should.eql(['tail~a', 'tail~b']);
    // A file no key asked for stays (the owner's removal takes it), and remove() takes one at once.
    fs.existsSync(path.join(dir, stateFileName('tail~gone'))).should.be.true();
    await book.remove('tail~gone');
    fs.existsSync(path.join(dir, stateFileName('tail~gone'))).should.be.false();
  });

  it('an earlier file left beside a book that holds its key (a crash between the two) is removed, and the book wins', async function () {
    await open().save('tail~a', content('/a', 5));
    await store.save('tail~a', content('/a', 1));
    const book = open();
    (await loaded(book, 'tail~a')).files[0].offset.should.equal(5);
    await book.save('tail~b', content('/b', 1));
    fs.existsSync(path.join(dir, stateFileName('tail~a'))).should.be.false();
  });

  it('a corrupt book is kept aside and reported once; the keys start afresh', async function () {
    await open().save('tail~a', content('/a', 5));
    const file = path.join(dir, 'tail%7Ebook.json');
    const data = onDisk();
    data.sources['tail~a'].files[0].offset = -1;
    fs.writeFileSync(file, JSON.stringify(data));
    const book = open();
    const first = await book.load('tail~a');
    first.kind.should.equal('corrupt');
    first.file.should.equal(file);
    first.problem.should.equal('sources["tail~a"]: files[0]: "offset" -1 is not a whole number of bytes, 0 or more');
    fs.readFileSync(first.keptAs, 'utf8').should.equal(JSON.stringify(data));
    (await book.load('tail~a')).should.eql({ kind: 'none' });
  });

  it('a book that cannot be read is reported as unreadable and left where it is', async function () {
    fs.mkdirSync(path.join(dir, 'tail%7Ebook.json'));
    const result = await open().load('tail~a');
    result.kind.should.equal('unreadable');
    fs.statSync(path.join(dir, 'tail%7Ebook.json')).isDirectory().should.be.true();
  });

  it('parseBook refuses anything but a version 1 object of valid sources', function () {
    parseBook('[]').should.equal('not a JSON object');
    parseBook('{"version":2,"updated":"","sources":{}}').should.equal('unknown version 2');
    parseBook('{"version":1,"updated":"","sources":[]}').should.equal('"sources" is not an object');
    parseBook('{"version":1,"updated":"","sources":{"k":{"path":1,"files":[]}}}').should.equal('sources["k"]: "path" is not a string');
    [...parseBook('{"version":1,"updated":"","sources":{"k":{"path":"/a","files":[],"extra":1}}}')].should.eql([['k', { path: '/a', files: [] }]]);
  });

  it('property: after any saves and removals, a new book reads what the last of each left', async function () {
    const key = fc.constantFrom('tail~a', 'tail~b', 'tail~c', 'tail~seen');
    const op = fc.oneof(
      fc.record({ save: key, offset: fc.nat(1e9) }),
      fc.record({ remove: key }),
    );
    await fc.assert(
      fc.asyncProperty(fc.array(op, { maxLength: 30 }), fc.boolean(), async (ops, awaitEach) => {
        fs.rmSync(dir, { recursive: true, force: true });
        const book = open(awaitEach ? 0 : HOUR);
        const model = new Map();
        const pending = [];
        for (const o of ops) {
          const done = o.save ? book.save(o.save, content(`/${o.save}`, o.offset)) : book.remove(o.remove);
          if (o.save) model.set(o.save, o.offset);
          else model.delete(o.remove);
          if (awaitEach) await done;
          else pending.push(done);
        }
        await book.end();
        await Promise.all(pending);
        const again = open();
        for (const k of ['tail~a', 'tail~b', 'tail~c', 'tail~seen']) {
          const result = await again.load(k);
          if (model.has(k)) result.checkpoint.files[0].offset.should.equal(model.get(k));
          else result.kind.should.equal('none');
        }
      }),
      { numRuns: 60 },
    );
  });
});
