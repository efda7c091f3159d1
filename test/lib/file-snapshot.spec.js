'use strict';
// What the engine tells the log ingest sidebar about a followed file
// (TailSession.snapshot, DirectoryTail.snapshot) and the rate meter behind
// its lines per second.
const fs = require('fs');
const os = require('os');
const path = require('path');
const { EventEmitter, once } = require('events');
const should = require('should');
const { TailSession } = require('../../dist/lib/tail-session');
const { DirectoryTail } = require('../../dist/lib/directory-tail');
const { DeliveryLedger } = require('../../dist/lib/delivery-ledger');

const deliveryLedger = new DeliveryLedger();
const { RateMeter } = require('../../dist/lib/rate-meter');

// The follower settings of the model tests: fast polls, short rotate wait.
const { BASE_OPTIONS } = require('../support/follow-model');

let sessions = 0;

/**
 * A session on `file` whose hooks are events: `lines` (running total after
 * each chunk), `notice`, `state`, `failure`. `acks` > 0 holds every chunk
 * until its ticket is settled (tickets are kept in `tickets`).
 */
function follow(file, { acks = 0, credit = 1e6, chunkBytes } = {}) {
  const events = new EventEmitter();
  const tickets = [];
  let lines = 0;
  const session = new TailSession(
    { ...BASE_OPTIONS, path: file, chunkBytes, sourceId: `snapshot-${++sessions}`, ledger: deliveryLedger, resume: false },
    {
      emit: (chunk, ticket) => {
        lines += chunk.lines.length;
        tickets.push(ticket);
        events.emit('lines', lines, chunk);
      },
      acksPerMessage: () => acks,
      creditLines: () => credit,
      state: (s) => events.emit('state', s),
      notice: (n) => events.emit('notice', n),
      error: (e) => events.emit('failure', e),
      checkpointError: (err) => events.emit('failure', err),
      checkpointProblem: (problem) => events.emit('failure', problem),
    },
  );
  /** Resolves once `count` lines in all have been emitted. */
  const untilLines = (count) =>
    new Promise((resolve) => {
      if (lines >= count) return resolve(lines);
      const on = (total) => {
        if (total >= count) {
          events.off('lines', on);
          resolve(total);
        }
      };
      events.on('lines', on);
    });
  /** Resolves with the first notice of `kind`. */
  const untilNotice = (kind) =>
    new Promise((resolve) => {
      const on = (n) => {
        if (n.kind === kind) {
          events.off('notice', on);
          resolve(n);
        }
      };
      events.on('notice', on);
    });
  return { session, events, tickets, untilLines, untilNotice };
}

const lineText = (from, count) => Array.from({ length: count }, (_, i) => `line ${from + i} ${'x'.repeat(20)}\n`).join('');

describe('file snapshots for the log ingest sidebar', function () {
  let dir;
  const running = [];

  beforeEach(function () {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'log-ingest-snapshot-'));
  });

  afterEach(async function () {
    for (const s of running.splice(0)) await s.stop(0);
    fs.rmSync(dir, { recursive: true, force: true });
  });

  function start(file, opts) {
    const f = follow(file, opts);
    running.push(f.session);
    return f;
  }

  it('reports size, offset, committed offset and lag (size − offset) while reading is held back', async function () {
    const file = path.join(dir, 'app.log');
    fs.writeFileSync(file, lineText(0, 100));
    const size = fs.statSync(file).size;
    // Every chunk waits for its acknowledgement; more than 5 unacknowledged lines stop reading.
    const { session, events, tickets, untilLines } = start(file, { acks: 1, credit: 5, chunkBytes: 256 });
    const firstChunk = once(events, 'lines');
    await session.start();
    const [, chunk] = await firstChunk;
    const held = session.snapshot();
    held.should.match({ path: file, state: 'following', size, offset: chunk.end, committed: 0, lag: size - chunk.end, lines: chunk.lines.length, inFlight: chunk.lines.length });
    held.lag.should.be.above(0);
    // Acknowledged: committed moves up to what was delivered, and reading goes on to the end.
    const settleEach = () => deliveryLedger.settle(tickets[tickets.length - 1]);
    events.on('lines', settleEach);
    deliveryLedger.settle(tickets[0]);
    session.snapshot().committed.should.equal(chunk.end);
    await untilLines(100);
    events.off('lines', settleEach);
    const done = session.snapshot();
    done.should.match({ size, offset: size, committed: size, lag: 0, lines: 100, inFlight: 0, rotations: 0, truncations: 0 });
    should(done.lastError).be.undefined();
  });

  it('counts rotations and truncations', async function () {
    const file = path.join(dir, 'app.log');
    fs.writeFileSync(file, lineText(0, 10));
    const { session, untilLines, untilNotice } = start(file);
    await session.start();
    await untilLines(10);
    const rotated = untilNotice('rotated');
    fs.renameSync(file, `${file}.1`);
    fs.writeFileSync(file, lineText(10, 5));
    await rotated;
    await untilLines(15);
    session.snapshot().should.match({ rotations: 1, truncations: 0, lines: 15 });
    const truncated = untilNotice('truncated');
    fs.writeFileSync(file, lineText(100, 2)); // shorter than before: truncated and written again
    await truncated;
    await untilLines(17);
    const snap = session.snapshot();
    snap.should.match({ rotations: 1, truncations: 1, lines: 17, size: fs.statSync(file).size, lag: 0 });
  });

  it('records the last error, with its time, and the state of a missing file', async function () {
    const missing = start(path.join(dir, 'later.log'));
    await missing.session.start();
    const waiting = missing.session.snapshot();
    waiting.should.match({ state: 'waiting', size: undefined, offset: undefined, committed: undefined, lag: 0, lines: 0 });
    should(waiting.lastError).be.undefined();

    // A folder where a file is expected: an error the follower reports once.
    const folder = path.join(dir, 'not-a-file');
    fs.mkdirSync(folder);
    const wrong = start(folder);
    const failed = once(wrong.events, 'failure');
    const before = Date.now();
    await wrong.session.start();
    const [error] = await failed;
    const snap = wrong.session.snapshot();
    snap.should.match({ path: folder, state: 'error', lastError: { reason: 'notAFile', code: error.code, message: error.message } });
    Date.parse(snap.lastError.at).should.be.within(before - 1000, Date.now());
  });

  it('shows a paused session as paused', async function () {
    const file = path.join(dir, 'app.log');
    fs.writeFileSync(file, lineText(0, 3));
    const { session, untilLines } = start(file);
    await session.start();
    await untilLines(3);
    session.pause();
    session.snapshot().state.should.equal('paused');
    session.unpause();
    session.snapshot().state.should.equal('following');
  });

  it('lists every file of a folder tail, with the mode of discovery', async function () {
    fs.writeFileSync(path.join(dir, 'a.log'), lineText(0, 4));
    fs.writeFileSync(path.join(dir, 'b.log'), lineText(0, 6));
    const events = new EventEmitter();
    let lines = 0;
    const tail = new DirectoryTail(
      {
        ...BASE_OPTIONS,
        id: `snapshot-dir-${++sessions}`,
        ledger: deliveryLedger,
        discovery: { root: dir, patterns: ['*.log'], exclude: [], recursive: false, maxDepth: 1, ignoreOlderMs: 0, rescanMs: 10000 },
        maxOpenFiles: 10,
        resume: false,
      },
      {
        emit: (chunk) => {
          lines += chunk.lines.length;
          events.emit('lines', lines);
        },
        acksPerMessage: () => 0,
        creditLines: () => 1e6,
        event: () => undefined,
        notice: () => undefined,
        error: () => undefined,
        mode: () => undefined,
        checkpointError: () => undefined,
        checkpointProblem: () => undefined,
      },
    );
    await tail.start();
    try {
      while (lines < 10) await once(events, 'lines');
      const snap = tail.snapshot();
      snap.should.match({ root: dir, mode: 'events' });
      should(snap.lastError).be.undefined();
      const byPath = Object.fromEntries(snap.files.map((f) => [path.basename(f.path), f]));
      Object.keys(byPath).sort().should.eql(['a.log', 'b.log']);
      byPath['a.log'].should.match({ state: 'following', lines: 4, lag: 0, size: fs.statSync(path.join(dir, 'a.log')).size });
      byPath['b.log'].should.match({ state: 'following', lines: 6, lag: 0 });
    } finally {
      await tail.stop(0);
    }
  });
});

describe('RateMeter', function () {
  it('has no rate on the first look, then the average since the oldest look in the window', function () {
    const meter = new RateMeter(5000, 250);
    should(meter.sample(0, 10_000)).be.undefined();
    meter.sample(100, 11_000).should.equal(100);
    meter.sample(300, 12_000).should.equal(150); // (300 − 0) lines over 2 s
  });

  it('forgets looks older than the window, and starts again when the counter goes down', function () {
    const meter = new RateMeter(5000, 250);
    meter.sample(0, 0);
    meter.sample(1000, 1000);
    // An hour later (the sidebar was closed): no stale average.
    should(meter.sample(5000, 3_600_000)).be.undefined();
    meter.sample(5020, 3_601_000).should.equal(20);
    // A new session counts from 0 again.
    should(meter.sample(3, 3_602_000)).be.undefined();
    meter.sample(13, 3_603_000).should.equal(10);
  });

  it('keeps looks closer than the spacing from crowding the window (two editors polling)', function () {
    const meter = new RateMeter(5000, 250);
    meter.sample(0, 0);
    meter.sample(10, 100).should.equal(100); // 10 lines in 0.1 s, measured from the first look
    meter.sample(20, 1000).should.equal(20); // still from the first look: the 0.1 s one was not kept
  });
});
