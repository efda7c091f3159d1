'use strict';
// The kill-switch and kill-switch-config nodes: control by message, by the
// admin endpoint (with and without permission), persistence across redeploys
// and restarts, and fail-closed start on an unreadable state.
const fs = require('fs');
const path = require('path');
const should = require('should');
const { helper, nodeModule, nodeModuleRenderingIn, nodeRedPath, forgetHandovers } = require('../support/helper');
const { collector, nextCall, tempDir } = require('../support/collect');

const killSwitch = nodeModule('kill-switch');
const killSwitchConfig = nodeModule('kill-switch-config');
const nodes = [killSwitch, killSwitchConfig];


/** Node-RED's own permission check (the one adminAuth uses), from the Node-RED under test. */
function hasPermission(scope, permission) {
  const editorApi = path.dirname(require.resolve('@node-red/editor-api/package.json', { paths: [nodeRedPath] }));
  return require(path.join(editorApi, 'lib', 'auth', 'permissions')).hasPermission(scope, permission);
}

describe('kill-switch node', function () {
  let dir;
  let stateDir;

  beforeEach(async function () {
    dir = tempDir('kill-switch-node-');
    stateDir = path.join(dir, 'state');
    helper.settings({ logIngestDir: stateDir });
    await helper.startServer();
  });

  afterEach(async function () {
    // Let the last state writes finish before the folder goes.
    for (const id of ['ks', 'ks1', 'ks2', 'cfg']) await helper.getNode(id)?.logIngestSwitch?.whenSaved().catch(() => undefined);
    await helper.unload();
    await helper.stopServer();
    helper.settings({});
    forgetHandovers(['ks', 'ks1', 'ks2']);
    fs.rmSync(dir, { recursive: true, force: true });
  });

  /** A kill switch (own switch unless config.killSwitch) → out (output 1) and events (output 2). */
  async function gate(config = {}, extra = [], modules = nodes) {
    const flow = [
      { id: 'f1', type: 'tab' },
      { id: 'ks', z: 'f1', type: 'kill-switch', name: '', killSwitch: '', controlTopic: 'kill-switch', mode: 'hold', queueSize: 1000, initial: 'released', ...config, wires: [['out'], ['events']] },
      { id: 'out', z: 'f1', type: 'helper' },
      { id: 'events', z: 'f1', type: 'helper' },
      ...extra,
    ];
    await helper.load(modules, flow);
    return { flow, ...handles() };
  }

  function handles() {
    return {
      node: helper.getNode('ks'),
      out: collector(helper.getNode('out')),
      events: collector(helper.getNode('events')),
    };
  }

  const control = (payload, extra = {}) => ({ topic: 'kill-switch', payload, ...extra });
  const statusIs = (node, fill, text) => nextCall(node, 'status', (s) => s.fill === fill && s.text === text);

  describe('control by message', function () {
    it('passes messages while released, holds them in order while engaged, sends them on release', async function () {
      const { node, out, events } = await gate();
      await statusIs(node, 'green', 'kill-switch.status.released');
      node.receive({ payload: 1 });
      await out.until((m) => m.length === 1);
      node.receive(control('engage', { reason: 'drill' }));
      const [engaged] = await events.until((m) => m.length === 1);
      engaged.payload.should.equal('engaged');
      engaged.killSwitch.should.match({ id: 'ks', state: 'engaged', engaged: true, cause: 'message', reason: 'drill', node: 'ks' });
      await statusIs(node, 'red', 'kill-switch.status.engaged');
      node.receive({ payload: 2 });
      node.receive({ payload: 3 });
      await statusIs(node, 'red', 'kill-switch.status.engagedHeld');
      out.messages.should.have.length(1);
      node.receive(control('release'));
      const all = await out.until((m) => m.length === 3);
      all.map((m) => m.payload).should.eql([1, 2, 3]);
      const [, released] = await events.until((m) => m.length === 2);
      released.payload.should.equal('released');
      released.killSwitch.should.match({ state: 'released', cause: 'message', held: 2, dropped: 0 });
      await statusIs(node, 'green', 'kill-switch.status.released');
      // Control messages never went out on output 1.
      all.every((m) => m.topic !== 'kill-switch').should.be.true();
    });

    it('accepts true/false and "toggle", answers "status" on output 2 without changing anything', async function () {
      const { node, events } = await gate({ controlTopic: 'stop' });
      node.receive({ topic: 'stop', payload: true });
      node.receive({ topic: 'stop', payload: false });
      node.receive({ topic: 'stop', payload: ' TOGGLE ' });
      node.receive({ topic: 'stop', payload: 'status', _msgid: 'asked' });
      const messages = await events.until((m) => m.length === 4);
      messages.slice(0, 3).map((m) => m.payload).should.eql(['engaged', 'released', 'engaged']);
      const answer = messages[3];
      answer._msgid.should.equal('asked'); // the question itself comes back
      answer.payload.should.equal('engaged');
      answer.killSwitch.history.map((c) => c.state).should.eql(['released', 'engaged', 'released', 'engaged']);
      answer.killSwitch.should.match({ held: 0, dropped: 0 });
      // A message on the default topic is just a message for this node.
      node.receive({ topic: 'kill-switch', payload: 'engage' });
      await statusIs(node, 'red', 'kill-switch.status.engagedHeld');
    });

    it('rejects an unknown command through done(err), for a catch node', async function () {
      await gate({}, [{ id: 'catcher', z: 'f1', type: 'catch', scope: null, uncaught: false, wires: [['caught']] }, { id: 'caught', z: 'f1', type: 'helper' }]);
      const caught = collector(helper.getNode('caught'));
      helper.getNode('ks').receive(control('pause'));
      const [msg] = await caught.until((m) => m.length === 1);
      msg.error.message.should.containEql('kill-switch.errors.badCommand');
    });

    it('drops the oldest held message beyond the queue size, counts it, warns once, and calls done for it', async function () {
      const { node, out, events } = await gate({ initial: 'engaged', queueSize: 3 }, [
        { id: 'completed', z: 'f1', type: 'complete', scope: ['ks'], uncaught: false, wires: [['done']] },
        { id: 'done', z: 'f1', type: 'helper' },
      ]);
      const done = collector(helper.getNode('done'));
      for (let i = 1; i <= 5; i++) node.receive({ payload: i });
      await done.until((m) => m.length === 2); // 1 and 2 were dropped
      done.messages.map((m) => m.payload).should.eql([1, 2]);
      await statusIs(node, 'red', 'kill-switch.status.engagedDropped');
      const warnings = node.warn.getCalls().filter((c) => c.thisValue === node && String(c.args[0]).includes('kill-switch.warnings.overflow'));
      warnings.should.have.length(1);
      node.receive(control('release'));
      (await out.until((m) => m.length === 3)).map((m) => m.payload).should.eql([3, 4, 5]);
      const released = (await events.until((m) => m.length === 1))[0];
      released.killSwitch.should.match({ held: 3, dropped: 2 });
      await nextCall(node, 'warn', (w) => String(w).includes('kill-switch.warnings.dropped'));
      await done.until((m) => m.length === 6); // 5 messages and the control message
    });

    it('discards messages while engaged in "discard" mode, and counts them', async function () {
      const { node, out, events } = await gate({ initial: 'engaged', mode: 'discard' });
      for (let i = 0; i < 3; i++) node.receive({ payload: i });
      await statusIs(node, 'red', 'kill-switch.status.engagedDiscarded');
      node.receive(control('release'));
      const [released] = await events.until((m) => m.length === 1);
      released.killSwitch.dropped.should.equal(3);
      node.receive({ payload: 'after' });
      (await out.until((m) => m.length === 1)).map((m) => m.payload).should.eql(['after']);
    });

    it('shares one switch between nodes through a kill-switch-config node', async function () {
      await helper.load(nodes, [
        { id: 'f1', type: 'tab' },
        { id: 'cfg', type: 'kill-switch-config', name: 'pipeline stop', initial: 'released' },
        { id: 'ks1', z: 'f1', type: 'kill-switch', killSwitch: 'cfg', wires: [[], ['events1']] },
        { id: 'ks2', z: 'f1', type: 'kill-switch', killSwitch: 'cfg', wires: [['out2'], ['events2']] },
        { id: 'events1', z: 'f1', type: 'helper' },
        { id: 'events2', z: 'f1', type: 'helper' },
        { id: 'out2', z: 'f1', type: 'helper' },
      ]);
      const events2 = collector(helper.getNode('events2'));
      const out2 = collector(helper.getNode('out2'));
      const ks2 = helper.getNode('ks2');
      helper.getNode('ks1').receive(control('engage', { reason: 'incident 7' }));
      const [engaged] = await events2.until((m) => m.length === 1);
      engaged.killSwitch.should.match({ id: 'cfg', state: 'engaged', node: 'ks1', reason: 'incident 7' });
      ks2.receive({ payload: 'held' });
      await statusIs(ks2, 'red', 'kill-switch.status.engagedHeld');
      out2.messages.should.have.length(0);
      helper.getNode('ks1').receive(control('release'));
      (await out2.until((m) => m.length === 1))[0].payload.should.equal('held');
      // The change went to the Node-RED log, through the config node that owns the switch.
      const cfg = helper.getNode('cfg');
      await nextCall(cfg, 'log', (text) => text === 'kill-switch-config.log.changedReason');
    });

    it('holds everything, with an error, when its shared switch does not exist (fail closed)', async function () {
      const { node, out } = await gate({ killSwitch: 'gone' }, [
        { id: 'catcher', z: 'f1', type: 'catch', scope: ['ks'], uncaught: false, wires: [['caught']] },
        { id: 'caught', z: 'f1', type: 'helper' },
      ]);
      const caught = collector(helper.getNode('caught'));
      await nextCall(node, 'error', (e) => String(e).includes('kill-switch.errors.noKillSwitch'));
      await statusIs(node, 'red', 'kill-switch.status.missing');
      node.receive({ payload: 'held' });
      node.receive(control('release'));
      await caught.until((m) => m.length >= 1);
      out.messages.should.have.length(0);
      await helper.request().post('/kill-switch/ks').send({}).expect(404);
    });
  });

  describe('admin endpoint', function () {
    it('toggles on a POST of an empty object, engages and releases with an action and a reason', async function () {
      const { node, out, events } = await gate();
      let res = await helper.request().post('/kill-switch/ks').send({}).expect(200);
      res.body.should.match({ id: 'ks', state: 'engaged', engaged: true, changed: true, cause: 'http' });
      node.receive({ payload: 'waits' });
      res = await helper.request().post('/kill-switch/ks').send({ action: 'engage' }).expect(200);
      res.body.should.match({ state: 'engaged', changed: false });
      res = await helper.request().post('/kill-switch/ks').send({ action: 'release', reason: 'all clear' }).expect(200);
      res.body.should.match({ state: 'released', changed: true, cause: 'http', reason: 'all clear' });
      (await out.until((m) => m.length === 1))[0].payload.should.equal('waits');
      const changes = await events.until((m) => m.length === 2);
      changes.map((m) => [m.payload, m.killSwitch.cause]).should.eql([
        ['engaged', 'http'],
        ['released', 'http'],
      ]);
      const saved = JSON.parse(fs.readFileSync(path.join(stateDir, 'switches', 'ks.json'), 'utf8'));
      saved.state.should.equal('released'); // answered once saved
      // The editor marks its requests (its button sends no action): a claim, recorded as such.
      res = await helper.request().post('/kill-switch/ks').set('Node-RED-API-Version', 'v2').send({}).expect(200);
      res.body.should.match({ state: 'engaged', cause: 'http', claimed: 'editor' });
    });

    it('controls a shared switch by the config node id, and reports state and history on GET', async function () {
      await gate({ killSwitch: 'cfg' }, [{ id: 'cfg', type: 'kill-switch-config', name: 'soc', initial: 'released' }]);
      const { node } = handles();
      await helper.request().post('/kill-switch/cfg').send({ action: 'engage', reason: 'from SOAR' }).expect(200);
      await statusIs(node, 'red', 'kill-switch.status.engaged');
      const viaNode = await helper.request().get('/kill-switch/ks').expect(200);
      const viaConfig = await helper.request().get('/kill-switch/cfg').expect(200);
      viaNode.body.should.eql(viaConfig.body);
      viaConfig.body.should.match({ id: 'cfg', state: 'engaged', cause: 'http', reason: 'from SOAR' });
      viaConfig.body.history.map((c) => c.state).should.eql(['released', 'engaged']);
    });

    it('answers 404 for an unknown id or a node that is not a switch, 400 for an unknown action', async function () {
      const { node } = await gate();
      await helper.request().post('/kill-switch/nope').send({ action: 'engage' }).expect(404);
      await helper.request().get('/kill-switch/nope').expect(404);
      await helper.request().post('/kill-switch/out').send({}).expect(404);
      const res = await helper.request().post('/kill-switch/ks').send({ action: 'shutdown' }).expect(400);
      res.body.error.should.containEql('shutdown');
      node.logIngestSwitch.state.should.equal('released');
    });

    describe('takes only a JSON object, which a page on another site cannot make a browser send unasked', function () {
      let node;
      let events;
      beforeEach(async function () {
        ({ node, events } = await gate());
      });

      /** POSTs `body` as `type` to the node's switch; the switch must not change. */
      async function refused(type, body, status) {
        let req = helper.request().post('/kill-switch/ks');
        if (type) req = req.set('Content-Type', type);
        const res = await req.send(body).expect(status).expect('Content-Type', /json/);
        node.logIngestSwitch.state.should.equal('released');
        node.logIngestSwitch.history.should.have.length(1);
        events.messages.should.have.length(0);
        return res.body.error;
      }

      it('answers 415 for text/plain, naming the content type', async function () {
        (await refused('text/plain', '{"action":"engage"}', 415)).should.match(/text\/plain.*application\/json/);
      });

      it('answers 415 for a form', async function () {
        (await refused('application/x-www-form-urlencoded', 'action=engage&reason=csrf', 415)).should.containEql('application/x-www-form-urlencoded');
      });

      it('answers 415 for multipart and for a POST with no body and no content type', async function () {
        await refused('multipart/form-data; boundary=x', '--x\r\nContent-Disposition: form-data; name="action"\r\n\r\nengage\r\n--x--\r\n', 415);
        (await refused(undefined, undefined, 415)).should.containEql('no content type');
      });

      it('answers 400 for a JSON array', async function () {
        (await refused('application/json', '[]', 400)).should.containEql('an array');
        await refused('application/json', '[{"action":"engage"}]', 400);
      });

      it('takes a JSON object, with or without a charset', async function () {
        await helper.request().post('/kill-switch/ks').set('Content-Type', 'application/json').send('{"action":"engage"}').expect(200);
        node.logIngestSwitch.state.should.equal('engaged');
        await helper.request().post('/kill-switch/ks').set('Content-Type', 'Application/JSON; charset=utf-8').send('{"action":"release"}').expect(200);
        node.logIngestSwitch.state.should.equal('released');
      });
    });

    describe('keeps the audit trail honest', function () {
      const CONTROL = /[\u0000-\u001f\u007f-\u009f\u202a-\u202e\u2028\u2029\u2066-\u2069]/;
      const FORGED_LINE = '1 Jan 00:00:00 - [info] [kill-switch:ks] released by editor button';
      const hostile = `drill\n${FORGED_LINE}\r\x1b[31mred\x1b[0m\u2028\u202eend`;
      const clean = `drill ${FORGED_LINE} red end`;

      /** The gate with its catalog rendered, as Node-RED logs it; `logged()` is every line its node logged. */
      async function renderedGate() {
        await helper.load([await nodeModuleRenderingIn('kill-switch', 'en-US'), killSwitchConfig], [
          { id: 'f1', type: 'tab' },
          { id: 'ks', z: 'f1', type: 'kill-switch', name: '', killSwitch: '', controlTopic: 'kill-switch', mode: 'hold', queueSize: 1000, initial: 'released', wires: [['out'], ['events']] },
          { id: 'out', z: 'f1', type: 'helper' },
          { id: 'events', z: 'f1', type: 'helper' },
        ]);
        const h = handles();
        const logged = () => h.node.log.getCalls().filter((call) => call.thisValue === h.node).map((call) => String(call.args[0]));
        return { ...h, logged };
      }

      it('logs, stores and returns an HTTP reason as one printable line', async function () {
        const { node, events, logged } = await renderedGate();
        const res = await helper.request().post('/kill-switch/ks').send({ action: 'engage', reason: hostile }).expect(200);
        res.body.reason.should.equal(clean);
        const line = await nextCall(node, 'log', (text) => String(text).startsWith('engaged by'));
        line.should.equal(`engaged by HTTP call: ${clean}`);
        for (const text of logged()) CONTROL.test(text).should.be.false(JSON.stringify(text));
        (await events.until((m) => m.length === 1))[0].killSwitch.reason.should.equal(clean);
        (await helper.request().get('/kill-switch/ks').expect(200)).body.history[1].reason.should.equal(clean);
        await node.logIngestSwitch.whenSaved();
        const saved = JSON.parse(fs.readFileSync(path.join(stateDir, 'switches', 'ks.json'), 'utf8'));
        saved.history[1].reason.should.equal(clean);
      });

      it('logs and reports a control message\'s reason as one printable line', async function () {
        const { node, events, logged } = await renderedGate();
        node.receive(control('engage', { reason: hostile }));
        (await events.until((m) => m.length === 1))[0].killSwitch.reason.should.equal(clean);
        (await nextCall(node, 'log', (text) => String(text).startsWith('engaged by'))).should.equal(`engaged by control message: ${clean}`);
        for (const text of logged()) CONTROL.test(text).should.be.false(JSON.stringify(text));
      });

      it('records the editor\'s mark as a claim made over HTTP, not as the editor', async function () {
        const { node } = await renderedGate();
        const res = await helper.request().post('/kill-switch/ks').set('Node-RED-API-Version', 'v2').send({ action: 'engage' }).expect(200);
        res.body.should.match({ state: 'engaged', cause: 'http', claimed: 'editor' });
        node.logIngestSwitch.last.should.match({ cause: 'http', claimed: 'editor' });
        (await nextCall(node, 'log', (text) => String(text).startsWith('engaged by'))).should.equal('engaged by HTTP call claiming to be the editor');
        // Without the mark: no claim.
        (await helper.request().post('/kill-switch/ks').send({ action: 'release' }).expect(200)).body.should.not.have.property('claimed');
      });
    });

    describe('with permissions', function () {
      // The test helper's RED.auth lets everything through. Give the nodes one that
      // checks the scope in a header with Node-RED's own permission rules, and record
      // which permission each route asks for.
      let original;
      let asked;
      beforeEach(function () {
        const registryUtil = helper._registryUtil;
        original = registryUtil.createNodeApi;
        asked = [];
        registryUtil.createNodeApi = function (...args) {
          const red = original.apply(this, args);
          red.auth = {
            needsPermission(permission) {
              asked.push(permission);
              return (req, res, next) => {
                const scope = (req.get('x-test-scope') || '').split(',').filter(Boolean);
                if (hasPermission(scope, permission)) next();
                else res.status(401).end();
              };
            },
          };
          return red;
        };
      });
      afterEach(function () {
        helper._registryUtil.createNodeApi = original;
      });

      it('asks for kill-switch.write to change and kill-switch.read to look', async function () {
        await gate();
        asked.should.containEql('kill-switch.write');
        asked.should.containEql('kill-switch.read');
      });

      it('refuses a change without kill-switch.write and leaves the switch alone', async function () {
        const { node, events } = await gate();
        await helper.request().post('/kill-switch/ks').send({ action: 'engage' }).expect(401);
        await helper.request().post('/kill-switch/ks').set('x-test-scope', 'kill-switch.read').send({ action: 'engage' }).expect(401);
        await helper.request().post('/kill-switch/ks').set('x-test-scope', 'read').send({ action: 'engage' }).expect(401);
        await helper.request().get('/kill-switch/ks').expect(401);
        node.logIngestSwitch.state.should.equal('released');
        events.messages.should.have.length(0);
        (await helper.request().get('/kill-switch/ks').set('x-test-scope', 'read').expect(200)).body.state.should.equal('released');
      });

      it('makes the change with kill-switch.write (or *)', async function () {
        const { node } = await gate();
        await helper.request().post('/kill-switch/ks').set('x-test-scope', 'kill-switch.write').send({ action: 'engage' }).expect(200);
        node.logIngestSwitch.state.should.equal('engaged');
        await helper.request().post('/kill-switch/ks').set('x-test-scope', '*').send({ action: 'release' }).expect(200);
        node.logIngestSwitch.state.should.equal('released');
      });
    });

    // The button on the node in the editor: test/browser/editor.spec.js.
  });

  describe('persistence', function () {
    const withConfig = (initial = 'released') => [
      { id: 'f1', type: 'tab' },
      { id: 'cfg', type: 'kill-switch-config', name: 'soc', initial },
      { id: 'ks', z: 'f1', type: 'kill-switch', name: '', killSwitch: 'cfg', controlTopic: 'kill-switch', mode: 'hold', queueSize: 1000, initial: 'released', wires: [['out'], ['events']] },
      { id: 'out', z: 'f1', type: 'helper' },
      { id: 'events', z: 'f1', type: 'helper' },
    ];

    it('stays engaged across a full redeploy that changes the switch and the node', async function () {
      const flow = withConfig();
      await helper.load(nodes, flow);
      helper.getNode('ks').receive(control('engage'));
      await statusIs(helper.getNode('ks'), 'red', 'kill-switch.status.engaged');
      const changed = flow.map((n) => (n.id === 'cfg' ? { ...n, name: 'renamed' } : n.id === 'ks' ? { ...n, name: 'gate' } : n));
      await helper.setFlows(changed, 'full');
      const { node, out } = handles();
      node.logIngestSwitch.state.should.equal('engaged');
      await statusIs(node, 'red', 'kill-switch.status.engaged');
      node.receive({ payload: 'held' });
      await statusIs(node, 'red', 'kill-switch.status.engagedHeld');
      out.messages.should.have.length(0);
    });

    it('keeps held messages for the next instance of a redeployed node', async function () {
      const { flow, node, out } = await gate({ initial: 'engaged' });
      node.receive({ payload: 'a' });
      node.receive({ payload: 'b' });
      await statusIs(node, 'red', 'kill-switch.status.engagedHeld');
      await helper.setFlows(flow.map((n) => (n.id === 'ks' ? { ...n, name: 'renamed' } : n)), 'nodes');
      const again = helper.getNode('ks');
      again.should.not.equal(node);
      await statusIs(again, 'red', 'kill-switch.status.engagedHeld');
      again.receive(control('release'));
      (await out.until((m) => m.length === 2)).map((m) => m.payload).should.eql(['a', 'b']);
    });

    it('stays engaged when the flows are stopped and started again (unload, load)', async function () {
      await helper.load(nodes, withConfig());
      helper.getNode('ks').receive(control('engage', { reason: 'before unload' }));
      await statusIs(helper.getNode('ks'), 'red', 'kill-switch.status.engaged');
      await helper.unload();
      await helper.load(nodes, withConfig());
      helper.getNode('cfg').logIngestSwitch.last.should.match({ state: 'engaged', reason: 'before unload' });
    });

    it('stays engaged across a restart: the switch is read back from its file, not from memory', async function () {
      await helper.load(nodes, withConfig());
      const before = helper.getNode('cfg').logIngestSwitch;
      await helper.request().post('/kill-switch/cfg').send({ action: 'engage', reason: 'incident 9' }).expect(200);
      await helper.unload();
      // A new process: fresh copies of the pack's modules, so no switch is in memory.
      const fresh = freshModules();
      await helper.load(fresh, withConfig('released'));
      const cfg = helper.getNode('cfg');
      cfg.logIngestSwitch.should.not.equal(before);
      cfg.logIngestSwitch.loaded.kind.should.equal('restored');
      cfg.logIngestSwitch.last.should.match({ state: 'engaged', cause: 'http', reason: 'incident 9' });
      await nextCall(cfg, 'log', (text) => text === 'kill-switch-config.log.restored');
      await statusIs(helper.getNode('ks'), 'red', 'kill-switch.status.engaged');
    });

    it('starts with the configured initial state the first time', async function () {
      await helper.load(nodes, withConfig('engaged'));
      const cfg = helper.getNode('cfg');
      cfg.logIngestSwitch.last.should.match({ state: 'engaged', cause: 'initial' });
      await nextCall(cfg, 'log', (text) => text === 'kill-switch-config.log.initial');
      await statusIs(helper.getNode('ks'), 'red', 'kill-switch.status.engaged');
    });

    it('starts engaged (fail closed), and says why, when the saved state cannot be read', async function () {
      const file = path.join(stateDir, 'switches', 'cfg.json');
      fs.mkdirSync(path.dirname(file), { recursive: true });
      fs.writeFileSync(file, '{"version":1,"state":"rel'); // cut short
      await helper.load(freshModules(), withConfig('released'));
      const cfg = helper.getNode('cfg');
      cfg.logIngestSwitch.state.should.equal('engaged');
      await nextCall(cfg, 'warn', (text) => text === 'kill-switch-config.log.failClosed');
      const res = await helper.request().get('/kill-switch/cfg').expect(200);
      res.body.should.match({ state: 'engaged', cause: 'fail-closed' });
      res.body.reason.should.containEql(file);
      const { node, out } = handles();
      node.receive({ payload: 'held' });
      await statusIs(node, 'red', 'kill-switch.status.engagedHeld');
      out.messages.should.have.length(0);
    });
  });
});

/** The pack's node modules loaded afresh, as a restarted Node-RED would load them. */
function freshModules() {
  const dist = path.resolve(__dirname, '..', '..', 'dist') + path.sep;
  for (const key of Object.keys(require.cache)) if (key.startsWith(dist)) delete require.cache[key];
  return [nodeModule('kill-switch'), nodeModule('kill-switch-config')];
}
