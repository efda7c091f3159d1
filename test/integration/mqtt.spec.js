'use strict';
// The example "Micro batch - ship batches to an MQTT broker", end to end: a real
// mosquitto (Debian's package, started here on 127.0.0.1 with its own config on a
// free port), a real Node-RED running the example flow as shipped, with only its
// log path moved to a temp folder and the broker given through the environment
// variables the example documents (MQTT_BROKER, MQTT_PORT, HOSTNAME), and an MQTT
// client subscribed to logs/#. Every line appended to the followed file must
// arrive exactly once, in file order, in JSON array batches on logs/<HOSTNAME>.
// The example delivers with acknowledgement (micro batch delivery "ack"; a
// Complete node on the mqtt out node, which fires on PUBACK, feeds batch-ack):
// when the broker is stopped for 10 s and started again, no line is lost, the
// lines written before and during the outage all arrive (a line may arrive
// twice; the number is reported). Without the variables, the example's
// defaults name localhost:1883.
//
// Which Node-RED and node: env NODE_RED_PATH and NODE_RED_NODE_BIN, as for
// demo.spec.js; the MQTT client is the `mqtt` package of that Node-RED's core
// nodes. Skipped, with the reason, when mosquitto is not installed, unless
// LOG_INGEST_MQTT=required (set by .ci/run), which fails instead.
// No sleeps: every wait is for a log line, an MQTT packet or a process exit;
// the one timer is the 10 s the broker stays away.
const fs = require('fs');
const os = require('os');
const path = require('path');
const { spawn } = require('child_process');
const should = require('should');
const { startNodeRed, connectComms, resolveNodeRedDir, nodeRedInfo, nodeVersion, getFreePort } = require('../support/node-red-process');
const { example } = require('../support/example-flow');
const { untilEvent } = require('../support/collect');

const MOSQUITTO = process.env.MOSQUITTO_BIN || '/usr/sbin/mosquitto';
const EXAMPLE = 'Micro batch - ship batches to an MQTT broker';
/** The folder the example writes and follows; the test moves it to a temp folder. */
const HOST = 'ingest-e2e-host';
const LINES = 3000;

const nodeRedDir = resolveNodeRedDir(process.env.NODE_RED_PATH);
const nodeBin = process.env.NODE_RED_NODE_BIN || process.execPath;

/** The `mqtt` package that the Node-RED under test uses for its MQTT nodes, else this checkout's. */
function loadMqtt() {
  try {
    const coreNodes = path.dirname(require.resolve('@node-red/nodes/package.json', { paths: [nodeRedDir] }));
    return require(require.resolve('mqtt', { paths: [coreNodes] }));
  } catch {
    return require('mqtt');
  }
}

/**
 * Starts mosquitto in the foreground on 127.0.0.1:`port` with a config file of
 * its own in `dir`. Resolves once it logs that it is running (after opening its
 * listener); rejects with its output if it exits first.
 */
function startMosquitto(dir, port) {
  const conf = path.join(dir, 'mosquitto.conf');
  // Persistence keeps the test subscriber's session (subscription and queued
  // messages) across a restart. Started as root, mosquitto runs as the user
  // "mosquitto", which must be able to write there.
  const data = path.join(dir, 'mosquitto-data');
  fs.mkdirSync(data, { recursive: true });
  fs.chmodSync(dir, 0o755);
  fs.chmodSync(data, 0o777);
  fs.writeFileSync(
    conf,
    [
      `listener ${port} 127.0.0.1`,
      'allow_anonymous true',
      'persistence true',
      `persistence_location ${data}/`,
      'log_dest stderr',
      'log_type error',
      'log_type warning',
      'log_type notice',
      'log_type information',
      '',
    ].join('\n'),
  );
  const child = spawn(MOSQUITTO, ['-c', conf], { stdio: ['ignore', 'pipe', 'pipe'] });
  const output = [];
  const exited = new Promise((resolve) => child.on('exit', (code, signal) => resolve({ code, signal })));
  const ready = new Promise((resolve, reject) => {
    const onData = (chunk) => {
      output.push(chunk.toString());
      if (/mosquitto version \S+ running/.test(output.join(''))) resolve();
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', onData);
    child.on('error', reject);
    exited.then(({ code, signal }) => reject(new Error(`mosquitto exited (code ${code}, signal ${signal}) before it was running:\n${output.join('')}`)));
  });
  return {
    ready,
    output,
    /** Freezes the broker (SIGSTOP): connections stay open, nothing is answered. */
    pause() {
      child.kill('SIGSTOP');
    },
    resume() {
      child.kill('SIGCONT');
    },
    async stop() {
      this.resume();
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
      await exited;
    },
  };
}

describe(`MQTT example with a real mosquitto and Node-RED ${nodeRedInfo(nodeRedDir).version} on Node ${nodeVersion(nodeBin)} (integration)`, function () {
  this.timeout(120_000); // safety net only

  let tmpDir;
  let brokerPort;
  let broker;
  let client;
  let nr;
  /** Every message received on logs/#: {topic, qos, lines}. */
  const received = [];
  const arrivals = new (require('events').EventEmitter)();

  before(async function () {
    if (!fs.existsSync(MOSQUITTO)) {
      const reason = `${MOSQUITTO} not found (CI installs it: apt-get install -y mosquitto)`;
      if (process.env.LOG_INGEST_MQTT === 'required') throw new Error(`MQTT tests required (LOG_INGEST_MQTT=required) but ${reason}`);
      console.log(`      skipped: ${reason}`);
      this.skip();
    }
    tmpDir = fs.mkdtempSync(path.join(os.tmpdir(), 'log-ingest-mqtt-'));
    const port = await getFreePort();
    brokerPort = port;
    broker = startMosquitto(tmpDir, port);
    await broker.ready;

    // Subscribed (SUBACK received) before Node-RED starts, so no batch is missed.
    const mqtt = loadMqtt();
    // A persistent session (clean: false, QoS 1): what is published while this
    // client is away, as during the broker restart below, waits for it.
    client = mqtt.connect(`mqtt://127.0.0.1:${port}`, { clientId: `log-ingest-e2e-${process.pid}`, clean: false, reconnectPeriod: 200 });
    client.on('message', (topic, payload, packet) => {
      received.push({ topic, qos: packet.qos, lines: JSON.parse(payload.toString()) });
      arrivals.emit('message');
    });
    await new Promise((resolve, reject) => {
      client.once('connect', resolve);
      client.once('error', reject);
    });
    client.on('error', () => {}); // refused reconnections while the broker restarts
    await new Promise((resolve, reject) => client.subscribe('logs/#', { qos: 1 }, (err, granted) => (err ? reject(err) : resolve(granted))));

    nr = await startNodeRed({
      flows: example(EXAMPLE, tmpDir),
      nodeBin,
      nodeRedDir,
      env: { MQTT_BROKER: '127.0.0.1', MQTT_PORT: String(port), HOSTNAME: HOST },
    });
  });

  after(async function () {
    if (nr) await nr.stop();
    if (client) await new Promise((resolve) => client.end(false, {}, resolve));
    if (broker) await broker.stop();
    if (tmpDir) fs.rmSync(tmpDir, { recursive: true, force: true });
  });

  /** Resolves once `predicate()` holds, checked now and at each MQTT message. */
  const until = (predicate) => untilEvent(arrivals, 'message', predicate);

  const allLines = () => received.flatMap((m) => m.lines);

  it('uses localhost:1883 when MQTT_BROKER and MQTT_PORT are not set', async function () {
    const dir = fs.mkdtempSync(path.join(tmpDir, 'defaults-'));
    const other = await startNodeRed({ flows: example(EXAMPLE, dir), nodeBin, nodeRedDir, env: { MQTT_BROKER: '', MQTT_PORT: '' } });
    try {
      // No broker is expected on that port: either outcome shows the address used.
      await other.waitForLog(/(Connected to|Connection failed to) broker: (\S+@)?mqtt:\/\/localhost:1883$/);
    } finally {
      await other.stop();
    }
  });

  it('connects to the broker named by MQTT_BROKER and MQTT_PORT', async function () {
    await nr.waitForLog(new RegExp(`Connected to broker: (\\S+@)?mqtt://127\\.0\\.0\\.1:${brokerPort}$`));
  });

  it(`publishes every line appended to the log exactly once, in order, in JSON batches on logs/${HOST} with QoS 1`, async function () {
    const logFile = path.join(tmpDir, 'app.log');
    // The example's own generator writes a line a second: its first batch shows
    // that the tail follows the file and the batches reach the broker.
    await until(() => received.length > 0);

    const marker = (i) => `e2e line ${String(i).padStart(5, '0')} of ${LINES} user=alice path=/api/orders status=200`;
    const expected = Array.from({ length: LINES }, (_, i) => marker(i + 1));
    // Appends in chunks of different sizes, each one write (atomic against the
    // generator's own appends), so batches are cut at many different places.
    for (let i = 0, size = 1; i < LINES; i += size, size = (size * 7) % 311 + 1) {
      fs.appendFileSync(logFile, expected.slice(i, i + size).map((l) => `${l}\n`).join(''));
    }
    // A last line after them: the batches are published in order, so once it
    // arrives any duplicate of an earlier line would have arrived too.
    const last = `e2e last line ${process.pid}`;
    fs.appendFileSync(logFile, `${last}\n`);
    await until(() => allLines().includes(last));

    const lines = allLines();
    lines.filter((l) => l.startsWith('e2e line ')).should.eql(expected, 'the appended lines, as received');
    lines.filter((l) => l === last).length.should.equal(1);

    // Nothing else is lost or repeated either: what arrived is a run of the
    // file's lines (the generator's included) with no gap, from where the tail began.
    const fileLines = fs.readFileSync(logFile, 'utf8').split('\n').slice(0, -1);
    const start = fileLines.indexOf(lines[0]);
    start.should.be.aboveOrEqual(0, 'the first line received is not in the file');
    fileLines.slice(start, start + lines.length).should.eql(lines, 'the lines received are not a run of the file');

    for (const m of received) {
      m.topic.should.equal(`logs/${HOST}`);
      m.qos.should.equal(1);
      m.lines.should.be.an.Array().and.not.be.empty();
      m.lines.forEach((l) => l.should.be.a.String());
    }
    received.length.should.be.above(1, 'the lines came in several batches');
    nr.logs.filter((l) => /\[(error|warn)\] \[/.test(l)).should.eql([], 'errors or warnings of the nodes in the Node-RED log');
  });

  it('loses no line when the broker is stopped for 10 s and started again (duplicates reported, allowed)', async function () {
    const logFile = path.join(tmpDir, 'app.log');
    const OUTAGE_MS = 10_000;
    const before = received.length;
    // Lines written just before the stop: their batches are on their way when
    // the broker goes, some published into a connection that is dropping.
    const early = Array.from({ length: 500 }, (_, i) => `pre-outage line ${String(i + 1).padStart(5, '0')} user=bob path=/api/cart status=200`);
    const late = Array.from({ length: 500 }, (_, i) => `outage line ${String(i + 1).padStart(5, '0')} user=carol path=/login status=401`);
    const engaged = nr.waitForLog(/broker away\] engaged .*MQTT broker disconnected/, { past: false });
    fs.appendFileSync(logFile, early.map((l) => `${l}\n`).join(''));
    const stoppedAt = Date.now();
    await broker.stop();
    await engaged;
    fs.appendFileSync(logFile, late.map((l) => `${l}\n`).join(''));

    // The outage itself lasts 10 s: a duration of the scenario, not a wait for an event.
    await new Promise((resolve) => setTimeout(resolve, Math.max(0, OUTAGE_MS - (Date.now() - stoppedAt))));
    const released = nr.waitForLog(/broker away\] released .*MQTT broker connected/, { past: false });
    broker = startMosquitto(tmpDir, brokerPort);
    await broker.ready;
    await released;
    const expected = [...early, ...late];
    await until(() => {
      const got = new Set(allLines());
      return expected.every((l) => got.has(l));
    });

    // None lost: every line of the file, from the first received to the last
    // written here, arrived at least once.
    const lines = allLines();
    const got = new Set(lines);
    const fileLines = fs.readFileSync(logFile, 'utf8').split('\n').slice(0, -1);
    const span = fileLines.slice(fileLines.indexOf(lines[0]), fileLines.indexOf(late[late.length - 1]) + 1);
    span.filter((l) => !got.has(l)).should.eql([], 'lines lost over the broker restart');
    const counts = new Map();
    for (const l of lines) counts.set(l, (counts.get(l) || 0) + 1);
    const repeated = [...counts.values()].filter((n) => n > 1);
    console.log(
      `      ${received.length - before} batches since the stop; ${repeated.length} lines arrived more than once ` +
        `(${repeated.reduce((k, n) => k + n - 1, 0)} extra copies), allowed with QoS 1 and acknowledged delivery`,
    );
  });

  it('publishes a batch again when the broker stops answering (no PUBACK within the 10 s ack timeout): no line lost', async function () {
    const logFile = path.join(tmpDir, 'app.log');
    const before = received.length;
    const lines = Array.from({ length: 300 }, (_, i) => `unanswered line ${String(i + 1).padStart(5, '0')} user=dave path=/logout status=200`);
    // A frozen broker keeps its connections open: the mqtt out node stays
    // "connected", publishes, and never hears back. Only the ack timeout notices.
    const timedOut = nr.waitForLog(/\[micro-batch:batch\] Batch \S+, attempt \d+, failed: no acknowledgement within 10/, { past: false });
    // The micro batch's status, as the editor sees it: "retry 2 in 1s", then
    // "1 in flight" once the batch is published again.
    const comms = await connectComms(nr.url, { topics: ['status/#'] });
    broker.pause();
    try {
      fs.appendFileSync(logFile, lines.map((l) => `${l}\n`).join(''));
      await timedOut;
      await comms.waitFor('status/mq-batch', (st) => /^retry \d+ in/.test(st.text || ''));
      await comms.waitFor('status/mq-batch', (st) => /in flight$/.test(st.text || ''));
    } finally {
      broker.resume();
      await comms.close();
    }
    // A line written now leaves after the batch sent again, which sits in the
    // broker's socket before it: once this one is here, both copies are too.
    const last = `unanswered last line ${process.pid}`;
    fs.appendFileSync(logFile, `${last}\n`);
    await until(() => allLines().includes(last));
    const got = new Set(allLines());
    lines.filter((l) => !got.has(l)).should.eql([], 'lines lost while the broker did not answer');
    const counts = new Map();
    for (const l of allLines().filter((x) => x.startsWith('unanswered line '))) counts.set(l, (counts.get(l) || 0) + 1);
    const repeated = [...counts.values()].filter((n) => n > 1);
    console.log(
      `      ${received.length - before} batches since the freeze; ${repeated.length} of ${lines.length} lines arrived twice ` +
        `(the first attempt, answered late, and the one sent again)`,
    );
    repeated.length.should.be.above(0, 'the batch that timed out was not published again');
  });
});
