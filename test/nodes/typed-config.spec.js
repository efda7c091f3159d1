'use strict';
// Settings the editor offers as typed inputs: file-tail's File and dir-watch's
// Folder (text or environment variable), micro-batch's numbers (number or
// environment variable). Flows saved before the types existed have no
// `...Type` property and must read as before.
const fs = require('fs');
const path = require('path');
const should = require('should');
const { helper, nodeModule, serverPerTest, batchSizeOf } = require('../support/helper');
const { collector, nextCall } = require('../support/collect');

const fileTail = nodeModule('file-tail');
const dirWatch = nodeModule('dir-watch');
const microBatch = nodeModule('micro-batch');

/** Process environment variables set by a test, removed after it. */
const ENV = {
  file: 'LOG_INGEST_TEST_FILE',
  dir: 'LOG_INGEST_TEST_DIR',
  size: 'LOG_INGEST_TEST_BATCH_SIZE',
  unset: 'LOG_INGEST_TEST_NEVER_SET',
};

describe('typed-input settings (text, number or environment variable)', function () {
  let dir;
  let logFile;

  const server = serverPerTest();

  beforeEach(function () {
    dir = server.dir;
    logFile = path.join(dir, 'app.log');
  });

  afterEach(function () {
    for (const name of Object.values(ENV)) delete process.env[name];
  });

  const tab = (env) => ({ id: 'f1', type: 'tab', ...(env ? { env } : {}) });

  async function tail(config, env) {
    await helper.load(fileTail, [
      tab(env),
      { id: 'tail', z: 'f1', type: 'file-tail', startAt: 'beginning', idleFlush: 0, pollInterval: 0.1, ...config, wires: [['out']] },
      { id: 'out', z: 'f1', type: 'helper' },
    ]);
    return { node: helper.getNode('tail'), out: collector(helper.getNode('out')) };
  }

  describe('file-tail File', function () {
    it('follows the file named by a process environment variable (pathType "env")', async function () {
      fs.writeFileSync(logFile, 'from env\n');
      process.env[ENV.file] = logFile;
      const { out } = await tail({ path: ENV.file, pathType: 'env' });
      const [msg] = await out.until((m) => m.length >= 1);
      msg.payload.should.equal('from env');
      msg.topic.should.equal(logFile);
    });

    it("reads the flow's own environment before the process's", async function () {
      const other = path.join(dir, 'other.log');
      fs.writeFileSync(logFile, 'from the flow env\n');
      fs.writeFileSync(other, 'from the process env\n');
      process.env[ENV.file] = other;
      const { out } = await tail({ path: ENV.file, pathType: 'env' }, [{ name: ENV.file, type: 'str', value: logFile }]);
      const [msg] = await out.until((m) => m.length >= 1);
      msg.payload.should.equal('from the flow env');
      msg.topic.should.equal(logFile);
    });

    it('expands ${VAR} references inside an "env" value', async function () {
      fs.writeFileSync(logFile, 'expanded\n');
      process.env[ENV.dir] = dir;
      const { out } = await tail({ path: `\${${ENV.dir}}/app.log`, pathType: 'env' });
      const [msg] = await out.until((m) => m.length >= 1);
      msg.topic.should.equal(logFile);
    });

    it('reads the path as typed without a pathType (flows saved before it existed)', async function () {
      fs.writeFileSync(logFile, 'old flow\n');
      const { out } = await tail({ path: logFile });
      const [msg] = await out.until((m) => m.length >= 1);
      msg.payload.should.equal('old flow');
    });

    it('takes a "str" path literally, even when it is the name of a set variable', async function () {
      process.env[ENV.file] = logFile;
      fs.writeFileSync(logFile, 'not this one\n');
      const { node } = await tail({ path: ENV.file, pathType: 'str' });
      // relative to the working directory, where no such file exists
      await nextCall(node, 'status', (s) => s.text === 'file-tail.status.waiting');
    });

    it('warns about a variable that is not set, shows "no file set", and still follows msg.path', async function () {
      fs.writeFileSync(logFile, 'via msg.path\n');
      const { node, out } = await tail({ path: ENV.unset, pathType: 'env' });
      await nextCall(node, 'warn', (w) => w === 'file-tail.warnings.envUnset');
      await nextCall(node, 'status', (s) => s.text === 'file-tail.status.noPath');
      node.receive({ path: logFile });
      const [msg] = await out.until((m) => m.length >= 1);
      msg.payload.should.equal('via msg.path');
    });
  });

  describe('dir-watch Folder', function () {
    async function watch(config, env) {
      await helper.load(dirWatch, [
        tab(env),
        { id: 'watch', z: 'f1', type: 'dir-watch', pattern: '*.log', startAt: 'beginning', idleFlush: 0, pollInterval: 0.1, ...config, wires: [['lines'], []] },
        { id: 'lines', z: 'f1', type: 'helper' },
      ]);
      return { node: helper.getNode('watch'), lines: collector(helper.getNode('lines')) };
    }

    it('watches the folder named by an environment variable (pathType "env")', async function () {
      fs.writeFileSync(logFile, 'in the folder\n');
      process.env[ENV.dir] = dir;
      const { lines } = await watch({ path: ENV.dir, pathType: 'env' });
      const [msg] = await lines.until((m) => m.length >= 1);
      msg.payload.should.equal('in the folder');
      msg.topic.should.equal(logFile);
    });

    it('reads the folder as typed without a pathType (flows saved before it existed)', async function () {
      fs.writeFileSync(logFile, 'old flow\n');
      const { lines } = await watch({ path: dir });
      const [msg] = await lines.until((m) => m.length >= 1);
      msg.payload.should.equal('old flow');
    });

    it('warns about a variable that is not set and shows "no folder set"', async function () {
      const { node } = await watch({ path: ENV.unset, pathType: 'env' });
      await nextCall(node, 'warn', (w) => w === 'dir-watch.warnings.envUnset');
      await nextCall(node, 'status', (s) => s.text === 'dir-watch.status.noPath' && s.fill === 'grey');
    });
  });

  describe('micro-batch numbers', function () {
    async function batch(config, env) {
      await helper.load(microBatch, [
        tab(env),
        { id: 'batch', z: 'f1', type: 'micro-batch', interval: 0, maxBytes: 0, ...config, wires: [['out']] },
        { id: 'out', z: 'f1', type: 'helper' },
      ]);
      return { node: helper.getNode('batch'), out: collector(helper.getNode('out')) };
    }

    it('takes Max records from an environment variable (maxSizeType "env")', async function () {
      process.env[ENV.size] = '2';
      const { node, out } = await batch({ maxSize: ENV.size, maxSizeType: 'env' });
      for (const payload of ['a', 'b', 'c', 'd']) node.receive({ payload });
      const messages = await out.until((m) => m.length >= 2);
      messages.map((m) => m.payload).should.eql([['a', 'b'], ['c', 'd']]);
      messages.map((m) => m.batch.reason).should.eql(['size', 'size']);
    });

    it("takes it from the flow's environment too", async function () {
      const { node, out } = await batch({ maxSize: 'BATCH_SIZE', maxSizeType: 'env' }, [{ name: 'BATCH_SIZE', type: 'num', value: '3' }]);
      for (const payload of [1, 2, 3]) node.receive({ payload });
      const [msg] = await out.until((m) => m.length >= 1);
      msg.payload.should.eql([1, 2, 3]);
    });

    it('reads numbers typed in the editor ("num", as text) and numbers without a type alike', async function () {
      const typed = await batch({ maxSize: '2', maxSizeType: 'num', interval: '0', intervalType: 'num' });
      for (const payload of [1, 2]) typed.node.receive({ payload });
      (await typed.out.until((m) => m.length >= 1))[0].payload.should.eql([1, 2]);
      await helper.unload();
      const untyped = await batch({ maxSize: 2 });
      for (const payload of [3, 4]) untyped.node.receive({ payload });
      (await untyped.out.until((m) => m.length >= 1))[0].payload.should.eql([3, 4]);
    });

    it('warns and uses the default when the variable is not set or not a number', async function () {
      process.env[ENV.size] = 'lots';
      const { node } = await batch({ maxSize: ENV.size, maxSizeType: 'env', interval: ENV.unset, intervalType: 'env' });
      const warned = node.warn.getCalls().filter((c) => c.thisValue === node).map((c) => c.args[0]);
      warned.filter((w) => w === 'micro-batch.warnings.envNumber').should.have.length(2);
      should(batchSizeOf(node.id)).equal(10000);
    });
  });
});
