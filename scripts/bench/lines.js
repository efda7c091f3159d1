'use strict';
// The benchmark's log lines: fixed-size (100 bytes with the '\n'), realistic
// enough (syslog, access log and application formats), each with a sequence
// number, generated straight into one Buffer so that making a million of them
// costs a few milliseconds.
const fs = require('fs');

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

module.exports = { LINE_BYTES, LINE_CHARS, makeLines, stampedLine, appendAll, writeBacklog };
