'use strict';
const should = require('should');
const fc = require('fast-check');
const { MicroBatcher, sizeOf } = require('../../dist/lib/micro-batcher');

const { FakeClock } = require('../support/fake-clock');

function setup(options, clock = new FakeClock()) {
  const batches = [];
  const batcher = new MicroBatcher({ intervalMs: 0, maxSize: 1000, maxBytes: 0, ...options }, (b) => batches.push(b), clock);
  return { batcher, batches, clock };
}

const range = (from, to) => Array.from({ length: to - from }, (_, i) => from + i);

describe('MicroBatcher', function () {
  it('rejects maxSize below 1', function () {
    (() => new MicroBatcher({ intervalMs: 0, maxSize: 0, maxBytes: 0 }, () => {})).should.throw(/maxSize/);
  });

  describe('interval', function () {
    it('flushes intervalMs after the first record of a batch, not after the last', function () {
      const { batcher, batches, clock } = setup({ intervalMs: 1000 });
      const t0 = clock.now();
      batcher.add(['a']);
      clock.advance(600);
      batcher.add(['b']); // does not restart the timer
      clock.advance(399);
      batches.should.have.length(0);
      clock.advance(1);
      batches.should.have.length(1);
      batches[0].should.containEql({ records: ['a', 'b'], count: 2, reason: 'interval', start: t0, end: t0 + 600, seq: 1 });
      clock.active.should.equal(0);
      batcher.pending.should.equal(0);
    });

    it('starts a new timer with the first record of the next batch', function () {
      const { batcher, batches, clock } = setup({ intervalMs: 1000 });
      batcher.add(['a']);
      clock.advance(1000);
      clock.advance(5000); // idle: nothing to send, no timer
      clock.active.should.equal(0);
      const t1 = clock.now();
      batcher.add(['b']);
      clock.advance(999);
      batches.should.have.length(1);
      clock.advance(1);
      batches.should.have.length(2);
      batches[1].should.containEql({ records: ['b'], reason: 'interval', start: t1, seq: 2 });
    });

    it('a batch that leaves early (size) cancels its timer', function () {
      const { batcher, batches, clock } = setup({ intervalMs: 1000, maxSize: 2 });
      batcher.add(['a', 'b']);
      batches.should.have.length(1);
      clock.active.should.equal(0);
      clock.advance(2000);
      batches.should.have.length(1);
    });

    it('with intervalMs 0 there is no timer', function () {
      const { batcher, batches, clock } = setup({ intervalMs: 0 });
      batcher.add(['a']);
      clock.active.should.equal(0);
      clock.advance(1e9);
      batches.should.have.length(0);
      batcher.pending.should.equal(1);
    });
  });

  describe('size', function () {
    it('an array of 25 with maxSize 10 gives batches of 10 and 10, and 5 pending', function () {
      const { batcher, batches } = setup({ maxSize: 10 });
      batcher.add(range(0, 25));
      batches.map((b) => b.records).should.deepEqual([range(0, 10), range(10, 20)]);
      batches.map((b) => b.reason).should.deepEqual(['size', 'size']);
      batches.map((b) => b.count).should.deepEqual([10, 10]);
      batcher.pending.should.equal(5);
      batcher.flush('flush').should.be.true();
      batches[2].should.containEql({ records: range(20, 25), count: 5, reason: 'flush', seq: 3 });
      batcher.sentBatches.should.equal(3);
      batcher.sentRecords.should.equal(25);
    });

    it('fills the open batch first: 7 pending + 5 gives one batch of 10 and 2 pending', function () {
      const { batcher, batches } = setup({ maxSize: 10 });
      batcher.add(range(0, 7));
      batcher.add(range(7, 12));
      batches.should.have.length(1);
      batches[0].records.should.deepEqual(range(0, 10));
      batcher.pending.should.equal(2);
    });

    it('does not keep a reference to the caller\'s array', function () {
      const { batcher, batches } = setup({ maxSize: 10 });
      const items = ['a', 'b'];
      batcher.add(items);
      items.push('c');
      batcher.flush('flush');
      batches[0].records.should.deepEqual(['a', 'b']);
    });
  });

  describe('bytes', function () {
    it('flushes before a record would pass maxBytes', function () {
      const { batcher, batches } = setup({ maxBytes: 10 });
      batcher.add(['aaaa', 'bbbb', 'cccc']);
      batches.should.have.length(1);
      batches[0].should.containEql({ records: ['aaaa', 'bbbb'], bytes: 8, reason: 'bytes' });
      batcher.pending.should.equal(1);
    });

    it('flushes at once when a batch reaches maxBytes exactly', function () {
      const { batcher, batches } = setup({ maxBytes: 10 });
      batcher.add(['aaaaa', 'bbbbb']);
      batches.should.have.length(1);
      batches[0].should.containEql({ records: ['aaaaa', 'bbbbb'], bytes: 10, reason: 'bytes' });
      batcher.pending.should.equal(0);
    });

    it('sends a single record larger than maxBytes alone', function () {
      const { batcher, batches } = setup({ maxBytes: 10 });
      const big = 'x'.repeat(25);
      batcher.add(['ab', big, 'cd']);
      batches.map((b) => b.records).should.deepEqual([['ab'], [big]]);
      batches[1].should.containEql({ bytes: 25, reason: 'bytes' });
      batcher.pending.should.equal(1);
    });

    it('counts UTF-8 bytes of text, buffer length, JSON size of objects', function () {
      sizeOf('é€').should.equal(5);
      sizeOf(Buffer.alloc(7)).should.equal(7);
      sizeOf({ a: 1 }).should.equal(7);
      sizeOf(null).should.equal(0);
      const circular = {};
      circular.self = circular;
      sizeOf(circular).should.equal(0);
      const { batcher, batches } = setup({ maxSize: 3 });
      batcher.add(['é€', { a: 1 }, Buffer.alloc(7)]);
      batches[0].bytes.should.equal(19);
    });

    it('with a known byte total and no byte limit, the batches add up to that total', function () {
      const { batcher, batches } = setup({ maxSize: 1 });
      batcher.add(['a', 'b', 'c'], { bytes: 10 });
      batches.should.have.length(3);
      batches.reduce((n, b) => n + b.bytes, 0).should.equal(10);
    });
  });

  describe('flush and close', function () {
    it('flush returns false and sends nothing when empty', function () {
      const { batcher, batches } = setup({});
      batcher.flush('flush').should.be.false();
      batches.should.have.length(0);
    });

    it('close: the caller flushes with reason "close"; stop() clears the timer', function () {
      const { batcher, batches, clock } = setup({ intervalMs: 1000 });
      batcher.add(['a'], { topic: 't' });
      batcher.flush('close').should.be.true();
      batches[0].should.containEql({ records: ['a'], reason: 'close', topic: 't' });
      batcher.add(['b']);
      clock.active.should.equal(1);
      batcher.stop();
      clock.active.should.equal(0);
      clock.advance(5000);
      batches.should.have.length(1);
    });

    it('seq counts batches from 1 whatever the reason', function () {
      const { batcher, batches, clock } = setup({ intervalMs: 100, maxSize: 2 });
      batcher.add([1, 2]);
      batcher.add([3]);
      clock.advance(100);
      batcher.add([4]);
      batcher.flush('flush');
      batches.map((b) => [b.seq, b.reason]).should.deepEqual([
        [1, 'size'],
        [2, 'interval'],
        [3, 'flush'],
      ]);
    });
  });

  describe('topic', function () {
    it('is kept only when every record of the batch shares it', function () {
      const { batcher, batches } = setup({});
      batcher.add(['a'], { topic: 'x' });
      batcher.add(['b'], { topic: 'x' });
      batcher.flush('flush');
      batcher.add(['c'], { topic: 'x' });
      batcher.add(['d'], { topic: 'y' });
      batcher.flush('flush');
      batcher.add(['e'], { topic: 'x' });
      batcher.add(['f']);
      batcher.flush('flush');
      batcher.add(['g']);
      batcher.flush('flush');
      batcher.add(['h'], { topic: 'z' });
      batcher.flush('flush');
      batches.map((b) => b.topic).should.deepEqual(['x', undefined, undefined, undefined, 'z']);
    });
  });

  describe('onSettled', function () {
    it('runs once, after the last batch holding its records was sent (split across batches)', function () {
      const log = [];
      const batcher = new MicroBatcher({ intervalMs: 0, maxSize: 10, maxBytes: 0 }, (b) => log.push(`batch ${b.records.join(',')}`));
      batcher.add(range(0, 5), { onSettled: () => log.push('settled A') });
      batcher.add(range(5, 25), { onSettled: () => log.push('settled B') });
      log.should.deepEqual([
        'batch 0,1,2,3,4,5,6,7,8,9',
        'settled A',
        'batch 10,11,12,13,14,15,16,17,18,19',
      ]);
      batcher.flush('flush');
      log.slice(3).should.deepEqual(['batch 20,21,22,23,24', 'settled B']);
      batcher.flush('flush');
      log.should.have.length(5);
    });

    it('runs once for records that were discarded, and discard says how many', function () {
      const { batcher, batches } = setup({ maxSize: 10 });
      const calls = [];
      batcher.add(range(0, 13), { onSettled: (outcome) => calls.push(outcome) });
      calls.should.deepEqual([]);
      batcher.discard().should.equal(3);
      calls.should.have.length(1);
      batcher.discardedRecords.should.equal(3);
      batcher.pending.should.equal(0);
      batcher.flush('flush').should.be.false();
      batcher.discard().should.equal(0);
      calls.should.have.length(1);
      batches.should.have.length(1);
    });

    it('reports how the records ended when it is told', function () {
      const { batcher } = setup({});
      const outcomes = [];
      batcher.add(['a'], { onSettled: (o) => outcomes.push(o) });
      batcher.flush('flush');
      batcher.add(['b'], { onSettled: (o) => outcomes.push(o) });
      batcher.discard();
      outcomes.should.deepEqual(['sent', 'discarded']);
    });

    it('runs at once for an empty add', function () {
      const { batcher, batches } = setup({});
      let calls = 0;
      batcher.add([], { onSettled: () => calls++ });
      calls.should.equal(1);
      batches.should.have.length(0);
    });

    it('a discard after a timer flush does not settle the sent group again', function () {
      const { batcher, clock } = setup({ intervalMs: 10 });
      let calls = 0;
      batcher.add(['a'], { onSettled: () => calls++ });
      clock.advance(10);
      calls.should.equal(1);
      batcher.discard().should.equal(0);
      calls.should.equal(1);
    });
  });

  describe('hold and release', function () {
    it('while held nothing is sent; a batch whose time ran out goes on release', function () {
      const { batcher, batches, clock } = setup({ intervalMs: 100 });
      batcher.hold();
      batcher.add(['a']);
      clock.advance(500);
      batcher.flush('flush').should.be.false();
      batches.should.have.length(0);
      batcher.release();
      batches.should.have.length(1);
      batches[0].should.containEql({ records: ['a'], reason: 'interval' });
    });

    it('release keeps a batch whose time has not run out', function () {
      const { batcher, batches, clock } = setup({ intervalMs: 100 });
      batcher.hold();
      batcher.add(['a']);
      clock.advance(50);
      batcher.release();
      batches.should.have.length(0);
      clock.advance(50);
      batches.should.have.length(1);
      batches[0].reason.should.equal('interval');
    });

    it('with no interval, release does not send a batch that is not full', function () {
      const { batcher, batches } = setup({ intervalMs: 0, maxSize: 10 });
      batcher.hold();
      batcher.add(['a']);
      batcher.release();
      batches.should.have.length(0);
      batcher.pending.should.equal(1);
    });

    it('more than maxSize records while held: nothing sent, then batches of at most maxSize in order', function () {
      const { batcher, batches } = setup({ maxSize: 10 });
      let settled = 0;
      batcher.hold();
      batcher.add(range(0, 25), { onSettled: () => settled++ });
      batcher.add(range(25, 30), { onSettled: () => settled++ });
      batches.should.have.length(0);
      batcher.pending.should.equal(30);
      settled.should.equal(0);
      batcher.release();
      batches.map((b) => b.records).should.deepEqual([range(0, 10), range(10, 20), range(20, 30)]);
      batches.map((b) => b.seq).should.deepEqual([1, 2, 3]);
      settled.should.equal(2);
    });

    it('a byte limit while held also ends in batches within the limit', function () {
      const { batcher, batches } = setup({ maxBytes: 4 });
      batcher.hold();
      batcher.add(['aa', 'bb', 'cc', 'dd', 'e']);
      batches.should.have.length(0);
      batcher.release();
      batcher.flush('flush');
      batches.map((b) => b.records).should.deepEqual([['aa', 'bb'], ['cc', 'dd'], ['e']]);
    });

    it('discard while held drops everything held and settles it', function () {
      const { batcher, batches } = setup({ maxSize: 2 });
      let settled = 0;
      batcher.hold();
      batcher.add([1, 2, 3, 4, 5], { onSettled: () => settled++ });
      batcher.discard().should.equal(5);
      settled.should.equal(1);
      batcher.release();
      batches.should.have.length(0);
      batcher.pending.should.equal(0);
    });
  });

  describe('property: random add / flush / discard / time / hold / release', function () {
    const opArb = fc.oneof(
      { weight: 6, arbitrary: fc.record({ op: fc.constant('add'), n: fc.integer({ min: 0, max: 12 }), topic: fc.constantFrom(undefined, 'a', 'b'), len: fc.integer({ min: 0, max: 9 }) }) },
      { weight: 1, arbitrary: fc.constant({ op: 'flush' }) },
      { weight: 1, arbitrary: fc.constant({ op: 'discard' }) },
      { weight: 2, arbitrary: fc.record({ op: fc.constant('tick'), ms: fc.integer({ min: 1, max: 150 }) }) },
      { weight: 1, arbitrary: fc.constant({ op: 'hold' }) },
      { weight: 1, arbitrary: fc.constant({ op: 'release' }) },
    );
    const optionsArb = fc.record({
      maxSize: fc.integer({ min: 1, max: 7 }),
      maxBytes: fc.oneof(fc.constant(0), fc.integer({ min: 1, max: 30 })),
      intervalMs: fc.constantFrom(0, 100),
    });

    it('every record comes out exactly once and in order unless discarded; batches within limits; onSettled once, after its records', function () {
      fc.assert(
        fc.property(optionsArb, fc.array(opArb, { maxLength: 40 }), (options, ops) => {
          const clock = new FakeClock();
          const sent = [];
          const discarded = new Set();
          const sentSet = new Set();
          let held = false;
          let expectedSeq = 1;
          const batcher = new MicroBatcher(
            options,
            (batch) => {
              held.should.be.false('nothing is sent while held');
              batch.seq.should.equal(expectedSeq++);
              batch.count.should.equal(batch.records.length);
              batch.count.should.be.within(1, options.maxSize);
              const bytes = batch.records.reduce((n, r) => n + sizeOf(r), 0);
              batch.bytes.should.equal(bytes);
              if (options.maxBytes > 0 && batch.count > 1) batch.bytes.should.be.belowOrEqual(options.maxBytes);
              for (const r of batch.records) {
                sentSet.has(r.id).should.be.false(`record ${r.id} sent twice`);
                sentSet.add(r.id);
                sent.push(r.id);
              }
              const topics = new Set(batch.records.map((r) => r.topic));
              should(batch.topic).equal(topics.size === 1 ? batch.records[0].topic : undefined);
            },
            clock,
          );
          let nextId = 0;
          const groups = [];
          for (const step of ops) {
            switch (step.op) {
              case 'add': {
                const records = range(0, step.n).map(() => ({ id: nextId++, topic: step.topic, text: 'x'.repeat(step.len) }));
                const group = { ids: records.map((r) => r.id), settled: 0 };
                groups.push(group);
                batcher.add(records, {
                  topic: step.topic,
                  onSettled: () => {
                    group.settled++;
                    for (const id of group.ids) (sentSet.has(id) || discarded.has(id)).should.be.true(`group settled before record ${id} left`);
                  },
                });
                break;
              }
              case 'flush': {
                const expected = !held && batcher.pending > 0;
                batcher.flush('flush').should.equal(expected);
                break;
              }
              case 'discard': {
                const waiting = range(0, nextId).filter((id) => !sentSet.has(id) && !discarded.has(id));
                batcher.pending.should.equal(waiting.length);
                for (const id of waiting) discarded.add(id); // before: onSettled runs inside discard()
                batcher.discard().should.equal(waiting.length);
                break;
              }
              case 'tick':
                clock.advance(step.ms);
                break;
              case 'hold':
                batcher.hold();
                held = true;
                break;
              case 'release':
                held = false;
                batcher.release();
                break;
            }
            const waiting = nextId - sentSet.size - discarded.size;
            batcher.pending.should.equal(waiting);
            if (!held) batcher.pending.should.be.below(options.maxSize);
          }
          held = false;
          batcher.release();
          batcher.flush('close');
          batcher.stop();
          batcher.pending.should.equal(0);
          // in order, each once, and with the discarded ones: all of them
          sent.should.deepEqual(range(0, nextId).filter((id) => !discarded.has(id)));
          for (const g of groups) g.settled.should.equal(1);
          batcher.sentRecords.should.equal(sent.length);
          batcher.discardedRecords.should.equal(discarded.size);
        }),
        { numRuns: 500 },
      );
    });
  });
  describe('addOne', function () {
    /** Runs the same operations with add([record]) and with addOne(record); returns what each emitted and settled. */
    function both(ops, options) {
      return ['add', 'addOne'].map((way) => {
        const clock = new FakeClock();
        const out = [];
        const settled = [];
        const b = new MicroBatcher(options, (batch) => out.push({ ...batch }), clock);
        ops.forEach(([kind, record, topic], i) => {
          if (kind === 'tick') return clock.advance(record);
          const opts = { topic, onSettled: (outcome) => settled.push([i, outcome]) };
          if (way === 'add') b.add([record], opts);
          else b.addOne(record, opts);
        });
        b.flush('close');
        return { out, settled };
      });
    }

    it('batches, sizes, times and settles one record as add([record]) does', function () {
      fc.assert(
        fc.property(
          fc.array(fc.oneof(fc.tuple(fc.constant('rec'), fc.string(), fc.constantFrom(undefined, 'a', 'b')), fc.tuple(fc.constant('tick'), fc.nat(3000))), { maxLength: 60 }),
          fc.integer({ min: 1, max: 7 }),
          fc.constantFrom(0, 10),
          (ops, maxSize, maxBytes) => {
            const [viaAdd, viaAddOne] = both(ops, { intervalMs: 1000, maxSize, maxBytes });
            should(viaAddOne).eql(viaAdd);
          },
        ),
      );
    });
  });

  describe('extend', function () {
    /** A group that records how it settled. */
    const group = (log, name) => ({ remaining: 1, abandoned: false, onSettled: (outcome) => log.push([name, outcome]) });

    it('adds a record to the last group of the open batch, which settles once with all of them', function () {
      const { batcher, batches } = setup({ maxSize: 3 });
      const log = [];
      const run = group(log, 'run');
      batcher.addOneIn('a', run, 't', 1);
      batcher.extend('b', run, 't', 1).should.be.true();
      run.remaining.should.equal(2);
      log.should.eql([]);
      batcher.extend('c', run, 't', 1).should.be.true(); // fills the batch: it leaves, the group with it
      batches.map((b) => b.records).should.eql([['a', 'b', 'c']]);
      batches[0].bytes.should.equal(3);
      log.should.eql([['run', 'sent']]);
    });

    it('refuses, adding nothing, once the group is not the last of the open batch', function () {
      const { batcher, batches } = setup({ maxSize: 10 });
      const log = [];
      const first = group(log, 'first');
      batcher.addOneIn('a', first, undefined, undefined);
      batcher.addOneIn('b', group(log, 'second'), undefined, undefined);
      batcher.extendable(first).should.be.false();
      batcher.extend('c', first, undefined, undefined).should.be.false();
      batcher.pending.should.equal(2);
      const cut = group(log, 'cut');
      batcher.addOneIn('d', cut, undefined, undefined);
      batcher.flush('flush');
      batcher.extend('e', cut, undefined, undefined).should.be.false(); // its batch has left
      batches.map((b) => b.records).should.eql([['a', 'b', 'd']]);
      first.remaining.should.equal(0);
    });

    it('refuses with a byte limit (the record could start the next batch)', function () {
      const { batcher } = setup({ maxSize: 10, maxBytes: 100 });
      const run = group([], 'run');
      batcher.addOneIn('a', run, undefined, undefined);
      batcher.extendable(run).should.be.false();
      batcher.extend('b', run, undefined, undefined).should.be.false();
      batcher.pending.should.equal(1);
    });
  });
});
