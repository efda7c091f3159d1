'use strict';
// Guards the two-version CI (.ci/run): the node-test-helper specs must really
// run on the Node-RED that NODE_RED_PATH names (pass 2: Node-RED 5), not on the
// Node-RED 4 devDependency the helper finds by itself.
const { helper, nodeRedPath } = require('../support/helper');
const { resolveNodeRedDir, nodeRedInfo } = require('../support/node-red-process');

describe('test runtime', function () {
  it('node-red-node-test-helper runs the Node-RED named by NODE_RED_PATH', function () {
    const expected = nodeRedInfo(resolveNodeRedDir(process.env.NODE_RED_PATH)).version;
    const actual = helper._RED.version();
    console.log(`      Node-RED ${actual} (${nodeRedPath}) on Node ${process.version}`);
    actual.should.startWith(expected);
  });
});
