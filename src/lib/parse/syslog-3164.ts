/**
 * RFC 3164 ("BSD") syslog lines, read as leniently as real senders and
 * files need: `<PRI>Mmm dd hh:mm:ss HOSTNAME TAG: MSG`, where
 * - the PRI may be missing (files: /var/log/auth.log), and then pri is absent;
 * - the time may be an ISO 8601 one (rsyslog's file formats: /var/log/syslog),
 *   carry milliseconds, or a year before the time of day or the month
 *   (`Oct 11 2003 22:14:15`, `2003 Oct 11 22:14:15`; not after the time,
 *   where it could not be told from a hostname of digits);
 * - the hostname may be missing: when the word after the time is a tag;
 * - the tag may be missing: when the word after the hostname is none;
 * - after a PRI, anything that is not a time is the message (RFC 3164 4.3.3).
 * See syslog.ts for the fields this gives.
 */
import type { NativeFields, ParseContext, ParseOutcome } from './format-types';
import { readBsdTimestamp, readIsoTimestamp } from './timestamps';
import { priFields, readPri } from './syslog-pri';

// Each pattern is sticky (read at lastIndex) and bounded: no nested quantifiers.
const BSD_TIME = /(?:(\d{4}) )?([A-Za-z]{3}) {1,2}(\d{1,2}) (?:(\d{4}) )?(\d{2}:\d{2}:\d{2}(?:\.\d{1,9})?)(?= |$)/y;
const ISO_TIME = /\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(?::\d{2}(?:[.,]\d{1,9})?)?(?:Z|z|[+-]\d{2}(?::?\d{2})?)?(?= |$)/y;
/** `program[pid]:`, `program:` or `program[pid]`, followed by a space or the end. */
const TAG = /([^\s[\]:]{1,256})(?:\[([^\s[\]]{0,128})\])?(:?)(?= |$)/y;

interface TimeRead {
  text: string;
  timestamp: string | undefined;
  end: number;
}

function readTimeAt(line: string, start: number, context: ParseContext): TimeRead | undefined {
  BSD_TIME.lastIndex = start;
  const bsd = BSD_TIME.exec(line);
  if (bsd) {
    if (bsd[1] !== undefined && bsd[4] !== undefined) return undefined;
    const year = bsd[1] ?? bsd[4];
    // readBsdTimestamp takes the year between the day and the time only.
    const normal = year === undefined ? `${bsd[2]} ${bsd[3]} ${bsd[5]}` : `${bsd[2]} ${bsd[3]} ${year} ${bsd[5]}`;
    return { text: bsd[0], timestamp: readBsdTimestamp(normal, context), end: start + bsd[0].length };
  }
  ISO_TIME.lastIndex = start;
  const iso = ISO_TIME.exec(line);
  if (iso) return { text: iso[0], timestamp: readIsoTimestamp(iso[0], context.timezone), end: start + iso[0].length };
  return undefined;
}

interface TagRead {
  appName: string;
  procId: string | undefined;
  end: number;
}

/** A tag at `start` (with its colon, without the space after), or undefined when the word there is none. */
export function readTagAt(line: string, start: number): TagRead | undefined {
  TAG.lastIndex = start;
  const m = TAG.exec(line);
  if (!m || (m[2] === undefined && m[3] === '')) return undefined;
  return { appName: m[1], procId: m[2] === undefined || m[2] === '' ? undefined : m[2], end: start + m[0].length };
}

export function parse3164(line: string, context: ParseContext): ParseOutcome {
  const fields: NativeFields = { rfc: 3164 };
  let i = 0;
  if (line.charCodeAt(0) === 0x3c) {
    const pri = readPri(line, 0);
    if (!pri.ok) return { ok: false, error: { message: pri.message, at: pri.at } };
    Object.assign(fields, priFields(pri.pri));
    i = pri.end;
  }
  const time = readTimeAt(line, i, context);
  if (time === undefined) {
    if (i === 0) return { ok: false, error: { message: "expected '<' and the priority, or a time ('Oct 11 22:14:15' or ISO 8601)", at: 0 } };
    readMessage(line, i, fields);
    return { ok: true, fields };
  }
  if (time.timestamp !== undefined) fields.timestamp = time.timestamp;
  fields.timestampText = time.text;
  i = time.end;
  if (i >= line.length) return { ok: true, fields };
  i++;
  if (readTagAt(line, i) === undefined) {
    const end = line.indexOf(' ', i);
    const hostEnd = end < 0 ? line.length : end;
    if (hostEnd > i) fields.hostname = line.slice(i, hostEnd);
    if (hostEnd >= line.length) {
      if (hostEnd === i) fields.message = '';
      return { ok: true, fields };
    }
    i = hostEnd + 1;
  }
  readMessage(line, i, fields);
  return { ok: true, fields };
}

/** The tag, when there is one, and the message after it. */
function readMessage(line: string, start: number, fields: NativeFields): void {
  const tag = readTagAt(line, start);
  if (tag === undefined) {
    fields.message = line.slice(start);
    return;
  }
  fields.appName = tag.appName;
  if (tag.procId !== undefined) fields.procId = tag.procId;
  fields.message = line.slice(tag.end + 1);
}
