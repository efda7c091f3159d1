'use strict';
// The kill switch in a real Node-RED with admin authentication: an outside
// system engages it over HTTP with an access token (and cannot without the
// kill-switch.write permission), the change is written to the Node-RED log,
// and the switch is still engaged after Node-RED restarts. Only JSON objects
// are taken, and a hostile reason stays one log line.
//
// Which Node-RED and node: env NODE_RED_PATH and NODE_RED_NODE_BIN, as for
// demo.spec.js. No sleeps: every wait is for an HTTP answer or a log line.
const fs = require('fs');
const os = require('os');
const path = require('path');
const should = require('should');
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

describe(`kill switch over HTTP in a real Node-RED ${nodeRedInfo(nodeRedDir).version} with adminAuth (integration)`, function () {
  this.timeout(90_000); // safety net only

  let userDir;
  let nr;

  const flows = [
    { id: 't1', type: 'tab', label: 'kill switch' },
    { id: 'stop', type: 'kill-switch-config', name: 'pipeline stop', initial: 'released' },
    { id: 'ks', z: 't1', type: 'kill-switch', name: 'emergency stop', killSwitch: 'stop', controlTopic: 'kill-switch', mode: 'hold', queueSize: 1000, initial: 'released', x: 200, y: 100, wires: [[], []] },
  ];
  const hash = bcrypt.hashSync(PASSWORD, 8);
  const settings = {
    adminAuth: {
      type: 'credentials',
      users: [
        { username: 'operator', password: hash, permissions: ['kill-switch.write', 'kill-switch.read'] },
        { username: 'viewer', password: hash, permissions: 'read' },
      ],
    },
  };

  before(function () {
    userDir = fs.mkdtempSync(path.join(os.tmpdir(), 'nr-kill-switch-'));
  });

  after(async function () {
    if (nr) await nr.stop();
    fs.rmSync(userDir, { recursive: true, force: true });
  });

  const token = (username) => adminToken(nr, username, PASSWORD);

  function call(method, id, { bearer, body } = {}) {
    const headers = {};
    if (bearer) headers.Authorization = `Bearer ${bearer}`;
    if (body) headers['Content-Type'] = 'application/json';
    return fetch(`${nr.url}kill-switch/${id}`, { method, headers, body: body ? JSON.stringify(body) : undefined });
  }

  it('loads both node types, their editor definitions and the icon', async function () {
    nr = await startNodeRed({ flows, userDir, settings });
    const auth = { Authorization: `Bearer ${await token('viewer')}` };
    const sets = await (await fetch(`${nr.url}nodes`, { headers: { ...auth, Accept: 'application/json' } })).json();
    const types = sets.filter((s) => s.module === '@soc-copilot/node-red-log-ingest' && s.enabled && !s.err).flatMap((s) => s.types);
    types.should.containDeep(['kill-switch', 'kill-switch-config']);
    const html = await (await fetch(`${nr.url}nodes`, { headers: { ...auth, Accept: 'text/html' } })).text();
    html.should.containEql("RED.nodes.registerType('kill-switch', {");
    html.should.containEql("RED.nodes.registerType('kill-switch-config', {");
    html.should.containEql('data-help-name="kill-switch"');
    const icon = await fetch(`${nr.url}icons/@soc-copilot/node-red-log-ingest/log-ingest-kill-switch.svg`, { headers: auth });
    icon.status.should.equal(200);
  });

  it('refuses a change without a token or without kill-switch.write', async function () {
    (await call('POST', 'stop', { body: { action: 'engage' } })).status.should.equal(401);
    const viewer = await token('viewer');
    (await call('POST', 'stop', { bearer: viewer, body: { action: 'engage' } })).status.should.equal(401);
    const res = await call('GET', 'stop', { bearer: viewer });
    res.status.should.equal(200);
    (await res.json()).state.should.equal('released');
  });

  it('engages with kill-switch.write, records who and why, and writes it to the log', async function () {
    const operator = await token('operator');
    const res = await call('POST', 'stop', { bearer: operator, body: { action: 'engage', reason: 'incident 42' } });
    res.status.should.equal(200);
    (await res.json()).should.match({ id: 'stop', state: 'engaged', changed: true, cause: 'http', user: 'operator', reason: 'incident 42' });
    await nr.waitForLog(/\[kill-switch-config:pipeline stop\] engaged by HTTP call \(operator\): incident 42/);
    (await call('POST', 'nope', { bearer: operator, body: { action: 'engage' } })).status.should.equal(404);
  });

  it('is still engaged after Node-RED restarts', async function () {
    await nr.stop();
    nr = await startNodeRed({ flows, userDir, settings });
    await nr.waitForLog(/\[kill-switch-config:pipeline stop\] restored: engaged by HTTP call \(operator\): incident 42/);
    const res = await call('GET', 'ks', { bearer: await token('viewer') });
    res.status.should.equal(200);
    const body = await res.json();
    body.should.match({ id: 'stop', state: 'engaged', cause: 'http', user: 'operator', reason: 'incident 42' });
    body.history.map((c) => c.state).should.eql(['released', 'engaged']);
    const operator = await token('operator');
    const released = await call('POST', 'ks', { bearer: operator, body: { action: 'release' } });
    (await released.json()).state.should.equal('released');
  });

  it('takes only a JSON object: 415 for text/plain and forms, 400 for an array', async function () {
    const headers = { Authorization: `Bearer ${await token('operator')}` };
    const post = (type, body) => fetch(`${nr.url}kill-switch/stop`, { method: 'POST', headers: { ...headers, 'Content-Type': type }, body });
    (await post('text/plain', '{"action":"engage"}')).status.should.equal(415);
    (await post('application/x-www-form-urlencoded', 'action=engage')).status.should.equal(415);
    const array = await post('application/json', '[]');
    array.status.should.equal(400);
    (await array.json()).error.should.containEql('array');
    (await (await call('GET', 'stop', { bearer: await token('viewer') })).json()).state.should.equal('released');
  });

  it('writes a reason with line breaks and escapes as one log line, and the editor\'s mark as a claim', async function () {
    const operator = await token('operator');
    const forged = '1 Jan 00:00:00 - [info] [kill-switch-config:pipeline stop] released by editor button';
    const res = await call('POST', 'stop', { bearer: operator, body: { action: 'engage', reason: `drill\n${forged}\x1b[2K\r` } });
    (await res.json()).reason.should.equal(`drill ${forged}`);
    await nr.waitForLog(/\[kill-switch-config:pipeline stop\] engaged by HTTP call \(operator\): drill 1 Jan/);
    nr.logs.should.not.containEql(forged);
    nr.logs.filter((line) => line.includes('\x1b[2K')).should.eql([]);
    // The editor's mark, which any client can send, next to the user adminAuth vouches for.
    const headers = { Authorization: `Bearer ${operator}`, 'Content-Type': 'application/json', 'Node-RED-API-Version': 'v2' };
    const marked = await fetch(`${nr.url}kill-switch/stop`, { method: 'POST', headers, body: JSON.stringify({ action: 'release' }) });
    (await marked.json()).should.match({ state: 'released', cause: 'http', claimed: 'editor', user: 'operator' });
    await nr.waitForLog(/\[kill-switch-config:pipeline stop\] released by HTTP call claiming to be the editor \(operator\)$/);
  });
});
