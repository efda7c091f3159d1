/**
 * logfmt: `key=value key2="quoted value with \"escapes\"" flag`.
 *
 * Native fields: one per key, keys being any run of characters but white
 * space and `=`:
 * - `key=value`: the value as text; values stay strings (`n=42` gives
 *   `"42"`: a guess at numbers would turn ids, versions and zip codes into
 *   something else);
 * - `key="..."`: the text between the quotes, `\"`, `\\`, `\n`, `\r`, `\t`
 *   and `\uXXXX` unescaped, any other escape kept as written;
 * - `key=`: the empty string; a bare `key`: true;
 * - a key given twice: the last value wins (a field keeps one type);
 * - `timestamp` and `timestampText`: the line's time as ISO 8601 UTC and
 *   as written, from the first of `time`, `ts`, `timestamp`, `t` that has a
 *   value; each only when the line has no key of that name (a line's own
 *   `timestamp` is kept as written).
 *
 * ECS: `message` from `message`, else `msg`; `log.level` from `level`, else
 * `lvl` (the key used is not repeated); `@timestamp` (where the line's own
 * `timestamp` took that name: the time key read again when it names its
 * zone or is epoch); every other key as
 * given, a dotted key (`source.ip=...`) as nested objects (a key that
 * collides with one set before it is left out; one of more than 64 parts
 * is kept whole); `event.original`. Not
 * carried: `timestampText`, and `timestamp` when it is `@timestamp`.
 *
 * Errors: a line with no `=` at all; a `=` where a key should start; a
 * quoted value with no closing quote, or followed by something other than
 * white space.
 */
import type { LineFormat, NativeFields, ParseContext, ParseOutcome } from './format-types';
import { ecsBase, own, setEcs } from './ecs-fields';
import { addLineTime, ecsEntries, ecsTime, mergeEcs } from './json-fields';

const TIME_KEYS = ['time', 'ts', 'timestamp', 't'];
/** A key before `=` at the line's start; bounded, so a long line costs nothing here. */
const LOGFMT_START = /^[^\s=]{1,256}=/;
const OTHER_SPACE = /\s/;

function isSpace(line: string, i: number): boolean {
  const c = line.charCodeAt(i);
  if (c === 0x20 || (c >= 0x09 && c <= 0x0d)) return true;
  return c >= 0x80 && OTHER_SPACE.test(line[i]);
}

function failure(message: string, at: number): ParseOutcome {
  return { ok: false, error: { message, at } };
}

function parseLogfmt(line: string, context: ParseContext): ParseOutcome {
  const fields: NativeFields = {};
  const n = line.length;
  let pairs = 0;
  let i = 0;
  for (;;) {
    while (i < n && isSpace(line, i)) i++;
    if (i >= n) break;
    const keyStart = i;
    while (i < n && line.charCodeAt(i) !== 0x3d && !isSpace(line, i)) i++;
    if (i === keyStart) return failure('expected a key before =', i);
    const key = line.slice(keyStart, i);
    if (i >= n || line.charCodeAt(i) !== 0x3d) {
      own(fields, key, true);
      continue;
    }
    pairs++;
    i++;
    if (line.charCodeAt(i) === 0x22) {
      const quoted = readQuoted(line, i);
      if (quoted === undefined) return failure(`expected '"' to close the value of ${key}`, i);
      own(fields, key, quoted.text);
      i = quoted.end;
      if (i < n && !isSpace(line, i)) return failure(`expected a space after the value of ${key}`, i);
    } else {
      const valueStart = i;
      while (i < n && !isSpace(line, i)) i++;
      own(fields, key, line.slice(valueStart, i));
    }
  }
  if (pairs === 0) return failure('expected key=value pairs', 0);
  addLineTime(fields, TIME_KEYS, context);
  return { ok: true, fields };
}

const ESCAPES: Record<string, string> = { '"': '"', '\\': '\\', n: '\n', r: '\r', t: '\t' };

/** The quoted value that opens at `open`, unescaped, and the index after its closing quote. */
function readQuoted(line: string, open: number): { text: string; end: number } | undefined {
  let text = '';
  let from = open + 1;
  for (let i = open + 1; i < line.length; i++) {
    const c = line.charCodeAt(i);
    if (c === 0x22) return { text: text + line.slice(from, i), end: i + 1 };
    if (c !== 0x5c || i + 1 >= line.length) continue;
    const next = line[i + 1];
    const simple = Object.prototype.hasOwnProperty.call(ESCAPES, next) ? ESCAPES[next] : undefined;
    if (simple !== undefined) {
      text += line.slice(from, i) + simple;
      i++;
      from = i + 1;
    } else if (next === 'u' && /^[0-9A-Fa-f]{4}$/.test(line.slice(i + 2, i + 6))) {
      text += line.slice(from, i) + String.fromCharCode(parseInt(line.slice(i + 2, i + 6), 16));
      i += 5;
      from = i + 1;
    } else {
      i++; // kept as written, and an escaped character is never the closing quote
    }
  }
  return undefined;
}

function firstKey(fields: NativeFields, keys: readonly string[]): string | undefined {
  return keys.find((key) => Object.prototype.hasOwnProperty.call(fields, key) && typeof fields[key] === 'string' && fields[key] !== '');
}

function logfmtToEcs(fields: NativeFields, line: string): Record<string, unknown> {
  const ecs = ecsBase(line, ecsTime(fields, TIME_KEYS));
  const used = new Set<string>();
  const messageKey = firstKey(fields, ['message', 'msg']);
  if (messageKey !== undefined) {
    setEcs(ecs, 'message', fields[messageKey]);
    used.add(messageKey);
  }
  const levelKey = firstKey(fields, ['level', 'lvl']);
  if (levelKey !== undefined) {
    setEcs(ecs, 'log.level', fields[levelKey]);
    used.add(levelKey);
  }
  mergeEcs(ecs, ecsEntries(fields, used));
  return ecs;
}

export const logfmtFormat: LineFormat = {
  name: 'logfmt',
  detect: (line) => LOGFMT_START.test(line),
  parse: parseLogfmt,
  toEcs: logfmtToEcs,
};
