'use strict';
const should = require('should');
const fc = require('fast-check');
const { CreditPool, DeliveryTracker, DeliveryLedger } = require('../../dist/lib/delivery-ledger');

/** Lets pending promise callbacks run (to see that something did NOT happen). */
const settleMicrotasks = () => new Promise(setImmediate);

/** Tracks whether a promise has resolved yet. */
function watch(promise) {
  const state = { done: false };
  promise.then(() => (state.done = true));
  return state;
}

function tracker(source = 'src') {
  const commits = [];
  const t = new DeliveryTracker(source, (fileKey, offset) => commits.push([fileKey, offset]));
  return { t, commits };
}

describe('DeliveryTracker', function () {
  it('commits in order per file: a later settled ticket waits for an earlier unsettled one', function () {
    const { t, commits } = tracker();
    const a = t.issue('f', 100, 3, 1);
    const b = t.issue('f', 250, 2, 1);
    const c = t.issue('f', 300, 1, 1);
    a.should.deepEqual({ source: 'src', seq: 1 });
    b.seq.should.equal(2);
    t.outstanding.should.equal(6);
    t.settle(b.seq);
    t.settle(c.seq);
    commits.should.deepEqual([]);
    t.outstanding.should.equal(3);
    t.settle(a.seq);
    commits.should.deepEqual([['f', 300]]); // one commit, to the end of the run
    t.outstanding.should.equal(0);
  });

  it('files commit independently', function () {
    const { t, commits } = tracker();
    const a = t.issue('f', 100, 1, 1);
    const b = t.issue('g', 40, 1, 1);
    t.settle(b.seq);
    commits.should.deepEqual([['g', 40]]);
    t.settle(a.seq);
    commits.should.deepEqual([
      ['g', 40],
      ['f', 100],
    ]);
  });

  it('a ticket needing no acks commits at once, or right after the tickets before it', function () {
    const { t, commits } = tracker();
    t.issue('f', 10, 1, 0);
    commits.should.deepEqual([['f', 10]]);
    t.outstanding.should.equal(0);
    const b = t.issue('f', 20, 1, 1);
    t.issue('f', 30, 1, 0);
    commits.should.have.length(1);
    t.outstanding.should.equal(1);
    t.settle(b.seq);
    commits.should.deepEqual([
      ['f', 10],
      ['f', 30],
    ]);
  });

  it('a ticket needing several acks commits with the last one; extra acks are ignored', function () {
    const { t, commits } = tracker();
    const a = t.issue('f', 10, 5, 3);
    t.settle(a.seq);
    t.settle(a.seq);
    commits.should.deepEqual([]);
    t.outstanding.should.equal(5);
    t.settle(a.seq);
    commits.should.deepEqual([['f', 10]]);
    t.outstanding.should.equal(0);
    t.settle(a.seq);
    commits.should.have.length(1);
    t.outstanding.should.equal(0);
  });

  it('takes several acknowledgements at once (a run of messages of one ticket); more than it waits for commit it', function () {
    const { t, commits } = tracker();
    const a = t.issue('f', 10, 5, 5);
    const b = t.issue('f', 20, 5, 5);
    t.settle(a.seq, 4);
    commits.should.deepEqual([]);
    t.settle(b.seq, 7);
    t.settle(a.seq, 1);
    commits.should.deepEqual([['f', 20]]);
    t.outstanding.should.equal(0);
  });

  it('ignores unknown tickets', function () {
    const { t, commits } = tracker();
    t.issue('f', 10, 1, 1);
    t.settle(999);
    t.settle(-1);
    commits.should.deepEqual([]);
    t.outstanding.should.equal(1);
  });

  it('whenBelow waits until the unacknowledged lines are at most the limit', async function () {
    const { t } = tracker();
    const a = t.issue('f', 10, 6, 1);
    const b = t.issue('f', 20, 4, 1);
    await t.whenBelow(10); // already at the limit
    const below5 = watch(t.whenBelow(5));
    const below0 = watch(t.whenBelow(0));
    await settleMicrotasks();
    below5.done.should.be.false();
    t.settle(b.seq);
    await settleMicrotasks();
    below5.done.should.be.false(); // 6 left
    t.settle(a.seq);
    await settleMicrotasks();
    below5.done.should.be.true();
    below0.done.should.be.true();
  });

  it('whenDrained resolves once every line is acknowledged', async function () {
    const { t } = tracker();
    await t.whenDrained();
    const a = t.issue('f', 10, 2, 2);
    const drained = watch(t.whenDrained());
    t.settle(a.seq);
    await settleMicrotasks();
    drained.done.should.be.false();
    t.settle(a.seq);
    await settleMicrotasks();
    drained.done.should.be.true();
  });

  it('release frees a ticket\'s credit once every acknowledgement it waits for is released, and commits nothing', async function () {
    const { t, commits } = tracker();
    const a = t.issue('f', 100, 10, 2);
    const b = t.issue('f', 200, 5, 1);
    t.creditInUse.should.equal(15);
    const below = watch(t.whenBelow(5));
    const drained = watch(t.whenDrained());
    t.release(a.seq);
    t.creditInUse.should.equal(15); // one of its two acknowledgements only
    t.release(a.seq);
    t.creditInUse.should.equal(5);
    t.release(a.seq); // once only
    t.creditInUse.should.equal(5);
    await settleMicrotasks();
    below.done.should.be.true();
    commits.should.deepEqual([]);
    t.outstanding.should.equal(15);
    t.settle(a.seq, 2);
    commits.should.deepEqual([['f', 100]]);
    t.creditInUse.should.equal(5); // not freed twice
    t.settle(b.seq);
    t.creditInUse.should.equal(0);
    await settleMicrotasks();
    drained.done.should.be.true();
  });

  it('a released ticket that is abandoned frees nothing twice; a shared pool gets its lines back once', function () {
    const pool = new CreditPool();
    const t = new DeliveryTracker('s', () => undefined, { pool });
    const a = t.issue('f', 100, 10, 1);
    const b = t.issue('f', 200, 4, 1);
    pool.outstanding.should.equal(14);
    t.release(a.seq);
    pool.outstanding.should.equal(4);
    t.abandon(a.seq);
    pool.outstanding.should.equal(4);
    t.close();
    pool.outstanding.should.equal(0);
    t.release(b.seq);
    t.settle(b.seq);
    pool.outstanding.should.equal(0);
  });

  it('close() ends credit waits at once, but not drain waits', async function () {
    const { t } = tracker();
    const a = t.issue('f', 10, 10, 1);
    const credit = watch(t.whenBelow(0));
    const drained = watch(t.whenDrained());
    t.close();
    await settleMicrotasks();
    credit.done.should.be.true();
    drained.done.should.be.false();
    await t.whenBelow(0); // a closed source never waits for credit
    t.settle(a.seq);
    await settleMicrotasks();
    drained.done.should.be.true();
  });

  describe('sharing a credit pool (the files of one dir-watch)', function () {
    function pooled() {
      const pool = new CreditPool();
      const a = new DeliveryTracker('a', () => undefined, { pool });
      const b = new DeliveryTracker('b', () => undefined, { pool });
      return { pool, a, b };
    }

    it("measures credit against every tracker's lines, and wakes a wait when another tracker's lines are acknowledged", async function () {
      const { pool, a, b } = pooled();
      const ta = a.issue('fa', 10, 10, 1);
      const tb = b.issue('fb', 30, 30, 1);
      pool.outstanding.should.equal(40);
      a.creditInUse.should.equal(40);
      a.outstanding.should.equal(10);
      const waiting = watch(a.whenBelow(15));
      await settleMicrotasks();
      waiting.done.should.be.false();
      b.settle(tb.seq); // only b's lines come back
      await settleMicrotasks();
      waiting.done.should.be.true();
      pool.outstanding.should.equal(10);
      a.abandon(ta.seq);
      pool.outstanding.should.equal(0);
    });

    it('one busy tracker may use the whole credit while the others send nothing', async function () {
      const { a } = pooled();
      a.issue('fa', 100, 900, 1);
      await a.whenBelow(1000); // resolves at once: nobody else holds any
    });

    it("close() takes a tracker's lines out of the pool at once, and its late acknowledgements change nothing", async function () {
      const { pool, a, b } = pooled();
      const ta = a.issue('fa', 10, 10, 1);
      b.issue('fb', 5, 5, 1);
      const waiting = watch(b.whenBelow(5));
      a.close();
      await settleMicrotasks();
      pool.outstanding.should.equal(5);
      waiting.done.should.be.true();
      a.outstanding.should.equal(10); // still drained by its own acknowledgements
      a.settle(ta.seq);
      a.outstanding.should.equal(0);
      pool.outstanding.should.equal(5);
    });

    it('every line taken is given back once, through any issues, acknowledgements, abandons and closes (property)', function () {
      const op = fc.oneof(
        fc.record({ kind: fc.constant('issue'), who: fc.nat(2), lines: fc.integer({ min: 1, max: 50 }), acks: fc.nat(2) }),
        fc.record({ kind: fc.constantFrom('settle', 'abandon'), who: fc.nat(2), pick: fc.nat() }),
        fc.record({ kind: fc.constant('close'), who: fc.nat(2) }),
      );
      fc.assert(
        fc.property(fc.array(op, { maxLength: 60 }), (ops) => {
          const pool = new CreditPool();
          const trackers = [0, 1, 2].map((i) => ({ t: new DeliveryTracker(`s${i}`, () => undefined, { pool }), tickets: [], closed: false }));
          for (const o of ops) {
            const tr = trackers[o.who];
            if (o.kind === 'issue') tr.tickets.push(tr.t.issue('f', 1, o.lines, o.acks));
            else if (o.kind === 'close') (tr.t.close(), (tr.closed = true));
            else if (tr.tickets.length > 0) tr.t[o.kind](tr.tickets[o.pick % tr.tickets.length].seq);
          }
          // The pool holds exactly the open trackers' unacknowledged lines.
          const open = trackers.filter((tr) => !tr.closed).reduce((sum, tr) => sum + tr.t.outstanding, 0);
          pool.outstanding.should.equal(open);
        }),
      );
    });
  });

  describe('property: random issues and acks', function () {
    it('each file is committed to the end of its longest run of settled tickets, never past an unsettled one', function () {
      const opArb = fc.oneof(
        fc.record({ op: fc.constant('issue'), file: fc.constantFrom('f', 'g'), lines: fc.integer({ min: 0, max: 5 }), acks: fc.integer({ min: 0, max: 3 }) }),
        fc.record({ op: fc.constant('ack'), pick: fc.nat() }),
        fc.record({ op: fc.constant('ack'), pick: fc.nat() }),
      );
      fc.assert(
        fc.property(fc.array(opArb, { maxLength: 60 }), (ops) => {
          const { t, commits } = tracker();
          const model = { f: [], g: [] };
          const all = [];
          const committed = {};
          let nextEnd = 0;
          for (const step of ops) {
            const before = commits.length;
            if (step.op === 'issue') {
              nextEnd += 1 + step.lines;
              const ticket = t.issue(step.file, nextEnd, step.lines, step.acks);
              const entry = { seq: ticket.seq, end: nextEnd, lines: step.lines, acksLeft: step.acks };
              model[step.file].push(entry);
              all.push(entry);
            } else {
              const open = all.filter((e) => e.acksLeft > 0);
              if (open.length === 0) {
                t.settle(12345);
              } else {
                const e = open[step.pick % open.length];
                e.acksLeft--;
                t.settle(e.seq);
              }
            }
            commits.length.should.be.belowOrEqual(before + 1);
            for (const [file, offset] of commits.slice(before)) committed[file] = offset;
            for (const file of ['f', 'g']) {
              const queue = model[file];
              let run = 0;
              while (run < queue.length && queue[run].acksLeft <= 0) run++;
              if (run > 0) should(committed[file]).equal(queue[run - 1].end);
              else should(committed[file]).be.undefined();
              // Never past an unsettled ticket.
              const firstOpen = queue.find((e) => e.acksLeft > 0);
              if (firstOpen && committed[file] !== undefined) committed[file].should.be.below(firstOpen.end);
            }
            t.outstanding.should.equal(all.filter((e) => e.acksLeft > 0).reduce((n, e) => n + e.lines, 0));
          }
          // Monotonic commits per file (the ends issued grow)
          for (const file of ['f', 'g']) {
            const offsets = commits.filter((c) => c[0] === file).map((c) => c[1]);
            offsets.should.deepEqual([...offsets].sort((x, y) => x - y));
          }
        }),
        { numRuns: 500 },
      );
    });
  });
});

describe('DeliveryLedger', function () {
  const deliveryLedger = new DeliveryLedger();
  const registered = [];
  function register(t) {
    deliveryLedger.register(t);
    registered.push(t);
  }
  afterEach(function () {
    for (const t of registered.splice(0)) deliveryLedger.unregister(t);
  });

  it('settle routes a ticket to the tracker of its source', function () {
    const a = tracker('ledger-test-a');
    const b = tracker('ledger-test-b');
    register(a.t);
    register(b.t);
    const ta = a.t.issue('f', 10, 1, 1);
    const tb = b.t.issue('f', 20, 1, 1);
    ta.seq.should.equal(tb.seq); // same seq, different sources
    deliveryLedger.settle(tb);
    a.commits.should.deepEqual([]);
    b.commits.should.deepEqual([['f', 20]]);
    deliveryLedger.settle(ta);
    a.commits.should.deepEqual([['f', 10]]);
  });

  it('settle passes on how many acknowledgements a ticket gets', function () {
    const a = tracker('ledger-test-acks');
    register(a.t);
    const ticket = a.t.issue('f', 10, 3, 3);
    deliveryLedger.settle(ticket, 2);
    a.commits.should.deepEqual([]);
    deliveryLedger.settle(ticket);
    a.commits.should.deepEqual([['f', 10]]);
  });

  it('ignores tickets of unknown sources and unknown seqs', function () {
    const a = tracker('ledger-test-c');
    register(a.t);
    a.t.issue('f', 10, 1, 1);
    deliveryLedger.settle({ source: 'ledger-test-nobody', seq: 1 });
    deliveryLedger.settle({ source: 'ledger-test-c', seq: 42 });
    a.commits.should.deepEqual([]);
    a.t.outstanding.should.equal(1);
  });

  it('after unregister a source is no longer reached; a stale tracker does not unregister its successor', function () {
    const old = tracker('ledger-test-d');
    register(old.t);
    const ticket = old.t.issue('f', 10, 1, 1);
    const successor = tracker('ledger-test-d');
    register(successor.t); // replaces the old one under the same source
    successor.t.issue('f', 99, 1, 1);
    deliveryLedger.unregister(old.t); // must not remove the successor
    deliveryLedger.settle(ticket);
    old.commits.should.deepEqual([]);
    successor.commits.should.deepEqual([['f', 99]]);
    deliveryLedger.unregister(successor.t);
    const again = successor.t.issue('f', 150, 1, 1);
    deliveryLedger.settle(again);
    successor.commits.should.have.length(1);
  });

});
