/**
 * The position book: which files a source follows under each path, how far
 * each has been delivered, and which files it has read (by identity). The one
 * owner of positions: the session writes into it as lines are sent and
 * acknowledged, a follower started again (after a stop, a close for the
 * open-file limit, a rewind) resumes from it, and the checkpoint is its
 * serialization, written per path through a CheckpointShelf.
 *
 * Files are keyed by device and inode (inodeKey); the entry keeps the whole
 * identity, head hash included, so a recycled inode is not taken for the
 * file it once was (the follower compares heads before it resumes).
 *
 * How far a file has been *read* is the follower's (its readers hold it with
 * their buffers); the book holds what counts: what was delivered.
 */
import { type FileIdentity, inodeKey } from './file-identity';
import type { ResumePoint } from './file-follower';
import { type CheckpointProblem, type CheckpointShelf, CheckpointWriter } from './checkpoint-store';

/** Where the book is kept on disk. */
export interface BookShelf {
  shelf: CheckpointShelf;
  /** The shelf key of a path's positions. */
  keyOf(path: string): string;
  intervalMs: number;
  /** Writing failed (the book goes on; the next write tries again). */
  onError(err: unknown): void;
  /**
   * Where the identities of files read are kept, under the followed root
   * (dir-watch: it tells a rotated copy from a new file across restarts).
   */
  read?: { key: string; root: string };
}

/** What loading a path's positions found. */
export type BookLoad = { kind: 'loaded'; points: ResumePoint[] } | { kind: 'none' } | CheckpointProblem;

/**
 * One path's positions. Kept small: a dir-watch keeps one for every file it
 * knows, closed ones included (twenty thousand of them).
 */
interface PathEntry {
  /** Delivered offset per file of the path, rotated ones included (a few at most: an array, not a map). */
  delivered: ResumePoint[];
  /**
   * The files followed under the path, in the follower's order (rotated
   * ones first, the newest last): the ones a checkpoint holds. While
   * followed, the follower is asked when the checkpoint is written (not on
   * each acknowledgement); once stopped, where it stopped.
   */
  followed: (() => ResumePoint[]) | ResumePoint[];
  /** Made when there is something to write, let go once a stopped path's last write is done. */
  writer: CheckpointWriter | undefined;
}

/** A file read, and the path it was first read under. */
export interface ReadFile {
  identity: FileIdentity;
  path: string;
}

/** Identities of files read, remembered across restarts (the oldest go first). */
const MAX_READ_FILES = 4096;

export class PositionBook {
  private readonly paths = new Map<string, PathEntry>();
  private readonly readFiles = new Map<string, ReadFile>();
  private readonly readWriter: CheckpointWriter | undefined;

  constructor(private readonly stored?: BookShelf) {
    if (stored?.read) this.readWriter = new CheckpointWriter(stored.shelf, stored.read.key, stored.intervalMs, stored.onError);
  }

  /**
   * Where to resume `path`: its files at their delivered offsets, in the
   * follower's order. Undefined when the book knows nothing of the path, or
   * only that nothing of it was followed.
   */
  resumePoints(path: string): ResumePoint[] | undefined {
    const entry = this.paths.get(path);
    if (!entry) return undefined;
    const points = this.deliveredOf(entry, followedOf(entry));
    return points.length > 0 ? points : undefined;
  }

  /** The newest file under `path` at its delivered offset (the last of resumePoints), without copying the others. */
  newest(path: string): ResumePoint | undefined {
    const entry = this.paths.get(path);
    const followed = entry && followedOf(entry);
    const last = followed?.[followed.length - 1];
    return entry && last && this.deliveredOf(entry, [last])[0];
  }

  /** The delivered offset of a file under `path`, if known. */
  deliveredOffset(path: string, identity: FileIdentity): number | undefined {
    const entry = this.paths.get(path);
    return entry && findFile(entry.delivered, inodeKey(identity))?.offset;
  }

  /** Reads `path`'s positions from the shelf into the book (a start with nothing in memory). */
  async load(path: string): Promise<BookLoad> {
    if (!this.stored) return { kind: 'none' };
    const saved = await this.stored.shelf.load(this.stored.keyOf(path), path);
    if (saved.kind !== 'loaded') return saved;
    if (saved.checkpoint.path !== path) return { kind: 'none' };
    const points = saved.checkpoint.files.map(({ identity, offset }) => ({ identity, offset }));
    return { kind: 'loaded', points };
  }

  /**
   * A follower takes up `path` from `points`; `followed` tells which files it
   * follows whenever the checkpoint is written.
   */
  follow(path: string, points: readonly ResumePoint[], followed: () => ResumePoint[]): void {
    const entry = this.entry(path);
    entry.delivered = points.map((point) => ({ ...point }));
    entry.followed = followed;
  }

  /** Lines of a file starting at `start` go out: a file written again from before its offset starts over there. */
  sent(path: string, identity: FileIdentity, start: number): void {
    const entry = this.entry(path);
    const known = findFile(entry.delivered, inodeKey(identity));
    if (known) {
      if (start < known.offset) known.offset = start;
      known.identity = identity;
    } else entry.delivered.push({ identity, offset: start });
  }

  /** A file is taken up at `offset`: what lies before it counts as delivered. */
  opened(path: string, identity: FileIdentity, offset: number): void {
    const entry = this.entry(path);
    const known = findFile(entry.delivered, inodeKey(identity));
    if (!known) entry.delivered.push({ identity, offset });
    else if (known.offset > offset) {
      known.identity = identity;
      known.offset = offset;
    }
    this.save(path, entry);
  }

  /** Lines up to `offset` of the file `key` (dev:ino) were acknowledged. */
  committed(path: string, key: string, offset: number): void {
    const entry = this.paths.get(path);
    if (!entry) return;
    const point = findFile(entry.delivered, key);
    if (point) point.offset = offset;
    this.save(path, entry);
  }

  /**
   * The follower of `path` stopped at `points`: files it followed keep their
   * delivered offsets (unacknowledged lines are read again), the others
   * where it stopped. The book now resumes the path from there.
   */
  stopped(path: string, points: readonly ResumePoint[]): ResumePoint[] {
    const entry = this.entry(path);
    const resume = this.deliveredOf(entry, points);
    // Only what a restart needs is kept: rotated files finished are dropped
    // (a file never delivered from stays out of the checkpoint, as before).
    entry.delivered = resume.filter((p) => findFile(entry.delivered, inodeKey(p.identity))).map((p) => ({ ...p }));
    entry.followed = resume;
    return resume;
  }

  /** Writes `path`'s positions now. */
  async flush(path: string): Promise<void> {
    const entry = this.paths.get(path);
    if (!entry) return;
    this.save(path, entry);
    const writer = entry.writer;
    await writer?.flush();
    // A stopped path writes nothing more until it is followed again.
    if (Array.isArray(entry.followed) && entry.writer === writer) entry.writer = undefined;
  }

  /** Writes the identities of files read now. */
  async flushRead(): Promise<void> {
    await this.readWriter?.flush();
  }

  /** Forgets `path` here (its stored positions stay for the next start). */
  forget(path: string): void {
    this.paths.get(path)?.writer?.cancel();
    this.paths.delete(path);
  }

  /** Forgets `path` and removes its stored positions (the file is gone for good, or the node removed). */
  async remove(path: string): Promise<void> {
    this.forget(path);
    if (this.stored) await this.stored.shelf.remove(this.stored.keyOf(path)).catch(() => undefined);
  }

  /** Stops every pending write (the node was removed). */
  cancelAll(): void {
    for (const entry of this.paths.values()) entry.writer?.cancel();
    this.readWriter?.cancel();
  }

  /** Loads the identities of files read (see BookShelf.read). */
  async loadRead(): Promise<CheckpointProblem | undefined> {
    const read = this.stored?.read;
    if (!read) return undefined;
    const saved = await this.stored.shelf.load(read.key, read.root);
    if (saved.kind === 'loaded') {
      for (const { identity, path } of saved.checkpoint.files) this.readFiles.set(inodeKey(identity), { identity, path: path ?? '' });
      return undefined;
    }
    return saved.kind === 'none' ? undefined : saved;
  }

  /** The file read before with the device and inode of `stats`, and where. */
  readBefore(stats: { dev: number; ino: number }): ReadFile | undefined {
    return this.readFiles.get(inodeKey(stats));
  }

  /** `file` opened the file `identity`: remembered under the name it was first read under. */
  noteRead(identity: FileIdentity, file: string): void {
    const key = inodeKey(identity);
    const known = this.readFiles.get(key);
    this.readFiles.delete(key);
    // A file first read under one name keeps it: later names are rotations.
    this.readFiles.set(key, { identity, path: known && known.identity.headHash === identity.headHash ? known.path : file });
    while (this.readFiles.size > MAX_READ_FILES) this.readFiles.delete(this.readFiles.keys().next().value as string);
    this.saveRead();
  }

  /** Keeps the head of a file read as it grows, so it tells the file from others. */
  noteHead(identity: FileIdentity): void {
    const known = this.readFiles.get(inodeKey(identity));
    if (!known || known.identity.headLength >= identity.headLength) return;
    known.identity = identity;
    this.saveRead();
  }

  private entry(path: string): PathEntry {
    let entry = this.paths.get(path);
    if (!entry) {
      entry = { delivered: [], followed: [], writer: undefined };
      this.paths.set(path, entry);
    }
    return entry;
  }

  /** `points` at their delivered offsets where known. */
  private deliveredOf(entry: PathEntry, points: readonly ResumePoint[]): ResumePoint[] {
    return points.map((p) => {
      const delivered = findFile(entry.delivered, inodeKey(p.identity));
      return delivered ? { ...delivered } : { ...p };
    });
  }

  private save(path: string, entry: PathEntry): void {
    const stored = this.stored;
    if (!stored) return;
    entry.writer ??= new CheckpointWriter(stored.shelf, stored.keyOf(path), stored.intervalMs, stored.onError);
    // Built when written (once per interval): only files still followed; rotated files finished are dropped.
    entry.writer.update(() => ({
      path,
      files: followedOf(entry)
        .map((p) => findFile(entry.delivered, inodeKey(p.identity)))
        .filter((p): p is ResumePoint => p !== undefined)
        .map(({ identity, offset }) => ({ identity, offset })),
    }));
  }

  private saveRead(): void {
    // Built when written (once per interval), not on every file opened: with
    // thousands of files opened at once, that was thousands of copies.
    const root = this.stored?.read?.root ?? '';
    this.readWriter?.update(() => ({
      path: root,
      files: [...this.readFiles.values()].map(({ identity, path }) => ({ identity, offset: 0, path })),
    }));
  }
}

function followedOf(entry: PathEntry): ResumePoint[] {
  return typeof entry.followed === 'function' ? entry.followed() : entry.followed;
}

/** The file `key` (dev:ino) among a path's few. */
function findFile(points: readonly ResumePoint[], key: string): ResumePoint | undefined {
  for (const p of points) if (inodeKey(p.identity) === key) return p;
  return undefined;
}
