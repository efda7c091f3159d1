'use strict';
// The "log ingest" sidebar tab (src/plugins/log-ingest-sidebar) in the real
// Node-RED editor, driven in headless chromium like editor.spec.js (same
// support, same Node-RED selection by NODE_RED_PATH / NODE_RED_NODE_BIN, same
// skip rule when chromium is missing):
//
//   - the tab lists the running file-tail and dir-watch nodes and their files,
//     and the offset grows as a log generator writes;
//   - a click on a source's name reveals the node;
//   - its button engages and releases a kill switch (checked in the runtime:
//     GET /kill-switch/:id), and the source it stops shows "paused";
//   - it stops asking the runtime while hidden, and asks again when shown;
//   - a syslog-in source (a listing of the runtime with one added) shows its
//     listener, counters and senders; what senders send is shown as text, never
//     as HTML;
//   - screenshot: docs/images/sidebar.png with LOG_INGEST_SCREENSHOTS=1 (set by
//     `npm run screenshots`), else a file in the test's temp folder, so that
//     `npm test` leaves the checkout as it was.
// Each test fails on any uncaught page error, and on console errors, failed
// requests and HTTP errors that come from the pack's files or endpoints.
const fs = require('fs');
const os = require('os');
const path = require('path');
const should = require('should');
const { startNodeRed, resolveNodeRedDir, nodeRedInfo, nodeVersion, REPO_ROOT } = require('../support/node-red-process');
const { LogGenerator } = require('../../scripts/lib/log-generator');
const ed = require('./support/editor');

const nodeRedDir = resolveNodeRedDir(process.env.NODE_RED_PATH);
const nodeBin = process.env.NODE_RED_NODE_BIN || process.execPath;
const nr = nodeRedInfo(nodeRedDir);
const packDir = path.resolve(process.env.LOG_INGEST_PACK_DIR || REPO_ROOT);
const MODULE = JSON.parse(fs.readFileSync(path.join(packDir, 'package.json'), 'utf8')).name;
const README_SCREENSHOT = /^(1|true|yes)$/i.test(process.env.LOG_INGEST_SCREENSHOTS || '');

const TAB = 'log-ingest';
const CONTENT = '.log-ingest-sidebar';
const IDS = {
  tab: 'sb00000000000001',
  tail: 'sb00000000000002',
  batch: 'sb00000000000003',
  debug: 'sb00000000000004',
  dir: 'sb00000000000005',
  killSwitch: 'sb00000000000006',
  comment: 'sb00000000000007',
  broken: 'sb00000000000008',
};

/** The line settings every source node needs (the defaults of its dialog). */
const LINE_SETTINGS = { startAt: 'beginning', output: 'lines', encoding: 'utf8', delimiter: '\\n', idleFlush: 1, pollInterval: 1, maxLineBytes: 1048576, longLines: 'cut' };
const DIR_SETTINGS = { exclude: '', recursive: false, maxDepth: 8, maxOpenFiles: 512, ignoreOlder: 0 };

function flows(logFile) {
  const z = IDS.tab;
  return [
    { id: z, type: 'tab', label: 'Log sources' },
    { id: IDS.comment, type: 'comment', z, name: 'Open the "log ingest" sidebar tab', x: 190, y: 40, wires: [] },
    { id: IDS.killSwitch, type: 'kill-switch-config', name: 'incident stop', initial: 'released' },
    {
      id: IDS.tail,
      type: 'file-tail',
      z,
      name: 'app.log',
      path: logFile,
      ...LINE_SETTINGS,
      killSwitch: IDS.killSwitch,
      x: 140,
      y: 100,
      wires: [[IDS.batch]],
    },
    { id: IDS.batch, type: 'micro-batch', z, name: '2 s batches', interval: 2, maxSize: 1000, maxBytes: 0, keepArrays: false, x: 340, y: 100, wires: [[IDS.debug]] },
    { id: IDS.debug, type: 'debug', z, name: 'batches', active: false, tosidebar: true, console: false, tostatus: false, complete: 'true', targetType: 'full', x: 530, y: 100, wires: [] },
    { id: IDS.dir, type: 'dir-watch', z, name: 'logs folder', path: path.dirname(logFile), pattern: '*.log', ...LINE_SETTINGS, ...DIR_SETTINGS, x: 150, y: 180, wires: [[], []] },
    // A path that is a folder: the file tail reports an error (shown in red in the sidebar).
    { id: IDS.broken, type: 'file-tail', z, name: 'misconfigured', path: path.dirname(logFile), ...LINE_SETTINGS, killSwitch: '', x: 150, y: 260, wires: [[]] },
  ];
}

describe(`log ingest sidebar in a real Node-RED ${nr.version} on Node ${nodeVersion(nodeBin)} (browser)`, function () {
  this.timeout(120000); // safety net only: a loaded machine is slow, never wrong

  let node = null;
  let browser = null;
  let page = null;
  let errors = null;
  let tmpDir = null;
  let logFile = null;
  let generator = null;
  /** URLs of the sidebar's GET log-ingest/sources requests, in order. */
  const polls = [];

  const guarded = (fn) => ed.failingOnPageErrors(() => errors, fn);

  before(async function () {
    ed.skipUnlessBrowser(this);
    tmpDir = fs.mkdtempSync(path.join(os.tmpdir(), 'log-ingest-sidebar-'));
    logFile = path.join(tmpDir, 'logs', 'app.log');
    fs.mkdirSync(path.dirname(logFile));
    generator = new LogGenerator({ file: logFile, rate: 20, rotateEvery: 100000, seed: 11 });
    node = await startNodeRed({ flows: flows(logFile), nodesDir: [packDir], nodeRedDir, nodeBin, userDir: path.join(tmpDir, 'node-red') });
    ({ browser, page } = await ed.openEditor(node.url, (p) => {
      // "/log-ingest" and "/kill-switch" name the pack's endpoints: their errors count.
      errors = new ed.PageErrors(p, { moduleName: MODULE, types: ['file-tail', 'dir-watch', 'micro-batch', 'kill-switch', 'kill-switch-config', 'log-ingest'] });
      p.on('request', (req) => {
        if (/\/log-ingest\/sources(\?|$)/.test(req.url())) polls.push(req.url());
      });
    }));
    generator.start();
  });

  after(async function () {
    if (errors && errors.foreign.length) console.log(`      console errors not from the pack (not failed on):\n        ${[...new Set(errors.foreign)].join('\n        ')}`);
    if (generator) await generator.stop();
    if (browser) await browser.close();
    if (node) await node.stop();
    if (tmpDir) fs.rmSync(tmpDir, { recursive: true, force: true });
  });

  const sourceRow = (id) => page.locator(`${CONTENT} .log-ingest-source[data-id="${id}"]`);
  const fileRow = (id, file) => sourceRow(id).locator(`.log-ingest-file[data-path="${file}"]`);
  const switchRow = (id) => page.locator(`${CONTENT} .log-ingest-switch[data-id="${id}"]`);

  /** Waits until the offset shown for `file` of source `id` is a number above `above`; resolves with it. */
  async function offsetAbove(id, file, above) {
    const handle = await page.waitForFunction(
      ([sel, min]) => {
        const el = document.querySelector(sel);
        const v = el && el.getAttribute('data-offset');
        return v !== null && v !== '' && Number(v) > min ? Number(v) : null;
      },
      [`${CONTENT} .log-ingest-source[data-id="${id}"] .log-ingest-file[data-path="${file}"] .log-ingest-stat-offset`, above],
    );
    return handle.jsonValue();
  }

  /** Waits until the status of a file-tail on the canvas counts at least `min` lines ("123 lines", "1.2k lines"); resolves with the count. */
  async function linesInStatus(id, min) {
    const handle = await page.waitForFunction(
      ([nid, least]) => {
        const el = document.querySelector(`[id="${nid}"] .red-ui-flow-node-status-label`);
        const m = el && /^(\d[\d.]*)(k?) lines$/.exec(el.textContent);
        const count = m ? Number(m[1]) * (m[2] ? 1000 : 1) : NaN;
        return count >= least ? count : null;
      },
      [id, min],
    );
    return handle.jsonValue();
  }

  /** Waits until an element of `locator` (a state badge, a button) reads `text` exactly. */
  async function textIs(locator, text) {
    await locator.filter({ hasText: new RegExp(`^${text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}$`) }).first().waitFor({ state: 'visible' });
  }

  it(
    'lists the running sources and their files; the offset grows as the generator writes',
    guarded(async function () {
      const content = await ed.openSidebarTab(page, TAB, CONTENT);
      await ed.showWorkspace(page, IDS.tab);
      (await ed.nodeProblems(page, Object.values(IDS))).should.eql([], 'the test flow is not valid in the editor');
      await fileRow(IDS.tail, logFile).waitFor({ state: 'visible' });
      (await sourceRow(IDS.tail).locator('.log-ingest-source-name').innerText()).should.equal('app.log');
      (await sourceRow(IDS.tail).locator('.log-ingest-source-meta').innerText()).should.match(/^file-tail · Log sources · kill switch: incident stop$/);
      (await fileRow(IDS.tail, logFile).locator('.log-ingest-file-path').innerText()).should.equal(logFile);
      await textIs(fileRow(IDS.tail, logFile).locator('.log-ingest-file-state'), 'following');
      const first = await offsetAbove(IDS.tail, logFile, 0);
      const later = await offsetAbove(IDS.tail, logFile, first);
      later.should.be.above(first);
      // The folder watcher follows the same file.
      await fileRow(IDS.dir, logFile).waitFor({ state: 'visible' });
      (await sourceRow(IDS.dir).locator('.log-ingest-source-meta').innerText()).should.equal(`dir-watch · Log sources · ${path.dirname(logFile)}`);
      // Sizes are human-readable and the rate appears from the second look on.
      await page.waitForFunction((sel) => /^\d[\d.]* (B|kB|MB)$/.test((document.querySelector(sel) || {}).textContent || ''), `${CONTENT} .log-ingest-source[data-id="${IDS.tail}"] .log-ingest-stat-size .log-ingest-stat-value`);
      await page.waitForFunction((sel) => /^\d[\d.]*$/.test((document.querySelector(sel) || {}).textContent || ''), `${CONTENT} .log-ingest-source[data-id="${IDS.tail}"] .log-ingest-stat-rate .log-ingest-stat-value`);
      // The last error, in the error colour.
      const error = fileRow(IDS.broken, path.dirname(logFile)).locator('.log-ingest-file-error');
      await error.waitFor({ state: 'visible' });
      (await error.innerText()).should.match(/^last error at .+: .*is not a regular file$/);
      await textIs(fileRow(IDS.broken, path.dirname(logFile)).locator('.log-ingest-file-state'), 'error');
      const colours = await error.evaluate((el) => [getComputedStyle(el).color, getComputedStyle(el.parentElement).color]);
      colours[0].should.not.equal(colours[1], 'the error is not coloured');
      (await ed.untranslatedKeys(page, CONTENT, ['log-ingest-sidebar'])).should.eql([]);
      // In the listing's order: by type, then name.
      (await page.locator(`${CONTENT} .log-ingest-source`).evaluateAll((els) => els.map((e) => e.getAttribute('data-id')))).should.eql([IDS.dir, IDS.tail, IDS.broken]);
      (await content.locator('.log-ingest-empty:visible').count()).should.equal(0, 'an empty-list text is shown beside the rows');
    }),
  );

  it(
    'reveals a source node when its name is clicked',
    guarded(async function () {
      await ed.openSidebarTab(page, TAB, CONTENT);
      await page.evaluate(() => RED.workspaces.show(RED.nodes.getWorkspaceOrder ? RED.nodes.getWorkspaceOrder()[0] : RED.workspaces.active()));
      await sourceRow(IDS.dir).locator('.log-ingest-source-name').click();
      await page.waitForFunction((tab) => RED.workspaces.active() === tab, IDS.tab);
      await page.locator(`[id="${IDS.dir}"]`).waitFor({ state: 'visible' });
    }),
  );

  it(
    'engages and releases a kill switch with its button; the source it stops pauses',
    guarded(async function () {
      await ed.openSidebarTab(page, TAB, CONTENT);
      const row = switchRow(IDS.killSwitch);
      await row.waitFor({ state: 'visible' });
      (await row.locator('.log-ingest-switch-name').innerText()).should.equal('incident stop');
      for (const [state, button, sourceState] of [
        ['engaged', 'Engage', 'paused'],
        ['released', 'Release', 'following'],
      ]) {
        await textIs(row.locator('.log-ingest-switch-button'), button);
        const answered = page.waitForResponse((r) => r.url().endsWith(`/kill-switch/${IDS.killSwitch}`) && r.request().method() === 'POST');
        await row.locator('.log-ingest-switch-button').click();
        const res = await answered;
        res.status().should.equal(200);
        (await res.json()).should.have.properties({ state, cause: 'http', claimed: 'editor' });
        await textIs(row.locator('.log-ingest-switch-state'), state);
        (await row.locator('.log-ingest-switch-meta').innerText()).should.match(/\(HTTP call, says editor\)$/);
        const runtime = await ed.request(new URL(`kill-switch/${IDS.killSwitch}`, node.url));
        runtime.json.should.have.properties({ state, cause: 'http', claimed: 'editor' });
        await textIs(sourceRow(IDS.tail).locator('.log-ingest-source-state'), sourceState);
      }
      // Reading goes on after the release.
      const released = await offsetAbove(IDS.tail, logFile, 0);
      await offsetAbove(IDS.tail, logFile, released);
    }),
  );

  it(
    'stops asking the runtime while hidden, and asks again when shown',
    guarded(async function () {
      await ed.openSidebarTab(page, TAB, CONTENT);
      await page.waitForResponse((r) => /\/log-ingest\/sources/.test(r.url()));
      await ed.openSidebarTab(page, 'info');
      const hiddenAt = polls.length;
      // Let 3 s of log lines pass (20 lines/s), seen in the file tail's status on the canvas.
      await ed.showWorkspace(page, IDS.tab);
      const from = await linesInStatus(IDS.tail, 0);
      await linesInStatus(IDS.tail, from + 60);
      // One request may have been on its way when the tab was hidden.
      (polls.length - hiddenAt).should.be.belowOrEqual(1, `the hidden tab kept asking: ${polls.length - hiddenAt} requests`);
      const shown = page.waitForRequest((r) => /\/log-ingest\/sources/.test(r.url()));
      await ed.openSidebarTab(page, TAB, CONTENT);
      await shown;
    }),
  );

  it(
    'shows a syslog-in listener, its counters and its senders, as text (senders are untrusted)',
    guarded(async function () {
      const SYSLOG = 'sb00000000000009';
      const hostile = '<img src=x onerror="window.__sidebarPwned = 1">';
      const sender = (address, more) => ({ address, protocol: 'tcp', connections: 1, messages: 10, bytes: 2048, dropped: 0, errors: 0, lastSeen: '2026-05-01T12:00:00.000Z', ...more });
      const listener = (senders, moreSenders) => ({
        state: 'listening',
        files: [],
        listener: { protocol: 'tls', address: '127.0.0.1', port: 6514, connections: 2, messages: 1234, messagesPerSecond: 12.5, dropped: 0, errors: 3, refused: 1, senders, moreSenders },
      });
      let view = listener(
        [
          sender('10.0.0.7', { connections: 2, messages: 1200, errors: 3, subject: 'CN=<b>host1</b>,O=Org' }),
          sender(hostile, { messages: 34 }),
        ],
        3,
      );
      // The runtime's listing, with a syslog-in source added as SourceRegistry gives it.
      const sources = /\/log-ingest\/sources(\?|$)/;
      const addSyslog = async (route) => {
        const res = await route.fetch();
        const listing = await res.json();
        listing.sources.push({ id: SYSLOG, type: 'syslog-in', name: 'edge syslog', z: IDS.tab, ...view });
        await route.fulfill({ response: res, json: listing });
      };
      await page.route(sources, addSyslog);
      try {
        await ed.openSidebarTab(page, TAB, CONTENT);
        const row = sourceRow(SYSLOG);
        const senders = row.locator('.log-ingest-sender');
        await senders.nth(1).waitFor({ state: 'visible' });
        (await row.locator('.log-ingest-source-name').innerText()).should.equal('edge syslog');
        await textIs(row.locator('.log-ingest-source-state'), 'listening');
        (await row.locator('.log-ingest-listener-address').innerText()).should.equal('tls on 127.0.0.1:6514');
        const stat = (name) => row.locator(`.log-ingest-stat-${name} .log-ingest-stat-value`).innerText();
        ({ connections: await stat('connections'), messages: await stat('messages'), rate: await stat('messageRate'), dropped: await stat('dropped'), errors: await stat('errors'), refused: await stat('refused') }).should.eql({
          connections: '2',
          messages: '1234',
          rate: '12.5',
          dropped: '0',
          errors: '3',
          refused: '1',
        });
        (await row.locator('.log-ingest-files-empty').isVisible()).should.equal(false, '"no file is followed" under a listener');
        // Each sender's cells (its address, and its certificate subject when shown), as text.
        const cells = (i) =>
          senders.nth(i).evaluate((tr) => {
            const text = (sel) => tr.querySelector(sel).textContent;
            const subject = tr.querySelector('.log-ingest-sender-subject');
            const shown = (el) => (el.offsetParent === null ? null : el.textContent);
            return [text('.log-ingest-sender-address'), shown(subject), ...[...tr.querySelectorAll('td')].slice(1, 6).map(shown)];
          });
        // The protocol column only while a sender's differs from the listener's (here tcp against tls).
        (await cells(0)).should.eql(['10.0.0.7', 'CN=<b>host1</b>,O=Org', 'tcp', '2', '1200', '0', '3']);
        (await cells(1)).should.eql([hostile, null, 'tcp', '1', '34', '0', '0']);
        // Shown as text: no element made of it, no script run.
        (await row.locator('img, b').count()).should.equal(0, 'sender data became HTML');
        should(await page.evaluate(() => window.__sidebarPwned)).equal(undefined);
        (await row.locator('.log-ingest-senders-more').innerText()).should.equal('… and 3 more senders');

        // The next look: one sender left, without a certificate, none more.
        view = listener([sender('10.0.0.8', { protocol: 'tls' })], 0);
        await page.waitForFunction((sel) => document.querySelectorAll(sel).length === 1, `${CONTENT} .log-ingest-source[data-id="${SYSLOG}"] .log-ingest-sender`);
        (await cells(0)).should.eql(['10.0.0.8', null, null, '1', '10', '0', '0']);
        (await row.locator('.log-ingest-senders-more').isVisible()).should.equal(false, '"and N more" with none more');
        // No sender yet: the empty text instead of the table.
        view = listener([], 0);
        await row.locator('.log-ingest-senders-empty').waitFor({ state: 'visible' });
        (await row.locator('.log-ingest-senders').isVisible()).should.equal(false, 'an empty table beside the text');
        (await ed.untranslatedKeys(page, CONTENT, ['log-ingest-sidebar'])).should.eql([]);
      } finally {
        await page.unroute(sources, addSyslog);
      }
    }),
  );

  it(
    'screenshot of the sidebar (docs/images/sidebar.png)',
    guarded(async function () {
      const content = await ed.openSidebarTab(page, TAB, CONTENT);
      await ed.showWorkspace(page, IDS.tab);
      await page.waitForFunction((sel) => /^\d[\d.]*$/.test((document.querySelector(sel) || {}).textContent || ''), `${CONTENT} .log-ingest-source[data-id="${IDS.dir}"] .log-ingest-stat-rate .log-ingest-stat-value`);
      await page.evaluate(() => {
        $('#red-ui-workspace-chart').scrollLeft(0).scrollTop(0);
        $('.log-ingest-sidebar-body').scrollTop(0);
      });
      await ed.clearOverlays(page);
      const shot = README_SCREENSHOT ? path.join(REPO_ROOT, 'docs', 'images', 'sidebar.png') : path.join(tmpDir, 'sidebar.png');
      (await content.boundingBox()).should.have.property('width').above(0);
      await page.screenshot({ path: shot });
      fs.statSync(shot).size.should.be.above(0);
    }),
  );
});
