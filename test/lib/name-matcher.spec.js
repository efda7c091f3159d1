'use strict';
// NameMatcher: which paths under a dir-watch's folder its globs take.
const path = require('path');
const should = require('should');
const { NameMatcher } = require('../../dist/lib/name-matcher');

describe('name-matcher', function () {
  const root = path.resolve('/var/log/app');
  const at = (...parts) => path.join(root, ...parts);
  const matcher = (rules) => new NameMatcher(root, { patterns: ['*.log'], exclude: [], recursive: true, maxDepth: 2, ...rules });

  it('matches a glob without "/" against the file name at any depth, one with "/" against the path', function () {
    const m = matcher({ patterns: ['*.log', 'jobs/*.txt'] });
    should(m.matches(at('a.log'))).be.true();
    should(m.matches(at('x', 'y', 'a.log'))).be.true();
    should(m.matches(at('jobs', 'run.txt'))).be.true();
    should(m.matches(at('x', 'run.txt'))).be.false();
  });

  it('leaves out what exclude takes, files deeper than maxDepth, nested files when not recursive, and paths outside root', function () {
    should(matcher({ exclude: ['debug*'] }).matches(at('debug.log'))).be.false();
    should(matcher({ maxDepth: 1 }).matches(at('x', 'y', 'a.log'))).be.false();
    should(matcher({ recursive: false }).matches(at('x', 'a.log'))).be.false();
    should(matcher({}).matches(path.join(root, '..', 'other.log'))).be.false();
    should(matcher({}).matches(root)).be.false();
  });

  it('matches a name listed in a folder as it matches the whole path', function () {
    const m = matcher({ patterns: ['*.log', 'x/*.txt'], exclude: ['skip.*'], maxDepth: 1 });
    const cases = [
      ['', 0, 'a.log'],
      ['', 0, 'skip.log'],
      ['x', 1, 'b.txt'],
      ['x', 1, 'b.log'],
      ['x/y', 2, 'c.log'],
      ['y', 1, 'b.txt'],
    ];
    for (const [relDir, depth, name] of cases) {
      should(m.matchesListed(relDir, depth, name)).equal(m.matches(at(...relDir.split('/').filter(Boolean), name)), `${relDir}/${name}`);
    }
  });
});
