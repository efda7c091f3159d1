'use strict';
// The pack's per-runtime context (src/nodes/shared/runtime): one per runtime,
// shared by the node modules, and its listeners on the runtime's events gone
// once the last node that needs them has closed.
const fs = require('fs');
const path = require('path');
const should = require('should');
const { helper, nodeModule, serverPerTest } = require('../support/helper');
const { runtimeOf } = require('../../dist/nodes/shared/runtime');

const modules = ['file-tail', 'micro-batch'].map(nodeModule);
const EVENTS = ['flows:stopping', 'flows:stopped', 'flows:started'];

describe('runtime context', function () {
  const server = serverPerTest('runtime-context-');
  const listeners = () => EVENTS.map((event) => helper._events.listenerCount(event));

  it('is one per runtime: every RED of the same runtime gets the same context', function () {
    const a = runtimeOf({ events: helper._events });
    const b = runtimeOf({ events: helper._events, hooks: undefined });
    a.should.equal(b);
    runtimeOf({}).should.not.equal(a);
  });

  it('listens to the stop events while a node runs, and no more once the last node has closed', async function () {
    const before = listeners();
    const file = path.join(server.dir, 'app.log');
    fs.writeFileSync(file, '');
    await helper.load(modules, [
      { id: 'f1', type: 'tab' },
      { id: 't', z: 'f1', type: 'file-tail', path: file, startAt: 'beginning', output: 'line', wires: [['b']] },
      { id: 'b', z: 'f1', type: 'micro-batch', interval: 1, maxSize: 10, maxBytes: 0, wires: [[]] },
    ]);
    listeners().should.eql(before.map((n) => n + 1));
    should(runtimeOf({ events: helper._events }).batchSizes.get('b')).equal(10);
    await helper.unload();
    listeners().should.eql(before);
    should(runtimeOf({ events: helper._events }).batchSizes.get('b')).be.undefined();
  });
});
