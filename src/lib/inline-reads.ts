/**
 * Decides, per file, whether its chunks are read inline (a synchronous read
 * on the event loop's thread) or on libuv's thread pool.
 *
 * A 128 KiB read served from the page cache takes about 10 µs inline and
 * 50 µs through the thread pool (a hand-off and a wake-up each way): for a
 * backlog, most of what reading costs. But an inline read that waits for a
 * disk keeps the whole runtime waiting, and one on a network file system may
 * wait for a server. So reads go inline only on Linux, only on local file
 * systems, and only while they stay fast: two slow reads in a row send that
 * file's reads to the thread pool for a while (one alone is taken for a
 * hiccup: on a busy virtual machine a read from memory sometimes takes 4 ms).
 */
import { performance } from 'node:perf_hooks';
import { fileSystemType, LOCAL_FILE_SYSTEMS } from './file-system-types';

/** An inline read slower than this was most likely not served from memory. */
export const SLOW_INLINE_READ_MS = 4;
/** Slow reads in a row that send a file to the thread pool. */
export const SLOW_READS_TO_SWITCH = 2;
/**
 * How long a file reads on the thread pool after slow inline reads; each
 * time its first inline reads after a spell are slow again, the next spell
 * is twice as long, up to THREAD_POOL_SPELL_MAX_MS (a disk that stays slow
 * blocks the runtime ever more rarely).
 */
export const THREAD_POOL_SPELL_MS = 10_000;
export const THREAD_POOL_SPELL_MAX_MS = 320_000;

/** True when `path` lies on a local file system that inline reads suit. */
export async function suitsInlineReads(path: string, platform: NodeJS.Platform = process.platform): Promise<boolean> {
  // Unknown (gone, or not ours to ask): the thread pool is always safe.
  const type = await fileSystemType(path, platform);
  return type !== undefined && LOCAL_FILE_SYSTEMS.has(type);
}

/** One file's choice, revised by how long its inline reads take. */
export class InlineReads {
  /** Until then (performance.now() ms), reads go to the thread pool. */
  private threadPoolUntil = 0;
  private slowInARow = 0;
  private spellMs = THREAD_POOL_SPELL_MS;

  constructor(
    private readonly allowed: boolean,
    private readonly now: () => number = () => performance.now(),
  ) {}

  /** Whether the next read goes inline. */
  get inline(): boolean {
    return this.allowed && (this.threadPoolUntil === 0 || this.now() >= this.threadPoolUntil);
  }

  /** Runs one inline read, timing it; slow ones in a row move later reads to the thread pool. */
  read(readSync: () => number): number {
    const started = this.now();
    try {
      return readSync();
    } finally {
      const took = this.now() - started;
      if (took <= SLOW_INLINE_READ_MS) {
        this.slowInARow = 0;
        this.spellMs = THREAD_POOL_SPELL_MS;
      } else if (++this.slowInARow >= SLOW_READS_TO_SWITCH) {
        this.threadPoolUntil = started + took + this.spellMs;
        this.spellMs = Math.min(2 * this.spellMs, THREAD_POOL_SPELL_MAX_MS);
        this.slowInARow = 0;
      }
    }
  }
}
