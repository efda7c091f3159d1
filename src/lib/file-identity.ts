/**
 * Tells whether two opens of a path are the same file.
 *
 * Device and inode alone are not enough: an inode is recycled as soon as a
 * file is deleted, so a new log can inherit a rotated log's number. A hash of
 * the file's first bytes (its head, up to HEAD_BYTES) tells them apart. The
 * head grows with the file until it is full, so a file that was empty or short
 * when first seen is not mistaken for another short file later.
 */
import { createHash } from 'node:crypto';
import type { FileHandle } from 'node:fs/promises';
import type { Stats } from 'node:fs';

export const HEAD_BYTES = 1024;

export interface FileIdentity {
  dev: number;
  ino: number;
  /** How many head bytes the hash covers (less than HEAD_BYTES while the file is short). */
  headLength: number;
  /** sha256 of the first headLength bytes, hex. */
  headHash: string;
}

/** Reads the identity of an open file. */
export async function identify(handle: FileHandle, stats: Stats): Promise<FileIdentity> {
  const headLength = Math.min(HEAD_BYTES, stats.size);
  return {
    dev: stats.dev,
    ino: stats.ino,
    headLength,
    headHash: await hashHead(handle, headLength),
  };
}

export async function hashHead(handle: FileHandle, length: number): Promise<string> {
  return headHashOf(await readHead(handle, length));
}

/** Up to `length` bytes from the start of the open file (fewer when it is shorter). */
export async function readHead(handle: FileHandle, length: number): Promise<Buffer> {
  const head = Buffer.alloc(length);
  let read = 0;
  while (read < length) {
    const { bytesRead } = await handle.read(head, read, length - read, read);
    if (bytesRead === 0) break;
    read += bytesRead;
  }
  return head.subarray(0, read);
}

/** The hash an identity keeps of a file's first bytes: the one place it is computed. */
export function headHashOf(head: Buffer): string {
  return createHash('sha256').update(head).digest('hex');
}

/**
 * True when the open file is the one `known` describes: same device and inode,
 * and its first `known.headLength` bytes hash the same. A file now shorter
 * than the known head was truncated or replaced, so it is not the same.
 */
export async function isSameFile(known: FileIdentity, handle: FileHandle, stats: Stats): Promise<boolean> {
  if (stats.dev !== known.dev || stats.ino !== known.ino) return false;
  return hasSameHead(known, handle, stats);
}

/** Compares only the content head: for copies, which have another inode. */
export async function hasSameHead(known: FileIdentity, handle: FileHandle, stats: Stats): Promise<boolean> {
  if (stats.size < known.headLength) return false;
  return (await hashHead(handle, known.headLength)) === known.headHash;
}

/**
 * The key of the file an identity (or a stat) names: device and inode. The
 * one place it is built, so every map of files agrees on it.
 */
export function inodeKey(of: { dev: number; ino: number }): string {
  return `${of.dev}:${of.ino}`;
}

/** A short key for logs and checkpoint entries. */
export function identityKey(id: FileIdentity): string {
  return `${inodeKey(id)}:${id.headHash.slice(0, 12)}`;
}
