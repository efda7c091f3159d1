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
import { MicroBatcher, type AddOptions, type Batch, type BatcherOptions, type BatchSettler, type BatchShares, type Clock, type FlushReason, type RecordGroup, groupOf } from '../../lib/index';

/** Records kept aside while engaged, as they came. */
interface Kept<T> {
  items: readonly T[];
  group: RecordGroup;
  topic: string | undefined;
  bytes: number | undefined;
}

/** Records handed from a closing instance to the next one. */
export interface KeptRecords<T> {
  records: T[];
  topic: string | undefined;
}

export class SwitchedBatcher<T> {
  private readonly batcher: MicroBatcher<T>;
  private waiting: Kept<T>[] = [];
  private waitingRecords = 0;
  private held = false;
  /** Set while `takeAll` empties the batcher: batches go here, not out. */
  private taking: KeptRecords<T>[] | undefined;

  constructor(options: BatcherOptions, emit: (batch: Batch<T>, settle: BatchSettler, shares: BatchShares) => void | 'deferred', clock?: Clock) {
    this.batcher = new MicroBatcher<T>(
      options,
      (batch, settle, shares) => {
        if (!this.taking) return emit(batch, settle, shares);
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

  get sentRecords(): number {
    return this.batcher.sentRecords;
  }

  get sentBatches(): number {
    return this.batcher.sentBatches;
  }

  add(items: readonly T[], options: AddOptions = {}): void {
    this.addGroup(items, groupOf(items.length, options), options.topic, options.bytes);
  }

  /** Records as `group` (see MicroBatcher.addGroup). */
  addGroup(items: readonly T[], group: RecordGroup, topic: string | undefined, bytes: number | undefined): void {
    if (!this.held) {
      this.batcher.addGroup(items, group, topic, bytes);
      return;
    }
    if (items.length === 0) {
      group.onSettled?.('sent');
      return;
    }
    this.waiting.push({ items, group, topic, bytes });
    this.waitingRecords += items.length;
  }

  /** One record, as `add([record], options)`, without the array while not engaged. */
  addOne(item: T, options: AddOptions = {}): void {
    this.addOneIn(item, groupOf(1, options), options.topic, options.bytes);
  }

  /** One record as `group` (see MicroBatcher.addOneIn). */
  addOneIn(item: T, group: RecordGroup, topic: string | undefined, bytes: number | undefined): void {
    if (!this.held) this.batcher.addOneIn(item, group, topic, bytes);
    else this.addGroup([item], group, topic, bytes);
  }

  /** See MicroBatcher.extendable; never while engaged (records are kept aside then). */
  extendable(group: RecordGroup): boolean {
    return !this.held && this.batcher.extendable(group);
  }

  /** One more record for `group` (see MicroBatcher.extend); never while engaged. */
  extend(item: T, group: RecordGroup, topic: string | undefined, bytes: number | undefined): boolean {
    return !this.held && this.batcher.extend(item, group, topic, bytes);
  }

  /** Sends the open batch now; while engaged, sends nothing. */
  flush(reason: FlushReason): boolean {
    return this.batcher.flush(reason);
  }

  /** Drops everything pending, kept-aside records included. Returns how many. */
  discard(): number {
    const waiting = this.takeWaiting();
    let dropped = this.batcher.discard();
    for (const { items, group } of waiting) {
      dropped += items.length;
      group.onSettled?.('discarded');
    }
    return dropped;
  }

  /** Leaves records whose source will send them again to that source (see MicroBatcher). */
  abandonReplayable(): number {
    let abandoned = this.batcher.abandonReplayable();
    const kept: typeof this.waiting = [];
    for (const entry of this.waiting) {
      if (entry.group.replayable?.()) {
        abandoned += entry.items.length;
        this.waitingRecords -= entry.items.length;
        entry.group.onSettled?.('abandoned');
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
    for (const { items, group, topic, bytes } of this.takeWaiting()) this.batcher.addGroup(items, group, topic, bytes);
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
    for (const { items, group, topic } of this.takeWaiting()) {
      taken.push({ records: items.slice(), topic });
      group.onSettled?.('sent');
    }
    return taken;
  }

  private takeWaiting(): Kept<T>[] {
    const waiting = this.waiting;
    this.waiting = [];
    this.waitingRecords = 0;
    return waiting;
  }
}
