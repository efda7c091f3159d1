'use strict';
// The pack in the real Node-RED editor, driven in headless chromium
// (playwright-core + Debian's /usr/bin/chromium; Playwright's browser download
// is not used). One Node-RED child (test/support/node-red-process.js) and one
// browser page for the whole file:
//
//   - every type of the pack is in the editor and every flow type in the palette;
//   - each flow (non-config) type: dragged from the palette, edited (name and
//     fields of its own, typed inputs included), deployed, and checked in GET
//     /flows; rows that only matter in another mode are hidden;
//   - file-tail and dir-watch: the multiline rows follow the mode (the start
//     pattern for custom only, the record limits unless none), and a start
//     pattern that is empty or does not compile is marked red;
//   - the file tail's status changes as a log generator writes its file (the
//     file named by an environment variable, through its typed input);
//   - the kill switch node's button engages and releases its switch;
//   - syslog-in: the rows follow the protocol (framing for tcp and tls, TLS for tls,
//     connection limits for the stream protocols, the receive buffer for udp) and
//     Parse (fields and time zone), the port below 1024 note follows the port, and a
//     bad port or allowed sender is marked red;
//   - the demo flow runs and its batches reach the Debug sidebar (the README's
//     picture of the demo is taken by scripts/screenshots.js, on the demo alone);
//   - each example imports through Import ▸ Examples ▸ <module> and deploys with no
//     unknown or invalid node, no node box over another and no wire behind a node.
// Each test fails on any uncaught page error, and on console errors, failed
// requests and HTTP errors that come from the pack's files.
//
// Which Node-RED: env NODE_RED_PATH (default ./node_modules/node-red), run by env
// NODE_RED_NODE_BIN (default this node); .ci/run runs it on Node-RED 4 / Node 20
// and Node-RED 5 / Node 22. Skipped, with the reason, when /usr/bin/chromium is
// missing, unless LOG_INGEST_BROWSER=required (set by .ci/run), which fails instead.
const fs = require('fs');
const os = require('os');
const path = require('path');
const should = require('should');
const { startNodeRed, resolveNodeRedDir, nodeRedInfo, nodeVersion, REPO_ROOT } = require('../support/node-red-process');
const { getNodeDefinitions } = require('../../scripts/validate');
const { demoFlow, IDS: DEMO } = require('../../scripts/demo');
const { LogGenerator } = require('../../scripts/lib/log-generator');
const ed = require('./support/editor');

const nodeRedDir = resolveNodeRedDir(process.env.NODE_RED_PATH);
const nodeBin = process.env.NODE_RED_NODE_BIN || process.execPath;
const nr = nodeRedInfo(nodeRedDir);
const packDir = path.resolve(process.env.LOG_INGEST_PACK_DIR || REPO_ROOT);
const pkg = JSON.parse(fs.readFileSync(path.join(packDir, 'package.json'), 'utf8'));
const MODULE = pkg.name;

// The pack's types, read from the built editor files as node-red-dev reads them,
// so that the tests can be declared before Node-RED starts. A node file without
// an editor .html still gets a test (it fails: the editor cannot show the node).
const nodeFiles = Object.entries((pkg['node-red'] && pkg['node-red'].nodes) || {}).map(([set, file]) => {
  const html = path.join(packDir, file.replace(/\.js$/, '.html'));
  let defs = {};
  if (fs.existsSync(html)) {
    try {
      defs = getNodeDefinitions(fs.readFileSync(html, 'utf8'), packDir).defs;
    } catch {
      defs = {};
    }
  }
  return { set, file, html, defs };
});
const flowTypes = [];
for (const f of nodeFiles) {
  const types = Object.keys(f.defs);
  if (!types.length) flowTypes.push({ type: f.set, set: f.set, def: null });
  for (const t of types) if (f.defs[t].category !== 'config') flowTypes.push({ type: t, set: f.set, def: f.defs[t] });
}
const allTypes = [...new Set(nodeFiles.flatMap((f) => (Object.keys(f.defs).length ? Object.keys(f.defs) : [f.set])))];
const icons = nodeFiles.flatMap((f) => Object.values(f.defs).map((d) => d.icon)).filter((i) => typeof i === 'string');

/** Examples: paths under examples/ without ".json" (folders are sub-menus). */
function listExamples(dir, prefix = '') {
  if (!fs.existsSync(dir)) return [];
  const out = [];
  for (const e of fs.readdirSync(dir, { withFileTypes: true }).sort((a, b) => a.name.localeCompare(b.name))) {
    if (e.isDirectory()) out.push(...listExamples(path.join(dir, e.name), `${prefix}${e.name}/`));
    else if (e.name.endsWith('.json')) out.push(`${prefix}${e.name.slice(0, -5)}`);
  }
  return out;
}
const examples = listExamples(path.join(packDir, 'examples'));
/** The environment variable of the Node-RED process that names the log file (set through file-tail's typed input). */
const LOG_ENV = 'LOG_INGEST_E2E_LOG_FILE';

describe(`editor in a real Node-RED ${nr.version} on Node ${nodeVersion(nodeBin)} (browser)`, function () {
  this.timeout(120000); // safety net only: a loaded machine is slow, never wrong

  let node = null; // the Node-RED child
  let browser = null;
  let page = null;
  let errors = null;
  let tmpDir = null;
  let logFile = null;
  let generator = null;
  const created = {}; // type -> id of the node dragged from the palette

  let testIds = []; // editor nodes the current test added, removed again if it fails

  /**
   * Runs `fn`, then fails if the page reported errors meanwhile. When `fn` fails,
   * the editor is put back in a usable state for the next tests: dialogs and
   * notifications closed, the nodes the test added removed and the rest deployed.
   */
  const guarded = (fn) =>
    async function () {
      errors.take();
      testIds = [];
      let failure = null;
      try {
        await fn.call(this);
      } catch (err) {
        failure = err;
      }
      const seen = errors.take();
      if (failure) {
        if (seen.length) failure.message += `\npage errors meanwhile:\n  ${seen.join('\n  ')}`;
        const skipped = failure && failure.constructor && failure.constructor.name === 'Pending'; // this.skip()
        if (!skipped) {
          try {
            await ed.resetEditor(page, testIds);
          } catch (err) {
            failure.message += `\n(and resetting the editor failed: ${err.message})`;
          }
        }
        throw failure;
      }
      if (seen.length) throw new Error(`errors in the page:\n  ${seen.join('\n  ')}`);
    };

  before(async function () {
    ed.skipUnlessBrowser(this);
    tmpDir = fs.mkdtempSync(path.join(os.tmpdir(), 'log-ingest-browser-'));
    logFile = path.join(tmpDir, 'logs', 'app.log'); // created by the generator, later
    fs.mkdirSync(path.dirname(logFile));
    generator = new LogGenerator({ file: logFile, rate: 20, rotateEvery: 100000, seed: 7 });
    node = await startNodeRed({
      flows: [{ id: 'e2e0000000000001', type: 'tab', label: 'editor tests' }, ...demoFlow(logFile)],
      nodesDir: [packDir],
      nodeRedDir,
      nodeBin,
      userDir: path.join(tmpDir, 'node-red'),
      env: { [LOG_ENV]: logFile },
    });
    ({ browser, page } = await ed.openEditor(node.url, (p) => (errors = new ed.PageErrors(p, { moduleName: MODULE, types: allTypes, icons }))));
  });

  after(async function () {
    if (errors && errors.foreign.length) console.log(`      console errors not from the pack (not failed on):\n        ${[...new Set(errors.foreign)].join('\n        ')}`);
    if (generator) await generator.stop();
    if (browser) await browser.close();
    if (node) await node.stop();
    if (tmpDir) fs.rmSync(tmpDir, { recursive: true, force: true });
  });

  it(
    'has every type of the pack in the editor, and every flow type in the palette',
    guarded(async function () {
      const sets = await ed.getNodeSets(node.url, MODULE);
      const problems = [];
      for (const f of nodeFiles) {
        const s = sets.find((x) => x.name === f.set || x.id === `${MODULE}/${f.set}`);
        if (!s) problems.push(`${f.set}: not loaded by the runtime`);
        else if (s.err) problems.push(`${f.set}: ${s.err}`);
        else if (!s.enabled) problems.push(`${f.set}: disabled`);
      }
      const runtimeTypes = sets.flatMap((s) => s.types || []);
      const editor = await page.evaluate((types) => types.map((t) => ({ t, def: !!RED.nodes.getType(t), config: RED.nodes.getType(t) ? RED.nodes.getType(t).category === 'config' : null })), runtimeTypes);
      for (const { t, def, config } of editor) {
        if (!def) problems.push(`${t}: registered by the runtime but the editor has no definition for it (no ${t}.html next to its .js?)`);
        else if (!config && !(await page.locator(ed.paletteSelector(t)).count())) problems.push(`${t}: not in the palette`);
      }
      // icons: the editor asks icons/<module>/<file>; Node-RED answers a default
      // icon (200) when the file is missing, so compare with the pack's file
      for (const f of nodeFiles) {
        for (const [t, d] of Object.entries(f.defs)) {
          if (typeof d.icon !== 'string' || d.icon.startsWith('font-awesome/')) continue;
          const local = path.join(packDir, path.dirname(f.file), 'icons', d.icon);
          const res = await ed.request(new URL(`icons/${MODULE}/${d.icon}`, node.url), { headers: { Accept: '*/*' } });
          if (!fs.existsSync(local)) problems.push(`${t}: icon ${d.icon} is not in ${path.relative(packDir, path.dirname(local))}`);
          else if (res.status !== 200 || res.text !== fs.readFileSync(local, 'utf8')) problems.push(`${t}: icons/${MODULE}/${d.icon} does not serve ${path.relative(packDir, local)} (HTTP ${res.status})`);
        }
      }
      problems.should.eql([]);
    }),
  );

  /**
   * Node-specific fields set through each type's dialog, and what GET /flows must
   * then hold. {type, value} sets a typed input: `x` gets the value, `xType` the type.
   */
  const FIELDS = {
    'file-tail': () => ({ path: { type: 'env', value: LOG_ENV }, startAt: 'beginning', output: 'line' }),
    'micro-batch': () => ({ interval: { type: 'num', value: '3' }, maxSize: '250' }),
    'kill-switch': () => ({ controlTopic: 'ops/stop', mode: 'discard' }),
    'dir-watch': () => ({ path: path.dirname(logFile), pattern: '*.log,*.txt' }),
    'log-parse': () => ({ format: 'syslog', schema: 'native', timezone: 'Europe/Berlin', onError: 'keep' }),
    // A port of its own: the examples imported below listen on 2514 and 5514.
    'syslog-in': () => ({ protocol: 'tcp', host: '127.0.0.1', port: '15514', framing: 'octet', parse: false, allow: '127.0.0.1, ::1', maxConnections: '50', idleTimeout: '300' }),
  };
  /** Rows that must be hidden once FIELDS are set: they only matter in another mode. */
  const HIDDEN = {
    // output "line"; multiline "none": no start pattern, no record limits
    'file-tail': ['.form-row-file-tail-lines-tip', '.form-row-file-tail-multilineStart', '.form-row-file-tail-multiline-records'],
    // sub-folders not searched; multiline "none"
    'dir-watch': ['.form-row-dir-watch-maxDepth', '.form-row-dir-watch-multilineStart', '.form-row-dir-watch-multiline-records'],
    'kill-switch': ['.form-row-kill-switch-queueSize'], // mode "discard"
    'micro-batch': ['.micro-batch-ack-row'], // delivery "next-node"
    'log-parse': ['.log-parse-pattern-row'], // format "syslog"
    // protocol "tcp", parse off, output "line", port 15514
    'syslog-in': ['.form-row-syslog-in-tls', '.form-row-syslog-in-udp', '.form-row-syslog-in-parse', '.form-row-syslog-in-lines-tip', '.form-row-syslog-in-privileged'],
  };
  /** What GET /flows holds for the fields set. */
  const expectedProperties = (fields) =>
    Object.fromEntries(
      Object.entries(fields).flatMap(([k, v]) =>
        v !== null && typeof v === 'object' ? [[k, v.value], [`${k}Type`, v.type]] : [[k, v]],
      ),
    );

  flowTypes.forEach(({ type, def }, i) => {
    it(
      `${type}: drags from the palette, edits (name + its own fields), deploys`,
      guarded(async function () {
        should.exist(def, `${type}: no editor definition in ${type}.html (the editor cannot show this node)`);
        await ed.showWorkspace(page, 'e2e0000000000001');
        const id = await ed.dragFromPalette(page, type, { x: 160 + 220 * (i % 3), y: 160 + 90 * Math.floor(i / 3) });
        testIds.push(id);
        await ed.openEditDialog(page, id);
        const raw = [...(await ed.untranslatedKeys(page, '.red-ui-tray', allTypes)), ...(await ed.i18nProblems(page, '.red-ui-tray'))];
        const fields = { name: `e2e ${type}`, ...(FIELDS[type] ? FIELDS[type]() : await genericField(type)) };
        await ed.fillDialog(page, fields);
        const rows = await ed.visibility(page, HIDDEN[type] || []);
        rows.filter((r) => !r.exists || r.visible).map((r) => r.selector).should.eql([], `${type}: rows for another mode missing or shown`);
        await ed.closeEditDialog(page);
        const inEditor = await page.evaluate((nid) => {
          const n = RED.nodes.node(nid);
          return { valid: n.valid, errors: n.validationErrors || [], changed: n.changed };
        }, id);
        inEditor.valid.should.equal(true, `${type} is invalid after editing: ${inEditor.errors.join(', ')}`);
        await ed.deploy(page);
        const deployed = (await ed.getFlows(node.url)).find((n) => n.id === id);
        should.exist(deployed, `${type} ${id} is not in GET /flows after deploy`);
        for (const [k, v] of Object.entries(expectedProperties(fields))) should(String(deployed[k])).equal(String(v), `${type}.${k} in GET /flows`);
        raw.should.eql([], `untranslated texts in the ${type} edit dialog`);
        created[type] = id;
      }),
    );
  });

  /**
   * For a type without an entry in FIELDS: its first <select> set to another
   * option, and its required text fields that are empty set to "e2e".
   */
  async function genericField(type) {
    return page.evaluate((t) => {
      const out = {};
      const sel = [...document.querySelectorAll('.red-ui-tray select[id^="node-input-"]')].find((s) => s.options.length > 1);
      if (sel) out[sel.id.slice('node-input-'.length)] = [...sel.options].find((o) => o.value !== sel.value).value;
      const defaults = RED.nodes.getType(t).defaults || {};
      for (const [k, d] of Object.entries(defaults)) {
        const input = document.querySelector(`.red-ui-tray input[type="text"]#node-input-${k}`);
        if (d.required && !d.type && input && !input.value) out[k] = 'e2e';
      }
      return out;
    }, type);
  }

  it(
    "file-tail: its status follows a log generator writing the file",
    guarded(async function () {
      const id = created['file-tail'];
      if (!id) this.skip(); // the drag-and-drop test above failed
      await ed.showWorkspace(page, 'e2e0000000000001');
      // no file yet: the translated "waiting" status, yellow ring
      const waiting = await ed.waitForStatus(page, id, /\S/);
      waiting.text.should.equal('waiting for file');
      waiting.cls.should.match(/status-ring-yellow/);
      generator.start();
      const first = await ed.waitForStatus(page, id, /^\d[\d.]*k? lines$/);
      first.cls.should.match(/status-dot-green/);
      // and it keeps counting as lines arrive
      const next = await ed.waitForStatus(page, id, /^\d[\d.]*k? lines$/, { not: first.text });
      next.text.should.not.equal(first.text);
    }),
  );

  it(
    'kill-switch: the button on the node engages and releases its switch',
    guarded(async function () {
      const id = created['kill-switch'];
      if (!id) this.skip(); // the drag-and-drop test above failed
      await ed.showWorkspace(page, 'e2e0000000000001');
      (await ed.waitForStatus(page, id, /\S/)).text.should.equal('released');
      const button = page.locator(`[id="${id}"] .red-ui-flow-node-button`);
      for (const [state, word] of [
        ['engaged', 'engaged'],
        ['released', 'released'],
      ]) {
        const answered = page.waitForResponse((r) => r.url().endsWith(`/kill-switch/${id}`) && r.request().method() === 'POST');
        await button.click();
        const res = await answered;
        res.status().should.equal(200);
        (await res.json()).should.have.properties({ state, cause: 'http', claimed: 'editor' });
        const shown = await ed.waitForStatus(page, id, new RegExp(`^${word}`));
        shown.cls.should.match(state === 'engaged' ? /status-dot-red/ : /status-dot-green/);
        const note = page.locator('.red-ui-notification', { hasText: `Kill switch ${word}` });
        await note.first().waitFor({ state: 'visible' });
        (await note.first().innerText()).should.match(new RegExp(`Kill switch ${word}: e2e kill-switch`));
        await ed.closeNotifications(page);
      }
      const now = await ed.request(new URL(`kill-switch/${id}`, node.url));
      now.json.should.have.properties({ state: 'released', cause: 'http', claimed: 'editor' });
    }),
  );

  for (const type of ['file-tail', 'dir-watch']) {
    it(
      `${type}: the multiline rows follow the mode (start pattern for custom only, limits unless none), and a bad pattern is marked`,
      guarded(async function () {
        const id = created[type];
        if (!id) this.skip(); // the drag-and-drop test above failed
        await ed.showWorkspace(page, 'e2e0000000000001');
        await ed.openEditDialog(page, id);
        const start = `.form-row-${type}-multilineStart`;
        const records = `.form-row-${type}-multiline-records`;
        const shown = async () => Object.fromEntries((await ed.visibility(page, [start, records])).map((r) => [r.selector, r.exists && r.visible]));
        (await shown()).should.eql({ [start]: false, [records]: false }, 'none');
        for (const mode of ['java', 'python', 'indented', 'timestamp']) {
          await ed.fillDialog(page, { multiline: mode });
          (await shown()).should.eql({ [start]: false, [records]: true }, mode);
        }
        await ed.fillDialog(page, { multiline: 'custom' });
        (await shown()).should.eql({ [start]: true, [records]: true }, 'custom');
        // The pattern is checked in the custom mode only: empty or not compiling, it is marked red.
        const marked = () => page.evaluate(() => $('#node-input-multilineStart').hasClass('input-error'));
        const typePattern = async (text) => {
          await ed.fillDialog(page, { multilineStart: text });
          await page.locator('#node-input-multilineStart').dispatchEvent('change'); // as leaving the field does
        };
        (await marked()).should.equal(true, 'an empty pattern');
        await typePattern('(');
        (await marked()).should.equal(true, 'a pattern that does not compile');
        await ed.fillDialog(page, { multiline: 'java' });
        (await marked()).should.equal(false, 'a pattern the mode does not read');
        await ed.fillDialog(page, { multiline: 'custom' });
        (await marked()).should.equal(true, 'the custom mode again');
        await typePattern('^\\d{4}-\\d{2}');
        (await marked()).should.equal(false, 'a pattern that compiles');
        await ed.fillDialog(page, { multilineMaxLines: '200', multilineTimeout: '2' });
        await ed.closeEditDialog(page);
        const inEditor = await page.evaluate((nid) => {
          const n = RED.nodes.node(nid);
          return { valid: n.valid, errors: n.validationErrors || [] };
        }, id);
        inEditor.valid.should.equal(true, `${type} is invalid: ${inEditor.errors.join(', ')}`);
        await ed.deploy(page);
        const deployed = (await ed.getFlows(node.url)).find((n) => n.id === id);
        ({ multiline: deployed.multiline, multilineStart: deployed.multilineStart, multilineMaxLines: String(deployed.multilineMaxLines), multilineTimeout: String(deployed.multilineTimeout) }).should.eql({
          multiline: 'custom',
          multilineStart: '^\\d{4}-\\d{2}',
          multilineMaxLines: '200',
          multilineTimeout: '2',
        });
      }),
    );
  }

  it(
    'syslog-in: the rows follow the protocol and Parse, and a bad port or allowed sender is marked',
    guarded(async function () {
      const id = created['syslog-in'];
      if (!id) this.skip(); // the drag-and-drop test above failed
      await ed.showWorkspace(page, 'e2e0000000000001');
      await ed.openEditDialog(page, id);
      try {
        const rows = {
          framing: '.form-row-syslog-in-framing',
          tls: '.form-row-syslog-in-tls',
          stream: '.form-row-syslog-in-stream',
          udp: '.form-row-syslog-in-udp',
          guarantee: '.syslog-in-guarantee:visible',
        };
        const shown = async () => {
          const seen = Object.fromEntries((await ed.visibility(page, Object.values(rows).slice(0, 4))).map((r, i) => [Object.keys(rows)[i], r.exists && r.visible]));
          seen.guarantee = await page.evaluate(() => $('.syslog-in-guarantee:visible').map((i, el) => el.getAttribute('data-protocol')).get());
          return seen;
        };
        const expected = {
          udp: { framing: false, tls: false, stream: false, udp: true, guarantee: ['udp'] },
          tcp: { framing: true, tls: false, stream: true, udp: false, guarantee: ['tcp'] },
          tls: { framing: true, tls: true, stream: true, udp: false, guarantee: ['tls'] },
          relp: { framing: false, tls: false, stream: true, udp: false, guarantee: ['relp'] },
        };
        for (const [protocol, want] of Object.entries(expected)) {
          await ed.fillDialog(page, { protocol });
          (await shown()).should.eql(want, protocol);
        }
        // Fields and time zone only while parsing; the micro batch note only for "lines".
        const parseRows = async () => (await ed.visibility(page, ['.form-row-syslog-in-parse'])).map((r) => r.visible)[0];
        await ed.fillDialog(page, { parse: true });
        (await parseRows()).should.equal(true, 'parse on');
        await ed.fillDialog(page, { parse: false });
        (await parseRows()).should.equal(false, 'parse off');
        await ed.fillDialog(page, { output: 'lines' });
        (await ed.visibility(page, ['.form-row-syslog-in-lines-tip']))[0].visible.should.equal(true, 'output lines');

        // Values are checked as they are typed (the change event, as leaving the field).
        const marked = async (field, value) => {
          await ed.fillDialog(page, { [field]: value });
          await page.locator(`#node-input-${field}`).dispatchEvent('change');
          return page.evaluate((f) => $(`#node-input-${f}`).hasClass('input-error'), field);
        };
        for (const port of ['0', '65536', '70000', '5514.5', 'syslog', '']) (await marked('port', port)).should.equal(true, `port "${port}"`);
        (await marked('port', '514')).should.equal(false, 'port 514');
        (await ed.visibility(page, ['.form-row-syslog-in-privileged']))[0].visible.should.equal(true, 'the note for a port below 1024');
        (await marked('port', '65535')).should.equal(false, 'port 65535');
        (await ed.visibility(page, ['.form-row-syslog-in-privileged']))[0].visible.should.equal(false, 'no note for 65535');
        for (const allow of ['10.0.0.0/33', '192.168.1.256', 'example.com', '10.0.0.1, ::1/129', '2001:db8::1::2', '10.0.0.0/08', '1.2.3']) {
          (await marked('allow', allow)).should.equal(true, `allowed senders "${allow}"`);
        }
        for (const allow of ['', '10.0.0.0/8, 192.168.1.7', '10.0.0.0/8 192.168.1.7\n::1\n2001:db8::/32', '::ffff:10.1.2.3, fe80::1/64, ::/0, 0.0.0.0/0']) {
          (await marked('allow', allow)).should.equal(false, `allowed senders "${allow}"`);
        }
        // The reason the editor gives names the bad entry.
        await marked('allow', '10.0.0.0/8, 10.1.2.0/99');
        const reason = await page.evaluate(() => {
          const def = RED.nodes.getType('syslog-in').defaults.allow;
          return def.validate.call({ _: RED.nodes.getType('syslog-in')._ }, $('#node-input-allow').val(), {});
        });
        should(reason).be.a.String().and.containEql('10.1.2.0/99');
        (await marked('maxMessageBytes', '63')).should.equal(true, 'max message 63');
        (await marked('maxMessageBytes', '64')).should.equal(false, 'max message 64');
        (await marked('maxConnections', '0')).should.equal(true, 'connections 0');
        (await marked('idleTimeout', '-1')).should.equal(true, 'idle timeout -1');
        await ed.fillDialog(page, { protocol: 'udp' });
        (await marked('recvBufferSize', '1.5')).should.equal(true, 'UDP buffer 1.5');
        (await marked('recvBufferSize', '')).should.equal(false, 'UDP buffer empty');
        await ed.fillDialog(page, { parse: true });
        (await marked('timezone', 'Mars/Olympus')).should.equal(true, 'time zone Mars/Olympus');
        (await marked('timezone', 'Europe/Berlin')).should.equal(false, 'time zone Europe/Berlin');
      } finally {
        await ed.cancelEditDialog(page);
      }
      // The dialog was cancelled: the deployed settings stand; the label is "protocol :port".
      const node = await page.evaluate((nid) => {
        const n = RED.nodes.node(nid);
        const label = RED.nodes.getType('syslog-in').label;
        return { valid: n.valid, port: String(n.port), unnamed: label.call({ protocol: 'relp', port: 2514 }), named: label.call({ name: 'edge', protocol: 'udp', port: 514 }) };
      }, id);
      node.should.eql({ valid: true, port: '15514', unnamed: 'relp :2514', named: 'edge' });
    }),
  );

  it(
    'runs the demo flow (file tail -> micro batch -> debug)',
    guarded(async function () {
      generator.start(); // no-op if the status test started it
      await ed.showWorkspace(page, DEMO.tab);
      await ed.waitForStatus(page, DEMO.tail, /^\d[\d.]*k? lines$/);
      // "N pending" while lines keep coming, "N batches sent" when idle
      await ed.waitForStatus(page, DEMO.batch, /^\d[\d.]*k? (pending|batches sent)$/);
      await ed.waitForStatus(page, DEMO.debug, /^\d+$/); // the debug node's status: batch.count
      const raw = await ed.untranslatedKeys(page, '#red-ui-workspace-chart', allTypes);
      raw.should.eql([], 'untranslated status or label keys on the canvas');
    }),
  );

  it(
    'shows the batches in the Debug sidebar (4.x and 5.x sidebars)',
    guarded(async function () {
      const content = await ed.openSidebarTab(page, 'debug');
      await content.locator('.red-ui-debug-msg', { hasText: 'batches' }).first().waitFor({ state: 'visible' });
    }),
  );

  examples.forEach((example) => {
    it(
      `imports "${example}" from Import ▸ Examples ▸ ${MODULE} and deploys it`,
      guarded(async function () {
        const file = JSON.parse(fs.readFileSync(path.join(packDir, 'examples', `${example}.json`), 'utf8'));
        const ids = await ed.importExample(page, MODULE, example, testIds);
        const imported = await page.evaluate((list) => list.map((id) => RED.nodes.node(id)).filter(Boolean).map((n) => n.type), ids);
        const count = (types) => types.reduce((m, t) => ((m[t] = (m[t] || 0) + 1), m), {});
        const expected = count(file.filter((n) => n.type !== 'tab').map((n) => n.type));
        count(imported).should.eql(expected, 'the imported nodes are not those of the example file');
        (await ed.nodeProblems(page, ids)).should.eql([], 'unknown or invalid nodes after import');
        (await ed.layoutProblems(page, ids)).should.eql([], 'the example does not look finished on the canvas');
        await ed.deploy(page);
        const flows = await ed.getFlows(node.url);
        const deployed = flows.filter((n) => ids.includes(n.id));
        count(deployed.map((n) => n.type)).should.eql(expected, 'GET /flows after deploy');
        (await ed.nodeProblems(page, ids)).should.eql([], 'unknown or invalid nodes after deploy');
      }),
    );
  });
});
