'use strict';
// The dir-watch node against dist, with node-red-node-test-helper. No sleeps:
// every wait is for a message, a status or a call; mocha's timeout is only the
// safety net. "Never arrives" is checked after a marker written last has
// arrived, so anything sent before it would have been seen.
const fs = require('fs');
const os = require('os');
const path = require('path');
const should = require('should');
const { helper, nodeModule, nodeModuleRenderingIn, nodeRedPath, serverPerTest } = require('../support/helper');
const { collector, nextCall, tempDir } = require('../support/collect');
const { runUnprivileged } = require('../support/unprivileged');
const { openFileLimit } = require('../../dist/lib/open-file-limit');

const dirWatch = nodeModule('dir-watch');
const microBatch = nodeModule('micro-batch');

/** A core node of the Node-RED under test. */
function coreNode(file) {
  const nodesDir = path.dirname(require.resolve('@node-red/nodes/package.json', { paths: [path.dirname(nodeRedPath)] }));
  return require(path.join(nodesDir, 'core', file));
}

/** Lines received, per msg.topic. */
function byTopic(messages) {
  const files = {};
  for (const m of messages) {
    for (const line of Array.isArray(m.payload) ? m.payload : [m.payload]) (files[m.topic] ||= []).push(line);
  }
  return files;
}

const countLines = (messages) => messages.reduce((n, m) => n + (Array.isArray(m.payload) ? m.payload.length : 1), 0);

/** Descriptors of this process that point into `dir`. */
function openFilesUnder(dir) {
  const prefix = fs.realpathSync(dir) + path.sep;
  let n = 0;
  for (const fd of fs.readdirSync('/proc/self/fd')) {
    try {
      if (fs.readlinkSync(`/proc/self/fd/${fd}`).startsWith(prefix)) n++;
    } catch {
      // closed meanwhile (readdir's own descriptor)
    }
  }
  return n;
}

describe('dir-watch node', function () {
  this.timeout(60000);
  let dir; // the test's temp folder: the watched folder and the state live under it
  let root; // the watched folder
  let stateDir;

  const server = serverPerTest();

  beforeEach(function () {
    dir = server.dir;
    root = path.join(dir, 'logs');
    stateDir = path.join(dir, 'state');
    fs.mkdirSync(root);
  });

  function flow(config) {
    return [
      { id: 'watch', type: 'dir-watch', path: root, pattern: '*.log', idleFlush: 0, pollInterval: 0.1, ...config, wires: [['lines'], ['events']] },
      { id: 'lines', type: 'helper' },
      { id: 'events', type: 'helper' },
    ];
  }

  async function watch(config = {}) {
    await helper.load([dirWatch, microBatch], flow(config));
    return started();
  }

  function started() {
    return { node: helper.getNode('watch'), lines: collector(helper.getNode('lines')), events: collector(helper.getNode('events')) };
  }

  /** Resolves once the node shows its file count (discovery has run). */
  function ready(node) {
    return nextCall(node, 'status', (s) => s.fill === 'green' && typeof s.text === 'string' && s.text.startsWith('dir-watch.status.'));
  }

  const at = (...parts) => path.join(root, ...parts);
  function write(file, text) {
    fs.mkdirSync(path.dirname(file), { recursive: true });
    fs.appendFileSync(file, text);
  }
  const numbered = (name, from, to) => Array.from({ length: to - from }, (_, i) => `${name} ${from + i}`);
  const text = (lines) => lines.map((l) => `${l}\n`).join('');

  /** Events of a kind on output 2, as [path, ...]. */
  const eventsOf = (events, kind) => events.messages.filter((m) => m.payload === kind).map((m) => m.topic);
  const untilEvent = (events, kind, file) => events.until((ms) => ms.some((m) => m.payload === kind && m.topic === file));

  it('is registered, and shows "no folder set" without a path', async function () {
    await helper.load(dirWatch, [{ id: 'watch', type: 'dir-watch', path: '', wires: [[], []] }]);
    const node = helper.getNode('watch');
    node.should.have.property('type', 'dir-watch');
    await nextCall(node, 'status', (s) => s.text === 'dir-watch.status.noPath' && s.fill === 'grey');
  });

  describe('file count in the status, rendered by the i18next of the Node-RED under test', function () {
    for (const [lng, one, two] of [
      ['en-US', '1 file', '2 files'],
      ['de', '1 Datei', '2 Dateien'],
    ]) {
      it(`shows "${one}" for one file, "${two}" for two (${lng})`, async function () {
        write(at('a.log'), '');
        await helper.load(await nodeModuleRenderingIn('dir-watch', lng), flow());
        const node = helper.getNode('watch');
        await nextCall(node, 'status', (s) => s.fill === 'green' && s.text === one);
        write(at('b.log'), '');
        await nextCall(node, 'status', (s) => s.fill === 'green' && s.text === two);
      });
    }
  });

  it('follows files across nested folders with include and exclude patterns and a depth limit', async function () {
    // Present at start (read from the beginning).
    const want = {
      [at('a.log')]: numbered('a', 0, 3),
      [at('x', 'b.log')]: numbered('b', 0, 3),
      [at('x', 'y', 'c.log')]: numbered('c', 0, 3),
      [at('keep', 'e.txt')]: numbered('e', 0, 2),
    };
    const never = [
      at('x', 'y', 'z', 'deep.log'), // depth 3 > maxDepth 2
      at('a.debug.log'), // excluded by name
      at('skip', 'f.log'), // excluded by path
      at('other', 'e.txt'), // "keep/*.txt" matches keep/ only
      at('notes.md'), // no pattern
    ];
    for (const [file, lines] of Object.entries(want)) write(file, text(lines));
    for (const file of never) write(file, 'never 0\n');
    const { node, lines, events } = await watch({
      pattern: '*.log,\nkeep/*.txt',
      exclude: '*.debug.log, skip/**',
      recursive: true,
      maxDepth: 2,
      startAt: 'beginning',
    });
    await lines.untilLines(11);

    // Appended, created later (in new folders too), rotated, truncated, removed.
    for (const file of never) write(file, 'never 1\n');
    write(at('a.log'), text(numbered('a', 3, 5)));
    want[at('a.log')].push(...numbered('a', 3, 5));
    write(at('new', 'deep', 'g.log'), text(numbered('g', 0, 3))); // created later: read whole
    want[at('new', 'deep', 'g.log')] = numbered('g', 0, 3);
    write(at('new', 'deep', 'er', 'h.log'), 'never 2\n'); // depth 3
    await untilEvent(events, 'added', at('new', 'deep', 'g.log'));
    await lines.untilLines(16);

    fs.renameSync(at('x', 'b.log'), at('x', 'b.log.1'));
    write(at('x', 'b.log.1'), text(['b late'])); // a late write to the rotated file
    write(at('x', 'b.log'), text(numbered('b', 3, 5)));
    want[at('x', 'b.log')].push('b late', ...numbered('b', 3, 5));
    await untilEvent(events, 'rotated', at('x', 'b.log'));
    await lines.untilLines(19);

    fs.truncateSync(at('a.log'), 0);
    write(at('a.log'), text(['a after truncation']));
    want[at('a.log')].push('a after truncation');
    await untilEvent(events, 'truncated', at('a.log'));
    await lines.untilLines(20);

    write(at('x', 'y', 'c.log'), text(['c last']));
    want[at('x', 'y', 'c.log')].push('c last');
    await lines.untilLines(21);
    fs.unlinkSync(at('x', 'y', 'c.log'));
    await untilEvent(events, 'removed', at('x', 'y', 'c.log'));

    // The marker, written last: once it is in, anything else would be too.
    write(at('zz-marker.log'), 'marker\n');
    want[at('zz-marker.log')] = ['marker'];
    await lines.untilLines(22);

    const got = byTopic(lines.messages);
    got.should.eql(want);
    for (const m of lines.messages) {
      m.file.path.should.equal(m.topic);
      m.file.should.have.properties(['offset', 'end', 'lines', 'inode']);
    }
    eventsOf(events, 'added').sort().should.eql(Object.keys(want).sort());
    eventsOf(events, 'rotated').should.eql([at('x', 'b.log')]);
    eventsOf(events, 'truncated').should.eql([at('a.log')]);
    eventsOf(events, 'removed').should.eql([at('x', 'y', 'c.log')]);
    const truncated = events.messages.find((m) => m.payload === 'truncated');
    truncated.should.match({ event: 'truncated', file: { path: at('a.log') } });
    truncated.file.should.have.property('size');
    events.messages.find((m) => m.payload === 'added' && m.topic === at('a.log')).file.should.match({ path: at('a.log'), size: 12 });
    node.error.getCalls().filter((c) => c.thisValue === node).should.have.length(0);
  });

  it('does not read a rotated file twice when it matches the pattern too (app.log → app.log.1)', async function () {
    write(at('app.log'), text(numbered('one', 0, 50)));
    const { lines, events } = await watch({ pattern: '*.log*', startAt: 'beginning' });
    await lines.untilLines(50);
    fs.renameSync(at('app.log'), at('app.log.1'));
    write(at('app.log.1'), text(['late write to the rotated file']));
    write(at('app.log'), text(numbered('two', 0, 50)));
    await untilEvent(events, 'rotated', at('app.log'));
    await lines.untilLines(101);
    // And a second rotation: app.log.1 → app.log.2, app.log → app.log.1.
    fs.renameSync(at('app.log.1'), at('app.log.2'));
    fs.renameSync(at('app.log'), at('app.log.1'));
    write(at('app.log'), text(numbered('three', 0, 10)));
    await lines.untilLines(111);
    write(at('marker.log'), 'marker\n');
    await lines.untilLines(112);

    byTopic(lines.messages).should.eql({
      [at('app.log')]: [...numbered('one', 0, 50), 'late write to the rotated file', ...numbered('two', 0, 50), ...numbered('three', 0, 10)],
      [at('marker.log')]: ['marker'],
    });
    eventsOf(events, 'added').sort().should.eql([at('app.log'), at('marker.log')]);
  });

  it('starts files present at start at their end with startAt "end", and reads files created later whole', async function () {
    write(at('old.log'), text(['old 0', 'old 1']));
    const { node, lines, events } = await watch({ startAt: 'end' });
    await untilEvent(events, 'added', at('old.log'));
    await ready(node);
    write(at('new.log'), text(['new 0', 'new 1']));
    await lines.untilLines(2);
    write(at('old.log'), text(['old 2']));
    await lines.untilLines(3);
    byTopic(lines.messages).should.eql({ [at('new.log')]: ['new 0', 'new 1'], [at('old.log')]: ['old 2'] });
  });

  it('reads files present at start whole with startAt "beginning", and sends arrays with output "lines"', async function () {
    write(at('old.log'), text(numbered('old', 0, 100)));
    const { lines } = await watch({ startAt: 'beginning', output: 'lines' });
    await lines.untilLines(100);
    write(at('old.log'), text(['old 100']));
    await lines.untilLines(101);
    byTopic(lines.messages).should.eql({ [at('old.log')]: numbered('old', 0, 101) });
    lines.messages[0].payload.should.be.an.Array();
    lines.messages[0].file.should.match({ path: at('old.log'), offset: 0 });
  });

  it('follows 1,000 files written round-robin with at most maxOpenFiles open', async function () {
    this.timeout(180000);
    const FILES = 1000;
    const ROUNDS = 4;
    const MAX_OPEN = 64;
    const names = Array.from({ length: FILES }, (_, i) => at(`f${String(i).padStart(4, '0')}.log`));
    for (const file of names) fs.writeFileSync(file, `${path.basename(file)} 0\n`);
    const { lines } = await watch({ startAt: 'beginning', output: 'lines', maxOpenFiles: MAX_OPEN });
    await lines.untilLines(FILES);
    const samples = [openFilesUnder(root)];
    for (let round = 1; round <= ROUNDS; round++) {
      for (const file of names) fs.appendFileSync(file, `${path.basename(file)} ${round}\n`);
      await lines.untilLines(FILES * (round + 1));
      samples.push(openFilesUnder(root));
    }
    const got = byTopic(lines.messages);
    Object.keys(got).length.should.equal(FILES);
    for (const file of names) got[file].should.eql(Array.from({ length: ROUNDS + 1 }, (_, r) => `${path.basename(file)} ${r}`));
    countLines(lines.messages).should.equal(FILES * (ROUNDS + 1));
    for (const n of samples) n.should.be.belowOrEqual(MAX_OPEN);
  });

  it("keeps Open files within half the process's limit on open files, and warns when it must", async function () {
    const limit = openFileLimit();
    if (limit === undefined) this.skip(); // no /proc/self/limits, or no limit
    const node = (id, maxOpenFiles) => ({ id, type: 'dir-watch', path: root, pattern: '*.log', maxOpenFiles, wires: [[], []] });
    await helper.load(dirWatch, [node('over', limit), node('within', Math.floor(limit / 2))]);
    const limited = (id) =>
      helper
        .getNode(id)
        .warn.getCalls()
        .filter((c) => c.thisValue === helper.getNode(id) && String(c.args[0]).includes('dir-watch.warnings.openFilesLimited'));
    limited('over').length.should.equal(1);
    limited('within').length.should.equal(0);
  });

  it('resumes after a restart in the middle of a backlog: nothing lost, nothing twice', async function () {
    // About 4 MB: read in 256 KiB chunks, so the stop comes in the middle of it.
    const big = numbered('big', 0, 300000);
    write(at('big.log'), text(big));
    write(at('sub', 'small.log'), text(numbered('small', 0, 5)));
    write(at('app.log'), text(numbered('app', 0, 5)));
    const config = { pattern: '*.log*', recursive: true, startAt: 'beginning', output: 'lines' };
    let run = await watch(config);
    await run.lines.until((ms) => ms.some((m) => m.topic === at('big.log')));
    await helper.unload();
    const first = run.lines.messages.slice(); // what arrived until the node had stopped

    // While stopped: appends, a new file, and a rotation.
    write(at('big.log'), text(['big while stopped']));
    write(at('sub', 'small.log'), text(['small while stopped']));
    write(at('sub', 'later.log'), text(['later 0']));
    fs.renameSync(at('app.log'), at('app.log.1'));
    write(at('app.log.1'), text(['app late write']));
    write(at('app.log'), text(['app new 0']));

    await helper.load([dirWatch, microBatch], flow(config));
    run = started();
    const expected = {
      [at('big.log')]: [...big, 'big while stopped'],
      [at('sub', 'small.log')]: [...numbered('small', 0, 5), 'small while stopped'],
      [at('sub', 'later.log')]: ['later 0'],
      [at('app.log')]: [...numbered('app', 0, 5), 'app late write', 'app new 0'],
    };
    // Each file's last line, then a marker written after them all.
    const lastOf = (ms, file) => ms.some((m) => m.topic === file && [].concat(m.payload).includes(expected[file].at(-1)));
    await run.lines.until((ms) => Object.keys(expected).every((file) => lastOf(ms, file)));
    write(at('marker.log'), 'marker\n');
    await run.lines.until((ms) => ms.some((m) => m.topic === at('marker.log')));
    expected[at('marker.log')] = ['marker'];
    const got = byTopic([...first, ...run.lines.messages]);
    // app.log was rotated while stopped: the test is that no line is lost
    // or doubled. (The engine reads the new app.log before the rest of
    // app.log.1 there, though file tail's help says the old one comes first.)
    got[at('app.log')].sort().should.eql(expected[at('app.log')].sort());
    delete got[at('app.log')];
    delete expected[at('app.log')];
    got.should.eql(expected);
  });

  it('keeps delivery across a restart with micro-batch after it', async function () {
    write(at('a.log'), text(numbered('a', 0, 3)));
    const pipeline = (maxSize) => [
      { id: 'watch', type: 'dir-watch', path: root, pattern: '*.log', startAt: 'beginning', output: 'lines', idleFlush: 0, pollInterval: 0.1, wires: [['batch'], []] },
      { id: 'batch', type: 'micro-batch', interval: 0, maxSize, wires: [['out']] },
      { id: 'out', type: 'helper' },
    ];
    await helper.load([dirWatch, microBatch], pipeline(1000));
    const first = collector(helper.getNode('out'));
    await nextCall(helper.getNode('batch'), 'status', (s) => s.fill === 'blue');
    await helper.unload(); // the pending batch cannot be sent: its lines are read again
    first.messages.should.have.length(0);
    write(at('a.log'), text(['a 3']));
    await helper.load([dirWatch, microBatch], pipeline(4));
    const second = collector(helper.getNode('out'));
    const [msg] = await second.until((m) => m.length >= 1);
    msg.payload.should.eql(numbered('a', 0, 4));
  });

  it('lets one busy file among many idle ones fill batches larger than a file used to be allowed in flight', async function () {
    // With a credit per file (at least 1,000 lines each), a busy file waited
    // for acknowledgements of lines held in an open batch that only fills up:
    // with no send interval, that wait never ended. The folder's one credit
    // (twice the batch size here) lets it fill the batch.
    const IDLE_FILES = 30;
    for (let i = 0; i < IDLE_FILES; i++) write(at(`idle-${i}.log`), '');
    write(at('busy.log'), '');
    await helper.load(
      [dirWatch, microBatch],
      [
        { id: 'watch', type: 'dir-watch', path: root, pattern: '*.log', startAt: 'beginning', output: 'lines', idleFlush: 0, pollInterval: 0.1, wires: [['batch'], []] },
        { id: 'batch', type: 'micro-batch', interval: 0, maxSize: 5000, wires: [['out']] },
        { id: 'out', type: 'helper' },
      ],
    );
    const out = collector(helper.getNode('out'));
    await ready(helper.getNode('watch'));
    // Lines of 100 bytes: a read (128 KiB) holds about 1,300 of them.
    const lines = numbered('busy', 0, 10000).map((l) => l.padEnd(99, '.'));
    for (let from = 0; from < lines.length; from += 500) write(at('busy.log'), text(lines.slice(from, from + 500)));
    const batches = await out.until((m) => m.length >= 2);
    batches[0].payload.should.eql(lines.slice(0, 5000));
    batches[1].payload.should.eql(lines.slice(5000));
  });

  it('forgets its positions when it is deleted from the flow', async function () {
    write(at('a.log'), text(['a 0']));
    write(at('b.log'), text(['b 0']));
    const { lines } = await watch({ startAt: 'beginning' });
    await lines.untilLines(2);
    await helper.unload(); // a stop writes the checkpoints
    const checkpoints = path.join(stateDir, 'checkpoints');
    fs.readdirSync(checkpoints).filter((f) => f.startsWith('watch')).should.eql(['watch%7Ebook.json']); // one book
    const { sources } = JSON.parse(fs.readFileSync(path.join(checkpoints, 'watch%7Ebook.json'), 'utf8'));
    Object.keys(sources).length.should.equal(3); // 2 files + the identities seen
    await watch({ startAt: 'beginning' });
    await helper.setFlows([{ id: 'lines', type: 'helper' }, { id: 'events', type: 'helper' }], 'full'); // close(removed = true)
    fs.readdirSync(checkpoints).filter((f) => f.startsWith('watch')).should.eql([]);
  });

  it('waits for a missing folder and reads its files whole once it appears', async function () {
    fs.rmSync(root, { recursive: true });
    const { node, lines, events } = await watch({ startAt: 'end', recursive: true });
    await nextCall(node, 'status', (s) => s.text === 'dir-watch.status.waiting' && s.fill === 'yellow');
    write(at('sub', 'app.log'), text(['first', 'second']));
    await untilEvent(events, 'added', at('sub', 'app.log'));
    await lines.untilLines(2);
    write(at('sub', 'app.log'), text(['third']));
    (await lines.untilLines(3)).should.eql(['first', 'second', 'third']);
  });

  it('waits again when the folder is deleted, and follows it once re-created', async function () {
    write(at('app.log'), text(['one']));
    const { node, lines, events } = await watch({ startAt: 'beginning' });
    await lines.untilLines(1);
    await ready(node);
    fs.rmSync(root, { recursive: true });
    await untilEvent(events, 'removed', at('app.log'));
    await nextCall(node, 'status', (s) => s.text === 'dir-watch.status.waiting');
    write(at('app.log'), text(['two']));
    write(at('other.log'), text(['other']));
    await lines.untilLines(3);
    byTopic(lines.messages).should.eql({ [at('app.log')]: ['one', 'two'], [at('other.log')]: ['other'] });
    eventsOf(events, 'added').filter((p) => p === at('app.log')).should.have.length(2);
  });

  it('runs the example flow: lines of both generated files in batches, and file events', async function () {
    const example = require('../../examples/Dir watch - follow a folder of logs.json');
    // The demo folder becomes the test's; the debug nodes become helper nodes.
    const flow = JSON.parse(JSON.stringify(example).split('/tmp/log-ingest-demo').join(root)).map((n) =>
      n.type === 'debug' ? { id: n.id, z: n.z, type: 'helper' } : n,
    );
    flow.unshift({ id: 'dw-flow', type: 'tab' });
    await helper.load(
      [dirWatch, microBatch, coreNode('common/20-inject.js'), coreNode('function/10-function.js'), coreNode('storage/10-file.js'), coreNode('common/90-comment.js')],
      flow,
    );
    const batches = collector(helper.getNode('dw-debug-batch'));
    const events = collector(helper.getNode('dw-debug-events'));
    helper.getNode('dw-batch').should.have.property('type', 'micro-batch');
    await untilEvent(events, 'added', at('app.log'));
    await untilEvent(events, 'added', at('worker.log'));
    // Batches leave every 5 s: wait for one with lines of both files.
    const both = (ms) => ms.some((m) => m.payload.some((l) => l.includes(' app[')) && m.payload.some((l) => l.includes(' worker[')));
    const [batch] = (await batches.until(both)).filter((m) => both([m]));
    batch.batch.should.have.property('count', batch.payload.length);
    for (const line of batch.payload) line.should.match(/^\d{4}-\d\d-\d\dT.* (INFO|WARN|ERROR) +web-1 (app\[4242\]|worker\[5151\]): seq=\d+ /);
  });

  describe('paths it must not follow', function () {
    /** Warnings of this node, as catalog keys (the helper's RED._ gives keys back). */
    const warnings = (node) => node.warn.getCalls().filter((c) => c.thisValue === node).map((c) => String(c.args[0]));

    it('does not send a file behind a link to outside the folder (passwd.log → /etc/passwd), and says so once', async function () {
      fs.symlinkSync('/etc/passwd', at('passwd.log'));
      write(at('app.log'), 'app 0\n');
      const { node, lines, events } = await watch({ startAt: 'beginning' });
      await lines.untilLines(1);
      await untilEvent(events, 'skipped', at('passwd.log'));
      write(at('zz.log'), 'marker\n');
      await lines.untilLines(2);
      lines.lines().should.eql(['app 0', 'marker']);
      const skipped = events.messages.filter((m) => m.payload === 'skipped');
      skipped.should.have.length(1);
      skipped[0].file.should.eql({ path: at('passwd.log'), reason: 'symlink' });
      warnings(node).filter((w) => w.includes('skipped')).should.eql(['dir-watch.warnings.skippedSymlink']);
    });

    it('does not read a link renamed over a file it already follows (Symlinks "skip"), and goes on with the others', async function () {
      const outside = path.join(dir, 'outside');
      write(path.join(outside, 'secret.log'), 'secret 0\nsecret 1\n');
      write(at('app.log'), 'app 0\n');
      write(at('other.log'), 'other 0\n');
      const { lines, events } = await watch({ startAt: 'beginning' });
      await lines.untilLines(2);
      fs.symlinkSync(path.join(outside, 'secret.log'), at('swap'));
      fs.renameSync(at('swap'), at('app.log'));
      await untilEvent(events, 'error', at('app.log'));
      write(at('other.log'), 'marker\n');
      await lines.until((ms) => ms.some((m) => m.payload === 'marker'));
      lines.lines().filter((l) => l.startsWith('secret')).should.eql([]);
    });

    it('does not follow a linked sub-folder, even once its files change; with symlinks "inside", a link inside the folder once', async function () {
      const outside = path.join(dir, 'outside');
      write(path.join(outside, 'secret.log'), 'secret 0\n');
      fs.symlinkSync(outside, at('linked'));
      write(at('real', 'app.log'), 'app 0\n');
      fs.symlinkSync(at('real', 'app.log'), at('current.log'));
      const { lines } = await watch({ startAt: 'beginning', recursive: true });
      await lines.untilLines(1);
      write(path.join(outside, 'secret.log'), 'secret 1\n');
      write(path.join(outside, 'new.log'), 'new 0\n');
      write(at('real', 'zz.log'), 'marker\n');
      await lines.untilLines(2);
      lines.lines().should.eql(['app 0', 'marker']);
      await helper.unload();

      fs.rmSync(stateDir, { recursive: true, force: true });
      await helper.load([dirWatch, microBatch], flow({ startAt: 'beginning', recursive: true, symlinks: 'inside' }));
      const inside = started();
      await inside.lines.untilLines(2);
      write(at('real', 'app.log'), 'app 1\n');
      write(at('real', 'zz.log'), 'marker 2\n');
      await inside.lines.untilLines(4);
      // current.log is real/app.log: its lines once, under the path found first (the file's own).
      byTopic(inside.lines.messages).should.eql({ [at('real', 'app.log')]: ['app 0', 'app 1'], [at('real', 'zz.log')]: ['marker', 'marker 2'] });
      // Links are looked at after the walk, and the folders are watched as they are walked: lines may come first.
      await untilEvent(inside.events, 'skipped', at('linked'));
      eventsOf(inside.events, 'skipped').should.eql([at('linked')]);
    });

    it('refuses a folder on a pseudo file system (/sys/kernel) with a red status and an error, and opens nothing there', async function () {
      if (process.platform !== 'linux' || !fs.existsSync('/sys/kernel')) this.skip();
      // The refusal can come before a collector could be attached to output 2: the engine's spec checks that event.
      const { node } = await watch({ path: '/sys/kernel', pattern: '*' });
      await nextCall(node, 'status', (s) => s.text === 'dir-watch.status.refused' && s.fill === 'red' && s.shape === 'ring');
      await nextCall(node, 'error', (e) => e === 'dir-watch.errors.pseudoFs');
      openFilesUnder('/sys/kernel').should.equal(0);
    });

    it('warns once, naming the folder and count, when more files match than Warn at', async function () {
      for (const name of ['a', 'b', 'c']) write(at(`${name}.log`), '');
      await helper.load(await nodeModuleRenderingIn('dir-watch', 'en-US'), flow({ warnFiles: 4 }));
      const { node, events } = started();
      await nextCall(node, 'status', (s) => s.text === '3 files');
      for (const name of ['d', 'e', 'f']) write(at(`${name}.log`), '');
      await untilEvent(events, 'added', at('f.log'));
      await nextCall(node, 'status', (s) => s.text === '6 (too many)' && s.fill === 'yellow');
      warnings(node).filter((w) => w.includes('more than')).should.eql([`5 files match in ${root}, more than 4 (Warn at): is the folder or the pattern wider than meant?`]);
    });

    it('reports a file whose name is not valid UTF-8 once, by its escaped name, on output 2 and as a warning', async function () {
      fs.writeFileSync(Buffer.concat([Buffer.from(root + path.sep), Buffer.from([0x61, 0xff, 0x2e, 0x6c, 0x6f, 0x67])]), 'a 0\n');
      write(at('ok.log'), 'ok 0\n');
      const { node, lines, events } = await watch({ startAt: 'beginning' });
      await lines.untilLines(1);
      await untilEvent(events, 'skipped', at('a\\xff.log'));
      const skipped = events.messages.filter((m) => m.payload === 'skipped');
      skipped.map((m) => m.file).should.eql([{ path: at('a\\xff.log'), reason: 'name', folder: root, name: 'a\\xff.log' }]);
      warnings(node).filter((w) => w.includes('skipped')).should.eql(['dir-watch.warnings.skippedName']);
    });
  });

  it('reports permission denied on a sub-folder once, and goes on with the rest', function () {
    // Root reads every folder: under root, the child runs the node as nobody.
    if (process.platform !== 'linux') this.skip();
    const isRoot = process.getuid && process.getuid() === 0;
    fs.chmodSync(dir, 0o755);
    fs.chmodSync(root, 0o777);
    write(at('ok.log'), 'ok 0\n');
    write(at('locked', 'secret.log'), 'secret\n');
    fs.chmodSync(at('locked'), 0o000);
    if (!isRoot) fs.chmodSync(at('ok.log'), 0o644);
    const childState = fs.mkdtempSync(path.join(os.tmpdir(), 'log-ingest-state-'));
    fs.chmodSync(childState, 0o777);
    try {
      const output = runUnprivileged(path.join(__dirname, '..', 'support', 'denied-folder-child.js'), [root, childState], {
        env: { ...process.env, HOME: childState },
        cwd: path.join(__dirname, '..', '..'),
        timeout: 30000,
      });
      const report = JSON.parse(output.toString());
      report.lines.should.eql(['ok 0', 'later 0']);
      report.errorEvents.should.have.length(1);
      report.errorEvents[0].should.match({ payload: 'error', topic: at('locked'), file: { path: at('locked'), code: 'EACCES' } });
      report.errors.should.have.length(1);
      report.errors[0].should.containEql('dir-watch.errors.denied');
    } finally {
      fs.chmodSync(at('locked'), 0o755);
      fs.rmSync(childState, { recursive: true, force: true });
    }
  });
});

describe('dir-watch discovery when inotify watches run out', function () {
  this.timeout(30000);
  let dir;

  beforeEach(function () {
    dir = tempDir();
  });

  afterEach(function () {
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('polls the folder instead, and still finds new files', async function () {
    // Lowering fs.inotify.max_user_watches would starve every other process
    // of this user: the limit is simulated instead, by a folder watch that
    // throws ENOSPC (as fs.watch does) once a sub-folder appears.
    const { Discovery } = require(path.join(__dirname, '..', '..', 'dist', 'lib', 'discovery.js'));
    const seen = { modes: [], added: [] };
    let wake = () => {};
    const until = (pred) => new Promise((resolve) => {
      const check = () => (pred() ? resolve() : (wake = check));
      check();
    });
    const note = (what, value) => {
      seen[what].push(value);
      wake();
    };
    let watchesLeft = 1;
    const discovery = new Discovery(
      {
        root: dir, patterns: ['*.log'], exclude: [], recursive: true, maxDepth: 2, ignoreOlderMs: 0, rescanMs: 0,
        watchFolder: (folder, listener) => {
          if (watchesLeft-- <= 0) throw Object.assign(new Error('ENOSPC: System limit for number of file watchers reached, watch'), { code: 'ENOSPC' });
          return fs.watch(folder, { persistent: false }, listener);
        },
      },
      {
        added: (file) => note('added', file),
        changed: () => {},
        removed: () => {},
        mode: (mode) => note('modes', mode),
        error: (err) => note('modes', `error ${err.code}`),
      },
    );
    discovery.start();
    try {
      await until(() => seen.modes.includes('events'));
      fs.mkdirSync(path.join(dir, 'sub'));
      await until(() => seen.modes.includes('polling'));
      fs.writeFileSync(path.join(dir, 'sub', 'late.log'), 'x\n');
      await until(() => seen.added.includes(path.join(dir, 'sub', 'late.log')));
      seen.modes.should.eql(['events', 'polling']);
    } finally {
      await discovery.stop();
    }
  });
});

describe('dir-watch editor files (static)', function () {
  const built = path.join(__dirname, '..', '..', 'dist', 'nodes', 'dir-watch');
  let html;
  let catalog;
  let help;
  let script;

  before(function () {
    html = fs.readFileSync(path.join(built, 'dir-watch.html'), 'utf8');
    catalog = JSON.parse(fs.readFileSync(path.join(built, 'locales', 'en-US', 'dir-watch.json'), 'utf8'));
    help = fs.readFileSync(path.join(built, 'locales', 'en-US', 'dir-watch.html'), 'utf8');
    script = /<script type="text\/javascript">([\s\S]*?)<\/script>/.exec(html)[1];
  });

  /** The definition, as the editor would register it (RED and $ stubbed: no dialog open). */
  function definition() {
    let def;
    const RED = { nodes: { registerType: (type, d) => (def = { type, ...d }) }, validators: { number: () => (v) => !isNaN(Number(v)) } };
    new Function('RED', '$', script)(RED, () => ({ val: () => undefined }));
    return def;
  }
  const lookup = (key) => key.split('.').reduce((o, k) => (o && typeof o === 'object' ? o[k] : undefined), catalog);

  it('registers dir-watch with literal category, color, inputs, outputs and icon (as node-red-dev reads them)', function () {
    // node-red-dev needs registerType('<literal>', {object literal}) with these keys as literals.
    script.should.match(/RED\.nodes\.registerType\('dir-watch', \{/);
    script.should.match(/category: 'log ingest',/);
    script.should.match(/color: '#DEB887',/);
    script.should.match(/inputs: 0,/);
    script.should.match(/outputs: 2,/);
    script.should.match(/icon: 'log-ingest-dir-watch\.svg',/);
    fs.existsSync(path.join(built, 'icons', 'log-ingest-dir-watch.svg')).should.be.true();
  });

  it('has the agreed defaults, and a form input for each', function () {
    const def = definition();
    const values = Object.fromEntries(Object.entries(def.defaults).map(([k, v]) => [k, v.value]));
    values.should.eql({
      name: '', path: '', pathType: 'str', pattern: '*.log', exclude: '', recursive: false, maxDepth: 8, startAt: 'end', output: 'line',
      encoding: 'utf8', delimiter: '\\n', idleFlush: 1, pollInterval: 1, maxLineBytes: 1048576, longLines: 'cut',
      maxOpenFiles: 4096, ignoreOlder: 0, symlinks: 'skip', pseudoFs: false, warnFiles: 10000, killSwitch: '',
      multiline: 'none', multilineStart: '', multilineMaxLines: 500, multilineTimeout: 5,
    });
    const ids = [...html.matchAll(/id="node-input-([A-Za-z]+)"/g)].map((m) => m[1]).sort();
    ids.should.eql(Object.keys(def.defaults).sort());
    // Defaults pass their own validation; a missing folder does not.
    const node = { _: (k) => k };
    for (const [key, prop] of Object.entries(def.defaults)) {
      if (prop.validate && key !== 'path') prop.validate.call(node, prop.value).should.equal(true, key);
    }
    def.defaults.path.validate.call(node, '', {}).should.equal('dir-watch.validation.path');
    // Folder as an environment variable: a name (or ${VAR} references), read when the flow starts.
    const fromEnv = { ...node, pathType: 'env' };
    def.defaults.path.validate.call(fromEnv, 'LOG_DIR').should.equal(true);
    def.defaults.path.validate.call(fromEnv, '${LOGS}/app').should.equal(true);
    def.defaults.path.validate.call(fromEnv, 'not a name', {}).should.equal('dir-watch.validation.envName');
    def.defaults.pattern.validate.call(node, ' , ', {}).should.equal('dir-watch.validation.pattern');
    // Settings added later: absent in older flows, which stay valid (and run with the defaults).
    for (const key of ['symlinks', 'warnFiles']) def.defaults[key].validate.call(node, undefined).should.equal(true, key);
    def.defaults.symlinks.validate.call(node, 'always', {}).should.equal('dir-watch.validation.option');
    def.defaults.warnFiles.validate.call(node, '-1', {}).should.equal('dir-watch.validation.warnFiles');
  });

  it('labels both outputs, and finds every i18n key it uses in the catalog', function () {
    const def = definition();
    const self = { _: (k) => lookup(k) ?? `MISSING ${k}`, output: 'line' };
    def.outputLabels.call(self, 0).should.equal(catalog['dir-watch'].label.outputLine);
    def.outputLabels.call({ ...self, output: 'lines' }, 0).should.equal(catalog['dir-watch'].label.outputLines);
    def.outputLabels.call(self, 1).should.equal(catalog['dir-watch'].label.outputEvents);
    def.paletteLabel.call(self).should.equal('dir watch');
    const keys = [
      ...[...html.matchAll(/data-i18n="(?:\[[a-z]+\])?([^"]+)"/g)].map((m) => m[1]),
      ...[...script.matchAll(/this\._\('([^']+)'/g)].map((m) => m[1]),
    ].filter((k) => !k.startsWith('node-red:'));
    keys.length.should.be.above(30);
    for (const key of keys) should(lookup(key), key).be.a.String();
  });

  it('has help: the tooltip first, both outputs as node ports, every option with its default', function () {
    help.should.match(/^<script type="text\/html" data-help-name="dir-watch">\s*<p>/);
    help.should.match(/<h3>Inputs<\/h3>[\s\S]*<h3>Outputs<\/h3>[\s\S]*<h3>Details<\/h3>[\s\S]*<h3>References<\/h3>/);
    help.should.match(/<ol class="node-ports">\s*<li>Lines[\s\S]*<li>File events[\s\S]*<\/ol>/);
    for (const label of ['Folder', 'Files', 'Except', 'Search sub-folders too', 'Depth', 'Start at', 'Output', 'Encoding', 'Delimiter', 'Max line', 'Longer lines', 'Idle flush', 'Poll every', 'Open files', 'Ignore older', 'Symlinks', 'Search pseudo file systems', 'Warn at']) {
      help.should.containEql(`<dt>${label}</dt>`);
    }
    help.should.not.match(/<b>|<i>/);
  });
});
