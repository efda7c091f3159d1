/**
 * The LEEF line format (IBM QRadar Log Event Extended Format), 1.0 and 2.0,
 * alone or after a syslog header (`<134>Oct 11 22:14:15 host LEEF:2.0|...`):
 * - `LEEF:1.0|Vendor|Product|Version|EventID|` then attributes separated by tabs;
 * - `LEEF:2.0|Vendor|Product|Version|EventID|Delimiter|` then attributes
 *   separated by the delimiter: one character (`^`), or its code in hex
 *   (`x09`, `0x5E`); an empty field means a tab. A 2.0 line whose sixth
 *   field is not a delimiter (`src=10.0.0.1<tab>...`) has none: its
 *   attributes start after the event id, separated by tabs.
 * Header fields unescape `\|` and `\\`. Attributes are `key=value`, split at
 * the first '='; empty ones are skipped, and a piece without '=' belongs to
 * the value before it (the delimiter has no escape, so it was the value's).
 *
 * Native fields:
 * - `version` (as written, `'2.0'`), `vendor`, `product`, `productVersion`,
 *   `eventId`: strings; `delimiter`: the character that separates the attributes.
 * - `attributes`: every pair; a repeated key keeps its last value.
 * - `timestamp`, `timestampText`: from `devTime`, read by `devTimeFormat`
 *   (a Java SimpleDateFormat pattern: see leef-time.ts) when given, else as
 *   epoch milliseconds, ISO 8601 or `MMM dd yyyy HH:mm:ss`; else the syslog
 *   header's time.
 * - `syslog` / `prefix`: the syslog header, or the text before `LEEF:`, as CEF has them.
 *
 * ECS: `leef.version`, `leef.vendor`, `leef.product`, `leef.product_version`,
 * `leef.event_id`, `leef.attributes` (every pair, raw); `observer.vendor`/
 * `.product`/`.version`, `event.code` (event id), `@timestamp`, and from the
 * attributes: src → source.ip, srcPort → source.port, srcMAC → source.mac,
 * srcBytes → source.bytes, dst → destination.ip, dstPort →
 * destination.port, dstMAC → destination.mac, dstBytes → destination.bytes,
 * usrName → user.name, proto → network.transport (a name, lowercased) or
 * network.iana_number (a number), sev → event.severity (when numeric).
 * `cat` stays in leef.attributes only: it is the vendor's category, and
 * ECS's event.category and event.action do not mean that. A syslog header
 * adds the syslog format's ECS fields.
 */
import { neverThrows, type LineFormat, type NativeFields, type ParseContext, type ParseOutcome } from './format-types';
import { ecsBase, own, setEcs } from './ecs-fields';
import { readTimestamp } from './timestamps';
import { copyHeaderTime, detectBody, findBodyMarker, readSyslogHeader, setSyslogEcs, type EmbeddedBody } from './syslog';
import { readHeaderFields } from './cef-header';
import { copyPairs, mapToEcs, type EcsMapping } from './cef-mapping';
import { readJavaTime } from './leef-time';

const HEADER_NAMES = ['version', 'vendor', 'product', 'product version', 'event id'] as const;

const ECS_TABLE: readonly EcsMapping[] = [
  { from: 'src', to: 'source.ip', kind: 'ip' },
  { from: 'srcPort', to: 'source.port', kind: 'port' },
  { from: 'srcMAC', to: 'source.mac', kind: 'text' },
  { from: 'srcBytes', to: 'source.bytes', kind: 'number' },
  { from: 'dst', to: 'destination.ip', kind: 'ip' },
  { from: 'dstPort', to: 'destination.port', kind: 'port' },
  { from: 'dstMAC', to: 'destination.mac', kind: 'text' },
  { from: 'dstBytes', to: 'destination.bytes', kind: 'number' },
  { from: 'usrName', to: 'user.name', kind: 'text' },
  { from: 'proto', to: 'network.transport', kind: 'transport' },
  { from: 'proto', to: 'network.iana_number', kind: 'iana' },
  { from: 'sev', to: 'event.severity', kind: 'number' },
];

/** The delimiter a LEEF 2.0 delimiter field names, or undefined when the field is no delimiter. */
export function delimiterOf(field: string): string | undefined {
  if (field === '') return '\t';
  if ([...field].length === 1) return field;
  const hex = /^0?[xX]([0-9A-Fa-f]{1,4})$/.exec(field);
  if (!hex) return undefined;
  const code = parseInt(hex[1], 16);
  return code === 0 ? undefined : String.fromCharCode(code);
}

function parseLeef(line: string, context: ParseContext): ParseOutcome {
  const markerAt = findBodyMarker(line, 'LEEF:');
  if (markerAt < 0) return { ok: false, error: { message: "expected 'LEEF:' and a version", at: 0 } };
  const embedded = readSyslogHeader(line, markerAt, context);
  const header = readHeaderFields(line, markerAt + 5, HEADER_NAMES, true);
  if (!header.ok) return { ok: false, error: { message: header.message, at: header.at } };
  const [version, vendor, product, productVersion, eventId] = header.values;
  let delimiter = '\t';
  let start = header.end;
  if (Number.parseInt(version, 10) >= 2) {
    const field = readHeaderFields(line, start, ['delimiter']);
    const named = field.ok ? delimiterOf(field.values[0]) : undefined;
    if (field.ok && named !== undefined) {
      delimiter = named;
      start = field.end;
    }
  }
  const attributes = readAttributes(line, start, delimiter);
  if (!attributes.ok) return { ok: false, error: { message: attributes.message, at: attributes.at } };
  const fields: NativeFields = { version, vendor, product, productVersion, eventId, delimiter, attributes: attributes.values };
  setTime(fields, attributes.values, embedded, context);
  if (embedded.syslog) fields.syslog = embedded.syslog;
  if (embedded.prefix !== undefined) fields.prefix = embedded.prefix;
  return { ok: true, fields };
}

type AttributesRead = { ok: true; values: Record<string, string> } | { ok: false; message: string; at: number };

function readAttributes(line: string, start: number, delimiter: string): AttributesRead {
  const values: Record<string, string> = {};
  // The pair being read: pieces without '=' are added to its value before it is set.
  let key: string | undefined;
  let value = '';
  let at = start;
  for (;;) {
    const found = line.indexOf(delimiter, at);
    const end = found < 0 ? line.length : found;
    if (end > at) {
      const piece = line.slice(at, end);
      const equals = piece.indexOf('=');
      if (equals > 0) {
        if (key !== undefined) own(values, key, value);
        key = piece.slice(0, equals);
        value = piece.slice(equals + 1);
      } else if (key !== undefined) {
        value += delimiter + piece;
      } else {
        return { ok: false, message: 'expected key=value in the attributes', at };
      }
    }
    if (found < 0) break;
    at = found + delimiter.length;
  }
  if (key !== undefined) own(values, key, value);
  return { ok: true, values };
}

function setTime(fields: NativeFields, values: Record<string, string>, embedded: EmbeddedBody, context: ParseContext): void {
  const has = (key: string) => Object.prototype.hasOwnProperty.call(values, key) && values[key] !== '';
  if (!has('devTime')) {
    copyHeaderTime(fields, embedded, context);
    return;
  }
  const text = values.devTime;
  const timestamp = (has('devTimeFormat') ? readJavaTime(text, values.devTimeFormat, context) : undefined) ?? readTimestamp(text, context);
  if (timestamp !== undefined) fields.timestamp = timestamp;
  fields.timestampText = text;
}

export const leefFormat: LineFormat = {
  name: 'leef',
  detect: detectBody('LEEF:'),
  parse: neverThrows('LEEF', parseLeef),
  toEcs(fields, line) {
    const ecs = ecsBase(line, fields.timestamp);
    const attributes = (fields.attributes ?? {}) as Record<string, string>;
    setEcs(ecs, 'leef.version', fields.version);
    setEcs(ecs, 'leef.vendor', fields.vendor);
    setEcs(ecs, 'leef.product', fields.product);
    setEcs(ecs, 'leef.product_version', fields.productVersion);
    setEcs(ecs, 'leef.event_id', fields.eventId);
    setEcs(ecs, 'leef.attributes', copyPairs(attributes));
    setEcs(ecs, 'observer.vendor', fields.vendor || undefined);
    setEcs(ecs, 'observer.product', fields.product || undefined);
    setEcs(ecs, 'observer.version', fields.productVersion || undefined);
    setEcs(ecs, 'event.code', fields.eventId || undefined);
    mapToEcs(ecs, attributes, ECS_TABLE);
    if (fields.syslog) setSyslogEcs(ecs, fields.syslog as NativeFields);
    return ecs;
  },
};
