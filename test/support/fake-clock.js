'use strict';
// A clock for engine tests (the Clock of src/lib/micro-batcher).

/** A clock whose time moves only when told; timers fire in due order. */
class FakeClock {
  constructor(start = 1_000_000) {
    this.t = start;
    this.timers = new Map();
    this.nextId = 1;
  }
  now() {
    return this.t;
  }
  setTimeout(fn, ms) {
    const id = this.nextId++;
    this.timers.set(id, { fn, due: this.t + ms });
    return id;
  }
  clearTimeout(id) {
    this.timers.delete(id);
  }
  /** Moves time on by `ms`, running each timer that falls due on the way. */
  advance(ms) {
    const target = this.t + ms;
    for (;;) {
      let next;
      for (const [id, timer] of this.timers) if (timer.due <= target && (!next || timer.due < next[1].due)) next = [id, timer];
      if (!next) break;
      this.timers.delete(next[0]);
      this.t = next[1].due;
      next[1].fn();
    }
    this.t = target;
  }
  get active() {
    return this.timers.size;
  }
}

module.exports = { FakeClock };
