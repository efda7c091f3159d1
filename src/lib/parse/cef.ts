/**
 * The CEF line format (ArcSight Common Event Format):
 * `CEF:Version|Device Vendor|Device Product|Device Version|Device Event Class ID|Name|Severity|Extension`,
 * alone or after a syslog header (`<134>Oct 11 22:14:15 host CEF:0|...`,
 * `<134>1 2003-10-11T22:14:15Z host app - - - CEF:0|...`).
 *
 * Header fields unescape `\|` and `\\`. The extension is `key=value` pairs
 * separated by spaces (see cef-extension.ts); a line that ends after the
 * severity without the last '|' has an empty extension.
 *
 * Native fields:
 * - `version` (as written, `'0'`), `deviceVendor`, `deviceProduct`,
 *   `deviceVersion`, `deviceEventClassId`, `name`: strings.
 * - `severity`: a number when it is an integer (`'7'` is 7), otherwise the
 *   text as written (`'High'`, `'Very-High'`).
 * - `extensions`: every pair, values unescaped, custom labels (`cs1Label`,
 *   `cs1`) as they are; a repeated key keeps its last value.
 * - `timestamp`, `timestampText`: from `rt`, else `end` (epoch milliseconds,
 *   `MMM dd yyyy HH:mm:ss(.SSS)( zone)`, ISO 8601), else the syslog header's time.
 * - `syslog`: the syslog header's fields (as the syslog format gives them,
 *   without `message`) when there is one; `prefix`: the text before `CEF:`
 *   when it is not a syslog header (its time, if it reads as one, is the
 *   line's `timestamp`).
 *
 * ECS: `cef.version`, `cef.device.vendor`/`.product`/`.version`,
 * `cef.device.event_class_id`, `cef.name`, `cef.severity` (as written),
 * `cef.extensions` (every pair, raw); `observer.vendor`/`.product`/`.version`,
 * `event.code` (event class id), `event.severity` (when numeric), `message`
 * (`msg`, else the name), `@timestamp`, and from the extension:
 * src → source.ip, spt → source.port, shost → source.domain,
 * smac → source.mac, suser → source.user.name, dst → destination.ip,
 * dpt → destination.port, dhost → destination.domain and host.hostname,
 * dmac → destination.mac, duser → destination.user.name,
 * proto → network.transport (a name, lowercased) or network.iana_number
 * (a number), act → event.action,
 * outcome → event.outcome (when success, failure or unknown),
 * request → url.original, requestMethod → http.request.method,
 * requestClientApplication → user_agent.original, fname → file.name,
 * dvchost → observer.hostname, dvc → observer.ip. IPs and ports go in only
 * when they are ones. A syslog header adds the syslog format's ECS fields
 * (host.hostname from it when `dhost` is absent).
 */
import { neverThrows, type LineFormat, type NativeFields, type ParseContext, type ParseOutcome } from './format-types';
import { ecsBase, setEcs } from './ecs-fields';
import { readTimestamp } from './timestamps';
import { copyHeaderTime, detectBody, findBodyMarker, readSyslogHeader, setSyslogEcs, type EmbeddedBody } from './syslog';
import { readHeaderFields } from './cef-header';
import { readExtension } from './cef-extension';
import { copyPairs, ecsValue, mapToEcs, type EcsMapping } from './cef-mapping';

const HEADER_NAMES = ['version', 'device vendor', 'device product', 'device version', 'device event class id', 'name', 'severity'] as const;

const ECS_TABLE: readonly EcsMapping[] = [
  { from: 'src', to: 'source.ip', kind: 'ip' },
  { from: 'spt', to: 'source.port', kind: 'port' },
  { from: 'shost', to: 'source.domain', kind: 'text' },
  { from: 'smac', to: 'source.mac', kind: 'text' },
  { from: 'suser', to: 'source.user.name', kind: 'text' },
  { from: 'dst', to: 'destination.ip', kind: 'ip' },
  { from: 'dpt', to: 'destination.port', kind: 'port' },
  { from: 'dhost', to: 'destination.domain', kind: 'text' },
  { from: 'dhost', to: 'host.hostname', kind: 'text' },
  { from: 'dmac', to: 'destination.mac', kind: 'text' },
  { from: 'duser', to: 'destination.user.name', kind: 'text' },
  { from: 'proto', to: 'network.transport', kind: 'transport' },
  { from: 'proto', to: 'network.iana_number', kind: 'iana' },
  { from: 'act', to: 'event.action', kind: 'text' },
  { from: 'request', to: 'url.original', kind: 'text' },
  { from: 'requestMethod', to: 'http.request.method', kind: 'text' },
  { from: 'requestClientApplication', to: 'user_agent.original', kind: 'text' },
  { from: 'fname', to: 'file.name', kind: 'text' },
  { from: 'dvchost', to: 'observer.hostname', kind: 'text' },
  { from: 'dvc', to: 'observer.ip', kind: 'ip' },
];

const OUTCOMES = new Set(['success', 'failure', 'unknown']);

function parseCef(line: string, context: ParseContext): ParseOutcome {
  const markerAt = findBodyMarker(line, 'CEF:');
  if (markerAt < 0) return { ok: false, error: { message: "expected 'CEF:' and a version", at: 0 } };
  const embedded = readSyslogHeader(line, markerAt, context);
  const header = readHeaderFields(line, markerAt + 4, HEADER_NAMES, true);
  if (!header.ok) return { ok: false, error: { message: header.message, at: header.at } };
  const [version, deviceVendor, deviceProduct, deviceVersion, deviceEventClassId, name, severityText] = header.values;
  const extension = readExtension(line, header.end);
  if (!extension.ok) return { ok: false, error: { message: extension.message, at: extension.at } };
  const extensions = extension.values;
  const severity = /^\s*\d{1,3}\s*$/.test(severityText) ? Number(severityText) : severityText;
  const fields: NativeFields = { version, deviceVendor, deviceProduct, deviceVersion, deviceEventClassId, name, severity, extensions };
  setTime(fields, extensions, embedded, context);
  if (embedded.syslog) fields.syslog = embedded.syslog;
  if (embedded.prefix !== undefined) fields.prefix = embedded.prefix;
  return { ok: true, fields };
}

/** The line's time: `rt`, else `end`, else the header's. */
function setTime(fields: NativeFields, values: Record<string, string>, embedded: EmbeddedBody, context: ParseContext): void {
  const own = (key: string) => (Object.prototype.hasOwnProperty.call(values, key) && values[key] !== '' ? values[key] : undefined);
  const text = own('rt') ?? own('end');
  if (text !== undefined) {
    const timestamp = readTimestamp(text, context);
    if (timestamp !== undefined) fields.timestamp = timestamp;
    fields.timestampText = text;
  } else {
    copyHeaderTime(fields, embedded, context);
  }
}

export const cefFormat: LineFormat = {
  name: 'cef',
  detect: detectBody('CEF:'),
  parse: neverThrows('CEF', parseCef),
  toEcs(fields, line) {
    const ecs = ecsBase(line, fields.timestamp);
    const extensions = (fields.extensions ?? {}) as Record<string, string>;
    const message = Object.prototype.hasOwnProperty.call(extensions, 'msg') && extensions.msg !== '' ? extensions.msg : fields.name;
    setEcs(ecs, 'message', message);
    setEcs(ecs, 'cef.version', fields.version);
    setEcs(ecs, 'cef.device.vendor', fields.deviceVendor);
    setEcs(ecs, 'cef.device.product', fields.deviceProduct);
    setEcs(ecs, 'cef.device.version', fields.deviceVersion);
    setEcs(ecs, 'cef.device.event_class_id', fields.deviceEventClassId);
    setEcs(ecs, 'cef.name', fields.name);
    setEcs(ecs, 'cef.severity', fields.severity === undefined ? undefined : String(fields.severity));
    setEcs(ecs, 'cef.extensions', copyPairs(extensions));
    setEcs(ecs, 'observer.vendor', fields.deviceVendor || undefined);
    setEcs(ecs, 'observer.product', fields.deviceProduct || undefined);
    setEcs(ecs, 'observer.version', fields.deviceVersion || undefined);
    setEcs(ecs, 'event.code', fields.deviceEventClassId || undefined);
    if (typeof fields.severity === 'number') setEcs(ecs, 'event.severity', fields.severity);
    mapToEcs(ecs, extensions, ECS_TABLE);
    if (Object.prototype.hasOwnProperty.call(extensions, 'outcome')) {
      const outcome = ecsValue(extensions.outcome.replace(/^\//, ''), 'lower');
      if (typeof outcome === 'string' && OUTCOMES.has(outcome)) setEcs(ecs, 'event.outcome', outcome);
    }
    if (fields.syslog) setSyslogEcs(ecs, fields.syslog as NativeFields);
    return ecs;
  },
};
