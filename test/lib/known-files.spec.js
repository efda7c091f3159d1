'use strict';
// KnownFiles: one file reached by two paths (one a link) is known once.
const should = require('should');
const { KnownFiles } = require('../../dist/lib/known-files');

const stats = (ino) => ({ dev: 1, ino });

describe('known-files', function () {
  it('with links followed, gives the path a file is known under when a link reaches it again', function () {
    const known = new KnownFiles(true);
    should(known.add('/logs/a.log', stats(7), false)).be.undefined();
    should(known.add('/logs/link.log', stats(7), true)).equal('/logs/a.log');
    should(known.has('/logs/link.log')).be.false();
    should(known.list()).eql(['/logs/a.log']);
  });

  it('knows two paths of one file when neither is a link (a hard link), or when links are not followed', function () {
    const followed = new KnownFiles(true);
    followed.add('/logs/a.log', stats(7), false);
    should(followed.add('/logs/hard.log', stats(7), false)).be.undefined();
    const skipped = new KnownFiles(false);
    skipped.add('/logs/a.log', stats(7), false);
    should(skipped.add('/logs/link.log', stats(7), true)).be.undefined();
    should(skipped.list()).eql(['/logs/a.log', '/logs/link.log']);
  });

  it('forgets a file and its identity: the other path is then known in its place', function () {
    const known = new KnownFiles(true);
    known.add('/logs/a.log', stats(7), false);
    should(known.delete('/logs/a.log')).be.true();
    should(known.delete('/logs/a.log')).be.false();
    should(known.add('/logs/link.log', stats(7), true)).be.undefined();
    should(known.has('/logs/link.log')).be.true();
  });
});
