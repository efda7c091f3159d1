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

  function watching(everyName = false) {
    const seen = { changes: 0 };
    watch = new ChangeWatch({ dir, base: 'app.log', changed: () => seen.changes++, everyNameCounts: () => everyName });
    return seen;
  }

  it('tells of a change to the followed name, and of other names only while every name counts', async function () {
    const seen = watching(false);
    watch.start({ watch: true, pollIntervalMs: 0 });
    fs.writeFileSync(path.join(dir, 'other.log'), 'x\n');
    await delay(200);
    seen.changes.should.equal(0);
    fs.writeFileSync(path.join(dir, 'app.log'), 'x\n');
    await until(() => seen.changes, 1);
    watch.stop();

    const all = watching(true);
    watch.start({ watch: true, pollIntervalMs: 0 });
    fs.writeFileSync(path.join(dir, 'app.log.1'), 'y\n');
    await until(() => all.changes, 1);
  });

  it('polls at the interval without a watch, and stops polling on stop', async function () {
    const seen = watching();
    watch.start({ watch: false, pollIntervalMs: 20 });
    await until(() => seen.changes, 3);
    watch.stop();
    const stopped = seen.changes;
    await delay(100);
    seen.changes.should.equal(stopped);
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
