'use strict';
// micro-batch in ack delivery with batch-ack nodes: a batch counts as
// delivered only once acknowledged; failures and timeouts send it again,
// whole and under the same id; the checkpoint never passes an unanswered line.
const fs = require('fs');
const path = require('path');
const should = require('should');
const { helper, nodeModule, serverPerTest, forgetHandovers } = require('../support/helper');
const { collector, nextCall } = require('../support/collect');

const fileTail = nodeModule('file-tail');
const dirWatch = nodeModule('dir-watch');
const microBatch = nodeModule('micro-batch');
const batchAck = nodeModule('batch-ack');

describe('micro-batch ack delivery and batch-ack', function () {
  this.timeout(20000);
  const server = serverPerTest();
  // Records no source can read again go to the node's next instance: not the next test's.
  afterEach(() => forgetHandovers(['batch']));

  /**
   * inject → micro-batch (ack) → dest (a helper standing for the destination);
   * `answer` (a batch-ack) → acked; the input messages' done() reported by a complete node.
   */
  async function pipeline(batchConfig = {}, ackConfig = {}) {
    await helper.load([microBatch, batchAck], [
      { id: 'f1', type: 'tab' },
      { id: 'batch', z: 'f1', type: 'micro-batch', interval: 0, maxSize: 2, delivery: 'ack', outputs: 2, ...batchConfig, wires: [['dest'], ['gaveUp']] },
      { id: 'dest', z: 'f1', type: 'helper' },
      { id: 'gaveUp', z: 'f1', type: 'helper' },
      { id: 'answer', z: 'f1', type: 'batch-ack', ...ackConfig, wires: [['acked']] },
      { id: 'acked', z: 'f1', type: 'helper' },
      { id: 'completed', z: 'f1', type: 'complete', scope: ['batch'], uncaught: false, wires: [['done']] },
      { id: 'done', z: 'f1', type: 'helper' },
    ]);
    return {
      batch: helper.getNode('batch'),
      answer: helper.getNode('answer'),
      dest: collector(helper.getNode('dest')),
      gaveUp: collector(helper.getNode('gaveUp')),
      acked: collector(helper.getNode('acked')),
      done: collector(helper.getNode('done')),
    };
  }

  it('sends a batch with an id and attempt 1, and completes its messages only once acknowledged', async function () {
    const p = await pipeline();
    p.batch.receive({ payload: 'a' });
    p.batch.receive({ payload: 'b' });
    const [sent] = await p.dest.until((m) => m.length >= 1);
    sent.payload.should.eql(['a', 'b']);
    sent.batch.id.should.be.a.String();
    sent.batch.attempt.should.equal(1);
    should(sent.batch.ids).be.undefined(); // not from a file
    p.done.messages.should.have.length(0);
    p.answer.receive({ payload: 'ok', batch: sent.batch });
    const [answered] = await p.acked.until((m) => m.length >= 1);
    answered.batch.acked.should.be.true();
    await p.done.until((m) => m.length >= 2);
  });

  it('sends a failed batch again, whole, with the same id and the next attempt', async function () {
    const p = await pipeline();
    p.batch.receive({ payload: ['a', 'b'] });
    const [first] = await p.dest.until((m) => m.length >= 1);
    p.answer.receive({ batch: first.batch, error: { message: 'boom' } });
    const [answered] = await p.acked.until((m) => m.length >= 1);
    answered.batch.acked.should.be.false();
    await nextCall(p.batch, 'status', (s) => /retry/.test(s.text));
    const [, second] = await p.dest.until((m) => m.length >= 2);
    second.payload.should.eql(['a', 'b']);
    second.batch.id.should.equal(first.batch.id);
    second.batch.attempt.should.equal(2);
    p.done.messages.should.have.length(0);
    p.answer.receive({ batch: second.batch });
    await p.done.until((m) => m.length >= 1);
  });

  it('counts a batch unanswered within ackTimeout as failed, and sends it again', async function () {
    const p = await pipeline({ ackTimeout: 0.1 });
    p.batch.receive({ payload: ['a', 'b'] });
    const [, second] = await p.dest.until((m) => m.length >= 2);
    second.batch.attempt.should.equal(2);
    const warning = await nextCall(p.batch, 'warn', (w) => /micro-batch.warnings.failed/.test(w));
    warning.should.be.a.String();
  });

  it('gives a batch up after `retries` failed attempts: it leaves on the second output and counts as delivered', async function () {
    const p = await pipeline({ retries: 1 });
    p.batch.receive({ payload: ['a', 'b'] });
    const [first] = await p.dest.until((m) => m.length >= 1);
    p.answer.receive({ batch: first.batch, error: 'refused' });
    const [given] = await p.gaveUp.until((m) => m.length >= 1);
    given.payload.should.eql(['a', 'b']);
    given.batch.should.match({ id: first.batch.id, attempt: 1, givenUp: true, error: 'refused' });
    await p.done.until((m) => m.length >= 1);
    p.dest.messages.should.have.length(1);
  });

  it('keeps at most maxInFlight batches unanswered: the next waits for an answer', async function () {
    const p = await pipeline({ maxInFlight: 1 });
    p.batch.receive({ payload: ['a', 'b', 'c', 'd'] });
    const [first] = await p.dest.until((m) => m.length >= 1);
    await nextCall(p.batch, 'status', (s) => /inFlight/.test(s.text));
    p.dest.messages.should.have.length(1);
    p.answer.receive({ batch: first.batch });
    const [, second] = await p.dest.until((m) => m.length >= 2);
    second.payload.should.eql(['c', 'd']);
  });

  it('http-2xx: a 503 and a refused connection fail, a 200 acknowledges', async function () {
    const p = await pipeline({}, { success: 'http-2xx' });
    p.batch.receive({ payload: ['a', 'b'] });
    const [first] = await p.dest.until((m) => m.length >= 1);
    p.answer.receive({ batch: first.batch, statusCode: 503 });
    p.answer.receive({ batch: first.batch, statusCode: 'ECONNREFUSED' });
    const [, second] = await p.dest.until((m) => m.length >= 2);
    p.answer.receive({ batch: second.batch, statusCode: 200 });
    const answered = await p.acked.until((m) => m.length >= 3);
    answered.map((m) => m.batch.acked).should.eql([false, false, true]);
    await p.done.until((m) => m.length >= 1);
  });

  it('a failure right after a success for the same batch still counts (the write file node signals success first)', async function () {
    const p = await pipeline();
    p.batch.receive({ payload: ['a', 'b'] });
    const [first] = await p.dest.until((m) => m.length >= 1);
    p.answer.receive({ batch: first.batch });
    p.answer.receive({ batch: first.batch, error: { message: 'EISDIR' } });
    const [, second] = await p.dest.until((m) => m.length >= 2);
    second.batch.attempt.should.equal(2);
  });

  it('passes on a message without msg.batch.id, or with an unknown one, with one warning per cause', async function () {
    const p = await pipeline();
    p.answer.receive({ payload: 1 });
    p.answer.receive({ payload: 2 });
    p.answer.receive({ payload: 3, batch: { id: 'nobody-0-1' } });
    p.answer.receive({ payload: 4, batch: { id: 'nobody-0-2' } });
    const passed = await p.acked.until((m) => m.length >= 4);
    passed.map((m) => m.payload).should.eql([1, 2, 3, 4]);
    should(passed[2].batch.acked).be.undefined();
    const warnings = p.answer.warn.getCalls().filter((c) => c.thisValue === p.answer).map((c) => c.args[0]);
    warnings.should.eql(['batch-ack.warnings.noBatchId', 'batch-ack.warnings.unknownBatch']);
  });

  it('warns at deploy when no batch-ack node is deployed, and replaces bad settings by their defaults', async function () {
    await helper.load([microBatch, batchAck], [
      { id: 'batch', type: 'micro-batch', delivery: 'ack', ackTimeout: 0, maxInFlight: 0, retries: -1, wires: [['dest'], []] },
      { id: 'dest', type: 'helper' },
    ]);
    const node = helper.getNode('batch');
    const warnings = node.warn.getCalls().filter((c) => c.thisValue === node).map((c) => c.args[0]);
    warnings.should.containEql('micro-batch.warnings.noBatchAck');
    warnings.filter((w) => w === 'micro-batch.warnings.badSetting').should.have.length(3);
  });

  describe('with file-tail', function () {
    function flow(logFile) {
      return [
        { id: 'f1', type: 'tab' },
        { id: 'tail', z: 'f1', type: 'file-tail', path: logFile, startAt: 'beginning', output: 'lines', pollInterval: 0.1, wires: [['batch']] },
        { id: 'batch', z: 'f1', type: 'micro-batch', interval: 0, maxSize: 2, delivery: 'ack', outputs: 2, wires: [['dest'], []] },
        { id: 'dest', z: 'f1', type: 'helper' },
        { id: 'answer', z: 'f1', type: 'batch-ack', wires: [[]] },
        { id: 'completed', z: 'f1', type: 'complete', scope: ['batch'], uncaught: false, wires: [['done']] },
        { id: 'done', z: 'f1', type: 'helper' },
      ];
    }

    it('gives each line a stable id, and commits only acknowledged lines: a restart sends the rest again, same ids', async function () {
      const logFile = path.join(server.dir, 'app.log');
      fs.writeFileSync(logFile, 'a\nb\n');
      await helper.load([fileTail, microBatch, batchAck], flow(logFile));
      let dest = collector(helper.getNode('dest'));
      const done = collector(helper.getNode('done'));
      const [first] = await dest.until((m) => m.length >= 1);
      fs.appendFileSync(logFile, 'c\nd\n');
      const [, second] = await dest.until((m) => m.length >= 2);
      first.payload.should.eql(['a', 'b']);
      second.payload.should.eql(['c', 'd']);
      first.batch.ids.should.have.length(2);
      new Set([...first.batch.ids, ...second.batch.ids]).size.should.equal(4);
      // Only the first batch is acknowledged before the stop: its message completes.
      helper.getNode('answer').receive({ batch: first.batch });
      await done.until((m) => m.length >= 1);
      await helper.unload();
      await helper.load([fileTail, microBatch, batchAck], flow(logFile));
      dest = collector(helper.getNode('dest'));
      const [again] = await dest.until((m) => m.length >= 1);
      again.payload.should.eql(['c', 'd']);
      again.batch.ids.should.eql(second.batch.ids);
    });
  });

  it('dir-watch: one message per line into ack mode gets ids from each line\'s offset, the same after a failure', async function () {
    const root = path.join(server.dir, 'logs');
    fs.mkdirSync(root);
    fs.writeFileSync(path.join(root, 'a.log'), 'one\ntwo\n');
    await helper.load([dirWatch, microBatch, batchAck], [
      { id: 'watch', type: 'dir-watch', path: root, pattern: '*.log', startAt: 'beginning', output: 'line', pollInterval: 0.1, wires: [['batch'], []] },
      { id: 'batch', type: 'micro-batch', interval: 0, maxSize: 2, delivery: 'ack', outputs: 2, wires: [['dest'], []] },
      { id: 'dest', type: 'helper' },
      { id: 'answer', type: 'batch-ack', wires: [[]] },
    ]);
    const dest = collector(helper.getNode('dest'));
    const [first] = await dest.until((m) => m.length >= 1);
    first.payload.should.eql(['one', 'two']);
    first.batch.ids.should.have.length(2);
    first.batch.ids[0].should.not.equal(first.batch.ids[1]);
    helper.getNode('answer').receive({ batch: first.batch, error: 'down' });
    const [, again] = await dest.until((m) => m.length >= 2);
    again.batch.ids.should.eql(first.batch.ids);
  });
});
