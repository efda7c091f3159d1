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

/** Regular files in `dir` other than `except`, newest first. */
async function siblings(dir: string, except: string): Promise<{ path: string; stats: Stats }[]> {
  let names: string[];
  try {
    names = await fsp.readdir(dir);
  } catch {
    return [];
  }
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
  for (const candidate of await siblings(dir, except)) {
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
