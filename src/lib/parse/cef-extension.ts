/**
 * The extension of a CEF line: `key=value` pairs separated by spaces. A
 * value may hold spaces: it runs until the next space that is followed by
 * a key and '='. In a value `\=` is '=', `\\` is '\', `\n` and `\r` are a
 * line feed and a carriage return; a backslash before anything else is
 * kept. An unescaped '=' that does not follow ` key` is part of the value.
 */
import { own } from './ecs-fields';

export type ExtensionRead = { ok: true; values: Record<string, string> } | { ok: false; message: string; at: number };

/** Key characters: letters, digits and `_ . - [ ]` (vendors' keys such as `ad.Key[0]`). */
function isKeyChar(c: number): boolean {
  return (c >= 0x61 && c <= 0x7a) || (c >= 0x41 && c <= 0x5a) || (c >= 0x30 && c <= 0x39) || c === 0x5f || c === 0x2e || c === 0x2d || c === 0x5b || c === 0x5d;
}

/** The end of a key at `start` when '=' follows it, else -1. */
function keyEnd(line: string, start: number): number {
  let i = start;
  while (i < line.length && isKeyChar(line.charCodeAt(i))) i++;
  return i > start && line.charCodeAt(i) === 0x3d ? i : -1;
}

/** Reads the extension from `start` to the line's end. A repeated key keeps its last value. */
export function readExtension(line: string, start: number): ExtensionRead {
  const values: Record<string, string> = {};
  let i = start;
  while (line.charCodeAt(i) === 0x20) i++;
  if (i >= line.length) return { ok: true, values };
  let end = keyEnd(line, i);
  if (end < 0) return { ok: false, message: 'expected key=value in the extension', at: i };
  for (;;) {
    const key = line.slice(i, end);
    const valueStart = end + 1;
    // The next space followed by `key=`; each character is looked at a bounded number of times.
    let separator = -1;
    let nextEnd = -1;
    let from = valueStart;
    for (;;) {
      const space = line.indexOf(' ', from);
      if (space < 0) break;
      const candidate = keyEnd(line, space + 1);
      if (candidate >= 0) {
        separator = space;
        nextEnd = candidate;
        break;
      }
      from = space + 1;
    }
    own(values, key, unescapeValue(line.slice(valueStart, separator < 0 ? line.length : separator)));
    if (separator < 0) return { ok: true, values };
    i = separator + 1;
    end = nextEnd;
  }
}

function unescapeValue(raw: string): string {
  if (raw.indexOf('\\') < 0) return raw;
  let out = '';
  let from = 0;
  for (let i = raw.indexOf('\\'); i >= 0 && i < raw.length - 1; i = raw.indexOf('\\', i)) {
    const next = raw[i + 1];
    const replacement = next === '=' || next === '\\' ? next : next === 'n' ? '\n' : next === 'r' ? '\r' : undefined;
    if (replacement === undefined) {
      i++;
      continue;
    }
    out += raw.slice(from, i) + replacement;
    from = i + 2;
    i += 2;
  }
  return out + raw.slice(from);
}
