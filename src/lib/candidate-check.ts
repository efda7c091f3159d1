/**
 * The rules a dir-watch applies to one path that the walk, a link or a
 * watcher came up with: a regular file, allowed by the symlink rule, not on a
 * pseudo file system, and not older than the age limit.
 */
import { promises as fsp, type Stats } from 'node:fs';
import * as path from 'node:path';
import type { RootFolder } from './root-folder';
import type { OnceReports, SkipReason } from './once-reports';
import type { FoundBy, SymlinkRule } from './tree-walk';

/** A file to follow, as checked. */
export interface Followable {
  info: Stats;
  /** Reached through a link (by the walk, or the path itself or its folder is one). */
  viaLink: boolean;
}

export interface CandidateSettings {
  symlinks: SymlinkRule;
  /** Files not modified for longer than this are left alone; 0 = no limit. */
  ignoreOlderMs: number;
}

export class CandidateCheck {
  constructor(
    private readonly root: RootFolder,
    private readonly settings: CandidateSettings,
    private readonly reports: OnceReports,
    /** Reports the names in `dir` that are not valid UTF-8 (one may be what could not be opened). */
    private readonly reportUndecodable: (dir: string) => Promise<void>,
  ) {}

  /** `file`'s stats if it is to be followed (`stats`: chokidar's, if any); undefined if not. */
  async followable(file: string, stats: Stats | undefined, by: FoundBy): Promise<Followable | undefined> {
    let info: Stats;
    let viaLink = by === 'link';
    try {
      // Chokidar's stats are lstat's: a regular file's are right as they are.
      info = stats?.isFile() ? stats : await fsp.lstat(file);
      if (info.isSymbolicLink()) {
        if (this.settings.symlinks === 'skip') return this.notFollowed(file, 'symlink');
        if (!this.root.inside(await fsp.realpath(file))) return this.notFollowed(file, 'outside');
        info = await fsp.stat(file);
        viaLink = true;
      }
      if (by === 'event' && !viaLink) {
        // Chokidar enters no linked folder, but a link may have taken a folder's place since.
        const dir = path.dirname(file);
        const realDir = await fsp.realpath(dir);
        if (realDir !== this.root.realPathOf(dir)) {
          if (this.settings.symlinks === 'skip' || !this.root.inside(realDir)) return undefined;
          viaLink = true;
        }
      }
    } catch {
      // Gone already; or its name is not valid UTF-8 and cannot be opened: say so.
      if (path.basename(file).includes('\uFFFD')) await this.reportUndecodable(path.dirname(file));
      return undefined;
    }
    if (!info.isFile()) return undefined;
    if (info.dev !== this.root.dev && (await this.root.pseudoAt(path.dirname(file), info.dev))) return undefined;
    if (this.settings.ignoreOlderMs > 0 && Date.now() - info.mtimeMs > this.settings.ignoreOlderMs) return undefined;
    return { info, viaLink };
  }

  private notFollowed(file: string, reason: SkipReason): undefined {
    this.reports.skip(file, reason);
    return undefined;
  }

  /** True while a followed file is still there as one (with links skipped, a file that a link has replaced is gone). */
  async stillThere(file: string): Promise<boolean> {
    try {
      return (await (this.settings.symlinks === 'skip' ? fsp.lstat(file) : fsp.stat(file))).isFile();
    } catch {
      return false;
    }
  }
}
