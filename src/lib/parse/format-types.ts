/**
 * What every line format of log-parse provides, and what it returns.
 *
 * A format parses one line into its own ("native") fields and maps those to
 * Elastic Common Schema. Parsing never throws, whatever the line holds: a
 * line that is not in the format gives an error naming what was wrong and
 * the character (0-based index into the line) where it was noticed.
 *
 * Every native result has, at its top level, `timestamp`: the line's time as
 * ISO 8601 UTC (`2003-10-11T22:14:15.003Z`), and `timestampText`: the time as
 * the line wrote it. Both are absent when the line carries no time (or a
 * time that could not be read: then `timestampText` alone is there).
 */
export type FormatName = 'syslog' | 'cef' | 'leef' | 'json' | 'clf' | 'logfmt' | 'regex';
export type SchemaName = 'native' | 'ecs';

export interface ParseError {
  /** What was wrong, in plain words: "expected '|' after the device vendor". */
  message: string;
  /** 0-based character index in the line where it was noticed. */
  at: number;
}

export type NativeFields = Record<string, unknown>;

export type ParseOutcome = { ok: true; fields: NativeFields } | { ok: false; error: ParseError };

export interface ParseContext {
  /** When the line is parsed: the year of a timestamp without one (RFC 3164) comes from it. */
  now: Date;
  /**
   * The zone of a timestamp that names none: 'UTC', 'local' (the Node-RED
   * host's), a fixed offset ('+02:00', '-0530') or an IANA name ('Europe/Berlin').
   */
  timezone: string;
}

export interface LineFormat {
  readonly name: FormatName;
  /**
   * A cheap look at the line's start for `auto`: true when it is likely in
   * this format. Never a full parse; may be wrong, as `parse` decides.
   */
  detect(line: string): boolean;
  parse(line: string, context: ParseContext): ParseOutcome;
  /** This format's native fields as ECS, nested objects (`{ log: { syslog: { ... } } }`); `event.original` is the line. */
  toEcs(fields: NativeFields, line: string): Record<string, unknown>;
}

/**
 * A format's parse, guarded: the readers check every index, but a bug in one
 * must give an error for the line, never an exception out of the node.
 */
export function neverThrows(label: string, parse: (line: string, context: ParseContext) => ParseOutcome): LineFormat['parse'] {
  return (line, context) => {
    try {
      return parse(line, context);
    } catch (err) {
      return { ok: false, error: { message: `unreadable ${label} line (${err instanceof Error ? err.message : String(err)})`, at: 0 } };
    }
  };
}
