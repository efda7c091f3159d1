'use strict';
// LineSplitter against a byte-level model: the input bytes split on the
// delimiter (left to right, on code-unit boundaries), whatever the chunking.
const should = require('should');
const fc = require('fast-check');
const { LineSplitter } = require('../../dist/lib/line-splitter');

const NUL = 0;
const CR = 13;

function unitOf(encoding) {
  return encoding === 'utf16le' ? 2 : 1;
}

/**
 * The model: complete lines of `bytes` (raw bytes between delimiters and the
 * file offset just after each delimiter) and where the unterminated rest starts.
 */
function parse(bytes, delimiter, encoding, startOffset = 0) {
  const delim = Buffer.from(delimiter, encoding);
  const unit = unitOf(encoding);
  const lines = [];
  let lineStart = 0;
  let from = 0;
  for (;;) {
    let at = bytes.indexOf(delim, from);
    while (at >= 0 && (startOffset + at) % unit !== 0) at = bytes.indexOf(delim, at + 1);
    if (at < 0) break;
    lines.push({ raw: bytes.subarray(lineStart, at), end: startOffset + at + delim.length });
    lineStart = at + delim.length;
    from = lineStart;
  }
  return { lines, restStart: lineStart };
}

function leadingNulBytes(raw, unit) {
  let k = 0;
  while (k < raw.length && raw[k] === NUL) k++;
  return k - (k % unit);
}

/**
 * What the splitter should make of one line's raw bytes: leading NUL code units
 * dropped (a line of only NULs vanishes), then the byte limit, then a trailing
 * CR stripped when the delimiter is "\n", then decoding.
 */
function render(raw, opts) {
  const unit = unitOf(opts.encoding);
  const k = leadingNulBytes(raw, unit);
  if (k > 0 && k === raw.length) return { text: null, long: false };
  let rest = raw.subarray(k);
  let long = false;
  if (opts.maxLineBytes > 0 && rest.length > opts.maxLineBytes) {
    long = true;
    if (opts.longLines === 'skip') return { text: null, long };
    rest = rest.subarray(0, opts.maxLineBytes);
  }
  let n = rest.length - (rest.length % unit);
  if (opts.delimiter === '\n' && n >= unit) {
    const isCr = unit === 1 ? rest[n - 1] === CR : rest[n - 2] === CR && rest[n - 1] === 0;
    if (isCr) n -= unit;
  }
  return { text: rest.toString(opts.encoding, 0, n), long };
}

/** Pushes `bytes` in chunks of the given sizes (cycled); checks every step against the model. */
function runAgainstModel(bytes, sizes, opts) {
  const startOffset = opts.startOffset || 0;
  const splitter = new LineSplitter(opts);
  const model = parse(bytes, opts.delimiter, opts.encoding, startOffset);
  const unit = unitOf(opts.encoding);
  const delimLength = Buffer.byteLength(opts.delimiter, opts.encoding);
  const got = [];
  const gotEnds = [];
  const expectedSoFar = [];
  let modelIndex = 0;
  let lastEnd = startOffset;
  // One scratch buffer reused for every chunk, as FileReader does: the
  // splitter must copy what it keeps.
  const scratch = Buffer.alloc(Math.max(1, ...sizes, bytes.length));
  let pos = 0;
  let step = 0;
  while (pos < bytes.length) {
    const size = Math.min(sizes[step++ % sizes.length], bytes.length - pos);
    bytes.copy(scratch, 0, pos, pos + size);
    const result = splitter.push(scratch.subarray(0, size));
    scratch.fill(0xee);
    pos += size;

    // Lines out so far = the model's complete lines of the bytes pushed so far.
    while (modelIndex < model.lines.length && model.lines[modelIndex].end <= startOffset + pos) {
      const line = model.lines[modelIndex++];
      const r = render(line.raw, opts);
      if (r.text !== null) expectedSoFar.push({ text: r.text, end: line.end });
    }
    got.push(...result.lines);
    if (opts.trackLineEnds) {
      should(result.lineEnds).be.an.Array();
      result.lineEnds.length.should.equal(result.lines.length);
      gotEnds.push(...result.lineEnds);
    } else {
      should(result.lineEnds).be.undefined();
    }
    got.should.deepEqual(expectedSoFar.map((l) => l.text));
    if (opts.trackLineEnds) gotEnds.should.deepEqual(expectedSoFar.map((l) => l.end));

    // end = just after the last delimiter read (plus NULs skipped at the start of the next line).
    const lastDelimEnd = modelIndex > 0 ? model.lines[modelIndex - 1].end : startOffset;
    const partial = bytes.subarray(lastDelimEnd - startOffset, pos);
    const expectedEnd = lastDelimEnd + leadingNulBytes(partial, unit);
    result.end.should.equal(expectedEnd);
    result.end.should.be.aboveOrEqual(lastEnd);
    lastEnd = result.end;
    splitter.consumed.should.equal(result.end);
    splitter.position.should.equal(startOffset + pos);
    // Memory held for the line in progress stays bounded (white-box: private fields).
    if (opts.maxLineBytes > 0) {
      splitter.heldBytes.should.be.belowOrEqual(opts.maxLineBytes);
      splitter.carry.length.should.be.belowOrEqual(delimLength - 1);
    }
  }

  const flushed = splitter.flushPartial();
  got.push(...flushed.lines);
  const rest = bytes.subarray(model.restStart);
  const expectedAll = expectedSoFar.slice();
  if (rest.length > 0) {
    const r = render(rest, opts);
    if (r.text !== null) expectedAll.push({ text: r.text, end: startOffset + bytes.length });
  }
  got.should.deepEqual(expectedAll.map((l) => l.text));
  if (opts.trackLineEnds) {
    gotEnds.push(...flushed.lineEnds);
    gotEnds.should.deepEqual(expectedAll.map((l) => l.end));
  }
  flushed.end.should.equal(startOffset + bytes.length);
  splitter.inLine.should.be.false();

  // One long-line event per line over the limit, none otherwise.
  const rests = rest.length > 0 ? [...model.lines.map((l) => l.raw), rest] : model.lines.map((l) => l.raw);
  const longLines = rests.filter((raw) => render(raw, opts).long).length;
  const events = splitter.takeEvents();
  events.filter((e) => e.kind === 'long-line').length.should.equal(longLines);
  for (const e of events) {
    if (e.kind === 'long-line') {
      e.bytes.should.equal(opts.maxLineBytes);
      e.action.should.equal(opts.longLines);
    }
  }
  splitter.takeEvents().should.deepEqual([]);
}

// ---- generators --------------------------------------------------------

const textToken = fc.constantFrom(
  'a', 'b', 'xyz', ' ', 'é', '€', '😀', '\r', '\n', '\r\n', '|', '||', '\0', '\0\0\0',
  '\u0d00', // utf16le bytes 00 0d: a CR byte in the high half of a code unit
  '\u0a00', // utf16le bytes 00 0a: a "\n" byte off the code-unit boundary
  '\u7c00', // utf16le bytes 00 7c: a "|" byte off the code-unit boundary
  '\u0a0d', // utf16le bytes 0d 0a
);
// Raw bytes, for invalid UTF-8 (lone continuation, truncated sequences, 0xff).
const rawToken = fc.constantFrom([0x80], [0xc3], [0xe2, 0x82], [0xf0, 0x9f, 0x98], [0xff, 0xfe], [0xed, 0xa0, 0x80]);

function streamArb(encoding) {
  const token = fc.oneof(
    { weight: 6, arbitrary: textToken.map((t) => Buffer.from(t, encoding)) },
    {
      weight: 1,
      arbitrary: rawToken.map((b) => {
        const buf = Buffer.from(b);
        // utf16le streams stay whole code units; chunk boundaries are still odd.
        return encoding === 'utf16le' && buf.length % 2 === 1 ? Buffer.concat([buf, Buffer.from([0x41])]) : buf;
      }),
    },
  );
  return fc.array(token, { maxLength: 60 }).map((parts) => Buffer.concat(parts));
}

const sizesArb = fc.oneof(
  fc.array(fc.integer({ min: 1, max: 9 }), { minLength: 1, maxLength: 12 }),
  fc.constant([1]),
  fc.array(fc.integer({ min: 0, max: 40 }), { minLength: 1, maxLength: 6 }).map((s) => (s.some((n) => n > 0) ? s : [...s, 1])),
  fc.constant([100000]),
);

function optionsArb(encoding, delimiter) {
  return fc.record({
    encoding: fc.constant(encoding),
    delimiter: fc.constant(delimiter),
    maxLineBytes: fc.oneof(fc.constant(0), fc.integer({ min: 1, max: 24 })),
    longLines: fc.constantFrom('cut', 'skip'),
    trackLineEnds: fc.boolean(),
    startOffset: fc.constantFrom(0, 2, 1000),
  });
}

const ENCODINGS = ['utf8', 'latin1', 'utf16le'];
const DELIMITERS = ['\n', '\r\n', '||'];

describe('LineSplitter', function () {
  describe('against the byte model (property)', function () {
    for (const encoding of ENCODINGS) {
      for (const delimiter of DELIMITERS) {
        it(`${encoding}, delimiter ${JSON.stringify(delimiter)}: any chunking gives the model's lines, ends and offsets`, function () {
          fc.assert(
            fc.property(streamArb(encoding), sizesArb, optionsArb(encoding, delimiter), (bytes, sizes, opts) => {
              runAgainstModel(bytes, sizes, opts);
            }),
            { numRuns: 800 },
          );
        });
      }
    }

    it('lines do not depend on the chunking (two chunkings of the same stream agree)', function () {
      const arb = fc
        .tuple(fc.constantFrom(...ENCODINGS), fc.constantFrom(...DELIMITERS))
        .chain(([encoding, delimiter]) =>
          fc.tuple(streamArb(encoding), sizesArb, sizesArb, optionsArb(encoding, delimiter)),
        );
      fc.assert(
        fc.property(arb, ([bytes, sizesA, sizesB, opts]) => {
          const collect = (sizes) => {
            const s = new LineSplitter(opts);
            const lines = [];
            const ends = [];
            let pos = 0;
            let i = 0;
            while (pos < bytes.length) {
              const n = Math.min(sizes[i++ % sizes.length], bytes.length - pos);
              const r = s.push(bytes.subarray(pos, pos + n));
              lines.push(...r.lines);
              if (r.lineEnds) ends.push(...r.lineEnds);
              pos += n;
            }
            const r = s.flushPartial();
            lines.push(...r.lines);
            if (r.lineEnds) ends.push(...r.lineEnds);
            return { lines, ends };
          };
          collect(sizesA).should.deepEqual(collect(sizesB));
        }),
        { numRuns: 300 },
      );
    });
  });

  describe('examples', function () {
    const base = { encoding: 'utf8', delimiter: '\n', maxLineBytes: 0, longLines: 'cut', trackLineEnds: true };

    it('holds a partial line until its delimiter arrives', function () {
      const s = new LineSplitter(base);
      let r = s.push(Buffer.from('one\ntw'));
      r.lines.should.deepEqual(['one']);
      r.lineEnds.should.deepEqual([4]);
      r.end.should.equal(4);
      s.inLine.should.be.true();
      r = s.push(Buffer.from('o'));
      r.lines.should.deepEqual([]);
      r.end.should.equal(4);
      r = s.push(Buffer.from('\r\nthree\n'));
      r.lines.should.deepEqual(['two', 'three']);
      r.lineEnds.should.deepEqual([9, 15]);
      r.start.should.equal(4);
      r.end.should.equal(15);
      s.inLine.should.be.false();
    });

    it('flushPartial emits the line in progress and consumes to the position', function () {
      const s = new LineSplitter({ ...base, startOffset: 10 });
      s.push(Buffer.from('abc\nde'));
      const r = s.flushPartial();
      r.lines.should.deepEqual(['de']);
      r.lineEnds.should.deepEqual([16]);
      r.start.should.equal(14);
      r.end.should.equal(16);
      s.flushPartial().lines.should.deepEqual([]);
    });

    it('a "||" delimiter split over chunks, and a run of "|" that overlaps itself', function () {
      const s = new LineSplitter({ ...base, delimiter: '||' });
      const lines = [];
      for (const part of ['a|', '|b', '|||', '|c', '|', '||||d||']) lines.push(...s.push(Buffer.from(part)).lines);
      // "a||b||||c|||||d||" split left to right on "||": a, b, "", c, "", "|d"
      lines.should.deepEqual(['a', 'b', '', 'c', '', '|d']);
      const t = new LineSplitter({ ...base, delimiter: '||' });
      t.push(Buffer.from('x|||')).lines.should.deepEqual(['x']);
      t.consumed.should.equal(3);
      t.push(Buffer.from('y||')).lines.should.deepEqual(['|y']);
    });

    it('utf16le: strips a CR code unit before "\\n", and keeps U+0D00 whole, on every path', function () {
      for (const trackLineEnds of [false, true]) {
        const opts = { ...base, encoding: 'utf16le', trackLineEnds };
        const bytes = Buffer.from('a\r\n\u0d00\nb\r\n', 'utf16le');
        // whole, and byte by byte (lines completed from held bytes)
        const whole = new LineSplitter(opts).push(bytes).lines;
        whole.should.deepEqual(['a', '\u0d00', 'b']);
        const s = new LineSplitter(opts);
        const lines = [];
        for (let i = 0; i < bytes.length; i++) lines.push(...s.push(bytes.subarray(i, i + 1)).lines);
        lines.should.deepEqual(['a', '\u0d00', 'b']);
      }
    });

    it('utf16le: a "\\n" byte pair off the code-unit boundary is not a delimiter', function () {
      const s = new LineSplitter({ ...base, encoding: 'utf16le' });
      const bytes = Buffer.from('\u0a00\u0000x\n', 'utf16le'); // 00 0a 00 00 78 00 0a 00
      const r = s.push(bytes);
      r.lines.should.deepEqual(['\u0a00\u0000x']);
      r.end.should.equal(8);
    });

    it('turns invalid UTF-8 into U+FFFD without throwing, also when split mid-sequence', function () {
      const bytes = Buffer.concat([Buffer.from('ok '), Buffer.from([0xff, 0xc3]), Buffer.from('\n€\n'), Buffer.from([0xe2, 0x82])]);
      const s = new LineSplitter(base);
      const lines = [];
      for (let i = 0; i < bytes.length; i++) lines.push(...s.push(bytes.subarray(i, i + 1)).lines);
      lines.push(...s.flushPartial().lines);
      lines.should.deepEqual(['ok \ufffd\ufffd', '€', '\ufffd']);
    });

    it('reset(offset) forgets the line in progress and continues from the new offset', function () {
      const s = new LineSplitter({ ...base, maxLineBytes: 4, longLines: 'skip' });
      s.push(Buffer.from('ok\nhalf a line that is long'));
      s.inLine.should.be.true();
      s.reset(500);
      s.inLine.should.be.false();
      s.position.should.equal(500);
      s.consumed.should.equal(500);
      const r = s.push(Buffer.from('new\nmore'));
      r.lines.should.deepEqual(['new']);
      r.lineEnds.should.deepEqual([504]);
      r.start.should.equal(500);
      r.end.should.equal(504);
      s.flushPartial().lines.should.deepEqual(['more']);
    });

    it('rejects an empty delimiter', function () {
      (() => new LineSplitter({ ...base, delimiter: '' })).should.throw(/delimiter/);
    });
  });

  describe('long lines', function () {
    const KiB = 1024;
    const MiB = 1024 * KiB;

    for (const policy of ['cut', 'skip']) {
      it(`a 50 MB line pushed in 64 KiB chunks with a 1 MiB limit is ${policy === 'cut' ? 'cut to 1 MiB' : 'skipped'}; memory stays bounded; the next line is intact`, function () {
        this.timeout(20000);
        const s = new LineSplitter({ encoding: 'utf8', delimiter: '\n', maxLineBytes: MiB, longLines: policy, trackLineEnds: false });
        const chunk = Buffer.alloc(64 * KiB);
        const total = 50 * MiB;
        let lines = s.push(Buffer.from('before\n')).lines;
        lines.should.deepEqual(['before']);
        let maxHeld = 0;
        for (let sent = 0; sent < total; sent += chunk.length) {
          // Each chunk's bytes tell where they lie, so a cut shows which bytes were kept.
          chunk.fill(String.fromCharCode(97 + ((sent / chunk.length) % 26)));
          const r = s.push(chunk);
          r.lines.should.deepEqual([]);
          r.end.should.equal(7); // nothing of the long line is consumed before its delimiter
          maxHeld = Math.max(maxHeld, s.heldBytes);
        }
        maxHeld.should.be.belowOrEqual(MiB);
        const r = s.push(Buffer.from('\nafter\n'));
        r.end.should.equal(7 + total + 7);
        lines = r.lines;
        if (policy === 'cut') {
          lines.length.should.equal(2);
          lines[0].length.should.equal(MiB);
          // the first 16 chunks: a..p, 64 KiB each
          for (let i = 0; i < 16; i++) lines[0].charCodeAt(i * 64 * KiB).should.equal(97 + i);
          lines[0].charCodeAt(MiB - 1).should.equal(97 + 15);
          lines[1].should.equal('after');
        } else {
          lines.should.deepEqual(['after']);
        }
        const events = s.takeEvents();
        events.should.deepEqual([{ kind: 'long-line', offset: 7, bytes: MiB, action: policy }]);
        s.heldBytes.should.equal(0);
      });
    }

    it('a long line inside one chunk is cut to exactly its first maxLineBytes bytes; neighbours unaffected', function () {
      for (const trackLineEnds of [false, true]) {
        const s = new LineSplitter({ encoding: 'utf8', delimiter: '\n', maxLineBytes: 5, longLines: 'cut', trackLineEnds });
        const r = s.push(Buffer.from('abc\n0123456789\nxyz\n€€\n'));
        // "€€" is 6 bytes: cut inside the second € leaves a replacement char
        r.lines.should.deepEqual(['abc', '01234', 'xyz', '€\ufffd']);
        if (trackLineEnds) r.lineEnds.should.deepEqual([4, 15, 19, 26]);
        s.takeEvents().should.deepEqual([
          { kind: 'long-line', offset: 4, bytes: 5, action: 'cut' },
          { kind: 'long-line', offset: 19, bytes: 5, action: 'cut' },
        ]);
      }
    });

    it('a long line inside one chunk is absent with "skip"', function () {
      const s = new LineSplitter({ encoding: 'utf8', delimiter: '\n', maxLineBytes: 5, longLines: 'skip', trackLineEnds: true });
      const r = s.push(Buffer.from('abc\n0123456789\nxyz\n'));
      r.lines.should.deepEqual(['abc', 'xyz']);
      r.lineEnds.should.deepEqual([4, 19]);
      r.end.should.equal(19);
      s.takeEvents().should.deepEqual([{ kind: 'long-line', offset: 4, bytes: 5, action: 'skip' }]);
    });

    it('a line of exactly maxLineBytes is kept whole, whatever the chunking', function () {
      const b = Buffer.from('12345\r\n');
      for (let cut = 0; cut <= b.length; cut++) {
        // with "\r\n" the line is the 5 bytes before it
        const s = new LineSplitter({ encoding: 'utf8', delimiter: '\r\n', maxLineBytes: 5, longLines: 'skip', trackLineEnds: false });
        const lines = [...s.push(b.subarray(0, cut)).lines, ...s.push(b.subarray(cut)).lines];
        lines.should.deepEqual(['12345']);
        s.takeEvents().should.deepEqual([]);
      }
    });
  });

  describe('NUL regions', function () {
    const MB = 1000 * 1000;
    for (const encoding of ENCODINGS) {
      for (const withNewlines of [false, true]) {
        it(`${encoding}: 1 MB of zero bytes ${withNewlines ? 'with' : 'without'} newlines gives no lines, a nul-skipped event, and the next line intact`, function () {
          const s = new LineSplitter({ encoding, delimiter: '\n', maxLineBytes: 64 * 1024, longLines: 'cut', trackLineEnds: false });
          const nl = Buffer.from('\n', encoding);
          const zeros = Buffer.alloc(MB);
          if (withNewlines) for (let i = 1000; i < MB; i += 1000) nl.copy(zeros, i);
          const before = Buffer.from('real line\n', encoding);
          const after = Buffer.from('next line\n', encoding);
          const stream = Buffer.concat([before, zeros, after]);
          const lines = [];
          // 64 KiB chunks plus an odd one, so runs straddle chunk boundaries
          for (let pos = 0, i = 0; pos < stream.length; i++) {
            const n = i % 3 === 2 ? 4097 : 65536;
            const r = s.push(stream.subarray(pos, pos + n));
            lines.push(...r.lines);
            pos += n;
          }
          lines.push(...s.flushPartial().lines);
          lines.should.deepEqual(['real line', 'next line']);
          const events = s.takeEvents();
          events.length.should.be.above(0);
          for (const e of events) e.kind.should.equal('nul-skipped');
          s.consumed.should.equal(stream.length);
        });
      }
    }

    it('a line of only NULs gives no line however it is chunked (no empty garbage line)', function () {
      for (const delimiter of DELIMITERS) {
        for (const maxLineBytes of [0, 1]) {
          const bytes = Buffer.concat([Buffer.from('a'), Buffer.from(delimiter), Buffer.alloc(3), Buffer.from(delimiter), Buffer.from('b'), Buffer.from(delimiter)]);
          for (let cut = 0; cut <= bytes.length; cut++) {
            const s = new LineSplitter({ encoding: 'utf8', delimiter, maxLineBytes, longLines: 'cut', trackLineEnds: false });
            const lines = [...s.push(bytes.subarray(0, cut)).lines, ...s.push(bytes.subarray(cut)).lines, ...s.flushPartial().lines];
            lines.should.deepEqual(['a', 'b'], `delimiter ${JSON.stringify(delimiter)}, limit ${maxLineBytes}, cut at ${cut}`);
          }
        }
      }
    });

    it('reports where a NUL run starts and how long it is', function () {
      const s = new LineSplitter({ encoding: 'utf8', delimiter: '\n', maxLineBytes: 0, longLines: 'cut', trackLineEnds: true });
      const r = s.push(Buffer.concat([Buffer.from('a\n'), Buffer.alloc(5), Buffer.from('b\n')]));
      r.lines.should.deepEqual(['a', 'b']);
      r.lineEnds.should.deepEqual([2, 9]);
      s.takeEvents().should.deepEqual([{ kind: 'nul-skipped', offset: 2, bytes: 5 }]);
    });
  });
});
