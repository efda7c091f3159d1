/**
 * Follows every matching file in a folder tree: discovery finds the files,
 * and each is followed by its own TailSession, with the same rotation,
 * identity, delivery and checkpoint guarantees as a single followed file.
 *
 * - A rotated file that matches the patterns too (app.log.1) is recognised by
 *   its identity (device, inode, head) and not read a second time.
 * - At most `maxOpenFiles` files are open at once, and idle ones are closed
 *   (see open-files.ts); a closed file keeps its positions in the book.
 * - Change events come from discovery; a stat poll with idle back-off is the
 *   safety net (open-files.ts too).
 */
import type { Stats } from 'node:fs';
import { createHash } from 'node:crypto';
import { Discovery, type DiscoveryMode, type DiscoveryOptions } from './discovery';
import { TailSession, type TailSessionOptions } from './tail-session';
import { hasSameHead } from './file-identity';
import { openRegularFile } from './regular-file';
import type { ReaderSettings } from './file-reader';
import type { FollowerError, FollowerNotice, FollowerState, StartAt } from './file-follower';
import { CreditPool, type DeliveryLedger } from './delivery-ledger';
import { sourceName } from './ingest-ticket';
import type { CheckpointStore } from './checkpoint-store';
import { CheckpointBook } from './checkpoint-book';
import { PositionBook } from './position-book';
import { OpenFiles } from './open-files';
import { PickupTurns } from './pickup-turns';
import { type FileSnapshot, type LastError, lastErrorAt } from './file-snapshot';
import { timerDelay } from './durations';
import type { CheckpointEvents, FollowEvents, LineEvents } from './source-events';
export { IDLE_CLOSE_MS, IDLE_KEEP_OPEN } from './open-files';
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

/** What a directory tail reports: its files' events, lines and checkpoints, and the tree's own. */
export interface DirectoryTailEvents extends Omit<FollowEvents, 'state'>, CheckpointEvents, LineEvents {
  /** A file was added, rotated, truncated, removed, refused or skipped. */
  event(event: FileEvent): void;
  /** How changes are noticed now: events, polling, or waiting for the folder. */
  mode(mode: DiscoveryMode): void;
}

/** A file that vanished is let go after this long without coming back. */
const FORGET_AFTER_MS = 10_000;

export class DirectoryTail {
  private readonly discovery: Discovery;
  /** Which files are followed, which of them are open; the stat poll. */
  private readonly files: OpenFiles;
  /** Paths that are rotated copies of files already read. */
  private readonly aliases = new Set<string>();
  private readonly forgetTimers = new Map<string, NodeJS.Timeout>();
  /** Every file's positions, and the files read; on disk, one checkpoint file for all. */
  private readonly positions: PositionBook;
  private readonly checkpointFile: CheckpointBook | undefined;
  private running = false;
  private instance = 0;
  /** New files are taken up a few at a time. */
  private readonly pickups = new PickupTurns();
  /** One credit for every file followed: lines in flight are bounded per folder, not per file. */
  private readonly credit = new CreditPool();
  /** For snapshot(). */
  private mode: DiscoveryMode = 'events';
  private lastError: LastError | undefined;

  constructor(
    private readonly options: DirectoryTailOptions,
    private readonly events: DirectoryTailEvents,
  ) {
    const cp = options.checkpoints;
    const file = cp && new CheckpointBook(cp.store, `${options.id}~book`, cp.intervalMs);
    this.checkpointFile = file;
    this.positions = new PositionBook(
      file && {
        shelf: file,
        keyOf: (path) => this.checkpointKey(path),
        intervalMs: file.intervalMs,
        onError: events.checkpointError,
        read: { key: `${options.id}~seen`, root: options.discovery.root },
      },
    );
    this.files = new OpenFiles(options, this.positions, {
      session: (file, startAt) => this.session(file, startAt),
      mode: () => this.mode,
    });
    this.discovery = new Discovery(options.discovery, {
      added: (file, stats, initial) => void this.added(file, stats, initial),
      changed: (file) => this.changed(file),
      removed: (file) => this.removed(file),
      mode: (mode) => {
        this.mode = mode;
        events.mode(mode);
      },
      error: (err, where) => {
        const reason = err.code === 'EACCES' || err.code === 'EPERM' ? 'denied' : 'read';
        const error: FollowerError = { path: where, reason, code: err.code ?? 'EUNKNOWN', message: err.message };
        this.lastError = lastErrorAt(error);
        events.error(error);
        events.event({ event: 'error', path: where, detail: { code: err.code, message: err.message } });
      },
      skipped: (where, reason, detail) => events.event({ event: 'skipped', path: where, detail: { reason, ...detail } }),
    });
  }

  /** How many files are followed now (open), and known in all. */
  get counts(): { open: number; known: number } {
    return this.files.counts;
  }

  /** Every known file as it stands (see TailSession.snapshot): no file system call. */
  snapshot(): DirectorySnapshot {
    return { root: this.options.discovery.root, mode: this.mode, files: this.files.snapshots(), lastError: this.lastError };
  }

  async start(): Promise<void> {
    this.running = true;
    // A folder that leads outside the allow-list (a symlink) is not even listed.
    if (!(await this.admitted(this.options.discovery.root))) return;
    if (this.options.resume) {
      const problem = await this.positions.loadRead();
      if (problem) this.events.checkpointProblem(problem);
    }
    if (!this.running) return;
    this.discovery.start();
    this.files.startPolling();
  }

  pause(): void {
    this.files.pause();
  }

  unpause(): void {
    this.files.unpause();
  }

  /**
   * Reads every followed file again from what was delivered (lines sent
   * meanwhile were dropped, as when the batcher after this tail restarted).
   */
  async rewind(): Promise<void> {
    await this.files.rewind();
  }

  /** Stops everything and writes the checkpoints. */
  async stop(settleMs: number): Promise<void> {
    this.running = false;
    this.checkpointFile?.hurry();
    for (const t of this.forgetTimers.values()) clearTimeout(t);
    // Sessions first: they stop reading at once, not after the watcher has closed.
    const stopping = this.files.stopAll(settleMs);
    await this.discovery.stop();
    await stopping;
    await this.positions.flushRead();
    await this.checkpointFile?.end();
  }

  /** Stops and forgets every checkpoint (the node was removed). */
  async discard(): Promise<void> {
    this.running = false;
    for (const t of this.forgetTimers.values()) clearTimeout(t);
    const stopping = this.files.stopAll(0, true);
    await this.discovery.stop();
    await stopping;
    this.positions.cancelAll(); // or their timers write the file again after the removal
    await this.checkpointFile?.drop();
    await this.options.checkpoints?.store.removeAll(`${this.options.id}~`);
  }

  private async added(file: string, stats: Stats, initial: boolean): Promise<void> {
    // Back after a 'removed' (deleted and created again, or a rename rotation
    // seen as unlink + add): say so, and go on with the same session.
    const returned = this.forgetTimers.has(file);
    this.cancelForget(file);
    if (this.files.has(file)) {
      if (returned) this.events.event({ event: 'added', path: file, detail: { size: stats.size } });
      this.changed(file);
      return;
    }
    if (!(await this.admitted(file))) return;
    if (await this.isRotatedCopy(file, stats)) {
      this.aliases.add(file);
      return;
    }
    await this.pickups.run(() => {
      // Meanwhile stopped, gone, or opened by another event.
      if (!this.running || !this.discovery.knows(file) || this.files.has(file)) return undefined;
      // Followed before announced: a status shown on the event counts the file.
      const followed = this.files.follow(file, initial ? this.options.startAt : 'beginning');
      this.events.event({ event: 'added', path: file, detail: { size: stats.size } });
      return followed;
    });
  }

  /** The allow-list lets `file` be read; when it does not, says so (an error and an error event). */
  private async admitted(file: string): Promise<boolean> {
    if (!this.options.admit || (await this.options.admit(file).catch(() => false))) return true;
    const error: FollowerError = { path: file, reason: 'notAllowed', code: 'ENOTALLOWED', message: `${file} is outside the allowed paths` };
    if (file === this.options.discovery.root) this.lastError = lastErrorAt(error);
    this.events.error(error);
    this.events.event({ event: 'error', path: file, detail: { code: error.code, message: error.message } });
    return false;
  }

  /** True when the file is one already read, under a new name (rotation). */
  private async isRotatedCopy(file: string, stats: Stats): Promise<boolean> {
    const known = this.positions.readBefore(stats);
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
    this.files.changed(file);
  }

  private removed(file: string): void {
    this.aliases.delete(file);
    if (!this.files.has(file)) return;
    // The session reads what is left and notices a rotation by itself; if
    // the path stays gone, the file is let go.
    this.files.triggerOpen(file);
    this.events.event({ event: 'removed', path: file });
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
    await this.files.drop(file);
    await this.positions.remove(file);
  }

  /** A session for `file`: reading starts at `startAt` unless the book or the checkpoint says where. */
  private session(file: string, startAt: StartAt): TailSession {
    const reopened = this.positions.newest(file) !== undefined;
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
      book: this.positions,
      checkpoints: undefined, // the book keeps them
    };
    return new TailSession(sessionOptions, {
      emit: (chunk, ticket) => {
        this.files.touch(file);
        this.positions.noteHead(chunk.identity);
        this.events.emit(chunk, ticket);
      },
      acksPerMessage: (chunk) => this.events.acksPerMessage(chunk),
      creditLines: () => this.events.creditLines(),
      state: (state: FollowerState) => void state,
      // Opened again after being closed (the open-file limit, idling): resuming is routine, not news.
      notice: (notice) => {
        if (!(notice.kind === 'resumed' && reopened)) this.onNotice(notice);
      },
      error: (error) => {
        this.events.error(error);
        this.events.event({ event: 'error', path: error.path, detail: { code: error.code, message: error.message } });
      },
      checkpointError: (err) => this.events.checkpointError(err),
      checkpointProblem: (problem) => this.events.checkpointProblem(problem),
      opened: (identity) => this.positions.noteRead(identity, file),
    });
  }

  private onNotice(notice: FollowerNotice): void {
    if (notice.kind === 'rotated') this.events.event({ event: 'rotated', path: notice.path });
    else if (notice.kind === 'truncated') this.events.event({ event: 'truncated', path: notice.path, detail: { size: notice.size } });
    this.events.notice(notice);
  }

  private checkpointKey(file: string): string {
    return `${this.options.id}~${createHash('sha1').update(file).digest('hex').slice(0, 16)}`;
  }
}
