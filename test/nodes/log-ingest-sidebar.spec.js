'use strict';
// The runtime side of the log ingest sidebar: the nodes list themselves in
// the source registry while they run, and the plugin serves the listing at
// GET /log-ingest/sources behind the log-ingest.read permission. (The editor
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

/** Node-RED's own permission check (the one adminAuth uses), from the Node-RED under test. */
function hasPermission(scope, permission) {
  const editorApi = path.dirname(require.resolve('@node-red/editor-api/package.json', { paths: [nodeRedPath] }));
  return require(path.join(editorApi, 'lib', 'auth', 'permissions')).hasPermission(scope, permission);
}

describe('log ingest sidebar: source registry and admin endpoint', function () {
  let dir;
  let logs;
  /** Permissions the plugin asked Node-RED's auth for. */
  let asked;
  let registered;

  /** The plugin, loaded like a node module by the helper, with its auth calls recorded. */
  function plugin(red) {
    const auth = {
      needsPermission(permission) {
        asked.push(permission);
        return red.auth.needsPermission(permission);
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
    runtimeOf({ events: helper._events }).sources.listing().should.match({ sources: [], switches: [] });
  });
});
