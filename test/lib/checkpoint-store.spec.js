'use strict';
const should = require('should');
const fs = require('fs');
const os = require('os');
const path = require('path');
const fc = require('fast-check');
const { CheckpointStore, CheckpointWriter, writeAtomically } = require('../../dist/lib/checkpoint-store');

const identity = (ino, hash = 'ab'.repeat(32)) => ({ dev: 2049, ino, headLength: 1024, headHash: hash });

/** The checkpoint `key` holds; fails unless it loads whole. */
async function loaded(store, key, followed) {
  const result = await store.load(key, followed);
  result.kind.should.equal('loaded', JSON.stringify(result));
  return result.checkpoint;
}

/** Files in a folder, recursively, as relative paths. */
function listFiles(dir) {
  const out = [];
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) out.push(...listFiles(full).map((f) => path.join(entry.name, f)));
    else out.push(entry.name);
  }
  return out.sort();
}

/** `data` (a JSON value) with its `pick`-th value (in a walk of it) replaced by `value`. */
function replaceOne(data, value, pick) {
  let n = 0;
  const walk = (node) => {
    if (n++ === pick) return value;
    if (Array.isArray(node)) return node.map(walk);
    if (node !== null && typeof node === 'object') return Object.fromEntries(Object.entries(node).map(([k, v]) => [k, walk(v)]));
    return node;
  };
  return walk(data);
}

/** Every field of a loaded checkpoint as the engine needs it. */
function isValidCheckpoint(c) {
  const nat = (v) => Number.isInteger(v) && v >= 0;
  return (
    c.version === 1 &&
    typeof c.path === 'string' &&
    typeof c.updated === 'string' &&
    Array.isArray(c.files) &&
    c.files.every(
      (f) =>
        Number.isSafeInteger(f.offset) &&
        f.offset >= 0 &&
        (f.path === undefined || typeof f.path === 'string') &&
        nat(f.identity.dev) &&
        nat(f.identity.ino) &&
        nat(f.identity.headLength) &&
        f.identity.headLength <= 1024 &&
        /^[0-9a-f]{64}$/.test(f.identity.headHash),
    )
  );
}

/** A promise with its resolve handle, for waiting on an event. */
function deferred() {
  let resolve;
  const promise = new Promise((r) => (resolve = r));
  return { promise, resolve };
}

/** A stand-in store: records saves, can hold each save until released. */
class FakeStore {
  constructor({ blocking = false, fail = false } = {}) {
    this.saves = [];
    this.active = 0;
    this.maxActive = 0;
    this.blocking = blocking;
    this.fail = fail;
    this.gates = [];
    this.waiters = [];
  }
  async save(key, data) {
    this.active++;
    this.maxActive = Math.max(this.maxActive, this.active);
    try {
      if (this.blocking) {
        const gate = deferred();
        this.gates.push(gate);
        this.notify();
        await gate.promise;
      }
      if (this.fail) throw new Error('disk full');
      this.saves.push({ key, data });
      this.notify();
    } finally {
      this.active--;
    }
  }
  notify() {
    const waiters = this.waiters;
    this.waiters = [];
    for (const w of waiters) w();
  }
  /** Resolves once `predicate()` holds (checked after every save event). */
  until(predicate) {
    if (predicate()) return Promise.resolve();
    return new Promise((resolve) => {
      const check = () => (predicate() ? resolve() : this.waiters.push(check));
      this.waiters.push(check);
    });
  }
}

describe('checkpoint-store', function () {
  let dir;
  beforeEach(function () {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'log-ingest-cp-'));
  });
  afterEach(function () {
    fs.rmSync(dir, { recursive: true, force: true });
  });

  describe('CheckpointStore', function () {
    it('round-trips a checkpoint', async function () {
      const store = new CheckpointStore(path.join(dir, 'checkpoints'));
      const files = [
        { identity: identity(11), offset: 0 },
        { identity: identity(12, 'cd'.repeat(32)), offset: 123456789 },
      ];
      const before = Date.now();
      await store.save('source-1', { path: '/var/log/app.log', files });
      const checkpoint = await loaded(store, 'source-1');
      checkpoint.version.should.equal(1);
      checkpoint.path.should.equal('/var/log/app.log');
      checkpoint.files.should.deepEqual(files);
      const updated = Date.parse(checkpoint.updated);
      updated.should.be.within(before - 1000, Date.now() + 1000);
      new Date(updated).toISOString().should.equal(checkpoint.updated);
    });

    it('a later save replaces the earlier one', async function () {
      const store = new CheckpointStore(dir);
      await store.save('k', { path: '/a', files: [{ identity: identity(1), offset: 10 }] });
      await store.save('k', { path: '/a', files: [{ identity: identity(1), offset: 20 }] });
      (await loaded(store, 'k')).files[0].offset.should.equal(20);
      listFiles(dir).should.deepEqual(['k.json']);
    });

    it('loads "none" when there is no checkpoint (and no folder)', async function () {
      const store = new CheckpointStore(path.join(dir, 'missing'));
      (await store.load('nothing')).should.deepEqual({ kind: 'none' });
    });

    it('keeps each key in its own file in the folder, whatever characters the key has', async function () {
      const store = new CheckpointStore(dir);
      await store.save('flow/node:1', { path: '/x', files: [] });
      await store.save('../escape', { path: '/y', files: [] });
      await store.save('plain-key_1.2', { path: '/z', files: [] });
      listFiles(dir).should.deepEqual(['..%2Fescape.json', 'flow%2Fnode%3A1.json', 'plain-key_1.2.json']);
      (await loaded(store, 'flow/node:1')).path.should.equal('/x');
      (await loaded(store, '../escape')).path.should.equal('/y');
      fs.existsSync(path.join(path.dirname(dir), 'escape.json')).should.be.false();
    });

    it('keys that differ only in unsafe characters keep separate positions (a/b, a_b, a:b, a%2Fb)', async function () {
      const store = new CheckpointStore(dir);
      const keys = ['a/b', 'a_b', 'a:b', 'a%2Fb', 'a\u00e9b', 'a\ud800b', 'a\ufffdb'];
      for (const [i, key] of keys.entries()) await store.save(key, { path: `/log/${i}`, files: [{ identity: identity(i), offset: i * 10 }] });
      listFiles(dir).should.have.length(keys.length);
      for (const [i, key] of keys.entries()) {
        const checkpoint = await loaded(store, key);
        checkpoint.path.should.equal(`/log/${i}`);
        checkpoint.files[0].offset.should.equal(i * 10);
      }
    });

    it('bounds the file name of a long key, and long keys still get a file each', async function () {
      const store = new CheckpointStore(dir);
      const long = 'x'.repeat(300);
      const keys = [long, `${long}y`, '/'.repeat(300), `${'/'.repeat(299)}:`];
      for (const [i, key] of keys.entries()) await store.save(key, { path: `/log/${i}`, files: [] });
      const names = listFiles(dir);
      names.should.have.length(keys.length);
      for (const name of names) name.length.should.be.below(160);
      for (const [i, key] of keys.entries()) (await loaded(store, key)).path.should.equal(`/log/${i}`);
    });

    it('removeAll takes the keys of a prefix and safe characters, not those of a longer id', async function () {
      const store = new CheckpointStore(dir);
      const hash = '0123456789abcdef';
      for (const key of ['a~seen', `a~${hash}`, `a~b~${hash}`, 'a~b~seen', 'ab~seen', 'a_seen', `a~${'x'.repeat(200)}`]) {
        await store.save(key, { path: '/x', files: [] });
      }
      await store.removeAll('a~');
      for (const key of ['a~seen', `a~${hash}`, `a~${'x'.repeat(200)}`]) (await store.load(key)).kind.should.equal('none', key);
      for (const key of [`a~b~${hash}`, 'a~b~seen', 'ab~seen', 'a_seen']) (await store.load(key)).kind.should.equal('loaded', key);
    });

    it('remove deletes the checkpoint; removing a missing one is fine', async function () {
      const store = new CheckpointStore(dir);
      await store.save('k', { path: '/a', files: [] });
      await store.remove('k');
      (await store.load('k')).should.deepEqual({ kind: 'none' });
      listFiles(dir).should.deepEqual([]);
      await store.remove('k');
      await store.remove('never-saved');
    });

    it('atomic writes leave no temp files behind', async function () {
      const store = new CheckpointStore(dir);
      await Promise.all(Array.from({ length: 20 }, (_, i) => store.save(`k${i % 4}`, { path: '/a', files: [{ identity: identity(i), offset: i }] })));
      listFiles(dir).should.deepEqual(['k0.json', 'k1.json', 'k2.json', 'k3.json']);
      for (let k = 0; k < 4; k++) {
        const checkpoint = await loaded(store, `k${k}`);
        (checkpoint.files[0].offset % 4).should.equal(k); // whole, one of the writes
      }
    });

    describe('a checkpoint that is not valid in every field is kept aside, and none is used', function () {
      const hash = 'ab'.repeat(32);
      const entry = (fields) => ({ identity: { dev: 2049, ino: 7, headLength: 1024, headHash: hash }, offset: 10, ...fields });
      const withIdentity = (fields) => entry({ identity: { dev: 2049, ino: 7, headLength: 1024, headHash: hash, ...fields } });
      const checkpoint = (files, fields = {}) => JSON.stringify({ version: 1, path: '/a', updated: '2024-01-01T00:00:00.000Z', files, ...fields });
      const cases = [
        ['not JSON', 'this is { not json', /not JSON/],
        ['an empty file', '', /not JSON/],
        ['half a write', '{"version":1,"path":"/a","files":[{"ident', /not JSON/],
        ['JSON null', 'null', /not a JSON object/],
        ['a number', '42', /not a JSON object/],
        ['a list', '[]', /not a JSON object/],
        ['another version', checkpoint([], { version: 2 }), /unknown version 2/],
        ['no version', '{"path":"/a","updated":"x","files":[]}', /unknown version/],
        ['files not a list', checkpoint({}), /"files" is not a list/],
        ['no files', '{"version":1,"path":"/a","updated":"x"}', /"files" is not a list/],
        ['no path', '{"version":1,"updated":"x","files":[]}', /"path" is not a string/],
        ['a path that is a number', checkpoint([], { path: 42 }), /"path" is not a string/],
        ['no updated', '{"version":1,"path":"/a","files":[]}', /"updated" is not a string/],
        ['offset "abc"', checkpoint([entry({ offset: 'abc' })]), /files\[0\]: "offset" "abc" is not a whole number/],
        ['offset -5', checkpoint([entry({ offset: -5 })]), /files\[0\]: "offset" -5/],
        ['offset 2.5', checkpoint([entry({ offset: 2.5 })]), /files\[0\]: "offset" 2.5/],
        ['offset 2^53', checkpoint([entry({ offset: 2 ** 53 })]), /"offset"/],
        ['offset null', checkpoint([entry({ offset: null })]), /"offset" null/],
        ['no offset', checkpoint([{ identity: entry().identity }]), /"offset" undefined/],
        ['an offset in the second entry', checkpoint([entry(), entry({ offset: '12' })]), /files\[1\]: "offset" "12"/],
        ['an entry that is null', checkpoint([null]), /files\[0\]: not an object/],
        ['no identity', checkpoint([{ offset: 3 }]), /"identity" is not an object/],
        ['dev a string', checkpoint([withIdentity({ dev: '2049' })]), /"identity.dev"/],
        ['ino negative', checkpoint([withIdentity({ ino: -1 })]), /"identity.ino"/],
        ['ino a fraction', checkpoint([withIdentity({ ino: 1.5 })]), /"identity.ino"/],
        ['headLength above the head size', checkpoint([withIdentity({ headLength: 1025 })]), /"identity.headLength"/],
        ['headLength a string', checkpoint([withIdentity({ headLength: '1024' })]), /"identity.headLength"/],
        ['headHash too short', checkpoint([withIdentity({ headHash: 'abc' })]), /"identity.headHash"/],
        ['headHash in capitals', checkpoint([withIdentity({ headHash: hash.toUpperCase() })]), /"identity.headHash"/],
        ['headHash missing', checkpoint([{ identity: { dev: 1, ino: 2, headLength: 0 }, offset: 0 }]), /"identity.headHash"/],
        ['a file path that is a number', checkpoint([entry({ path: 7 })]), /files\[0\]: "path" is not a string/],
      ];
      for (const [name, content, pattern] of cases) {
        it(name, async function () {
          const store = new CheckpointStore(dir);
          const file = path.join(dir, 'k.json');
          fs.writeFileSync(file, content);
          const result = await store.load('k', '/a');
          result.kind.should.equal('corrupt');
          result.file.should.equal(file);
          result.problem.should.match(pattern);
          result.keptAs.should.startWith(`${file}.unreadable-`);
          // Kept aside as it was, for whoever investigates; the name is free for the next save.
          fs.readFileSync(result.keptAs, 'utf8').should.equal(content);
          fs.existsSync(file).should.be.false();
          (await store.load('k', '/a')).should.deepEqual({ kind: 'none' });
          await store.save('k', { path: '/a', files: [] });
          (await loaded(store, 'k')).files.should.eql([]);
        });
      }

      it('a problem quotes none of the file\'s control characters and little of its text', async function () {
        const store = new CheckpointStore(dir);
        fs.writeFileSync(path.join(dir, 'k.json'), checkpoint([entry({ offset: `x\n\u001b[31mreleased by editor${'y'.repeat(500)}` })]));
        const result = await store.load('k');
        result.kind.should.equal('corrupt');
        result.problem.should.not.match(/[\u0000-\u001f\u007f-\u009f]/);
        result.problem.length.should.be.below(150);
      });

      it('keeps only the known fields of a valid one', async function () {
        const store = new CheckpointStore(dir);
        fs.writeFileSync(path.join(dir, 'k.json'), '{"version":1,"path":"/a","updated":"u","extra":1,"files":[{"identity":{"dev":1,"ino":2,"headLength":3,"headHash":"' + hash + '","x":1},"offset":4,"__proto__":{"polluted":true}}]}');
        const checkpoint = await loaded(store, 'k');
        checkpoint.should.deepEqual({ version: 1, path: '/a', updated: 'u', files: [{ identity: { dev: 1, ino: 2, headLength: 3, headHash: hash }, offset: 4 }] });
        should({}.polluted).be.undefined();
      });

      it('a folder where the file should be: unreadable, named, and left where it is', async function () {
        const store = new CheckpointStore(dir);
        const file = path.join(dir, 'k.json');
        fs.mkdirSync(file);
        const result = await store.load('k');
        result.kind.should.equal('unreadable');
        result.file.should.equal(file);
        result.code.should.equal('ENOTFILE'); // a folder is opened and refused by its fstat
        fs.statSync(file).isDirectory().should.be.true();
      });

      it('a FIFO where the file should be: unreadable at once (the open never waits for a writer)', async function () {
        const store = new CheckpointStore(dir);
        const file = path.join(dir, 'k.json');
        require('child_process').execFileSync('mkfifo', [file]);
        const result = await store.load('k');
        result.kind.should.equal('unreadable');
        result.file.should.equal(file);
      });

      it('property: any JSON value loads as a checkpoint valid in every field, or is kept aside; load never rejects', async function () {
        const valid = fc.record({
          version: fc.constant(1),
          path: fc.string(),
          updated: fc.string(),
          files: fc.array(
            fc.record(
              {
                identity: fc.record({
                  dev: fc.nat(),
                  ino: fc.nat(),
                  headLength: fc.integer({ min: 0, max: 1024 }),
                  headHash: fc.stringMatching(/^[0-9a-f]{64}$/),
                }),
                offset: fc.maxSafeNat(),
                path: fc.string(),
              },
              { requiredKeys: ['identity', 'offset'] },
            ),
            { maxLength: 3 },
          ),
        });
        // Valid ones with one value anywhere in them replaced by any JSON value, and any JSON value at all.
        const content = fc.oneof(
          valid,
          fc.jsonValue(),
          fc.tuple(valid, fc.jsonValue(), fc.nat()).map(([data, value, pick]) => replaceOne(data, value, pick)),
        );
        const store = new CheckpointStore(dir);
        const file = path.join(dir, 'k.json');
        const kinds = { loaded: 0, corrupt: 0 };
        await fc.assert(
          fc.asyncProperty(content, async (data) => {
            for (const name of fs.readdirSync(dir)) fs.rmSync(path.join(dir, name));
            const text = JSON.stringify(data);
            fs.writeFileSync(file, text);
            const result = await store.load('k');
            kinds[result.kind]++;
            if (result.kind === 'loaded') {
              isValidCheckpoint(result.checkpoint).should.be.true(JSON.stringify(result.checkpoint));
              fs.readFileSync(file, 'utf8').should.equal(text); // a valid one stays
            } else {
              result.kind.should.equal('corrupt');
              fs.existsSync(file).should.be.false();
              fs.readFileSync(result.keptAs, 'utf8').should.equal(text);
            }
          }),
          { numRuns: 300 },
        );
        kinds.loaded.should.be.above(0);
        kinds.corrupt.should.be.above(0);
      });
    });

    describe('upgrades: a checkpoint under the name of earlier versions', function () {
      // Earlier versions named the file after the key with every unsafe character as "_".
      const legacyName = (key) => `${key.replace(/[^A-Za-z0-9_.-]/g, '_')}.json`;
      const write = (name, data) => fs.writeFileSync(path.join(dir, name), JSON.stringify({ version: 1, updated: 'u', ...data }));
      const positions = [{ identity: identity(5), offset: 77 }];

      it('is moved to the new name when it records the path followed (a dir-watch key: "~" is unsafe)', async function () {
        const store = new CheckpointStore(dir);
        write(legacyName('w1~seen'), { path: '/logs', files: positions });
        (await loaded(store, 'w1~seen', '/logs')).files.should.deepEqual(positions);
        listFiles(dir).should.deepEqual(['w1%7Eseen.json']);
        (await loaded(store, 'w1~seen', '/logs')).files.should.deepEqual(positions);
      });

      it('is left for its owner when it records another path (the old name was shared: a/b and a_b)', async function () {
        const store = new CheckpointStore(dir);
        write('a_b.json', { path: '/of/a_b', files: positions });
        (await store.load('a/b', '/of/a/b')).should.deepEqual({ kind: 'none' });
        (await loaded(store, 'a_b', '/of/a_b')).files.should.deepEqual(positions); // still a_b's
        listFiles(dir).should.deepEqual(['a_b.json']);
      });

      it('is kept aside when it is corrupt (of use to no one)', async function () {
        const store = new CheckpointStore(dir);
        write(legacyName('w1~seen'), { path: '/logs', files: [{ identity: identity(5), offset: 'abc' }] });
        const result = await store.load('w1~seen', '/logs');
        result.kind.should.equal('corrupt');
        result.file.should.equal(path.join(dir, 'w1%7Eseen.json'));
        listFiles(dir).should.deepEqual([path.basename(result.keptAs)]);
      });

      it('is moved whatever path it records when the key is long and of safe characters (then the old name was its own)', async function () {
        const store = new CheckpointStore(dir);
        const key = 'n'.repeat(200);
        write(legacyName(key), { path: '/before', files: positions });
        (await loaded(store, key, '/after')).path.should.equal('/before');
        listFiles(dir).should.have.length(1);
        listFiles(dir)[0].should.not.equal(legacyName(key));
      });

      it('is ignored when there is a checkpoint under the new name', async function () {
        const store = new CheckpointStore(dir);
        write(legacyName('w1~seen'), { path: '/logs', files: positions });
        await store.save('w1~seen', { path: '/logs', files: [] });
        (await loaded(store, 'w1~seen', '/logs')).files.should.eql([]);
        listFiles(dir).should.deepEqual(['w1%7Eseen.json', 'w1_seen.json']);
      });
    });
  });

  describe('writeAtomically', function () {
    it('creates missing folders and writes the text', async function () {
      const file = path.join(dir, 'a', 'b', 'c.json');
      await writeAtomically(file, 'hello');
      fs.readFileSync(file, 'utf8').should.equal('hello');
      listFiles(dir).should.deepEqual([path.join('a', 'b', 'c.json')]);
    });

    it('replaces the file whole', async function () {
      const file = path.join(dir, 'c.json');
      await writeAtomically(file, 'x'.repeat(10000));
      await writeAtomically(file, 'short');
      fs.readFileSync(file, 'utf8').should.equal('short');
      listFiles(dir).should.deepEqual(['c.json']);
    });

    it('many writes at once into one folder each land whole (they share the folder syncs)', async function () {
      const files = Array.from({ length: 200 }, (_, i) => path.join(dir, 'many', `f${i}.json`));
      await Promise.all(files.map((file, i) => writeAtomically(file, `text ${i}`)));
      files.forEach((file, i) => fs.readFileSync(file, 'utf8').should.equal(`text ${i}`));
      listFiles(dir).should.have.length(200);
    });

    it('makes the folder again when it was removed after an earlier write', async function () {
      const file = path.join(dir, 'gone', 'c.json');
      await writeAtomically(file, 'one');
      fs.rmSync(path.join(dir, 'gone'), { recursive: true });
      await writeAtomically(file, 'two');
      fs.readFileSync(file, 'utf8').should.equal('two');
    });

    it('a failed rename rejects, leaves the target alone and removes the temp file', async function () {
      const target = path.join(dir, 'busy');
      fs.mkdirSync(target);
      fs.writeFileSync(path.join(target, 'inside'), 'keep');
      await writeAtomically(target, 'text').should.be.rejected();
      listFiles(dir).should.deepEqual([path.join('busy', 'inside')]);
    });
  });

  describe('CheckpointWriter', function () {
    const state = (offset) => ({ path: '/var/log/app.log', files: [{ identity: identity(7), offset }] });

    it('coalesces updates within the interval into one write of the last state', async function () {
      const store = new FakeStore();
      const writer = new CheckpointWriter(store, 'key', 5, (err) => should.fail(err));
      writer.update(state(1));
      writer.update(state(2));
      writer.update(state(3));
      store.saves.should.have.length(0); // nothing written synchronously
      await store.until(() => store.saves.length === 1);
      store.saves.should.deepEqual([{ key: 'key', data: state(3) }]);
      await writer.flush(); // nothing new since
      store.saves.should.have.length(1);
    });

    it('flush() writes the last state at once, and only once', async function () {
      const store = new FakeStore();
      const writer = new CheckpointWriter(store, 'key', 60_000, (err) => should.fail(err));
      writer.update(state(1));
      writer.update(state(2));
      await writer.flush();
      store.saves.map((s) => s.data).should.deepEqual([state(2)]);
      await writer.flush();
      store.saves.should.have.length(1);
      writer.update(state(3));
      await writer.flush();
      store.saves.map((s) => s.data).should.deepEqual([state(2), state(3)]);
    });

    it('does not write a state again that it has just written (a file closed after its last write)', async function () {
      const store = new FakeStore();
      const writer = new CheckpointWriter(store, 'key', 60_000, (err) => should.fail(err));
      writer.update(state(1));
      await writer.flush();
      writer.update(state(1));
      await writer.flush();
      store.saves.map((s) => s.data).should.deepEqual([state(1)]);
      writer.update(state(2));
      await writer.flush();
      store.saves.map((s) => s.data).should.deepEqual([state(1), state(2)]);
    });

    it('builds a state given as a function when it writes it, once per write', async function () {
      const store = new FakeStore();
      const writer = new CheckpointWriter(store, 'key', 60_000, (err) => should.fail(err));
      let built = 0;
      for (let i = 1; i <= 1000; i++) {
        writer.update(() => {
          built++;
          return state(i);
        });
      }
      built.should.equal(0);
      await writer.flush();
      built.should.equal(1);
      store.saves.map((s) => s.data).should.deepEqual([state(1000)]);
    });

    it('one write at a time; an update during a write is written after it', async function () {
      const store = new FakeStore({ blocking: true });
      const writer = new CheckpointWriter(store, 'key', 60_000, (err) => should.fail(err));
      writer.update(state(1));
      const first = writer.flush();
      await store.until(() => store.gates.length === 1);
      writer.update(state(2));
      writer.update(state(3));
      const second = writer.flush();
      await new Promise(setImmediate);
      store.gates.should.have.length(1); // the second write waits for the first
      store.gates[0].resolve();
      await first;
      await store.until(() => store.gates.length === 2);
      store.gates[1].resolve();
      await second;
      store.maxActive.should.equal(1);
      store.saves.map((s) => s.data).should.deepEqual([state(1), state(3)]);
    });

    it('cancel() drops the pending state', async function () {
      const store = new FakeStore();
      const writer = new CheckpointWriter(store, 'key', 60_000, (err) => should.fail(err));
      writer.update(state(1));
      writer.cancel();
      await writer.flush();
      store.saves.should.have.length(0);
    });

    it('reports a failed write to onError and keeps working', async function () {
      const store = new FakeStore({ fail: true });
      const errors = [];
      const writer = new CheckpointWriter(store, 'key', 60_000, (err) => errors.push(err));
      writer.update(state(1));
      await writer.flush();
      errors.should.have.length(1);
      errors[0].message.should.equal('disk full');
      store.fail = false;
      writer.update(state(2));
      await writer.flush();
      store.saves.map((s) => s.data).should.deepEqual([state(2)]);
    });

    it('with a real store, flush() leaves the last state on disk', async function () {
      const store = new CheckpointStore(dir);
      const writer = new CheckpointWriter(store, 'src', 60_000, (err) => should.fail(err));
      for (let i = 1; i <= 5; i++) writer.update(state(i * 100));
      await writer.flush();
      const checkpoint = await loaded(store, 'src');
      checkpoint.files.should.deepEqual(state(500).files);
      listFiles(dir).should.deepEqual(['src.json']);
    });
  });
});
