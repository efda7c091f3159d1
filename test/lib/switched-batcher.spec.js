'use strict';
// The micro batcher as the micro-batch node runs it under a kill switch
// (src/nodes/shared/switched-batcher): nothing leaves while engaged, order
// is kept, and everything held settles exactly once however it ends.
const should = require('should');
const fc = require('fast-check');
const { SwitchedBatcher } = require('../../dist/nodes/shared/switched-batcher');

const { FakeClock } = require('../support/fake-clock');

function setup(options = {}) {
  const clock = new FakeClock();
  const batches = [];
  const batcher = new SwitchedBatcher({ intervalMs: 100, maxSize: 3, maxBytes: 0, ...options }, (b) => batches.push(b), clock);
  return { batcher, batches, clock, sent: () => batches.flatMap((b) => b.records) };
}

describe('SwitchedBatcher (micro batch under a kill switch)', function () {
  it('sends nothing while engaged, not on time, size or flush, then everything in order on release', function () {
    const { batcher, batches, clock, sent } = setup();
    batcher.add([1]);
    batcher.engage();
    clock.advance(1000);
    batcher.add([2, 3, 4, 5]);
    batcher.flush('flush').should.be.false();
    batches.should.have.length(0);
    batcher.pending.should.equal(5);
    batcher.release();
    clock.advance(1000);
    sent().should.eql([1, 2, 3, 4, 5]);
    batches.every((b) => b.count <= 3).should.be.true();
  });

  it('settles each group once: sent on release, discarded on reset, abandoned when its source replays it', function () {
    const { batcher } = setup({ maxSize: 100 });
    const outcomes = [];
    const group = (name, replayable = false) => ({ onSettled: (o) => outcomes.push([name, o]), replayable: () => replayable });
    batcher.add(['a'], group('open-replay', true));
    batcher.add(['b'], group('open-keep'));
    batcher.engage();
    batcher.add(['c'], group('aside-replay', true));
    batcher.add(['d'], group('aside-keep'));
    batcher.abandonReplayable().should.equal(2);
    outcomes.should.eql([
      ['open-replay', 'abandoned'],
      ['aside-replay', 'abandoned'],
    ]);
    batcher.pending.should.equal(2);
    batcher.discard().should.equal(2);
    outcomes.slice(2).should.eql([
      ['open-keep', 'discarded'],
      ['aside-keep', 'discarded'],
    ]);
    batcher.pending.should.equal(0);
  });

  it('hands every held record over (takeAll) without sending, and stays engaged', function () {
    const { batcher, batches } = setup();
    const settled = [];
    batcher.add([1, 2], { topic: 't', onSettled: (o) => settled.push(o) });
    batcher.engage();
    batcher.add([3, 4, 5], { topic: 't', onSettled: (o) => settled.push(o) });
    const kept = batcher.takeAll();
    batches.should.have.length(0);
    kept.flatMap((k) => k.records).should.eql([1, 2, 3, 4, 5]);
    kept.every((k) => k.topic === 't').should.be.true();
    settled.should.eql(['sent', 'sent']);
    batcher.engaged.should.be.true();
    batcher.add([6]);
    batches.should.have.length(0);
  });

  it('keeps order and count through any interleaving of adds, engages and releases (property)', function () {
    const step = fc.oneof(
      fc.record({ add: fc.integer({ min: 0, max: 7 }) }),
      fc.constant({ engage: true }),
      fc.constant({ release: true }),
      fc.record({ wait: fc.integer({ min: 0, max: 250 }) }),
    );
    fc.assert(
      fc.property(fc.array(step, { maxLength: 40 }), fc.integer({ min: 1, max: 5 }), (steps, maxSize) => {
        const { batcher, batches, clock, sent } = setup({ maxSize });
        let next = 0;
        let engaged = false;
        let sentWhileEngaged = 0;
        for (const s of steps) {
          const before = batches.length;
          if (s.add !== undefined) batcher.add(Array.from({ length: s.add }, () => next++));
          else if (s.engage) (batcher.engage(), (engaged = true));
          else if (s.release) (batcher.release(), (engaged = false));
          else clock.advance(s.wait);
          if (engaged) sentWhileEngaged += batches.length - before;
        }
        batcher.release();
        batcher.flush('close');
        sentWhileEngaged.should.equal(0);
        sent().should.eql(Array.from({ length: next }, (_, i) => i));
        batches.every((b) => b.count <= maxSize).should.be.true();
      }),
    );
  });
});
