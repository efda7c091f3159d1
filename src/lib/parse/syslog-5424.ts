/**
 * RFC 5424 syslog lines:
 * `<PRI>VERSION TIMESTAMP HOSTNAME APP-NAME PROCID MSGID STRUCTURED-DATA [MSG]`.
 * Each header field may be the NILVALUE `-` (absent). See syslog.ts for the
 * fields this gives.
 */
import type { NativeFields, ParseContext, ParseOutcome } from './format-types';
import { readIsoTimestamp } from './timestamps';
import { own } from './ecs-fields';
import { isDigit, priFields, readPri } from './syslog-pri';

/** Structured data: SD-ID to its parameters; a parameter given more than once keeps every value, in order. */
export type StructuredData = Record<string, Record<string, string | string[]>>;

const SP = 0x20;
const BOM = '\ufeff';

/** True when the line starts as RFC 5424 does: `<PRI>` and a version number, then a space. */
export function looksLike5424(line: string): boolean {
  return /^<\d{1,3}>[1-9]\d{0,2} /.test(line);
}

type Step<T> = { ok: true; value: T; end: number } | { ok: false; message: string; at: number };

function fail(message: string, at: number): ParseOutcome {
  return { ok: false, error: { message, at } };
}

/** A header field: the text up to the next space, which must be there; undefined for `-`. */
function readHeaderField(line: string, start: number, what: string): Step<string | undefined> {
  const end = line.indexOf(' ', start);
  if (end === start || start >= line.length) return { ok: false, message: `expected the ${what}`, at: start };
  if (end < 0) return { ok: false, message: `expected ' ' after the ${what}`, at: line.length };
  const text = line.slice(start, end);
  return { ok: true, value: text === '-' ? undefined : text, end: end + 1 };
}

/** The header fields after the timestamp: native name, and what an error calls it. */
const HEADER_FIELDS = [
  ['hostname', 'hostname'],
  ['appName', 'app name'],
  ['procId', 'process id'],
  ['msgId', 'message id'],
] as const;

export function parse5424(line: string, context: ParseContext): ParseOutcome {
  const pri = readPri(line, 0);
  if (!pri.ok) return fail(pri.message, pri.at);
  let i = pri.end;
  const versionStart = i;
  while (i < line.length && i - versionStart < 3 && isDigit(line.charCodeAt(i))) i++;
  if (i === versionStart || line.charCodeAt(versionStart) === 48) return fail('expected the version (1) after the priority', versionStart);
  if (line.charCodeAt(i) !== SP) return fail("expected ' ' after the version", i);
  const p = priFields(pri.pri);
  const fields: NativeFields = {
    rfc: 5424,
    pri: p.pri,
    facility: p.facility,
    facilityName: p.facilityName,
    severity: p.severity,
    severityName: p.severityName,
    version: Number(line.slice(versionStart, i)),
  };
  i++;

  const time = readHeaderField(line, i, 'timestamp');
  if (!time.ok) return fail(time.message, time.at);
  if (time.value !== undefined) {
    const timestamp = readIsoTimestamp(time.value, context.timezone);
    if (timestamp !== undefined) fields.timestamp = timestamp;
    fields.timestampText = time.value;
  }
  i = time.end;
  for (let f = 0; f < HEADER_FIELDS.length; f++) {
    const [name, what] = HEADER_FIELDS[f];
    const field = readHeaderField(line, i, what);
    if (!field.ok) return fail(field.message, field.at);
    if (field.value !== undefined) fields[name] = field.value;
    i = field.end;
  }

  if (line.charCodeAt(i) === 0x2d /* - */) {
    i++;
  } else {
    const data = readStructuredData(line, i);
    if (!data.ok) return fail(data.message, data.at);
    fields.structuredData = data.value;
    i = data.end;
  }
  if (i < line.length) {
    if (line.charCodeAt(i) !== SP) return fail("expected ' ' or the end of the line after the structured data", i);
    let message = line.slice(i + 1);
    if (message.startsWith(BOM)) {
      message = message.slice(1);
      fields.msgBom = true;
    }
    fields.message = message;
  }
  return { ok: true, fields };
}

/** A name in structured data (SD-ID, PARAM-NAME): up to a space, '=', ']' or '"'. */
function readSdName(line: string, start: number): number {
  let i = start;
  while (i < line.length) {
    const c = line.charCodeAt(i);
    if (c === SP || c === 0x3d || c === 0x5d || c === 0x22) break;
    i++;
  }
  return i;
}

/**
 * One or more `[SD-ID PARAM="VALUE" ...]` elements from `start`. Values
 * unescape `\"`, `\\` and `\]`; a backslash before any other character is
 * kept (RFC 5424 6.3.3). Lenient: several spaces between parameters, an
 * unescaped ']' inside a value, an SD-ID given twice (merged).
 */
export function readStructuredData(line: string, start: number): Step<StructuredData> {
  const data: StructuredData = {};
  let i = start;
  if (line.charCodeAt(i) !== 0x5b) return { ok: false, message: "expected '-' or '[' (the structured data)", at: i };
  while (line.charCodeAt(i) === 0x5b) {
    const idStart = i + 1;
    i = readSdName(line, idStart);
    if (i === idStart) return { ok: false, message: 'expected the SD-ID after \'[\'', at: i };
    const id = line.slice(idStart, i);
    let element = Object.prototype.hasOwnProperty.call(data, id) ? data[id] : undefined;
    if (element === undefined) {
      element = {};
      own(data, id, element);
    }
    for (;;) {
      const c = line.charCodeAt(i);
      if (c === 0x5d) {
        i++;
        break;
      }
      if (c !== SP) return { ok: false, message: `expected ' ' or ']' in the structured data element ${id}`, at: i };
      while (line.charCodeAt(i) === SP) i++;
      if (line.charCodeAt(i) === 0x5d) continue;
      const nameStart = i;
      i = readSdName(line, nameStart);
      if (i === nameStart) return { ok: false, message: `expected a parameter name in the structured data element ${id}`, at: i };
      const name = line.slice(nameStart, i);
      if (line.charCodeAt(i) !== 0x3d) return { ok: false, message: `expected '=' after the parameter name ${name}`, at: i };
      if (line.charCodeAt(i + 1) !== 0x22) return { ok: false, message: `expected '"' opening the value of ${name}`, at: i + 1 };
      const value = readSdValue(line, i + 2);
      if (value === undefined) return { ok: false, message: `expected '"' closing the value of ${name}`, at: line.length };
      addParam(element, name, value.text);
      i = value.end;
    }
  }
  return { ok: true, value: data, end: i };
}

function readSdValue(line: string, start: number): { text: string; end: number } | undefined {
  let text = '';
  let from = start;
  let i = start;
  while (i < line.length) {
    const c = line.charCodeAt(i);
    if (c === 0x22) return { text: text + line.slice(from, i), end: i + 1 };
    if (c === 0x5c) {
      const next = line.charCodeAt(i + 1);
      if (next === 0x22 || next === 0x5c || next === 0x5d) {
        text += line.slice(from, i);
        from = i + 1;
        i += 2;
        continue;
      }
    }
    i++;
  }
  return undefined;
}

function addParam(element: Record<string, string | string[]>, name: string, value: string): void {
  if (!Object.prototype.hasOwnProperty.call(element, name)) own(element, name, value);
  else {
    const before = element[name];
    if (Array.isArray(before)) before.push(value);
    else own(element, name, [before, value]);
  }
}
