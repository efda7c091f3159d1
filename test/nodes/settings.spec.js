'use strict';
// Settings read by the nodes at start: a bad value gets a warning naming the
// setting, the value and the default used; a duration too long for a Node.js
// timer (2^31-1 ms, about 24.8 days) is cut to the longest one, with a
// warning, instead of firing after 1 ms. And the editor marks the same values
// red. Status texts reach Status nodes as text, not as catalog keys.
const fs = require('fs');
const path = require('path');
const should = require('should');
const { helper, nodeModule, nodeModuleRenderingIn, nodeRedPath, serverPerTest, batchSizeOf } = require('../support/helper');
const { editorDefinition } = require('../support/editor-definition');
const { collector, nextCall } = require('../support/collect');
const { MAX_TIMER_MS } = require('../../dist/lib/durations');

/** A core node of the Node-RED under test. */
function coreNode(file) {
  const nodesDir = path.dirname(require.resolve('@node-red/nodes/package.json', { paths: [path.dirname(nodeRedPath)] }));
  return require(path.join(nodesDir, 'core', file));
}

/** Collects the process warnings named `name` until stop(). */
function processWarnings(name) {
  const seen = [];
  const listener = (warning) => {
    if (warning.name === name) seen.push(warning.message);
  };
  process.on('warning', listener);
  return { seen, stop: () => process.off('warning', listener) };
}

/** The warnings `node` gave so far (its own calls: the helper's spies sit on the prototype). */
const warningsOf = (node) => node.warn.getCalls().filter((c) => c.thisValue === node).map((c) => String(c.args[0]));

/** Lets the timers armed so far that are due within `ms` run: a later timer fires after them (ordering, not a sleep). */
const afterTimersDue = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

describe('node settings', function () {
  const server = serverPerTest('log-ingest-settings-');
  let overflow;
  beforeEach(() => (overflow = processWarnings('TimeoutOverflowWarning')));
  afterEach(() => overflow.stop());

  describe('durations longer than a timer can wait', function () {
    it('micro-batch with interval 2592000 (30 days) warns, keeps the batch, and sends it on msg.flush only', async function () {
      const flow = [
        { id: 'batch', type: 'micro-batch', interval: 2592000, intervalType: 'num', maxSize: 100, maxBytes: 0, wires: [['out']] },
        { id: 'out', type: 'helper' },
      ];
      await helper.load(await nodeModuleRenderingIn('micro-batch', 'en-US'), flow);
      const node = helper.getNode('batch');
      const out = collector(helper.getNode('out'));
      const warning = await nextCall(node, 'warn', (m) => String(m).includes('2592000'));
      warning.should.equal(
        'Send every: 2592000 seconds is longer than a timer can wait (2147483.647 seconds, about 24.8 days): using 2147483.647 seconds',
      );
      node.receive({ payload: 'a' });
      // Overflowed, the timer would fire after 1 ms: one due later runs after it.
      await afterTimersDue(20);
      out.messages.should.have.length(0);
      node.receive({ flush: true });
      const [msg] = await out.until((m) => m.length >= 1);
      msg.payload.should.eql(['a']);
      msg.batch.reason.should.equal('flush');
      overflow.seen.should.eql([]);
    });

    it('file-tail with pollInterval 1e7 warns and arms no timer above the maximum, and Node.js does not warn', async function () {
      const file = path.join(server.dir, 'app.log');
      fs.writeFileSync(file, 'one\n');
      const delays = [];
      const { setTimeout: realTimeout, setInterval: realInterval } = global;
      global.setTimeout = (cb, ms, ...args) => (delays.push(ms), realTimeout(cb, ms, ...args));
      global.setInterval = (cb, ms, ...args) => (delays.push(ms), realInterval(cb, ms, ...args));
      let node;
      let out;
      try {
        await helper.load(await nodeModuleRenderingIn('file-tail', 'en-US'), [
          { id: 'tail', type: 'file-tail', path: file, startAt: 'beginning', pollInterval: 1e7, idleFlush: 1e7, wires: [['out']] },
          { id: 'out', type: 'helper' },
        ]);
        node = helper.getNode('tail');
        out = collector(helper.getNode('out'));
        (await out.untilLines(1)).should.eql(['one']);
      } finally {
        global.setTimeout = realTimeout;
        global.setInterval = realInterval;
      }
      const warnings = warningsOf(node);
      warnings.should.containEql('Poll every: 10000000 seconds is longer than a timer can wait (2147483.647 seconds, about 24.8 days): using 2147483.647 seconds');
      warnings.should.containEql('Idle flush: 10000000 seconds is longer than a timer can wait (2147483.647 seconds, about 24.8 days): using 2147483.647 seconds');
      delays.length.should.be.above(0);
      Math.max(...delays.filter((d) => typeof d === 'number')).should.be.belowOrEqual(MAX_TIMER_MS);
      await new Promise((resolve) => setImmediate(resolve)); // Node.js warns on the next tick
      overflow.seen.should.eql([]);
    });
  });

  describe('bad values get a warning and the documented default', function () {
    /** Loads one node (rendered in en-US) and returns its warnings once it has started. */
    async function warningsFor(type, config, extra = []) {
      await helper.load(await nodeModuleRenderingIn(type, 'en-US'), [{ id: 'n', type, ...config, wires: [[], []] }, ...extra]);
      const node = helper.getNode('n');
      return warningsOf(node);
    }
    const bad = (setting, value, fallback) => `${setting}: "${value}" is not a valid value: using the default, ${fallback}`;

    it('file-tail: numbers that are negative, not numbers, Infinity or not whole', async function () {
      const warnings = await warningsFor('file-tail', { path: '', idleFlush: -1, pollInterval: 'abc', maxLineBytes: 2.5 });
      warnings.should.containEql(bad('Idle flush', -1, 1));
      warnings.should.containEql(bad('Poll every', 'abc', 1));
      warnings.should.containEql(bad('Max line', 2.5, 1048576));
      await helper.unload();
      const more = await warningsFor('file-tail', { path: '', pollInterval: 0, idleFlush: 'Infinity', maxLineBytes: -5 });
      more.should.containEql(bad('Poll every', 0, 1));
      more.should.containEql(bad('Idle flush', 'Infinity', 1));
      more.should.containEql(bad('Max line', -5, 1048576));
    });

    it('file-tail: an unknown encoding or option, an empty or broken delimiter escape', async function () {
      const warnings = await warningsFor('file-tail', { path: '', encoding: 'utf32', startAt: 'middle', output: 'all', longLines: 'fold', delimiter: '\\q' });
      warnings.should.containEql(bad('Encoding', 'utf32', 'utf8'));
      warnings.should.containEql(bad('Start at', 'middle', 'end'));
      warnings.should.containEql(bad('Output', 'all', 'line'));
      warnings.should.containEql(bad('Longer lines', 'fold', 'cut'));
      warnings.should.containEql(bad('Delimiter', '\\\\q', '\\n'));
      await helper.unload();
      (await warningsFor('file-tail', { path: '', delimiter: '' })).should.containEql(bad('Delimiter', '', '\\n'));
    });

    it('file-tail: an empty delimiter splits on new lines (the default)', async function () {
      const file = path.join(server.dir, 'app.log');
      fs.writeFileSync(file, 'a\nb\n');
      await helper.load(nodeModule('file-tail'), [
        { id: 'tail', type: 'file-tail', path: file, startAt: 'beginning', delimiter: '', wires: [['out']] },
        { id: 'out', type: 'helper' },
      ]);
      (await collector(helper.getNode('out')).untilLines(2)).should.eql(['a', 'b']);
    });

    it('dir-watch: depth, open files, ignore older, files pattern', async function () {
      const warnings = await warningsFor('dir-watch', { path: server.dir, maxDepth: -1, maxOpenFiles: 0, ignoreOlder: 'NaN', pattern: ' , ', encoding: 'ebcdic' });
      warnings.should.containEql(bad('Depth', -1, 8));
      warnings.should.containEql(bad('Open files', 0, 4096));
      warnings.should.containEql(bad('Ignore older', 'NaN', 0));
      warnings.should.containEql(bad('Files', ' , ', '*.log'));
      warnings.should.containEql(bad('Encoding', 'ebcdic', 'utf8'));
    });

    it('micro-batch: a negative interval, a size of 0, bytes that are not a number', async function () {
      const warnings = await warningsFor('micro-batch', { interval: -5, maxSize: 0, maxBytes: 'lots' });
      warnings.should.containEql(bad('Send every', -5, 5));
      warnings.should.containEql(bad('Max records', 0, 10000));
      warnings.should.containEql(bad('Max bytes', 'lots', 0));
      batchSizeOf('n').should.equal(10000);
    });

    it('micro-batch: an environment variable holding a negative number', async function () {
      process.env.LOG_INGEST_TEST_BATCH = '-3';
      try {
        const warnings = await warningsFor('micro-batch', { interval: 'LOG_INGEST_TEST_BATCH', intervalType: 'env' });
        warnings.should.containEql('Send every: environment variable LOG_INGEST_TEST_BATCH holds "-3", not a valid value: using the default, 5');
      } finally {
        delete process.env.LOG_INGEST_TEST_BATCH;
      }
    });

    it('kill-switch: a blank control topic, an unknown mode or start, a queue size of -1', async function () {
      const warnings = await warningsFor('kill-switch', { controlTopic: ' ', mode: 'pause', queueSize: -1, initial: 'off' });
      warnings.should.containEql(bad('Control topic', ' ', 'kill-switch'));
      warnings.should.containEql(bad('While engaged', 'pause', 'hold'));
      warnings.should.containEql(bad('Hold at most', -1, 1000));
      warnings.should.containEql(bad('Start', 'off', 'released'));
    });

    it('kill-switch-config: an unknown start state', async function () {
      await helper.load(await nodeModuleRenderingIn('kill-switch-config', 'en-US'), [{ id: 'n', type: 'kill-switch-config', initial: 'on' }]);
      warningsOf(helper.getNode('n')).should.containEql(bad('Start', 'on', 'released'));
    });

    it('absent settings (flows saved before they existed) get their defaults silently', async function () {
      (await warningsFor('file-tail', { path: '' })).should.eql([]);
      await helper.unload();
      (await warningsFor('micro-batch', {})).should.eql([]);
    });
  });

  describe('status texts', function () {
    it('reach a Status node as text, not as catalog keys', async function () {
      // A folder where a file is expected: the "not a file" status.
      const flow = [
        { id: 'tab', type: 'tab' },
        { id: 'tail', z: 'tab', type: 'file-tail', path: server.dir, wires: [[]] },
        { id: 'watch', z: 'tab', type: 'status', scope: ['tail'], wires: [['out']] },
        { id: 'out', z: 'tab', type: 'helper' },
      ];
      await helper.load([await nodeModuleRenderingIn('file-tail', 'en-US'), coreNode('common/25-status.js')], flow);
      const out = collector(helper.getNode('out'));
      const [msg] = await out.until((m) => m.some((x) => x.status.fill === 'red'));
      msg.status.text.should.equal('not a file');
    });

    it('of the kill switch reach a Status node as text too', async function () {
      const flow = [
        { id: 'tab', type: 'tab' },
        { id: 'ks', z: 'tab', type: 'kill-switch', wires: [[], []] },
        { id: 'watch', z: 'tab', type: 'status', scope: ['ks'], wires: [['out']] },
        { id: 'out', z: 'tab', type: 'helper' },
      ];
      await helper.load([await nodeModuleRenderingIn('kill-switch', 'en-US'), coreNode('common/25-status.js')], flow);
      const out = collector(helper.getNode('out'));
      helper.getNode('ks').receive({ topic: 'kill-switch', payload: 'engage' });
      const [msg] = await out.until((m) => m.length >= 1);
      msg.status.text.should.equal('engaged');
    });
  });
});

describe('editor validation of durations and bad values', function () {
  const node = { _: (k) => k };

  for (const [type, prop] of [
    ['file-tail', 'idleFlush'],
    ['file-tail', 'pollInterval'],
    ['dir-watch', 'idleFlush'],
    ['dir-watch', 'pollInterval'],
    ['micro-batch', 'interval'],
  ]) {
    it(`${type} ${prop}: red above 2147483.647 seconds (the longest timer), fine at it`, function () {
      const validate = editorDefinition(type).defaults[prop].validate;
      validate.call(node, 2147483.647).should.equal(true);
      validate.call(node, 2147483.648, {}).should.equal(`${type}.validation.${prop}`);
      validate.call(node, 2592000).should.equal(false);
      validate.call(node, -1).should.equal(false);
      validate.call(node, 'abc').should.equal(false);
    });
  }

  it('file-tail: an empty or broken delimiter, an unknown encoding', function () {
    const d = editorDefinition('file-tail').defaults;
    d.delimiter.validate.call(node, '').should.equal(false);
    d.delimiter.validate.call(node, '\\q').should.equal(false);
    d.encoding.validate.call(node, 'utf32').should.equal(false);
  });
});
