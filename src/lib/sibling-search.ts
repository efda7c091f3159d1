/**
 * Finds files beside a followed path by what they contain: the file a
 * checkpoint names after it was rotated away, or the copy that copytruncate
 * made before it emptied the file.
 */
import { promises as fsp, type Stats } from 'node:fs';
import * as path from 'node:path';
import { type FileIdentity, hasSameHead, isSameFile } from './file-identity';

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
      handle = await fsp.open(candidate.path, 'r');
      const stats = await handle.stat();
      if (await matches(handle, stats)) return { path: candidate.path, handle, stats };
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

/**
 * Files rotated away after the file with `identity`, oldest first: when that
 * file is now `app.log.N` (logrotate's numbered names), the files
 * `app.log.(N-1)` down to `app.log.1`. They were created at the path and
 * rotated again before anyone read them (two rotations between two reads).
 * Files `skip` accepts (already being read) are left out. Empty when the
 * file is not found under a numbered name.
 */
export async function findNewerRotations(
  dir: string,
  identity: FileIdentity,
  followed: string,
  skip: (stats: Stats) => boolean,
): Promise<FoundFile[]> {
  const self = await findFileByIdentity(dir, identity, followed);
  if (!self) return [];
  await self.handle.close().catch(() => undefined);
  const base = path.basename(followed);
  const rank = rotationNumber(path.basename(self.path), base);
  if (rank === undefined) return [];
  let names: string[];
  try {
    names = await fsp.readdir(dir);
  } catch {
    return [];
  }
  const newer = names
    .map((name) => ({ name, rank: rotationNumber(name, base) }))
    .filter((c): c is { name: string; rank: number } => c.rank !== undefined && c.rank < rank)
    .sort((a, b) => b.rank - a.rank);
  const found: FoundFile[] = [];
  for (const candidate of newer) {
    const file = path.join(dir, candidate.name);
    let handle: fsp.FileHandle | undefined;
    try {
      // stat before open: opening a FIFO would block a worker thread.
      if (!(await fsp.stat(file)).isFile()) continue;
      handle = await fsp.open(file, 'r');
      const stats = await handle.stat();
      if (stats.isFile() && !skip(stats)) {
        found.push({ path: file, handle, stats });
        continue;
      }
    } catch {
      // vanished or unreadable: not one to read
    }
    await handle?.close().catch(() => undefined);
  }
  return found;
}

/** N for `<base>.N`, else undefined. */
function rotationNumber(name: string, base: string): number | undefined {
  if (!name.startsWith(`${base}.`)) return undefined;
  const suffix = name.slice(base.length + 1);
  return /^[0-9]{1,9}$/.test(suffix) ? Number(suffix) : undefined;
}
