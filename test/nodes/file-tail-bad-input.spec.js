'use strict';
const fs = require('fs');
const os = require('os');
const path = require('path');
const should = require('should');
const { helper, nodeModule, nodeModuleRenderingIn, serverPerTest } = require('../support/helper');
const { collector, nextCall } = require('../support/collect');
const { runUnprivileged } = require('../support/unprivileged');

const fileTail = nodeModule('file-tail');

describe('file-tail node with bad input', function () {
  let dir;
  let logFile;

  const server = serverPerTest();

  beforeEach(function () {
    dir = server.dir;
    logFile = path.join(dir, 'app.log');
  });

  async function tail(config, mod = fileTail) {
    await helper.load(mod, [
      { id: 'tail', type: 'file-tail', path: logFile, startAt: 'beginning', idleFlush: 0, pollInterval: 0.1, ...config, wires: [['out']] },
      { id: 'out', type: 'helper' },
    ]);
    return { node: helper.getNode('tail'), out: collector(helper.getNode('out')) };
  }

  it('reports permission denied with the path, on the node and in its status', function () {
    fs.writeFileSync(logFile, 'secret\n');
    fs.chmodSync(logFile, 0o000);
    fs.chmodSync(dir, 0o755);
    const stateDir = fs.mkdtempSync(path.join(os.tmpdir(), 'log-ingest-state-'));
    fs.chmodSync(stateDir, 0o777);
    try {
      // Under root, the child reads the file as nobody.
      const output = runUnprivileged(path.join(__dirname, '..', 'support', 'denied-file-child.js'), [logFile, stateDir], {
        env: { ...process.env, HOME: stateDir },
        cwd: path.join(__dirname, '..', '..'),
        timeout: 20000,
      });
      const report = JSON.parse(output.toString());
      report.error.should.containEql('file-tail.errors.denied');
      report.statuses.should.containDeep([{ fill: 'red', shape: 'ring', text: 'file-tail.status.denied' }]);
    } finally {
      fs.rmSync(stateDir, { recursive: true, force: true });
    }
  });

  it('turns invalid UTF-8 into replacement characters and goes on', async function () {
    fs.writeFileSync(logFile, Buffer.concat([Buffer.from('bad \xff\xfe bytes', 'latin1'), Buffer.from('\nnext line\n')]));
    const { out } = await tail({});
    (await out.untilLines(2)).should.eql(['bad \ufffd\ufffd bytes', 'next line']);
  });

  it('reads a binary file without crashing, as lines of replaced characters', async function () {
    const bytes = Buffer.alloc(64 * 1024);
    for (let i = 0; i < bytes.length; i++) bytes[i] = (i * 7919) & 0xff;
    fs.writeFileSync(logFile, Buffer.concat([bytes, Buffer.from('\nafter binary\n')]));
    const { node, out } = await tail({ output: 'lines' });
    const lines = await out.until((m) => m.some((msg) => msg.payload.includes('after binary')));
    lines.length.should.be.above(0);
    node.error.getCalls().filter((c) => c.thisValue === node).should.have.length(0);
  });

  it('cuts a 50 MB line to maxLineBytes without holding it whole, and warns', async function () {
    this.timeout(60000);
    const fd = fs.openSync(logFile, 'w');
    fs.writeSync(fd, 'before\n');
    const block = Buffer.alloc(1024 * 1024, 'x');
    for (let i = 0; i < 50; i++) fs.writeSync(fd, block);
    fs.writeSync(fd, '\nafter\n');
    fs.closeSync(fd);
    const { node, out } = await tail({ output: 'lines', maxLineBytes: 1024 * 1024, longLines: 'cut' });
    const lines = await out.untilLines(3);
    lines[0].should.equal('before');
    lines[1].length.should.equal(1024 * 1024);
    lines[2].should.equal('after');
    const warning = await nextCall(node, 'warn', (w) => String(w).includes('file-tail.warnings.longLineCut'));
    should.exist(warning);
  });

  it('skips a long line with longLines "skip"', async function () {
    fs.writeFileSync(logFile, `short\n${'y'.repeat(5000)}\nlast\n`);
    const { node, out } = await tail({ maxLineBytes: 1000, longLines: 'skip' });
    (await out.untilLines(2)).should.eql(['short', 'last']);
    const warning = await nextCall(node, 'warn', (w) => String(w).includes('file-tail.warnings.longLineSkipped'));
    should.exist(warning);
  });

  for (const [lng, cut, skipped] of [
    ['en-US', 'a line longer than 1000 bytes at offset 6 was cut to 1000 bytes', 'a line longer than 1000 bytes at offset 6 was skipped'],
    ['de', 'eine Zeile bei Offset 6, länger als 1000 Bytes, wurde auf 1000 Bytes gekürzt', 'eine Zeile bei Offset 6, länger als 1000 Bytes, wurde übersprungen'],
  ]) {
    for (const [longLines, want] of [['cut', cut], ['skip', skipped]]) {
      it(`warns "${want}" with longLines "${longLines}", rendered by Node-RED's i18next (${lng})`, async function () {
        fs.writeFileSync(logFile, `short\n${'y'.repeat(5000)}\nlast\n`);
        const { node, out } = await tail({ maxLineBytes: 1000, longLines }, await nodeModuleRenderingIn('file-tail', lng));
        await out.untilLines(longLines === 'cut' ? 3 : 2);
        (await nextCall(node, 'warn', () => true)).should.equal(`${logFile}: ${want}`);
      });
    }
  }

  it('skips NUL-filled regions instead of emitting them as lines', async function () {
    fs.writeFileSync(logFile, Buffer.concat([Buffer.from('one\n'), Buffer.alloc(4 * 1024 * 1024), Buffer.from('two\n')]));
    const { node, out } = await tail({ output: 'lines' });
    (await out.untilLines(2)).should.eql(['one', 'two']);
    await nextCall(node, 'warn', (w) => String(w).includes('file-tail.warnings.nulSkipped'));
  });

  it('notices a file replaced by an atomic rename and reads the new one from its start', async function () {
    fs.writeFileSync(logFile, 'old content\n');
    const { out } = await tail({});
    await out.untilLines(1);
    const next = path.join(dir, 'app.log.tmp');
    fs.writeFileSync(next, 'new content\n');
    fs.renameSync(next, logFile);
    (await out.untilLines(2)).should.eql(['old content', 'new content']);
  });

  it('waits when the folder itself is missing, and follows the file once both appear', async function () {
    const nested = path.join(dir, 'later', 'app.log');
    const { node, out } = await tail({ path: nested });
    await nextCall(node, 'status', (s) => s.text === 'file-tail.status.waiting');
    fs.mkdirSync(path.dirname(nested));
    fs.writeFileSync(nested, 'hello\n');
    (await out.untilLines(1)).should.eql(['hello']);
  });

  it('reads Latin-1 and UTF-16 LE files', async function () {
    fs.writeFileSync(logFile, Buffer.from('caf\xe9\nna\xefve\n', 'latin1'));
    const latin = await tail({ encoding: 'latin1' });
    (await latin.out.untilLines(2)).should.eql(['café', 'naïve']);
    await helper.unload();
    const wide = path.join(dir, 'wide.log');
    fs.writeFileSync(wide, Buffer.from('première\r\nligne ünï\r\n', 'utf16le'));
    const utf16 = await tail({ path: wide, encoding: 'utf16le' });
    (await utf16.out.untilLines(2)).should.eql(['première', 'ligne ünï']);
  });
});
