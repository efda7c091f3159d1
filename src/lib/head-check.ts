/**
 * Tells whether an open file still holds what was read of it, by its head
 * (its first bytes, see file-identity): a file truncated and written again
 * (copytruncate, then new lines) starts with other bytes.
 */
import { readSync } from 'node:fs';
import type { FileHandle } from 'node:fs/promises';
import { HEAD_BYTES, type FileIdentity, headHashOf } from './file-identity';
import type { InlineReads } from './inline-reads';

/** The reader whose file is checked: its identity's head grows with the file here. */
export interface IdentifiedFile {
  identity: FileIdentity;
}

export class HeadCheck {
  /**
   * The first bytes of the file that `headOf` describes, once checked
   * against its hash: later checks compare bytes instead of hashing them.
   */
  private head: Buffer | undefined;
  private headOf: FileIdentity | undefined;
  private readonly headScratch = Buffer.allocUnsafe(HEAD_BYTES);

  constructor(
    private readonly handle: FileHandle,
    private readonly file: IdentifiedFile,
  ) {}

  /**
   * False when the file was rewritten from its start since it was
   * identified. One read of the head, compared with the bytes it held (no
   * stat: a file now shorter than the head reads short).
   */
  async unchanged(reads: InlineReads): Promise<boolean> {
    const length = this.file.identity.headLength;
    // Inline where reads are (see holdsInline): the head is read before every pass.
    const read = reads.inline ? reads.read(() => readSync(this.handle.fd, this.headScratch, 0, length, 0)) : await this.readHead(length);
    return this.sameWholeHead(read);
  }

  /**
   * True while the file still holds what was read of it: it starts with the
   * bytes it was identified by, and `chunk`, just read at `from`, where it
   * lies in the head, is what the head holds now. Grows the identity's head
   * with the file (see file-identity), from that same read of the head, so a
   * file rewritten in between is never taken for a longer version of itself.
   * The head must cover what was read of it: a file now shorter was
   * truncated after the read, and an identity left shorter than what was
   * delivered (an empty head matches any file) would resume another file.
   */
  async holds(from: number, chunk?: Buffer): Promise<boolean> {
    return this.headHolds(await this.readHead(this.headBytesToCheck()), from, chunk);
  }

  /**
   * holds() with an inline read of the head. Not timed: the first kilobyte
   * is read after every chunk and is always in memory, and fast head reads
   * between slow chunk reads would hide a slow disk from InlineReads.
   */
  holdsInline(from: number, chunk: Buffer): boolean {
    return this.headHolds(readSync(this.handle.fd, this.headScratch, 0, this.headBytesToCheck(), 0), from, chunk);
  }

  /** unchanged()'s verdict on a head just read into headScratch (`read` bytes). */
  private sameWholeHead(read: number): boolean {
    const known = this.file.identity;
    if (read < known.headLength) return false;
    const now = this.headScratch.subarray(0, known.headLength);
    if (this.headOf === known && this.head) return now.equals(this.head);
    if (headHashOf(now) !== known.headHash) return false;
    this.keepHead(now);
    return true;
  }

  /** A whole head is compared as it is; a growing one is read as far as it may reach. */
  private headBytesToCheck(): number {
    return this.file.identity.headLength >= HEAD_BYTES ? this.file.identity.headLength : HEAD_BYTES;
  }

  /** holds()'s verdict on `read` bytes of the head just read into headScratch. */
  private headHolds(read: number, from: number, chunk?: Buffer): boolean {
    const known = this.file.identity;
    if (known.headLength >= HEAD_BYTES) return this.sameWholeHead(read);
    const readTo = from + (chunk?.length ?? 0);
    const need = Math.max(known.headLength, Math.min(HEAD_BYTES, readTo));
    if (read < need) return false;
    const head = this.headScratch;
    const knownHead = head.subarray(0, known.headLength);
    if (this.headOf === known && this.head ? !knownHead.equals(this.head) : headHashOf(knownHead) !== known.headHash) return false;
    if (chunk && from < read) {
      const overlap = Math.min(read, readTo) - from;
      if (!head.subarray(from, from + overlap).equals(chunk.subarray(0, overlap))) return false;
    }
    // Same dev and ino: a reader of a copy keeps the identity of the original.
    if (read > known.headLength) this.file.identity = { ...known, headLength: read, headHash: headHashOf(head.subarray(0, read)) };
    this.keepHead(head.subarray(0, this.file.identity.headLength));
    return true;
  }

  private keepHead(bytes: Buffer): void {
    this.head = Buffer.from(bytes);
    this.headOf = this.file.identity;
  }

  /**
   * Reads up to `length` bytes of the file's start into headScratch; returns
   * how many. One read: a second one, after a short first, could append bytes
   * of a file rewritten in between to those of the file that was.
   */
  private async readHead(length: number): Promise<number> {
    const { bytesRead } = await this.handle.read(this.headScratch, 0, length, 0);
    return bytesRead;
  }
}
