/**
 * Tells whether a message sent by a node reached a running node after it.
 *
 * Node-RED delivers a message on a later turn of the event loop, and drops
 * it when the node it goes to has stopped meanwhile (a redeploy or a
 * shutdown that began in between). A batch of lines must count as delivered
 * only if it really arrived, or a restart would skip those lines. The
 * runtime's onReceive hook sees each delivery, and whether the receiving
 * node still has an input handler.
 */
import type { NodeAPI, NodeMessage } from './red';

const DELIVERY = Symbol('logIngestDelivery');
const HOOK = 'onReceive.logIngestDelivery';

interface ReceiveEvent {
  msg?: Record<PropertyKey, unknown>;
  destination?: { node?: { _inputCallback?: unknown; _inputCallbacks?: unknown[] | null } };
}

const waiting = new Map<number, (received: boolean) => void>();
let nextId = 0;
let installedOn: unknown;

function install(RED: NodeAPI): boolean {
  if (!RED.hooks) return false;
  if (installedOn === RED.hooks) return true;
  installedOn = RED.hooks;
  // Runs for every message the runtime delivers: with no batch waiting it returns at once.
  RED.hooks.add(HOOK, (event: ReceiveEvent) => {
    if (waiting.size === 0) return;
    const id = event.msg?.[DELIVERY];
    if (typeof id !== 'number') return;
    const report = waiting.get(id);
    if (!report) return;
    waiting.delete(id);
    const node = event.destination?.node;
    report(Boolean(node && (node._inputCallback || (node._inputCallbacks && node._inputCallbacks.length > 0))));
  });
  return true;
}

/**
 * Sends `msg` with `send` and reports once: `received(true)` when its first
 * destination took it, `received(false)` when it was dropped or went nowhere.
 * The property that marks the message is a symbol: invisible to flows and
 * not copied into clones.
 */
export function sendWatched(RED: NodeAPI, msg: NodeMessage, send: (msg: NodeMessage) => void, received: (arrived: boolean) => void): void {
  if (!install(RED)) {
    send(msg);
    received(true); // no way to know: the runtime's word is all there is
    return;
  }
  const id = ++nextId;
  Object.defineProperty(msg, DELIVERY, { value: id, enumerable: false });
  waiting.set(id, received);
  send(msg);
  // Queued after the delivery turn: still waiting means it went nowhere.
  setImmediate(() => {
    const report = waiting.get(id);
    if (!report) return;
    waiting.delete(id);
    report(false);
  });
}
