/**
 * Many sources' checkpoints in one file: what a dir-watch keeps for the
 * thousands of files it follows.
 *
 * A file per source (CheckpointStore) cost a write, an fsync and a rename for
 * every file taken up, and a failed open for every file that had none: most
 * of the time 20,000 files took to be followed. The book reads its file once,
 * holds every source's positions in memory, and writes them all at once, at
 * most once per interval and one write at a time. Writes are atomic as the
 * store's are; a save resolves once a write that holds it is on disk.
 *
 * Checkpoints that earlier versions kept a file each are read once, when
 * their key is first loaded, and removed once the book holding them is
 * written.
 */
import { promises as fsp } from 'node:fs';
import * as path from 'node:path';
import {
  type CheckpointContent,
  type CheckpointLoad,
  type CheckpointProblem,
  type CheckpointShelf,
  type CheckpointStore,
  parseContent,
  parseVersioned,
  readIfExists,
  writeAtomically,
} from './checkpoint-store';
import { keepAsideAsync, legacyStateFileName, stateFileName } from './state-file';
import { printable } from './printable-text';
import { timerDelay } from './durations';

interface Entry {
  content: CheckpointContent;
  /** `content` as JSON: only entries saved since the last write are serialized again. */
  json: string;
}

export class CheckpointBook implements CheckpointShelf {
  readonly file: string;
  private opening: Promise<void> | undefined;
  private readonly entries = new Map<string, Entry>();
  /** What was wrong with the book's file, for the first load to report. */
  private problem: CheckpointProblem | undefined;
  /** Names in the store's folder at start: the files of earlier versions' checkpoints among them. */
  private listed = new Set<string>();
  /** Earlier versions' files whose content the book now holds: removed after its next write. */
  private readonly retired = new Set<string>();
  /** Writes run one after another on this chain. */
  private chain: Promise<void> = Promise.resolve();
  /** The next write, not begun yet: saves until it begins are in it. */
  private queued: Promise<void> | undefined;
  private lastWrite = 0;
  private wait: { timer: NodeJS.Timeout; go: () => void } | undefined;
  /** Set by hurry(): writes no longer wait for the interval. */
  private hurried = false;
  private closed = false;

  /** `key` names the book's own file in `store`'s folder. */
  constructor(
    private readonly store: CheckpointStore,
    key: string,
    readonly intervalMs: number,
  ) {
    this.file = store.fileFor(key);
  }

  async load(key: string, followed?: string): Promise<CheckpointLoad> {
    await this.ready();
    if (this.problem) {
      const problem = this.problem;
      this.problem = undefined;
      return problem;
    }
    const entry = this.entries.get(key);
    const names = this.listedFiles(key);
    if (entry) {
      // Left behind by a crash after the book that took it over was written.
      for (const name of names) this.retired.add(name);
      return { kind: 'loaded', checkpoint: { version: 1, updated: '', ...entry.content } };
    }
    if (names.length === 0) return { kind: 'none' };
    // An earlier version's file: the store reads (and, under an old name, renames) it.
    const saved = await this.store.load(key, followed);
    if (saved.kind === 'loaded' && !this.entries.has(key) && !this.closed) {
      this.put(key, { path: saved.checkpoint.path, files: saved.checkpoint.files });
      this.retired.add(stateFileName(key));
      void this.schedule().catch(() => undefined); // a failed write is reported by the next save's
    }
    return saved;
  }

  async save(key: string, content: CheckpointContent): Promise<void> {
    // Read first, even when nothing was loaded (resume off): the write must not drop the other keys.
    await this.ready();
    if (this.closed) return;
    this.put(key, content);
    await this.schedule();
  }

  async remove(key: string): Promise<void> {
    await this.ready();
    if (this.closed) return;
    const held = this.entries.delete(key);
    const names = this.listedFiles(key);
    await Promise.all(names.map((name) => fsp.rm(path.join(this.store.dir, name), { force: true })));
    if (held) await this.schedule();
  }

  /** From now on writes do not wait for the interval: the owner is stopping and wants its positions on disk. */
  hurry(): void {
    this.hurried = true;
    this.wait?.go();
  }

  /** Writes what is pending at once, then nothing more (the owner stopped). */
  async end(): Promise<void> {
    await this.ready(); // saves made before this call are then scheduled
    this.hurry();
    await this.chain;
    this.closed = true;
  }

  /** Drops what is pending and writes nothing more (the owner was removed: its files go). */
  async drop(): Promise<void> {
    this.closed = true;
    this.wait?.go();
    await this.chain;
  }

  /** Earlier versions' files for `key` there were at start, not yet dealt with; from now on they are. */
  private listedFiles(key: string): string[] {
    const names = [stateFileName(key), legacyStateFileName(key)].filter((n): n is string => n !== undefined && this.listed.has(n));
    for (const name of names) this.listed.delete(name);
    return names;
  }

  /** Resolves once the book's file has been read (once). */
  private ready(): Promise<void> {
    return (this.opening ??= this.open());
  }

  private put(key: string, content: CheckpointContent): void {
    const copy = { path: content.path, files: content.files };
    this.entries.set(key, { content: copy, json: JSON.stringify(copy) });
  }

  private async open(): Promise<void> {
    try {
      this.listed = new Set(await fsp.readdir(this.store.dir));
    } catch {
      // No folder yet: nothing stored.
    }
    if (!this.listed.has(path.basename(this.file))) return;
    this.listed.delete(path.basename(this.file));
    const text = await readIfExists(this.file);
    if (text === undefined) return;
    if (typeof text !== 'string') {
      this.problem = { kind: 'unreadable', file: this.file, code: text.code, message: text.message };
      return;
    }
    const sources = parseBook(text);
    if (typeof sources === 'string') {
      this.problem = { kind: 'corrupt', file: this.file, problem: sources, keptAs: await keepAsideAsync(this.file) };
      return;
    }
    for (const [key, content] of sources) this.put(key, content);
  }

  private schedule(): Promise<void> {
    if (!this.queued) {
      const write = this.chain
        .then(() => this.intervalPassed())
        .then(() => {
          this.queued = undefined;
          return this.write();
        });
      this.chain = write.catch(() => undefined);
      this.queued = write;
    }
    return this.queued;
  }

  private intervalPassed(): Promise<void> {
    const left = this.lastWrite + this.intervalMs - Date.now();
    if (left <= 0 || this.hurried || this.closed) return Promise.resolve();
    return new Promise<void>((resolve) => {
      const go = () => {
        clearTimeout(timer);
        this.wait = undefined;
        resolve();
      };
      const timer = setTimeout(go, timerDelay(left));
      this.wait = { timer, go };
    });
  }

  private async write(): Promise<void> {
    if (this.closed) return;
    this.lastWrite = Date.now();
    const retired = [...this.retired];
    this.retired.clear();
    const sources = [...this.entries].map(([key, entry]) => `${JSON.stringify(key)}:${entry.json}`);
    await writeAtomically(this.file, `{"version":1,"updated":${JSON.stringify(new Date().toISOString())},"sources":{${sources.join(',\n')}}}`);
    await Promise.all(retired.map((name) => fsp.rm(path.join(this.store.dir, name), { force: true })));
  }
}

/** Each source's content from a book's text, checked field by field, or what is wrong with it. */
export function parseBook(text: string): Map<string, CheckpointContent> | string {
  const data = parseVersioned(text);
  if (typeof data === 'string') return data;
  const sources = data.sources;
  if (typeof sources !== 'object' || sources === null || Array.isArray(sources)) return '"sources" is not an object';
  const book = new Map<string, CheckpointContent>();
  for (const [key, value] of Object.entries(sources)) {
    const content = parseContent(value);
    if (typeof content === 'string') return `sources[${printable(JSON.stringify(key), 60)}]: ${content}`;
    book.set(key, content);
  }
  return book;
}
