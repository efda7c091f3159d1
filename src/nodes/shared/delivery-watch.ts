/**
 * Tells whether a message sent by a node reached a running node after it.
 *
 * Node-RED delivers a message on a later turn of the event loop, and drops
 * it when the node it goes to has stopped meanwhile (a redeploy or a
 * shutdown that began in between). A batch of lines must count as delivered
 * only if it really arrived, or a restart would skip those lines. The
 * runtime's onReceive hook sees each delivery, and whether the receiving
 * node still has an input handler.
 *
 * One per runtime (see runtime.ts): the hook is added when the first watched
 * message is sent and removed when the pack's last node has closed.
 */
import type { NodeAPI, NodeMessage } from './red';

const RECEIPT = Symbol('logIngestDelivery');

interface ReceiveEvent {
  msg?: Record<PropertyKey, unknown>;
  destination?: { node?: { _inputCallback?: unknown; _inputCallbacks?: unknown[] | null } };
}

type Hooks = NonNullable<NodeAPI['hooks']>;

export class DeliveryReceipts {
  private readonly waiting = new Map<number, (received: boolean) => void>();
  private nextId = 0;
  private hookName: string | undefined;

  constructor(private readonly hooks: Hooks | undefined) {}

  /**
   * Sends `msg` with `send` and reports once: `received(true)` when its first
   * destination took it, `received(false)` when it was dropped or went nowhere.
   * The property that marks the message is a symbol: invisible to flows and
   * not copied into clones.
   */
  send(msg: NodeMessage, send: (msg: NodeMessage) => void, received: (arrived: boolean) => void): void {
    if (!this.hooks) {
      send(msg);
      received(true); // no way to know: the runtime's word is all there is
      return;
    }
    this.addHook(this.hooks);
    const id = ++this.nextId;
    Object.defineProperty(msg, RECEIPT, { value: id, enumerable: false });
    this.waiting.set(id, received);
    send(msg);
    // Queued after the delivery turn: still waiting means it went nowhere.
    setImmediate(() => this.report(id, false));
  }

  /** Removes the hook (the pack's last node has closed). Receipts still waiting report "not received". */
  close(): void {
    if (this.hooks && this.hookName) this.hooks.remove(this.hookName);
    this.hookName = undefined;
  }

  private report(id: number, received: boolean): void {
    const report = this.waiting.get(id);
    if (!report) return;
    this.waiting.delete(id);
    report(received);
  }

  private addHook(hooks: Hooks): void {
    if (this.hookName) return;
    // Hook names are process-wide: this runtime's own label keeps it apart from any other.
    this.hookName = 'onReceive.logIngestDelivery' + Date.now().toString(36) + Math.random().toString(36).slice(2);
    // Runs for every message the runtime delivers: with no batch waiting it returns at once.
    hooks.add(this.hookName, (event: ReceiveEvent) => {
      if (this.waiting.size === 0) return;
      const id = event.msg?.[RECEIPT];
      if (typeof id !== 'number') return;
      const node = event.destination?.node;
      // No public API tells whether a node still takes input: a closed node's
      // input handlers are cleared (Node.js in @node-red/runtime), so these
      // private fields are read.
      this.report(id, Boolean(node && (node._inputCallback || (node._inputCallbacks && node._inputCallbacks.length > 0))));
    });
  }
}
