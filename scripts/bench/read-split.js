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

/**
 * The loop itself: reads `state.fd` from `state.pos` to its end in chunks of
 * `state.buf`'s size, splitting into strings; counts lines into `state`.
 * (read-split-resident.js runs the same loop.)
 */
function readToEnd(state) {
  const { fd, buf } = state;
  for (;;) {
    const n = fs.readSync(fd, buf, 0, buf.length, state.pos);
    if (n === 0) break;
    state.pos += n;
    const parts = (state.carry + buf.toString('utf8', 0, n)).split('\n');
    state.carry = parts.pop();
    state.lines += parts.length;
    // Touch the strings so that nothing is optimised away.
    state.sink += parts[parts.length - 1].length;
  }
}

function newState(fd, pos, chunkBytes) {
  return { fd, buf: Buffer.allocUnsafe(chunkBytes), pos, carry: '', lines: 0, sink: 0 };
}

if (require.main === module) {
  const [file, offsetArg = '0', chunkArg = String(64 * 1024)] = process.argv.slice(2);
  const fd = fs.openSync(file, 'r');
  const state = newState(fd, Number(offsetArg), Number(chunkArg));
  const t0 = process.hrtime.bigint();
  const cpu0 = process.cpuUsage();
  readToEnd(state);
  const ms = Number(process.hrtime.bigint() - t0) / 1e6;
  const cpu = process.cpuUsage(cpu0);
  const cpuMs = (cpu.user + cpu.system) / 1000;
  fs.closeSync(fd);
  process.stdout.write(`${JSON.stringify({ lines: state.lines, ms, cpuMs, sink: state.sink })}\n`);
}

module.exports = { readToEnd, newState };
