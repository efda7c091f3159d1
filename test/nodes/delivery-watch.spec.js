'use strict';
// DeliveryReceipts (src/nodes/shared/delivery-watch) against a model of the
// runtime's routing: a message is routed when it is sent, and handed to its
// node on a later turn through the onReceive hooks, if that node still takes
// input then. The hook is there only while a stop is under way.
const { EventEmitter } = require('events');
const should = require('should');
const { DeliveryReceipts } = require('../../dist/nodes/shared/delivery-watch');
const { StopPlan } = require('../../dist/nodes/shared/stop-plan');

const turn = () => new Promise((resolve) => setImmediate(resolve));
/** The delivery turn, then the turn on which the receipt reports. */
const deliveryTurns = async () => {
  await turn();
  await turn();
};

/** Node-RED's hooks (one onReceive list) and routing, as Node.js and Flow.js do them. */
function runtime() {
  const hooks = new Map();
  const events = new EventEmitter();
  const stops = new StopPlan(events);
  stops.listen();
  const nodes = new Map();
  const runtimeHooks = {
    add: (name, hook) => hooks.set(name, hook),
    remove: (name) => hooks.delete(name),
  };
  const node = (id) => {
    const n = { id, got: [], _inputCallback: (msg) => n.got.push(msg) };
    nodes.set(id, n);
    return n;
  };
  const flow = { getNode: (id) => nodes.get(id) };
  const sender = {
    _flow: flow,
    send(msg) {
      const destination = flow.getNode('next');
      if (!destination) return;
      setImmediate(() => {
        for (const hook of hooks.values()) hook({ msg, destination: { id: 'next', node: destination } });
        if (destination._inputCallback) destination._inputCallback(msg);
      });
    },
  };
  const close = (n) => {
    n._inputCallback = null;
  };
  return {
    hooks,
    receipts: new DeliveryReceipts(runtimeHooks, stops),
    node,
    sender,
    close,
    stopping: () => events.emit('flows:stopping', { type: 'full' }),
    stopped: () => events.emit('flows:stopped', {}),
    started: () => events.emit('flows:started', {}),
  };
}

function sendOne(rt) {
  const report = { arrived: undefined };
  rt.receipts.send({ payload: [1] }, rt.sender, 'next', (arrived) => {
    if (report.arrived !== undefined) throw new Error('reported twice');
    report.arrived = arrived;
  });
  return report;
}

describe('delivery watch (DeliveryReceipts)', function () {
  it('adds no hook while no stop is under way, and reports a batch that reached a running node', async function () {
    const rt = runtime();
    rt.node('next');
    const report = sendOne(rt);
    rt.hooks.size.should.equal(0);
    await deliveryTurns();
    should(report.arrived).be.true();
    rt.hooks.size.should.equal(0);
  });

  it('reports "not received" for a batch sent to nothing, or to a node that had stopped', async function () {
    const rt = runtime();
    const nowhere = sendOne(rt);
    const next = rt.node('next');
    rt.close(next);
    const stopped = sendOne(rt);
    await deliveryTurns();
    should(nowhere.arrived).be.false();
    should(stopped.arrived).be.false();
  });

  it('watches deliveries from the start of a stop: a batch whose node stops before its turn was dropped', async function () {
    const rt = runtime();
    const next = rt.node('next');
    const report = sendOne(rt);
    rt.stopping();
    rt.hooks.size.should.equal(1);
    rt.close(next); // closed before the delivery turn: the runtime drops the batch
    await deliveryTurns();
    should(report.arrived).be.false();
    next.got.should.have.length(0);
  });

  it('counts a batch delivered before the stop began as received, though its node has stopped since', async function () {
    const rt = runtime();
    const next = rt.node('next');
    // A stop begins right after the delivery turn, before the turn that checks, and closes the node.
    next._inputCallback = (msg) => {
      next.got.push(msg);
      rt.stopping();
      rt.close(next);
    };
    const report = sendOne(rt);
    await deliveryTurns();
    next.got.should.have.length(1);
    should(report.arrived).be.true();
  });

  it('during a stop, reports what the hook saw; the hook goes once the flows run again and nothing is in flight', async function () {
    const rt = runtime();
    rt.stopping();
    const next = rt.node('next');
    const report = sendOne(rt);
    await deliveryTurns();
    should(report.arrived).be.true();
    next.got.should.have.length(1);
    const late = sendOne(rt);
    rt.stopped();
    rt.started();
    rt.hooks.size.should.equal(1); // a batch is still in flight
    await deliveryTurns();
    should(late.arrived).be.true();
    rt.hooks.size.should.equal(0);
  });

  it('removes the hook when the last node has closed', async function () {
    const rt = runtime();
    rt.node('next');
    rt.stopping();
    rt.hooks.size.should.equal(1);
    rt.receipts.close();
    rt.hooks.size.should.equal(0);
  });

  it('without the runtime\'s hooks, counts every batch as received at once', function () {
    const receipts = new DeliveryReceipts(undefined, new StopPlan(undefined));
    let arrived;
    const sent = [];
    receipts.send({ payload: [] }, { send: (msg) => sent.push(msg) }, 'next', (a) => (arrived = a));
    sent.should.have.length(1);
    should(arrived).be.true();
  });
});
