'use strict';
// The machine's limit for this job: a plain Node.js loop that reads a file
// in large chunks and splits it into line strings, nothing else. Run as a
// child process by the benchmark:
//
//   node scripts/bench/read-split.js <file> [offset] [chunkBytes]
//
// prints {"lines": n, "ms": wall, "cpuMs": cpu} (timed inside, so process start-up is not counted).
//
// The default chunk is 64 KiB on purpose: V8 puts a string of more than
// 128 KiB (kMaxRegularHeapObjectSize) in its large-object space, and decoding
// chunks of 256 KiB or 1 MiB makes the same loop 5 to 9 times slower on Node
// 20 (every chunk is a fresh mmap'd, page-faulted object). The limit this loop
// stands for is the fast one.
const fs = require('fs');

const [file, offsetArg = '0', chunkArg = String(64 * 1024)] = process.argv.slice(2);
const chunkBytes = Number(chunkArg);
const buf = Buffer.allocUnsafe(chunkBytes);
const fd = fs.openSync(file, 'r');
const t0 = process.hrtime.bigint();
const cpu0 = process.cpuUsage();
let pos = Number(offsetArg);
let carry = '';
let lines = 0;
let sink = 0;
for (;;) {
  const n = fs.readSync(fd, buf, 0, chunkBytes, pos);
  if (n === 0) break;
  pos += n;
  const parts = (carry + buf.toString('utf8', 0, n)).split('\n');
  carry = parts.pop();
  lines += parts.length;
  // Touch the strings so that nothing is optimised away.
  sink += parts[parts.length - 1].length;
}
const ms = Number(process.hrtime.bigint() - t0) / 1e6;
const cpu = process.cpuUsage(cpu0);
const cpuMs = (cpu.user + cpu.system) / 1000;
fs.closeSync(fd);
process.stdout.write(`${JSON.stringify({ lines, ms, cpuMs, sink })}\n`);
