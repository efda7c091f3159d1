'use strict';
// The allow-list's decision (logIngest.allowedPaths): by name, with `..`
// normalised away and folders matched on segment boundaries, then by the
// real path of the file (symlinks), on the open file where there is one.
const should = require('should');
const fc = require('fast-check');
const fs = require('fs');
const fsp = require('fs/promises');
const os = require('os');
const path = require('path');
const { PathPolicy, readAllowedPaths, isWithin } = require('../../dist/lib/path-policy');

const limited = (entries, base = '/') => new PathPolicy({ kind: 'limited', entries }, base);

/** `..` and `.` taken out segment by segment (not by path.resolve, which the policy uses). */
function normalise(segments) {
  const out = [];
  for (const s of segments) {
    if (s === '' || s === '.') continue;
    if (s === '..') out.pop();
    else out.push(s);
  }
  return out;
}

describe('path-policy', function () {
  describe('reading the setting', function () {
    it('takes undefined and null as "not set": no limit', function () {
      readAllowedPaths(undefined).should.eql({ kind: 'unlimited' });
      readAllowedPaths(null).should.eql({ kind: 'unlimited' });
      new PathPolicy(readAllowedPaths(undefined), '/').allows('/etc/passwd').should.be.true();
    });

    it('takes a list of paths (trimmed); an empty list allows nothing', function () {
      readAllowedPaths([' /var/log ', '/srv/*/logs']).should.eql({ kind: 'limited', entries: ['/var/log', '/srv/*/logs'] });
      new PathPolicy(readAllowedPaths([]), '/').allows('/var/log/a.log').should.be.false();
    });

    for (const [what, value] of [
      ['a string', '/var/log'],
      ['an object', { '/var/log': true }],
      ['a number', 1],
      ['a list with a number', ['/var/log', 1]],
      ['a list with an empty string', ['/var/log', ' ']],
      ['a negated glob', ['/var/**', '!/var/log/secret']],
    ]) {
      it(`takes ${what} as invalid, which allows nothing`, function () {
        const setting = readAllowedPaths(value);
        setting.kind.should.equal('invalid');
        setting.problem.should.be.a.String();
        const policy = new PathPolicy(setting, '/');
        policy.limited.should.be.true();
        policy.allows('/var/log/a.log').should.be.false();
      });
    }
  });

  describe('by name', function () {
    it('holds a folder and what is below it, on segment boundaries only', function () {
      const policy = limited(['/var/log']);
      policy.allows('/var/log').should.be.true();
      policy.allows('/var/log/app.log').should.be.true();
      policy.allows('/var/log/nginx/access.log').should.be.true();
      policy.allows('/var/logs2/app.log').should.be.false();
      policy.allows('/var/log2').should.be.false();
      policy.allows('/var').should.be.false();
      policy.allows('/etc/passwd').should.be.false();
    });

    it('normalises `..` and `.` before judging', function () {
      const policy = limited(['/var/log']);
      policy.allows('/var/log/../../etc/passwd').should.be.false();
      policy.allows('/var/log/./a/../b.log').should.be.true();
      policy.allows('/srv/../var/log/x.log').should.be.true();
    });

    it('resolves relative paths and entries against its base', function () {
      const policy = limited(['logs'], '/srv/app');
      policy.entries.should.eql(['/srv/app/logs']);
      policy.allows('logs/a.log').should.be.true();
      policy.allows('/srv/app/logs/a.log').should.be.true();
      policy.allows('../other/logs/a.log').should.be.false();
    });

    it('holds what a glob matches, and what lies under a folder it matches', function () {
      const policy = limited(['/srv/*/logs', '/data/*.log']);
      policy.allows('/srv/app/logs').should.be.true();
      policy.allows('/srv/app/logs/x.log').should.be.true();
      policy.allows('/srv/app/other/x.log').should.be.false();
      policy.allows('/srv/logs/x.log').should.be.false();
      policy.allows('/data/a.log').should.be.true();
      policy.allows('/data/a.txt').should.be.false();
      policy.allows('/data/.hidden.log').should.be.true();
    });

    it('property: no path with `..` in it gets out of the allowed folder', function () {
      const segment = fc.constantFrom('..', '.', '', 'a', 'log', 'logs2', 'allowed');
      fc.assert(
        fc.property(fc.array(segment, { maxLength: 10 }), (rest) => {
          const policy = limited(['/allowed/log']);
          const candidate = '/allowed/log/' + rest.join('/');
          const inside = normalise(['allowed', 'log', ...rest]);
          const expected = inside.length >= 2 && inside[0] === 'allowed' && inside[1] === 'log';
          return policy.allows(candidate) === expected;
        }),
      );
    });

    it('property: a folder holds exactly the paths below it on a segment boundary', function () {
      const name = fc.stringMatching(/^[a-z0-9._-]{1,6}$/).filter((s) => s !== '.' && s !== '..');
      fc.assert(
        fc.property(fc.array(name, { minLength: 1, maxLength: 4 }), fc.array(name, { maxLength: 3 }), name, (folder, below, extra) => {
          const root = '/' + folder.join('/');
          // Below it: held. The same name run on (/var/log → /var/logX...): not held.
          isWithin(path.join(root, ...below), [root]).should.be.true();
          isWithin(root + extra, [root]).should.be.false();
          isWithin(path.join(root + extra, ...below), [root]).should.be.false();
          // Above it: not held.
          if (folder.length > 1) isWithin(path.dirname(root), [root]).should.be.false();
        }),
      );
    });
  });

  describe('by real path', function () {
    let dir;
    let allowed;
    let outside;
    const handles = [];

    beforeEach(function () {
      dir = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), 'log-ingest-policy-')));
      allowed = path.join(dir, 'allowed');
      outside = path.join(dir, 'outside');
      fs.mkdirSync(allowed);
      fs.mkdirSync(outside);
      fs.writeFileSync(path.join(allowed, 'ok.log'), 'ok\n');
      fs.writeFileSync(path.join(outside, 'secret.log'), 'secret\n');
    });
    afterEach(async function () {
      for (const h of handles.splice(0)) await h.close().catch(() => {});
      fs.rmSync(dir, { recursive: true, force: true });
    });

    async function open(file) {
      const handle = await fsp.open(file, 'r');
      handles.push(handle);
      return handle;
    }

    it('admits a file inside, by path and by its open handle', async function () {
      const policy = limited([allowed]);
      const file = path.join(allowed, 'ok.log');
      (await policy.admits(file)).should.be.true();
      (await policy.admits(file, await open(file))).should.be.true();
    });

    it('refuses a symlink inside that leads outside, by path and by its open handle', async function () {
      const link = path.join(allowed, 'passwd.log');
      fs.symlinkSync(path.join(outside, 'secret.log'), link);
      const policy = limited([allowed]);
      policy.allows(link).should.be.true(); // by name it is inside
      (await policy.admits(link)).should.be.false();
      (await policy.admits(link, await open(link))).should.be.false();
    });

    it('refuses a path through a symlinked folder inside that leads outside, and `..` through a symlink', async function () {
      fs.symlinkSync(outside, path.join(allowed, 'sub'));
      const policy = limited([allowed]);
      (await policy.admits(path.join(allowed, 'sub', 'secret.log'))).should.be.false();
      // By name this is allowed/secret.log; the kernel resolves sub/.. to the parent of outside.
      fs.writeFileSync(path.join(dir, 'secret.log'), 'x\n');
      (await policy.admits(`${allowed}/sub/../secret.log`)).should.be.false();
    });

    it('refuses a symlink outside that leads inside (the path as given is outside)', async function () {
      const link = path.join(outside, 'ok.log');
      fs.symlinkSync(path.join(allowed, 'ok.log'), link);
      (await limited([allowed]).admits(link)).should.be.false();
    });

    it('admits files under an allowed folder that is itself a symlink', async function () {
      const linked = path.join(dir, 'linked');
      fs.symlinkSync(allowed, linked);
      const policy = limited([linked]);
      const file = path.join(linked, 'ok.log');
      (await policy.admits(file)).should.be.true();
      (await policy.admits(file, await open(file))).should.be.true();
    });

    it('judges the file that was opened, not what the name leads to later', async function () {
      const policy = limited([allowed]);
      const name = path.join(allowed, 'swap.log');
      // Opened through a symlink to a file outside, then the name is made a regular file.
      fs.symlinkSync(path.join(outside, 'secret.log'), name);
      const handle = await open(name);
      fs.rmSync(name);
      fs.writeFileSync(name, 'harmless\n');
      (await policy.admits(name, handle)).should.be.false();
      // And the other way round: a file inside opened, then a link to outside put in its place.
      const inside = path.join(allowed, 'ok.log');
      const handle2 = await open(inside);
      fs.rmSync(inside);
      fs.symlinkSync(path.join(outside, 'secret.log'), inside);
      (await policy.admits(inside, handle2)).should.be.true();
    });

    it('judges a path that does not exist by its name', async function () {
      const policy = limited([allowed]);
      (await policy.admits(path.join(allowed, 'later.log'))).should.be.true();
      (await policy.admits(path.join(outside, 'later.log'))).should.be.false();
    });

    it('admits everything when not set, and nothing when the setting is invalid', async function () {
      const link = path.join(allowed, 'passwd.log');
      fs.symlinkSync(path.join(outside, 'secret.log'), link);
      (await new PathPolicy({ kind: 'unlimited' }, '/').admits(link)).should.be.true();
      (await new PathPolicy(readAllowedPaths('oops'), '/').admits(path.join(allowed, 'ok.log'))).should.be.false();
    });
  });
});
