'use strict';
// Sources and batches obey a shared kill switch: file-tail stops reading and
// micro-batch sends nothing while it is engaged, memory stays flat however
// much is written meanwhile, and on release every line arrives once, in order.
//
// "Nothing happened" has no event to await: each paused tail has a twin that
// follows the same file without the switch. Once the twins have read every
// line written, the paused tails have had every chance to read them too.
const fs = require('fs');
const path = require('path');
const v8 = require('v8');
const vm = require('vm');
const should = require('should');
const { helper, nodeModule, forgetHandovers } = require('../support/helper');
const { collector, nextCall, tempDir } = require('../support/collect');

const modules = ['file-tail', 'micro-batch', 'kill-switch', 'kill-switch-config'].map(nodeModule);


/** The least-squares slope of `ys` against 0, 1, 2, … */
function trend(ys) {
  const n = ys.length;
  const mx = (n - 1) / 2;
  const my = ys.reduce((a, b) => a + b, 0) / n;
  let num = 0;
  let den = 0;
  ys.forEach((y, x) => {
    num += (x - mx) * (y - my);
    den += (x - mx) ** 2;
  });
  return num / den;
}

/** A full garbage collection, available without --expose-gc. */
v8.setFlagsFromString('--expose-gc');
const gc = vm.runInNewContext('gc');

const LINES = 100_000; // written while engaged, over both files
const CHUNK = 5_000; // lines per append to each file

describe('kill switch with file-tail and micro-batch', function () {
  this.timeout(120_000);
  let dir;
  let files;

  beforeEach(async function () {
    dir = tempDir('kill-switch-sources-');
    files = { a: path.join(dir, 'a.log'), b: path.join(dir, 'b.log') };
    for (const file of Object.values(files)) fs.writeFileSync(file, '');
    helper.settings({ logIngestDir: path.join(dir, 'state') });
    await helper.startServer();
  });

  afterEach(async function () {
    await helper.getNode('stop')?.logIngestSwitch?.whenSaved().catch(() => undefined);
    await helper.unload();
    await helper.stopServer();
    helper.settings({});
    forgetHandovers(['batch']);
    fs.rmSync(dir, { recursive: true, force: true, maxRetries: 5 });
  });

  /** A line of file `f`, number `i`, about 200 bytes, recognisable and in order. */
  const line = (f, i) => `${f} ${String(i).padStart(7, '0')} ${'x'.repeat(180)}`;
  let written = { a: 0, b: 0 };
  function write(f, count) {
    const from = written[f];
    const text = Array.from({ length: count }, (_, k) => line(f, from + k)).join('\n') + '\n';
    fs.appendFileSync(files[f], text);
    written[f] += count;
    return Buffer.byteLength(text);
  }

  /** Both tails share switch "stop" with the batch; twins follow the same files without it. */
  function pipeline({ batch = {}, twins = false } = {}) {
    const tail = (id, file, extra) => ({
      id, z: 'f1', type: 'file-tail', path: file, startAt: 'beginning', output: 'lines', encoding: 'utf8', delimiter: '\\n',
      idleFlush: 0, pollInterval: 0.1, maxLineBytes: 1048576, longLines: 'cut', ...extra,
    });
    return [
      { id: 'f1', type: 'tab' },
      { id: 'stop', type: 'kill-switch-config', name: 'pipeline stop', initial: 'released' },
      tail('tailA', files.a, { killSwitch: 'stop', wires: [['batch']] }),
      tail('tailB', files.b, { killSwitch: 'stop', wires: [['batch']] }),
      { id: 'batch', z: 'f1', type: 'micro-batch', interval: 0.05, maxSize: 1000, maxBytes: 0, keepArrays: false, killSwitch: 'stop', ...batch, wires: [['out']] },
      { id: 'out', z: 'f1', type: 'helper' },
      { id: 'ks', z: 'f1', type: 'kill-switch', killSwitch: 'stop', controlTopic: 'kill-switch', mode: 'hold', queueSize: 1000, initial: 'released', wires: [[], []] },
      ...(twins
        ? [tail('twinA', files.a, { killSwitch: '', wires: [['twins']] }), tail('twinB', files.b, { killSwitch: '', wires: [['twins']] }), { id: 'twins', z: 'f1', type: 'helper' }]
        : []),
    ];
  }

  /** Counts lines arriving at a helper node without keeping them (memory is measured). */
  function counter(id) {
    let count = 0;
    let waiters = [];
    helper.getNode(id).on('input', (msg) => {
      count += Array.isArray(msg.payload) ? msg.payload.length : 1;
      waiters = waiters.filter((w) => (count >= w.n ? (w.resolve(), false) : true));
    });
    return {
      get count() {
        return count;
      },
      until: (n) => (count >= n ? Promise.resolve() : new Promise((resolve) => waiters.push({ n, resolve }))),
    };
  }

  const paused = (id) => nextCall(helper.getNode(id), 'status', (s) => s.fill === 'yellow' && /paused/.test(s.text));

  /** Lines per file, checked to be exactly 0..written-1 once each, in order. */
  function checkAllOnce(lines) {
    const byFile = { a: [], b: [] };
    for (const l of lines) byFile[l[0]].push(l);
    for (const f of ['a', 'b']) {
      byFile[f].length.should.equal(written[f], `lines of ${f}`);
      for (let i = 0; i < written[f]; i++) if (byFile[f][i] !== line(f, i)) should.fail(byFile[f][i], line(f, i), `${f} line ${i}`);
    }
  }

  /**
   * Heap in use after a full collection. The test helper's spies are cleared first: they
   * record every call (with a call stack that keeps the messages of the moment alive).
   */
  function heapUsed() {
    for (const method of ['log', 'status', 'warn', 'error', 'debug', 'trace', 'send']) helper._NodePrototype[method].resetHistory();
    helper._logSpy.resetHistory();
    gc();
    gc();
    return process.memoryUsage().heapUsed;
  }

  it(`pauses the tails and the batch while ${LINES.toLocaleString('en')} lines are written, memory flat; on release every line arrives once, in order`, async function () {
    written = { a: 0, b: 0 };
    write('a', 10);
    write('b', 10);
    await helper.load(modules, pipeline({ twins: true }));
    const out = collector(helper.getNode('out'));
    const twins = counter('twins');
    await out.untilLines(20);
    await twins.until(20);

    helper.getNode('ks').receive({ topic: 'kill-switch', payload: 'engage', reason: 'test' });
    await Promise.all([paused('tailA'), paused('tailB'), paused('batch')]);
    const sentBefore = out.messages.length;
    let tailSends = 0;
    for (const id of ['tailA', 'tailB']) helper.getNode(id).on('call:send', () => tailSends++);

    const samples = [heapUsed()];
    let bytes = 0;
    while (written.a + written.b < LINES + 20) {
      bytes += write('a', CHUNK);
      bytes += write('b', CHUNK);
      await twins.until(written.a + written.b); // the files were noticed and read
      samples.push(heapUsed());
    }

    // Nothing left the paused pipeline, and the paused tails sent nothing.
    out.messages.length.should.equal(sentBefore);
    tailSends.should.equal(0);
    // Flat: the heap did not grow with the ~20 MB written. Tails that read while paused
    // would hold 20,000 lines each (~9 MB), what a tail may have in flight to a batch.
    const growth = Math.max(...samples) - samples[0];
    growth.should.be.below(bytes / 8, `heap grew ${growth} bytes while ${bytes} bytes were written: ${samples.join(', ')}`);
    // Nor does it trend up from chunk to chunk (least-squares slope, after the first chunk).
    const slope = trend(samples.slice(1));
    slope.should.be.below(bytes / (samples.length - 1) / 20, `heap grew ${slope} bytes per chunk: ${samples.join(', ')}`);

    // Release over HTTP, as another system would.
    const res = await helper.request().post('/kill-switch/stop').send({ action: 'release', reason: 'all clear' }).expect(200);
    res.body.state.should.equal('released');
    // Markers written after the release: any line sent twice would arrive before them.
    fs.appendFileSync(files.a, 'a END\n');
    fs.appendFileSync(files.b, 'b END\n');
    const lines = await out.until((m) => {
      const all = m.flatMap((x) => x.payload);
      return all.includes('a END') && all.includes('b END');
    }).then((m) => m.flatMap((x) => x.payload));
    checkAllOnce(lines.filter((l) => !l.endsWith(' END')));
    out.messages.slice(sentBefore).every((m) => m.payload.length <= 1000).should.be.true();
  });

  it('loses and doubles nothing when the whole flow is redeployed while engaged', async function () {
    written = { a: 0, b: 0 };
    write('a', 10);
    const flow = pipeline({ batch: { interval: 0 } }); // no time limit: the 10 lines wait in the batch
    await helper.load(modules, flow);
    const out = collector(helper.getNode('out'));
    await nextCall(helper.getNode('batch'), 'status', (s) => s.fill === 'blue');
    await helper.request().post('/kill-switch/stop').send({ action: 'engage' }).expect(200);
    await Promise.all([paused('tailA'), paused('batch')]);
    write('a', 5000);
    write('b', 5000);
    // Full redeploy with a new batch size and an interval: everything restarts, still engaged.
    await helper.setFlows(flow.map((n) => (n.id === 'batch' ? { ...n, interval: 0.05, maxSize: 700 } : n)), 'full');
    await Promise.all([paused('tailA'), paused('tailB'), paused('batch')]);
    out.messages.should.have.length(0);
    const again = collector(helper.getNode('out'));
    helper.getNode('ks').receive({ topic: 'kill-switch', payload: 'release' });
    const lines = await again.untilLines(written.a + written.b);
    checkAllOnce(lines);
    again.messages.every((m) => m.payload.length <= 700).should.be.true();
  });

  it('keeps the held batch in the new instance when only micro-batch is redeployed while engaged', async function () {
    written = { a: 0, b: 0 };
    write('a', 10);
    write('b', 10);
    const flow = pipeline({ batch: { interval: 0 } });
    await helper.load(modules, flow);
    const out = collector(helper.getNode('out'));
    await nextCall(helper.getNode('batch'), 'status', (s) => s.fill === 'blue' && s.text === 'micro-batch.status.pending');
    helper.getNode('ks').receive({ topic: 'kill-switch', payload: 'engage' });
    await Promise.all([paused('tailA'), paused('tailB'), paused('batch')]);
    write('a', 3000);
    await helper.setFlows(flow.map((n) => (n.id === 'batch' ? { ...n, interval: 0.05 } : n)), 'nodes');
    await nextCall(helper.getNode('batch'), 'status', (s) => s.text === 'micro-batch.status.paused');
    out.messages.should.have.length(0); // the old instance sent nothing on close
    helper.getNode('ks').receive({ topic: 'kill-switch', payload: 'release' });
    checkAllOnce(await out.untilLines(written.a + written.b));
  });

  it('stays paused across a restart, and then delivers what was written meanwhile', async function () {
    written = { a: 0, b: 0 };
    write('a', 10);
    write('b', 10);
    await helper.load(modules, pipeline());
    const first = collector(helper.getNode('out'));
    await first.untilLines(20);
    helper.getNode('ks').receive({ topic: 'kill-switch', payload: 'engage' });
    await Promise.all([paused('tailA'), paused('tailB')]);
    await helper.getNode('stop').logIngestSwitch.whenSaved();
    write('a', 2000);
    await helper.unload();
    write('b', 2000); // written while "Node-RED" is down
    // A new process: the pack's modules afresh, so the switch is read from its file.
    const dist = path.resolve(__dirname, '..', '..', 'dist') + path.sep;
    for (const key of Object.keys(require.cache)) if (key.startsWith(dist)) delete require.cache[key];
    const fresh = ['file-tail', 'micro-batch', 'kill-switch', 'kill-switch-config'].map(nodeModule);
    await helper.load(fresh, pipeline());
    await Promise.all([paused('tailA'), paused('tailB')]);
    helper.getNode('stop').logIngestSwitch.state.should.equal('engaged');
    const second = collector(helper.getNode('out'));
    await helper.request().post('/kill-switch/ks').send({ action: 'release' }).expect(200);
    const lines = await second.untilLines(4000);
    checkAllOnce([...first.lines(), ...lines]);
  });
});
