/**
 * JSON lines: each line is one JSON object (`{"level":"info","msg":"up"}`).
 *
 * Native fields: the line's object itself, every key as the line has it
 * (`__proto__` too, as an own field), plus
 * - `timestamp`: the line's time as ISO 8601 UTC, read from the first of
 *   `@timestamp`, `timestamp`, `time`, `ts`, `date` that the object has as
 *   a non-empty string or a number (ISO 8601, epoch seconds or
 *   milliseconds, the Apache form or the BSD syslog form; a time without a
 *   zone is in the node's timezone);
 * - `timestampText`: that field's value as written.
 * Each is added only when the object has no field of that name: a line's
 * own fields are never replaced. So a line with its own `timestamp` keeps
 * it as it wrote it (then `timestamp` is ISO 8601 UTC only if the line wrote
 * it so).
 *
 * ECS: the object's fields as they are, dotted names (`"source.ip"`) and
 * nested objects (`"source":{"ip":...}`) both becoming nested objects
 * (a JSON line is often ECS already; where a name is given both ways, the
 * dotted one wins; a dotted name of more than 64 parts is kept whole), plus
 * - `@timestamp`: the normalised time; where the line's own `timestamp` took
 *   that name, the time field is read again when it names its zone or is
 *   epoch (else the line's own `@timestamp` is carried as written, if any);
 * - `message`: from `msg` when the object has no `message`;
 * - `log.level`: from `level`, `severity` or `lvl` (the first present, as text),
 *   unless the object has `log.level` itself;
 * - `event.original`: the line.
 * Not carried: `timestampText`, and `timestamp` when it is `@timestamp`.
 *
 * Errors: "expected a JSON object" (at 0) for any other JSON value, else
 * JSON.parse's message and where it stopped: the position it names, the
 * line's length for a line that ends too early, else (its "Unexpected token"
 * names none) the character found by trying shorter starts of the line. A
 * byte order mark before the object is skipped. A line nested deeper than
 * 128 levels is refused ("the JSON is nested deeper than 128 levels", at
 * the bracket that goes too deep): Node-RED's cloning of a message would
 * overflow its stack on it.
 */
import type { LineFormat, NativeFields, ParseContext, ParseOutcome } from './format-types';
import { ecsBase } from './ecs-fields';
import { addLineTime, ecsEntries, ecsTime, mergeEcs, setEcsText } from './json-fields';

/** Where the line's time is looked for, first found first. */
const TIME_KEYS = ['@timestamp', 'timestamp', 'time', 'ts', 'date'];
const LEVEL_KEYS = ['level', 'severity', 'lvl'];
const BYTE_ORDER_MARK = '\uFEFF';
/**
 * Deepest nesting a line may have. JSON.parse takes any depth, but what the
 * fields meet next does not: Node-RED's message cloning and JSON.stringify
 * recurse, and a line nested ten thousand deep would overflow their stack.
 */
export const MAX_DEPTH = 128;

function parseJson(line: string, context: ParseContext): ParseOutcome {
  const skipped = line.startsWith(BYTE_ORDER_MARK) ? 1 : 0;
  const text = skipped === 0 ? line : line.slice(skipped);
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (err) {
    return { ok: false, error: jsonError(err, text, skipped) };
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return { ok: false, error: { message: 'expected a JSON object', at: 0 } };
  const tooDeep = nestedTooDeep(text);
  if (tooDeep >= 0) return { ok: false, error: { message: `the JSON is nested deeper than ${MAX_DEPTH} levels`, at: tooDeep + skipped } };
  // JSON.parse made this object for this line alone: it is the result, no copy
  // (a copy by spreading or assignment is where a `__proto__` key goes wrong).
  const fields = value as NativeFields;
  addLineTime(fields, TIME_KEYS, context);
  return { ok: true, fields };
}

/** Where valid JSON `text` opens a level deeper than MAX_DEPTH, or -1. */
function nestedTooDeep(text: string): number {
  let depth = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === 0x5c) i++;
      else if (c === 0x22) inString = false;
    } else if (c === 0x22) {
      inString = true;
    } else if (c === 0x7b || c === 0x5b) {
      if (++depth > MAX_DEPTH) return i;
    } else if (c === 0x7d || c === 0x5d) {
      depth--;
    }
  }
  return -1;
}

/** JSON.parse's message, and where the error is in the whole line. */
function jsonError(err: unknown, text: string, skipped: number): { message: string; at: number } {
  const message = messageOf(err);
  const position = positionIn(message);
  if (position !== undefined) return { message, at: position + skipped };
  if (ENDED.test(message)) return { message, at: text.length + skipped };
  return { message, at: firstBadIndex(text) + skipped };
}

const ENDED = /Unexpected end of JSON input/;

function messageOf(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

function positionIn(message: string): number | undefined {
  const position = /at position (\d+)/.exec(message);
  return position ? Number(position[1]) : undefined;
}

/**
 * Where JSON.parse stopped, for its messages that do not say
 * ("Unexpected token '}', ... is not valid JSON"): the last character of
 * the shortest start of the text that fails otherwise than by ending. A
 * binary search, run on failing lines only: about log2(length) parses.
 */
function firstBadIndex(text: string): number {
  let fine = 0;
  let bad = text.length;
  while (bad - fine > 1) {
    const middle = (fine + bad) >>> 1;
    if (failsBeforeItsEnd(text.slice(0, middle))) bad = middle;
    else fine = middle;
  }
  return Math.max(0, bad - 1);
}

function failsBeforeItsEnd(start: string): boolean {
  try {
    JSON.parse(start);
    return false;
  } catch (err) {
    const message = messageOf(err);
    if (ENDED.test(message)) return false;
    // A number cut short ("No number after minus sign ... at position N") fails at its end.
    const position = positionIn(message);
    return position === undefined || position < start.length;
  }
}

function jsonToEcs(fields: NativeFields, line: string): Record<string, unknown> {
  const ecs = ecsBase(line, ecsTime(fields, TIME_KEYS));
  mergeEcs(ecs, ecsEntries(fields));
  if (!Object.prototype.hasOwnProperty.call(fields, 'message')) setEcsText(ecs, 'message', fields.msg);
  const level = LEVEL_KEYS.find((key) => Object.prototype.hasOwnProperty.call(fields, key) && isText(fields[key]));
  if (level !== undefined) setEcsText(ecs, 'log.level', fields[level]);
  return ecs;
}

function isText(value: unknown): boolean {
  return (typeof value === 'string' && value !== '') || (typeof value === 'number' && Number.isFinite(value));
}

/** True when the first character that is not white space is `{`. */
function looksLikeJson(line: string): boolean {
  for (let i = 0; i < line.length; i++) {
    const c = line.charCodeAt(i);
    if (c === 0x20 || c === 0x09 || c === 0x0a || c === 0x0d || c === 0xfeff) continue;
    return c === 0x7b;
  }
  return false;
}

export const jsonFormat: LineFormat = {
  name: 'json',
  detect: looksLikeJson,
  parse: parseJson,
  toEcs: jsonToEcs,
};
