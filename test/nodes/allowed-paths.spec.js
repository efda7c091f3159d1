'use strict';
// logIngest.allowedPaths in settings.js: file-tail and dir-watch read only
// within it, whatever form the path takes (configured, msg.path, environment
// variable, symlink, `..`); relative paths lead where the core file nodes'
// do (fileWorkingDirectory, else the process's working directory). "Never
// arrives" is checked after a marker sent later has arrived.
const fs = require('fs');
const path = require('path');
const should = require('should');
const { helper, nodeModule, nodeModuleRenderingIn, serverPerTest } = require('../support/helper');
const { collector, nextCall } = require('../support/collect');

// The status text is rendered ("path not allowed") once the catalogs are loaded, a key before.
const refusedStatus = (s) => s.fill === 'red' && /^(path not allowed|(file-tail|dir-watch)\.status\.notAllowed)$/.test(s.text);

describe('allowed paths (logIngest.allowedPaths)', function () {
  this.timeout(30000);
  const server = serverPerTest('log-ingest-allowed-');
  let allowed;
  let outside;
  let secret;

  beforeEach(function () {
    const dir = fs.realpathSync(server.dir);
    allowed = path.join(dir, 'allowed');
    outside = path.join(dir, 'outside');
    fs.mkdirSync(allowed);
    fs.mkdirSync(outside);
    secret = path.join(outside, 'secret.log');
    fs.writeFileSync(secret, 'secret\n');
  });
  afterEach(function () {
    delete process.env.LOG_INGEST_TEST_FILE;
  });

  /** The pack's settings for this test, with `logIngest` as given (omitted when undefined). */
  function settings(logIngest, more = {}) {
    helper.settings({ logIngestDir: server.state, ...(logIngest !== undefined && { logIngest }), ...more });
  }

  /** `text` contains the path, and points to the setting. */
  const namesPathAndSetting = (file) => (text) => typeof text === 'string' && text.includes(file) && text.includes('logIngest.allowedPaths');

  describe('file-tail', function () {
    async function tail(config) {
      await helper.load(await nodeModuleRenderingIn('file-tail', 'en-US'), [
        { id: 'tail', type: 'file-tail', startAt: 'beginning', idleFlush: 0, pollInterval: 0.1, ...config, wires: [['out']] },
        { id: 'out', type: 'helper' },
      ]);
      return { node: helper.getNode('tail'), out: collector(helper.getNode('out')) };
    }

    /** Follows `file` (allowed) by msg.path and waits for `marker`: nothing read before it came from elsewhere. */
    async function onlyMarkerAfter(node, out) {
      const file = path.join(allowed, 'marker.log');
      fs.writeFileSync(file, 'marker\n');
      node.receive({ path: file });
      (await out.untilLines(1)).should.eql(['marker']);
    }

    it('reads a file inside the list', async function () {
      settings({ allowedPaths: [allowed] });
      const file = path.join(allowed, 'app.log');
      fs.writeFileSync(file, 'one\ntwo\n');
      const { out } = await tail({ path: file });
      (await out.untilLines(2)).should.eql(['one', 'two']);
    });

    it('refuses a configured path outside the list, with a status and an error naming the path and the setting', async function () {
      settings({ allowedPaths: [allowed] });
      const { node, out } = await tail({ path: secret });
      await nextCall(node, 'status', refusedStatus);
      await nextCall(node, 'error', namesPathAndSetting(secret));
      await onlyMarkerAfter(node, out);
    });

    it('refuses msg.path outside the list', async function () {
      settings({ allowedPaths: [allowed] });
      const { node, out } = await tail({ path: '' });
      node.receive({ path: secret });
      await nextCall(node, 'status', refusedStatus);
      await nextCall(node, 'error', namesPathAndSetting(secret));
      await onlyMarkerAfter(node, out);
    });

    it('refuses a path from an environment variable outside the list', async function () {
      settings({ allowedPaths: [allowed] });
      process.env.LOG_INGEST_TEST_FILE = secret;
      const { node, out } = await tail({ path: 'LOG_INGEST_TEST_FILE', pathType: 'env' });
      await nextCall(node, 'status', refusedStatus);
      await nextCall(node, 'error', namesPathAndSetting(secret));
      await onlyMarkerAfter(node, out);
    });

    it('refuses a symlink inside the list that leads outside it', async function () {
      settings({ allowedPaths: [allowed] });
      const link = path.join(allowed, 'passwd.log');
      fs.symlinkSync(secret, link);
      const { node, out } = await tail({ path: link });
      await nextCall(node, 'status', refusedStatus);
      await nextCall(node, 'error', namesPathAndSetting(link));
      await onlyMarkerAfter(node, out);
    });

    it('refuses a path that climbs out of the list with ..', async function () {
      settings({ allowedPaths: [allowed] });
      const climbing = `${allowed}/../outside/secret.log`;
      const { node, out } = await tail({ path: climbing });
      await nextCall(node, 'status', refusedStatus);
      await nextCall(node, 'error', namesPathAndSetting(secret)); // named as it is resolved
      await onlyMarkerAfter(node, out);
    });

    it('refuses everything when the setting is malformed', async function () {
      settings({ allowedPaths: allowed }); // a string, not a list
      const file = path.join(allowed, 'app.log');
      fs.writeFileSync(file, 'one\n');
      const { node } = await tail({ path: file });
      await nextCall(node, 'status', refusedStatus);
      await nextCall(node, 'error', (text) => typeof text === 'string' && text.includes('invalid'));
    });

    it('reads anywhere when the setting is not set', async function () {
      settings(undefined);
      const { out } = await tail({ path: secret });
      (await out.untilLines(1)).should.eql(['secret']);
    });

    it('resolves a relative path against fileWorkingDirectory when it is set', async function () {
      settings({ allowedPaths: [allowed] }, { fileWorkingDirectory: allowed });
      const file = path.join(allowed, 'app.log');
      fs.writeFileSync(file, 'one\n');
      const { out } = await tail({ path: 'app.log' });
      const [msg] = await out.until((ms) => ms.length >= 1);
      msg.payload.should.equal('one');
      msg.topic.should.equal(file);
    });

    it('resolves a relative path against the working directory of the process otherwise', async function () {
      settings(undefined);
      const file = path.join(allowed, 'app.log');
      fs.writeFileSync(file, 'one\n');
      const { out } = await tail({ path: path.relative(process.cwd(), file) });
      const [msg] = await out.until((ms) => ms.length >= 1);
      msg.topic.should.equal(file);
    });

    it('refuses a relative path that fileWorkingDirectory takes outside the list', async function () {
      settings({ allowedPaths: [allowed] }, { fileWorkingDirectory: outside });
      const { node } = await tail({ path: 'secret.log' });
      await nextCall(node, 'status', refusedStatus);
      await nextCall(node, 'error', namesPathAndSetting(secret));
    });
  });

  describe('dir-watch', function () {
    async function watch(config) {
      await helper.load(await nodeModuleRenderingIn('dir-watch', 'en-US'), [
        { id: 'watch', type: 'dir-watch', path: allowed, pattern: '*.log', startAt: 'beginning', idleFlush: 0, pollInterval: 0.1, ...config, wires: [['lines'], ['events']] },
        { id: 'lines', type: 'helper' },
        { id: 'events', type: 'helper' },
      ]);
      return { node: helper.getNode('watch'), lines: collector(helper.getNode('lines')), events: collector(helper.getNode('events')) };
    }

    it('refuses a folder outside the list, with a status and an error', async function () {
      settings({ allowedPaths: [allowed] });
      const { node } = await watch({ path: outside });
      await nextCall(node, 'status', refusedStatus);
      await nextCall(node, 'error', namesPathAndSetting(outside));
    });

    it('refuses a folder inside the list that is a symlink leading outside', async function () {
      settings({ allowedPaths: [allowed] });
      const link = path.join(allowed, 'elsewhere');
      fs.symlinkSync(outside, link);
      const { node, events } = await watch({ path: link });
      await nextCall(node, 'error', namesPathAndSetting(link));
      await nextCall(node, 'status', refusedStatus);
      // Not listed: no file of it is announced.
      events.messages.filter((m) => m.payload === 'added').should.eql([]);
    });

    // A link is refused by the Symlinks rule ("skipped", the default) before
    // the allow-list is asked; with the list, its real path is judged too ("error").
    const refusedEvent = (file) => (ms) => ms.some((m) => (m.payload === 'error' || m.payload === 'skipped') && m.topic === file);

    it('does not follow a symlinked file inside the folder that leads outside, and follows the others', async function () {
      settings({ allowedPaths: [allowed] });
      const link = path.join(allowed, 'passwd.log');
      fs.symlinkSync(secret, link);
      fs.writeFileSync(path.join(allowed, 'a.log'), 'a1\n');
      const { node, lines, events } = await watch({});
      await events.until(refusedEvent(link));
      await lines.untilLines(1);
      fs.appendFileSync(path.join(allowed, 'a.log'), 'marker\n');
      (await lines.until((ms) => ms.some((m) => m.payload === 'marker'))).map((m) => m.payload).should.eql(['a1', 'marker']);
      events.messages.filter((m) => m.payload === 'added').map((m) => m.topic).should.eql([path.join(allowed, 'a.log')]);
    });

    it('does not follow a file replaced by a symlink leading outside after the folder was listed', async function () {
      settings({ allowedPaths: [allowed] });
      fs.writeFileSync(path.join(allowed, 'a.log'), 'a1\n');
      const { node, lines, events } = await watch({});
      await lines.untilLines(1);
      const late = path.join(allowed, 'late.log');
      fs.symlinkSync(secret, late);
      await events.until(refusedEvent(late));
      fs.appendFileSync(path.join(allowed, 'a.log'), 'marker\n');
      (await lines.until((ms) => ms.some((m) => m.payload === 'marker'))).map((m) => m.payload).should.eql(['a1', 'marker']);
      eventsOf(events, 'added').should.not.containEql(late);
    });

    it('resolves a relative folder against fileWorkingDirectory', async function () {
      settings({ allowedPaths: [allowed] }, { fileWorkingDirectory: path.dirname(allowed) });
      fs.writeFileSync(path.join(allowed, 'a.log'), 'a1\n');
      const { lines } = await watch({ path: 'allowed' });
      const [msg] = await lines.until((ms) => ms.length >= 1);
      msg.topic.should.equal(path.join(allowed, 'a.log'));
    });

    it('reads anywhere when the setting is not set', async function () {
      settings(undefined);
      fs.writeFileSync(path.join(outside, 'b.log'), 'b1\n');
      const { lines } = await watch({ path: outside });
      (await lines.until((ms) => ms.some((m) => m.payload === 'b1'))).should.not.be.empty();
    });
  });

  describe('the list for the editor: GET /log-ingest/allowed-paths', function () {
    const fileTail = nodeModule('file-tail');

    it('returns the folders, the base of relative paths, and whether a path is allowed by its name', async function () {
      settings({ allowedPaths: [allowed, 'logs/*'] }, { fileWorkingDirectory: outside });
      await helper.load(fileTail, [{ id: 'tail', type: 'file-tail', path: '', wires: [[]] }]);
      const res = await helper.request().get('/log-ingest/allowed-paths').expect(200);
      res.body.should.eql({ limited: true, invalid: false, paths: [allowed, path.join(outside, 'logs/*')], base: outside });
      (await helper.request().get('/log-ingest/allowed-paths').query({ path: secret }).expect(200)).body.should.match({ path: secret, allowed: false });
      (await helper.request().get('/log-ingest/allowed-paths').query({ path: `${allowed}/x.log` }).expect(200)).body.should.match({ allowed: true });
      (await helper.request().get('/log-ingest/allowed-paths').query({ path: 'logs/a/b.log' }).expect(200)).body.should.match({ path: path.join(outside, 'logs/a/b.log'), allowed: true });
    });

    it('says when there is no limit, and when the setting is invalid', async function () {
      settings(undefined);
      await helper.load(fileTail, [{ id: 'tail', type: 'file-tail', path: '', wires: [[]] }]);
      (await helper.request().get('/log-ingest/allowed-paths').expect(200)).body.should.match({ limited: false, invalid: false, paths: [] });
      await helper.unload();
      settings({ allowedPaths: 'oops' });
      await helper.load(fileTail, [{ id: 'tail', type: 'file-tail', path: '', wires: [[]] }]);
      (await helper.request().get('/log-ingest/allowed-paths').expect(200)).body.should.match({ limited: true, invalid: true, paths: [] });
    });
  });
});

/** Events of a kind on output 2, as [path, ...]. */
function eventsOf(events, kind) {
  return events.messages.filter((m) => m.payload === kind).map((m) => m.topic);
}
