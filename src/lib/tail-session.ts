/**
 * One followed path with delivery tracking and checkpoints: the engine behind
 * a file-tail node (and, per file, behind dir-watch).
 *
 * Lines go out through `emit` with a ticket. Offsets are committed when the
 * ticket is settled (at once when nothing downstream acknowledges), and the
 * committed positions are checkpointed, so a restart resumes after the last
 * delivered line. While too many lines wait for acknowledgement, reading
 * pauses: memory stays bounded whatever the backlog.
 */
import type { Stats } from 'node:fs';
import { type FileIdentity, inodeKey } from './file-identity';
import { FileFollower, type FollowerNotice, type FollowerOptions, type FollowerState, type ResumePoint } from './file-follower';
import { type FileSnapshot, type LastError, lastErrorAt } from './file-snapshot';
import type { LineChunk } from './file-reader';
import { type CreditPool, type DeliveryLedger, DeliveryTracker } from './delivery-ledger';
import type { CheckpointShelf } from './checkpoint-store';
import { PositionBook } from './position-book';
import { waitAtMost } from './durations';
import type { CheckpointEvents, FollowEvents, LineEvents } from './source-events';

/** What a session reports: what a follower does, its checkpoint, its lines. */
export interface TailSessionEvents extends FollowEvents, CheckpointEvents, LineEvents {
  /** A file is read from `offset` on (to recognise it later under another name). */
  opened?(identity: FileIdentity, offset: number): void;
}

export interface TailSessionOptions extends Omit<FollowerOptions, 'resume'> {
  /** Unique per running instance: tickets of an old instance never settle a new one. */
  sourceId: string;
  /** Where batchers find this session's tracker by ticket (one per Node-RED runtime). */
  ledger: DeliveryLedger;
  /**
   * The book this session keeps its positions in, shared with the sessions
   * before and after it (after a stop, a close for the open-file limit or a
   * rewind, the next one resumes from it) and, in a dir-watch, with the
   * other files' sessions.
   */
  book?: PositionBook;
  /** Without a book: where this session's own book is kept. */
  checkpoints?: { store: CheckpointShelf; key: string; intervalMs: number };
  /** Use the stored checkpoint for this path, if any (when the book knows nothing of it). */
  resume: boolean;
  /** Sessions that share one credit (a dir-watch's files); without it the credit is this session's own. */
  creditPool?: CreditPool;
}


interface SessionStats {
  lines: number;
  rotations: number;
  truncations: number;
  state: FollowerState;
  lastError: LastError | undefined;
}

export class TailSession {
  private follower: FileFollower | undefined;
  private readonly tracker: DeliveryTracker;
  private readonly book: PositionBook;
  private paused = false;
  /** Set by stop() and discard(): a start still loading the checkpoint then follows nothing. */
  private stopped = false;
  /** For snapshot(): counted per chunk and per event, never per line. */
  private readonly stats: SessionStats = { lines: 0, rotations: 0, truncations: 0, state: 'waiting', lastError: undefined };

  constructor(
    private readonly options: TailSessionOptions,
    private readonly events: TailSessionEvents,
  ) {
    this.tracker = new DeliveryTracker(options.sourceId, (key, offset) => this.book.committed(options.path, key, offset), { pool: options.creditPool });
    const cp = options.checkpoints;
    this.book =
      options.book ??
      new PositionBook(cp && { shelf: cp.store, keyOf: () => cp.key, intervalMs: cp.intervalMs, onError: events.checkpointError });
  }

  get path(): string {
    return this.options.path;
  }

  /** Lines sent but not yet acknowledged downstream. */
  get inFlight(): number {
    return this.tracker.outstanding;
  }

  async start(): Promise<void> {
    this.options.ledger.register(this.tracker);
    const { path } = this.options;
    let resume = this.book.resumePoints(path);
    if (!resume && this.options.resume) {
      const saved = await this.book.load(path);
      if (saved.kind === 'loaded') resume = saved.points;
      else if (saved.kind !== 'none') this.events.checkpointProblem(saved);
      // Stopped meanwhile (the node closed right after it started): a follower now would read on, unstopped.
      if (this.stopped) return;
    }
    const follower = new FileFollower({ ...this.options, resume }, {
      deliver: (chunk) => this.deliver(chunk),
      opened: (identity, offset) => this.opened(identity, offset),
      state: (s) => {
        this.stats.state = s;
        this.events.state(s);
      },
      notice: (n) => this.onNotice(n),
      error: (e) => {
        this.stats.lastError = lastErrorAt(e);
        this.events.error(e);
      },
    });
    this.book.follow(path, resume ?? [], () => follower.positions());
    this.follower = follower;
    if (this.paused) follower.pause();
    follower.start();
  }

  pause(): void {
    this.paused = true;
    this.follower?.pause();
  }

  unpause(): void {
    this.paused = false;
    this.follower?.unpause();
  }

  /** True when a stat of the path shows nothing new to read (see FileFollower.isCaughtUp). */
  isCaughtUp(stats: Stats): boolean {
    return this.follower?.isCaughtUp(stats) ?? false;
  }

  /** Resolves once no read pass runs (see FileFollower.whenQuiet). */
  async whenQuiet(): Promise<void> {
    await this.follower?.whenQuiet();
  }

  /** Something changed on disk (a watcher elsewhere saw it): read now. */
  trigger(): void {
    this.follower?.trigger();
  }

  /**
   * The followed path as it stands: size, how far it is read and delivered,
   * the backlog, and what happened to it. From what the session already
   * knows (no file system call), so that it can be polled.
   */
  snapshot(): FileSnapshot {
    const seen = this.follower?.snapshot();
    const current = seen?.current;
    const committed = current && this.book.deliveredOffset(this.options.path, current.identity);
    const rotatedLag = (seen?.rotated ?? []).reduce((sum, f) => sum + Math.max(0, f.size - f.offset), 0);
    const { lines, rotations, truncations, lastError } = this.stats;
    return {
      path: this.options.path,
      state: this.paused && this.stats.state !== 'stopped' ? 'paused' : this.stats.state,
      size: current?.size,
      offset: current?.offset,
      committed: committed === undefined || current === undefined ? undefined : Math.min(committed, current.offset),
      lag: (current ? Math.max(0, current.size - current.offset) : 0) + rotatedLag,
      rotatedOpen: seen?.rotated.length ?? 0,
      lines,
      inFlight: this.tracker.outstanding,
      rotations,
      truncations,
      lastError,
    };
  }

  /**
   * Stops reading, waits up to `settleMs` for what was sent to be
   * acknowledged, then writes the checkpoint. Returns the positions reached.
   */
  async stop(settleMs: number): Promise<ResumePoint[]> {
    this.stopped = true;
    this.tracker.close();
    const points = (await this.follower?.stop()) ?? [];
    if (this.tracker.outstanding > 0) this.options.ledger.requestFlush(this.options.sourceId);
    await waitAtMost(this.tracker.whenDrained(), settleMs);
    this.options.ledger.unregister(this.tracker);
    if (!this.follower) return [];
    // What was delivered, not what was read: unacknowledged lines are read again.
    const resume = this.book.stopped(this.options.path, points);
    await this.book.flush(this.options.path);
    return resume;
  }

  /** Stops and forgets the checkpoint (the node was removed). */
  async discard(): Promise<void> {
    this.stopped = true;
    this.tracker.close();
    await this.follower?.stop();
    this.options.ledger.unregister(this.tracker);
    await this.book.remove(this.options.path);
  }

  private async deliver(chunk: LineChunk): Promise<void> {
    const key = inodeKey(chunk.identity);
    this.book.sent(this.options.path, chunk.identity, chunk.start);
    this.stats.lines += chunk.lines.length;
    const ticket = this.tracker.issue(key, chunk.end, chunk.lines.length, this.events.acksPerMessage(chunk));
    this.events.emit(chunk, ticket);
    // The lines just sent count in full however many they are: a batcher
    // downstream keeps the last of them until more come, so waiting for them
    // too would wait for its timer.
    const credit = Math.max(this.events.creditLines(), chunk.lines.length);
    if (this.tracker.creditInUse > credit) await this.tracker.whenBelow(credit);
  }

  /** A file opened at `offset`: what lies before it counts as delivered. */
  private opened(identity: FileIdentity, offset: number): void {
    this.book.opened(this.options.path, identity, offset);
    this.events.opened?.(identity, offset);
  }

  private onNotice(notice: FollowerNotice): void {
    // A truncation changes nothing here: until lines of the new content are
    // sent, the entry (old identity, old offset) is right, and lets a restart
    // read the rest of a copytruncate copy from there (deliver starts over).
    if (notice.kind === 'rotated') this.stats.rotations++;
    else if (notice.kind === 'truncated') this.stats.truncations++;
    this.events.notice(notice);
  }
}
