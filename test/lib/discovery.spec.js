'use strict';
// Discovery on its own (dist/lib/discovery): which paths it announces, by the
// symlink rule, past pseudo file systems and undecodable names. No sleeps:
// "never announced" is checked after a marker file, written last, has been.
const fs = require('fs');
const path = require('path');
const should = require('should');
const { tempDir } = require('../support/collect');
const { Discovery, escapeName } = require('../../dist/lib/discovery');
const { PSEUDO_FILE_SYSTEMS, LOCAL_FILE_SYSTEMS, pseudoFileSystem } = require('../../dist/lib/file-system-types');

/** A Discovery with a sink that records everything, and `until(pred)` that waits for it. */
function discover(options) {
  const seen = { added: [], changed: [], removed: [], modes: [], errors: [], skipped: [] };
  let waiters = [];
  const note = (what, value) => {
    seen[what].push(value);
    waiters = waiters.filter((w) => (w.pred(seen) ? (w.resolve(), false) : true));
  };
  const discovery = new Discovery(
    { patterns: ['*.log'], exclude: [], recursive: false, maxDepth: 8, ignoreOlderMs: 0, rescanMs: 0, ...options },
    {
      added: (file) => note('added', file),
      changed: (file) => note('changed', file),
      removed: (file) => note('removed', file),
      mode: (mode) => note('modes', mode),
      error: (err, where) => note('errors', `${err.code} ${where}`),
      skipped: (where, reason, detail) => note('skipped', { where, reason, ...detail }),
    },
  );
  const until = (pred) => (pred(seen) ? Promise.resolve() : new Promise((resolve) => waiters.push({ pred, resolve })));
  return { discovery, seen, until };
}

/** Waits until the watcher is up and its first scan is done (the 'ready' rescan has added what is there). */
async function started(d, marker) {
  d.discovery.start();
  await d.until((s) => s.modes.length > 0);
  if (marker) {
    fs.writeFileSync(marker, 'marker\n');
    await d.until((s) => s.added.includes(marker));
  }
}

describe('discovery', function () {
  this.timeout(30000);
  let dir;
  let root;
  let outside;
  let running;

  beforeEach(function () {
    dir = fs.realpathSync(tempDir());
    root = path.join(dir, 'logs');
    outside = path.join(dir, 'outside');
    fs.mkdirSync(root);
    fs.mkdirSync(outside);
    fs.writeFileSync(path.join(outside, 'secret.log'), 'secret\n');
  });

  afterEach(async function () {
    await running?.discovery.stop();
    running = undefined;
    fs.rmSync(dir, { recursive: true, force: true });
  });

  const at = (...parts) => path.join(root, ...parts);

  describe('watches', function () {
    /** A watchFolder that records the folders it is asked to watch. */
    function recordingWatch(watched) {
      return (folder, listener) => {
        watched.push(folder);
        return fs.watch(folder, { persistent: false }, listener);
      };
    }

    it('watches each folder of the tree once and no file, and still hears a file written', async function () {
      for (const sub of ['a', 'b']) {
        fs.mkdirSync(at(sub));
        for (let i = 0; i < 20; i++) fs.writeFileSync(at(sub, `f${i}.log`), `${i}\n`);
      }
      const watched = [];
      running = discover({ root, recursive: true, watchFolder: recordingWatch(watched) });
      await started(running, at('marker.log'));
      running.seen.added.should.have.length(41);
      watched.sort().should.eql([root, at('a'), at('b')]);
      fs.appendFileSync(at('b', 'f7.log'), 'more\n');
      await running.until((s) => s.changed.includes(at('b', 'f7.log')));
      watched.should.have.length(3);
    });

    it('watches a sub-folder made later and finds its files; a sub-folder removed takes its files with it', async function () {
      const watched = [];
      running = discover({ root, recursive: true, watchFolder: recordingWatch(watched) });
      await started(running, at('marker.log'));
      fs.mkdirSync(at('new'));
      fs.writeFileSync(at('new', 'one.log'), '1\n');
      await running.until((s) => s.added.includes(at('new', 'one.log')));
      watched.should.containEql(at('new'));
      // A file made after the folder was watched comes by its event.
      fs.writeFileSync(at('new', 'two.log'), '2\n');
      await running.until((s) => s.added.includes(at('new', 'two.log')));
      fs.rmSync(at('new'), { recursive: true });
      await running.until((s) => s.removed.includes(at('new', 'one.log')) && s.removed.includes(at('new', 'two.log')));
      running.seen.removed.should.have.length(2);
    });

    it('reports a followed file removed, and the same name created again as new', async function () {
      fs.writeFileSync(at('app.log'), 'a\n');
      running = discover({ root });
      await started(running, at('marker.log'));
      fs.rmSync(at('app.log'));
      await running.until((s) => s.removed.includes(at('app.log')));
      fs.writeFileSync(at('app.log'), 'b\n');
      await running.until((s) => s.added.filter((f) => f === at('app.log')).length === 2);
    });
  });

  describe('symlinks: skip (the default)', function () {
    it('does not follow a file link to a target outside the folder, and says so once', async function () {
      fs.symlinkSync('/etc/passwd', at('passwd.log'));
      fs.symlinkSync(path.join(outside, 'secret.log'), at('secret.log'));
      fs.writeFileSync(at('app.log'), 'a\n');
      running = discover({ root });
      await started(running, at('zz-marker.log'));
      running.seen.added.should.eql([at('app.log'), at('zz-marker.log')]);
      running.seen.skipped.map((s) => [s.where, s.reason]).sort().should.eql([
        [at('passwd.log'), 'symlink'],
        [at('secret.log'), 'symlink'],
      ]);
      // A link made while watching: not announced either.
      fs.symlinkSync('/etc/hostname', at('late.log'));
      fs.writeFileSync(at('zz-marker2.log'), 'marker\n');
      await running.until((s) => s.added.includes(at('zz-marker2.log')));
      running.seen.added.should.not.containEql(at('late.log'));
    });

    it('does not follow a linked sub-folder, not even once its files change', async function () {
      fs.symlinkSync(outside, at('linked'));
      fs.mkdirSync(at('real'));
      running = discover({ root, recursive: true });
      await started(running, at('real', 'marker.log'));
      fs.appendFileSync(path.join(outside, 'secret.log'), 'more\n');
      fs.writeFileSync(path.join(outside, 'new.log'), 'new\n');
      // Markers written after the changes: events come in order, per watcher.
      fs.writeFileSync(at('real', 'marker2.log'), 'marker\n');
      await running.until((s) => s.added.includes(at('real', 'marker2.log')));
      running.seen.added.should.eql([at('real', 'marker.log'), at('real', 'marker2.log')]);
      running.seen.changed.should.eql([]);
      running.seen.skipped.should.eql([{ where: at('linked'), reason: 'symlink' }]);
    });

    it('follows a folder to watch that is itself a link, under the path given', async function () {
      const link = path.join(dir, 'current');
      fs.symlinkSync(root, link);
      fs.writeFileSync(at('app.log'), 'a\n');
      running = discover({ root: link });
      await started(running, path.join(link, 'marker.log'));
      running.seen.added.should.eql([path.join(link, 'app.log'), path.join(link, 'marker.log')]);
      fs.appendFileSync(at('app.log'), 'b\n');
      await running.until((s) => s.changed.includes(path.join(link, 'app.log')));
    });
  });

  describe('symlinks: inside', function () {
    it('follows a link whose target is inside the folder once: a file reached by two paths is announced once', async function () {
      fs.mkdirSync(at('releases', '1'), { recursive: true });
      fs.writeFileSync(at('releases', '1', 'app.log'), 'a\n');
      fs.symlinkSync(at('releases', '1'), at('current')); // a linked folder
      fs.symlinkSync(at('releases', '1', 'app.log'), at('app.log')); // a linked file
      fs.symlinkSync(path.join(outside, 'secret.log'), at('secret.log'));
      fs.symlinkSync(outside, at('elsewhere'));
      fs.symlinkSync(root, at('loop'));
      running = discover({ root, recursive: true, symlinks: 'inside' });
      await started(running, at('marker.log'));
      running.seen.added.should.eql([at('releases', '1', 'app.log'), at('marker.log')]);
      running.seen.skipped.map((s) => [s.where, s.reason]).sort().should.eql([
        [at('elsewhere'), 'outside'],
        [at('secret.log'), 'outside'],
      ]);
      // A change reaches the one path announced.
      fs.appendFileSync(at('releases', '1', 'app.log'), 'b\n');
      await running.until((s) => s.changed.includes(at('releases', '1', 'app.log')));
      running.seen.added.should.have.length(2);
    });

    it('follows a link to a file inside the folder that the patterns match only by the link name', async function () {
      fs.mkdirSync(at('data'));
      fs.writeFileSync(at('data', 'app.out'), 'a\n');
      fs.symlinkSync(at('data', 'app.out'), at('app.log'));
      running = discover({ root, recursive: true, symlinks: 'inside' });
      await started(running, at('marker.log'));
      running.seen.added.should.eql([at('app.log'), at('marker.log')]);
    });
  });

  describe('pseudo file systems', function () {
    it('knows the pseudo file systems by their statfs magic number, apart from local ones', function () {
      pseudoFileSystem(0x9fa0).should.equal('proc');
      pseudoFileSystem(0x62656572).should.equal('sysfs');
      pseudoFileSystem(0x63677270).should.equal('cgroup2');
      should(pseudoFileSystem(0xef53)).be.undefined();
      should(pseudoFileSystem(undefined)).be.undefined();
      for (const type of PSEUDO_FILE_SYSTEMS.keys()) LOCAL_FILE_SYSTEMS.has(type).should.be.false();
    });

    it('refuses a folder on a pseudo file system (as the injected statfs says), and follows it when allowed', async function () {
      fs.writeFileSync(at('app.log'), 'a\n');
      const asked = [];
      const proc = async (p) => (asked.push(p), 0x9fa0);
      running = discover({ root, fileSystemType: proc });
      running.discovery.start();
      await running.until((s) => s.modes.length > 0);
      running.seen.modes.should.eql(['refused']);
      running.seen.added.should.eql([]);
      running.seen.skipped.should.eql([{ where: root, reason: 'pseudoFs', fileSystem: 'proc' }]);
      asked.should.eql([root]);
      await running.discovery.stop();

      running = discover({ root, fileSystemType: proc, pseudoFs: true });
      await started(running);
      running.seen.modes.should.eql(['events']);
      running.seen.added.should.eql([at('app.log')]);
    });

    it('refuses /sys/kernel, and does not enter /proc and /sys when walking /', async function () {
      if (process.platform !== 'linux' || !fs.existsSync('/proc/self') || !fs.existsSync('/sys/kernel')) this.skip();
      running = discover({ root: '/sys/kernel', patterns: ['*'] });
      running.discovery.start();
      await running.until((s) => s.modes.length > 0);
      running.seen.modes.should.eql(['refused']);
      running.seen.added.should.eql([]);
      await running.discovery.stop();

      // Files directly in /proc and /sys (depth 1), of all the tree two levels deep.
      running = discover({ root: '/', patterns: ['proc/*', 'sys/*', 'proc/self/*'], recursive: true, maxDepth: 1 });
      await started(running);
      running.seen.added.should.eql([]);
      const skipped = running.seen.skipped.filter((s) => s.reason === 'pseudoFs').map((s) => [s.where, s.fileSystem]);
      skipped.should.containEql(['/proc', 'proc']);
      skipped.should.containEql(['/sys', 'sysfs']);
    });
  });

  describe('names that are not valid UTF-8', function () {
    it('reports each once, with its bytes escaped, whether present at start or created later', async function () {
      const name = (text) => Buffer.concat([Buffer.from(root + '/'), Buffer.from(text, 'latin1')]);
      fs.writeFileSync(name('caf\xe9.log'), 'x\n'); // Latin-1 é: not UTF-8
      fs.writeFileSync(name('skip\xff.txt'), 'x\n'); // not matched by *.log: not reported
      fs.writeFileSync(at('ok\u00e9.log'), 'x\n'); // UTF-8 é: followed
      running = discover({ root, rescanMs: 0 });
      await started(running, at('marker.log'));
      running.seen.added.should.eql([at('ok\u00e9.log'), at('marker.log')]);
      running.seen.skipped.should.eql([{ where: at('caf\\xe9.log'), reason: 'name', folder: root, name: 'caf\\xe9.log' }]);
      fs.writeFileSync(name('late\xff\xfe.log'), 'x\n');
      await running.until((s) => s.skipped.length === 2);
      running.seen.skipped[1].should.eql({ where: at('late\\xff\\xfe.log'), reason: 'name', folder: root, name: 'late\\xff\\xfe.log' });
    });

    it('escapes bytes that are not UTF-8, control characters and backslashes, and keeps the rest', function () {
      escapeName(Buffer.from('plain.log')).should.equal('plain.log');
      escapeName(Buffer.from('caf\u00e9 \u65e5\u672c \ud83d\ude00.log')).should.equal('caf\u00e9 \u65e5\u672c \ud83d\ude00.log');
      escapeName(Buffer.from([0x61, 0xff, 0x62, 0xc3, 0x28, 0x0a, 0x5c])).should.equal('a\\xffb\\xc3(\\x0a\\\\');
      escapeName(Buffer.from([0xe2, 0x82])).should.equal('\\xe2\\x82'); // cut short
      escapeName(Buffer.from([0xed, 0xa0, 0x80])).should.equal('\\xed\\xa0\\x80'); // a surrogate's encoding
    });
  });
});
