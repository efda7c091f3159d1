'use strict';
// The syslog-in node with raw clients on 127.0.0.1: framing per protocol,
// the output shapes, parsing, RELP acknowledged only once the batch holding
// a message has left, backpressure from a kill switch, the allow list and
// the limits, and settings that cannot work.
const net = require('net');
const should = require('should');
const { helper, nodeModule, serverPerTest, forgetHandovers } = require('../support/helper');
const { collector, nextCall } = require('../support/collect');
const { freePort, connect, tcpSend, sendUntilClosed, udpSend, octetFrame, RelpClient } = require('../support/syslog-wire');

const modules = ['syslog-in', 'micro-batch', 'batch-ack', 'kill-switch', 'kill-switch-config'].map(nodeModule);

const LINE_5424 = '<165>1 2003-10-11T22:14:15.003Z mymachine.example.com evntslog - ID47 [exampleSDID@32473 iut="3"] An application event';
const LINE_3164 = '<34>Oct 11 22:14:15 mymachine su: \'su root\' failed for lonvick on /dev/pts/8';

describe('syslog-in', function () {
  this.timeout(20000);
  serverPerTest('syslog-in-');
  afterEach(() => forgetHandovers(['batch']));

  /** syslog-in (`config`) → out; resolves once it listens. */
  async function listening(config, extra = []) {
    const port = config.port ?? (await freePort());
    await helper.load(modules, [
      { id: 'f1', type: 'tab' },
      { id: 'in', z: 'f1', type: 'syslog-in', protocol: 'tcp', host: '127.0.0.1', output: 'line', ...config, port, wires: [[config.to ?? 'out']] },
      { id: 'out', z: 'f1', type: 'helper' },
      ...extra,
    ]);
    const node = helper.getNode('in');
    const settled = ['syslog-in.status.listening', 'syslog-in.status.paused'];
    await nextCall(node, 'status', (s) => settled.includes(s.text) || s.fill === 'red');
    return { node, port, out: collector(helper.getNode('out')) };
  }

  it('reads LF-framed and octet-counted messages on one TCP connection (auto), parsed into ECS', async function () {
    const { port, out } = await listening({});
    await tcpSend(port, `${LINE_5424}\n${octetFrame(LINE_3164)}${LINE_5424}\r\n`);
    const messages = await out.until((ms) => ms.length >= 3);
    messages.should.have.length(3);
    messages[0].topic.should.equal('syslog');
    messages[0].payload.message.should.equal('An application event');
    messages[0].payload.host.hostname.should.equal('mymachine.example.com');
    messages[0].payload.log.source.address.should.match(/^127\.0\.0\.1:\d+$/);
    messages[1].payload.message.should.equal("'su root' failed for lonvick on /dev/pts/8");
    messages[0].source.should.containEql({ address: '127.0.0.1', protocol: 'tcp' });
    messages[0].source.port.should.be.above(0);
    should(messages[0]._ingest).be.an.Object();
  });

  it('sends the raw text when parsing is off, and a read as one array with output "lines"', async function () {
    const { port, out } = await listening({ parse: false, output: 'lines', framing: 'octet' });
    await tcpSend(port, [LINE_5424, 'two', 'three'].map(octetFrame).join(''));
    const lines = await out.untilLines(3);
    lines.should.eql([LINE_5424, 'two', 'three']);
    out.messages.every((m) => Array.isArray(m.payload)).should.be.true();
  });

  it('keeps a message that does not parse, with the reason, in its place', async function () {
    const { port, out } = await listening({ schema: 'native', framing: 'lf' });
    await tcpSend(port, 'not syslog at all\n');
    const [msg] = await out.until((ms) => ms.length >= 1);
    msg.payload.raw.should.equal('not syslog at all');
    msg.payload.error.message.should.be.a.String();
  });

  it('receives UDP datagrams, one message each', async function () {
    const { port, out } = await listening({ protocol: 'udp', parse: false });
    await udpSend(port, ['<13>one', '<13>two\n', '<13>three']);
    const lines = await out.untilLines(3);
    lines.should.eql(['<13>one', '<13>two', '<13>three']);
    out.messages[0].source.protocol.should.equal('udp');
  });

  it('acknowledges RELP messages only once the batch holding them is acknowledged downstream', async function () {
    const extra = [
      { id: 'batch', z: 'f1', type: 'micro-batch', interval: 60, maxSize: 3, maxBytes: 0, delivery: 'ack', outputs: 2, wires: [['out'], []] },
      { id: 'answer', z: 'f1', type: 'batch-ack', wires: [[]] },
    ];
    const { port, out } = await listening({ protocol: 'relp', parse: false, to: 'batch' }, extra);
    const client = await RelpClient.connect(port);
    const opened = await client.open();
    opened.data.should.startWith('200 OK');
    opened.data.should.match(/commands=syslog/);
    const txnrs = client.sendAll(['<13>one', '<13>two', '<13>three']);
    const [batch] = await out.until((ms) => ms.length >= 1);
    batch.payload.should.eql(['<13>one', '<13>two', '<13>three']);
    // Sent on, not yet acknowledged by the destination: the sender still holds them.
    client.acked.should.eql([]);
    helper.getNode('answer').receive(batch);
    await client.untilAcked(3);
    client.acked.should.eql(txnrs);
    client.close();
    await client.closed;
  });

  it('asks micro-batch to send early when a RELP sender waits for acknowledgements', async function () {
    // A batch of 10,000 or 60 s: without the early flush, two messages would wait a minute.
    const batchNode = { id: 'batch', z: 'f1', type: 'micro-batch', interval: 60, maxSize: 10000, maxBytes: 0, wires: [['out']] };
    const { port, out } = await listening({ protocol: 'relp', parse: false, to: 'batch' }, [batchNode]);
    const client = await RelpClient.connect(port);
    await client.open();
    client.send('<13>one');
    client.send('<13>two');
    await client.untilAcked(2);
    (await out.untilLines(2)).should.eql(['<13>one', '<13>two']);
  });

  it('does not read a TCP connection while its kill switch is engaged, and reads all of it on release', async function () {
    // "Nothing came" has no event: a twin without the switch gets the same data; once it has all of it, the paused node had every chance too.
    const stop = { id: 'stop', type: 'kill-switch-config', name: 'emergency', initial: 'engaged' };
    const twinPort = await freePort();
    const twin = [
      { id: 'twin', z: 'f1', type: 'syslog-in', protocol: 'tcp', host: '127.0.0.1', port: twinPort, parse: false, wires: [['twinOut']] },
      { id: 'twinOut', z: 'f1', type: 'helper' },
    ];
    const { node, port, out } = await listening({ parse: false, killSwitch: 'stop' }, [stop, ...twin]);
    await nextCall(node, 'status', (s) => s.text === 'syslog-in.status.paused');
    const twinOut = collector(helper.getNode('twinOut'));
    const lines = Array.from({ length: 2000 }, (_, i) => `<13>message ${i}`);
    const data = lines.join('\n') + '\n';
    const socket = await connect(port);
    await new Promise((resolve) => socket.write(data, resolve));
    await tcpSend(twinPort, data);
    await twinOut.untilLines(2000);
    out.messages.should.have.length(0);
    await helper.request().post('/kill-switch/stop').send({ action: 'release' }).expect(200);
    (await out.untilLines(2000)).should.eql(lines);
    socket.end();
  });

  it('drops and counts UDP datagrams while engaged', async function () {
    const stop = { id: 'stop', type: 'kill-switch-config', name: 'emergency', initial: 'engaged' };
    const { node, port, out } = await listening({ protocol: 'udp', parse: false, killSwitch: 'stop' }, [stop]);
    await nextCall(node, 'status', (s) => s.text === 'syslog-in.status.paused');
    await udpSend(port, ['<13>a', '<13>b', '<13>c']);
    const warning = await nextCall(node, 'warn', (w) => String(w).startsWith('syslog-in.warnings.udpDropped'));
    should(warning).be.ok();
    await helper.request().post('/kill-switch/stop').send({ action: 'release' }).expect(200);
    await udpSend(port, ['<13>after']);
    (await out.untilLines(1)).should.eql(['<13>after']);
  });

  it('refuses a sender outside the allowed ranges', async function () {
    const { node, port, out } = await listening({ allow: '10.0.0.0/8, fd00::/8', parse: false });
    await sendUntilClosed(port, '<13>hello\n');
    await nextCall(node, 'warn', (w) => String(w).startsWith('syslog-in.warnings.refused'));
    out.messages.should.have.length(0);
  });

  it('closes a connection with a bad octet count, and goes on serving others', async function () {
    const { node, port, out } = await listening({ framing: 'octet', parse: false });
    await sendUntilClosed(port, '99999999999999 x');
    await nextCall(node, 'warn', (w) => String(w).startsWith('syslog-in.warnings.closed'));
    await tcpSend(port, octetFrame('<13>fine'));
    (await out.untilLines(1)).should.eql(['<13>fine']);
  });

  it('cuts a message over the limit, with a warning', async function () {
    const { node, port, out } = await listening({ framing: 'lf', parse: false, maxMessageBytes: 100 });
    await tcpSend(port, `<13>${'x'.repeat(500)}\n<13>short\n`);
    const lines = await out.untilLines(2);
    lines[0].should.have.length(100);
    lines[1].should.equal('<13>short');
    await nextCall(node, 'warn', (w) => String(w).startsWith('syslog-in.warnings.cut'));
  });

  it('refuses connections over the limit', async function () {
    const { node, port } = await listening({ maxConnections: 2, parse: false });
    const open = [await connect(port), await connect(port)];
    const third = await connect(port);
    await new Promise((resolve) => third.on('close', resolve).on('error', () => undefined));
    await nextCall(node, 'warn', (w) => String(w).startsWith('syslog-in.warnings.tooManyConnections'));
    for (const socket of open) socket.destroy();
  });

  it('says so when the port is taken', async function () {
    const port = await freePort();
    const blocker = net.createServer();
    await new Promise((resolve) => blocker.listen(port, '127.0.0.1', resolve));
    try {
      const { node } = await listening({ port });
      const error = await nextCall(node, 'error', () => true);
      String(error).should.startWith('syslog-in.errors.portInUse');
    } finally {
      blocker.close();
    }
  });

  it('names a bad allow entry and does not listen', async function () {
    const { node } = await listening({ allow: '10.0.0.0/8, not-an-address' });
    const error = await nextCall(node, 'error', () => true);
    String(error).should.startWith('syslog-in.errors.badAllow');
  });

  it('needs a TLS configuration for protocol tls', async function () {
    const { node } = await listening({ protocol: 'tls' });
    const error = await nextCall(node, 'error', () => true);
    String(error).should.startWith('syslog-in.errors.noTls');
  });

  it('frees its port on close, so a redeploy can listen again', async function () {
    const { port } = await listening({ parse: false });
    await helper.unload();
    const again = await listening({ port, parse: false });
    await tcpSend(port, '<13>again\n');
    (await again.out.untilLines(1)).should.eql(['<13>again']);
  });
});
