/**
 * A micro batcher (src/lib/micro-batcher) that a kill switch can stop.
 *
 * While engaged nothing leaves: the open batch is held (its timer and size
 * limits wait), and records that arrive are kept aside in arrival order, to
 * be added on release as if they had just come in. Keeping them outside the
 * batcher means the batcher only ever holds its one open batch, so records
 * whose source can read them again (a stopping file-tail) can all be handed
 * back to it by `abandonReplayable`.
 */
import { MicroBatcher, type AddOptions, type Batch, type BatcherOptions, type BatchSettler, type Clock, type FlushReason } from '../../lib/micro-batcher';

/** Records handed from a closing instance to the next one. */
export interface KeptRecords<T> {
  records: T[];
  topic: string | undefined;
}

export class SwitchedBatcher<T> {
  private readonly batcher: MicroBatcher<T>;
  private waiting: { items: readonly T[]; options: AddOptions }[] = [];
  private waitingRecords = 0;
  private held = false;
  /** Set while `takeAll` empties the batcher: batches go here, not out. */
  private taking: KeptRecords<T>[] | undefined;

  constructor(options: BatcherOptions, emit: (batch: Batch<T>, settle: BatchSettler) => void | 'deferred', clock?: Clock) {
    this.batcher = new MicroBatcher<T>(
      options,
      (batch, settle) => {
        if (!this.taking) return emit(batch, settle);
        this.taking.push({ records: batch.records, topic: batch.topic });
      },
      clock,
    );
  }

  /** True while the kill switch holds everything. */
  get engaged(): boolean {
    return this.held;
  }

  /** Records waiting: in the open batch, and kept aside while engaged. */
  get pending(): number {
    return this.batcher.pending + this.waitingRecords;
  }

  get sentBatches(): number {
    return this.batcher.sentBatches;
  }

  add(items: readonly T[], options: AddOptions = {}): void {
    if (!this.held) {
      this.batcher.add(items, options);
      return;
    }
    if (items.length === 0) {
      options.onSettled?.('sent');
      return;
    }
    this.waiting.push({ items, options });
    this.waitingRecords += items.length;
  }

  /** One record, as `add([record], options)`, without the array while not engaged. */
  addOne(item: T, options: AddOptions = {}): void {
    if (!this.held) this.batcher.addOne(item, options);
    else this.add([item], options);
  }

  /** Sends the open batch now; while engaged, sends nothing. */
  flush(reason: FlushReason): boolean {
    return this.batcher.flush(reason);
  }

  /** Drops everything pending, kept-aside records included. Returns how many. */
  discard(): number {
    const waiting = this.takeWaiting();
    let dropped = this.batcher.discard();
    for (const { items, options } of waiting) {
      dropped += items.length;
      options.onSettled?.('discarded');
    }
    return dropped;
  }

  /** Leaves records whose source will send them again to that source (see MicroBatcher). */
  abandonReplayable(): number {
    let abandoned = this.batcher.abandonReplayable();
    const kept: typeof this.waiting = [];
    for (const entry of this.waiting) {
      if (entry.options.replayable?.()) {
        abandoned += entry.items.length;
        this.waitingRecords -= entry.items.length;
        entry.options.onSettled?.('abandoned');
      } else {
        kept.push(entry);
      }
    }
    this.waiting = kept;
    return abandoned;
  }

  stop(): void {
    this.batcher.stop();
  }

  /** The kill switch engaged: hold the open batch, keep new records aside. */
  engage(): void {
    this.held = true;
    this.batcher.hold();
  }

  /** The kill switch released: the held batch goes on, then what was kept aside, in order. */
  release(): void {
    if (!this.held) return;
    this.held = false;
    this.batcher.release();
    for (const { items, options } of this.takeWaiting()) this.batcher.add(items, options);
  }

  /**
   * Takes every pending record out without sending it, for the node's next
   * instance (a redeploy while engaged). They count as sent for the nodes
   * before this one: the next instance has them now.
   */
  takeAll(): KeptRecords<T>[] {
    const taken: KeptRecords<T>[] = [];
    this.taking = taken;
    try {
      this.batcher.release();
      this.batcher.flush('close');
    } finally {
      this.taking = undefined;
      if (this.held) this.batcher.hold();
    }
    for (const { items, options } of this.takeWaiting()) {
      taken.push({ records: items.slice(), topic: options.topic });
      options.onSettled?.('sent');
    }
    return taken;
  }

  private takeWaiting(): { items: readonly T[]; options: AddOptions }[] {
    const waiting = this.waiting;
    this.waiting = [];
    this.waitingRecords = 0;
    return waiting;
  }
}
