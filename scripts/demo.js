#!/usr/bin/env node
'use strict';
// `npm start`: a real Node-RED with this checkout's pack, a demo flow
// (file-tail -> micro-batch -> debug) and a generator writing and rotating the
// log file it follows. Ctrl-C stops everything and removes the temp folder.
//
// Environment: PORT (default 1880), NODE_RED_PATH (another Node-RED install),
// NODE_RED_NODE_BIN (node binary for Node-RED), DEMO_RATE (lines/s, default 15),
// DEMO_ROTATE_EVERY (lines per file, default 1000), DEMO_QUIET=1 (hide Node-RED's log),
// DEMO_PACK_DIR (load the pack from another folder, e.g. an unpacked `npm pack`).
//
// The pieces are exported for the integration test: demoFlow() and startDemo().
const fs = require('fs');
const os = require('os');
const path = require('path');
const { LogGenerator } = require('./lib/log-generator');
const { startNodeRed, nodeVersion } = require('../test/support/node-red-process');

const REPO_ROOT = path.resolve(__dirname, '..');

/** Ids of the demo flow's nodes (fixed, so tests can find the debug node's messages). */
const IDS = {
  tab: 'a1d0c0de00000001',
  comment: 'a1d0c0de00000002',
  tail: 'a1d0c0de00000003',
  batch: 'a1d0c0de00000004',
  debug: 'a1d0c0de00000005',
};

/**
 * The demo tab: comment, file-tail (from the beginning, arrays of lines) ->
 * micro-batch (2 s / 1000 records) -> debug (complete msg, sidebar; batch count as status).
 */
function demoFlow(logFile, { interval = 2, maxSize = 1000 } = {}) {
  return [
    {
      id: IDS.tab,
      type: 'tab',
      label: 'Log ingest demo',
      disabled: false,
      info: 'Demo of @soc-copilot/node-red-log-ingest, started by `npm start`.',
    },
    {
      id: IDS.comment,
      type: 'comment',
      z: IDS.tab,
      name: 'Demo: tail a rotating log file into 2-second batches',
      info: [
        '`npm start` runs a generator that appends about 15 log lines a second (sshd',
        'auth failures, nginx access lines, application INFO/WARN/ERROR, with bursts)',
        'to:',
        '',
        `    ${logFile}`,
        '',
        'and rotates it by rename (`app.log` -> `app.log.1`) every 1000 lines.',
        '',
        '- **file-tail** follows the file from the beginning and sends each chunk of',
        '  new lines as an array (`output: lines`). When the file is renamed away it',
        '  finishes the old file and continues with the new one.',
        '- **micro-batch** collects the lines and sends one message every 2 seconds',
        '  (or at 1000 records): `msg.payload` is the array of lines and `msg.batch`',
        '  says how many, how many bytes, and why the batch was closed.',
        '- **debug** shows each batch (open the Debug sidebar); its status is the',
        '  batch size.',
        '',
        'Try: change the micro-batch interval and deploy, or point file-tail at',
        'another file.',
      ].join('\n'),
      x: 330,
      y: 60,
      wires: [],
    },
    {
      id: IDS.tail,
      type: 'file-tail',
      z: IDS.tab,
      name: 'app.log',
      path: logFile,
      startAt: 'beginning',
      output: 'lines',
      encoding: 'utf8',
      delimiter: '\\n',
      idleFlush: 1,
      pollInterval: 1,
      maxLineBytes: 1048576,
      longLines: 'cut',
      x: 150,
      y: 140,
      wires: [[IDS.batch]],
    },
    {
      id: IDS.batch,
      type: 'micro-batch',
      z: IDS.tab,
      name: '2 s batches',
      interval,
      maxSize,
      maxBytes: 0,
      keepArrays: false,
      x: 350,
      y: 140,
      wires: [[IDS.debug]],
    },
    {
      id: IDS.debug,
      type: 'debug',
      z: IDS.tab,
      name: 'batches',
      active: true,
      tosidebar: true,
      console: false,
      tostatus: true,
      complete: 'true',
      targetType: 'full',
      statusVal: 'batch.count',
      statusType: 'msg',
      x: 550,
      y: 140,
      wires: [],
    },
  ];
}

/**
 * Starts the demo: temp folder, log file with a few lines, Node-RED with the demo
 * flow, then (unless `startGenerator` is false) the generator.
 *
 * @param {object} [o]
 * @param {number} [o.port]            default: a free port
 * @param {string} [o.nodeBin]         see startNodeRed
 * @param {string} [o.nodeRedDir]      see startNodeRed
 * @param {object} [o.generator]       LogGenerator options (rate, rotateEvery, seed, track...)
 * @param {number} [o.initialLines=20] lines written before Node-RED starts
 * @param {boolean} [o.startGenerator=true]
 * @param {boolean|function} [o.echo]  Node-RED log echo (see startNodeRed)
 * @param {object} [o.flow]            demoFlow options ({interval, maxSize})
 */
async function startDemo(o = {}) {
  const tmpDir = fs.mkdtempSync(path.join(os.tmpdir(), 'log-ingest-demo-'));
  const logDir = path.join(tmpDir, 'logs');
  const userDir = path.join(tmpDir, 'node-red');
  fs.mkdirSync(logDir, { recursive: true });
  const logFile = path.join(logDir, 'app.log');
  const generator = new LogGenerator({ file: logFile, ...o.generator });
  let nodeRed = null;
  const cleanup = async () => {
    await generator.stop();
    if (nodeRed) await nodeRed.stop();
    fs.rmSync(tmpDir, { recursive: true, force: true });
  };
  try {
    generator.writeLines(o.initialLines ?? 20);
    nodeRed = await startNodeRed({
      flows: demoFlow(logFile, o.flow),
      port: o.port,
      userDir,
      nodeBin: o.nodeBin,
      nodeRedDir: o.nodeRedDir,
      nodesDir: o.nodesDir,
      echo: o.echo,
    });
  } catch (err) {
    await cleanup();
    throw err;
  }
  if (o.startGenerator !== false) generator.start();
  let stopping = null;
  return {
    tmpDir,
    logDir,
    logFile,
    userDir,
    nodeRed,
    generator,
    ids: IDS,
    url: nodeRed.url,
    /** Stops the generator and Node-RED, removes the temp folder. Idempotent. */
    stop() {
      stopping = stopping || cleanup();
      return stopping;
    },
  };
}

async function main() {
  const port = Number(process.env.PORT || 1880);
  const quiet = /^(1|true|yes)$/i.test(process.env.DEMO_QUIET || '');
  const packDir = path.resolve(process.env.DEMO_PACK_DIR || REPO_ROOT);
  const dist = path.join(packDir, 'dist', 'nodes');
  if (!fs.existsSync(dist)) {
    console.error('dist/nodes is missing: run `npm start` (builds first) or `npm run build`.');
    process.exit(1);
  }
  let demo = null;
  let exiting = false;
  const shutdown = async (signal) => {
    if (exiting) return;
    exiting = true;
    console.log(`\n${signal}: stopping Node-RED and the log generator...`);
    try {
      if (demo) await demo.stop();
      console.log('Stopped; temp folder removed.');
      process.exit(0);
    } catch (err) {
      console.error(err);
      process.exit(1);
    }
  };
  // Ctrl-C also reaches Node-RED (same process group); it stops itself and
  // demo.stop() waits for that.
  process.on('SIGINT', () => shutdown('SIGINT'));
  process.on('SIGTERM', () => shutdown('SIGTERM'));
  process.on('SIGHUP', () => shutdown('SIGHUP'));

  console.log(`Starting Node-RED on 127.0.0.1:${port}...`);
  try {
    demo = await startDemo({
      port,
      nodesDir: [packDir],
      generator: {
        rate: Number(process.env.DEMO_RATE || 15),
        rotateEvery: Number(process.env.DEMO_ROTATE_EVERY || 1000),
      },
      // Before Node-RED is up only its warnings are shown (the whole log is in
      // the error if it fails to start).
      echo: (line) => {
        if (quiet) return;
        if (demo || (/\[(warn|error)\]/.test(line) && !/Encrypted credentials not found|Projects disabled/.test(line))) {
          process.stdout.write(`  [node-red] ${line}\n`);
        }
      },
    });
  } catch (err) {
    console.error(err.message);
    if (/port in use|Unable to listen/i.test(err.message)) {
      console.error(`\nPort ${port} is taken: try  PORT=${port + 1} npm start`);
    }
    process.exit(1);
  }
  if (exiting) {
    await demo.stop();
    return;
  }
  demo.generator.on('rotate', ({ rotatedTo, lines }) =>
    console.log(`[generator] rotated: ${lines} lines renamed to ${path.basename(rotatedTo)}, new ${path.basename(demo.logFile)} started`),
  );
  demo.generator.on('error', (err) => console.error(`[generator] ${err.message}`));
  const { nodeRed } = demo;
  console.log('');
  console.log(`Node-RED with the log-ingest pack: ${nodeRed.url}`);
  console.log(`  Node-RED ${nodeRed.nodeRedVersion} on Node ${nodeVersion(nodeRed.nodeBin)}; pack loaded from ${packDir}`);
  console.log(`  log file (rotated every ${demo.generator.rotateEvery} lines): ${demo.logFile}`);
  console.log(`  Node-RED user dir: ${demo.userDir}`);
  console.log('  Open the Debug sidebar to see the batches. Ctrl-C to stop.');
  console.log('');
  // If Node-RED dies on its own, stop the rest.
  nodeRed.exited.then(({ code, signal }) => {
    if (!exiting) {
      console.error(`Node-RED exited unexpectedly (code ${code}, signal ${signal})`);
      exiting = true;
      demo.stop().finally(() => process.exit(1));
    }
  });
}

if (require.main === module) main();

module.exports = { demoFlow, startDemo, IDS };
