/**
 * How many files a folder's tail may keep open: what it is asked for, but
 * never more than half of what the process may open, so that sockets, other
 * nodes and the runtime itself keep the rest.
 */
import { readFileSync } from 'node:fs';

/** The process's (soft) limit on open files, from /proc/self/limits; undefined where that cannot be read. */
export function openFileLimit(readLimits: () => string = () => readFileSync('/proc/self/limits', 'utf8')): number | undefined {
  try {
    const line = readLimits()
      .split('\n')
      .find((l) => l.startsWith('Max open files'));
    const soft = line?.slice('Max open files'.length).trim().split(/\s+/)[0];
    const limit = Number(soft);
    return Number.isInteger(limit) && limit > 0 ? limit : undefined; // "unlimited" reads as no limit
  } catch {
    return undefined; // not Linux, or no /proc
  }
}

/** `asked`, or half of `limit` when that is less (at least 1). */
export function maxOpenFilesWithin(asked: number, limit: number | undefined): number {
  return limit === undefined ? asked : Math.max(1, Math.min(asked, Math.floor(limit / 2)));
}
