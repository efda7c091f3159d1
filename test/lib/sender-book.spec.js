'use strict';
const should = require('should');
const fc = require('fast-check');
const { SenderBook } = require('../../dist/lib/syslog/sender-book');

describe('SenderBook', function () {
  it('counts per sender and in total, and lists the busiest first', function () {
    const book = new SenderBook('tcp');
    const a = book.row('10.0.0.1');
    const b = book.row('10.0.0.2');
    book.opened(a);
    book.received(a, 3, 300, 1000);
    book.received(b, 5, 500, 2000);
    book.dropped(b, 2);
    book.error(a);
    book.refused(book.row('10.9.9.9'));
    book.closed(a);
    book.totals.should.eql({ messages: 8, bytes: 800, dropped: 2, errors: 1, refused: 1, connections: 0 });
    const { senders, more } = book.busiest(2);
    senders.map((s) => [s.address, s.messages]).should.eql([['10.0.0.2', 5], ['10.0.0.1', 3]]);
    more.should.equal(1);
    senders[1].errors.should.equal(1);
    senders[1].protocol.should.equal('tcp');
  });

  it('never holds more than maxSenders rows, whatever the addresses', function () {
    fc.assert(
      fc.property(fc.array(fc.ipV4(), { maxLength: 300 }), fc.integer({ min: 1, max: 50 }), (addresses, max) => {
        const book = new SenderBook('udp', max);
        for (const address of addresses) book.received(book.row(address), 1, 10, 0);
        const { senders, more } = book.busiest(1000);
        should(senders.length + more).be.belowOrEqual(max);
        book.totals.messages.should.equal(addresses.length);
      }),
    );
  });
});
