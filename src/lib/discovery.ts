/**
 * Finds the files in a folder tree that match the patterns, and says when
 * they appear, change or go. Chokidar gives events; a periodic rescan is the
 * safety net for events that never come (network shares, lost inotify
 * events). When the system runs out of inotify watches, chokidar is started
 * again in polling mode rather than giving up. A folder that is missing, or
 * disappears, is waited for.
 */
import { promises as fsp, type Stats } from 'node:fs';
import * as path from 'node:path';
import { watch as chokidarWatch, type FSWatcher } from 'chokidar';
import micromatch from 'micromatch';

export interface DiscoveryOptions {
  root: string;
  /** Globs matched against the path relative to root; one without "/" matches the file name at any depth. */
  patterns: string[];
  exclude: string[];
  recursive: boolean;
  /** Folder levels below root searched when recursive. */
  maxDepth: number;
  /** Files not modified for longer than this are left alone; 0 = no limit. */
  ignoreOlderMs: number;
  /** Full rescans, as a safety net; 0 = none. */
  rescanMs: number;
}

export type DiscoveryMode = 'events' | 'polling' | 'missing';

/** How often a missing folder is looked for. */
const MISSING_CHECK_MS = 1000;

export interface DiscoverySink {
  added(file: string, stats: Stats, initial: boolean): void;
  changed(file: string): void;
  removed(file: string): void;
  mode(mode: DiscoveryMode): void;
  /** A part of the tree could not be read (reported once per path). */
  error(err: NodeJS.ErrnoException, where: string): void;
}

export class Discovery {
  private watcher: FSWatcher | undefined;
  private rescanTimer: NodeJS.Timeout | undefined;
  private missingTimer: NodeJS.Timeout | undefined;
  private readonly known = new Set<string>();
  private readonly reported = new Set<string>();
  private polling = false;
  private running = false;
  private initialDone = false;
  private currentMode: DiscoveryMode | undefined;
  private readonly root: string;

  constructor(
    private readonly options: DiscoveryOptions,
    private readonly sink: DiscoverySink,
  ) {
    this.root = path.resolve(options.root);
  }

  /** True when a path (absolute, under root) is one of ours by the patterns. */
  matches(file: string): boolean {
    const rel = path.relative(this.root, file).split(path.sep).join('/');
    if (rel === '' || rel.startsWith('..')) return false;
    if (!this.options.recursive && rel.includes('/')) return false;
    if (this.options.recursive && rel.split('/').length - 1 > this.options.maxDepth) return false;
    return matchesAny(rel, this.options.patterns) && !matchesAny(rel, this.options.exclude);
  }

  /** True when `file` is one of the files matched so far. */
  knows(file: string): boolean {
    return this.known.has(file);
  }

  /** The files matched so far. */
  files(): string[] {
    return [...this.known];
  }

  start(): void {
    if (this.running) return;
    this.running = true;
    void this.begin();
    if (this.options.rescanMs > 0) {
      this.rescanTimer = setInterval(() => void this.rescan(), this.options.rescanMs);
      this.rescanTimer.unref?.();
    }
  }

  async stop(): Promise<void> {
    this.running = false;
    clearInterval(this.rescanTimer);
    clearInterval(this.missingTimer);
    await this.closeWatcher();
  }

  private async begin(): Promise<void> {
    if (!(await this.rootExists())) {
      // No file is present at start: whatever appears later is new.
      this.initialDone = true;
      this.setMode('missing');
      return;
    }
    await this.rescan();
    this.initialDone = true;
    this.openWatcher();
  }

  private async rootExists(): Promise<boolean> {
    try {
      return (await fsp.stat(this.root)).isDirectory();
    } catch {
      return false;
    }
  }

  private openWatcher(): void {
    if (!this.running || this.watcher) return;
    const watcher = chokidarWatch(this.root, {
      persistent: false,
      ignoreInitial: true,
      usePolling: this.polling,
      interval: 1000,
      depth: this.options.recursive ? this.options.maxDepth : 0,
      ignorePermissionErrors: false,
      ignored: (file: string, stats?: Stats) => stats?.isFile() === true && !this.matches(file),
    });
    watcher.on('add', (file, stats) => void this.found(file, stats, false));
    watcher.on('change', (file) => {
      if (this.known.has(file)) this.sink.changed(file);
      else void this.found(file, undefined, false);
    });
    watcher.on('unlink', (file) => this.lost(file));
    watcher.on('unlinkDir', (dir) => {
      if (path.resolve(dir) === this.root) void this.rootGone();
      else for (const file of this.known) if (file.startsWith(dir + path.sep)) this.lost(file);
    });
    watcher.on('error', (err) => void this.watchError(err as NodeJS.ErrnoException));
    // chokidar counts files created before its initial scan ends as initial
    // (no 'add' with ignoreInitial): walk once more to pick those up.
    watcher.on('ready', () => void this.rescan());
    this.watcher = watcher;
    this.setMode(this.polling ? 'polling' : 'events');
  }

  private async closeWatcher(): Promise<void> {
    const watcher = this.watcher;
    this.watcher = undefined;
    await watcher?.close().catch(() => undefined);
  }

  private async watchError(err: NodeJS.ErrnoException): Promise<void> {
    if ((err.code === 'ENOSPC' || err.code === 'EMFILE') && !this.polling) {
      // Out of inotify watches or descriptors: poll instead of stopping.
      this.polling = true;
      await this.closeWatcher();
      this.openWatcher();
      return;
    }
    const where = (err as { path?: string }).path ?? this.root;
    this.reportOnce(err, where);
  }

  private reportOnce(err: NodeJS.ErrnoException, where: string): void {
    const key = `${err.code}:${where}`;
    if (this.reported.has(key)) return;
    this.reported.add(key);
    this.sink.error(err, where);
  }

  private async rootGone(): Promise<void> {
    await this.closeWatcher();
    for (const file of [...this.known]) this.lost(file);
    this.setMode('missing');
  }

  /** While the folder is missing, look for it every second (the rescan may be far off). */
  private watchForRoot(): void {
    if (this.missingTimer || !this.running) return;
    this.missingTimer = setInterval(() => {
      if (this.currentMode !== 'missing') {
        clearInterval(this.missingTimer);
        this.missingTimer = undefined;
        return;
      }
      void this.rescan();
    }, Math.min(MISSING_CHECK_MS, this.options.rescanMs > 0 ? this.options.rescanMs : MISSING_CHECK_MS));
    this.missingTimer.unref?.();
  }

  /** Walks the tree; adds what is new, removes what is gone. */
  private async rescan(): Promise<void> {
    if (!this.running) return;
    if (!(await this.rootExists())) {
      if (this.currentMode !== 'missing') await this.rootGone();
      return;
    }
    if (this.currentMode === 'missing' && this.initialDone) {
      // The folder is back.
      this.openWatcher();
    }
    const seen = new Set<string>();
    await this.walk(this.root, 0, seen);
    // A file added by an event while the walk ran is not in `seen`: only a
    // file that really is gone is lost.
    for (const file of [...this.known]) if (!seen.has(file) && !(await this.exists(file))) this.lost(file);
    if (!this.initialDone) return;
    for (const file of seen) if (!this.known.has(file)) await this.found(file, undefined, false);
  }

  private async exists(file: string): Promise<boolean> {
    try {
      return (await fsp.stat(file)).isFile();
    } catch {
      return false;
    }
  }

  private async walk(dir: string, depth: number, seen: Set<string>): Promise<void> {
    let entries;
    try {
      entries = await fsp.readdir(dir, { withFileTypes: true });
    } catch (err) {
      const e = err as NodeJS.ErrnoException;
      if (e.code !== 'ENOENT') this.reportOnce(e, dir);
      return;
    }
    for (const entry of entries) {
      const full = path.join(dir, entry.name);
      if (entry.isDirectory()) {
        if (this.options.recursive && depth < this.options.maxDepth) await this.walk(full, depth + 1, seen);
      } else if ((entry.isFile() || entry.isSymbolicLink()) && this.matches(full)) {
        seen.add(full);
        if (!this.initialDone && !this.known.has(full)) await this.found(full, undefined, true);
      }
    }
  }

  private async found(file: string, stats: Stats | undefined, initial: boolean): Promise<void> {
    if (!this.running || this.known.has(file) || !this.matches(file)) return;
    let info = stats;
    try {
      info ??= await fsp.stat(file);
    } catch {
      return; // gone already
    }
    if (!info.isFile()) return;
    if (this.options.ignoreOlderMs > 0 && Date.now() - info.mtimeMs > this.options.ignoreOlderMs) return;
    if (this.known.has(file)) return;
    this.known.add(file);
    this.sink.added(file, info, initial);
  }

  private lost(file: string): void {
    if (!this.known.delete(file)) return;
    this.sink.removed(file);
  }

  private setMode(mode: DiscoveryMode): void {
    if (mode === this.currentMode) return;
    this.currentMode = mode;
    if (mode === 'missing') this.watchForRoot();
    this.sink.mode(mode);
  }
}

/** A glob without "/" is matched against the file name, one with "/" against the relative path. */
function matchesAny(rel: string, globs: string[]): boolean {
  const name = rel.slice(rel.lastIndexOf('/') + 1);
  return globs.some((glob) => matcherOf(glob)(glob.includes('/') ? rel : name));
}

/** Compiled globs: every rescan matches every file name, and compiling is most of a match's cost. */
const matchers = new Map<string, (text: string) => boolean>();

function matcherOf(glob: string): (text: string) => boolean {
  let matcher = matchers.get(glob);
  if (!matcher) {
    matcher = micromatch.matcher(glob, { dot: true });
    matchers.set(glob, matcher);
  }
  return matcher;
}
