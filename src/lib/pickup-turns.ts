/**
 * Turns for taking up new files: a DirectoryTail opens at most
 * PICKUP_CONCURRENCY at once. Each file holds a handle, buffers and file
 * system requests while its first read runs: twenty thousand files found at
 * once would hold all of that at the same time, and queue behind one another
 * on the thread pool.
 */
import type { TailSession } from './tail-session';
import { waitAtMost } from './durations';

const PICKUP_CONCURRENCY = 32;
/** A file whose first read takes longer (a backlog) lets the next one start. */
const PICKUP_SLOT_MS = 1000;

export class PickupTurns {
  /** Files being taken up, and those waiting for a turn. */
  private taken = 0;
  private readonly waiting: (() => void)[] = [];

  /** Runs `pickUp` in its turn; the turn passes on when its first read has ended, or after PICKUP_SLOT_MS. */
  async run(pickUp: () => { started: Promise<void>; session: TailSession } | undefined): Promise<void> {
    if (this.taken < PICKUP_CONCURRENCY) this.taken++;
    else await new Promise<void>((resolve) => this.waiting.push(resolve));
    try {
      const followed = pickUp();
      if (followed) await firstPass(followed);
    } finally {
      const next = this.waiting.shift();
      if (next) next(); // the turn passes on
      else this.taken--;
    }
  }
}

/** Resolves when a session's first read has ended, or after PICKUP_SLOT_MS. */
function firstPass(followed: { started: Promise<void>; session: TailSession }): Promise<void> {
  const read = followed.started.then(() => followed.session.whenQuiet()).catch(() => undefined);
  return waitAtMost(read, PICKUP_SLOT_MS);
}
