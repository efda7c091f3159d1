'use strict';
// Runs a recursive dir-watch on a folder with a sub-folder this process may
// not enter; waits for the denied error and the readable file's line, then for
// a file created afterwards (a marker: discovery has gone on), and prints what
// the node reported as JSON. Started by dir-watch.spec.js through
// runUnprivileged (see unprivileged.js), since root enters any folder.
const fs = require('fs');
const path = require('path');
const { nodeModule } = require('./helper');
const { collector } = require('./collect');
const { runNodesUnprivileged } = require('./unprivileged');

const [root, stateDir] = process.argv.slice(2);
const dirWatch = nodeModule('dir-watch');

runNodesUnprivileged(stateDir, async (helper) => {
  await helper.load(dirWatch, [
    { id: 'watch', type: 'dir-watch', path: root, pattern: '*.log', recursive: true, startAt: 'beginning', idleFlush: 0, pollInterval: 0.1, wires: [['lines'], ['events']] },
    { id: 'lines', type: 'helper' },
    { id: 'events', type: 'helper' },
  ]);
  const node = helper.getNode('watch');
  const lines = collector(helper.getNode('lines'));
  const events = collector(helper.getNode('events'));
  await events.until((ms) => ms.some((m) => m.payload === 'error'));
  await lines.untilLines(1);
  fs.writeFileSync(path.join(root, 'later.log'), 'later 0\n');
  await lines.untilLines(2);
  const errors = node.error.getCalls().filter((c) => c.thisValue === node).map((c) => String(c.args[0]));
  const errorEvents = events.messages.filter((m) => m.payload === 'error').map(({ payload, topic, file }) => ({ payload, topic, file }));
  return { lines: lines.lines(), errorEvents, errors };
});
