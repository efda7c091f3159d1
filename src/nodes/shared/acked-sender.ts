/**
 * micro-batch's `ack` delivery: wires an acknowledgement window (src/lib/
 * ack-window) to the node's outputs, status and log. A batch goes out on
 * the first output and counts as delivered only when a batch-ack node
 * answers for it; one given up leaves on the second output.
 */
import type { NodeAPI, Node, NodeMessage, NodeStatus } from './red';
import type { BatcherView } from './batcher-view';
import type { KeptRecords } from './switched-batcher';
import { AckWindow, systemClock, batchRecordStarts, recordIdsOf, handBackReplayable, settleBatchShares, type AckRouter, type Attempt, type Batch, type BatchShares, type BatchStarts, type RecordGroup, type RecordStarts } from '../../lib/index';

export interface AckSettings {
  ackTimeoutMs: number;
  maxInFlight: number;
  retries: number;
}

/** A group of records that may know where they start in their file, and whether a source ticketed them. */
export interface OriginGroup extends RecordGroup {
  readonly origin?: RecordStarts;
  /** `count` of its records are in a batch that was acknowledged (not yet final). */
  acked?(count: number): void;
  /** True when a file source sent the records (it reads them again after a restart). */
  readonly fromSource?: boolean;
}

interface Outgoing {
  batch: Batch<unknown>;
  /** Which group's records are where in the batch. */
  readonly layout: BatchShares;
  /** The groups not yet settled (a stopping source takes its own back early). */
  shares: BatchShares;
  /** Where its records start, when all came from files: their ids, made when first read. */
  starts: BatchStarts | undefined;
  ids: string[] | undefined;
}


export class AckedSender {
  readonly window: AckWindow<Outgoing>;
  private readonly warned = new Set<string>();
  private acksAtLastWarning: number | undefined;
  private readonly stopRouting: () => void;

  constructor(
    private readonly RED: NodeAPI,
    private readonly node: Node,
    settings: AckSettings,
    router: AckRouter,
    changed: () => void,
  ) {
    this.window = new AckWindow<Outgoing>(
      settings,
      {
        send: (attempt) => node.send(this.message(attempt)),
        // Acknowledged, not final yet: the sources may read on (their lines commit once it is).
        acked: (outgoing) => {
          const { groups, counts } = outgoing.shares;
          for (let s = 0; s < groups.length; s++) (groups[s] as OriginGroup).acked?.(counts[s]);
        },
        giveUp: (attempt, reason) => {
          const msg = this.message(attempt);
          (msg.batch as Record<string, unknown>).givenUp = true;
          (msg.batch as Record<string, unknown>).error = reason;
          node.warn(RED._('micro-batch.warnings.givenUp', { id: attempt.id, attempts: attempt.attempt, reason }));
          node.send([null, msg]);
        },
        failed: (attempt, reason) => {
          this.acksAtLastWarning ??= this.window.counts.acked;
          this.warnOnce(reason, RED._('micro-batch.warnings.failed', { id: attempt.id, attempt: attempt.attempt, reason }));
        },
        changed: () => {
          // Warnings start again after an acknowledgement: a new outage is news.
          if (this.acksAtLastWarning !== undefined && this.window.counts.acked > this.acksAtLastWarning) {
            this.warned.clear();
            this.acksAtLastWarning = undefined;
          }
          changed();
        },
      },
      systemClock,
    );
    this.stopRouting = router.add(this.window as AckWindow<unknown>);
  }

  /** A batch the batcher cut: into the window, with an id per record when all came from files. */
  submit(batch: Batch<unknown>, shares: BatchShares): void {
    const starts = batchRecordStarts(shares.groups as OriginGroup[], shares.counts);
    const outgoing: Outgoing = { batch, layout: shares, shares, starts, ids: undefined };
    this.window.submit(outgoing, (how) => settleBatchShares(outgoing.shares, how === 'delivered' ? 'sent' : how));
  }

  /** Sources that are stopping read their unacknowledged lines again: they must not wait for answers. */
  handBackReplayable(): void {
    for (const outgoing of this.window.unsettled()) outgoing.shares = handBackReplayable(outgoing.shares);
  }

  /**
   * The node closes: batches not acknowledged are dropped, their lines read
   * again by their sources. Returns the records no source can read again.
   */
  close(): KeptRecords<unknown>[] {
    this.stopRouting();
    const left: KeptRecords<unknown>[] = [];
    for (const outgoing of this.window.unsettled()) {
      const { groups, counts } = outgoing.layout;
      let at = 0;
      for (let s = 0; s < groups.length; s++) {
        if (!(groups[s] as OriginGroup).fromSource) left.push({ records: outgoing.batch.records.slice(at, at + counts[s]), topic: outgoing.batch.topic });
        at += counts[s];
      }
    }
    this.window.close('abandon-all');
    return left;
  }

  /** The status while batches are out, or undefined when none is. */
  status(): NodeStatus | undefined {
    const retry = this.window.nextRetry();
    if (retry) {
      const seconds = Math.max(0, Math.ceil((retry.at - Date.now()) / 1000));
      return { fill: 'yellow', shape: 'ring', text: this.RED._('micro-batch.status.retry', { attempt: retry.attempt, seconds }) };
    }
    const inFlight = this.window.counts.inFlight;
    if (inFlight > 0) return { fill: 'blue', shape: 'ring', text: this.RED._('micro-batch.status.inFlight', { count: inFlight }) };
    return undefined;
  }

  view(): Omit<BatcherView, 'pending' | 'held' | 'sentRecords'> {
    const counts = this.window.counts;
    const oldest = this.window.oldestUnackedAt();
    const retry = this.window.nextRetry();
    const last = this.window.lastFailure;
    return {
      delivery: 'ack',
      sent: counts.sent,
      inFlight: counts.inFlight,
      acked: counts.acked,
      failed: counts.failed,
      retries: counts.retries,
      givenUp: counts.givenUp,
      oldestUnackedMs: oldest === undefined ? 0 : Date.now() - oldest,
      ...(last && { lastFailure: { at: new Date(last.at).toISOString(), reason: last.reason } }),
      ...(retry && { nextRetry: { at: new Date(retry.at).toISOString(), attempt: retry.attempt } }),
    };
  }

  /** Warns once per cause (a failure reason, a timeout) until the next acknowledgement. */
  warnOnce(key: string, text: string): void {
    if (this.warned.has(key)) return;
    this.warned.add(key);
    this.node.warn(text);
  }

  private message({ id, attempt, batch: outgoing }: Attempt<Outgoing>): NodeMessage {
    const { batch } = outgoing;
    // A copy per attempt: a node after this one may change the array it got.
    const info: Record<string, unknown> = { id, attempt, count: batch.count, bytes: batch.bytes, reason: batch.reason, start: batch.start, end: batch.end, seq: batch.seq };
    if (outgoing.starts !== undefined) defineIds(info, outgoing);
    const msg: NodeMessage = { payload: batch.records.slice(), batch: info };
    if (batch.topic !== undefined) msg.topic = batch.topic;
    return msg;
  }
}

/**
 * msg.batch.ids, made when something first reads it (a destination that
 * stores by id), from the batch's own records: a flow that never reads them
 * pays nothing per record. Made once per batch (a retry reuses them), and a
 * copy per message, as the payload.
 */
function defineIds(info: Record<string, unknown>, outgoing: Outgoing): void {
  Object.defineProperty(info, 'ids', {
    configurable: true,
    enumerable: true,
    get() {
      outgoing.ids ??= recordIdsOf(outgoing.batch.records, outgoing.starts!);
      const ids = outgoing.ids.slice();
      Object.defineProperty(info, 'ids', { configurable: true, enumerable: true, writable: true, value: ids });
      return ids;
    },
    set(value: unknown) {
      Object.defineProperty(info, 'ids', { configurable: true, enumerable: true, writable: true, value });
    },
  });
}
