/**
 * Which lines continue a multiline record: the presets (java, python,
 * indented, timestamp) and a custom start pattern.
 *
 * A rule looks at the first RULE_SCAN_CHARS characters of a line only: a
 * hostile line of a megabyte costs no more than one of 4 KiB. Every preset
 * pattern is anchored and bounded (no nested quantifiers over overlapping
 * classes), so its work per line is small whatever the bytes. A custom
 * pattern is the user's: the bound caps its input, not its backtracking.
 *
 * Rules never throw on a line. Only `recordRule` throws, on a setting that
 * cannot work (a custom pattern that does not compile, or is empty).
 */

export type MultilineMode = 'none' | 'java' | 'python' | 'indented' | 'timestamp' | 'custom';
export const MULTILINE_MODES: readonly MultilineMode[] = ['none', 'java', 'python', 'indented', 'timestamp', 'custom'];

/** A rule sees at most this many characters of a line. */
export const RULE_SCAN_CHARS = 4096;

/** The record being built, as a rule sees it. */
export interface OpenRecord {
  /** Its lines so far (at least one). */
  readonly lineCount: number;
  readonly firstLine: string;
  readonly lastLine: string;
  /** Free for a rule's own state (python: inside a traceback); reset with each record. */
  state: number;
}

export interface RecordRule {
  /** True when `line` belongs to `record` rather than starting a new one. */
  continues(line: string, record: OpenRecord): boolean;
}

/**
 * The rule for a mode; `start` is the custom mode's pattern (a line that
 * matches it starts a record). Throws an Error naming the problem for a
 * custom pattern that does not compile, or for 'none'.
 */
export function recordRule(mode: Exclude<MultilineMode, 'none'>, start?: string): RecordRule {
  switch (mode) {
    case 'java':
      return JAVA_RULE;
    case 'python':
      return PYTHON_RULE;
    case 'indented':
      return INDENTED_RULE;
    case 'timestamp':
      return TIMESTAMP_RULE;
    case 'custom':
      return customRule(start);
    default:
      // 'none' (no rule: every line is a record) or a mode from a hand-edited flow.
      throw new Error(`multiline mode ${JSON.stringify(String(mode))} has no record rule (one of ${MULTILINE_MODES.filter((m) => m !== 'none').join(', ')})`);
  }
}

/** The part of a line a rule looks at. */
function headOf(line: string): string {
  return line.length > RULE_SCAN_CHARS ? line.slice(0, RULE_SCAN_CHARS) : line;
}

const SPACE = 32;
const TAB = 9;

function startsIndented(line: string): boolean {
  const c = line.charCodeAt(0);
  return c === SPACE || c === TAB;
}

// ---------------------------------------------------------------- indented

/**
 * A line that begins with a space or a tab continues the record. An empty
 * line does not begin with whitespace: it starts a record of its own.
 */
const INDENTED_RULE: RecordRule = {
  continues: (line) => startsIndented(line),
};

// ---------------------------------------------------------------- java

/** Frames, causes and elisions of a stack trace (Java's printStackTrace, Logback's %ex and %rEx). */
const JAVA_TRACE_LINE = /^(?:at |Caused by:|Suppressed:|Wrapped by:|\.\.\. \d{1,9} (?:more|common frames omitted))/;
const THROWABLE_SUFFIX = /(?:Exception|Error|Throwable)$/;

/**
 * A line continues a Java record when it is part of a stack trace: it
 * begins with whitespace (frames, `Suppressed:`, nested `... N more`), with
 * `at `, `Caused by:`, `Suppressed:`, `Wrapped by:` or `... N more`. Right
 * after the record's first line (the log line that reported the error), it
 * also continues when it is the exception line: `Name` or `Name: message`,
 * where Name is a qualified class name (`java.lang.IllegalStateException`,
 * `com.foo.Bar$Inner`) or a simple one ending in Exception, Error or
 * Throwable (`IllegalStateException`, not `Error` alone).
 *
 * Not joined: the further lines of a multi-line exception message that do
 * not begin with whitespace (nothing tells them from log lines).
 */
const JAVA_RULE: RecordRule = {
  continues(line, record) {
    if (startsIndented(line)) return true;
    const head = headOf(line);
    if (JAVA_TRACE_LINE.test(head)) return true;
    return record.lineCount === 1 && isJavaExceptionLine(head);
  },
};

const DOT = 46;
const COLON = 58;

/** ASCII letters, `_` and `$` (NaN past the end: false). */
function isIdentifierStart(c: number): boolean {
  return (c >= 97 && c <= 122) || (c >= 65 && c <= 90) || c === 95 || c === 36;
}

function isIdentifierPart(c: number): boolean {
  return isIdentifierStart(c) || (c >= 48 && c <= 57);
}

/**
 * `Name` or `Name: ...` with Name a Java class name as described above. A
 * scan, not a regex: one pass over at most the head of the line.
 */
function isJavaExceptionLine(head: string): boolean {
  const first = head.charCodeAt(0);
  if (!isIdentifierStart(first)) return false;
  let qualified = false;
  let i = 1;
  for (; i < head.length; i++) {
    const c = head.charCodeAt(i);
    if (c === DOT) {
      // A dot sits between two names: the next character must start one.
      if (!isIdentifierStart(head.charCodeAt(i + 1))) return false;
      qualified = true;
    } else if (!isIdentifierPart(c)) {
      break;
    }
  }
  if (i < head.length && head.charCodeAt(i) !== COLON) return false;
  if (qualified) return true;
  const simple = THROWABLE_SUFFIX.exec(head.slice(0, i));
  // The suffix alone ("Error: disk full") is too common in prose to mean a class.
  return simple !== null && simple.index > 0 && first >= 65 && first <= 90;
}

// ---------------------------------------------------------------- python

// Where a Python record is, kept in OpenRecord.state (0 when a record begins).
/** Not looked at yet: the rule decides from the record's first line. */
const PY_UNKNOWN = 0;
/** A log line, and lines indented under it. */
const PY_LOG = 1;
/** Inside a traceback: its header, frames and code lines; the exception line ends it. */
const PY_TRACE = 2;
/** Inside a block with no exception line of its own (stack_info's stack, an exception group): indented lines only. */
const PY_BODY = 3;
/** After the traceback's exception line (`ValueError: boom`): a chained traceback or a stack may follow. */
const PY_ENDED = 4;
/** After "During handling ..." or "The above exception ...": the next traceback follows. */
const PY_CHAIN = 5;

const PYTHON_TRACEBACK = /^Traceback \(most recent call last\):/;
/** stack_info's stack, and an exception group's traceback (indented from its first line: `  + Exception Group Traceback (...)`). */
const PYTHON_BODY_HEADER = /^(?:Stack \(most recent call last\):|[ \t]{0,16}\+ Exception Group Traceback \(most recent call last\):)/;
const PYTHON_CHAIN_LINE = /^(?:During handling of the above exception, another exception occurred:|The above exception was the direct cause of the following exception:)/;
/** The last line of a traceback: `ValueError: boom`, `pkg.errors.Oops`, `KeyboardInterrupt`. */
const PYTHON_EXCEPTION_LINE = /^[A-Za-z_][\w.]*(?::|$)/;

/** The state a traceback or stack header opens, or PY_UNKNOWN for another line. */
function pythonHeader(head: string): number {
  if (PYTHON_TRACEBACK.test(head)) return PY_TRACE;
  if (PYTHON_BODY_HEADER.test(head)) return PY_BODY;
  return PY_UNKNOWN;
}

/**
 * Tracebacks as Python's logging writes them: the log line, then
 * `Traceback (most recent call last):`, its indented frame and code lines,
 * and the exception line right after an indented line. Chained tracebacks
 * stay in the record: the blank lines and the "During handling ..." / "The
 * above exception ..." lines between them. So do blank lines inside a
 * traceback, stack_info's `Stack (most recent call last):` block, exception
 * groups (indented throughout) and lines indented under a log line.
 *
 * The price of reading line by line: blank lines right after a traceback
 * join it (a chained traceback could still follow them). An exception's
 * notes and the further lines of a multi-line message are not joined
 * (nothing tells them from log lines).
 */
const PYTHON_RULE: RecordRule = {
  continues(line, record) {
    let state = record.state;
    if (state === PY_UNKNOWN) {
      state = pythonHeader(headOf(record.firstLine));
      if (state === PY_UNKNOWN) state = PY_LOG;
      record.state = state;
    }
    const head = headOf(line);
    switch (state) {
      case PY_LOG: {
        const opened = pythonHeader(head);
        if (opened !== PY_UNKNOWN) {
          record.state = opened;
          return true;
        }
        return startsIndented(head);
      }
      case PY_TRACE:
        if (head.length === 0 || startsIndented(head)) return true;
        if (startsIndented(record.lastLine) && PYTHON_EXCEPTION_LINE.test(head)) {
          record.state = PY_ENDED;
          return true;
        }
        return false;
      case PY_BODY:
      case PY_ENDED:
        if (head.length === 0 || (state === PY_BODY && startsIndented(head))) return true;
        if (PYTHON_CHAIN_LINE.test(head)) {
          record.state = PY_CHAIN;
          return true;
        }
        if (state === PY_ENDED && PYTHON_BODY_HEADER.test(head)) {
          record.state = PY_BODY;
          return true;
        }
        return false;
      case PY_CHAIN: {
        if (head.length === 0) return true;
        const opened = pythonHeader(head);
        if (opened === PY_UNKNOWN) return false;
        record.state = opened;
        return true;
      }
      default:
        return false;
    }
  },
};

// ---------------------------------------------------------------- timestamp

const MONTH = '(?:Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec)';
const WEEKDAY = '(?:Mon|Tue|Wed|Thu|Fri|Sat|Sun)';
const CLOCK = '\\d{1,2}:\\d{2}';

/**
 * A line that begins with a date or a time, after at most a `[`, a `(` or a
 * syslog priority (`<34>`, `<34>1 `). Every alternative has fixed bounds.
 */
const TIMESTAMP_START = new RegExp(
  '^(?:[[(]|<\\d{1,3}>(?:\\d{1,2} )?)?(?:' +
    [
      // 2024-01-02, 2024/01/02, 2024.01.02 (ISO 8601, RFC 3339, most loggers)
      '\\d{4}[-/.]\\d{1,2}[-/.]\\d{1,2}(?!\\d)',
      // 20240102T101112, 20240102 10:11
      '(?:19|20)\\d{6}(?:T\\d{2}:?\\d{2}| \\d{2}:\\d{2})',
      // 02/01/2024, 01-02-2024, 02.01.2024
      '\\d{1,2}[-/.]\\d{1,2}[-/.]\\d{4}(?!\\d)',
      // 24/01/02 10:11:12 (Spark, yy/MM/dd), 01-02 10:11:12.345 (logcat)
      `\\d{2}[-/.]\\d{2}(?:[-/.]\\d{2})?[ T]${CLOCK}`,
      // 10:11:12, 10:11:12.345
      `${CLOCK}:\\d{2}`,
      // Jan  2 10:11:12 (syslog), Jan 2, 2024 10:11:12 AM (java.util.logging)
      `${MONTH} {1,2}\\d{1,2}(?: ${CLOCK}|,? \\d{4})`,
      // 02-Jan-2024 10:11:12 (Tomcat), 02 Jan 2024, 2/Jan/2024:10:11:12 (common log format)
      `\\d{1,2}[- /]${MONTH}[- /]\\d{2,4}`,
      // Tue Jan 02 10:11:12 2024, Tue, 02 Jan 2024, Tuesday 2 January
      `${WEEKDAY}[a-z]{0,6},? {1,2}(?:${MONTH}|\\d{1,2} )`,
      // I0102 10:11:12.123456 (glog: level letter, month, day)
      `[IWEF]\\d{4} ${CLOCK}`,
      // 1700000000, 1700000000.123, 1700000000123 (epoch seconds or milliseconds, 2001-2065)
      '[12]\\d{9}(?:\\d{3})?(?:[.,]\\d{1,9})?(?![\\d.,])',
    ].join('|') +
    ')',
);

/** Every line that does not begin with a date or a time continues the record (blank lines too). */
const TIMESTAMP_RULE: RecordRule = {
  continues: (line) => !TIMESTAMP_START.test(line),
};

// ---------------------------------------------------------------- custom

/**
 * A line that matches `start` starts a record; every other line continues
 * it. The pattern is compiled as written (`new RegExp(start)`, no flags),
 * and tried on the first RULE_SCAN_CHARS characters of the line.
 */
function customRule(start: string | undefined): RecordRule {
  if (typeof start !== 'string' || start === '') {
    throw new Error('multilineStart is not a valid regular expression: it is empty (set the pattern a line that starts a record matches)');
  }
  let pattern: RegExp;
  try {
    pattern = new RegExp(start);
  } catch (err) {
    const reason = err instanceof Error ? err.message : String(err);
    throw new Error(`multilineStart is not a valid regular expression: ${reason}`);
  }
  return {
    continues: (line) => !pattern.test(headOf(line)),
  };
}
