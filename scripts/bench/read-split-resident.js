'use strict';
// The plain read-and-split loop of read-split.js, in a process that stays up
// and is woken by its file's change events, as the tail nodes are (the
// benchmark's second reference for the loop, see docs/BENCHMARKS.md):
//
//   node scripts/bench/read-split-resident.js <file>
//
// prints "ready" once it watches the file. Each line "expect <n>" on stdin
// starts a count: once n more lines have been read it prints
// {"lines": n, "doneAt": Date.now(), "cpuMs": cpu since the "expect"}.
const fs = require('fs');
const { readToEnd, newState } = require('./read-split');

const CHUNK_BYTES = 64 * 1024; // as read-split.js, for the same reason
const [file] = process.argv.slice(2);
const fd = fs.openSync(file, 'r');
const state = newState(fd, fs.fstatSync(fd).size, CHUNK_BYTES);
/** The count in progress: lines to reach, and the CPU time when it began. */
let expected;

function drain() {
  readToEnd(state);
  if (expected && state.lines >= expected.until) {
    const cpu = process.cpuUsage(expected.cpu);
    process.stdout.write(`${JSON.stringify({ lines: state.lines - expected.from, doneAt: Date.now(), cpuMs: (cpu.user + cpu.system) / 1000, sink: state.sink })}\n`);
    expected = undefined;
  }
}

fs.watch(file, drain);
let input = '';
process.stdin.setEncoding('utf8');
process.stdin.on('data', (chunk) => {
  input += chunk;
  let nl;
  while ((nl = input.indexOf('\n')) >= 0) {
    const [cmd, n] = input.slice(0, nl).trim().split(' ');
    input = input.slice(nl + 1);
    if (cmd === 'expect') {
      expected = { from: state.lines, until: state.lines + Number(n), cpu: process.cpuUsage() };
      drain(); // lines already there count too
    }
  }
});
process.stdin.on('end', () => process.exit(0));
process.stdout.write('ready\n');
