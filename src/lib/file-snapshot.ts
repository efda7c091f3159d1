/**
 * How one followed file stands, for whoever watches the tail (the editor's
 * log ingest sidebar): taken from what the engine already knows, so that
 * looking costs no file system call and nothing per line.
 */
import type { FollowerState } from './file-follower';

export interface LastError {
  /** denied | notAFile | read (see FollowerError) */
  reason: string;
  code: string;
  message: string;
  /** ISO 8601 time it happened. */
  at: string;
}

/** A LastError for `error`, noted at `at` (ms since the epoch). */
export function lastErrorAt(error: { reason: string; code: string; message: string }, at = Date.now()): LastError {
  return { reason: error.reason, code: error.code, message: error.message, at: new Date(at).toISOString() };
}

export interface FileSnapshot {
  path: string;
  /** `closed`: closed for the open-file limit (dir-watch), positions kept. */
  state: FollowerState | 'closed';
  /** Bytes in the file at the path at the last look; undefined while none is open. */
  size: number | undefined;
  /** Up to where the file's bytes have become lines. */
  offset: number | undefined;
  /** Up to where the lines were delivered and acknowledged: what a checkpoint holds. */
  committed: number | undefined;
  /** Bytes written but not yet read: of the file at the path and of rotated files still open. */
  lag: number;
  /** Rotated files still open for late writes. */
  rotatedOpen: number;
  /** Lines delivered since the session started. */
  lines: number;
  /** Lines sent and not yet acknowledged. */
  inFlight: number;
  rotations: number;
  truncations: number;
  lastError: LastError | undefined;
}
