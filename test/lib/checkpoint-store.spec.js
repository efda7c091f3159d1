'use strict';
const should = require('should');
const fs = require('fs');
const os = require('os');
const path = require('path');
const { CheckpointStore, CheckpointWriter, writeAtomically } = require('../../dist/lib/checkpoint-store');

const identity = (ino, hash = 'ab'.repeat(32)) => ({ dev: 2049, ino, headLength: 1024, headHash: hash });

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
      const loaded = await store.load('source-1');
      loaded.version.should.equal(1);
      loaded.path.should.equal('/var/log/app.log');
      loaded.files.should.deepEqual(files);
      const updated = Date.parse(loaded.updated);
      updated.should.be.within(before - 1000, Date.now() + 1000);
      new Date(updated).toISOString().should.equal(loaded.updated);
    });

    it('a later save replaces the earlier one', async function () {
      const store = new CheckpointStore(dir);
      await store.save('k', { path: '/a', files: [{ identity: identity(1), offset: 10 }] });
      await store.save('k', { path: '/a', files: [{ identity: identity(1), offset: 20 }] });
      (await store.load('k')).files[0].offset.should.equal(20);
      listFiles(dir).should.deepEqual(['k.json']);
    });

    it('loads undefined when there is no checkpoint (and no folder)', async function () {
      const store = new CheckpointStore(path.join(dir, 'missing'));
      should(await store.load('nothing')).be.undefined();
    });

    it('keeps each key in its own file in the folder, whatever characters the key has', async function () {
      const store = new CheckpointStore(dir);
      await store.save('flow/node:1', { path: '/x', files: [] });
      await store.save('../escape', { path: '/y', files: [] });
      await store.save('plain-key_1.2', { path: '/z', files: [] });
      listFiles(dir).should.deepEqual(['.._escape.json', 'flow_node_1.json', 'plain-key_1.2.json']);
      (await store.load('flow/node:1')).path.should.equal('/x');
      (await store.load('../escape')).path.should.equal('/y');
      fs.existsSync(path.join(path.dirname(dir), 'escape.json')).should.be.false();
    });

    it('remove deletes the checkpoint; removing a missing one is fine', async function () {
      const store = new CheckpointStore(dir);
      await store.save('k', { path: '/a', files: [] });
      await store.remove('k');
      should(await store.load('k')).be.undefined();
      listFiles(dir).should.deepEqual([]);
      await store.remove('k');
      await store.remove('never-saved');
    });

    it('atomic writes leave no temp files behind', async function () {
      const store = new CheckpointStore(dir);
      await Promise.all(Array.from({ length: 20 }, (_, i) => store.save(`k${i % 4}`, { path: '/a', files: [{ identity: identity(i), offset: i }] })));
      listFiles(dir).should.deepEqual(['k0.json', 'k1.json', 'k2.json', 'k3.json']);
      for (let k = 0; k < 4; k++) {
        const loaded = await store.load(`k${k}`);
        (loaded.files[0].offset % 4).should.equal(k); // whole, one of the writes
      }
    });

    describe('a corrupt or unreadable checkpoint gives a clear error', function () {
      const cases = [
        ['not JSON', 'this is { not json', /Corrupt checkpoint/],
        ['an empty file', '', /Corrupt checkpoint/],
        ['half a write', '{"version":1,"path":"/a","files":[{"ident', /Corrupt checkpoint/],
        ['JSON null', 'null', /Unknown checkpoint format/],
        ['a number', '42', /Unknown checkpoint format/],
        ['another version', '{"version":2,"path":"/a","files":[]}', /Unknown checkpoint format/],
        ['files not a list', '{"version":1,"path":"/a","files":{}}', /Unknown checkpoint format/],
      ];
      for (const [name, content, pattern] of cases) {
        it(name, async function () {
          const store = new CheckpointStore(dir);
          const file = path.join(dir, 'k.json');
          fs.writeFileSync(file, content);
          const err = await store.load('k').then(
            () => should.fail('load resolved'),
            (e) => e,
          );
          err.should.be.an.Error();
          err.message.should.match(pattern);
          err.message.should.containEql(file);
        });
      }

      it('a folder where the file should be', async function () {
        const store = new CheckpointStore(dir);
        const file = path.join(dir, 'k.json');
        fs.mkdirSync(file);
        const err = await store.load('k').then(
          () => should.fail('load resolved'),
          (e) => e,
        );
        err.should.be.an.Error();
        err.message.should.containEql(file);
        err.code.should.equal('EISDIR');
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
      const loaded = await store.load('src');
      loaded.files.should.deepEqual(state(500).files);
      listFiles(dir).should.deepEqual(['src.json']);
    });
  });
});
