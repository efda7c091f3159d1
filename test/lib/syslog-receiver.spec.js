'use strict';
// The syslog receiver without Node-RED: tickets per connection, RELP
// acknowledgements in commit order, an abandoned RELP batch closing its
// connection (so the sender resends), credit stopping the reads, UDP drops
// counted exactly, and a stop that acknowledges what was delivered first.
const should = require('should');
const { DeliveryLedger } = require('../../dist/lib/delivery-ledger');
const { SyslogReceiver } = require('../../dist/lib/syslog/syslog-receiver');
const { SenderAllowList } = require('../../dist/lib/syslog/sender-allow-list');
const { settleTicket } = require('../../dist/lib/ingest-ticket');
const { freePort, connect, udpSend, RelpClient } = require('../support/syslog-wire');

describe('SyslogReceiver', function () {
  this.timeout(20000);
  let receiver;
  let ledger;

  afterEach(async function () {
    await receiver?.stop(0);
    receiver = undefined;
  });

  /** A receiver whose batches need `acks` acknowledgements each; `got` holds [batch, ticket] pairs. */
  async function start(options, { acks = 1, credit = Infinity } = {}) {
    ledger = new DeliveryLedger();
    const got = [];
    const problems = [];
    const states = [];
    const waiters = [];
    const notify = () => {
      for (const w of waiters.splice(0)) if (!w.pred()) waiters.push(w);
      else w.resolve();
    };
    receiver = new SyslogReceiver(
      {
        protocol: 'tcp', host: '127.0.0.1', port: await freePort(), framing: 'auto', maxMessageBytes: 65536, maxConnections: 100,
        idleTimeoutMs: 0, allow: SenderAllowList.parse(''), sourceId: 'syslog#1', ledger, ...options,
      },
      {
        emit: (batch, ticket) => {
          got.push([batch, ticket]);
          notify();
        },
        acksPerBatch: () => acks,
        creditLines: () => credit,
        problem: (p) => {
          problems.push(p);
          notify();
        },
        state: (s) => {
          states.push(s);
          notify();
        },
      },
    );
    await receiver.start();
    const until = (pred) => (pred() ? Promise.resolve() : new Promise((resolve) => waiters.push({ pred, resolve })));
    const messages = () => got.flatMap(([batch]) => batch.messages);
    return { got, problems, states, until, messages, port: receiver.address.port };
  }

  it('acknowledges RELP messages in order, once every earlier batch of the connection is delivered', async function () {
    const { got, until, port } = await start({ protocol: 'relp' });
    const client = await RelpClient.connect(port);
    await client.open();
    const first = client.sendAll(['<13>a', '<13>b']);
    await until(() => got.length >= 1);
    const second = client.sendAll(['<13>c']);
    await until(() => got.length >= 2);
    // The later batch is delivered first: nothing may be acknowledged yet.
    settleTicket(ledger, got[1][1], 'delivered');
    const settled = client.until(() => client.acked.length >= 3);
    settleTicket(ledger, got[0][1], 'delivered');
    await settled;
    client.acked.should.eql([...first, ...second]);
  });

  it('answers a RELP close only after the messages before it are acknowledged', async function () {
    const { got, until, port } = await start({ protocol: 'relp' });
    const client = await RelpClient.connect(port);
    await client.open();
    const txnrs = client.sendAll(['<13>a', '<13>b']);
    const closeTxnr = client.close();
    await until(() => got.length >= 1);
    settleTicket(ledger, got[0][1], 'delivered');
    await client.closed;
    client.acked.should.eql(txnrs);
    const order = client.replies.map((r) => r.txnr);
    order.indexOf(closeTxnr).should.be.above(order.indexOf(txnrs[1]));
  });

  it('closes a RELP connection whose batch was abandoned, with the server close hint, so the sender resends', async function () {
    const { got, until, port } = await start({ protocol: 'relp' });
    const client = await RelpClient.connect(port);
    await client.open();
    client.sendAll(['<13>a']);
    await until(() => got.length >= 1);
    settleTicket(ledger, got[0][1], 'abandoned');
    await client.closed;
    client.acked.should.eql([]);
    client.replies.map((r) => r.command).should.containEql('serverclose');
    receiver.inFlight.should.equal(0);
  });

  it('stops reading a connection once the credit is used up, and reads on as batches are delivered', async function () {
    const { got, states, until, messages, port } = await start({ framing: 'lf' }, { credit: 100 });
    const socket = await connect(port);
    const lines = Array.from({ length: 20000 }, (_, i) => `<13>message ${i}`);
    socket.write(lines.join('\n') + '\n');
    await until(() => states.includes('full'));
    // Every message handed on counts against the credit until delivered.
    const atFull = messages().length;
    let settledUpTo = 0;
    const settleAll = () => {
      for (; settledUpTo < got.length; settledUpTo++) settleTicket(ledger, got[settledUpTo][1], 'delivered');
    };
    settleAll();
    await until(() => {
      settleAll();
      return messages().length >= lines.length;
    });
    messages().should.eql(lines);
    atFull.should.be.below(lines.length);
    socket.destroy();
  });

  it('drops and counts UDP datagrams beyond the credit, exactly', async function () {
    const { problems, until, messages, port } = await start({ protocol: 'udp', framing: 'auto' }, { credit: 3 });
    await udpSend(port, Array.from({ length: 10 }, (_, i) => `<13>d${i}`));
    await until(() => messages().length + problems.filter((p) => p.kind === 'udp-dropped').length >= 10);
    messages().should.eql(['<13>d0', '<13>d1', '<13>d2']);
    receiver.senders.totals.dropped.should.equal(7);
  });

  it('on stop, acknowledges what is delivered within the settle time, then closes RELP connections', async function () {
    const { got, until, port } = await start({ protocol: 'relp' });
    const client = await RelpClient.connect(port);
    await client.open();
    const txnrs = client.sendAll(['<13>a', '<13>b']);
    await until(() => got.length >= 1);
    // The batcher delivers it while the receiver stops (asked through the ledger's flush request).
    ledger.onFlushRequest(() => settleTicket(ledger, got[0][1], 'delivered'));
    const stopped = receiver.stop(5000);
    await client.closed;
    await stopped;
    receiver = undefined;
    client.acked.should.eql(txnrs);
  });

  it('frees its port when stopped while it is still starting (a quick redeploy)', async function () {
    const port = await freePort();
    for (const protocol of ['tcp', 'udp']) {
      const options = {
        protocol, host: '127.0.0.1', port, framing: 'auto', maxMessageBytes: 1024, maxConnections: 10, idleTimeoutMs: 0,
        allow: SenderAllowList.parse(''), sourceId: `quick#${protocol}`, ledger: new DeliveryLedger(),
      };
      const events = { emit() {}, acksPerBatch: () => 0, creditLines: () => Infinity, problem() {}, state() {} };
      const first = new SyslogReceiver(options, events);
      const started = first.start();
      await first.stop(0);
      await started;
      const second = new SyslogReceiver(options, events);
      await second.start();
      await second.stop(0);
    }
  });

  it('refuses a sender outside the allow list before reading anything', async function () {
    const { problems, until, got, port } = await start({ allow: SenderAllowList.parse('10.0.0.0/8') });
    const socket = await connect(port);
    socket.on('error', () => undefined);
    socket.write('<13>hello\n');
    await new Promise((resolve) => socket.on('close', resolve));
    await until(() => problems.some((p) => p.kind === 'refused'));
    got.should.have.length(0);
    receiver.senders.totals.refused.should.equal(1);
  });
});
