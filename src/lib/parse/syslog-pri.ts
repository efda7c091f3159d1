/** The PRI of a syslog line: `<134>` is facility 16 (local0), severity 6 (info). */

/** Facility names as RFC 5424 table 1 numbers them (and as ECS's log.syslog.facility.name writes them). */
export const FACILITY_NAMES: readonly string[] = [
  'kern', 'user', 'mail', 'daemon', 'auth', 'syslog', 'lpr', 'news', 'uucp', 'cron', 'authpriv', 'ftp',
  'ntp', 'security', 'console', 'solaris-cron', 'local0', 'local1', 'local2', 'local3', 'local4', 'local5', 'local6', 'local7',
];

/** Severity names as RFC 5424 table 2 numbers them. */
export const SEVERITY_NAMES: readonly string[] = ['emerg', 'alert', 'crit', 'err', 'warning', 'notice', 'info', 'debug'];

export interface PriFields {
  pri: number;
  facility: number;
  facilityName: string;
  severity: number;
  severityName: string;
}

export function priFields(pri: number): PriFields {
  const facility = pri >> 3;
  const severity = pri & 7;
  return { pri, facility, facilityName: FACILITY_NAMES[facility], severity, severityName: SEVERITY_NAMES[severity] };
}

export type PriRead = { ok: true; pri: number; end: number } | { ok: false; message: string; at: number };

/**
 * Reads `<PRI>` at `start`: one to three digits, 0 to 191. `end` is the
 * index just after `>`.
 */
export function readPri(line: string, start: number): PriRead {
  if (line.charCodeAt(start) !== 0x3c) return { ok: false, message: "expected '<' and the priority", at: start };
  let i = start + 1;
  let value = 0;
  while (i < line.length && i - start <= 3 && isDigit(line.charCodeAt(i))) value = value * 10 + (line.charCodeAt(i++) - 48);
  if (i === start + 1) return { ok: false, message: 'expected the priority (digits) after \'<\'', at: i };
  if (isDigit(line.charCodeAt(i))) return { ok: false, message: 'expected at most three digits of priority', at: start + 4 };
  if (value > 191) return { ok: false, message: 'expected a priority of 0 to 191', at: start + 1 };
  if (line.charCodeAt(i) !== 0x3e) return { ok: false, message: "expected '>' after the priority", at: i };
  return { ok: true, pri: value, end: i + 1 };
}

export function isDigit(code: number): boolean {
  return code >= 48 && code <= 57;
}
