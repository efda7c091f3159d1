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
 * as a safety net where events do not arrive (network shares, containers):
 * see ChangeWatch.
 */
import { promises as fsp, type Stats } from 'node:fs';
import * as path from 'node:path';
import { DEFAULT_CHUNK_BYTES, FileReader, type LineChunk, type ReadOutcome } from './file-reader';
import { isNotARegularFile, notARegularFile, openRegularFile } from './regular-file';
import { ChangeWatch } from './change-watch';
import { RotationTracker } from './rotation-tracker';
import { CopyRecovery } from './copy-recovery';
import { admitted, type FollowContext } from './follow-context';
import type { FollowerError, FollowerOptions, FollowerSink, FollowerSnapshot, FollowerState, OpenFileSnapshot, ResumePoint } from './follower-types';

export type {
  FollowerError,
  FollowerNotice,
  FollowerOptions,
  FollowerSink,
  FollowerSnapshot,
  FollowerState,
  OpenFileSnapshot,
  ResumePoint,
  StartAt,
} from './follower-types';

const DEFAULT_ROTATE_WAIT_MS = 5000;
/** Timers may fire this much early. */
const TIMER_SLACK_MS = 5;
/** How far back "end" looks for the start of the last, unfinished line. */
const LAST_LINE_LOOKBACK = 64 * 1024;

export class FileFollower {
  /** The file at the path, when one is open. */
  private current: FileReader | undefined;
  private readonly tracker: RotationTracker;
  private readonly copies: CopyRecovery;
  private firstOpen = true;
  private running = false;
  private paused = false;
  private pumping: Promise<void> | undefined;
  private again = false;
  private readonly changes: ChangeWatch;
  private state: FollowerState | undefined;
  private lastErrorReason: string | undefined;
  private readonly dir: string;
  /** File sizes from the stats reading does anyway, for snapshot(). */
  private readonly sizes = new WeakMap<FileReader, number>();

  constructor(
    private readonly options: FollowerOptions,
    private readonly sink: FollowerSink,
  ) {
    this.dir = path.dirname(path.resolve(options.path));
    const follow: FollowContext = { options, dir: this.dir, sink, deliver: this.deliver, sizes: this.sizes };
    this.copies = new CopyRecovery(follow, () => this.running);
    this.tracker = new RotationTracker(follow, this.copies, options.resume);
    this.changes = new ChangeWatch({
      dir: this.dir,
      base: path.basename(options.path),
      changed: () => this.trigger(),
      everyNameCounts: () => this.tracker.rotated.length > 0,
    });
  }

  get path(): string {
    return this.options.path;
  }

  start(): void {
    if (this.running) return;
    this.running = true;
    this.changes.start({ watch: this.options.watch !== false, pollIntervalMs: this.options.pollIntervalMs });
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
    this.changes.stop();
    await this.pumping;
    const points = this.positions();
    for (const reader of this.tracker.openFiles(this.current)) await reader.close();
    this.current = undefined;
    this.tracker.stopped(points);
    this.setState('stopped');
    return points;
  }

  /**
   * Where each open file has been consumed up to (rotated ones first), and
   * last the newest file taken up from the path, even when finished.
   */
  positions(): ResumePoint[] {
    return this.tracker.positions(this.current);
  }

  /** What is being read and how far it got: no file system call, cheap enough to poll. */
  snapshot(): FollowerSnapshot {
    const view = (reader: FileReader): OpenFileSnapshot => ({
      identity: reader.identity,
      size: Math.max(this.sizes.get(reader) ?? 0, reader.position),
      offset: reader.consumed,
    });
    return {
      state: this.state ?? 'waiting',
      current: this.current && view(this.current),
      rotated: this.tracker.rotated.map(view),
    };
  }

  /**
   * True when `stats`, of the path, show nothing new: the file read is still
   * there, read to its size, unchanged since, and no rotated file is being
   * finished. Lets a poll skip the pump (its fs calls) for an idle file.
   */
  isCaughtUp(stats: Stats): boolean {
    const reader = this.current;
    if (!reader || this.pumping || this.tracker.rotated.length > 0 || reader.holdsPartialLine) return false;
    return stats.ino === reader.identity.ino && stats.dev === reader.identity.dev && stats.size === reader.position && stats.mtimeMs === reader.lastMtimeMs;
  }

  /** Resolves once no read pass runs (after start: once the file has been read to its end). */
  async whenQuiet(): Promise<void> {
    while (this.pumping) await this.pumping;
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
    await this.drainRotated();
    if (!this.current) {
      if (!(await this.openPath())) return;
      // Rotated files it found beside the path (checkpoint) are older: finished first.
      await this.drainRotated();
    }
    await this.readCurrent();
    if (this.keepGoing()) await this.checkPath();
  }

  private async drainRotated(): Promise<void> {
    const now = Date.now();
    const wait = this.options.rotateWaitMs ?? DEFAULT_ROTATE_WAIT_MS;
    for (const reader of [...this.tracker.rotated]) {
      // Deleted before this read: the read got all there is. (A stat after
      // it would miss what was written between the read and the delete.)
      const before = await reader.stat();
      this.sizes.set(reader, before.size);
      // Truncated (and written again) before or after its rotation: as the current file.
      if ((await this.readThrough(reader)) === 'halted') return;
      if (before.nlink === 0 || now - reader.lastGrowthAt >= wait) {
        // Finished: its last line, if unterminated, is complete now.
        await reader.flushPartial(this.deliver);
        await reader.close();
        this.tracker.finished(reader);
      }
    }
  }

  private deliver = (chunk: LineChunk): Promise<void> | void => this.sink.deliver(chunk);

  /** Opens the followed path; false when it cannot be read (yet). */
  private async openPath(): Promise<boolean> {
    const target = this.options.path;
    let stats: Stats;
    try {
      // A stat first: what is plainly no file (a FIFO, a folder) is refused
      // without opening it. It cannot make the open safe (the path may be
      // replaced in between): openRegularFile does that.
      stats = await (this.options.noFollow ? fsp.lstat(target) : fsp.stat(target));
    } catch (err) {
      if (errorCode(err) === 'ENOENT') await this.tracker.pathMissing();
      return this.openFailed(err);
    }
    if (!stats.isFile()) {
      this.reportError('notAFile', notARegularFile(target));
      return false;
    }
    let handle;
    try {
      // What was opened, from its own fstat: the stat above may be of another file.
      ({ handle, stats } = await openRegularFile(target, { noFollow: this.options.noFollow }));
    } catch (err) {
      return this.openFailed(err);
    }
    if (!(await admitted(this.options, target, handle))) {
      this.reportError('notAllowed', Object.assign(new Error(`${target} is outside the allowed paths`), { code: 'ENOTALLOWED' }));
      return false;
    }
    try {
      const { identity, matched } = await this.tracker.identify(handle, stats);
      if (!(await this.tracker.beforeOpening({ stats, matched }))) {
        await handle.close().catch(() => undefined);
        return false; // stopped while reading a copy
      }
      const offset = await this.startOffset(handle, stats, matched);
      this.current = new FileReader(target, handle, identity, this.options, offset, this.options.chunkBytes ?? DEFAULT_CHUNK_BYTES);
      this.sizes.set(this.current, stats.size);
      this.sink.opened(identity, offset);
      await this.tracker.tookUp(this.current);
      this.firstOpen = false;
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
    } else if (isNotARegularFile(err)) {
      this.reportError('notAFile', err);
    } else {
      this.reportError('read', err);
    }
    return false;
  }

  /** Where to begin in a newly opened file. */
  private async startOffset(handle: fsp.FileHandle, stats: Stats, matched: ResumePoint | undefined): Promise<number> {
    if (matched) {
      if (matched.offset > stats.size) {
        this.sink.notice({ kind: 'truncated', path: this.options.path, size: stats.size });
        return 0;
      }
      this.sink.notice({ kind: 'resumed', path: this.options.path, offset: matched.offset });
      return matched.offset;
    }
    if (this.firstOpen && !this.tracker.hasResumePoints && this.options.startAt === 'end') {
      const unit = this.options.encoding === 'utf16le' ? 2 : 1;
      return afterLastDelimiter(handle, stats.size, Buffer.from(this.options.delimiter, this.options.encoding), unit);
    }
    return 0;
  }

  private async readCurrent(): Promise<void> {
    if (this.current) await this.readThrough(this.current);
  }

  /** Reads a file to its end, handling a truncation on the way; 'end' or 'halted'. */
  private async readThrough(reader: FileReader): Promise<ReadOutcome> {
    if (!(await reader.headUnchanged())) {
      await this.copies.recover(reader);
    }
    for (;;) {
      const outcome = await reader.readAvailable(this.deliver, this.keepGoing);
      this.reportSplitterEvents(reader);
      if (outcome !== 'truncated') return outcome;
      await this.copies.recover(reader);
    }
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
    if (pathStats && pathStats.ino === reader.identity.ino && pathStats.dev === reader.identity.dev) {
      this.sizes.set(reader, pathStats.size);
      return;
    }
    const own = await reader.stat();
    if (!pathStats) {
      if (own.nlink > 0) {
        // Renamed away, no new file yet: keep reading the old one. Files
        // rotated after it meanwhile (a new file came and went) are read too.
        await this.tracker.renamedAway(reader);
        return;
      }
      // Deleted: read what was written up to the delete (after the read
      // above, before the stat); its last line is complete then.
      await this.readCurrent();
      if (!this.keepGoing()) return;
      await reader.flushPartial(this.deliver);
      await reader.close();
      this.current = undefined;
      this.tracker.deleted(reader);
      this.sink.notice({ kind: 'removed', path: this.options.path });
      this.setState(this.paused ? 'paused' : 'waiting');
      return;
    }
    // A new file at the path: keep the old one open for late writes.
    this.tracker.replaced(reader);
    this.current = undefined;
    this.sink.notice({ kind: 'rotated', path: this.options.path });
    const opened = await this.openPath();
    // Files rotated in between (see openPath) are older than the new one: read first.
    await this.drainRotated();
    if (opened) await this.readCurrent();
  }

  private armIdleFlush(): void {
    // An armed timer stays: polls must not keep pushing the flush back.
    if (this.changes.idleArmed || !this.running || this.options.idleFlushMs <= 0) return;
    const waiting = this.tracker.openFiles(this.current).filter((r) => r.holdsPartialLine);
    if (waiting.length === 0 && this.tracker.rotated.length === 0) return;
    const delay = waiting.length > 0 ? this.options.idleFlushMs : (this.options.rotateWaitMs ?? DEFAULT_ROTATE_WAIT_MS);
    this.changes.armIdle(delay, () => void this.flushIdle());
  }

  private async flushIdle(): Promise<void> {
    if (!this.keepGoing()) return;
    await this.pumping;
    this.pumping = (async () => {
      const now = Date.now();
      for (const reader of this.tracker.openFiles(this.current)) {
        if (!reader.holdsPartialLine) continue;
        const stats = await reader.stat();
        // Only a file that stopped growing: new bytes may finish the line.
        if (stats.size === reader.position && now - reader.lastGrowthAt >= this.options.idleFlushMs - TIMER_SLACK_MS) {
          await reader.flushPartial(this.deliver);
        }
      }
      await this.drainRotated();
    })()
      .catch((err) => this.reportError('read', err))
      .finally(() => {
        this.pumping = undefined;
        this.armIdleFlush();
      });
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
