/**
 * One watch per folder of a dir-watch's tree, none on any file (on Linux an
 * inotify watch on a folder reports its files' changes too): a tree of
 * twenty thousand files costs twenty watches, not twenty thousand.
 */
import { watch as fsWatch, type FSWatcher as FolderWatcher } from 'node:fs';
import * as path from 'node:path';

/** Watches one folder, as fs.watch does. */
export type WatchFolder = (dir: string, listener: (event: string, name: string | null) => void) => FolderWatcher;

/** What the watches tell. */
export interface FolderEvents {
  /** A name in a watched folder at `depth`: written, or (`renamed`) created, renamed or removed. */
  name(full: string, depth: number, renamed: boolean): void;
  /** A folder could not say which name changed, or its watch stopped: only a walk of the tree tells. */
  lostTrack(): void;
  /** A watch could not be made, or failed for want of watches or descriptors (ENOSPC, EMFILE). */
  failed(err: NodeJS.ErrnoException): void;
}

/** One watched folder of the tree. */
interface WatchedFolder {
  watcher: FolderWatcher;
  /** Folder levels below root. */
  depth: number;
}

export class FolderWatches {
  /** A watch per folder of the tree (not through links), by path under root. */
  private readonly folders = new Map<string, WatchedFolder>();
  /** Names changed in watched folders, handled once per turn of the event loop. */
  private pendingChanges = new Map<string, { depth: number; renamed: boolean }>();
  private changesScheduled = false;

  constructor(
    private readonly events: FolderEvents,
    private readonly watchFolder: WatchFolder | undefined,
  ) {}

  /** Watches a folder at `depth`, unless it is watched already. */
  watch(dir: string, depth: number): void {
    if (this.folders.has(dir)) return;
    let watcher: FolderWatcher;
    try {
      const listener = (event: string, name: string | Buffer | null) => this.folderEvent(dir, depth, event, name === null ? null : String(name));
      watcher = this.watchFolder ? this.watchFolder(dir, listener) : fsWatch(dir, { persistent: false }, listener);
    } catch (err) {
      this.events.failed(err as NodeJS.ErrnoException);
      return;
    }
    watcher.on('error', (err) => {
      // The folder went away, or cannot be watched any more: the walk decides (and watches again).
      this.unwatch(dir);
      const code = (err as NodeJS.ErrnoException).code;
      if (code === 'ENOSPC' || code === 'EMFILE') this.events.failed(err as NodeJS.ErrnoException);
      else this.events.lostTrack();
    });
    this.folders.set(dir, { watcher, depth });
  }

  unwatch(dir: string): void {
    const folder = this.folders.get(dir);
    if (!folder) return;
    this.folders.delete(dir);
    folder.watcher.close();
  }

  /** Stops watching `dir` and every folder below it. */
  unwatchTree(dir: string): void {
    const prefix = dir + path.sep;
    for (const watched of [...this.folders.keys()]) if (watched === dir || watched.startsWith(prefix)) this.unwatch(watched);
  }

  unwatchAll(): void {
    for (const dir of [...this.folders.keys()]) this.unwatch(dir);
  }

  /**
   * A watched folder reports a name: a file written, or a name created,
   * renamed or removed (a file or a sub-folder), or the folder itself gone.
   * Names are collected for the rest of this turn of the event loop: a file
   * written a hundred times meanwhile is one change.
   */
  private folderEvent(dir: string, depth: number, event: string, name: string | null): void {
    // A folder no longer watched (or watched again at another depth) is not heard.
    if (this.folders.get(dir)?.depth !== depth) return;
    if (name === null) {
      // The system could not say which (its event queue overflowed): walk.
      this.events.lostTrack();
      return;
    }
    const full = path.join(dir, name);
    const pending = this.pendingChanges.get(full);
    if (pending) pending.renamed ||= event === 'rename';
    else this.pendingChanges.set(full, { depth, renamed: event === 'rename' });
    if (this.changesScheduled) return;
    this.changesScheduled = true;
    setImmediate(() => this.takeChanges());
  }

  private takeChanges(): void {
    this.changesScheduled = false;
    const changes = this.pendingChanges;
    this.pendingChanges = new Map();
    for (const [full, { depth, renamed }] of changes) this.events.name(full, depth, renamed);
  }
}
