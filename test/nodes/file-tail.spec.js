'use strict';
const fs = require('fs');
const path = require('path');
const should = require('should');
const { helper, nodeModule, nodeModuleRenderingIn, serverPerTest } = require('../support/helper');
const { collector, nextCall } = require('../support/collect');

const fileTail = nodeModule('file-tail');
const microBatch = nodeModule('micro-batch');

describe('file-tail node', function () {
  let dir;
  let logFile;

  const server = serverPerTest();

  beforeEach(function () {
    dir = server.dir;
    logFile = path.join(dir, 'app.log');
  });

  async function tail(config, extraNodes = [], wires = [['out']]) {
    await helper.load([fileTail, microBatch], [
      { id: 'tail', type: 'file-tail', path: logFile, idleFlush: 0, pollInterval: 0.1, ...config, wires },
      { id: 'out', type: 'helper' },
      ...extraNodes,
    ]);
    return { node: helper.getNode('tail'), out: collector(helper.getNode('out')) };
  }

  function append(text, file = logFile) {
    fs.appendFileSync(file, text);
  }

  it('is registered with its defaults', async function () {
    fs.writeFileSync(logFile, '');
    const { node } = await tail({});
    node.should.have.property('type', 'file-tail');
    await nextCall(node, 'status', (s) => s.fill === 'green');
  });

  for (const [lng, one, two] of [
    ['en-US', '1 line', '2 lines'],
    ['de', '1 Zeile', '2 Zeilen'],
  ]) {
    it(`shows "${one}" after one line, "${two}" after two, rendered by Node-RED's i18next (${lng})`, async function () {
      fs.writeFileSync(logFile, '');
      await helper.load(await nodeModuleRenderingIn('file-tail', lng), [
        { id: 'tail', type: 'file-tail', path: logFile, idleFlush: 0, pollInterval: 0.1, wires: [[]] },
      ]);
      const node = helper.getNode('tail');
      await nextCall(node, 'status', (s) => s.fill === 'green');
      append('one\n');
      await nextCall(node, 'status', (s) => s.text === one);
      append('two\n');
      await nextCall(node, 'status', (s) => s.text === two);
    });
  }

  it('emits each line in order, as one message per line, with msg.topic and msg.file', async function () {
    fs.writeFileSync(logFile, 'before start\n');
    const { node, out } = await tail({ startAt: 'end' });
    await nextCall(node, 'status', (s) => s.text === 'file-tail.status.following');
    append('one\ntwo\r\nthree\n');
    const messages = await out.until((m) => m.length >= 3);
    messages.map((m) => m.payload).should.eql(['one', 'two', 'three']);
    messages[0].topic.should.equal(logFile);
    messages[0].file.should.match({ path: logFile, offset: 13, end: 17, lines: 1 });
    messages[1].file.should.match({ offset: 17, end: 22 });
    messages[2].file.should.match({ offset: 22, end: 28 });
  });

  it('gives every message an id of its own, 16 hex digits as Node-RED\'s', async function () {
    fs.writeFileSync(logFile, Array.from({ length: 300 }, (_, i) => `line ${i}`).join('\n') + '\n');
    const { out } = await tail({ startAt: 'beginning' });
    const messages = await out.until((m) => m.length >= 300);
    for (const m of messages) m._msgid.should.match(/^[0-9a-f]{16}$/);
    new Set(messages.map((m) => m._msgid)).size.should.equal(300);
  });

  it('reads the whole file first with startAt "beginning"', async function () {
    fs.writeFileSync(logFile, 'a\nb\n');
    const { out } = await tail({ startAt: 'beginning' });
    (await out.untilLines(2)).should.eql(['a', 'b']);
  });

  it('sends arrays of lines with output "lines"', async function () {
    fs.writeFileSync(logFile, Array.from({ length: 1000 }, (_, i) => `line ${i}`).join('\n') + '\n');
    const { out } = await tail({ startAt: 'beginning', output: 'lines' });
    const lines = await out.untilLines(1000);
    lines.should.eql(Array.from({ length: 1000 }, (_, i) => `line ${i}`));
    out.messages.length.should.be.below(1000);
    out.messages[0].payload.should.be.an.Array();
    out.messages[0].file.should.match({ path: logFile, offset: 0 });
    out.messages[out.messages.length - 1].file.end.should.equal(fs.statSync(logFile).size);
  });

  it('holds a half-written line until its delimiter arrives', async function () {
    fs.writeFileSync(logFile, '');
    const { out } = await tail({ startAt: 'beginning' });
    append('first\npar');
    await out.untilLines(1);
    append('tial\nnext\n');
    (await out.untilLines(3)).should.eql(['first', 'partial', 'next']);
  });

  it('emits a last line without delimiter once the file is idle (idleFlush)', async function () {
    fs.writeFileSync(logFile, '');
    const { out } = await tail({ startAt: 'beginning', idleFlush: 0.2 });
    append('complete\nno newline yet');
    (await out.untilLines(2)).should.eql(['complete', 'no newline yet']);
    append('\nafter\n');
    // The rest of the flushed line is an empty line; nothing is repeated.
    (await out.untilLines(4)).should.eql(['complete', 'no newline yet', '', 'after']);
  });

  it('reads from the start again after the file is truncated', async function () {
    fs.writeFileSync(logFile, '');
    const { node, out } = await tail({ startAt: 'beginning' });
    append('a long first line\nanother line\n');
    await out.untilLines(2);
    fs.truncateSync(logFile, 0);
    append('after truncation\n');
    (await out.untilLines(3)).should.eql(['a long first line', 'another line', 'after truncation']);
    await nextCall(node, 'warn', (w) => String(w).includes('file-tail.warnings.truncated'));
  });

  it('follows rename rotation: the old file is read to its end, then the new one from 0', async function () {
    fs.writeFileSync(logFile, '');
    const { out } = await tail({ startAt: 'beginning' });
    const expected = [];
    for (let i = 0; i < 500; i++) {
      if (i === 250) fs.renameSync(logFile, `${logFile}.1`);
      append(`line ${i}\n`);
      expected.push(`line ${i}`);
      if (i % 50 === 0) await out.untilLines(i + 1);
    }
    (await out.untilLines(500)).should.eql(expected);
  });

  it('reads lines written to the rotated file before the new one appears', async function () {
    fs.writeFileSync(logFile, 'one\n');
    const { out } = await tail({ startAt: 'beginning' });
    await out.untilLines(1);
    fs.renameSync(logFile, `${logFile}.1`);
    append('two (still the old file)\n', `${logFile}.1`);
    await out.untilLines(2);
    fs.writeFileSync(logFile, 'three (new file)\n');
    (await out.untilLines(3)).should.eql(['one', 'two (still the old file)', 'three (new file)']);
  });

  it('waits for a missing file and reads it whole when it appears', async function () {
    const { node, out } = await tail({ startAt: 'end' });
    await nextCall(node, 'status', (s) => s.text === 'file-tail.status.waiting' && s.fill === 'yellow');
    fs.writeFileSync(logFile, 'first line of a new file\n');
    (await out.untilLines(1)).should.eql(['first line of a new file']);
  });

  it('waits again when the file is deleted, and picks up the new one', async function () {
    fs.writeFileSync(logFile, 'one\n');
    const { node, out } = await tail({ startAt: 'beginning' });
    await out.untilLines(1);
    fs.unlinkSync(logFile);
    await nextCall(node, 'status', (s) => s.text === 'file-tail.status.waiting');
    fs.writeFileSync(logFile, 'two\n');
    (await out.untilLines(2)).should.eql(['one', 'two']);
  });

  it('reports a directory given as the file, without crashing', async function () {
    const { node } = await tail({ path: dir });
    await nextCall(node, 'status', (s) => s.fill === 'red' && s.text === 'file-tail.status.notAFile');
    const error = await nextCall(node, 'error', () => true);
    String(error).should.containEql('file-tail.errors.notAFile');
  });

  it('switches file on msg.path', async function () {
    const other = path.join(dir, 'other.log');
    fs.writeFileSync(logFile, 'from app\n');
    fs.writeFileSync(other, 'old other\n');
    const { node, out } = await tail({ startAt: 'beginning' });
    await out.untilLines(1);
    node.receive({ path: other });
    (await out.untilLines(2)).should.eql(['from app', 'old other']);
    out.messages[1].topic.should.equal(other);
  });

  it('stops and starts again on command without losing or repeating lines', async function () {
    fs.writeFileSync(logFile, 'one\n');
    const { node, out } = await tail({ startAt: 'beginning' });
    await out.untilLines(1);
    node.receive({ command: 'stop' });
    await nextCall(node, 'status', (s) => s.text === 'file-tail.status.stopped');
    append('two\nthree\n');
    node.receive({ payload: 'start' });
    (await out.untilLines(3)).should.eql(['one', 'two', 'three']);
  });

  it('rejects an unknown command through done(err)', async function () {
    fs.writeFileSync(logFile, '');
    await helper.load([fileTail], [
      { id: 'f1', type: 'tab' },
      { id: 'tail', z: 'f1', type: 'file-tail', path: logFile, wires: [[]] },
      { id: 'catcher', z: 'f1', type: 'catch', scope: null, uncaught: false, wires: [['out']] },
      { id: 'out', z: 'f1', type: 'helper' },
    ]);
    const caught = collector(helper.getNode('out'));
    helper.getNode('tail').receive({ command: 'rewind' });
    const [msg] = await caught.until((m) => m.length >= 1);
    msg.error.message.should.containEql('file-tail.errors.badCommand');
  });

  it('resumes after a redeploy where it stopped, with nothing lost or repeated', async function () {
    fs.writeFileSync(logFile, 'one\n');
    const flow = [
      { id: 'tail', type: 'file-tail', path: logFile, startAt: 'end', pollInterval: 0.1, wires: [['out']] },
      { id: 'out', type: 'helper' },
    ];
    await helper.load([fileTail, microBatch], flow);
    let out = collector(helper.getNode('out'));
    await nextCall(helper.getNode('tail'), 'status', (s) => s.fill === 'green');
    append('two\n');
    await out.untilLines(1);
    await helper.unload();
    append('three (written while stopped)\n');
    await helper.load([fileTail, microBatch], flow);
    out = collector(helper.getNode('out'));
    (await out.untilLines(1)).should.eql(['three (written while stopped)']);
    append('four\n');
    (await out.untilLines(2)).should.eql(['three (written while stopped)', 'four']);
  });

  it('feeds micro-batch and commits offsets only once the batch has left', async function () {
    fs.writeFileSync(logFile, 'a\nb\nc\n');
    await helper.load([fileTail, microBatch], [
      { id: 'tail', type: 'file-tail', path: logFile, startAt: 'beginning', output: 'lines', pollInterval: 0.1, wires: [['batch']] },
      { id: 'batch', type: 'micro-batch', interval: 0, maxSize: 4, wires: [['out']] },
      { id: 'out', type: 'helper' },
    ]);
    const out = collector(helper.getNode('out'));
    const checkpoint = path.join(dir, 'state', 'checkpoints', 'tail.json');
    // 3 lines wait in the batch (maxSize 4, no timer): nothing is delivered yet.
    await nextCall(helper.getNode('batch'), 'status', (s) => s.fill === 'blue');
    append('d\n');
    const [batch] = await out.until((m) => m.length >= 1);
    batch.payload.should.eql(['a', 'b', 'c', 'd']);
    await helper.unload(); // writes the final checkpoint
    const saved = JSON.parse(fs.readFileSync(checkpoint, 'utf8'));
    saved.files[0].offset.should.equal(8);
  });

  describe('with micro-batch across redeploys and restarts', function () {
    function pipeline(tailConfig = {}, batchConfig = {}) {
      return [
        { id: 'tail', type: 'file-tail', path: logFile, startAt: 'beginning', output: 'lines', pollInterval: 0.1, ...tailConfig, wires: [['batch']] },
        { id: 'batch', type: 'micro-batch', interval: 0, maxSize: 1000, ...batchConfig, wires: [['out']] },
        { id: 'out', type: 'helper' },
      ];
    }

    it('keeps a pending batch for the next start when the whole flow stops (nothing lost, nothing twice)', async function () {
      fs.writeFileSync(logFile, 'a\nb\n');
      await helper.load([fileTail, microBatch], pipeline());
      const first = collector(helper.getNode('out'));
      await nextCall(helper.getNode('batch'), 'status', (s) => s.fill === 'blue');
      await helper.unload(); // full stop: 'out' stops too, so the batch is not sent into it
      first.messages.should.have.length(0);
      append('c\n');
      await helper.load([fileTail, microBatch], pipeline({}, { maxSize: 3 }));
      const second = collector(helper.getNode('out'));
      const [msg] = await second.until((m) => m.length >= 1);
      msg.payload.should.eql(['a', 'b', 'c']);
    });

    it('sends the batch on when only file-tail is redeployed, and resumes after it', async function () {
      fs.writeFileSync(logFile, 'a\nb\n');
      const flow = pipeline({}, { maxSize: 3 });
      await helper.load([fileTail, microBatch], flow);
      const out = collector(helper.getNode('out'));
      await nextCall(helper.getNode('batch'), 'status', (s) => s.fill === 'blue');
      const changed = flow.map((n) => (n.id === 'tail' ? { ...n, pollInterval: 0.2 } : n));
      await helper.setFlows(changed, 'nodes');
      const [msg] = await out.until((m) => m.length >= 1);
      msg.payload.should.eql(['a', 'b']);
      append('c\nd\ne\n');
      const messages = await out.until((m) => m.length >= 2);
      messages[1].payload.should.eql(['c', 'd', 'e']);
    });
  });
});
