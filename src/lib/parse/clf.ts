/**
 * Apache and nginx access logs: the Common Log Format
 * `host ident authuser [date] "request" status bytes`, the combined format
 * (`... "referer" "user-agent"`) and nginx's default, which is the combined
 * format; fields after the user agent (nginx's `"$http_x_forwarded_for"`,
 * a request time) are kept in `extra`.
 *
 * Native fields (`-` in the line means absent: the field is left out):
 * - `clientIp`: the first field, as written (an address, or a host name
 *   when the server looks names up);
 * - `ident`, `user`: the identd name and the authenticated user;
 * - `timestamp`: the time as ISO 8601 UTC; `timestampText`: the text in the brackets;
 * - `request`: the request line as written, `"-"` included, unescaped;
 * - `method`, `path`, `protocol`: from a request line `METHOD path HTTP/x.y`
 *   (also `METHOD path`, HTTP/0.9); absent when the request is anything else
 *   (`-`, a scanner's TLS bytes as nginx writes them: `\x16\x03\x01...`);
 * - `status`, `bytes`: numbers (Apache's `-` for no bytes is absent, not 0);
 * - `referrer`, `userAgent`: the first two fields after the bytes, when quoted;
 * - `extra`: the fields after those (or every field after the bytes when
 *   the first is not quoted), strings as written, `-` kept; only when there are some.
 * In quoted fields `\"` and `\\` are unescaped; other escapes (`\xHH`, `\n`)
 * are kept as the server wrote them. A quote followed by neither a space nor
 * the line's end does not close the field (old servers did not escape quotes).
 *
 * ECS: `source.address` (the first field), and `source.ip` when it is an IP
 * address or `source.domain` when it is not (`client.*` is not set: ECS
 * reads a web server's peer as the source); `user.name`;
 * `http.request.method`; `url.original` (the path); `http.version` (`1.1`);
 * `http.response.status_code`; `http.response.body.bytes`;
 * `http.request.referrer`; `user_agent.original`; `@timestamp`;
 * `event.original`. `ident`, `request` and `extra` are not mapped (they
 * stay in `event.original`).
 */
import { isIP } from 'net';
import type { LineFormat, NativeFields, ParseError, ParseOutcome } from './format-types';
import { ecsBase, own, setEcs } from './ecs-fields';
import { readClfTimestamp } from './timestamps';

/** An address or host name, identd name, user, then the time's bracket; bounded so a long line costs nothing here. */
const CLF_START = /^[0-9A-Za-z.:%_-]{1,255} [^ ]{1,512} [^ ]{1,512} \[/;
const METHOD = /^[A-Z][A-Z0-9_-]{0,31}$/;
const PROTOCOL = /^HTTP\/(\d{1,2}(?:\.\d{1,2})?)$/;

class Failure {
  constructor(readonly error: ParseError) {}
}

/** A cursor over one line; its readers return a Failure instead of throwing. */
class Reader {
  at = 0;

  constructor(readonly line: string) {}

  get done(): boolean {
    return this.at >= this.line.length;
  }

  /** The text up to the next space or the end. */
  token(): string {
    const start = this.at;
    const end = this.line.indexOf(' ', start);
    this.at = end < 0 ? this.line.length : end;
    return this.line.slice(start, this.at);
  }

  /** One or more spaces, else a Failure naming what was expected after them. */
  spaces(next: string): Failure | undefined {
    if (this.line.charCodeAt(this.at) !== 0x20) return this.fail(`expected a space before ${next}`);
    while (this.line.charCodeAt(this.at) === 0x20) this.at++;
    return undefined;
  }

  skipSpaces(): void {
    while (this.line.charCodeAt(this.at) === 0x20) this.at++;
  }

  /** `[text]`, the brackets removed. */
  bracketed(what: string): string | Failure {
    if (this.line[this.at] !== '[') return this.fail(`expected '[' before ${what}`);
    const end = this.line.indexOf(']', this.at + 1);
    if (end < 0) return this.fail(`expected ']' after ${what}`);
    const text = this.line.slice(this.at + 1, end);
    this.at = end + 1;
    return text;
  }

  /** `"text"` with `\"` and `\\` unescaped; closed by a quote before a space or the end. */
  quoted(what: string): string | Failure {
    const open = this.at;
    if (this.line[open] !== '"') return this.fail(`expected '"' before ${what}`);
    const line = this.line;
    let text = '';
    let from = open + 1;
    for (let i = open + 1; i < line.length; i++) {
      const c = line.charCodeAt(i);
      if (c === 0x5c && i + 1 < line.length && (line[i + 1] === '"' || line[i + 1] === '\\')) {
        text += line.slice(from, i) + line[i + 1];
        i++;
        from = i + 1;
      } else if (c === 0x22 && (i + 1 === line.length || line.charCodeAt(i + 1) === 0x20)) {
        this.at = i + 1;
        return text + line.slice(from, i);
      }
    }
    return new Failure({ message: `expected '"' after ${what}`, at: open });
  }

  fail(message: string): Failure {
    return new Failure({ message, at: this.at });
  }
}

function present(text: string): string | undefined {
  return text === '-' ? undefined : text;
}

function setPresent(fields: NativeFields, key: string, value: unknown): void {
  if (value !== undefined) own(fields, key, value);
}

/** The time in the brackets carries its offset: the node's timezone is not needed. */
function parseClf(line: string): ParseOutcome {
  const read = new Reader(line);
  const host = read.token();
  if (host === '') return failed(read.fail('expected the client address'));
  let gap = read.spaces('the ident field');
  if (gap) return failed(gap);
  const ident = read.token();
  if ((gap = read.spaces('the user field'))) return failed(gap);
  const user = read.token();
  if ((gap = read.spaces('the time'))) return failed(gap);
  const timeText = read.bracketed('the time');
  if (timeText instanceof Failure) return failed(timeText);
  if ((gap = read.spaces('the request'))) return failed(gap);
  const request = read.quoted('the request');
  if (request instanceof Failure) return failed(request);
  if ((gap = read.spaces('the status'))) return failed(gap);
  const statusAt = read.at;
  const status = numberField(read.token(), 3);
  if (status === null) return failed(new Failure({ message: 'expected the status code', at: statusAt }));
  // The bytes may be the line's last field, and a common format line ends after them.
  if ((gap = read.spaces('the byte count'))) return failed(gap);
  const bytesAt = read.at;
  const bytes = numberField(read.token(), 15);
  if (bytes === null) return failed(new Failure({ message: 'expected the byte count', at: bytesAt }));

  const after: { text: string; quoted: boolean }[] = [];
  for (read.skipSpaces(); !read.done; read.skipSpaces()) {
    if (line[read.at] === '"') {
      const text = read.quoted('a quoted field');
      if (text instanceof Failure) return failed(text);
      after.push({ text, quoted: true });
    } else {
      after.push({ text: read.token(), quoted: false });
    }
  }
  const named = after[0]?.quoted ? (after[1]?.quoted ? 2 : 1) : 0;

  const fields: NativeFields = {};
  own(fields, 'clientIp', host);
  setPresent(fields, 'ident', present(ident));
  setPresent(fields, 'user', present(user));
  setPresent(fields, 'timestamp', readClfTimestamp(timeText));
  own(fields, 'timestampText', timeText);
  own(fields, 'request', request);
  const parts = requestParts(request);
  setPresent(fields, 'method', parts?.method);
  setPresent(fields, 'path', parts?.path);
  setPresent(fields, 'protocol', parts?.protocol);
  setPresent(fields, 'status', status);
  setPresent(fields, 'bytes', bytes);
  if (named >= 1) setPresent(fields, 'referrer', present(after[0].text));
  if (named >= 2) setPresent(fields, 'userAgent', present(after[1].text));
  if (after.length > named) own(fields, 'extra', after.slice(named).map((field) => field.text));
  return { ok: true, fields };
}

function failed(failure: Failure): ParseOutcome {
  return { ok: false, error: failure.error };
}

/** A number of at most `digits` digits, undefined for `-`, null for anything else. */
function numberField(text: string, digits: number): number | undefined | null {
  if (text === '-') return undefined;
  if (text.length === 0 || text.length > digits) return null;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c < 0x30 || c > 0x39) return null;
  }
  return Number(text);
}

/** `METHOD path HTTP/x.y` or `METHOD path`; undefined for any other request text. */
function requestParts(request: string): { method: string; path: string; protocol?: string } | undefined {
  const first = request.indexOf(' ');
  if (first <= 0) return undefined;
  const method = request.slice(0, first);
  if (!METHOD.test(method)) return undefined;
  const last = request.lastIndexOf(' ');
  const protocol = request.slice(last + 1);
  if (last > first && PROTOCOL.test(protocol)) {
    const path = request.slice(first + 1, last);
    return path === '' ? undefined : { method, path, protocol };
  }
  const path = request.slice(first + 1);
  return path === '' || path.includes(' ') ? undefined : { method, path };
}

function clfToEcs(fields: NativeFields, line: string): Record<string, unknown> {
  const ecs = ecsBase(line, fields.timestamp);
  const host = fields.clientIp;
  if (typeof host === 'string') {
    setEcs(ecs, 'source.address', host);
    setEcs(ecs, isIP(host) ? 'source.ip' : 'source.domain', host);
  }
  setEcs(ecs, 'user.name', fields.user);
  setEcs(ecs, 'http.request.method', fields.method);
  setEcs(ecs, 'url.original', fields.path);
  const protocol = typeof fields.protocol === 'string' ? PROTOCOL.exec(fields.protocol) : null;
  if (protocol) setEcs(ecs, 'http.version', protocol[1]);
  setEcs(ecs, 'http.response.status_code', fields.status);
  setEcs(ecs, 'http.response.body.bytes', fields.bytes);
  setEcs(ecs, 'http.request.referrer', fields.referrer);
  setEcs(ecs, 'user_agent.original', fields.userAgent);
  return ecs;
}

export const clfFormat: LineFormat = {
  name: 'clf',
  detect: (line) => CLF_START.test(line),
  parse: (line) => parseClf(line),
  toEcs: clfToEcs,
};
