'use strict';
// The log ingest sidebar's plugin in a real Node-RED with admin
// authentication: Node-RED loads it (runtime part, editor part, both message
// catalogs), and GET /log-ingest/sources and GET /log-ingest/metrics answer
// only users with the log-ingest.read permission.
//
// Which Node-RED and node: env NODE_RED_PATH and NODE_RED_NODE_BIN, as for
// demo.spec.js. No sleeps: every wait is for an HTTP answer.
const fs = require('fs');
const os = require('os');
const path = require('path');
require('should');
const { startNodeRed, resolveNodeRedDir, nodeRedInfo, adminToken } = require('../support/node-red-process');

const nodeRedDir = resolveNodeRedDir(process.env.NODE_RED_PATH);
/** bcryptjs from the Node-RED under test (it hashes adminAuth passwords), else this checkout's copy. */
function loadBcrypt() {
  try {
    return require(require.resolve('bcryptjs', { paths: [nodeRedDir, path.join(nodeRedDir, '..', '@node-red', 'editor-api')] }));
  } catch {
    return require('bcryptjs');
  }
}
const bcrypt = loadBcrypt();

const PASSWORD = 'correct horse battery staple';
const MODULE = '@soc-copilot/node-red-log-ingest';
const PLUGIN_SET = `${MODULE}/log-ingest-sidebar`;

describe(`log ingest sidebar plugin in a real Node-RED ${nodeRedInfo(nodeRedDir).version} with adminAuth (integration)`, function () {
  this.timeout(90_000); // safety net only

  let userDir;
  let nr;
  let logFile;

  before(async function () {
    userDir = fs.mkdtempSync(path.join(os.tmpdir(), 'nr-log-ingest-sidebar-'));
    logFile = path.join(userDir, 'app.log');
    fs.writeFileSync(logFile, 'first\nsecond\n');
    const hash = bcrypt.hashSync(PASSWORD, 8);
    nr = await startNodeRed({
      userDir: path.join(userDir, 'node-red'),
      flows: [
        { id: 't1', type: 'tab', label: 'ingest' },
        { id: 'stop', type: 'kill-switch-config', name: 'incident stop', initial: 'released' },
        { id: 'tail', z: 't1', type: 'file-tail', name: 'app', path: logFile, startAt: 'beginning', output: 'lines', killSwitch: 'stop', x: 100, y: 100, wires: [[]] },
      ],
      settings: {
        adminAuth: {
          type: 'credentials',
          users: [
            { username: 'viewer', password: hash, permissions: 'read' },
            { username: 'operator', password: hash, permissions: ['flows.read', 'kill-switch.read', 'kill-switch.write'] },
          ],
        },
      },
    });
  });

  after(async function () {
    if (nr) await nr.stop();
    fs.rmSync(userDir, { recursive: true, force: true });
  });

  const token = (username) => adminToken(nr, username, PASSWORD);

  const get = (url, bearer, accept = 'application/json') =>
    fetch(`${nr.url}${url}`, { headers: { Accept: accept, ...(bearer ? { Authorization: `Bearer ${bearer}` } : {}) } });

  it('loads the plugin: runtime part, editor part, and its en-US and de catalogs', async function () {
    const viewer = await token('viewer');
    const list = await (await get('plugins', viewer)).json();
    const set = list.find((p) => p.id === PLUGIN_SET);
    set.should.match({ enabled: true, module: MODULE, plugins: [{ id: 'log-ingest-sidebar' }] });
    const html = await (await get('plugins', viewer, 'text/html')).text();
    html.should.containEql(`[red-plugin:${PLUGIN_SET}]`);
    html.should.containEql("RED.plugins.registerPlugin('log-ingest-sidebar', plugin)");
    const en = await (await get('plugins/messages?lng=en-US', viewer)).json();
    en[PLUGIN_SET]['log-ingest-sidebar'].name.should.equal('Log ingest');
    const de = await (await get('plugins/messages?lng=de', viewer)).json();
    de[PLUGIN_SET]['log-ingest-sidebar'].button.should.eql({ engage: 'Auslösen', release: 'Freigeben' });
  });

  it('answers GET /log-ingest/sources only with log-ingest.read', async function () {
    (await get('log-ingest/sources')).status.should.equal(401);
    (await get('log-ingest/sources', await token('operator'))).status.should.equal(401);
    const viewer = await token('viewer');
    let listing;
    do {
      const res = await get('log-ingest/sources', viewer);
      res.status.should.equal(200);
      listing = await res.json();
    } while (!(listing.sources[0] && listing.sources[0].files[0] && listing.sources[0].files[0].lines === 2));
    listing.sources.should.match([{ id: 'tail', type: 'file-tail', name: 'app', z: 't1', killSwitch: 'stop', state: 'following', files: [{ path: logFile, lines: 2, lag: 0 }] }]);
    listing.switches.should.match([{ id: 'stop', type: 'kill-switch-config', name: 'incident stop', state: 'released' }]);
  });

  it('answers GET /log-ingest/metrics only with log-ingest.read, as Prometheus text', async function () {
    (await get('log-ingest/metrics', undefined, 'text/plain')).status.should.equal(401);
    (await get('log-ingest/metrics', await token('operator'), 'text/plain')).status.should.equal(401);
    const viewer = await token('viewer');
    let text;
    do {
      const res = await get('log-ingest/metrics', viewer, 'text/plain');
      res.status.should.equal(200);
      res.headers.get('content-type').should.equal('text/plain; version=0.0.4; charset=utf-8');
      text = await res.text();
    } while (!text.includes('\nlog_ingest_source_lines_read_total{id="tail",type="file-tail",name="app"} 2\n'));
    text.should.containEql('log_ingest_source_files{id="tail",type="file-tail",name="app"} 1\n');
  });
});
