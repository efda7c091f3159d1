/**
 * The batch-ack node: messages coming back from a destination (the output
 * of an http request, a Complete or a Catch node) answer for the batch
 * named by `msg.batch.id`, to the micro-batch in `ack` mode that sent it,
 * on whichever flow it is. The message goes on with `msg.batch.acked`.
 */
import type { NodeAPI, Node, NodeDef, NodeMessage, DoneFn, SendFn } from '../shared/red';
import { SettingsReader, compactCount } from '../shared/config';
import { ThrottledStatus } from '../shared/status';
import { runtimeOf } from '../shared/runtime';
import { judge, type SuccessRule } from '../../lib/index';

interface BatchAckDef extends NodeDef {
  success?: string;
}

export default function register(RED: NodeAPI): void {
  const runtime = runtimeOf(RED);

  function BatchAckNode(this: Node, def: BatchAckDef): void {
    RED.nodes.createNode(this, def);
    const node = this;
    const settings = new SettingsReader(RED, node);
    const rule = settings.option<SuccessRule>('success', def.success, ['any', 'http-2xx'], 'any');
    const status = new ThrottledStatus(node);
    const warned = new Set<string>();
    let acked = 0;
    let failed = 0;

    /** One warning per cause, not one per message. */
    function warnOnce(key: 'noBatchId' | 'unknownBatch' | 'failedAfterAck', substitutions?: Record<string, unknown>): void {
      if (warned.has(key)) return;
      warned.add(key);
      node.warn(RED._(`batch-ack.warnings.${key}`, substitutions));
    }

    node.on('input', (msg: NodeMessage, send: SendFn, done: DoneFn) => {
      const batch = msg.batch;
      const id = typeof batch === 'object' && batch !== null ? (batch as { id?: unknown }).id : undefined;
      if (typeof id !== 'string') {
        warnOnce('noBatchId');
        send(msg);
        done();
        return;
      }
      const attempt = (batch as { attempt?: unknown }).attempt;
      const verdict = judge(msg as { error?: unknown; statusCode?: unknown }, rule);
      const result = runtime.acks.answer(id, verdict.ok, verdict.reason, typeof attempt === 'number' ? attempt : undefined);
      if (result === 'unknown') {
        warnOnce('unknownBatch', { id });
        send(msg);
        done();
        return;
      }
      // A failure for a batch settled before (acknowledged by another message) changes nothing: say so once.
      if (result === 'settled-before' && !verdict.ok) warnOnce('failedAfterAck', { id, reason: verdict.reason });
      if (verdict.ok) acked++;
      else failed++;
      (batch as Record<string, unknown>).acked = verdict.ok;
      status.show(() =>
        failed === 0
          ? { fill: 'green', shape: 'dot', text: RED._('batch-ack.status.acked', { count: compactCount(acked) }) }
          : { fill: verdict.ok ? 'green' : 'red', shape: 'dot', text: RED._('batch-ack.status.both', { acked: compactCount(acked), failed: compactCount(failed) }) },
      );
      send(msg);
      done();
    });

    node.on('close', (_removed: boolean, done: () => void) => {
      status.clear();
      done();
    });
  }

  RED.nodes.registerType('batch-ack', BatchAckNode as (this: Node, def: never) => void);
}
