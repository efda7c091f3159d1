/**
 * What a FileFollower is given and what it tells: its options, its events and
 * the notices, errors and snapshots it reports. Apart from the follower so
 * that the modules it is built from share them without importing it.
 */
import type { FollowEvents } from './source-events';
import type { FileIdentity } from './file-identity';
import type { LineChunk, ReaderSettings } from './file-reader';
import type { SplitterEvent } from './line-splitter';
import type { RecordEvent } from './record-joiner';
import type { OpenDescriptor } from './path-policy';

export type StartAt = 'end' | 'beginning';

/** Where reading of one file stopped: enough to resume it after a restart. */
export interface ResumePoint {
  identity: FileIdentity;
  offset: number;
}

export interface FollowerOptions extends ReaderSettings {
  path: string;
  /** Where to start in a file that exists when following begins. */
  startAt: StartAt;
  /** Emit a last line without delimiter after this much idleness; 0 = never. */
  idleFlushMs: number;
  /** Stat checks as a safety net; 0 = none (whoever runs the follower calls `trigger`). */
  pollIntervalMs: number;
  /** Watch the file's folder for changes (default true); off when a watcher elsewhere calls `trigger`. */
  watch?: boolean;
  /** How long a rotated file stays open for late writes. */
  rotateWaitMs?: number;
  chunkBytes?: number;
  /** Positions from a checkpoint or an earlier stop. */
  resume?: ResumePoint[];
  /**
   * The allow-list (see path-policy): asked about every file opened to be
   * read, the followed path and the rotated files and copies found beside
   * it. A file refused is closed unread.
   */
  admit?: (file: string, opened: OpenDescriptor) => Promise<boolean>;
  /** The path must not be a symbolic link (dir-watch's Symlinks `skip`): a link is refused as no file. */
  noFollow?: boolean;
}

export type FollowerState = 'following' | 'waiting' | 'paused' | 'stopped' | 'error';

export type FollowerNotice =
  | { kind: 'rotated'; path: string }
  | { kind: 'removed'; path: string }
  | { kind: 'truncated'; path: string; size: number }
  | { kind: 'recovered'; path: string; from: string; bytes: number }
  | { kind: 'unrecovered'; path: string; bytes: number }
  | { kind: 'resumed'; path: string; offset: number }
  | ({ path: string } & SplitterEvent)
  | ({ path: string } & RecordEvent);

export interface FollowerError {
  path: string;
  /** denied | notAFile | notAllowed (outside the allow-list) | read */
  reason: 'denied' | 'notAFile' | 'notAllowed' | 'read';
  code: string;
  message: string;
}

/** One open file as the follower last saw it. */
export interface OpenFileSnapshot {
  identity: FileIdentity;
  /** Its size at the follower's last stat of it (at least what was read). */
  size: number;
  /** Up to where its bytes have become lines. */
  offset: number;
}

/** What the follower is doing, from what it already knows. */
export interface FollowerSnapshot {
  state: FollowerState;
  /** The file at the path, when one is open. */
  current: OpenFileSnapshot | undefined;
  /** Rotated files still open for late writes, oldest first. */
  rotated: OpenFileSnapshot[];
}

/** What a follower reports (see source-events): lines, and the files it takes up. */
export interface FollowerEvents extends FollowEvents {
  /** Receives lines; a returned promise holds reading until it settles. */
  deliver(chunk: LineChunk): Promise<void> | void;
  /** A file is being read from `offset` on. */
  opened(identity: FileIdentity, offset: number): void;
}
