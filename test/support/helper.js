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

/** The runtime context module and RED of the node module the helper loaded last (see batchSizeOf). */
let lastLoaded;

/** The built node module for a type, as Node-RED would load it. */
function nodeModule(type) {
  const mod = require(path.join(dist, type, `${type}.js`));
  const register = mod.default || mod;
  // The copy of the pack's runtime context this module uses (a spec may load the pack afresh).
  const runtime = require(path.join(dist, 'shared', 'runtime.js'));
  return (RED) => {
    lastLoaded = { runtime, RED };
    return register(RED);
  };
}

/**
 * The built node module for a type, with RED._ rendering the built catalog of
 * the type in `lng` through the i18n of the Node-RED under test, as its runtime
 * does (the test helper's RED._ returns the key unrendered).
 */
async function nodeModuleRenderingIn(type, lng) {
  const { i18n } = require(require.resolve('@node-red/util', { paths: [path.dirname(nodeRedPath)] }));
  const namespace = `test-log-ingest/${type}`;
  i18n.init({ lang: 'en-US' }); // no-op once initialised
  await i18n.i.loadLanguages([lng]);
  await i18n.registerMessageCatalog(namespace, path.join(dist, type, 'locales'), `${type}.json`);
  const mod = nodeModule(type);
  return (RED) => {
    RED._ = (key, substitutions) => i18n._(`${namespace}:${key}`, { ...substitutions, lng });
    return mod(RED);
  };
}

/**
 * Registers mocha hooks that start the helper's server around each test, with
 * the pack's state (logIngestDir) in a fresh temp folder, and unload, stop and
 * remove it all afterwards. Returns `{ dir, state }`, filled in before each test.
 */
function serverPerTest(prefix) {
  const fs = require('fs');
  const { tempDir } = require('./collect');
  const current = { dir: '', state: '' };
  beforeEach(async function () {
    current.dir = tempDir(prefix);
    current.state = path.join(current.dir, 'state');
    helper.settings({ logIngestDir: current.state });
    await helper.startServer();
  });
  afterEach(async function () {
    await helper.unload();
    await helper.stopServer();
    helper.settings({});
    fs.rmSync(current.dir, { recursive: true, force: true });
  });
  return current;
}

/** The batch size a running micro-batch node `id` gives the sources wired to it (src/nodes/shared/runtime). */
function batchSizeOf(id) {
  return lastLoaded?.runtime.runtimeOf(lastLoaded.RED).batchSizes.get(id);
}

const runtimeAtLoad = require(path.join(dist, 'shared', 'runtime.js'));

/**
 * What kill switch nodes `ids` held when the flows stopped is for their next
 * instance in this process, not for the next test: forgets it, in the copy of
 * the pack loaded first and in the one loaded last (a simulated restart loads
 * the pack afresh).
 */
function forgetHandovers(ids) {
  const copies = new Set([runtimeAtLoad, require(path.join(dist, 'shared', 'runtime.js'))]);
  for (const runtime of copies) for (const id of ids) runtime.runtimeOf({ events: helper._events }).handover.take(id);
}

module.exports = { helper, nodeModule, nodeModuleRenderingIn, nodeRedPath, serverPerTest, batchSizeOf, forgetHandovers };
