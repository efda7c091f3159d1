/**
 * What file-tail and dir-watch share on their lines output: turning engine
 * chunks into messages, counting the acknowledgements that micro-batch nodes
 * wired right after will give, and reporting what happened to files.
 */
import type { NodeAPI, Node, NodeDef, NodeMessage } from './red';
import type { SettingsReader } from './config';
import {
  MULTILINE_MODES,
  recordRule,
  settleTicket,
  type CheckpointProblem,
  type DeliveryLedger,
  type FollowerNotice,
  type LineChunk,
  type MultilineMode,
  type MultilineSettings,
  type SplitterSettings,
  type Ticket,
} from '../../lib/index';

export type Output = 'line' | 'lines';

/** The line-reading options both source nodes have. */
export interface LineSourceDef extends NodeDef {
  startAt?: string;
  output?: string;
  encoding?: string;
  delimiter?: string;
  idleFlush?: number | string;
  pollInterval?: number | string;
  maxLineBytes?: number | string;
  longLines?: string;
  multiline?: string;
  multilineStart?: string;
  multilineMaxLines?: number | string;
  multilineTimeout?: number | string;
}

/** The multiline settings read: records to join, none, or a start pattern that does not compile (the node shows why and reads nothing). */
export type MultilineChoice = { multiline: MultilineSettings | undefined; problem?: undefined } | { multiline?: undefined; problem: string };

/**
 * The multiline settings, through `settings` (a bad number warns and gets
 * its default). Flows saved before multiline existed have none: `none`.
 */
export function readMultiline(def: LineSourceDef, settings: SettingsReader): MultilineChoice {
  const mode = settings.option<MultilineMode>('multiline', def.multiline, MULTILINE_MODES, 'none');
  if (mode === 'none') return { multiline: undefined };
  const maxLines = settings.number('multilineMaxLines', def.multilineMaxLines, { fallback: 500, min: 1, integer: true });
  const timeoutMs = settings.seconds('multilineTimeout', def.multilineTimeout, { fallback: 5, min: 0, aboveMin: true });
  try {
    return { multiline: { rule: recordRule(mode, def.multilineStart), maxLines, timeoutMs } };
  } catch (err) {
    return { problem: err instanceof Error ? err.message : String(err) };
  }
}

/**
 * The line-reading options, read through `settings`: a bad value is warned
 * about and gets its default; an idle flush or poll interval too long for a
 * timer gets the longest one.
 */
export function readLineOptions(def: LineSourceDef, settings: SettingsReader, recordStarts = false): SplitterSettings & {
  output: Output;
  startAt: 'end' | 'beginning';
  idleFlushMs: number;
  pollIntervalMs: number;
  chunkBytes: number | undefined;
} {
  const output = settings.option<Output>('output', def.output, ['line', 'lines'], 'line');
  return {
    output,
    startAt: settings.option('startAt', def.startAt, ['end', 'beginning'] as const, 'end'),
    encoding: settings.option('encoding', def.encoding, ['utf8', 'latin1', 'utf16le'] as const, 'utf8'),
    delimiter: settings.delimiter('delimiter', def.delimiter),
    maxLineBytes: settings.number('maxLineBytes', def.maxLineBytes, { fallback: 1024 * 1024, min: 0, integer: true }),
    longLines: settings.option('longLines', def.longLines, ['cut', 'skip'] as const, 'cut'),
    // Where each line ends: for the line output's offsets, and for record ids (see lineOutput).
    trackLineEnds: output === 'line' || recordStarts,
    chunkBytes: output === 'line' ? LINE_OUTPUT_CHUNK_BYTES : undefined,
    idleFlushMs: settings.seconds('idleFlush', def.idleFlush, { fallback: 1, min: 0 }),
    // Above 0; below 50 ms it polls every 50 ms.
    pollIntervalMs: Math.max(50, settings.seconds('pollInterval', def.pollInterval, { fallback: 1, min: 0, aboveMin: true })),
  };
}

/** Two hex digits for each byte value. */
const HEX_BYTE = Array.from({ length: 256 }, (_, byte) => byte.toString(16).padStart(2, '0'));

/**
 * Message ids for a source's messages. Node-RED gives a message sent
 * without one a random id, eight random bytes formatted one by one and
 * joined: about 0.5 µs, more than the rest of building a line's message. A
 * random prefix per source and a count after it are as unique (16 hex
 * digits, as Node-RED's own), and cost one string join a message: the
 * count's last byte comes from a table, the rest changes every 256 ids.
 */
export class MessageIds {
  private prefix = randomHex32();
  private count = 0;
  /** The prefix and the count but its last byte: 14 hex digits. */
  private stem = '';

  next(): string {
    if (this.count === 0x1_0000_0000) {
      this.prefix = randomHex32();
      this.count = 0;
    }
    const low = this.count % 256;
    if (low === 0) this.stem = this.prefix + (this.count / 256).toString(16).padStart(6, '0');
    this.count++;
    return this.stem + HEX_BYTE[low];
  }
}

function randomHex32(): string {
  return Math.floor(Math.random() * 0x1_0000_0000).toString(16).padStart(8, '0');
}

/**
 * Reads for the `line` output. A read's lines all become messages at once,
 * and they stay alive until their batch is delivered: a 128 KiB read sent
 * some 1,300 messages in one turn, which made the young generation's
 * collections several times slower than the peer's (it sends one read of
 * 64 KiB at a time).
 */
const LINE_OUTPUT_CHUNK_BYTES = 32 * 1024;

/**
 * True when a micro-batch in ack mode is wired to output `port`: the
 * messages then say where each line starts in its file (and on which
 * device), which stable record ids need (see src/lib/record-ids). Read
 * from the deployed flows, as the micro-batch may not have started yet.
 */
export function feedsAckBatcher(RED: NodeAPI, def: NodeDef, port = 0): boolean {
  const wired = new Set(def.wires?.[port] ?? []);
  if (wired.size === 0 || !RED.nodes.eachNode) return false;
  let found = false;
  RED.nodes.eachNode((n) => {
    if (wired.has(n.id) && n.type === 'micro-batch' && n.delivery === 'ack') found = true;
  });
  return found;
}

/** Lines in flight to batchers before reading waits, at the least. */
const MIN_CREDIT_LINES = 20_000;

/** What file-tail adds to msg.file: how often the file was rotated and truncated so far. */
export interface FileCounts {
  rotations: number;
  truncations: number;
}

export interface LineOutput {
  /** The messages for a chunk of lines, all carrying its ticket in `_ingest` (see src/lib/ingest-ticket). */
  messages(chunk: LineChunk, ticket: Ticket, counts?: FileCounts): NodeMessage[];
  /**
   * Acknowledgements a chunk's messages will get (micro-batch nodes wired
   * after this one). While closing, one: every ticket then waits for an
   * acknowledgement, so that abandoning it holds its offset back.
   */
  acksPerChunk(chunk: LineChunk): number;
  /** The node is closing: from now on nothing is sent (see sends). */
  close(): void;
  /**
   * True when a chunk may be sent. Once the node is closing, Node-RED takes
   * the nodes after it out of the flow: lines sent then could be lost. Not
   * sent, they are not committed (the ticket is abandoned), and the next
   * start reads them again.
   */
  sends(ticket: Ticket, ledger: DeliveryLedger): boolean;
  /** Lines allowed in flight unacknowledged. */
  creditLines(): number;
}

/**
 * The lines output of a source node. `batchSizes`: the running micro-batch
 * nodes by id, with their batch size (see runtime.ts).
 */
export function lineOutput(batchSizes: ReadonlyMap<string, number>, def: NodeDef, output: Output, port = 0, recordStarts = false): LineOutput {
  const downstream = downstreamOf(batchSizes, def, output, port);
  const ids = new MessageIds();

  /** The messages with the line starts and the device record ids need (a second shape, kept off the common path). */
  function startsMessages(chunk: LineChunk, ticket: Ticket, counts: FileCounts | undefined): NodeMessage[] {
    const { path, lines } = chunk;
    const { ino: inode, dev } = chunk.identity;
    const ends = chunk.lineEnds ?? [];
    const starts: number[] = new Array(lines.length);
    for (let i = 0; i < lines.length; i++) starts[i] = i === 0 ? chunk.start : ends[i - 1];
    const extra = counts ? { rotations: counts.rotations, truncations: counts.truncations } : {};
    if (output === 'lines') {
      return [{ _msgid: ids.next(), topic: path, payload: lines, file: { path, offset: chunk.start, end: chunk.end, lines: lines.length, inode, dev, lineOffsets: starts, ...extra }, _ingest: ticket }];
    }
    return lines.map((line, i) => ({ _msgid: ids.next(), topic: path, payload: line, file: { path, offset: starts[i], end: ends[i], lines: 1, inode, dev, ...extra }, _ingest: ticket }));
  }

  return {
    messages(chunk, ticket, counts) {
      const inode = chunk.identity.ino;
      const path = chunk.path;
      if (recordStarts) return startsMessages(chunk, ticket, counts);
      /** msg.file: object literals of one shape each (no spread per line). */
      const fileOf = (offset: number, end: number, lines: number) =>
        counts ? { path, offset, end, lines, inode, rotations: counts.rotations, truncations: counts.truncations } : { path, offset, end, lines, inode };
      if (output === 'lines') {
        return [{ _msgid: ids.next(), topic: path, payload: chunk.lines, file: fileOf(chunk.start, chunk.end, chunk.lines.length), _ingest: ticket }];
      }
      // One message per line: a plain loop (no map per line).
      const lines = chunk.lines;
      const ends = chunk.lineEnds ?? [];
      const messages: NodeMessage[] = new Array(lines.length);
      let offset = chunk.start;
      for (let i = 0; i < lines.length; i++) {
        const end = ends[i];
        messages[i] = { _msgid: ids.next(), topic: path, payload: lines[i], file: fileOf(offset, end, 1), _ingest: ticket };
        offset = end;
      }
      return messages;
    },
    acksPerChunk: (chunk) => downstream.acksFor(chunk.lines.length),
    creditLines: () => downstream.creditLines(),
    close: () => downstream.close(),
    sends: (ticket, ledger) => downstream.sends(ticket, ledger),
  };
}

/** The micro-batch nodes wired to a source's output, as its tickets and credit need them. */
export interface Downstream {
  /**
   * Acknowledgements the messages of `lines` lines will get: one per
   * batcher and message. While closing, one: every ticket then waits for
   * an acknowledgement, so that abandoning it holds its offset back.
   */
  acksFor(lines: number): number;
  /** Lines allowed in flight unacknowledged. */
  creditLines(): number;
  /** The node is closing: from now on nothing is sent (see sends). */
  close(): void;
  /** True when lines may be sent; once closing, their ticket is abandoned instead (see LineOutput.sends). */
  sends(ticket: Ticket, ledger: DeliveryLedger): boolean;
}

/**
 * The batchers on output `port` of a source node sending `output` messages.
 * `batchSizes`: the running micro-batch nodes by id, with their batch size
 * (see runtime.ts).
 */
export function downstreamOf(batchSizes: ReadonlyMap<string, number>, def: NodeDef, output: Output, port = 0): Downstream {
  let found: { batchers: number; credit: number } | undefined;
  let closing = false;

  /** Resolved on first use: when the node starts, those after it may not exist yet. */
  function batchers(): { batchers: number; credit: number } {
    if (found) return found;
    const sizes = (def.wires?.[port] ?? []).flatMap((id) => batchSizes.get(id) ?? []);
    const largest = Math.max(0, ...sizes);
    found = { batchers: sizes.length, credit: sizes.length > 0 ? Math.max(MIN_CREDIT_LINES, 2 * largest) : Infinity };
    return found;
  }

  return {
    acksFor: (lines) => (closing ? 1 : batchers().batchers * (output === 'line' ? lines : 1)),
    creditLines: () => batchers().credit,
    close() {
      closing = true;
    },
    sends(ticket, ledger) {
      if (!closing) return true;
      settleTicket(ledger, ticket, 'abandoned');
      return false;
    },
  };
}

/** Logs what happened to a file: normal events as log lines, losses and repairs as warnings. */
/**
 * A saved read position that could not be used: a warning that names its
 * file (and where a corrupt one was kept). Reading starts as "Start at" says.
 */
export function reportCheckpointProblem(RED: NodeAPI, node: Node, type: string, problem: CheckpointProblem): void {
  const key = (name: string) => `${type}.warnings.${name}`;
  if (problem.kind === 'unreadable') node.warn(RED._(key('checkpointUnreadable'), { file: problem.file, message: problem.message }));
  else if (problem.keptAs) node.warn(RED._(key('checkpointCorrupt'), { file: problem.file, problem: problem.problem, keptAs: problem.keptAs }));
  else node.warn(RED._(key('checkpointCorruptNotMoved'), { file: problem.file, problem: problem.problem }));
}

export function reportNotice(RED: NodeAPI, node: Node, type: string, notice: FollowerNotice): void {
  const key = (name: string) => `${type}.warnings.${name}`;
  switch (notice.kind) {
    case 'rotated':
      node.log(RED._(key('rotated'), { path: notice.path }));
      break;
    case 'removed':
      node.log(RED._(key('removed'), { path: notice.path }));
      break;
    case 'resumed':
      node.log(RED._(key('resumed'), { path: notice.path, offset: notice.offset }));
      break;
    case 'truncated':
      node.warn(RED._(key('truncated'), { path: notice.path, size: notice.size }));
      break;
    case 'recovered':
      node.warn(RED._(key('recovered'), { path: notice.path, from: notice.from, bytes: notice.bytes }));
      break;
    case 'unrecovered':
      node.warn(RED._(key('unrecovered'), { path: notice.path, bytes: notice.bytes }));
      break;
    case 'long-line':
      // One text per policy, not the option value in a sentence: each reads right in every language.
      node.warn(RED._(notice.action === 'skip' ? key('longLineSkipped') : key('longLineCut'), { path: notice.path, max: notice.bytes, offset: notice.offset }));
      break;
    case 'nul-skipped':
      node.warn(RED._(key('nulSkipped'), { path: notice.path, bytes: notice.bytes }));
      break;
    case 'long-record':
      node.warn(RED._(key('longRecord'), { path: notice.path, max: notice.lines, offset: notice.offset }));
      break;
  }
}
