'use strict';
// The German locale end to end in a real Node-RED: the editor fetches a node
// pack's catalogs from the admin API (`nodes/messages?lng=<lang>` at start,
// `nodes/<module>/<set>/messages?lng=<lang>` for a set installed later, and
// i18next's `locales/<namespace>?lng=<lang>`), and its node definitions and help
// from `GET /nodes` (Accept: text/html) with the editor language in
// Accept-Language. For each node of the pack, each of these must answer with the
// German text of locales/de when asked for German, and with English otherwise.
//
// Which Node-RED and node: env NODE_RED_PATH and NODE_RED_NODE_BIN, as for
// demo.spec.js. No sleeps: every wait is for an HTTP answer or a log line.
const fs = require('fs');
const path = require('path');
const should = require('should');
const { startNodeRed, resolveNodeRedDir, nodeRedInfo, REPO_ROOT } = require('../support/node-red-process');

const nodeRedDir = resolveNodeRedDir(process.env.NODE_RED_PATH);
const pkg = JSON.parse(fs.readFileSync(path.join(REPO_ROOT, 'package.json'), 'utf8'));
/** [{set, dir, base}] of every node file, from package.json, in the built tree. */
const nodeSets = Object.entries(pkg['node-red'].nodes).map(([set, file]) => ({
  set,
  dir: path.join(REPO_ROOT, path.dirname(file)),
  base: path.basename(file, '.js'),
}));

function catalog(entry, lang) {
  return JSON.parse(fs.readFileSync(path.join(entry.dir, 'locales', lang, `${entry.base}.json`), 'utf8'));
}

/** {type: text of the first <p>} of a locale's help file: the palette tooltip. */
function helpSummaries(entry, lang) {
  const html = fs.readFileSync(path.join(entry.dir, 'locales', lang, `${entry.base}.html`), 'utf8');
  const out = {};
  for (const m of html.matchAll(/<script type="text\/html" data-help-name="([^"]+)">\s*<p>([\s\S]*?)<\/p>/g)) out[m[1]] = m[2];
  return out;
}

describe(`German locale in a real Node-RED ${nodeRedInfo(nodeRedDir).version} (integration)`, function () {
  this.timeout(90_000); // safety net only

  let nr;

  before(async function () {
    if (!fs.existsSync(nodeSets[0].dir)) throw new Error('dist/ is missing: run `npm run build` (npm test does) first');
    nr = await startNodeRed();
  });

  after(async function () {
    if (nr) await nr.stop();
  });

  async function getJson(urlPath) {
    const res = await fetch(`${nr.url}${urlPath}`, { headers: { Accept: 'application/json' } });
    res.status.should.equal(200, urlPath);
    return res.json();
  }

  async function nodesHtml(language) {
    const res = await fetch(`${nr.url}nodes`, { headers: { Accept: 'text/html', 'Accept-Language': language } });
    res.status.should.equal(200);
    return res.text();
  }

  it('has a German catalog and help for every node of the pack', function () {
    for (const entry of nodeSets) {
      for (const file of [`${entry.base}.json`, `${entry.base}.html`]) {
        fs.existsSync(path.join(entry.dir, 'locales', 'de', file)).should.equal(true, `${entry.set}: locales/de/${file}`);
      }
    }
  });

  it('serves every German catalog at start-up, as the editor loads them (nodes/messages?lng=de)', async function () {
    const de = await getJson('nodes/messages?lng=de');
    const en = await getJson('nodes/messages?lng=en-US');
    for (const entry of nodeSets) {
      const ns = `${pkg.name}/${entry.set}`;
      should.exist(de[ns], `no catalog ${ns} in ${Object.keys(de).join(', ')}`);
      de[ns].should.eql(catalog(entry, 'de'), ns);
      en[ns].should.eql(catalog(entry, 'en-US'), ns);
    }
    // a few strings the flow author sees, in German
    de[`${pkg.name}/file-tail`]['file-tail'].status.waiting.should.equal('wartet auf Datei');
    de[`${pkg.name}/dir-watch`]['dir-watch'].label.path.should.equal('Ordner');
    de[`${pkg.name}/micro-batch`]['micro-batch'].label.interval.should.equal('Senden alle');
    de[`${pkg.name}/kill-switch`]['kill-switch'].status.engaged.should.equal('ausgelöst');
    de[`${pkg.name}/kill-switch-config`]['kill-switch-config'].initial.released.should.equal('freigegeben: Daten fließen');
    en[`${pkg.name}/file-tail`]['file-tail'].status.waiting.should.equal('waiting for file');
  });

  it('serves the German catalog of one set (nodes/<module>/<set>/messages) and through i18next (locales/<namespace>)', async function () {
    for (const entry of nodeSets) {
      const ns = `${pkg.name}/${entry.set}`;
      (await getJson(`nodes/${ns}/messages?lng=de`)).should.eql(catalog(entry, 'de'), `nodes/${ns}/messages`);
      (await getJson(`locales/${ns}?lng=de`)).should.eql(catalog(entry, 'de'), `locales/${ns}`);
    }
    // a regional variant falls back to its language, as in the editor of a de-DE browser
    (await getJson(`locales/${pkg.name}/file-tail?lng=de-DE`)).should.eql(catalog(nodeSets.find((e) => e.set === 'file-tail'), 'de'));
  });

  for (const language of ['de', 'de-DE']) {
    it(`sends the German help with the node definitions for Accept-Language: ${language}`, async function () {
      const html = await nodesHtml(language);
      for (const entry of nodeSets) {
        const de = helpSummaries(entry, 'de');
        const en = helpSummaries(entry, 'en-US');
        Object.keys(de).sort().should.eql(Object.keys(en).sort(), entry.set);
        for (const [type, summary] of Object.entries(de)) {
          html.should.containEql(`data-help-name="${type}"`);
          html.includes(summary).should.equal(true, `${type}: the German summary "${summary.slice(0, 60)}…" is not in GET /nodes`);
          html.includes(en[type]).should.equal(false, `${type}: the English summary is in GET /nodes for ${language}`);
        }
      }
      html.should.containEql('<h3>Eingangsdaten</h3>').and.containEql('<h3>Ausgangsdaten</h3>');
    });
  }

  it('sends the English help for Accept-Language: en-US', async function () {
    const html = await nodesHtml('en-US');
    for (const entry of nodeSets) {
      for (const [type, summary] of Object.entries(helpSummaries(entry, 'en-US'))) {
        html.includes(summary).should.equal(true, `${type}: the English summary is not in GET /nodes`);
        html.includes(helpSummaries(entry, 'de')[type]).should.equal(false, `${type}: the German summary is in GET /nodes for en-US`);
      }
    }
  });
});
