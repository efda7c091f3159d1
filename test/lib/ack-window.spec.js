'use strict';
const should = require('should');
const fc = require('fast-check');
const { AckWindow, AckRouter, BatchIds, backoffDelay, windowOfBatchId } = require('../../dist/lib/ack-window');
const { FakeClock } = require('../support/fake-clock');

/** A window over batches named by number, recording what it sends, gives up and settles. */
function setup(options = {}, random = () => 0.5) {
  const clock = new FakeClock();
  const sent = [];
  const givenUp = [];
  const settled = [];
  const failures = [];
  const window = new AckWindow(
    { ackTimeoutMs: 30_000, maxInFlight: 4, retries: 0, ...options },
    {
      send: (a) => sent.push({ ...a, at: clock.now() }),
      giveUp: (a, reason) => givenUp.push({ ...a, reason }),
      failed: (a, reason) => failures.push({ ...a, reason }),
      changed: () => {},
    },
    clock,
    undefined,
    random,
  );
  const submit = (batch) => window.submit(batch, (how) => settled.push({ batch, how }));
  return { window, clock, sent, givenUp, settled, failures, submit };
}

describe('AckWindow', function () {
  it('rejects settings out of range', function () {
    const events = { send() {}, giveUp() {}, changed() {} };
    (() => new AckWindow({ ackTimeoutMs: 0, maxInFlight: 1, retries: 0 }, events, new FakeClock())).should.throw(/ackTimeoutMs/);
    (() => new AckWindow({ ackTimeoutMs: 1, maxInFlight: 0, retries: 0 }, events, new FakeClock())).should.throw(/maxInFlight/);
    (() => new AckWindow({ ackTimeoutMs: 1, maxInFlight: 1, retries: -1 }, events, new FakeClock())).should.throw(/retries/);
  });

  it('settles a batch only once acknowledged, after the confirmation delay', function () {
    const w = setup();
    const id = w.submit('b1');
    w.sent.map((s) => [s.id, s.attempt, s.batch]).should.eql([[id, 1, 'b1']]);
    w.window.answer(id, true, '').should.equal('acked');
    w.settled.should.eql([]);
    w.clock.advance(200);
    w.settled.should.eql([{ batch: 'b1', how: 'delivered' }]);
    w.window.answer(id, true, '').should.equal('settled-before');
    w.window.answer('x-y-1', true, '').should.equal('unknown');
  });

  it('sends a failed batch again after a backoff from 1 s doubling to 60 s, same id, next attempt', function () {
    const w = setup({ ackTimeoutMs: 1e9 });
    const id = w.submit('b1');
    const delays = [];
    for (let attempt = 1; attempt <= 9; attempt++) {
      w.window.answer(id, false, 'HTTP 503', attempt);
      const before = w.clock.now();
      w.clock.advance(120_000);
      delays.push(w.sent[attempt].at - before);
      w.sent[attempt].should.match({ id, attempt: attempt + 1, batch: 'b1' });
    }
    // random 0.5: 75 % of the full delay
    delays.should.eql([750, 1500, 3000, 6000, 12000, 24000, 45000, 45000, 45000]);
    w.window.counts.should.match({ failed: 9, retries: 9, inFlight: 1 });
  });

  it('sends the batches waiting out a backoff at once when another is acknowledged (the destination is back)', function () {
    const w = setup({ ackTimeoutMs: 1e9 });
    const a = w.submit('a');
    const b = w.submit('b');
    w.window.answer(a, false, 'down', 1);
    w.window.answer(b, false, 'down', 1);
    w.clock.advance(10_000); // both sent again
    w.window.answer(a, false, 'down', 2);
    w.window.answer(b, true, '', 2);
    w.sent.map((s) => `${s.batch}#${s.attempt}`).should.eql(['a#1', 'b#1', 'a#2', 'b#2', 'a#3']);
  });

  it('counts a batch unanswered within ackTimeout as failed', function () {
    const w = setup({ ackTimeoutMs: 500 });
    w.submit('b1');
    w.clock.advance(500);
    w.failures.map((f) => f.reason).should.eql(['no acknowledgement within 0.5 s']);
    w.clock.advance(1000);
    w.sent.map((s) => s.attempt).should.eql([1, 2]);
  });

  it('gives a batch up after `retries` failed attempts, and settles it as delivered', function () {
    const w = setup({ retries: 2 });
    const id = w.submit('b1');
    w.window.answer(id, false, 'refused');
    w.clock.advance(2000);
    w.window.answer(id, false, 'refused again');
    w.givenUp.should.match([{ id, attempt: 2, batch: 'b1', reason: 'refused again' }]);
    w.settled.should.eql([{ batch: 'b1', how: 'delivered' }]);
    w.window.counts.should.match({ givenUp: 1, inFlight: 0 });
  });

  it('ignores a failure of an older attempt and a second failure of the same one', function () {
    const w = setup();
    const id = w.submit('b1');
    w.window.answer(id, false, 'a', 1);
    w.window.answer(id, false, 'b', 1);
    w.clock.advance(1000);
    w.window.answer(id, false, 'late', 1);
    w.window.counts.failed.should.equal(1);
    w.sent.should.have.length(2);
  });

  it('a failure during the confirmation delay wins over the success', function () {
    const w = setup();
    const id = w.submit('b1');
    w.window.answer(id, true, '');
    w.window.answer(id, false, 'EISDIR');
    w.clock.advance(5000);
    w.settled.should.eql([]);
    w.sent.map((s) => s.attempt).should.eql([1, 2]);
    w.window.counts.should.match({ acked: 0, failed: 1, inFlight: 1 });
  });

  it('a success after a failure answer for the same attempt does not count; after a timeout it does', function () {
    const w = setup({ ackTimeoutMs: 500 });
    const id = w.submit('b1');
    w.window.answer(id, false, 'EISDIR', 1).should.equal('failed');
    w.window.answer(id, true, '', 1).should.equal('failed');
    w.clock.advance(1000);
    w.settled.should.eql([]);
    w.sent.map((s) => s.attempt).should.eql([1, 2]);
    // Attempt 2 times out; its late success is the destination's word: it counts.
    w.clock.advance(500);
    w.window.answer(id, true, '', 2).should.equal('acked');
    w.clock.advance(200);
    w.settled.should.eql([{ batch: 'b1', how: 'delivered' }]);
  });

  it('holds new batches and retries while held; sends them on release', function () {
    const w = setup({ maxInFlight: 2 });
    const first = w.submit('b1');
    w.window.hold();
    w.submit('b2');
    w.window.answer(first, false, 'x');
    w.clock.advance(60_000);
    w.sent.map((s) => s.batch).should.eql(['b1']);
    w.window.release();
    w.sent.map((s) => `${s.batch}#${s.attempt}`).should.eql(['b1#1', 'b1#2', 'b2#1']);
  });

  it('on close, settles every batch not acknowledged as told and returns them; acknowledged ones as delivered', function () {
    const w = setup({ maxInFlight: 1 });
    const id = w.submit('b1');
    w.submit('b2');
    w.window.answer(id, true, '');
    w.sent.map((s) => s.batch).should.eql(['b1', 'b2']);
    w.window.close('abandon-all').should.eql(['b2']);
    w.settled.should.eql([
      { batch: 'b1', how: 'delivered' },
      { batch: 'b2', how: 'abandon-all' },
    ]);
    w.clock.advance(100_000);
    w.settled.should.have.length(2);
  });

  it('model: at most maxInFlight out, first sends in order, each batch settled once and only when answered', function () {
    const op = fc.oneof(
      fc.constant({ kind: 'submit' }),
      fc.record({ kind: fc.constant('ack'), pick: fc.nat(20) }),
      fc.record({ kind: fc.constant('fail'), pick: fc.nat(20) }),
      fc.record({ kind: fc.constant('advance'), ms: fc.integer({ min: 0, max: 70_000 }) }),
      fc.constant({ kind: 'hold' }),
      fc.constant({ kind: 'release' }),
    );
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 4 }), fc.integer({ min: 0, max: 3 }), fc.array(op, { maxLength: 80 }), fc.double({ min: 0, max: 1, noNaN: true }), (maxInFlight, retries, ops, r) => {
        const w = setup({ maxInFlight, retries, ackTimeoutMs: 10_000 }, () => Math.min(r, 0.999));
        const ids = [];
        const answeredOk = new Set();
        let submitted = 0;
        for (const o of ops) {
          if (o.kind === 'submit') ids.push(w.submit(`b${++submitted}`));
          else if (o.kind === 'hold') w.window.hold();
          else if (o.kind === 'release') w.window.release();
          else if (o.kind === 'advance') w.clock.advance(o.ms);
          else if (ids.length > 0) {
            const id = ids[o.pick % ids.length];
            const result = w.window.answer(id, o.kind === 'ack', 'no');
            if (o.kind === 'ack' && result === 'acked') answeredOk.add(id);
          }
          const counts = w.window.counts;
          counts.inFlight.should.be.belowOrEqual(maxInFlight + 1);
          // First sends go out in the order batches came.
          const firsts = w.sent.filter((s) => s.attempt === 1).map((s) => s.batch);
          firsts.should.eql(firsts.slice().sort((a, b) => Number(a.slice(1)) - Number(b.slice(1))));
          // Attempts of a batch count up by one; with retries, never past them.
          const byId = new Map();
          for (const s of w.sent) {
            const last = byId.get(s.id) ?? 0;
            s.attempt.should.equal(last + 1);
            byId.set(s.id, s.attempt);
            if (retries > 0) s.attempt.should.be.belowOrEqual(retries);
          }
        }
        // Settled once each, and only after an acknowledgement or when given up.
        const settledBatches = w.settled.map((s) => s.batch);
        new Set(settledBatches).size.should.equal(settledBatches.length);
        const givenUp = new Set(w.givenUp.map((g) => g.batch));
        for (const s of w.settled) {
          const id = ids[Number(s.batch.slice(1)) - 1];
          (answeredOk.has(id) || givenUp.has(s.batch)).should.be.true();
        }
        // Everything answered in the end settles every batch, exactly once.
        w.window.release();
        for (let round = 0; round < 50 && w.settled.length < submitted; round++) {
          for (const s of w.sent) w.window.answer(s.id, true, '');
          w.clock.advance(70_000);
        }
        w.settled.length.should.equal(submitted);
      }),
      { numRuns: 300 },
    );
  });
});

describe('batch ids', function () {
  it('are unique across instances started in the same millisecond, and name their window', function () {
    const a = new BatchIds(1000, () => 0.1);
    const b = new BatchIds(1000, () => 0.2);
    const id = a.next();
    id.should.not.equal(b.next());
    windowOfBatchId(id).should.equal(a.prefix);
    a.next().should.not.equal(id);
  });

  it('reach their window through the router; unknown or malformed ids are unknown', function () {
    const w = setup();
    const router = new AckRouter();
    const remove = router.add(w.window);
    const id = w.submit('b1');
    router.answer(id, true, '').should.equal('acked');
    router.answer('nodash', true, '').should.equal('unknown');
    router.answer(`${id}x-1`, true, '').should.equal('unknown');
    remove();
    router.answer(id, true, '').should.equal('unknown');
  });
});

describe('backoffDelay', function () {
  it('doubles from the first delay up to the cap, jittered between half and all of it', function () {
    backoffDelay(1, 1000, 60_000, () => 0).should.equal(500);
    backoffDelay(1, 1000, 60_000, () => 0.999999).should.equal(1000);
    backoffDelay(3, 1000, 60_000, () => 0.999999).should.equal(4000);
    backoffDelay(100, 1000, 60_000, () => 0.999999).should.equal(60_000);
  });
});
