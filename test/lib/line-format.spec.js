'use strict';
// line-format and line-text: what the splitter derives from its options, and
// its passes over decoded lines.
const should = require('should');
const { codeUnitBytes, overlapsItself } = require('../../dist/lib/line-format');
const { startsWithNul, stripCarriageReturns } = require('../../dist/lib/line-text');

describe('line-format', function () {
  it('tells a delimiter that overlaps itself', function () {
    should(overlapsItself(Buffer.from('||'))).be.true();
    should(overlapsItself(Buffer.from('abcab'))).be.true();
    should(overlapsItself(Buffer.from('\r\n'))).be.false();
    should(overlapsItself(Buffer.from('\n'))).be.false();
  });

  it('counts two bytes per code unit in UTF-16LE, one otherwise', function () {
    should([codeUnitBytes('utf16le'), codeUnitBytes('utf8'), codeUnitBytes('latin1')]).eql([2, 1, 1]);
  });
});

describe('line-text', function () {
  it('strips one CR at the end of each line, and no other', function () {
    const lines = ['a\r', 'b', '\r', 'c\r\r', 'd\re'];
    stripCarriageReturns(lines);
    should(lines).eql(['a', 'b', '', 'c\r', 'd\re']);
  });

  it('tells lines of which one starts with a NUL', function () {
    should(startsWithNul(['a', '\0b'])).be.true();
    should(startsWithNul(['a\0', '', 'b'])).be.false();
  });
});
