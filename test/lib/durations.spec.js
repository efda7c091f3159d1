'use strict';
// Timer delays within what Node.js can arm: above 2^31-1 ms it fires after
// 1 ms instead (with a TimeoutOverflowWarning), so every engine timer goes
// through clampDelay/timerDelay.
const fs = require('fs');
const os = require('os');
const path = require('path');
const should = require('should');
const fc = require('fast-check');
const { MAX_TIMER_MS, clampDelay, timerDelay, waitAtMost } = require('../../dist/lib/durations');
const { MicroBatcher } = require('../../dist/lib/micro-batcher');
const { FileFollower } = require('../../dist/lib/file-follower');

/**
 * Records the delays given to setTimeout/setInterval while `fn` runs (the
 * timers are armed for real, and left to their owner to clear).
 */
async function armedDelays(fn) {
  const delays = [];
  const { setTimeout: realTimeout, setInterval: realInterval } = global;
  global.setTimeout = (cb, ms, ...args) => (delays.push(ms), realTimeout(cb, ms, ...args));
  global.setInterval = (cb, ms, ...args) => (delays.push(ms), realInterval(cb, ms, ...args));
  try {
    await fn();
  } finally {
    global.setTimeout = realTimeout;
    global.setInterval = realInterval;
  }
  return delays;
}

/** Collects the process warnings of one kind while the test runs. */
function warningsOf(name) {
  const seen = [];
  const listener = (warning) => {
    if (warning.name === name) seen.push(warning);
  };
  process.on('warning', listener);
  return { seen, stop: () => process.off('warning', listener) };
}

describe('durations', function () {
  it('MAX_TIMER_MS is the longest delay Node.js honours (2^31-1 ms, about 24.8 days)', function () {
    MAX_TIMER_MS.should.equal(2147483647);
    (MAX_TIMER_MS / 86400000).should.be.approximately(24.86, 0.01);
  });

  it('clampDelay keeps delays up to the maximum and cuts longer ones, saying so', function () {
    clampDelay(0).should.eql({ ms: 0, clamped: false });
    clampDelay(MAX_TIMER_MS).should.eql({ ms: MAX_TIMER_MS, clamped: false });
    clampDelay(MAX_TIMER_MS + 1).should.eql({ ms: MAX_TIMER_MS, clamped: true });
    clampDelay(2592000 * 1000).should.eql({ ms: MAX_TIMER_MS, clamped: true });
    clampDelay(Infinity).should.eql({ ms: MAX_TIMER_MS, clamped: true });
    clampDelay(-5).should.eql({ ms: 0, clamped: false });
    clampDelay(NaN).should.eql({ ms: 0, clamped: false });
  });

  it('waitAtMost resolves with the promise, or at the deadline when the promise never settles, and leaves no timer', async function () {
    const order = [];
    const slow = waitAtMost(new Promise(() => undefined), 5).then(() => order.push('deadline'));
    const fast = waitAtMost(Promise.resolve(), 30 * 86400 * 1000).then(() => order.push('promise'));
    await Promise.all([slow, fast]);
    order.should.eql(['promise', 'deadline']);
    const timers = () => process.getActiveResourcesInfo().filter((r) => r === 'Timeout').length;
    const before = timers();
    await waitAtMost(Promise.resolve(), 60_000);
    timers().should.equal(before);
  });

  it('timerDelay is always a delay Node.js can arm, for any number', function () {
    fc.assert(
      fc.property(fc.double(), (ms) => {
        const d = timerDelay(ms);
        return d >= 0 && d <= MAX_TIMER_MS && (!(ms >= 0 && ms <= MAX_TIMER_MS) || d === ms);
      }),
    );
  });

  it('a MicroBatcher with a 30-day interval arms its timer at the maximum, not above', function () {
    const armed = [];
    const clock = { now: () => 0, setTimeout: (fn, ms) => (armed.push(ms), armed.length), clearTimeout: () => {} };
    const batches = [];
    const batcher = new MicroBatcher({ intervalMs: 2592000 * 1000, maxSize: 1000, maxBytes: 0 }, (b) => batches.push(b), clock);
    batcher.addOne('x');
    armed.should.eql([MAX_TIMER_MS]);
    batches.should.have.length(0);
    batcher.stop();
  });

  it('a FileFollower with a poll interval of 1e10 ms arms no timer above the maximum, and Node.js does not warn', async function () {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'log-ingest-durations-'));
    const overflow = warningsOf('TimeoutOverflowWarning');
    let follower;
    try {
      const file = path.join(dir, 'app.log');
      fs.writeFileSync(file, 'a\n');
      const delays = await armedDelays(() => {
        follower = new FileFollower(
          { path: file, startAt: 'beginning', pollIntervalMs: 1e10, idleFlushMs: 0, watch: false, encoding: 'utf8', delimiter: '\n', maxLineBytes: 0, longLines: 'cut', trackLineEnds: false },
          { deliver: () => undefined, opened: () => undefined, state: () => undefined, notice: () => undefined, error: () => undefined },
        );
        follower.start();
      });
      delays.length.should.be.above(0);
      Math.max(...delays).should.be.belowOrEqual(MAX_TIMER_MS);
      // Node.js emits its warning on the next tick.
      await new Promise((resolve) => setImmediate(resolve));
      overflow.seen.should.eql([]);
    } finally {
      overflow.stop();
      await follower?.stop();
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
