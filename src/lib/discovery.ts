/**
 * Finds the files in a folder tree that match the patterns, and says when
 * they appear, change or go. Each folder of the tree has one watch (on
 * Linux an inotify watch on a folder reports its files' changes too), none
 * on any file: a tree of twenty thousand files costs twenty watches, not
 * twenty thousand. A periodic rescan is the safety net for events that
 * never come (network shares, lost inotify events). When the system runs
 * out of inotify watches, chokidar takes over in polling mode rather than
 * giving up. A folder that is missing, or disappears, is waited for.
 *
 * The same rules hold for the walk and for events:
 * - Symbolic links below the folder are skipped (`symlinks: 'skip'`), or
 *   followed only when their target lies inside the folder (`'inside'`); a
 *   file reached by two paths is announced once (by device and inode). The
 *   folder itself may be a link.
 * - Folders on pseudo file systems (/proc, /sys, ...) are not entered, and
 *   such a folder to watch is refused, unless `pseudoFs` allows them. The
 *   check is made when the device changes, so it costs a statfs per mount.
 * - A name that is not valid UTF-8 cannot be opened through a JavaScript
 *   string: it is reported once (`skipped`), with its bytes escaped.
 */
import { promises as fsp, watch as fsWatch, type FSWatcher as FolderWatcher, type Stats } from 'node:fs';
import * as path from 'node:path';
import { watch as chokidarWatch, type FSWatcher } from 'chokidar';
import micromatch from 'micromatch';
import { timerDelay } from './durations';
import { inodeKey } from './file-identity';
import { fileSystemType, pseudoFileSystem } from './file-system-types';

/** What is done with symbolic links below the folder. */
export type SymlinkRule = 'skip' | 'inside';
/** Why a path that would match is not followed. */
export type SkipReason = 'symlink' | 'outside' | 'pseudoFs' | 'name';

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
  /** Symbolic links below root: 'skip' (the default) or 'inside' (followed when their target lies inside root). */
  symlinks?: SymlinkRule;
  /** Enter folders on pseudo file systems (proc, sysfs, ...); off by default. */
  pseudoFs?: boolean;
  /** The statfs magic number of a folder's file system (replaceable for tests). */
  fileSystemType?: (dir: string) => Promise<number | undefined>;
  /** Watches one folder, as fs.watch (replaceable for tests: a system out of inotify watches). */
  watchFolder?: (dir: string, listener: (event: string, name: string | null) => void) => FolderWatcher;
}

/** `refused`: the folder lies on a pseudo file system, which the options do not allow. */
export type DiscoveryMode = 'events' | 'polling' | 'missing' | 'refused';

/** How often a missing folder is looked for. */
const MISSING_CHECK_MS = 1000;

export interface DiscoverySink {
  added(file: string, stats: Stats, initial: boolean): void;
  changed(file: string): void;
  removed(file: string): void;
  mode(mode: DiscoveryMode): void;
  /** A part of the tree could not be read (reported once per path). */
  error(err: NodeJS.ErrnoException, where: string): void;
  /** A path that would match is not followed, by the rules above (reported once per path). */
  skipped?(where: string, reason: SkipReason, detail: Record<string, unknown>): void;
}

/** The folder to watch, as found. */
interface RootInfo {
  /** Its real path (chokidar is given it: it does not follow links). */
  real: string;
  dev: number;
  /** The pseudo file system it is on, if one. */
  pseudo: string | undefined;
}

/** One watched folder of the tree. */
interface WatchedFolder {
  watcher: FolderWatcher;
  /** Folder levels below root. */
  depth: number;
}

export class Discovery {
  /** Chokidar, in polling mode only (when the system has run out of inotify watches). */
  private watcher: FSWatcher | undefined;
  /** In events mode: a watch per folder of the tree (not through links), by path under root. */
  private readonly folders = new Map<string, WatchedFolder>();
  /** Names changed in watched folders, handled once per turn of the event loop. */
  private pendingChanges = new Map<string, { depth: number; renamed: boolean }>();
  private changesScheduled = false;
  /** Events that need a file system call are handled one at a time, in order. */
  private eventChain: Promise<void> = Promise.resolve();
  private rescanTimer: NodeJS.Timeout | undefined;
  private missingTimer: NodeJS.Timeout | undefined;
  private readonly known = new Set<string>();
  private readonly reported = new Set<string>();
  private polling = false;
  private running = false;
  private initialDone = false;
  private currentMode: DiscoveryMode | undefined;
  private readonly root: string;
  /** The root's real path and device, once found. */
  private realRoot: string;
  private rootDev = -1;
  private readonly symlinks: SymlinkRule;
  /** Pseudo file system (name) or not (undefined), per device: asked once per mount. */
  private readonly pseudoByDev = new Map<number, Promise<string | undefined>>();
  private readonly pseudoKnown = new Map<number, string | undefined>();
  /** With links followed: known files by dev:ino, and whether each was reached through a link. */
  private readonly byIdentity = new Map<string, { path: string; viaLink: boolean }>();
  private readonly identityOf = new Map<string, string>();

  constructor(
    private readonly options: DiscoveryOptions,
    private readonly sink: DiscoverySink,
  ) {
    this.root = path.resolve(options.root);
    this.realRoot = this.root;
    this.symlinks = options.symlinks === 'inside' ? 'inside' : 'skip';
  }

  /** True when a path (absolute, under root) is one of ours by the patterns. */
  matches(file: string): boolean {
    const rel = path.relative(this.root, file).split(path.sep).join('/');
    if (rel === '' || rel.startsWith('..')) return false;
    if (!this.options.recursive && rel.includes('/')) return false;
    if (this.options.recursive && rel.split('/').length - 1 > this.options.maxDepth) return false;
    return matchesAny(rel, this.options.patterns) && !matchesAny(rel, this.options.exclude);
  }

  /** matches() for a name listed in a folder `relDir` (relative to root, "/"-separated) at `depth`: no path arithmetic per name. */
  private matchesListed(relDir: string, depth: number, name: string): boolean {
    if (depth > (this.options.recursive ? this.options.maxDepth : 0)) return false;
    const rel = relDir === '' ? name : `${relDir}/${name}`;
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
      this.rescanTimer = setInterval(() => void this.rescan(), timerDelay(this.options.rescanMs));
      this.rescanTimer.unref?.();
    }
  }

  async stop(): Promise<void> {
    this.running = false;
    clearInterval(this.rescanTimer);
    clearInterval(this.missingTimer);
    this.unwatchFolders();
    await this.closeWatcher();
  }

  private async begin(): Promise<void> {
    const root = await this.rootInfo();
    if (!root) {
      // No file is present at start: whatever appears later is new.
      this.initialDone = true;
      this.setMode('missing');
      return;
    }
    if (root.pseudo) {
      this.initialDone = true;
      await this.refuse(root.pseudo);
      return;
    }
    await this.rescan();
    this.initialDone = true;
    this.openWatcher();
    // Files created while the first walk ran, in folders it had listed already, are not initial: walk once more.
    await this.rescan();
  }

  /** The folder to watch, if it is one; its real path and device are kept. */
  private async rootInfo(): Promise<RootInfo | undefined> {
    try {
      const stats = await fsp.stat(this.root);
      if (!stats.isDirectory()) return undefined;
      const real = await fsp.realpath(this.root);
      this.realRoot = real;
      this.rootDev = stats.dev;
      return { real, dev: stats.dev, pseudo: await this.pseudoAt(real, stats.dev) };
    } catch {
      return undefined;
    }
  }

  /** The pseudo file system `dir` lies on (undefined: none, or allowed), asked once per device. */
  private pseudoAt(dir: string, dev: number): Promise<string | undefined> {
    if (this.options.pseudoFs === true) return Promise.resolve(undefined);
    let answer = this.pseudoByDev.get(dev);
    if (!answer) {
      answer = (this.options.fileSystemType ?? fileSystemType)(dir).then(pseudoFileSystem, () => undefined);
      void answer.then((name) => this.pseudoKnown.set(dev, name));
      this.pseudoByDev.set(dev, answer);
    }
    return answer;
  }

  /** The folder lies on a pseudo file system: nothing is followed, and the mode says why. */
  private async refuse(fileSystem: string): Promise<void> {
    this.unwatchFolders();
    await this.closeWatcher();
    for (const file of [...this.known]) this.lost(file);
    this.skip(this.root, 'pseudoFs', { fileSystem });
    this.setMode('refused');
  }

  /** Chokidar is given the real root: its paths are turned back into paths under root. */
  private fromWatcher(file: string): string {
    if (this.realRoot === this.root) return file;
    const rel = path.relative(this.realRoot, file);
    return rel.startsWith('..') || path.isAbsolute(rel) ? file : path.join(this.root, rel);
  }

  /** Once the tree has been walked (its folders watched as they were listed): events, or chokidar polling. */
  private openWatcher(): void {
    if (!this.running) return;
    if (!this.polling) {
      this.setMode('events');
      return;
    }
    if (this.watcher) return;
    const watcher = chokidarWatch(this.realRoot, {
      persistent: false,
      ignoreInitial: true,
      usePolling: true,
      interval: 1000,
      depth: this.options.recursive ? this.options.maxDepth : 0,
      ignorePermissionErrors: false,
      // Links are never followed by chokidar: it would follow them anywhere. Found() applies the rule.
      followSymlinks: false,
      ignored: (file: string, stats?: Stats) => this.ignoredByWatcher(file, stats),
    });
    watcher.on('add', (file, stats) => void this.found(this.fromWatcher(file), stats, false, 'event'));
    watcher.on('change', (raw) => {
      const file = this.fromWatcher(raw);
      if (this.known.has(file)) this.sink.changed(file);
      else void this.found(file, undefined, false, 'event');
    });
    watcher.on('unlink', (file) => this.lost(this.fromWatcher(file)));
    watcher.on('unlinkDir', (raw) => {
      const dir = this.fromWatcher(raw);
      if (path.resolve(dir) === this.root) void this.rootGone();
      else for (const file of this.known) if (file.startsWith(dir + path.sep)) this.lost(file);
    });
    watcher.on('error', (err) => void this.watchError(err as NodeJS.ErrnoException));
    // A name that is not UTF-8 gets no 'add' (chokidar cannot stat it): its folder's raw event tells.
    watcher.on('raw', (_event: string, name: unknown, details: unknown) => {
      const watched = (details as { watchedPath?: unknown } | undefined)?.watchedPath;
      if (typeof name !== 'string' || !name.includes('\uFFFD') || typeof watched !== 'string') return;
      void this.reportUndecodable(this.fromWatcher(path.dirname(path.join(watched, name))), false);
    });
    // chokidar counts files created before its initial scan ends as initial
    // (no 'add' with ignoreInitial): walk once more to pick those up.
    watcher.on('ready', () => void this.rescan());
    this.watcher = watcher;
    this.setMode('polling');
  }

  /** Watches a folder of the tree (events mode), unless it is watched already. */
  private watchFolderAt(dir: string, depth: number): void {
    if (this.polling || !this.running || this.folders.has(dir)) return;
    let watcher: FolderWatcher;
    try {
      const listener = (event: string, name: string | Buffer | null) => this.folderEvent(dir, depth, event, name === null ? null : String(name));
      watcher = this.options.watchFolder ? this.options.watchFolder(dir, listener) : fsWatch(dir, { persistent: false }, listener);
    } catch (err) {
      void this.watchError(err as NodeJS.ErrnoException);
      return;
    }
    watcher.on('error', (err) => {
      // The folder went away, or cannot be watched any more: the walk decides (and watches again).
      this.unwatchFolder(dir);
      const code = (err as NodeJS.ErrnoException).code;
      if (code === 'ENOSPC' || code === 'EMFILE') void this.watchError(err as NodeJS.ErrnoException);
      else this.queueEvent(() => this.rescan());
    });
    this.folders.set(dir, { watcher, depth });
  }

  private unwatchFolder(dir: string): void {
    const folder = this.folders.get(dir);
    if (!folder) return;
    this.folders.delete(dir);
    folder.watcher.close();
  }

  private unwatchFolders(): void {
    for (const dir of [...this.folders.keys()]) this.unwatchFolder(dir);
  }

  /**
   * A watched folder reports a name: a file written, or a name created,
   * renamed or removed (a file or a sub-folder), or the folder itself gone.
   * Names are collected for the rest of this turn of the event loop: a file
   * written a hundred times meanwhile is one change.
   */
  private folderEvent(dir: string, depth: number, event: string, name: string | null): void {
    if (!this.running || this.folders.get(dir)?.depth !== depth) return;
    if (name === null) {
      // The system could not say which (its event queue overflowed): walk.
      this.queueEvent(() => this.rescan());
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
    for (const [full, { depth, renamed }] of changes) {
      // A followed file written: no file system call needed.
      if (!renamed && this.known.has(full)) this.sink.changed(full);
      else this.queueEvent(() => this.nameChanged(full, depth));
    }
  }

  private queueEvent(handle: () => Promise<void>): void {
    this.eventChain = this.eventChain.then(handle).catch(() => undefined);
  }

  /** A name in a watched folder (at `depth`) was created, renamed or removed, or a file not followed yet written. */
  private async nameChanged(full: string, depth: number): Promise<void> {
    if (!this.running) return;
    const dir = path.dirname(full);
    if (path.basename(full).includes('\uFFFD')) {
      await this.reportUndecodable(dir, this.options.recursive && depth < this.options.maxDepth);
      return;
    }
    let stats: Stats | undefined;
    try {
      stats = await fsp.lstat(full);
    } catch {
      stats = undefined;
    }
    if (!stats || !stats.isDirectory()) this.folderGone(full);
    if (!stats) {
      if (this.known.has(full)) this.lost(full);
      // The watched folder itself may be what went (it reports its own name).
      if (!(await isDirectory(dir))) {
        if (dir === this.root) await this.rootGone();
        else this.folderGone(dir);
      }
      return;
    }
    if (stats.isDirectory()) {
      if (this.initialDone && this.options.recursive && depth < this.options.maxDepth) {
        // A folder created or moved in: watched and walked; its files are new.
        const walk: Walk = { seen: new Set(), links: [], walked: new Set() };
        await this.enter(full, depth + 1, this.rootDev, false, walk);
        for (let link = walk.links.shift(); link; link = walk.links.shift()) await this.followLink(link, walk);
        for (const file of walk.seen) if (!this.known.has(file)) await this.found(file, undefined, false, walk.viaLink?.has(file) ? 'link' : 'walk');
      }
      return;
    }
    if (this.known.has(full)) {
      // Replaced by a link (Symlinks skip): gone as a file; otherwise written or replaced (a rotation): the follower tells.
      if (stats.isSymbolicLink() && this.symlinks === 'skip') this.lost(full);
      else this.sink.changed(full);
      return;
    }
    // During the first walk, a file not listed yet is initial (the walk finds it), and one created in a folder listed already is found by the walk after it.
    if (!this.initialDone) return;
    if (stats.isSymbolicLink()) {
      // A link to a folder is never entered by events; the walk applies the rule to it.
      if (this.symlinks === 'skip' && !this.matches(full) && this.options.recursive && depth < this.options.maxDepth && (await isDirectory(full))) {
        this.skip(full, 'symlink');
        return;
      }
      if (this.symlinks === 'inside' && (await isDirectory(full))) return;
    }
    await this.found(full, stats.isFile() ? stats : undefined, false, 'event');
  }

  /** A folder of the tree is gone (or is no folder any more): its watches and its files with it. */
  private folderGone(dir: string): void {
    const prefix = dir + path.sep;
    for (const watched of [...this.folders.keys()]) if (watched === dir || watched.startsWith(prefix)) this.unwatchFolder(watched);
    for (const file of [...this.known]) if (file.startsWith(prefix)) this.lost(file);
  }

  /** Chokidar's filter (called with lstat stats when it lists a folder). */
  private ignoredByWatcher(raw: string, stats: Stats | undefined): boolean {
    if (!stats) return false;
    if (stats.isSymbolicLink()) return this.symlinks === 'skip';
    if (stats.isFile()) return !this.matches(this.fromWatcher(raw));
    if (!stats.isDirectory() || stats.dev === this.rootDev || this.options.pseudoFs === true) return false;
    // Another device: the walk has asked about most; a mount made since is asked now, and left if pseudo.
    if (this.pseudoKnown.has(stats.dev)) return this.pseudoKnown.get(stats.dev) !== undefined;
    void this.pseudoAt(raw, stats.dev).then((fileSystem) => {
      if (!fileSystem) return;
      const dir = this.fromWatcher(raw);
      this.watcher?.unwatch(raw);
      for (const file of [...this.known]) if (file.startsWith(dir + path.sep)) this.lost(file);
      this.skip(dir, 'pseudoFs', { fileSystem });
    });
    return false;
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
      this.unwatchFolders();
      await this.closeWatcher();
      // During the first walk, polling starts when it is done.
      if (this.initialDone) this.openWatcher();
      return;
    }
    const where = (err as { path?: string }).path;
    this.reportOnce(err, where === undefined ? this.root : this.fromWatcher(where));
  }

  private reportOnce(err: NodeJS.ErrnoException, where: string): void {
    const key = `${err.code}:${where}`;
    if (this.reported.has(key)) return;
    this.reported.add(key);
    this.sink.error(err, where);
  }

  /** Reports, once per path and reason, a path that would match but is not followed. */
  private skip(where: string, reason: SkipReason, detail: Record<string, unknown> = {}): void {
    const key = `skip:${reason}:${where}`;
    if (this.reported.has(key)) return;
    this.reported.add(key);
    this.sink.skipped?.(where, reason, detail);
  }

  private async rootGone(): Promise<void> {
    this.unwatchFolders();
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
    }, timerDelay(Math.min(MISSING_CHECK_MS, this.options.rescanMs > 0 ? this.options.rescanMs : MISSING_CHECK_MS)));
    this.missingTimer.unref?.();
  }

  /** Walks the tree; adds what is new, removes what is gone. */
  private async rescan(): Promise<void> {
    if (!this.running || this.currentMode === 'refused') return;
    const root = await this.rootInfo();
    if (!root) {
      if (this.currentMode !== 'missing') await this.rootGone();
      return;
    }
    if (root.pseudo) {
      await this.refuse(root.pseudo);
      return;
    }
    if (this.currentMode === 'missing' && this.initialDone) {
      // The folder is back.
      this.openWatcher();
    }
    const walk: Walk = { seen: new Set(), links: [], walked: new Set([root.real]) };
    // Watched before listed: a file created in between is reported by the watch.
    this.watchFolderAt(this.root, 0);
    await this.walk(this.root, 0, root.dev, false, walk);
    // Links last: a file reached both ways is then announced under its own path.
    for (let link = walk.links.shift(); link; link = walk.links.shift()) await this.followLink(link, walk);
    const { seen } = walk;
    // A file added by an event while the walk ran is not in `seen`: only a
    // file that really is gone is lost.
    for (const file of [...this.known]) if (!seen.has(file) && !(await this.exists(file))) this.lost(file);
    if (!this.initialDone) return;
    for (const file of seen) if (!this.known.has(file)) await this.found(file, undefined, false, walk.viaLink?.has(file) ? 'link' : 'walk');
  }

  private async exists(file: string): Promise<boolean> {
    try {
      // With links skipped, a file that a link has replaced is gone.
      return (await (this.symlinks === 'skip' ? fsp.lstat(file) : fsp.stat(file))).isFile();
    } catch {
      return false;
    }
  }

  /** Lists one folder of the tree (its device: `dev`); sub-folders on another device are checked first. */
  private async walk(dir: string, depth: number, dev: number, viaLink: boolean, walk: Walk): Promise<void> {
    let entries;
    try {
      entries = await fsp.readdir(dir, { withFileTypes: true });
    } catch (err) {
      const e = err as NodeJS.ErrnoException;
      if (e.code !== 'ENOENT') this.reportOnce(e, dir);
      return;
    }
    const deeper = this.options.recursive && depth < this.options.maxDepth;
    const relDir = path.relative(this.root, dir).split(path.sep).join('/');
    let undecodable = false;
    for (const entry of entries) {
      const full = path.join(dir, entry.name);
      if (entry.name.includes('\uFFFD')) undecodable = true;
      if (entry.isDirectory()) {
        if (deeper) await this.enter(full, depth + 1, dev, viaLink, walk);
      } else if (entry.isSymbolicLink()) {
        if (this.symlinks === 'inside') walk.links.push({ path: full, depth });
        else if (this.reported.has(`skip:symlink:${full}`)) continue;
        else if (this.matches(full) || (deeper && (await isDirectory(full)))) this.skip(full, 'symlink');
      } else if (entry.isFile() && this.matchesListed(relDir, depth, entry.name)) {
        this.candidate(full, viaLink, walk);
        if (!this.initialDone && !this.known.has(full)) await this.found(full, undefined, true, viaLink ? 'link' : 'walk');
      }
    }
    if (undecodable) await this.reportUndecodable(dir, deeper);
  }

  /** Walks a sub-folder, unless it is on a pseudo file system or already walked (through a link). */
  private async enter(dir: string, depth: number, parentDev: number, viaLink: boolean, walk: Walk): Promise<void> {
    let stats: Stats;
    try {
      stats = await fsp.stat(dir);
    } catch {
      return; // gone meanwhile
    }
    if (stats.dev !== parentDev && stats.dev !== this.rootDev) {
      const fileSystem = await this.pseudoAt(dir, stats.dev);
      if (fileSystem) {
        this.skip(dir, 'pseudoFs', { fileSystem });
        return;
      }
    }
    if (viaLink) {
      const real = await fsp.realpath(dir).catch(() => undefined);
      if (!real || walk.walked.has(real)) return;
      walk.walked.add(real);
    } else {
      walk.walked.add(path.join(this.realRoot, path.relative(this.root, dir)));
      // Folders reached through a link are not watched (their changes come by the walk and the stat poll).
      this.watchFolderAt(dir, depth);
    }
    await this.walk(dir, depth, stats.dev, viaLink, walk);
  }

  /** A link met by the walk (`symlinks: 'inside'`): followed if its target lies inside the folder. */
  private async followLink(link: { path: string; depth: number }, walk: Walk): Promise<void> {
    let real: string;
    let stats: Stats;
    try {
      real = await fsp.realpath(link.path);
      stats = await fsp.stat(real);
    } catch {
      return; // dangling
    }
    if (!this.inside(real)) {
      if (stats.isFile() ? this.matches(link.path) : stats.isDirectory() && this.options.recursive) this.skip(link.path, 'outside');
      return;
    }
    if (stats.isDirectory()) {
      if (this.options.recursive && link.depth < this.options.maxDepth) await this.enter(link.path, link.depth + 1, this.rootDev, true, walk);
    } else if (stats.isFile() && this.matches(link.path)) {
      this.candidate(link.path, true, walk);
      if (!this.initialDone && !this.known.has(link.path)) await this.found(link.path, undefined, true, 'link');
    }
  }

  private candidate(file: string, viaLink: boolean, walk: Walk): void {
    walk.seen.add(file);
    if (viaLink) (walk.viaLink ??= new Set()).add(file);
  }

  /** True when a real path is the real root or lies inside it. */
  private inside(real: string): boolean {
    const rel = path.relative(this.realRoot, real);
    return !rel.startsWith('..') && !path.isAbsolute(rel);
  }

  /**
   * Names that are not valid UTF-8 come as strings with U+FFFD, which open
   * nothing: list the folder's raw names and report those that would be followed.
   */
  private async reportUndecodable(dir: string, deeper: boolean): Promise<void> {
    let entries;
    try {
      entries = await fsp.readdir(dir, { encoding: 'buffer', withFileTypes: true });
    } catch {
      return;
    }
    for (const entry of entries) {
      const raw = entry.name as unknown as Buffer;
      const lossy = raw.toString('utf8');
      if (Buffer.from(lossy, 'utf8').equals(raw)) continue; // valid, U+FFFD included
      const wanted = entry.isDirectory() ? deeper : this.matches(path.join(dir, lossy));
      if (!wanted) continue;
      const name = escapeName(raw);
      this.skip(path.join(dir, name), 'name', { folder: dir, name });
    }
  }

  /**
   * A candidate from the walk, a link, or a chokidar event: announced if
   * it is a regular file that the rules allow and not already known.
   */
  private async found(file: string, stats: Stats | undefined, initial: boolean, origin: 'walk' | 'link' | 'event'): Promise<void> {
    // What the walk or a link found has been matched already.
    if (!this.running || this.known.has(file) || (origin === 'event' && !this.matches(file))) return;
    let info: Stats;
    let viaLink = origin === 'link';
    try {
      // Chokidar's stats are lstat's: a regular file's are right as they are.
      info = stats?.isFile() ? stats : await fsp.lstat(file);
      if (info.isSymbolicLink()) {
        if (this.symlinks === 'skip') return this.skip(file, 'symlink');
        if (!this.inside(await fsp.realpath(file))) return this.skip(file, 'outside');
        info = await fsp.stat(file);
        viaLink = true;
      }
      if (origin === 'event' && !viaLink) {
        // Chokidar enters no linked folder, but a link may have taken a folder's place since.
        const dir = path.dirname(file);
        const realDir = await fsp.realpath(dir);
        if (realDir !== path.join(this.realRoot, path.relative(this.root, dir))) {
          if (this.symlinks === 'skip' || !this.inside(realDir)) return;
          viaLink = true;
        }
      }
    } catch {
      // Gone already; or its name is not valid UTF-8 and cannot be opened: say so.
      if (path.basename(file).includes('\uFFFD')) await this.reportUndecodable(path.dirname(file), false);
      return;
    }
    if (!info.isFile()) return;
    if (info.dev !== this.rootDev && (await this.pseudoAt(path.dirname(file), info.dev))) return;
    if (this.options.ignoreOlderMs > 0 && Date.now() - info.mtimeMs > this.options.ignoreOlderMs) return;
    if (this.known.has(file)) return;
    if (this.symlinks === 'inside') {
      // One file, two paths (one a link): announced once; a change under the other path pokes it.
      const id = inodeKey(info);
      const other = this.byIdentity.get(id);
      if (other && other.path !== file && (viaLink || other.viaLink) && this.known.has(other.path)) {
        this.sink.changed(other.path);
        return;
      }
      this.byIdentity.set(id, { path: file, viaLink });
      this.identityOf.set(file, id);
    }
    this.known.add(file);
    this.sink.added(file, info, initial);
  }

  private lost(file: string): void {
    if (!this.known.delete(file)) return;
    const id = this.identityOf.get(file);
    if (id !== undefined) {
      this.identityOf.delete(file);
      if (this.byIdentity.get(id)?.path === file) this.byIdentity.delete(id);
    }
    this.sink.removed(file);
  }

  private setMode(mode: DiscoveryMode): void {
    if (mode === this.currentMode) return;
    this.currentMode = mode;
    if (mode === 'missing') this.watchForRoot();
    this.sink.mode(mode);
  }
}

/** True when the path leads to a folder (a link is followed). */
async function isDirectory(file: string): Promise<boolean> {
  try {
    return (await fsp.stat(file)).isDirectory();
  } catch {
    return false;
  }
}

/** One rescan's findings. */
interface Walk {
  /** Matching files found. */
  seen: Set<string>;
  /** Of those, the ones reached through a link. */
  viaLink?: Set<string>;
  /** Links met, followed after the walk (`symlinks: 'inside'`). */
  links: { path: string; depth: number }[];
  /** Real paths of the folders walked: a linked folder is walked once, and a link loop ends. */
  walked: Set<string>;
}

/**
 * A file name's bytes as text: valid UTF-8 as it is, other bytes (and
 * control characters) as \xHH, a backslash as \\.
 */
export function escapeName(raw: Buffer): string {
  let out = '';
  for (let i = 0; i < raw.length; ) {
    const byte = raw[i];
    const length = byte < 0x80 ? 1 : byte >= 0xc2 && byte < 0xe0 ? 2 : byte >= 0xe0 && byte < 0xf0 ? 3 : byte >= 0xf0 && byte < 0xf5 ? 4 : 0;
    const piece = length > 0 && i + length <= raw.length ? raw.subarray(i, i + length) : undefined;
    const text = piece?.toString('utf8');
    if (piece && text !== undefined && !text.includes('\uFFFD') && Buffer.from(text, 'utf8').equals(piece)) {
      if (text === '\\') out += '\\\\';
      else if (length === 1 && (byte < 0x20 || byte === 0x7f)) out += `\\x${byte.toString(16).padStart(2, '0')}`;
      else out += text;
      i += length;
    } else {
      out += `\\x${byte.toString(16).padStart(2, '0')}`;
      i++;
    }
  }
  return out;
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
