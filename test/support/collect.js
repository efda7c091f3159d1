'use strict';
// Awaiting what nodes do, instead of sleeping.
const fs = require('fs');
const os = require('os');
const path = require('path');

/**
 * Collects the messages a helper node receives. `until(pred)` resolves with
 * all messages so far once pred(messages) holds, checking on each arrival.
 */
function collector(node) {
  const messages = [];
  let waiters = [];
  node.on('input', (msg) => {
    messages.push(msg);
    waiters = waiters.filter((w) => {
      if (!w.pred(messages)) return true;
      w.resolve(messages.slice());
      return false;
    });
  });
  return {
    messages,
    /** Lines received: payload strings, or the elements of array payloads. */
    lines: () => messages.flatMap((m) => (Array.isArray(m.payload) ? m.payload : [m.payload])),
    until(pred) {
      if (pred(messages)) return Promise.resolve(messages.slice());
      return new Promise((resolve) => waiters.push({ pred, resolve }));
    },
    untilLines(n) {
      const count = (ms) => ms.reduce((k, m) => k + (Array.isArray(m.payload) ? m.payload.length : 1), 0);
      return this.until((ms) => count(ms) >= n).then(() => this.lines());
    },
  };
}

/** Resolves with the first call of `method` (status, warn, error, log) on node whose first argument matches. */
function nextCall(node, method, pred) {
  // The helper's spies sit on Node.prototype: keep this node's calls only.
  const past = node[method].getCalls().find((call) => call.thisValue === node && pred(call.args[0]));
  if (past) return Promise.resolve(past.args[0]);
  return new Promise((resolve) => {
    const listener = (call) => {
      if (pred(call.args[0])) {
        node.removeListener(`call:${method}`, listener);
        resolve(call.args[0]);
      }
    };
    node.on(`call:${method}`, listener);
  });
}

/**
 * Resolves once `predicate()` holds, checked now and on each `event` of
 * `emitter`; rejects if the predicate throws.
 */
function untilEvent(emitter, event, predicate) {
  return new Promise((resolve, reject) => {
    const check = () => {
      let ok;
      try {
        ok = predicate();
      } catch (err) {
        emitter.off(event, check);
        reject(err);
        return;
      }
      if (ok) {
        emitter.off(event, check);
        resolve();
      }
    };
    emitter.on(event, check);
    check();
  });
}

function tempDir(prefix = 'log-ingest-test-') {
  return fs.mkdtempSync(path.join(os.tmpdir(), prefix));
}

module.exports = { collector, nextCall, tempDir, untilEvent };
