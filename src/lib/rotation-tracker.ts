/**
 * Which files a follower has to read besides the one at its path: rotated
 * files still being finished, the files a checkpoint's resume points name,
 * and files rotated away after the newest one taken up before anyone looked
 * (more than one rotation between two looks), found beside the path.
 */
import { promises as fsp, type Stats } from 'node:fs';
import { type FileIdentity, HEAD_BYTES, headHashOf, identify, inodeKey, readHead } from './file-identity';
import { FileReader } from './file-reader';
import { findFileByIdentity, findNewerRotations } from './sibling-search';
import type { ResumePoint } from './follower-types';
import { admitted, type FollowContext } from './follow-context';
import type { CopyRecovery } from './copy-recovery';

/** The file at the path as opened, against the resume points. */
export interface OpenedAtPath {
  stats: Stats;
  /** The resume point that names it, if any. */
  matched: ResumePoint | undefined;
}

/** The newest file taken up from the path: still open, or where reading of it was left. */
type NewestFile = { kind: 'open'; reader: FileReader } | { kind: 'left'; point: ResumePoint };

export class RotationTracker {
  /** Rotated files still read for late writes, oldest first. */
  private rotatedFiles: FileReader[] = [];
  /** Positions from a checkpoint or an earlier stop, until a file at the path is taken up. */
  private resume: ResumePoint[];
  /** The rotated files the resume points name have been looked for. */
  private resumedRotated = false;
  /**
   * The newest file taken up from the path: open, or finished (then where
   * it was left). Files rotated after it before we looked (more than one
   * rotation between two looks) are looked for beside the path; it comes
   * last in positions(), so that a restart looks from it again.
   */
  private newest: NewestFile | undefined;
  /** The folder's listing at the last search from `newest`: unchanged, nothing new was rotated. */
  private lastSearch: { from: string; listing: string } | undefined;

  constructor(
    private readonly follow: FollowContext,
    private readonly copies: CopyRecovery,
    resume: ResumePoint[] | undefined,
  ) {
    this.resume = resume ? [...resume] : [];
    const last = this.resume[this.resume.length - 1];
    this.newest = last ? { kind: 'left', point: last } : undefined;
  }

  /** Rotated files still read for late writes, oldest first. */
  get rotated(): readonly FileReader[] {
    return this.rotatedFiles;
  }

  /** Resume points are still to be taken up (no file was opened at the path since they were given). */
  get hasResumePoints(): boolean {
    return this.resume.length > 0;
  }

  /** The rotated files, oldest first, then `atPath`. */
  openFiles(atPath: FileReader | undefined): FileReader[] {
    return atPath ? [...this.rotatedFiles, atPath] : [...this.rotatedFiles];
  }

  /**
   * Where each open file has been consumed up to (rotated ones first), and
   * last the newest file taken up from the path, even when finished.
   */
  positions(atPath: FileReader | undefined): ResumePoint[] {
    const points = this.openFiles(atPath).map((r) => ({ identity: r.identity, offset: r.consumed }));
    // Resume points not taken up yet (the path is missing) still count.
    for (const p of this.resume) if (!points.some((q) => sameFile(q, p))) points.push(p);
    const newest = this.newestPoint();
    return newest ? [...points.filter((q) => !sameFile(q, newest)), newest] : points;
  }

  /**
   * The identity of an open file and the resume point that names it, both from
   * one read of its head: a file truncated between two reads would otherwise
   * be identified as one content and resumed (or not) as another.
   */
  async identify(handle: fsp.FileHandle, stats: Stats): Promise<{ identity: FileIdentity; matched: ResumePoint | undefined }> {
    const head = await readHead(handle, Math.min(HEAD_BYTES, stats.size));
    const read = head.length;
    const hash = (n: number) => headHashOf(head.subarray(0, n));
    const identity: FileIdentity = { dev: stats.dev, ino: stats.ino, headLength: read, headHash: hash(read) };
    const matched = this.resume.find(
      (p) => p.identity.dev === stats.dev && p.identity.ino === stats.ino && p.identity.headLength <= read && hash(p.identity.headLength) === p.identity.headHash,
    );
    return { identity, matched };
  }

  /**
   * Once, before the file just opened at the path is read: the files the
   * resume points name elsewhere are taken up (see reopenRotatedFromCheckpoint).
   * False when stopped while reading a copy.
   */
  async reconcileCheckpoint(atPath: OpenedAtPath): Promise<boolean> {
    return this.resumedRotated || this.reopenRotatedFromCheckpoint(atPath);
  }

  /**
   * The file `reader` at the path is read from now on. Rotated more than
   * once since the newest file taken up was at the path: the files in
   * between are read too (looked for now that this one is open, so that
   * none rotated meanwhile is missed).
   */
  async tookUp(reader: FileReader): Promise<void> {
    const newest = this.newestPoint();
    if (newest && !sameFile(newest, reader)) await this.openNewerRotations(reader, reader);
    this.newest = { kind: 'open', reader };
    this.resume = [];
  }

  /** No file at the path: the rotated files are read without waiting for it. */
  async pathMissing(): Promise<void> {
    // Rotated files the checkpoint names are read without waiting for the
    // path, and so are files rotated after the newest one taken up.
    if (!this.resumedRotated && this.resume.length > 0) await this.reopenRotatedFromCheckpoint(undefined);
    if (this.resumedRotated && this.newest) await this.openNewerRotations(undefined);
  }

  /** The file at the path was renamed away and nothing replaced it yet: files rotated after it meanwhile are read too. */
  async renamedAway(atPath: FileReader): Promise<void> {
    await this.openNewerRotations(atPath);
  }

  /** A new file is at the path: `reader`, the one that was there, is finished as a rotated file. */
  replaced(reader: FileReader): void {
    this.rotatedFiles.push(reader);
  }

  /** A rotated file has been read to its end and closed. */
  finished(reader: FileReader): void {
    this.rotatedFiles.splice(this.rotatedFiles.indexOf(reader), 1);
    if (this.newestIs(reader)) this.newest = { kind: 'left', point: { identity: reader.identity, offset: reader.consumed } };
  }

  /** The file at the path was deleted and has been read to its end. */
  deleted(reader: FileReader): void {
    // Gone: nothing to look for rotations from (a file at the path later is new).
    if (this.newestIs(reader)) this.newest = undefined;
  }

  /** After a stop, whose files are closed: a start again resumes from `points`. */
  stopped(points: ResumePoint[]): void {
    this.rotatedFiles = [];
    this.resume = points;
    this.resumedRotated = false; // a start again looks for them anew
  }

  private newestIs(reader: FileReader): boolean {
    return this.newest?.kind === 'open' && this.newest.reader === reader;
  }

  private newestPoint(): ResumePoint | undefined {
    const newest = this.newest;
    if (!newest) return undefined;
    return newest.kind === 'open' ? { identity: newest.reader.identity, offset: newest.reader.consumed } : newest.point;
  }

  /** A reader for a rotated file found beside the path, announced and read before the file at the path. */
  private addRotated(handle: fsp.FileHandle, identity: FileIdentity, offset: number, size: number): FileReader {
    const { options, sizes } = this.follow;
    const reader = new FileReader(options.path, handle, identity, options, offset, options.chunkBytes);
    sizes.set(reader, size);
    this.rotatedFiles.push(reader);
    return reader;
  }

  private announce(identity: FileIdentity, offset: number): void {
    this.follow.events.opened(identity, offset);
    this.follow.events.notice({ kind: 'rotated', path: this.follow.options.path });
  }

  /**
   * Files from a checkpoint that are no longer at the path were rotated while
   * we were away: find them beside it and finish reading them first (files
   * rotated after the last of them: see `newest`). A file gone as itself
   * (truncated by copytruncate while we were away) may have left a copy
   * holding what was not read: that is read now. False when stopped while
   * reading a copy.
   */
  private async reopenRotatedFromCheckpoint(current: OpenedAtPath | undefined): Promise<boolean> {
    const { dir, options } = this.follow;
    /** The newest point found as itself: to look for rotations from, if the last one is not. */
    let newestFound: ResumePoint | undefined;
    for (let i = 0; i < this.resume.length; i++) {
      const point = this.resume[i];
      if (current && point.identity.dev === current.stats.dev && point.identity.ino === current.stats.ino) {
        // The file at the path: the follower's startOffset resumes it, unless it was truncated.
        if (point === current.matched && point.offset <= current.stats.size) {
          newestFound = point;
          continue;
        }
      } else {
        const found = await findFileByIdentity(dir, point.identity, options.path);
        if (found && (await admitted(options, found.path, found.handle))) {
          newestFound = point;
          if (found.stats.size <= point.offset) {
            await found.handle.close();
            continue;
          }
          this.addRotated(found.handle, point.identity, point.offset, found.stats.size);
          this.announce(point.identity, point.offset);
          continue;
        }
      }
      const copied = await this.copies.readCopy(point.identity, point.offset);
      if (copied?.halted) {
        this.resume[i] = { identity: point.identity, offset: copied.consumed };
        if (this.newest?.kind === 'left' && this.newest.point === point) this.newest = { kind: 'left', point: this.resume[i] };
        return false;
      }
    }
    // The last point's file is no more itself (truncated and written again,
    // say): files rotated after the newest one still found are looked for.
    const lastPoint = this.resume[this.resume.length - 1];
    if (newestFound && newestFound !== lastPoint && this.newest?.kind === 'left') this.newest = { kind: 'left', point: newestFound };
    this.resumedRotated = true;
    return true;
  }

  /**
   * Files rotated away after the newest file taken up, before we looked
   * (two rotations between two looks): read whole, oldest first, after it.
   * With `opened`, the file just opened at the path: only files older than
   * it (it may have been rotated too, since; newer ones come after it).
   */
  private async openNewerRotations(atPath: FileReader | undefined, opened?: FileReader): Promise<void> {
    const { dir, options } = this.follow;
    const newest = this.newestPoint();
    if (!newest) return;
    // Searches repeat while the path is missing: only when files were renamed or created.
    const from = inodeKey(newest.identity);
    const listing = (await fsp.readdir(dir).catch(() => [] as string[])).sort().join('/');
    if (this.lastSearch?.from === from && this.lastSearch.listing === listing) return;
    this.lastSearch = { from, listing };
    const open = this.openFiles(atPath);
    const found = await findNewerRotations({
      dir,
      followed: options.path,
      after: newest.identity,
      afterIsOpen: this.newest?.kind === 'open',
      skip: (s) => open.some((r) => r.identity.dev === s.dev && r.identity.ino === s.ino),
      before: opened?.identity,
    });
    if (!found) {
      // Gone (deleted, or moved out of the folder): nothing to look from.
      this.newest = undefined;
      return;
    }
    for (const file of found) {
      if (!(await admitted(options, file.path, file.handle))) continue;
      const fileIdentity = await identify(file.handle, file.stats);
      const reader = this.addRotated(file.handle, fileIdentity, 0, file.stats.size);
      if (!opened) this.newest = { kind: 'open', reader };
      this.announce(fileIdentity, 0);
    }
  }
}

/** Same device and inode. */
function sameFile(a: { identity: FileIdentity }, b: { identity: FileIdentity }): boolean {
  return a.identity.dev === b.identity.dev && a.identity.ino === b.identity.ino;
}
