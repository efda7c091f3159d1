'use strict';
// HeadCheck: does an open file still hold what was read of it.
const fs = require('fs');
const path = require('path');
const should = require('should');
const { tempDir } = require('../support/collect');
const { identify, HEAD_BYTES } = require('../../dist/lib/file-identity');
const { HeadCheck } = require('../../dist/lib/head-check');

describe('head-check', function () {
  let dir;
  let handle;
  beforeEach(function () {
    dir = tempDir();
  });
  afterEach(async function () {
    await handle?.close();
    handle = undefined;
    fs.rmSync(dir, { recursive: true, force: true });
  });

  async function checked(file) {
    handle = await fs.promises.open(file, 'r');
    const reader = { identity: await identify(handle, await handle.stat()) };
    return { reader, check: new HeadCheck(handle, reader) };
  }

  it('grows the identity\'s head with the file, and tells a file rewritten from its start', async function () {
    const file = path.join(dir, 'a.log');
    fs.writeFileSync(file, 'first line\n');
    const { reader, check } = await checked(file);
    should(reader.identity.headLength).equal(11);
    fs.appendFileSync(file, 'second line\n');
    should(await check.holds(11, Buffer.from('second line\n'))).be.true();
    should(reader.identity.headLength).equal(23);
    should(check.holdsInline(11, Buffer.from('second line\n'))).be.true();
    fs.writeFileSync(file, 'other line\nsecond line\n');
    should(await check.holds(23)).be.false();
    should(check.holdsInline(11, Buffer.from('second line\n'))).be.false();
  });

  it('tells a chunk that is not what the head holds where it lies in it', async function () {
    const file = path.join(dir, 'a.log');
    fs.writeFileSync(file, 'one\ntwo\n');
    const { check } = await checked(file);
    should(await check.holds(4, Buffer.from('two\n'))).be.true();
    should(await check.holds(4, Buffer.from('TWO\n'))).be.false();
  });

  it('compares a whole head with the bytes it held, and finds a file cut shorter than its head changed', async function () {
    const file = path.join(dir, 'a.log');
    fs.writeFileSync(file, 'x'.repeat(HEAD_BYTES + 10));
    const { check } = await checked(file);
    const threadPool = { inline: false };
    should(await check.unchanged(threadPool)).be.true();
    should(await check.unchanged(threadPool)).be.true();
    fs.truncateSync(file, 10);
    should(await check.unchanged(threadPool)).be.false();
  });
});
