/**
 * What the parts a FileFollower is built from share of it: its options, its
 * folder, its events, the sizes its snapshot reports and the allow-list's word
 * on every file it opens.
 */
import type { promises as fsp } from 'node:fs';
import type { FileReader, LineChunk } from './file-reader';
import type { FollowerOptions, FollowerEvents } from './follower-types';

export interface FollowContext {
  readonly options: FollowerOptions;
  /** The folder of `options.path`, where rotated files and copies are looked for. */
  readonly dir: string;
  readonly events: FollowerEvents;
  /** Hands lines on (events.deliver); a returned promise holds reading until it settles. */
  readonly deliver: (chunk: LineChunk) => Promise<void> | void;
  /** File sizes from the stats reading does anyway, for snapshot(). */
  readonly sizes: WeakMap<FileReader, number>;
}

/** The allow-list lets this open file be read; when it does not, the file is closed. */
export async function admitted(options: FollowerOptions, file: string, handle: fsp.FileHandle): Promise<boolean> {
  if (!options.admit) return true;
  let ok = false;
  try {
    ok = await options.admit(file, handle);
  } catch {
    // cannot tell: refused
  }
  if (!ok) await handle.close().catch(() => undefined);
  return ok;
}
