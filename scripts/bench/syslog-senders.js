#!/usr/bin/env node
'use strict';
// The syslog scenario's senders, in a process of their own so that making and
// writing the messages is not counted in any receiver's CPU time.
//
//   node syslog-senders.js <messages> <senders>
//
// Builds the messages once (makeSyslogSlices: RFC 5424 and RFC 3164 lines
// alternately, LF-framed, one slice per sender) and prints
// `ready {"messages","bytes","meanBytes"}`. Then, for each line on stdin
// `send <port>`, it opens one TCP connection per sender to 127.0.0.1:<port>,
// and once all are open writes every sender's slice on its connection at once,
// as fast as the socket drains (64 KiB writes, waiting for 'drain' when the
// socket's buffer is full), ends the connections and prints
// `{"startedAt","writtenAt","closedAt"}` (Date.now(), the clock the receivers
// share): the first write, the moment the last byte was handed to the kernel,
// and the moment every connection was closed (null if a receiver had not
// closed its side within a minute).
const net = require('net');
const readline = require('readline');
const { makeSyslogSlices } = require('./lines');

const CHUNK = 64 * 1024;
const CLOSE_TIMEOUT_MS = 60000;

const [messages, senders] = process.argv.slice(2).map(Number);
if (!(messages > 0) || !(senders > 0)) {
  process.stderr.write('usage: syslog-senders.js <messages> <senders>\n');
  process.exit(2);
}
const slices = makeSyslogSlices(messages, senders);

function connect(port) {
  return new Promise((resolve, reject) => {
    const socket = net.connect({ host: '127.0.0.1', port });
    socket.setNoDelay(true);
    socket.once('connect', () => {
      socket.off('error', reject);
      resolve(socket);
    });
    socket.once('error', reject);
  });
}

/** Writes `buf` on `socket` in 64 KiB pieces, waiting whenever the socket's buffer is full; resolves once all is handed over. */
function writeAll(socket, buf) {
  return new Promise((resolve, reject) => {
    let off = 0;
    const onError = (err) => reject(err);
    socket.on('error', onError);
    const pump = () => {
      while (off < buf.length) {
        const end = Math.min(off + CHUNK, buf.length);
        const more = socket.write(buf.subarray(off, end));
        off = end;
        if (!more) {
          socket.once('drain', pump);
          return;
        }
      }
      socket.end(() => {
        socket.off('error', onError);
        resolve();
      });
    };
    pump();
  });
}

async function send(port) {
  const sockets = await Promise.all(slices.bufs.map(() => connect(port)));
  const closed = Promise.all(sockets.map((s) => new Promise((resolve) => (s.destroyed ? resolve() : s.once('close', resolve)))));
  const startedAt = Date.now();
  await Promise.all(sockets.map((s, k) => writeAll(s, slices.bufs[k])));
  const writtenAt = Date.now();
  // A receiver closes its side once it has read to the end; one that does not within a minute is not waited for.
  let timer;
  const gaveUp = new Promise((resolve) => (timer = setTimeout(resolve, CLOSE_TIMEOUT_MS, 'timeout')));
  const outcome = await Promise.race([closed, gaveUp]);
  clearTimeout(timer);
  if (outcome === 'timeout') for (const s of sockets) s.destroy();
  return { startedAt, writtenAt, closedAt: outcome === 'timeout' ? null : Date.now() };
}

const rl = readline.createInterface({ input: process.stdin });
rl.on('line', (line) => {
  const m = /^send (\d+)$/.exec(line.trim());
  if (!m) return;
  send(Number(m[1])).then(
    (r) => process.stdout.write(`${JSON.stringify(r)}\n`),
    (err) => process.stdout.write(`${JSON.stringify({ error: String(err && err.message ? err.message : err) })}\n`),
  );
});
rl.on('close', () => process.exit(0));
process.stdout.write(`ready ${JSON.stringify({ messages: slices.lines, bytes: slices.bytes, meanBytes: slices.meanBytes })}\n`);
