/**
 * Joins lines into multiline records, per file.
 *
 * Lines come in with their end offsets; complete records come out with
 * theirs. The record in progress is held until a line that starts the next
 * record comes (or `flush`: the file went quiet, or it is finished), so the
 * offset consumed stops at the held record's start: a checkpoint there
 * never splits a record.
 *
 * Memory is bounded: a held record is at most `maxLines` lines. A record
 * that reaches them is given out at once, and its further lines are dropped
 * (counted as consumed) up to the next line that starts a record.
 *
 * A flushed record is given out for good: a continuation line that comes
 * after a flush starts a new record (it cannot join one already sent).
 * That is the price of the quiet timeout. Likewise, a restart from a
 * checkpoint inside a cut record's dropped lines makes the lines left of
 * them a record of their own.
 *
 * On the hot path: a one-line record is its line (no join, no array); the
 * lines of a longer one are held in one array, emptied for each record.
 */
import type { OpenRecord, RecordRule } from './multiline-rules';

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
  /** Offset of the first record's first byte (or this result's `end` when none). */
  start: number;
  /** Offset up to which every byte is in a record given out (or dropped): the held record's start while one is held. */
  end: number;
}

/** The joiner's record, as its rule sees it: one object, reused for every record. */
class Open implements OpenRecord {
  lineCount = 0;
  firstLine = '';
  lastLine = '';
  state = 0;
}

/** No record: the next line starts one. */
const IDLE = 0;
/** A record is held, its lines kept. */
const HOLDING = 1;
/** A record was cut at maxLines and given out: its further lines are dropped. */
const DROPPING = 2;

export class RecordJoiner {
  private readonly rule: RecordRule;
  private readonly maxLines: number;
  private phase = IDLE;
  private readonly open = new Open();
  /** The held record's lines once it has two or more (one line is `open.firstLine`). */
  private readonly held: string[] = [];
  /** File offset of the held (or cut) record's first byte. */
  private recordStart: number;
  /** File offset after the held record's last line. */
  private recordEnd: number;
  /** Offset up to which the lines were pushed: the last `end` given. */
  private position: number;
  /** The cut record's dropping has been reported. */
  private cutReported = false;
  private events: RecordEvent[] = [];

  constructor(rule: RecordRule, maxLines: number, startOffset: number) {
    if (!Number.isSafeInteger(maxLines) || maxLines < 1) {
      throw new RangeError(`multilineMaxLines must be a whole number of at least 1, not ${String(maxLines)}`);
    }
    this.rule = rule;
    this.maxLines = maxLines;
    this.recordStart = startOffset;
    this.recordEnd = startOffset;
    this.position = startOffset;
  }

  /** A record is held (in progress). */
  get holding(): boolean {
    return this.phase === HOLDING;
  }

  /** Offset up to which every byte is in a record given out. */
  get consumed(): number {
    return this.phase === HOLDING ? this.recordStart : this.position;
  }

  /**
   * Takes the next complete lines of the file: `lineEnds[i]` is the offset
   * after line i's delimiter, `start` the offset of the first line's first
   * byte, `end` the offset up to which the splitter consumed (NUL runs and
   * skipped long lines may lie between lines). Returns the records completed.
   */
  push(lines: string[], lineEnds: number[], start: number, end: number): JoinResult {
    const records: string[] = [];
    const recordEnds: number[] = [];
    let firstStart = -1;
    const rule = this.rule;
    const open = this.open;
    for (let i = 0; i < lines.length; i++) {
      const line = lines[i];
      const lineEnd = lineEnds[i];
      if (this.phase !== IDLE && rule.continues(line, open)) {
        if (this.phase === HOLDING) {
          this.append(line, lineEnd);
          if (open.lineCount >= this.maxLines) {
            if (firstStart < 0) firstStart = this.recordStart;
            this.giveOut(records, recordEnds);
            this.phase = DROPPING;
            this.cutReported = false;
          }
        } else {
          this.drop(line);
        }
        continue;
      }
      if (this.phase === HOLDING) {
        if (firstStart < 0) firstStart = this.recordStart;
        this.giveOut(records, recordEnds);
      }
      this.begin(line, i === 0 ? start : lineEnds[i - 1], lineEnd);
      if (this.maxLines === 1) {
        if (firstStart < 0) firstStart = this.recordStart;
        this.giveOut(records, recordEnds);
        this.phase = DROPPING;
        this.cutReported = false;
      }
    }
    this.position = end;
    const consumed = this.consumed;
    return { records, recordEnds, start: firstStart < 0 ? consumed : firstStart, end: consumed };
  }

  /**
   * Gives out the held record (the file went quiet or is finished). A
   * continuation line pushed after this starts a new record, and so does
   * one after a cut record.
   */
  flush(): JoinResult {
    const records: string[] = [];
    const recordEnds: number[] = [];
    let start = this.position;
    if (this.phase === HOLDING) {
      start = this.recordStart;
      this.giveOut(records, recordEnds);
    }
    this.phase = IDLE;
    return { records, recordEnds, start, end: this.position };
  }

  /** Forgets the held record and continues from `offset`. */
  reset(offset: number): void {
    this.phase = IDLE;
    this.held.length = 0;
    this.open.firstLine = '';
    this.open.lastLine = '';
    this.recordStart = offset;
    this.recordEnd = offset;
    this.position = offset;
  }

  /** Returns and forgets the records cut since the last call. */
  takeEvents(): RecordEvent[] {
    const events = this.events;
    if (events.length > 0) this.events = [];
    return events;
  }

  private begin(line: string, lineStart: number, lineEnd: number): void {
    const open = this.open;
    open.lineCount = 1;
    open.firstLine = line;
    open.lastLine = line;
    open.state = 0;
    this.recordStart = lineStart;
    this.recordEnd = lineEnd;
    this.phase = HOLDING;
  }

  private append(line: string, lineEnd: number): void {
    const open = this.open;
    if (open.lineCount === 1) this.held.push(open.firstLine);
    this.held.push(line);
    open.lineCount++;
    open.lastLine = line;
    this.recordEnd = lineEnd;
  }

  /** A line of a cut record: the rule still follows it (its state, its last line), nothing keeps it. */
  private drop(line: string): void {
    const open = this.open;
    if (!this.cutReported) {
      this.cutReported = true;
      this.events.push({ kind: 'long-record', offset: this.recordStart, lines: this.maxLines });
    }
    open.lineCount++;
    open.lastLine = line;
  }

  /** Adds the held record to the results, and keeps no line of it. */
  private giveOut(records: string[], recordEnds: number[]): void {
    const held = this.held;
    if (held.length === 0) {
      records.push(this.open.firstLine);
    } else {
      records.push(held.join('\n'));
      held.length = 0;
    }
    recordEnds.push(this.recordEnd);
    this.phase = IDLE;
  }
}
