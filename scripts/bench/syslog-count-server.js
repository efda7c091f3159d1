#!/usr/bin/env node
'use strict';
// The syslog scenario's ceiling: a plain Node.js TCP server on 127.0.0.1 that
// reads its connections and counts '\n' bytes, nothing else (no strings, no
// messages). What the senders and the loopback allow a Node.js receiver on
// this machine, as the plain read-and-split loop is for scenario 1.
//
//   node syslog-count-server.js
//
// Prints `listening <port>`; then for each line `expect <n>` on stdin it
// starts counting from 0, prints `counting`, and prints
// `{"lines","doneAt","cpuMs"}` once <n>
// '\n' have arrived (doneAt: Date.now(); cpuMs: this process's CPU time
// meanwhile).
const net = require('net');
const readline = require('readline');

let expected = 0;
let lines = 0;
let cpu0 = null;

const server = net.createServer((socket) => {
  socket.on('data', (chunk) => {
    for (let i = chunk.indexOf(10); i >= 0; i = chunk.indexOf(10, i + 1)) lines++;
    if (expected > 0 && lines >= expected) {
      const cpu = process.cpuUsage(cpu0);
      process.stdout.write(`${JSON.stringify({ lines, doneAt: Date.now(), cpuMs: (cpu.user + cpu.system) / 1000 })}\n`);
      expected = 0;
    }
  });
  socket.on('error', () => undefined);
});

server.listen(0, '127.0.0.1', () => {
  process.stdout.write(`listening ${server.address().port}\n`);
});

const rl = readline.createInterface({ input: process.stdin });
rl.on('line', (line) => {
  const m = /^expect (\d+)$/.exec(line.trim());
  if (!m) return;
  lines = 0;
  cpu0 = process.cpuUsage();
  expected = Number(m[1]);
  process.stdout.write('counting\n');
});
rl.on('close', () => process.exit(0));
