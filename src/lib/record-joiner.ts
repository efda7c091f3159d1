/**
 * Joins lines into multiline records, per file. PLACEHOLDER API: the joiner
 * lands with its tests.
 *
 * Lines come in with their end offsets; complete records come out with
 * theirs. The record in progress is held until a line that starts the next
 * record comes (or `flush`: the file went quiet, or it is finished), so the
 * offset consumed stops at the held record's start: a checkpoint there
 * never splits a record.
 */
import type { RecordRule } from './multiline-rules';

/** A record cut at `maxLines`: the further lines of it were dropped. */
export interface RecordEvent {
  kind: 'long-record';
  /** File offset where the record starts. */
  offset: number;
  /** The limit it went over. */
  lines: number;
}

export interface JoinResult {
  /** Complete records, each its lines joined with "\n". */
  records: string[];
  /** File offset just after each record's last line's delimiter. */
  recordEnds: number[];
  /** Offset of the first record's first byte (or `end` when none). */
  start: number;
  /** Offset up to which every byte is in a record given out (or dropped): the held record's start while one is held. */
  end: number;
}

export class RecordJoiner {
  constructor(rule: RecordRule, maxLines: number, startOffset: number) {
    void rule;
    void maxLines;
    void startOffset;
  }

  /** A record is held (in progress). */
  get holding(): boolean {
    return false;
  }

  /** Offset up to which every byte is in a record given out. */
  get consumed(): number {
    return 0;
  }

  /**
   * Takes the next complete lines of the file: `lineEnds[i]` is the offset
   * after line i's delimiter, `start` the offset of the first line's first
   * byte, `end` the offset up to which the splitter consumed (NUL runs and
   * skipped long lines may lie between lines). Returns the records completed.
   */
  push(lines: string[], lineEnds: number[], start: number, end: number): JoinResult {
    void lines;
    void lineEnds;
    void start;
    return { records: [], recordEnds: [], start: end, end };
  }

  /** Gives out the held record (the file went quiet or is finished). */
  flush(): JoinResult {
    return { records: [], recordEnds: [], start: 0, end: 0 };
  }

  /** Forgets the held record and continues from `offset`. */
  reset(offset: number): void {
    void offset;
  }

  /** Returns and forgets the records cut since the last call. */
  takeEvents(): RecordEvent[] {
    return [];
  }
}
