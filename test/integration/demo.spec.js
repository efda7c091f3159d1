'use strict';
// The `npm start` demo, for real: a Node-RED child process with the pack loaded
// from this checkout (nodesDir), the demo flow (file-tail -> micro-batch -> debug)
// and the log generator writing and rotating the file. The test listens on the
// editor's comms websocket, as the Debug sidebar does, and checks that the batches
// carry exactly the generated lines, through rotations.
//
// Which Node-RED: env NODE_RED_PATH (as test/support/helper.js), default
// ./node_modules/node-red. Which node runs it: env NODE_RED_NODE_BIN, default the
// node running mocha. .ci/run runs this file on Node-RED 4 / Node 20 and on
// Node-RED 5 / Node 22. Which pack: env LOG_INGEST_PACK_DIR (e.g. an unpacked
// `npm pack` tarball), default this checkout.
//
// No sleeps and no timing thresholds: every wait is for an event (a websocket
// message, a generator rotation); mocha's timeout is only the safety net.
const fs = require('fs');
const path = require('path');
const should = require('should');
const { startDemo } = require('../../scripts/demo');
const {
  connectComms,
  decodeDebug,
  REPO_ROOT,
  integrationTarget,
  skipUnlessRunnable,
} = require('../support/node-red-process');

const target = integrationTarget();
const { nodeRedDir, nodeBin, nr, nodeVer } = target;
const packDir = path.resolve(process.env.LOG_INGEST_PACK_DIR || REPO_ROOT);


describe(`demo flow in a real Node-RED ${nr.version} on Node ${nodeVer} (integration)`, function () {
  this.timeout(60000); // safety net only

  let demo = null;
  let comms = null;
  const batches = []; // decoded debug messages of the demo's debug node
  const warnings = []; // node warnings/errors shown in the sidebar (e.g. "rotated")
  const remaining = new Map(); // line -> times written but not (yet) received
  const generationOf = new Map(); // line -> generator generation (0 = before 1st rotation)
  const problems = []; // lines received that were never written, or once too often
  let initial = new Set(); // lines written before the websocket listened (may have been sent already)
  let progress = null; // EventEmitter: 'batch' after each batch is accounted

  /** Resolves when cond() holds, checked now and after every batch; rejects on a problem. */
  function until(cond, what) {
    return new Promise((resolve, reject) => {
      const check = () => {
        if (problems.length) {
          done();
          reject(new Error(`${problems.length} unexpected line(s) while waiting for ${what}:\n${problems.slice(0, 5).join('\n')}`));
        } else if (cond()) {
          done();
          resolve();
        }
      };
      const onExit = ({ code, signal }) => {
        done();
        reject(new Error(`Node-RED exited (code ${code}, signal ${signal}) while waiting for ${what}`));
      };
      const done = () => progress.off('batch', check);
      progress.on('batch', check);
      demo.nodeRed.exited.then(onExit);
      check();
    });
  }

  /** Resolves once the generator has rotated the file `n` times in total. */
  function rotations(n) {
    return new Promise((resolve) => {
      const check = () => {
        if (demo.generator.stats.rotations >= n) {
          demo.generator.off('rotate', check);
          resolve();
        }
      };
      demo.generator.on('rotate', check);
      check();
    });
  }

  before(async function () {
    this.timeout(180000); // a cold Node 22 / Node-RED 5 start on a slow CI box
    skipUnlessRunnable(this, target);
    const dist = path.join(packDir, 'dist', 'nodes');
    should(fs.existsSync(dist)).be.true(`${dist} is missing: run npm run build`);
    const { EventEmitter } = require('events');
    progress = new EventEmitter();
    progress.setMaxListeners(50);

    demo = await startDemo({
      nodeRedDir,
      nodeBin,
      nodesDir: [packDir],
      startGenerator: false,
      initialLines: 20,
      // Faster than the interactive demo so two rotations happen within seconds.
      generator: { rate: 40, rotateEvery: 150, track: true, seed: 20240611 },
    });
    for (const w of demo.generator.written) {
      remaining.set(w.line, (remaining.get(w.line) || 0) + 1);
      generationOf.set(w.line, w.generation);
    }
    initial = new Set(remaining.keys());
    demo.generator.on('lines', (lines, generation) => {
      for (const line of lines) {
        remaining.set(line, (remaining.get(line) || 0) + 1);
        generationOf.set(line, generation);
      }
    });

    comms = await connectComms(demo.url, { topics: ['debug'] });
    const state = comms.runtimeState || {};
    should(state.state).equal(
      'start',
      `flows not running: ${JSON.stringify(state)}\n${demo.nodeRed.logs.slice(-30).join('\n')}`,
    );

    comms.on('debug', (data) => {
      if (data.id !== demo.ids.debug) {
        if (data.level) warnings.push(`${data.name || data.id}: ${data.msg}`);
        return;
      }
      const msg = decodeDebug(data);
      batches.push(msg);
      for (const line of Array.isArray(msg.payload) ? msg.payload : []) {
        const n = remaining.get(line);
        if (!n) problems.push(`${generationOf.has(line) ? 'duplicate' : 'never written'}: ${JSON.stringify(line)}`);
        else if (n === 1) remaining.delete(line);
        else remaining.set(line, n - 1);
      }
      progress.emit('batch', msg);
    });
    // Only now: everything written from here on must reach the sidebar.
    demo.generator.start();
  });

  after(async function () {
    this.timeout(60000);
    if (comms) await comms.close().catch(() => {});
    if (demo) await demo.stop();
  });

  afterEach(function () {
    if (this.currentTest.state !== 'failed' || !demo) return;
    const left = [...remaining.keys()].filter((l) => !initial.has(l));
    const byGen = {};
    for (const l of left) byGen[generationOf.get(l)] = (byGen[generationOf.get(l)] || 0) + 1;
    console.log(
      [
        `      batches received: ${batches.length}; lines written: ${demo.generator.stats.lines}, rotations: ${demo.generator.stats.rotations}`,
        `      lines not received (by generation): ${JSON.stringify(byGen)}; unexpected: ${problems.length}`,
        `      sidebar warnings: ${warnings.slice(-10).join(' | ') || 'none'}`,
        `      last batch: ${JSON.stringify(batches[batches.length - 1] && batches[batches.length - 1].batch)}`,
        '      --- Node-RED log (last 40 lines) ---',
        ...demo.nodeRed.logs.slice(-40).map((l) => `      ${l}`),
      ].join('\n'),
    );
  });

  it('sends batches of generated log lines to the Debug sidebar', async function () {
    await until(() => batches.some((b) => Array.isArray(b.payload) && b.payload.length > 0), 'a first batch');
    const b = batches.find((m) => Array.isArray(m.payload) && m.payload.length > 0);
    b.should.have.property('batch').which.is.an.Object();
    b.batch.count.should.be.a.Number().and.above(0);
    if (b.payload.truncatedFrom === undefined) b.payload.should.have.length(b.batch.count);
    else b.payload.truncatedFrom.should.equal(b.batch.count);
    b.batch.should.have.properties(['bytes', 'reason', 'start', 'end', 'seq']);
    for (const line of b.payload) {
      line.should.be.a.String();
      generationOf.has(line).should.be.true(`not a generated line: ${JSON.stringify(line)}`);
    }
    should(problems.length).equal(0, `unexpected lines:\n${problems.slice(0, 5).join('\n')}`);
  });

  it('follows the log file through a rename rotation', async function () {
    await rotations(1);
    await until(
      () => batches.some((b) => (b.payload || []).some((l) => generationOf.get(l) >= 1)),
      'a line written after the first rotation',
    );
  });

  it('delivers every line written, once, through two rotations', async function () {
    await rotations(2);
    await demo.generator.stop();
    // A last line after the generator stopped: once it arrives, every line
    // written before it must have arrived too (the tail reads in order).
    demo.generator.writeLines(1);
    const last = demo.generator.written[demo.generator.written.length - 1].line;
    await until(() => !remaining.has(last), 'the last line written');
    const left = [...remaining.keys()].filter((l) => !initial.has(l));
    const byGen = {};
    for (const l of left) byGen[generationOf.get(l)] = (byGen[generationOf.get(l)] || 0) + 1;
    should(left.length).equal(
      0,
      `${left.length} of ${demo.generator.stats.lines} lines never arrived (by generation: ${JSON.stringify(byGen)}), e.g. ${JSON.stringify(left[0])}`,
    );
    should(problems.length).equal(0, `unexpected lines:\n${problems.slice(0, 5).join('\n')}`);
    // Each batch's own count matches what it carried.
    for (const b of batches) {
      if (b.payload && b.payload.truncatedFrom === undefined) b.payload.length.should.equal(b.batch.count);
    }
    // And the batch sequence numbers increase.
    const seqs = batches.map((b) => b.batch.seq);
    seqs.should.eql([...seqs].sort((a, c) => a - c));
  });
});
