'use strict';
require('should');
const { admitted } = require('../../dist/lib/follow-context');

describe('follow-context: admitted', function () {
  /** A stand-in for an open file: counts its closes. */
  const handle = () => ({ closes: 0, close() {
    this.closes++;
    return Promise.resolve();
  } });

  it('admits every file without an allow-list, and leaves it open', async function () {
    const h = handle();
    (await admitted({}, '/a', h)).should.be.true();
    h.closes.should.equal(0);
  });

  it('closes a file the allow-list refuses or cannot judge', async function () {
    const refused = handle();
    (await admitted({ admit: async () => false }, '/a', refused)).should.be.false();
    refused.closes.should.equal(1);
    const unjudged = handle();
    (await admitted({ admit: async () => { throw new Error('cannot tell'); } }, '/a', unjudged)).should.be.false();
    unjudged.closes.should.equal(1);
    const allowed = handle();
    (await admitted({ admit: async (file) => file === '/a' }, '/a', allowed)).should.be.true();
    allowed.closes.should.equal(0);
  });
});
