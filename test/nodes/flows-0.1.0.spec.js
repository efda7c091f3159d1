'use strict';
// Flows saved with 0.1.0 (test/fixtures/flows-0.1.0.json) run as they did:
// each node of the pack starts with no warning or error, with the settings
// saved then, and every setting added since takes its documented default (the
// default of the editor's definition): the node runs exactly as one saved
// with that default set. What a node runs with is read where the settings
// reach the engine (TailSession, DirectoryTail, SwitchedBatcher), the
// settings reader, the typed-input reader and the kill switch it follows.
// test/integration/flows-0.1.0.spec.js runs the whole file in a real Node-RED.
const fs = require('fs');
const path = require('path');
const should = require('should');
const { helper, nodeModule, serverPerTest, forgetHandovers } = require('../support/helper');
const { flows010, laterSettings, PACK_TYPES, IDS } = require('../support/flows-0.1.0');

const modules = PACK_TYPES.map(nodeModule);
const dist = path.join(__dirname, '..', '..', 'dist');

/**
 * Records what the nodes run with, until `restore()`: engine options, the
 * values the settings reader returns, typed inputs as read, and the kill
 * switch followed. Wraps the exports the built nodes call at run time.
 */
function recordSettings() {
  const seen = [];
  const undo = [];
  const replace = (mod, name, make) => {
    const original = mod[name];
    mod[name] = make(original);
    undo.push(() => (mod[name] = original));
  };
  for (const [file, name] of [
    ['lib/tail-session', 'TailSession'],
    ['lib/directory-tail', 'DirectoryTail'],
    ['nodes/shared/switched-batcher', 'SwitchedBatcher'],
  ]) {
    replace(require(path.join(dist, file)), name, (Engine) =>
      class extends Engine {
        constructor(options, ...rest) {
          super(options, ...rest);
          seen.push([name, comparable(options)]);
        }
      },
    );
  }
  const config = require(path.join(dist, 'nodes', 'shared', 'config'));
  for (const method of ['number', 'seconds', 'option', 'delimiter', 'text']) {
    replace(config.SettingsReader.prototype, method, (read) =>
      function (prop, ...rest) {
        const value = read.call(this, prop, ...rest);
        seen.push([`settings.${method}`, prop, value]);
        return value;
      },
    );
  }
  replace(config, 'readTyped', (read) => (...args) => {
    const value = read(...args);
    seen.push(['readTyped', value]);
    return value;
  });
  replace(require(path.join(dist, 'nodes', 'shared', 'switch-control')), 'followKillSwitch', (follow) => (RED, node, switchId, ...rest) => {
    // No id and an empty one alike mean no switch.
    seen.push(['followKillSwitch', typeof switchId === 'string' && switchId !== '' ? switchId : 'none']);
    return follow(RED, node, switchId, ...rest);
  });
  return { seen, restore: () => undo.reverse().forEach((u) => u()) };
}

/** Options as data: functions and the per-instance source id left out. */
function comparable(options) {
  return JSON.parse(JSON.stringify(options, (key, value) => (key === 'sourceId' || typeof value === 'function' ? undefined : value)));
}

/** The engine options recorded for `name`. */
const engineOptions = (seen, name) => seen.filter((s) => s[0] === name).map((s) => s[1]);
/** The value the settings reader returned for `prop` (the last read). */
const settingOf = (seen, prop) => seen.filter((s) => s[0].startsWith('settings.') && s[1] === prop).map((s) => s[2]).pop();

const ownCalls = (node, method) => node[method].getCalls().filter((c) => c.thisValue === node).map((c) => String(c.args[0]));

describe('flows saved with 0.1.0', function () {
  const server = serverPerTest('log-ingest-0.1.0-');
  let recorder = null;

  afterEach(async function () {
    const ids = [IDS.killSwitchConfig, IDS.sharedGate, IDS.ownGate];
    for (const id of ids) await helper.getNode(id)?.logIngestSwitch?.whenSaved().catch(() => undefined);
    forgetHandovers([IDS.ownGate]);
    if (recorder) recorder.restore();
    recorder = null;
  });

  /** The fixture's folder, moved to this test's temp folder, with its files. */
  function folder() {
    const dir = path.join(server.dir, 'logs-0.1.0');
    fs.mkdirSync(path.join(dir, 'logs'), { recursive: true });
    fs.writeFileSync(path.join(dir, 'app.log'), '');
    return dir;
  }

  /**
   * `node` from the fixture with its tab, the config node it names, and
   * helper nodes in place of what it is wired to; started, its settings
   * recorded, then stopped.
   */
  async function run(node, fixture) {
    const config = fixture.find((n) => n.id === node.killSwitch);
    const targets = [...new Set((node.wires || []).flat())];
    recorder = recordSettings();
    await helper.load(modules, [
      ...(node.z ? [{ id: node.z, type: 'tab' }] : []),
      ...(config ? [config] : []),
      node,
      ...targets.map((id) => ({ id, z: node.z, type: 'helper' })),
    ]);
    const started = helper.getNode(node.id);
    const report = { seen: recorder.seen.slice(), warnings: ownCalls(started, 'warn'), errors: ownCalls(started, 'error') };
    await helper.getNode(node.id)?.logIngestSwitch?.whenSaved().catch(() => undefined);
    await helper.getNode(node.killSwitch)?.logIngestSwitch?.whenSaved().catch(() => undefined);
    await helper.unload();
    recorder.restore();
    recorder = null;
    return report;
  }

  it('has a node of every type of the pack, each missing a setting added since where one was', function () {
    const fixture = flows010();
    const types = new Set(fixture.map((n) => n.type));
    for (const type of PACK_TYPES) types.has(type).should.be.true(`no ${type} in the fixture`);
    const later = Object.fromEntries(fixture.filter((n) => PACK_TYPES.includes(n.type)).map((n) => [n.type, Object.keys(laterSettings(n)).sort()]));
    later.should.eql({
      'file-tail': ['killSwitch', 'multiline', 'multilineMaxLines', 'multilineStart', 'multilineTimeout', 'pathType'],
      'micro-batch': ['ackTimeout', 'ackTimeoutType', 'delivery', 'intervalType', 'killSwitch', 'maxBytesType', 'maxInFlight', 'maxInFlightType', 'maxSizeType', 'retries', 'retriesType'],
      'dir-watch': ['multiline', 'multilineMaxLines', 'multilineStart', 'multilineTimeout', 'pathType', 'pseudoFs', 'symlinks', 'warnFiles'],
      'kill-switch': [],
      'kill-switch-config': [],
    });
  });

  for (const saved of flows010().filter((n) => PACK_TYPES.includes(n.type))) {
    const what = `${saved.type} "${saved.name}"`;
    it(`${what} starts with no warning or error, as one saved with each later setting at its default`, async function () {
      const fixture = flows010(folder());
      const node = fixture.find((n) => n.id === saved.id);
      const asSaved = await run(node, fixture);
      const withDefaults = await run({ ...node, ...laterSettings(node) }, fixture);
      asSaved.warnings.should.eql([]);
      asSaved.errors.should.eql([]);
      asSaved.seen.length.should.be.above(0);
      asSaved.should.eql(withDefaults);
    });
  }

  it('file-tail runs with its 0.1.0 settings, from the path as typed and with no kill switch', async function () {
    const fixture = flows010(folder());
    const { seen } = await run(fixture.find((n) => n.id === IDS.fileTail), fixture);
    engineOptions(seen, 'TailSession').should.have.length(1);
    engineOptions(seen, 'TailSession')[0].should.match({
      path: path.join(server.dir, 'logs-0.1.0', 'app.log'),
      startAt: 'beginning',
      encoding: 'latin1',
      delimiter: '|',
      idleFlushMs: 0,
      pollIntervalMs: 500,
      maxLineBytes: 16,
      longLines: 'skip',
      trackLineEnds: false, // output: lines
    });
    seen.filter((s) => s[0] === 'readTyped').should.eql([['readTyped', { text: path.join(server.dir, 'logs-0.1.0', 'app.log') }]]);
    seen.filter((s) => s[0] === 'followKillSwitch').should.eql([['followKillSwitch', 'none']]);
  });

  it('micro-batch runs with its 0.1.0 numbers, typed as numbers, and with no kill switch', async function () {
    const fixture = flows010(folder());
    const { seen } = await run(fixture.find((n) => n.id === IDS.tailBatch), fixture);
    engineOptions(seen, 'SwitchedBatcher').should.eql([{ intervalMs: 3_600_000, maxSize: 3, maxBytes: 1_000_000 }]);
    seen.filter((s) => s[0] === 'readTyped').should.have.length(3);
    seen.filter((s) => s[0] === 'readTyped').forEach((s) => should(s[1].env).be.undefined());
    seen.filter((s) => s[0] === 'followKillSwitch').should.eql([['followKillSwitch', 'none']]);
  });

  it('dir-watch runs with its 0.1.0 settings; symlinks skipped, no pseudo file systems, a warning above 10000 files', async function () {
    const fixture = flows010(folder());
    const { seen } = await run(fixture.find((n) => n.id === IDS.dirWatch), fixture);
    engineOptions(seen, 'DirectoryTail').should.have.length(1);
    engineOptions(seen, 'DirectoryTail')[0].should.match({
      startAt: 'beginning',
      encoding: 'utf8',
      delimiter: '\n',
      idleFlushMs: 2000,
      pollIntervalMs: 500,
      maxLineBytes: 65536,
      longLines: 'cut',
      maxOpenFiles: 64,
      discovery: {
        root: path.join(server.dir, 'logs-0.1.0', 'logs'),
        patterns: ['*.txt'],
        exclude: ['skip-*'],
        recursive: true,
        maxDepth: 1,
        ignoreOlderMs: 48 * 3600 * 1000,
        symlinks: 'skip',
        pseudoFs: false,
      },
    });
    settingOf(seen, 'warnFiles').should.equal(10000);
    seen.filter((s) => s[0] === 'followKillSwitch').should.eql([['followKillSwitch', IDS.killSwitchConfig]]);
  });

  it('kill-switch nodes keep their topic, mode, queue size and start state', async function () {
    const fixture = flows010(folder());
    const shared = await run(fixture.find((n) => n.id === IDS.sharedGate), fixture);
    [settingOf(shared.seen, 'controlTopic'), settingOf(shared.seen, 'mode'), settingOf(shared.seen, 'queueSize')].should.eql(['halt', 'discard', 5]);
    const own = await run(fixture.find((n) => n.id === IDS.ownGate), fixture);
    [settingOf(own.seen, 'controlTopic'), settingOf(own.seen, 'mode'), settingOf(own.seen, 'queueSize'), settingOf(own.seen, 'initial')].should.eql([
      'gate',
      'hold',
      2,
      'engaged',
    ]);
  });
});
