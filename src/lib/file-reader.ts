/**
 * Reads one open file from an offset to its current end, in bounded chunks,
 * and hands the lines to a sink. It knows nothing about paths or rotation:
 * the follower decides which files to read and when.
 */
import { createHash } from 'node:crypto';
import type { FileHandle } from 'node:fs/promises';
import { setImmediate as nextTurn } from 'node:timers/promises';
import { HEAD_BYTES, type FileIdentity, hasSameHead, identify } from './file-identity';
import { LineSplitter, type LineSplitterOptions, type SplitResult, type SplitterEvent } from './line-splitter';

/** Lines read from one file, with where they lie in it. */
export interface LineChunk {
  /** The path being followed (a rotated file keeps the path it was read under). */
  path: string;
  lines: string[];
  /** File offset after each line's delimiter, when line ends are tracked. */
  lineEnds: number[] | undefined;
  /** Offset of the first line's first byte. */
  start: number;
  /** Offset up to which the file is consumed once these lines are delivered. */
  end: number;
  identity: FileIdentity;
}

export type ReadOutcome = 'end' | 'truncated' | 'halted';

export type SplitterSettings = Omit<LineSplitterOptions, 'startOffset'>;

export const DEFAULT_CHUNK_BYTES = 256 * 1024;

export class FileReader {
  private splitter: LineSplitter;
  private readonly buffer: Buffer;
  /** Size seen at the last stat, to tell growth from idleness. */
  private lastSize = -1;
  lastGrowthAt = Date.now();

  constructor(
    readonly path: string,
    private readonly handle: FileHandle,
    public identity: FileIdentity,
    settings: SplitterSettings,
    startOffset: number,
    chunkBytes: number = DEFAULT_CHUNK_BYTES,
  ) {
    this.buffer = Buffer.allocUnsafe(chunkBytes);
    this.splitter = new LineSplitter({ ...settings, startOffset });
  }

  /** Offset up to which every byte has become a line (or was dropped). */
  get consumed(): number {
    return this.splitter.consumed;
  }

  /** Offset of the next byte to read. */
  get position(): number {
    return this.splitter.position;
  }

  /** A line has begun but its delimiter is not yet written. */
  get holdsPartialLine(): boolean {
    return this.splitter.inLine;
  }

  takeEvents(): SplitterEvent[] {
    return this.splitter.takeEvents();
  }

  async stat() {
    return this.handle.stat();
  }

  /** False when the file was rewritten from its start since it was identified. */
  async headUnchanged(): Promise<boolean> {
    if (this.identity.headLength === 0) return true;
    return hasSameHead(this.identity, this.handle, await this.handle.stat());
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
    for (;;) {
      if (!keepGoing()) return 'halted';
      const stats = await this.handle.stat();
      if (stats.size < this.splitter.position) return 'truncated';
      if (stats.size !== this.lastSize) {
        this.lastSize = stats.size;
        this.lastGrowthAt = Date.now();
      }
      const want = Math.min(this.buffer.length, stats.size - this.splitter.position);
      if (want <= 0) {
        // Nothing new to read; the head still grows with the file until it is full.
        const headCanGrow = this.identity.headLength < HEAD_BYTES && stats.size > this.identity.headLength;
        return !headCanGrow || (await this.checkHead(this.splitter.position)) ? 'end' : 'truncated';
      }
      const { bytesRead } = await this.handle.read(this.buffer, 0, want, this.splitter.position);
      if (bytesRead === 0) return 'end';
      // Truncated and written again since the stat (copytruncate, then new
      // lines)? Then these bytes are from the middle of the new content: the
      // head, read after them, tells.
      if (!(await this.checkHead(this.splitter.position, this.buffer.subarray(0, bytesRead)))) return 'truncated';
      const result = this.splitter.push(this.buffer.subarray(0, bytesRead));
      if (result.lines.length > 0) await deliver(this.chunk(result));
      await nextTurn();
    }
  }

  /**
   * True while the file still holds what was read of it: it starts with the
   * bytes it was identified by, and `chunk`, just read at `from`, where it
   * lies in the head, is what the head holds now. Grows the identity's head
   * with the file (see file-identity), from that same read of the head, so a
   * file rewritten in between is never taken for a longer version of itself.
   * The head must cover what was read of it: a file now shorter was
   * truncated after the read, and an identity left shorter than what was
   * delivered (an empty head matches any file) would resume another file.
   */
  private async checkHead(from: number, chunk?: Buffer): Promise<boolean> {
    const known = this.identity;
    if (known.headLength >= HEAD_BYTES) return this.headUnchanged();
    const readTo = from + (chunk?.length ?? 0);
    const need = Math.max(known.headLength, Math.min(HEAD_BYTES, readTo));
    const stats = await this.handle.stat();
    const length = Math.min(HEAD_BYTES, stats.size);
    if (length < need) return false;
    const head = Buffer.alloc(length);
    let read = 0;
    while (read < length) {
      const { bytesRead } = await this.handle.read(head, read, length - read, read);
      if (bytesRead === 0) break;
      read += bytesRead;
    }
    if (read < need) return false;
    const hash = (n: number) => createHash('sha256').update(head.subarray(0, n)).digest('hex');
    if (hash(known.headLength) !== known.headHash) return false;
    if (chunk && from < read) {
      const overlap = Math.min(read, readTo) - from;
      if (!head.subarray(from, from + overlap).equals(chunk.subarray(0, overlap))) return false;
    }
    // Same dev and ino: a reader of a copy keeps the identity of the original.
    if (read > known.headLength) this.identity = { ...known, headLength: read, headHash: hash(read) };
    return true;
  }

  /** Emits the line in progress although its delimiter is missing. */
  async flushPartial(deliver: (chunk: LineChunk) => Promise<void> | void): Promise<void> {
    const result = this.splitter.flushPartial();
    if (result.lines.length > 0) await deliver(this.chunk(result));
  }

  /** Starts again at `offset`, forgetting the line in progress. */
  restartAt(offset: number): void {
    this.splitter.reset(offset);
    this.lastSize = -1;
  }

  async close(): Promise<void> {
    await this.handle.close().catch(() => undefined);
  }

  private chunk(result: SplitResult): LineChunk {
    return {
      path: this.path,
      lines: result.lines,
      lineEnds: result.lineEnds,
      start: result.start,
      end: result.end,
      identity: this.identity,
    };
  }
}
