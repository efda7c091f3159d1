/**
 * The running sources (file-tail, dir-watch) and kill switches of one
 * Node-RED runtime (see runtime.ts), for the editor's log ingest sidebar
 * (src/plugins/log-ingest-sidebar).
 *
 * Nodes register when they are created and are gone when they close. A
 * listing asks each source for its engine's snapshot at that moment: nothing
 * is collected or sent while nobody looks.
 */
import { RateMeter, lastErrorAt, type FileSnapshot, type KillSwitch, type LastError } from '../../lib/index';
import type { Node, NodeDef } from './red';

/** What a source reports when listed. */
export interface SourceView {
  /** following, waiting, paused, stopped, polling, … (the node's own words) */
  state: string;
  /** The folder a dir-watch follows. */
  root?: string;
  files: FileSnapshot[];
  lastError?: LastError;
}

export interface FileRow extends FileSnapshot {
  /** Lines per second over the last seconds; absent on the first look. */
  linesPerSecond?: number;
}

export interface SourceRow {
  id: string;
  type: string;
  name: string;
  /** The flow (tab) or subflow the node is in. */
  z: string | undefined;
  /** The kill-switch-config node it obeys, if any. */
  killSwitch: string | undefined;
  state: string;
  root?: string;
  lastError?: LastError;
  files: FileRow[];
  /** Files not listed (beyond the limit). */
  moreFiles: number;
}

export interface SwitchRow {
  id: string;
  type: string;
  name: string;
  z: string | undefined;
  state: string;
  since: string | undefined;
  cause: string | undefined;
  /** What the caller said it was (not verified): "editor". */
  claimed?: string;
  reason?: string;
  user?: string;
}

export interface Listing {
  at: string;
  sources: SourceRow[];
  switches: SwitchRow[];
}

interface Registered {
  id: string;
  type: string;
  name: string;
  z: string | undefined;
}
interface RegisteredSource extends Registered {
  killSwitch: string | undefined;
  view: () => SourceView;
}
interface RegisteredSwitch extends Registered {
  killSwitch: KillSwitch;
}

/** Files listed per source: a folder of thousands stays one readable answer. */
export const MAX_FILES_PER_SOURCE = 200;

function describe(node: Node, def: NodeDef): Registered {
  return { id: node.id, type: node.type, name: def.name ?? '', z: def.z };
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
  /** Rate meters by source id and path; dropped with their source or file. */
  private meters = new Map<string, RateMeter>();

  /** Lists a source node until it closes; `view` is called on each listing. */
  addSource(node: Node, def: NodeDef & { killSwitch?: unknown }, view: () => SourceView): void {
    const killSwitch = typeof def.killSwitch === 'string' && def.killSwitch !== '' ? def.killSwitch : undefined;
    keep(this.sources, node, { ...describe(node, def), killSwitch, view });
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
        id: source.id,
        type: source.type,
        name: source.name,
        z: source.z,
        killSwitch: source.killSwitch,
        state: view.state,
        ...(view.root !== undefined && { root: view.root }),
        ...(view.lastError && { lastError: view.lastError }),
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
    const byName = (a: Registered, b: Registered) => a.type.localeCompare(b.type) || a.name.localeCompare(b.name) || a.id.localeCompare(b.id);
    return { at: new Date(now).toISOString(), sources: sourceRows.sort(byName), switches: switchRows.sort(byName) };
  }
}
