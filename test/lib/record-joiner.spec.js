'use strict';
// RecordJoiner: lines with their offsets in, whole records with theirs out,
// and the offset consumed only ever at a record boundary.
const should = require('should');
const fc = require('fast-check');
const { RecordJoiner } = require('../../dist/lib/record-joiner');
const { recordRule } = require('../../dist/lib/multiline-rules');

const indented = recordRule('indented');

/** Lines laid out one after the other from `from`, each with its delimiter: their ends. */
function endsOf(lines, from = 0) {
  const ends = [];
  let offset = from;
  for (const line of lines) ends.push((offset += Buffer.byteLength(line) + 1));
  return ends;
}

/** Pushes `lines` as one chunk laid out from `from`. */
function pushAt(joiner, lines, from, end) {
  const ends = endsOf(lines, from);
  return joiner.push(lines, ends, from, end ?? (ends.length > 0 ? ends[ends.length - 1] : from));
}

describe('record-joiner', function () {
  describe('RecordJoiner', function () {
    it('holds the record in progress: consumed stops at its start', function () {
      const joiner = new RecordJoiner(indented, 500, 100);
      joiner.consumed.should.equal(100);
      joiner.holding.should.be.false();
      // a (102) / " b" (105) / c (107) / " d" (110)
      const result = pushAt(joiner, ['a', ' b', 'c', ' d'], 100);
      result.should.eql({ records: ['a\n b'], recordEnds: [105], start: 100, end: 105 });
      joiner.holding.should.be.true();
      joiner.consumed.should.equal(105);
      joiner.flush().should.eql({ records: ['c\n d'], recordEnds: [110], start: 105, end: 110 });
      joiner.holding.should.be.false();
      joiner.consumed.should.equal(110);
    });

    it('gives a one-line record as the line itself', function () {
      const joiner = new RecordJoiner(indented, 500, 0);
      const line = 'x'.repeat(100);
      const result = pushAt(joiner, [line, 'y'], 0);
      result.records.should.eql([line]);
      result.records[0].should.equal(line);
      result.recordEnds.should.eql([101]);
    });

    it('continues a record across pushes, and gives its start when it completes', function () {
      const joiner = new RecordJoiner(indented, 500, 0);
      pushAt(joiner, ['head'], 0).should.eql({ records: [], recordEnds: [], start: 0, end: 0 });
      pushAt(joiner, ['  one', '  two'], 5).should.eql({ records: [], recordEnds: [], start: 0, end: 0 });
      pushAt(joiner, ['next', '  three'], 17).should.eql({ records: ['head\n  one\n  two'], recordEnds: [17], start: 0, end: 17 });
      joiner.flush().should.eql({ records: ['next\n  three'], recordEnds: [30], start: 17, end: 30 });
    });

    it('starts a record with the first line whatever the rule says', function () {
      const joiner = new RecordJoiner(indented, 500, 0);
      pushAt(joiner, ['  indented first', '  more'], 0);
      joiner.flush().records.should.eql(['  indented first\n  more']);
    });

    it('consumes skipped bytes past the last line when no record is held', function () {
      const joiner = new RecordJoiner(recordRule('custom', '^S'), 500, 0);
      // S1 (3) then skipped bytes up to 40: the record S1 is held, consumed stays at 0.
      pushAt(joiner, ['S1'], 0, 40).end.should.equal(0);
      // The next line starts after the skipped bytes.
      const next = joiner.push(['S2'], [43], 40, 60);
      next.should.eql({ records: ['S1'], recordEnds: [3], start: 0, end: 40 });
      joiner.flush().should.eql({ records: ['S2'], recordEnds: [43], start: 40, end: 60 });
      joiner.consumed.should.equal(60);
      joiner.push([], [], 60, 70).should.eql({ records: [], recordEnds: [], start: 70, end: 70 });
      joiner.consumed.should.equal(70);
    });

    it('takes a line after skipped bytes into the held record from the end of its previous line', function () {
      const joiner = new RecordJoiner(indented, 500, 0);
      // "a" ends at 2; bytes 2-9 were skipped inside the chunk; " b" is read at 10-13.
      joiner.push(['a', ' b', 'c'], [2, 13, 15], 0, 15).should.eql({ records: ['a\n b'], recordEnds: [13], start: 0, end: 13 });
    });

    it('shows the rule the record so far, with state reset for each record', function () {
      const seen = [];
      const rule = {
        continues(line, record) {
          seen.push({ line, lineCount: record.lineCount, firstLine: record.firstLine, lastLine: record.lastLine, state: record.state });
          record.state++;
          return line.startsWith(' ');
        },
      };
      const joiner = new RecordJoiner(rule, 500, 0);
      pushAt(joiner, ['a', ' b', ' c', 'd', ' e'], 0);
      seen.should.eql([
        { line: ' b', lineCount: 1, firstLine: 'a', lastLine: 'a', state: 0 },
        { line: ' c', lineCount: 2, firstLine: 'a', lastLine: ' b', state: 1 },
        { line: 'd', lineCount: 3, firstLine: 'a', lastLine: ' c', state: 2 },
        { line: ' e', lineCount: 1, firstLine: 'd', lastLine: 'd', state: 0 },
      ]);
    });

    it('after a flush, a continuation line starts a new record', function () {
      const joiner = new RecordJoiner(indented, 500, 0);
      pushAt(joiner, ['a', ' b'], 0);
      joiner.flush().records.should.eql(['a\n b']);
      pushAt(joiner, [' c', ' d', 'e'], 5).should.eql({ records: [' c\n d'], recordEnds: [11], start: 5, end: 11 });
    });

    it('flushes nothing when nothing is held', function () {
      const joiner = new RecordJoiner(indented, 500, 7);
      joiner.flush().should.eql({ records: [], recordEnds: [], start: 7, end: 7 });
      pushAt(joiner, ['a'], 7);
      joiner.flush();
      joiner.flush().should.eql({ records: [], recordEnds: [], start: 9, end: 9 });
    });

    describe('maxLines', function () {
      it('gives out a record that reaches maxLines at once, and drops its further lines', function () {
        const joiner = new RecordJoiner(indented, 3, 0);
        // a(2) " 1"(5) " 2"(8) " 3"(11) " 4"(14) b(16)
        const result = pushAt(joiner, ['a', ' 1', ' 2'], 0);
        result.should.eql({ records: ['a\n 1\n 2'], recordEnds: [8], start: 0, end: 8 });
        joiner.holding.should.be.false();
        joiner.takeEvents().should.eql([]);
        // The dropped lines are consumed.
        pushAt(joiner, [' 3', ' 4'], 8).should.eql({ records: [], recordEnds: [], start: 14, end: 14 });
        joiner.takeEvents().should.eql([{ kind: 'long-record', offset: 0, lines: 3 }]);
        joiner.takeEvents().should.eql([]);
        pushAt(joiner, ['b', ' 5'], 14).should.eql({ records: [], recordEnds: [], start: 14, end: 14 });
        joiner.flush().records.should.eql(['b\n 5']);
        joiner.takeEvents().should.eql([]);
      });

      it('reports a record of exactly maxLines lines as no cut', function () {
        const joiner = new RecordJoiner(indented, 2, 0);
        pushAt(joiner, ['a', ' 1', 'b', ' 1', 'c'], 0).records.should.eql(['a\n 1', 'b\n 1']);
        joiner.takeEvents().should.eql([]);
      });

      it('with maxLines 1, gives out every first line and drops the rest', function () {
        const joiner = new RecordJoiner(indented, 1, 0);
        // a(2) " x"(5) b(7) " y"(10) " z"(13)
        pushAt(joiner, ['a', ' x', 'b', ' y', ' z'], 0).should.eql({ records: ['a', 'b'], recordEnds: [2, 7], start: 0, end: 13 });
        joiner.takeEvents().should.eql([
          { kind: 'long-record', offset: 0, lines: 1 },
          { kind: 'long-record', offset: 5, lines: 1 },
        ]);
      });

      it('lets the rule follow a cut record (its state) while its lines are dropped', function () {
        const joiner = new RecordJoiner(recordRule('python'), 3, 0);
        const lines = ['ERROR x', 'Traceback (most recent call last):', '  File "a.py", line 1, in f', '    f()', 'ValueError: boom', 'INFO next'];
        pushAt(joiner, lines, 0).records.should.eql([lines.slice(0, 3).join('\n')]);
        joiner.flush().records.should.eql(['INFO next']);
        joiner.takeEvents().should.eql([{ kind: 'long-record', offset: 0, lines: 3 }]);
      });

      it('ends the dropping at a flush: the next continuation line starts a record', function () {
        const joiner = new RecordJoiner(indented, 2, 0);
        pushAt(joiner, ['a', ' 1', ' 2'], 0);
        joiner.flush().should.eql({ records: [], recordEnds: [], start: 8, end: 8 });
        pushAt(joiner, [' 3'], 8);
        joiner.flush().records.should.eql([' 3']);
      });

      it('refuses a limit that is not a whole number of at least 1', function () {
        for (const bad of [0, -1, 1.5, NaN, Infinity, '5']) {
          should.throws(() => new RecordJoiner(indented, bad, 0), /multilineMaxLines must be a whole number of at least 1/);
        }
      });
    });

    it('reset forgets the held record and continues from the offset', function () {
      const joiner = new RecordJoiner(indented, 500, 0);
      pushAt(joiner, ['a', ' b'], 0);
      joiner.reset(0);
      joiner.holding.should.be.false();
      joiner.consumed.should.equal(0);
      pushAt(joiner, ['c', ' d', 'e'], 0).should.eql({ records: ['c\n d'], recordEnds: [5], start: 0, end: 5 });
      joiner.reset(1000);
      joiner.consumed.should.equal(1000);
      joiner.flush().should.eql({ records: [], recordEnds: [], start: 1000, end: 1000 });
    });

    it('reset ends a cut record too', function () {
      const joiner = new RecordJoiner(indented, 1, 0);
      pushAt(joiner, ['a'], 0);
      joiner.reset(2);
      pushAt(joiner, [' x'], 2).records.should.eql([' x']);
      joiner.takeEvents().should.eql([]);
    });
  });

  describe('against a model (property)', function () {
    const text = fc.string({ unit: 'grapheme', maxLength: 12 }).map((s) => s.replace(/[\r\n]/g, '.'));
    /** [start line, continuation line] makers per rule. */
    const shapes = {
      indented: { rule: () => indented, start: (t) => `S${t}`, more: (t, i) => (i % 2 === 0 ? ' ' : '\t') + t },
      custom: { rule: () => recordRule('custom', '^>>'), start: (t) => `>>${t}`, more: (t) => `.${t}` },
    };
    const recordsArb = fc.array(
      fc.record({
        length: fc.oneof({ weight: 4, arbitrary: fc.integer({ min: 1, max: 5 }) }, { weight: 1, arbitrary: fc.integer({ min: 1, max: 600 }) }),
        text,
      }),
      { minLength: 1, maxLength: 10 },
    );
    const scenarioArb = fc.record({
      shape: fc.constantFrom('indented', 'custom'),
      records: recordsArb,
      maxLines: fc.oneof(fc.constant(500), fc.integer({ min: 1, max: 8 }), fc.integer({ min: 1, max: 650 })),
      // Lines per push, used in turn (0: a push of no lines).
      sizes: fc.array(fc.oneof({ weight: 5, arbitrary: fc.integer({ min: 1, max: 40 }) }, { weight: 1, arbitrary: fc.constantFrom(0, 700) }), { minLength: 1, maxLength: 12 }),
      // Bytes skipped before a line (NUL runs, skipped long lines), used in turn.
      gaps: fc.array(fc.oneof({ weight: 6, arbitrary: fc.constant(0) }, { weight: 1, arbitrary: fc.integer({ min: 1, max: 9 }) }), { minLength: 1, maxLength: 7 }),
      // Whether a push takes the skipped bytes after its last line; whether a flush follows it.
      takesGap: fc.array(fc.boolean(), { minLength: 1, maxLength: 5 }),
      flushes: fc.array(fc.integer({ min: 0, max: 5 }), { minLength: 1, maxLength: 9 }),
      startOffset: fc.constantFrom(0, 7, 1_000_000),
    });

    /** The lines of the file: text, record, file offsets of first byte and after delimiter. */
    function layOut(scenario) {
      const { start, more } = shapes[scenario.shape];
      const lines = [];
      let offset = scenario.startOffset;
      scenario.records.forEach((record, r) => {
        for (let i = 0; i < record.length; i++) {
          const line = i === 0 ? start(record.text) : more(`${record.text}${i}`, i);
          offset += scenario.gaps[lines.length % scenario.gaps.length];
          const first = offset;
          offset += Buffer.byteLength(line) + 1;
          lines.push({ line, record: r, first, end: offset });
        }
      });
      return lines;
    }

    /** The last piece that starts before `offset` (pieces lie in file order), or undefined. */
    function lastPieceBefore(pieces, offset) {
      let low = 0;
      let high = pieces.length;
      while (low < high) {
        const mid = (low + high) >> 1;
        if (pieces[mid].start < offset) low = mid + 1;
        else high = mid;
      }
      return low > 0 ? pieces[low - 1] : undefined;
    }

    function check(scenario) {
      const lines = layOut(scenario);
      const { maxLines } = scenario;
      const joiner = new RecordJoiner(shapes[scenario.shape].rule(), maxLines, scenario.startOffset);

      // Push the lines in chunks, flushing now and then; note what the model needs.
      const results = [];
      /** Line indexes that begin a chunk, and those after which a flush came. */
      const chunkFirst = new Set();
      const flushedAfter = new Set();
      /** After each push: the index after its last line, and the joiner's consumed, holding and end. */
      const pushes = [];
      let next = 0;
      let position = scenario.startOffset;
      let lastWasEmpty = false;
      /** A flush came after the last line pushed: nothing can be held. */
      let flushedSinceLine = false;
      for (let turn = 0; next < lines.length || turn === 0; turn++) {
        let size = Math.min(scenario.sizes[turn % scenario.sizes.length], lines.length - next);
        // No two empty pushes in a row: the sizes may be all zeros.
        if (size === 0 && lastWasEmpty) size = 1;
        lastWasEmpty = size === 0;
        const chunk = lines.slice(next, next + size);
        let end = size > 0 ? chunk[size - 1].end : position;
        if (next + size < lines.length && scenario.takesGap[turn % scenario.takesGap.length]) end = lines[next + size].first;
        if (size > 0) {
          chunkFirst.add(next);
          flushedSinceLine = false;
        }
        const result = joiner.push(
          chunk.map((l) => l.line),
          chunk.map((l) => l.end),
          size > 0 ? chunk[0].first : end,
          end,
        );
        next += size;
        position = end;
        results.push(result);
        pushes.push({ upTo: next, flushedSinceLine, end, consumed: joiner.consumed, holding: joiner.holding, resultEnd: result.end });
        if (scenario.flushes[turn % scenario.flushes.length] === 0) {
          flushedAfter.add(next);
          flushedSinceLine = true;
          results.push(joiner.flush());
          pushes[pushes.length - 1].flushed = { consumed: joiner.consumed, holding: joiner.holding };
        }
      }
      results.push(joiner.flush());

      // The model: records cut where a flush came between their lines, then kept up to maxLines lines.
      const pieces = [];
      lines.forEach((l, i) => {
        if (i === 0 || l.record !== lines[i - 1].record || flushedAfter.has(i)) pieces.push({ from: i, length: 0 });
        pieces[pieces.length - 1].length++;
      });
      const pieceOf = new Array(lines.length);
      for (const piece of pieces) {
        for (let i = piece.from; i < piece.from + piece.length; i++) pieceOf[i] = piece;
        // Where the joiner sees it start: its first line's first byte at the start of a chunk, else the previous line's end.
        piece.start = chunkFirst.has(piece.from) ? lines[piece.from].first : lines[piece.from - 1].end;
        piece.kept = Math.min(piece.length, maxLines);
        piece.text = lines
          .slice(piece.from, piece.from + piece.kept)
          .map((l) => l.line)
          .join('\n');
        piece.end = lines[piece.from + piece.kept - 1].end;
      }

      // Whole records, in order, once, each ending after its last kept line.
      const records = results.flatMap((r) => r.records);
      const recordEnds = results.flatMap((r) => r.recordEnds);
      records.should.eql(pieces.map((p) => p.text));
      recordEnds.should.eql(pieces.map((p) => p.end));

      // Each result starts at its first record's start (or at its end when it has none).
      let given = 0;
      for (const result of results) {
        result.records.length.should.equal(result.recordEnds.length);
        if (result.records.length === 0) result.start.should.equal(result.end);
        else result.start.should.equal(pieces[given].start);
        given += result.records.length;
      }

      // After each push, consumed is a record boundary: the held record's start, else all that was pushed.
      for (const push of pushes) {
        push.resultEnd.should.equal(push.consumed);
        const last = push.upTo - 1;
        const piece = last >= 0 ? pieceOf[last] : undefined;
        const held = piece !== undefined && !push.flushedSinceLine && last - piece.from + 1 < maxLines;
        push.holding.should.equal(held);
        push.consumed.should.equal(held ? piece.start : push.end);
        const before = lastPieceBefore(pieces, push.consumed);
        if (before) (push.consumed >= before.end).should.be.true('consumed inside a record');
        if (push.flushed) push.flushed.should.eql({ consumed: push.end, holding: false });
      }
      joiner.consumed.should.equal(position);

      // One event per record cut, where it starts.
      joiner.takeEvents().should.eql(pieces.filter((p) => p.length > maxLines).map((p) => ({ kind: 'long-record', offset: p.start, lines: maxLines })));
    }

    it('gives every record whole, in order, once, and consumes only to record boundaries', function () {
      fc.assert(fc.property(scenarioArb, check), { numRuns: 300 });
    });

    it('cuts records longer than maxLines, with one event each', function () {
      fc.assert(
        fc.property(
          scenarioArb.filter((s) => s.records.some((r) => r.length > s.maxLines)),
          check,
        ),
        { numRuns: 100 },
      );
    });
  });
});
