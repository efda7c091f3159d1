'use strict';
// A Node-RED child process running one benchmark flow (see flows.js), started
// with test/support/node-red-process.js, with this pack and the peer loaded
// through nodesDir.
const fs = require('fs');
const path = require('path');
const { startNodeRed } = require('../../test/support/node-red-process');
const { requestJson, until, procCpuSeconds, procMemory, log } = require('./common');

/** The benchmark's helper node (bench-floor), see floor-node/bench-floor.js. */
const FLOOR_NODE_DIR = path.join(__dirname, 'floor-node');

/** Folder of the peer node (the node-red-node-tail devDependency), or null. */
function peerDir() {
  try {
    return path.dirname(require.resolve('node-red-node-tail/package.json'));
  } catch {
    return null;
  }
}

/**
 * Starts Node-RED with `flows` (`extraNodesDirs`: more folders of nodes to
 * load, e.g. a benchmark helper node with a dependency of its own). Returns an object with the child's pid and
 * reset()/stats()/waitFor() for the sink and probe in the flow.
 */
async function startSubject({ name, flows, packDir, verbose = false, tmp, nodeArgs, extraNodesDirs = [] }) {
  const nodesDir = [packDir, FLOOR_NODE_DIR, ...extraNodesDirs];
  const peer = peerDir();
  if (peer) nodesDir.push(peer);
  const userDir = fs.mkdtempSync(path.join(tmp, `nr-${name.replace(/[^a-z0-9]+/gi, '-')}-`));
  const nr = await startNodeRed({
    flows,
    nodeArgs,
    userDir,
    nodesDir,
    echo: verbose ? (line) => log(`  [${name}] ${line}`) : false,
    settings: {
      // Quiet: the log line per deploy is all Node-RED prints.
      logging: { console: { level: 'info', metrics: false, audit: false } },
    },
  });
  const base = nr.url.replace(/\/$/, '');
  const subject = {
    name,
    nr,
    pid: nr.process.pid,
    url: nr.url,
    async reset(markChars = 0) {
      return requestJson(`${base}/bench/reset`, { method: 'POST', body: { markChars } });
    },
    /** A new records sink (flows.js eventsFlow) that notes when `markRecords` records have arrived. */
    async resetRecords(markRecords = 0) {
      return requestJson(`${base}/bench/reset`, { method: 'POST', body: { markRecords } });
    },
    /** Asks a bench-floor node to send `lines` messages (floor flows only). */
    async floor(lines) {
      return requestJson(`${base}/bench/floor`, { method: 'POST', body: { lines } });
    },
    async stats() {
      return requestJson(`${base}/bench/stats`);
    },
    /** Waits until the sink has seen at least `chars` characters; returns the stats. */
    async waitForChars(chars, { timeout = 120000, what } = {}) {
      let last;
      await until(
        async () => {
          last = await subject.stats();
          return last.sink && last.sink.chars >= chars;
        },
        { timeout, interval: 25, what: what || `${name}: ${chars} characters at the sink` },
      ).catch((err) => {
        err.message += ` (sink: ${JSON.stringify(last && last.sink)})`;
        throw err;
      });
      return last;
    },
    cpuSeconds() {
      return procCpuSeconds(subject.pid);
    },
    memory() {
      return procMemory(subject.pid);
    },
    async stop(signal = 'SIGTERM') {
      await nr.stop(signal, { killAfter: 10000 });
      fs.rmSync(userDir, { recursive: true, force: true });
    },
  };
  return subject;
}

module.exports = { startSubject, peerDir };
