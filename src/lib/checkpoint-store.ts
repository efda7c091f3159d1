/**
 * Keeps each source's delivered offsets on disk, one small JSON file per
 * source, so reading resumes after a redeploy, a restart or a crash.
 *
 * Writes are atomic (temp file, fsync, rename, fsync of the folder): after a
 * crash a checkpoint is either the old one or the new one, never half of each.
 */
import { promises as fsp } from 'node:fs';
import * as path from 'node:path';
import type { FileIdentity } from './file-identity';

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

export class CheckpointStore {
  constructor(readonly dir: string) {}

  private fileFor(key: string): string {
    return path.join(this.dir, `${key.replace(/[^A-Za-z0-9_.-]/g, '_')}.json`);
  }

  async load(key: string): Promise<Checkpoint | undefined> {
    const file = this.fileFor(key);
    let text: string;
    try {
      text = await fsp.readFile(file, 'utf8');
    } catch (err) {
      const { code, message } = err as NodeJS.ErrnoException;
      if (code === 'ENOENT') return undefined;
      // Name the file: a bare "EISDIR: illegal operation on a directory, read" says not which.
      throw Object.assign(new Error(`Cannot read checkpoint ${file}: ${message}`, { cause: err }), { code });
    }
    let data: Checkpoint | null;
    try {
      data = JSON.parse(text) as Checkpoint | null;
    } catch (err) {
      throw new Error(`Corrupt checkpoint ${file}: ${(err as Error).message}`, { cause: err });
    }
    // `null` or a number parse too: check the shape before reading fields.
    if (typeof data !== 'object' || data === null || data.version !== 1 || !Array.isArray(data.files)) {
      throw new Error(`Unknown checkpoint format in ${file}`);
    }
    return data;
  }

  async save(key: string, checkpoint: Omit<Checkpoint, 'version' | 'updated'>): Promise<void> {
    const data: Checkpoint = { version: 1, path: checkpoint.path, updated: new Date().toISOString(), files: checkpoint.files };
    await writeAtomically(this.fileFor(key), JSON.stringify(data, null, 1));
  }

  async remove(key: string): Promise<void> {
    await fsp.rm(this.fileFor(key), { force: true });
  }

  /** Removes every checkpoint whose key starts with `prefix`. */
  async removeAll(prefix: string): Promise<void> {
    const start = path.basename(this.fileFor(prefix)).replace(/\.json$/, '');
    let names: string[];
    try {
      names = await fsp.readdir(this.dir);
    } catch {
      return;
    }
    await Promise.all(names.filter((n) => n.startsWith(start) && n.endsWith('.json')).map((n) => fsp.rm(path.join(this.dir, n), { force: true })));
  }
}

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
/** A checkpoint's content, or what makes it when it is written (for one that is costly to build). */
export type CheckpointContent = Omit<Checkpoint, 'version' | 'updated'>;

export class CheckpointWriter {
  private latest: CheckpointContent | (() => CheckpointContent) | undefined;
  private timer: NodeJS.Timeout | undefined;
  private writing: Promise<void> = Promise.resolve();
  /** What was last written: the same again is not written (a file closed after its last interval write). */
  private written: string | undefined;

  constructor(
    private readonly store: CheckpointStore,
    private readonly key: string,
    private readonly intervalMs: number,
    private readonly onError: (err: unknown) => void,
  ) {}

  update(checkpoint: CheckpointContent | (() => CheckpointContent)): void {
    this.latest = checkpoint;
    if (this.timer) return;
    this.timer = setTimeout(() => {
      this.timer = undefined;
      void this.writeLatest();
    }, this.intervalMs);
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
