'use strict';
// One node-red-node-test-helper for every node test. NODE_RED_PATH selects
// another Node-RED install (the suite runs on Node-RED 4 and 5 this way).
const path = require('path');
const helper = require('node-red-node-test-helper');

const nodeRedPath = process.env.NODE_RED_PATH
  ? require.resolve(path.resolve(process.env.NODE_RED_PATH))
  : require.resolve('node-red');
helper.init(nodeRedPath);

const dist = path.resolve(__dirname, '..', '..', 'dist', 'nodes');

/** The built node module for a type, as Node-RED would load it. */
function nodeModule(type) {
  const mod = require(path.join(dist, type, `${type}.js`));
  return mod.default || mod;
}

module.exports = { helper, nodeModule, nodeRedPath };
