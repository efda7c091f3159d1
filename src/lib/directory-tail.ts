/**
 * Follows every matching file in a folder tree: discovery finds the files,
 * and each is followed by its own TailSession, with the same rotation,
 * identity, delivery and checkpoint guarantees as a single followed file.
 *
 * - A rotated file that matches the patterns too (app.log.1) is recognised by
 *   its identity (device, inode, head) and not read a second time.
 * - At most `maxOpenFiles` files are followed at once; beyond that the least
 *   recently active are closed, their positions kept, and opened again when
 *   they change. While more than IDLE_KEEP_OPEN are open, a file idle for
 *   IDLE_CLOSE_MS is closed the same way: an open file costs memory
 *   (buffers, a handle, its session), a closed one only its position.
 * - Change events come from discovery; a stat poll with idle back-off is the
 *   safety net, so a thousand idle files cost next to nothing.
 */
import { promises as fsp, type Stats } from 'node:fs';
import { createHash } from 'node:crypto';
import { Discovery, type DiscoveryMode, type DiscoveryOptions } from './discovery';
import { TailSession, type TailSessionOptions } from './tail-session';
import { type FileIdentity, hasSameHead, inodeKey } from './file-identity';
import { openRegularFile } from './regular-file';
import type { LineChunk, ReaderSettings } from './file-reader';
import type { FollowerError, FollowerNotice, FollowerState, ResumePoint, StartAt } from './file-follower';
import { CreditPool, type DeliveryLedger } from './delivery-ledger';
import { sourceName, type Ticket } from './ingest-ticket';
import { type CheckpointProblem, type CheckpointStore, CheckpointWriter } from './checkpoint-store';
import { CheckpointBook } from './checkpoint-book';
import { type FileSnapshot, type LastError, lastErrorAt } from './file-snapshot';
import { timerDelay } from './durations';
import type { OpenDescriptor } from './path-policy';

/** `skipped`: a path that would match is not followed (a link, a pseudo file system, a name that is not UTF-8). */
export type FileEventKind = 'added' | 'rotated' | 'truncated' | 'removed' | 'error' | 'skipped';

export interface FileEvent {
  event: FileEventKind;
  path: string;
  detail?: Record<string, unknown>;
}

export interface DirectoryTailOptions extends ReaderSettings {
  /** Names this tail in delivery tickets and checkpoint keys. */
  id: string;
  /** Where batchers find the sessions' trackers by ticket (one per Node-RED runtime). */
  ledger: DeliveryLedger;
  discovery: DiscoveryOptions;
  /** Where to start in files that exist when following begins; later files are read whole. */
  startAt: StartAt;
  idleFlushMs: number;
  /** Safety-net stat checks of active files (backs off up to 8× while idle); 0 = none. */
  pollIntervalMs: number;
  rotateWaitMs?: number;
  chunkBytes?: number;
  maxOpenFiles: number;
  /** A file read to its end and idle this long is closed until it changes (default IDLE_CLOSE_MS); 0 = never. */
  idleCloseMs?: number;
  /** Idle files are closed only while more than this many are open (default IDLE_KEEP_OPEN). */
  idleKeepOpen?: number;
  /** Resume from checkpoints. */
  resume: boolean;
  checkpoints?: { store: CheckpointStore; intervalMs: number };
  /**
   * The allow-list (see path-policy): asked about the folder when following
   * starts, about each file found before it is opened, and (by the file's
   * session) about each file opened. A file refused is reported and left alone.
   */
  admit?: (file: string, opened?: OpenDescriptor) => Promise<boolean>;
}

/** The tree as it stands, for snapshot(). */
export interface DirectorySnapshot {
  root: string;
  /** How changes are noticed: events, polling, or waiting for the folder. */
  mode: DiscoveryMode;
  /** Every file known: open ones, then those closed for the open-file limit. */
  files: FileSnapshot[];
  /** The last error of the tree itself (a folder that cannot be listed). */
  lastError: LastError | undefined;
}

export interface DirectoryTailHooks {
  emit(chunk: LineChunk, ticket: Ticket): void;
  acksPerMessage(chunk: LineChunk): number;
  /** Lines allowed in flight unacknowledged, for the whole tree. */
  creditLines(): number;
  event(event: FileEvent): void;
  notice(notice: FollowerNotice): void;
  error(error: FollowerError): void;
  mode(mode: DiscoveryMode): void;
  /** Writing a checkpoint failed. */
  checkpointError(err: unknown): void;
  /** A stored checkpoint could not be used (corrupt: kept aside; or unreadable); that file starts at `startAt`. */
  checkpointProblem(problem: CheckpointProblem): void;
}

/** A file closed for the open-file limit. */
interface Dormant {
  /** Resolves with the positions reached once the session has stopped and written its checkpoint. */
  stopped: Promise<ResumePoint[]>;
  /** The positions, once stopped. */
  points?: ResumePoint[];
  reopening?: boolean;
}

interface Followed {
  session: TailSession;
  /** session.start(): a stop must wait for it, or the session starts reading after its stop. */
  started: Promise<void>;
  lastActive: number;
  /** Polls skipped while idle, plus one: the back-off step. */
  idlePolls: number;
  skip: number;
}

/** Identities of files read, remembered across restarts (the oldest go first). */
const MAX_SEEN = 4096;
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
const MAX_DORMANT_CHECKS_WITH_EVENTS = 64;
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
/**
 * Files taken up at once. Each holds a handle, buffers and file system
 * requests while its first read runs: twenty thousand files found at once
 * would hold all of that at the same time, and queue behind one another on
 * the thread pool.
 */
const PICKUP_CONCURRENCY = 32;
/** A file whose first read takes longer (a backlog) lets the next one start. */
const PICKUP_SLOT_MS = 1000;
/** A file that vanished is let go after this long without coming back. */
const FORGET_AFTER_MS = 10_000;

export class DirectoryTail {
  private readonly discovery: Discovery;
  /** In order of activity, least recently active first (see touch). */
  private readonly followed = new Map<string, Followed>();
  /** Closed for the open-file limit: positions to resume from. */
  private readonly dormant = new Map<string, Dormant>();
  /** Files read so far, by dev:ino, with the path they were read under. */
  private readonly seen = new Map<string, { identity: FileIdentity; path: string }>();
  /** Paths that are rotated copies of files already read. */
  private readonly aliases = new Set<string>();
  private readonly forgetTimers = new Map<string, NodeJS.Timeout>();
  /** Every file's checkpoint, and `seen`, in one file. */
  private readonly book: CheckpointBook | undefined;
  private readonly seenWriter: CheckpointWriter | undefined;
  private pollTimer: NodeJS.Timeout | undefined;
  /**
   * Polls since the last round of dormant checks began; the round under way
   * (a slice of it each poll, spread rather than all at once) and its slice.
   */
  private dormantTicks = 0;
  private dormantRound: Iterator<[string, Dormant]> | undefined;
  private dormantPerPoll = 1;
  private checkingDormant = false;
  private pollingFollowed = false;
  private paused = false;
  private running = false;
  private instance = 0;
  /** Files being taken up, and those waiting for a turn (see PICKUP_CONCURRENCY). */
  private pickingUp = 0;
  private readonly pickupQueue: (() => void)[] = [];
  /** One credit for every file followed: lines in flight are bounded per folder, not per file. */
  private readonly credit = new CreditPool();
  /** For snapshot(). */
  private mode: DiscoveryMode = 'events';
  private lastError: LastError | undefined;

  constructor(
    private readonly options: DirectoryTailOptions,
    private readonly hooks: DirectoryTailHooks,
  ) {
    const cp = options.checkpoints;
    this.book = cp && new CheckpointBook(cp.store, `${options.id}~book`, cp.intervalMs);
    this.seenWriter = this.book && new CheckpointWriter(this.book, this.seenKey, this.book.intervalMs, hooks.checkpointError);
    this.discovery = new Discovery(options.discovery, {
      added: (file, stats, initial) => void this.added(file, stats, initial),
      changed: (file) => this.changed(file),
      removed: (file) => this.removed(file),
      mode: (mode) => {
        this.mode = mode;
        hooks.mode(mode);
      },
      error: (err, where) => {
        const reason = err.code === 'EACCES' || err.code === 'EPERM' ? 'denied' : 'read';
        const error: FollowerError = { path: where, reason, code: err.code ?? 'EUNKNOWN', message: err.message };
        this.lastError = lastErrorAt(error);
        hooks.error(error);
        hooks.event({ event: 'error', path: where, detail: { code: err.code, message: err.message } });
      },
      skipped: (where, reason, detail) => hooks.event({ event: 'skipped', path: where, detail: { reason, ...detail } }),
    });
  }

  /** How many files are followed now (open), and known in all. */
  get counts(): { open: number; known: number } {
    return { open: this.followed.size, known: this.followed.size + this.dormant.size };
  }

  /** Every known file as it stands (see TailSession.snapshot): no file system call. */
  snapshot(): DirectorySnapshot {
    const files: FileSnapshot[] = [];
    for (const { session } of this.followed.values()) files.push(session.snapshot());
    for (const [file, { points }] of this.dormant) {
      const last = points?.[points.length - 1];
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
    return { root: this.options.discovery.root, mode: this.mode, files, lastError: this.lastError };
  }

  async start(): Promise<void> {
    this.running = true;
    // A folder that leads outside the allow-list (a symlink) is not even listed.
    if (!(await this.admitted(this.options.discovery.root))) return;
    await this.loadSeen();
    if (!this.running) return;
    this.discovery.start();
    if (this.options.pollIntervalMs > 0) {
      this.pollTimer = setInterval(() => this.poll(), timerDelay(this.options.pollIntervalMs));
      this.pollTimer.unref?.();
    }
  }

  pause(): void {
    this.paused = true;
    for (const f of this.followed.values()) f.session.pause();
  }

  unpause(): void {
    this.paused = false;
    for (const f of this.followed.values()) f.session.unpause();
  }

  /**
   * Reads every followed file again from what was delivered (lines sent
   * meanwhile were dropped, as when the batcher after this tail restarted).
   */
  async rewind(): Promise<void> {
    const followed = [...this.followed];
    for (const [file] of followed) this.followed.delete(file);
    await Promise.all(
      followed.map(async ([file, f]) => {
        const points = await stopSession(f, 0);
        this.open(file, 'beginning', points.length > 0 ? points : undefined);
      }),
    );
  }

  /** Stops everything and writes the checkpoints. */
  async stop(settleMs: number): Promise<void> {
    this.running = false;
    this.book?.hurry();
    clearInterval(this.pollTimer);
    for (const t of this.forgetTimers.values()) clearTimeout(t);
    // Sessions first: they stop reading at once, not after the watcher has closed.
    const followed = [...this.followed.values()];
    this.followed.clear();
    const stopping = Promise.all([...followed.map((f) => stopSession(f, settleMs)), ...[...this.dormant.values()].map((d) => d.stopped)]);
    await this.discovery.stop();
    await stopping;
    await this.seenWriter?.flush();
    await this.book?.end();
  }

  /** Stops and forgets every checkpoint (the node was removed). */
  async discard(): Promise<void> {
    this.running = false;
    clearInterval(this.pollTimer);
    for (const t of this.forgetTimers.values()) clearTimeout(t);
    const followed = [...this.followed.values()];
    this.followed.clear();
    // Sessions still stopping would write their checkpoints after the removal.
    const stopping = Promise.all([
      ...followed.map((f) => f.started.then(() => f.session.discard()).catch(() => undefined)),
      ...[...this.dormant.values()].map((d) => d.stopped),
    ]);
    await this.discovery.stop();
    await stopping;
    this.seenWriter?.cancel(); // or its timer writes the file again after the removal
    await this.book?.drop();
    await this.options.checkpoints?.store.removeAll(`${this.options.id}~`);
  }

  private async added(file: string, stats: Stats, initial: boolean): Promise<void> {
    // Back after a 'removed' (deleted and created again, or a rename rotation
    // seen as unlink + add): say so, and go on with the same session.
    const returned = this.forgetTimers.has(file);
    this.cancelForget(file);
    if (this.followed.has(file) || this.dormant.has(file)) {
      if (returned) this.hooks.event({ event: 'added', path: file, detail: { size: stats.size } });
      this.changed(file);
      return;
    }
    if (!(await this.admitted(file))) return;
    if (await this.isRotatedCopy(file, stats)) {
      this.aliases.add(file);
      return;
    }
    await this.pickupTurn();
    try {
      // Meanwhile stopped, gone, or opened by another event.
      if (!this.running || !this.discovery.knows(file) || this.followed.has(file) || this.dormant.has(file)) return;
      // Followed before announced: a status shown on the event counts the file.
      const followed = this.open(file, initial ? this.options.startAt : 'beginning');
      this.hooks.event({ event: 'added', path: file, detail: { size: stats.size } });
      if (followed) await firstPass(followed);
    } finally {
      this.pickupDone();
    }
  }

  private async pickupTurn(): Promise<void> {
    if (this.pickingUp < PICKUP_CONCURRENCY) this.pickingUp++;
    else await new Promise<void>((resolve) => this.pickupQueue.push(resolve));
  }

  private pickupDone(): void {
    const next = this.pickupQueue.shift();
    if (next) next(); // the turn passes on
    else this.pickingUp--;
  }

  /** The allow-list lets `file` be read; when it does not, says so (an error and an error event). */
  private async admitted(file: string): Promise<boolean> {
    if (!this.options.admit || (await this.options.admit(file).catch(() => false))) return true;
    const error: FollowerError = { path: file, reason: 'notAllowed', code: 'ENOTALLOWED', message: `${file} is outside the allowed paths` };
    if (file === this.options.discovery.root) this.lastError = lastErrorAt(error);
    this.hooks.error(error);
    this.hooks.event({ event: 'error', path: file, detail: { code: error.code, message: error.message } });
    return false;
  }

  /** True when the file is one already read, under a new name (rotation). */
  private async isRotatedCopy(file: string, stats: Stats): Promise<boolean> {
    const known = this.seen.get(inodeKey(stats));
    // An empty head matches anything: with inodes recycled, it would hide a new file.
    if (!known || known.path === file || known.identity.headLength === 0) return false;
    let handle;
    try {
      let opened: Stats;
      ({ handle, stats: opened } = await openRegularFile(file));
      return await hasSameHead(known.identity, handle, opened);
    } catch {
      return false;
    } finally {
      await handle?.close().catch(() => undefined);
    }
  }

  private changed(file: string): void {
    const followed = this.followed.get(file);
    if (followed) {
      this.touch(file, followed);
      followed.session.poke();
    } else {
      this.wake(file);
    }
  }

  /** Reopens a dormant file where its session stopped, once it has stopped. */
  private wake(file: string): void {
    const dormant = this.dormant.get(file);
    if (!dormant || dormant.reopening) return;
    dormant.reopening = true;
    void dormant.stopped.then((points) => {
      if (this.dormant.get(file) !== dormant) return; // forgotten or reopened meanwhile
      // No positions (the file was never opened): the checkpoint says where.
      this.open(file, 'beginning', points.length > 0 ? points : undefined);
    });
  }

  private removed(file: string): void {
    this.aliases.delete(file);
    if (!this.followed.has(file) && !this.dormant.has(file)) return;
    // The session reads what is left and notices a rotation by itself; if
    // the path stays gone, the file is let go.
    this.followed.get(file)?.session.poke();
    this.hooks.event({ event: 'removed', path: file });
    this.cancelForget(file);
    const timer = setTimeout(() => void this.forget(file), timerDelay(Math.max(FORGET_AFTER_MS, (this.options.rotateWaitMs ?? 5000) * 2)));
    timer.unref?.();
    this.forgetTimers.set(file, timer);
  }

  private cancelForget(file: string): void {
    clearTimeout(this.forgetTimers.get(file));
    this.forgetTimers.delete(file);
  }

  private async forget(file: string): Promise<void> {
    this.forgetTimers.delete(file);
    if (!this.running || this.discovery.files().includes(file)) return;
    const followed = this.followed.get(file);
    const dormant = this.dormant.get(file);
    this.followed.delete(file);
    this.dormant.delete(file);
    if (followed) await stopSession(followed, 1000);
    await dormant?.stopped;
    await this.book?.remove(this.checkpointKey(file)).catch(() => undefined);
  }

  private open(file: string, startAt: StartAt, resumeFrom?: ResumePoint[]): Followed | undefined {
    if (!this.running) return undefined;
    this.dormant.delete(file);
    this.makeRoom();
    const sessionOptions: TailSessionOptions = {
      ...this.options,
      path: file,
      startAt,
      pollIntervalMs: 0, // this tail polls and watches for all of its files
      watch: false,
      // Discovery skips links; a link renamed over a followed file later is refused at the open.
      noFollow: this.options.discovery.symlinks !== 'inside', // as Discovery reads the rule: anything but 'inside' is 'skip'
      sourceId: sourceName(this.options.id, ++this.instance),
      creditPool: this.credit,
      resume: this.options.resume,
      resumeFrom,
      checkpoints: this.book && { store: this.book, key: this.checkpointKey(file), intervalMs: this.book.intervalMs },
    };
    const session = new TailSession(sessionOptions, {
      emit: (chunk, ticket) => {
        const f = this.followed.get(file);
        if (f) this.touch(file, f);
        this.refreshSeen(chunk.identity);
        this.hooks.emit(chunk, ticket);
      },
      acksPerMessage: (chunk) => this.hooks.acksPerMessage(chunk),
      creditLines: () => this.hooks.creditLines(),
      state: (state: FollowerState) => void state,
      // Reopened after a sleep (the open-file limit): resuming is routine, not news.
      notice: (notice) => {
        if (!(notice.kind === 'resumed' && resumeFrom)) this.onNotice(notice);
      },
      error: (error) => {
        this.hooks.error(error);
        this.hooks.event({ event: 'error', path: error.path, detail: { code: error.code, message: error.message } });
      },
      checkpointError: (err) => this.hooks.checkpointError(err),
      checkpointProblem: (problem) => this.hooks.checkpointProblem(problem),
      opened: (identity) => this.remember(identity, file),
    });
    if (this.paused) session.pause();
    const started = session.start().catch(() => undefined);
    const followed: Followed = { session, started, lastActive: Date.now(), idlePolls: 0, skip: 0 };
    this.followed.set(file, followed);
    return followed;
  }

  private onNotice(notice: FollowerNotice): void {
    if (notice.kind === 'rotated') this.hooks.event({ event: 'rotated', path: notice.path });
    else if (notice.kind === 'truncated') this.hooks.event({ event: 'truncated', path: notice.path, detail: { size: notice.size } });
    this.hooks.notice(notice);
  }

  /** Marks a file active: it moves to the end of `followed`, so the first entry is the least recently active. */
  private touch(file: string, followed: Followed): void {
    followed.lastActive = Date.now();
    followed.idlePolls = 0;
    this.followed.delete(file);
    this.followed.set(file, followed);
  }

  /** Closes the least recently active files until one more fits. */
  private makeRoom(): void {
    while (this.followed.size >= this.options.maxOpenFiles) {
      const oldest = this.followed.entries().next().value as [string, Followed] | undefined;
      if (!oldest) return;
      this.sleep(oldest[0], oldest[1]);
    }
  }

  /** Closes a followed file, keeping its positions, until it changes. */
  private sleep(file: string, followed: Followed): void {
    this.followed.delete(file);
    // Reopening waits for this stop: its positions and checkpoint are final then.
    const dormant: Dormant = { stopped: stopSession(followed, 1000) };
    void dormant.stopped.then((points) => {
      dormant.points = points;
    });
    this.dormant.set(file, dormant);
  }

  /** The safety net: stat followed files, less often the longer they idle. */
  private poll(): void {
    const maxBackoff = this.mode === 'events' ? MAX_POLL_BACKOFF_WITH_EVENTS : MAX_POLL_BACKOFF;
    const due: [string, Followed][] = [];
    for (const entry of this.followed) {
      const f = entry[1];
      // Events just stopped arriving: no skip longer than polling alone allows.
      if (f.skip >= maxBackoff) f.skip = maxBackoff - 1;
      if (f.skip > 0) {
        f.skip--;
        continue;
      }
      // Without events every poll counts, and the back-off grows by one poll;
      // with them it doubles (a file idle for a while is checked rarely soon).
      f.idlePolls = this.mode === 'events' ? Math.min(Math.max(1, 2 * f.idlePolls), maxBackoff) : Math.min(f.idlePolls + 1, maxBackoff);
      f.skip = f.idlePolls - 1;
      due.push(entry);
    }
    if (due.length > 0 && !this.pollingFollowed) {
      this.pollingFollowed = true;
      void this.pollFollowed(due).finally(() => {
        this.pollingFollowed = false;
      });
    }
    // Dormant files are idle ones: each checked at the slowest rate, a slice per poll, one check at a time.
    this.dormantTicks++;
    if (this.checkingDormant) return;
    if (!this.dormantRound) {
      if (this.dormantTicks < maxBackoff || this.dormant.size === 0) return;
      this.dormantTicks = 0;
      this.dormantRound = this.dormant.entries();
      const perPoll = Math.ceil(this.dormant.size / maxBackoff);
      this.dormantPerPoll = this.mode === 'events' ? Math.min(perPoll, MAX_DORMANT_CHECKS_WITH_EVENTS) : perPoll;
    }
    const slice: [string, Dormant][] = [];
    while (slice.length < this.dormantPerPoll) {
      const next = this.dormantRound.next();
      if (next.done) {
        this.dormantRound = undefined;
        break;
      }
      slice.push(next.value);
    }
    if (slice.length === 0) return;
    this.checkingDormant = true;
    void this.pollDormant(slice).finally(() => {
      this.checkingDormant = false;
    });
  }

  /**
   * One stat per file; a pump (several fs calls) only where it shows a
   * change. A file caught up, with nothing in flight, idle for
   * IDLE_CLOSE_MS, is closed.
   */
  private async pollFollowed(due: [string, Followed][]): Promise<void> {
    for (const [file, f] of due) {
      if (!this.running) return;
      if (this.followed.get(file) !== f) continue;
      const stats = await fsp.stat(file).catch(() => undefined);
      if (!stats || !f.session.isCaughtUp(stats)) f.session.poke();
      else if (this.idleTooLong(f)) this.sleep(file, f);
    }
  }

  private idleTooLong(f: Followed): boolean {
    const after = this.options.idleCloseMs ?? IDLE_CLOSE_MS;
    if (this.followed.size <= (this.options.idleKeepOpen ?? IDLE_KEEP_OPEN)) return false;
    return after > 0 && !this.paused && f.session.inFlight === 0 && Date.now() - f.lastActive >= after;
  }

  private async pollDormant(slice: [string, Dormant][]): Promise<void> {
    for (const [file, dormant] of slice) {
      if (!this.running) return;
      if (this.dormant.get(file) !== dormant) continue; // reopened or forgotten meanwhile
      const { points } = dormant;
      const last = points?.[points.length - 1];
      if (!last) continue;
      try {
        const stats = await fsp.stat(file);
        if (stats.ino !== last.identity.ino || stats.size !== last.offset) this.changed(file);
      } catch {
        // gone: discovery says so
      }
    }
  }

  private get seenKey(): string {
    return `${this.options.id}~seen`;
  }

  private async loadSeen(): Promise<void> {
    if (!this.book || !this.options.resume) return;
    const saved = await this.book.load(this.seenKey, this.options.discovery.root);
    if (saved.kind === 'loaded') {
      for (const { identity, path } of saved.checkpoint.files) this.seen.set(inodeKey(identity), { identity, path: path ?? '' });
    } else if (saved.kind !== 'none') this.hooks.checkpointProblem(saved);
  }

  /** Keeps the head of a file read in `seen` as it grows, so it tells the file from others. */
  private refreshSeen(identity: FileIdentity): void {
    const known = this.seen.get(inodeKey(identity));
    if (!known || known.identity.headLength >= identity.headLength) return;
    known.identity = identity;
    this.saveSeen();
  }

  private remember(identity: FileIdentity, file: string): void {
    const key = inodeKey(identity);
    const known = this.seen.get(key);
    this.seen.delete(key);
    // A file first read under one name keeps it: later names are rotations.
    this.seen.set(key, { identity, path: known && known.identity.headHash === identity.headHash ? known.path : file });
    while (this.seen.size > MAX_SEEN) this.seen.delete(this.seen.keys().next().value as string);
    this.saveSeen();
  }

  private saveSeen(): void {
    // Built when written (once per interval), not on every file opened: with
    // thousands of files opened at once, that was thousands of copies of `seen`.
    this.seenWriter?.update(() => ({
      path: this.options.discovery.root,
      files: [...this.seen.values()].map(({ identity: id, path }) => ({ identity: id, offset: 0, path })),
    }));
  }

  private checkpointKey(file: string): string {
    return `${this.options.id}~${createHash('sha1').update(file).digest('hex').slice(0, 16)}`;
  }
}

/** Resolves when a session's first read has ended, or after PICKUP_SLOT_MS. */
async function firstPass(followed: Followed): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  const slot = new Promise<void>((resolve) => {
    timer = setTimeout(resolve, PICKUP_SLOT_MS);
  });
  const read = followed.started.then(() => followed.session.whenQuiet());
  await Promise.race([read, slot]).catch(() => undefined);
  clearTimeout(timer);
}

/** Stops a session once it has started, and returns where it got (nothing if it failed). */
function stopSession(followed: Followed, settleMs: number): Promise<ResumePoint[]> {
  return followed.started.then(() => followed.session.stop(settleMs)).catch(() => []);
}
