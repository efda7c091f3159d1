'use strict';
const should = require('should');
const fs = require('fs');
const fsp = require('fs/promises');
const os = require('os');
const path = require('path');
const { createHash } = require('crypto');
const { HEAD_BYTES, identify, hashHead, isSameFile, hasSameHead, identityKey, inodeKey } = require('../../dist/lib/file-identity');

const sha256 = (buf) => createHash('sha256').update(buf).digest('hex');

describe('file-identity', function () {
  let dir;
  const handles = [];
  beforeEach(function () {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'log-ingest-id-'));
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

  /** Opens `file` and identifies it; returns handle, stats and identity. */
  async function look(file) {
    const handle = await open(file);
    const stats = await handle.stat();
    return { handle, stats, identity: await identify(handle, stats) };
  }

  /** Checks `known` against the file now at `file`. */
  async function same(known, file) {
    const handle = await open(file);
    return isSameFile(known, handle, await handle.stat());
  }

  it('identifies a file by device, inode and a hash of its first bytes', async function () {
    const file = path.join(dir, 'a.log');
    const content = Buffer.from('x'.repeat(3000));
    fs.writeFileSync(file, content);
    const { stats, identity } = await look(file);
    identity.should.deepEqual({ dev: stats.dev, ino: stats.ino, headLength: HEAD_BYTES, headHash: sha256(content.subarray(0, HEAD_BYTES)) });
    HEAD_BYTES.should.equal(1024);
    identityKey(identity).should.equal(`${stats.dev}:${stats.ino}:${identity.headHash.slice(0, 12)}`);
  });

  it('the same file is the same, through another open and after it grew', async function () {
    const file = path.join(dir, 'a.log');
    fs.writeFileSync(file, 'first line\n'.repeat(200));
    const { handle, stats, identity } = await look(file);
    (await isSameFile(identity, handle, stats)).should.be.true();
    (await same(identity, file)).should.be.true();
    fs.appendFileSync(file, 'more\n');
    (await same(identity, file)).should.be.true();
  });

  it('inodeKey: an identity and a stat of the same file give one key; a copy another', async function () {
    const file = path.join(dir, 'a.log');
    fs.writeFileSync(file, 'line\n');
    const { identity } = await look(file);
    inodeKey(identity).should.equal(inodeKey(fs.statSync(file)));
    inodeKey(identity).should.equal(`${identity.dev}:${identity.ino}`);
    fs.copyFileSync(file, path.join(dir, 'b.log'));
    inodeKey(fs.statSync(path.join(dir, 'b.log'))).should.not.equal(inodeKey(identity));
    identityKey(identity).should.startWith(`${inodeKey(identity)}:`);
  });

  it('a copy with the same content but another inode is not the same file (but has the same head)', async function () {
    const file = path.join(dir, 'a.log');
    const copy = path.join(dir, 'a.log.1');
    fs.writeFileSync(file, 'line\n'.repeat(500));
    fs.copyFileSync(file, copy);
    const { identity } = await look(file);
    const other = await look(copy);
    other.stats.ino.should.not.equal(identity.ino);
    (await isSameFile(identity, other.handle, other.stats)).should.be.false();
    (await hasSameHead(identity, other.handle, other.stats)).should.be.true();
  });

  for (const [name, rewrite] of [
    ['other content of the same length', (n) => 'B'.repeat(n)],
    ['shorter content', () => 'short\n'],
    ['longer content', (n) => 'C'.repeat(n * 2)],
    ['content differing only in its last head byte', (n) => 'A'.repeat(HEAD_BYTES - 1) + 'Z' + 'A'.repeat(n - HEAD_BYTES)],
  ]) {
    it(`truncated and rewritten in place with ${name}: not the same file`, async function () {
      const file = path.join(dir, 'a.log');
      fs.writeFileSync(file, 'A'.repeat(2000));
      const { identity } = await look(file);
      fs.truncateSync(file, 0);
      fs.writeFileSync(file, rewrite(2000), { flag: 'r+' });
      const now = await look(file);
      now.stats.ino.should.equal(identity.ino); // same inode: only the head tells
      (await isSameFile(identity, now.handle, now.stats)).should.be.false();
    });
  }

  it('a short file: the head covers what there is, and grows with the file up to HEAD_BYTES', async function () {
    const file = path.join(dir, 'a.log');
    fs.writeFileSync(file, 'hello\n');
    const small = (await look(file)).identity;
    small.headLength.should.equal(6);
    small.headHash.should.equal(sha256(Buffer.from('hello\n')));

    fs.appendFileSync(file, 'y'.repeat(500));
    const mid = (await look(file)).identity;
    mid.headLength.should.equal(506);
    (await same(small, file)).should.be.true(); // its first 6 bytes are unchanged

    fs.appendFileSync(file, 'z'.repeat(5000));
    const full = (await look(file)).identity;
    full.headLength.should.equal(HEAD_BYTES);
    full.headHash.should.equal(sha256(fs.readFileSync(file).subarray(0, HEAD_BYTES)));
    (await same(mid, file)).should.be.true();
    (await same(full, file)).should.be.true();
  });

  it('a new short file that took over a recycled inode is told apart by its head', async function () {
    const file = path.join(dir, 'a.log');
    fs.writeFileSync(file, 'new log line\n');
    const now = await look(file);
    // What was known of the old file with this inode: 10 bytes of other text.
    const known = { dev: now.stats.dev, ino: now.stats.ino, headLength: 10, headHash: sha256(Buffer.from('old log 1\n')) };
    (await isSameFile(known, now.handle, now.stats)).should.be.false();
    // ...while the true first 10 bytes match.
    (await isSameFile({ ...known, headHash: sha256(Buffer.from('new log li')) }, now.handle, now.stats)).should.be.true();
  });

  it('an empty file: head of 0 bytes; the same file stays the same when it fills', async function () {
    const file = path.join(dir, 'empty.log');
    fs.writeFileSync(file, '');
    const { handle, stats, identity } = await look(file);
    identity.headLength.should.equal(0);
    identity.headHash.should.equal(sha256(Buffer.alloc(0)));
    (await isSameFile(identity, handle, stats)).should.be.true();
    fs.writeFileSync(file, 'now with content\n');
    (await same(identity, file)).should.be.true();
    const other = path.join(dir, 'other-empty.log');
    fs.writeFileSync(other, '');
    (await same(identity, other)).should.be.false();
  });

  it('hashHead hashes what it can read when the file is shorter than asked', async function () {
    const file = path.join(dir, 'a.log');
    fs.writeFileSync(file, 'abc');
    const handle = await open(file);
    (await hashHead(handle, 3)).should.equal(sha256(Buffer.from('abc')));
    (await hashHead(handle, 100)).should.equal(sha256(Buffer.from('abc')));
    (await hashHead(handle, 0)).should.equal(sha256(Buffer.alloc(0)));
  });

  it('another device is not the same file', async function () {
    const file = path.join(dir, 'a.log');
    fs.writeFileSync(file, 'content\n');
    const { handle, stats, identity } = await look(file);
    (await isSameFile({ ...identity, dev: identity.dev + 1 }, handle, stats)).should.be.false();
    (await isSameFile({ ...identity, ino: identity.ino + 1 }, handle, stats)).should.be.false();
  });
});
