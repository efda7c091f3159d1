/**
 * The micro-batch node: messages in, arrays of records out. Batching itself
 * is the engine's (src/lib/micro-batcher); this adapter maps messages to
 * records, calls done() when a message's records have left, and settles
 * the delivery tickets of file-tail nodes wired before it.
 */
import type { NodeAPI, Node, NodeDef, NodeMessage, DoneFn } from '../shared/red';
import { compactCount, numberOr } from '../shared/config';
import { ThrottledStatus } from '../shared/status';
import { MicroBatcher, type Batch } from '../../lib/micro-batcher';
import { asTicket, deliveryLedger } from '../../lib/delivery-ledger';
import { isStopping, watchStops } from '../shared/stop-plan';

interface MicroBatchDef extends NodeDef {
  interval?: number | string;
  maxSize?: number | string;
  maxBytes?: number | string;
  keepArrays?: boolean;
}

export default function register(RED: NodeAPI): void {
  watchStops(RED);

  function MicroBatchNode(this: Node & { logIngestBatchSize?: number }, def: MicroBatchDef): void {
    RED.nodes.createNode(this, def);
    const node = this;
    const status = new ThrottledStatus(node);
    const maxSize = Math.max(1, Math.floor(numberOr(def.maxSize, 10_000)));
    const keepArrays = def.keepArrays === true;
    const maxBuffered = numberOr(RED.settings.nodeMessageBufferMaxLength, 0);
    // Sources wired to this node size their credit from it (see file-tail).
    node.logIngestBatchSize = maxSize;

    const batcher = new MicroBatcher<unknown>(
      {
        intervalMs: Math.max(0, numberOr(def.interval, 5)) * 1000,
        maxSize,
        maxBytes: Math.max(0, numberOr(def.maxBytes, 0)),
      },
      (batch) => sendBatch(batch),
    );

    function sendBatch(batch: Batch<unknown>): void {
      const msg: NodeMessage = {
        payload: batch.records,
        batch: { count: batch.count, bytes: batch.bytes, reason: batch.reason, start: batch.start, end: batch.end, seq: batch.seq },
      };
      if (batch.topic !== undefined) msg.topic = batch.topic;
      node.send(msg);
      showStatus();
    }

    function showStatus(): void {
      if (batcher.pending > 0) {
        status.show({ fill: 'blue', shape: 'dot', text: RED._('micro-batch.status.pending', { count: compactCount(batcher.pending) }) });
      } else {
        status.show({ fill: 'green', shape: 'dot', text: RED._('micro-batch.status.sent', { count: compactCount(batcher.sentBatches) }) });
      }
    }

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
      const records = Array.isArray(msg.payload) && !keepArrays ? (msg.payload as unknown[]) : [msg.payload];
      const ticket = asTicket(msg._ingest);
      const file = msg.file as { offset?: unknown; end?: unknown } | undefined;
      const knownBytes = file && typeof file.offset === 'number' && typeof file.end === 'number' ? file.end - file.offset : undefined;
      batcher.add(records, {
        topic: typeof msg.topic === 'string' ? msg.topic : undefined,
        bytes: knownBytes,
        // A stopping file-tail reads unsent lines again when it restarts.
        replayable: ticket ? () => isStopping(sourceNodeId(ticket.source)) : undefined,
        onSettled: (outcome) => {
          if (ticket) {
            if (outcome === 'abandoned') deliveryLedger.abandon(ticket);
            else deliveryLedger.settle(ticket);
          }
          done();
        },
      });
      if (maxBuffered > 0 && batcher.pending >= maxBuffered) batcher.flush('size');
      showStatus();
    });

    const wiredTo = def.wires?.[0] ?? [];

    /**
     * Sends what is pending. When the nodes after this one are stopping too,
     * a batch sent now would be dropped by the runtime: lines that a stopping
     * file-tail can read again are kept back for it instead.
     */
    function sendPending(reason: 'flush' | 'close'): void {
      if (wiredTo.some(isStopping)) batcher.abandonReplayable();
      batcher.flush(reason);
    }

    // A file-tail that stops waits for its lines to leave: send them now.
    const stopListening = deliveryLedger.onFlushRequest(() => sendPending('flush'));

    node.on('close', (_removed: boolean, done: () => void) => {
      stopListening();
      sendPending('close');
      batcher.stop();
      status.clear();
      done();
    });
  }

  RED.nodes.registerType('micro-batch', MicroBatchNode as (this: Node, def: never) => void);
}

/** The node id in a ticket's source ("<node id>#<instance>"). */
function sourceNodeId(source: string): string {
  const hash = source.lastIndexOf('#');
  return hash < 0 ? source : source.slice(0, hash);
}
