'use strict';
// The benchmark's log lines: fixed-size (100 bytes with the '\n'), realistic
// enough (syslog, access log and application formats), each with a sequence
// number, generated straight into one Buffer so that making a million of them
// costs a few milliseconds.
const fs = require('fs');
const { mulberry32 } = require('../lib/log-generator');

const LINE_BYTES = 100;

const TEMPLATES = [
  'May 01 12:00:00 web-01 sshd[2231]: #SEQ Failed password for invalid user admin from 203.0.113.7 port 51234 ssh2',
  '10.0.4.21 - - [01/May/2024:12:00:00 +0000] #SEQ "GET /api/v1/orders/48213 HTTP/1.1" 200 5123 "-" "curl/8.5.0"',
  '2024-05-01T12:00:00.123Z INFO orders-api[311]: #SEQ order placed id=48213 customer=c-2210 total=129.90 EUR ok',
  'May 01 12:00:01 bastion-1 sudo: #SEQ deploy : TTY=pts/0 ; PWD=/srv/app ; USER=root ; COMMAND=/bin/systemctl',
  '2024-05-01T12:00:01.456Z WARN billing-worker[77]: #SEQ retrying invoice 9921 after upstream timeout (2/5) x',
];
const SEQ_DIGITS = 10;

/** Each template as exactly 99 bytes plus '\n', and where its sequence digits go. */
const PREPARED = TEMPLATES.map((t) => {
  const at = t.indexOf('#SEQ');
  let text = t.replace('#SEQ', `#${'0'.repeat(SEQ_DIGITS)}`);
  text = text.length >= LINE_BYTES - 1 ? text.slice(0, LINE_BYTES - 1) : text.padEnd(LINE_BYTES - 1, '.');
  const bytes = Buffer.from(`${text}\n`, 'latin1');
  if (bytes.length !== LINE_BYTES || at + 1 + SEQ_DIGITS >= LINE_BYTES) throw new Error('bad template');
  return { bytes, seqAt: at + 1 };
});

/** `count` lines numbered from `firstSeq`, as one Buffer of count * 100 bytes. */
function makeLines(count, firstSeq = 0) {
  const buf = Buffer.allocUnsafe(count * LINE_BYTES);
  for (let i = 0; i < count; i++) {
    const t = PREPARED[i % PREPARED.length];
    const off = i * LINE_BYTES;
    t.bytes.copy(buf, off);
    let n = firstSeq + i;
    for (let d = t.seqAt + SEQ_DIGITS - 1; d >= t.seqAt; d--) {
      buf[off + d] = 48 + (n % 10);
      n = Math.floor(n / 10);
    }
  }
  return buf;
}

/** Characters a line counts for once its '\n' is gone (all lines are ASCII). */
const LINE_CHARS = LINE_BYTES - 1;

/** A latency probe line: the write time in ms since the epoch, then padding. */
function stampedLine(seq, now = Date.now()) {
  const text = `ts=${now} seq=${seq} probe line for latency measurement`;
  return `${text.padEnd(LINE_BYTES - 1, '.').slice(0, LINE_BYTES - 1)}\n`;
}

/** Appends a whole buffer to `file` with as few write calls as possible. */
function appendAll(file, buf) {
  const fd = fs.openSync(file, 'a');
  try {
    let off = 0;
    while (off < buf.length) off += fs.writeSync(fd, buf, off, buf.length - off);
  } finally {
    fs.closeSync(fd);
  }
}

/** Writes a file of about `mb` MiB of lines (whole lines), `linesPerWrite` at a time. Returns the line count. */
function writeBacklog(file, mb, linesPerWrite = 100_000) {
  const total = Math.floor((mb * 1024 * 1024) / LINE_BYTES);
  const fd = fs.openSync(file, 'w');
  try {
    for (let done = 0; done < total; ) {
      const n = Math.min(linesPerWrite, total - done);
      const buf = makeLines(n, done);
      let off = 0;
      while (off < buf.length) off += fs.writeSync(fd, buf, off, buf.length - off);
      done += n;
    }
  } finally {
    fs.closeSync(fd);
  }
  return total;
}

// --- The events scenario's files (scenario-events.js) ----------------------
//
// Realistic lines of varying length rather than fixed 100-byte ones: what a
// parser costs depends on what it reads. Deterministic (a seeded generator),
// ASCII only (characters = bytes), each line with a sequence number and a
// time that moves on by 7 ms a line.

/** A small seeded generator: the same file in every run and on every machine. */
const seeded = mulberry32;

const EVENTS_EPOCH = Date.UTC(2024, 4, 1, 12, 0, 0);
const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
const HOSTS = ['web-01.example.com', 'web-02.example.com', 'db-01.example.net', 'bastion-1', 'fw-edge-2'];

/** The time of line `i`: {iso, rfc3164 ('May  1 12:00:00'), clf ('01/May/2024:12:00:00 +0000'), epochMs}. */
function eventTime(i) {
  const ms = EVENTS_EPOCH + i * 7;
  const iso = new Date(ms).toISOString();
  const day = Number(iso.slice(8, 10));
  const mon = MONTHS[Number(iso.slice(5, 7)) - 1];
  const hms = iso.slice(11, 19);
  return {
    iso,
    rfc3164: `${mon} ${String(day).padStart(2, ' ')} ${hms}`,
    clf: `${iso.slice(8, 10)}/${mon}/${iso.slice(0, 4)}:${hms} +0000`,
    epochMs: ms,
  };
}

const hex = (rnd, digits) => {
  let out = '';
  while (out.length < digits) out += Math.floor(rnd() * 0x100000000).toString(16).padStart(8, '0');
  return out.slice(0, digits);
};
const pick = (rnd, list) => list[Math.floor(rnd() * list.length)];
const int = (rnd, lo, hi) => lo + Math.floor(rnd() * (hi - lo + 1));

/** A syslog message text (the part after the header) with sequence number `seq`. */
function syslogMessage(rnd, seq) {
  switch (int(rnd, 0, 5)) {
    case 0:
      return { app: 'sshd', msgid: 'AUTH', text: `Failed password for invalid user admin from 203.0.113.${int(rnd, 1, 254)} port ${int(rnd, 30000, 65000)} ssh2 [preauth] session=${hex(rnd, 8)} seq=${seq}` };
    case 1:
      return { app: 'sshd', msgid: 'AUTH', text: `Accepted publickey for deploy from 198.51.100.${int(rnd, 1, 254)} port ${int(rnd, 30000, 65000)} ssh2: ED25519 SHA256:${hex(rnd, 16)} seq=${seq}` };
    case 2:
      return { app: 'sudo', msgid: 'SESSION', text: `pam_unix(sudo:session): session opened for user root(uid=0) by deploy(uid=1000) tty=pts/${int(rnd, 0, 9)} pwd=/srv/app command=/bin/systemctl restart orders seq=${seq}` };
    case 3:
      return { app: 'orders-api', msgid: 'ORDER', text: `order placed id=${int(rnd, 10000, 99999)} customer=c-${int(rnd, 1000, 9999)} total=${int(rnd, 5, 900)}.90 EUR items=${int(rnd, 1, 12)} payment=card-visa shipping=dhl-express seq=${seq}` };
    case 4:
      return { app: 'nginx', msgid: 'UPSTREAM', text: `upstream timed out (110: Connection timed out) while reading response header from upstream, client: 10.0.${int(rnd, 0, 9)}.${int(rnd, 1, 254)}, server: shop.example.com seq=${seq}` };
    default:
      return { app: 'postfix/smtpd', msgid: 'MAIL', text: `connect from mail-${int(rnd, 1, 40)}.example.org[192.0.2.${int(rnd, 1, 254)}] queue=${hex(rnd, 10).toUpperCase()} helo=<mail-relay.example.org> tls=TLSv1.3 seq=${seq}` };
  }
}

/** An RFC 5424 line; every other one carries structured data (one or two elements). */
function rfc5424Line(rnd, i) {
  const t = eventTime(i);
  const m = syslogMessage(rnd, i);
  const pri = pick(rnd, [13, 14, 30, 38, 86, 134, 165]);
  const sdKind = rnd();
  let sd = '-';
  if (sdKind < 0.25) sd = `[exampleSDID@32473 iut="${int(rnd, 1, 9)}" eventSource="Application" eventID="${int(rnd, 1000, 1999)}"]`;
  else if (sdKind < 0.5) sd = `[origin ip="10.0.4.${int(rnd, 1, 254)}"][meta sequenceId="${i}"]`;
  return `<${pri}>1 ${t.iso} ${pick(rnd, HOSTS)} ${m.app} ${int(rnd, 100, 65000)} ${m.msgid} ${sd} ${m.text}`;
}

/** An RFC 3164 (BSD) line. */
function rfc3164Line(rnd, i) {
  const t = eventTime(i);
  const m = syslogMessage(rnd, i);
  const pri = pick(rnd, [4, 13, 34, 38, 86, 165]);
  return `<${pri}>${t.rfc3164} ${pick(rnd, HOSTS).split('.')[0]} ${m.app}[${int(rnd, 100, 65000)}]: ${m.text}`;
}

function cefLine(rnd, i) {
  const t = eventTime(i);
  return `CEF:0|Fortinet|FortiGate-100E|6.4.5|0000000013|traffic forward deny|5|src=10.0.4.${int(rnd, 1, 254)} dst=203.0.113.${int(rnd, 1, 254)} spt=${int(rnd, 30000, 65000)} dpt=443 proto=6 act=deny cs1Label=policy cs1=${int(rnd, 1, 99)} rt=${t.epochMs} seq=${i}`;
}

function jsonLine(rnd, i) {
  const t = eventTime(i);
  return `{"@timestamp":"${t.iso}","log.level":"${pick(rnd, ['info', 'info', 'warn', 'error'])}","service.name":"orders-api","message":"order placed","order":{"id":${int(rnd, 10000, 99999)},"total":${int(rnd, 5, 900)}.9,"currency":"EUR"},"trace.id":"${hex(rnd, 32)}","seq":${i}}`;
}

function clfLine(rnd, i) {
  const t = eventTime(i);
  return `10.0.${int(rnd, 0, 9)}.${int(rnd, 1, 254)} - frank [${t.clf}] "GET /api/v1/orders/${int(rnd, 10000, 99999)}?seq=${i} HTTP/1.1" ${pick(rnd, [200, 200, 200, 304, 404, 500])} ${int(rnd, 200, 60000)} "https://shop.example.com/cart" "Mozilla/5.0 (X11; Linux x86_64; rv:125.0) Gecko/20100101 Firefox/125.0"`;
}

function logfmtLine(rnd, i) {
  const t = eventTime(i);
  return `ts=${t.iso} level=warn service=billing-worker msg="retrying invoice after upstream timeout" invoice=${int(rnd, 1000, 9999)} attempt=${int(rnd, 1, 5)} duration_ms=${int(rnd, 1, 30000)} trace_id=${hex(rnd, 16)} seq=${i}`;
}

/** Lines as one Buffer, with what the benchmark needs to know about them. */
function linesFile(lines) {
  let chars = 0;
  for (const l of lines) chars += l.length;
  const buf = Buffer.from(`${lines.join('\n')}\n`, 'latin1');
  return { buf, lines: lines.length, chars, meanBytes: buf.length / lines.length };
}

/** `count` syslog lines, RFC 5424 and RFC 3164 alternately. */
function makeSyslogLines(count) {
  const rnd = seeded(5424);
  const lines = new Array(count);
  for (let i = 0; i < count; i++) lines[i] = i % 2 === 0 ? rfc5424Line(rnd, i) : rfc3164Line(rnd, i);
  return linesFile(lines);
}

/**
 * The same syslog lines as makeSyslogLines(count), dealt out in `slices`
 * consecutive runs of equal length (the syslog scenario's senders, one run
 * each): `{ bufs, lines, bytes, meanBytes }`, each buffer whole LF-ended lines.
 */
function makeSyslogSlices(count, slices) {
  if (count % slices !== 0) throw new Error(`${count} messages cannot be shared equally by ${slices} senders`);
  const rnd = seeded(5424);
  const per = count / slices;
  const bufs = [];
  let bytes = 0;
  for (let k = 0; k < slices; k++) {
    const lines = new Array(per);
    for (let j = 0; j < per; j++) {
      const i = k * per + j;
      lines[j] = i % 2 === 0 ? rfc5424Line(rnd, i) : rfc3164Line(rnd, i);
    }
    const buf = Buffer.from(`${lines.join('\n')}\n`, 'latin1');
    bytes += buf.length;
    bufs.push(buf);
  }
  return { bufs, lines: count, bytes, meanBytes: bytes / count };
}

const MIXED_FORMATS = [rfc5424Line, rfc3164Line, cefLine, jsonLine, clfLine, logfmtLine];

/** `count` lines in turn RFC 5424, RFC 3164, CEF, JSON, CLF (combined) and logfmt. */
function makeMixedLines(count) {
  const rnd = seeded(3164);
  const lines = new Array(count);
  for (let i = 0; i < count; i++) lines[i] = MIXED_FORMATS[i % MIXED_FORMATS.length](rnd, i);
  return linesFile(lines);
}

const JAVA_FRAMES = [
  'com.example.orders.OrderService.ship(OrderService.java:#)',
  'com.example.orders.OrderService.lambda$place$3(OrderService.java:#)',
  'com.example.orders.OrderController.create(OrderController.java:#)',
  'jdk.internal.reflect.GeneratedMethodAccessor212.invoke(Unknown Source)',
  'java.base/java.lang.reflect.Method.invoke(Method.java:568)',
  'org.springframework.web.method.support.InvocableHandlerMethod.doInvoke(InvocableHandlerMethod.java:#)',
  'org.springframework.web.servlet.DispatcherServlet.doDispatch(DispatcherServlet.java:#)',
  'org.apache.catalina.core.ApplicationFilterChain.internalDoFilter(ApplicationFilterChain.java:#)',
  'org.apache.tomcat.util.threads.ThreadPoolExecutor$Worker.run(ThreadPoolExecutor.java:#)',
  'com.zaxxer.hikari.pool.HikariPool.getConnection(HikariPool.java:#)',
  'org.hibernate.engine.jdbc.connections.internal.DatasourceConnectionProviderImpl.getConnection(DatasourceConnectionProviderImpl.java:#)',
  'java.base/java.lang.Thread.run(Thread.java:840)',
];

/**
 * A Java application log of exactly `count` lines: about 2 in 3 records a
 * one-line entry, the others a stack trace of 10 to 30 lines (the log line,
 * the exception, `\tat` frames, sometimes a `Caused by:` with its frames and
 * `\t... N more`). Also returns, for each record count k, the lines the
 * first k records hold (`linesBefore[k]`).
 */
function makeJavaTraces(count) {
  const rnd = seeded(1995);
  const lines = [];
  const ends = [0];
  const header = (i, level) => {
    const t = eventTime(i);
    return `${t.iso.slice(0, 10)} ${t.iso.slice(11, 23)} ${level} [http-nio-8080-exec-${int(rnd, 1, 32)}] c.e.orders.OrderController - `;
  };
  while (lines.length < count) {
    const i = lines.length;
    const room = count - lines.length;
    const traceLines = int(rnd, 10, 30);
    if (rnd() < 2 / 3 || traceLines > room) {
      lines.push(`${header(i, 'INFO ')}order ${int(rnd, 10000, 99999)} placed for customer c-${int(rnd, 1000, 9999)} in ${int(rnd, 2, 900)} ms seq=${i}`);
    } else {
      const order = int(rnd, 10000, 99999);
      const record = [`${header(i, 'ERROR')}request POST /api/v1/orders/${order} failed seq=${i}`, `java.lang.IllegalStateException: order ${order} is already shipped`];
      const caused = traceLines >= 16 && rnd() < 0.6;
      const frames = (n) => {
        for (let f = 0; f < n; f++) record.push(`\tat ${JAVA_FRAMES[(f + order) % JAVA_FRAMES.length].replace('#', String(int(rnd, 20, 900)))}`);
      };
      if (caused) {
        const first = traceLines - 6 - Math.floor((traceLines - 6) / 2);
        frames(first);
        record.push(`Caused by: java.sql.SQLTransientConnectionException: HikariPool-1 - Connection is not available, request timed out after 30000ms.`);
        frames(traceLines - record.length - 1);
        record.push(`\t... ${int(rnd, 8, 60)} more`);
      } else frames(traceLines - record.length);
      lines.push(...record);
    }
    ends.push(lines.length);
  }
  const file = linesFile(lines);
  return { ...file, records: ends.length - 1, linesBefore: Int32Array.from(ends), recordChars: file.buf.length - (ends.length - 1) };
}

module.exports = { LINE_BYTES, LINE_CHARS, makeLines, stampedLine, appendAll, writeBacklog, makeSyslogLines, makeSyslogSlices, makeMixedLines, makeJavaTraces };
