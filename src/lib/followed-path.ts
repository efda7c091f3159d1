/**
 * Checks on the followed path itself: opening what is there (a regular file
 * the allow-list admits, nothing else), why that failed, where startAt 'end'
 * begins in it, and, after a read, what became of the file opened there.
 */
import { promises as fsp, type Stats } from 'node:fs';
import type { FileReader } from './file-reader';
import type { FollowerError, FollowerOptions } from './follower-types';
import { admitted } from './follow-context';
import { isNotARegularFile, notARegularFile, openRegularFile } from './regular-file';

/** How far back "end" looks for the start of the last, unfinished line. */
const LAST_LINE_LOOKBACK = 64 * 1024;

/** What opening the followed path came to. */
export type PathOpening =
  | { kind: 'opened'; handle: fsp.FileHandle; stats: Stats }
  /** Its stat found no file (ENOENT). */
  | { kind: 'missing'; err: unknown }
  /** It could not be stated or opened: see openFailure. */
  | { kind: 'failed'; err: unknown }
  /** What is there is not to be read. */
  | { kind: 'refused'; reason: 'notAFile' | 'notAllowed'; err: Error };

/** What became of the file opened at the path, seen after reading it to its end. */
export type PathChange =
  | { kind: 'unchanged'; size: number }
  /** Renamed away, no new file at the path yet. */
  | { kind: 'renamed' }
  | { kind: 'deleted' }
  /** Another file is at the path. */
  | { kind: 'replaced' };

export async function openAtPath(options: FollowerOptions): Promise<PathOpening> {
  const target = options.path;
  let stats: Stats;
  try {
    // A stat first: what is plainly no file (a FIFO, a folder) is refused
    // without opening it. It cannot make the open safe (the path may be
    // replaced in between): openRegularFile does that.
    stats = await (options.noFollow ? fsp.lstat(target) : fsp.stat(target));
  } catch (err) {
    return { kind: errorCode(err) === 'ENOENT' ? 'missing' : 'failed', err };
  }
  if (!stats.isFile()) return { kind: 'refused', reason: 'notAFile', err: notARegularFile(target) };
  let handle;
  try {
    // What was opened, from its own fstat: the stat above may be of another file.
    ({ handle, stats } = await openRegularFile(target, { noFollow: options.noFollow }));
  } catch (err) {
    return { kind: 'failed', err };
  }
  if (!(await admitted(options, target, handle))) {
    const err = Object.assign(new Error(`${target} is outside the allowed paths`), { code: 'ENOTALLOWED' });
    return { kind: 'refused', reason: 'notAllowed', err };
  }
  return { kind: 'opened', handle, stats };
}

/** Why a file could not be opened: `missing` when a file may come later, else the error to report. */
export function openFailure(err: unknown): 'missing' | FollowerError['reason'] {
  const code = errorCode(err);
  if (code === 'ENOENT' || code === 'ENOTDIR') return 'missing';
  if (code === 'EACCES' || code === 'EPERM') return 'denied';
  return isNotARegularFile(err) ? 'notAFile' : 'read';
}

export async function pathChange(file: string, reader: FileReader): Promise<PathChange> {
  let pathStats: Stats | undefined;
  try {
    pathStats = await fsp.stat(file);
  } catch (err) {
    if (errorCode(err) !== 'ENOENT' && errorCode(err) !== 'ENOTDIR') throw err;
  }
  if (pathStats && pathStats.ino === reader.identity.ino && pathStats.dev === reader.identity.dev) {
    return { kind: 'unchanged', size: pathStats.size };
  }
  const own = await reader.stat();
  if (pathStats) return { kind: 'replaced' };
  return own.nlink > 0 ? { kind: 'renamed' } : { kind: 'deleted' };
}

/** Where startAt 'end' begins in a file of `size` bytes: after its last complete line. */
export function lastLineStart(handle: fsp.FileHandle, size: number, options: FollowerOptions): Promise<number> {
  const unit = options.encoding === 'utf16le' ? 2 : 1;
  return afterLastDelimiter(handle, size, Buffer.from(options.delimiter, options.encoding), unit);
}

export function errorCode(err: unknown): string | undefined {
  return typeof err === 'object' && err !== null && 'code' in err ? String((err as { code: unknown }).code) : undefined;
}

/** The offset just after the last delimiter before `size` (0 if none is near). */
async function afterLastDelimiter(handle: fsp.FileHandle, size: number, delimiter: Buffer, unit: number): Promise<number> {
  if (size === 0) return 0;
  const from = Math.max(0, size - LAST_LINE_LOOKBACK);
  const tail = Buffer.alloc(size - from);
  const { bytesRead } = await handle.read(tail, 0, tail.length, from);
  const bytes = tail.subarray(0, bytesRead);
  let at = bytes.lastIndexOf(delimiter);
  while (at > 0 && (from + at) % unit !== 0) at = bytes.lastIndexOf(delimiter, at - 1);
  if (at < 0 || (from + at) % unit !== 0) return from === 0 ? 0 : size;
  return from + at + delimiter.length;
}
