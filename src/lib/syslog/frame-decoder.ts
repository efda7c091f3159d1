/**
 * Syslog messages out of a byte stream (TCP, TLS), framed as RFC 6587 says:
 * by octet counting (`MSG-LEN SP MSG`), by a trailing LF, or by either one
 * decided frame by frame ('auto', as rsyslog does: a frame that starts with
 * a digit is octet counted, any other is LF framed, since a syslog message
 * itself starts with '<').
 *
 * Memory stays bounded whatever a sender does: of the message in progress at
 * most maxMessageBytes (+1, for a CR that may end it) are held; a longer one
 * is delivered cut, its rest skipped as it arrives, and an octet count is
 * never trusted to size a buffer. A count that cannot be right (not digits,
 * a leading zero, more than 10 digits, over MAX_OCTET_COUNT) leaves no way to
 * find the next frame: that problem is fatal and the decoder stops.
 *
 * Speed matters here: a run of LF-framed messages inside one chunk is
 * checked for valid UTF-8 and decoded in one call, then split as a string;
 * an octet-counted frame inside one chunk is decoded from the chunk, uncopied.
 *
 * One trailing LF (or CRLF) inside an octet-counted frame is dropped, as
 * rsyslog does on reception: some senders count the LF they add.
 */
import { isUtf8 } from 'node:buffer';
import { HeldBytes } from '../held-bytes';

export type Framing = 'auto' | 'lf' | 'octet';
export const FRAMINGS: readonly Framing[] = ['auto', 'lf', 'octet'];

export interface FrameDecoderOptions {
  framing: Framing;
  /** Longest message delivered whole, in bytes; longer ones are cut to it. */
  maxMessageBytes: number;
}

export type FrameProblem =
  /** An octet frame whose MSG-LEN is not NONZERO-DIGIT *DIGIT then SP, has over 10 digits, or is over MAX_OCTET_COUNT. */
  | { kind: 'bad-octet-count'; fatal: true; detail: string }
  /** At end(): an octet-counted frame cut short; `bytes` of it (MSG-LEN, SP and MSG) came. */
  | { kind: 'incomplete'; fatal: true; bytes: number }
  /**
   * A message over maxMessageBytes, delivered cut to its first max bytes (less
   * a character cut in two); `bytes` is its full length (octet) or its length
   * when its LF came (lf).
   */
  | { kind: 'cut'; fatal: false; bytes: number; max: number };

export interface DecodeResult {
  messages: string[];
  problems: FrameProblem[];
  /** How many of `messages` had invalid UTF-8 (replaced by U+FFFD). */
  invalidUtf8: number;
  /** The decoder met a fatal problem (now or before): the connection should close. */
  fatal: boolean;
}

/** 1 GiB: an octet count above it is no real message, but a broken or hostile sender. */
export const MAX_OCTET_COUNT = 1024 * 1024 * 1024;
/** MAX_OCTET_COUNT has 10 digits. */
const MAX_COUNT_DIGITS = 10;

// Local, not imported: an imported constant is a property load in the byte loops below.
const LF = 10;
const CR = 13;
const SP = 32;
const DIGIT_0 = 48;
const DIGIT_9 = 57;
/** Largest run decoded to one string (V8's large-object threshold is 128 KiB). */
const DECODE_PIECE_BYTES = 64 * 1024;

/**
 * 'between': where a frame may start (auto, octet); 'lf': in an LF-framed
 * message (or, for lf framing, always); 'count': in MSG-LEN; 'octet': in MSG.
 */
type DecoderState = 'between' | 'lf' | 'count' | 'octet' | 'dead' | 'ended';

function isDigit(byte: number): boolean {
  return byte >= DIGIT_0 && byte <= DIGIT_9;
}

/** A byte named for a human: 'x' when printable ASCII, else its hex value. */
function describeByte(byte: number): string {
  return byte > SP && byte < 127 ? `'${String.fromCharCode(byte)}'` : `byte 0x${byte.toString(16).padStart(2, '0')}`;
}

/**
 * Length of `bytes` without a UTF-8 character cut short at its end, so that
 * cutting a message to a byte limit does not make it invalid UTF-8.
 */
export function wholeUtf8Length(bytes: Buffer): number {
  const n = bytes.length;
  for (let i = n - 1; i >= 0 && i >= n - 4; i--) {
    const byte = bytes[i];
    if ((byte & 0xc0) === 0x80) continue; // a continuation byte: look further back
    const length = byte < 0xc0 ? 1 : byte < 0xe0 ? 2 : byte < 0xf0 ? 3 : byte < 0xf8 ? 4 : 1;
    return i + length > n ? i : n;
  }
  return n;
}

export class FrameDecoder {
  private readonly framing: Framing;
  private readonly maxMessageBytes: number;
  private state: DecoderState;

  /** Held bytes of the message in progress: at most maxMessageBytes + 1 (lf) or maxMessageBytes (octet). */
  private readonly held = new HeldBytes();
  /** Bytes of the message in progress seen so far, held or not. */
  private seen = 0;
  /** Last byte seen of the LF-framed message in progress (a CR before its LF is dropped). */
  private lastByte = -1;
  /** MSG-LEN of the octet frame in progress, and how many digits it has so far. */
  private count = 0;
  private countDigits = 0;

  /** The result the current push or end fills. */
  private result: DecodeResult = FrameDecoder.emptyResult(false);

  constructor(options: FrameDecoderOptions) {
    if (!FRAMINGS.includes(options.framing)) throw new Error(`Unknown framing "${String(options.framing)}": use one of ${FRAMINGS.join(', ')}`);
    if (!(Number.isSafeInteger(options.maxMessageBytes) && options.maxMessageBytes > 0)) throw new Error('maxMessageBytes must be a positive integer');
    this.framing = options.framing;
    this.maxMessageBytes = options.maxMessageBytes;
    this.state = options.framing === 'lf' ? 'lf' : 'between';
  }

  /** Bytes held for the message in progress; never above maxMessageBytes + 16. */
  get bufferedBytes(): number {
    return this.held.length;
  }

  /** Takes the next bytes of the stream; returns the messages they complete. */
  push(chunk: Buffer): DecodeResult {
    if (this.state === 'dead' || this.state === 'ended') return FrameDecoder.emptyResult(this.state === 'dead');
    const result = (this.result = FrameDecoder.emptyResult(false));
    let pos = 0;
    while (pos < chunk.length) {
      switch (this.state) {
        case 'between':
          pos = this.startFrame(chunk, pos);
          break;
        case 'lf':
          pos = this.readLfFramed(chunk, pos);
          break;
        case 'count':
          pos = this.readCount(chunk, pos);
          break;
        case 'octet':
          pos = this.readOctetFramed(chunk, pos);
          break;
        default:
          return result; // dead: a fatal problem
      }
    }
    return result;
  }

  /**
   * The stream ended: an LF-framed message without its LF is delivered; an
   * octet frame cut short is an 'incomplete' problem. Later pushes return nothing.
   */
  end(): DecodeResult {
    if (this.state === 'dead' || this.state === 'ended') return FrameDecoder.emptyResult(this.state === 'dead');
    const result = (this.result = FrameDecoder.emptyResult(false));
    if (this.state === 'lf' && this.seen > 0) {
      this.finishLfFramed();
    } else if (this.state === 'count' || this.state === 'octet') {
      const bytes = this.countDigits + (this.state === 'octet' ? 1 + this.seen : 0);
      result.problems.push({ kind: 'incomplete', fatal: true, bytes });
      result.fatal = true;
    }
    this.release();
    this.state = result.fatal ? 'dead' : 'ended';
    return result;
  }

  private static emptyResult(fatal: boolean): DecodeResult {
    return { messages: [], problems: [], invalidUtf8: 0, fatal };
  }

  /** Where a frame may start: skips LF and CR, then decides the frame's kind. */
  private startFrame(chunk: Buffer, pos: number): number {
    while (pos < chunk.length && (chunk[pos] === LF || chunk[pos] === CR)) pos++;
    if (pos === chunk.length) return pos;
    const byte = chunk[pos];
    if (isDigit(byte)) {
      if (byte === DIGIT_0) return this.fail('a frame length starts with 0');
      this.state = 'count';
      this.count = 0;
      this.countDigits = 0;
    } else if (this.framing === 'octet') {
      return this.fail(`expected a frame length, found ${describeByte(byte)}`);
    } else {
      this.state = 'lf';
    }
    return pos;
  }

  /** MSG-LEN: digits up to the SP. */
  private readCount(chunk: Buffer, pos: number): number {
    while (pos < chunk.length) {
      const byte = chunk[pos++];
      if (isDigit(byte)) {
        if (++this.countDigits > MAX_COUNT_DIGITS) return this.fail(`a frame length has more than ${MAX_COUNT_DIGITS} digits`);
        this.count = this.count * 10 + (byte - DIGIT_0);
      } else if (byte === SP) {
        if (this.count > MAX_OCTET_COUNT) return this.fail(`a frame length of ${this.count} bytes is over the limit of ${MAX_OCTET_COUNT}`);
        this.state = 'octet';
        this.seen = 0;
        return pos;
      } else {
        return this.fail(`a frame length is followed by ${describeByte(byte)}, not a space`);
      }
    }
    return pos;
  }

  /** MSG of an octet-counted frame: held up to the limit, the rest skipped. */
  private readOctetFramed(chunk: Buffer, pos: number): number {
    const count = this.count;
    const max = this.maxMessageBytes;
    if (this.seen === 0 && count <= max && chunk.length - pos >= count) {
      // The whole frame is in this chunk: decode it from there.
      this.deliverCounted(chunk.subarray(pos, pos + count));
      this.state = 'between';
      return pos + count;
    }
    const take = Math.min(count - this.seen, chunk.length - pos);
    const room = max - this.held.length;
    // Copied: the caller may reuse its buffer.
    if (room > 0) this.held.add(Buffer.from(chunk.subarray(pos, pos + Math.min(take, room))));
    this.seen += take;
    if (this.seen === count) {
      const bytes = this.held.take();
      if (count > max) this.deliverCut(bytes, count);
      else this.deliverCounted(bytes);
      this.seen = 0;
      this.state = 'between';
    }
    return pos + take;
  }

  /**
   * LF-framed messages from `pos`: the end of the one in progress, then
   * runs of whole messages decoded at once, then the start of the next.
   */
  private readLfFramed(chunk: Buffer, pos: number): number {
    const afterMessage: DecoderState = this.framing === 'lf' ? 'lf' : 'between';
    if (this.seen > 0) {
      const at = chunk.indexOf(LF, pos);
      if (at < 0) {
        this.extendLfFramed(chunk.subarray(pos));
        return chunk.length;
      }
      this.extendLfFramed(chunk.subarray(pos, at));
      this.finishLfFramed();
      this.state = afterMessage;
      return at + 1;
    }

    const max = this.maxMessageBytes;
    const auto = this.framing === 'auto';
    let runStart = pos;
    let from = pos;
    for (;;) {
      const at = chunk.indexOf(LF, from);
      if (at < 0) break;
      if (at - from > max) {
        // Maybe over the limit (its CR aside): handled on its own.
        this.decodeRun(chunk, runStart, from);
        this.deliverLfFramed(chunk.subarray(from, at));
        runStart = at + 1;
      }
      from = at + 1;
      if (auto && from < chunk.length) {
        const next = chunk[from];
        if (next === LF || next === CR || isDigit(next)) {
          // The next frame may be octet counted: let startFrame decide.
          this.decodeRun(chunk, runStart, from);
          this.state = 'between';
          return from;
        }
      }
      if (from - runStart >= DECODE_PIECE_BYTES) {
        this.decodeRun(chunk, runStart, from);
        runStart = from;
      }
    }
    this.decodeRun(chunk, runStart, from);
    if (from === chunk.length) {
      this.state = afterMessage;
    } else {
      this.state = 'lf';
      this.extendLfFramed(chunk.subarray(from));
    }
    return chunk.length;
  }

  /** Bytes [start, end) of `chunk`: whole LF-framed messages, each at most max (+CR) bytes, each with its LF. */
  private decodeRun(chunk: Buffer, start: number, end: number): void {
    if (end <= start) return;
    const run = chunk.subarray(start, end);
    const messages = this.result.messages;
    if (isUtf8(run)) {
      const parts = run.toString('utf8').split('\n');
      // parts ends with the empty string after the final LF.
      for (let i = 0; i < parts.length - 1; i++) {
        let part = parts[i];
        if (part.length > 0 && part.charCodeAt(part.length - 1) === CR) part = part.slice(0, -1);
        if (part.length > 0) messages.push(part);
      }
      return;
    }
    // Invalid UTF-8 somewhere: message by message, to count the bad ones.
    let from = 0;
    while (from < run.length) {
      const at = run.indexOf(LF, from);
      this.deliverLfFramed(run.subarray(from, at));
      from = at + 1;
    }
  }

  /** A whole LF-framed message (without its LF) found inside one chunk. */
  private deliverLfFramed(bytes: Buffer): void {
    const length = bytes.length > 0 && bytes[bytes.length - 1] === CR ? bytes.length - 1 : bytes.length;
    if (length > this.maxMessageBytes) this.deliverCut(bytes.subarray(0, this.maxMessageBytes), length);
    else this.deliver(bytes.subarray(0, length));
  }

  /** More bytes of the LF-framed message in progress (none of them an LF). */
  private extendLfFramed(bytes: Buffer): void {
    if (bytes.length === 0) return;
    this.seen += bytes.length;
    this.lastByte = bytes[bytes.length - 1];
    // One byte over the limit is kept: it may be the CR before the LF.
    const room = this.maxMessageBytes + 1 - this.held.length;
    if (room > 0) this.held.add(Buffer.from(bytes.subarray(0, Math.min(room, bytes.length))));
  }

  /** The LF-framed message in progress has ended (its LF came, or the stream ended). */
  private finishLfFramed(): void {
    const length = this.lastByte === CR ? this.seen - 1 : this.seen;
    const bytes = this.held.take();
    this.seen = 0;
    this.lastByte = -1;
    if (length > this.maxMessageBytes) this.deliverCut(bytes.subarray(0, this.maxMessageBytes), length);
    else this.deliver(bytes.subarray(0, length));
  }

  /** An octet-counted message, whole: one trailing LF or CRLF dropped. */
  private deliverCounted(bytes: Buffer): void {
    let length = bytes.length;
    if (length > 0 && bytes[length - 1] === LF) {
      length--;
      if (length > 0 && bytes[length - 1] === CR) length--;
    }
    this.deliver(length === bytes.length ? bytes : bytes.subarray(0, length));
  }

  /** The first maxMessageBytes bytes of a message of `fullLength` bytes. */
  private deliverCut(bytes: Buffer, fullLength: number): void {
    this.deliver(bytes.subarray(0, wholeUtf8Length(bytes)));
    this.result.problems.push({ kind: 'cut', fatal: false, bytes: fullLength, max: this.maxMessageBytes });
  }

  private deliver(bytes: Buffer): void {
    if (bytes.length === 0) return;
    if (!isUtf8(bytes)) this.result.invalidUtf8++;
    this.result.messages.push(bytes.toString('utf8'));
  }

  /** A fatal problem: the stream cannot be followed further. Returns a position that ends the push loop. */
  private fail(detail: string): number {
    this.result.problems.push({ kind: 'bad-octet-count', fatal: true, detail });
    this.result.fatal = true;
    this.release();
    this.state = 'dead';
    return Infinity;
  }

  private release(): void {
    this.held.clear();
    this.seen = 0;
  }

}
