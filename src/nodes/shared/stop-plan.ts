/**
 * Which nodes Node-RED is stopping right now. A batcher closing or flushing
 * during a stop needs to know whether what comes after it is stopping too: a
 * message sent to a stopping node is dropped by the runtime.
 */
import type { NodeAPI, NodeDef } from './red';

interface StoppingEvent {
  type?: string;
  config?: { allNodes?: Record<string, { z?: string }> };
  diff?: Partial<Record<'changed' | 'removed' | 'rewired' | 'linked' | 'flowChanged' | 'added', string[]>>;
}

let plan: { all: boolean; ids: Set<string>; flows: Set<string>; allNodes: Record<string, { z?: string }> } | undefined;
let watching = false;

/** Starts listening to the runtime's stop events (once per process). */
export function watchStops(RED: NodeAPI): void {
  if (watching || !RED.events) return;
  watching = true;
  RED.events.on('flows:stopping', (event: StoppingEvent) => {
    const diff = event.diff ?? {};
    const all = event.type === 'full' || !event.diff;
    const ids = new Set<string>([...(diff.changed ?? []), ...(diff.removed ?? [])]);
    if (event.type === 'flows') for (const id of [...(diff.linked ?? []), ...(diff.rewired ?? [])]) ids.add(id);
    // A flow whose own settings changed is stopped whole.
    const flows = new Set<string>([...(diff.flowChanged ?? []), ...(diff.added ?? []), ...(diff.removed ?? [])]);
    plan = { all, ids, flows, allNodes: event.config?.allNodes ?? {} };
    for (const listener of [...stoppingListeners]) listener();
  });
  RED.events.on('flows:stopped', () => {
    plan = undefined;
  });
  RED.events.on('flows:started', () => {
    for (const listener of [...startedListeners]) listener();
  });
}

const stoppingListeners = new Set<() => void>();
const startedListeners = new Set<() => void>();

/**
 * Runs `listener` when a stop begins, before any node is closed (so
 * `isStopping` answers for it), and `started` once the flows run again.
 * Returns a function that stops listening.
 */
export function onStops(stopping: () => void, started?: () => void): () => void {
  stoppingListeners.add(stopping);
  if (started) startedListeners.add(started);
  return () => {
    stoppingListeners.delete(stopping);
    if (started) startedListeners.delete(started);
  };
}

/** True while a stop is under way that includes node `id`. */
export function isStopping(id: string): boolean {
  if (!plan) return false;
  if (plan.all || plan.ids.has(id)) return true;
  const z = plan.allNodes[id]?.z;
  return z !== undefined && plan.flows.has(z);
}

/**
 * For a source that keeps running while a micro-batch wired after it is
 * redeployed: messages sent to a restarting node are dropped by the runtime,
 * so the source pauses when the stop begins and, once the flows run again,
 * rewinds to what was delivered. Returns a function that stops watching.
 */
export function rewindWhenBatchersRestart(
  RED: NodeAPI,
  def: NodeDef,
  source: { pause(): void; rewind(): Promise<void> },
): () => void {
  let rewind = false;
  return onStops(
    () => {
      if (isStopping(def.id)) return;
      const batcherStopping = (def.wires?.[0] ?? []).some((id) => isStopping(id) && RED.nodes.getNode(id)?.type === 'micro-batch');
      if (!batcherStopping) return;
      source.pause();
      rewind = true;
    },
    () => {
      if (!rewind) return;
      rewind = false;
      void source.rewind();
    },
  );
}
