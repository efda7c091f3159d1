'use strict';
// The package as users get it. `npm pack` makes the tarball from this checkout
// (its `prepare` script builds dist/ first), and the tarball is installed the
// two ways a user installs it:
//   - `npm install --omit=dev <tgz>` in a new Node-RED user directory, then a
//     real Node-RED started on that user directory alone (no nodesDir, no
//     checkout);
//   - uploaded through the Palette Manager (`POST /nodes`, multipart field
//     `tarball`, as the editor sends it) to a Node-RED with an empty user
//     directory, which runs `npm install` of it itself.
// Each must load every node set and the sidebar plugin without an error, list
// and serve every example, serve the icons, the help and the catalogs of every
// locale, and run a flow of every node type that moves lines from log files to
// the Debug sidebar.
//
// Which Node-RED and node: env NODE_RED_PATH and NODE_RED_NODE_BIN, as for the
// other integration specs; npm is the one on PATH. Needs the npm registry (for
// chokidar and micromatch). LOG_INGEST_TARBALL_DIR names a folder that keeps
// the tarball between runs: a run that finds this version's tarball there uses
// it instead of packing again (.ci/run packs once for both passes this way).
//
// No sleeps: every wait is for an HTTP answer, a log line or a debug message.
const fs = require('fs');
const os = require('os');
const path = require('path');
const { execFile } = require('child_process');
const { EventEmitter } = require('events');
const should = require('should');
const {
  startNodeRed,
  connectComms,
  decodeDebug,
  integrationTarget,
  skipUnlessRunnable,
  REPO_ROOT,
} = require('../support/node-red-process');
const { untilEvent } = require('../support/collect');
const { freePort, tcpSend, octetFrame } = require('../support/syslog-wire');

const target = integrationTarget();
const { nodeRedDir, nodeBin, nr: nodeRed, nodeVer } = target;

const checkout = JSON.parse(fs.readFileSync(path.join(REPO_ROOT, 'package.json'), 'utf8'));
const MODULE = checkout.name;
const TARBALL_NAME = `${MODULE.replace(/^@/, '').replace(/\//g, '-')}-${checkout.version}.tgz`;
const NODE_SETS = checkout['node-red'].nodes;
const PLUGINS = checkout['node-red'].plugins;
const LANGUAGES = ['en-US', 'de'];
const EXAMPLES = fs
  .readdirSync(path.join(REPO_ROOT, 'examples'))
  .filter((f) => f.endsWith('.json'))
  .map((f) => f.slice(0, -'.json'.length))
  .sort();
/** Types an exported flow may hold besides nodes: Node-RED's own structure. */
const STRUCTURE_TYPES = ['tab', 'subflow', 'group', 'junction'];
/** A user directory as Node-RED creates it (~/.node-red/package.json). */
const USER_DIR_PACKAGE = { name: 'node-red-project', description: 'A Node-RED Project', version: '0.0.1', private: true };

/**
 * The environment for npm and for a Node-RED that runs npm: without the
 * npm_* variables of an `npm test` around mocha (its lifecycle, package and
 * prefix settings are the checkout's, not the user directory's).
 */
const NPM_ENV = (() => {
  const env = {};
  for (const key of Object.keys(process.env)) {
    if (/^npm_/i.test(key) && !/^npm_config_(registry|cache|userconfig|globalconfig)$/i.test(key)) env[key] = undefined;
  }
  return { ...env, npm_config_fund: 'false', npm_config_audit: 'false', npm_config_update_notifier: 'false' };
})();

/** Runs npm in `cwd`; rejects with its output when it fails. */
function npm(args, cwd) {
  const env = { ...process.env, ...NPM_ENV };
  for (const key of Object.keys(env)) if (env[key] === undefined) delete env[key];
  return new Promise((resolve, reject) => {
    execFile('npm', args, { cwd, env, maxBuffer: 64 * 1024 * 1024 }, (err, stdout, stderr) => {
      if (err) reject(new Error(`npm ${args.join(' ')} in ${cwd} failed: ${err.message}\n${stdout}\n${stderr}`));
      else resolve(stdout);
    });
  });
}

/** The files in a .tgz, without the leading `package/`. */
function tarballEntries(file) {
  return new Promise((resolve, reject) => {
    execFile('tar', ['-tzf', file], { maxBuffer: 16 * 1024 * 1024 }, (err, stdout) => {
      if (err) reject(err);
      // Files only: npm writes no folder entries, other tools do.
      else resolve(stdout.split('\n').filter((e) => e && !e.endsWith('/')).map((e) => e.replace(/^package\//, '')));
    });
  });
}

/** A new user directory holding only a package.json, as Node-RED creates one. */
function newUserDir(parent, name) {
  const dir = path.join(parent, name);
  fs.mkdirSync(dir, { recursive: true });
  fs.writeFileSync(path.join(dir, 'package.json'), `${JSON.stringify(USER_DIR_PACKAGE, null, 2)}\n`);
  return dir;
}

/** Node-RED settings that allow installing and uploading through the Palette Manager. */
const PALETTE_UPLOAD = { externalModules: { autoInstall: false, palette: { allowInstall: true, allowUpload: true } } };

/** Files under `dir` (recursively), relative to it. */
function filesUnder(dir) {
  return fs.readdirSync(dir, { recursive: true }).filter((f) => fs.statSync(path.join(dir, f)).isFile());
}

/** The devDependencies of the checkout found in a user directory's node_modules. */
function devDependenciesIn(userDir) {
  return Object.keys(checkout.devDependencies).filter((name) => fs.existsSync(path.join(userDir, 'node_modules', name)));
}

describe(`the package as published (npm pack) in a real Node-RED ${nodeRed.version} on Node ${nodeVer} (integration)`, function () {
  this.timeout(180_000); // safety net only: npm and Node-RED starts on a loaded machine

  let workDir;
  let tarball;

  before(async function () {
    this.timeout(300_000);
    skipUnlessRunnable(this, target);
    workDir = fs.mkdtempSync(path.join(os.tmpdir(), 'log-ingest-packed-'));
    const cacheDir = process.env.LOG_INGEST_TARBALL_DIR;
    const packDir = cacheDir || path.join(workDir, 'pack');
    fs.mkdirSync(packDir, { recursive: true });
    tarball = path.join(packDir, TARBALL_NAME);
    if (!cacheDir || !fs.existsSync(tarball)) {
      fs.rmSync(tarball, { force: true });
      await npm(['pack', '--pack-destination', packDir], REPO_ROOT);
    }
    fs.existsSync(tarball).should.be.true(`npm pack made no ${TARBALL_NAME} in ${packDir}`);
  });

  after(function () {
    if (workDir) fs.rmSync(workDir, { recursive: true, force: true });
  });

  it('holds the runtime only: dist/ without source maps, examples/, README, LICENSE, CHANGELOG and package.json', async function () {
    const entries = await tarballEntries(tarball);
    const outside = entries.filter((e) => !/^(package\.json|README\.md|LICENSE|CHANGELOG\.md|dist\/.+|examples\/[^/]+\.json)$/.test(e));
    outside.should.eql([], 'files outside what the runtime needs');
    entries.filter((e) => e.endsWith('.map')).should.eql([], 'source maps (they point at src/, which is not shipped)');
    entries.should.containDeep(['package.json', 'README.md', 'LICENSE', 'CHANGELOG.md']);
    for (const file of [...Object.values(NODE_SETS), ...Object.values(PLUGINS)]) {
      entries.should.containEql(file);
      entries.should.containEql(file.replace(/\.js$/, '.html'));
    }
    entries.filter((e) => e.startsWith('examples/')).sort().should.eql(EXAMPLES.map((name) => `examples/${name}.json`));
    entries.filter((e) => /(^|\/)(test|tests|spec|bench|benchmarks?)(\/|$)|\.(spec|test|bench)\.js$/.test(e)).should.eql([], 'test or benchmark code');
  });

  describe('installed with npm into a Node-RED user directory', function () {
    const ctx = {};

    before(async function () {
      this.timeout(300_000);
      ctx.userDir = newUserDir(workDir, 'npm-install');
      await npm(['install', '--omit=dev', '--no-audit', '--no-fund', tarball], ctx.userDir);
      ctx.nr = await startNodeRed({ userDir: ctx.userDir, nodesDir: [], nodeRedDir, nodeBin, env: NPM_ENV });
    });

    after(async function () {
      if (ctx.nr) await ctx.nr.stop();
    });

    it('installs the package and its runtime dependencies only, built, with nothing to build', function () {
      const installed = path.join(ctx.userDir, 'node_modules', MODULE);
      JSON.parse(fs.readFileSync(path.join(installed, 'package.json'), 'utf8')).version.should.equal(checkout.version);
      fs.readdirSync(installed).sort().should.eql(['CHANGELOG.md', 'LICENSE', 'README.md', 'dist', 'examples', 'package.json']);
      for (const dep of Object.keys(checkout.dependencies)) fs.existsSync(path.join(ctx.userDir, 'node_modules', dep)).should.be.true(dep);
      devDependenciesIn(ctx.userDir).should.eql([], 'devDependencies installed');
    });

    packChecks(ctx);
  });

  describe('uploaded through the Palette Manager', function () {
    const ctx = {};

    before(async function () {
      this.timeout(300_000);
      ctx.userDir = path.join(workDir, 'palette-upload');
      fs.mkdirSync(ctx.userDir);
      ctx.nr = await startNodeRed({ userDir: ctx.userDir, nodesDir: [], nodeRedDir, nodeBin, env: NPM_ENV, settings: PALETTE_UPLOAD });
      const form = new FormData();
      form.append('tarball', new Blob([fs.readFileSync(tarball)], { type: 'application/gzip' }), TARBALL_NAME);
      const res = await fetch(`${ctx.nr.url}nodes`, { method: 'POST', body: form });
      const text = await res.text();
      res.status.should.equal(200, `POST /nodes: ${text}\n--- Node-RED log ---\n${ctx.nr.logs.slice(-40).join('\n')}`);
      ctx.installed = JSON.parse(text);
    });

    after(async function () {
      if (ctx.nr) await ctx.nr.stop();
    });

    it('installs the tarball into the user directory, with its runtime dependencies only', function () {
      ctx.installed.should.have.properties({ name: MODULE, version: checkout.version });
      ctx.installed.nodes.map((n) => n.name).sort().should.eql(Object.keys(NODE_SETS).sort());
      const userPackage = JSON.parse(fs.readFileSync(path.join(ctx.userDir, 'package.json'), 'utf8'));
      userPackage.dependencies.should.have.property(MODULE, `file:nodes/${TARBALL_NAME}`);
      fs.existsSync(path.join(ctx.userDir, 'node_modules', MODULE, 'dist')).should.be.true();
      devDependenciesIn(ctx.userDir).should.eql([], 'devDependencies installed');
    });

    packChecks(ctx);
  });
});

/**
 * The checks of a Node-RED (`ctx.nr`) that has the package installed in its
 * user directory (`ctx.userDir`), whichever way it got there.
 */
function packChecks(ctx) {
  const installed = () => path.join(ctx.userDir, 'node_modules', MODULE);

  async function get(urlPath, headers = { Accept: 'application/json' }) {
    const res = await fetch(`${ctx.nr.url}${urlPath}`, { headers });
    res.status.should.equal(200, `GET /${urlPath}`);
    return res;
  }
  const getJson = async (urlPath) => (await get(urlPath)).json();

  /** {dir, base} of a node set's or plugin's file in the installed package. */
  const fileOf = (file) => ({ dir: path.join(installed(), path.dirname(file)), base: path.basename(file, '.js') });

  it('loads every node set and the sidebar plugin, enabled and with no error', async function () {
    const sets = (await getJson('nodes')).filter((s) => s.module === MODULE);
    sets.map((s) => s.name).sort().should.eql(Object.keys(NODE_SETS).sort());
    for (const set of sets) {
      should(set.err).equal(undefined, `${set.id}: ${JSON.stringify(set.err)}`);
      set.enabled.should.equal(true, set.id);
      set.types.should.containEql(set.name);
    }
    const moduleInfo = await getJson(`nodes/${MODULE}`);
    moduleInfo.version.should.equal(checkout.version);
    moduleInfo.user.should.equal(true);
    // Node-RED also scans the node_modules folders above its own install (the
    // checkout's, in CI): the package must come from the user directory.
    fs.realpathSync(moduleInfo.path).should.equal(fs.realpathSync(installed()), 'the package was loaded from elsewhere');

    // The admin API leaves `loaded` out; a set's editor part is in GET /nodes
    // once it loaded (its runtime part runs in the flow test below).
    const html = await (await get('nodes', { Accept: 'text/html' })).text();
    for (const set of sets) {
      html.should.containEql(`<!-- --- [red-module:${set.id}] --- -->`);
      html.should.containEql(`RED.nodes.registerType('${set.name}'`);
    }

    const plugins = (await getJson('plugins')).filter((p) => p.module === MODULE);
    plugins.map((p) => p.name).sort().should.eql(Object.keys(PLUGINS).sort());
    for (const plugin of plugins) {
      should(plugin.err).equal(undefined, `${plugin.id}: ${JSON.stringify(plugin.err)}`);
      plugin.should.have.properties({ enabled: true, editor: true, runtime: true });
    }
    const pluginHtml = await (await get('plugins', { Accept: 'text/html' })).text();
    pluginHtml.should.containEql("RED.plugins.registerPlugin('log-ingest-sidebar'");
    // The plugin's runtime part: the sidebar's admin endpoint.
    (await getJson('log-ingest/sources')).should.have.properties(['sources', 'switches']);

    const ours = new RegExp(`\\[(warn|error)\\].*(${MODULE.replace(/[/@-]/g, '\\$&')}|log-ingest)`);
    ctx.nr.logs.filter((l) => ours.test(l)).should.eql([], 'warnings or errors about the package in the Node-RED log');
  });

  it('lists every example under Import ▸ Examples, each a flow of known node types', async function () {
    (await getJson('library/examples/flows/')).should.containEql(MODULE);
    const listed = await getJson(`library/examples/flows/${MODULE}`);
    listed.map((e) => e.fn).sort().should.eql(EXAMPLES);
    const known = new Set([...STRUCTURE_TYPES, ...(await getJson('nodes')).filter((s) => s.enabled).flatMap((s) => s.types)]);
    for (const name of EXAMPLES) {
      const flow = await getJson(`library/examples/flows/${MODULE}/${encodeURIComponent(name)}`);
      flow.should.be.an.Array().and.not.be.empty();
      const subflows = new Set(flow.filter((n) => n.type === 'subflow').map((n) => `subflow:${n.id}`));
      const unknown = [...new Set(flow.map((n) => n.type))].filter((t) => !known.has(t) && !subflows.has(t));
      unknown.should.eql([], `${name}: types no installed node provides`);
      new Set(flow.map((n) => n.id)).size.should.equal(flow.length, `${name}: ids repeat`);
    }
  });

  it('serves the icon of every node (the file shipped, not the default icon)', async function () {
    const html = await (await get('nodes', { Accept: 'text/html' })).text();
    const icons = new Set();
    for (const set of Object.keys(NODE_SETS)) {
      const start = html.indexOf(`<!-- --- [red-module:${MODULE}/${set}] --- -->`);
      const end = html.indexOf('<!-- --- [red-module:', start + 1);
      for (const m of html.slice(start, end < 0 ? undefined : end).matchAll(/\bicon:\s*['"]([^'"]+)['"]/g)) icons.add(m[1]);
    }
    icons.size.should.be.above(0);
    const listed = (await getJson('icons'))[MODULE] || [];
    const shipped = filesUnder(installed());
    for (const icon of icons) {
      listed.should.containEql(icon);
      const file = shipped.find((f) => path.basename(f) === icon && path.basename(path.dirname(f)) === 'icons');
      should.exist(file, `${icon} is not in the package`);
      const res = await get(`icons/${MODULE}/${icon}`, {});
      res.headers.get('content-type').should.startWith('image/svg+xml');
      Buffer.from(await res.arrayBuffer()).equals(fs.readFileSync(path.join(installed(), file))).should.be.true(`${icon}: not the file shipped`);
    }
  });

  it('serves the help and the catalogs of every node and the sidebar in English and German', async function () {
    const htmlOf = {};
    for (const lang of LANGUAGES) {
      htmlOf[lang] = await (await get('nodes', { Accept: 'text/html', 'Accept-Language': lang })).text();
      const catalogs = await getJson(`nodes/messages?lng=${lang}`);
      for (const [set, file] of Object.entries(NODE_SETS)) {
        const { dir, base } = fileOf(file);
        const help = path.join(dir, 'locales', lang, `${base}.html`);
        fs.existsSync(help).should.be.true(`${set}: no ${lang} help in the package`);
        htmlOf[lang].includes(fs.readFileSync(help, 'utf8')).should.be.true(`${set}: the ${lang} help is not what GET /nodes sends`);
        const catalog = path.join(dir, 'locales', lang, `${base}.json`);
        fs.existsSync(catalog).should.be.true(`${set}: no ${lang} catalog in the package`);
        should(catalogs[`${MODULE}/${set}`]).eql(JSON.parse(fs.readFileSync(catalog, 'utf8')), `${set}: ${lang} catalog`);
      }
      const pluginCatalogs = await getJson(`plugins/messages?lng=${lang}`);
      for (const [plugin, file] of Object.entries(PLUGINS)) {
        const { dir, base } = fileOf(file);
        const catalog = path.join(dir, 'locales', lang, `${base}.json`);
        fs.existsSync(catalog).should.be.true(`${plugin}: no ${lang} catalog in the package`);
        should(pluginCatalogs[`${MODULE}/${plugin}`]).eql(JSON.parse(fs.readFileSync(catalog, 'utf8')), `${plugin}: ${lang} catalog`);
      }
    }
    // German is not the English fallback Node-RED sends for a missing locale.
    for (const [set, file] of Object.entries(NODE_SETS)) {
      const { dir, base } = fileOf(file);
      const english = fs.readFileSync(path.join(dir, 'locales', 'en-US', `${base}.html`), 'utf8');
      htmlOf.de.includes(english).should.be.false(`${set}: GET /nodes sends the English help for German`);
    }
  });

  it('runs a flow of every node type that moves the lines of log files to the Debug sidebar, once and in order', async function () {
    // Inside the user directory, which goes with the temporary folder of the run.
    const logDir = path.join(ctx.userDir, 'test-logs');
    const watched = path.join(logDir, 'watched');
    fs.mkdirSync(watched, { recursive: true });
    const appLog = path.join(logDir, 'app.log');
    const dirLog = path.join(watched, 'web.log');
    const lines = (tag, from, to) => Array.from({ length: to - from }, (_, i) => `${tag} line ${from + i} user=bob status=200`);
    fs.writeFileSync(appLog, lines('app', 0, 50).map((l) => `${l}\n`).join(''));
    fs.writeFileSync(dirLog, lines('web', 0, 50).map((l) => `${l}\n`).join(''));

    const tab = 'packed-tab';
    const syslogPort = await freePort();
    const flow = [
      { id: tab, type: 'tab', label: 'packed' },
      { id: 'packed-switch', type: 'kill-switch-config', name: 'stop', initial: 'released' },
      { id: 'packed-file', type: 'file-tail', z: tab, name: 'app.log', path: appLog, pathType: 'str', startAt: 'beginning', output: 'lines', multiline: 'indented', killSwitch: 'packed-switch', x: 120, y: 60, wires: [['packed-batch-file']] },
      // In ack delivery: each batch is acknowledged by the batch-ack it also goes to.
      { id: 'packed-batch-file', type: 'micro-batch', z: tab, name: '', interval: 0.2, maxSize: 100, maxBytes: 0, keepArrays: false, killSwitch: 'packed-switch', delivery: 'ack', outputs: 2, x: 320, y: 60, wires: [['packed-debug-file', 'packed-ack'], []] },
      { id: 'packed-ack', type: 'batch-ack', z: tab, name: '', success: 'any', x: 520, y: 20, wires: [[]] },
      { id: 'packed-debug-file', type: 'debug', z: tab, name: 'file', active: true, tosidebar: true, console: false, tostatus: false, complete: 'payload', targetType: 'msg', x: 520, y: 60, wires: [] },
      { id: 'packed-dir', type: 'dir-watch', z: tab, name: 'watched', path: watched, pathType: 'str', pattern: '*.log', startAt: 'beginning', output: 'lines', x: 120, y: 120, wires: [['packed-batch-dir'], []] },
      { id: 'packed-batch-dir', type: 'micro-batch', z: tab, name: '', interval: 0.2, maxSize: 100, maxBytes: 0, keepArrays: false, x: 320, y: 120, wires: [['packed-parse']] },
      // Each line into { message }: the parsers as packed, one object per line in place.
      { id: 'packed-parse', type: 'log-parse', z: tab, name: '', format: 'regex', pattern: '^(?<message>.*)$', schema: 'native', timezone: 'UTC', property: 'payload', onError: 'output2', x: 420, y: 160, wires: [['packed-debug-dir'], []] },
      { id: 'packed-debug-dir', type: 'debug', z: tab, name: 'dir', active: true, tosidebar: true, console: false, tostatus: false, complete: 'payload', targetType: 'msg', x: 520, y: 120, wires: [] },
      { id: 'packed-syslog', type: 'syslog-in', z: tab, name: '', protocol: 'tcp', host: '127.0.0.1', port: syslogPort, framing: 'auto', output: 'line', parse: true, schema: 'ecs', timezone: '', allow: '127.0.0.1', maxMessageBytes: 65536, maxConnections: 1000, idleTimeout: 0, recvBufferSize: '', tls: '', clientCert: 'none', killSwitch: 'packed-switch', x: 120, y: 240, wires: [['packed-debug-syslog']] },
      { id: 'packed-debug-syslog', type: 'debug', z: tab, name: 'syslog', active: true, tosidebar: true, console: false, tostatus: false, complete: 'payload', targetType: 'msg', x: 320, y: 240, wires: [] },
      { id: 'packed-kill', type: 'kill-switch', z: tab, name: '', killSwitch: 'packed-switch', controlTopic: 'kill-switch', mode: 'hold', queueSize: 1000, initial: 'released', x: 120, y: 180, wires: [[], []] },
    ];
    flow.filter((n) => n.type !== 'tab' && n.type !== 'debug').map((n) => n.type).sort().should.eql(
      [...Object.keys(NODE_SETS), 'micro-batch'].sort(),
      'the flow has every node type of the package',
    );

    // A type the runtime lacks would leave the flow waiting for it, not failing.
    const known = new Set((await getJson('nodes')).filter((s) => s.enabled && !s.err).flatMap((s) => s.types));
    flow.map((n) => n.type).filter((t) => t !== 'tab' && !known.has(t)).should.eql([], 'types the runtime does not have');

    const received = { 'packed-debug-file': [], 'packed-debug-dir': [], 'packed-debug-syslog': [] };
    const problems = [];
    const progress = new EventEmitter();
    const comms = await connectComms(ctx.nr.url, { topics: ['debug'] });
    try {
      comms.on('debug', (data) => {
        if (data.id === 'packed-debug-dir') received[data.id].push(...decodeDebug(data).map((parsed) => parsed.message));
        else if (data.id === 'packed-debug-syslog') received[data.id].push(decodeDebug(data));
        else if (received[data.id]) received[data.id].push(...decodeDebug(data));
        else if (data.level) problems.push(`${data.name || data.id}: ${data.msg}`);
        progress.emit('debug');
      });
      /** Resolves once `predicate()` holds, at a debug message; fails at a node's warning or error. */
      const until = (predicate) =>
        untilEvent(progress, 'debug', () => {
          problems.should.eql([], 'warnings or errors in the Debug sidebar');
          return predicate();
        });
      const res = await fetch(`${ctx.nr.url}flows`, {
        method: 'POST',
        headers: { 'Content-Type': 'application/json', 'Node-RED-Deployment-Type': 'full' },
        body: JSON.stringify(flow),
      });
      res.status.should.equal(204, `deploy: ${await res.text()}`);
      await until(() => received['packed-debug-file'].length > 0 && received['packed-debug-dir'].length > 0);

      // Lines appended once both are following.
      fs.appendFileSync(appLog, lines('app', 50, 250).map((l) => `${l}\n`).join(''));
      fs.appendFileSync(dirLog, lines('web', 50, 250).map((l) => `${l}\n`).join(''));
      const last = (id, tag) => received[id].includes(`${tag} line 249 user=bob status=200`);
      await until(() => last('packed-debug-file', 'app') && last('packed-debug-dir', 'web'));

      // Syslog over TCP, octet counted, parsed to ECS.
      await tcpSend(syslogPort, octetFrame('<34>1 2026-12-03T10:00:00Z host1 app 42 - - hello from syslog'));
      await until(() => received['packed-debug-syslog'].length > 0);
      received['packed-debug-syslog'][0].should.containEql({ message: 'hello from syslog' });
      received['packed-debug-syslog'][0].host.should.eql({ hostname: 'host1' });

      received['packed-debug-file'].should.eql(lines('app', 0, 250));
      received['packed-debug-dir'].should.eql(lines('web', 0, 250));
      problems.should.eql([], 'warnings or errors in the Debug sidebar');

      const listing = await getJson('log-ingest/sources');
      const source = (id) => listing.sources.find((s) => s.id === id);
      should.exist(source('packed-file'), 'the sidebar does not list the file tail');
      source('packed-file').files.map((f) => f.path).should.containEql(appLog);
      should.exist(source('packed-dir'), 'the sidebar does not list the dir watch');
      source('packed-dir').files.map((f) => f.path).should.containEql(dirLog);
      const killSwitch = listing.switches.find((s) => s.id === 'packed-switch');
      should.exist(killSwitch, 'the sidebar does not list the kill switch');
      killSwitch.should.have.property('state', 'released');
    } finally {
      await comms.close().catch(() => {});
    }
  });
}
