'use strict';
// Multiline records against a real Node-RED process: file-tail (multiline
// `java`) → micro-batch → function → file, the core file node appending one
// JSON line per batch outside Node-RED. A writer appends Java-style records of
// 1 to 600 lines (a log line, the exception line, frames, `Caused by:` and
// `... N more`) in random pieces, cut anywhere (mid-line too), with random
// pauses between them; it renames the log away once (rotation) and Node-RED is
// killed with SIGKILL once while it writes.
//
// What must hold: every record arrives whole, exactly as written, and once;
// after the kill a record may arrive once more, never in part; and the
// checkpoint the killed process left lies at a record's first byte.
//
// No sleeps to let something happen: waits are for the sink (see SinkReader).
// The writer's pauses are its own pace, not the test waiting.
const fs = require('fs');
const os = require('os');
const path = require('path');
const should = require('should');
const { startNodeRed, integrationTarget, skipUnlessRunnable } = require('../support/node-red-process');
const { SinkReader, pipelineFlow } = require('../support/fault-harness');
// Seeded: a failing run can be repeated with MULTILINE_SEED.
const { mulberry32: random } = require('../../scripts/lib/log-generator');

const target = integrationTarget();
const { nodeRedDir, nodeBin, nr, nodeVer } = target;
const RECORDS = Number(process.env.MULTILINE_RECORDS) || 240;
const MAX_LINES = 600;

/** Record `n` of `lines` lines, as Logback writes an error with its stack trace. */
function recordText(n, lines) {
  const id = String(n).padStart(7, '0');
  const out = [`2026-12-03 10:00:00.${String(n % 1000).padStart(3, '0')} ERROR [worker-${n % 7}] c.e.Orders - record ${id} failed`];
  if (lines > 1) out.push(`java.lang.IllegalStateException: record ${id} ünïcode`);
  for (let i = 2; i < lines; i++) {
    if (i % 97 === 0) out.push(`Caused by: java.io.IOException: cause ${i} of ${id}`);
    else if (i % 97 === 1 && i > 1) out.push(`\t... ${i} more`);
    else out.push(`\tat com.example.orders.Step${i}.run(Step${i}.java:${i})`);
  }
  return out.join('\n');
}

/** The record number in a record's first line, or NaN. */
function recordNumber(text) {
  const m = / record (\d{7}) failed/.exec(text);
  return m ? Number(m[1]) : Number.NaN;
}

describe(`multiline records in a real Node-RED ${nr.version} on Node ${nodeVer} (integration)`, function () {
  this.timeout(120000); // safety net only

  let t;

  before(function () {
    skipUnlessRunnable(this, target);
  });

  afterEach(async function () {
    this.timeout(30000);
    if (!t) return;
    t.stopWriting = true;
    if (t.node) await t.node.stop('SIGKILL').catch(() => {});
    t.sink.close();
    if (this.currentTest.state === 'failed') {
      console.log([`      seed ${t.seed}; records written: ${t.written.length}`, '      --- Node-RED logs (last 30 lines) ---', ...t.logs.slice(-30).map((l) => `      ${l}`)].join('\n'));
    }
    fs.rmSync(t.base, { recursive: true, force: true });
    t = null;
  });

  it(`${RECORDS} records of 1-${MAX_LINES} lines in random pieces, across a rotation and a SIGKILL: each whole, once (at most once more after the kill)`, async function () {
    const base = fs.mkdtempSync(path.join(os.tmpdir(), 'log-ingest-multiline-'));
    const logFile = path.join(base, 'app.log');
    fs.writeFileSync(logFile, '');
    const seed = Number(process.env.MULTILINE_SEED) || Date.now() % 1e9;
    const rand = random(seed);
    t = { base, seed, logs: [], node: null, sink: new SinkReader(path.join(base, 'sink')), runs: 0, written: [], stopWriting: false };
    /** Where each record starts, per file (a checkpoint must be one of these, or the file's end). */
    const starts = new Map([[logFile, new Set([0])]]);
    const sizes = new Map([[logFile, 0]]);

    async function start() {
      t.runs++;
      const sinkFile = t.sink.next(`run-${t.runs}.jsonl`);
      const flows = pipelineFlow({
        logFile,
        sinkFile,
        tail: { multiline: 'java', multilineMaxLines: 1000, multilineTimeout: 1, idleFlush: 1 },
      });
      t.logs.push(`=== run ${t.runs} ===`);
      t.node = await startNodeRed({ flows, userDir: path.join(base, 'user'), nodeRedDir, nodeBin, echo: (line) => t.logs.push(line) });
    }

    const rotateAfter = Math.floor(RECORDS / 2);
    const killAfter = Math.floor(RECORDS / 4) + Math.floor(rand() * (RECORDS / 2));
    let file = logFile;
    /** Appends the records in random pieces with random pauses; renames the log away once. */
    async function write() {
      for (let n = 1; n <= RECORDS && !t.stopWriting; n++) {
        if (n === rotateAfter + 1) {
          fs.renameSync(logFile, `${logFile}.1`);
          starts.set(`${logFile}.1`, starts.get(logFile));
          sizes.set(`${logFile}.1`, sizes.get(logFile));
          starts.set(logFile, new Set([0]));
          sizes.set(logFile, 0);
        }
        const lines = 1 + Math.floor(rand() ** 2 * MAX_LINES);
        const text = recordText(n, lines);
        const bytes = Buffer.from(text + '\n');
        t.written.push({ n, text, lines });
        let from = 0;
        while (from < bytes.length) {
          const to = Math.min(bytes.length, from + 1 + Math.floor(rand() * 8192));
          fs.appendFileSync(file, bytes.subarray(from, to));
          from = to;
          if (rand() < 0.3) await new Promise((resolve) => setTimeout(resolve, Math.floor(rand() * 30)));
        }
        sizes.set(file, sizes.get(file) + bytes.length);
        starts.get(file).add(sizes.get(file));
        file = logFile;
        if (n === killAfter) t.killNow = true;
      }
    }

    await start();
    const writing = write();
    // The kill: once the writer passed its record and some records have arrived.
    const checkpointFile = path.join(base, 'user', 'log-ingest', 'checkpoints', 'tail.json');
    await t.sink.until((s) => t.killNow && s.lines().length > 0 && fs.existsSync(checkpointFile), { what: 'records and a checkpoint before the kill', timeoutMs: 90000, exited: t.node.exited });
    const killed = t.node;
    t.node = null;
    const exit = await killed.stop('SIGKILL');
    should(exit.signal).equal('SIGKILL');
    const deliveredBeforeKill = t.sink.refresh().runs()[0].flatMap((b) => b.lines).map(recordNumber);
    // Where the killed process would resume: each file's checkpoint at a record's first byte.
    const saved = JSON.parse(fs.readFileSync(checkpointFile, 'utf8'));
    for (const entry of saved.files) {
      const known = [...starts.values()].some((set) => set.has(entry.offset));
      should(known).be.true(`checkpoint offset ${entry.offset} is not at a record's first byte`);
    }
    await start();
    await writing;
    // Every record, the last one completed by the multiline timeout.
    await t.sink.until((s) => s.lines().some((r) => recordNumber(r) === RECORDS), { what: `record ${RECORDS}`, timeoutMs: 90000, exited: t.node.exited });

    const expected = new Map(t.written.map((r) => [r.n, r.text]));
    const seen = new Map();
    for (const text of t.sink.lines()) {
      const n = recordNumber(text);
      should(expected.has(n)).be.true(`a record that was never written: ${JSON.stringify(text.slice(0, 100))}`);
      if (text !== expected.get(n)) {
        throw new Error(`record ${n} arrived in part or altered: ${text.split('\n').length} of ${expected.get(n).split('\n').length} lines`);
      }
      seen.set(n, (seen.get(n) ?? 0) + 1);
    }
    const missing = t.written.filter((r) => !seen.has(r.n)).map((r) => r.n);
    should(missing).eql([], `records lost: ${missing.slice(0, 10)}`);
    const twice = [...seen].filter(([, k]) => k > 1).map(([n]) => n);
    // Only a record delivered before the kill may come again, and only once.
    for (const n of twice) {
      seen.get(n).should.equal(2, `record ${n} arrived ${seen.get(n)} times`);
      should(deliveredBeforeKill.includes(n)).be.true(`record ${n} came twice but was not delivered before the kill`);
    }
    // In order within each run.
    for (const run of t.sink.runs()) {
      const numbers = run.flatMap((b) => b.lines).map(recordNumber);
      for (let i = 1; i < numbers.length; i++) should(numbers[i]).be.above(numbers[i - 1], `out of order: ${numbers[i - 1]} then ${numbers[i]}`);
    }
    const lines = t.written.reduce((k, r) => k + r.lines, 0);
    console.log(`      ${RECORDS} records (${lines} lines) across a rotation after record ${rotateAfter} and a SIGKILL after record ${killAfter}: all whole; ${twice.length} sent again after the kill (seed ${seed})`);
  });
});

describe(`the example "File tail - Java stack traces as records" in a real Node-RED ${nr.version} on Node ${nodeVer} (integration)`, function () {
  this.timeout(120000); // safety net only
  const { connectComms, decodeDebug } = require('../support/node-red-process');
  const { example } = require('../support/example-flow');
  const { untilEvent } = require('../support/collect');
  const { EventEmitter } = require('events');

  let dir;
  let node;
  let comms;

  before(function () {
    skipUnlessRunnable(this, target);
  });

  after(async function () {
    if (comms) await comms.close().catch(() => {});
    if (node) await node.stop();
    if (dir) fs.rmSync(dir, { recursive: true, force: true });
  });

  it('sends each stack trace the flow and the test write as one record, whole, once and in order', async function () {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'log-ingest-java-example-'));
    node = await startNodeRed({ flows: example('File tail - Java stack traces as records', dir), nodeRedDir, nodeBin });
    comms = await connectComms(node.url, { topics: ['debug'] });
    const progress = new EventEmitter();
    const records = [];
    const batches = [];
    comms.on('debug', (data) => {
      const value = decodeDebug(data);
      if (data.id === 'jt-debug-record') records.push(value);
      if (data.id === 'jt-debug-batch') batches.push(...value);
      progress.emit('debug');
    });
    const until = (predicate) => untilEvent(progress, 'debug', predicate);
    // The flow's own entries show the file is followed from here on; a trace of its own among them.
    await until(() => records.some((r) => r.includes('\nCaused by: ')));
    // Records of up to 12 lines: the debug node shows 1,000 characters of a message.
    const ours = Array.from({ length: 20 }, (_, i) => recordText(9000 + i, 1 + ((i * 7) % 12)));
    for (const text of ours) fs.appendFileSync(path.join(dir, 'java-app.log'), `${text}\n`);
    await until(() => ours.every((text) => records.includes(text) && batches.includes(text)));
    for (const got of [records, batches]) {
      const mine = got.filter((r) => ours.includes(r));
      mine.should.eql(ours, 'the test\'s records, once each and in order');
      // The flow's own traces: each whole (its log line through `... 3 more`).
      for (const r of got.filter((x) => x.includes('OrderController - order') && x.includes(' failed\n'))) r.split('\n').length.should.equal(8, `a trace split or joined: ${JSON.stringify(r)}`);
      // And every one-line entry alone.
      for (const r of got.filter((x) => x.includes(' placed'))) r.split('\n').length.should.equal(1);
    }
  });
});
