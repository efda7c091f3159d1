/**
 * The running sources (file-tail, dir-watch), micro-batch nodes and kill
 * switches of one Node-RED runtime (see runtime.ts), for the editor's log
 * ingest sidebar and its metrics endpoint (src/plugins/log-ingest-sidebar).
 *
 * Nodes register when they are created and are gone when they close. A
 * listing asks each source for its engine's snapshot at that moment: nothing
 * is collected or sent while nobody looks.
 */
import { RateMeter, lastErrorAt, type FileSnapshot, type KillSwitch, type LastError } from '../../lib/index';
import type { BatcherView } from './batcher-view';
import type { Node, NodeDef } from './red';

/** What a source reports when listed. */
export interface SourceView {
  /** following, waiting, paused, stopped, polling, … (the node's own words) */
  state: string;
  /** The folder a dir-watch follows. */
  root?: string;
  files: FileSnapshot[];
  lastError?: LastError;
  /** A syslog-in's sockets and senders (it has no files). */
  listener?: ListenerView;
}

/** What a syslog-in node listens on and has received, for the sidebar. */
export interface ListenerView {
  protocol: string;
  address: string;
  port: number;
  connections: number;
  messages: number;
  messagesPerSecond?: number;
  dropped: number;
  errors: number;
  refused: number;
  /** Messages sent on and not yet acknowledged by the batchers after the node. */
  inFlight: number;
  /** The last problem reported, in words. */
  lastProblem?: string;
  /** The busiest senders (lastSeen an ISO time), and how many more there are. */
  senders: { address: string; protocol: string; connections: number; messages: number; bytes: number; dropped: number; errors: number; lastSeen: string; subject?: string }[];
  moreSenders: number;
}

export interface FileRow extends FileSnapshot {
  /** Lines per second over the last seconds; absent on the first look. */
  linesPerSecond?: number;
}

/** Which node a row is about. */
export interface NodeIdentity {
  id: string;
  type: string;
  name: string;
  /** The flow (tab) or subflow the node is in. */
  z: string | undefined;
}

/** A node that obeys a kill switch. */
interface Switched extends NodeIdentity {
  /** The kill-switch-config node it obeys, if any. */
  killSwitch: string | undefined;
}

export interface SourceRow extends Switched {
  state: string;
  root?: string;
  lastError?: LastError;
  listener?: ListenerView;
  files: FileRow[];
  /** Files not listed (beyond the limit). */
  moreFiles: number;
}

export interface SwitchRow extends NodeIdentity {
  state: string;
  since: string | undefined;
  cause: string | undefined;
  /** What the caller said it was (not verified): "editor". */
  claimed?: string;
  reason?: string;
  user?: string;
}

export interface BatcherRow extends BatcherView, Switched {
  /** Set when the node's view threw: the counts are then zeros, not the node's. */
  lastError?: LastError;
}

export interface Listing {
  at: string;
  sources: SourceRow[];
  switches: SwitchRow[];
  batchers: BatcherRow[];
}

/** A source summed over all its files, for the metrics endpoint. */
export interface SourceTotals extends Switched {
  state: string;
  files: number;
  /** Lines read since the node started, over all its files past and present; never goes down. */
  linesRead: number;
  /** Bytes written and not yet read (FileSnapshot.lag: the files at the paths and rotated files still open). */
  lagBytes: number;
}

export interface Totals {
  at: string;
  /** Sources whose view answered (a broken one has no numbers to give). */
  sources: SourceTotals[];
  /** Micro-batch nodes whose view answered. */
  batchers: BatcherRow[];
}

type Registered = NodeIdentity;

/** The node fields of a row (not the registered entry's own). */
function switchedNode(entry: Switched): Switched {
  return { id: entry.id, type: entry.type, name: entry.name, z: entry.z, killSwitch: entry.killSwitch };
}
interface RegisteredSource extends Switched {
  view: () => SourceView;
  linesRead: LineCounter;
}
interface RegisteredBatcher extends Switched {
  /** The flow's delivery setting: what a broken view's row says. */
  delivery: BatcherView['delivery'];
  view: () => BatcherView;
}
interface RegisteredSwitch extends Registered {
  killSwitch: KillSwitch;
}

/** Files listed per source: a folder of thousands stays one readable answer. */
export const MAX_FILES_PER_SOURCE = 200;

function describe(node: Node, def: NodeDef): Registered {
  return { id: node.id, type: node.type, name: def.name ?? '', z: def.z };
}

function killSwitchOf(def: { killSwitch?: unknown }): string | undefined {
  return typeof def.killSwitch === 'string' && def.killSwitch !== '' ? def.killSwitch : undefined;
}

const byName = (a: Registered, b: Registered) => a.type.localeCompare(b.type) || a.name.localeCompare(b.name) || a.id.localeCompare(b.id);

/**
 * A source's lines read as a counter that never goes down. The files' own
 * counts do: a file closed for the open-file limit reports 0, a deleted one
 * leaves the listing, and a scraper would take each drop for a restart and
 * count the remaining lines again. So each look adds what every file read
 * since the previous look, and a file whose count went down (a new session)
 * adds its new count. Lines a file read between the last look and its
 * closing are not counted: a counter a little low rather than one that jumps.
 */
class LineCounter {
  private total = 0;
  private seen = new Map<string, number>();

  update(files: readonly FileSnapshot[]): number {
    const seen = new Map<string, number>();
    for (const file of files) {
      const before = this.seen.get(file.path) ?? 0;
      this.total += file.lines >= before ? file.lines - before : file.lines;
      seen.set(file.path, file.lines);
    }
    this.seen = seen;
    return this.total;
  }
}

/** Keeps `entry` under the node's id until the node closes (a redeployed node's successor is not removed). */
function keep<T>(map: Map<string, T>, node: Node, entry: T): void {
  map.set(node.id, entry);
  node.on('close', (_removed: boolean, done: () => void) => {
    if (map.get(node.id) === entry) map.delete(node.id);
    done();
  });
}

export class SourceRegistry {
  private readonly sources = new Map<string, RegisteredSource>();
  private readonly switches = new Map<string, RegisteredSwitch>();
  private readonly batchers = new Map<string, RegisteredBatcher>();
  /** Rate meters by source id and path; dropped with their source or file. */
  private meters = new Map<string, RateMeter>();

  /** Lists a source node until it closes; `view` is called on each listing. */
  addSource(node: Node, def: NodeDef & { killSwitch?: unknown }, view: () => SourceView): void {
    keep(this.sources, node, { ...describe(node, def), killSwitch: killSwitchOf(def), view, linesRead: new LineCounter() });
  }

  /** Lists a micro-batch node until it closes; `view` is called on each listing. */
  addBatcher(node: Node, def: NodeDef & { killSwitch?: unknown; delivery?: unknown }, view: () => BatcherView): void {
    const delivery = def.delivery === 'ack' ? 'ack' : 'next-node';
    keep(this.batchers, node, { ...describe(node, def), killSwitch: killSwitchOf(def), delivery, view });
  }

  /** Lists a switch a node owns (kill-switch-config, or a kill-switch node's own) until the node closes. */
  addSwitch(node: Node, def: NodeDef, killSwitch: KillSwitch): void {
    keep(this.switches, node, { ...describe(node, def), killSwitch });
  }

  listing(now = Date.now(), maxFiles = MAX_FILES_PER_SOURCE): Listing {
    const meters = this.meters;
    const used = new Map<string, RateMeter>();
    const sourceRows: SourceRow[] = [];
    for (const source of this.sources.values()) {
      let view: SourceView;
      try {
        view = source.view();
      } catch (err) {
        // One broken source must not hide the others.
        view = { state: 'error', files: [], lastError: lastErrorAt({ reason: 'read', code: 'EUNKNOWN', message: String(err) }, now) };
      }
      const files = [...view.files].sort((a, b) => a.path.localeCompare(b.path));
      const rows = files.slice(0, maxFiles).map((file): FileRow => {
        const key = `${source.id}\n${file.path}`;
        const meter = meters.get(key) ?? new RateMeter();
        used.set(key, meter);
        const rate = file.state === 'closed' ? undefined : meter.sample(file.lines, now);
        return rate === undefined ? file : { ...file, linesPerSecond: rate };
      });
      sourceRows.push({
        ...switchedNode(source),
        state: view.state,
        ...(view.root !== undefined && { root: view.root }),
        ...(view.lastError && { lastError: view.lastError }),
        ...(view.listener && { listener: view.listener }),
        files: rows,
        moreFiles: Math.max(0, files.length - maxFiles),
      });
    }
    this.meters = used;
    const switchRows = [...this.switches.values()].map((entry): SwitchRow => {
      const last = entry.killSwitch.last;
      return {
        id: entry.id,
        type: entry.type,
        name: entry.name,
        z: entry.z,
        state: entry.killSwitch.state,
        since: last?.at,
        cause: last?.cause,
        ...(last?.claimed && { claimed: last.claimed }),
        ...(last?.reason && { reason: last.reason }),
        ...(last?.user && { user: last.user }),
      };
    });
    return {
      at: new Date(now).toISOString(),
      sources: sourceRows.sort(byName),
      switches: switchRows.sort(byName),
      batchers: this.batcherRows(now),
    };
  }

  /**
   * Every source summed over all its files (the listing shows at most
   * `maxFiles` of them, and samples the sidebar's rate meters), and every
   * micro-batch: what the metrics endpoint reports. A node whose view throws
   * is left out: zeros would read as a counter reset.
   */
  totals(now = Date.now()): Totals {
    const sources: SourceTotals[] = [];
    for (const source of this.sources.values()) {
      let view: SourceView;
      try {
        view = source.view();
      } catch {
        continue;
      }
      sources.push({
        ...switchedNode(source),
        state: view.state,
        files: view.files.length,
        linesRead: view.listener ? view.listener.messages : source.linesRead.update(view.files),
        lagBytes: view.files.reduce((sum, file) => sum + file.lag, 0),
      });
    }
    return {
      at: new Date(now).toISOString(),
      sources: sources.sort(byName),
      batchers: this.batcherRows(now).filter((row) => row.lastError === undefined),
    };
  }

  private batcherRows(now: number): BatcherRow[] {
    const rows = [...this.batchers.values()].map((entry): BatcherRow => {
      const node = switchedNode(entry);
      try {
        return { ...entry.view(), ...node };
      } catch (err) {
        // One broken micro-batch must not hide the others.
        const lastError = lastErrorAt({ reason: 'read', code: 'EUNKNOWN', message: String(err) }, now);
        return {
          ...node,
          delivery: entry.delivery,
          pending: 0,
          sent: 0,
          sentRecords: 0,
          inFlight: 0,
          acked: 0,
          failed: 0,
          retries: 0,
          givenUp: 0,
          oldestUnackedMs: 0,
          held: false,
          lastError,
        };
      }
    });
    return rows.sort(byName);
  }
}
