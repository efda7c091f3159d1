/**
 * Which nodes Node-RED is stopping right now. A batcher closing or flushing
 * during a stop needs to know whether what comes after it is stopping too: a
 * message sent to a stopping node is dropped by the runtime.
 *
 * One per runtime (see runtime.ts); it listens to the runtime's events only
 * while some node of this pack runs.
 */
import type { NodeAPI, NodeDef } from './red';

interface StoppingEvent {
  type?: string;
  config?: { allNodes?: Record<string, { z?: string }> };
  diff?: Partial<Record<'changed' | 'removed' | 'rewired' | 'linked' | 'flowChanged' | 'added', string[]>>;
}

interface Plan {
  all: boolean;
  ids: Set<string>;
  flows: Set<string>;
  allNodes: Record<string, { z?: string }>;
}

type Events = NonNullable<NodeAPI['events']>;

export class StopPlan {
  private plan: Plan | undefined;
  private readonly stoppingListeners = new Set<() => void>();
  private readonly startedListeners = new Set<() => void>();
  private listening = false;

  private readonly onStopping = (event: StoppingEvent): void => {
    const diff = event.diff ?? {};
    const all = event.type === 'full' || !event.diff;
    const ids = new Set<string>([...(diff.changed ?? []), ...(diff.removed ?? [])]);
    if (event.type === 'flows') for (const id of [...(diff.linked ?? []), ...(diff.rewired ?? [])]) ids.add(id);
    // A flow whose own settings changed is stopped whole.
    const flows = new Set<string>([...(diff.flowChanged ?? []), ...(diff.added ?? []), ...(diff.removed ?? [])]);
    this.plan = { all, ids, flows, allNodes: event.config?.allNodes ?? {} };
    for (const listener of [...this.stoppingListeners]) listener();
  };

  private readonly onStopped = (): void => {
    this.plan = undefined;
  };

  private readonly onStarted = (): void => {
    for (const listener of [...this.startedListeners]) listener();
  };

  constructor(private readonly events: Events | undefined) {}

  /** False without the runtime's events (a hand-made RED): stops then go unseen. */
  get observable(): boolean {
    return this.events !== undefined;
  }

  /** Starts listening to the runtime's stop events (no-op while listening). */
  listen(): void {
    if (this.listening || !this.events) return;
    this.listening = true;
    this.events.on('flows:stopping', this.onStopping);
    this.events.on('flows:stopped', this.onStopped);
    this.events.on('flows:started', this.onStarted);
  }

  /**
   * Stops listening (no node of the pack is left). A stop under way is over
   * for this pack: its nodes have all closed.
   */
  unlisten(): void {
    this.plan = undefined;
    if (!this.listening || !this.events) return;
    this.listening = false;
    this.events.removeListener('flows:stopping', this.onStopping);
    this.events.removeListener('flows:stopped', this.onStopped);
    this.events.removeListener('flows:started', this.onStarted);
  }

  /**
   * Runs `stopping` when a stop begins, before any node is closed (so
   * `isStopping` answers for it), and `started` once the flows run again.
   * Returns a function that stops listening.
   */
  onStops(stopping: () => void, started?: () => void): () => void {
    this.stoppingListeners.add(stopping);
    if (started) this.startedListeners.add(started);
    return () => {
      this.stoppingListeners.delete(stopping);
      if (started) this.startedListeners.delete(started);
    };
  }

  /** True while a stop is under way that includes node `id`. */
  isStopping(id: string): boolean {
    const plan = this.plan;
    if (!plan) return false;
    if (plan.all || plan.ids.has(id)) return true;
    const z = plan.allNodes[id]?.z;
    return z !== undefined && plan.flows.has(z);
  }
}

/**
 * For a source that keeps running while a micro-batch wired after it is
 * redeployed: messages sent to a restarting node are dropped by the runtime,
 * so the source pauses when the stop begins and, once the flows run again,
 * rewinds to what was delivered. Returns a function that stops watching.
 */
export function rewindWhenBatchersRestart(
  RED: NodeAPI,
  stops: StopPlan,
  def: NodeDef,
  source: { pause(): void; rewind(): Promise<void> },
): () => void {
  let rewind = false;
  return stops.onStops(
    () => {
      if (stops.isStopping(def.id)) return;
      const batcherStopping = (def.wires?.[0] ?? []).some((id) => stops.isStopping(id) && RED.nodes.getNode(id)?.type === 'micro-batch');
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
