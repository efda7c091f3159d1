/**
 * Times as log lines write them, read into ISO 8601 UTC.
 *
 * Every reader returns undefined for text it cannot read as a real time
 * (a 31st of February, an hour 24, a zone it does not know): a parser then
 * keeps the original text and leaves the normalised time out.
 */
import type { ParseContext } from './format-types';

const MONTHS = ['january', 'february', 'march', 'april', 'may', 'june', 'july', 'august', 'september', 'october', 'november', 'december'];

/** A wall-clock time, fields as written (month 1-12). */
export interface WallClock {
  year: number;
  month: number;
  day: number;
  hour: number;
  minute: number;
  second: number;
  millisecond: number;
}

/** The month number (1-12) of an English month name or its first three letters, or undefined. */
export function monthNumber(name: string): number | undefined {
  const lower = name.toLowerCase();
  const i = MONTHS.findIndex((full) => lower === full || lower === full.slice(0, 3));
  return i < 0 ? undefined : i + 1;
}

const MONTH_DAYS = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];

function daysInMonth(year: number, month: number): number {
  const leap = year % 4 === 0 && (year % 100 !== 0 || year % 400 === 0);
  return month === 2 && leap ? 29 : MONTH_DAYS[month - 1];
}

function validClock(c: WallClock): boolean {
  return (
    Number.isInteger(c.year) && c.year >= 0 && c.year <= 9999 &&
    c.month >= 1 && c.month <= 12 &&
    c.day >= 1 && c.day <= daysInMonth(c.year, c.month) &&
    c.hour >= 0 && c.hour <= 23 &&
    c.minute >= 0 && c.minute <= 59 &&
    c.second >= 0 && c.second <= 60 &&
    c.millisecond >= 0 && c.millisecond <= 999
  );
}

/** Milliseconds since the epoch of a wall clock read as UTC (a leap second counts as :59.999). */
function utcMs(c: WallClock): number {
  const leap = c.second === 60;
  // Date.UTC makes no object (this runs per line); it reads the years 0-99 as 1900-1999, so not for those.
  if (c.year >= 100) return Date.UTC(c.year, c.month - 1, c.day, c.hour, c.minute, leap ? 59 : c.second, leap ? 999 : c.millisecond);
  const t = new Date(0);
  t.setUTCFullYear(c.year, c.month - 1, c.day);
  t.setUTCHours(c.hour, c.minute, leap ? 59 : c.second, leap ? 999 : c.millisecond);
  return t.getTime();
}

/** Minutes east of UTC of a fixed offset: 'Z', '+02:00', '-0530', '+02'; undefined otherwise. */
export function fixedOffsetMinutes(text: string): number | undefined {
  if (text === 'Z' || text === 'z') return 0;
  const m = /^([+-])(\d{2})(?::?(\d{2}))?$/.exec(text);
  if (!m) return undefined;
  const hours = Number(m[2]);
  const minutes = m[3] === undefined ? 0 : Number(m[3]);
  if (hours > 23 || minutes > 59) return undefined;
  return (m[1] === '-' ? -1 : 1) * (hours * 60 + minutes);
}

const zoneFormats = new Map<string, Intl.DateTimeFormat | null>();

function zoneFormat(zone: string): Intl.DateTimeFormat | null {
  let format = zoneFormats.get(zone);
  if (format === undefined) {
    try {
      format = new Intl.DateTimeFormat('en-US', {
        timeZone: zone,
        hourCycle: 'h23',
        year: 'numeric',
        month: 'numeric',
        day: 'numeric',
        hour: 'numeric',
        minute: 'numeric',
        second: 'numeric',
      });
    } catch {
      format = null;
    }
    // Bounded: zone names come from settings and lines, and a hostile line must not grow this.
    if (zoneFormats.size < 256) zoneFormats.set(zone, format);
  }
  return format;
}

/** Minutes east of UTC that `zone` has at the instant `atMs`, or undefined for a zone not known. */
export function zoneOffsetMinutes(zone: string, atMs: number): number | undefined {
  if (zone === 'UTC' || zone === 'utc' || zone === 'GMT') return 0;
  if (zone === 'local') return -new Date(atMs).getTimezoneOffset();
  const fixed = fixedOffsetMinutes(zone);
  if (fixed !== undefined) return fixed;
  const format = zoneFormat(zone);
  if (!format || !Number.isFinite(atMs)) return undefined;
  const parts: Record<string, number> = {};
  for (const p of format.formatToParts(new Date(atMs))) if (p.type !== 'literal') parts[p.type] = Number(p.value);
  // Not Date.UTC(year, ...): it reads the years 0-99 as 1900-1999.
  const wallDate = new Date(0);
  wallDate.setUTCFullYear(parts.year, parts.month - 1, parts.day);
  wallDate.setUTCHours(parts.hour, parts.minute, parts.second, 0);
  const wall = wallDate.getTime();
  return Math.round((wall - Math.floor(atMs / 1000) * 1000) / 60000);
}

/** True when `zone` is a timezone setting these readers understand. */
export function isKnownTimezone(zone: string): boolean {
  return zoneOffsetMinutes(zone, Date.now()) !== undefined;
}

/** The instant of a wall clock in `zone` (or at `offsetMinutes` east of UTC), or undefined. */
export function instantOf(clock: WallClock, zone: string, offsetMinutes?: number): number | undefined {
  if (!validClock(clock)) return undefined;
  const asUtc = utcMs(clock);
  if (offsetMinutes !== undefined) return asUtc - offsetMinutes * 60000;
  // The offset at the wall clock's instant: guess, then correct once (enough but for the hour a clock goes back).
  const first = zoneOffsetMinutes(zone, asUtc);
  if (first === undefined) return undefined;
  const second = zoneOffsetMinutes(zone, asUtc - first * 60000) ?? first;
  return asUtc - second * 60000;
}

/** ISO 8601 UTC with milliseconds, or undefined for an instant out of range. */
export function isoOf(ms: number | undefined): string | undefined {
  // Years 0 to 9999 (toISOString writes others with a sign and six digits).
  if (ms === undefined || !(ms >= -62167219200000 && ms <= 253402300799999)) return undefined;
  return new Date(ms).toISOString();
}

const ISO_PATTERN = /^(\d{4})-(\d{2})-(\d{2})[Tt ](\d{2}):(\d{2})(?::(\d{2})(?:[.,](\d{1,9}))?)?\s?(Z|z|[+-]\d{2}(?::?\d{2})?)?$/;

/** ISO 8601 / RFC 3339 (`2003-10-11T22:14:15.003-07:00`); without a zone, in `zone`. */
/**
 * The last time read, per reader: the lines of a burst mostly share their
 * time to the second, and reading one costs more than the rest of a parse.
 */
class LastRead {
  private text = '';
  private zone = '';
  private at = 0;
  private iso: string | undefined;

  /** The time read last for this text and zone, when read within `withinMs` of `now` (0: any time). */
  get(text: string, zone: string, now = 0, withinMs = 0): string | undefined | null {
    if (text !== this.text || zone !== this.zone || (withinMs > 0 && Math.abs(now - this.at) > withinMs)) return null;
    return this.iso;
  }

  set(text: string, zone: string, iso: string | undefined, now = 0): string | undefined {
    this.text = text;
    this.zone = zone;
    this.at = now;
    this.iso = iso;
    return iso;
  }
}

const lastIso = new LastRead();
const lastClf = new LastRead();
const lastBsd = new LastRead();

export function readIsoTimestamp(text: string, zone: string): string | undefined {
  const known = lastIso.get(text, zone);
  return known !== null ? known : lastIso.set(text, zone, readIsoAfresh(text, zone));
}

function readIsoAfresh(text: string, zone: string): string | undefined {
  const quick = readRfc3339Quickly(text);
  if (quick !== null) return quick;
  const m = ISO_PATTERN.exec(text);
  if (!m) return undefined;
  const clock: WallClock = {
    year: Number(m[1]),
    month: Number(m[2]),
    day: Number(m[3]),
    hour: Number(m[4]),
    minute: Number(m[5]),
    second: m[6] === undefined ? 0 : Number(m[6]),
    millisecond: m[7] === undefined ? 0 : Math.floor(Number(m[7].padEnd(3, '0').slice(0, 3))),
  };
  const offset = m[8] === undefined ? undefined : fixedOffsetMinutes(m[8]);
  if (m[8] !== undefined && offset === undefined) return undefined;
  return isoOf(instantOf(clock, zone, offset));
}

const TWO_DIGITS = Array.from({ length: 60 }, (_, n) => String(n).padStart(2, '0'));

/** The number of the two digits at `at`, or -1. */
function twoDigits(text: string, at: number): number {
  const a = text.charCodeAt(at) - 48;
  const b = text.charCodeAt(at + 1) - 48;
  return a >= 0 && a <= 9 && b >= 0 && b <= 9 ? a * 10 + b : -1;
}

/**
 * RFC 3339 as RFC 5424 senders write it (`2026-12-03T10:00:00.123456+01:00`,
 * `…Z`), put together as ISO 8601 UTC from its digits, without a regular
 * expression or a Date: a syslog receiver reads one per message. Null when
 * the text is not in that exact shape, is a leap second, or moves to another
 * day in UTC: the general reader then reads it.
 */
function readRfc3339Quickly(text: string): string | null {
  const n = text.length;
  if (n < 20 || text.charCodeAt(4) !== 0x2d || text.charCodeAt(7) !== 0x2d || text.charCodeAt(13) !== 0x3a || text.charCodeAt(16) !== 0x3a) return null;
  const t = text.charCodeAt(10);
  if (t !== 0x54 && t !== 0x74) return null;
  const century = twoDigits(text, 0);
  const yearOf = twoDigits(text, 2);
  const year = century < 0 || yearOf < 0 ? -1 : century * 100 + yearOf;
  const month = twoDigits(text, 5);
  const day = twoDigits(text, 8);
  const hour = twoDigits(text, 11);
  const minute = twoDigits(text, 14);
  const second = twoDigits(text, 17);
  if (year < 0 || month < 1 || month > 12 || day < 1 || day > daysInMonth(year, month) || hour < 0 || hour > 23 || minute < 0 || minute > 59 || second < 0 || second > 59) return null;
  let i = 19;
  let fraction = '000';
  if (text.charCodeAt(i) === 0x2e) {
    const from = ++i;
    while (i < n && i - from < 9 && text.charCodeAt(i) >= 48 && text.charCodeAt(i) <= 57) i++;
    if (i === from) return null;
    fraction = i - from >= 3 ? text.slice(from, from + 3) : text.slice(from, i).padEnd(3, '0');
  }
  let offset: number;
  const z = text.charCodeAt(i);
  if ((z === 0x5a || z === 0x7a) && i + 1 === n) offset = 0;
  else if ((z === 0x2b || z === 0x2d) && i + 6 === n && text.charCodeAt(i + 3) === 0x3a) {
    const hours = twoDigits(text, i + 1);
    const minutes = twoDigits(text, i + 4);
    if (hours < 0 || hours > 23 || minutes < 0 || minutes > 59) return null;
    offset = (z === 0x2d ? -1 : 1) * (hours * 60 + minutes);
  } else return null;
  const utcMinutes = hour * 60 + minute - offset;
  if (utcMinutes < 0 || utcMinutes >= 1440) return null;
  return `${text.slice(0, 10)}T${TWO_DIGITS[Math.floor(utcMinutes / 60)]}:${TWO_DIGITS[utcMinutes % 60]}:${TWO_DIGITS[second]}.${fraction}Z`;
}

/**
 * Seconds or milliseconds since the epoch, as a number or digits
 * (`1700000000`, `1700000000.123`, `1700000000123`): ten digits or fewer
 * before a point are seconds, thirteen are milliseconds.
 */
export function readEpoch(value: unknown): string | undefined {
  const text = typeof value === 'number' ? String(value) : typeof value === 'string' ? value.trim() : '';
  const m = /^(\d{1,13})(?:\.(\d{1,9}))?$/.exec(text);
  if (!m) return undefined;
  const whole = m[1];
  if (whole.length <= 10) return isoOf(Math.round(Number(`${whole}.${m[2] ?? '0'}`) * 1000));
  if (whole.length === 13) return isoOf(Number(whole));
  return undefined;
}

/** Apache/nginx `10/Oct/2000:13:55:36 -0700` (the brackets already removed). */
export function readClfTimestamp(text: string): string | undefined {
  const known = lastClf.get(text, '');
  return known !== null ? known : lastClf.set(text, '', readClfAfresh(text));
}

function readClfAfresh(text: string): string | undefined {
  const m = /^(\d{2})\/([A-Za-z]{3})\/(\d{4}):(\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,9}))? ([+-]\d{4})$/.exec(text);
  if (!m) return undefined;
  const month = monthNumber(m[2]);
  if (month === undefined) return undefined;
  const clock = { year: Number(m[3]), month, day: Number(m[1]), hour: Number(m[4]), minute: Number(m[5]), second: Number(m[6]), millisecond: m[7] === undefined ? 0 : Number(m[7].padEnd(3, '0').slice(0, 3)) };
  const offset = fixedOffsetMinutes(m[8]);
  // An offset out of range (+2500) is no time, not a time in UTC.
  return offset === undefined ? undefined : isoOf(instantOf(clock, 'UTC', offset));
}

/** How far a sender's clock may be ahead of ours: a time up to this far in the future is taken as this year's. */
const CLOCK_AHEAD_MS = 7 * 24 * 3600 * 1000;

const BSD_PATTERN = /^([A-Za-z]{3}) {1,2}(\d{1,2})(?: (\d{4}))? (\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,9}))?(?: (Z|UTC|GMT|[+-]\d{2}:?\d{2}|[A-Za-z_]+\/[A-Za-z_/+-]+))?$/;

/**
 * The BSD syslog time (RFC 3164: `Oct 11 22:14:15`, the day space-padded),
 * also with milliseconds, a year before the time (`Oct 11 2003 22:14:15`, as
 * CEF's `rt` is often written) or a zone after it.
 *
 * Without a year the year is guessed from `context.now`: of last year, this
 * year and next, the latest that puts the time no more than a week after
 * now. Log lines are read after they are written, often long after (a
 * backlog), so the past is preferred: a December line read in January is last
 * December's, an October line read in June last October's. The week allows
 * for a sender's fast clock: its 1 January, read on 31 December, is next year's.
 */
export function readBsdTimestamp(text: string, context: ParseContext): string | undefined {
  const now = context.now.getTime();
  // The year guessed depends on now: a minute later it is the same but at a year's edge.
  const known = lastBsd.get(text, context.timezone, now, 60_000);
  return known !== null ? known : lastBsd.set(text, context.timezone, readBsdAfresh(text, context), now);
}

function readBsdAfresh(text: string, context: ParseContext): string | undefined {
  const m = BSD_PATTERN.exec(text);
  if (!m) return undefined;
  const month = monthNumber(m[1]);
  if (month === undefined) return undefined;
  const zoneText = m[8];
  const offset = zoneText === undefined ? undefined : zoneText === 'UTC' || zoneText === 'GMT' ? 0 : fixedOffsetMinutes(zoneText);
  const zone = zoneText !== undefined && offset === undefined ? zoneText : context.timezone;
  // One object for every year tried: the same shape each time (this runs per line).
  const clock: WallClock = { year: 0, month, day: Number(m[2]), hour: Number(m[4]), minute: Number(m[5]), second: Number(m[6]), millisecond: m[7] === undefined ? 0 : Number(m[7].padEnd(3, '0').slice(0, 3)) };
  const inUtc = offset === 0 || (offset === undefined && (zone === 'UTC' || zone === 'utc' || zone === 'GMT'));
  if (m[3] !== undefined) {
    clock.year = Number(m[3]);
    return inUtc ? utcIsoOf(clock) : isoOf(instantOf(clock, zone, offset));
  }
  const latest = context.now.getTime() + CLOCK_AHEAD_MS;
  const thisYear = context.now.getUTCFullYear();
  for (let year = thisYear + 1; year >= thisYear - 1; year--) {
    clock.year = year;
    const at = instantOf(clock, zone, offset);
    if (at !== undefined && at <= latest) return inUtc ? utcIsoOf(clock) : isoOf(at);
  }
  return undefined;
}

/** ISO 8601 of a wall clock that is UTC, from its fields (no Date); through a Date for a leap second or a year out of range. */
function utcIsoOf(clock: WallClock): string | undefined {
  if (!validClock(clock)) return undefined;
  if (clock.second === 60 || clock.year < 1000) return isoOf(instantOf(clock, 'UTC', 0));
  const ms = clock.millisecond;
  return `${clock.year}-${TWO_DIGITS[clock.month]}-${TWO_DIGITS[clock.day]}T${TWO_DIGITS[clock.hour]}:${TWO_DIGITS[clock.minute]}:${TWO_DIGITS[clock.second]}.${ms < 10 ? '00' : ms < 100 ? '0' : ''}${ms}Z`;
}

/**
 * Any of the times above, tried in turn: a number or digits (epoch), ISO
 * 8601, the Apache/nginx form, the BSD syslog form. For fields whose form is
 * not fixed (JSON's `time`, logfmt's `ts`, CEF's `rt`, LEEF's `devTime`).
 */
export function readTimestamp(value: unknown, context: ParseContext): string | undefined {
  if (typeof value === 'number') return readEpoch(value);
  if (typeof value !== 'string' || value.length > 64) return undefined;
  const text = value.trim();
  return readEpoch(text) ?? readIsoTimestamp(text, context.timezone) ?? readClfTimestamp(text) ?? readBsdTimestamp(text, context);
}
