/**
 * What the pack keeps per Node-RED runtime, in one object: the delivery
 * ledger, the stop plan, the delivery receipts, the source registry, the
 * redeploy handover and the batch sizes sources read.
 *
 * Node-RED gives every node module (and plugin) its own `RED` object; what
 * they share is the runtime's event emitter, `RED.events`, which therefore
 * keys the context. Nothing here is module-level state but that map.
 *
 * Nodes that need the runtime's events (file-tail, dir-watch, micro-batch)
 * `join` when they start and leave when their close has finished: when the
 * last one leaves, the event listeners are removed (and the onReceive hook,
 * once no batch is in flight).
 * The data (handover, registry) stays with the context, for the nodes of the
 * next deploy.
 */
import { AckRouter, DeliveryLedger, KillSwitchRegistry } from '../../lib/index';
import { DeliveryReceipts } from './delivery-watch';
import { SourceRegistry } from './source-registry';
import { StopPlan } from './stop-plan';
import type { NodeAPI } from './red';

/**
 * What a node holds for its next instance across a redeploy, by node id:
 * records a held batch or gate could not send while the switch was engaged.
 */
export class Handover {
  private readonly values = new Map<string, unknown>();

  put(id: string, value: unknown): void {
    this.values.set(id, value);
  }

  take<T>(id: string): T | undefined {
    const value = this.values.get(id) as T | undefined;
    this.values.delete(id);
    return value;
  }
}

export class RuntimeContext {
  readonly ledger = new DeliveryLedger();
  /** The windows of micro-batch nodes in ack mode, for batch-ack nodes to answer to. */
  readonly acks = new AckRouter();
  readonly stops: StopPlan;
  readonly receipts: DeliveryReceipts;
  readonly sources = new SourceRegistry();
  readonly handover = new Handover();
  /** Kill switches by state file: a redeployed node finds its switch as it was. */
  readonly switches = new KillSwitchRegistry();
  /** The runtime API of the latest node module registered: its settings are the ones in force. */
  latestApi: NodeAPI | undefined;
  /** The batch size of each running micro-batch node: sources wired to one size their credit from it. */
  readonly batchSizes = new Map<string, number>();
  private instances = 0;
  private running = 0;
  /** Admin apps an endpoint family is on (the routes of an app cannot be taken back). */
  private readonly served = new Map<string, WeakSet<object>>();
  private readonly warned = new Set<string>();

  constructor(RED: Pick<NodeAPI, 'events' | 'hooks'>) {
    this.stops = new StopPlan(RED.events);
    this.receipts = new DeliveryReceipts(RED.hooks, this.stops);
  }

  /** A number for a new running instance of a source, unique in this runtime (see ingest-ticket). */
  nextInstance(): number {
    return ++this.instances;
  }

  /**
   * A node that needs the runtime's events starts. Returns `leave`, to be
   * called once its close has finished (calling it again does nothing).
   */
  join(): () => void {
    this.running++;
    this.stops.listen();
    let left = false;
    return () => {
      if (left) return;
      left = true;
      if (--this.running > 0) return;
      this.stops.unlisten();
      this.receipts.close();
    };
  }

  /** True the first time a warning is raised: a setting's problem is logged once per runtime, not once per node. */
  firstWarning(key: string): boolean {
    if (this.warned.has(key)) return false;
    this.warned.add(key);
    return true;
  }

  /** True the first time `family` asks for `app`: its routes are added once per admin app. */
  firstServing(family: string, app: object): boolean {
    let apps = this.served.get(family);
    if (!apps) this.served.set(family, (apps = new WeakSet()));
    if (apps.has(app)) return false;
    apps.add(app);
    return true;
  }
}

const contexts = new WeakMap<object, RuntimeContext>();

/** The context of the runtime `RED` belongs to. */
export function runtimeOf(RED: Pick<NodeAPI, 'events' | 'hooks'>): RuntimeContext {
  // A RED without events (a hand-made one in a test) is a runtime of its own.
  const key: object = RED.events ?? RED;
  let context = contexts.get(key);
  if (!context) contexts.set(key, (context = new RuntimeContext(RED)));
  return context;
}

