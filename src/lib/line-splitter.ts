/**
 * Turns the bytes of a file, read chunk by chunk, into whole lines.
 *
 * Only lines whose delimiter has been read come out of `push`; the bytes of
 * the line in progress wait for the next chunk (or for `flushPartial`, when
 * the file has been idle). Those held bytes are bounded by `maxLineBytes`, so
 * a line of 50 MB never sits in memory whole: past the bound it is cut (its
 * first `maxLineBytes` bytes kept) or skipped, up to its delimiter.
 *
 * Speed matters here: the lines that lie wholly inside a chunk are decoded in
 * one call and split as a string. Per-line buffer work happens only when per
 * line offsets are asked for, or for lines that need repair (NUL runs, lines
 * over the limit).
 */
import { codeUnitBytes, type LineEncoding, type LineSplitterOptions, type LongLinePolicy, overlapsItself, type SplitterEvent } from './line-format';
import { startsWithNul, stripCarriageReturns } from './line-text';
import { HeldBytes } from './held-bytes';

export type { LineEncoding, LineSplitterOptions, LongLinePolicy, SplitterEvent } from './line-format';

export interface SplitResult {
  lines: string[];
  /** File offset just after each line's delimiter; only with trackLineEnds. */
  lineEnds: number[] | undefined;
  /** File offset of the first byte of the first line (or `end` when none). */
  start: number;
  /** File offset up to which bytes are now consumed (made lines or dropped). */
  end: number;
}

// Local, not imported: an imported constant is a property load in the byte loops below.
const NUL = 0;
const CR = 13;
const EMPTY = Buffer.alloc(0);
/** Largest piece decoded to one string (V8's large-object threshold is 128 KiB). */
const DECODE_PIECE_BYTES = 64 * 1024;

export class LineSplitter {
  private readonly encoding: LineEncoding;
  private readonly delimiter: string;
  private readonly delimiterBytes: Buffer;
  /** The delimiter's byte when it is one byte long (a new line), else -1: searched for as a number, which is faster. */
  private readonly delimiterByte: number;
  /** Bytes per code unit: lines and delimiters start on multiples of it. */
  private readonly unit: number;
  private readonly stripCr: boolean;
  private readonly maxLineBytes: number;
  private readonly longLines: LongLinePolicy;
  private readonly trackLineEnds: boolean;
  /**
   * The delimiter can overlap itself ("||" in "|||"): the last match found
   * from the end is then not always one the left-to-right split makes.
   */
  private readonly selfOverlapping: boolean;

  /** File offset of the next byte to be pushed. */
  private next: number;
  /** File offset where the line in progress starts. */
  private lineStart: number;
  /** Held bytes of the line in progress, up to maxLineBytes. */
  private readonly held = new HeldBytes();
  /**
   * The last delimiter-length-minus-one bytes of the line in progress, kept
   * apart so that a delimiter split across two chunks is still found.
   */
  private carry: Buffer = EMPTY;
  /** The line in progress went over maxLineBytes; its excess is dropped. */
  private overLimit = false;
  /** NULs were skipped where the line in progress starts: if it ends empty, it is no line. */
  private nulSkipped = false;
  private events: SplitterEvent[] = [];

  constructor(options: LineSplitterOptions) {
    this.encoding = options.encoding;
    this.delimiter = options.delimiter;
    this.delimiterBytes = Buffer.from(options.delimiter, options.encoding);
    if (this.delimiterBytes.length === 0) throw new Error('The line delimiter must not be empty');
    this.delimiterByte = this.delimiterBytes.length === 1 ? this.delimiterBytes[0] : -1;
    this.unit = codeUnitBytes(options.encoding);
    this.stripCr = options.delimiter === '\n';
    this.maxLineBytes = options.maxLineBytes > 0 ? options.maxLineBytes : Infinity;
    this.longLines = options.longLines;
    this.trackLineEnds = options.trackLineEnds;
    this.selfOverlapping = overlapsItself(this.delimiterBytes);
    this.next = options.startOffset ?? 0;
    this.lineStart = this.next;
  }

  /** File offset of the next byte `push` expects. */
  get position(): number {
    return this.next;
  }

  /** Offset up to which every byte has been made into a line or dropped. */
  get consumed(): number {
    return this.inLine ? this.lineStart : this.next;
  }

  /** Bytes held of the line in progress: never above maxLineBytes. */
  get heldBytes(): number {
    return this.held.length;
  }

  /** True while a line has begun but its delimiter has not been read. */
  get inLine(): boolean {
    return this.held.length > 0 || this.carry.length > 0 || this.overLimit;
  }

  /** Returns and forgets what happened to bad input since the last call. */
  takeEvents(): SplitterEvent[] {
    const events = this.events;
    if (events.length > 0) this.events = [];
    return events;
  }

  /** Forgets the line in progress and continues from `offset`. */
  reset(offset: number): void {
    this.held.clear();
    this.carry = EMPTY;
    this.overLimit = false;
    this.nulSkipped = false;
    this.next = offset;
    this.lineStart = offset;
  }

  /** Takes the next bytes of the file; returns the lines they complete. */
  push(chunk: Buffer): SplitResult {
    const buf = this.carry.length > 0 ? Buffer.concat([this.carry, chunk]) : chunk;
    const bufStart = this.next - this.carry.length;
    this.carry = EMPTY;
    this.next += chunk.length;

    let lines: string[] = [];
    const lineEnds: number[] | undefined = this.trackLineEnds ? [] : undefined;
    let start = -1;
    let pos = 0;

    if (this.held.length > 0 || this.overLimit || this.nulSkipped) {
      const first = this.findDelimiter(buf, bufStart, 0);
      if (first < 0) {
        // Only NULs so far: keep skipping them rather than holding them.
        if (this.held.length === 0 && !this.overLimit) this.beginLine(buf, bufStart);
        else this.extendLine(buf);
        return this.result(lines, lineEnds, this.lineStart);
      }
      start = this.lineStart;
      this.finishLine(buf.subarray(0, first), bufStart + first + this.delimiterBytes.length, lines, lineEnds);
      pos = first + this.delimiterBytes.length;
    }

    const last = this.findLastDelimiter(buf, bufStart, pos);
    if (last >= pos) {
      const regionEnd = last + this.delimiterBytes.length;
      if (start < 0) start = bufStart + pos;
      lines = this.splitRegion(buf.subarray(pos, regionEnd), bufStart + pos, lines, lineEnds);
      pos = regionEnd;
    }

    this.beginLine(buf.subarray(pos), bufStart + pos);
    return this.result(lines, lineEnds, start < 0 ? this.consumed : start);
  }

  /** Emits the line in progress although its delimiter is missing (idle file). */
  flushPartial(): SplitResult {
    const lines: string[] = [];
    const lineEnds: number[] | undefined = this.trackLineEnds ? [] : undefined;
    if (!this.inLine) {
      this.nulSkipped = false;
      return this.result(lines, lineEnds, this.next);
    }
    const start = this.lineStart;
    const tail = this.carry;
    this.carry = EMPTY;
    this.finishLine(tail, this.next, lines, lineEnds);
    return this.result(lines, lineEnds, start);
  }

  private result(lines: string[], lineEnds: number[] | undefined, start: number): SplitResult {
    return { lines, lineEnds, start, end: this.consumed };
  }

  /** First delimiter at or after `from` that starts on a code-unit boundary. */
  private findDelimiter(buf: Buffer, bufStart: number, from: number): number {
    let at = this.delimiterByte >= 0 ? buf.indexOf(this.delimiterByte, from) : buf.indexOf(this.delimiterBytes, from);
    while (this.unit > 1 && at >= 0 && (bufStart + at) % this.unit !== 0) {
      at = buf.indexOf(this.delimiterBytes, at + 1);
    }
    return at;
  }

  /** Last delimiter at or after `from` on a code-unit boundary, or -1. */
  private findLastDelimiter(buf: Buffer, bufStart: number, from: number): number {
    if (this.selfOverlapping) {
      // Follow the split from `from` to find where its last delimiter lies.
      let last = -1;
      for (let at = this.findDelimiter(buf, bufStart, from); at >= 0; at = this.findDelimiter(buf, bufStart, at + this.delimiterBytes.length)) {
        last = at;
      }
      return last;
    }
    let at = buf.lastIndexOf(this.delimiterBytes);
    while (this.unit > 1 && at >= from && (bufStart + at) % this.unit !== 0) {
      at = at === 0 ? -1 : buf.lastIndexOf(this.delimiterBytes, at - 1);
    }
    return at >= from ? at : -1;
  }

  /**
   * Splits bytes that end with a delimiter and hold no line in progress;
   * returns `lines` with the new lines added (or the new lines alone).
   */
  private splitRegion(region: Buffer, regionStart: number, lines: string[], lineEnds: number[] | undefined): string[] {
    if (region.length > DECODE_PIECE_BYTES && !this.selfOverlapping) {
      // V8 puts strings over 128 KiB in its large-object space: decoding a
      // 256 KiB region at once is several times slower than in 64 KiB pieces.
      let from = 0;
      while (from < region.length) {
        let to = region.length;
        if (to - from > DECODE_PIECE_BYTES) {
          const cut = this.findLastDelimiter(region.subarray(0, from + DECODE_PIECE_BYTES), regionStart, from);
          to = cut >= from ? cut + this.delimiterBytes.length : this.findDelimiter(region, regionStart, from + DECODE_PIECE_BYTES) + this.delimiterBytes.length;
        }
        lines = this.splitRegionWhole(region.subarray(from, to), regionStart + from, lines, lineEnds);
        from = to;
      }
      return lines;
    }
    return this.splitRegionWhole(region, regionStart, lines, lineEnds);
  }

  private splitRegionWhole(region: Buffer, regionStart: number, lines: string[], lineEnds: number[] | undefined): string[] {
    if (region.length <= this.maxLineBytes) {
      const text = region.toString(this.encoding);
      const parts = text.split(this.delimiter);
      parts.pop(); // the empty string after the final delimiter
      // Line ends, when wanted, from the delimiters' positions in the bytes: no buffer or string per line.
      if (!startsWithNul(parts) && (lineEnds === undefined || this.pushLineEnds(region, regionStart, parts.length, lineEnds))) {
        if (this.stripCr) stripCarriageReturns(parts);
        if (lines.length === 0) return parts;
        for (let i = 0; i < parts.length; i++) lines.push(parts[i]);
        return lines;
      }
    }
    // The careful path: line by line on the bytes, exact offsets.
    const d = this.delimiterBytes.length;
    let from = 0;
    while (from < region.length) {
      const at = this.findDelimiter(region, regionStart, from);
      this.emit(region.subarray(from, at), regionStart + from, regionStart + at + d, lines, lineEnds);
      from = at + d;
    }
    return lines;
  }

  /**
   * Adds the ends of the `count` lines of `region` (bytes that end with a
   * delimiter) to `lineEnds`; false, and nothing added, when its delimiters
   * do not make exactly `count` lines (the careful path decides then).
   */
  private pushLineEnds(region: Buffer, regionStart: number, count: number, lineEnds: number[]): boolean {
    const d = this.delimiterBytes.length;
    const mark = lineEnds.length;
    let from = 0;
    for (let i = 0; i < count; i++) {
      const at = this.findDelimiter(region, regionStart, from);
      if (at < 0) break;
      lineEnds.push(regionStart + at + d);
      from = at + d;
    }
    if (lineEnds.length - mark === count && from === region.length) return true;
    lineEnds.length = mark;
    return false;
  }

  /** Completes the line in progress with its last bytes; `end` is past its delimiter. */
  private finishLine(lastBytes: Buffer, end: number, lines: string[], lineEnds: number[] | undefined): void {
    const start = this.lineStart;
    if (this.overLimit) {
      if (this.longLines === 'cut') this.pushLine(this.held.take(), end, lines, lineEnds);
    } else if (this.held.length === 0) {
      // Nothing held (only NULs skipped so far): emit skips any further
      // leading NULs before it applies the limit, as for a line in one chunk.
      if (!this.nulSkipped || lastBytes.length > 0) this.emit(lastBytes, start, end, lines, lineEnds);
    } else if (this.held.length + lastBytes.length > this.maxLineBytes) {
      this.noteLongLine(start);
      if (this.longLines === 'cut') {
        const room = this.maxLineBytes - this.held.length;
        this.held.add(lastBytes.subarray(0, room));
        this.pushLine(this.held.take(), end, lines, lineEnds);
      }
    } else {
      this.held.add(lastBytes);
      this.emit(this.held.take(), start, end, lines, lineEnds);
    }
    this.held.clear();
    this.overLimit = false;
    this.nulSkipped = false;
    this.lineStart = end;
  }

  /** Starts the line in progress with the bytes after the last delimiter. */
  private beginLine(bytes: Buffer, at: number): void {
    // A run of NULs where a line should start is a preallocated or sparse
    // region: skip it instead of holding it as a line.
    let skip = 0;
    while (skip < bytes.length && bytes[skip] === NUL) skip++;
    skip -= skip % this.unit;
    if (skip > 0) {
      this.events.push({ kind: 'nul-skipped', offset: at, bytes: skip });
      this.nulSkipped = true;
    }
    this.lineStart = at + skip;
    this.extendLine(bytes.subarray(skip));
  }

  /** Adds bytes to the line in progress, keeping at most maxLineBytes of it. */
  private extendLine(bytes: Buffer): void {
    const keep = Math.min(this.delimiterBytes.length - 1, bytes.length);
    const body = bytes.subarray(0, bytes.length - keep);
    // The carry is copied: the caller reuses its read buffer.
    this.carry = keep > 0 ? Buffer.from(bytes.subarray(bytes.length - keep)) : EMPTY;
    if (this.overLimit || body.length === 0) return;
    if (this.held.length + body.length <= this.maxLineBytes) {
      this.held.add(Buffer.from(body));
      return;
    }
    this.noteLongLine(this.lineStart);
    if (this.longLines === 'cut') this.held.add(Buffer.from(body.subarray(0, this.maxLineBytes - this.held.length)));
    else this.held.take();
    this.overLimit = true;
  }

  private noteLongLine(offset: number): void {
    this.events.push({ kind: 'long-line', offset, bytes: this.maxLineBytes, action: this.longLines });
  }

  /** One complete line's bytes (without delimiter): repair, decode, append. */
  private emit(bytes: Buffer, start: number, end: number, lines: string[], lineEnds: number[] | undefined): void {
    let from = 0;
    while (from < bytes.length && bytes[from] === NUL) from++;
    from -= from % this.unit;
    if (from > 0) {
      this.events.push({ kind: 'nul-skipped', offset: start, bytes: from });
      if (from === bytes.length) return;
    }
    if (bytes.length - from > this.maxLineBytes) {
      this.noteLongLine(start + from);
      if (this.longLines === 'skip') return;
      this.pushLine(bytes.subarray(from, from + this.maxLineBytes), end, lines, lineEnds);
      return;
    }
    this.pushLine(bytes.subarray(from), end, lines, lineEnds);
  }

  private pushLine(bytes: Buffer, end: number, lines: string[], lineEnds: number[] | undefined): void {
    let n = bytes.length - (bytes.length % this.unit);
    // The CR is a whole code unit: 0d, or 0d 00 in UTF-16LE.
    if (this.stripCr && n >= this.unit && bytes[n - this.unit] === CR && (this.unit === 1 || bytes[n - 1] === 0)) n -= this.unit;
    lines.push(bytes.toString(this.encoding, 0, n));
    lineEnds?.push(end);
  }
}
