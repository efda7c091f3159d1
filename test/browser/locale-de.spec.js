'use strict';
// The editor in German, in headless chromium (playwright-core + Debian's
// /usr/bin/chromium, as editor.spec.js). A browser whose language is de-DE gets
// the German catalogs (de-DE falls back to de) and help of every node of the
// pack: every text the edit dialogs set through data-i18n is the one of
// locales/de, and the help the editor holds is the German help. Status texts are
// rendered by the runtime in its own language (en-US here), so that Status nodes
// receive text rather than catalog keys; the editor shows them as sent. An English browser with
// the editor language set to Deutsch (☰ ▸ Settings ▸ View ▸ Language, kept in
// localStorage "editor-language") gets German too.
//
// Which Node-RED and node: env NODE_RED_PATH and NODE_RED_NODE_BIN, as for
// editor.spec.js. Skipped when chromium is missing, unless LOG_INGEST_BROWSER=required.
// No sleeps: every wait is for a DOM or editor state.
const fs = require('fs');
const os = require('os');
const path = require('path');
const should = require('should');
const { startNodeRed, resolveNodeRedDir, nodeRedInfo, nodeVersion, REPO_ROOT } = require('../support/node-red-process');
const ed = require('./support/editor');

const nodeRedDir = resolveNodeRedDir(process.env.NODE_RED_PATH);
const nodeBin = process.env.NODE_RED_NODE_BIN || process.execPath;
const pkg = JSON.parse(fs.readFileSync(path.join(REPO_ROOT, 'package.json'), 'utf8'));
const MODULE = pkg.name;
const TYPES = Object.keys(pkg['node-red'].nodes); // one type per node file, named as the file

/** A built locale file of node `type`. */
function localeFile(type, lang, ext) {
  return path.join(REPO_ROOT, 'dist', 'nodes', type, 'locales', lang, `${type}.${ext}`);
}
function catalog(type, lang) {
  return JSON.parse(fs.readFileSync(localeFile(type, lang, 'json'), 'utf8'));
}
function lookup(cat, key) {
  return key.split('.').reduce((o, k) => (o && typeof o === 'object' ? o[k] : undefined), cat);
}
/** The text of the first <p> of a type's help in `lang`: the palette tooltip. */
function helpSummary(type, lang) {
  const html = fs.readFileSync(localeFile(type, lang, 'html'), 'utf8');
  const m = new RegExp(`data-help-name="${type}">\\s*<p>([\\s\\S]*?)</p>`).exec(html);
  should.exist(m, `${type}: no summary in locales/${lang}/${type}.html`);
  return m[1].replace(/<[^>]+>/g, '').replace(/\s+/g, ' ').trim();
}

/** The texts of the multiline settings in the file-tail and dir-watch dialogs (rows shown or hidden by the mode). */
const MULTILINE_KEYS = [
  'label.multiline',
  'label.multilineStart',
  'label.multilineMaxLines',
  'label.multilineTimeout',
  ...['none', 'java', 'python', 'indented', 'timestamp', 'custom'].map((mode) => `multiline.${mode}`),
  'placeholder.multilineStart',
  'hint.multilineMaxLines',
  'hint.multilineTimeout',
  'tip.multiline',
  'tooltip.multiline',
  'tooltip.multilineStart',
  'tooltip.multilineMaxLines',
  'tooltip.multilineTimeout',
];

/** The texts of the syslog-in dialog's rows that one protocol or Parse shows and another hides. */
const SYSLOG_KEYS = [
  ...['udp', 'tcp', 'tls', 'relp'].flatMap((protocol) => [`protocol.${protocol}`, `guarantee.${protocol}`]),
  ...['tls', 'clientCert', 'framing', 'maxConnections', 'idleTimeout', 'recvBufferSize', 'schema', 'timezone', 'allow'].flatMap((field) => [`label.${field}`, `tooltip.${field}`]),
  ...['none', 'optional', 'required'].map((choice) => `clientCert.${choice}`),
  ...['auto', 'octet', 'lf'].map((framing) => `framing.${framing}`),
  'tip.tls',
  'tip.privileged',
  'tip.lines',
  'label.parse',
  'placeholder.allow',
];

const IDS = {
  tab: 'de00000000000001',
  config: 'de00000000000002',
  'file-tail': 'de00000000000003',
  'dir-watch': 'de00000000000004',
  'micro-batch': 'de00000000000005',
  'kill-switch': 'de00000000000006',
  'batch-ack': 'de00000000000007',
  'log-parse': 'de00000000000008',
  'syslog-in': 'de00000000000009',
};

function flows(tmpDir) {
  const missing = path.join(tmpDir, 'not-there-yet');
  const line = { startAt: 'end', output: 'lines', encoding: 'utf8', delimiter: '\\n', idleFlush: 1, pollInterval: 1, maxLineBytes: 1048576, longLines: 'cut' };
  return [
    { id: IDS.tab, type: 'tab', label: 'Deutsch' },
    { id: IDS.config, type: 'kill-switch-config', name: 'pipeline stop', initial: 'released' },
    { id: IDS['file-tail'], z: IDS.tab, type: 'file-tail', name: '', path: path.join(missing, 'app.log'), ...line, killSwitch: '', x: 160, y: 80, wires: [[IDS['micro-batch']]] },
    { id: IDS['micro-batch'], z: IDS.tab, type: 'micro-batch', name: '', interval: 5, maxSize: 10000, maxBytes: 0, keepArrays: false, killSwitch: '', x: 400, y: 80, wires: [[]] },
    { id: IDS['dir-watch'], z: IDS.tab, type: 'dir-watch', name: '', path: missing, pattern: '*.log', exclude: '', recursive: false, maxDepth: 8, ...line, maxOpenFiles: 512, ignoreOlder: 0, killSwitch: '', x: 160, y: 180, wires: [[], []] },
    { id: IDS['kill-switch'], z: IDS.tab, type: 'kill-switch', name: '', killSwitch: IDS.config, controlTopic: 'kill-switch', mode: 'hold', queueSize: 1000, initial: 'released', x: 400, y: 180, wires: [[], []] },
    { id: IDS['batch-ack'], z: IDS.tab, type: 'batch-ack', name: '', success: 'any', x: 640, y: 80, wires: [[]] },
    { id: IDS['log-parse'], z: IDS.tab, type: 'log-parse', name: '', format: 'auto', pattern: '', schema: 'ecs', timezone: 'UTC', property: 'payload', onError: 'output2', x: 640, y: 180, wires: [[], []] },
    // tls: the dialog's every row is in the page either way; tls shows the TLS rows too.
    { id: IDS['syslog-in'], z: IDS.tab, type: 'syslog-in', name: '', protocol: 'tls', host: '127.0.0.1', port: 16514, tls: '', clientCert: 'none', framing: 'auto', output: 'line', parse: true, schema: 'ecs', timezone: '', allow: '', maxMessageBytes: 65536, maxConnections: 1000, idleTimeout: 0, recvBufferSize: '', killSwitch: '', x: 160, y: 280, wires: [[]] },
  ];
}

/**
 * Every data-i18n text of the pack's namespaces in the open edit tray:
 * [{key, attr, shown}] (shown: the text, or the attribute's value; for [html]
 * the text without tags). The editor prefixes a node's keys with its namespace,
 * "<module>/<set>:"; keys of other namespaces (node-red:, the editor's) are
 * Node-RED's own.
 */
function dialogTexts(page) {
  return page.evaluate((moduleName) => {
    const out = [];
    for (const el of document.querySelectorAll('.red-ui-tray [data-i18n]')) {
      for (const part of el.getAttribute('data-i18n').split(';')) {
        const m = /^\s*(?:\[([^\]]*)\])?\s*(?:([^:]+):)?(.+?)\s*$/.exec(part);
        if (!m || !m[2] || !m[2].startsWith(`${moduleName}/`)) continue;
        const attr = m[1] || null;
        const shown = !attr || attr === 'html' ? el.textContent : el.getAttribute(attr) || '';
        out.push({ key: m[3], attr, shown: shown.replace(/\s+/g, ' ').trim() });
      }
    }
    return out;
  }, MODULE);
}

describe(`editor in German in a real Node-RED ${nodeRedInfo(nodeRedDir).version} on Node ${nodeVersion(nodeBin)} (browser)`, function () {
  this.timeout(120000); // safety net only: a loaded machine is slow, never wrong

  let node = null;
  let browser = null;
  let tmpDir = null;

  before(async function () {
    ed.skipUnlessBrowser(this);
    tmpDir = fs.mkdtempSync(path.join(os.tmpdir(), 'log-ingest-de-'));
    node = await startNodeRed({ flows: flows(tmpDir), nodeRedDir, nodeBin, userDir: path.join(tmpDir, 'node-red') });
    await ed.disableInfoTips(node.url);
    browser = await ed.launchBrowser();
  });

  after(async function () {
    if (browser) await browser.close();
    if (node) await node.stop();
    if (tmpDir) fs.rmSync(tmpDir, { recursive: true, force: true });
  });

  /** A page of a new browser context with `locale`, after `init` ran in it, with the editor loaded. */
  async function openEditor({ locale, init = null }) {
    const context = await browser.newContext({ locale, viewport: { width: 1280, height: 760 } });
    if (init) await context.addInitScript(init);
    const page = await context.newPage();
    page.setDefaultTimeout(60000);
    const errors = new ed.PageErrors(page, { moduleName: MODULE, types: TYPES, icons: [] });
    await page.goto(node.url);
    await ed.waitForEditor(page, { paletteTypes: TYPES.filter((t) => t !== 'kill-switch-config') });
    return { context, page, errors };
  }

  describe('with the browser language de-DE', function () {
    let page = null;
    let context = null;
    let errors = null;

    before(async function () {
      ({ page, context, errors } = await openEditor({ locale: 'de-DE' }));
    });

    after(async function () {
      if (context) await context.close();
    });

    afterEach(function () {
      const seen = errors ? errors.take() : [];
      if (seen.length) throw new Error(`errors in the page:\n  ${seen.join('\n  ')}`);
    });

    it('uses the German catalogs', async function () {
      (await page.evaluate(() => RED.i18n.lang())).should.equal('de');
      for (const type of TYPES) {
        const de = catalog(type, 'de')[type];
        // the editor's own lookup through the node definition's namespace
        (await page.evaluate((t) => RED.nodes.getType(t)._(`${t}.paletteLabel`), type)).should.equal(de.paletteLabel);
      }
    });

    it('holds the German help of every node (palette tooltip and help sidebar)', async function () {
      for (const type of TYPES) {
        const help = await page.evaluate((t) => RED.nodes.getNodeHelp(t) || '', type);
        const text = help.replace(/<[^>]+>/g, '').replace(/\s+/g, ' ');
        text.should.containEql(helpSummary(type, 'de'), type);
        text.should.not.containEql(helpSummary(type, 'en-US'), type);
      }
    });

    it('shows the status texts as the runtime renders them (its language, en-US), not as keys', async function () {
      for (const [type, key] of [
        ['file-tail', 'status.waiting'],
        ['dir-watch', 'status.waiting'],
        ['kill-switch', 'status.released'],
      ]) {
        const want = lookup(catalog(type, 'en-US')[type], key);
        const shown = await ed.waitForStatus(page, IDS[type], new RegExp(`^${want.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}$`));
        shown.text.should.equal(want);
      }
    });

    for (const type of TYPES) {
      it(`shows the ${type} edit dialog in German`, async function () {
        const config = type === 'kill-switch-config';
        if (config) await page.evaluate((id) => RED.editor.editConfig('', 'kill-switch-config', id), IDS.config);
        else await ed.openEditDialog(page, IDS[type]);
        const okButton = config ? '#node-config-dialog-ok' : '#node-dialog-ok';
        await page.locator(okButton).waitFor({ state: 'visible' });
        try {
          (await ed.i18nProblems(page, '.red-ui-tray')).should.eql([], `${type}: untranslated data-i18n texts`);
          (await ed.untranslatedKeys(page, '.red-ui-tray', TYPES)).should.eql([], `${type}: catalog keys shown as text`);
          const de = catalog(type, 'de');
          const texts = await dialogTexts(page);
          texts.filter((t) => t.key.startsWith(`${type}.`)).length.should.be.above(0, `${type}: no text of its own catalog in the dialog`);
          if (type === 'file-tail' || type === 'dir-watch') {
            const keys = new Set(texts.map((t) => t.key));
            MULTILINE_KEYS.filter((key) => !keys.has(`${type}.${key}`)).should.eql([], `${type}: multiline texts missing from the dialog`);
          }
          if (type === 'syslog-in') {
            const keys = new Set(texts.map((t) => t.key));
            SYSLOG_KEYS.filter((key) => !keys.has(`${type}.${key}`)).should.eql([], `${type}: texts of the protocol and Parse rows missing from the dialog`);
          }
          const wrong = [];
          for (const t of texts) {
            const want = lookup(de, t.key);
            if (typeof want !== 'string') {
              wrong.push(`${t.key}: not in locales/de/${type}.json`);
              continue;
            }
            const expected = (t.attr === 'html' ? want.replace(/<[^>]+>/g, '') : want).replace(/\s+/g, ' ').trim();
            if (t.shown !== expected) wrong.push(`${t.attr ? `[${t.attr}]` : ''}${t.key}: shows ${JSON.stringify(t.shown)}, locales/de has ${JSON.stringify(expected)}`);
          }
          wrong.should.eql([]);
        } finally {
          await page.click(config ? '#node-config-dialog-cancel' : '#node-dialog-cancel');
          await page.waitForFunction(() => !document.querySelector('.red-ui-tray'));
        }
      });
    }
  });

  describe('with an English browser and the editor language set to Deutsch', function () {
    it('uses the German catalogs and help (status texts stay in the runtime language)', async function () {
      const { page, context, errors } = await openEditor({ locale: 'en-US', init: () => localStorage.setItem('editor-language', 'de') });
      try {
        (await page.evaluate(() => navigator.language)).should.equal('en-US');
        (await page.evaluate(() => RED.i18n.lang())).should.equal('de');
        const want = catalog('file-tail', 'en-US')['file-tail'].status.waiting;
        (await ed.waitForStatus(page, IDS['file-tail'], new RegExp(`^${want}$`))).text.should.equal(want);
        const help = await page.evaluate(() => RED.nodes.getNodeHelp('micro-batch') || '');
        help.replace(/<[^>]+>/g, '').replace(/\s+/g, ' ').should.containEql(helpSummary('micro-batch', 'de'));
        errors.take().should.eql([]);
      } finally {
        await context.close();
      }
    });
  });
});
