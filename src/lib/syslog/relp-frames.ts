/**
 * RELP frames (rsyslog's Reliable Event Logging Protocol), as librelp's
 * doc/relp.md specifies them:
 *
 *   RELP-FRAME = TXNR SP COMMAND SP DATALEN [SP DATA] LF
 *   TXNR = 1*9DIGIT, COMMAND = 1*32ALPHA, DATALEN = 1*9DIGIT
 *
 * DATA is there only when DATALEN > 0. RelpDecoder reads frames out of a
 * byte stream; relpResponse and RELP_SERVER_CLOSE write the server's frames;
 * parseOffers and formatOffers read and write the offers an `open` carries.
 *
 * Memory stays bounded: of a frame's DATA at most maxDataBytes are held, the
 * rest skipped as it arrives (the frame comes out cut, with cutFrom set). A
 * stream that breaks the grammar cannot be followed further: the decoder
 * reports the problem once and stops.
 */

export interface RelpFrame {
  /** Transaction number: 1..999999999, or 0 for a hint. */
  txnr: number;
  command: string;
  /**
   * DATA (empty when DATALEN is 0), at most maxDataBytes. It may be a view of
   * the chunk pushed: copy it to keep it beyond the caller's use of that chunk.
   */
  data: Buffer;
  /** DATA was longer (cutFrom bytes, its DATALEN) and was cut to maxDataBytes. */
  cutFrom?: number;
}

export interface RelpDecodeResult {
  frames: RelpFrame[];
  /** Fatal: the stream is not RELP (human text). Frames before it are in `frames`. */
  problem?: string;
}

/** Transaction numbers and DATALEN have at most 9 digits. */
export const RELP_MAX_NUMBER_DIGITS = 9;
export const RELP_MAX_COMMAND_LENGTH = 32;
/** The largest transaction number; the one after it is 1. */
export const RELP_MAX_TXNR = 999_999_999;

const LF = 10;
const SP = 32;
const DIGIT_0 = 48;
const DIGIT_9 = 57;

type Field = 'txnr' | 'command' | 'datalen' | 'data' | 'trailer' | 'dead';

function isAlpha(byte: number): boolean {
  return (byte >= 65 && byte <= 90) || (byte >= 97 && byte <= 122);
}

function describeByte(byte: number): string {
  return byte > SP && byte < 127 ? `'${String.fromCharCode(byte)}'` : `byte 0x${byte.toString(16).padStart(2, '0')}`;
}

export class RelpDecoder {
  private readonly maxDataBytes: number;
  private field: Field = 'txnr';
  private problem: string | undefined;

  private txnr = 0;
  private command = '';
  private dataLength = 0;
  /** Digits read of the number in progress (TXNR or DATALEN). */
  private digits = 0;
  /** DATA bytes received of the frame in progress, held or not. */
  private received = 0;
  private held: Buffer[] = [];
  private heldBytes = 0;

  constructor(options: { maxDataBytes: number }) {
    if (!(Number.isSafeInteger(options.maxDataBytes) && options.maxDataBytes > 0)) throw new Error('maxDataBytes must be a positive integer');
    this.maxDataBytes = options.maxDataBytes;
  }

  /** Bytes of DATA held for the frame in progress: at most maxDataBytes. */
  get bufferedBytes(): number {
    return this.heldBytes;
  }

  /** Takes the next bytes of the stream; returns the frames they complete. After a problem, nothing more. */
  push(chunk: Buffer): RelpDecodeResult {
    const frames: RelpFrame[] = [];
    if (this.field === 'dead') return { frames };
    let pos = 0;
    while (pos < chunk.length && this.problem === undefined) {
      if (this.field === 'data') {
        pos = this.readData(chunk, pos, frames);
        continue;
      }
      const byte = chunk[pos++];
      switch (this.field) {
        case 'txnr':
          this.readTxnr(byte);
          break;
        case 'command':
          this.readCommand(byte);
          break;
        case 'datalen':
          this.readDataLength(byte, frames);
          break;
        case 'trailer':
          if (byte === LF) this.emit(frames);
          else this.fail(`the ${this.command} frame ${this.txnr} does not end with LF after its ${this.dataLength} data bytes (found ${describeByte(byte)})`);
          break;
      }
    }
    if (this.problem === undefined) return { frames };
    const problem = this.problem;
    this.field = 'dead';
    return { frames, problem };
  }

  private readTxnr(byte: number): void {
    if (byte >= DIGIT_0 && byte <= DIGIT_9) {
      if (++this.digits > RELP_MAX_NUMBER_DIGITS) return this.fail(`a transaction number has more than ${RELP_MAX_NUMBER_DIGITS} digits`);
      this.txnr = this.txnr * 10 + (byte - DIGIT_0);
    } else if (byte === SP && this.digits > 0) {
      this.field = 'command';
      this.command = '';
    } else {
      this.fail(this.digits === 0 ? `a frame starts with ${describeByte(byte)}, not a transaction number` : `a transaction number is followed by ${describeByte(byte)}, not a space`);
    }
  }

  private readCommand(byte: number): void {
    if (isAlpha(byte)) {
      if (this.command.length === RELP_MAX_COMMAND_LENGTH) return this.fail(`a command is longer than ${RELP_MAX_COMMAND_LENGTH} letters`);
      this.command += String.fromCharCode(byte);
    } else if (byte === SP && this.command.length > 0) {
      this.field = 'datalen';
      this.digits = 0;
      this.dataLength = 0;
    } else {
      this.fail(this.command.length === 0 ? `frame ${this.txnr} has ${describeByte(byte)} where its command should start` : `the command "${this.command}" is followed by ${describeByte(byte)}, not a space`);
    }
  }

  private readDataLength(byte: number, frames: RelpFrame[]): void {
    if (byte >= DIGIT_0 && byte <= DIGIT_9) {
      if (++this.digits > RELP_MAX_NUMBER_DIGITS) return this.fail(`the data length of the ${this.command} frame ${this.txnr} has more than ${RELP_MAX_NUMBER_DIGITS} digits`);
      this.dataLength = this.dataLength * 10 + (byte - DIGIT_0);
    } else if (this.digits === 0) {
      this.fail(`the ${this.command} frame ${this.txnr} has ${describeByte(byte)} where its data length should be`);
    } else if (this.dataLength === 0) {
      // No data: the trailer follows DATALEN directly.
      if (byte === LF) this.emit(frames);
      else this.fail(`the ${this.command} frame ${this.txnr} has no data but ${describeByte(byte)} where its LF should be`);
    } else if (byte === SP) {
      this.field = 'data';
      this.received = 0;
    } else {
      this.fail(`the data length of the ${this.command} frame ${this.txnr} is followed by ${describeByte(byte)}, not a space`);
    }
  }

  /** DATA: held up to maxDataBytes, the rest skipped. */
  private readData(chunk: Buffer, pos: number, frames: RelpFrame[]): number {
    const length = this.dataLength;
    const max = this.maxDataBytes;
    if (this.received === 0 && length <= max && chunk.length - pos > length) {
      // The whole frame is in this chunk: its data is a view of it, uncopied.
      const end = pos + length;
      if (chunk[end] !== LF) {
        this.fail(`the ${this.command} frame ${this.txnr} does not end with LF after its ${length} data bytes (found ${describeByte(chunk[end])})`);
        return end;
      }
      frames.push({ txnr: this.txnr, command: this.command, data: chunk.subarray(pos, end) });
      this.reset();
      return end + 1;
    }
    const take = Math.min(length - this.received, chunk.length - pos);
    const room = max - this.heldBytes;
    // Copied: the caller may reuse its buffer.
    if (room > 0) this.hold(Buffer.from(chunk.subarray(pos, pos + Math.min(take, room))));
    this.received += take;
    if (this.received === length) this.field = 'trailer';
    return pos + take;
  }

  private emit(frames: RelpFrame[]): void {
    const data = this.held.length === 0 ? Buffer.alloc(0) : this.held.length === 1 ? this.held[0] : Buffer.concat(this.held, this.heldBytes);
    const frame: RelpFrame = { txnr: this.txnr, command: this.command, data };
    if (this.dataLength > this.maxDataBytes) frame.cutFrom = this.dataLength;
    frames.push(frame);
    this.reset();
  }

  private reset(): void {
    this.field = 'txnr';
    this.txnr = 0;
    this.digits = 0;
    this.command = '';
    this.dataLength = 0;
    this.received = 0;
    this.held = [];
    this.heldBytes = 0;
  }

  private fail(problem: string): void {
    this.problem = problem;
    this.held = [];
    this.heldBytes = 0;
  }

  private hold(bytes: Buffer): void {
    if (bytes.length === 0) return;
    this.held.push(bytes);
    this.heldBytes += bytes.length;
  }
}

/** One frame: `TXNR SP COMMAND SP DATALEN [SP DATA] LF`. */
export function relpFrame(txnr: number, command: string, data: Buffer | string = ''): Buffer {
  const body = typeof data === 'string' ? Buffer.from(data, 'utf8') : data;
  const head = body.length > 0 ? `${txnr} ${command} ${body.length} ` : `${txnr} ${command} 0`;
  return Buffer.concat([Buffer.from(head, 'latin1'), body, Buffer.from('\n', 'latin1')]);
}

/**
 * The server's answer to frame `txnr`: a `rsp` frame whose data is
 * `CODE SP TEXT[LF extra]` (librelp's client reads at most 80 characters of
 * TEXT, up to an LF; `extra` is command-specific, such as open's offers).
 */
export function relpResponse(txnr: number, code: number, text: string, extra?: string): Buffer {
  const oneLine = text.replace(/[\r\n]+/g, ' ');
  const data = extra === undefined ? `${code} ${oneLine}` : `${code} ${oneLine}\n${extra}`;
  // One string, one Buffer: an ack is written per message.
  return Buffer.from(`${txnr} rsp ${Buffer.byteLength(data, 'utf8')} ${data}\n`, 'utf8');
}

/** The hint a server should send before it closes a connection: `0 serverclose 0`. */
export const RELP_SERVER_CLOSE: Buffer = relpFrame(0, 'serverclose');

/** Offers: feature name to its values, in the order given. */
export type RelpOffers = Map<string, string[]>;

/**
 * The offers of an `open` (or of its answer): one per line, `NAME[=VALUE*(,VALUE)]`.
 * Empty lines and empty values are skipped, as librelp does.
 */
export function parseOffers(text: string): RelpOffers {
  const offers: RelpOffers = new Map();
  for (const line of text.split('\n')) {
    if (line.length === 0) continue;
    const equals = line.indexOf('=');
    const name = equals < 0 ? line : line.slice(0, equals);
    const values = equals < 0 ? [] : line.slice(equals + 1).split(',').filter((value) => value.length > 0);
    offers.set(name, values);
  }
  return offers;
}

/** Offers as an `open` answer carries them: `name=v1,v2` lines joined by LF. */
export function formatOffers(offers: RelpOffers): string {
  return [...offers].map(([name, values]) => `${name}=${values.join(',')}`).join('\n');
}
