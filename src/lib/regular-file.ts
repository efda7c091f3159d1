/**
 * Opens a path only if it is a regular file, without ever blocking.
 *
 * A stat before an open does not make the open safe: the path can be
 * replaced in between. An open of a FIFO waits for a writer, for ever, on
 * one of libuv's four threads; four of them stuck leave the whole runtime
 * without file system calls, DNS, or a way to stop. So the open itself must
 * not wait: O_NONBLOCK makes an open of a FIFO return at once (and has no
 * effect on a regular file: its reads still wait for the disk, as before).
 * The open file's own fstat then says what was opened, and anything but a
 * regular file (FIFO, device, directory) is closed and refused.
 */
import { closeSync, constants, fstatSync, openSync, promises as fsp, readFileSync, type Stats } from 'node:fs';

/** The code of the error for a path that is not a regular file. */
export const NOT_A_REGULAR_FILE = 'ENOTFILE';

/**
 * Never waits in open: O_NONBLOCK for FIFOs, and O_NOCTTY so that a terminal
 * renamed into place does not become the process's controlling terminal.
 */
const OPEN_FLAGS = constants.O_RDONLY | constants.O_NONBLOCK | constants.O_NOCTTY;

export interface OpenedFile {
  handle: fsp.FileHandle;
  /** From the open file (fstat): the file actually opened, whatever the path names now. */
  stats: Stats;
}

/** An error with code ENOTFILE (the message is the one the nodes and the sidebar show). */
export function notARegularFile(file: string): NodeJS.ErrnoException {
  return Object.assign(new Error(`${file} is not a regular file`), { code: NOT_A_REGULAR_FILE, path: file });
}

/**
 * True for errors that mean "not a regular file": ours, and ENXIO, which is
 * what an open of a Unix socket (or a device without its driver) fails with.
 */
export function isNotARegularFile(err: unknown): boolean {
  const code = typeof err === 'object' && err !== null && 'code' in err ? (err as { code: unknown }).code : undefined;
  return code === NOT_A_REGULAR_FILE || code === 'ENXIO' || code === 'EISDIR';
}

export interface OpenOptions {
  /**
   * Refuse a path whose last part is a symbolic link (O_NOFOLLOW), as
   * not a regular file: a link renamed over a followed file is not read.
   */
  noFollow?: boolean;
}

/** Opens `file` for reading if it is a regular file; throws ENOTFILE (or the open's error) otherwise. */
export async function openRegularFile(file: string, options: OpenOptions = {}): Promise<OpenedFile> {
  let handle: fsp.FileHandle;
  try {
    handle = await fsp.open(file, options.noFollow ? OPEN_FLAGS | constants.O_NOFOLLOW : OPEN_FLAGS);
  } catch (err) {
    // ELOOP is what O_NOFOLLOW answers for a link.
    if (options.noFollow && (err as NodeJS.ErrnoException).code === 'ELOOP') throw notARegularFile(file);
    throw err;
  }
  let stats: Stats;
  try {
    stats = await handle.stat();
  } catch (err) {
    await handle.close().catch(() => undefined);
    throw err;
  }
  if (!stats.isFile()) {
    await handle.close().catch(() => undefined);
    throw notARegularFile(file);
  }
  return { handle, stats };
}

/** Reads all of `file` if it is a regular file (see openRegularFile). */
export async function readRegularFile(file: string): Promise<Buffer>;
export async function readRegularFile(file: string, encoding: BufferEncoding): Promise<string>;
export async function readRegularFile(file: string, encoding?: BufferEncoding): Promise<Buffer | string> {
  const { handle } = await openRegularFile(file);
  try {
    const bytes = await handle.readFile();
    return encoding ? bytes.toString(encoding) : bytes;
  } finally {
    await handle.close().catch(() => undefined);
  }
}

/** readRegularFile on the calling thread, for code that reads synchronously. */
export function readRegularFileSync(file: string): Buffer;
export function readRegularFileSync(file: string, encoding: BufferEncoding): string;
export function readRegularFileSync(file: string, encoding?: BufferEncoding): Buffer | string {
  const fd = openSync(file, OPEN_FLAGS);
  try {
    if (!fstatSync(fd).isFile()) throw notARegularFile(file);
    const bytes = readFileSync(fd);
    return encoding ? bytes.toString(encoding) : bytes;
  } finally {
    closeSync(fd);
  }
}
