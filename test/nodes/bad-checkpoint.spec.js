'use strict';
// file-tail and dir-watch given a checkpoint they cannot use: a warning that
// names it (and where it was kept), a start as "Start at" says, and lines.
// Each test first runs the node to write a real checkpoint, then spoils it.
const fs = require('fs');
const path = require('path');
const { helper, nodeModuleRenderingIn, serverPerTest } = require('../support/helper');
const { collector, nextCall } = require('../support/collect');

describe('file-tail and dir-watch with a bad checkpoint', function () {
  this.timeout(30000);
  const server = serverPerTest();
  let checkpoints;

  beforeEach(function () {
    checkpoints = path.join(server.state, 'checkpoints');
  });

  /** Rewrites a checkpoint file with `change(data)` applied. */
  function spoil(file, change) {
    const data = JSON.parse(fs.readFileSync(file, 'utf8'));
    change(data);
    fs.writeFileSync(file, JSON.stringify(data));
  }

  const asideOf = (file) => fs.readdirSync(path.dirname(file)).filter((n) => n.startsWith(`${path.basename(file)}.unreadable-`));

  describe('file-tail', function () {
    let logFile;
    let checkpoint;
    beforeEach(function () {
      logFile = path.join(server.dir, 'app.log');
      checkpoint = path.join(checkpoints, 'tail.json');
    });

    async function tail() {
      await helper.load(await nodeModuleRenderingIn('file-tail', 'en-US'), [
        { id: 'tail', type: 'file-tail', path: logFile, startAt: 'beginning', idleFlush: 0, pollInterval: 0.1, wires: [['out']] },
        { id: 'out', type: 'helper' },
      ]);
      return { node: helper.getNode('tail'), out: collector(helper.getNode('out')) };
    }

    /** Runs the node over two lines, so that it leaves a checkpoint behind. */
    async function leaveCheckpoint() {
      fs.writeFileSync(logFile, 'a\nb\n');
      const { out } = await tail();
      await out.untilLines(2);
      await helper.unload();
      JSON.parse(fs.readFileSync(checkpoint, 'utf8')).files[0].offset.should.equal(4);
    }

    for (const bad of ['abc', -5, 2.5]) {
      it(`an offset of ${JSON.stringify(bad)}: warns with the checkpoint's path, keeps it aside, reads from "Start at" (the beginning)`, async function () {
        await leaveCheckpoint();
        spoil(checkpoint, (data) => (data.files[0].offset = bad));
        const spoiled = fs.readFileSync(checkpoint, 'utf8');
        fs.appendFileSync(logFile, 'c\n');
        const { node, out } = await tail();
        const warning = await nextCall(node, 'warn', (w) => String(w).includes(checkpoint));
        const [kept] = asideOf(checkpoint);
        const problem = `files[0]: "offset" ${JSON.stringify(bad)} is not a whole number of bytes, 0 or more`;
        warning.should.equal(
          `The saved read position ${checkpoint} is unusable (${problem}); it was moved to ${path.join(checkpoints, kept)}, and reading starts as set in "Start at"`,
        );
        fs.readFileSync(path.join(checkpoints, kept), 'utf8').should.equal(spoiled);
        (await out.untilLines(3)).should.eql(['a', 'b', 'c']);
        fs.appendFileSync(logFile, 'd\n');
        (await out.untilLines(4)).should.eql(['a', 'b', 'c', 'd']);
        await nextCall(node, 'status', (s) => s.fill === 'green');
        node.error.getCalls().filter((c) => c.thisValue === node).should.eql([]);
        await helper.unload();
        JSON.parse(fs.readFileSync(checkpoint, 'utf8')).files[0].offset.should.equal(8); // a good one replaces it
      });
    }

    it('a checkpoint that is not JSON: warns, keeps it aside, reads from the beginning', async function () {
      await leaveCheckpoint();
      fs.writeFileSync(checkpoint, '{"version":1,"pa');
      const { node, out } = await tail();
      (await nextCall(node, 'warn', (w) => String(w).includes(checkpoint))).should.match(/is unusable \(not JSON: .*\); it was moved to .*unreadable-/);
      asideOf(checkpoint).should.have.length(1);
      (await out.untilLines(2)).should.eql(['a', 'b']);
    });

    it('a checkpoint that cannot be read is reported as unreadable, not as one that cannot be written', async function () {
      fs.writeFileSync(logFile, 'a\nb\n');
      fs.mkdirSync(checkpoint, { recursive: true }); // a folder in its place: refused as no regular file
      const { node, out } = await tail();
      const warning = await nextCall(node, 'warn', (w) => String(w).includes(checkpoint));
      warning.should.startWith(`Cannot read the saved read position ${checkpoint} (${checkpoint} is not a regular file)`);
      warning.should.endWith('reading starts as set in "Start at"');
      (await out.untilLines(2)).should.eql(['a', 'b']);
      fs.statSync(checkpoint).isDirectory().should.be.true(); // not a corrupt file: left where it is
    });
  });

  describe('dir-watch', function () {
    let root;
    beforeEach(function () {
      root = path.join(server.dir, 'logs');
      fs.mkdirSync(root);
    });

    async function watch() {
      await helper.load(await nodeModuleRenderingIn('dir-watch', 'en-US'), [
        { id: 'watch', type: 'dir-watch', path: root, pattern: '*.log', startAt: 'beginning', idleFlush: 0, pollInterval: 0.1, wires: [['lines'], []] },
        { id: 'lines', type: 'helper' },
      ]);
      return { node: helper.getNode('watch'), lines: collector(helper.getNode('lines')) };
    }

    /** The book of the dir-watch `watch`: every file's positions and the identities seen, in one file. */
    const bookFile = () => path.join(checkpoints, 'watch%7Ebook.json');

    /** Runs the node over a.log (a, b), so that it leaves its book behind; returns the book's sources. */
    async function leaveBook() {
      fs.writeFileSync(path.join(root, 'a.log'), 'a\nb\n');
      const first = await watch();
      await first.lines.untilLines(2);
      await helper.unload();
      fs.readdirSync(checkpoints).filter((n) => n.startsWith('watch')).should.eql(['watch%7Ebook.json']);
      const { sources } = JSON.parse(fs.readFileSync(bookFile(), 'utf8'));
      Object.keys(sources).should.have.length(2); // the file's positions, and the identities seen
      return sources;
    }

    /**
     * Turns the book into the files earlier versions kept, one per key, named
     * by `nameOf(key)`; returns the names of the file's and of `seen`'s.
     */
    function asEarlierVersions(sources, nameOf) {
      const names = {};
      for (const [key, content] of Object.entries(sources)) {
        const name = nameOf(key);
        fs.writeFileSync(path.join(checkpoints, name), JSON.stringify({ version: 1, updated: new Date().toISOString(), ...content }));
        names[key.endsWith('~seen') ? 'seen' : 'file'] = path.join(checkpoints, name);
      }
      fs.rmSync(bookFile());
      return names;
    }

    it('a book with an offset of "abc": warns with its path, keeps it aside, reads the file from the beginning', async function () {
      const log = path.join(root, 'a.log');
      await leaveBook();
      spoil(bookFile(), (data) => (Object.values(data.sources).find((s) => s.files[0].offset > 0).files[0].offset = 'abc'));
      fs.appendFileSync(log, 'c\n');
      const { node, lines } = await watch();
      (await nextCall(node, 'warn', (w) => String(w).includes(bookFile()))).should.match(
        /is unusable \(sources\[".*"\]: files\[0\]: "offset" "abc" is not a whole number of bytes, 0 or more\); it was moved to /,
      );
      asideOf(bookFile()).should.have.length(1);
      (await lines.untilLines(3)).should.eql(['a', 'b', 'c']);
      fs.appendFileSync(log, 'd\n');
      (await lines.untilLines(4)).should.eql(['a', 'b', 'c', 'd']);
      node.error.getCalls().filter((c) => c.thisValue === node).should.eql([]);
    });

    it('an earlier version\'s per-file checkpoint with an offset of "abc" and identities file that is not JSON: warns with each path, keeps them aside, reads the file from the beginning', async function () {
      const log = path.join(root, 'a.log');
      const { stateFileName } = require('../../dist/lib/state-file');
      const names = asEarlierVersions(await leaveBook(), stateFileName);
      spoil(names.file, (data) => (data.files[0].offset = 'abc'));
      fs.writeFileSync(names.seen, 'not json');
      fs.appendFileSync(log, 'c\n');

      const { node, lines } = await watch();
      (await nextCall(node, 'warn', (w) => String(w).includes(names.file))).should.match(/is unusable \(files\[0\]: "offset" "abc" is not a whole number of bytes, 0 or more\); it was moved to /);
      (await nextCall(node, 'warn', (w) => String(w).includes(names.seen))).should.match(/is unusable \(not JSON: .*\); it was moved to /);
      asideOf(names.file).should.have.length(1);
      asideOf(names.seen).should.have.length(1);
      (await lines.untilLines(3)).should.eql(['a', 'b', 'c']);
      fs.appendFileSync(log, 'd\n');
      (await lines.untilLines(4)).should.eql(['a', 'b', 'c', 'd']);
      node.error.getCalls().filter((c) => c.thisValue === node).should.eql([]);
    });

    // 0.1.0 wrote "_" for every unsafe character of the key (the "~" in watch~<hash>); 0.2.0 escaped it. Both kept a file per key.
    for (const [version, nameOf] of [
      ['0.1.0', (key) => `${key.replace(/[^A-Za-z0-9_.-]/g, '_')}.json`],
      ['0.2.0', (key) => require('../../dist/lib/state-file').stateFileName(key)],
    ]) {
      it(`upgrades: the per-file checkpoints ${version} wrote are still used, then taken into the book and removed`, async function () {
        const log = path.join(root, 'a.log');
        const sources = await leaveBook();
        const names = asEarlierVersions(sources, nameOf);
        fs.appendFileSync(log, 'c\n');
        const { lines } = await watch();
        (await lines.untilLines(1)).should.eql(['c']); // resumed after b
        await helper.unload();
        fs.existsSync(names.file).should.be.false();
        fs.existsSync(names.seen).should.be.false();
        const book = JSON.parse(fs.readFileSync(bookFile(), 'utf8'));
        Object.keys(book.sources).sort().should.eql(Object.keys(sources).sort());
        fs.appendFileSync(log, 'd\n');
        const again = await watch();
        (await again.lines.untilLines(1)).should.eql(['d']); // and resumed from the book
      });
    }
  });
});
