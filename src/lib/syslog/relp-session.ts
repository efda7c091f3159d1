/**
 * One RELP connection's protocol state, server side: bytes in, events out
 * (messages to deliver and acknowledge later, replies to write now, and when
 * to close). No socket here: the receiver writes and closes.
 *
 * The session must start with `open`: its answer is 200 OK with the offers
 * librelp's client (rsyslog's omrelp) needs to go on: relp_version=0 (the
 * only version there is; the client refuses a higher one), relp_software,
 * and commands=syslog when the client offered syslog (without it, the
 * client refuses the session). Anything before `open`, a second `open`, a
 * transaction number out of sequence or a frame that does not parse closes
 * the connection; an unknown command only gets a 500 answer.
 *
 * A syslog message over maxMessageBytes is delivered cut and acknowledged
 * like any other: refusing it would make the sender resend it forever.
 */
import { isUtf8 } from 'node:buffer';
import { wholeUtf8Length } from './frame-decoder';
import { RELP_MAX_TXNR, RelpDecoder, formatOffers, parseOffers, relpResponse, type RelpFrame, type RelpOffers } from './relp-frames';


export type RelpEvent =
  /** A `syslog` command: deliver `text`, then acknowledge it with relpAck(txnr). */
  | { kind: 'message'; txnr: number; text: string; cutFrom?: number; invalidUtf8: boolean }
  /** Bytes to write to the socket now (answers to open and close, errors). */
  | { kind: 'reply'; bytes: Buffer }
  /** Close the connection once the replies before this event are written. */
  | { kind: 'close'; reason: 'client-close' | 'protocol-error'; detail?: string };

export interface RelpSessionOptions {
  maxMessageBytes: number;
  /** Named in the relp_software offer. */
  software?: string;
}

/** The RELP version this server speaks: librelp's clients speak 0 and refuse a server offering more. */
const RELP_VERSION = '0';
const DEFAULT_SOFTWARE = 'node-red-log-ingest';
/** Room for an `open`'s offers, even when messages are limited to fewer bytes. */
const MIN_DATA_BYTES = 4096;
const LF = 10;
const CR = 13;

/** The positive answer to a syslog command. */
export function relpAck(txnr: number): Buffer {
  return relpResponse(txnr, 200, 'OK');
}

export class RelpSession {
  private readonly decoder: RelpDecoder;
  private readonly maxMessageBytes: number;
  private readonly software: string;
  private state: 'new' | 'open' | 'closed' = 'new';
  private syslogEnabled = false;
  /** The transaction number the next command must carry (librelp's clients count from 1, by one). */
  private expectedTxnr = 1;

  constructor(options: RelpSessionOptions) {
    if (!(Number.isSafeInteger(options.maxMessageBytes) && options.maxMessageBytes > 0)) throw new Error('maxMessageBytes must be a positive integer');
    this.maxMessageBytes = options.maxMessageBytes;
    // The offer's values are comma separated and it ends at a line break.
    this.software = (options.software ?? DEFAULT_SOFTWARE).replace(/[\r\n]+/g, ' ') || DEFAULT_SOFTWARE;
    // Two bytes more than a message: the LF or CRLF some senders end it with.
    this.decoder = new RelpDecoder({ maxDataBytes: Math.max(options.maxMessageBytes + 2, MIN_DATA_BYTES) });
  }

  /** Bytes held for the frame in progress: bounded by max(maxMessageBytes + 2, 4096). */
  get bufferedBytes(): number {
    return this.decoder.bufferedBytes;
  }

  /** True once a 'close' event has been given: later pushes give nothing. */
  get closed(): boolean {
    return this.state === 'closed';
  }

  /** Takes the next bytes from the client; returns what to do, in order. */
  push(chunk: Buffer): RelpEvent[] {
    const events: RelpEvent[] = [];
    if (this.closed) return events;
    const { frames, problem } = this.decoder.push(chunk);
    for (const frame of frames) {
      this.handle(frame, events);
      if (this.closed) return events;
    }
    if (problem !== undefined) this.close(events, 'protocol-error', problem);
    return events;
  }

  private handle(frame: RelpFrame, events: RelpEvent[]): void {
    // txnr 0 is a hint, never answered; none is defined from client to server.
    if (frame.txnr === 0) return;
    if (frame.txnr !== this.expectedTxnr) {
      return this.close(events, 'protocol-error', `transaction number ${frame.txnr} where ${this.expectedTxnr} was due`);
    }
    this.expectedTxnr = frame.txnr === RELP_MAX_TXNR ? 1 : frame.txnr + 1;

    if (this.state === 'new') {
      if (frame.command === 'open') return this.open(frame, events);
      this.reply(events, relpResponse(frame.txnr, 500, 'session not open'));
      return this.close(events, 'protocol-error', `"${frame.command}" before "open"`);
    }
    switch (frame.command) {
      case 'syslog':
        if (this.syslogEnabled) events.push(this.message(frame));
        else this.reply(events, relpResponse(frame.txnr, 500, 'command disabled'));
        return;
      case 'close':
        this.reply(events, relpResponse(frame.txnr, 200, 'OK'));
        return this.close(events, 'client-close');
      case 'open':
        this.reply(events, relpResponse(frame.txnr, 500, 'session already open'));
        return this.close(events, 'protocol-error', 'a second "open"');
      default:
        this.reply(events, relpResponse(frame.txnr, 500, `command not supported: ${frame.command}`));
    }
  }

  private open(frame: RelpFrame, events: RelpEvent[]): void {
    if (frame.cutFrom !== undefined) {
      this.reply(events, relpResponse(frame.txnr, 500, 'offers too long'));
      return this.close(events, 'protocol-error', `"open" with ${frame.cutFrom} bytes of offers`);
    }
    const offers = parseOffers(frame.data.toString('utf8'));
    const version = offers.get('relp_version')?.[0];
    if (version === undefined || !/^\d+$/.test(version)) {
      this.reply(events, relpResponse(frame.txnr, 500, 'relp_version offer missing or invalid'));
      return this.close(events, 'protocol-error', '"open" without a valid relp_version offer');
    }
    this.syslogEnabled = (offers.get('commands') ?? []).includes('syslog');
    const answer: RelpOffers = new Map([
      ['relp_version', [RELP_VERSION]],
      ['relp_software', [this.software]],
      ['commands', this.syslogEnabled ? ['syslog'] : []],
    ]);
    this.reply(events, relpResponse(frame.txnr, 200, 'OK', formatOffers(answer)));
    this.state = 'open';
  }

  /** A syslog command's data as a message: one trailing LF or CRLF dropped, cut to the limit. */
  private message(frame: RelpFrame): RelpEvent {
    let bytes = frame.data;
    let cutFrom = frame.cutFrom;
    if (cutFrom === undefined) {
      let length = bytes.length;
      if (length > 0 && bytes[length - 1] === LF) {
        length--;
        if (length > 0 && bytes[length - 1] === CR) length--;
      }
      if (length > this.maxMessageBytes) cutFrom = length;
      bytes = bytes.subarray(0, length);
    }
    if (cutFrom !== undefined) {
      const kept = bytes.subarray(0, this.maxMessageBytes);
      bytes = kept.subarray(0, wholeUtf8Length(kept));
    }
    const event: RelpEvent = { kind: 'message', txnr: frame.txnr, text: bytes.toString('utf8'), invalidUtf8: !isUtf8(bytes) };
    if (cutFrom !== undefined) event.cutFrom = cutFrom;
    return event;
  }

  private reply(events: RelpEvent[], bytes: Buffer): void {
    events.push({ kind: 'reply', bytes });
  }

  private close(events: RelpEvent[], reason: 'client-close' | 'protocol-error', detail?: string): void {
    events.push(detail === undefined ? { kind: 'close', reason } : { kind: 'close', reason, detail });
    this.state = 'closed';
  }
}
