'use strict';
// Faults against a real Node-RED process: SIGTERM and SIGKILL in the middle of
// a stream, redeploys while lines wait in micro-batch, and a rotation while
// Node-RED is down. The flow is file-tail → micro-batch → function → file: the
// core file node appends one JSON line per batch to a file outside Node-RED,
// which the test reads after restarts. A writer appends uniquely numbered
// lines to the log at a steady rate the whole time.
//
// Which Node-RED: env NODE_RED_PATH, default ./node_modules/node-red; which node
// runs it: env NODE_RED_NODE_BIN, default the node running mocha (as in
// demo.spec.js; .ci/run runs this on Node-RED 4 / Node 20 and Node-RED 5 / Node 22).
//
// Knobs (for measuring, see docs/RELIABILITY.md): FAULTS_RATE (lines/s, default
// 1000), FAULTS_KILLS (SIGKILLs in the crash test, default 2), FAULTS_KEEP=1
// (keep the temp folder of a failed test). test/support/fault-stress.js repeats
// one fault many times, for the figures.
//
// No sleeps and no timing assertions: every wait is for a condition on the sink
// file, the writer or the editor websocket; timeouts are only safety nets.
const fs = require('fs');
const os = require('os');
const path = require('path');
const should = require('should');
const {
  startNodeRed,
  connectComms,
  integrationTarget,
  skipUnlessRunnable,
} = require('../support/node-red-process');
const { LineWriter, SinkReader, pipelineFlow, deploy, tally, ranges, isRun, median } = require('../support/fault-harness');

const target = integrationTarget();
const { nodeRedDir, nodeBin, nr, nodeVer } = target;
const RATE = Number(process.env.FAULTS_RATE) || 1000;
const KILLS = Math.max(1, Number(process.env.FAULTS_KILLS) || 2);


describe(`faults in a real Node-RED ${nr.version} on Node ${nodeVer} (integration)`, function () {
  this.timeout(60000); // safety net only

  /** Per test: temp folder, writer, sink reader, running Node-RED and websocket. */
  let t;

  before(function () {
    skipUnlessRunnable(this, target);
    should(fs.existsSync(path.join(__dirname, '..', '..', 'dist', 'nodes'))).be.true('dist/nodes is missing: run npm run build');
  });

  beforeEach(function () {
    const base = fs.mkdtempSync(path.join(os.tmpdir(), 'log-ingest-faults-'));
    const logDir = path.join(base, 'logs');
    fs.mkdirSync(logDir);
    const logFile = path.join(logDir, 'app.log');
    fs.writeFileSync(logFile, '');
    t = {
      base,
      logFile,
      userDir: path.join(base, 'user'),
      writer: new LineWriter({ file: logFile, rate: RATE }),
      sink: new SinkReader(path.join(base, 'sink')),
      node: null,
      comms: null,
      runs: 0,
      logs: [],
    };
  });

  afterEach(async function () {
    this.timeout(30000);
    if (!t) return;
    t.writer.stop();
    if (t.comms) await t.comms.close().catch(() => {});
    if (t.node) await t.node.stop('SIGKILL').catch(() => {});
    t.sink.close();
    const keep = this.currentTest.state === 'failed' && process.env.FAULTS_KEEP;
    if (this.currentTest.state === 'failed') {
      console.log(
        [
          `      lines written: ${t.writer.count}; in the sink: ${t.sink.refresh().lines().length} (per run: ${t.sink.runs().map((r) => r.reduce((k, b) => k + b.lines.length, 0)).join(', ')})`,
          keep ? `      files left in ${t.base}` : '      (FAULTS_KEEP=1 keeps the log, sink and user dir of a failed test)',
          '      --- Node-RED logs (last 40 lines) ---',
          ...t.logs.slice(-40).map((l) => `      ${l}`),
        ].join('\n'),
      );
    }
    if (!keep) fs.rmSync(t.base, { recursive: true, force: true });
    t = null;
  });

  /** Starts Node-RED on the test's user dir, with a new sink file for this run. */
  async function start(options = {}) {
    t.runs++;
    const sinkFile = t.sink.next(`run-${t.runs}.jsonl`);
    const flows = pipelineFlow({ logFile: t.logFile, sinkFile, ...options });
    t.logs.push(`=== run ${t.runs} ===`);
    t.node = await startNodeRed({ flows, userDir: t.userDir, nodeRedDir, nodeBin, echo: (line) => t.logs.push(line) });
    t.flows = flows;
    return t.node;
  }

  /** Stops Node-RED with `signal`; returns how it exited. */
  async function stop(signal) {
    const node = t.node;
    t.node = null;
    return node.stop(signal, { killAfter: 30000 });
  }

  function linesInRun(i) {
    return t.sink.numbersOf(i).length;
  }

  /** Waits for the sink to hold at least `n` lines from the current run. */
  function untilRunHas(n) {
    const i = t.runs - 1;
    return t.sink.until(() => linesInRun(i) >= n, { what: `${n} lines in run ${t.runs}`, exited: t.node && t.node.exited });
  }

  /** Stops the writer, then waits for its last line to reach the sink. */
  async function drain() {
    t.writer.stop();
    const last = t.writer.count;
    await t.sink.until((s) => s.lines().length > 0 && s.numbersOf(t.runs - 1).includes(last), {
      what: `line ${last}, the last written`,
      exited: t.node && t.node.exited,
    });
    return last;
  }

  /** Every line 1..last exactly once, in order. */
  function assertExactlyOnce(numbers, last) {
    const r = tally(numbers, last);
    should(r.missing.length).equal(0, `${r.missing.length} of ${last} lines lost: ${ranges(r.missing)}`);
    should(r.duplicated.length).equal(0, `${r.duplicated.length} lines delivered twice: ${ranges(r.duplicated)}`);
    should(r.unknown.length).equal(0, `lines never written: ${r.unknown.slice(0, 5)}`);
    should(r.outOfOrder.length).equal(0, `out of order: ${JSON.stringify(r.outOfOrder.slice(0, 5))}`);
    numbers.length.should.equal(last);
  }

  /** The lines' text as written, not only their numbers. */
  function assertTextIntact() {
    const byNumber = new Map(t.writer.lines.map((l) => [l.n, l.text]));
    for (const text of t.sink.lines()) {
      const n = Number.parseInt(text.slice(0, 7), 10);
      if (byNumber.get(n) !== text) throw new Error(`line ${n} arrived altered: ${JSON.stringify(text.slice(0, 120))}`);
    }
  }

  it('SIGTERM mid-stream, lines written while down: every line once, in order', async function () {
    await start();
    t.writer.start();
    await untilRunHas(RATE / 2);
    const stopping = Date.now();
    const exit = await stop('SIGTERM');
    const stopMs = Date.now() - stopping;
    should(exit.signal).not.equal('SIGKILL', 'Node-RED did not stop on SIGTERM and had to be killed');
    const atStop = t.writer.count;
    const firstRun = t.sink.refresh().numbersOf(0);
    // Keep writing while Node-RED is down.
    await t.writer.untilCount(atStop + RATE / 2);
    await start();
    await untilRunHas(1);
    const last = await drain();
    const secondRun = t.sink.numbersOf(1);
    console.log(
      `      SIGTERM at ${RATE} lines/s: run 1 delivered lines 1-${firstRun[firstRun.length - 1]}, run 2 started at line ${secondRun[0]}; ${last - atStop} lines written after the signal; the stop took ${stopMs} ms`,
    );
    assertExactlyOnce(t.sink.lines().map((l) => Number.parseInt(l.slice(0, 7), 10)), last);
    assertTextIntact();
    should(t.sink.partials().every((p) => p === 0)).be.true('a sink file ends in a partial line');
  });

  it(`SIGKILL mid-stream (${KILLS}×): nothing lost; duplicates only the contiguous run after the checkpoint offset`, async function () {
    this.timeout(30000 + KILLS * 20000);
    const checkpointFile = path.join(t.userDir, 'log-ingest', 'checkpoints', 'tail.json');
    const replayed = [];
    await start();
    t.writer.start();
    for (let k = 0; k < KILLS; k++) {
      const run = t.runs - 1;
      // Kill in steady flow: after any backlog from the restart is read, and 1.5 s of
      // writing later (checkpoints have been written meanwhile).
      const target = t.writer.count + RATE * 1.5;
      await t.sink.until((sink) => sink.numbersOf(run).some((n) => n >= target), { what: `line ${target} in run ${run + 1}`, exited: t.node.exited });
      // Then up to one more second of lines, counted by the writer, so that the kill does not
      // always fall just after a batch was written (the sink's own rhythm).
      await t.writer.untilCount(t.writer.count + Math.floor(Math.random() * RATE));
      const exit = await stop('SIGKILL');
      should(exit.signal).equal('SIGKILL');
      // What this run delivered: a contiguous, ordered range of lines.
      const got = t.sink.refresh().numbersOf(run);
      const first = got[0];
      const lastDelivered = got[got.length - 1];
      should(isRun(got, first, lastDelivered)).be.true(`run ${run + 1} is not one ordered run of lines: ${ranges([...got].sort((a, b) => a - b))}`);
      // Where the next run will start: the checkpoint left by the killed process.
      const saved = JSON.parse(fs.readFileSync(checkpointFile, 'utf8'));
      should(saved.files).have.length(1);
      const offset = saved.files[0].offset;
      const resumeLine = offset === t.writer.size ? { n: t.writer.count + 1 } : t.writer.lineAt(t.logFile, offset);
      should.exist(resumeLine, `checkpoint offset ${offset} is not at a line start`);
      // No loss: the checkpoint never passes a line that was not delivered.
      should(resumeLine.n).be.belowOrEqual(lastDelivered + 1, `checkpoint at line ${resumeLine.n} is past the last delivered line ${lastDelivered}: lines ${lastDelivered + 1}-${resumeLine.n - 1} would be lost`);
      should(resumeLine.n).be.aboveOrEqual(first, 'checkpoint went backwards');
      replayed.push({ kill: k + 1, resumeAt: resumeLine.n, lastDelivered, replayed: lastDelivered - resumeLine.n + 1, uptimeLines: got.length });
      await start();
      // The next run starts exactly at the checkpoint offset.
      await untilRunHas(1);
      t.sink.numbersOf(run + 1)[0].should.equal(resumeLine.n);
    }
    const last = await drain();
    // Run by run: each run is an ordered run of lines starting at the checkpoint;
    // the duplicates are exactly the lines from the checkpoint to the last line
    // delivered before the kill.
    const runs = t.sink.runs().map((_, i) => t.sink.numbersOf(i));
    for (let i = 0; i < runs.length; i++) {
      const from = i === 0 ? 1 : replayed[i - 1].resumeAt;
      const to = i === runs.length - 1 ? last : replayed[i].lastDelivered;
      should(isRun(runs[i], from, to)).be.true(`run ${i + 1} should be lines ${from}-${to}, got ${ranges([...runs[i]].sort((a, b) => a - b))}`);
    }
    const all = runs.flat();
    const r = tally(all, last);
    should(r.missing.length).equal(0, `lost: ${ranges(r.missing)}`);
    const expectedDuplicates = replayed.flatMap((x) => Array.from({ length: x.replayed }, (_, j) => x.resumeAt + j));
    r.duplicated.should.eql([...new Set(expectedDuplicates)].sort((a, b) => a - b));
    assertTextIntact();
    for (const x of replayed) {
      console.log(`      SIGKILL ${x.kill} at ${RATE} lines/s: checkpoint at line ${x.resumeAt}, last delivered ${x.lastDelivered}: ${x.replayed} lines replayed`);
    }
    console.log(`      SIGKILL at ${RATE} lines/s: replayed lines per kill ${replayed.map((x) => x.replayed).join(', ')}; median ${median(replayed.map((x) => x.replayed))}`);
  });

  describe('redeploy while lines wait in micro-batch', function () {
    // A 3 s interval keeps lines pending most of the time; each deploy goes out
    // as soon as the editor shows micro-batch holding some.
    const batchInterval = 3;
    const checkpointFile = () => path.join(t.userDir, 'log-ingest', 'checkpoints', 'tail.json');

    /** The count in a status text such as "512 pending" or "1.2k pending". */
    function statusCount(text) {
      const m = /^([\d.]+)([kM]?)/.exec(String(text));
      return m ? Number(m[1]) * ({ k: 1e3, M: 1e6 }[m[2]] || 1) : 0;
    }

    async function untilPending(atLeast) {
      const status = await t.comms.waitFor('status/batch', (s) => s && s.fill === 'blue' && statusCount(s.text) >= atLeast);
      return statusCount(status.text);
    }

    function changed(id, change) {
      return t.flows.map((n) => (n.id === id ? { ...n, ...change } : n));
    }

    for (const variant of [
      { name: 'full deploy', type: 'full', deploys: 2, flows: () => t.flows },
      { name: '"nodes" deploy with only micro-batch changed', type: 'nodes', deploys: 4, flows: (i) => changed('batch', { name: `batch ${i}` }), reason: 'close' },
      { name: '"nodes" deploy with only file-tail changed', type: 'nodes', deploys: 2, flows: (i) => changed('tail', { name: `tail ${i}` }), reason: 'flush' },
    ]) {
      it(`${variant.name} (${variant.deploys}×): every line once, in order; the checkpoint keeps up`, async function () {
        await start({ interval: batchInterval, maxSize: 100000 });
        t.comms = await connectComms(t.node.url, { topics: ['status/#'] });
        t.writer.start();
        const pending = [];
        for (let i = 1; i <= variant.deploys; i++) {
          pending.push(await untilPending(50));
          const flows = variant.flows(i);
          await deploy(t.node.url, flows, variant.type);
          t.flows = flows;
        }
        // Lines keep flowing after the last deploy.
        const before = t.writer.count;
        await t.sink.until((s) => s.numbersOf(0).some((n) => n > before), { what: 'a line written after the last deploy', exited: t.node.exited });
        const last = await drain();
        const batches = t.sink.runs()[0];
        const byReason = {};
        for (const b of batches) byReason[b.batch.reason] = (byReason[b.batch.reason] || 0) + 1;
        console.log(`      ${variant.name} ×${variant.deploys}, with ${pending.join(', ')} lines pending: ${last} lines in ${batches.length} batches ${JSON.stringify(byReason)}`);
        assertExactlyOnce(t.sink.numbersOf(0), last);
        assertTextIntact();
        if (variant.reason) {
          // The deploys really met pending lines: micro-batch sent them on ("close" when it was
          // redeployed itself, "flush" when file-tail asked for them as it stopped).
          should(byReason[variant.reason] || 0).be.aboveOrEqual(variant.deploys, `fewer "${variant.reason}" batches than deploys: ${JSON.stringify(byReason)}`);
        }
        // Delivered is committed: the checkpoint reaches the end of the log (a commit stuck
        // behind a lost message would replay everything after it on the next restart).
        await t.sink.until(
          () => {
            try {
              return JSON.parse(fs.readFileSync(checkpointFile(), 'utf8')).files[0].offset === t.writer.size;
            } catch {
              return false;
            }
          },
          { what: `the checkpoint to reach the end of the log (byte ${t.writer.size})`, timeoutMs: 10000, exited: t.node.exited },
        ).catch((err) => {
          const saved = JSON.parse(fs.readFileSync(checkpointFile(), 'utf8'));
          const at = t.writer.lineAt(t.logFile, saved.files[0].offset);
          err.message += `: it stays at byte ${saved.files[0].offset} (line ${at ? at.n : '?'} of ${last})`;
          throw err;
        });
      });
    }
  });

  it('rotation while Node-RED is down (stopped with SIGINT): the old file\'s rest first, then the new file, every line once', async function () {
    await start();
    t.writer.start();
    await untilRunHas(RATE / 2);
    // SIGINT (Ctrl-C) takes the same path in red.js as SIGTERM: a graceful stop.
    const exit = await stop('SIGINT');
    should(exit.signal).not.equal('SIGKILL', 'Node-RED did not stop on SIGINT and had to be killed');
    const firstRun = t.sink.refresh().numbersOf(0);
    // More lines into the old file, then rename it away and start a new one.
    await t.writer.untilCount(t.writer.count + RATE / 2);
    t.writer.stop();
    const rotatedAt = t.writer.count;
    t.writer.rotate(`${t.logFile}.1`);
    t.writer.start();
    await t.writer.untilCount(rotatedAt + RATE / 2);
    await start();
    await untilRunHas(1);
    const last = await drain();
    const second = t.sink.numbersOf(1);
    console.log(
      `      rotation while down: run 1 delivered 1-${firstRun[firstRun.length - 1]}; app.log.1 ends at line ${rotatedAt}; run 2 delivered ${second[0]}-${second[second.length - 1]}`,
    );
    // In order across the rotation: lines up to rotatedAt (app.log.1) come first.
    assertExactlyOnce(t.sink.lines().map((l) => Number.parseInt(l.slice(0, 7), 10)), last);
    assertTextIntact();
    const writtenTo = new Map(t.writer.lines.map((l) => [l.n, l.file]));
    writtenTo.get(rotatedAt).should.equal(`${t.logFile}.1`);
    writtenTo.get(rotatedAt + 1).should.equal(t.logFile);
  });
});
