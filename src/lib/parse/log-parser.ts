/**
 * The front of the line formats: one configured parser that turns log lines
 * into objects, in a format's own field names ("native") or as Elastic
 * Common Schema. It never throws on a line, whatever the line holds; only a
 * bad setting throws, when the parser is made.
 *
 * `auto` tries, in turn, json, cef, leef, syslog, clf and logfmt, each only
 * if its cheap `detect` recognises the line: the first that parses wins. In
 * `auto` with the native schema, the object also says which format it was
 * read as (`format`), unless the line has a field of that name itself; ECS
 * has no field for it, and an ECS object gets none.
 */
import type { FormatName, LineFormat, NativeFields, ParseContext, ParseError, SchemaName } from './format-types';
import { own } from './ecs-fields';
import { isKnownTimezone } from './timestamps';
import { syslogFormat } from './syslog';
import { cefFormat } from './cef';
import { leefFormat } from './leef';
import { jsonFormat } from './json';
import { clfFormat } from './clf';
import { logfmtFormat } from './logfmt';
import { regexFormat } from './regex';

export type ParserFormat = FormatName | 'auto';

export const PARSER_FORMATS: readonly ParserFormat[] = ['auto', 'syslog', 'cef', 'leef', 'json', 'clf', 'logfmt', 'regex'];
export const SCHEMAS: readonly SchemaName[] = ['native', 'ecs'];

/** The order `auto` tries the formats in: the strictest first, logfmt (almost anything with an `=`) last. */
const AUTO_ORDER: readonly LineFormat[] = [jsonFormat, cefFormat, leefFormat, syslogFormat, clfFormat, logfmtFormat];

const FIXED_FORMATS: Readonly<Record<Exclude<FormatName, 'regex'>, LineFormat>> = {
  syslog: syslogFormat,
  cef: cefFormat,
  leef: leefFormat,
  json: jsonFormat,
  clf: clfFormat,
  logfmt: logfmtFormat,
};

export interface LogParserOptions {
  format: ParserFormat;
  schema: SchemaName;
  /** The regular expression with named groups of the `regex` format. */
  pattern?: string;
  /** The zone of times written without one (RFC 3164, CLF without offset…): 'UTC' (default), 'local', '+02:00', 'Europe/Berlin'. */
  timezone?: string;
  /** The clock (the year of a time written without one comes from it); the system's by default. */
  now?: () => Date;
}

export type LineResult = { ok: true; value: Record<string, unknown> } | { ok: false; error: ParseError };

/** A line that did not parse, as the parser reports it in a batch. */
export interface LineFailure {
  /** The line as it was given. */
  raw: unknown;
  error: ParseError;
  /** Its place in the input array. */
  index: number;
}

export interface BatchResult {
  /**
   * The objects, in input order. With `keepFailures`, one per line: a line
   * that failed is `{ raw, error }` in its place; without, failed lines are
   * left out.
   */
  values: unknown[];
  /** The lines that failed, in input order (empty when all parsed). */
  failures: LineFailure[];
}

// Errors are made per line, not shared: a node after this one may change the object it gets.
const notText = (): ParseError => ({ message: 'not text', at: 0 });
const noneRecognised = (): ParseError => ({ message: 'no known format recognised', at: 0 });

/** How long a context's `now` serves (the year of an RFC 3164 time needs no better). */
const CLOCK_REFRESH_MS = 1000;

export class LogParser {
  /** Lines parsed, and lines that failed, since the parser was made. */
  parsed = 0;
  failed = 0;

  private readonly formats: readonly LineFormat[];
  private readonly auto: boolean;
  private readonly ecs: boolean;
  private readonly timezone: string;
  private readonly clock: (() => Date) | undefined;
  private context: ParseContext | undefined;
  private contextAt = 0;
  /** The error of the last line that failed (internal: saves a result object per line). */
  private lastError: ParseError = noneRecognised();

  /** Throws an Error naming the setting for an unknown format, schema or timezone, or a bad pattern. */
  constructor(options: LogParserOptions) {
    const { format, schema } = options;
    if (!PARSER_FORMATS.includes(format)) throw new Error(`unknown format "${String(format)}": use one of ${PARSER_FORMATS.join(', ')}`);
    if (!SCHEMAS.includes(schema)) throw new Error(`unknown schema "${String(schema)}": use native or ecs`);
    const timezone = options.timezone === undefined || options.timezone.trim() === '' ? 'UTC' : options.timezone.trim();
    if (!isKnownTimezone(timezone)) {
      throw new Error(`unknown timezone "${timezone}": use UTC, local, a fixed offset such as +02:00, or an IANA name such as Europe/Berlin`);
    }
    this.timezone = timezone;
    this.auto = format === 'auto';
    this.ecs = schema === 'ecs';
    this.clock = options.now;
    if (format === 'auto') this.formats = AUTO_ORDER;
    else if (format === 'regex') this.formats = [regexFormatOf(options.pattern)];
    else this.formats = [FIXED_FORMATS[format]];
  }

  /** One line (a string, or a Buffer read as UTF-8). Never throws. */
  parse(line: unknown): LineResult {
    const value = this.parseOne(line, this.currentContext());
    return value === undefined ? { ok: false, error: this.lastError } : { ok: true, value };
  }

  /**
   * Many lines at once: one clock read, and no result object per line.
   * Never throws.
   */
  parseBatch(lines: readonly unknown[], keepFailures: boolean): BatchResult {
    const context = this.currentContext();
    const values: unknown[] = [];
    const failures: LineFailure[] = [];
    for (let i = 0; i < lines.length; i++) {
      const raw = lines[i];
      const value = this.parseOne(raw, context);
      if (value !== undefined) {
        values.push(value);
        continue;
      }
      const error = this.lastError;
      failures.push({ raw, error, index: i });
      if (keepFailures) values.push({ raw, error });
    }
    return { values, failures };
  }

  /** The object of a line, or undefined with `lastError` set. Counts it. */
  private parseOne(line: unknown, context: ParseContext): Record<string, unknown> | undefined {
    let text: string;
    if (typeof line === 'string') text = line;
    else if (Buffer.isBuffer(line)) text = line.toString('utf8');
    else return this.fail(notText());
    try {
      const value = this.auto ? this.parseAuto(text, context) : this.parseWith(this.formats[0], text, context);
      if (value === undefined) return this.fail(this.lastError);
      this.parsed++;
      return value;
    } catch (err) {
      // The formats do not throw; should one ever, the line fails and the others go on.
      return this.fail({ message: `the parser failed: ${err instanceof Error ? err.message : String(err)}`, at: 0 });
    }
  }

  private parseAuto(text: string, context: ParseContext): Record<string, unknown> | undefined {
    let firstError: ParseError | undefined;
    for (const format of this.formats) {
      if (!format.detect(text)) continue;
      const value = this.parseWith(format, text, context);
      if (value !== undefined) return value;
      firstError ??= this.lastError;
    }
    this.lastError = firstError ?? noneRecognised();
    return undefined;
  }

  private parseWith(format: LineFormat, text: string, context: ParseContext): Record<string, unknown> | undefined {
    const outcome = format.parse(text, context);
    if (!outcome.ok) {
      this.lastError = outcome.error;
      return undefined;
    }
    if (this.ecs) return format.toEcs(outcome.fields, text);
    const fields: NativeFields = outcome.fields;
    if (this.auto && !Object.prototype.hasOwnProperty.call(fields, 'format')) own(fields, 'format', format.name);
    return fields;
  }

  private fail(error: ParseError): undefined {
    this.lastError = error;
    this.failed++;
    return undefined;
  }

  /** The context for lines parsed now: with the system clock, one Date a second rather than one a line. */
  private currentContext(): ParseContext {
    if (this.clock) return { now: this.clock(), timezone: this.timezone };
    const nowMs = Date.now();
    if (this.context === undefined || nowMs - this.contextAt >= CLOCK_REFRESH_MS || nowMs < this.contextAt) {
      this.context = { now: new Date(nowMs), timezone: this.timezone };
      this.contextAt = nowMs;
    }
    return this.context;
  }
}

function regexFormatOf(pattern: string | undefined): LineFormat {
  if (pattern === undefined || pattern === '') throw new Error('the regex format needs a pattern: a regular expression with named groups, such as (?<level>\\w+)');
  try {
    return regexFormat(pattern);
  } catch (err) {
    throw new Error(`the pattern cannot be used: ${err instanceof Error ? err.message : String(err)}`);
  }
}
