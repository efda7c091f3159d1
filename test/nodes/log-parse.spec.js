'use strict';
// The log-parse node: strings and arrays of lines into objects; what becomes
// of lines that fail (second output, kept in place, dropped); msg.batch.ids
// kept aligned with each output's lines, as micro-batch's ack delivery needs.
const fs = require('fs');
const path = require('path');
const should = require('should');
const { helper, nodeModule, nodeModuleRenderingIn, serverPerTest, forgetHandovers } = require('../support/helper');
const { collector, nextCall } = require('../support/collect');

const logParse = nodeModule('log-parse');
const fileTail = nodeModule('file-tail');
const microBatch = nodeModule('micro-batch');
const batchAck = nodeModule('batch-ack');

describe('log-parse', function () {
  this.timeout(20000);
  const server = serverPerTest();

  /**
   * log-parse (json, native unless `config` says otherwise) → parsed, failed;
   * a catch node → caught; a complete node → done (unless `complete` is false:
   * it gets a deep copy of each message, which reads every property).
   */
  async function parseFlow(config = {}, mod = logParse, complete = true) {
    const completeNodes = [
      { id: 'completed', z: 'f1', type: 'complete', scope: ['parse'], uncaught: false, wires: [['done']] },
      { id: 'done', z: 'f1', type: 'helper' },
    ];
    await helper.load(mod, [
      { id: 'f1', type: 'tab' },
      { id: 'parse', z: 'f1', type: 'log-parse', format: 'json', schema: 'native', ...config, wires: [['parsed'], ['failed']] },
      { id: 'parsed', z: 'f1', type: 'helper' },
      { id: 'failed', z: 'f1', type: 'helper' },
      { id: 'catcher', z: 'f1', type: 'catch', scope: ['parse'], uncaught: false, wires: [['caught']] },
      { id: 'caught', z: 'f1', type: 'helper' },
      ...(complete ? completeNodes : []),
    ]);
    return {
      parse: helper.getNode('parse'),
      parsed: collector(helper.getNode('parsed')),
      failed: collector(helper.getNode('failed')),
      caught: collector(helper.getNode('caught')),
      done: complete ? collector(helper.getNode('done')) : undefined,
    };
  }

  /** msg.batch as micro-batch's ack delivery makes it: `ids` made when first read, counted in `reads`. */
  function ackBatch(ids) {
    const batch = { id: 'mb-1-1', attempt: 1, count: ids.length };
    Object.defineProperty(batch, 'reads', { enumerable: false, writable: true, value: 0 });
    Object.defineProperty(batch, 'ids', {
      configurable: true,
      enumerable: true,
      get() {
        batch.reads++;
        return ids.slice();
      },
    });
    return batch;
  }

  it('parses a string payload into an object on the first output, in the same message', async function () {
    const p = await parseFlow();
    p.parse.receive({ _msgid: 'm1', topic: '/var/log/app.log', payload: '{"level":"info","n":1}', file: { path: '/var/log/app.log', offset: 0 } });
    const [msg] = await p.parsed.until((m) => m.length >= 1);
    msg.payload.should.match({ level: 'info', n: 1 });
    msg.should.match({ _msgid: 'm1', topic: '/var/log/app.log', file: { path: '/var/log/app.log', offset: 0 } });
    await p.done.until((m) => m.length >= 1);
    p.failed.messages.should.have.length(0);
  });

  it('parses an array payload into an array of objects, in the same order', async function () {
    const p = await parseFlow();
    p.parse.receive({ payload: ['{"n":1}', '{"n":2}', '{"n":3}'], file: { path: 'a.log' } });
    const [msg] = await p.parsed.until((m) => m.length >= 1);
    msg.payload.map((o) => o.n).should.eql([1, 2, 3]);
    msg.file.should.eql({ path: 'a.log' });
  });

  it('reads and writes the configured property', async function () {
    const p = await parseFlow({ property: 'msg.log.line' });
    p.parse.receive({ payload: 'untouched', log: { line: '{"n":7}', host: 'h1' } });
    const [msg] = await p.parsed.until((m) => m.length >= 1);
    msg.payload.should.equal('untouched');
    msg.log.should.match({ line: { n: 7 }, host: 'h1' });
  });

  it('parses auto-detected syslog into ECS by default', async function () {
    const p = await parseFlow({ format: undefined, schema: undefined });
    const line = '<165>1 2003-10-11T22:14:15.003Z mymachine.example.com evntslog - ID47 - An application event log entry';
    p.parse.receive({ payload: line });
    const [msg] = await p.parsed.until((m) => m.length >= 1);
    msg.payload.should.match({ '@timestamp': '2003-10-11T22:14:15.003Z', event: { original: line }, log: { syslog: { hostname: 'mymachine.example.com' } } });
  });

  describe('on failure: second output (the default)', function () {
    it('a string that fails goes to the second output as { raw, error }', async function () {
      const p = await parseFlow();
      p.parse.receive({ payload: 'not json', file: { path: 'a.log' } });
      const [msg] = await p.failed.until((m) => m.length >= 1);
      msg.payload.raw.should.equal('not json');
      msg.payload.error.message.should.be.a.String();
      msg.payload.error.at.should.be.a.Number();
      msg.file.should.eql({ path: 'a.log' });
      await p.done.until((m) => m.length >= 1);
      p.parsed.messages.should.have.length(0);
    });

    it('an array: parsed lines on the first output in order, failures on the second with their index, ids split to match', async function () {
      const p = await parseFlow();
      const batch = ackBatch(['id-a', 'id-b', 'id-c', 'id-d']);
      p.parse.receive({ payload: ['{"n":1}', 'oops', '{"n":3}', 42], batch, file: { path: 'a.log' }, topic: 't' });
      const [good] = await p.parsed.until((m) => m.length >= 1);
      const [bad] = await p.failed.until((m) => m.length >= 1);
      good.payload.map((o) => o.n).should.eql([1, 3]);
      good.batch.should.match({ id: 'mb-1-1', attempt: 1, count: 2, ids: ['id-a', 'id-c'] });
      bad.payload.map((f) => [f.raw, f.index]).should.eql([['oops', 1], [42, 3]]);
      bad.payload[1].error.should.eql({ message: 'not text', at: 0 });
      bad.batch.should.match({ id: 'mb-1-1', attempt: 1, count: 2, ids: ['id-b', 'id-d'] });
      [good, bad].forEach((m) => m.should.match({ file: { path: 'a.log' }, topic: 't' }));
      await p.done.until((m) => m.length >= 1);
      p.done.messages.should.have.length(1);
    });

    it('does not read msg.batch.ids when every line parsed (micro-batch makes them on first read)', async function () {
      const p = await parseFlow({}, logParse, false);
      const batch = ackBatch(['id-a', 'id-b']);
      p.parse.receive({ payload: ['{"n":1}', '{"n":2}'], batch });
      const [good] = await p.parsed.until((m) => m.length >= 1);
      batch.reads.should.equal(0);
      good.payload.should.have.length(2);
    });

    it('keeps the batch answerable: with msg.batch, the first output gets its message even when no line parsed', async function () {
      const p = await parseFlow();
      p.parse.receive({ payload: ['x', 'y'], batch: ackBatch(['id-x', 'id-y']) });
      const [good] = await p.parsed.until((m) => m.length >= 1);
      good.payload.should.eql([]);
      good.batch.should.match({ id: 'mb-1-1', count: 0, ids: [] });
      const [bad] = await p.failed.until((m) => m.length >= 1);
      bad.batch.ids.should.eql(['id-x', 'id-y']);
    });

    it('without msg.batch, sends nothing on the first output when no line parsed', async function () {
      const p = await parseFlow();
      p.parse.receive({ payload: ['x', 'y'] });
      await p.failed.until((m) => m.length >= 1);
      await p.done.until((m) => m.length >= 1);
      p.parsed.messages.should.have.length(0);
    });
  });

  describe('on failure: keep', function () {
    it('keeps { raw, error } in the failed line\'s place on the first output; the second output stays unused', async function () {
      const p = await parseFlow({ onError: 'keep' }, logParse, false);
      const batch = ackBatch(['id-a', 'id-b']);
      p.parse.receive({ payload: ['{"n":1}', 'oops'], batch });
      p.parse.receive({ payload: 'oops again' });
      const [array, single] = await p.parsed.until((m) => m.length >= 2);
      array.payload[0].n.should.equal(1);
      array.payload[1].raw.should.equal('oops');
      array.payload[1].error.message.should.be.a.String();
      array.batch.should.equal(batch);
      batch.reads.should.equal(0);
      single.payload.raw.should.equal('oops again');
      p.failed.messages.should.have.length(0);
    });
  });

  describe('on failure: drop', function () {
    it('leaves failures out, cuts the ids to match, and counts them on the status', async function () {
      const p = await parseFlow({ onError: 'drop' });
      p.parse.receive({ payload: ['{"n":1}', 'oops', '{"n":3}'], batch: ackBatch(['a', 'b', 'c']) });
      p.parse.receive({ payload: 'oops' });
      p.parse.receive({ payload: '{"n":4}' });
      const [first, second] = await p.parsed.until((m) => m.length >= 2);
      first.payload.map((o) => o.n).should.eql([1, 3]);
      first.batch.ids.should.eql(['a', 'c']);
      second.payload.n.should.equal(4);
      await p.done.until((m) => m.length >= 3);
      await nextCall(p.parse, 'status', (s) => s.text === 'log-parse.status.both');
      p.failed.messages.should.have.length(0);
    });
  });

  describe('bad input and settings', function () {
    it('fails a message whose payload is neither a string nor an array, naming the cause, and goes on with the next', async function () {
      const p = await parseFlow();
      p.parse.receive({ payload: { not: 'a line' } });
      p.parse.receive({ payload: 12 });
      p.parse.receive({ payload: '{"n":1}' });
      const caught = await p.caught.until((m) => m.length >= 2);
      // Node-RED's msg.error.message is the Error's toString().
      caught.map((m) => m.error.message).should.eql(['Error: log-parse.errors.payload', 'Error: log-parse.errors.payload']);
      const [good] = await p.parsed.until((m) => m.length >= 1);
      good.payload.n.should.equal(1);
    });

    it('an unknown timezone: red status, an error naming it, and every message failed with the cause', async function () {
      const p = await parseFlow({ timezone: 'Mars/Olympus' });
      p.parse.status.should.be.calledWithMatch({ fill: 'red', shape: 'ring', text: 'log-parse.status.badSetting' });
      const errors = p.parse.error.getCalls().filter((c) => c.thisValue === p.parse).map((c) => c.args[0]);
      errors.should.eql(['log-parse.errors.timezone']);
      p.parse.receive({ payload: '{"n":1}' });
      const [caught] = await p.caught.until((m) => m.length >= 1);
      caught.error.message.should.equal('Error: log-parse.errors.timezone');
      p.parsed.messages.should.have.length(0);
    });

    it('the regex format without a pattern, or with one that does not compile: an error naming the cause', async function () {
      let p = await parseFlow({ format: 'regex', pattern: '' });
      p.parse.error.getCalls().filter((c) => c.thisValue === p.parse).map((c) => c.args[0]).should.eql(['log-parse.errors.noPattern']);
      await helper.unload();
      p = await parseFlow({ format: 'regex', pattern: '(?<a>x' });
      p.parse.error.getCalls().filter((c) => c.thisValue === p.parse).map((c) => c.args[0]).should.eql(['log-parse.errors.pattern']);
    });

    it('an unknown option gets its default, with a warning', async function () {
      const p = await parseFlow({ format: 'xml', onError: 'shout' });
      const warnings = p.parse.warn.getCalls().filter((c) => c.thisValue === p.parse).map((c) => c.args[0]);
      warnings.should.eql(['log-parse.warnings.badSetting', 'log-parse.warnings.badSetting']);
      p.parse.receive({ payload: '%%%' });
      const [bad] = await p.failed.until((m) => m.length >= 1);
      bad.payload.error.message.should.equal('no known format recognised');
    });
  });

  describe('status', function () {
    for (const lang of ['en-US', 'de']) {
      it(`says how many lines parsed and failed, in under 20 characters (${lang})`, async function () {
        const p = await parseFlow({}, await nodeModuleRenderingIn('log-parse', lang));
        const lines = Array.from({ length: 1234 }, (_, i) => (i % 500 === 7 ? 'bad' : `{"n":${i}}`));
        p.parse.receive({ payload: lines });
        const status = await nextCall(p.parse, 'status', (s) => /3/.test(s.text || ''));
        status.should.match({ fill: 'yellow', shape: 'dot' });
        status.text.should.match(/^1\.2k ok, 3 \S+$/);
        status.text.length.should.be.below(20);
      });
    }
  });

  describe('in micro-batch\'s ack delivery', function () {
    afterEach(() => forgetHandovers(['batch']));

    function flow(logFile) {
      return [
        { id: 'f1', type: 'tab' },
        { id: 'tail', z: 'f1', type: 'file-tail', path: logFile, startAt: 'beginning', output: 'lines', pollInterval: 0.1, wires: [['batch']] },
        { id: 'batch', z: 'f1', type: 'micro-batch', interval: 0, maxSize: 2, delivery: 'ack', outputs: 2, wires: [['parse'], []] },
        { id: 'parse', z: 'f1', type: 'log-parse', format: 'json', schema: 'native', wires: [['dest'], ['failed']] },
        { id: 'dest', z: 'f1', type: 'helper' },
        { id: 'failed', z: 'f1', type: 'helper' },
        { id: 'answer', z: 'f1', type: 'batch-ack', wires: [[]] },
        { id: 'completed', z: 'f1', type: 'complete', scope: ['batch'], uncaught: false, wires: [['done']] },
        { id: 'done', z: 'f1', type: 'helper' },
      ];
    }

    it('file-tail → micro-batch → log-parse → batch-ack: ids stay with their lines, and only acknowledged lines are committed', async function () {
      const logFile = path.join(server.dir, 'app.log');
      fs.writeFileSync(logFile, '{"n":1}\nbroken\n');
      const modules = [fileTail, microBatch, logParse, batchAck];
      await helper.load(modules, flow(logFile));
      let dest = collector(helper.getNode('dest'));
      const failed = collector(helper.getNode('failed'));
      const done = collector(helper.getNode('done'));
      const [first] = await dest.until((m) => m.length >= 1);
      const [firstFailed] = await failed.until((m) => m.length >= 1);
      first.payload.should.eql([{ n: 1 }]);
      firstFailed.payload.map((f) => f.raw).should.eql(['broken']);
      first.batch.ids.should.have.length(1);
      firstFailed.batch.ids.should.have.length(1);
      first.batch.ids[0].should.not.equal(firstFailed.batch.ids[0]);
      firstFailed.batch.id.should.equal(first.batch.id);

      fs.appendFileSync(logFile, '{"n":3}\n{"n":4}\n');
      const [, second] = await dest.until((m) => m.length >= 2);
      second.payload.should.eql([{ n: 3 }, { n: 4 }]);
      second.batch.ids.should.have.length(2);
      // Only the first batch is acknowledged, from the parsed output; the second is not answered before the stop.
      helper.getNode('answer').receive({ batch: first.batch });
      // micro-batch completes its input message once the acknowledgement is final.
      await done.until((m) => m.length >= 1);
      await helper.unload();

      await helper.load(modules, flow(logFile));
      dest = collector(helper.getNode('dest'));
      const [again] = await dest.until((m) => m.length >= 1);
      again.payload.should.eql([{ n: 3 }, { n: 4 }]);
      again.batch.ids.should.eql(second.batch.ids);
    });
  });
});
