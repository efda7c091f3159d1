'use strict';
// Acknowledged delivery against a real Node-RED process and an HTTP receiver
// that goes away: the flow is
//
//   file-tail → micro-batch (delivery "ack") → function (x-batch-id, x-batch-attempt
//   headers) → http request (POST) → batch-ack (success "http-2xx") → function → debug
//                              Catch (scope: http request) ─┘
//
// and the receiver (test/support/http-outage.js) refuses connections, then
// answers 503, then accepts. A writer appends uniquely numbered lines to the log
// at a steady rate the whole time. What must hold: every line written reaches
// the receiver; a line arrives twice only when its batch was sent again (an
// acknowledgement later than ackTimeout) or, after a crash, when it was
// delivered but not yet in the checkpoint; and while the receiver is away
// Node-RED's memory does not grow with the lines waiting in the log.
//
// Which Node-RED: env NODE_RED_PATH, default ./node_modules/node-red; which node
// runs it: env NODE_RED_NODE_BIN, default the node running mocha (.ci/run runs
// this on Node-RED 4 / Node 20 and Node-RED 5 / Node 22).
//
// Knobs: ACK_RATE (lines/s in the first two tests, default 1000),
// ACK_LONG_RATE (default 5000) and ACK_LONG_OUTAGE_S (default 60) for the long
// outage, LOG_INGEST_SKIP_LONG=1 skips the long outage (it runs by default, CI
// included), ACK_KEEP=1 keeps the temp folder of a failed test.
//
// No sleeps: every wait is for a receiver event or a debug message on the
// editor websocket; timeouts are failure deadlines only. The outage phases
// themselves last a set time: they are the fault being injected.
const fs = require('fs');
const os = require('os');
const path = require('path');
const { EventEmitter } = require('events');
const should = require('should');
const { startNodeRed, connectComms, decodeDebug, integrationTarget, skipUnlessRunnable } = require('../support/node-red-process');
const { OutageReceiver, LineWriter, lineNumber, tally, ranges, rssBytes } = require('../support/http-outage');

const target = integrationTarget();
const { nodeRedDir, nodeBin, nr, nodeVer } = target;
const RATE = Number(process.env.ACK_RATE) || 1000;
const LONG_RATE = Number(process.env.ACK_LONG_RATE) || 5000;
const LONG_OUTAGE_S = Number(process.env.ACK_LONG_OUTAGE_S) || 60;
const MB = 1024 * 1024;

/** micro-batch settings of the tests; the duplicate bounds below derive from them. */
const BATCH = { interval: 0.2, ackTimeout: 2, maxInFlight: 4, retries: 0, maxSize: 500 };
/**
 * Lines that can arrive twice without a restart: a batch is sent again only when
 * its attempt was not acknowledged within ackTimeout, and only the batches in
 * flight (at most maxInFlight, of at most maxSize lines each) can be in that state.
 * The receiver answers at once, so this is a generous bound: expected is 0.
 */
const RESEND_BOUND = BATCH.maxInFlight * BATCH.maxSize;

/** A debug node's config: sidebar only. */
function debugNode(id, z, complete, x, y) {
  return { id, type: 'debug', z, name: id, active: true, tosidebar: true, console: false, tostatus: false, complete, targetType: complete === 'true' ? 'full' : 'msg', statusVal: '', statusType: 'auto', x, y, wires: [] };
}

/** The flow under test (core nodes besides the pack's, so it runs on Node-RED 4 and 5). */
function ackFlow({ logFile, url, batch = {} }) {
  const z = 'ack';
  return [
    { id: z, type: 'tab', label: 'acknowledged delivery' },
    {
      id: 'tail',
      type: 'file-tail',
      z,
      name: '',
      path: logFile,
      pathType: 'str',
      startAt: 'beginning',
      output: 'lines',
      encoding: 'utf8',
      delimiter: '\\n',
      idleFlush: 1,
      pollInterval: 1,
      maxLineBytes: 1048576,
      longLines: 'cut',
      x: 110,
      y: 80,
      wires: [['batch']],
    },
    {
      id: 'batch',
      type: 'micro-batch',
      z,
      name: '',
      interval: BATCH.interval,
      maxSize: BATCH.maxSize,
      maxBytes: 0,
      keepArrays: false,
      delivery: 'ack',
      ackTimeout: BATCH.ackTimeout,
      maxInFlight: BATCH.maxInFlight,
      retries: BATCH.retries,
      outputs: 2,
      x: 280,
      y: 80,
      ...batch,
      wires: [['headers'], ['gaveup']],
    },
    {
      id: 'headers',
      type: 'function',
      z,
      name: 'batch headers',
      func: "msg.headers = { 'x-batch-id': String(msg.batch.id), 'x-batch-attempt': String(msg.batch.attempt) };\nreturn msg;",
      outputs: 1,
      timeout: 0,
      noerr: 0,
      initialize: '',
      finalize: '',
      libs: [],
      x: 450,
      y: 80,
      wires: [['post']],
    },
    {
      id: 'post',
      type: 'http request',
      z,
      name: 'POST',
      method: 'POST',
      ret: 'txt',
      paytoqs: 'ignore',
      url,
      tls: '',
      persist: false,
      proxy: '',
      insecureHTTPParser: false,
      authType: '',
      senderr: false,
      headers: [],
      x: 610,
      y: 80,
      wires: [['ack']],
    },
    { id: 'catch', type: 'catch', z, name: 'POST failed', scope: ['post'], uncaught: false, x: 610, y: 140, wires: [['ack']] },
    { id: 'ack', type: 'batch-ack', z, name: '', success: 'http-2xx', x: 770, y: 80, wires: [['summary']] },
    {
      id: 'summary',
      type: 'function',
      z,
      name: 'outcome',
      // One small debug message per settled attempt (not the lines themselves).
      func:
        'const b = msg.batch || {};\n' +
        'const err = msg.error ? String(msg.error.message || msg.error) : undefined;\n' +
        'const v = (x) => (x === undefined ? null : x);\n' +
        'msg.payload = { id: v(b.id), attempt: v(b.attempt), count: v(b.count), acked: v(b.acked), statusCode: v(msg.statusCode), error: v(err) };\n' +
        'return msg;',
      outputs: 1,
      timeout: 0,
      noerr: 0,
      initialize: '',
      finalize: '',
      libs: [],
      x: 920,
      y: 80,
      wires: [['outcome']],
    },
    debugNode('outcome', z, 'payload', 1080, 80),
    debugNode('gaveup', z, 'batch', 450, 140),
  ];
}

/** Rejects with `what` after `ms` unless `promise` settles first. */
function deadline(promise, ms, what) {
  let timer;
  return Promise.race([
    promise,
    new Promise((_, reject) => {
      timer = setTimeout(() => reject(new Error(`gave up waiting for ${what} after ${ms} ms`)), ms);
    }),
  ]).finally(() => clearTimeout(timer));
}

/** The time an outage phase lasts: the fault injected, not a wait for something to happen. */
function phaseTime(ms) {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

describe(`acknowledged delivery through an HTTP outage in a real Node-RED ${nr.version} on Node ${nodeVer} (integration)`, function () {
  this.timeout(90000); // safety net only

  /** Per test: temp folder, writer, receiver, running Node-RED, websocket and what it reported. */
  let t;

  before(function () {
    skipUnlessRunnable(this, target);
    should(fs.existsSync(path.join(__dirname, '..', '..', 'dist', 'nodes'))).be.true('dist/nodes is missing: run npm run build');
  });

  beforeEach(async function () {
    const base = fs.mkdtempSync(path.join(os.tmpdir(), 'log-ingest-ack-'));
    const logFile = path.join(base, 'app.log');
    fs.writeFileSync(logFile, '');
    const receiver = await OutageReceiver.start();
    t = {
      base,
      logFile,
      userDir: path.join(base, 'user'),
      receiver,
      writer: null,
      node: null,
      comms: null,
      runs: 0,
      logs: [],
      /** What the flow's debug nodes said: {run, ...payload} per settled attempt; given-up batches. */
      outcomes: [],
      gaveUp: [],
      reported: new EventEmitter(),
    };
    t.reported.setMaxListeners(50);
    t.flows = ackFlow({ logFile, url: receiver.url });
  });

  afterEach(async function () {
    this.timeout(30000);
    if (!t) return;
    if (t.writer) t.writer.stop();
    if (t.comms) await t.comms.close().catch(() => {});
    if (t.node) await t.node.stop('SIGKILL').catch(() => {});
    await t.receiver.close();
    const failed = this.currentTest.state === 'failed';
    const keep = failed && process.env.ACK_KEEP;
    if (failed) {
      const r = t.receiver;
      const failures = t.outcomes.filter((o) => o.acked === false);
      console.log(
        [
          `      lines written: ${t.writer ? t.writer.count : 0}; received: ${r.distinct} distinct, ${r.received.length} in all; receiver phase ${r.phase}`,
          `      requests answered: 200 ×${r.answered[200]}, 503 ×${r.answered[503]}; attempts settled: ${t.outcomes.length} (${failures.length} failed); given up: ${t.gaveUp.length}`,
          `      last outcomes: ${JSON.stringify(t.outcomes.slice(-5))}`,
          keep ? `      files left in ${t.base}` : '      (ACK_KEEP=1 keeps the log and user dir of a failed test)',
          '      --- Node-RED logs (last 40 lines) ---',
          ...t.logs.slice(-40).map((l) => `      ${l}`),
        ].join('\n'),
      );
    }
    if (!keep) fs.rmSync(t.base, { recursive: true, force: true });
    t = null;
  });

  /** Starts Node-RED on the test's user dir and listens to its debug nodes. */
  async function start() {
    t.runs++;
    const run = t.runs;
    t.logs.push(`=== run ${run} ===`);
    t.node = await startNodeRed({ flows: t.flows, userDir: t.userDir, nodeRedDir, nodeBin, echo: (line) => t.logs.push(line) });
    t.comms = await connectComms(t.node.url, { topics: ['debug'] });
    should(t.comms.runtimeState && t.comms.runtimeState.state).equal('start', `flows not running: ${JSON.stringify(t.comms.runtimeState)}`);
    t.comms.on('debug', (data) => {
      if (data.id === 'outcome') t.outcomes.push({ run, ...decodeDebug(data) });
      else if (data.id === 'gaveup') t.gaveUp.push({ run, batch: decodeDebug(data) });
      else return;
      t.reported.emit('debug');
    });
    return t.node;
  }

  /** SIGKILLs Node-RED. */
  async function kill() {
    const node = t.node;
    const comms = t.comms;
    t.node = null;
    t.comms = null;
    const exit = await node.stop('SIGKILL');
    await comms.close().catch(() => {});
    return exit;
  }

  /** Rejects when the running Node-RED exits (for waits that need it alive). */
  function exitReason() {
    return t.node.exited.then(({ code, signal }) => `Node-RED exited (code ${code}, signal ${signal})`);
  }

  /** Resolves with the first attempt settled from now on (in run `run`) that matches `pred`. */
  function nextOutcome(pred, { run = t.runs, what = 'a settled attempt', timeoutMs = 30000 } = {}) {
    const from = t.outcomes.length;
    const found = () => t.outcomes.slice(from).find((o) => o.run === run && pred(o));
    const wait = new Promise((resolve) => {
      const check = () => {
        const hit = found();
        if (hit) {
          t.reported.off('debug', check);
          resolve(hit);
        }
      };
      t.reported.on('debug', check);
    });
    const gone = exitReason().then((reason) => {
      throw new Error(`${reason} while waiting for ${what}`);
    });
    return deadline(Promise.race([wait, gone]), timeoutMs, what);
  }

  /** Numbers of the lines received, in arrival order. */
  function receivedNumbers() {
    return t.receiver.received.map(lineNumber);
  }

  /** Stops the writer, then waits for every line written to arrive; returns the last line's number. */
  async function drain(timeoutMs = 60000) {
    t.writer.stop();
    const last = t.writer.count;
    await t.receiver.untilDistinct(last, { what: `all ${last} lines written`, timeoutMs, failed: exitReason() });
    return last;
  }

  /** Every line 1..last arrived, as written; nothing else did. */
  function assertNoneLost(last) {
    const r = tally(receivedNumbers(), last);
    should(r.missing.length).equal(0, `${r.missing.length} of ${last} lines lost: ${ranges(r.missing)}`);
    should(r.unknown.length).equal(0, `lines never written: ${r.unknown.slice(0, 5)}`);
    const written = t.writer.lines;
    for (const text of t.receiver.counts.keys()) {
      const n = lineNumber(text);
      if (!written[n - 1] || written[n - 1].text !== text) throw new Error(`line ${n} arrived altered: ${JSON.stringify(text.slice(0, 120))}`);
    }
    return r;
  }

  /**
   * Splits the extra copies of each line into resends (another copy in a request
   * for the same batch id) and re-reads (a copy in another batch).
   */
  function duplicateKinds() {
    const batchesOf = new Map();
    for (const d of t.receiver.deliveries()) {
      for (const text of d.lines) {
        if (!batchesOf.has(text)) batchesOf.set(text, []);
        batchesOf.get(text).push(d.batchId);
      }
    }
    const resent = [];
    const reread = [];
    for (const [text, ids] of batchesOf) {
      if (ids.length < 2) continue;
      const distinctIds = new Set(ids).size;
      for (let i = distinctIds; i < ids.length; i++) resent.push(lineNumber(text));
      for (let i = 1; i < distinctIds; i++) reread.push(lineNumber(text));
    }
    return { resent: resent.sort((a, b) => a - b), reread: reread.sort((a, b) => a - b) };
  }

  /** Every accepted request named its batch (the flow's headers), with an attempt number. */
  function assertHeadersSent() {
    const accepted = t.receiver.requests.filter((r) => r.status === 200);
    accepted.length.should.be.above(0);
    for (const r of accepted) {
      should(r.batchId).be.a.String().and.not.be.empty();
      should(Number.isInteger(r.attempt) && r.attempt >= 1).be.true(`attempt header ${r.attempt}`);
    }
  }

  /** Lines from the checkpoint the killed process left: the first line a restart reads. */
  function checkpointResumeLine() {
    const file = path.join(t.userDir, 'log-ingest', 'checkpoints', 'tail.json');
    if (!fs.existsSync(file)) return 1;
    const saved = JSON.parse(fs.readFileSync(file, 'utf8'));
    should(saved.files).have.length(1);
    const offset = saved.files[0].offset;
    if (offset === t.writer.size) return t.writer.count + 1;
    const line = t.writer.lineAt(t.logFile, offset);
    should.exist(line, `checkpoint offset ${offset} is not at a line start`);
    return line.n;
  }

  /** The highest k such that lines 1..k all arrived. */
  function contiguousReceived() {
    const seen = new Set(receivedNumbers());
    let k = 0;
    while (seen.has(k + 1)) k++;
    return k;
  }

  it('refused for 5 s, then 503 for 5 s: every line arrives; duplicates only from resends within the in-flight window', async function () {
    t.writer = new LineWriter({ file: t.logFile, rate: RATE });
    await start();
    t.writer.start();
    // Lines flow before the outage.
    await t.receiver.untilDistinct(RATE / 2, { failed: exitReason() });
    // Each phase lasts 5 s, and until an attempt met it (the retries' backoff could skip a phase).
    const outageStart = Date.now();
    const refused = nextOutcome((o) => o.acked === false && o.statusCode !== 503, { what: 'an attempt failing while the receiver refuses' });
    await t.receiver.setPhase('refuse');
    const [refusal] = await Promise.all([refused, phaseTime(5000)]);
    const unavailable = nextOutcome((o) => o.acked === false && o.statusCode === 503, { what: 'an attempt answered 503' });
    await t.receiver.setPhase('503');
    await Promise.all([unavailable, phaseTime(5000)]);
    await t.receiver.setPhase('200');
    const outageEnd = Date.now();
    const writtenDuringOutage = t.writer.count;
    // Lines written after the outage arrive too (the flow caught up), then the rest.
    await t.receiver.untilDistinct(writtenDuringOutage + 1, { what: 'a line written after the outage', failed: exitReason() });
    const recoveredMs = Date.now() - outageEnd;
    const last = await drain();

    assertNoneLost(last);
    assertHeadersSent();
    const dup = duplicateKinds();
    console.log(
      `      ${RATE} lines/s, ${Math.round((outageEnd - outageStart) / 1000)} s outage: ${last} lines, ${t.receiver.received.length - last} duplicates (${dup.resent.length} resent, ${dup.reread.length} re-read); ` +
        `${t.outcomes.filter((o) => o.acked === false).length} failed attempts (e.g. ${JSON.stringify(refusal.error || refusal.statusCode)}); caught up ${recoveredMs} ms after its end`,
    );
    // Batches that failed were sent again: some batch got through on a later attempt.
    should(t.receiver.requests.some((r) => r.status === 200 && r.attempt > 1)).be.true('no batch was delivered on a retry');
    should(dup.reread.length).equal(0, `lines read twice into different batches without a restart: ${ranges(dup.reread)}`);
    should(dup.resent.length).be.belowOrEqual(RESEND_BOUND, `${dup.resent.length} duplicates from resends, more than maxInFlight × maxSize = ${RESEND_BOUND}: ${ranges(dup.resent)}`);
    t.gaveUp.should.have.length(0); // retries 0: never given up
  });

  it('SIGKILL during the outage, restart while it lasts: no line lost; duplicates only delivered lines the checkpoint had not reached', async function () {
    t.writer = new LineWriter({ file: t.logFile, rate: RATE });
    await start();
    t.writer.start();
    // Long enough for checkpoints (every second) to have been written.
    await t.receiver.untilDistinct(RATE * 1.5, { failed: exitReason() });
    const firstRefusal = nextOutcome((o) => o.acked === false, { what: 'an attempt failing in run 1' });
    await t.receiver.setPhase('refuse');
    await firstRefusal;
    // One retry failed too, so the batches in flight at the outage's start are settled.
    await nextOutcome((o) => o.acked === false && o.attempt >= 2, { what: 'a retry failing in run 1' });
    const exit = await kill();
    should(exit.signal).equal('SIGKILL');
    const beforeKill = receivedNumbers();
    const lastBeforeKill = Math.max(...beforeKill);
    const contiguous = contiguousReceived();
    const resumeAt = checkpointResumeLine();
    // The checkpoint never passes a line that was not acknowledged (and so not received).
    should(resumeAt).be.belowOrEqual(contiguous + 1, `checkpoint at line ${resumeAt}, but line ${contiguous + 1} never arrived: it would be lost`);
    const writtenAtKill = t.writer.count;

    // Restart while the receiver still refuses; then 503s; then it accepts.
    await start();
    await nextOutcome((o) => o.acked === false, { what: 'an attempt failing in run 2 (receiver refusing)' });
    await t.receiver.setPhase('503');
    await Promise.all([
      phaseTime(5000),
      nextOutcome((o) => o.acked === false && o.statusCode === 503, { what: 'an attempt answered 503 in run 2' }),
    ]);
    const endOfOutage = t.writer.count;
    await t.receiver.setPhase('200');
    await t.receiver.untilDistinct(endOfOutage + 1, { what: 'a line written after the outage', failed: exitReason() });
    const last = await drain();

    assertNoneLost(last);
    assertHeadersSent();
    const r = tally(receivedNumbers(), last);
    const dup = duplicateKinds();
    console.log(
      `      ${RATE} lines/s, SIGKILL in the outage at line ${writtenAtKill}: checkpoint at line ${resumeAt}, last delivered ${lastBeforeKill}; ` +
        `${last} lines, ${t.receiver.received.length - last} duplicates (${dup.reread.length} re-read after the restart, ${dup.resent.length} resent)`,
    );
    // Re-read lines are exactly those delivered before the kill but not yet in the checkpoint.
    for (const n of dup.reread) {
      should(n >= resumeAt && n <= lastBeforeKill).be.true(`line ${n} arrived twice but lies outside the replay window ${resumeAt}-${lastBeforeKill}`);
    }
    should(dup.resent.length).be.belowOrEqual(RESEND_BOUND, `${dup.resent.length} duplicates from resends: ${ranges(dup.resent)}`);
    r.duplicated.length.should.equal(new Set([...dup.reread, ...dup.resent]).size);
    // Batch ids are unique across the restart.
    const idsOf = (run) => new Set(t.outcomes.filter((o) => o.run === run).map((o) => o.id));
    const reused = [...idsOf(1)].filter((id) => idsOf(2).has(id));
    reused.should.eql([], 'batch ids of run 1 used again after the restart');
    t.gaveUp.should.have.length(0);
  });

  it(`${LONG_OUTAGE_S} s outage at ${LONG_RATE} lines/s: Node-RED's RSS grows < 50 MB; every line arrives afterwards`, async function () {
    if (process.env.LOG_INGEST_SKIP_LONG === '1') this.skip();
    this.timeout(LONG_OUTAGE_S * 1000 + 150000); // safety net only
    t.flows = ackFlow({ logFile: t.logFile, url: t.receiver.url, batch: { maxSize: 5000 } });
    t.writer = new LineWriter({ file: t.logFile, rate: LONG_RATE });
    await start();
    const pid = t.node.process.pid;
    t.writer.start();
    // Steady flow for two seconds' worth of lines.
    await t.receiver.untilDistinct(LONG_RATE * 2, { failed: exitReason() });
    const rssBefore = rssBytes(pid);
    let rssMax = rssBefore;
    const sampler = setInterval(() => {
      try {
        rssMax = Math.max(rssMax, rssBytes(pid));
      } catch {
        /* gone: the waits below report it */
      }
    }, 500);
    const outageStart = Date.now();
    const half = (LONG_OUTAGE_S * 1000) / 2;
    try {
      await t.receiver.script([
        { phase: 'refuse', ms: half },
        { phase: '503', ms: half },
      ]);
    } finally {
      clearInterval(sampler);
    }
    const rssEnd = rssBytes(pid);
    rssMax = Math.max(rssMax, rssEnd);
    const rssText = `RSS ${(rssBefore / MB).toFixed(1)} MB before, ${(rssEnd / MB).toFixed(1)} MB at the end (max ${(rssMax / MB).toFixed(1)} MB)`;
    // The log files are the buffer: lines waiting in them cost Node-RED no memory.
    should(rssEnd - rssBefore).be.below(50 * MB, `RSS grew ${((rssEnd - rssBefore) / MB).toFixed(1)} MB during the outage: ${rssText}`);
    const receivedAtEnd = t.receiver.distinct;
    const writtenAtEnd = t.writer.count;
    await t.receiver.setPhase('200');
    const recovered = Date.now();
    await t.receiver.untilDistinct(writtenAtEnd + 1, { what: 'a line written after the outage', timeoutMs: 120000, failed: exitReason() });
    const caughtUpMs = Date.now() - recovered;
    const firstAccepted = t.receiver.requests.find((r) => r.status === 200 && r.at >= recovered);
    const retryWaitMs = firstAccepted ? firstAccepted.at - recovered : Number.NaN;
    const drainStart = Date.now();
    const last = await drain();
    const drainMs = Date.now() - drainStart;

    assertNoneLost(last);
    const dup = duplicateKinds();
    console.log(
      `      ${LONG_RATE} lines/s, ${LONG_OUTAGE_S} s outage (${Math.round((recovered - outageStart) / 1000)} s): ${writtenAtEnd - receivedAtEnd} lines waiting at its end; ` +
        `${rssText}; ` +
        `first batch accepted ${retryWaitMs} ms after it, caught up ${caughtUpMs} ms after it, the rest in ${drainMs} ms; ` +
        `${last} lines, ${t.receiver.received.length - last} duplicates (${dup.resent.length} resent, ${dup.reread.length} re-read)`,
    );
    should(dup.reread.length).equal(0, `lines read twice into different batches without a restart: ${ranges(dup.reread)}`);
    should(dup.resent.length).be.belowOrEqual(BATCH.maxInFlight * 5000);
    t.gaveUp.should.have.length(0);
  });
});
