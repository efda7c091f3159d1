/**
 * Walks a dir-watch's folder tree and lists the files it follows, by the
 * symlink rule: links are skipped, or (`'inside'`) followed only when their
 * target lies inside the folder, each linked folder walked once. Folders on
 * pseudo file systems are not entered; names that are not valid UTF-8 are
 * reported.
 */
import { promises as fsp, type Stats } from 'node:fs';
import * as path from 'node:path';
import type { NameMatcher } from './name-matcher';
import type { OnceReports } from './once-reports';
import type { RootFolder, RootInfo } from './root-folder';
import { undecodableNames } from './undecodable-names';

/** What is done with symbolic links below the folder. */
export type SymlinkRule = 'skip' | 'inside';
/** How a file was found: listed by the walk, reached through a link, or told by a watcher. */
export type FoundBy = 'walk' | 'link' | 'event';

/** What the walk needs of the discovery it walks for. */
export interface WalkHost {
  /** False during the first walk: files are then announced as they are listed (as initial). */
  firstWalkDone(): boolean;
  knows(file: string): boolean;
  /** Announces a file the walk found (initial: during the first walk). */
  found(file: string, initial: boolean, by: FoundBy): Promise<void>;
  /** A folder walked, not through a link: it gets a watch. */
  watchFolder(dir: string, depth: number): void;
  /** Where paths not followed, and folders that cannot be listed, are reported. */
  readonly reports: OnceReports;
}

export interface WalkSettings {
  recursive: boolean;
  /** Folder levels below root searched when recursive. */
  maxDepth: number;
  symlinks: SymlinkRule;
}

/** The matching files one walk found. */
export interface WalkFindings {
  seen: Set<string>;
  /** Of those, the ones reached through a link. */
  viaLink?: Set<string>;
}

/** One walk's findings and progress. */
interface Walk extends WalkFindings {
  /** Links met, followed after the walk (`symlinks: 'inside'`). */
  links: { path: string; depth: number }[];
  /** Real paths of the folders walked: a linked folder is walked once, and a link loop ends. */
  walked: Set<string>;
}

export class TreeWalk {
  constructor(
    private readonly root: RootFolder,
    private readonly matcher: NameMatcher,
    private readonly settings: WalkSettings,
    private readonly host: WalkHost,
  ) {}

  /** Walks the whole tree (found as `root`), watching its folders as they are listed. */
  async walkTree(root: RootInfo): Promise<WalkFindings> {
    const walk: Walk = { seen: new Set(), links: [], walked: new Set([root.real]) };
    // Watched before listed: a file created in between is reported by the watch.
    this.host.watchFolder(this.root.path, 0);
    await this.walk(this.root.path, 0, root.dev, false, walk);
    await this.followLinks(walk);
    return walk;
  }

  /** Walks a folder created or moved into the tree at `depth`. */
  async walkFolder(dir: string, depth: number): Promise<WalkFindings> {
    const walk: Walk = { seen: new Set(), links: [], walked: new Set() };
    await this.enter(dir, depth, this.root.dev, false, walk);
    await this.followLinks(walk);
    return walk;
  }

  /** True when sub-folders of a folder at `depth` are searched. */
  searchesBelow(depth: number): boolean {
    return this.settings.recursive && depth < this.settings.maxDepth;
  }

  /**
   * Names that are not valid UTF-8 come as strings with U+FFFD, which open
   * nothing: list the folder's raw names and report those that would be followed.
   */
  async reportUndecodable(dir: string, deeper: boolean): Promise<void> {
    const wanted = (name: string, isDirectory: boolean) => (isDirectory ? deeper : this.matcher.matches(path.join(dir, name)));
    for (const name of await undecodableNames(dir, wanted)) this.host.reports.skip(path.join(dir, name), 'name', { folder: dir, name });
  }

  /** Links last: a file reached both ways is then announced under its own path. */
  private async followLinks(walk: Walk): Promise<void> {
    for (let link = walk.links.shift(); link; link = walk.links.shift()) await this.followLink(link, walk);
  }

  /** Lists one folder of the tree (its device: `dev`); sub-folders on another device are checked first. */
  private async walk(dir: string, depth: number, dev: number, viaLink: boolean, walk: Walk): Promise<void> {
    let entries;
    try {
      entries = await fsp.readdir(dir, { withFileTypes: true });
    } catch (err) {
      const e = err as NodeJS.ErrnoException;
      if (e.code !== 'ENOENT') this.host.reports.error(e, dir);
      return;
    }
    const deeper = this.searchesBelow(depth);
    const relDir = path.relative(this.root.path, dir).split(path.sep).join('/');
    let undecodable = false;
    for (const entry of entries) {
      const full = path.join(dir, entry.name);
      if (entry.name.includes('\uFFFD')) undecodable = true;
      if (entry.isDirectory()) {
        if (deeper) await this.enter(full, depth + 1, dev, viaLink, walk);
      } else if (entry.isSymbolicLink()) {
        if (this.settings.symlinks === 'inside') walk.links.push({ path: full, depth });
        else if (this.host.reports.skipped(full, 'symlink')) continue;
        else if (this.matcher.matches(full) || (deeper && (await isDirectory(full)))) this.host.reports.skip(full, 'symlink');
      } else if (entry.isFile() && this.matcher.matchesListed(relDir, depth, entry.name)) {
        this.candidate(full, viaLink, walk);
        if (!this.host.firstWalkDone() && !this.host.knows(full)) await this.host.found(full, true, viaLink ? 'link' : 'walk');
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
    if (stats.dev !== parentDev && stats.dev !== this.root.dev) {
      const fileSystem = await this.root.pseudoAt(dir, stats.dev);
      if (fileSystem) {
        this.host.reports.skip(dir, 'pseudoFs', { fileSystem });
        return;
      }
    }
    if (viaLink) {
      const real = await fsp.realpath(dir).catch(() => undefined);
      if (!real || walk.walked.has(real)) return;
      walk.walked.add(real);
    } else {
      walk.walked.add(this.root.realPathOf(dir));
      // Folders reached through a link are not watched (their changes come by the walk and the stat poll).
      this.host.watchFolder(dir, depth);
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
    if (!this.root.inside(real)) {
      if (stats.isFile() ? this.matcher.matches(link.path) : stats.isDirectory() && this.settings.recursive) this.host.reports.skip(link.path, 'outside');
      return;
    }
    if (stats.isDirectory()) {
      if (this.searchesBelow(link.depth)) await this.enter(link.path, link.depth + 1, this.root.dev, true, walk);
    } else if (stats.isFile() && this.matcher.matches(link.path)) {
      this.candidate(link.path, true, walk);
      if (!this.host.firstWalkDone() && !this.host.knows(link.path)) await this.host.found(link.path, true, 'link');
    }
  }

  private candidate(file: string, viaLink: boolean, walk: Walk): void {
    walk.seen.add(file);
    if (viaLink) (walk.viaLink ??= new Set()).add(file);
  }
}

/** True when the path leads to a folder (a link is followed). */
export async function isDirectory(file: string): Promise<boolean> {
  try {
    return (await fsp.stat(file)).isDirectory();
  } catch {
    return false;
  }
}
