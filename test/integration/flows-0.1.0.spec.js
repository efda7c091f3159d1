'use strict';
// A flow file saved with 0.1.0 (test/fixtures/flows-0.1.0.json) in a real
// Node-RED: it deploys with no unknown type, error or unexpected warning, and
// every node does what its 0.1.0 settings say, with the settings added since
// at their documented defaults:
//   - file-tail (start at beginning, Latin-1, "|" ends a line, lines of more
//     than 16 bytes skipped, lines output) into micro-batch (3 records, 1 h):
//     a batch of 3 while the shared kill switch is engaged, as neither had a
//     kill switch setting then;
//   - micro-batch keeping arrays whole, 2 a batch, no time limit;
//   - dir-watch (*.txt minus skip-*, one level of sub-folders, from the
//     beginning) on the shared switch, which starts engaged: paused, then all
//     matching lines after release; a symbolic link skipped with a warning
//     (Symlinks: skip; found in the walk at start, before this spec listens to
//     output 2);
//   - kill-switch on the shared switch (topic "halt", discard) and one with a
//     switch of its own (topic "gate", hold 2, starts engaged).
// Inject nodes are clicked through the admin API (POST /inject/:id); every wait
// is for a debug message or a node status on the editor's websocket.
//
// Which Node-RED and node: env NODE_RED_PATH and NODE_RED_NODE_BIN, as for
// demo.spec.js.
const fs = require('fs');
const os = require('os');
const path = require('path');
const { EventEmitter } = require('events');
const should = require('should');
const { startNodeRed, connectComms, decodeDebug, resolveNodeRedDir, nodeRedInfo, nodeVersion } = require('../support/node-red-process');
const { untilEvent } = require('../support/collect');
const { flows010, PACK_TYPES, IDS } = require('../support/flows-0.1.0');

const nodeRedDir = resolveNodeRedDir(process.env.NODE_RED_PATH);

describe(`a flow saved with 0.1.0 in a real Node-RED ${nodeRedInfo(nodeRedDir).version} on Node ${nodeVersion(process.env.NODE_RED_NODE_BIN)} (integration)`, function () {
  this.timeout(120_000); // safety net only

  let tmpDir;
  let folder;
  let nr;
  let comms;
  const progress = new EventEmitter();
  /** Debug messages (whole msg objects) by debug node id. */
  const debugOf = {};
  /** The last status by node id. */
  const statusOf = {};

  const messages = (id) => debugOf[id] || [];
  const untilDebug = (id, pred) => untilEvent(progress, 'update', () => pred(messages(id)));
  const untilStatus = (id, text) => untilEvent(progress, 'update', () => statusOf[id] && statusOf[id].text === text);
  const at = (...parts) => path.join(folder, ...parts);

  /** Clicks an inject node's button, as the editor does. */
  async function inject(id) {
    const res = await fetch(`${nr.url}inject/${id}`, { method: 'POST' });
    res.status.should.equal(200, `POST /inject/${id}`);
  }

  before(async function () {
    tmpDir = fs.mkdtempSync(path.join(os.tmpdir(), 'log-ingest-0.1.0-'));
    folder = path.join(tmpDir, 'logs-0.1.0');
    fs.mkdirSync(at('logs', 'sub', 'deeper'), { recursive: true });
    // Three records: one in Latin-1, one longer than Max line (16 bytes).
    fs.writeFileSync(at('app.log'), Buffer.from('caf\xe9|this record is longer than sixteen bytes|ok|', 'latin1'));
    fs.writeFileSync(at('logs', 'a.txt'), 'a1\na2\n');
    fs.writeFileSync(at('logs', 'skip-b.txt'), 'b1\n'); // excluded
    fs.writeFileSync(at('logs', 'e.log'), 'e1\n'); // not *.txt
    fs.writeFileSync(at('logs', 'sub', 'c.txt'), 'c1\n'); // depth 1
    fs.writeFileSync(at('logs', 'sub', 'deeper', 'd.txt'), 'd1\n'); // depth 2: below Depth
    fs.symlinkSync('e.log', at('logs', 'link.txt')); // a link to a file inside the folder: skipped, with a warning

    nr = await startNodeRed({ flows: flows010(folder), nodeRedDir, userDir: path.join(tmpDir, 'node-red') });
    comms = await connectComms(nr.url, { topics: ['debug'] });
    comms.on('debug', (data) => {
      (debugOf[data.id] = debugOf[data.id] || []).push(decodeDebug(data));
      progress.emit('update');
    });
    comms.on('message', (m) => {
      if (!m.topic || !m.topic.startsWith('status/')) return;
      statusOf[m.topic.slice('status/'.length)] = m.data || {};
      progress.emit('update');
    });
    // Subscribed now, with the listener in place: the statuses set at start come again (retained).
    comms.ws.send(JSON.stringify({ subscribe: 'status/#' }));
  });

  after(async function () {
    if (comms) await comms.close();
    if (nr) await nr.stop();
    if (tmpDir) fs.rmSync(tmpDir, { recursive: true, force: true });
  });

  it('deploys: flows running, every node of the pack loaded', async function () {
    should(comms.runtimeState && comms.runtimeState.state).equal('start', `flows not running:\n${nr.logs.slice(-30).join('\n')}`);
    const sets = await (await fetch(`${nr.url}nodes`, { headers: { Accept: 'application/json' } })).json();
    const loaded = sets.filter((s) => s.module === '@soc-copilot/node-red-log-ingest' && s.enabled && !s.err).flatMap((s) => s.types);
    loaded.should.containDeep(PACK_TYPES);
  });

  it('file-tail and micro-batch, which had no kill switch setting, read and batch while the shared switch is engaged', async function () {
    await untilStatus(IDS.dirWatch, 'paused'); // the shared switch started engaged
    fs.appendFileSync(at('app.log'), 'third|fourth|');
    await untilDebug(IDS.tailBatches, (ms) => ms.length >= 1);
    const [batch] = messages(IDS.tailBatches);
    batch.payload.should.eql(['café', 'ok', 'third']);
    batch.batch.should.match({ count: 3, reason: 'size' });
    statusOf[IDS.dirWatch].text.should.equal('paused');
  });

  it('micro-batch keeps arrays whole: two arrays make a batch', async function () {
    await inject(IDS.anArray);
    await inject(IDS.anArray);
    await untilDebug(IDS.arrayBatches, (ms) => ms.length >= 1);
    messages(IDS.arrayBatches)[0].payload.should.eql([
      [1, 2, 3],
      [1, 2, 3],
    ]);
  });

  it('kill-switch on the shared switch discards while engaged; one of its own holds the newest 2', async function () {
    await inject(IDS.data);
    await untilStatus(IDS.sharedGate, '1 discarded');
    for (const id of [IDS.one, IDS.two, IDS.three]) await inject(id);
    await untilStatus(IDS.ownGate, 'held 2 lost 1');
    messages(IDS.sharedGatePassed).should.eql([]);
    messages(IDS.ownGatePassed).should.eql([]);
  });

  it('dir-watch follows the matching files once the shared switch is released on topic "halt", not the link', async function () {
    await inject(IDS.releasePipeline);
    const released = await untilDebug(IDS.sharedGateEvents, (ms) => ms.some((m) => m.payload === 'released')).then(() =>
      messages(IDS.sharedGateEvents).find((m) => m.payload === 'released'),
    );
    released.killSwitch.dropped.should.equal(1);
    await untilDebug(IDS.dirLines, (ms) => ms.length >= 3);
    fs.writeFileSync(at('logs', 'z.txt'), 'z1\n'); // found after the first walk: everything before it has been read
    await untilDebug(IDS.dirLines, (ms) => ms.some((m) => m.payload === 'z1'));
    // Not e1 (through link.txt, nor as e.log), b1 or d1.
    messages(IDS.dirLines)
      .map((m) => m.payload)
      .sort()
      .should.eql(['a1', 'a2', 'c1', 'z1']);
  });

  it('kill-switch gates pass messages once released', async function () {
    await inject(IDS.data);
    await untilDebug(IDS.sharedGatePassed, (ms) => ms.length >= 1);
    messages(IDS.sharedGatePassed).map((m) => m.payload).should.eql(['through the shared gate']);
    await inject(IDS.openTheGate);
    await untilDebug(IDS.ownGatePassed, (ms) => ms.length >= 2);
    messages(IDS.ownGatePassed).map((m) => m.payload).should.eql(['two', 'three']);
  });

  it('logged no error, and only the warnings the flow provokes', function () {
    const packLine = new RegExp(`\\[(warn|error)\\] \\[(?:${PACK_TYPES.join('|')}):`);
    const expected = [
      /\[warn\] \[file-tail:app\.log\] .*app\.log: a line longer than 16 bytes at offset 5 was skipped$/,
      /\[warn\] \[dir-watch:[0-9a-f]+\] .*link\.txt is a symbolic link: not followed \(Symlinks: skip\)$/,
      /\[warn\] \[kill-switch:own gate\] Holding 2 messages, the most allowed/,
      /\[warn\] \[kill-switch:own gate\] 1 messages were dropped while the switch was engaged \(more than 2 waiting\)$/,
    ];
    const logged = nr.logs.filter((l) => packLine.test(l));
    logged.filter((l) => !expected.some((re) => re.test(l))).should.eql([], 'unexpected warnings or errors');
    for (const re of expected) logged.some((l) => re.test(l)).should.be.true(`not logged: ${re}\n${logged.join('\n')}`);
  });
});
