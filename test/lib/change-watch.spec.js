'use strict';
const should = require('should');
const fs = require('fs');
const os = require('os');
const path = require('path');
const { setTimeout: delay } = require('timers/promises');
const { ChangeWatch } = require('../../dist/lib/change-watch');

/** Resolves once `count()` reaches `n`, or fails after `ms`. */
async function until(count, n, ms = 3000) {
  const end = Date.now() + ms;
  while (count() < n) {
    if (Date.now() > end) throw new Error(`only ${count()} of ${n} changes seen`);
    await delay(10);
  }
}

describe('change-watch', function () {
  let dir;
  let watch;
  beforeEach(function () {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'log-ingest-watch-'));
  });
  afterEach(function () {
    watch?.stop();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  /** A watch on `dir` that records the names it is told of. */
  function watching() {
    const names = [];
    watch = new ChangeWatch(dir, (name) => names.push(name));
    return names;
  }

  it('tells of changes in the folder by name', async function () {
    const names = watching();
    watch.start({ watch: true, pollIntervalMs: 0 });
    fs.writeFileSync(path.join(dir, 'app.log'), 'x\n');
    fs.writeFileSync(path.join(dir, 'app.log.1'), 'y\n');
    await until(() => new Set(names).size, 2);
    names.should.containEql('app.log');
    names.should.containEql('app.log.1');
  });

  it('polls at the interval without a watch, telling of no name, and stops polling on stop', async function () {
    const names = watching();
    watch.start({ watch: false, pollIntervalMs: 20 });
    await until(() => names.length, 3);
    names.should.eql(names.map(() => null)); // a poll knows no name
    watch.stop();
    const stopped = names.length;
    await delay(100);
    names.length.should.equal(stopped);
  });

  it('fires an armed idle timer once, not before its delay, and is no longer armed then', async function () {
    watching();
    const fired = [];
    watch.idleArmed.should.be.false();
    const armedAt = Date.now();
    watch.armIdle(30, () => fired.push(Date.now() - armedAt));
    watch.idleArmed.should.be.true();
    await until(() => fired.length, 1);
    fired[0].should.be.aboveOrEqual(25); // timers may fire a little early
    watch.idleArmed.should.be.false();
    await delay(60);
    fired.should.have.length(1);
  });

  it('stop clears an armed idle timer before it fires', async function () {
    watching();
    let idled = 0;
    watch.armIdle(30, () => idled++);
    watch.stop();
    await delay(80);
    should(idled).equal(0);
  });
});
