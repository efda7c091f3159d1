/**
 * Follows one path the way `tail -F` does, without its losses.
 *
 * - Waits for a missing file and picks it up when it appears.
 * - Rename rotation: the renamed file is read to its end before the new file
 *   is read from its start, and it stays open for a grace period in case the
 *   writer has not reopened the path yet.
 * - Truncation (copytruncate): the bytes not yet read are looked for in the
 *   copy that was made beside the file, then the file is read from 0.
 * - Deleted while open: read to the end, then wait for the path to return.
 *
 * New data is noticed through a watch on the file's folder, with a stat poll
 * as a safety net where events do not arrive (network shares, containers).
 */
import { promises as fsp, watch, type FSWatcher, type Stats } from 'node:fs';
import * as path from 'node:path';
import { type FileIdentity, identify, isSameFile } from './file-identity';
import { DEFAULT_CHUNK_BYTES, FileReader, type LineChunk, type SplitterSettings } from './file-reader';
import { findCopy, findFileByIdentity } from './sibling-search';
import type { SplitterEvent } from './line-splitter';

export type StartAt = 'end' | 'beginning';

/** Where reading of one file stopped: enough to resume it after a restart. */
export interface ResumePoint {
  identity: FileIdentity;
  offset: number;
}

export interface FollowerOptions extends SplitterSettings {
  path: string;
  /** Where to start in a file that exists when following begins. */
  startAt: StartAt;
  /** Emit a last line without delimiter after this much idleness; 0 = never. */
  idleFlushMs: number;
  pollIntervalMs: number;
  /** How long a rotated file stays open for late writes. */
  rotateWaitMs?: number;
  chunkBytes?: number;
  /** Positions from a checkpoint or an earlier stop. */
  resume?: ResumePoint[];
}

export type FollowerState = 'following' | 'waiting' | 'paused' | 'stopped' | 'error';

export type FollowerNotice =
  | { kind: 'rotated'; path: string }
  | { kind: 'removed'; path: string }
  | { kind: 'truncated'; path: string; size: number }
  | { kind: 'recovered'; path: string; from: string; bytes: number }
  | { kind: 'unrecovered'; path: string; bytes: number }
  | { kind: 'resumed'; path: string; offset: number }
  | ({ path: string } & SplitterEvent);

export interface FollowerError {
  path: string;
  /** denied | notAFile | read */
  reason: 'denied' | 'notAFile' | 'read';
  code: string;
  message: string;
}

export interface FollowerSink {
  /** Receives lines; a returned promise holds reading until it settles. */
  deliver(chunk: LineChunk): Promise<void> | void;
  /** A file is being read from `offset` on. */
  opened(identity: FileIdentity, offset: number): void;
  state(state: FollowerState): void;
  notice(notice: FollowerNotice): void;
  error(error: FollowerError): void;
}

const DEFAULT_ROTATE_WAIT_MS = 5000;
/** Timers may fire this much early. */
const TIMER_SLACK_MS = 5;
/** How far back "end" looks for the start of the last, unfinished line. */
const LAST_LINE_LOOKBACK = 64 * 1024;

export class FileFollower {
  private current: FileReader | undefined;
  /** Rotated files still read for late writes, oldest first. */
  private retired: FileReader[] = [];
  private resume: ResumePoint[];
  private firstOpen = true;
  private running = false;
  private paused = false;
  private pumping: Promise<void> | undefined;
  private again = false;
  private watcher: FSWatcher | undefined;
  private pollTimer: NodeJS.Timeout | undefined;
  private idleTimer: NodeJS.Timeout | undefined;
  private state: FollowerState | undefined;
  private lastErrorReason: string | undefined;
  private readonly dir: string;
  private readonly base: string;

  constructor(
    private readonly options: FollowerOptions,
    private readonly sink: FollowerSink,
  ) {
    this.resume = options.resume ? [...options.resume] : [];
    this.dir = path.dirname(path.resolve(options.path));
    this.base = path.basename(options.path);
  }

  get path(): string {
    return this.options.path;
  }

  start(): void {
    if (this.running) return;
    this.running = true;
    this.watchFolder();
    this.pollTimer = setInterval(() => {
      if (!this.watcher) this.watchFolder();
      this.trigger();
    }, Math.max(10, this.options.pollIntervalMs));
    this.pollTimer.unref?.();
    this.trigger();
  }

  /** Stops reading (reading resumes where it stopped on `resume`). */
  pause(): void {
    if (this.paused) return;
    this.paused = true;
    if (this.running) this.setState('paused');
  }

  unpause(): void {
    if (!this.paused) return;
    this.paused = false;
    if (this.running) {
      this.setState(this.current ? 'following' : 'waiting');
      this.trigger();
    }
  }

  /**
   * Stops following and closes every file. Returns where each file was left,
   * so a later follower can resume exactly there.
   */
  async stop(): Promise<ResumePoint[]> {
    this.running = false;
    this.watcher?.close();
    this.watcher = undefined;
    clearInterval(this.pollTimer);
    clearTimeout(this.idleTimer);
    await this.pumping;
    const points = this.positions();
    for (const reader of [...this.retired, this.current]) await reader?.close();
    this.retired = [];
    this.current = undefined;
    this.resume = points;
    this.setState('stopped');
    return points;
  }

  /** Where each open file has been consumed up to (rotated ones first). */
  positions(): ResumePoint[] {
    const readers = this.current ? [...this.retired, this.current] : this.retired;
    if (readers.length === 0) return [...this.resume];
    return readers.map((r) => ({ identity: r.identity, offset: r.consumed }));
  }

  /** Something may have changed: read what there is, once at a time. */
  trigger(): void {
    if (!this.running) return;
    if (this.pumping) {
      this.again = true;
      return;
    }
    this.pumping = this.pumpUntilQuiet().finally(() => {
      this.pumping = undefined;
    });
  }

  private async pumpUntilQuiet(): Promise<void> {
    do {
      this.again = false;
      try {
        await this.pump();
      } catch (err) {
        this.reportError('read', err);
      }
    } while (this.again && this.running);
    this.armIdleFlush();
  }

  private keepGoing = (): boolean => this.running && !this.paused;

  private async pump(): Promise<void> {
    if (!this.keepGoing()) return;
    await this.drainRetired();
    if (!this.current && !(await this.openPath())) return;
    await this.readCurrent();
    if (this.keepGoing()) await this.checkPath();
  }

  private async drainRetired(): Promise<void> {
    const now = Date.now();
    const wait = this.options.rotateWaitMs ?? DEFAULT_ROTATE_WAIT_MS;
    for (const reader of [...this.retired]) {
      const outcome = await reader.readAvailable(this.deliver, this.keepGoing);
      this.reportSplitterEvents(reader);
      if (outcome === 'halted') return;
      const stats = await reader.stat();
      if (outcome === 'truncated' || stats.nlink === 0 || now - reader.lastGrowthAt >= wait) {
        // Finished: its last line, if unterminated, is complete now.
        if (outcome !== 'truncated') await reader.flushPartial(this.deliver);
        await reader.close();
        this.retired.splice(this.retired.indexOf(reader), 1);
      }
    }
  }

  private deliver = (chunk: LineChunk): Promise<void> | void => this.sink.deliver(chunk);

  /** Opens the followed path; false when it cannot be read (yet). */
  private async openPath(): Promise<boolean> {
    const target = this.options.path;
    let stats: Stats;
    try {
      // stat before open: opening a FIFO would block a worker thread.
      stats = await fsp.stat(target);
    } catch (err) {
      return this.openFailed(err);
    }
    if (!stats.isFile()) {
      this.reportError('notAFile', Object.assign(new Error(`${target} is not a regular file`), { code: 'ENOTFILE' }));
      return false;
    }
    let handle;
    try {
      handle = await fsp.open(target, 'r');
    } catch (err) {
      return this.openFailed(err);
    }
    try {
      stats = await handle.stat();
      const identity = await identify(handle, stats);
      const offset = await this.startOffset(handle, stats, identity);
      await this.reopenRotatedFromCheckpoint(identity);
      this.current = new FileReader(target, handle, identity, this.options, offset, this.options.chunkBytes ?? DEFAULT_CHUNK_BYTES);
      this.sink.opened(identity, offset);
      this.firstOpen = false;
      this.resume = [];
      this.lastErrorReason = undefined;
      this.setState(this.paused ? 'paused' : 'following');
      return true;
    } catch (err) {
      await handle.close().catch(() => undefined);
      return this.openFailed(err);
    }
  }

  private openFailed(err: unknown): false {
    const code = errorCode(err);
    if (code === 'ENOENT' || code === 'ENOTDIR') {
      // A file that appears later is new: read it whole, whatever startAt says.
      this.firstOpen = false;
      this.lastErrorReason = undefined;
      this.setState(this.paused ? 'paused' : 'waiting');
    } else if (code === 'EACCES' || code === 'EPERM') {
      this.reportError('denied', err);
    } else if (code === 'EISDIR') {
      this.reportError('notAFile', err);
    } else {
      this.reportError('read', err);
    }
    return false;
  }

  /** Where to begin in a newly opened file. */
  private async startOffset(handle: fsp.FileHandle, stats: Stats, identity: FileIdentity): Promise<number> {
    for (const point of this.resume) {
      if (await isSameFile(point.identity, handle, stats)) {
        if (point.offset > stats.size) {
          this.sink.notice({ kind: 'truncated', path: this.options.path, size: stats.size });
          return 0;
        }
        this.sink.notice({ kind: 'resumed', path: this.options.path, offset: point.offset });
        return point.offset;
      }
    }
    void identity;
    if (this.firstOpen && this.resume.length === 0 && this.options.startAt === 'end') {
      const unit = this.options.encoding === 'utf16le' ? 2 : 1;
      return afterLastDelimiter(handle, stats.size, Buffer.from(this.options.delimiter, this.options.encoding), unit);
    }
    return 0;
  }

  /**
   * Files from a checkpoint that are no longer at the path were rotated while
   * we were away: find them beside it and finish reading them first.
   */
  private async reopenRotatedFromCheckpoint(currentIdentity: FileIdentity): Promise<void> {
    for (const point of this.resume) {
      if (point.identity.dev === currentIdentity.dev && point.identity.ino === currentIdentity.ino) continue;
      const found = await findFileByIdentity(this.dir, point.identity, this.options.path);
      if (!found) continue;
      if (found.stats.size <= point.offset) {
        await found.handle.close();
        continue;
      }
      this.retired.push(
        new FileReader(this.options.path, found.handle, point.identity, this.options, point.offset, this.options.chunkBytes),
      );
      this.sink.opened(point.identity, point.offset);
      this.sink.notice({ kind: 'rotated', path: this.options.path });
    }
  }

  private async readCurrent(): Promise<void> {
    const reader = this.current;
    if (!reader) return;
    if (!(await reader.headUnchanged())) {
      await this.handleTruncation(reader);
    }
    for (;;) {
      const outcome = await reader.readAvailable(this.deliver, this.keepGoing);
      this.reportSplitterEvents(reader);
      if (outcome !== 'truncated') return;
      await this.handleTruncation(reader);
    }
  }

  /**
   * The file shrank under us (copytruncate, or `> file`). Bytes written
   * before the truncation that we had not read are looked for in a copy
   * beside the file; then the file is read again from its start.
   */
  private async handleTruncation(reader: FileReader): Promise<void> {
    const stats = await reader.stat();
    const consumed = reader.consumed;
    this.sink.notice({ kind: 'truncated', path: this.options.path, size: stats.size });
    const copy = await findCopy(this.dir, reader.identity, consumed, this.options.path);
    if (copy) {
      const copyReader = new FileReader(this.options.path, copy.handle, reader.identity, this.options, consumed, this.options.chunkBytes);
      await copyReader.readAvailable(this.deliver, () => this.running);
      await copyReader.flushPartial(this.deliver);
      await copyReader.close();
      this.sink.notice({ kind: 'recovered', path: this.options.path, from: copy.path, bytes: copy.stats.size - consumed });
    } else if (reader.position > consumed) {
      this.sink.notice({ kind: 'unrecovered', path: this.options.path, bytes: reader.position - consumed });
    }
    reader.restartAt(0);
    await reader.reidentify();
  }

  /** After reading to the end: has the path been rotated, replaced or removed? */
  private async checkPath(): Promise<void> {
    const reader = this.current;
    if (!reader) return;
    let pathStats: Stats | undefined;
    try {
      pathStats = await fsp.stat(this.options.path);
    } catch (err) {
      if (errorCode(err) !== 'ENOENT' && errorCode(err) !== 'ENOTDIR') throw err;
    }
    if (pathStats && pathStats.ino === reader.identity.ino && pathStats.dev === reader.identity.dev) return;
    const own = await reader.stat();
    if (!pathStats) {
      if (own.nlink > 0) return; // renamed away, no new file yet: keep reading the old one
      // Deleted: what was written is read; its last line is complete.
      await reader.flushPartial(this.deliver);
      await reader.close();
      this.current = undefined;
      this.sink.notice({ kind: 'removed', path: this.options.path });
      this.setState(this.paused ? 'paused' : 'waiting');
      return;
    }
    // A new file at the path: keep the old one open for late writes.
    this.retired.push(reader);
    this.current = undefined;
    this.sink.notice({ kind: 'rotated', path: this.options.path });
    if (await this.openPath()) await this.readCurrent();
  }

  private armIdleFlush(): void {
    // An armed timer stays: polls must not keep pushing the flush back.
    if (this.idleTimer || !this.running || this.options.idleFlushMs <= 0) return;
    const readers = this.current ? [this.current, ...this.retired] : this.retired;
    const waiting = readers.filter((r) => r.holdsPartialLine);
    if (waiting.length === 0 && this.retired.length === 0) return;
    const delay = waiting.length > 0 ? this.options.idleFlushMs : (this.options.rotateWaitMs ?? DEFAULT_ROTATE_WAIT_MS);
    this.idleTimer = setTimeout(() => {
      this.idleTimer = undefined;
      void this.flushIdle();
    }, delay);
    this.idleTimer.unref?.();
  }

  private async flushIdle(): Promise<void> {
    if (!this.keepGoing()) return;
    await this.pumping;
    this.pumping = (async () => {
      const readers = this.current ? [...this.retired, this.current] : [...this.retired];
      const now = Date.now();
      for (const reader of readers) {
        if (!reader.holdsPartialLine) continue;
        const stats = await reader.stat();
        // Only a file that stopped growing: new bytes may finish the line.
        if (stats.size === reader.position && now - reader.lastGrowthAt >= this.options.idleFlushMs - TIMER_SLACK_MS) {
          await reader.flushPartial(this.deliver);
        }
      }
      await this.drainRetired();
    })()
      .catch((err) => this.reportError('read', err))
      .finally(() => {
        this.pumping = undefined;
        this.armIdleFlush();
      });
  }

  private watchFolder(): void {
    try {
      this.watcher = watch(this.dir, { persistent: false }, (_event, name) => {
        if (name === this.base || this.retired.length > 0 || name === null) this.trigger();
      });
      this.watcher.on('error', () => {
        // The folder went away or the system ran out of watches: the poll
        // carries on and tries to watch again.
        this.watcher?.close();
        this.watcher = undefined;
      });
    } catch {
      this.watcher = undefined;
    }
  }

  private reportSplitterEvents(reader: FileReader): void {
    for (const event of reader.takeEvents()) this.sink.notice({ path: this.options.path, ...event });
  }

  private reportError(reason: FollowerError['reason'], err: unknown): void {
    this.setState('error');
    if (this.lastErrorReason === reason) return;
    this.lastErrorReason = reason;
    this.sink.error({
      path: this.options.path,
      reason,
      code: errorCode(err) ?? 'EUNKNOWN',
      message: err instanceof Error ? err.message : String(err),
    });
  }

  private setState(state: FollowerState): void {
    if (state === this.state) return;
    this.state = state;
    this.sink.state(state);
  }
}

function errorCode(err: unknown): string | undefined {
  return typeof err === 'object' && err !== null && 'code' in err ? String((err as { code: unknown }).code) : undefined;
}

/** The offset just after the last delimiter before `size` (0 if none is near). */
async function afterLastDelimiter(handle: fsp.FileHandle, size: number, delimiter: Buffer, unit: number): Promise<number> {
  if (size === 0) return 0;
  const from = Math.max(0, size - LAST_LINE_LOOKBACK);
  const tail = Buffer.alloc(size - from);
  const { bytesRead } = await handle.read(tail, 0, tail.length, from);
  const bytes = tail.subarray(0, bytesRead);
  let at = bytes.lastIndexOf(delimiter);
  while (at > 0 && (from + at) % unit !== 0) at = bytes.lastIndexOf(delimiter, at - 1);
  if (at < 0 || (from + at) % unit !== 0) return from === 0 ? 0 : size;
  return from + at + delimiter.length;
}
