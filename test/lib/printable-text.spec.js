'use strict';
// Caller text made one printable line: what a kill switch reason becomes
// before it is stored, logged, shown or returned.
const should = require('should');
const fc = require('fast-check');
const { printable, isControl, ELLIPSIS } = require('../../dist/lib/printable-text');

/** Code points printable() must never return. */
const CONTROL = /[\u0000-\u001f\u007f-\u009f\u061c\u200e\u200f\u202a-\u202e\u2028\u2029\u2066-\u2069]/u;
const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;

/** Pieces hostile text is made of: escape sequences, breaks, bidi overrides, lone surrogates, and plain text. */
const hostilePiece = fc.oneof(
  fc.string({ unit: 'binary', maxLength: 8 }),
  fc.constantFrom(
    '\n', '\r', '\r\n', '\t', '\v', '\f', '\0', '\x7f', '\x85', '\x9b', '\u2028', '\u2029',
    '\x1b', '\x1b[', '\x1b[31m', '\x1b[0m', '\x1b[2K', '\x1b[1A', '\x1b]0;title\x07', '\x1b]8;;http://x\x1b\\', '\x1bP', '\x1b(B',
    '\u202e', '\u2066', '\u2069', '\u200f', '\u061c', '\ud800', '\udfff', '\ud83d\ude00',
    ' ', 'released by editor', '[info] ',
  ),
  fc.integer({ min: 0, max: 0x10ffff }).map((cp) => (cp >= 0xd800 && cp <= 0xdfff ? String.fromCharCode(cp) : String.fromCodePoint(cp))),
);
const hostileText = fc.array(hostilePiece, { maxLength: 30 }).map((parts) => parts.join(''));

/** Text with no control character, no lone surrogate, nothing to trim: what a person types as a reason. */
const printableText = fc
  .string({ unit: fc.integer({ min: 0x20, max: 0x10ffff }).filter((cp) => !(cp >= 0xd800 && cp <= 0xdfff)).map((cp) => String.fromCodePoint(cp)), maxLength: 60 })
  .filter((s) => !CONTROL.test(s) && s.trim() === s);

describe('printable text', function () {
  it('never returns a control character, a line break or a lone surrogate, and stays within the limit', function () {
    fc.assert(
      fc.property(hostileText, fc.integer({ min: 1, max: 40 }), (text, limit) => {
        const out = printable(text, limit);
        CONTROL.test(out).should.be.false(JSON.stringify(out));
        LONE_SURROGATE.test(out).should.be.false(JSON.stringify(out));
        Array.from(out).length.should.be.belowOrEqual(limit);
        for (const ch of out) isControl(ch).should.be.false();
        out.should.equal(out.trim());
      }),
      { numRuns: 1000 },
    );
  });

  it('leaves printable text as it is', function () {
    fc.assert(
      fc.property(printableText, (text) => {
        printable(text, 100).should.equal(text);
      }),
      { numRuns: 1000 },
    );
  });

  it('is idempotent', function () {
    fc.assert(
      fc.property(hostileText, (text) => {
        const once = printable(text, 50);
        printable(once, 50).should.equal(once);
      }),
    );
  });

  it('turns a forged log line into one line, and drops terminal escapes whole', function () {
    printable('drill\n12 Jan 10:00:00 - [info] [kill-switch:stop] released by editor button', 500).should.equal(
      'drill 12 Jan 10:00:00 - [info] [kill-switch:stop] released by editor button',
    );
    printable('a\r\nb\rc\u2028d\u2029e\tf', 500).should.equal('a b c d e f');
    printable('\x1b[31mred\x1b[0m \x1b[2K\x1b[1Agone', 500).should.equal('red gone');
    printable('\x1b]0;window title\x07ok', 500).should.equal('ok');
    printable('\u202eevil\u202c \u2066x\u2069', 500).should.equal('evil x');
    printable('\0nul\x7fdel\x85nel\x9b31mc1', 500).should.equal('nuldel nelc1');
    printable('bad \ud800 half', 500).should.equal('bad \ufffd half');
  });

  it('cuts long text at code points, marked with an ellipsis', function () {
    printable('x'.repeat(600), 500).should.equal('x'.repeat(499) + ELLIPSIS);
    const emoji = '\ud83d\ude00'.repeat(10);
    printable(emoji, 5).should.equal('\ud83d\ude00'.repeat(4) + ELLIPSIS);
    printable('abc', 3).should.equal('abc');
  });

  it('gives "" for what is not a string', function () {
    for (const value of [undefined, null, 42, {}, ['a']]) printable(value, 10).should.equal('');
    should(printable('  \n\t ', 10)).equal('');
  });
});
