'use strict';
const should = require('should');
const fs = require('fs');
const fsp = require('fs/promises');
const os = require('os');
const path = require('path');
const { openAtPath, openFailure, pathChange, lastLineStart } = require('../../dist/lib/followed-path');

const SETTINGS = { encoding: 'utf8', delimiter: '\n', maxLineBytes: 0, longLines: 'cut', trackLineEnds: false };

describe('followed-path', function () {
  let dir;
  let file;
  const handles = [];
  beforeEach(function () {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'log-ingest-path-'));
    file = path.join(dir, 'app.log');
  });
  afterEach(async function () {
    for (const h of handles.splice(0)) await h.close().catch(() => {});
    fs.rmSync(dir, { recursive: true, force: true });
  });

  const options = (more = {}) => ({ ...SETTINGS, path: file, startAt: 'beginning', idleFlushMs: 0, pollIntervalMs: 0, ...more });

  async function opened(more) {
    const opening = await openAtPath(options(more));
    if (opening.handle) handles.push(opening.handle);
    return opening;
  }

  describe('openAtPath', function () {
    it('opens a regular file, with the stats of the file opened', async function () {
      fs.writeFileSync(file, 'one\n');
      const opening = await opened();
      opening.kind.should.equal('opened');
      opening.stats.size.should.equal(4);
      opening.stats.ino.should.equal(fs.statSync(file).ino);
    });

    it('says missing when no file is there, and failed when the path runs through a file', async function () {
      const missing = await opened();
      missing.kind.should.equal('missing');
      missing.err.code.should.equal('ENOENT');
      fs.writeFileSync(path.join(dir, 'plain'), '');
      file = path.join(dir, 'plain', 'app.log');
      const failed = await opened();
      failed.kind.should.equal('failed');
      failed.err.code.should.equal('ENOTDIR');
    });

    it('refuses a folder as no file, and a link with noFollow', async function () {
      fs.mkdirSync(file);
      const folder = await opened();
      folder.should.have.properties({ kind: 'refused', reason: 'notAFile' });
      fs.rmdirSync(file);
      fs.writeFileSync(path.join(dir, 'real.log'), 'x\n');
      fs.symlinkSync(path.join(dir, 'real.log'), file);
      (await opened()).kind.should.equal('opened');
      (await opened({ noFollow: true })).should.have.properties({ kind: 'refused', reason: 'notAFile' });
    });

    it('refuses a file the allow-list does not admit, and closes it', async function () {
      fs.writeFileSync(file, 'one\n');
      let asked;
      const opening = await opened({ admit: async (f, handle) => ((asked = { f, handle }), false) });
      opening.should.have.properties({ kind: 'refused', reason: 'notAllowed' });
      opening.err.code.should.equal('ENOTALLOWED');
      asked.f.should.equal(file);
      asked.handle.fd.should.equal(-1);
    });
  });

  it('openFailure: missing for ENOENT and ENOTDIR, else the reason to report', function () {
    const coded = (code) => Object.assign(new Error(code), { code });
    openFailure(coded('ENOENT')).should.equal('missing');
    openFailure(coded('ENOTDIR')).should.equal('missing');
    openFailure(coded('EACCES')).should.equal('denied');
    openFailure(coded('EPERM')).should.equal('denied');
    openFailure(coded('ENOTFILE')).should.equal('notAFile');
    openFailure(coded('EISDIR')).should.equal('notAFile');
    openFailure(coded('EIO')).should.equal('read');
    openFailure('no error at all').should.equal('read');
  });

  describe('pathChange', function () {
    /** A stand-in for the reader of the file opened at the path: its identity and its stat. */
    async function readerOf(target) {
      const handle = await fsp.open(target, 'r');
      handles.push(handle);
      const stats = await handle.stat();
      return { identity: { dev: stats.dev, ino: stats.ino }, stat: () => handle.stat() };
    }

    it('tells unchanged (with the size), renamed, deleted and replaced apart', async function () {
      fs.writeFileSync(file, 'one\n');
      const reader = await readerOf(file);
      fs.appendFileSync(file, 'two\n');
      (await pathChange(file, reader)).should.eql({ kind: 'unchanged', size: 8 });
      fs.renameSync(file, `${file}.1`);
      (await pathChange(file, reader)).should.eql({ kind: 'renamed' });
      fs.writeFileSync(file, 'new\n');
      (await pathChange(file, reader)).should.eql({ kind: 'replaced' });
      fs.unlinkSync(`${file}.1`);
      fs.unlinkSync(file);
      (await pathChange(file, reader)).should.eql({ kind: 'deleted' });
    });
  });

  describe('lastLineStart', function () {
    async function startIn(content, more = {}) {
      fs.writeFileSync(file, content);
      const handle = await fsp.open(file, 'r');
      handles.push(handle);
      return lastLineStart(handle, Buffer.byteLength(content, more.encoding ?? 'utf8'), options(more));
    }

    it('begins after the last delimiter: an unfinished last line is read whole', async function () {
      (await startIn('one\ntwo\npart')).should.equal(8);
      (await startIn('one\ntwo\n')).should.equal(8);
      (await startIn('no delimiter')).should.equal(0);
      (await startIn('')).should.equal(0);
    });

    it('in UTF-16LE, only at a delimiter on a character boundary', async function () {
      // The characters U+0A41 and U+4100 hold the bytes 0a 00 at odd offset 5: no newline.
      const content = Buffer.concat([Buffer.from('a\n', 'utf16le'), Buffer.from([0x41, 0x0a, 0x00, 0x41]), Buffer.from('b', 'utf16le')]);
      fs.writeFileSync(file, content);
      const handle = await fsp.open(file, 'r');
      handles.push(handle);
      (await lastLineStart(handle, content.length, options({ encoding: 'utf16le' }))).should.equal(4);
    });
  });
});
