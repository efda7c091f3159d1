'use strict';
// FrameDecoder against a model: messages framed (LF, octet counted, or a mix
// for auto), cut into random chunks, come out as the same messages in order,
// with memory bounded whatever the input.
const should = require('should');
const fc = require('fast-check');
const { isUtf8 } = require('node:buffer');
const { FrameDecoder, FRAMINGS, MAX_OCTET_COUNT } = require('../../dist/lib/syslog/frame-decoder');
const lib = require('../../dist/lib');

const LF = 10;
const CR = 13;
const BOUND_SLACK = 16;

/**
 * Pushes `bytes` in chunks of the given sizes (cycled) through one scratch
 * buffer that is scribbled over after each push (the decoder must copy what
 * it keeps), then ends the stream. Checks the buffer bound at every step.
 */
function decode(bytes, sizes, options) {
  const decoder = new FrameDecoder(options);
  const out = { messages: [], problems: [], invalidUtf8: 0, fatal: false, maxBuffered: 0 };
  const scratch = Buffer.alloc(Math.max(1, ...sizes.map((n) => Math.min(n, bytes.length))));
  const take = (result) => {
    out.messages.push(...result.messages);
    out.problems.push(...result.problems);
    out.invalidUtf8 += result.invalidUtf8;
    out.fatal = out.fatal || result.fatal;
    decoder.bufferedBytes.should.be.belowOrEqual(options.maxMessageBytes + BOUND_SLACK);
    out.maxBuffered = Math.max(out.maxBuffered, decoder.bufferedBytes);
  };
  let pos = 0;
  let step = 0;
  while (pos < bytes.length) {
    const size = Math.max(1, Math.min(sizes[step++ % sizes.length], bytes.length - pos));
    bytes.copy(scratch, 0, pos, pos + size);
    take(decoder.push(scratch.subarray(0, size)));
    scratch.fill(0xee);
    pos += size;
  }
  take(decoder.end());
  decoder.bufferedBytes.should.equal(0);
  return out;
}

/** Longest prefix of a valid UTF-8 string whose UTF-8 form has at most `max` bytes. */
function utf8Prefix(text, max) {
  let out = '';
  for (const ch of text) {
    if (Buffer.byteLength(out + ch) > max) break;
    out += ch;
  }
  return out;
}

/**
 * What the decoder should make of one message: `bytes` is its content (LF, or
 * CR before it, already dropped) and `fullLength` the length it is judged by.
 */
function expectMessage(bytes, fullLength, max, expected) {
  if (fullLength > max) {
    // Only for valid UTF-8 messages: the cut keeps whole characters (none, when
    // the first is longer than the limit: the cut is reported, nothing delivered).
    const cut = utf8Prefix(bytes.toString('utf8'), max);
    if (cut.length > 0) expected.messages.push(cut);
    expected.cuts.push(fullLength);
  } else if (bytes.length > 0) {
    expected.messages.push(bytes.toString('utf8'));
    if (!isUtf8(bytes)) expected.invalidUtf8++;
  }
}

/** Frames `items` ({ bytes, octet }) into a stream, and what should come out of it. */
function frame(items, max, strayBetween) {
  const parts = [];
  const expected = { messages: [], cuts: [], invalidUtf8: 0 };
  items.forEach((item, i) => {
    if (strayBetween) parts.push(Buffer.from(strayBetween[i % strayBetween.length]));
    const bytes = item.bytes;
    if (item.octet) {
      parts.push(Buffer.from(`${bytes.length} `), bytes);
      let n = bytes.length;
      // A frame over the limit is cut before its end: no LF dropped.
      if (n <= max && n > 0 && bytes[n - 1] === LF) {
        n--;
        if (n > 0 && bytes[n - 1] === CR) n--;
      }
      expectMessage(bytes.subarray(0, n), n, max, expected);
    } else {
      parts.push(bytes, Buffer.from('\n'));
      const n = bytes.length > 0 && bytes[bytes.length - 1] === CR ? bytes.length - 1 : bytes.length;
      expectMessage(bytes.subarray(0, n), n, max, expected);
    }
  });
  return { stream: Buffer.concat(parts), expected };
}

function check(items, sizes, framing, max, strayBetween) {
  const { stream, expected } = frame(items, max, strayBetween);
  const got = decode(stream, sizes, { framing, maxMessageBytes: max });
  got.fatal.should.be.false();
  got.messages.should.deepEqual(expected.messages);
  got.invalidUtf8.should.equal(expected.invalidUtf8);
  got.problems.should.deepEqual(expected.cuts.map((bytes) => ({ kind: 'cut', fatal: false, bytes, max })));
}

// ---- generators --------------------------------------------------------

const sizesArb = fc.oneof(
  fc.array(fc.integer({ min: 1, max: 9 }), { minLength: 1, maxLength: 12 }),
  fc.constant([1]),
  fc.array(fc.integer({ min: 1, max: 300 }), { minLength: 1, maxLength: 6 }),
  fc.constant([1 << 20]),
);
const byteToken = fc.oneof(
  { weight: 4, arbitrary: fc.constantFrom('<13>', 'a', 'xyz ', ' ', '7', '12 ', 'é', '€', '😀', '\r').map((t) => Buffer.from(t)) },
  { weight: 1, arbitrary: fc.constantFrom([0x80], [0xc3], [0xe2, 0x82], [0xf0, 0x9f, 0x98], [0xff], [0xed, 0xa0, 0x80], [0]).map((b) => Buffer.from(b)) },
  { weight: 1, arbitrary: fc.uint8Array({ maxLength: 8 }).map((b) => Buffer.from(b)) },
);
const bytesArb = fc.array(byteToken, { maxLength: 12 }).map((parts) => Buffer.concat(parts));
const withoutLf = (bytes) => Buffer.from(bytes.filter((b) => b !== LF));
/** A message that auto framing reads as LF framed: it starts with neither a digit nor CR/LF. */
const lfFramedStart = (bytes) => {
  const rest = withoutLf(bytes);
  return rest.length > 0 && rest[0] !== CR && !(rest[0] >= 48 && rest[0] <= 57) ? rest : Buffer.concat([Buffer.from('<'), rest]);
};
/** Valid UTF-8 text with multi-byte characters and CRs, no LF. */
const textArb = fc
  .array(fc.constantFrom('a', 'bc', ' ', '<14>', '9', 'é', '€', '😀', '\r', 'ü'), { maxLength: 20 })
  .map((parts) => Buffer.from(parts.join('')));
const strayArb = fc.array(fc.constantFrom('', '', '\n', '\r', '\r\n', '\n\n\r'), { minLength: 1, maxLength: 4 });
const BIG = 1 << 20;

describe('syslog frame-decoder', function () {
  it('lists its framings, and the engine index exports it', function () {
    FRAMINGS.should.deepEqual(['auto', 'lf', 'octet']);
    MAX_OCTET_COUNT.should.equal(1024 * 1024 * 1024);
    lib.FrameDecoder.should.equal(FrameDecoder);
    lib.FRAMINGS.should.equal(FRAMINGS);
    lib.MAX_OCTET_COUNT.should.equal(MAX_OCTET_COUNT);
  });

  it('refuses an unknown framing or a limit that is not a positive integer', function () {
    (() => new FrameDecoder({ framing: 'nul', maxMessageBytes: 100 })).should.throw(/Unknown framing "nul"/);
    (() => new FrameDecoder({ framing: 'lf', maxMessageBytes: 0 })).should.throw(/maxMessageBytes/);
    (() => new FrameDecoder({ framing: 'lf', maxMessageBytes: 1.5 })).should.throw(/maxMessageBytes/);
  });

  describe('properties', function () {
    it('lf: any messages without LF, in any chunks, come out the same, in order', function () {
      fc.assert(
        fc.property(fc.array(bytesArb.map(withoutLf), { maxLength: 15 }), sizesArb, (messages, sizes) => {
          check(messages.map((bytes) => ({ bytes, octet: false })), sizes, 'lf', BIG);
        }),
        { numRuns: 300 },
      );
    });

    it('octet: any bytes, with stray LF/CR between frames, in any chunks, come out the same, in order', function () {
      fc.assert(
        fc.property(fc.array(bytesArb.filter((b) => b.length > 0), { maxLength: 15 }), sizesArb, strayArb, (messages, sizes, stray) => {
          check(messages.map((bytes) => ({ bytes, octet: true })), sizes, 'octet', BIG, stray);
        }),
        { numRuns: 300 },
      );
    });

    it('auto: a random mix of octet-counted and LF-framed messages comes out the same, in order', function () {
      const itemArb = fc.oneof(
        bytesArb.filter((b) => b.length > 0).map((bytes) => ({ bytes, octet: true })),
        bytesArb.map((bytes) => ({ bytes: lfFramedStart(bytes), octet: false })),
      );
      fc.assert(
        fc.property(fc.array(itemArb, { maxLength: 15 }), sizesArb, strayArb, (items, sizes, stray) => {
          check(items, sizes, 'auto', BIG, stray);
        }),
        { numRuns: 300 },
      );
    });

    it('messages over the limit come out cut, whole characters only, with one cut problem each', function () {
      const itemArb = (framing) =>
        fc.tuple(textArb, fc.boolean()).map(([bytes, pick]) => {
          const octet = framing === 'octet' || (framing === 'auto' && pick);
          if (octet) return { bytes: bytes.length > 0 ? bytes : Buffer.from('x'), octet };
          return { bytes: framing === 'auto' ? lfFramedStart(bytes) : bytes, octet };
        });
      fc.assert(
        fc.property(
          fc.constantFrom(...FRAMINGS).chain((framing) => fc.tuple(fc.constant(framing), fc.array(itemArb(framing), { maxLength: 12 }))),
          sizesArb,
          fc.integer({ min: 1, max: 30 }),
          ([framing, items], sizes, max) => {
            check(items, sizes, framing, max);
          },
        ),
        { numRuns: 400 },
      );
    });

    it('random garbage never throws, and never holds more than the bound', function () {
      fc.assert(
        fc.property(
          fc.uint8Array({ maxLength: 400 }),
          fc.constantFrom(...FRAMINGS),
          fc.integer({ min: 1, max: 64 }),
          sizesArb,
          (bytes, framing, max, sizes) => {
            const got = decode(Buffer.from(bytes), sizes, { framing, maxMessageBytes: max });
            got.maxBuffered.should.be.belowOrEqual(max + BOUND_SLACK);
            for (const message of got.messages) Buffer.byteLength(message).should.be.belowOrEqual(max * 3); // U+FFFD is 3 bytes
            got.problems.filter((p) => p.fatal).length.should.be.belowOrEqual(1);
            got.fatal.should.equal(got.problems.some((p) => p.fatal));
          },
        ),
        { numRuns: 500 },
      );
    });
  });

  describe('lf framing', function () {
    it('drops one CR before the LF and skips blank lines', function () {
      const got = decode(Buffer.from('<13>a\r\n\r\n\n<13>b\r\r\n   \n<13>c'), [1000], { framing: 'lf', maxMessageBytes: 100 });
      got.messages.should.deepEqual(['<13>a', '<13>b\r', '   ', '<13>c']);
      got.problems.should.deepEqual([]);
    });

    it('ends a message at LF only: NUL is part of the message', function () {
      const got = decode(Buffer.from('<13>a\0<13>b\n'), [1000], { framing: 'lf', maxMessageBytes: 100 });
      got.messages.should.deepEqual(['<13>a\0<13>b']);
    });

    it('reads digits at the start of a line as text', function () {
      const got = decode(Buffer.from('12 abc\n-5 x\n'), [1000], { framing: 'lf', maxMessageBytes: 100 });
      got.messages.should.deepEqual(['12 abc', '-5 x']);
    });

    it('does not cut a message of exactly the limit followed by CR LF', function () {
      const text = 'x'.repeat(50);
      for (const sizes of [[1000], [1], [50], [51]]) {
        const got = decode(Buffer.from(`${text}\r\n${text}y\r\n`), sizes, { framing: 'lf', maxMessageBytes: 50 });
        got.messages.should.deepEqual([text, text]);
        got.problems.should.deepEqual([{ kind: 'cut', fatal: false, bytes: 51, max: 50 }]);
      }
    });

    it('cuts a frame with no end (10 MB without LF) and holds no more than the limit', function () {
      const max = 65536;
      const decoder = new FrameDecoder({ framing: 'lf', maxMessageBytes: max });
      const chunk = Buffer.alloc(64 * 1024, 'a');
      for (let i = 0; i < 160; i++) {
        decoder.push(chunk).should.deepEqual({ messages: [], problems: [], invalidUtf8: 0, fatal: false });
        decoder.bufferedBytes.should.be.belowOrEqual(max + BOUND_SLACK);
      }
      const result = decoder.push(Buffer.from('\n<13>next\n'));
      result.messages.should.deepEqual(['a'.repeat(max), '<13>next']);
      result.problems.should.deepEqual([{ kind: 'cut', fatal: false, bytes: 160 * 64 * 1024, max }]);
      decoder.bufferedBytes.should.equal(0);
    });

    it('decodes a chunk of many messages larger than one decoding piece', function () {
      const messages = [];
      for (let i = 0; i < 5000; i++) messages.push(`<13>message number ${i} ${'é'.repeat(i % 7)}`);
      const got = decode(Buffer.from(messages.join('\n') + '\n'), [1 << 22], { framing: 'lf', maxMessageBytes: 1000 });
      got.messages.should.deepEqual(messages);
    });

    it('delivers invalid UTF-8 with U+FFFD and counts it, among valid messages of the same chunk', function () {
      const stream = Buffer.concat([Buffer.from('<13>good\n<13>bad '), Buffer.from([0xff, 0xc3]), Buffer.from('\n<13>ok é\n')]);
      const got = decode(stream, [1000], { framing: 'lf', maxMessageBytes: 100 });
      got.messages.should.deepEqual(['<13>good', '<13>bad \ufffd\ufffd', '<13>ok é']);
      got.invalidUtf8.should.equal(1);
    });

    it('at end, delivers the last message without its LF (and without a trailing CR)', function () {
      const decoder = new FrameDecoder({ framing: 'lf', maxMessageBytes: 100 });
      decoder.push(Buffer.from('<13>a\n<13>b\r')).messages.should.deepEqual(['<13>a']);
      decoder.end().should.deepEqual({ messages: ['<13>b'], problems: [], invalidUtf8: 0, fatal: false });
      decoder.push(Buffer.from('<13>later\n')).messages.should.deepEqual([]);
      decoder.end().messages.should.deepEqual([]);
    });
  });

  describe('octet counting', function () {
    function fatalOf(text, framing = 'octet') {
      const decoder = new FrameDecoder({ framing, maxMessageBytes: 100 });
      const result = decoder.push(Buffer.from(text));
      result.fatal.should.be.true();
      result.problems.should.have.length(1);
      result.problems[0].kind.should.equal('bad-octet-count');
      result.problems[0].fatal.should.be.true();
      // A dead decoder takes nothing more.
      decoder.push(Buffer.from('5 <13>x')).should.deepEqual({ messages: [], problems: [], invalidUtf8: 0, fatal: true });
      decoder.end().should.deepEqual({ messages: [], problems: [], invalidUtf8: 0, fatal: true });
      decoder.bufferedBytes.should.equal(0);
      return result;
    }

    it('reads frames back to back, and drops one trailing LF or CRLF inside a frame', function () {
      const got = decode(Buffer.from('5 <13>a6 <13>b\n7 <13>c\r\n\n\r\n2 \r\n3 \r\n\n'), [1000], { framing: 'octet', maxMessageBytes: 100 });
      got.messages.should.deepEqual(['<13>a', '<13>b', '<13>c', '\r\n']);
      got.fatal.should.be.false();
    });

    it('is fatal for a count of more than 10 digits', function () {
      fatalOf('99999999999 x').problems[0].detail.should.match(/more than 10 digits/);
    });

    it('is fatal for a count over 1 GiB, and takes one of exactly 1 GiB, skipping it unbuffered', function () {
      fatalOf(`${MAX_OCTET_COUNT + 1} x`).problems[0].detail.should.match(/1073741825 bytes is over the limit of 1073741824/);

      const decoder = new FrameDecoder({ framing: 'octet', maxMessageBytes: 100 });
      decoder.push(Buffer.from(`${MAX_OCTET_COUNT} <13>`)).should.deepEqual({ messages: [], problems: [], invalidUtf8: 0, fatal: false });
      const mb = Buffer.alloc(1 << 20, 'z');
      for (let i = 0; i < 20; i++) {
        decoder.push(mb).messages.should.deepEqual([]);
        decoder.bufferedBytes.should.be.belowOrEqual(100);
      }
      decoder.end().should.deepEqual({ messages: [], problems: [{ kind: 'incomplete', fatal: true, bytes: 11 + 4 + 20 * (1 << 20) }], invalidUtf8: 0, fatal: true });
    });

    it('is fatal for a negative count, non-digits in a count, a leading zero, or a count not followed by a space', function () {
      fatalOf('-5 x').problems[0].detail.should.equal("expected a frame length, found '-'");
      fatalOf('12a x').problems[0].detail.should.equal("a frame length is followed by 'a', not a space");
      fatalOf('12a x', 'auto').problems[0].detail.should.equal("a frame length is followed by 'a', not a space");
      fatalOf('012 <13>abcdefgh').problems[0].detail.should.equal('a frame length starts with 0');
      fatalOf('0 ', 'auto').problems[0].detail.should.equal('a frame length starts with 0');
      fatalOf('5\t<13>x').problems[0].detail.should.equal('a frame length is followed by byte 0x09, not a space');
      fatalOf('<13>hello\n').problems[0].detail.should.equal("expected a frame length, found '<'");
    });

    it('delivers the messages before a fatal problem in the same chunk', function () {
      const result = new FrameDecoder({ framing: 'octet', maxMessageBytes: 100 }).push(Buffer.from('5 <13>a5 <13>bx'));
      result.messages.should.deepEqual(['<13>a', '<13>b']);
      result.fatal.should.be.true();
    });

    it('cuts a frame over the limit to its first bytes and skips the rest as it arrives', function () {
      const decoder = new FrameDecoder({ framing: 'octet', maxMessageBytes: 10 });
      const body = '<13>' + 'x'.repeat(996);
      let messages = [];
      const problems = [];
      const stream = Buffer.from(`1000 ${body}5 <13>y`);
      for (let i = 0; i < stream.length; i += 7) {
        const result = decoder.push(stream.subarray(i, i + 7));
        messages = messages.concat(result.messages);
        problems.push(...result.problems);
        decoder.bufferedBytes.should.be.belowOrEqual(10);
      }
      messages.should.deepEqual([body.slice(0, 10), '<13>y']);
      problems.should.deepEqual([{ kind: 'cut', fatal: false, bytes: 1000, max: 10 }]);
    });

    it('at end mid-frame, reports the frame as incomplete with the bytes of it that came', function () {
      const decoder = new FrameDecoder({ framing: 'octet', maxMessageBytes: 100 });
      decoder.push(Buffer.from('5 <13>a10 <13>'));
      decoder.end().should.deepEqual({ messages: [], problems: [{ kind: 'incomplete', fatal: true, bytes: 7 }], invalidUtf8: 0, fatal: true });

      const inCount = new FrameDecoder({ framing: 'auto', maxMessageBytes: 100 });
      inCount.push(Buffer.from('12'));
      inCount.end().problems.should.deepEqual([{ kind: 'incomplete', fatal: true, bytes: 2 }]);

      const between = new FrameDecoder({ framing: 'octet', maxMessageBytes: 100 });
      between.push(Buffer.from('5 <13>a\r\n'));
      between.end().should.deepEqual({ messages: [], problems: [], invalidUtf8: 0, fatal: false });
    });

    it('delivers invalid UTF-8 with U+FFFD and counts it', function () {
      const stream = Buffer.concat([Buffer.from('6 <13>'), Buffer.from([0xe2, 0x82]), Buffer.from('3 abc')]);
      const got = decode(stream, [1000], { framing: 'octet', maxMessageBytes: 100 });
      got.messages.should.deepEqual(['<13>\ufffd', 'abc']);
      got.invalidUtf8.should.equal(1);
    });
  });

  describe('auto framing', function () {
    it('decides per frame: a digit starts an octet-counted frame, anything else an LF-framed one', function () {
      const stream = Buffer.from('<1>a\n4 <2>b<3>c\r\n\r\n5 <4>d\n\n<5>e 12 f\n-5 x\n\r<6>g\n\r4 <7>h');
      for (const sizes of [[1000], [1], [2, 3], [5]]) {
        const got = decode(stream, sizes, { framing: 'auto', maxMessageBytes: 100 });
        got.messages.should.deepEqual(['<1>a', '<2>b', '<3>c', '<4>d', '<5>e 12 f', '-5 x', '<6>g', '<7>h']);
        got.fatal.should.be.false();
      }
    });

    it('is fatal for a bad count in a frame that starts with a digit', function () {
      const result = new FrameDecoder({ framing: 'auto', maxMessageBytes: 100 }).push(Buffer.from('<1>a\n99999999999 x'));
      result.messages.should.deepEqual(['<1>a']);
      result.problems.should.deepEqual([{ kind: 'bad-octet-count', fatal: true, detail: 'a frame length has more than 10 digits' }]);
    });
  });
});
