'use strict';
const should = require('should');
const fc = require('fast-check');
const { recordId, fileKeyOf, batchRecordStarts, recordIdsOf, recordStartsOf, RecordStarts } = require('../../dist/lib/record-ids');
const { judge } = require('../../dist/lib/ack-verdict');

describe('record ids', function () {
  it('are the same for the same file, offset and text, and differ when any of them does', function () {
    fc.assert(
      fc.property(fc.nat(), fc.nat(), fc.nat(), fc.string(), fc.string(), (dev, ino, offset, text, other) => {
        const key = fileKeyOf(dev, ino);
        recordId(key, offset, text).should.equal(recordId(fileKeyOf(dev, ino), offset, text));
        recordId(key, offset, text).should.not.equal(recordId(key, offset + 1, text));
        recordId(key, offset, text).should.not.equal(recordId(fileKeyOf(dev, ino + 1), offset, text));
        if (other !== text && other.length === text.length && other.length === 1) recordId(key, offset, text).should.not.equal(recordId(key, offset, other));
      }),
    );
  });

  it('name a batch\'s records, a message split across batches included, in order', function () {
    const a = recordStartsOf({ dev: 1, inode: 2, offset: 0, lineOffsets: [0, 2, 4] }, 3);
    const b = recordStartsOf({ dev: 1, inode: 2, offset: 6 }, 1);
    const first = recordIdsOf(['a', 'b'], batchRecordStarts([{ origin: a }], [2]));
    const second = recordIdsOf(['c', 'd'], batchRecordStarts([{ origin: a }, { origin: b }], [1, 1]));
    first.should.eql([recordId('1.2', 0, 'a'), recordId('1.2', 2, 'b')]);
    second.should.eql([recordId('1.2', 4, 'c'), recordId('1.2', 6, 'd')]);
  });

  it('taken as starts when a batch is cut, made later, in any order', function () {
    const a = recordStartsOf({ dev: 1, inode: 2, offset: 0, lineOffsets: [0, 2, 4] }, 3);
    const b = recordStartsOf({ dev: 1, inode: 2, offset: 6 }, 1);
    const first = batchRecordStarts([{ origin: a }], [2]);
    const second = batchRecordStarts([{ origin: a }, { origin: b }], [1, 1]);
    recordIdsOf(['c', 'd'], second).should.eql([recordId('1.2', 4, 'c'), recordId('1.2', 6, 'd')]);
    recordIdsOf(['a', 'b'], first).should.eql([recordId('1.2', 0, 'a'), recordId('1.2', 2, 'b')]);
    should(batchRecordStarts([{ origin: new RecordStarts('k', [0]) }], [2])).be.undefined();
    should(batchRecordStarts([{}], [1])).be.undefined();
  });

  it('are left out unless every record came from a file, and msg.file is checked, not trusted', function () {
    const fromFile = recordStartsOf({ dev: 1, inode: 2, offset: 0 }, 1);
    should(batchRecordStarts([{ origin: fromFile }, {}], [1, 1])).be.undefined();
    for (const file of [undefined, null, 'x', {}, { dev: 1, inode: 2 }, { dev: -1, inode: 2, offset: 0 }, { dev: 1, inode: 2, lineOffsets: [0] }, { dev: 1, inode: 2, lineOffsets: ['0', 1] }, { dev: 1, inode: 2.5, offset: 0 }]) {
      should(recordStartsOf(file, 2)).be.undefined();
    }
    should(batchRecordStarts([{ origin: new RecordStarts('k', [0]) }], [2])).be.undefined();
  });
});

describe('ack verdict', function () {
  it('any: every message acknowledges but one with msg.error', function () {
    judge({}, 'any').should.eql({ ok: true, reason: '' });
    judge({ statusCode: 500 }, 'any').ok.should.be.true();
    judge({ error: { message: 'boom\nline two' } }, 'any').should.eql({ ok: false, reason: 'boom line two' });
    judge({ error: 'text' }, 'any').should.eql({ ok: false, reason: 'text' });
    judge({ error: { code: 'EISDIR' } }, 'any').should.eql({ ok: false, reason: 'EISDIR' });
  });

  it('http-2xx: a status from 200 to 299 acknowledges, anything else fails with a reason', function () {
    judge({ statusCode: 200 }, 'http-2xx').ok.should.be.true();
    judge({ statusCode: '204' }, 'http-2xx').ok.should.be.true();
    judge({ statusCode: 503 }, 'http-2xx').should.eql({ ok: false, reason: 'HTTP 503' });
    judge({ statusCode: 'ECONNREFUSED' }, 'http-2xx').should.eql({ ok: false, reason: 'ECONNREFUSED' });
    judge({}, 'http-2xx').should.eql({ ok: false, reason: 'no msg.statusCode' });
    judge({ statusCode: 200, error: 'x' }, 'http-2xx').ok.should.be.false();
  });

  it('never throws, and keeps reasons short and printable, whatever the message holds', function () {
    fc.assert(
      fc.property(fc.anything(), fc.anything(), fc.constantFrom('any', 'http-2xx'), (error, statusCode, rule) => {
        const verdict = judge({ error, statusCode }, rule);
        verdict.reason.length.should.be.belowOrEqual(200);
        /[\u0000-\u001f]/.test(verdict.reason).should.be.false();
      }),
    );
  });
});
