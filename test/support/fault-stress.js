#!/usr/bin/env node
'use strict';
// Repeats one fault many times against a real Node-RED and tallies what the
// sink received: the measurements in docs/RELIABILITY.md come from here.
// Not part of `npm test` (it runs for minutes); run it after `npm run build`:
//
//   node test/support/fault-stress.js sigkill --cycles 9 --rate 1000
//   node test/support/fault-stress.js sigterm --cycles 15 --rate 5000 --interval 0.001
//   node test/support/fault-stress.js deploy --target batch --cycles 10
//
// Modes:
//   sigkill  kill -9 in steady flow, restart; per kill: lines replayed (delivered
//            after the checkpoint the killed process left), median at the end.
//   sigterm  SIGTERM, restart; lines lost / twice, and how long each stop took.
//   deploy   POST /flows while lines flow: --target batch|tail ("nodes" deploy
//            changing only that node) or full; then where the checkpoint is.
// Options: --rate lines/s (1000), --interval micro-batch seconds (0.2),
// --cycles (5), --target (batch), --keep (leave the temp folder). The flow and
// the bookkeeping are those of test/integration/faults.spec.js. Which Node-RED
// and node binary: env NODE_RED_PATH / NODE_RED_NODE_BIN, as for the tests.
const fs = require('fs');
const os = require('os');
const path = require('path');
const { startNodeRed } = require('./node-red-process');
const { LineWriter, SinkReader, pipelineFlow, deploy, tally, ranges, median, lineNumber } = require('./fault-harness');

function parseArgs(argv) {
  const o = { mode: argv[0], rate: 1000, interval: 0.2, cycles: 5, target: 'batch', keep: false };
  for (let i = 1; i < argv.length; i++) {
    const key = argv[i].replace(/^--/, '');
    if (key === 'keep') o.keep = true;
    else o[key] = Number.isNaN(Number(argv[i + 1])) ? argv[++i] : Number(argv[++i]);
  }
  if (!['sigkill', 'sigterm', 'deploy'].includes(o.mode)) {
    console.error('usage: fault-stress.js sigkill|sigterm|deploy [--rate N] [--interval S] [--cycles N] [--target batch|tail|full] [--keep]');
    process.exit(2);
  }
  return o;
}

async function main() {
  const o = parseArgs(process.argv.slice(2));
  const base = fs.mkdtempSync(path.join(os.tmpdir(), 'log-ingest-stress-'));
  const logFile = path.join(base, 'app.log');
  fs.writeFileSync(logFile, '');
  const userDir = path.join(base, 'user');
  const checkpointFile = path.join(userDir, 'log-ingest', 'checkpoints', 'tail.json');
  const sink = new SinkReader(path.join(base, 'sink'));
  const writer = new LineWriter({ file: logFile, rate: o.rate });
  const logs = [];
  let node = null;
  let flows = null;
  const start = async () => {
    flows = pipelineFlow({ logFile, sinkFile: sink.next(`run-${sink.files.length + 1}.jsonl`), interval: o.interval });
    node = await startNodeRed({ flows, userDir, echo: (l) => logs.push(l) });
    return node;
  };
  const run = () => sink.files.length - 1;
  const checkpointLine = () => {
    const saved = JSON.parse(fs.readFileSync(checkpointFile, 'utf8'));
    const offset = saved.files[0].offset;
    return offset === writer.size ? writer.count + 1 : (writer.lineAt(logFile, offset) || { n: Number.NaN }).n;
  };
  const steady = async () => {
    // Past any backlog and 1.5 s of writing, then a random part of a second more.
    const target = writer.count + o.rate * 1.5;
    await sink.until((s) => s.numbersOf(run()).some((n) => n >= target), { what: `line ${target}`, exited: node.exited });
    await writer.untilCount(writer.count + Math.floor(Math.random() * o.rate));
  };

  const results = [];
  try {
    await start();
    writer.start();
    for (let c = 1; c <= o.cycles; c++) {
      await steady();
      if (o.mode === 'sigkill') {
        await node.stop('SIGKILL');
        const got = sink.refresh().numbersOf(run());
        const resumeAt = checkpointLine();
        const replayed = got[got.length - 1] - resumeAt + 1;
        results.push(replayed);
        console.log(`kill ${c}: checkpoint at line ${resumeAt}, last delivered ${got[got.length - 1]}: ${replayed} replayed`);
        await start();
      } else if (o.mode === 'sigterm') {
        const t0 = Date.now();
        const exit = await node.stop('SIGTERM', { killAfter: 30000 });
        results.push(Date.now() - t0);
        console.log(`stop ${c}: ${Date.now() - t0} ms (code ${exit.code}, signal ${exit.signal})`);
        await start();
      } else {
        const type = o.target === 'full' ? 'full' : 'nodes';
        const id = o.target === 'tail' ? 'tail' : 'batch';
        flows = flows.map((n) => (n.id === id && type === 'nodes' ? { ...n, name: `${id} ${c}` } : n));
        const t0 = Date.now();
        await deploy(node.url, flows, type);
        results.push(Date.now() - t0);
      }
    }
    await steady();
    writer.stop();
    const last = writer.count;
    await sink.until((s) => s.numbersOf(run()).includes(last), { what: `line ${last}`, exited: node.exited, timeoutMs: 60000 });
    const numbers = sink.lines().map(lineNumber);
    const r = tally(numbers, last);
    console.log(`\n${o.mode}${o.mode === 'deploy' ? ` (${o.target})` : ''}, ${o.cycles} cycles, ${o.rate} lines/s, batch interval ${o.interval} s, Node-RED ${node.nodeRedVersion} on ${node.nodeBin}`);
    console.log(`lines written ${last}, received ${numbers.length}`);
    console.log(`lost ${r.missing.length}${r.missing.length ? `: ${ranges(r.missing)}` : ''}`);
    console.log(`twice ${r.duplicated.length}${r.duplicated.length ? `: ${ranges(r.duplicated)}` : ''}`);
    console.log(`out of order ${r.outOfOrder.length}`);
    if (o.mode === 'sigkill') console.log(`replayed per kill: ${results.join(', ')}; median ${median(results)}; max ${Math.max(...results)}`);
    if (o.mode === 'sigterm') console.log(`stop took (ms): ${results.join(', ')}; median ${median(results)}`);
    if (o.mode === 'deploy') {
      await new Promise((resolve) => setTimeout(resolve, 2500)); // a reading, not a wait for an event: checkpoints are written once a second
      console.log(`deploys took (ms): ${results.join(', ')}; checkpoint at line ${checkpointLine()} of ${last} (end: ${last + 1})`);
    }
    process.exitCode = r.missing.length || (o.mode !== 'sigkill' && r.duplicated.length) ? 1 : 0;
  } finally {
    writer.stop();
    if (node) await node.stop('SIGKILL');
    sink.close();
    if (o.keep || process.exitCode) console.log(`files kept in ${base}`);
    else fs.rmSync(base, { recursive: true, force: true });
  }
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
