/**
 * The micro-batch node: messages in, arrays of records out. Batching itself
 * is the engine's (src/lib/micro-batcher); this adapter maps messages to
 * records, calls done() when a message's records have left, and settles
 * the delivery tickets of file-tail nodes wired before it (see
 * src/lib/ingest-ticket).
 */
import type { NodeAPI, Node, NodeDef, NodeMessage, NodeStatus, DoneFn } from '../shared/red';
import { SettingsReader, checkNumber, compactCount, numberOr, readTyped, type NumberRule } from '../shared/config';
import { ThrottledStatus } from '../shared/status';
import { BatchIds, readTicket, recordStartsOf, releaseTicket, settleTicket, sourceNodeId, type Batch, type BatchSettler, type BatchShares, type RecordStarts, type SettleOutcome, type Ticket } from '../../lib/index';
import { AckedSender, type OriginGroup } from '../shared/acked-sender';
import type { BatcherView } from '../shared/batcher-view';
import { followKillSwitch } from '../shared/switch-control';
import { SwitchedBatcher, type KeptRecords } from '../shared/switched-batcher';
import { runtimeOf } from '../shared/runtime';
import type { SendingNode } from '../shared/delivery-watch';

interface MicroBatchDef extends NodeDef {
  interval?: number | string;
  maxSize?: number | string;
  maxBytes?: number | string;
  /** `num` (absent in flows saved before they existed) or `env`. */
  intervalType?: string;
  maxSizeType?: string;
  maxBytesType?: string;
  keepArrays?: boolean;
  killSwitch?: string;
  /** `next-node` (absent in flows saved before it existed) or `ack`. */
  delivery?: string;
  ackTimeout?: number | string;
  ackTimeoutType?: string;
  maxInFlight?: number | string;
  maxInFlightType?: string;
  retries?: number | string;
  retriesType?: string;
}

type NumberSetting = 'interval' | 'maxSize' | 'maxBytes' | 'ackTimeout' | 'maxInFlight' | 'retries';

/** What the messages of one node share, for their receipts. */
interface ReceiptDesk {
  settle(ticket: Ticket, outcome: SettleOutcome, messages: number): void;
  /** Ack mode: the messages' batch was acknowledged (see DeliveryTracker.release). */
  release(ticket: Ticket, messages: number): void;
  replayable(source: string): boolean;
}

/**
 * The records of one message in the batcher, or of a run of one-record
 * messages with the same ticket in the same batch: calls each message's
 * done() and settles their ticket once the records have left. Its methods
 * are on the prototype, and a run of messages shares one (no object or
 * closure per message).
 */
class MessageReceipt implements OriginGroup {
  remaining = 1;
  abandoned = false;
  /** Records in the group when it holds an array (a run has one per message). */
  records = 0;
  /** Ack mode: its records in acknowledged batches so far. */
  private ackedRecords = 0;
  private dones: DoneFn[];

  constructor(
    private readonly desk: ReceiptDesk,
    done: DoneFn,
    readonly ticket: Ticket | undefined,
    /** In ack mode, where its records start in their file (for their ids). */
    readonly origin: RecordStarts | undefined,
  ) {
    this.dones = [done];
  }

  get fromSource(): boolean {
    return this.ticket !== undefined;
  }

  /** One more message of the run (its record goes into the group next). */
  alsoFor(done: DoneFn): void {
    this.dones.push(done);
  }

  /**
   * True when a record starting as `starts` says may join the run: in ack
   * mode, every record of a run has its start, in the same file.
   */
  fits(starts: RecordStarts | undefined): boolean {
    if (this.origin === undefined) return starts === undefined;
    if (starts === undefined || starts.fileKey !== this.origin.fileKey) return false;
    this.origin.starts.push(starts.starts[0]);
    return true;
  }

  /** Ack mode: once every record is in an acknowledged batch, the ticket's lines free their credit. */
  acked(count: number): void {
    if (this.ticket === undefined || this.dones.length === 0) return;
    this.ackedRecords += count;
    if (this.ackedRecords === (this.records || this.dones.length)) this.desk.release(this.ticket, this.dones.length);
  }

  onSettled(outcome: SettleOutcome): void {
    const dones = this.dones;
    // Let go of the messages: the node keeps the last receipt until the next message comes.
    this.dones = [];
    if (this.ticket !== undefined) this.desk.settle(this.ticket, outcome, dones.length);
    for (let i = 0; i < dones.length; i++) dones[i]();
  }

  /** A stopping file-tail reads its unsent lines again when it restarts. */
  replayable(): boolean {
    return this.ticket !== undefined && this.desk.replayable(this.ticket.source);
  }
}

export default function register(RED: NodeAPI): void {
  const runtime = runtimeOf(RED);
  const { ledger, stops, receipts, handover } = runtime;

  function MicroBatchNode(this: Node, def: MicroBatchDef): void {
    RED.nodes.createNode(this, def);
    const node = this;
    const leave = runtime.join();
    const status = new ThrottledStatus(node);
    const settings = new SettingsReader(RED, node);
    /**
     * A number setting, typed or from an environment variable: the text is
     * checked against `rule` (a bad value is warned about, and the default used).
     */
    function setting(prop: NumberSetting, rule: NumberRule): number {
      const read = readTyped(RED, node, def[prop], def[`${prop}Type`], 'num');
      if (read.env === undefined) return settings.number(prop, def[prop], rule);
      const checked = checkNumber(read.text, rule);
      if (checked.ok === true) return checked.value;
      const label = RED._(`micro-batch.label.${prop}`);
      node.warn(RED._('micro-batch.warnings.envNumber', { prop: label, name: read.env, value: read.text, fallback: rule.fallback }));
      return rule.fallback;
    }
    const maxSize = setting('maxSize', { fallback: 10_000, min: 1, integer: true });
    const delivery = settings.option('delivery', def.delivery, ['next-node', 'ack'] as const, 'next-node');
    const acked =
      delivery === 'ack'
        ? new AckedSender(
            RED,
            node,
            {
              ackTimeoutMs: settings.clampSeconds('ackTimeout', setting('ackTimeout', { fallback: 30, min: 0, aboveMin: true })),
              maxInFlight: setting('maxInFlight', { fallback: 4, min: 1, integer: true }),
              retries: setting('retries', { fallback: 0, min: 0, integer: true }),
            },
            runtime.acks,
            () => showStatus(),
          )
        : undefined;
    const batchIds = acked ? undefined : new BatchIds();
    const keepArrays = def.keepArrays === true;
    const maxBuffered = numberOr(RED.settings.nodeMessageBufferMaxLength, 0);
    const wiredTo = def.wires?.[0] ?? [];
    const sender: SendingNode = node;
    // Sources wired to this node size their credit from it (see line-output): in ack mode, every batch of the window.
    runtime.batchSizes.set(node.id, acked ? maxSize * acked.window.options.maxInFlight : maxSize);
    if (acked) warnWithoutBatchAck();

    const batcher = new SwitchedBatcher<unknown>(
      {
        intervalMs: settings.clampSeconds('interval', setting('interval', { fallback: 5, min: 0 })),
        maxSize,
        maxBytes: setting('maxBytes', { fallback: 0, min: 0, integer: true }),
      },
      (batch, settle, shares) => sendBatch(batch, settle, shares),
    );

    /** In ack mode, a deploy with no batch-ack node anywhere: every batch would time out. */
    function warnWithoutBatchAck(): void {
      const eachNode = RED.nodes.eachNode;
      if (!eachNode) return;
      let found = false;
      eachNode((n) => {
        if (n.type === 'batch-ack') found = true;
      });
      if (!found) node.warn(RED._('micro-batch.warnings.noBatchAck'));
    }

    /**
     * A batch counts as delivered (and its lines as committed) only once the
     * node after this one has received it: one dropped because a stop began
     * before its delivery goes back to a source that can read it again.
     */
    function sendBatch(batch: Batch<unknown>, settle: BatchSettler, shares: BatchShares): 'deferred' {
      if (acked) {
        // Delivered once a batch-ack answers for it (see acked-sender).
        acked.submit(batch, shares);
        showStatus();
        return 'deferred';
      }
      const msg: NodeMessage = {
        payload: batch.records,
        batch: { id: batchIds!.next(), attempt: 1, count: batch.count, bytes: batch.bytes, reason: batch.reason, start: batch.start, end: batch.end, seq: batch.seq },
      };
      if (batch.topic !== undefined) msg.topic = batch.topic;
      receipts.send(msg, sender, wiredTo[0], (arrived) => settle(arrived ? 'sent' : 'abandon-replayable'));
      showStatus();
      return 'deferred';
    }

    /** Formatted only when the status is really shown (one function, not one per message). */
    function currentStatus(): NodeStatus {
      if (batcher.engaged) return { fill: 'yellow', shape: 'dot', text: RED._('micro-batch.status.paused', { count: compactCount(batcher.pending) }) };
      const out = acked?.status();
      if (out) return out;
      if (batcher.pending > 0) return { fill: 'blue', shape: 'dot', text: RED._('micro-batch.status.pending', { count: compactCount(batcher.pending) }) };
      return { fill: 'green', shape: 'dot', text: RED._('micro-batch.status.sent', { count: compactCount(batcher.sentBatches) }) };
    }

    function showStatus(): void {
      status.show(currentStatus);
    }

    // While the kill switch is engaged nothing is sent; records wait, in order.
    followKillSwitch(RED, node, def.killSwitch, (engaged) => {
      // Retries wait too.
      if (engaged) {
        batcher.engage();
        acked?.window.hold();
      } else {
        batcher.release();
        acked?.window.release();
      }
      showStatus();
    });
    for (const kept of handover.take<KeptRecords<unknown>[]>(node.id) ?? []) batcher.add(kept.records, { topic: kept.topic });

    const desk: ReceiptDesk = {
      settle: (ticket, outcome, messages) => settleTicket(ledger, ticket, outcome === 'abandoned' ? 'abandoned' : 'delivered', messages),
      release: (ticket, messages) => releaseTicket(ledger, ticket, messages),
      replayable: (source) => {
        const replay = ledger.replayOf(source);
        if (replay !== 'on-stop') return replay === 'always';
        return source === stoppingSource || stops.isStopping(sourceNodeId(source));
      },
    };

    /** The receipt of the last one-record message: the next one with its ticket joins it while they share a batch. */
    let run: MessageReceipt | undefined;
    node.on('input', (msg: NodeMessage, _send, done: DoneFn) => {
      if (msg.reset !== undefined) {
        const dropped = batcher.discard();
        status.now({ fill: 'grey', shape: 'ring', text: RED._('micro-batch.status.reset', { count: compactCount(dropped) }) });
        done();
        return;
      }
      if (msg.flush !== undefined) {
        batcher.flush('flush');
        showStatus();
        done();
        return;
      }
      const ticket = readTicket(msg._ingest);
      const topic = typeof msg.topic === 'string' ? msg.topic : undefined;
      const file = msg.file as { offset?: unknown; end?: unknown } | undefined;
      const knownBytes = file !== undefined && typeof file.offset === 'number' && typeof file.end === 'number' ? file.end - file.offset : receivedBytes(msg.source);
      const payload = msg.payload;
      if (Array.isArray(payload) && !keepArrays) {
        const receipt = new MessageReceipt(desk, done, ticket, acked && recordStartsOf(file, payload.length));
        receipt.remaining = receipt.records = payload.length;
        batcher.addGroup(payload as unknown[], receipt, topic, knownBytes);
      } else {
        const starts = acked && recordStartsOf(file, 1);
        if (run !== undefined && run.ticket === ticket && batcher.extendable(run) && run.fits(starts)) {
          // done() first: the record may fill the batch, and the batch settle at once.
          run.alsoFor(done);
          batcher.extend(payload, run, topic, knownBytes);
        } else {
          run = new MessageReceipt(desk, done, ticket, starts);
          batcher.addOneIn(payload, run, topic, knownBytes);
        }
      }
      if (maxBuffered > 0 && batcher.pending >= maxBuffered) batcher.flush('size');
      showStatus();
    });

    /**
     * Sends what is pending. When the nodes after this one are stopping too,
     * a batch sent now would be dropped by the runtime: lines that a stopping
     * file-tail can read again are kept back for it instead.
     */
    function sendPending(reason: 'flush' | 'close'): void {
      if (acked) {
        // In ack mode a batch sent now would not be answered before the stop: its lines are read again.
        batcher.abandonReplayable();
        acked.handBackReplayable();
        return;
      }
      // Nor is anything sent while the kill switch is engaged.
      if (batcher.engaged || wiredTo.some((id) => stops.isStopping(id))) batcher.abandonReplayable();
      batcher.flush(reason);
    }

    /**
     * Ack mode: nothing is sent during a stop. Lines not acknowledged are
     * read again by their sources; other records go to the next instance
     * (a redeploy), or are lost and warned about (the node was removed).
     */
    function closeAcked(removed: boolean): void {
      acked!.window.hold();
      batcher.release();
      batcher.flush('close');
      const left = acked!.close();
      const count = left.reduce((n, kept) => n + kept.records.length, 0);
      if (count === 0) return;
      if (!removed) handover.put(node.id, left);
      else node.warn(RED._('micro-batch.warnings.droppedUnacked', { count }));
    }

    /** What the sidebar and the metrics endpoint show. */
    function view(): BatcherView {
      const base = { pending: batcher.pending, sentRecords: batcher.sentRecords, held: batcher.engaged };
      if (acked) return { ...base, ...acked.view() };
      return { ...base, delivery: 'next-node', sent: batcher.sentBatches, inFlight: 0, acked: 0, failed: 0, retries: 0, givenUp: 0, oldestUnackedMs: 0 };
    }
    runtime.sources.addBatcher(node, def, view);

    // A file-tail that stops waits for its lines to leave: send them now.
    // (While the kill switch holds them, they are left to it: it reads them again.)
    let stoppingSource: string | undefined;
    const stopListening = ledger.onFlushRequest((source) => {
      stoppingSource = source;
      sendPending('flush');
      stoppingSource = undefined;
    });

    // A running source whose sender waits for acknowledgements (RELP): send now what would wait for the timer.
    const stopSendRequests = ledger.onSendRequest(() => {
      if (batcher.engaged || batcher.pending === 0 || wiredTo.some((id) => stops.isStopping(id))) return;
      batcher.flush('flush');
    });

    node.on('close', (removed: boolean, done: () => void) => {
      stopListening();
      stopSendRequests();
      if (acked) closeAcked(removed);
      else sendPending('close');
      if (batcher.engaged) {
        // Held by the kill switch: the records go to the next instance, not out.
        if (!removed) handover.put(node.id, batcher.takeAll());
        else if (batcher.pending > 0) node.warn(RED._('micro-batch.warnings.droppedOnRemove', { count: batcher.discard() }));
      }
      batcher.stop();
      status.clear();
      runtime.batchSizes.delete(node.id);
      done();
      leave();
    });
  }

  RED.nodes.registerType('micro-batch', MicroBatchNode as (this: Node, def: never) => void);
}

/**
 * The bytes a source received for a message's records (syslog in's
 * `msg.source.bytes`): counted as the batch's size instead of measuring each
 * record, which for an object means its JSON.
 */
function receivedBytes(source: unknown): number | undefined {
  if (typeof source !== 'object' || source === null) return undefined;
  const bytes = (source as { bytes?: unknown }).bytes;
  return typeof bytes === 'number' && Number.isFinite(bytes) && bytes >= 0 ? bytes : undefined;
}
