'use strict';
require('should');
const { EventEmitter } = require('events');
const fs = require('fs');
const os = require('os');
const path = require('path');
const { DirectoryTail } = require('../../dist/lib/directory-tail');
const { DeliveryLedger } = require('../../dist/lib/delivery-ledger');
const { CheckpointStore } = require('../../dist/lib/checkpoint-store');

/** Resolves once `check()` is true, testing it after each of `hooks`' calls and every 20 ms; rejects after `ms` (hang detection). */
function until(check, ms, what) {
  return new Promise((resolve, reject) => {
    const started = Date.now();
    const timer = setInterval(() => {
      if (check()) {
        clearInterval(timer);
        resolve();
      } else if (Date.now() - started > ms) {
        clearInterval(timer);
        reject(new Error(`timed out waiting for ${what}`));
      }
    }, 20);
  });
}

describe('DirectoryTail over many files', function () {
  this.timeout(120000);
  let dir;
  let tail;

  beforeEach(function () {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'directory-tail-'));
  });

  afterEach(async function () {
    await tail?.stop(100);
    tail = undefined;
    fs.rmSync(dir, { recursive: true, force: true });
  });

  function start(root, extra = {}) {
    const lines = new Map();
    const errors = [];
    tail = new DirectoryTail(
      {
        id: 'many',
        ledger: new DeliveryLedger(),
        discovery: { root, patterns: ['*.log'], exclude: [], recursive: true, maxDepth: 8, ignoreOlderMs: 0, rescanMs: 0 },
        startAt: 'beginning',
        idleFlushMs: 0,
        pollIntervalMs: 50,
        maxOpenFiles: 4096,
        resume: true,
        checkpoints: { store: new CheckpointStore(path.join(dir, 'state')), intervalMs: 100 },
        encoding: 'utf8',
        delimiter: '\n',
        maxLineBytes: 0,
        longLines: 'cut',
        trackLineEnds: false,
        ...extra,
      },
      {
        emit: (chunk) => {
          const got = lines.get(chunk.path) ?? [];
          got.push(...chunk.lines);
          lines.set(chunk.path, got);
        },
        acksPerMessage: () => 0,
        creditLines: () => 100000,
        event() {},
        notice() {},
        error: (e) => errors.push(e),
        mode() {},
        checkpointError: (e) => errors.push(e),
      },
    );
    const count = () => [...lines.values()].reduce((n, l) => n + l.length, 0);
    return { lines, errors, count, started: tail.start() };
  }

  it('takes up 3,000 files in 10 folders, each line once; closes idle files and reads what comes later once', async function () {
    const FILES = 3000;
    const FOLDERS = 10;
    const root = path.join(dir, 'logs');
    const files = [];
    for (let i = 0; i < FILES; i++) {
      const file = path.join(root, `part-${i % FOLDERS}`, `app-${i}.log`);
      fs.mkdirSync(path.dirname(file), { recursive: true });
      fs.writeFileSync(file, `${i} first\n`);
      files.push(file);
    }
    const { lines, errors, count, started } = start(root, { idleCloseMs: 300, idleKeepOpen: 0 });
    await started;
    await until(() => count() >= FILES, 60000, 'a line from every file');
    // Idle: every file is closed, its position kept.
    await until(() => tail.counts.open === 0, 30000, 'every idle file closed');
    tail.counts.known.should.equal(FILES);
    // Written to again: opened where it was left, the new line only.
    for (const file of files.slice(0, 100)) fs.appendFileSync(file, `${path.basename(file, '.log').slice(4)} second\n`);
    await until(() => count() >= FILES + 100, 30000, 'the second lines');
    await new Promise((resolve) => setTimeout(resolve, 300)); // nothing more may come
    count().should.equal(FILES + 100);
    lines.size.should.equal(FILES);
    files.forEach((file, i) => lines.get(file).should.eql(i < 100 ? [`${i} first`, `${i} second`] : [`${i} first`]));
    errors.should.eql([]);
  });

  it('closes idle files only while more than idleKeepOpen are open', async function () {
    const root = path.join(dir, 'logs');
    fs.mkdirSync(root);
    for (let i = 0; i < 20; i++) fs.writeFileSync(path.join(root, `f${i}.log`), `${i}\n`);
    const { count, started } = start(root, { idleCloseMs: 100, idleKeepOpen: 5 });
    await started;
    await until(() => count() >= 20, 30000, 'a line from every file');
    await until(() => tail.counts.open <= 5, 30000, 'idle files closed down to 5');
    await new Promise((resolve) => setTimeout(resolve, 500));
    tail.counts.open.should.equal(5);
  });

  it('finds changes to closed files by its stat poll when the folder watch reports none (each closed file checked in its round)', async function () {
    const root = path.join(dir, 'logs');
    fs.mkdirSync(root);
    for (let i = 0; i < 40; i++) fs.writeFileSync(path.join(root, `f${i}.log`), `${i}\n`);
    // Watches that never report: events mode, with every event lost.
    const silentWatch = () => Object.assign(new EventEmitter(), { close() {} });
    const discovery = { root, patterns: ['*.log'], exclude: [], recursive: true, maxDepth: 8, ignoreOlderMs: 0, rescanMs: 0, watchFolder: silentWatch };
    const { lines, count, started } = start(root, { discovery, pollIntervalMs: 10, idleCloseMs: 50, idleKeepOpen: 5 });
    await started;
    await until(() => count() >= 40, 30000, 'a line from every file');
    await until(() => tail.counts.open <= 5, 30000, 'files read closed down to 5');
    for (let i = 0; i < 40; i++) fs.appendFileSync(path.join(root, `f${i}.log`), `${i} again\n`);
    await until(() => count() >= 80, 60000, 'the line written later to every file');
    for (let i = 0; i < 40; i++) lines.get(path.join(root, `f${i}.log`)).should.eql([`${i}`, `${i} again`]);
  });

  it('keeps idle files open with idleCloseMs 0', async function () {
    const root = path.join(dir, 'logs');
    fs.mkdirSync(root);
    for (let i = 0; i < 20; i++) fs.writeFileSync(path.join(root, `f${i}.log`), `${i}\n`);
    const { count, started } = start(root, { idleCloseMs: 0, idleKeepOpen: 0 });
    await started;
    await until(() => count() >= 20, 30000, 'a line from every file');
    await new Promise((resolve) => setTimeout(resolve, 500));
    tail.counts.open.should.equal(20);
  });
});
