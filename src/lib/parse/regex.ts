/**
 * Lines read by a regular expression with named groups (`(?<user>\S+)`),
 * the node's pattern setting. The pattern is JavaScript's: written bare
 * (`^(?<ip>\S+) (?<rest>.*)$`, no flags), or as a literal with flags
 * (`/^(?<ip>\S+)/i`; the flags `d i m s u v`; `g` and `y` are refused as
 * they make a match depend on the one before). A pattern that starts with
 * `/` and ends with `/` and nothing but flag letters is read as a literal:
 * to match a leading slash in such a pattern otherwise, write `\/`. The
 * pattern searches the line (it is not anchored unless it says `^`/`$`).
 * Never auto-detected: `detect` is always false.
 *
 * Native fields: one per named group that took part in the match, the text
 * it matched, under the group's name (a string, never a number); groups
 * that did not take part are left out. When a group named `timestamp` or
 * else `time` took part, `timestampText` is its text and `timestamp` is
 * that time as ISO 8601 UTC (read as ISO 8601, epoch, the Apache form or
 * the BSD syslog form; a time without a zone in the node's timezone). A
 * `timestamp` group is the line's time by name, so its text moves to
 * `timestampText`, and `timestamp` is left out when the text does not read
 * (a group named `timestampText` gives way to the time's text).
 *
 * ECS: the group names are ECS names with `__` (two underscores between
 * other characters) for each dot, since a group name cannot hold one (a
 * name's leading or trailing underscores, or three in a row, stay as they
 * are): `(?<source__ip>...)` gives `source.ip`,
 * `(?<http__response__status_code>...)` gives `http.response.status_code`;
 * plus `@timestamp` and `event.original`. Not
 * carried: `timestampText`, and `timestamp` when it is `@timestamp`.
 *
 * Hostile lines: no check makes any pattern safe from any line (one with
 * nested quantifiers over the same characters, such as `(a+)+$`, can take
 * exponential time on a line made for it); avoiding such patterns is the
 * user's part. What this format does is bound the text: the pattern is
 * tried on at most the first 64 KiB (65,536 UTF-16 code units) of a line,
 * so `$` also matches where a longer line is cut. `event.original` is
 * still the whole line.
 */
import type { LineFormat, NativeFields, ParseContext, ParseOutcome } from './format-types';
import { ecsBase, own } from './ecs-fields';
import { ecsEntries, isNormalisedTime, mergeEcs } from './json-fields';
import { readTimestamp } from './timestamps';

/** The most of a line a pattern is tried on: what a hostile line can cost is bounded by it. */
export const REGEX_LINE_LIMIT = 65536;
const TIME_GROUPS = ['timestamp', 'time'];
/** Two underscores between other characters: a dot in an ECS name (`source__ip`), while `__proto__` stays itself. */
const ECS_DOT = /(?<=[^_])__(?=[^_])/g;
/** `/source/flags`, the flags JavaScript knows (g and y refused below, with a reason). */
const LITERAL = /^\/([\s\S]+)\/([dgimsuvy]*)$/;
const STATEFUL_FLAGS = 'gy';

/** The source and flags of a pattern setting, bare or written as a literal. */
function sourceAndFlags(pattern: string): { source: string; flags: string } {
  const literal = LITERAL.exec(pattern);
  if (!literal) return { source: pattern, flags: '' };
  for (const flag of literal[2]) {
    if (STATEFUL_FLAGS.includes(flag)) throw new Error(`the regex flag '${flag}' is not allowed: each line is matched on its own (allowed: d i m s u v)`);
  }
  return { source: literal[1], flags: literal[2] };
}

/** The named groups of a compiled pattern: an empty alternative added makes it match '', and every group is in `groups`. */
function groupNames(source: string, flags: string): string[] {
  const probe = new RegExp(`${source}|`, flags).exec('');
  return probe?.groups ? Object.keys(probe.groups) : [];
}

/** A format from a regular expression with named groups; throws an Error naming what is wrong with the pattern. */
export function regexFormat(pattern: string): LineFormat {
  if (typeof pattern !== 'string' || pattern === '') throw new Error('the regex pattern is empty');
  const { source, flags } = sourceAndFlags(pattern);
  let compiled: RegExp;
  let names: string[];
  try {
    compiled = new RegExp(source, flags);
    names = groupNames(source, flags);
  } catch (err) {
    throw new Error(`the regex pattern does not compile: ${err instanceof Error ? err.message : String(err)}`);
  }
  if (names.length === 0) throw new Error('the regex pattern has no named group: write one as (?<name>...)');

  function parse(line: string, context: ParseContext): ParseOutcome {
    const head = line.length > REGEX_LINE_LIMIT ? line.slice(0, REGEX_LINE_LIMIT) : line;
    let match: RegExpExecArray | null;
    try {
      match = compiled.exec(head);
    } catch {
      // V8 throws on a stack overflow in some patterns: a line must not stop the node.
      match = null;
    }
    if (!match?.groups) return { ok: false, error: { message: 'the line does not match the pattern', at: 0 } };
    const fields: NativeFields = {};
    for (const name of names) {
      const value = match.groups[name];
      if (value !== undefined) own(fields, name, value);
    }
    const timeGroup = TIME_GROUPS.find((name) => Object.prototype.hasOwnProperty.call(fields, name));
    if (timeGroup !== undefined) {
      const text = fields[timeGroup] as string;
      const normalised = readTimestamp(text, context);
      if (timeGroup === 'timestamp') delete fields.timestamp;
      if (normalised !== undefined) own(fields, 'timestamp', normalised);
      own(fields, 'timestampText', text);
    }
    return { ok: true, fields };
  }

  function toEcs(fields: NativeFields, line: string): Record<string, unknown> {
    const ecs = ecsBase(line, isNormalisedTime(fields.timestamp) ? fields.timestamp : undefined);
    mergeEcs(
      ecs,
      ecsEntries(fields).map(([name, value]) => [name.replace(ECS_DOT, '.'), value] as const),
    );
    return ecs;
  }

  return {
    name: 'regex',
    // Never auto-detected: a pattern is chosen, not guessed.
    detect: () => false,
    parse,
    toEcs,
  };
}
