/**
 * The syslog line format: RFC 5424 and RFC 3164 ("BSD"), decided per line.
 * A line that starts `<PRI>VERSION ` (`<165>1 `) is RFC 5424 and read
 * strictly; any other is RFC 3164, read leniently (see syslog-3164.ts):
 * the PRI, hostname and tag may be missing, and the time may be ISO 8601
 * (rsyslog's file formats), so /var/log/syslog and /var/log/auth.log lines
 * parse as they are.
 *
 * Native fields (each absent when the line does not carry it):
 * - `rfc`: 5424 or 3164.
 * - `pri`, `facility`, `facilityName`, `severity`, `severityName`: from the
 *   `<PRI>`; names as RFC 5424 tables 1 and 2 give them (`kern` ... `local7`,
 *   `emerg` ... `debug`). A 3164 line without a PRI has none of them (no
 *   default priority is made up).
 * - `version`: the RFC 5424 version, a number (1).
 * - `timestamp`: ISO 8601 UTC; `timestampText`: the time as written (alone
 *   when it is no real time). Times that name no zone (RFC 3164's, or an RFC
 *   5424 sender's that leaves it out) are read in the timezone setting;
 *   times without a year get the year that puts them nearest to now (a
 *   December line read in January is of last year).
 * - `hostname`, `appName`, `procId`, `msgId`: strings; RFC 5424's `-` is
 *   absent. In RFC 3164 `appName` and `procId` come from the tag
 *   (`sshd[4242]:`).
 * - `structuredData`: RFC 5424 `{ [sdId]: { [paramName]: value } }`, values
 *   unescaped (`\"`, `\\`, `\]`; a backslash before anything else is kept).
 *   A parameter given more than once (RFC 5424 allows it: origin's `ip`)
 *   keeps all of its values as an array, in order; an SD-ID given twice is
 *   merged.
 * - `message`: the MSG (in RFC 3164 the content after the tag); absent when
 *   the line ends before it.
 * - `msgBom`: true when an RFC 5424 MSG started with a UTF-8 BOM, which is
 *   removed from `message`.
 *
 * ECS: `@timestamp`, `message`, `event.original`, `log.syslog.priority`,
 * `log.syslog.facility.code`/`.name`, `log.syslog.severity.code`/`.name`,
 * `log.syslog.version` (a string, as ECS has it), `log.syslog.hostname`,
 * `log.syslog.appname`, `log.syslog.procid`, `log.syslog.msgid`,
 * `log.syslog.structured_data`, `log.level` (the severity name),
 * `host.hostname`, `process.name` (the app name) and `process.pid` (when
 * the process id is digits).
 */
import { neverThrows, type LineFormat, type NativeFields, type ParseContext, type ParseOutcome } from './format-types';
import { readTimestamp } from './timestamps';
import { ecsBase, mergeAbsent, type EcsObject } from './ecs-fields';
import { looksLike5424, parse5424 } from './syslog-5424';
import { parse3164 } from './syslog-3164';

export type { StructuredData } from './syslog-5424';

function parseSyslog(line: string, context: ParseContext): ParseOutcome {
  return looksLike5424(line) ? parse5424(line, context) : parse3164(line, context);
}

// A cheap look at the start: a PRI, a BSD time or an ISO time followed by a host and a tag.
const DETECT = /^(?:<\d{1,3}>|[A-Z][a-z]{2} [ \d]\d \d\d:\d\d:\d\d[ .]|\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(?:\.\d{1,9})?(?:Z|[+-]\d\d:?\d\d) [^\s[\]:]{1,255} [^\s[\]:]{1,256}(?:\[\d{1,20}\])?: )/;

export const syslogFormat: LineFormat = {
  name: 'syslog',
  detect: (line) => DETECT.test(line.slice(0, 600)),
  parse: neverThrows('syslog', parseSyslog),
  toEcs(fields, line) {
    const ecs = ecsBase(line, fields.timestamp);
    if (typeof fields.message === 'string') ecs.message = fields.message;
    addSyslogEcs(ecs, fields);
    return ecs;
  },
};

/**
 * The ECS fields of syslog's native `fields` (all but `message`,
 * `@timestamp` and `event.original`): `log` (`log.syslog.*`, `log.level`),
 * `host` and `process`, set in `ecs`, which has none of them yet. Built as
 * plain objects of fixed names (a syslog receiver does this per message):
 * no name here comes from the line.
 */
function addSyslogEcs(ecs: EcsObject, fields: NativeFields): void {
  const syslog: EcsObject = {};
  let any = false;
  if (fields.pri !== undefined) (syslog.priority = fields.pri), (any = true);
  if (fields.facility !== undefined || fields.facilityName !== undefined) {
    syslog.facility = codeAndName(fields.facility, fields.facilityName);
    any = true;
  }
  if (fields.severity !== undefined || fields.severityName !== undefined) {
    syslog.severity = codeAndName(fields.severity, fields.severityName);
    any = true;
  }
  if (typeof fields.version === 'number') (syslog.version = String(fields.version)), (any = true);
  if (fields.hostname !== undefined) (syslog.hostname = fields.hostname), (any = true);
  if (fields.appName !== undefined) (syslog.appname = fields.appName), (any = true);
  if (fields.procId !== undefined) (syslog.procid = fields.procId), (any = true);
  if (fields.msgId !== undefined) (syslog.msgid = fields.msgId), (any = true);
  if (fields.structuredData !== undefined) (syslog.structured_data = fields.structuredData), (any = true);
  const log: EcsObject | undefined = any ? { syslog } : fields.severityName !== undefined ? {} : undefined;
  if (log && fields.severityName !== undefined) log.level = fields.severityName;
  if (log) ecs.log = log;
  if (fields.hostname !== undefined) ecs.host = { hostname: fields.hostname };
  const pid = typeof fields.procId === 'string' && /^\d{1,15}$/.test(fields.procId) ? Number(fields.procId) : undefined;
  if (fields.appName !== undefined || pid !== undefined) {
    const process: EcsObject = {};
    if (fields.appName !== undefined) process.name = fields.appName;
    if (pid !== undefined) process.pid = pid;
    ecs.process = process;
  }
}

function codeAndName(code: unknown, name: unknown): EcsObject {
  const part: EcsObject = {};
  if (code !== undefined) part.code = code;
  if (name !== undefined) part.name = name;
  return part;
}

/**
 * Sets the ECS fields of syslog's native `fields` (all but `message`,
 * `@timestamp` and `event.original`) in `ecs`, for the syslog header in
 * front of CEF and LEEF: fields the body already set stay.
 */
export function setSyslogEcs(ecs: EcsObject, fields: NativeFields): void {
  const header: EcsObject = {};
  addSyslogEcs(header, fields);
  mergeAbsent(ecs, header);
}

/** Where a body such as `CEF:` starts in a line, and what is in front of it. */
export interface EmbeddedBody {
  /** Index of the marker (`CEF:`) in the line. */
  bodyStart: number;
  /** The syslog header's native fields (without `message`), when the text before the marker reads as one. */
  syslog?: NativeFields;
  /** The text before the marker when it is not a syslog header (trimmed), e.g. a bare date. */
  prefix?: string;
}

/**
 * Finds `marker` (`CEF:`, `LEEF:`) at the start of `line`, or after a space
 * the `>` of a PRI or a BOM, within the first `within` characters, followed by a
 * digit; -1 when it is not there.
 */
export function findBodyMarker(line: string, marker: string, within = Infinity): number {
  let at = line.indexOf(marker);
  while (at >= 0 && at <= within) {
    const before = at === 0 ? 0x20 : line.charCodeAt(at - 1);
    const after = line.charCodeAt(at + marker.length);
    if ((before === 0x20 || before === 0x3e || before === 0xfeff) && after >= 48 && after <= 57) return at;
    at = line.indexOf(marker, at + 1);
  }
  return -1;
}

/**
 * The `detect` of a format with a marker (`CEF:`, `LEEF:`): the marker within
 * a syslog header's length of the start, and a `|` after it. A cheap look.
 */
export function detectBody(marker: string): (line: string) => boolean {
  return (line) => {
    const at = findBodyMarker(line, marker, 300);
    return at >= 0 && line.indexOf('|', at) >= 0;
  };
}

/**
 * Reads the syslog header in front of a body at `bodyStart` (as
 * `findBodyMarker` finds it): `<134>Oct 11 22:14:15 host CEF:0|...`,
 * `<134>1 2003-10-11T22:14:15Z host app - - - CEF:0|...`. Text before the
 * body that is no syslog header is kept as `prefix`.
 */
export function readSyslogHeader(line: string, bodyStart: number, context: ParseContext): EmbeddedBody {
  if (bodyStart <= 0) return { bodyStart: Math.max(0, bodyStart) };
  const head = line.slice(0, bodyStart);
  const read = syslogFormat.parse(head, context);
  // A 3164 header holds nothing but the body after it; a word left over means the text before the body is not a header.
  if (read.ok && (read.fields.message === '' || read.fields.message === undefined)) {
    const syslog: NativeFields = {};
    for (const [key, value] of Object.entries(read.fields)) if (key !== 'message') syslog[key] = value;
    return { bodyStart, syslog };
  }
  return { bodyStart, prefix: head.trim() };
}

/** The time of the syslog header or of a bare prefix, for a body that has none of its own. */
export function copyHeaderTime(fields: NativeFields, embedded: EmbeddedBody, context: ParseContext): void {
  if (embedded.syslog) {
    if (embedded.syslog.timestamp !== undefined) fields.timestamp = embedded.syslog.timestamp;
    if (embedded.syslog.timestampText !== undefined) fields.timestampText = embedded.syslog.timestampText;
  } else if (embedded.prefix) {
    const timestamp = readTimestamp(embedded.prefix, context);
    if (timestamp !== undefined) {
      fields.timestamp = timestamp;
      fields.timestampText = embedded.prefix;
    }
  }
}
