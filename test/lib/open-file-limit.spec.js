'use strict';
const should = require('should');
const { openFileLimit, maxOpenFilesWithin } = require('../../dist/lib/open-file-limit');

const LIMITS = (soft, hard = soft) => `Limit                     Soft Limit           Hard Limit           Units
Max cpu time              unlimited            unlimited            seconds
Max open files            ${soft}                ${hard}                files
Max locked memory         8388608              8388608              bytes
`;

describe('open-file-limit', function () {
  it('reads the soft limit on open files from /proc/self/limits', function () {
    openFileLimit(() => LIMITS(1024, 524288)).should.equal(1024);
  });

  it('is undefined when unlimited, missing or unreadable', function () {
    should(openFileLimit(() => LIMITS('unlimited'))).be.undefined();
    should(openFileLimit(() => 'Max cpu time unlimited unlimited seconds\n')).be.undefined();
    should(
      openFileLimit(() => {
        throw Object.assign(new Error('ENOENT'), { code: 'ENOENT' });
      }),
    ).be.undefined();
  });

  it("reads this process's limit on Linux", function () {
    if (process.platform !== 'linux') this.skip();
    openFileLimit().should.be.a.Number().and.above(0);
  });

  it('keeps what is asked within half the limit, and at least 1', function () {
    maxOpenFilesWithin(4096, 20000).should.equal(4096);
    maxOpenFilesWithin(4096, 1024).should.equal(512);
    maxOpenFilesWithin(4096, undefined).should.equal(4096);
    maxOpenFilesWithin(10, 1).should.equal(1);
  });
});
