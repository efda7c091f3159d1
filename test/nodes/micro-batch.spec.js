'use strict';
const should = require('should');
const { helper, nodeModule } = require('../support/helper');
const { collector, nextCall } = require('../support/collect');

const microBatch = nodeModule('micro-batch');

describe('micro-batch node', function () {
  beforeEach(() => helper.startServer());
  afterEach(async function () {
    await helper.unload();
    await helper.stopServer();
    helper.settings({});
  });

  /** micro-batch → out, and a complete node reporting each done() of the batch node. */
  let flow;
  async function batch(config) {
    flow = [
      { id: 'f1', type: 'tab' },
      { id: 'batch', z: 'f1', type: 'micro-batch', interval: 0, maxSize: 10000, maxBytes: 0, ...config, wires: [['out']] },
      { id: 'out', z: 'f1', type: 'helper' },
      { id: 'completed', z: 'f1', type: 'complete', scope: ['batch'], uncaught: false, wires: [['done']] },
      { id: 'done', z: 'f1', type: 'helper' },
    ];
    await helper.load(microBatch, flow);
    return {
      node: helper.getNode('batch'),
      out: collector(helper.getNode('out')),
      done: collector(helper.getNode('done')),
    };
  }

  it('sends a batch when maxSize records have arrived (reason "size")', async function () {
    const { node, out } = await batch({ maxSize: 3 });
    for (const payload of ['a', 'b', 'c', 'd']) node.receive({ payload, topic: 't' });
    const [msg] = await out.until((m) => m.length >= 1);
    msg.payload.should.eql(['a', 'b', 'c']);
    msg.topic.should.equal('t');
    msg.batch.should.match({ count: 3, bytes: 3, reason: 'size', seq: 1 });
    msg.batch.start.should.be.a.Number();
    msg.batch.end.should.be.aboveOrEqual(msg.batch.start);
  });

  it('counts an array payload as that many records, split across batches', async function () {
    const { node, out } = await batch({ maxSize: 10 });
    node.receive({ payload: Array.from({ length: 25 }, (_, i) => i) });
    const messages = await out.until((m) => m.length >= 2);
    messages.map((m) => m.payload.length).should.eql([10, 10]);
    await nextCall(node, 'status', (s) => s.fill === 'blue' && s.text === 'micro-batch.status.pending');
  });

  it('keeps arrays whole with keepArrays', async function () {
    const { node, out } = await batch({ maxSize: 2, keepArrays: true });
    node.receive({ payload: [1, 2, 3] });
    node.receive({ payload: [4] });
    const [msg] = await out.until((m) => m.length >= 1);
    msg.payload.should.eql([[1, 2, 3], [4]]);
  });

  it('sends when the interval has run from the first record (reason "interval")', async function () {
    const { node, out } = await batch({ interval: 0.05 });
    node.receive({ payload: 'x' });
    node.receive({ payload: 'y' });
    const [msg] = await out.until((m) => m.length >= 1);
    msg.payload.should.eql(['x', 'y']);
    msg.batch.reason.should.equal('interval');
  });

  it('sends when maxBytes would be passed (reason "bytes")', async function () {
    const { node, out } = await batch({ maxBytes: 10 });
    node.receive({ payload: '12345' });
    node.receive({ payload: '67890' });
    node.receive({ payload: 'next' });
    const [msg] = await out.until((m) => m.length >= 1);
    msg.payload.should.eql(['12345', '67890']);
    msg.batch.should.match({ reason: 'bytes', bytes: 10 });
  });

  it('flushes on msg.flush (reason "flush") without adding the flush message', async function () {
    const { node, out } = await batch({});
    node.receive({ payload: 'a', topic: 'one' });
    node.receive({ payload: 'b', topic: 'two' });
    node.receive({ flush: true, payload: 'not a record' });
    const [msg] = await out.until((m) => m.length >= 1);
    msg.payload.should.eql(['a', 'b']);
    msg.batch.reason.should.equal('flush');
    msg.should.not.have.property('topic'); // records did not share one
  });

  it('discards the pending batch on msg.reset, and calls done for what it dropped', async function () {
    const { node, out, done } = await batch({});
    node.receive({ payload: 'dropped' });
    node.receive({ reset: true });
    await done.until((m) => m.length >= 2);
    await nextCall(node, 'status', (s) => s.text === 'micro-batch.status.reset');
    node.receive({ payload: 'kept' });
    node.receive({ flush: true });
    const [msg] = await out.until((m) => m.length >= 1);
    msg.payload.should.eql(['kept']);
  });

  it('flushes the pending batch when it is redeployed (reason "close")', async function () {
    const { node, out } = await batch({});
    node.receive({ payload: 'pending' });
    await nextCall(node, 'status', (s) => s.fill === 'blue');
    // Redeploy of the modified node only: what follows it keeps running.
    const changed = flow.map((n) => (n.id === 'batch' ? { ...n, maxSize: 5 } : n));
    await helper.setFlows(changed, 'nodes');
    const [msg] = await out.until((m) => m.length >= 1);
    msg.payload.should.eql(['pending']);
    msg.batch.reason.should.equal('close');
  });

  it('calls done() for a message only once all its records have left', async function () {
    const { node, out, done } = await batch({ maxSize: 4 });
    node.receive({ payload: [1, 2, 3], _msgid: 'm1' });
    node.receive({ payload: [4, 5, 6], _msgid: 'm2' });
    await out.until((m) => m.length >= 1); // [1,2,3,4] left: m1 is done, m2 is not
    const firstDone = await done.until((m) => m.length >= 1);
    firstDone.map((m) => m._msgid).should.eql(['m1']);
    node.receive({ flush: true, _msgid: 'f' });
    const all = await done.until((m) => m.length >= 3);
    all.map((m) => m._msgid).sort().should.eql(['f', 'm1', 'm2']);
  });

  it('calls done() for one-record messages of one ticket as their own batch leaves', async function () {
    const { node, out, done } = await batch({ maxSize: 3 });
    const ticket = { source: 'nobody#1', seq: 1 }; // of no running source: settling it changes nothing
    for (let i = 1; i <= 5; i++) node.receive({ payload: i, _ingest: ticket, _msgid: `m${i}` });
    const [first] = await out.until((m) => m.length >= 1);
    first.payload.should.eql([1, 2, 3]);
    (await done.until((m) => m.length >= 3)).map((m) => m._msgid).should.eql(['m1', 'm2', 'm3']);
    await new Promise((resolve) => setTimeout(resolve, 50));
    done.messages.should.have.length(3); // m4 and m5 wait for their batch
    node.receive({ flush: true, _msgid: 'f' });
    const all = await done.until((m) => m.length >= 6);
    all.map((m) => m._msgid).sort().should.eql(['f', 'm1', 'm2', 'm3', 'm4', 'm5']);
  });

  it('shows the batches sent in its status', async function () {
    const { node } = await batch({ maxSize: 1 });
    node.receive({ payload: 1 });
    await nextCall(node, 'status', (s) => s.fill === 'green' && s.text === 'micro-batch.status.sent');
  });
});
