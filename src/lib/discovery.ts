/**
 * Finds the files in a folder tree that match the patterns, and says when
 * they appear, change or go. Each folder of the tree has one watch
 * (folder-watches), none on any file. A periodic rescan (tree-walk) is the
 * safety net for events that never come (network shares, lost inotify
 * events). When the system runs out of inotify watches, chokidar takes over
 * in polling mode (polling-watcher) rather than giving up. A folder that is
 * missing, or disappears, is waited for.
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
import { promises as fsp, type Stats } from 'node:fs';
import * as path from 'node:path';
import { CandidateCheck } from './candidate-check';
import { type DiscoveryMode, DiscoveryModeState } from './discovery-mode';
import { timerDelay } from './durations';
import { FolderWatches, type WatchFolder } from './folder-watches';
import { KnownFiles } from './known-files';
import { NameMatcher, type NameRules } from './name-matcher';
import { OnceReports, type SkipReason } from './once-reports';
import { PollingWatcher } from './polling-watcher';
import { type PseudoFsRules, RootFolder } from './root-folder';
import { isDirectory, TreeWalk, type FoundBy, type SymlinkRule, type WalkFindings } from './tree-walk';

export type { DiscoveryMode } from './discovery-mode';
export type { SkipReason } from './once-reports';
export type { SymlinkRule } from './tree-walk';
export { escapeName } from './undecodable-names';

export interface DiscoveryOptions extends NameRules, PseudoFsRules {
  root: string;
  /** Files not modified for longer than this are left alone; 0 = no limit. */
  ignoreOlderMs: number;
  /** Full rescans, as a safety net; 0 = none. */
  rescanMs: number;
  /** Symbolic links below root: 'skip' (the default) or 'inside' (followed when their target lies inside root). */
  symlinks?: SymlinkRule;
  /** Watches one folder, as fs.watch (replaceable for tests: a system out of inotify watches). */
  watchFolder?: WatchFolder;
}

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

export class Discovery {
  private readonly root: RootFolder;
  private readonly symlinks: SymlinkRule;
  private readonly matcher: NameMatcher;
  private readonly tree: TreeWalk;
  private readonly check: CandidateCheck;
  /** The files announced and not removed since. */
  private readonly known: KnownFiles;
  private readonly reports: OnceReports;
  private readonly modes: DiscoveryModeState;
  /** In events mode: a watch per folder of the tree (not through links). */
  private readonly folders: FolderWatches;
  /** Chokidar, in polling mode only (when the system has run out of inotify watches). */
  private poller: PollingWatcher | undefined;
  /** Events that need a file system call are handled one at a time, in order. */
  private eventChain: Promise<void> = Promise.resolve();
  private rescanTimer: NodeJS.Timeout | undefined;
  private polling = false;
  private running = false;
  private initialDone = false;

  constructor(
    private readonly options: DiscoveryOptions,
    private readonly sink: DiscoverySink,
  ) {
    this.root = new RootFolder(options.root, options);
    this.reports = new OnceReports(sink);
    this.modes = new DiscoveryModeState((mode) => sink.mode(mode), () => void this.rescan(), options.rescanMs, () => this.running);
    this.symlinks = options.symlinks === 'inside' ? 'inside' : 'skip';
    this.known = new KnownFiles(this.symlinks === 'inside');
    this.matcher = new NameMatcher(this.root.path, options);
    this.folders = new FolderWatches(
      {
        name: (full, depth, renamed) => {
          // A followed file written: no file system call needed.
          if (!renamed && this.known.has(full)) this.sink.changed(full);
          else this.queueEvent(() => this.nameChanged(full, depth));
        },
        lostTrack: () => this.queueEvent(() => this.rescan()),
        failed: (err) => void this.watchError(err),
      },
      options.watchFolder,
    );
    const { recursive, maxDepth } = options;
    this.tree = new TreeWalk(this.root, this.matcher, { recursive, maxDepth, symlinks: this.symlinks }, {
      firstWalkDone: () => this.initialDone,
      knows: (file) => this.known.has(file),
      found: (file, initial, by) => this.found(file, undefined, initial, by),
      watchFolder: (dir, depth) => this.watchFolderAt(dir, depth),
      reports: this.reports,
    });
    this.check = new CandidateCheck(this.root, { symlinks: this.symlinks, ignoreOlderMs: options.ignoreOlderMs }, this.reports, (dir) =>
      this.tree.reportUndecodable(dir, false),
    );
  }

  /** True when a path (absolute, under root) is one of ours by the patterns. */
  matches(file: string): boolean {
    return this.matcher.matches(file);
  }

  /** True when `file` is one of the files matched so far. */
  knows(file: string): boolean {
    return this.known.has(file);
  }

  /** The files matched so far. */
  files(): string[] {
    return this.known.list();
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
    this.modes.stop();
    await this.stopWatching();
  }

  private async begin(): Promise<void> {
    const root = await this.root.find();
    if (!root) {
      // No file is present at start: whatever appears later is new.
      this.initialDone = true;
      this.modes.set('missing');
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

  /** The folder lies on a pseudo file system: nothing is followed, and the mode says why. */
  private async refuse(fileSystem: string): Promise<void> {
    await this.stopWatching();
    for (const file of this.known.list()) this.lost(file);
    this.reports.skip(this.root.path, 'pseudoFs', { fileSystem });
    this.modes.set('refused');
  }

  /** Once the tree has been walked (its folders watched as they were listed): events, or chokidar polling. */
  private openWatcher(): void {
    if (!this.running) return;
    if (!this.polling) {
      this.modes.set('events');
      return;
    }
    if (this.poller) return;
    const { recursive, maxDepth } = this.options;
    this.poller = new PollingWatcher(this.root, this.matcher, { recursive, maxDepth, skipSymlinks: this.symlinks === 'skip' }, {
      added: (file, stats) => void this.found(file, stats, false, 'event'),
      changed: (file) => {
        if (this.known.has(file)) this.sink.changed(file);
        else void this.found(file, undefined, false, 'event');
      },
      removed: (file) => this.lost(file),
      folderRemoved: (dir) => {
        if (path.resolve(dir) === this.root.path) void this.rootGone();
        else this.lostBelow(dir);
      },
      undecodable: (dir) => void this.tree.reportUndecodable(dir, false),
      pseudoFolder: (dir, fileSystem) => {
        this.lostBelow(dir);
        this.reports.skip(dir, 'pseudoFs', { fileSystem });
      },
      ready: () => void this.rescan(),
      error: (err) => void this.watchError(err),
    });
    this.modes.set('polling');
  }

  /** Watches a folder of the tree (events mode), unless it is watched already. */
  private watchFolderAt(dir: string, depth: number): void {
    if (this.polling || !this.running) return;
    this.folders.watch(dir, depth);
  }

  private queueEvent(handle: () => Promise<void>): void {
    this.eventChain = this.eventChain.then(handle).catch(() => undefined);
  }

  /** A name in a watched folder (at `depth`) was created, renamed or removed, or a file not followed yet written. */
  private async nameChanged(full: string, depth: number): Promise<void> {
    if (!this.running) return;
    const dir = path.dirname(full);
    if (path.basename(full).includes('\uFFFD')) {
      await this.tree.reportUndecodable(dir, this.tree.searchesBelow(depth));
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
        if (dir === this.root.path) await this.rootGone();
        else this.folderGone(dir);
      }
      return;
    }
    if (stats.isDirectory()) {
      if (this.initialDone && this.tree.searchesBelow(depth)) {
        // A folder created or moved in: watched and walked; its files are new.
        await this.foundNew(await this.tree.walkFolder(full, depth + 1));
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
      if (this.symlinks === 'skip' && !this.matcher.matches(full) && this.tree.searchesBelow(depth) && (await isDirectory(full))) {
        this.reports.skip(full, 'symlink');
        return;
      }
      if (this.symlinks === 'inside' && (await isDirectory(full))) return;
    }
    await this.found(full, stats.isFile() ? stats : undefined, false, 'event');
  }

  /** A folder of the tree is gone (or is no folder any more): its watches and its files with it. */
  private folderGone(dir: string): void {
    this.folders.unwatchTree(dir);
    this.lostBelow(dir);
  }

  /** The files followed below `dir` are gone. */
  private lostBelow(dir: string): void {
    const prefix = dir + path.sep;
    for (const file of this.known.list()) if (file.startsWith(prefix)) this.lost(file);
  }

  /** Closes every folder watch, and chokidar if it polls. */
  private async stopWatching(): Promise<void> {
    this.folders.unwatchAll();
    const poller = this.poller;
    this.poller = undefined;
    await poller?.close();
  }

  private async watchError(err: NodeJS.ErrnoException): Promise<void> {
    if ((err.code === 'ENOSPC' || err.code === 'EMFILE') && !this.polling) {
      // Out of inotify watches or descriptors: poll instead of stopping.
      this.polling = true;
      await this.stopWatching();
      // During the first walk, polling starts when it is done.
      if (this.initialDone) this.openWatcher();
      return;
    }
    const where = (err as { path?: string }).path;
    this.reports.error(err, where === undefined ? this.root.path : this.root.fromReal(where));
  }

  private async rootGone(): Promise<void> {
    await this.stopWatching();
    for (const file of this.known.list()) this.lost(file);
    this.modes.set('missing');
  }


  /** Walks the tree; adds what is new, removes what is gone. */
  private async rescan(): Promise<void> {
    if (!this.running || this.modes.mode === 'refused') return;
    const root = await this.root.find();
    if (!root) {
      if (this.modes.mode !== 'missing') await this.rootGone();
      return;
    }
    if (root.pseudo) {
      await this.refuse(root.pseudo);
      return;
    }
    if (this.modes.mode === 'missing' && this.initialDone) {
      // The folder is back.
      this.openWatcher();
    }
    const findings = await this.tree.walkTree(root);
    // A file added by an event while the walk ran is not in `seen`: only a
    // file that really is gone is lost.
    for (const file of this.known.list()) if (!findings.seen.has(file) && !(await this.check.stillThere(file))) this.lost(file);
    if (!this.initialDone) return;
    await this.foundNew(findings);
  }

  /** Announces what a walk found that is not known yet (after the first walk: none of it is initial). */
  private async foundNew(findings: WalkFindings): Promise<void> {
    for (const file of findings.seen) if (!this.known.has(file)) await this.found(file, undefined, false, findings.viaLink?.has(file) ? 'link' : 'walk');
  }

  /**
   * A candidate from the walk, a link, or a chokidar event: announced if
   * it is a regular file that the rules allow and not already known.
   */
  private async found(file: string, stats: Stats | undefined, initial: boolean, by: FoundBy): Promise<void> {
    // What the walk or a link found has been matched already.
    if (!this.running || this.known.has(file) || (by === 'event' && !this.matcher.matches(file))) return;
    const followable = await this.check.followable(file, stats, by);
    if (!followable || this.known.has(file)) return;
    // One file, two paths (one a link): announced once; a change under the other path pokes it.
    const knownAs = this.known.add(file, followable.info, followable.viaLink);
    if (knownAs !== undefined) this.sink.changed(knownAs);
    else this.sink.added(file, followable.info, initial);
  }

  private lost(file: string): void {
    if (this.known.delete(file)) this.sink.removed(file);
  }
}

