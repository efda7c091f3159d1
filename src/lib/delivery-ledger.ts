/**
 * Knows which lines have been delivered, so that only delivered offsets are
 * committed and a source never runs too far ahead of its consumers.
 *
 * A source issues a ticket for every message it sends; the ticket names how
 * many acknowledgements it needs (one per batcher wired after the source, or
 * none). Batchers settle tickets when the batch holding the message has been
 * sent. Per file, the committed offset is the end of the longest run of
 * settled tickets from the start: a later ticket never commits past an
 * earlier one still in flight.
 */

import type { Ticket } from './ingest-ticket';

export type { Ticket } from './ingest-ticket';

interface Entry {
  seq: number;
  fileKey: string;
  end: number;
  lines: number;
  acksLeft: number;
  /** Will not be acknowledged: its lines are to be read again after a restart. */
  abandoned: boolean;
  /** Releases still to come before its lines stop counting against the credit (see release). */
  releasesLeft: number;
  /** Its lines count against the credit. */
  creditHeld: boolean;
}

export type CommitListener = (fileKey: string, offset: number) => void;

/**
 * Whether a source sends its records again when a batcher abandons them:
 * `on-stop` (a file source: only while it stops, as it then reads them again
 * from its checkpoint), `always` (a RELP connection: closing it makes the
 * sender resend what it holds unacknowledged) or `never` (plain TCP, TLS
 * and UDP syslog: the sender has let go of them).
 */
export type ReplayPolicy = 'on-stop' | 'always' | 'never';

export interface TrackerOptions {
  /** Sessions that share one credit (a dir-watch's files). */
  pool?: CreditPool;
  replay?: ReplayPolicy;
  /** A ticket of `fileKey` was abandoned: nothing at or after it there will be committed. */
  onAbandon?: (fileKey: string) => void;
}

/**
 * Lines in flight for several trackers at once (a dir-watch's files), so
 * that one credit bounds them all: a thousand files do not each get their
 * own, and one busy file among idle ones may use all of it.
 */
export class CreditPool {
  private lines = 0;
  private readonly listeners = new Set<() => void>();

  get outstanding(): number {
    return this.lines;
  }

  take(lines: number): void {
    this.lines += lines;
  }

  give(lines: number): void {
    if (lines <= 0) return;
    this.lines -= lines;
    for (const listener of [...this.listeners]) listener();
  }

  /** Calls `listener` whenever lines come back; returns how to stop. */
  listen(listener: () => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }
}

export class DeliveryTracker {
  private seq = 0;
  private readonly bySeq = new Map<number, Entry>();
  /** Per file, tickets in the order they were issued. */
  private readonly queues = new Map<string, Entry[]>();
  private outstandingLines = 0;
  /** Lines counting against the credit: outstanding, less those released (see release). */
  private creditLines = 0;
  private waiters: { limit: number; resolve: () => void; credit: boolean }[] = [];
  private closed = false;
  /** Set while this tracker's lines count in a shared pool (until close). */
  private pool: CreditPool | undefined;
  private stopListening: (() => void) | undefined;

  readonly replay: ReplayPolicy;
  private readonly onAbandon: ((fileKey: string) => void) | undefined;

  constructor(
    readonly source: string,
    private readonly onCommit: CommitListener,
    options: TrackerOptions = {},
  ) {
    this.pool = options.pool;
    this.replay = options.replay ?? 'on-stop';
    this.onAbandon = options.onAbandon;
  }

  /** Lines sent but not yet acknowledged. */
  get outstanding(): number {
    return this.outstandingLines;
  }

  /** What the credit is measured against: the shared pool's lines, or this tracker's. */
  get creditInUse(): number {
    return this.pool ? this.pool.outstanding : this.creditLines;
  }

  /**
   * Records lines of `fileKey` up to offset `end` as sent. With no acks
   * needed they are delivered at once.
   */
  issue(fileKey: string, end: number, lines: number, acks: number): Ticket {
    const seq = ++this.seq;
    if (acks <= 0) {
      const queue = this.queues.get(fileKey);
      if (!queue || queue.length === 0) {
        this.onCommit(fileKey, end);
        return { source: this.source, seq };
      }
    }
    const entry: Entry = { seq, fileKey, end, lines, acksLeft: Math.max(0, acks), abandoned: false, releasesLeft: Math.max(0, acks), creditHeld: false };
    let queue = this.queues.get(fileKey);
    if (!queue) this.queues.set(fileKey, (queue = []));
    queue.push(entry);
    if (entry.acksLeft > 0) {
      this.bySeq.set(seq, entry);
      this.outstandingLines += lines;
      this.creditLines += lines;
      entry.creditHeld = true;
      this.pool?.take(lines);
    } else {
      this.advance(queue);
    }
    return { source: this.source, seq };
  }

  /** `acks` acknowledgements for a ticket; unknown tickets are ignored. */
  settle(seq: number, acks = 1): void {
    const entry = this.bySeq.get(seq);
    if (!entry) return;
    entry.acksLeft -= acks;
    if (entry.acksLeft > 0) return;
    entry.acksLeft = 0; // more than it waited for (a message that came twice) still commits it
    this.bySeq.delete(seq);
    this.outstandingLines -= entry.lines;
    const queue = this.queues.get(entry.fileKey);
    if (queue) this.advance(queue);
    this.freeCredit(entry);
    this.wakeWaiters();
  }

  /**
   * `acks` of a ticket's acknowledgements are sure to come, though not yet
   * final (an acknowledged batch that may still fail, see AckWindow's
   * confirmMs): once all are, its lines stop counting against the credit,
   * so reading goes on; they are committed only when settled.
   */
  release(seq: number, acks = 1): void {
    const entry = this.bySeq.get(seq);
    if (!entry || !entry.creditHeld) return;
    entry.releasesLeft -= acks;
    if (entry.releasesLeft > 0) return;
    this.freeCredit(entry);
    this.wakeWaiters();
  }

  private freeCredit(entry: Entry): void {
    if (!entry.creditHeld) return;
    entry.creditHeld = false;
    this.creditLines -= entry.lines;
    this.pool?.give(entry.lines);
  }

  /**
   * The ticket's lines were not sent and will not be: nothing at or after it
   * in its file is committed, so a restart reads them again.
   */
  abandon(seq: number): void {
    const entry = this.bySeq.get(seq);
    if (!entry) return;
    this.bySeq.delete(seq);
    entry.abandoned = true;
    this.outstandingLines -= entry.lines;
    this.freeCredit(entry);
    this.wakeWaiters();
    this.onAbandon?.(entry.fileKey);
  }

  /**
   * Drops every ticket of `fileKey` (a connection that closed after one of
   * its tickets was abandoned): none of them will commit, and the lines
   * still unacknowledged stop counting against the credit and the drain.
   */
  forget(fileKey: string): void {
    const queue = this.queues.get(fileKey);
    if (!queue) return;
    this.queues.delete(fileKey);
    for (const entry of queue) {
      if (!this.bySeq.delete(entry.seq)) continue;
      this.outstandingLines -= entry.lines;
      this.freeCredit(entry);
    }
    this.wakeWaiters();
  }

  /**
   * Resolves once no more than `limit` lines are unacknowledged, or at once
   * when the source is closing (a stopping source must not wait for credit).
   */
  whenBelow(limit: number): Promise<void> {
    if (this.closed || this.creditInUse <= limit) return Promise.resolve();
    // Lines other trackers give back to the pool free credit too.
    if (this.pool && !this.stopListening) this.stopListening = this.pool.listen(() => this.wakeWaiters());
    return new Promise((resolve) => this.waiters.push({ limit, resolve, credit: true }));
  }

  /** Resolves when every line sent has been acknowledged. */
  whenDrained(): Promise<void> {
    if (this.outstandingLines === 0) return Promise.resolve();
    return new Promise((resolve) => this.waiters.push({ limit: 0, resolve, credit: false }));
  }

  /** The source is stopping: credit waits end now. */
  close(): void {
    this.closed = true;
    const credit = this.waiters.filter((w) => w.credit);
    this.waiters = this.waiters.filter((w) => !w.credit);
    for (const w of credit) w.resolve();
    // Its lines leave the pool now: acknowledgements that come later (or
    // never, for a batch lost in the stop) must not hold other files back.
    this.stopListening?.();
    this.stopListening = undefined;
    const pool = this.pool;
    this.pool = undefined;
    pool?.give(this.creditLines);
  }

  private advance(queue: Entry[]): void {
    let committed: Entry | undefined;
    while (queue.length > 0 && queue[0].acksLeft === 0 && !queue[0].abandoned) committed = queue.shift();
    if (committed) {
      if (queue.length === 0) this.queues.delete(committed.fileKey);
      this.onCommit(committed.fileKey, committed.end);
    }
  }

  private wakeWaiters(): void {
    if (this.waiters.length === 0) return;
    const still: typeof this.waiters = [];
    for (const w of this.waiters) {
      if ((w.credit ? this.creditInUse : this.outstandingLines) <= w.limit) w.resolve();
      else still.push(w);
    }
    this.waiters = still;
    if (this.stopListening && !still.some((w) => w.credit)) {
      this.stopListening();
      this.stopListening = undefined;
    }
  }
}

/**
 * The trackers of the running sources of one Node-RED runtime, so that
 * batchers can reach them by ticket (see ingest-ticket), and the batchers'
 * flush requests. One per runtime (see src/nodes/shared/runtime).
 */
export class DeliveryLedger {
  private readonly trackers = new Map<string, DeliveryTracker>();
  private readonly flushListeners = new Set<(source: string) => void>();
  private readonly sendListeners = new Set<(source: string) => void>();

  register(tracker: DeliveryTracker): void {
    this.trackers.set(tracker.source, tracker);
  }

  /** Forgets `tracker`; a successor registered under the same source stays. */
  unregister(tracker: DeliveryTracker): void {
    if (this.trackers.get(tracker.source) === tracker) this.trackers.delete(tracker.source);
  }

  /** `acks` acknowledgements for a ticket; tickets of unknown sources are ignored. */
  settle(ticket: Ticket, acks = 1): void {
    this.trackers.get(ticket.source)?.settle(ticket.seq, acks);
  }

  abandon(ticket: Ticket): void {
    this.trackers.get(ticket.source)?.abandon(ticket.seq);
  }

  /** How the source of a ticket replays what is abandoned (see ReplayPolicy); a source not running: `on-stop`. */
  replayOf(source: string): ReplayPolicy {
    return this.trackers.get(source)?.replay ?? 'on-stop';
  }

  /** See DeliveryTracker.release. */
  release(ticket: Ticket, acks = 1): void {
    this.trackers.get(ticket.source)?.release(ticket.seq, acks);
  }

  /** Asks every batcher to send what it holds now (a source is stopping). */
  requestFlush(source: string): void {
    for (const listener of [...this.flushListeners]) listener(source);
  }

  onFlushRequest(listener: (source: string) => void): () => void {
    this.flushListeners.add(listener);
    return () => this.flushListeners.delete(listener);
  }

  /**
   * Asks every batcher to send what it holds now, as its timer would: a
   * running source whose sender waits for acknowledgements (RELP) before it
   * sends more, so that the batch would otherwise wait for its timer.
   */
  requestSend(source: string): void {
    for (const listener of [...this.sendListeners]) listener(source);
  }

  onSendRequest(listener: (source: string) => void): () => void {
    this.sendListeners.add(listener);
    return () => this.sendListeners.delete(listener);
  }
}
