'use strict';
// The delivery ticket (src/lib/ingest-ticket): names, reading, settling.
const should = require('should');
const { sourceName, sourceNodeId, readTicket, settleTicket } = require('../../dist/lib/ingest-ticket');
const { DeliveryLedger, DeliveryTracker } = require('../../dist/lib/delivery-ledger');

describe('ingest ticket', function () {
  it('names a source instance and finds the node id in the name again', function () {
    sourceName('abc.1', 7).should.equal('abc.1#7');
    sourceNodeId(sourceName('a#b', 2)).should.equal('a#b');
    sourceNodeId('plain').should.equal('plain');
  });

  it('reads a valid ticket without copying it, and nothing else', function () {
    const ticket = { source: 's#1', seq: 3 };
    should(readTicket(ticket)).equal(ticket);
    for (const bad of [undefined, null, 'x', 3, {}, { source: 's' }, { seq: 1 }, { source: 1, seq: 1 }, { source: 's', seq: '1' }]) should(readTicket(bad)).be.undefined();
  });

  it('settles a delivered ticket in the ledger, and an abandoned one holds the offset back', function () {
    const ledger = new DeliveryLedger();
    const commits = [];
    const tracker = new DeliveryTracker('s#1', (file, offset) => commits.push([file, offset]));
    ledger.register(tracker);
    const first = tracker.issue('f', 10, 1, 1);
    const second = tracker.issue('f', 20, 1, 1);
    settleTicket(ledger, first, 'delivered');
    settleTicket(ledger, second, 'abandoned');
    commits.should.eql([['f', 10]]);
    tracker.outstanding.should.equal(0);
  });
});
