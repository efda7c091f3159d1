/** The pipe-separated header of CEF and LEEF lines: `Vendor|Product|...|`, with `\|` and `\\` escaped. */

export type HeaderRead = { ok: true; values: string[]; end: number } | { ok: false; message: string; at: number };

/**
 * Reads one field per name from `start`, each ended by an unescaped '|';
 * `end` is the index after the last '|'. In a field `\|` is '|' and `\\` is
 * '\'; a backslash before anything else is kept. With `lastMayEndLine`
 * the last field may also end with the line (`end` is then its length).
 */
export function readHeaderFields(line: string, start: number, names: readonly string[], lastMayEndLine = false): HeaderRead {
  const values: string[] = [];
  let i = start;
  for (let n = 0; n < names.length; n++) {
    const name = names[n];
    let value = '';
    let from = i;
    for (;;) {
      if (i >= line.length && lastMayEndLine && n === names.length - 1) break;
      if (i >= line.length) return { ok: false, message: `expected '|' after the ${name}`, at: line.length };
      const c = line.charCodeAt(i);
      if (c === 0x7c) break;
      if (c === 0x5c) {
        const next = line.charCodeAt(i + 1);
        if (next === 0x7c || next === 0x5c) {
          value += line.slice(from, i);
          from = i + 1;
          i += 2;
          continue;
        }
      }
      i++;
    }
    values.push(value + line.slice(from, i));
    i++;
  }
  return { ok: true, values, end: Math.min(i, line.length) };
}
