/**
 * The files a DirectoryTail follows, and which of them are open: at most
 * `maxOpenFiles` at once, the least recently active closed first. While
 * more than IDLE_KEEP_OPEN are open, a file idle for IDLE_CLOSE_MS is closed
 * the same way: an open file costs memory (buffers, a handle, its session),
 * a closed one only its position in the book. A closed file is opened again
 * when it changes.
 *
 * It also runs the safety-net stat poll, with idle back-off, so a thousand
 * idle files cost next to nothing.
 */
import { promises as fsp } from 'node:fs';
import type { TailSession } from './tail-session';
import type { StartAt } from './file-follower';
import type { FileSnapshot } from './file-snapshot';
import type { DiscoveryMode } from './discovery';
import type { PositionBook } from './position-book';
import { timerDelay } from './durations';

/** An open file: its session, and when it was last active. */
interface OpenFile {
  session: TailSession;
  /** session.start(): a stop must wait for it, or the session starts reading after its stop. */
  started: Promise<void>;
  lastActive: number;
  /** Polls skipped while idle, plus one: the back-off step. */
  idlePolls: number;
  skip: number;
}

/** A file closed for the open-file limit or for idling (its positions are in the book). */
interface ClosedFile {
  /** Resolves once the session has stopped and its positions are final. */
  stopped: Promise<void>;
  reopening?: boolean;
}

export interface OpenFilesOptions {
  maxOpenFiles: number;
  /** Safety-net stat checks of open files (backs off while idle); 0 = none. */
  pollIntervalMs: number;
  /** A file read to its end and idle this long is closed until it changes (default IDLE_CLOSE_MS); 0 = never. */
  idleCloseMs?: number;
  /** Idle files are closed only while more than this many are open (default IDLE_KEEP_OPEN). */
  idleKeepOpen?: number;
}

export interface OpenFilesHost {
  /** A session for `file`, started at `startAt` where the book has nothing. */
  session(file: string, startAt: StartAt): TailSession;
  /** How changes are noticed now: the poll backs off further while events arrive. */
  mode(): DiscoveryMode;
}

/** Most polls an idle file skips between checks (polls are all there is without file events). */
const MAX_POLL_BACKOFF = 8;
/**
 * The same while file events arrive: the poll is then only a safety net for
 * an event lost, and with a thousand idle files each check (a stat) is what
 * the idle process costs.
 */
const MAX_POLL_BACKOFF_WITH_EVENTS = 32;
/**
 * Closed files checked per poll at most while file events arrive: the
 * folder's watch reports their changes as it does for open ones, so the
 * check is only the safety net, and with twenty thousand closed files a
 * stat of each every 32 polls (600 a second, each a thread-pool round trip)
 * was most of what the idle process cost. Up to 2,048 closed files are
 * still each checked every 32 polls; more take longer to go round.
 */
const MAX_CLOSED_CHECKS_WITH_EVENTS = 64;
/**
 * A file read to its end, with nothing in flight, and no change for this
 * long is closed (as for the open-file limit) until it changes again.
 */
export const IDLE_CLOSE_MS = 30_000;
/**
 * Idle files kept open: a thousand cost some 20 MB, and reopening a file
 * costs CPU; twenty thousand would cost 400 MB.
 */
export const IDLE_KEEP_OPEN = 1000;

export class OpenFiles {
  /** In order of activity, least recently active first (see touch). */
  private readonly open = new Map<string, OpenFile>();
  private readonly closed = new Map<string, ClosedFile>();
  private pollTimer: NodeJS.Timeout | undefined;
  /**
   * Polls since the last round of closed-file checks began; the round under
   * way (a slice of it each poll, spread rather than all at once) and its slice.
   */
  private closedTicks = 0;
  private closedRound: Iterator<[string, ClosedFile]> | undefined;
  private closedPerPoll = 1;
  private checkingClosed = false;
  private pollingOpen = false;
  private paused = false;
  private running = true;

  constructor(
    private readonly options: OpenFilesOptions,
    private readonly book: PositionBook,
    private readonly host: OpenFilesHost,
  ) {}

  /** How many files are open now, and known in all. */
  get counts(): { open: number; known: number } {
    return { open: this.open.size, known: this.open.size + this.closed.size };
  }

  has(file: string): boolean {
    return this.open.has(file) || this.closed.has(file);
  }

  startPolling(): void {
    if (this.options.pollIntervalMs <= 0) return;
    this.pollTimer = setInterval(() => this.poll(), timerDelay(this.options.pollIntervalMs));
    this.pollTimer.unref?.();
  }

  /** Every known file as it stands: open ones from their sessions, closed ones from the book. */
  snapshots(): FileSnapshot[] {
    const files: FileSnapshot[] = [];
    for (const { session } of this.open.values()) files.push(session.snapshot());
    for (const file of this.closed.keys()) {
      const last = this.book.newest(file);
      files.push({
        path: file,
        state: 'closed',
        size: undefined,
        offset: last?.offset,
        committed: last?.offset,
        lag: 0,
        rotatedOpen: 0,
        lines: 0,
        inFlight: 0,
        rotations: 0,
        truncations: 0,
        lastError: undefined,
      });
    }
    return files;
  }

  /**
   * Opens `file`, closing the least recently active one if the limit is
   * reached. Returns its session and the promise of its start.
   */
  follow(file: string, startAt: StartAt): { started: Promise<void>; session: TailSession } | undefined {
    if (!this.running) return undefined;
    this.closed.delete(file);
    this.makeRoom();
    const session = this.host.session(file, startAt);
    if (this.paused) session.pause();
    const started = session.start().catch(() => undefined);
    this.open.set(file, { session, started, lastActive: Date.now(), idlePolls: 0, skip: 0 });
    return { started, session };
  }

  /** Lines were sent from `file`: it moves to the end of the open files, so the first one is the least recently active. */
  touch(file: string): void {
    const entry = this.open.get(file);
    if (!entry) return;
    entry.lastActive = Date.now();
    entry.idlePolls = 0;
    this.open.delete(file);
    this.open.set(file, entry);
  }

  /** `file` may have changed: an open file reads now, a closed one is opened again. */
  changed(file: string): void {
    const entry = this.open.get(file);
    if (entry) {
      this.touch(file);
      entry.session.trigger();
    } else {
      this.reopen(file);
    }
  }

  /** Reads `file` now if it is open (a closed one waits for its next change). */
  triggerOpen(file: string): void {
    this.open.get(file)?.session.trigger();
  }

  pause(): void {
    this.paused = true;
    for (const f of this.open.values()) f.session.pause();
  }

  unpause(): void {
    this.paused = false;
    for (const f of this.open.values()) f.session.unpause();
  }

  /** Reads every open file again from what was delivered (see DirectoryTail.rewind). */
  async rewind(): Promise<void> {
    const open = [...this.open];
    for (const [file] of open) this.open.delete(file);
    await Promise.all(
      open.map(async ([file, f]) => {
        await stopSession(f, 0);
        this.follow(file, 'beginning');
      }),
    );
  }

  /** Stops following `file` (gone for good); resolves once its session has stopped. */
  async drop(file: string): Promise<void> {
    const open = this.open.get(file);
    const closed = this.closed.get(file);
    this.open.delete(file);
    this.closed.delete(file);
    if (open) await stopSession(open, 1000);
    await closed?.stopped;
  }

  /** Stops every session (their checkpoints written), or with `discard`, forgets them. */
  async stopAll(settleMs: number, discard = false): Promise<void> {
    this.running = false;
    clearInterval(this.pollTimer);
    const open = [...this.open.values()];
    this.open.clear();
    // Sessions still stopping would write their checkpoints after a removal.
    const stop = (f: OpenFile) => (discard ? f.started.then(() => f.session.discard()).catch(() => undefined) : stopSession(f, settleMs));
    await Promise.all([...open.map(stop), ...[...this.closed.values()].map((d) => d.stopped)]);
  }

  /** Opens a closed file where its session stopped, once it has stopped. */
  private reopen(file: string): void {
    const closed = this.closed.get(file);
    if (!closed || closed.reopening) return;
    closed.reopening = true;
    void closed.stopped.then(() => {
      if (this.closed.get(file) !== closed) return; // forgotten or reopened meanwhile
      // The book has its positions (or, the file never opened, the checkpoint says where).
      this.follow(file, 'beginning');
    });
  }

  /** Closes the least recently active files until one more fits. */
  private makeRoom(): void {
    while (this.open.size >= this.options.maxOpenFiles) {
      const oldest = this.open.entries().next().value as [string, OpenFile] | undefined;
      if (!oldest) return;
      this.close(oldest[0], oldest[1]);
    }
  }

  /** Closes an open file, its positions kept in the book, until it changes. */
  private close(file: string, entry: OpenFile): void {
    this.open.delete(file);
    // Reopening waits for this stop: its positions and checkpoint are final then.
    this.closed.set(file, { stopped: stopSession(entry, 1000) });
  }

  /** The safety net: stat open files, less often the longer they idle, and closed files slowest of all. */
  private poll(): void {
    const maxBackoff = this.host.mode() === 'events' ? MAX_POLL_BACKOFF_WITH_EVENTS : MAX_POLL_BACKOFF;
    const due: [string, OpenFile][] = [];
    for (const entry of this.open) {
      const f = entry[1];
      // Events just stopped arriving: no skip longer than polling alone allows.
      if (f.skip >= maxBackoff) f.skip = maxBackoff - 1;
      if (f.skip > 0) {
        f.skip--;
        continue;
      }
      // Without events every poll counts, and the back-off grows by one poll;
      // with them it doubles (a file idle for a while is checked rarely soon).
      f.idlePolls = this.host.mode() === 'events' ? Math.min(Math.max(1, 2 * f.idlePolls), maxBackoff) : Math.min(f.idlePolls + 1, maxBackoff);
      f.skip = f.idlePolls - 1;
      due.push(entry);
    }
    if (due.length > 0 && !this.pollingOpen) {
      this.pollingOpen = true;
      void this.pollOpen(due).finally(() => {
        this.pollingOpen = false;
      });
    }
    // Closed files are idle ones: each checked at the slowest rate, a slice per poll, one check at a time.
    this.closedTicks++;
    if (this.checkingClosed) return;
    if (!this.closedRound) {
      if (this.closedTicks < maxBackoff || this.closed.size === 0) return;
      this.closedTicks = 0;
      this.closedRound = this.closed.entries();
      const perPoll = Math.ceil(this.closed.size / maxBackoff);
      this.closedPerPoll = this.host.mode() === 'events' ? Math.min(perPoll, MAX_CLOSED_CHECKS_WITH_EVENTS) : perPoll;
    }
    const slice: [string, ClosedFile][] = [];
    while (slice.length < this.closedPerPoll) {
      const next = this.closedRound.next();
      if (next.done) {
        this.closedRound = undefined;
        break;
      }
      slice.push(next.value);
    }
    if (slice.length === 0) return;
    this.checkingClosed = true;
    void this.pollClosed(slice).finally(() => {
      this.checkingClosed = false;
    });
  }

  /**
   * One stat per file; a read pass (several fs calls) only where it shows a
   * change. A file caught up, with nothing in flight, idle for
   * IDLE_CLOSE_MS, is closed.
   */
  private async pollOpen(due: [string, OpenFile][]): Promise<void> {
    for (const [file, f] of due) {
      if (!this.running) return;
      if (this.open.get(file) !== f) continue;
      const stats = await fsp.stat(file).catch(() => undefined);
      if (!stats || !f.session.isCaughtUp(stats)) f.session.trigger();
      else if (this.idleTooLong(f)) this.close(file, f);
    }
  }

  private idleTooLong(f: OpenFile): boolean {
    const after = this.options.idleCloseMs ?? IDLE_CLOSE_MS;
    if (this.open.size <= (this.options.idleKeepOpen ?? IDLE_KEEP_OPEN)) return false;
    return after > 0 && !this.paused && f.session.inFlight === 0 && Date.now() - f.lastActive >= after;
  }

  private async pollClosed(slice: [string, ClosedFile][]): Promise<void> {
    for (const [file, closed] of slice) {
      if (!this.running) return;
      if (this.closed.get(file) !== closed) continue; // reopened or forgotten meanwhile
      const last = this.book.newest(file);
      if (!last) continue;
      try {
        const stats = await fsp.stat(file);
        if (stats.ino !== last.identity.ino || stats.size !== last.offset) this.changed(file);
      } catch {
        // gone: discovery says so
      }
    }
  }
}

/** Stops a session once it has started; its positions are then final in the book. */
function stopSession(entry: OpenFile, settleMs: number): Promise<void> {
  return entry.started.then(() => entry.session.stop(settleMs)).then(
    () => undefined,
    () => undefined,
  );
}
