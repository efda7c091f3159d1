'use strict';
// The follower against a model of the files it follows (after Vector's
// file-source model tests): random sequences of writes, half lines, rename
// rotations, copytruncate, truncation, deletes, restarts and crashes, run on
// real files, then checked against what the model says must, may and must
// not come out. See test/support/follow-model.js for the model.
const fs = require('fs');
const should = require('should');
const fc = require('fast-check');
const { tempDir } = require('../support/collect');
const { LogWorld, FollowerEngine, SessionEngine, apply, begin, finish, closeWorld } = require('../support/follow-model');
const { findFileByIdentity } = require('../../dist/lib/sibling-search');
const { isSameFile } = require('../../dist/lib/file-identity');

// ---- operations ----------------------------------------------------------

const turns = fc.integer({ min: 0, max: 3 });
const OPS = {
  write: fc.record({ t: fc.constant('write'), n: fc.integer({ min: 1, max: 3 }), pad: fc.integer({ min: 0, max: 150 }), turns }),
  partial: fc.record({ t: fc.constant('partial'), pad: fc.integer({ min: 0, max: 40 }), cut: fc.nat(1000), turns }),
  rest: fc.record({ t: fc.constant('rest'), turns }),
  rotate: fc.record({ t: fc.constant('rotate'), late: fc.constantFrom(0, 0, 1, 2), pad: fc.integer({ min: 0, max: 60 }), turns }),
  copytruncate: fc.record({ t: fc.constant('copytruncate'), turns }),
  truncate: fc.record({ t: fc.constant('truncate'), turns }),
  delete: fc.record({ t: fc.constant('delete'), turns }),
  recreate: fc.record({ t: fc.constant('recreate'), turns }),
  pause: fc.record({ t: fc.constant('pause'), turns }),
  block: fc.record({ t: fc.constant('block'), turns }),
  settle: fc.record({ t: fc.constant('settle') }),
  restart: fc.record({ t: fc.constant('restart'), fromStore: fc.boolean() }),
  crash: fc.record({ t: fc.constant('crash') }),
};

/** A sequence of operations drawn with these weights. */
function opsArb(weights, maxLength = 24) {
  const choices = Object.entries(weights).map(([name, weight]) => ({ weight, arbitrary: OPS[name] }));
  return fc.array(fc.oneof(...choices), { minLength: 1, maxLength, size: 'max' });
}

async function runModel({ style, names, engine: kind, chunkBytes, reads, ops }, { exact = false } = {}) {
  const dir = tempDir('follow-model-');
  const world = new LogWorld(dir, style, names);
  const options = { chunkBytes, inlineReads: reads !== 'threadPool' };
  const engine = kind === 'session' ? new SessionEngine(world, options) : new FollowerEngine(world, options);
  try {
    await begin(world, engine);
    for (const op of ops) await apply(world, engine, op);
    await finish(world, engine, { exact });
    return world;
  } finally {
    await engine.stop().catch(() => undefined);
    closeWorld(world);
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

const chunkBytesArb = fc.constantFrom(16, 64, 100, 64 * 1024);
/** Both ways of reading a chunk (see src/lib/inline-reads). */
const readsArb = fc.constantFrom('inline', 'threadPool');

/**
 * Model runs of one rotation `style` with `ops` drawn at these weights; the
 * engine, the chunk size and the way of reading vary alike in every property.
 */
function runsOf({ style, names, engines = ['follower', 'session'], ops }) {
  return fc.record({
    style: fc.constant(style),
    ...(names ? { names: fc.constant(names) } : {}),
    engine: fc.constantFrom(...engines),
    chunkBytes: chunkBytesArb,
    reads: readsArb,
    ops: opsArb(ops),
  });
}

// MODEL_RUNS=10 runs ten times as many sequences (for a soak, not for CI).
const RUNS_SCALE = Number(process.env.MODEL_RUNS) || 1;

/** Runs a property; on failure fast-check prints the seed and the shrunk sequence. */
function check(arb, predicate, numRuns) {
  return fc.assert(fc.asyncProperty(arb, predicate), {
    numRuns: Math.round(numRuns * RUNS_SCALE),
    // Shrinking a stalled run costs seconds per step: report what was found in time.
    interruptAfterTimeLimit: 40000 * RUNS_SCALE,
    markInterruptAsFailure: false,
  });
}

describe('FileFollower against a model of the files it follows', function () {
  this.timeout(60000 * RUNS_SCALE);

  it('delivers every line exactly once, in order, through rename rotations, half lines, pauses and graceful restarts', async function () {
    const arb = runsOf({ style: 'create', ops: { write: 8, partial: 3, rest: 2, rotate: 4, pause: 1, block: 1, settle: 3, restart: 2 } });
    await check(arb, async (params) => {
      const world = await runModel(params, { exact: true });
      world.lostCount.should.equal(0);
    }, 60);
  });

  it("with logrotate's dateext names (app.log-<stamp>): every line exactly once, in order, through rotations and restarts", async function () {
    const arb = runsOf({ style: 'create', names: 'dated', ops: { write: 8, partial: 2, rest: 1, rotate: 5, pause: 2, block: 1, settle: 3, restart: 3 } });
    await check(arb, async (params) => {
      const world = await runModel(params, { exact: true });
      world.lostCount.should.equal(0);
    }, 40);
  });

  it('with copytruncate: nothing corrupted, duplicated or lost (the unread bytes come from the copy)', async function () {
    const arb = runsOf({ style: 'copytruncate', ops: { write: 8, partial: 3, rest: 2, copytruncate: 4, pause: 1, block: 1, settle: 3, restart: 2 } });
    await check(arb, async (params) => {
      const world = await runModel(params);
      // Lines are lost only where no follower could know the copy was of its file.
      for (const line of world.lines.values()) {
        if (line.lost) line.why.should.equal('copytruncate before the follower knew the head');
      }
    }, 50);
  });

  it('with plain truncation, delete and recreate: what comes out was written, whole, once and in order', async function () {
    const arb = fc.oneof(
      runsOf({ style: 'create', ops: { write: 8, partial: 2, rest: 1, rotate: 3, truncate: 2, delete: 2, recreate: 2, pause: 1, settle: 3, restart: 1 } }),
      runsOf({ style: 'copytruncate', ops: { write: 8, partial: 2, rest: 1, copytruncate: 3, truncate: 2, delete: 2, recreate: 2, pause: 1, settle: 3, restart: 1 } }),
    );
    await check(arb, async (params) => {
      await runModel(params);
    }, 60);
  });

  it('after a crash: nothing lost, and only lines past the last checkpoint written come again', async function () {
    const arb = fc.oneof(
      runsOf({ style: 'create', engines: ['session'], ops: { write: 8, partial: 2, rest: 1, rotate: 3, pause: 1, settle: 3, restart: 1, crash: 3 } }),
      runsOf({ style: 'copytruncate', engines: ['session'], ops: { write: 8, partial: 2, rest: 1, copytruncate: 3, pause: 1, settle: 3, restart: 1, crash: 3 } }),
    );
    await check(arb, async (params) => {
      const world = await runModel(params);
      // Crashes cost duplicates, never lines (all of these files stay reachable).
      for (const line of world.lines.values()) {
        if (line.lost) line.why.should.not.equal('deleted before it was opened');
      }
    }, 50);
  });
});

// ---- named scenarios: cases the properties reach only by luck --------------

describe('FileFollower scenarios', function () {
  this.timeout(20000);
  let dir;
  let world;
  let engine;

  function setup(style, Engine, options = {}, names = 'numbered') {
    dir = tempDir('follow-scenario-');
    world = new LogWorld(dir, style, names);
    engine = new Engine(world, options);
  }

  afterEach(async function () {
    if (engine) await engine.stop().catch(() => undefined);
    if (world) closeWorld(world);
    if (dir) fs.rmSync(dir, { recursive: true, force: true });
    dir = world = engine = undefined;
  });

  it('two rotations in a row while paused: the file between them is read too', async function () {
    setup('create', FollowerEngine);
    await begin(world, engine);
    world.writeLines(2);
    await world.settled();
    engine.pause();
    world.writeLines(2); // unread in the first file
    world.rotate(1);
    world.writeLines(3); // the second file, never seen at the path
    world.rotate();
    world.writeLines(2);
    engine.release();
    await finish(world, engine, { exact: true, ordered: true });
  });

  it('three rotations while the sink is blocked: reading resumes in order, nothing lost', async function () {
    setup('create', FollowerEngine, { chunkBytes: 16 });
    await begin(world, engine);
    engine.block();
    const [first] = world.writeLines(3, 20);
    // The follower is now held inside deliver().
    await world.until(() => first.count === 1, 'the blocked delivery');
    world.rotate(2);
    world.writeLines(2);
    world.rotate();
    world.writeLines(1);
    world.rotate(1);
    world.writeLines(2);
    engine.release();
    await finish(world, engine, { exact: true, ordered: true });
  });

  it('two rotations, then the path deleted, while paused: the file in between is still read', async function () {
    setup('create', FollowerEngine);
    await begin(world, engine);
    engine.pause();
    world.rotate();
    world.writeLines(2);
    world.rotate(1);
    world.remove(); // nothing at the path: the follower stays on its renamed file
    engine.release();
    await finish(world, engine, { exact: true, ordered: true });
  });

  it('the file just opened is rotated twice before the follower looks around: the one after it is read after it, once', async function () {
    setup('create', FollowerEngine);
    await begin(world, engine);
    world.writeLines(1);
    world.rotate();
    const next = world.atPath;
    world.writeLines(1);
    // As the follower opens the new file, it is rotated away twice.
    world.openedHook = (gen) => {
      if (gen !== next) return false;
      world.rotate();
      world.writeLines(1);
      world.rotate();
      return true;
    };
    await world.until(() => !world.openedHook, 'the new file to be opened');
    await finish(world, engine, { exact: true, ordered: true });
  });

  for (const names of ['numbered', 'dated']) {
    it(`two rotations (${names} names) while stopped: the file between them is read too, once and in order`, async function () {
      setup('create', FollowerEngine, {}, names);
      await begin(world, engine);
      world.writeLines(2);
      await engine.halt();
      world.writeLines(1);
      world.rotate();
      world.writeLines(2); // a file the stopped follower never saw
      world.rotate();
      world.writeLines(1);
      // Other logs beside it, written last, are no rotations of it.
      fs.writeFileSync(`${world.path}-errors`, 'another log\n');
      fs.writeFileSync(`${world.path}-20261127999999.gz`, 'compressed\n');
      engine.resume();
      await finish(world, engine, { exact: true, ordered: true });
    });
  }

  it('restart with the path missing after two rotations: the file between them is read too', async function () {
    setup('create', FollowerEngine);
    await begin(world, engine);
    engine.pause();
    world.writeLines(1);
    world.rotate();
    world.writeLines(2); // a file the stopped follower never saw
    await engine.halt();
    world.rotate();
    world.remove();
    engine.resume();
    await finish(world, engine, { exact: true, ordered: true });
  });

  it('truncated, written to the same size and rotated while the sink is blocked: the rotated file is read again from 0', async function () {
    setup('create', FollowerEngine);
    await begin(world, engine);
    engine.block();
    const [line] = world.writeLines(1);
    await world.until(() => line.count === 1, 'the blocked delivery');
    // The follower read to the end of the file; it is held in deliver().
    world.truncate();
    world.writeLines(2); // "L3-\nL4-\n": as long as "L1-\nL2-\n" was
    world.rotate();
    engine.release();
    await finish(world, engine, { exact: true });
  });

  it('stopped while reading a copytruncate copy: no half line comes out, and the restart reads the rest of the copy', async function () {
    setup('copytruncate', FollowerEngine, { chunkBytes: 16 });
    await begin(world, engine);
    engine.pause();
    const lines = world.writeLines(4, 30);
    world.copytruncate();
    world.writeLines(1);
    engine.block();
    engine.unpause();
    // Held in deliver() with the first line from the copy, the next one half read.
    await world.until(() => lines[0].count === 1, 'the first line from the copy');
    await engine.halt();
    world.corrupt.should.deepEqual([]);
    engine.resume();
    await finish(world, engine, { exact: true });
  });

  it('stopped again while a restart reads the copy: the next restart reads the rest of it, once', async function () {
    setup('copytruncate', FollowerEngine, { chunkBytes: 16 });
    await begin(world, engine);
    await engine.halt();
    const lines = world.writeLines(4, 30); // unread
    world.copytruncate();
    world.writeLines(1);
    engine.block();
    engine.resume();
    // The restart reads the copy first; held in deliver() with its first line.
    await world.until(() => lines[0].count === 1, 'the first line from the copy');
    await engine.halt();
    engine.resume();
    await finish(world, engine, { exact: true });
  });

  it('restart with the path missing: the rotated file the checkpoint names is finished without waiting for the path', async function () {
    setup('create', SessionEngine);
    await begin(world, engine);
    engine.pause();
    world.writeLines(2); // unread
    world.rotate();
    world.remove();
    await engine.halt();
    await engine.resume(true);
    await finish(world, engine, { exact: true });
  });

  it('restart in the middle of a rotation: the checkpoint names the rotated file, found again by identity and finished first', async function () {
    setup('create', SessionEngine);
    await begin(world, engine);
    world.writeLines(2);
    await world.settled();
    engine.pause();
    world.writeLines(2);
    const rotatedGen = world.atPath;
    world.rotate(1);
    world.writeLines(2);
    const points = await engine.halt(); // the rotation was never seen
    points.should.have.length(1);
    points[0].identity.ino.should.equal(rotatedGen.ino);
    // What the next session will do: find the file beside the path by identity.
    const found = await findFileByIdentity(dir, points[0].identity, world.path);
    should(found).be.ok();
    found.path.should.equal(`${world.path}.1`);
    await found.handle.close();
    await engine.resume(true);
    await finish(world, engine, { exact: true, ordered: true });
  });

  it('restart while a rotated file is still being drained: it is reopened at its offset and late writes are read', async function () {
    setup('create', FollowerEngine);
    await begin(world, engine);
    // Keep rotated files open long enough to be among the points.
    engine.follower.options.rotateWaitMs = 60000;
    world.writeLines(2);
    const old = world.atPath;
    world.rotate();
    world.writeLines(2);
    await world.settled();
    const points = await engine.halt();
    points.map((p) => p.identity.ino).should.containEql(old.ino);
    points.length.should.equal(2);
    world.appendTo(old, 2); // a writer that never reopened
    engine.resume();
    await world.settled();
    world.writeLines(1);
    await finish(world, engine, { exact: true });
  });

  it('copytruncate while stopped: the unread lines are read from the copy after the restart', async function () {
    setup('copytruncate', SessionEngine);
    await begin(world, engine);
    world.writeLines(3);
    await world.settled();
    await engine.halt();
    world.writeLines(2); // written while stopped: unread
    world.copytruncate();
    world.writeLines(2);
    await engine.resume(true);
    await finish(world, engine, { exact: true });
  });

  it('copytruncate not yet seen when stopped: the restart reads the copy first', async function () {
    setup('copytruncate', FollowerEngine, { chunkBytes: 16 });
    await begin(world, engine);
    world.writeLines(3, 30);
    await world.settled();
    engine.pause();
    world.writeLines(3, 30);
    world.copytruncate();
    world.writeLines(1);
    await engine.restart();
    await finish(world, engine, { exact: true });
  });

  for (const shape of ['shorter', 'longer']) {
    it(`an inode recycled by a different, ${shape} file: its identity differs by the head hash, it is read whole`, async function () {
      setup('create', FollowerEngine);
      await begin(world, engine);
      world.writeLines(4, 10);
      await world.settled();
      const old = world.atPath;
      const points = await engine.halt();
      world.remove();
      world.recreate();
      const fresh = world.atPath;
      if (shape === 'shorter') world.writeLines(1);
      else world.writeLines(8, 40);
      // ext4 and tmpfs hand the freed inode straight to the next file.
      if (fresh.ino !== old.ino) this.skip();
      const point = points.find((p) => p.identity.ino === old.ino);
      const handle = await fs.promises.open(world.path, 'r');
      try {
        (await isSameFile(point.identity, handle, await handle.stat())).should.be.false();
      } finally {
        await handle.close();
      }
      engine.resume();
      await finish(world, engine, { exact: true });
    });
  }

  it('an inode recycled while the follower runs: the new file is read from its start', async function () {
    setup('create', FollowerEngine);
    await begin(world, engine);
    world.writeLines(3);
    await world.settled();
    world.remove();
    // Once the follower has closed the deleted file, its inode is free again.
    await world.until(() => world.notes.some((n) => n.kind === 'removed'), 'the removal');
    world.writeLines(2);
    await finish(world, engine, { exact: true });
  });
});

