/**
 * Finds files beside a followed path by what they contain: the file a
 * checkpoint names after it was rotated away, or the copy that copytruncate
 * made before it emptied the file.
 */
import { promises as fsp, type Stats } from 'node:fs';
import * as path from 'node:path';
import { type FileIdentity, hasSameHead, isSameFile } from './file-identity';
import { openRegularFile } from './regular-file';

export interface FoundFile {
  path: string;
  handle: fsp.FileHandle;
  stats: Stats;
}

/**
 * A search that finds nothing while files are being renamed (logrotate
 * shifting app.log.1 to app.log.2 ...) may have listed a file under its old
 * name and looked for it after it moved: it is run again, this many times at
 * most, until the folder's listing holds still.
 */
const SCAN_ATTEMPTS = 4;

/** The names in `dir`, as one comparable string ('' when unreadable). */
async function listing(dir: string): Promise<string> {
  try {
    return (await fsp.readdir(dir)).sort().join('/');
  } catch {
    return '';
  }
}

/** Regular files among `names` in `dir`, other than `except`, newest first. */
async function siblings(dir: string, except: string, names: string[]): Promise<{ path: string; stats: Stats }[]> {
  const skip = path.resolve(except);
  const found: { path: string; stats: Stats }[] = [];
  for (const name of names) {
    const candidate = path.join(dir, name);
    if (candidate === skip) continue;
    try {
      const stats = await fsp.stat(candidate);
      if (stats.isFile()) found.push({ path: candidate, stats });
    } catch {
      // vanished meanwhile
    }
  }
  return found.sort((a, b) => b.stats.mtimeMs - a.stats.mtimeMs);
}

async function firstMatch(
  dir: string,
  except: string,
  pick: (stats: Stats) => boolean,
  matches: (handle: fsp.FileHandle, stats: Stats) => Promise<boolean>,
): Promise<FoundFile | undefined> {
  let before = await listing(dir);
  for (let attempt = 1; ; attempt++) {
    const found = await matchOnce(dir, except, before === '' ? [] : before.split('/'), pick, matches);
    if (found || attempt >= SCAN_ATTEMPTS) return found;
    const after = await listing(dir);
    if (after === before) return undefined;
    before = after;
  }
}

async function matchOnce(
  dir: string,
  except: string,
  names: string[],
  pick: (stats: Stats) => boolean,
  matches: (handle: fsp.FileHandle, stats: Stats) => Promise<boolean>,
): Promise<FoundFile | undefined> {
  for (const candidate of await siblings(dir, except, names)) {
    if (!pick(candidate.stats)) continue;
    let handle: fsp.FileHandle | undefined;
    try {
      let stats: Stats;
      ({ handle, stats } = await openRegularFile(candidate.path));
      // Judged again on the file opened: the one listed may have been replaced.
      if (pick(stats) && (await matches(handle, stats))) return { path: candidate.path, handle, stats };
    } catch {
      // unreadable: not the one
    }
    await handle?.close().catch(() => undefined);
  }
  return undefined;
}

/** The file with this identity (same inode and head), under another name. */
export function findFileByIdentity(dir: string, identity: FileIdentity, except: string): Promise<FoundFile | undefined> {
  return firstMatch(
    dir,
    except,
    (stats) => stats.ino === identity.ino && stats.dev === identity.dev,
    (handle, stats) => isSameFile(identity, handle, stats),
  );
}

/**
 * A copy of the file as it was before truncation: another inode with the
 * same head, holding at least `minSize` bytes (what we had read).
 */
export async function findCopy(
  dir: string,
  identity: FileIdentity,
  minSize: number,
  except: string,
): Promise<FoundFile | undefined> {
  if (identity.headLength === 0) return undefined; // an empty head matches anything
  return firstMatch(
    dir,
    except,
    (stats) => stats.size >= minSize && stats.size > 0 && !(stats.ino === identity.ino && stats.dev === identity.dev),
    (handle, stats) => hasSameHead(identity, handle, stats),
  );
}

/** What findNewerRotations looks for, and what it leaves out. */
export interface RotationSearch {
  /** The followed path's folder. */
  dir: string;
  /** The followed path. */
  followed: string;
  /** The file to look from: files rotated after it are found. */
  after: FileIdentity;
  /** The file `after` names is open, so its inode is its own (its head may have changed since). */
  afterIsOpen: boolean;
  /** Files already being read: left out. */
  skip: (stats: Stats) => boolean;
  /** Files rotated after this one are left out (it was rotated too). */
  before?: FileIdentity;
}

/**
 * Files rotated away after the file `after` names, oldest first: when that
 * file is now `app.log.N` (logrotate's numbered names), the files
 * `app.log.(N-1)` down to `app.log.1`. They were created at the path and
 * rotated again before anyone read them (two rotations between two reads).
 * Empty when the file is not under a numbered name; undefined when it is
 * not found at all.
 */
export async function findNewerRotations(search: RotationSearch): Promise<FoundFile[] | undefined> {
  const { dir, followed, after, afterIsOpen, skip, before } = search;
  const base = path.basename(followed);
  for (let attempt = 1; ; attempt++) {
    // Every rank from one listing: a rotation meanwhile renumbers them all.
    const names = await listing(dir);
    const numbered: { name: string; rank: number; stats: Stats }[] = [];
    for (const name of names === '' ? [] : names.split('/')) {
      const rank = rotationNumber(name, base);
      if (rank === undefined) continue;
      try {
        const stats = await fsp.stat(path.join(dir, name));
        if (stats.isFile()) numbered.push({ name, rank, stats });
      } catch {
        // vanished meanwhile: the listing check below sees it
      }
    }
    const last = attempt >= SCAN_ATTEMPTS;
    if (!last && (await listing(dir)) !== names) continue;
    const self = withIdentity(numbered, after);
    if (!self || !(afterIsOpen || (await hasIdentity(path.join(dir, self.name), after)))) {
      // Not under a numbered name (or no more itself): a dated one, elsewhere, or gone.
      const dated = await datedRotations(dir, base, names);
      const datedSelf = withIdentity(dated, after);
      if (datedSelf && (afterIsOpen || (await hasIdentity(path.join(dir, datedSelf.name), after)))) {
        const limit = before && withIdentity(dated, before);
        const newer = dated.filter((c) => rotatedBefore(datedSelf, c) && (!limit || rotatedBefore(c, limit))).sort((a, b) => (rotatedBefore(a, b) ? -1 : 1));
        const opened = await openUnmoved(dir, newer, skip);
        if (!opened.moved || last) return opened.found;
        for (const file of opened.found) await file.handle.close().catch(() => undefined);
        continue;
      }
      if (afterIsOpen && !self) return [];
      const elsewhere = await findFileByIdentity(dir, after, followed);
      await elsewhere?.handle.close().catch(() => undefined);
      return elsewhere ? [] : undefined;
    }
    const floor = (before && withIdentity(numbered, before)?.rank) || 0;
    const opened = await openUnmoved(dir, numbered.filter((c) => c.rank < self.rank && c.rank > floor).sort((a, b) => b.rank - a.rank), skip);
    if (!opened.moved || last) return opened.found;
    for (const file of opened.found) await file.handle.close().catch(() => undefined);
  }
}

/**
 * Opens `candidates` in order, leaving out those `skip` accepts; `moved` when
 * one was renamed or removed since it was listed (the search is run again).
 */
async function openUnmoved(
  dir: string,
  candidates: { name: string; stats: Stats }[],
  skip: (stats: Stats) => boolean,
): Promise<{ found: FoundFile[]; moved: boolean }> {
  const found: FoundFile[] = [];
  let moved = false;
  for (const candidate of candidates) {
    const file = path.join(dir, candidate.name);
    let handle: fsp.FileHandle | undefined;
    try {
      let stats: Stats;
      ({ handle, stats } = await openRegularFile(file));
      if (stats.ino !== candidate.stats.ino || stats.dev !== candidate.stats.dev) moved = true;
      else if (!skip(stats)) {
        found.push({ path: file, handle, stats });
        continue;
      }
    } catch {
      moved = true; // vanished or replaced meanwhile (by no regular file)
    }
    await handle?.close().catch(() => undefined);
  }
  return { found, moved };
}

/**
 * Files under logrotate's `dateext` names for `base` (`app.log-20261127`,
 * `app.log-2026-11-27`, `app.log.20261127-1764201600`): a separator, then
 * digits and separators only, at least six digits, not compressed. Names
 * such as `app.log-errors` are other logs, never taken for rotations.
 */
async function datedRotations(dir: string, base: string, names: string): Promise<{ name: string; stats: Stats }[]> {
  const dated: { name: string; stats: Stats }[] = [];
  for (const name of names === '' ? [] : names.split('/')) {
    if (!isDatedRotation(name, base)) continue;
    try {
      const stats = await fsp.stat(path.join(dir, name));
      if (stats.isFile()) dated.push({ name, stats });
    } catch {
      // vanished meanwhile: the caller's listing check sees it
    }
  }
  return dated;
}

/** The listed file that is `identity`'s inode, if any. */
function withIdentity<T extends { stats: Stats }>(listed: T[], identity: FileIdentity): T | undefined {
  return listed.find((c) => c.stats.dev === identity.dev && c.stats.ino === identity.ino);
}

/** `a` was rotated before `b`: written to last before it, or, written to in the same millisecond, named earlier. */
function rotatedBefore(a: { name: string; stats: Stats }, b: { name: string; stats: Stats }): boolean {
  return a.stats.mtimeMs < b.stats.mtimeMs || (a.stats.mtimeMs === b.stats.mtimeMs && a.name < b.name);
}

function isDatedRotation(name: string, base: string): boolean {
  if (!name.startsWith(base) || !'.-_'.includes(name.charAt(base.length))) return false;
  const suffix = name.slice(base.length + 1);
  return /^[0-9][0-9._-]*[0-9]$/.test(suffix) && (suffix.match(/[0-9]/g)?.length ?? 0) >= 6;
}

/** The file at `file` is the one with this identity (same inode and head). */
async function hasIdentity(file: string, identity: FileIdentity): Promise<boolean> {
  let handle: fsp.FileHandle | undefined;
  try {
    let stats: Stats;
    ({ handle, stats } = await openRegularFile(file));
    return await isSameFile(identity, handle, stats);
  } catch {
    return false;
  } finally {
    await handle?.close().catch(() => undefined);
  }
}

/** N for `<base>.N`, else undefined. */
function rotationNumber(name: string, base: string): number | undefined {
  if (!name.startsWith(`${base}.`)) return undefined;
  const suffix = name.slice(base.length + 1);
  return /^[0-9]{1,9}$/.test(suffix) ? Number(suffix) : undefined;
}
