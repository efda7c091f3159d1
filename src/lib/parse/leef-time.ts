/**
 * LEEF's `devTime` read by its `devTimeFormat`, a Java SimpleDateFormat
 * pattern. The letters QRadar's sources use are read: y (year; `yy` is
 * 20yy), M (month: `MMM` a name, else digits), d, H, h with a (AM/PM), m, s,
 * S (fraction, kept to milliseconds), E (a day name, skipped), z (UTC, GMT,
 * an offset or an IANA name), Z (`-0700`), X (`Z`, `-07`, `-0700`,
 * `-07:00`) and 'quoted' literals. Anything else in the pattern is a
 * literal. A pattern or time it cannot read gives undefined.
 */
import type { ParseContext } from './format-types';
import { fixedOffsetMinutes, instantOf, isoOf, monthNumber, type WallClock } from './timestamps';

interface Token {
  letter: string;
  count: number;
  literal?: string;
}

const PATTERN_LETTERS = 'yMdHhmsSaEzZX';
const NUMERIC = 'yMdHhmsS';

function tokenize(pattern: string): Token[] | undefined {
  const tokens: Token[] = [];
  let i = 0;
  while (i < pattern.length) {
    const c = pattern[i];
    if (c === "'") {
      const close = pattern.indexOf("'", i + 1);
      if (close < 0) return undefined;
      tokens.push({ letter: '', count: 0, literal: close === i + 1 ? "'" : pattern.slice(i + 1, close) });
      i = close + 1;
    } else if (PATTERN_LETTERS.includes(c)) {
      let j = i + 1;
      while (pattern[j] === c) j++;
      tokens.push({ letter: c, count: j - i });
      i = j;
    } else if (/[A-Za-z]/.test(c)) {
      return undefined; // A pattern letter this reader does not know: better no time than a wrong one.
    } else {
      tokens.push({ letter: '', count: 0, literal: c });
      i++;
    }
  }
  return tokens;
}

function isNumericToken(token: Token | undefined): boolean {
  return token !== undefined && token.literal === undefined && (NUMERIC.includes(token.letter) || (token.letter === 'M' && token.count < 3));
}

/** `devTime` read by `pattern` as ISO 8601 UTC, or undefined. */
export function readJavaTime(text: string, pattern: string, context: ParseContext): string | undefined {
  if (text.length > 64 || pattern.length > 64) return undefined;
  const tokens = tokenize(pattern);
  if (!tokens) return undefined;
  const clock: WallClock = { year: NaN, month: 1, day: 1, hour: 0, minute: 0, second: 0, millisecond: 0 };
  let pm: boolean | undefined;
  let twelveHour = false;
  let offset: number | undefined;
  let zone = context.timezone;
  let at = 0;
  for (let t = 0; t < tokens.length; t++) {
    const token = tokens[t];
    if (token.literal !== undefined) {
      if (!text.startsWith(token.literal, at)) return undefined;
      at += token.literal.length;
      continue;
    }
    const { letter, count } = token;
    if (letter === 'z') {
      const zoneText = /^(?:[+-]\d{2}:?\d{2}|[A-Za-z][A-Za-z0-9_/+-]*)/.exec(text.slice(at, at + 40))?.[0];
      if (zoneText === undefined) return undefined;
      if (zoneText === 'UTC' || zoneText === 'GMT') offset = 0;
      else offset = fixedOffsetMinutes(zoneText);
      if (offset === undefined) zone = zoneText;
      at += zoneText.length;
      continue;
    }
    if ((letter === 'M' && count >= 3) || letter === 'E' || letter === 'a') {
      const word = /^[A-Za-z]+/.exec(text.slice(at, at + 20))?.[0];
      if (word === undefined) return undefined;
      if (letter === 'M') {
        const month = monthNumber(word);
        if (month === undefined) return undefined;
        clock.month = month;
      } else if (letter === 'a') {
        const upper = word.toUpperCase();
        if (upper !== 'AM' && upper !== 'PM') return undefined;
        pm = upper === 'PM';
      }
      at += word.length;
      continue;
    }
    if (letter === 'Z' || letter === 'X') {
      const m = /^(?:Z|[+-]\d{2}(?::?\d{2})?)/.exec(text.slice(at, at + 6));
      if (!m) return undefined;
      offset = fixedOffsetMinutes(m[0]);
      at += m[0].length;
      continue;
    }
    // A number: exactly `count` digits when another number follows at once (yyyyMMdd), otherwise as many as there are.
    const width = isNumericToken(tokens[t + 1]) ? count : letter === 'y' ? 4 : letter === 'S' ? 9 : 2;
    const m = new RegExp(`^\\d{${isNumericToken(tokens[t + 1]) ? width : 1},${width}}`).exec(text.slice(at, at + width));
    if (!m) return undefined;
    const digits = m[0];
    at += digits.length;
    const value = Number(digits);
    if (letter === 'y') clock.year = count === 2 ? 2000 + value : value;
    else if (letter === 'M') clock.month = value;
    else if (letter === 'd') clock.day = value;
    else if (letter === 'H') clock.hour = value;
    else if (letter === 'h') {
      clock.hour = value;
      twelveHour = true;
    } else if (letter === 'm') clock.minute = value;
    else if (letter === 's') clock.second = value;
    else if (letter === 'S') clock.millisecond = Number(digits.padEnd(3, '0').slice(0, 3));
  }
  if (at !== text.length) return undefined;
  if (twelveHour || pm !== undefined) {
    if (clock.hour < 1 || clock.hour > 12) return undefined;
    clock.hour = (clock.hour % 12) + (pm ? 12 : 0);
  }
  if (!Number.isNaN(clock.year)) return isoOf(instantOf(clock, zone, offset));
  // No year in the pattern: the year that puts the time nearest to now, as for BSD syslog times.
  const now = context.now.getTime();
  let best: number | undefined;
  for (const year of [context.now.getUTCFullYear() - 1, context.now.getUTCFullYear(), context.now.getUTCFullYear() + 1]) {
    const instant = instantOf({ ...clock, year }, zone, offset);
    if (instant !== undefined && (best === undefined || Math.abs(instant - now) < Math.abs(best - now))) best = instant;
  }
  return isoOf(best);
}
