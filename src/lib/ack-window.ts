/**
 * Batches sent and not yet acknowledged, in `ack` delivery: at most
 * `maxInFlight` of them are out at once (the rest wait in order); each is
 * sent again, whole and under the same id, after a failure or a timeout,
 * with a backoff; after `retries` failed attempts (0: never) it is given up.
 * A batch's records are settled (their lines committed) only once it is
 * acknowledged or given up, so a checkpoint never passes an unacknowledged
 * line.
 */
import { timerDelay } from './durations';
import type { Clock } from './micro-batcher';

export interface AckWindowOptions {
  /** A batch not acknowledged this long after a send counts as failed. */
  ackTimeoutMs: number;
  /** Batches sent and not yet acknowledged (waiting retries included). */
  maxInFlight: number;
  /** Failed attempts before a batch is given up; 0 = retry for ever. */
  retries: number;
  /** First backoff; it doubles after each failure up to `maxBackoffMs`. */
  initialBackoffMs?: number;
  maxBackoffMs?: number;
  /**
   * An acknowledgement becomes final this long after it came: a failure
   * reported for the same batch meanwhile still counts (Node-RED's file node
   * signals success a moment before it reports the error).
   */
  confirmMs?: number;
}

export const DEFAULT_INITIAL_BACKOFF_MS = 1_000;
export const DEFAULT_MAX_BACKOFF_MS = 60_000;
export const DEFAULT_CONFIRM_MS = 50;
/** Settled ids remembered, so that a second answer for one is not taken for a stranger's. */
const REMEMBERED_SETTLED = 1024;

/** How a batch's records are settled: delivered, or handed back to sources that read them again. */
export type WindowSettle = 'delivered' | 'abandon-replayable' | 'abandon-all';

/** One attempt to send a batch, as the window asks for it. */
export interface Attempt<B> {
  readonly id: string;
  /** 1 for the first send. */
  readonly attempt: number;
  readonly batch: B;
}

export interface AckWindowEvents<B> {
  /** Send this attempt now. */
  send(attempt: Attempt<B>): void;
  /** The batch failed its last allowed attempt: it leaves on the "given up" output. */
  giveUp(attempt: Attempt<B>, reason: string): void;
  /**
   * The batch was acknowledged; it settles once the acknowledgement is final
   * (after confirmMs), and is sent again if a failure comes meanwhile.
   */
  acked?(batch: B): void;
  /** An attempt failed (an answer or a timeout); a retry or the give-up follows. */
  failed?(attempt: Attempt<B>, reason: string): void;
  /** Something shown in the status changed. */
  changed(): void;
}

/** What became of an answer (see AckWindow.answer). */
export type AnswerResult = 'acked' | 'failed' | 'settled-before' | 'unknown';

type State = 'queued' | 'sent' | 'waiting' | 'confirming';

interface Entry<B> {
  id: string;
  batch: B;
  settle: (how: WindowSettle) => void;
  attempt: number;
  state: State;
  /** The first send, for the age of the oldest unacknowledged batch. */
  firstSentAt: number;
  timer: unknown;
  retryAt: number;
  /** Its records were settled already (a stop handed them back): answers no longer settle them. */
  settled: boolean;
  /** The attempt a failure answer came for (not a timeout): a success for it after that does not count. */
  failedAttempt: number;
}

export interface WindowCounts {
  /** Sent and not yet acknowledged or given up (waiting retries included). */
  inFlight: number;
  /** Cut and waiting for room in the window. */
  queued: number;
  acked: number;
  failed: number;
  retries: number;
  givenUp: number;
  /** First sends (attempt 1). */
  sent: number;
}

/**
 * Batch ids unique across restarts: the time this instance began and a
 * random part, then a count. The part before the last "-" names the window.
 */
export class BatchIds {
  readonly prefix: string;
  private count = 0;

  constructor(now = Date.now(), random: () => number = Math.random) {
    const rand = Math.floor(random() * 0x1_0000_0000).toString(36).padStart(7, '0');
    this.prefix = `${now.toString(36)}-${rand}`;
  }

  next(): string {
    return `${this.prefix}-${(++this.count).toString(36)}`;
  }
}

/** The window part of a batch id (see BatchIds), or undefined when it has none. */
export function windowOfBatchId(id: string): string | undefined {
  const dash = id.lastIndexOf('-');
  return dash > 0 ? id.slice(0, dash) : undefined;
}

/** Delay before attempt `failed + 1`: doubling from `initialMs`, at most `maxMs`, jittered to 50–100 %. */
export function backoffDelay(failed: number, initialMs: number, maxMs: number, random: () => number = Math.random): number {
  const full = Math.min(maxMs, initialMs * 2 ** Math.min(30, Math.max(0, failed - 1)));
  return Math.round(full * (0.5 + random() * 0.5));
}

export class AckWindow<B> {
  private readonly entries = new Map<string, Entry<B>>();
  private readonly queue: Entry<B>[] = [];
  private readonly ids: BatchIds;
  private readonly settledIds = new Set<string>();
  private held = false;
  /** Sent or waiting to be sent again: what counts against maxInFlight. */
  private unacked = 0;
  private readonly totals: Omit<WindowCounts, 'inFlight' | 'queued'> = { acked: 0, failed: 0, retries: 0, givenUp: 0, sent: 0 };
  lastFailure: { at: number; reason: string } | undefined;

  constructor(
    readonly options: Readonly<AckWindowOptions>,
    private readonly events: AckWindowEvents<B>,
    private readonly clock: Clock,
    ids?: BatchIds,
    private readonly random: () => number = Math.random,
  ) {
    if (!(options.maxInFlight >= 1)) throw new Error('maxInFlight must be at least 1');
    if (!(options.ackTimeoutMs > 0)) throw new Error('ackTimeoutMs must be above 0');
    if (!(options.retries >= 0)) throw new Error('retries must be 0 or more');
    this.ids = ids ?? new BatchIds(clock.now(), random);
  }

  /** The id prefix of this window's batches (see windowOfBatchId). */
  get name(): string {
    return this.ids.prefix;
  }

  get counts(): WindowCounts {
    return { ...this.totals, inFlight: this.unacked, queued: this.queue.length };
  }

  /** When the oldest batch not yet acknowledged was first sent, if any. */
  oldestUnackedAt(): number | undefined {
    let oldest: number | undefined;
    for (const entry of this.entries.values()) {
      if (entry.state === 'queued' || entry.state === 'confirming') continue;
      if (oldest === undefined || entry.firstSentAt < oldest) oldest = entry.firstSentAt;
    }
    return oldest;
  }

  /** The retry due soonest: when, and which attempt it will be. */
  nextRetry(): { at: number; attempt: number } | undefined {
    let next: { at: number; attempt: number } | undefined;
    for (const entry of this.entries.values()) {
      if (entry.state !== 'waiting') continue;
      if (next === undefined || entry.retryAt < next.at) next = { at: entry.retryAt, attempt: entry.attempt + 1 };
    }
    return next;
  }

  /**
   * A batch cut by the batcher: sent now if the window has room, else when
   * it has. `settle` runs once, when it is acknowledged or given up (or
   * handed back, see `handBack`, `close`). Returns its id.
   */
  submit(batch: B, settle: (how: WindowSettle) => void): string {
    const id = this.ids.next();
    const entry: Entry<B> = { id, batch, settle, attempt: 0, state: 'queued', firstSentAt: 0, timer: undefined, retryAt: 0, settled: false, failedAttempt: 0 };
    this.entries.set(id, entry);
    this.queue.push(entry);
    this.pump();
    return id;
  }

  /**
   * An answer for batch `id`: success, or a failure with `reason`.
   * `attempt`, when known, is the attempt the answer is for: a failure of
   * an attempt older than the last one sent is stale and ignored.
   */
  answer(id: string, ok: boolean, reason: string, attempt?: number): AnswerResult {
    const entry = this.entries.get(id);
    if (!entry || entry.state === 'queued') return this.settledIds.has(id) ? 'settled-before' : 'unknown';
    if (ok) {
      if (entry.state === 'confirming') return 'acked';
      // Its failure came first (Node-RED's file node reports the error, then passes the message on).
      if (entry.state === 'waiting' && entry.failedAttempt === (attempt ?? entry.attempt)) return 'failed';
      this.clearTimer(entry);
      this.totals.acked++;
      this.unacked--;
      entry.state = 'confirming';
      entry.timer = this.clock.setTimeout(() => this.finish(entry, 'delivered'), timerDelay(this.options.confirmMs ?? DEFAULT_CONFIRM_MS));
      if (!entry.settled) this.events.acked?.(entry.batch);
      this.retryWaitingNow();
      this.pump();
      this.events.changed();
      return 'acked';
    }
    if (attempt !== undefined && attempt < entry.attempt) return 'failed';
    if (entry.state === 'waiting') return 'failed'; // this attempt's failure is known already
    if (entry.state === 'confirming') {
      // A failure right after a success: the failure wins.
      this.clearTimer(entry);
      this.totals.acked--;
      this.unacked++;
    }
    entry.failedAttempt = entry.attempt;
    this.fail(entry, reason);
    return 'failed';
  }

  /** While held (the kill switch), nothing is sent: neither new batches nor retries. */
  hold(): void {
    this.held = true;
    this.events.changed();
  }

  release(): void {
    if (!this.held) return;
    this.held = false;
    for (const entry of [...this.entries.values()]) if (entry.state === 'waiting' && entry.timer === undefined) this.resend(entry);
    this.pump();
    this.events.changed();
  }

  /** The batches not yet acknowledged or given up, oldest first. */
  unsettled(): B[] {
    const out: B[] = [];
    for (const entry of this.entries.values()) if (entry.state !== 'confirming') out.push(entry.batch);
    return out;
  }

  /**
   * The node is closing: every batch still here is dropped, settled as
   * `how`. Returns them, oldest first, for whoever keeps what no source can
   * read again.
   */
  close(how: Exclude<WindowSettle, 'delivered'>): B[] {
    const left: B[] = [];
    for (const entry of this.entries.values()) {
      this.clearTimer(entry);
      if (entry.state !== 'confirming') left.push(entry.batch);
      this.settleOnce(entry, entry.state === 'confirming' ? 'delivered' : how);
    }
    this.entries.clear();
    this.queue.length = 0;
    this.unacked = 0;
    return left;
  }

  private pump(): void {
    while (!this.held && this.queue.length > 0 && this.unacked < this.options.maxInFlight) {
      const entry = this.queue.shift()!;
      this.unacked++;
      entry.firstSentAt = this.clock.now();
      this.totals.sent++;
      this.dispatch(entry);
    }
  }

  private dispatch(entry: Entry<B>): void {
    entry.attempt++;
    entry.state = 'sent';
    entry.timer = this.clock.setTimeout(() => {
      entry.timer = undefined;
      this.fail(entry, `no acknowledgement within ${formatSeconds(this.options.ackTimeoutMs)}`);
    }, timerDelay(this.options.ackTimeoutMs));
    this.events.send({ id: entry.id, attempt: entry.attempt, batch: entry.batch });
    this.events.changed();
  }

  private fail(entry: Entry<B>, reason: string): void {
    this.clearTimer(entry);
    this.totals.failed++;
    this.lastFailure = { at: this.clock.now(), reason };
    this.events.failed?.({ id: entry.id, attempt: entry.attempt, batch: entry.batch }, reason);
    if (this.options.retries > 0 && entry.attempt >= this.options.retries) {
      this.totals.givenUp++;
      this.unacked--;
      this.events.giveUp({ id: entry.id, attempt: entry.attempt, batch: entry.batch }, reason);
      this.finish(entry, 'delivered');
      this.pump();
      this.events.changed();
      return;
    }
    entry.state = 'waiting';
    const delay = backoffDelay(entry.attempt, this.options.initialBackoffMs ?? DEFAULT_INITIAL_BACKOFF_MS, this.options.maxBackoffMs ?? DEFAULT_MAX_BACKOFF_MS, this.random);
    entry.retryAt = this.clock.now() + delay;
    entry.timer = this.clock.setTimeout(() => {
      entry.timer = undefined;
      if (!this.held) this.resend(entry);
    }, timerDelay(delay));
    this.events.changed();
  }

  /**
   * The destination answered with a success: it is back, so batches waiting
   * out a backoff go now rather than up to a minute later.
   */
  private retryWaitingNow(): void {
    if (this.held) return;
    for (const entry of this.entries.values()) {
      if (entry.state !== 'waiting' || entry.timer === undefined) continue;
      this.clearTimer(entry);
      this.resend(entry);
    }
  }

  private resend(entry: Entry<B>): void {
    this.totals.retries++;
    this.dispatch(entry);
  }

  private finish(entry: Entry<B>, how: WindowSettle): void {
    this.clearTimer(entry);
    this.entries.delete(entry.id);
    this.rememberSettled(entry.id);
    this.settleOnce(entry, how);
  }

  private settleOnce(entry: Entry<B>, how: WindowSettle): void {
    if (entry.settled) return;
    entry.settled = true;
    entry.settle(how);
  }

  private rememberSettled(id: string): void {
    this.settledIds.add(id);
    if (this.settledIds.size > REMEMBERED_SETTLED) this.settledIds.delete(this.settledIds.values().next().value as string);
  }

  private clearTimer(entry: Entry<B>): void {
    if (entry.timer === undefined) return;
    this.clock.clearTimeout(entry.timer);
    entry.timer = undefined;
  }
}

function formatSeconds(ms: number): string {
  return `${Math.round(ms / 100) / 10} s`;
}

/**
 * The windows of one runtime by name, so that a batch-ack node reaches the
 * micro-batch that sent a batch, on whichever flow it is.
 */
export class AckRouter {
  private readonly windows = new Map<string, { answer: AckWindow<unknown>['answer'] }>();

  add(window: { name: string; answer: AckWindow<unknown>['answer'] }): () => void {
    const name = window.name;
    const entry = { answer: window.answer.bind(window) };
    this.windows.set(name, entry);
    return () => {
      if (this.windows.get(name) === entry) this.windows.delete(name);
    };
  }

  answer(id: string, ok: boolean, reason: string, attempt?: number): AnswerResult {
    const name = windowOfBatchId(id);
    const window = name === undefined ? undefined : this.windows.get(name);
    return window ? window.answer(id, ok, reason, attempt) : 'unknown';
  }
}
