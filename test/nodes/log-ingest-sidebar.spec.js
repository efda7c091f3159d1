'use strict';
// The runtime side of the log ingest sidebar: the nodes list themselves in
// the source registry while they run, and the plugin serves the listing at
// GET /log-ingest/sources, and their counts as Prometheus text at
// GET /log-ingest/metrics, behind the log-ingest.read permission. (The editor
// side: test/browser/sidebar.spec.js; 401/403 with adminAuth in a real
// Node-RED: test/integration/log-ingest-sidebar.spec.js.)
const fs = require('fs');
const path = require('path');
const should = require('should');
const { helper, nodeModule, nodeRedPath, serverPerTest } = require('../support/helper');

const modules = ['file-tail', 'dir-watch', 'kill-switch', 'kill-switch-config'].map(nodeModule);
// Loaded with the node modules (other specs load the pack afresh later on).
const sidebarPlugin = require('../../dist/plugins/log-ingest-sidebar/log-ingest-sidebar');
const { runtimeOf } = require('../../dist/nodes/shared/runtime');
const { SourceRegistry } = require('../../dist/nodes/shared/source-registry');

/** Node-RED's own permission check (the one adminAuth uses), from the Node-RED under test. */
function hasPermission(scope, permission) {
  const editorApi = path.dirname(require.resolve('@node-red/editor-api/package.json', { paths: [nodeRedPath] }));
  return require(path.join(editorApi, 'lib', 'auth', 'permissions')).hasPermission(scope, permission);
}

/** A node as the registry sees it: an id, a type, and its close handlers to call. */
function fakeNode(id, type) {
  const closing = [];
  return {
    id,
    type,
    on(event, handler) {
      if (event === 'close') closing.push(handler);
    },
    close() {
      for (const handler of closing) handler(false, () => {});
    },
  };
}

/** A micro-batch view in ack mode, as BatcherView describes it. */
function ackView(overrides) {
  return {
    delivery: 'ack',
    pending: 2,
    sent: 10,
    sentRecords: 250,
    inFlight: 3,
    acked: 6,
    failed: 2,
    retries: 1,
    givenUp: 1,
    oldestUnackedMs: 4500,
    lastFailure: { at: '2025-01-02T03:04:05.000Z', reason: 'HTTP 503' },
    nextRetry: { at: '2025-01-02T03:04:07.000Z', attempt: 2 },
    held: false,
    ...overrides,
  };
}

/** A file snapshot with `lines` read and `lag` bytes unread. */
function fileSnapshot(file, lines, lag = 0) {
  return { path: file, state: 'following', size: 100 + lag, offset: 100, committed: 100, lag, rotatedOpen: 0, lines, inFlight: 0, rotations: 0, truncations: 0, lastError: undefined };
}

describe('log ingest sidebar: source registry', function () {
  it('lists micro-batch nodes with their view until they close, sorted, a broken view as an error row', function () {
    const registry = new SourceRegistry();
    const second = fakeNode('mb2', 'micro-batch');
    const first = fakeNode('mb1', 'micro-batch');
    const broken = fakeNode('mb3', 'micro-batch');
    registry.addBatcher(second, { id: 'mb2', type: 'micro-batch', name: 'to siem', z: 'f1', killSwitch: 'cfg' }, () => ackView());
    registry.addBatcher(first, { id: 'mb1', type: 'micro-batch', name: 'archive', z: 'f1', killSwitch: '' }, () => ackView({ delivery: 'next-node', inFlight: 0 }));
    registry.addBatcher(broken, { id: 'mb3', type: 'micro-batch', name: 'zz', delivery: 'ack' }, () => {
      throw new Error('no view');
    });
    const listing = registry.listing(Date.parse('2025-01-02T03:04:06.000Z'));
    listing.batchers.map((b) => b.id).should.eql(['mb1', 'mb2', 'mb3']);
    listing.batchers[1].should.eql({ id: 'mb2', type: 'micro-batch', name: 'to siem', z: 'f1', killSwitch: 'cfg', ...ackView() });
    should(listing.batchers[0].killSwitch).be.undefined();
    listing.batchers[0].delivery.should.equal('next-node');
    // The broken one keeps its flow's delivery setting, zeros and the error: the others are listed as usual.
    listing.batchers[2].should.match({ id: 'mb3', delivery: 'ack', inFlight: 0, acked: 0, held: false, lastError: { message: 'Error: no view', at: '2025-01-02T03:04:06.000Z' } });
    // The metrics leave it out: its zeros would read as counters gone back to 0.
    registry.totals().batchers.map((b) => b.id).should.eql(['mb1', 'mb2']);

    // A redeployed node's successor registers before the old one closes: it stays.
    const successor = fakeNode('mb2', 'micro-batch');
    registry.addBatcher(successor, { id: 'mb2', type: 'micro-batch', name: 'to siem v2' }, () => ackView());
    second.close();
    first.close();
    broken.close();
    registry.listing().batchers.map((b) => [b.id, b.name]).should.eql([['mb2', 'to siem v2']]);
    successor.close();
    registry.listing().batchers.should.eql([]);
  });

  it('totals every file of a source, and counts lines read as a counter that never goes down', function () {
    const registry = new SourceRegistry();
    const dirWatch = fakeNode('dw', 'dir-watch');
    let files = [fileSnapshot('/l/a.log', 10, 5), fileSnapshot('/l/b.log', 4, 7)];
    registry.addSource(dirWatch, { id: 'dw', type: 'dir-watch', name: 'logs' }, () => ({ state: 'following', root: '/l', files }));
    registry.totals().sources.should.eql([{ id: 'dw', type: 'dir-watch', name: 'logs', z: undefined, killSwitch: undefined, state: 'following', files: 2, linesRead: 14, lagBytes: 12 }]);
    // a.log read 5 more; b.log closed for the open-file limit (its count reads 0).
    files = [fileSnapshot('/l/a.log', 15), { ...fileSnapshot('/l/b.log', 0), state: 'closed' }];
    registry.totals().sources[0].should.match({ files: 2, linesRead: 19, lagBytes: 0 });
    // b.log open again in a new session (counting from 0), a.log deleted.
    files = [fileSnapshot('/l/b.log', 3)];
    registry.totals().sources[0].should.match({ files: 1, linesRead: 22 });
    // More files than a listing shows: all counted.
    files = Array.from({ length: 250 }, (_, i) => fileSnapshot(`/l/${i}.log`, 1, 1));
    registry.listing().sources[0].files.should.have.length(200);
    registry.totals().sources[0].should.match({ files: 250, lagBytes: 250, linesRead: 22 + 250 });
  });
});

describe('log ingest sidebar: source registry and admin endpoint', function () {
  let dir;
  let logs;
  /** Permissions the plugin asked Node-RED's auth for. */
  let asked;
  let registered;
  /** The permissions of the user making the requests (Node-RED's scope syntax). */
  let scope;

  /**
   * The plugin, loaded like a node module by the helper, with its auth calls
   * recorded, and refused as Node-RED's adminAuth refuses (401) when `scope`
   * lacks the permission, decided by Node-RED's own check.
   */
  function plugin(red) {
    const auth = {
      needsPermission(permission) {
        asked.push(permission);
        const passThrough = red.auth.needsPermission(permission);
        return (req, res, next) => (hasPermission(scope, permission) ? passThrough(req, res, next) : res.status(401).end());
      },
    };
    const plugins = {
      registerPlugin(id, definition) {
        registered.push({ id, definition });
      },
    };
    return sidebarPlugin.default({ httpAdmin: red.httpAdmin, events: red.events, auth, plugins });
  }

  const server = serverPerTest('log-ingest-sidebar-');

  beforeEach(function () {
    dir = server.dir;
    logs = path.join(dir, 'logs');
    fs.mkdirSync(logs);
    asked = [];
    registered = [];
    scope = '*';
  });

  const line = { startAt: 'beginning', output: 'lines', encoding: 'utf8', delimiter: '\\n', idleFlush: 1, pollInterval: 0.05, maxLineBytes: 1048576, longLines: 'cut' };

  function flow(file) {
    return [
      { id: 'f1', type: 'tab', label: 'ingest' },
      { id: 'cfg', type: 'kill-switch-config', name: 'incident stop', initial: 'released' },
      { id: 'tail', z: 'f1', type: 'file-tail', name: 'app', path: file, killSwitch: 'cfg', ...line, wires: [[]] },
      { id: 'dir', z: 'f1', type: 'dir-watch', name: '', path: logs, pattern: '*.log', ...line, wires: [[], []] },
      { id: 'gate', z: 'f1', type: 'kill-switch', name: 'own gate', killSwitch: '', controlTopic: 'kill-switch', mode: 'hold', queueSize: 10, initial: 'engaged', wires: [[], []] },
      { id: 'shared', z: 'f1', type: 'kill-switch', name: 'shared gate', killSwitch: 'cfg', controlTopic: 'kill-switch', mode: 'hold', queueSize: 10, wires: [[], []] },
    ];
  }

  /** GETs the listing until `done(listing)` holds (each answer comes after an HTTP round trip). */
  async function listingWhen(done) {
    for (;;) {
      const res = await helper.request().get('/log-ingest/sources').expect(200);
      if (done(res.body)) return res.body;
    }
  }

  it('registers as a plugin and serves GET /log-ingest/sources behind log-ingest.read', async function () {
    const file = path.join(logs, 'app.log');
    fs.writeFileSync(file, 'one\ntwo\nthree\n');
    await helper.load([...modules, plugin], flow(file));
    registered.map((r) => r.id).should.eql(['log-ingest-sidebar']);
    asked.should.eql(['log-ingest.read']);
    // What adminAuth makes of it: a user with "read" may look; one with only flows.read may not.
    hasPermission('read', 'log-ingest.read').should.be.true();
    hasPermission(['flows.read', 'kill-switch.read'], 'log-ingest.read').should.be.false();

    const listing = await listingWhen((l) => l.sources.every((s) => s.files.some((f) => f.lines === 3)));
    Date.parse(listing.at).should.not.be.NaN();
    listing.sources.map((s) => [s.type, s.id]).should.eql([
      ['dir-watch', 'dir'],
      ['file-tail', 'tail'],
    ]);
    const [dirRow, tailRow] = listing.sources;
    const size = fs.statSync(file).size;
    tailRow.should.match({ name: 'app', z: 'f1', killSwitch: 'cfg', state: 'following', moreFiles: 0 });
    tailRow.files.should.have.length(1);
    tailRow.files[0].should.match({ path: file, state: 'following', size, offset: size, committed: size, lag: 0, lines: 3, rotations: 0, truncations: 0 });
    dirRow.should.match({ name: '', z: 'f1', state: 'following', root: logs });
    should(dirRow.killSwitch).be.undefined();
    dirRow.files.map((f) => f.path).should.eql([file]);
    // Switches: the config node's and the gate's own; the gate on the shared switch adds none.
    listing.switches.map((s) => [s.type, s.id, s.name, s.state, s.cause]).should.eql([
      ['kill-switch', 'gate', 'own gate', 'engaged', 'initial'],
      ['kill-switch-config', 'cfg', 'incident stop', 'released', 'initial'],
    ]);
    // The second look has a rate.
    const again = await listingWhen(() => true);
    again.sources[1].files[0].linesPerSecond.should.be.a.Number();
  });

  it('shows a source paused by its kill switch, and a change that says it came from the editor as a claim', async function () {
    const file = path.join(logs, 'app.log');
    fs.writeFileSync(file, 'one\n');
    await helper.load([...modules, plugin], flow(file));
    // The sidebar's button: an action, sent by the editor (which marks its requests, as any client can).
    const res = await helper.request().post('/kill-switch/cfg').set('Node-RED-API-Version', 'v2').send({ action: 'engage' }).expect(200);
    res.body.should.match({ state: 'engaged', cause: 'http', claimed: 'editor' });
    const listing = await listingWhen((l) => l.sources.find((s) => s.id === 'tail').state === 'paused');
    listing.sources.find((s) => s.id === 'tail').files[0].state.should.equal('paused');
    listing.switches.find((s) => s.id === 'cfg').should.match({ state: 'engaged', cause: 'http', claimed: 'editor' });
    // Without the editor's mark: no claim.
    const released = (await helper.request().post('/kill-switch/cfg').send({ action: 'release' }).expect(200)).body;
    released.cause.should.equal('http');
    released.should.not.have.property('claimed');
    (await listingWhen((l) => l.switches.find((s) => s.id === 'cfg').state === 'released')).switches.find((s) => s.id === 'cfg').should.not.have.property('claimed');
  });

  it('lists nothing once the nodes have closed, and reports a source without a path', async function () {
    await helper.load([...modules, plugin], [
      { id: 'f1', type: 'tab' },
      { id: 'nopath', z: 'f1', type: 'file-tail', name: '', path: '', ...line, wires: [[]] },
    ]);
    const listing = await listingWhen(() => true);
    listing.sources.should.match([{ id: 'nopath', state: 'noPath', files: [] }]);
    listing.switches.should.eql([]);
    await helper.unload();
    // The helper's app is gone with the flows: ask the registry the plugin reads.
    runtimeOf({ events: helper._events }).sources.listing().should.match({ sources: [], switches: [], batchers: [] });
  });

  it('serves GET /log-ingest/metrics as Prometheus text, to a user with log-ingest.read only', async function () {
    const file = path.join(logs, 'app.log');
    fs.writeFileSync(file, 'one\ntwo\nthree\n');
    await helper.load([...modules, plugin], flow(file));
    // Until micro-batch registers itself: fake ones in the registry the plugin reads.
    const registry = runtimeOf({ events: helper._events }).sources;
    const acking = fakeNode('mb-ack', 'micro-batch');
    const plain = fakeNode('mb-plain', 'micro-batch');
    registry.addBatcher(acking, { id: 'mb-ack', type: 'micro-batch', name: 'to "siem"\\eu\nwest', z: 'f1' }, () => ackView());
    registry.addBatcher(plain, { id: 'mb-plain', type: 'micro-batch', name: '' }, () => ackView({ delivery: 'next-node', inFlight: 0, acked: 0 }));
    try {
      let res;
      do {
        res = await helper.request().get('/log-ingest/metrics').expect(200);
      } while (!/^log_ingest_source_lines_read_total\{id="tail",[^}]*\} 3$/m.test(res.text) || !/^log_ingest_source_lines_read_total\{id="dir",[^}]*\} 3$/m.test(res.text));
      res.headers['content-type'].should.equal('text/plain; version=0.0.4; charset=utf-8');
      const lines = res.text.split('\n');
      lines.pop().should.equal('');
      lines.should.containEql('# TYPE log_ingest_source_lines_read_total counter');
      lines.should.containEql('log_ingest_source_lines_read_total{id="dir",type="dir-watch",name=""} 3');
      lines.should.containEql('# TYPE log_ingest_source_lag_bytes gauge');
      lines.should.containEql('log_ingest_source_lag_bytes{id="tail",type="file-tail",name="app"} 0');
      lines.should.containEql('log_ingest_source_files{id="tail",type="file-tail",name="app"} 1');
      const ack = 'id="mb-ack",type="micro-batch",name="to \\"siem\\"\\\\eu\\nwest",delivery="ack"';
      const plainLabels = 'id="mb-plain",type="micro-batch",name="",delivery="next-node"';
      for (const [name, value] of [
        ['batches_sent_total', 10],
        ['records_sent_total', 250],
        ['pending_records', 2],
        ['batches_acked_total', 6],
        ['attempts_failed_total', 2],
        ['retries_total', 1],
        ['batches_given_up_total', 1],
        ['batches_in_flight', 3],
        ['oldest_unacked_age_seconds', 4.5],
      ]) {
        lines.should.containEql(`log_ingest_micro_batch_${name}{${ack}} ${value}`);
      }
      lines.should.containEql(`log_ingest_micro_batch_batches_sent_total{${plainLabels}} 10`);
      // Acknowledgement counts only where there are acknowledgements.
      lines.filter((l) => l.includes('mb-plain')).should.have.length(3);
      lines.filter((l) => l.startsWith('# TYPE')).should.have.length(12);

      // The sources' listing shows the micro-batch nodes too.
      (await helper.request().get('/log-ingest/sources').expect(200)).body.batchers.map((b) => b.id).should.eql(['mb-plain', 'mb-ack']);

      // Without log-ingest.read (a user with flows.read only): refused, both.
      scope = ['flows.read', 'kill-switch.read'];
      await helper.request().get('/log-ingest/metrics').expect(401);
      await helper.request().get('/log-ingest/sources').expect(401);
      scope = 'read';
      await helper.request().get('/log-ingest/metrics').expect(200);
      asked.should.eql(['log-ingest.read']);
    } finally {
      acking.close();
      plain.close();
    }
  });
});
