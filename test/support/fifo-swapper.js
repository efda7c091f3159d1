'use strict';
// Renames regular files and FIFOs in turn over files in a folder, as someone
// who can write into a followed log folder could, to hit the moment between a
// reader's stat and its open. Runs as its own process, so that the swapping
// does not wait for the test's event loop.
//
//   node fifo-swapper.js <folder> <stash> <durationMs> <periodMs> <name>...
//
// <stash>: a folder on the same file system, outside <folder>, for the FIFOs
// and the files about to be renamed. Every <periodMs> (fractions allowed),
// each name gets the other kind; when the time is up every name is left a
// FIFO. Prints {"rounds": n} when done.
const fs = require('fs');
const path = require('path');
const { execFileSync } = require('child_process');

const [dir, stash, durationText, periodText, ...names] = process.argv.slice(2);
const durationMs = Number(durationText);
const periodMs = Number(periodText);

// One FIFO per name, put in place through a new hard link each time: no
// mkfifo per swap.
const fifos = names.map((name) => path.join(stash, `${name}.fifo`));
execFileSync('mkfifo', fifos);
const sleeper = new Int32Array(new SharedArrayBuffer(4));

function place(name, fifo, asFifo) {
  const next = path.join(stash, `${name}.next`);
  if (asFifo) fs.linkSync(fifo, next);
  else fs.writeFileSync(next, '');
  fs.renameSync(next, path.join(dir, name));
}

const end = Date.now() + durationMs;
let rounds = 0;
while (Date.now() < end) {
  names.forEach((name, i) => place(name, fifos[i], rounds % 2 === 1));
  rounds++;
  Atomics.wait(sleeper, 0, 0, periodMs);
}
if (rounds % 2 === 1) names.forEach((name, i) => place(name, fifos[i], true));
process.stdout.write(`${JSON.stringify({ rounds })}\n`);
