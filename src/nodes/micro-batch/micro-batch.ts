/**
 * The micro-batch node: messages in, arrays of records out. Batching itself
 * is the engine's (src/lib/micro-batcher); this adapter maps messages to
 * records, calls done() when a message's records have left, and settles
 * the delivery tickets of file-tail nodes wired before it.
 */
import type { NodeAPI, Node, NodeDef, NodeMessage, NodeStatus, DoneFn } from '../shared/red';
import { SettingsReader, checkNumber, compactCount, numberOr, readTyped, type NumberRule } from '../shared/config';
import { ThrottledStatus } from '../shared/status';
import type { AddOptions, Batch, BatchSettler } from '../../lib/micro-batcher';
import { asTicket, deliveryLedger } from '../../lib/delivery-ledger';
import { isStopping, watchStops } from '../shared/stop-plan';
import { sendWatched } from '../shared/delivery-watch';
import { followKillSwitch, handover } from '../shared/kill-switch';
import { SwitchedBatcher, type KeptRecords } from '../shared/switched-batcher';

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
}

export default function register(RED: NodeAPI): void {
  watchStops(RED);

  function MicroBatchNode(this: Node & { logIngestBatchSize?: number }, def: MicroBatchDef): void {
    RED.nodes.createNode(this, def);
    const node = this;
    const status = new ThrottledStatus(node);
    const settings = new SettingsReader(RED, node);
    /**
     * A number setting, typed or from an environment variable: the text is
     * checked against `rule` (a bad value is warned about, and the default used).
     */
    function setting(prop: 'interval' | 'maxSize' | 'maxBytes', rule: NumberRule): number {
      const read = readTyped(RED, node, def[prop], def[`${prop}Type`], 'num');
      if (read.env === undefined) return settings.number(prop, def[prop], rule);
      const checked = checkNumber(read.text, rule);
      if (checked.ok === true) return checked.value;
      const label = RED._(`micro-batch.label.${prop}`);
      node.warn(RED._('micro-batch.warnings.envNumber', { prop: label, name: read.env, value: read.text, fallback: rule.fallback }));
      return rule.fallback;
    }
    const maxSize = setting('maxSize', { fallback: 10_000, min: 1, integer: true });
    const keepArrays = def.keepArrays === true;
    const maxBuffered = numberOr(RED.settings.nodeMessageBufferMaxLength, 0);
    // Sources wired to this node size their credit from it (see file-tail).
    node.logIngestBatchSize = maxSize;

    const batcher = new SwitchedBatcher<unknown>(
      {
        intervalMs: settings.clampSeconds('interval', setting('interval', { fallback: 5, min: 0 })),
        maxSize,
        maxBytes: setting('maxBytes', { fallback: 0, min: 0, integer: true }),
      },
      (batch, settle) => sendBatch(batch, settle),
    );

    /**
     * A batch counts as delivered (and its lines as committed) only once the
     * node after this one has received it: one dropped because a stop began
     * before its delivery goes back to a source that can read it again.
     */
    function sendBatch(batch: Batch<unknown>, settle: BatchSettler): 'deferred' {
      const msg: NodeMessage = {
        payload: batch.records,
        batch: { count: batch.count, bytes: batch.bytes, reason: batch.reason, start: batch.start, end: batch.end, seq: batch.seq },
      };
      if (batch.topic !== undefined) msg.topic = batch.topic;
      sendWatched(RED, msg, (m) => node.send(m), (arrived) => settle(!arrived));
      showStatus();
      return 'deferred';
    }

    /** Formatted only when the status is really shown (one function, not one per message). */
    function currentStatus(): NodeStatus {
      if (batcher.engaged) return { fill: 'yellow', shape: 'dot', text: RED._('micro-batch.status.paused', { count: compactCount(batcher.pending) }) };
      if (batcher.pending > 0) return { fill: 'blue', shape: 'dot', text: RED._('micro-batch.status.pending', { count: compactCount(batcher.pending) }) };
      return { fill: 'green', shape: 'dot', text: RED._('micro-batch.status.sent', { count: compactCount(batcher.sentBatches) }) };
    }

    function showStatus(): void {
      status.show(currentStatus);
    }

    // While the kill switch is engaged nothing is sent; records wait, in order.
    followKillSwitch(RED, node, def.killSwitch, (engaged) => {
      if (engaged) batcher.engage();
      else batcher.release();
      showStatus();
    });
    for (const kept of handover.take<KeptRecords<unknown>[]>(node.id) ?? []) batcher.add(kept.records, { topic: kept.topic });

    /**
     * A stopping file-tail reads unsent lines again when it restarts. One
     * function per source (the "line" output sends a message per line, all
     * from the same few sources), not one per message.
     */
    const replayables = new Map<string, () => boolean>();
    function replayableFrom(source: string): () => boolean {
      let replayable = replayables.get(source);
      if (!replayable) {
        if (replayables.size >= 1000) replayables.clear(); // sources come and go with redeploys
        const nodeId = sourceNodeId(source);
        replayable = () => source === stoppingSource || isStopping(nodeId);
        replayables.set(source, replayable);
      }
      return replayable;
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
      const ticket = asTicket(msg._ingest);
      const file = msg.file as { offset?: unknown; end?: unknown } | undefined;
      const knownBytes = file && typeof file.offset === 'number' && typeof file.end === 'number' ? file.end - file.offset : undefined;
      const options: AddOptions = {
        topic: typeof msg.topic === 'string' ? msg.topic : undefined,
        bytes: knownBytes,
        replayable: ticket ? replayableFrom(ticket.source) : undefined,
        onSettled: ticket
          ? (outcome) => {
              if (outcome === 'abandoned') deliveryLedger.abandon(ticket);
              else deliveryLedger.settle(ticket);
              done();
            }
          : () => done(),
      };
      if (Array.isArray(msg.payload) && !keepArrays) batcher.add(msg.payload as unknown[], options);
      else batcher.addOne(msg.payload, options);
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
      // Nor is anything sent while the kill switch is engaged.
      if (batcher.engaged || wiredTo.some(isStopping)) batcher.abandonReplayable();
      batcher.flush(reason);
    }

    // A file-tail that stops waits for its lines to leave: send them now.
    // (While the kill switch holds them, they are left to it: it reads them again.)
    let stoppingSource: string | undefined;
    const stopListening = deliveryLedger.onFlushRequest((source) => {
      stoppingSource = source;
      sendPending('flush');
      stoppingSource = undefined;
    });

    node.on('close', (removed: boolean, done: () => void) => {
      stopListening();
      sendPending('close');
      if (batcher.engaged) {
        // Held by the kill switch: the records go to the next instance, not out.
        if (!removed) handover.put(node.id, batcher.takeAll());
        else if (batcher.pending > 0) node.warn(RED._('micro-batch.warnings.droppedOnRemove', { count: batcher.discard() }));
      }
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
