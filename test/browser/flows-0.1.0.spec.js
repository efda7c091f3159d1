'use strict';
// Nodes saved with 0.1.0 (test/fixtures/flows-0.1.0.json) in the real Node-RED
// editor, driven in headless chromium like editor.spec.js (same support, same
// Node-RED selection by NODE_RED_PATH / NODE_RED_NODE_BIN, same skip rule when
// chromium is missing). The editor fills a node's `defaults` in only for a new
// node: one saved before a setting existed comes without it. Every edit dialog
// must still show, for every setting, the value saved or else the documented
// default (the editor definition's), mark no field red, and leave the node
// valid (no red triangle):
//
//   - after Import ▸ Clipboard of the 0.1.0 file (dialogs cancelled), and after
//     a deploy and reload, as the editor loads an upgraded flow file;
//   - Done in each dialog stores the documented defaults, and they deploy.
// Each test fails on any uncaught page error, and on console errors, failed
// requests and HTTP errors that come from the pack's files or endpoints.
const fs = require('fs');
const os = require('os');
const path = require('path');
const should = require('should');
const { startNodeRed, resolveNodeRedDir, nodeRedInfo, nodeVersion, REPO_ROOT } = require('../support/node-red-process');
const { flows010, laterSettings, PACK_TYPES } = require('../support/flows-0.1.0');
const { editorDefinition } = require('../support/editor-definition');
const ed = require('./support/editor');

const nodeRedDir = resolveNodeRedDir(process.env.NODE_RED_PATH);
const nodeBin = process.env.NODE_RED_NODE_BIN || process.execPath;
const nr = nodeRedInfo(nodeRedDir);
const packDir = path.resolve(process.env.LOG_INGEST_PACK_DIR || REPO_ROOT);
const MODULE = JSON.parse(fs.readFileSync(path.join(packDir, 'package.json'), 'utf8')).name;
const icons = PACK_TYPES.map((t) => editorDefinition(t).icon).filter((i) => typeof i === 'string');

/**
 * What the dialog of a node of `type` shows, read in the page: for each
 * setting in the type's defaults, its field's value (a typed input's value,
 * a checkbox's state, a select's value: null when no option is selected).
 * A typed input's shown type is given as `<setting>@type`.
 */
function shownSettings(page, type) {
  return page.evaluate((t) => {
    const def = RED.nodes.getType(t);
    const prefix = def.category === 'config' ? 'node-config-input' : 'node-input';
    const shown = {};
    for (const prop of Object.keys(def.defaults)) {
      const el = $(`#${prefix}-${prop}`);
      if (!el.length) continue; // set in code, not in the dialog
      if (el.data('noderedTypedInput') !== undefined) {
        shown[prop] = String(el.typedInput('value'));
        shown[`${prop}@type`] = el.typedInput('type');
      } else if (el.is(':checkbox')) shown[prop] = el.is(':checked');
      else shown[prop] = el.val();
    }
    return shown;
  }, type);
}

/**
 * What the dialog must show for `saved` (a node of the fixture): the saved
 * value, else the documented default; a shared kill switch, else "none"
 * (`_ADD_`); a typed input's type is its type setting's value.
 */
function expectedSettings(saved, shown) {
  const defaults = editorDefinition(saved.type).defaults;
  const valueOf = (prop) => (prop in saved ? saved[prop] : defaults[prop].value);
  const expected = {};
  for (const key of Object.keys(shown)) {
    const [prop, typed] = key.split('@');
    if (typed) expected[key] = valueOf(`${prop}Type`);
    else if (defaults[prop].type) expected[key] = valueOf(prop) || '_ADD_';
    else if (typeof shown[key] === 'boolean') expected[key] = valueOf(prop) === true;
    else expected[key] = String(valueOf(prop));
  }
  return expected;
}

/** Fields marked red in the open dialog, by id (or class). */
function fieldsMarkedInvalid(page) {
  return page.evaluate(() => [...document.querySelectorAll('.red-ui-tray .input-error')].map((e) => e.id || e.className));
}

describe(`0.1.0 nodes in the editor of a real Node-RED ${nr.version} on Node ${nodeVersion(nodeBin)} (browser)`, function () {
  this.timeout(120000); // safety net only: a loaded machine is slow, never wrong

  let node = null; // the Node-RED child
  let browser = null;
  let page = null;
  let errors = null;
  let tmpDir = null;
  let fixture = null;
  /** Pack nodes of the fixture, each with the id it got in the editor. */
  let imported = [];

  const guarded = (fn) => ed.failingOnPageErrors(() => errors, fn);

  before(async function () {
    ed.skipUnlessBrowser(this);
    tmpDir = fs.mkdtempSync(path.join(os.tmpdir(), 'log-ingest-browser-0.1.0-'));
    fs.mkdirSync(path.join(tmpDir, 'logs'));
    fixture = flows010(path.join(tmpDir, 'logs'));
    node = await startNodeRed({
      flows: [{ id: 'b010000000000001', type: 'tab', label: 'empty' }],
      nodesDir: [packDir],
      nodeRedDir,
      nodeBin,
      userDir: path.join(tmpDir, 'node-red'),
    });
    ({ browser, page } = await ed.openEditor(node.url, (p) => (errors = new ed.PageErrors(p, { moduleName: MODULE, types: PACK_TYPES, icons }))));
  });

  after(async function () {
    if (errors && errors.foreign.length) console.log(`      console errors not from the pack (not failed on):\n        ${[...new Set(errors.foreign)].join('\n        ')}`);
    if (browser) await browser.close();
    if (node) await node.stop();
    if (tmpDir) fs.rmSync(tmpDir, { recursive: true, force: true });
  });

  /** Opens a node's dialog: a flow node by a double click, a config node as its sidebar's edit does. */
  async function openDialog(saved, id) {
    if (saved.type === 'kill-switch-config') {
      await page.evaluate(([t, nid]) => RED.editor.editConfig('', t, nid), [saved.type, id]);
      await page.locator('#node-config-dialog-ok').waitFor({ state: 'visible' });
      return;
    }
    // The node's flow shown (not by a click on its tab: the tabs are not under test).
    await page.evaluate((nid) => RED.workspaces.show(RED.nodes.node(nid).z), id);
    await page.waitForFunction((nid) => RED.workspaces.active() === RED.nodes.node(nid).z, id);
    await ed.openEditDialog(page, id);
  }

  async function cancelDialog(saved) {
    if (saved.type !== 'kill-switch-config') return ed.cancelEditDialog(page);
    await page.click('#node-config-dialog-cancel');
    await page.waitForFunction(() => !document.querySelector('.red-ui-tray'));
  }

  async function doneDialog(saved) {
    if (saved.type !== 'kill-switch-config') return ed.closeEditDialog(page);
    await page.click('#node-config-dialog-ok');
    await page.waitForFunction(() => !document.querySelector('.red-ui-tray'));
  }

  /** Each node's dialog shows its saved values and the documented defaults, nothing red; cancelled. */
  async function checkDialogs() {
    const problems = [];
    for (const { saved, id } of imported) {
      await openDialog(saved, id);
      const shown = await shownSettings(page, saved.type);
      const red = await fieldsMarkedInvalid(page);
      await cancelDialog(saved);
      const what = `${saved.type} "${saved.name}"`;
      const expected = expectedSettings(saved, shown);
      for (const key of Object.keys(expected)) {
        if (shown[key] !== expected[key]) problems.push(`${what}: ${key} shows ${JSON.stringify(shown[key])}, not ${JSON.stringify(expected[key])}`);
      }
      for (const prop of Object.keys(laterSettings(saved))) {
        if (!(prop in shown) && !(`${prop.replace(/Type$/, '')}@type` in shown)) problems.push(`${what}: ${prop} (added since 0.1.0) is not in the dialog`);
      }
      if (red.length) problems.push(`${what}: fields marked invalid: ${red.join(', ')}`);
    }
    return problems;
  }

  it(
    'imports the 0.1.0 flow file through Import ▸ Clipboard with every node valid',
    guarded(async function () {
      const ids = await ed.importText(page, JSON.stringify(fixture));
      const byKey = await page.evaluate(
        (list) =>
          list
            .map((id) => RED.nodes.node(id) || RED.nodes.workspace(id))
            .filter(Boolean)
            .map((n) => ({ id: n.id, key: `${n.type}|${n.name || n.label || ''}` })),
        ids,
      );
      imported = fixture
        .filter((n) => PACK_TYPES.includes(n.type))
        .map((saved) => ({ saved, id: (byKey.find((b) => b.key === `${saved.type}|${saved.name}`) || {}).id }));
      imported.filter((n) => !n.id).map((n) => `${n.saved.type} "${n.saved.name}"`).should.eql([], 'not imported');
      // Imported as saved: the settings added since are still missing.
      const present = await page.evaluate(
        (list) => list.flatMap(({ id, props }) => props.filter((p) => RED.nodes.node(id)[p] !== undefined).map((p) => `${RED.nodes.node(id).type}.${p}`)),
        imported.map(({ saved, id }) => ({ id, props: Object.keys(laterSettings(saved)) })),
      );
      present.should.eql([], 'settings added since 0.1.0 filled in by the import');
      (await ed.nodeProblems(page, ids)).should.eql([], 'unknown or invalid nodes after import');
    }),
  );

  it(
    'shows the saved values and the documented defaults in every dialog, nothing marked red',
    guarded(async function () {
      if (!imported.length) this.skip(); // the import failed
      (await checkDialogs()).should.eql([]);
      (await ed.nodeProblems(page, imported.map((n) => n.id))).should.eql([], 'unknown or invalid nodes after the dialogs');
    }),
  );

  it(
    'shows multiline records off for the file-tail and dir-watch saved before them: no start pattern, no record limits',
    guarded(async function () {
      if (!imported.length) this.skip(); // the import failed
      const sources = imported.filter(({ saved }) => saved.type === 'file-tail' || saved.type === 'dir-watch');
      sources.length.should.be.above(0);
      const problems = [];
      for (const { saved, id } of sources) {
        await openDialog(saved, id);
        const mode = await page.evaluate(() => $('#node-input-multiline').val());
        const rows = await ed.visibility(page, [`.form-row-${saved.type}-multilineStart`, `.form-row-${saved.type}-multiline-records`]);
        await cancelDialog(saved);
        if (mode !== 'none') problems.push(`${saved.type} "${saved.name}": Multiline shows ${JSON.stringify(mode)}`);
        for (const row of rows) if (!row.exists || row.visible) problems.push(`${saved.type} "${saved.name}": ${row.selector} ${row.exists ? 'shown' : 'missing'}`);
      }
      problems.should.eql([]);
    }),
  );

  it(
    'deploys the imported flow as it is, and shows the same after a reload (the flow file upgraded)',
    guarded(async function () {
      if (!imported.length) this.skip();
      await ed.deploy(page);
      const deployed = await ed.getFlows(node.url);
      for (const { saved, id } of imported) {
        const got = deployed.find((n) => n.id === id);
        should.exist(got, `${saved.type} "${saved.name}" not deployed`);
        Object.keys(laterSettings(saved)).filter((p) => p in got).should.eql([], `${saved.type} "${saved.name}": settings added since 0.1.0 deployed without an edit`);
      }
      await page.reload();
      await ed.waitForEditor(page);
      (await ed.nodeProblems(page, imported.map((n) => n.id))).should.eql([], 'unknown or invalid nodes after reload');
      (await checkDialogs()).should.eql([]);
    }),
  );

  it(
    'stores the documented defaults on Done, and deploys them',
    guarded(async function () {
      if (!imported.length) this.skip();
      for (const { saved, id } of imported) {
        await openDialog(saved, id);
        await doneDialog(saved);
      }
      (await ed.nodeProblems(page, imported.map((n) => n.id))).should.eql([], 'unknown or invalid nodes after Done');
      await ed.deploy(page);
      const deployed = await ed.getFlows(node.url);
      const problems = [];
      for (const { saved, id } of imported) {
        const got = deployed.find((n) => n.id === id);
        for (const [prop, value] of Object.entries(laterSettings(saved))) {
          if (String(got[prop]) !== String(value)) problems.push(`${saved.type}.${prop}: ${JSON.stringify(got[prop])}, not ${JSON.stringify(value)}`);
        }
        for (const prop of Object.keys(saved)) {
          if (['x', 'y', 'z', 'wires', 'id', 'type'].includes(prop)) continue;
          if (String(got[prop]) !== String(saved[prop])) problems.push(`${saved.type}.${prop}: ${JSON.stringify(got[prop])}, saved ${JSON.stringify(saved[prop])}`);
        }
      }
      problems.should.eql([]);
    }),
  );
});
