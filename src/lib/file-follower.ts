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
 *
 * The follower reads and decides what to do next; its parts: ChangeWatch
 * (when to look), RotationTracker (which files besides the one at the path),
 * CopyRecovery (truncation), followed-path (checks on the path itself).
 */
import { promises as fsp, type Stats } from 'node:fs';
import * as path from 'node:path';
import { DEFAULT_CHUNK_BYTES, FileReader, type LineChunk, type ReadOutcome } from './file-reader';
import { ChangeWatch } from './change-watch';
import { RotationTracker } from './rotation-tracker';
import { CopyRecovery } from './copy-recovery';
import type { FollowContext } from './follow-context';
import { lastLineStart, openAtPath, openFailure, pathChange } from './followed-path';
import { FollowerStatus } from './follower-status';
import type { FollowerOptions, FollowerEvents, FollowerSnapshot, OpenFileSnapshot, ResumePoint } from './follower-types';

export type { FollowerError, FollowerNotice, FollowerOptions, FollowerEvents, FollowerSnapshot, FollowerState, OpenFileSnapshot, ResumePoint, StartAt } from './follower-types';

const DEFAULT_ROTATE_WAIT_MS = 5000;
/** Timers may fire this much early. */
const TIMER_SLACK_MS = 5;

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
  private readonly status: FollowerStatus;
  /** File sizes from the stats reading does anyway, for snapshot(). */
  private readonly sizes = new WeakMap<FileReader, number>();

  constructor(
    private readonly options: FollowerOptions,
    private readonly events: FollowerEvents,
  ) {
    const dir = path.dirname(path.resolve(options.path));
    this.status = new FollowerStatus(options, events);
    const follow: FollowContext = { options, dir, events, deliver: this.deliver, sizes: this.sizes };
    this.copies = new CopyRecovery(follow, () => this.running);
    this.tracker = new RotationTracker(follow, this.copies, options.resume);
    const base = path.basename(options.path);
    this.changes = new ChangeWatch(dir, (name) => {
      // While rotated files (under other names) are finished, any name's event counts.
      if (name === base || this.tracker.rotated.length > 0 || name === null) this.trigger();
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
    if (this.running) this.status.set('paused');
  }

  unpause(): void {
    if (!this.paused) return;
    this.paused = false;
    if (this.running) {
      this.status.set(this.current ? 'following' : 'waiting');
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
    this.status.set('stopped');
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
      state: this.status.current,
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
        this.status.error('read', err);
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
      // Its last record is complete: newer lines are in a newer file, and go after it.
      await reader.flushRecord(this.deliver);
      if (before.nlink === 0 || now - reader.lastGrowthAt >= wait) {
        // Finished: its last line, if unterminated, is complete now.
        await reader.flushPartial(this.deliver);
        await reader.close();
        this.tracker.finished(reader);
      }
    }
  }

  private deliver = (chunk: LineChunk): Promise<void> | void => this.events.deliver(chunk);

  /** Opens the followed path; false when it cannot be read (yet). */
  private async openPath(): Promise<boolean> {
    const opening = await openAtPath(this.options);
    if (opening.kind === 'refused') {
      this.status.error(opening.reason, opening.err);
      return false;
    }
    if (opening.kind !== 'opened') {
      if (opening.kind === 'missing') await this.tracker.pathMissing();
      return this.openFailed(opening.err);
    }
    const { handle, stats } = opening;
    try {
      const { identity, matched } = await this.tracker.identify(handle, stats);
      if (!(await this.tracker.reconcileCheckpoint({ stats, matched }))) {
        await handle.close().catch(() => undefined);
        return false; // stopped while reading a copy
      }
      const offset = await this.startOffset(handle, stats, matched);
      this.current = new FileReader(this.options.path, handle, identity, this.options, offset, this.options.chunkBytes ?? DEFAULT_CHUNK_BYTES);
      this.sizes.set(this.current, stats.size);
      this.events.opened(identity, offset);
      await this.tracker.tookUp(this.current);
      this.firstOpen = false;
      this.status.recovered(this.paused ? 'paused' : 'following');
      return true;
    } catch (err) {
      await handle.close().catch(() => undefined);
      return this.openFailed(err);
    }
  }

  private openFailed(err: unknown): false {
    const reason = openFailure(err);
    if (reason === 'missing') {
      // A file that appears later is new: read it whole, whatever startAt says.
      this.firstOpen = false;
      this.status.recovered(this.paused ? 'paused' : 'waiting');
    } else {
      this.status.error(reason, err);
    }
    return false;
  }

  /** Where to begin in a newly opened file. */
  private async startOffset(handle: fsp.FileHandle, stats: Stats, matched: ResumePoint | undefined): Promise<number> {
    if (matched) {
      if (matched.offset > stats.size) {
        this.events.notice({ kind: 'truncated', path: this.options.path, size: stats.size });
        return 0;
      }
      this.events.notice({ kind: 'resumed', path: this.options.path, offset: matched.offset });
      return matched.offset;
    }
    const fromEnd = this.firstOpen && !this.tracker.hasResumePoints && this.options.startAt === 'end';
    return fromEnd ? lastLineStart(handle, stats.size, this.options) : 0;
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
    const change = await pathChange(this.options.path, reader);
    if (change.kind === 'unchanged') {
      this.sizes.set(reader, change.size);
      return;
    }
    if (change.kind === 'renamed') {
      // Renamed away, no new file yet: keep reading the old one. Files
      // rotated after it meanwhile (a new file came and went) are read too.
      await this.tracker.renamedAway(reader);
      return;
    }
    if (change.kind === 'deleted') {
      // Deleted: read what was written up to the delete (after the read
      // above, before the stat); its last line is complete then.
      await this.readCurrent();
      if (!this.keepGoing()) return;
      await reader.flushPartial(this.deliver);
      await reader.close();
      this.current = undefined;
      this.tracker.deleted(reader);
      this.events.notice({ kind: 'removed', path: this.options.path });
      this.status.set(this.paused ? 'paused' : 'waiting');
      return;
    }
    // A new file at the path: keep the old one open for late writes.
    this.tracker.replaced(reader);
    this.current = undefined;
    this.events.notice({ kind: 'rotated', path: this.options.path });
    const opened = await this.openPath();
    // Files rotated in between (see openPath) are older than the new one: read first.
    await this.drainRotated();
    if (opened) await this.readCurrent();
  }

  private armIdleFlush(): void {
    // An armed timer stays: polls must not keep pushing the flush back.
    if (this.changes.idleArmed || !this.running) return;
    const now = Date.now();
    let delay: number | undefined;
    for (const reader of this.tracker.openFiles(this.current)) {
      const quiet = reader.quietFlushMs(this.options.idleFlushMs);
      // What is left of the quiet time: a record waits its own timeout, not a new one per pass.
      if (quiet !== undefined) delay = Math.min(delay ?? Infinity, Math.max(TIMER_SLACK_MS, quiet - (now - reader.lastGrowthAt)));
    }
    if (delay === undefined && this.tracker.rotated.length === 0) return;
    this.changes.armIdle(delay ?? this.options.rotateWaitMs ?? DEFAULT_ROTATE_WAIT_MS, () => void this.flushIdle());
  }

  private async flushIdle(): Promise<void> {
    if (!this.keepGoing()) return;
    await this.pumping;
    this.pumping = (async () => {
      const now = Date.now();
      for (const reader of this.tracker.openFiles(this.current)) {
        const quiet = reader.quietFlushMs(this.options.idleFlushMs);
        if (quiet === undefined) continue;
        const stats = await reader.stat();
        // Only a file that stopped growing: new bytes may finish the line (or continue the record).
        if (stats.size === reader.position && now - reader.lastGrowthAt >= quiet - TIMER_SLACK_MS) {
          await reader.flushQuiet(this.options.idleFlushMs, this.deliver);
        }
      }
      await this.drainRotated();
    })()
      .catch((err) => this.status.error('read', err))
      .finally(() => {
        this.pumping = undefined;
        this.armIdleFlush();
      });
  }

  private reportSplitterEvents(reader: FileReader): void {
    for (const event of reader.takeEvents()) this.events.notice({ path: this.options.path, ...event });
  }
}
