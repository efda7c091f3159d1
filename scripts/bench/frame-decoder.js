#!/usr/bin/env node
'use strict';
// What the engine's FrameDecoder costs alone, without sockets or Node-RED:
// the syslog scenario's messages (scenario 7: RFC 5424 and RFC 3164 lines,
// 195 bytes on average), fed in chunks of the size a TCP read delivers, as
// LF-framed and as octet-counted streams, for each framing that reads them.
//
//   npm run build && node scripts/bench/frame-decoder.js [messages] [chunkBytes] [rounds]
//
// Defaults: 1,000,000 messages, 65,536-byte chunks, 5 rounds (the first is a
// warm-up, not reported). Prints messages/s and MB/s per case, median and
// range of the rounds.
const path = require('path');
const { makeSyslogSlices } = require('./lines');
const { median } = require('./common');

const { FrameDecoder } = require(path.join(__dirname, '..', '..', 'dist', 'lib', 'syslog', 'frame-decoder.js'));

const messages = Number(process.argv[2] || 1_000_000);
const chunkBytes = Number(process.argv[3] || 65536);
const rounds = Number(process.argv[4] || 5);

const lf = makeSyslogSlices(messages, 1).bufs[0];
// The same messages octet counted: "MSG-LEN SP MSG", no LF.
const octet = (() => {
  const parts = [];
  let start = 0;
  for (let i = lf.indexOf(10); i >= 0; i = lf.indexOf(10, i + 1)) {
    const msg = lf.subarray(start, i);
    parts.push(Buffer.from(`${msg.length} `, 'latin1'), msg);
    start = i + 1;
  }
  return Buffer.concat(parts);
})();

function chunksOf(buf) {
  const out = [];
  for (let off = 0; off < buf.length; off += chunkBytes) out.push(buf.subarray(off, Math.min(off + chunkBytes, buf.length)));
  return out;
}

function decodeAll(chunks, framing) {
  const decoder = new FrameDecoder({ framing, maxMessageBytes: 65536 });
  let count = 0;
  const t0 = process.hrtime.bigint();
  for (const chunk of chunks) {
    const r = decoder.push(chunk);
    count += r.messages.length;
    if (r.fatal) throw new Error(`${framing}: fatal ${JSON.stringify(r.problems)}`);
  }
  count += decoder.end().messages.length;
  const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
  if (count !== messages) throw new Error(`${framing}: ${count} messages decoded, ${messages} sent`);
  return seconds;
}

const cases = [
  { stream: 'LF-framed', buf: lf, framing: 'lf' },
  { stream: 'LF-framed', buf: lf, framing: 'auto' },
  { stream: 'octet-counted', buf: octet, framing: 'octet' },
  { stream: 'octet-counted', buf: octet, framing: 'auto' },
];
console.log(`FrameDecoder: ${messages.toLocaleString('en-US')} messages, ${Math.round(lf.length / messages)} bytes each on average, chunks of ${chunkBytes} bytes, median (range) of ${rounds - 1} rounds after a warm-up`);
for (const c of cases) {
  const chunks = chunksOf(c.buf);
  const times = [];
  for (let r = 0; r < rounds; r++) {
    const s = decodeAll(chunks, c.framing);
    if (r > 0) times.push(s);
  }
  const rate = (s) => messages / s;
  const mb = (s) => c.buf.length / 1e6 / s;
  const m = median(times);
  const fmt = (x) => `${(x / 1e6).toFixed(2)} M`;
  console.log(
    `  ${c.stream.padEnd(13)} framing ${c.framing.padEnd(5)} ${fmt(rate(m))} msgs/s (${fmt(rate(Math.max(...times)))} to ${fmt(rate(Math.min(...times)))}), ${Math.round(mb(m))} MB/s`,
  );
}
