'use strict';
// Drives the Node-RED editor (4.x and 5.x) in Debian's chromium through
// playwright-core, for test/browser/*.spec.js. Selectors verified on Node-RED
// 4.1 and 5.0 (see /work/shared/research/node-red-conventions.md §5).
//
// No sleeps: every wait is for a DOM state, an editor state (RED.nodes…) or an
// HTTP answer; Playwright's own timeouts are only safety nets.
const fs = require('fs');
const http = require('http');

const CHROMIUM = process.env.CHROMIUM_PATH || '/usr/bin/chromium';
const LAUNCH_ARGS = ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync'];

/** Why the browser tests cannot run here, or null. */
function browserMissingReason() {
  if (!fs.existsSync(CHROMIUM)) return `${CHROMIUM} not found (CI installs it: apt-get install -y chromium)`;
  try {
    require.resolve('playwright-core');
  } catch {
    return 'playwright-core is not installed (npm ci)';
  }
  return null;
}

async function launchBrowser() {
  const { chromium } = require('playwright-core');
  return chromium.launch({ executablePath: CHROMIUM, headless: true, args: LAUNCH_ARGS });
}

/**
 * For a browser suite's before(): skips it, saying why, when the browser is
 * missing, or fails when LOG_INGEST_BROWSER=required (as CI sets it).
 */
function skipUnlessBrowser(ctx) {
  const missing = browserMissingReason();
  if (!missing) return;
  if (process.env.LOG_INGEST_BROWSER === 'required') throw new Error(`browser tests required (LOG_INGEST_BROWSER=required) but ${missing}`);
  console.log(`      skipped: ${missing}`);
  ctx.skip();
}

/**
 * A fresh browser on the editor of the Node-RED at `url`: info tips off, a
 * 1280×760 page, the editor loaded. `watch(page)` runs before the page loads
 * (to record its errors or requests from the first one). Resolves with
 * `{ browser, page }`.
 */
async function openEditor(url, watch = () => {}) {
  await disableInfoTips(url);
  const browser = await launchBrowser();
  const page = await browser.newPage({ viewport: { width: 1280, height: 760 } });
  page.setDefaultTimeout(60000);
  watch(page);
  await page.goto(url);
  await waitForEditor(page);
  return { browser, page };
}

// --- HTTP to the Node-RED admin API --------------------------------------------

function request(url, { method = 'GET', body, headers = {} } = {}) {
  return new Promise((resolve, reject) => {
    const data = body === undefined ? null : Buffer.from(typeof body === 'string' ? body : JSON.stringify(body));
    const req = http.request(
      url,
      {
        method,
        headers: {
          Accept: 'application/json',
          ...(data ? { 'Content-Type': 'application/json', 'Content-Length': data.length } : {}),
          ...headers,
        },
      },
      (res) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (c) => (text += c));
        res.on('end', () => {
          let json = null;
          try {
            json = text ? JSON.parse(text) : null;
          } catch {
            /* not JSON */
          }
          resolve({ status: res.statusCode, text, json });
        });
      },
    );
    req.on('error', reject);
    if (data) req.write(data);
    req.end();
  });
}

/** The deployed flow configuration (GET /flows, v1: an array of nodes). */
async function getFlows(baseUrl) {
  const res = await request(new URL('flows', baseUrl));
  if (res.status !== 200 || !Array.isArray(res.json)) throw new Error(`GET /flows: ${res.status} ${res.text.slice(0, 200)}`);
  return res.json;
}

/** Node sets of `moduleName` as the runtime loaded them (GET /nodes): [{id, name, types, enabled, err}]. */
async function getNodeSets(baseUrl, moduleName) {
  const res = await request(new URL('nodes', baseUrl));
  if (res.status !== 200 || !Array.isArray(res.json)) throw new Error(`GET /nodes: ${res.status} ${res.text.slice(0, 200)}`);
  return res.json.filter((s) => s.module === moduleName);
}

/**
 * Turns off the editor's rotating info tips for the anonymous user. Node-RED 5.0.7's
 * tips timer sometimes throws "Cannot read properties of undefined (reading 'html')"
 * (red.min.js, RED.sidebar.info tips) — a core bug unrelated to any pack, which would
 * otherwise make the `pageerror` check flaky.
 */
async function disableInfoTips(baseUrl) {
  const res = await request(new URL('settings/user', baseUrl), { method: 'POST', body: { editor: { view: { 'view-show-tips': false } } } });
  if (res.status >= 300) throw new Error(`POST /settings/user: ${res.status} ${res.text.slice(0, 200)}`);
}

// --- errors seen by the page ------------------------------------------------------

/**
 * Records, from `page`: every uncaught exception (`pageerror`), and the console
 * errors, failed requests and HTTP errors that come from the pack's files (their
 * URL or text names the module, a type or an icon of the pack). Other console
 * errors are kept apart in `foreign` (reported, not failed on).
 */
class PageErrors {
  constructor(page, { moduleName, types = [], icons = [] }) {
    this.errors = [];
    this.foreign = [];
    const needles = [moduleName, ...types.map((t) => `${t}.`), ...types.map((t) => `/${t}`), ...icons].filter(Boolean);
    const fromPack = (...texts) => texts.some((t) => t && needles.some((n) => t.includes(n)));
    page.on('pageerror', (err) => this.errors.push(`pageerror: ${err.stack || err.message}`));
    // The editor catches exceptions of node definitions and only logs them:
    // "oneditprepare <id> <type> <error>", "Definition error: <type>.label", …
    const esc = (t) => t.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
    const typeAlt = types.map(esc).join('|') || '(?!)';
    const definitionError = new RegExp(`^(?:(?:oneditprepare|oneditsave|oneditcancel|oneditdelete|oneditresize) \\S+ (?:${typeAlt}) |Definition error: (?:${typeAlt})\\.|Error generating pop-over label for (?:${typeAlt})$)`);
    page.on('console', (msg) => {
      if (definitionError.test(msg.text())) {
        this.errors.push(`console.${msg.type()}: ${msg.text()}`);
        return;
      }
      if (msg.type() !== 'error') return;
      const loc = msg.location() || {};
      const text = `console.error: ${msg.text()}${loc.url ? ` (${loc.url}:${loc.lineNumber})` : ''}`;
      if (fromPack(msg.text(), loc.url)) this.errors.push(text);
      else this.foreign.push(text);
    });
    page.on('requestfailed', (req) => {
      const text = `request failed: ${req.url()} (${req.failure() && req.failure().errorText})`;
      if (fromPack(req.url())) this.errors.push(text);
    });
    page.on('response', (res) => {
      if (res.status() >= 400 && fromPack(res.url())) this.errors.push(`HTTP ${res.status()}: ${res.url()}`);
    });
  }

  /** The errors recorded since the last call. */
  take() {
    const out = this.errors;
    this.errors = [];
    return out;
  }
}

/**
 * Wraps a test so that it fails when the page reported errors of the pack
 * while it ran. `errorsOf()` gives the PageErrors, made once the page is open.
 */
function failingOnPageErrors(errorsOf, fn) {
  return async function () {
    errorsOf().take();
    await fn.call(this);
    const seen = errorsOf().take();
    if (seen.length) throw new Error(`errors in the page:\n  ${seen.join('\n  ')}`);
  };
}

// --- the editor ---------------------------------------------------------------------

/** Resolves once the editor has loaded its node definitions and shows a workspace. */
async function waitForEditor(page, { paletteTypes = [] } = {}) {
  await page.waitForFunction(() => window.RED && RED.nodes && RED.nodes.getType && RED.workspaces && RED.workspaces.active() && document.querySelector('#red-ui-workspace-chart'));
  for (const t of paletteTypes) await page.locator(paletteSelector(t)).waitFor({ state: 'attached' });
}

function paletteSelector(type) {
  return `.red-ui-palette-node[data-palette-type="${type}"]`;
}

/** Ids of the editor's flow nodes (optionally of one type). */
function nodeIds(page, type = null) {
  return page.evaluate((t) => {
    const ids = [];
    RED.nodes.eachNode((n) => {
      if (!t || n.type === t) ids.push(n.id);
    });
    return ids;
  }, type);
}

/**
 * Drags `type` from the palette onto the workspace at `position` (in the chart's
 * coordinates) and returns the new node's id. The palette filter is used so that
 * the node is visible whatever the category's state.
 */
async function dragFromPalette(page, type, position) {
  const before = new Set(await nodeIds(page, type));
  const item = page.locator(paletteSelector(type));
  await item.waitFor({ state: 'attached' });
  const label = ((await item.locator('.red-ui-palette-label').textContent()) || type).replace(/\s+/g, ' ').trim();
  const search = page.locator('#red-ui-palette-search input');
  await search.fill(label);
  await item.waitFor({ state: 'visible' });
  await item.dragTo(page.locator('#red-ui-workspace-chart'), { targetPosition: position });
  const handle = await page.waitForFunction(
    ([t, known]) => {
      let id = null;
      RED.nodes.eachNode((n) => {
        if (n.type === t && !known.includes(n.id)) id = n.id;
      });
      return id;
    },
    [type, [...before]],
  );
  const id = await handle.jsonValue();
  await search.fill('');
  return id;
}

/** Opens a node's edit dialog (double click on the node). */
async function openEditDialog(page, id) {
  await page.locator(`[id="${id}"] rect.red-ui-flow-node`).dblclick();
  await page.locator('#node-dialog-ok').waitFor({ state: 'visible' });
  // the form is filled in by oneditprepare; wait until the name input exists
  await page.locator('.red-ui-tray #dialog-form, .red-ui-tray form').first().waitFor({ state: 'visible' });
}

/** Clicks Done and waits for the edit tray to go. */
async function closeEditDialog(page) {
  await page.click('#node-dialog-ok');
  await page.waitForFunction(() => !document.querySelector('.red-ui-tray'));
}

/** Clicks Cancel and waits for the edit tray to go. */
async function cancelEditDialog(page) {
  await page.click('#node-dialog-cancel');
  await page.waitForFunction(() => !document.querySelector('.red-ui-tray'));
}

/**
 * Sets the dialog fields: {name: value}; the element #node-input-<name> is a
 * text input, a select (value is an option value), a checkbox (boolean) or a
 * typedInput, whose value may be {type, value}: the type is picked from the
 * widget's menu, as a user does, then the value typed into the widget.
 */
async function fillDialog(page, fields, prefix = 'node-input-') {
  for (const [name, value] of Object.entries(fields)) {
    const el = page.locator(`#${prefix}${name}`);
    const kind = await el.evaluate((e) =>
      e.classList.contains('red-ui-typedInput') ? 'typed' : e.tagName === 'SELECT' ? 'select' : e.type === 'checkbox' ? 'checkbox' : 'text',
    );
    if (kind === 'typed') await fillTypedInput(page, `#${prefix}${name}`, value);
    else if (kind === 'select') await el.selectOption(String(value));
    else if (kind === 'checkbox') await el.setChecked(Boolean(value));
    else await el.fill(String(value));
  }
}

/** A typedInput (the widget that follows the hidden original input): its type, then its value. */
async function fillTypedInput(page, selector, value) {
  const widget = page.locator(`${selector} + .red-ui-typedInput-container`);
  const { type, value: text } = value !== null && typeof value === 'object' ? value : { type: null, value };
  if (type) {
    await widget.locator('button.red-ui-typedInput-type-select').click();
    await page.locator(`.red-ui-typedInput-options a[value="${type}"]`).filter({ visible: true }).click();
    await page.waitForFunction(([sel, t]) => $(sel).typedInput('type') === t, [selector, type]);
  }
  await widget.locator('input.red-ui-typedInput-input').fill(String(text));
}

/** Whether the elements matched exist and are shown: [{selector, exists, visible}]. */
function visibility(page, selectors) {
  return page.evaluate((list) => list.map((sel) => ({ selector: sel, exists: $(sel).length > 0, visible: $(sel).is(':visible') })), selectors);
}

/**
 * Elements in `selector` whose data-i18n key was not translated: the text (or
 * the [attribute]) it sets is empty or is the key itself, as the editor leaves
 * them for a key missing from the catalog.
 */
function i18nProblems(page, selector) {
  return page.evaluate((sel) => {
    const out = [];
    for (const root of document.querySelectorAll(sel)) {
      for (const el of root.querySelectorAll('[data-i18n]')) {
        for (const part of el.getAttribute('data-i18n').split(';')) {
          const m = /^\s*(?:\[([^\]]*)\])?\s*(.+?)\s*$/.exec(part);
          if (!m) continue;
          const [, attr, key] = m;
          const value = !attr ? el.textContent : attr === 'html' ? el.innerHTML : el.getAttribute(attr) || '';
          const bare = key.replace(/^[^:]*:/, '');
          if (!value.trim() || value.trim() === key || value.trim() === bare) {
            out.push(`${el.tagName.toLowerCase()}${el.id ? `#${el.id}` : ''} data-i18n="${part.trim()}" shows ${JSON.stringify(value.trim())}`);
          }
        }
      }
    }
    return out;
  }, selector);
}

/**
 * Texts in `selector` that look like untranslated catalog keys of the pack
 * (e.g. "file-tail.label.path"): element texts, placeholders and titles.
 */
function untranslatedKeys(page, selector, prefixes) {
  return page.evaluate(
    ([sel, pre]) => {
      const re = new RegExp(`^(?:${pre.map((p) => p.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')).join('|')})\\.[\\w-]+(?:\\.[\\w-]+)*$`);
      const out = [];
      for (const root of document.querySelectorAll(sel)) {
        const walker = document.createTreeWalker(root, NodeFilter.SHOW_TEXT);
        while (walker.nextNode()) {
          const t = walker.currentNode.textContent.trim();
          if (re.test(t)) out.push(t);
        }
        for (const e of root.querySelectorAll('[placeholder],[title]')) {
          for (const a of ['placeholder', 'title']) {
            const v = (e.getAttribute(a) || '').trim();
            if (re.test(v)) out.push(`${a}="${v}"`);
          }
        }
      }
      return [...new Set(out)];
    },
    [selector, prefixes],
  );
}

/**
 * Deploys (the Deploy button) and resolves once the editor is no longer dirty.
 * Rejects with the warning's text if the editor asks for confirmation instead
 * (unknown, invalid or unused config nodes).
 */
async function deploy(page) {
  await page.click('#red-ui-header-button-deploy');
  const done = page.waitForFunction(() => !RED.nodes.dirty()).then(() => null);
  const warned = page
    .locator('#red-ui-deploy-dialog-confirm-deploy-deploy')
    .waitFor({ state: 'visible' })
    .then(async () => page.locator('.red-ui-notification').last().innerText());
  const warning = await Promise.race([done, warned.catch(() => null)]);
  await closeNotifications(page); // "Successfully deployed" would cover the top of the workspace
  if (warning) throw new Error(`the editor asked for confirmation before deploying:\n${warning}`);
}

/**
 * Import ▸ Examples ▸ <module> ▸ <example> into a new flow, through the main
 * menu and the Examples tab of the import dialog (same on 4.x and 5.x).
 * `path` is the example's path under examples/ without ".json" (folders are
 * sub-menus). Resolves with the ids of the imported nodes (flow and config).
 */
async function importExample(page, moduleName, examplePath, track = []) {
  const before = new Set(await allIds(page));
  await page.click('#red-ui-header-button-sidemenu');
  await page.click('#menu-item-import');
  const tab = page.locator('#red-ui-tab-red-ui-clipboard-dialog-import-tab-examples a');
  const pane = page.locator('#red-ui-clipboard-dialog-import-tab-examples');
  // A click that lands while the dialog still opens can leave the Examples
  // pane hidden: it is made again until the pane shows.
  for (let attempt = 1; ; attempt++) {
    await tab.click();
    const shown = await pane.waitFor({ state: 'visible', timeout: 10000 }).then(() => true, () => false);
    if (shown) break;
    if (attempt === 3) throw new Error('Import ▸ Examples: the Examples pane did not show after 3 clicks on its tab');
  }
  const labels = [moduleName, ...examplePath.split('/')];
  const item = (label) =>
    pane
      .locator('.red-ui-treeList-label')
      .filter({ has: page.locator('.red-ui-treeList-label-text', { hasText: new RegExp(`^${escapeRe(label)}$`) }) })
      .first();
  const okEnabled = () => !$('#red-ui-clipboard-dialog-ok').button('option', 'disabled');
  // A folder's label toggles it: one already open (the tree may remember it)
  // is not clicked again. OK is enabled once the example itself is selected;
  // a click lost to the tree's expand animation is made again.
  for (let attempt = 1; ; attempt++) {
    for (const [i, label] of labels.entries()) {
      const isFolder = i < labels.length - 1;
      if (isFolder && (await item(labels[i + 1]).isVisible())) continue;
      await item(label).click();
    }
    const enabled = await page.waitForFunction(okEnabled, null, { timeout: 10000 }).then(() => true, () => false);
    if (enabled) break;
    if (attempt === 3) {
      const tree = await pane.innerText();
      throw new Error(`Import ▸ Examples: "${labels.join(' ▸ ')}" selected 3 times, OK still disabled; the tree shows:\n${tree}`);
    }
  }
  await page.locator('#red-ui-clipboard-dialog-import-opt-new').click();
  return finishImport(page, before, track);
}

/**
 * Import ▸ Clipboard: pastes `text` (a flow export, as JSON) and imports it
 * into a new flow, as a user imports a file saved elsewhere. Resolves with the
 * ids of the imported nodes (flow and config).
 */
async function importText(page, text, track = []) {
  const before = new Set(await allIds(page));
  await page.click('#red-ui-header-button-sidemenu');
  await page.click('#menu-item-import');
  await page.locator('#red-ui-tab-red-ui-clipboard-dialog-import-tab-clipboard a').click();
  const input = page.locator('#red-ui-clipboard-dialog-import-text');
  await input.fill(text);
  await input.press('End'); // the dialog checks the text on keyup
  await page.locator('#red-ui-clipboard-dialog-import-opt-new').click();
  return finishImport(page, before, track);
}

/** Clicks the import dialog's OK and resolves with the ids of the nodes it added (not in `before`). */
async function finishImport(page, before, track) {
  const okEnabled = () => !$('#red-ui-clipboard-dialog-ok').button('option', 'disabled');
  const ok = page.locator('#red-ui-clipboard-dialog-ok');
  await page.waitForFunction(okEnabled);
  await ok.click();
  await page.locator('#red-ui-clipboard-dialog-ok').waitFor({ state: 'hidden' });
  const handle = await page.waitForFunction((known) => {
    const ids = [];
    const add = (n) => {
      if (!known.includes(n.id)) ids.push(n.id);
    };
    RED.nodes.eachNode(add);
    RED.nodes.eachConfig(add);
    return ids.length ? ids : null;
  }, [...before]);
  const ids = await handle.jsonValue();
  track.push(...ids);
  // The imported nodes now follow the mouse (RED.state.IMPORT_DRAGGING) until a
  // click drops them, as for a user.
  if (await page.evaluate(() => RED.view.state() === RED.state.IMPORT_DRAGGING)) {
    const chart = page.locator('#red-ui-workspace-chart');
    await chart.hover({ position: { x: 120, y: 100 } });
    await chart.click({ position: { x: 140, y: 110 } });
    await page.waitForFunction(() => RED.view.state() !== RED.state.IMPORT_DRAGGING);
  }
  await page.waitForFunction(() => RED.nodes.dirty());
  return ids;
}

/**
 * After a failed test: closes dialogs, menus and notifications, removes the
 * editor nodes `ids` (flow and config nodes) and deploys what is left, so that
 * the next test starts from a clean, deployed editor.
 */
async function resetEditor(page, ids = []) {
  await page.evaluate((list) => {
    if ($('#red-ui-clipboard-dialog').is(':visible')) $('#red-ui-clipboard-dialog').dialog('close');
    while (document.querySelector('.red-ui-tray') && RED.tray && RED.tray.close) {
      const before = document.querySelectorAll('.red-ui-tray').length;
      RED.tray.close();
      if (document.querySelectorAll('.red-ui-tray').length >= before) break;
    }
    $('.red-ui-menu-dropdown').hide();
    let removed = 0;
    for (const id of list) {
      if (RED.nodes.node(id)) {
        RED.nodes.remove(id);
        removed++;
      }
    }
    if (removed) {
      RED.nodes.dirty(true);
      RED.view.redraw(true);
    }
  }, ids);
  await closeNotifications(page);
  await page.waitForFunction(() => !document.querySelector('.red-ui-tray') && !$('#red-ui-full-shade').is(':visible'));
  if (await page.evaluate(() => RED.nodes.dirty())) await deploy(page);
}

function allIds(page) {
  return page.evaluate(() => {
    const ids = [];
    RED.nodes.eachNode((n) => ids.push(n.id));
    RED.nodes.eachConfig((n) => ids.push(n.id));
    RED.nodes.eachWorkspace((n) => ids.push(n.id));
    return ids;
  });
}

/**
 * Problems of the editor nodes `ids`: unknown types, invalid nodes (the red
 * triangle, also checked in the DOM for nodes on the active workspace).
 */
function nodeProblems(page, ids) {
  return page.evaluate((list) => {
    const problems = [];
    for (const id of list) {
      const n = RED.nodes.node(id);
      if (!n) continue;
      const what = `${n.type} ${id}${n.name ? ` "${n.name}"` : ''}`;
      if (n.type === 'unknown' || !RED.nodes.getType(n.type)) problems.push(`${what}: unknown type${n.name ? ` (${n.name})` : ''}`);
      if (n.valid === false) problems.push(`${what}: invalid${n.validationErrors && n.validationErrors.length ? ` (${n.validationErrors.join(', ')})` : ''}`);
      if (n.z === RED.workspaces.active()) {
        const tri = document.querySelector(`[id="${id}"] > .red-ui-flow-node-error`);
        if (tri && !tri.classList.contains('hide')) problems.push(`${what}: red triangle shown`);
      }
    }
    return problems;
  }, ids);
}

/**
 * Layout problems of the editor nodes `ids` as drawn: two node boxes that
 * overlap, and a wire that runs behind a node other than its own two ends.
 * Each workspace holding some of the nodes is shown in turn, since the editor
 * sizes and draws only the active one. Boxes are the nodes' own rectangles
 * (x, y are centres; w, h as drawn); a wire is sampled along its SVG path.
 */
async function layoutProblems(page, ids) {
  const workspaces = await page.evaluate((list) => [...new Set(list.map((id) => RED.nodes.node(id)).filter((n) => n && n.z && typeof n.x === 'number').map((n) => n.z))], ids);
  const active = await page.evaluate(() => RED.workspaces.active());
  const problems = [];
  for (const z of workspaces) {
    // Drawn once every node of the workspace has its element and its size.
    await page.evaluate((wid) => RED.workspaces.active() !== wid && RED.workspaces.show(wid), z);
    await page.waitForFunction(
      ([wid, list]) =>
        RED.workspaces.active() === wid &&
        list.map((id) => RED.nodes.node(id)).filter((n) => n && n.z === wid && typeof n.x === 'number').every((n) => n.w > 0 && n.h > 0 && document.querySelector(`#red-ui-workspace-chart [id="${n.id}"]`)),
      [z, ids],
    );
    problems.push(...(await page.evaluate(([wid, list]) => {
      const found = [];
      const here = list.map((id) => RED.nodes.node(id)).filter((n) => n && n.z === wid && typeof n.x === 'number');
      const label = (n) => `${n.type}${n.name ? ` "${n.name}"` : ''}`;
      const box = (n) => ({ left: n.x - n.w / 2, right: n.x + n.w / 2, top: n.y - n.h / 2, bottom: n.y + n.h / 2 });
      for (const [i, a] of here.entries()) {
        for (const b of here.slice(i + 1)) {
          const p = box(a);
          const q = box(b);
          if (p.left < q.right && q.left < p.right && p.top < q.bottom && q.top < p.bottom) found.push(`${label(a)} overlaps ${label(b)}`);
        }
      }
      // A wire's own ends sit on its nodes' ports; any other node box it crosses hides it.
      const inside = (pt, b) => pt.x > b.left + 1 && pt.x < b.right - 1 && pt.y > b.top + 1 && pt.y < b.bottom - 1;
      for (const path of document.querySelectorAll('#red-ui-workspace-chart path.red-ui-flow-link-line')) {
        const link = path.__data__;
        if (!link || !link.source || !link.target || link.link) continue; // link-node virtual wires are dashed and drawn on top
        const length = path.getTotalLength();
        const crossed = new Set();
        for (let at = 0; at <= length; at += 2) {
          const pt = path.getPointAtLength(at);
          for (const n of here) {
            if (n.id === link.source.id || n.id === link.target.id || crossed.has(n)) continue;
            if (inside(pt, box(n))) crossed.add(n);
          }
        }
        for (const n of crossed) found.push(`the wire ${label(link.source)} → ${label(link.target)} runs behind ${label(n)}`);
      }
      return found;
    }, [z, ids])));
  }
  if (active) await page.evaluate((wid) => RED.workspaces.active() !== wid && RED.workspaces.show(wid), active);
  return problems;
}

/** Waits until a node's status label (on the active workspace) matches `re`; resolves with {text, cls}. */
async function waitForStatus(page, id, re, { not = null } = {}) {
  const handle = await page.waitForFunction(
    ([nid, src, flags, notText]) => {
      const el = document.querySelector(`[id="${nid}"] .red-ui-flow-node-status-label`);
      const shape = document.querySelector(`[id="${nid}"] .red-ui-flow-node-status`);
      const text = el ? el.textContent : '';
      if (!new RegExp(src, flags).test(text) || (notText !== null && text === notText)) return null;
      return { text, cls: shape ? shape.getAttribute('class') : '' };
    },
    [id, re.source, re.flags, not],
  );
  return handle.jsonValue();
}

/** Closes the editor's notifications and waits until none is shown. */
async function closeNotifications(page) {
  await page.evaluate(() => document.querySelectorAll('.red-ui-notification').forEach((n) => typeof n.close === 'function' && n.close()));
  await page.waitForFunction(() => ![...document.querySelectorAll('.red-ui-notification')].some((n) => n.offsetParent));
}

/** Closes notifications and moves the mouse off the nodes and tabs (no tooltip), for screenshots. */
async function clearOverlays(page) {
  await closeNotifications(page);
  const box = await page.locator('#red-ui-workspace-chart').boundingBox();
  await page.mouse.move(box.x + box.width - 40, box.y + box.height - 40);
  await page.waitForFunction(() => ![...document.querySelectorAll('.red-ui-popover, .red-ui-tooltip')].some((n) => n.offsetParent));
}

/** Shows a workspace tab by its id (clicking its tab). */
async function showWorkspace(page, id) {
  await page.locator(`#red-ui-tab-${id} a.red-ui-tab-label`).click();
  await page.waitForFunction((wid) => RED.workspaces.active() === wid, id);
}

/**
 * Opens a sidebar tab (e.g. "debug", "info", "help"): Node-RED 5 has buttons
 * `button[data-tab-id=<tab>]`, Node-RED 4 `#red-ui-tab-<tab>-link-button`.
 * Resolves with the tab's content element locator (`contentSelector`, for a
 * pack's own tab; by default the core tabs' content class).
 */
async function openSidebarTab(page, tab, contentSelector = null) {
  const selector = contentSelector || (tab === 'debug' ? '.red-ui-debug-content' : `.red-ui-sidebar-${tab}`);
  const nr5 = page.locator(`button[data-tab-id="${tab}"]`);
  if (await nr5.count()) {
    const visible = await page.evaluate(
      ([t, sel]) => {
        const c = document.querySelector(sel || `.red-ui-sidebar-${t}, .red-ui-${t}-content`);
        return !!(c && c.offsetParent);
      },
      [tab, contentSelector],
    );
    if (!visible) await nr5.first().click();
  } else {
    // Node-RED 4 hides the last tab buttons when the sidebar is narrow; its
    // caret menu lists every tab.
    const button = page.locator(`#red-ui-tab-${tab}-link-button`);
    if (await button.isVisible()) await button.click();
    else {
      await page.locator('#red-ui-sidebar .red-ui-tab-link-button-menu').click();
      await page.locator(`#red-ui-tabs-menu-option-${tab}`).click();
    }
  }
  const content = page.locator(selector).first();
  await content.waitFor({ state: 'visible' });
  return content;
}

function escapeRe(s) {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

module.exports = {
  CHROMIUM,
  LAUNCH_ARGS,
  browserMissingReason,
  launchBrowser,
  skipUnlessBrowser,
  openEditor,
  request,
  getFlows,
  getNodeSets,
  disableInfoTips,
  PageErrors,
  failingOnPageErrors,
  waitForEditor,
  paletteSelector,
  nodeIds,
  dragFromPalette,
  openEditDialog,
  closeEditDialog,
  cancelEditDialog,
  fillDialog,
  visibility,
  untranslatedKeys,
  i18nProblems,
  deploy,
  importExample,
  importText,
  resetEditor,
  nodeProblems,
  layoutProblems,
  waitForStatus,
  showWorkspace,
  closeNotifications,
  clearOverlays,
  openSidebarTab,
};
