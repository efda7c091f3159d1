/**
 * An emergency stop shared by any number of sources, batchers and gates:
 * engaged or released, with a record of who changed it, when and why.
 *
 * The state survives restarts: every change is written atomically to one
 * small JSON file per switch. A switch whose file exists but cannot be read
 * or understood starts engaged (fail closed) and says why; the unreadable
 * file is kept aside for inspection.
 *
 * One process-wide registry hands out switches by state file, so the nodes
 * of a redeployed flow find the same switch, listeners and all, that the
 * nodes they replace used.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { writeAtomically } from './checkpoint-store';
import { readRegularFileSync } from './regular-file';
import { isLegacyAmbiguous, keepAside, legacyStateFileName, stateFileName } from './state-file';
import { printable } from './printable-text';

export type SwitchState = 'engaged' | 'released';

/**
 * What changed the switch: a control message, an HTTP call (the editor's
 * buttons make HTTP calls too), the configured initial state on first start,
 * or an unreadable state file (fail closed).
 */
export type ChangeCause = 'message' | 'http' | 'initial' | 'fail-closed';

/**
 * Who an HTTP caller said it was: anyone can say so, so it is recorded as
 * said, never as the cause. Files written before it existed have the cause
 * "editor", which was only ever this claim: they read as `http` + `editor`.
 */
export type ClaimedClient = 'editor';

export interface SwitchChange {
  state: SwitchState;
  /** ISO 8601 time of the change. */
  at: string;
  cause: ChangeCause;
  /** What the caller said it was (not verified); see ClaimedClient. */
  claimed?: ClaimedClient;
  reason?: string;
  /** The user who made it, when Node-RED's admin auth names one. */
  user?: string;
  /** The id of the node that received the control message or HTTP call. */
  node?: string;
}

export type ChangeRequest = Pick<SwitchChange, 'cause' | 'claimed' | 'reason' | 'user' | 'node'>;

/** How a switch found its state when it was opened. */
export type LoadOutcome =
  | { kind: 'restored' }
  | { kind: 'initial' }
  | { kind: 'fail-closed'; error: string; keptAs: string | undefined };

export interface SwitchListener {
  change?(change: SwitchChange): void;
  /** Writing the state file failed: the change holds, but not across a restart. */
  saveError?(err: unknown): void;
}

interface StateFile {
  version: 1;
  id: string;
  state: SwitchState;
  history: SwitchChange[];
}

/** Changes kept (in memory and in the file); older ones are dropped. */
export const HISTORY_LIMIT = 50;
/** Longest reason kept, in characters: a reason is a note, not a payload. */
export const REASON_LIMIT = 500;
/** Longest user name, node id or time kept, in characters. */
export const NAME_LIMIT = 100;
/** Longest fail-closed reason: it names the file and the error. */
const FAIL_REASON_LIMIT = 2000;

const CAUSES: readonly string[] = ['message', 'http', 'initial', 'fail-closed'] satisfies ChangeCause[];

const isState = (value: unknown): value is SwitchState => value === 'engaged' || value === 'released';

export class KillSwitch {
  private current: SwitchState;
  private readonly changes: SwitchChange[];
  private readonly listeners = new Set<SwitchListener>();
  private writing: Promise<void> = Promise.resolve();
  private queued: Promise<void> | undefined;

  private constructor(
    readonly id: string,
    /** The state file; undefined keeps the switch in memory only. */
    readonly file: string | undefined,
    state: SwitchState,
    history: SwitchChange[],
    readonly loaded: LoadOutcome,
  ) {
    this.current = state;
    this.changes = history.slice(-HISTORY_LIMIT);
  }

  /**
   * Reads the switch's state from `file` (synchronously: a source must know
   * whether to read before it starts). No file: `initial`, which is then
   * written. An unreadable or unknown file: engaged, fail closed.
   */
  static open(id: string, file: string | undefined, initial: SwitchState): KillSwitch {
    const now = new Date().toISOString();
    if (!file) return new KillSwitch(id, undefined, initial, [{ state: initial, at: now, cause: 'initial' }], { kind: 'initial' });
    let text: string | undefined;
    let error: string | undefined;
    try {
      text = readRegularFileSync(file, 'utf8');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') error = (err as Error).message;
    }
    if (text !== undefined) {
      const data = parseStateFile(text);
      if (typeof data !== 'string') return new KillSwitch(id, file, data.state, data.history, { kind: 'restored' });
      error = data;
    }
    if (error === undefined) {
      const sw = new KillSwitch(id, file, initial, [{ state: initial, at: now, cause: 'initial' }], { kind: 'initial' });
      sw.save().catch(() => undefined); // reported to listeners; the state holds in memory
      return sw;
    }
    // Fail closed, and keep the bad file for whoever investigates.
    const keptAs = keepAside(file);
    // The error can quote the file's text: it is cleaned like any reason.
    const reason = printable(`state file ${file} could not be read (${error})${keptAs ? `; kept as ${keptAs}` : ''}`, FAIL_REASON_LIMIT);
    const sw = new KillSwitch(id, file, 'engaged', [{ state: 'engaged', at: now, cause: 'fail-closed', reason }], {
      kind: 'fail-closed',
      error: printable(error, FAIL_REASON_LIMIT),
      keptAs,
    });
    sw.save().catch(() => undefined);
    return sw;
  }

  get state(): SwitchState {
    return this.current;
  }

  get engaged(): boolean {
    return this.current === 'engaged';
  }

  /** The last change (or how the state was first set). */
  get last(): SwitchChange | undefined {
    return this.changes[this.changes.length - 1];
  }

  /** Changes, oldest first, at most HISTORY_LIMIT. */
  get history(): SwitchChange[] {
    return this.changes.map((c) => ({ ...c }));
  }

  /**
   * Sets the state. Returns the change, or undefined when the switch already
   * was in that state (nothing is recorded then).
   */
  set(state: SwitchState, request: ChangeRequest): SwitchChange | undefined {
    if (!isState(state)) throw new Error(`Unknown kill switch state "${String(state)}"`);
    if (state === this.current) return undefined;
    const change: SwitchChange = { state, at: new Date().toISOString(), cause: request.cause };
    if (request.claimed === 'editor') change.claimed = request.claimed;
    // Caller's text goes into the log and the editor: one printable line.
    const reason = printable(request.reason, REASON_LIMIT);
    if (reason) change.reason = reason;
    const user = printable(request.user, NAME_LIMIT);
    if (user) change.user = user;
    const node = printable(request.node, NAME_LIMIT);
    if (node) change.node = node;
    this.current = state;
    this.changes.push(change);
    if (this.changes.length > HISTORY_LIMIT) this.changes.splice(0, this.changes.length - HISTORY_LIMIT);
    this.save().catch(() => undefined);
    for (const listener of [...this.listeners]) listener.change?.({ ...change });
    return { ...change };
  }

  engage(request: ChangeRequest): SwitchChange | undefined {
    return this.set('engaged', request);
  }

  release(request: ChangeRequest): SwitchChange | undefined {
    return this.set('released', request);
  }

  toggle(request: ChangeRequest): SwitchChange | undefined {
    return this.set(this.engaged ? 'released' : 'engaged', request);
  }

  /** Calls `listener` on every change from now on; returns the unsubscribe function. */
  subscribe(listener: SwitchListener): () => void {
    this.listeners.add(listener);
    return () => {
      this.listeners.delete(listener);
    };
  }

  /** Resolves once the state as it is now is on disk; rejects if that write failed. */
  whenSaved(): Promise<void> {
    return this.writing;
  }

  /** Writes the current state; changes made while a write waits join it. */
  private save(): Promise<void> {
    const file = this.file;
    if (!file) return Promise.resolve();
    if (this.queued) return this.queued;
    const run = this.writing
      .catch(() => undefined)
      .then(() => {
        this.queued = undefined;
        const data: StateFile = { version: 1, id: this.id, state: this.current, history: this.changes };
        return writeAtomically(file, JSON.stringify(data, null, 1));
      });
    this.queued = run;
    this.writing = run;
    run.catch((err) => {
      for (const listener of [...this.listeners]) listener.saveError?.(err);
    });
    return run;
  }
}

/** The file's content, or why it cannot be used. */
function parseStateFile(text: string): StateFile | string {
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (err) {
    return `not JSON: ${(err as Error).message}`;
  }
  const file = data as Partial<StateFile> | null;
  if (typeof file !== 'object' || file === null || file.version !== 1 || !isState(file.state)) return 'unknown format';
  const history = Array.isArray(file.history) ? file.history.flatMap((c: unknown) => changeFromFile(c) ?? []) : [];
  return { version: 1, id: String(file.id ?? ''), state: file.state, history };
}

/** The state file of switch `id` in `dir` (one per id: see stateFileName). */
export function switchFile(dir: string, id: string): string {
  return path.join(dir, stateFileName(id));
}

/**
 * A change as read from a state file, held to what `set` records: the file
 * may be from an older version, or edited by hand. Undefined if unusable.
 */
function changeFromFile(value: unknown): SwitchChange | undefined {
  if (typeof value !== 'object' || value === null) return undefined;
  const entry = value as Record<string, unknown>;
  if (!isState(entry.state) || typeof entry.at !== 'string') return undefined;
  const change: SwitchChange = { state: entry.state, at: printable(entry.at, NAME_LIMIT), cause: 'http' };
  if (entry.cause === 'editor' || entry.claimed === 'editor') change.claimed = 'editor';
  if (typeof entry.cause === 'string' && CAUSES.includes(entry.cause)) change.cause = entry.cause as ChangeCause;
  else if (entry.cause !== 'editor') change.cause = printable(entry.cause, NAME_LIMIT) as ChangeCause; // unknown: kept as written
  const limits = { reason: entry.cause === 'fail-closed' ? FAIL_REASON_LIMIT : REASON_LIMIT, user: NAME_LIMIT, node: NAME_LIMIT } as const;
  for (const key of ['reason', 'user', 'node'] as const) {
    const text = printable(entry[key], limits[key]);
    if (text) change[key] = text;
  }
  return change;
}

/**
 * Upgrades: earlier versions named the state file differently
 * (legacyStateFileName). With no file under today's name, one under the old
 * name is moved to it, so the state survives the upgrade.
 *
 * When other ids shared the old name (`a/b` and `a_b` both wrote `a_b.json`),
 * the file may be another switch's. It is moved when it records this id; one
 * that records another id is left alone. One that cannot be understood may be
 * either's: it is copied, so this switch fails closed on it (and keeps its
 * copy aside), and the original is left for the other switch to fail closed
 * on too.
 */
function adoptLegacySwitchFile(dir: string, id: string, file: string): void {
  const legacyName = legacyStateFileName(id);
  if (legacyName === undefined || fs.existsSync(file)) return;
  const legacy = path.join(dir, legacyName);
  if (isLegacyAmbiguous(id)) {
    let text: string;
    try {
      text = readRegularFileSync(legacy, 'utf8');
    } catch {
      return; // none, or not readable by us: leave it
    }
    const data = parseStateFile(text);
    if (typeof data === 'string') {
      try {
        fs.copyFileSync(legacy, file, fs.constants.COPYFILE_EXCL);
      } catch {
        // it cannot be copied: start without it
      }
      return;
    }
    if (data.id !== id) return;
  }
  try {
    fs.renameSync(legacy, file);
  } catch {
    // none, or it cannot be moved: start without it
  }
}

/** Switches by state file, for the life of a Node-RED runtime (one registry per runtime: src/nodes/shared/runtime). */
export class KillSwitchRegistry {
  private readonly switches = new Map<string, KillSwitch>();

  /**
   * The switch `id` kept in `dir`: the one already open, or one read from
   * its file (`initial` when it has none). `created` tells which.
   */
  open(id: string, dir: string, initial: SwitchState): { killSwitch: KillSwitch; created: boolean } {
    const file = path.resolve(switchFile(dir, id));
    const known = this.switches.get(file);
    if (known) return { killSwitch: known, created: false };
    adoptLegacySwitchFile(dir, id, file);
    const killSwitch = KillSwitch.open(id, file, initial);
    this.switches.set(file, killSwitch);
    return { killSwitch, created: true };
  }
}
