'use strict';
// scripts/validate.js: the offline scorecard and editor checks.
//
// 1. It passes on the built tree (`npm test` builds first; .ci/run's pass 2 reuses
//    that build), run as `npm run validate` runs it, minus the build.
// 2. Each check can fail: a small, complete fixture pack (written here, so it does
//    not move with the real pack) passes every check; each test breaks one thing in
//    a copy of it and asserts that the right check fails, naming the problem. Also
//    the exceptions that must NOT fail (typedInput hidden fields, oneditsave).
// 3. A broken copy of the real built tree fails on what was broken.
//
// The fixture has the pack's layout: editor .html in src/nodes/<type>/, catalogs
// and help in locales/<lang>/, icons in icons/, and hand-written "compiled" .js in
// dist/. runFixture builds it the way scripts/build.js does, minus tsc: it copies
// what build.plan() names into dist/.
const fs = require('fs');
const os = require('os');
const path = require('path');
const { execFileSync, spawnSync } = require('child_process');
const should = require('should');
const { validate, formatReport, getNodeDefinitions, keyUsesInJs, hasKey, parseDataI18n } = require('../scripts/validate');
const { resolveNodeRedDir } = require('./support/node-red-process');
const build = require('../scripts/build');

const REPO = path.resolve(__dirname, '..');
const SCRIPT = path.join(REPO, 'scripts', 'validate.js');
const NODE_RED_DIRS = [resolveNodeRedDir()];

// --- the fixture pack -----------------------------------------------------------

/** Files of a small pack that passes every check: {relative path: content}. */
function fixtureFiles({ type = 'fixture-node', config = 'fixture-config' } = {}) {
  const T = type;
  const C = config;
  return {
    'package.json': JSON.stringify(
      {
        name: '@fixture/node-red-fixture',
        version: '1.0.0',
        license: 'MIT',
        repository: { type: 'git', url: 'https://example.com/fixture.git' },
        keywords: ['node-red', 'fixture'],
        engines: { node: '>=20' },
        files: ['dist', 'examples'],
        'node-red': {
          version: '>=4.0.0',
          nodes: { [T]: `dist/nodes/${T}/${T}.js`, [C]: `dist/nodes/${C}/${C}.js` },
        },
        dependencies: { a: '1', b: '1' },
      },
      null,
      2,
    ),
    [`dist/nodes/${T}/${T}.js`]: `"use strict";
const shared_1 = require("../shared/notices");
function default_1(RED) {
    function FixtureNode(config) {
        RED.nodes.createNode(this, config);
        const node = this;
        node.status({ fill: 'green', shape: 'dot', text: '${T}.status.ready' });
        const state = config.mode === 'fast' ? '${T}.status.fast' : '${T}.status.slow';
        node.status({ fill: 'blue', shape: 'ring', text: state });
        node.on('input', (msg, send, done) => {
            if (msg.bad) done(new Error(RED._('${T}.errors.bad', { value: msg.bad })));
            else if (msg.reason) node.status({ fill: 'red', shape: 'ring', text: \`${T}.status.\${msg.reason}\` });
            else { (0, shared_1.notify)(RED, node, '${T}'); done(); }
        });
    }
    RED.nodes.registerType('${T}', FixtureNode);
}
exports.default = default_1;
`,
    'dist/nodes/shared/notices.js': `"use strict";
Object.defineProperty(exports, "__esModule", { value: true });
exports.notify = notify;
function notify(RED, node, type) {
    const key = (name) => \`\${type}.warnings.\${name}\`;
    node.warn(RED._(key('rotated'), { path: 'x' }));
}
`,
    [`src/nodes/${T}/${T}.ts`]: `export const type = '${T}';\n`,
    [`src/nodes/${T}/${T}.html`]: `<script type="text/javascript">
    RED.nodes.registerType('${T}', {
        category: 'fixture',
        color: '#DEB887',
        defaults: {
            name: { value: '' },
            mode: { value: 'slow' },
            target: { value: 'payload' },
            targetType: { value: 'msg' },
            computed: { value: 0 },
            server: { value: '', type: '${C}', required: false }
        },
        inputs: 1,
        outputs: 1,
        icon: 'log-ingest-${T}.svg',
        label: function () {
            return this.name || this._('${T}.label.${T}');
        },
        paletteLabel: function () {
            return this._(this.mode === 'fast' ? '${T}.paletteFast' : '${T}.paletteLabel');
        },
        oneditprepare: function () {
            $('#node-input-target').typedInput({ default: 'msg', types: ['msg', 'flow'], typeField: '#node-input-targetType' });
            if (this.changed) RED.notify(RED._('notification.warnings.undeployedChanges'), 'warning');
        },
        oneditsave: function () {
            this.computed = $('#node-input-helper').val().length;
        }
    });
</script>

<script type="text/html" data-template-name="${T}">
    <div class="form-row">
        <label for="node-input-mode"><i class="fa fa-cog"></i> <span data-i18n="${T}.label.mode"></span></label>
        <select id="node-input-mode"><option value="slow" data-i18n="${T}.mode.slow"></option><option value="fast" data-i18n="${T}.mode.fast"></option></select>
    </div>
    <div class="form-row">
        <label for="node-input-target"><span data-i18n="${T}.label.target"></span></label>
        <input type="text" id="node-input-target">
    </div>
    <div class="form-row">
        <input type="text" id="node-input-helper" data-i18n="[placeholder]${T}.placeholder.helper;[title]${T}.label.mode">
    </div>
    <div class="form-row">
        <label for="node-input-server"><span data-i18n="${T}.label.server"></span></label>
        <input type="text" id="node-input-server">
    </div>
    <div class="form-row">
        <label for="node-input-name"><i class="fa fa-tag"></i> <span data-i18n="node-red:common.label.name"></span></label>
        <input type="text" id="node-input-name" data-i18n="[placeholder]node-red:common.label.name">
    </div>
</script>
`,
    [`icons/log-ingest-${T}.svg`]: '<svg xmlns="http://www.w3.org/2000/svg" width="40" height="60"></svg>\n',
    [`locales/en-US/${T}.json`]: JSON.stringify(
      {
        [T]: {
          paletteLabel: 'fixture',
          paletteFast: 'fixture (fast)',
          label: { [T]: 'fixture', mode: 'Mode', target: 'Target', server: 'Server' },
          mode: { slow: 'slow', fast: 'fast' },
          placeholder: { helper: 'helper' },
          status: { ready: 'ready', fast: 'fast', slow: 'slow', failed: 'failed' },
          errors: { bad: 'bad value __value__' },
          warnings: { rotated: 'rotated __path__' },
        },
      },
      null,
      2,
    ),
    [`locales/en-US/${T}.html`]: `<script type="text/html" data-help-name="${T}">
    <p>A fixture node.</p>
    <h3>Details</h3>
    <p>Nothing more.</p>
</script>
`,
    [`dist/nodes/${C}/${C}.js`]: `"use strict";
module.exports = function (RED) {
    function FixtureConfig(config) { RED.nodes.createNode(this, config); this.log(RED._('${C}.log.started')); }
    RED.nodes.registerType('${C}', FixtureConfig);
};
`,
    [`src/nodes/${C}/${C}.ts`]: `export const type = '${C}';\n`,
    [`src/nodes/${C}/${C}.html`]: `<script type="text/javascript">
    RED.nodes.registerType('${C}', {
        category: 'config',
        defaults: { name: { value: '' }, host: { value: 'localhost' } },
        label: function () { return this.name || this.host; }
    });
</script>
<script type="text/html" data-template-name="${C}">
    <div class="form-row"><label for="node-config-input-name" data-i18n="node-red:common.label.name"></label><input type="text" id="node-config-input-name"></div>
    <div class="form-row"><label for="node-config-input-host" data-i18n="${C}.label.host"></label><input type="text" id="node-config-input-host"></div>
</script>
`,
    [`locales/en-US/${C}.json`]: JSON.stringify({ [C]: { label: { host: 'Host' }, log: { started: 'started' } } }),
    [`locales/en-US/${C}.html`]: `<script type="text/markdown" data-help-name="${C}">
A fixture config node.

### Details
Holds a host.
</script>
`,
    'tsconfig.json': JSON.stringify({ compilerOptions: { strict: true, noEmit: true, types: [], lib: ['ES2022'], target: 'ES2022' }, include: ['src/**/*.ts'] }),
    [`src/nodes/${T}/status.ts`]: `type Reason = 'ready' | 'failed';
export function statusKey(reason: Reason): string {
    return \`${T}.status.\${reason}\`;
}
export function errorKey(name: string): string {
    return \`${T}.errors.\${name}\`; // a plain string: not enumerable, only noted
}
`,
    'examples/Fixture - basic.json': JSON.stringify([
      { id: 'f1', type: 'tab', label: 'Fixture' },
      { id: 'n0', type: 'comment', z: 'f1', name: 'Fixture: what it shows', info: '', wires: [] },
      { id: 'n1', type: 'inject', z: 'f1', wires: [['n2']] },
      { id: 'n2', type: T, z: 'f1', server: 'c1', wires: [['n3']] },
      { id: 'n3', type: 'debug', z: 'f1', wires: [] },
      { id: 'c1', type: C, host: 'localhost' },
    ]),
  };
}

const tmpRoots = [];
after(() => tmpRoots.forEach((d) => fs.rmSync(d, { recursive: true, force: true })));

/**
 * Writes a fixture (optionally changed by `mutate(files)`), builds it (copies the
 * editor .html, icons and locales into dist/ as build.js does; `afterBuild(root)`
 * may then change the result) and validates it.
 * The TypeScript check (T03) runs only when `typed` is set: it compiles the
 * fixture's sources, which takes a second. The tarball check (F02) runs only
 * when `packed` is set: it runs `npm pack --dry-run`.
 */
function runFixture(mutate = () => {}, opts = {}, { typed = false, packed = false, afterBuild = () => {} } = {}) {
  const files = fixtureFiles(opts);
  mutate(files);
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'validate-fixture-'));
  tmpRoots.push(root);
  for (const [rel, content] of Object.entries(files)) {
    if (content === undefined || content === null) continue;
    const p = path.join(root, rel);
    fs.mkdirSync(path.dirname(p), { recursive: true });
    fs.writeFileSync(p, content);
  }
  for (const { from, to } of build.plan(root).copies) {
    fs.mkdirSync(path.dirname(to), { recursive: true });
    fs.copyFileSync(from, to);
  }
  afterBuild(root);
  return validate({ root, nodeRedDirs: NODE_RED_DIRS, typedKeys: typed, packed });
}

function check(result, id) {
  const c = result.checks.find((ch) => ch.id === id);
  should.exist(c, `no check ${id}`);
  return c;
}

/** Asserts that exactly the checks in `ids` fail, and that `id`'s problems match `re`. */
function shouldFail(result, id, re, { alsoFailing = [] } = {}) {
  const report = formatReport(result);
  const c = check(result, id);
  c.ok.should.equal(false, `${id} should fail:\n${report}`);
  c.problems.some((p) => re.test(p)).should.equal(true, `no ${id} problem matches ${re}:\n${report}`);
  const failing = result.checks.filter((ch) => !ch.ok).map((ch) => ch.id).sort();
  failing.should.eql([id, ...alsoFailing].sort(), `unexpected failing checks:\n${report}`);
}

const pkgEdit = (fn) => (files) => {
  const pkg = JSON.parse(files['package.json']);
  fn(pkg);
  files['package.json'] = JSON.stringify(pkg, null, 2);
};
const edit = (file, fn) => (files) => {
  should.exist(files[file], file);
  files[file] = fn(files[file]);
};
const T = 'fixture-node';
const C = 'fixture-config';
/** Edits the fixture node's en-US catalog as an object. */
const catEdit = (fn) => (files) => {
  const cat = JSON.parse(files[CATALOG]);
  fn(cat[T]);
  files[CATALOG] = JSON.stringify(cat, null, 2);
};
/**
 * Adds a German locale to the fixture node: its catalog a copy of en-US changed by
 * `catFn(node section)`, its help a copy of the en-US help changed by `helpFn`.
 * `enHelpFn` first changes the en-US help (the copy starts from the result).
 * The config node gets a copy of its en-US catalog and help, unless `config` is false.
 */
const withDe = ({ catFn = () => {}, helpFn = (s) => s, enHelpFn = (s) => s, config = true } = {}) => (files) => {
  const cat = JSON.parse(files[CATALOG]);
  catFn(cat[T]);
  files[`locales/de/${T}.json`] = JSON.stringify(cat, null, 2);
  files[HELP] = enHelpFn(files[HELP]);
  files[`locales/de/${T}.html`] = helpFn(files[HELP]);
  if (config) for (const ext of ['json', 'html']) files[`locales/de/${C}.${ext}`] = files[`locales/en-US/${C}.${ext}`];
};
/** en-US help with message properties, for the structure checks of translated help. */
const withInputs = (s) => s.replace('<h3>Details</h3>', '<h3>Inputs</h3>\n    <dl class="message-properties">\n        <dt class="optional">path <span class="property-type">string</span></dt>\n        <dd>the file.</dd>\n    </dl>\n    <h3>Details</h3>');
const HTML = `src/nodes/${T}/${T}.html`;
const JS = `dist/nodes/${T}/${T}.js`;
const CATALOG = `locales/en-US/${T}.json`;
const HELP = `locales/en-US/${T}.html`;
const ICON = `icons/log-ingest-${T}.svg`;
const SVG = '<svg xmlns="http://www.w3.org/2000/svg" width="40" height="60"></svg>\n';
const EXAMPLE = 'examples/Fixture - basic.json';

describe('scripts/validate.js', function () {
  this.timeout(30000);

  describe('on the built pack', function () {
    it('passes every check (npm run validate)', function () {
      if (!fs.existsSync(path.join(REPO, 'dist', 'nodes'))) throw new Error('dist/ is missing: run `npm run build` (npm test does) first');
      const res = spawnSync(process.execPath, [SCRIPT], { cwd: REPO, encoding: 'utf8' });
      if (res.status !== 0) throw new Error(`validate exited ${res.status}:\n${res.stdout}${res.stderr}`);
      res.stdout.should.match(/All \d+ checks passed\./);
    });

    it('fails on a copy of the built pack with a key removed from a catalog and an id renamed', function () {
      const root = fs.mkdtempSync(path.join(os.tmpdir(), 'validate-copy-'));
      tmpRoots.push(root);
      for (const p of ['package.json', 'dist', 'examples']) fs.cpSync(path.join(REPO, p), path.join(root, p), { recursive: true });
      const pkg = JSON.parse(fs.readFileSync(path.join(root, 'package.json'), 'utf8'));
      const [set, file] = Object.entries(pkg['node-red'].nodes).find(([, f]) => fs.existsSync(path.join(root, f.replace(/\.js$/, '.html'))));
      const base = path.basename(file, '.js');
      const dir = path.join(root, path.dirname(file));
      // drop the first key that the template uses through data-i18n
      const html = fs.readFileSync(path.join(dir, `${base}.html`), 'utf8');
      const used = /data-i18n="(?:\[[^\]]*\])?([\w-]+\.[\w.-]+)"/.exec(html.replace(/data-i18n="(?:\[[^\]]*\])?node-red:[^"]*"/g, ''));
      should.exist(used, `no data-i18n key of the pack in ${set}'s template`);
      const catFile = path.join(dir, 'locales', 'en-US', `${base}.json`);
      const cat = JSON.parse(fs.readFileSync(catFile, 'utf8'));
      const parts = used[1].split('.');
      let obj = cat;
      for (const k of parts.slice(0, -1)) obj = obj[k];
      delete obj[parts[parts.length - 1]];
      fs.writeFileSync(catFile, JSON.stringify(cat));
      fs.writeFileSync(path.join(dir, `${base}.html`), html.replace('id="node-input-name"', 'id="node-input-nmae"'));

      const result = validate({ root, nodeRedDirs: NODE_RED_DIRS });
      check(result, 'T02').problems.some((p) => p.includes(`"${used[1]}" is not in locales/en-US/${base}.json`)).should.equal(true, formatReport(result));
      check(result, 'E01').problems.some((p) => p.includes('#node-input-nmae') && p.includes('no "nmae" in defaults')).should.equal(true, formatReport(result));
      check(result, 'E01').problems.some((p) => p.includes('defaults.name has no #node-input-name')).should.equal(true, formatReport(result));
      const res = spawnSync(process.execPath, [SCRIPT, '--root', root], { cwd: REPO, encoding: 'utf8', env: { ...process.env, NODE_RED_PATH: NODE_RED_DIRS[0] } });
      res.status.should.equal(1, res.stdout);
      res.stdout.should.match(/FAIL {2}T02/).and.match(/FAIL {2}E01/).and.match(/checks failed/);
    });

    it('fails on a copy of the built pack whose plugin lacks a German key and uses an unknown one', function () {
      const root = fs.mkdtempSync(path.join(os.tmpdir(), 'validate-plugin-'));
      tmpRoots.push(root);
      for (const p of ['package.json', 'dist', 'examples']) fs.cpSync(path.join(REPO, p), path.join(root, p), { recursive: true });
      const pkg = JSON.parse(fs.readFileSync(path.join(root, 'package.json'), 'utf8'));
      const [name, file] = Object.entries(pkg['node-red'].plugins)[0];
      const dir = path.join(root, path.dirname(file));
      const base = path.basename(file, '.js');
      const deFile = path.join(dir, 'locales', 'de', `${base}.json`);
      const de = JSON.parse(fs.readFileSync(deFile, 'utf8'));
      delete de[name].sources;
      fs.writeFileSync(deFile, JSON.stringify(de));
      const htmlFile = path.join(dir, `${base}.html`);
      fs.writeFileSync(htmlFile, fs.readFileSync(htmlFile, 'utf8').replace("_('switches')", "_('switchez')"));

      const result = validate({ root, nodeRedDirs: NODE_RED_DIRS });
      const problems = check(result, 'T04').problems;
      problems.some((p) => p.includes(`locales/de/${base}.json lacks ${name}.sources`)).should.equal(true, formatReport(result));
      problems.some((p) => p.includes('uses "switchez"')).should.equal(true, formatReport(result));
    });
  });

  describe('on a fixture pack', function () {
    it('passes every check when nothing is broken, exceptions included', function () {
      const result = runFixture(undefined, undefined, { typed: true, packed: true });
      result.ok.should.equal(true, formatReport(result));
      check(result, 'S01').notes.join('\n').should.match(/1 icons, 4 locale files, 2 editor \.html copied into dist\//);
      check(result, 'F02').notes.join('\n').should.match(/fixture-node-red-fixture-1\.0\.0\.tgz: \d+ files, of which 11 checked/);
      check(result, 'T03').notes.join('\n').should.match(/1 typed templates/).and.match(/\$\{name\} is of type string, not enumerable/);
      // typedInput's hidden type field and a value set in oneditsave are no mismatch
      check(result, 'E01').notes.join('\n').should.match(/defaults\.computed is set by oneditsave/).and.match(/#node-input-helper .*read by oneditsave/);
    });

    it('passes with a complete second locale, translated prose and plural forms included', function () {
      const result = runFixture(
        withDe({
          catFn: (c) => {
            c.label.target = 'Ziel';
            c.errors = { bad: 'ungültiger Wert __value__', bad_plural: 'ungültige Werte __value__' };
          },
          enHelpFn: withInputs,
          helpFn: (s) => s.replace('the file.', 'die Datei.').replace('<p>A fixture node.</p>', '<p>Ein Fixture-Node.</p>'),
        }),
      );
      result.ok.should.equal(true, formatReport(result));
      check(result, 'T02').notes.join('\n').should.match(/2 translated catalogs compared with en-US/);
    });

    const cases = [
      ['P01', 'no license', pkgEdit((p) => delete p.license), /no "license"/],
      ['P03', 'neither repository nor bugs', pkgEdit((p) => delete p.repository), /neither "repository" nor "bugs"/],
      ['P04', 'an unscoped name', pkgEdit((p) => (p.name = 'node-red-fixture')), /not a scoped npm name/],
      ['P05', 'no node-red keyword', pkgEdit((p) => (p.keywords = ['fixture'])), /lacks "node-red"/],
      ['P06', 'node-red.version ^4', pkgEdit((p) => (p['node-red'].version = '^4.0.0')), /does not admit Node-RED 5\.0\.7/],
      ['P07', 'engines.node below 22.9', pkgEdit((p) => (p.engines.node = '>=18 <22')), /does not admit Node 22\.9\.0/],
      ['P07', 'engines.node without Node 20', pkgEdit((p) => (p.engines.node = '>=22.9')), /admits no Node 20\.x/],
      ['D01', 'seven dependencies', pkgEdit((p) => (p.dependencies = Object.fromEntries('abcdefg'.split('').map((d) => [d, '1'])))), /7 dependencies/],
      ['F01', '"files" without examples', pkgEdit((p) => (p.files = ['dist'])), /examples\/ is not in "files"/],
      ['F01', '"files" without the node files', pkgEdit((p) => (p.files = ['lib', 'examples'])), /fixture-node\.js is not in "files"/],
      ['L01', 'no .html next to a node file', (f) => delete f[HTML], /fixture-node\.html does not exist/, ['N02']],
      ['L01', 'a node file registering another type', edit(JS, (s) => s.replace(`registerType('${T}'`, "registerType('fixture-other'")), /fixture-other: registered by .* but not defined/],
      ['N00', 'a colour that is not a literal', edit(HTML, (s) => s.replace("color: '#DEB887'", 'color: COLOR')), /"color" is not a literal/],
      ['N00', 'no icon', edit(HTML, (s) => s.replace(`icon: 'log-ingest-${T}.svg',`, '')), /no "icon" in the definition/],
      ['N00', 'a definition passed as a variable', edit(HTML, (s) => s.replace(`RED.nodes.registerType('${T}', {`, `var def = {`).replace('    });\n</script>', `    };\n    RED.nodes.registerType('${T}', def);\n</script>`)), /not an inline object literal/, ['L01', 'N02']],
      ['N00', 'a <script> without type="text/javascript"', edit(HTML, (s) => s.replace('<script type="text/javascript">', '<script>')), /no <script type="text\/javascript"> block/, ['L01', 'N02']],
      ['I01', 'a missing icon file', (f) => delete f[ICON], /icon "log-ingest-fixture-node\.svg" is not in dist\/nodes\/fixture-node\/icons/],
      ['N01', 'a core type name', () => {}, /batch: a core Node-RED type/, [], { type: 'batch' }],
      ['N01', "node-red-node-tail's type", () => {}, /tail: also a type of node-red-node-tail/, [], { type: 'tail' }],
      ['N02', 'a type used in no example', edit(EXAMPLE, (s) => JSON.stringify(JSON.parse(s).filter((n) => n.type !== T))), /fixture-node: used in no examples/],
      ['N02', 'a config type used in no example', edit(EXAMPLE, (s) => JSON.stringify(JSON.parse(s).filter((n) => n.type !== 'fixture-config'))), /fixture-config: used in no examples/],
      ['N02', 'an example without a comment node', edit(EXAMPLE, (s) => JSON.stringify(JSON.parse(s).filter((n) => n.type !== 'comment'))), /Fixture - basic\.json: no comment node/],
      ['N02', 'a wire to a node not in the example', edit(EXAMPLE, (s) => JSON.stringify(JSON.parse(s).filter((n) => n.type !== 'debug'))), /node n2 is wired to n3, which is not in the file/],
      ['N02', 'an example that is not an array', edit(EXAMPLE, (s) => JSON.stringify({ nodes: JSON.parse(s) })), /not a JSON array/],
      ['N02', 'an example that is not JSON', (f) => (f['examples/notes.txt'] = 'see the flows'), /notes\.txt: not JSON/],
      ['N02', 'an example with an unknown type', edit(EXAMPLE, (s) => JSON.stringify([...JSON.parse(s), { id: 'u1', type: 'no-such-node', z: 'f1', wires: [] }])), /type "no-such-node", neither/],
      ['E01', 'a dialog input with no defaults key', edit(HTML, (s) => s.replace('<input type="text" id="node-input-target">', '<input type="text" id="node-input-target"><input type="text" id="node-input-extra">')), /#node-input-extra .* no "extra" in defaults/],
      ['E01', 'a defaults key with no dialog input', edit(HTML, (s) => s.replace("mode: { value: 'slow' },", "mode: { value: 'slow' },\n            level: { value: 1 },")), /defaults\.level has no #node-input-level/],
      ['E01', 'a config node using node-input- ids', edit(`src/nodes/fixture-config/fixture-config.html`, (s) => s.replace('id="node-config-input-host"', 'id="node-input-host"')), /id "node-input-host" in a config node's dialog/],
      ['H01', 'no help', (f) => delete f[HELP], /fixture-node: no help/],
      ['H01', 'help that starts with a heading', edit(HELP, (s) => s.replace('<p>A fixture node.</p>', '<h3>Fixture</h3><p>A fixture node.</p>')), /starts with <h3>, not a <p>/],
      ['H01', 'markdown help that starts with a heading', edit('locales/en-US/fixture-config.html', (s) => s.replace('A fixture config node.', '### Fixture config')), /does not start with a paragraph/],
      ['T01', 'a catalog that does not parse', edit(CATALOG, (s) => s.replace(/}\s*$/, ',}')), /fixture-node\.json: does not parse/, ['T02']],
      ['T01', 'a locale folder without the catalog', (f) => (f[`locales/de/${T}.html`] = fixtureFiles()[HELP]), /locales\/de\/fixture-node\.json missing/],
      ['T01', 'a language that one node lacks', withDe({ config: false }), /fixture-config: no dist\/nodes\/fixture-config\/locales\/de\/fixture-config\.json \(the pack has de catalogs/],
      ['T02', 'a data-i18n key missing', catEdit((c) => delete c.label.target), /fixture-node\.label\.target" is not in locales\/en-US/],
      ['T02', 'a [placeholder] key missing', catEdit((c) => delete c.placeholder.helper), /fixture-node\.placeholder\.helper" is not in/],
      ['T02', 'a this._() key missing (either branch of ?:)', catEdit((c) => delete c.paletteFast), /fixture-node\.paletteFast" is not in/],
      ['T02', 'a core node-red: key missing', edit(HTML, (s) => s.replace('[placeholder]node-red:common.label.name', '[placeholder]node-red:common.label.nmae')), /node-red:common\.label\.nmae" is not in Node-RED's node-red catalog/],
      ['T02', 'an editor RED._() key missing', edit(HTML, (s) => s.replace('notification.warnings.undeployedChanges', 'notification.warnings.undeployedChangez')), /"editor:notification\.warnings\.undeployedChangez" is not in Node-RED's editor catalog/],
      ['T02', 'a status text key missing (runtime .js)', catEdit((c) => delete c.status.ready), /fixture-node\.js:\d+: "fixture-node\.status\.ready" is not in/],
      ['T02', 'a status key in a ?: missing (runtime .js)', catEdit((c) => delete c.status.slow), /"fixture-node\.status\.slow" is not in/],
      ['T02', 'a RED._() key missing (runtime .js)', catEdit((c) => delete c.errors.bad), /"fixture-node\.errors\.bad" is not in/],
      ['T02', 'no key for a dynamic status key', edit(JS, (s) => s.replace('${T}.status.${msg.reason}'.replace('${T}', T), `${T}.state.\${msg.reason}`)), /no key matching "fixture-node\.state\.\*"/],
      ['T02', 'a key built in a shared module missing', catEdit((c) => delete c.warnings.rotated), /shared\/notices\.js:\d+: no key matching "\*\.warnings\.rotated"/],
      ['T02', 'a data-i18n key (.html) missing in a second locale only', withDe({ catFn: (c) => delete c.label.server }), /\.html \(fixture-node template, data-i18n\): "fixture-node\.label\.server" is not in locales\/de\/fixture-node\.json/],
      ['T02', 'a this._() key (.html) missing in a second locale only', withDe({ catFn: (c) => delete c.paletteFast }), /\.html \(fixture-node definition.*\): "fixture-node\.paletteFast" is not in locales\/de\/fixture-node\.json/],
      ['T02', 'a status key (.ts, compiled) missing in a second locale only', withDe({ catFn: (c) => delete c.status.ready }), /fixture-node\.js:\d+: "fixture-node\.status\.ready" is not in locales\/de\/fixture-node\.json/],
      ['T02', 'an en-US key no code uses, missing in a second locale', (f) => {
        withDe()(f);
        catEdit((c) => (c.hint = { unused: 'a hint' }))(f);
      }, /locales\/de\/fixture-node\.json: "fixture-node\.hint\.unused" missing \(locales\/en-US\/fixture-node\.json has it\)/],
      ['T02', 'a key in a second locale that en-US lacks', withDe({ catFn: (c) => (c.label.old = 'Alt') }), /locales\/de\/fixture-node\.json: "fixture-node\.label\.old" is not in locales\/en-US\/fixture-node\.json/],
      ['T02', 'a placeholder lost in a second locale', withDe({ catFn: (c) => (c.errors.bad = 'ungültiger Wert') }), /"fixture-node\.errors\.bad" has the placeholders \[\], en-US has \[value\]/],
      ['H01', 'a translated help that renames a message property', withDe({ enHelpFn: withInputs, helpFn: (s) => s.replace('path <span', 'pfad <span') }), /locales\/de\/fixture-node\.html: fixture-node: message properties \[optional pfad: string\] differ from en-US \[optional path: string\]/],
      ['H01', 'a translated help for another type', withDe({ helpFn: (s) => s.replace(`data-help-name="${T}"`, 'data-help-name="fixture-other"') }), /locales\/de\/fixture-node\.html: no help for fixture-node/],
      ['T03', 'a key a typed template (.ts) makes, missing in a second locale only', withDe({ catFn: (c) => delete c.status.failed }), /status\.ts:\d+ `fixture-node\.status\.\$\{reason\}` can make "fixture-node\.status\.failed", which is not in locales\/de\/fixture-node\.json/, ['T02']],
      ['T03', 'a literal type the catalog lacks a key for', edit(`src/nodes/${T}/status.ts`, (s) => s.replace("'ready' | 'failed'", "'ready' | 'failed' | 'gone'")), /status\.ts:\d+ `fixture-node\.status\.\$\{reason\}` can make "fixture-node\.status\.gone", which is not in locales\/en-US/],
      ['S01', 'an icon left in src/nodes/<type>/icons/', (f) => (f[`src/nodes/${T}/icons/log-ingest-${T}.svg`] = SVG), /^src\/nodes\/fixture-node\/icons: belongs in the top-level icons\/ folder/],
      ['S01', 'a catalog left in src/nodes/<type>/locales/', (f) => (f[`src/nodes/${T}/locales/de/${T}.json`] = f[CATALOG]), /^src\/nodes\/fixture-node\/locales: belongs in the top-level locales\/ folder/],
      ['S01', 'another file in src/nodes/<type>/', (f) => (f[`src/nodes/${T}/notes.md`] = 'notes'), /^src\/nodes\/fixture-node\/notes\.md: src\/nodes\/fixture-node\/ holds only/],
      ['S01', 'an icon named after no node', (f) => (f['icons/fixture.svg'] = SVG), /^icons\/fixture\.svg: not named log-ingest-<type>\.svg/],
      ['S01', 'a catalog named after no node', (f) => (f['locales/de/fixture-nodes.json'] = f[CATALOG]), /^locales\/de\/fixture-nodes\.json: not <type>\.json or <type>\.html/],
      ['S01', 'a file in dist/<type>/locales/ that no source makes', (f) => (f[`dist/nodes/${T}/locales/en-US/old.json`] = '{}'), /^dist\/nodes\/fixture-node\/locales\/en-US\/old\.json: made by no source file/],
      ['F02', '"files" that leaves out icons and locales', pkgEdit((p) => (p.files = ['dist/nodes/*/*.js', 'dist/nodes/*/*.html', 'examples'])), /^dist\/nodes\/fixture-node\/icons\/log-ingest-fixture-node\.svg \(node-red\.nodes\.fixture-node's icons\/\) is not in the tarball/],
      ['F02', '"files" that leaves out the locales', pkgEdit((p) => (p.files = ['dist/nodes/*/*.js', 'dist/nodes/*/*.html', 'dist/nodes/*/icons', 'examples'])), /^dist\/nodes\/fixture-config\/locales\/en-US\/fixture-config\.json \(node-red\.nodes\.fixture-config's locales\/\) is not in the tarball/],
      ['F02', '"files" that leaves out a module a node requires', pkgEdit((p) => (p.files = ['dist/nodes/fixture-*', 'examples'])), /^dist\/nodes\/shared\/notices\.js \(required by node-red\.nodes\.fixture-node\) is not in the tarball/],
    ];
    for (const [id, what, mutate, re, alsoFailing = [], opts] of cases) {
      it(`${id} fails on ${what}`, function () {
        shouldFail(runFixture(mutate, opts, { typed: id === 'T03', packed: id === 'F02' }), id, re, { alsoFailing });
      });
    }

    it('S01 fails on a dist/ older than its sources', function () {
      const result = runFixture(undefined, undefined, {
        afterBuild: (root) => fs.writeFileSync(path.join(root, 'dist', 'nodes', T, 'locales', 'en-US', `${T}.json`), fixtureFiles()[CATALOG].replace('"Mode"', '"Mode (old)"')),
      });
      shouldFail(result, 'S01', /^dist\/nodes\/fixture-node\/locales\/en-US\/fixture-node\.json differs from locales\/en-US\/fixture-node\.json: dist\/ is stale/);
    });

    it('S01 fails on a built file removed from dist/', function () {
      const result = runFixture(undefined, undefined, { afterBuild: (root) => fs.rmSync(path.join(root, 'dist', 'nodes', T, 'icons'), { recursive: true }) });
      shouldFail(result, 'S01', /^dist\/nodes\/fixture-node\/icons\/log-ingest-fixture-node\.svg is missing \(from icons\/log-ingest-fixture-node\.svg\): run npm run build/, { alsoFailing: ['I01'] });
    });
  });

  describe('helpers', function () {
    it('reads definitions as node-red-dev does', function () {
      const { defs, errors } = getNodeDefinitions(`<script type="text/javascript">RED.nodes.registerType('a',{category:'x',color:'#fff',inputs:1,outputs:0,icon:'i.svg',defaults:{name:{value:''}}})</script>
<script type="text/html" data-template-name="a"></script><script type="module">RED.nodes.registerType('b',{})</script>`);
      errors.should.eql([]);
      Object.keys(defs).should.eql(['a']);
      defs.a.should.have.properties({ category: 'x', color: '#fff', inputs: 1, outputs: 0, icon: 'i.svg' });
      Object.keys(defs.a.defaults).should.eql(['name']);
    });
    it('finds _() keys, status literals and key builders', function () {
      const uses = keyUsesInJs("const k = (n) => `t.w.${n}`; RED._(k('x')); node.status({text: 'ty.status.ok'}); RED._(a ? 'ty.a.b' : `ty.c.${d}`); RED._(f(x));", { keyPrefixes: ['ty'] });
      uses.map((u) => u.key || u.pattern || `dyn:${u.dynamic}`).sort().should.eql(['dyn:f(x)', 't.w.x', 'ty.a.b', 'ty.c.*', 'ty.status.ok']);
    });
    it('looks keys up like i18next', function () {
      hasKey({ a: { b: 'x', n_plural: 'y' } }, 'a.b').should.be.true();
      hasKey({ a: { b: 'x', n_plural: 'y' } }, 'a.n').should.be.true();
      hasKey({ a: { b: { c: 'x' } } }, 'a.b').should.be.false();
      parseDataI18n('[placeholder]a.b;[title]c.d;e.f').should.eql([
        { attr: 'placeholder', key: 'a.b' },
        { attr: 'title', key: 'c.d' },
        { attr: null, key: 'e.f' },
      ]);
    });
  });
});

// `npm run validate` is `npm run build && node scripts/validate.js`; make sure the script stays wired.
describe('package.json scripts.validate', function () {
  it('builds, then runs scripts/validate.js', function () {
    const pkg = JSON.parse(fs.readFileSync(path.join(REPO, 'package.json'), 'utf8'));
    pkg.scripts.validate.should.equal('npm run build && node scripts/validate.js');
    execFileSync(process.execPath, ['-c', SCRIPT]);
  });

  it('is a gate in .ci/run: run after npm ci and before npm test, under set -e', function () {
    const lines = fs.readFileSync(path.join(REPO, '.ci', 'run'), 'utf8').split('\n').map((l) => l.trim());
    const at = (cmd) => lines.findIndex((l) => l === cmd);
    lines.should.containEql('set -euo pipefail');
    at('npm run validate').should.be.above(at('npm ci --no-audit --no-fund'));
    at('npm run validate').should.be.below(at('npm test'));
    at('npm ci --no-audit --no-fund').should.be.above(-1);
  });
});
