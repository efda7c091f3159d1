/**
 * The buffers file readers read into, shared between readers so that memory
 * does not grow with the number of files followed.
 */

/**
 * Reads up to this size go to the reader's own buffer. A larger read (a
 * backlog) borrows one of a few buffers shared by every reader, so that a
 * thousand files read at once do not hold a mebibyte each.
 */
export const SMALL_READ_BYTES = 64 * 1024;
const MAX_SHARED_BUFFERS = 4;
/**
 * The shared buffers, free and lent. Module-level on purpose: the bound is
 * per process (what a backlog of many files may hold at once), not per reader.
 */
const sharedBuffers = { free: [] as Buffer[], lent: 0 };

/** A shared buffer of `size` bytes, or none when all are lent (the caller reads into its own). */
export function borrowBuffer(size: number): Buffer | undefined {
  const free = sharedBuffers.free.findIndex((b) => b.length === size);
  if (free >= 0) {
    sharedBuffers.lent++;
    return sharedBuffers.free.splice(free, 1)[0];
  }
  if (sharedBuffers.lent + sharedBuffers.free.length >= MAX_SHARED_BUFFERS) {
    if (sharedBuffers.free.length === 0) return undefined;
    sharedBuffers.free.shift(); // one of another size: let it go
  }
  sharedBuffers.lent++;
  return Buffer.allocUnsafe(size);
}

export function returnBuffer(buffer: Buffer): void {
  sharedBuffers.lent--;
  sharedBuffers.free.push(buffer);
}

/**
 * One buffer for every inline read: an inline read is split before anything
 * else runs (no await between the read, its head check and the split), so
 * no two readers ever use it at once, and a thousand files cost no buffer each.
 */
let inlineScratch: Buffer | undefined;

/** The inline reads' buffer, at least `size` bytes; valid until the next await. */
export function inlineBuffer(size: number): Buffer {
  if (!inlineScratch || inlineScratch.length < size) inlineScratch = Buffer.allocUnsafe(size);
  return inlineScratch;
}
