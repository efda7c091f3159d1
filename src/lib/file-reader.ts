/**
 * Reads one open file from an offset to its current end, in bounded chunks,
 * and hands the lines to a sink. It knows nothing about paths or rotation:
 * the follower decides which files to read and when.
 */
import { fstatSync, readSync, type Stats } from 'node:fs';
import type { FileHandle } from 'node:fs/promises';
import { setImmediate as nextTurn } from 'node:timers/promises';
import { HEAD_BYTES, type FileIdentity, identify } from './file-identity';
import { HeadCheck } from './head-check';
import { LineSplitter, type LineSplitterOptions, type SplitResult, type SplitterEvent } from './line-splitter';
import { InlineReads } from './inline-reads';
import { suitsInlineReadsOn } from './inline-verdicts';
import { borrowBuffer, inlineBuffer, returnBuffer, SMALL_READ_BYTES } from './read-buffers';
import { RecordJoiner, type JoinResult, type RecordEvent } from './record-joiner';
import type { RecordRule } from './multiline-rules';

/** Lines (or multiline records) read from one file, with where they lie in it. */
export interface LineChunk {
  /** The path being followed (a rotated file keeps the path it was read under). */
  path: string;
  /** The lines, or with multiline on, the records (their lines joined with "\n"). */
  lines: string[];
  /** File offset after each line's (record's last line's) delimiter, when line ends are tracked. */
  lineEnds: number[] | undefined;
  /** Offset of the first line's first byte. */
  start: number;
  /** Offset up to which the file is consumed once these lines are delivered. */
  end: number;
  identity: FileIdentity;
}

export type ReadOutcome = 'end' | 'truncated' | 'halted';

export type SplitterSettings = Omit<LineSplitterOptions, 'startOffset'>;

/** Multiline records: which lines continue a record, and its limits. */
export interface MultilineSettings {
  rule: RecordRule;
  /** Lines kept of one record; the rest of a longer one is dropped. */
  maxLines: number;
  /** Quiet time after which the record in progress is complete. */
  timeoutMs: number;
}

export interface ReaderSettings extends SplitterSettings {
  /** Read inline where that suits the file (see inline-reads); false: always on the thread pool. */
  inlineReads?: boolean;
  /** Join lines into multiline records; absent: every line is its own record. */
  multiline?: MultilineSettings;
}

/** What a reader reports of input that breaks the layout: the splitter's events and cut records. */
export type ReaderEvent = SplitterEvent | RecordEvent;

/**
 * Reads of 128 KiB. Larger is slower in Node-RED: on a 1 GiB backlog, 1 MiB
 * reads took peak RSS from 130 MB to 245 MB and halved the rate, most likely
 * because the array of a mebibyte's lines (10,000 of 100 bytes) outgrows
 * V8's regular objects (128 KiB) and lands in its large-object space, which
 * only a full collection frees. The splitter decodes in pieces of at most
 * 64 KiB for the same reason (see line-splitter).
 */
export const DEFAULT_CHUNK_BYTES = 128 * 1024;

export class FileReader {
  private splitter: LineSplitter;
  /** One per file, so that a record never spans a rotation: a finished file's last record is flushed with it. */
  private readonly joiner: RecordJoiner | undefined;
  private readonly multilineTimeoutMs: number;
  /** Line ends wanted in the chunks (the joiner needs them anyway). */
  private readonly keepLineEnds: boolean;
  private readonly chunkBytes: number;
  /** For thread-pool reads up to SMALL_READ_BYTES: allocated on first use in a read pass, dropped at its end. */
  private ownBuffer: Buffer | undefined;
  /** Size seen at the last stat, to tell growth from idleness. */
  private lastSize = -1;
  lastGrowthAt = Date.now();
  /** Modification time at the last stat (see FileFollower.isCaughtUp). */
  lastMtimeMs = -1;
  /** Whether the file still holds what was read of it; grows `identity`'s head with the file. */
  private readonly headCheck: HeadCheck;
  private readonly inlineAllowed: boolean;
  /** Decided on the first read (it asks the file system). */
  private reads: InlineReads | undefined;

  constructor(
    readonly path: string,
    private readonly handle: FileHandle,
    public identity: FileIdentity,
    settings: ReaderSettings,
    startOffset: number,
    chunkBytes: number = DEFAULT_CHUNK_BYTES,
  ) {
    this.chunkBytes = Math.max(1, chunkBytes);
    const multiline = settings.multiline;
    this.splitter = new LineSplitter({ ...settings, trackLineEnds: settings.trackLineEnds || multiline !== undefined, startOffset });
    this.joiner = multiline && new RecordJoiner(multiline.rule, multiline.maxLines, startOffset);
    this.multilineTimeoutMs = multiline?.timeoutMs ?? 0;
    this.keepLineEnds = settings.trackLineEnds;
    this.inlineAllowed = settings.inlineReads !== false;
    this.headCheck = new HeadCheck(handle, this);
  }

  /**
   * Offset up to which every byte has become a line given out (or was
   * dropped). With multiline on, a record in progress holds it at the
   * record's start: a checkpoint never falls inside a record.
   */
  get consumed(): number {
    return this.joiner?.holding ? this.joiner.consumed : this.splitter.consumed;
  }

  /** Offset of the next byte to read. */
  get position(): number {
    return this.splitter.position;
  }

  /** A line has begun but its delimiter is not yet written, or a record is in progress. */
  get holdsPartialLine(): boolean {
    return this.splitter.inLine || this.joiner?.holding === true;
  }

  /**
   * How long the file must be quiet before what it holds is complete: the
   * line in progress after `idleFlushMs` (0: never), the record in progress
   * after the multiline timeout (or both, after the longer). Undefined when
   * nothing is held that a wait would complete.
   */
  quietFlushMs(idleFlushMs: number): number | undefined {
    const line = this.splitter.inLine && idleFlushMs > 0;
    const record = this.joiner?.holding === true;
    if (line && record) return Math.max(idleFlushMs, this.multilineTimeoutMs);
    if (line) return idleFlushMs;
    if (record) return this.multilineTimeoutMs;
    return undefined;
  }

  takeEvents(): ReaderEvent[] {
    const events: ReaderEvent[] = this.splitter.takeEvents();
    if (this.joiner) for (const event of this.joiner.takeEvents()) events.push(event);
    return events;
  }

  async stat() {
    return this.handle.stat();
  }

  /** False when the file was rewritten from its start since it was identified (see HeadCheck.unchanged). */
  async headUnchanged(): Promise<boolean> {
    if (this.identity.headLength === 0) return true;
    return this.headCheck.unchanged(await this.inlineReads());
  }

  /** How this file is read, decided on first use (it asks the file system, once per device and minute). */
  private async inlineReads(): Promise<InlineReads> {
    return (this.reads ??= new InlineReads(this.inlineAllowed && (await suitsInlineReadsOn(this.identity.dev, this.path))));
  }

  /**
   * The open file's stat. Inline where reads are: an fstat of an open file
   * on a local file system needs no disk (its inode is in memory while it
   * is open), and through the thread pool it costs a hand-off each way,
   * twice per read pass.
   */
  private async statOpen(reads: InlineReads): Promise<Stats> {
    return reads.inline ? fstatSync(this.handle.fd) : this.handle.stat();
  }

  /** Identifies the file afresh (after it was truncated and rewritten). */
  async reidentify(): Promise<void> {
    this.identity = await identify(this.handle, await this.handle.stat());
  }

  /**
   * Reads from the current position to the end of the file, a chunk at a
   * time, awaiting the sink after each chunk and yielding to the event loop
   * between chunks. Stops early when `keepGoing` turns false, and reports a
   * file that became shorter than what was read (truncation).
   */
  async readAvailable(
    deliver: (chunk: LineChunk) => Promise<void> | void,
    keepGoing: () => boolean,
  ): Promise<ReadOutcome> {
    // Bytes the last stat showed beyond the position: while they fill whole
    // chunks, chunks are read without a stat each. A short read (the file
    // shrank meanwhile) ends that (-1: unknown); the next stat tells what happened.
    let known = -1;
    // In a backlog the next chunk is read while this one is split and
    // delivered, so the event loop does not wait for the thread pool between
    // chunks. Each chunk's head check still comes after its own read.
    let ahead: { at: number; buffer: Buffer; read: Promise<{ bytesRead: number }> } | undefined;
    const reads = await this.inlineReads();
    try {
      for (;;) {
        if (!keepGoing()) return 'halted';
        let want: number;
        const unchecked = known >= this.chunkBytes;
        if (unchecked) {
          want = this.chunkBytes;
        } else {
          const stats = await this.statOpen(reads);
          if (stats.size < this.splitter.position) return 'truncated';
          this.lastMtimeMs = stats.mtimeMs;
          if (stats.size !== this.lastSize) {
            this.lastSize = stats.size;
            this.lastGrowthAt = Date.now();
          }
          known = stats.size - this.splitter.position;
          want = Math.min(this.chunkBytes, known);
        }
        if (want <= 0) {
          // Nothing new to read; the head still grows with the file until it is full.
          const headCanGrow = this.identity.headLength < HEAD_BYTES && this.lastSize > this.identity.headLength;
          return !headCanGrow || (await this.headCheck.holds(this.splitter.position)) ? 'end' : 'truncated';
        }
        /** What a read of `bytesRead` bytes means: use them, or (none) read on or end. */
        const took = (bytesRead: number): 'use' | 'retry' | 'end' => {
          if (bytesRead >= want) {
            known -= bytesRead;
            return 'use';
          }
          // Less than the last stat promised: the file shrank since. A stat
          // first tells a truncation from the end.
          known = -1;
          return bytesRead > 0 ? 'use' : unchecked ? 'retry' : 'end';
        };
        let result: SplitResult;
        if (reads.inline) {
          // Back from the thread pool with a read ahead under way: let it end unused.
          if (ahead) ahead = await dropRead(ahead);
          // Read, head check and split with no await between (see inlineBuffer).
          const buffer = inlineBuffer(this.chunkBytes);
          const from = this.splitter.position;
          const bytesRead = reads.read(() => readSync(this.handle.fd, buffer, 0, want, from));
          const next = took(bytesRead);
          if (next === 'retry') continue;
          if (next === 'end') return 'end';
          const bytes = buffer.subarray(0, bytesRead);
          if (!this.headCheck.holdsInline(from, bytes)) return 'truncated';
          result = this.splitter.push(bytes);
        } else {
          let shared: Buffer | undefined;
          let reading: Promise<{ bytesRead: number }>;
          if (ahead && ahead.at === this.splitter.position && ahead.buffer.length >= want) {
            shared = ahead.buffer;
            reading = ahead.read;
            ahead = undefined;
          } else {
            shared = want > SMALL_READ_BYTES ? borrowBuffer(this.chunkBytes) : undefined;
            want = Math.min(want, (shared ?? this.smallBuffer()).length);
            reading = this.handle.read(shared ?? this.smallBuffer(), 0, want, this.splitter.position);
          }
          const buffer = shared ?? this.smallBuffer();
          try {
            const { bytesRead } = await reading;
            const next = took(bytesRead);
            if (next === 'retry') continue;
            if (next === 'end') return 'end';
            if (known >= this.chunkBytes && shared) {
              const nextBuffer = borrowBuffer(this.chunkBytes);
              const at = this.splitter.position + bytesRead;
              if (nextBuffer) ahead = { at, buffer: nextBuffer, read: this.handle.read(nextBuffer, 0, this.chunkBytes, at) };
            }
            const bytes = buffer.subarray(0, bytesRead);
            // Truncated and written again since the stat (copytruncate, then new
            // lines)? Then these bytes are from the middle of the new content: the
            // head, read after them, tells.
            if (!(await this.headCheck.holds(this.splitter.position, bytes))) return 'truncated';
            // The splitter copies what it keeps: the buffer is free again after this.
            result = this.splitter.push(bytes);
          } finally {
            if (shared) returnBuffer(shared);
          }
        }
        if (result.lines.length > 0) {
          const chunk = this.chunk(result);
          if (chunk.lines.length > 0) await deliver(chunk);
        }
        // No shortcut to 'end' after a read that took all the stat showed: the
        // stat that ends the pass is what notices a truncation (and a
        // copytruncate) that came meanwhile; without it a line written after
        // one was never read (the model tests found this).
        // Each chunk gets its own turn of the event loop: a backlog never keeps
        // timers, I/O and the HTTP server waiting for long.
        await nextTurn();
      }
    } finally {
      // Stopped with a read under way: it must end before its buffer is lent again.
      if (ahead) await dropRead(ahead);
      // Held only while reading: a thousand idle files hold no buffer each.
      this.ownBuffer = undefined;
    }
  }

  private smallBuffer(): Buffer {
    this.ownBuffer ??= Buffer.allocUnsafe(Math.min(this.chunkBytes, SMALL_READ_BYTES));
    return this.ownBuffer;
  }

  /**
   * Emits the line in progress although its delimiter is missing, and the
   * record in progress: the file is finished, or was quiet for long enough
   * (see quietFlushMs).
   */
  async flushPartial(deliver: (chunk: LineChunk) => Promise<void> | void): Promise<void> {
    const chunk = this.chunk(this.splitter.flushPartial());
    if (this.joiner) appendRecords(chunk, this.joiner.flush(), this.keepLineEnds);
    if (chunk.lines.length > 0) await deliver(chunk);
  }

  /** After a quiet time (see quietFlushMs): flushes the line in progress only when `idleFlushMs` allows it. */
  async flushQuiet(idleFlushMs: number, deliver: (chunk: LineChunk) => Promise<void> | void): Promise<void> {
    if (idleFlushMs > 0 || !this.splitter.inLine) return this.flushPartial(deliver);
    return this.flushRecord(deliver);
  }

  /** Emits the record in progress, not a line in progress (which may yet get its delimiter). */
  async flushRecord(deliver: (chunk: LineChunk) => Promise<void> | void): Promise<void> {
    if (!this.joiner?.holding) return;
    const chunk = this.emptyChunk(this.joiner.consumed);
    appendRecords(chunk, this.joiner.flush(), this.keepLineEnds);
    if (chunk.lines.length > 0) await deliver(chunk);
  }

  /** Starts again at `offset`, forgetting the line (and the record) in progress. */
  restartAt(offset: number): void {
    this.splitter.reset(offset);
    this.joiner?.reset(offset);
    this.lastSize = -1;
  }

  async close(): Promise<void> {
    await this.handle.close().catch(() => undefined);
  }

  /** The chunk of a split: its lines, or with multiline on the records they complete. */
  private chunk(result: SplitResult): LineChunk {
    if (this.joiner) {
      const joined = this.joiner.push(result.lines, result.lineEnds ?? [], result.start, result.end);
      return {
        path: this.path,
        lines: joined.records,
        lineEnds: this.keepLineEnds ? joined.recordEnds : undefined,
        start: joined.start,
        end: joined.end,
        identity: this.identity,
      };
    }
    return {
      path: this.path,
      lines: result.lines,
      lineEnds: result.lineEnds,
      start: result.start,
      end: result.end,
      identity: this.identity,
    };
  }

  private emptyChunk(at: number): LineChunk {
    return { path: this.path, lines: [], lineEnds: this.keepLineEnds ? [] : undefined, start: at, end: at, identity: this.identity };
  }
}

/** Adds the records of a flush to a chunk (which may hold records of its own, made by the last partial line). */
function appendRecords(chunk: LineChunk, flushed: JoinResult, keepLineEnds: boolean): void {
  if (flushed.records.length === 0) return;
  if (chunk.lines.length === 0) chunk.start = flushed.start;
  for (let i = 0; i < flushed.records.length; i++) {
    chunk.lines.push(flushed.records[i]);
    if (keepLineEnds) chunk.lineEnds?.push(flushed.recordEnds[i]);
  }
  chunk.end = flushed.end;
}

/** Waits for a read ahead that will not be used, and gives its buffer back. */
async function dropRead(ahead: { buffer: Buffer; read: Promise<unknown> }): Promise<undefined> {
  await ahead.read.catch(() => undefined);
  returnBuffer(ahead.buffer);
  return undefined;
}

