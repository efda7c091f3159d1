/**
 * Collects records into batches and hands each batch on when it is full (by
 * count or bytes), when its interval has run since its first record, or when
 * asked to. Every group of records added can carry a callback that runs once
 * all of its records have left in batches (or were discarded): that is how
 * a message's done() and a file offset's commit wait for the batch.
 */

import { timerDelay } from './durations';
import { addShare, groupOf, noShares, settleBatchShares, settleShares, splitReplayable, type AddOptions, type RecordGroup, type Shares } from './record-groups';

export { groupOf, handBackReplayable, settleBatchShares, type AddOptions, type RecordGroup, type SettleOutcome } from './record-groups';

export type FlushReason = 'interval' | 'size' | 'bytes' | 'flush' | 'close';

export interface BatcherOptions {
  /** Time from a batch's first record to its flush; 0 = no timer. */
  intervalMs: number;
  /** Most records in one batch. */
  maxSize: number;
  /** Most bytes in one batch; 0 = no limit. */
  maxBytes: number;
}

export interface Batch<T> {
  records: T[];
  count: number;
  bytes: number;
  reason: FlushReason;
  /** When the first and last records arrived (ms since the epoch). */
  start: number;
  end: number;
  /** 1 for the first batch this batcher sends. */
  seq: number;
  /** The topic every record shares, if they share one. */
  topic: string | undefined;
}

/**
 * Settles the records of a batch that was handed on: "sent", or, when the
 * batch is known not to have arrived, "abandon-replayable" (records whose
 * source can send them again are settled "abandoned", the rest "sent") or
 * "abandon-all" (every source is to read its records again).
 */
export type BatchSettler = (how: 'sent' | 'abandon-replayable' | 'abandon-all') => void;

/** What a batch is made of, by message (see record-groups): for ids per record. */
export type BatchShares = Shares;

/** A full batch set aside while held (it gets its seq when sent), with its shares. */
type HeldBatch<T> = Omit<Batch<T>, 'seq'> & { shares: Shares };

export interface Clock {
  now(): number;
  setTimeout(fn: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
}

export const systemClock: Clock = {
  now: () => Date.now(),
  setTimeout: (fn, ms) => {
    const t = setTimeout(fn, ms);
    t.unref?.();
    return t;
  },
  clearTimeout: (handle) => clearTimeout(handle as NodeJS.Timeout),
};

/** Most records appended with one push(...) call (arguments go on the stack). */
const MAX_SPREAD = 8192;

export class MicroBatcher<T> {
  private records: T[] = [];
  private bytes = 0;
  private shares: Shares = noShares();
  private start = 0;
  private end = 0;
  private topic: string | undefined;
  private mixedTopics = false;
  private timer: unknown;
  private seq = 0;
  private held = false;
  /** Full batches cut while held, sent in order on release. */
  private waiting: HeldBatch<T>[] = [];
  /** Totals for status and stats. */
  sentBatches = 0;
  sentRecords = 0;
  discardedRecords = 0;

  constructor(
    private readonly options: BatcherOptions,
    private readonly emit: (batch: Batch<T>, settle: BatchSettler, shares: BatchShares) => void | 'deferred',
    private readonly clock: Clock = systemClock,
  ) {
    if (!(options.maxSize >= 1)) throw new Error('maxSize must be at least 1');
  }

  /** Records waiting in the open batch (and, while held, in full batches set aside). */
  get pending(): number {
    let n = this.records.length;
    for (const b of this.waiting) n += b.count;
    return n;
  }

  /** Adds records; flushes as many full batches as they fill. */
  add(items: readonly T[], options: AddOptions = {}): void {
    this.addGroup(items, groupOf(items.length, options), options.topic, options.bytes);
  }

  /**
   * Adds records as `group` (its `remaining` set to `items.length`).
   * `bytes`: their total size when the caller knows it.
   */
  addGroup(items: readonly T[], group: RecordGroup, topic: string | undefined, bytes: number | undefined): void {
    if (items.length === 0) {
      group.onSettled?.('sent');
      return;
    }
    const { maxSize, maxBytes } = this.options;
    const knownBytesEach = maxBytes === 0 && bytes !== undefined ? bytes / items.length : -1;
    let i = 0;
    while (i < items.length) {
      if (maxBytes > 0) {
        const size = sizeOf(items[i]);
        if (this.records.length > 0 && this.bytes + size > maxBytes) {
          this.full('bytes');
          continue;
        }
        this.take(items, i, i + 1, size, group, topic);
        i += 1;
        if (this.records.length >= maxSize) this.full('size');
        else if (this.bytes >= maxBytes) this.full('bytes');
        continue;
      }
      const room = maxSize - this.records.length;
      const to = Math.min(items.length, i + room);
      // Rounded from the group's start, so that the parts add up to the known total.
      const part = knownBytesEach >= 0 ? Math.round(knownBytesEach * to) - Math.round(knownBytesEach * i) : sumSizes(items, i, to);
      this.take(items, i, to, part, group, topic);
      i = to;
      if (this.records.length >= maxSize) this.full('size');
    }
  }

  /**
   * Adds one record, as `add([record], options)` does, without the array and
   * the slice (one message per line is the common case, and the costly one).
   */
  addOne(record: T, options: AddOptions = {}): void {
    this.addOneIn(record, groupOf(1, options), options.topic, options.bytes);
  }

  /** Adds one record as `group` (its `remaining` set to 1). */
  addOneIn(record: T, group: RecordGroup, topic: string | undefined, bytes: number | undefined): void {
    if (this.options.maxBytes > 0) {
      this.addGroup([record], group, topic, bytes);
      return;
    }
    this.open(topic);
    this.records.push(record);
    this.bytes += bytes !== undefined ? bytes : sizeOf(record);
    this.shares.groups.push(group);
    this.shares.counts.push(1);
    if (this.records.length >= this.options.maxSize) this.full('size');
  }

  /**
   * True when `group` is the last one in the open batch and one more record
   * would go into that batch too, so that `extend` keeps the group in one
   * batch (with a byte limit the record could start the next one).
   */
  extendable(group: RecordGroup): boolean {
    const groups = this.shares.groups;
    return groups.length > 0 && groups[groups.length - 1] === group && this.options.maxBytes === 0;
  }

  /**
   * Adds one more record to `group`, when it is `extendable` (else adds
   * nothing and returns false). One message per line: a group per run of
   * them rather than an object per message.
   */
  extend(record: T, group: RecordGroup, topic: string | undefined, bytes: number | undefined): boolean {
    if (!this.extendable(group)) return false;
    group.remaining++;
    this.shares.counts[this.shares.counts.length - 1]++;
    this.open(topic);
    this.records.push(record);
    this.bytes += bytes !== undefined ? bytes : sizeOf(record);
    if (this.records.length >= this.options.maxSize) this.full('size');
    return true;
  }

  /** Notes the arrival of records (the batch's first starts it). */
  private open(topic: string | undefined): void {
    const now = this.clock.now();
    if (this.records.length === 0) {
      this.start = now;
      this.topic = topic;
      this.mixedTopics = false;
      this.armTimer();
    } else if (topic !== this.topic) {
      this.mixedTopics = true;
    }
    this.end = now;
  }

  private take(items: readonly T[], from: number, to: number, bytes: number, group: RecordGroup, topic: string | undefined): void {
    this.open(topic);
    // Whole slices where possible: an array of lines costs a copy, not a push per line.
    if (this.records.length === 0) {
      this.records = items.slice(from, to);
    } else if (to - from <= MAX_SPREAD) {
      Array.prototype.push.apply(this.records, items.slice(from, to) as T[]);
    } else {
      for (let i = from; i < to; i++) this.records.push(items[i]);
    }
    this.bytes += bytes;
    addShare(this.shares, group, to - from);
  }

  /** Sends the open batch now, if it has records. While held, keeps it. */
  flush(reason: FlushReason): boolean {
    if (this.records.length === 0 || this.held) return false;
    this.send(this.cut(reason));
    return true;
  }

  /**
   * The open batch is full: sends it, or while held sets it aside for
   * `release` (add must not spin on a flush that cannot happen).
   */
  private full(reason: FlushReason): void {
    if (this.held) this.waiting.push(this.cut(reason));
    else this.flush(reason);
  }

  /** Closes the open batch (a new one starts empty). */
  private cut(reason: FlushReason): HeldBatch<T> {
    const batch = {
      records: this.records,
      count: this.records.length,
      bytes: this.bytes,
      reason,
      start: this.start,
      end: this.end,
      topic: this.mixedTopics ? undefined : this.topic,
    };
    return { ...batch, shares: this.takeOpenBatch() };
  }

  private send(cut: HeldBatch<T>): void {
    const { shares, ...rest } = cut;
    const batch: Batch<T> = { ...rest, seq: ++this.seq };
    this.sentBatches++;
    this.sentRecords += batch.count;
    const settleBatch: BatchSettler = (how) => settleBatchShares(shares, how);
    // The caller may settle later, once it knows the batch was delivered.
    if (this.emit(batch, settleBatch, shares) !== 'deferred') settleBatch('sent');
  }

  /** Drops the open batch; its records count as settled. Returns how many. */
  discard(): number {
    const waiting = this.waiting;
    this.waiting = [];
    let dropped = this.records.length;
    for (const b of waiting) dropped += b.count;
    const shares = this.takeOpenBatch();
    this.discardedRecords += dropped;
    for (const b of waiting) settleShares(b.shares, 'discarded');
    settleShares(shares, 'discarded');
    return dropped;
  }

  /**
   * Ends the open batch when what comes after it is stopping too, so a batch
   * sent now would be lost: records whose source can replay them are not
   * sent (settled "abandoned"); the others are sent anyway, as the best that
   * can be done for them. Returns how many records were abandoned.
   */
  abandonReplayable(): number {
    if (this.records.length === 0) return 0;
    const { kept: keptRecords, keptShares, replayable: abandoned } = splitReplayable(this.records, this.shares);
    const abandonedCount = this.records.length - keptRecords.length;
    this.records = keptRecords;
    this.shares = keptShares;
    if (keptRecords.length === 0) this.takeOpenBatch();
    else this.bytes = Math.round((this.bytes * keptRecords.length) / (keptRecords.length + abandonedCount));
    for (const group of abandoned.groups) group.abandoned = true;
    settleShares(abandoned, 'abandoned');
    return abandonedCount;
  }

  private takeOpenBatch(): Shares {
    this.clock.clearTimeout(this.timer);
    this.timer = undefined;
    const shares = this.shares;
    this.records = [];
    this.bytes = 0;
    this.shares = noShares();
    return shares;
  }

  /** While held nothing is sent; records wait until `release`. */
  hold(): void {
    this.held = true;
  }

  release(): void {
    if (!this.held) return;
    this.held = false;
    // Full batches set aside while held go first, in order.
    while (!this.held && this.waiting.length > 0) this.send(this.waiting.shift()!);
    // A batch whose time ran out while held goes at once (there is no time with no interval).
    if (this.records.length > 0 && this.options.intervalMs > 0 && this.timer === undefined) this.flush('interval');
    else if (this.records.length >= this.options.maxSize) this.flush('size');
  }

  /** Stops the timer; the caller flushes with reason "close" first if it wants. */
  stop(): void {
    this.clock.clearTimeout(this.timer);
    this.timer = undefined;
  }

  private armTimer(): void {
    if (this.options.intervalMs <= 0) return;
    this.timer = this.clock.setTimeout(() => {
      this.timer = undefined;
      this.flush('interval');
    }, timerDelay(this.options.intervalMs));
  }
}

/** Bytes a record counts for: UTF-8 size of text, length of buffers, JSON size of the rest. */
export function sizeOf(record: unknown): number {
  if (typeof record === 'string') return Buffer.byteLength(record);
  if (Buffer.isBuffer(record)) return record.length;
  if (record === undefined || record === null) return 0;
  try {
    return Buffer.byteLength(JSON.stringify(record) ?? '');
  } catch {
    return 0; // circular: counts for nothing rather than failing the flow
  }
}

function sumSizes(items: readonly unknown[], from: number, to: number): number {
  let total = 0;
  for (let i = from; i < to; i++) total += sizeOf(items[i]);
  return total;
}
