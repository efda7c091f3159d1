/**
 * Truncation (copytruncate, or `> file`): the bytes of a file not read
 * before it was emptied are looked for in the copy made beside it (another
 * file that starts with the same bytes) and read from there; then the file
 * is read again from its start.
 */
import type { FileIdentity } from './file-identity';
import { FileReader } from './file-reader';
import { findCopy } from './sibling-search';
import { admitted, type FollowContext } from './follow-context';

/** What reading the copy of a truncated file came to. */
export interface CopyRead {
  consumed: number;
  /** Stopped midway: `consumed` is where, to read the rest next time. */
  halted: boolean;
}

export class CopyRecovery {
  constructor(
    private readonly follow: FollowContext,
    /** False once the follower stops: a copy is then left where its reading got to. */
    private readonly running: () => boolean,
  ) {}

  /**
   * Reads the copy of a truncated file (another file beside it that starts
   * with the same bytes) from `offset`, what had been read of the file, to
   * its end. Undefined when there is no copy.
   */
  async readCopy(identity: FileIdentity, offset: number): Promise<CopyRead | undefined> {
    const { options, dir, deliver, events } = this.follow;
    const copy = await findCopy(dir, identity, offset, options.path);
    if (!copy || !(await admitted(options, copy.path, copy.handle))) return undefined;
    const copyReader = new FileReader(options.path, copy.handle, identity, options, offset, options.chunkBytes);
    try {
      // Stopped midway: where it stopped is kept, to read the rest next time.
      if ((await copyReader.readAvailable(deliver, this.running)) === 'halted') {
        return { consumed: copyReader.consumed, halted: true };
      }
      await copyReader.flushPartial(deliver);
    } finally {
      await copyReader.close();
    }
    events.notice({ kind: 'recovered', path: options.path, from: copy.path, bytes: copy.stats.size - offset });
    return { consumed: copyReader.consumed, halted: false };
  }

  /**
   * The file shrank under us (copytruncate, or `> file`). Bytes written
   * before the truncation that we had not read are looked for in a copy
   * beside the file; then the file is read again from its start.
   */
  async recover(reader: FileReader): Promise<void> {
    const { options, events, sizes } = this.follow;
    const stats = await reader.stat();
    sizes.set(reader, stats.size);
    const consumed = reader.consumed;
    events.notice({ kind: 'truncated', path: options.path, size: stats.size });
    const copied = await this.readCopy(reader.identity, consumed);
    if (copied?.halted) {
      // Stopping: the position stays in the old content (whose identity the
      // reader keeps), so that a restart reads the rest of the copy.
      reader.restartAt(copied.consumed);
      return;
    }
    if (!copied && reader.position > consumed) {
      events.notice({ kind: 'unrecovered', path: options.path, bytes: reader.position - consumed });
    }
    reader.restartAt(0);
    await reader.reidentify();
  }
}
