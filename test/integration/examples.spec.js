'use strict';
// The examples "Micro batch - ship batches to a file" and "... over HTTP" in a
// real Node-RED, as shipped: only their log folder is moved to a temp folder and,
// for the HTTP one, LOG_INGEST_URL names the receiver of its own row 3 on this
// Node-RED's port (the example's default assumes port 1880). The lines appended
// to the followed file must reach the NDJSON file, and the HTTP receiver, exactly
// once and in order. Both deliver with acknowledgement (micro batch delivery
// "ack" and a batch-ack node): a second Node-RED runs the HTTP example against a
// receiver of this test that answers 503 for a while, then 200; every line must
// still arrive. (The MQTT example has its own spec: mqtt.spec.js, and the _bulk
// one bulk.spec.js.) The log parse example's inject nodes are clicked through
// the admin API, and its debug output checked object by object.
//
// Which Node-RED and node: env NODE_RED_PATH and NODE_RED_NODE_BIN, as for
// demo.spec.js. No sleeps: every wait is for a debug message on the editor's
// websocket; the examples' own generators write a line a second, so batches keep
// coming and every check runs again at the next one.
const fs = require('fs');
const os = require('os');
const http = require('http');
const path = require('path');
const { EventEmitter } = require('events');
const should = require('should');
const { startNodeRed, connectComms, decodeDebug, getFreePort, resolveNodeRedDir, nodeRedInfo, nodeVersion } = require('../support/node-red-process');
const { untilEvent } = require('../support/collect');
const { example } = require('../support/example-flow');

const LINES = 1500;

const nodeRedDir = resolveNodeRedDir(process.env.NODE_RED_PATH);

/** Appends `lines` to `file` in chunks of varied sizes, each chunk one write. */
function appendInChunks(file, lines) {
  for (let i = 0, size = 1; i < lines.length; i += size, size = ((size * 7) % 173) + 1) {
    fs.appendFileSync(file, lines.slice(i, i + size).map((l) => `${l}\n`).join(''));
  }
}

/** The lines of `file` as an array (its last line ends with a newline). */
const fileLines = (file) => fs.readFileSync(file, 'utf8').split('\n').slice(0, -1);

/** Asserts that `got` is a run of `all` with nothing missing or repeated. */
function shouldBeARunOf(got, all, what) {
  const start = all.indexOf(got[0]);
  start.should.be.aboveOrEqual(0, `${what}: the first line is not in the log file`);
  all.slice(start, start + got.length).should.eql(got, `${what}: not a run of the log file's lines`);
}

describe(`shipping examples (file, HTTP) in a real Node-RED ${nodeRedInfo(nodeRedDir).version} on Node ${nodeVersion(process.env.NODE_RED_NODE_BIN)} (integration)`, function () {
  this.timeout(120_000); // safety net only

  let tmpDir;
  let nr;
  let comms;
  const progress = new EventEmitter();
  /** Debug messages by debug node id, decoded. */
  const debugOf = {};

  before(async function () {
    tmpDir = fs.mkdtempSync(path.join(os.tmpdir(), 'log-ingest-examples-'));
    const port = await getFreePort();
    nr = await startNodeRed({
      port,
      flows: [...example('Micro batch - ship batches to a file', tmpDir), ...example('Micro batch - ship batches over HTTP', tmpDir)],
      nodeRedDir,
      env: { LOG_INGEST_URL: `http://127.0.0.1:${port}/log-ingest-demo/batches` },
    });
    comms = await connectComms(nr.url, { topics: ['debug'] });
    should(comms.runtimeState && comms.runtimeState.state).equal('start', `flows not running:\n${nr.logs.slice(-30).join('\n')}`);
    comms.on('debug', (data) => {
      (debugOf[data.id] = debugOf[data.id] || []).push(decodeDebug(data));
      progress.emit('debug', data.id);
    });
  });

  after(async function () {
    if (comms) await comms.close().catch(() => {});
    if (nr) await nr.stop();
    if (tmpDir) fs.rmSync(tmpDir, { recursive: true, force: true });
  });

  /** Resolves once `predicate()` holds, checked now and at each debug message. */
  const until = (predicate) => untilEvent(progress, 'debug', predicate);

  const marker = (tag) => (i) => `${tag} line ${String(i).padStart(5, '0')} user=bob path=/api/cart status=200`;

  it('"ship batches to a file" writes every line of every log, once and in order, to the NDJSON file', async function () {
    const appLog = path.join(tmpDir, 'app.log');
    const workerLog = path.join(tmpDir, 'worker.log');
    const archive = path.join(tmpDir, 'archive', 'logs.ndjson');
    const records = () => (fs.existsSync(archive) ? fileLines(archive).map((l) => JSON.parse(l)) : []);
    // The first batch written shows the folder is followed from here on.
    await until(() => records().length > 0);

    const expected = Array.from({ length: LINES }, (_, i) => marker('ndjson')(i + 1));
    appendInChunks(appLog, expected);
    await until(() => records().some((r) => r.line === expected[LINES - 1]));

    const all = records();
    all.forEach((r) => Object.keys(r).sort().should.eql(['file', 'line']));
    should(debugOf['bf-given-up']).eql(undefined, 'a batch was given up');
    (debugOf['bf-debug'] || []).forEach((b) => b.acked.should.be.true('a batch written but not acknowledged'));
    all.filter((r) => r.line.startsWith('ndjson line ')).should.eql(expected.map((line) => ({ file: appLog, line })));
    for (const file of [appLog, workerLog]) {
      const lines = all.filter((r) => r.file === file).map((r) => r.line);
      lines.should.not.be.empty();
      shouldBeARunOf(lines, fileLines(file), path.basename(file));
    }
  });

  it('"ship batches over HTTP" posts every line, once and in order, as JSON arrays that the receiver answers with 200', async function () {
    const appLog = path.join(tmpDir, 'app.log');
    const bodies = () => debugOf['bh-received'] || [];
    await until(() => bodies().length > 0);

    const expected = Array.from({ length: LINES }, (_, i) => marker('http')(i + 1));
    appendInChunks(appLog, expected);
    await until(() => bodies().some((b) => b.includes(expected[LINES - 1])));

    bodies().forEach((b) => b.should.be.an.Array());
    const lines = bodies().flat();
    lines.filter((l) => l.startsWith('http line ')).should.eql(expected);
    shouldBeARunOf(lines, fileLines(appLog), 'app.log over HTTP');
    (debugOf['bh-answer'] || []).length.should.be.above(0);
    should(debugOf['bh-given-up']).eql(undefined, 'a batch was given up');
    nr.logs.filter((l) => /\[(error|warn)\] \[/.test(l)).should.eql([], 'errors or warnings of the nodes in the Node-RED log');
  });
});

/**
 * An HTTP receiver for the HTTP example's batches (JSON arrays of lines): it
 * answers 503 while `refusing` is true, then 200, and emits 'request' after each.
 */
async function startReceiver() {
  const receiver = new EventEmitter();
  receiver.refusing = true;
  /** Bodies answered 503, and bodies answered 200, in arrival order. */
  receiver.refused = [];
  receiver.accepted = [];
  const server = http.createServer((req, res) => {
    const chunks = [];
    req.on('data', (c) => chunks.push(c));
    req.on('end', () => {
      const lines = JSON.parse(Buffer.concat(chunks).toString('utf8'));
      if (receiver.refusing) {
        receiver.refused.push(lines);
        res.writeHead(503, { 'Content-Type': 'text/plain', 'Retry-After': '1' });
        res.end('collector unavailable');
      } else {
        receiver.accepted.push(lines);
        res.writeHead(200, { 'Content-Type': 'application/json' });
        res.end(JSON.stringify({ received: lines.length }));
      }
      receiver.emit('request');
    });
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  receiver.url = `http://127.0.0.1:${server.address().port}/logs`;
  receiver.close = () => new Promise((resolve) => server.close(resolve));
  return receiver;
}

describe(`"ship batches over HTTP" against a collector that answers 503 for a while, in a real Node-RED ${nodeRedInfo(nodeRedDir).version} on Node ${nodeVersion(process.env.NODE_RED_NODE_BIN)} (integration)`, function () {
  this.timeout(120_000); // safety net only

  let tmpDir;
  let receiver;
  let nr;

  before(async function () {
    tmpDir = fs.mkdtempSync(path.join(os.tmpdir(), 'log-ingest-examples-503-'));
    receiver = await startReceiver();
    nr = await startNodeRed({ flows: example('Micro batch - ship batches over HTTP', tmpDir), nodeRedDir, env: { LOG_INGEST_URL: receiver.url } });
  });

  after(async function () {
    if (nr) await nr.stop();
    if (receiver) await receiver.close();
    if (tmpDir) fs.rmSync(tmpDir, { recursive: true, force: true });
  });

  const until = (predicate) => untilEvent(receiver, 'request', predicate);

  it('posts a refused batch again until it is accepted: every line arrives, once and in order', async function () {
    const appLog = path.join(tmpDir, 'app.log');
    await until(() => receiver.refused.length >= 1);
    const expected = Array.from({ length: LINES }, (_, i) => `outage line ${String(i + 1).padStart(5, '0')} user=alice path=/login status=200`);
    appendInChunks(appLog, expected);
    // Three answers 503 in a row: the first batch was posted again, and again.
    await until(() => receiver.refused.length >= 3);
    receiver.refusing = false;
    await until(() => receiver.accepted.flat().includes(expected[LINES - 1]));

    const lines = receiver.accepted.flat();
    lines.filter((l) => l.startsWith('outage line ')).should.eql(expected, 'the appended lines, as accepted');
    receiver.refused[0].filter((l) => !lines.includes(l)).should.eql([], 'lines of the refused batch never accepted');
    receiver.refused[1].should.eql(receiver.refused[0], 'the retry was not the same batch');
    shouldBeARunOf(lines, fileLines(appLog), 'app.log over HTTP, after the 503s');
    new Set(lines).size.should.equal(lines.length, 'a line accepted twice');
  });
});

describe(`"Log parse - syslog and CEF to ECS objects" in a real Node-RED ${nodeRedInfo(nodeRedDir).version} on Node ${nodeVersion(process.env.NODE_RED_NODE_BIN)} (integration)`, function () {
  this.timeout(120_000); // safety net only

  const NAME = 'Log parse - syslog and CEF to ECS objects';
  let nr;
  let comms;
  const progress = new EventEmitter();
  /** Debug messages by debug node id, decoded. */
  const debugOf = {};

  before(async function () {
    // As shipped (it writes no logs), on a tab of its own as the editor would put it.
    nr = await startNodeRed({ flows: example(NAME), nodeRedDir });
    comms = await connectComms(nr.url, { topics: ['debug'] });
    should(comms.runtimeState && comms.runtimeState.state).equal('start', `flows not running:\n${nr.logs.slice(-30).join('\n')}`);
    comms.on('debug', (data) => {
      (debugOf[data.id] = debugOf[data.id] || []).push(decodeDebug(data));
      progress.emit('debug', data.id);
    });
  });

  after(async function () {
    if (comms) await comms.close().catch(() => {});
    if (nr) await nr.stop();
  });

  const until = (predicate) => untilEvent(progress, 'debug', predicate);

  /** Clicks an inject node's button, as the editor does. */
  async function click(id) {
    const res = await fetch(`${nr.url}inject/${id}`, { method: 'POST' });
    res.status.should.equal(200, `POST /inject/${id}`);
  }

  it('turns the syslog and CEF lines into ECS objects, in order, and the cut line into a failure with its index', async function () {
    await click('lp-lines');
    await until(() => debugOf['lp-ecs'] && debugOf['lp-failed']);
    const [objects] = debugOf['lp-ecs'];
    objects.should.have.length(4);
    objects.forEach((o) => o.event.original.should.be.a.String());
    objects[0].should.match({ '@timestamp': '2026-12-03T10:14:15.003Z', host: { hostname: 'web-1.example.com' }, process: { name: 'sshd', pid: 4242 }, log: { syslog: { version: '1', structured_data: { origin: { ip: '192.0.2.10' } } } } });
    objects[1].should.match({ host: { hostname: 'web-1' }, log: { syslog: { facility: { name: 'auth' } } }, message: /^Failed password for invalid user admin/ });
    objects[1]['@timestamp'].should.match(/^\d{4}-12-03T10:14:16\.000Z$/);
    objects[2].should.match({ '@timestamp': '2026-12-03T10:14:18.000Z', observer: { vendor: 'Fortinet', product: 'FortiGate' }, source: { ip: '203.0.113.9', port: 40022 }, destination: { port: 22 }, event: { action: 'deny' } });
    objects[3].should.match({ observer: { vendor: 'Palo Alto Networks' }, destination: { port: 443 }, host: { hostname: 'fw-1' }, message: 'SSH brute force' });
    const [failures] = debugOf['lp-failed'];
    failures.should.have.length(1);
    failures[0].should.match({ raw: 'CEF:0|Broken Vendor|cut off here', index: 4, error: { message: /device product/ } });
    failures[0].error.at.should.be.a.Number();
  });

  it('keeps the formats\' own field names with fields "native", and names the format of each line', async function () {
    await click('lp-lines-native');
    await until(() => debugOf['lp-native']);
    const [objects] = debugOf['lp-native'];
    objects.map((o) => o.format).should.eql(['syslog', 'syslog', 'cef', 'cef']);
    objects[0].should.match({ rfc: 5424, hostname: 'web-1.example.com', appName: 'sshd', structuredData: { origin: { ip: '192.0.2.10' } } });
    objects[2].should.match({ deviceVendor: 'Fortinet', extensions: { src: '203.0.113.9', dpt: '22' } });
    nr.logs.filter((l) => /\[(error|warn)\] \[/.test(l)).should.eql([], 'errors or warnings of the nodes in the Node-RED log');
  });
});
