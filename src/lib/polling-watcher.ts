/**
 * Chokidar in polling mode: how a dir-watch follows its tree once the system
 * has run out of inotify watches (or descriptors), rather than giving up.
 * Chokidar is given the real root and never follows links; its paths are
 * turned back into paths under root before they are told.
 */
import type { Stats } from 'node:fs';
import * as path from 'node:path';
import { watch as chokidarWatch, type FSWatcher } from 'chokidar';
import type { NameMatcher } from './name-matcher';
import type { RootFolder } from './root-folder';

/** What the polling tells, in paths under root. */
export interface PollingEvents {
  /** A file appeared (`stats`: lstat's, when chokidar has them). */
  added(file: string, stats: Stats | undefined): void;
  changed(file: string): void;
  removed(file: string): void;
  /** A folder of the tree (the root, perhaps) is gone. */
  folderRemoved(dir: string): void;
  /** A name in `dir` is not valid UTF-8 (chokidar cannot stat it). */
  undecodable(dir: string): void;
  /** A folder on another device turned out to be a pseudo file system: it is no longer polled. */
  pseudoFolder(dir: string, fileSystem: string): void;
  /** Chokidar's first scan is done. */
  ready(): void;
  error(err: NodeJS.ErrnoException): void;
}

export interface PollingSettings {
  recursive: boolean;
  maxDepth: number;
  /** Links are never followed by chokidar; with 'skip', it does not even list them. */
  skipSymlinks: boolean;
}

export class PollingWatcher {
  private watcher: FSWatcher | undefined;

  constructor(
    private readonly root: RootFolder,
    private readonly matcher: NameMatcher,
    private readonly settings: PollingSettings,
    events: PollingEvents,
  ) {
    const watcher = chokidarWatch(root.real, {
      persistent: false,
      ignoreInitial: true,
      usePolling: true,
      interval: 1000,
      depth: settings.recursive ? settings.maxDepth : 0,
      ignorePermissionErrors: false,
      // Links are never followed by chokidar: it would follow them anywhere. Discovery applies the rule.
      followSymlinks: false,
      ignored: (file: string, stats?: Stats) => this.ignored(file, stats, events),
    });
    watcher.on('add', (file, stats) => events.added(root.fromReal(file), stats));
    watcher.on('change', (file) => events.changed(root.fromReal(file)));
    watcher.on('unlink', (file) => events.removed(root.fromReal(file)));
    watcher.on('unlinkDir', (dir) => events.folderRemoved(root.fromReal(dir)));
    watcher.on('error', (err) => events.error(err as NodeJS.ErrnoException));
    // A name that is not UTF-8 gets no 'add' (chokidar cannot stat it): its folder's raw event tells.
    watcher.on('raw', (_event: string, name: unknown, details: unknown) => {
      const watched = (details as { watchedPath?: unknown } | undefined)?.watchedPath;
      if (typeof name !== 'string' || !name.includes('\uFFFD') || typeof watched !== 'string') return;
      events.undecodable(root.fromReal(path.dirname(path.join(watched, name))));
    });
    // chokidar counts files created before its initial scan ends as initial
    // (no 'add' with ignoreInitial): walk once more to pick those up.
    watcher.on('ready', () => events.ready());
    this.watcher = watcher;
  }

  async close(): Promise<void> {
    const watcher = this.watcher;
    this.watcher = undefined;
    await watcher?.close().catch(() => undefined);
  }

  /** Chokidar's filter (called with lstat stats when it lists a folder). */
  private ignored(raw: string, stats: Stats | undefined, events: PollingEvents): boolean {
    if (!stats) return false;
    if (stats.isSymbolicLink()) return this.settings.skipSymlinks;
    if (stats.isFile()) return !this.matcher.matches(this.root.fromReal(raw));
    if (!stats.isDirectory() || stats.dev === this.root.dev || this.root.pseudoAllowed) return false;
    // Another device: the walk has asked about most; a mount made since is asked now, and left if pseudo.
    const pseudo = this.root.isKnownPseudo(stats.dev);
    if (pseudo !== undefined) return pseudo;
    void this.root.pseudoAt(raw, stats.dev).then((fileSystem) => {
      if (!fileSystem) return;
      this.watcher?.unwatch(raw);
      events.pseudoFolder(this.root.fromReal(raw), fileSystem);
    });
    return false;
  }
}
