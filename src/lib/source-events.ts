/**
 * What the engine reports on its way up, one name per thing at every layer:
 * the follower tells its session, the session tells the directory tail or
 * the file-tail node, the directory tail tells the dir-watch node. Each
 * layer's interface is made of these, plus what that layer alone adds.
 */
import type { FollowerError, FollowerNotice, FollowerState } from './file-follower';
import type { CheckpointProblem } from './checkpoint-store';
import type { LineChunk } from './file-reader';
import type { Ticket } from './ingest-ticket';

/** What happens to a followed path. */
export interface FollowEvents {
  state(state: FollowerState): void;
  /** A file was rotated, truncated, resumed from a checkpoint, … (see FollowerNotice). */
  notice(notice: FollowerNotice): void;
  error(error: FollowerError): void;
}

/** What happens to the checkpoint. */
export interface CheckpointEvents {
  /** Writing the checkpoint failed (the next write tries again). */
  checkpointError(err: unknown): void;
  /** The stored checkpoint could not be used (corrupt: kept aside; or unreadable): reading starts as configured. */
  checkpointProblem(problem: CheckpointProblem): void;
}

/** Lines going out with their ticket, and how many may be in flight. */
export interface LineEvents {
  emit(chunk: LineChunk, ticket: Ticket): void;
  /** Acknowledgements a message will need (batchers wired downstream). */
  acksPerMessage(chunk: LineChunk): number;
  /** Most lines allowed in flight unacknowledged. */
  creditLines(): number;
}
