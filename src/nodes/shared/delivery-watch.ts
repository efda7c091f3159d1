/**
 * Tells whether a message sent by a node reached a running node after it.
 *
 * Node-RED delivers a message on a later turn of the event loop, and drops
 * it when the node it goes to has stopped meanwhile (a redeploy or a
 * shutdown that began in between). A batch of lines must count as delivered
 * only if it really arrived, or a restart would skip those lines.
 *
 * Whether a node takes input changes only while a stop is under way: Node-RED
 * closes nodes only after `flows:stopping`. So outside a stop, a batch has
 * arrived if the node it went to still takes input on the turn after its
 * delivery, and no hook is needed. An onReceive hook runs for every message
 * the runtime delivers, whoever sends it (two closures per message: it cost
 * micro-batch about a sixth of its rate), so it is added only from the start
 * of a stop until the flows run again and no batch is left in flight; it
 * sees each delivery of that time, and whether the receiving node still had
 * an input handler then.
 *
 * One per runtime (see runtime.ts).
 */
import type { NodeAPI, NodeMessage } from './red';
import type { StopPlan } from './stop-plan';

/**
 * A node as the runtime holds it. No public API tells whether a node still
 * takes input: a closed node's input handlers are cleared (Node.js in
 * @node-red/runtime), so these private fields are read.
 */
export interface RuntimeNode {
  _inputCallback?: unknown;
  _inputCallbacks?: unknown[] | null;
}

/**
 * A sending node's flow. Node-RED routes a message by `flow.getNode(id)` of
 * the sender's flow (Flow.js), which also resolves subflow instances: the
 * same private field is read to find the same node.
 */
export interface SendingNode {
  send(msg: NodeMessage): void;
  _flow?: { getNode(id: string): RuntimeNode | undefined };
}

interface ReceiveEvent {
  msg?: object;
  destination?: { node?: RuntimeNode };
}

interface InFlight {
  /** The node the message was routed to, if any. */
  destination: RuntimeNode | undefined;
  /**
   * What to report if the hook did not see the delivery. `false` when the
   * hook was there at the send (so it went nowhere); when the hook came
   * later, whether the destination took input then (the delivery came
   * before it); unset without the hook (whether it takes input now).
   */
  unseen: boolean | undefined;
  received: (arrived: boolean) => void;
}

type Hooks = NonNullable<NodeAPI['hooks']>;

function takesInput(node: RuntimeNode | undefined): boolean {
  return Boolean(node && (node._inputCallback || (node._inputCallbacks && node._inputCallbacks.length > 0)));
}

export class DeliveryReceipts {
  private readonly inFlight = new Map<object, InFlight>();
  private hookName: string | undefined;
  /** Without the runtime's stop events, every delivery is watched (the hook stays). */
  private readonly watchAlways: boolean;
  /** From `flows:stopping` until the flows run again. */
  private stopping: boolean;

  constructor(
    private readonly hooks: Hooks | undefined,
    stops: StopPlan,
  ) {
    this.watchAlways = !stops.observable;
    this.stopping = this.watchAlways;
    stops.onStops(
      () => {
        this.stopping = true;
        this.addHook();
      },
      () => {
        this.stopping = this.watchAlways;
        this.removeHookWhenIdle();
      },
    );
  }

  /**
   * Sends `msg` with `from.send` and reports once: `received(true)` when its
   * first destination, `destinationId`, took it, `received(false)` when it
   * was dropped or went nowhere.
   */
  send(msg: NodeMessage, from: SendingNode, destinationId: string | undefined, received: (arrived: boolean) => void): void {
    if (!this.hooks) {
      from.send(msg);
      received(true); // no way to know: the runtime's word is all there is
      return;
    }
    // Found now, as the runtime finds it when the message is sent (a node of a later deploy is another object).
    const flow = from._flow;
    const destination = flow && destinationId !== undefined ? flow.getNode(destinationId) : undefined;
    // A sender without a flow (not the runtime's node): only the hook can tell.
    if (this.stopping || !flow) this.addHook();
    this.inFlight.set(msg, { destination, unseen: this.hookName ? false : undefined, received });
    from.send(msg);
    // Queued after the delivery turn: the delivery, if any, has happened.
    setImmediate(() => {
      const entry = this.inFlight.get(msg);
      if (entry) this.report(msg, entry, entry.unseen ?? takesInput(entry.destination));
    });
  }

  /** The pack's last node has closed: the hook goes once no batch is in flight. */
  close(): void {
    this.stopping = this.watchAlways;
    this.removeHookWhenIdle();
  }

  private report(msg: object, entry: InFlight, arrived: boolean): void {
    this.inFlight.delete(msg);
    entry.received(arrived);
    this.removeHookWhenIdle();
  }

  private addHook(): void {
    const hooks = this.hooks;
    if (!hooks || this.hookName) return;
    // Batches already sent were delivered before the hook, if at all: as their destination was then (it is still).
    for (const entry of this.inFlight.values()) if (entry.unseen === undefined) entry.unseen = takesInput(entry.destination);
    // Hook names are process-wide: this runtime's own label keeps it apart from any other.
    this.hookName = 'onReceive.logIngestDelivery' + Date.now().toString(36) + Math.random().toString(36).slice(2);
    hooks.add(this.hookName, (event: ReceiveEvent) => {
      if (this.inFlight.size === 0 || !event.msg) return;
      const entry = this.inFlight.get(event.msg);
      if (entry) this.report(event.msg, entry, takesInput(event.destination?.node));
    });
  }

  private removeHookWhenIdle(): void {
    if (this.stopping || this.inFlight.size > 0 || !this.hookName || !this.hooks) return;
    this.hooks.remove(this.hookName);
    this.hookName = undefined;
  }
}
