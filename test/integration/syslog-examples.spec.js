'use strict';
// The two syslog in examples as shipped, in a real Node-RED, with real
// clients: rsyslog's omrelp sending to "Syslog in - receive from rsyslog over
// RELP" (every message written to its NDJSON file once, in order, as an ECS
// object), and util-linux logger plus the flow's own button sending to
// "Syslog in - UDP and TCP from devices". Only the ports (free ones instead of
// 2514 and 5514, which may be taken) and the folder the RELP example writes to
// are changed. Skipped without rsyslog, rsyslog-relp or logger unless
// LOG_INGEST_SYSLOG=required.
const fs = require('fs');
const os = require('os');
const path = require('path');
const { EventEmitter } = require('events');
const should = require('should');
const { startNodeRed, getFreePort, integrationTarget, skipUnlessRunnable, connectComms, decodeDebug } = require('../support/node-red-process');
const { untilEvent } = require('../support/collect');
const { example } = require('../support/example-flow');
const { FORWARDER_APP, availableClients, sequenceNumber, startRsyslogForwarder, loggerSend } = require('../support/syslog-clients');

const target = integrationTarget();
const { nodeRedDir, nodeBin, nr: nodeRed, nodeVer } = target;

/** The example `name` with every port `from` (syslog in, udp out, tcp request) moved to `to`. */
function onPort(flow, from, to) {
  for (const node of flow) if (node.port !== undefined && String(node.port) === String(from)) node.port = typeof node.port === 'number' ? to : String(to);
  return flow;
}

describe(`the syslog in examples with real clients in a real Node-RED ${nodeRed.version} on Node ${nodeVer} (integration)`, function () {
  this.timeout(120_000); // safety net only
  let base;

  before(function () {
    skipUnlessRunnable(this, target);
    const why = availableClients().missing(['rsyslog', 'relp', 'logger']);
    if (why) {
      if (process.env.LOG_INGEST_SYSLOG === 'required') throw new Error(`syslog tests required (LOG_INGEST_SYSLOG=required) but ${why}`);
      this.skip();
    }
    base = fs.mkdtempSync(path.join(os.tmpdir(), 'log-ingest-syslog-examples-'));
  });

  after(function () {
    if (base) fs.rmSync(base, { recursive: true, force: true });
  });

  it('"receive from rsyslog over RELP" writes each message rsyslog sends once, in order, as an ECS object', async function () {
    const demo = path.join(base, 'relp-demo');
    const port = await getFreePort();
    const flow = onPort(example('Syslog in - receive from rsyslog over RELP', demo), 2514, port);
    const nr = await startNodeRed({ flows: flow, userDir: path.join(base, 'relp-user'), nodeRedDir, nodeBin });
    let forwarder;
    try {
      forwarder = await startRsyslogForwarder({ dir: path.join(base, 'relp-fwd'), target: { protocol: 'relp', port } });
      const COUNT = 500;
      forwarder.sendSequence(1, COUNT);
      const file = path.join(demo, 'syslog', 'messages.ndjson');
      const read = () => (fs.existsSync(file) ? fs.readFileSync(file, 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l)) : []);
      const progress = new EventEmitter();
      const timer = setInterval(() => progress.emit('tick'), 100); // a file has no event to await here
      try {
        await untilEvent(progress, 'tick', () => read().length >= COUNT);
      } finally {
        clearInterval(timer);
      }
      const records = read();
      records.map((r) => sequenceNumber(r.message)).should.eql(Array.from({ length: COUNT }, (_, i) => i + 1));
      records[0].log.syslog.appname.should.equal(FORWARDER_APP);
      records[0].log.source.address.should.match(/^127\.0\.0\.1:\d+$/);
      should(records[0]['@timestamp']).be.a.String();
    } finally {
      if (forwarder) await forwarder.stop();
      await nr.stop();
    }
  });

  it('"UDP and TCP from devices" batches what logger sends over UDP and TCP, and its own test message', async function () {
    const port = await getFreePort();
    const flow = onPort(example('Syslog in - UDP and TCP from devices'), 5514, port);
    flow.filter((n) => n.type === 'syslog-in').length.should.equal(2);
    const nr = await startNodeRed({ flows: flow, userDir: path.join(base, 'devices-user'), nodeRedDir, nodeBin });
    const comms = await connectComms(nr.url, { topics: ['debug'] });
    try {
      const messages = [];
      const progress = new EventEmitter();
      comms.on('debug', (data) => {
        if (data.id !== 'sd-debug') return;
        const msg = decodeDebug(data);
        messages.push(...(Array.isArray(msg.payload) ? msg.payload : [msg.payload]));
        progress.emit('debug');
      });
      await loggerSend({ port, transport: 'udp', format: 'rfc5424', messages: ['over udp'], tag: 'device-a' });
      await loggerSend({ port, transport: 'tcp', format: 'rfc3164', octetCount: true, messages: ['over tcp'], tag: 'device-b' });
      const click = await fetch(`${nr.url}inject/sd-send`, { method: 'POST' });
      click.status.should.equal(200);
      // micro batch sends every 5 s: awaited, not slept.
      await untilEvent(progress, 'debug', () => messages.filter((m) => m && m.message).length >= 4);
      const texts = messages.map((m) => m.message);
      texts.should.containEql('over udp');
      texts.should.containEql('over tcp');
      messages.find((m) => m.message === 'over udp').log.syslog.appname.should.equal('device-a');
      messages.find((m) => m.message === 'over tcp').process.name.should.equal('device-b');
      // The button sends one message over each protocol.
      messages.filter((m) => m.message !== 'over udp' && m.message !== 'over tcp').length.should.equal(2);
    } finally {
      await comms.close().catch(() => {});
      await nr.stop();
    }
  });
});

