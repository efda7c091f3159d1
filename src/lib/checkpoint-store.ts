/**
 * Keeps each source's delivered offsets on disk, one small JSON file per
 * source, so reading resumes after a redeploy, a restart or a crash.
 *
 * Writes are atomic (temp file, fsync, rename, fsync of the folder): after a
 * crash a checkpoint is either the old one or the new one, never half of each.
 */
import { promises as fsp } from 'node:fs';
import * as path from 'node:path';
import { HEAD_BYTES, type FileIdentity } from './file-identity';
import { printable } from './printable-text';
import { readRegularFile } from './regular-file';
import { isLegacyAmbiguous, keepAsideAsync, legacyStateFileName, namesUnder, stateFileName } from './state-file';
import { timerDelay } from './durations';

export interface FilePosition {
  identity: FileIdentity;
  /** Bytes delivered from the start of the file. */
  offset: number;
  /** The path the file was read under, where it matters (dir-watch). */
  path?: string;
}

export interface Checkpoint {
  version: 1;
  /** The path the source followed when this was written. */
  path: string;
  updated: string;
  files: FilePosition[];
}

/** What a source keeps: the path it follows and its positions. */
export type CheckpointContent = Omit<Checkpoint, 'version' | 'updated'>;

/**
 * What loading a checkpoint found.
 * - `none`: there is none; start as configured.
 * - `loaded`: a checkpoint whose every field is valid.
 * - `corrupt`: the file is not a valid checkpoint (not JSON, another version,
 *   a field missing or of the wrong type or range). It was moved to `keptAs`
 *   (undefined if that failed); start as configured.
 * - `unreadable`: the file could not be read (permissions, a folder in its
 *   place); it is left where it is. Start as configured.
 */
export type CheckpointLoad =
  | { kind: 'none' }
  | { kind: 'loaded'; checkpoint: Checkpoint }
  | { kind: 'corrupt'; file: string; problem: string; keptAs: string | undefined }
  | { kind: 'unreadable'; file: string; code: string | undefined; message: string };

/** Problems with a checkpoint, for the nodes' warnings. */
export type CheckpointProblem = Exclude<CheckpointLoad, { kind: 'none' } | { kind: 'loaded' }>;

/**
 * Where sources keep their checkpoints, by key: a CheckpointStore (a file
 * each) or a CheckpointBook (many in one file).
 */
export interface CheckpointShelf {
  load(key: string, followed?: string): Promise<CheckpointLoad>;
  /** Resolves once `content` is on disk. */
  save(key: string, content: CheckpointContent): Promise<void>;
  remove(key: string): Promise<void>;
}

export class CheckpointStore implements CheckpointShelf {
  constructor(readonly dir: string) {}

  /** The file that holds `key`'s checkpoint. */
  fileFor(key: string): string {
    return path.join(this.dir, stateFileName(key));
  }

  /**
   * Reads `key`'s checkpoint. Never rejects: whatever is in the file, the
   * result is a checkpoint that is valid in every field, or the reason there
   * is none. A corrupt file is moved aside, so it is reported once and the
   * next save starts clean.
   *
   * `followed` is the path the caller follows: it decides whether a file
   * under the name earlier versions used is this key's (see adoptLegacy).
   */
  async load(key: string, followed?: string): Promise<CheckpointLoad> {
    const file = this.fileFor(key);
    let text = await readIfExists(file);
    if (text === undefined && (await this.adoptLegacy(key, file, followed))) text = await readIfExists(file);
    if (text === undefined) return { kind: 'none' };
    if (typeof text !== 'string') return { kind: 'unreadable', file, code: text.code, message: text.message };
    const checkpoint = parseCheckpoint(text);
    if (typeof checkpoint !== 'string') return { kind: 'loaded', checkpoint };
    return { kind: 'corrupt', file, problem: checkpoint, keptAs: await keepAsideAsync(file) };
  }

  /**
   * Upgrades: earlier versions named the file differently (legacyStateFileName).
   * With no file under today's name, one under the old name is moved to it,
   * so positions survive the upgrade. Returns whether one was.
   *
   * When other keys shared the old name (this key has unsafe characters:
   * `a/b` and `a_b` both wrote `a_b.json`), the file may be another key's.
   * It is taken only when nothing says so: when it records the path this
   * key follows (`followed`), or when it is no valid checkpoint at all (then
   * it is of no use to anyone, and load keeps it aside and says so). A valid
   * one for another path is left for its owner. If two keys follow the same
   * path under one old name, the first to load takes it: they shared that
   * file before, and its positions are checked against each file's identity.
   */
  private async adoptLegacy(key: string, file: string, followed: string | undefined): Promise<boolean> {
    const legacyName = legacyStateFileName(key);
    if (legacyName === undefined) return false;
    const legacy = path.join(this.dir, legacyName);
    if (isLegacyAmbiguous(key)) {
      const text = await readIfExists(legacy);
      if (typeof text !== 'string') return false; // none, or unreadable: leave it
      const checkpoint = parseCheckpoint(text);
      if (typeof checkpoint !== 'string' && checkpoint.path !== followed) return false;
    }
    try {
      await fsp.rename(legacy, file);
      return true;
    } catch {
      return false;
    }
  }

  async save(key: string, checkpoint: CheckpointContent): Promise<void> {
    const data: Checkpoint = { version: 1, path: checkpoint.path, updated: new Date().toISOString(), files: checkpoint.files };
    await writeAtomically(this.fileFor(key), JSON.stringify(data, null, 1));
  }

  async remove(key: string): Promise<void> {
    await fsp.rm(this.fileFor(key), { force: true });
  }

  /** Removes every checkpoint whose key is `prefix` and then safe characters only (see namesUnder). */
  async removeAll(prefix: string): Promise<void> {
    const under = namesUnder(prefix);
    let names: string[];
    try {
      names = await fsp.readdir(this.dir);
    } catch {
      return;
    }
    await Promise.all(names.filter(under).map((n) => fsp.rm(path.join(this.dir, n), { force: true })));
  }
}

/** The file's text; undefined when there is none; the error when it cannot be read. */
export async function readIfExists(file: string): Promise<string | NodeJS.ErrnoException | undefined> {
  try {
    return await readRegularFile(file, 'utf8');
  } catch (err) {
    const error = err as NodeJS.ErrnoException;
    return error.code === 'ENOENT' ? undefined : error;
  }
}

const isRecord = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value);
const isCount = (value: unknown): value is number => Number.isSafeInteger(value) && (value as number) >= 0;
/** Device and inode numbers: whole and not negative; an inode may exceed 2^53 (Windows), so not "safe". */
const isDeviceNumber = (value: unknown): value is number => Number.isInteger(value) && (value as number) >= 0;
const HEAD_HASH = /^[0-9a-f]{64}$/;
/** A value from the file for a message: as JSON, short, and one printable line (none of its control characters reach the log). */
const shown = (value: unknown): string => printable(JSON.stringify(value) ?? 'undefined', 41);

/**
 * A checkpoint from a file's text, checked field by field, or what is wrong
 * with it. Only the known fields are copied: nothing else in the file
 * reaches the engine.
 */
export function parseCheckpoint(text: string): Checkpoint | string {
  const data = parseVersioned(text);
  if (typeof data === 'string') return data;
  const content = parseContent(data);
  return typeof content === 'string' ? content : { version: 1, updated: data.updated, ...content };
}

/** A JSON object of version 1 with an `updated` string, from a state file's text, or what is wrong with it. */
export function parseVersioned(text: string): (Record<string, unknown> & { updated: string }) | string {
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (err) {
    // The parser quotes the text: no control characters into the log, and not much of it.
    return `not JSON: ${printable((err as Error).message, 200)}`;
  }
  if (!isRecord(data)) return 'not a JSON object';
  if (data.version !== 1) return `unknown version ${shown(data.version)}`;
  if (typeof data.updated !== 'string') return '"updated" is not a string';
  return data as Record<string, unknown> & { updated: string };
}

/** One source's path and positions, checked field by field, or what is wrong with them. */
export function parseContent(data: unknown): CheckpointContent | string {
  if (!isRecord(data)) return 'not an object';
  if (typeof data.path !== 'string') return '"path" is not a string';
  if (!Array.isArray(data.files)) return '"files" is not a list';
  const files: FilePosition[] = [];
  for (const [i, entry] of data.files.entries()) {
    const position = parseFilePosition(entry);
    if (typeof position === 'string') return `files[${i}]: ${position}`;
    files.push(position);
  }
  return { path: data.path, files };
}

function parseFilePosition(entry: unknown): FilePosition | string {
  if (!isRecord(entry)) return 'not an object';
  const { identity, offset } = entry;
  if (!isRecord(identity)) return '"identity" is not an object';
  if (!isDeviceNumber(identity.dev)) return '"identity.dev" is not a whole number, 0 or more';
  if (!isDeviceNumber(identity.ino)) return '"identity.ino" is not a whole number, 0 or more';
  if (!isCount(identity.headLength) || identity.headLength > HEAD_BYTES) return `"identity.headLength" is not a whole number from 0 to ${HEAD_BYTES}`;
  if (typeof identity.headHash !== 'string' || !HEAD_HASH.test(identity.headHash)) return '"identity.headHash" is not a sha256 in hex';
  if (!isCount(offset)) return `"offset" ${shown(offset)} is not a whole number of bytes, 0 or more`;
  if (entry.path !== undefined && typeof entry.path !== 'string') return '"path" is not a string';
  const position: FilePosition = {
    identity: { dev: identity.dev, ino: identity.ino, headLength: identity.headLength, headHash: identity.headHash },
    offset,
  };
  if (typeof entry.path === 'string') position.path = entry.path;
  return position;
}

// The three below are process-wide on purpose: they are about folders on
// disk, which every store and book of every runtime in the process shares,
// and they hold no state of a runtime.

/** Makes temp names unique across every writer in the process, whatever store it belongs to. */
let tempCounter = 0;

/** Folders known to exist: one mkdir per folder, not one per write. */
const madeDirs = new Set<string>();

/**
 * One fsync of a folder covers every rename made in it before the fsync
 * began: writes that finish while one runs share the next one.
 */
const dirSyncs = new Map<string, { running: Promise<void>; next: Promise<void> | undefined }>();

function syncDir(dir: string): Promise<void> {
  const state = dirSyncs.get(dir);
  if (!state) {
    const running = fsyncDir(dir).finally(() => {
      const now = dirSyncs.get(dir);
      if (now?.running === running && !now.next) dirSyncs.delete(dir);
    });
    dirSyncs.set(dir, { running, next: undefined });
    return running;
  }
  state.next ??= state.running.then(() => {
    state.next = undefined;
    dirSyncs.delete(dir);
    return syncDir(dir);
  });
  return state.next;
}

async function fsyncDir(dir: string): Promise<void> {
  const dirHandle = await fsp.open(dir, 'r').catch(() => undefined);
  if (dirHandle) {
    // The rename itself must survive a power cut: sync the folder entry.
    await dirHandle.sync().catch(() => undefined);
    await dirHandle.close();
  }
}

export async function writeAtomically(file: string, text: string): Promise<void> {
  const dir = path.dirname(file);
  if (!madeDirs.has(dir)) {
    await fsp.mkdir(dir, { recursive: true });
    madeDirs.add(dir);
  }
  const temp = `${file}.${process.pid}.${++tempCounter}.tmp`;
  let handle;
  try {
    handle = await fsp.open(temp, 'w', 0o600);
  } catch (err) {
    // The folder was removed since: make it again.
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
    await fsp.mkdir(dir, { recursive: true });
    handle = await fsp.open(temp, 'w', 0o600);
  }
  try {
    await handle.writeFile(text);
    await handle.sync();
  } finally {
    await handle.close();
  }
  try {
    await fsp.rename(temp, file);
  } catch (err) {
    await fsp.rm(temp, { force: true });
    throw err;
  }
  await syncDir(dir);
}

/**
 * Writes a source's checkpoint at most once per interval while it changes,
 * and at once on `flush`. Only one write runs at a time; the last state wins.
 */
export class CheckpointWriter {
  private latest: CheckpointContent | (() => CheckpointContent) | undefined;
  private timer: NodeJS.Timeout | undefined;
  private writing: Promise<void> = Promise.resolve();
  /** What was last written: the same again is not written (a file closed after its last interval write). */
  private written: string | undefined;

  constructor(
    private readonly store: CheckpointShelf,
    private readonly key: string,
    private readonly intervalMs: number,
    private readonly onError: (err: unknown) => void,
  ) {}

  /** `checkpoint`, or what makes it when it is written (for one that is costly to build). */
  update(checkpoint: CheckpointContent | (() => CheckpointContent)): void {
    this.latest = checkpoint;
    if (this.timer) return;
    this.timer = setTimeout(() => {
      this.timer = undefined;
      void this.writeLatest();
    }, timerDelay(this.intervalMs));
    this.timer.unref?.();
  }

  async flush(): Promise<void> {
    clearTimeout(this.timer);
    this.timer = undefined;
    await this.writeLatest();
  }

  /** Stops writing; a pending state is dropped. */
  cancel(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
    this.latest = undefined;
  }

  private writeLatest(): Promise<void> {
    this.writing = this.writing.then(async () => {
      const data = this.latest;
      if (!data) return;
      this.latest = undefined;
      try {
        const content = typeof data === 'function' ? data() : data;
        const text = JSON.stringify(content);
        if (text === this.written) return;
        await this.store.save(this.key, content);
        this.written = text;
      } catch (err) {
        this.onError(err);
      }
    });
    return this.writing;
  }
}
