/**
 * Which nodes Node-RED is stopping right now. A batcher closing or flushing
 * during a stop needs to know whether what comes after it is stopping too: a
 * message sent to a stopping node is dropped by the runtime.
 */
import type { NodeAPI } from './red';

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
  });
  RED.events.on('flows:stopped', () => {
    plan = undefined;
  });
}

/** True while a stop is under way that includes node `id`. */
export function isStopping(id: string): boolean {
  if (!plan) return false;
  if (plan.all || plan.ids.has(id)) return true;
  const z = plan.allNodes[id]?.z;
  return z !== undefined && plan.flows.has(z);
}
