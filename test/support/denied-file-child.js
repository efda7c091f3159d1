'use strict';
// Runs a file-tail on a file this process may not read, and prints what the
// node reported as JSON. Started by file-tail-bad-input.spec.js through
// runUnprivileged (see unprivileged.js), since root reads any file.
const path = require('path');
const { nodeModule } = require('./helper');
const { runNodesUnprivileged } = require('./unprivileged');

const [file, stateDir] = process.argv.slice(2);
const fileTail = nodeModule('file-tail');

runNodesUnprivileged(stateDir, async (helper) => {
  await helper.load(fileTail, [{ id: 'tail', type: 'file-tail', path: file, pollInterval: 0.1, wires: [[]] }]);
  const node = helper.getNode('tail');
  const error = await new Promise((resolve) => node.on('call:error', (call) => resolve(call.args[0])));
  const statuses = node.status.getCalls().filter((c) => c.thisValue === node).map((c) => c.args[0]);
  return { error: String(error), statuses, alive: true, file: path.resolve(file) };
});
