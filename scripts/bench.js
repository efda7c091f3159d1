#!/usr/bin/env node
'use strict';
// `npm run bench`: this pack against its peer (node-red-node-tail -> core
// join), in real Node-RED processes, on the same generated files, in one run.
// Prints a table and writes it, with the command that reproduces it, into
// docs/BENCHMARKS.md (between the bench:results markers).
//
// Scenarios (BENCH_SCENARIOS, comma-separated, default all):
//   throughput  a burst of 1,000,000 100-byte lines through tail -> batcher -> sink,
//               for file-tail's "lines" and "line" outputs, the peer, rsyslog imfile
//               (when rsyslogd is installed) and a plain read-and-split loop
//   latency     500 lines/s, write -> tail node output, p50/p99/max
//   backlog     a 1 GiB file read from the beginning: peak RSS, longest HTTP silence
//   dirwatch    dir-watch over 1,000 files written round-robin, then idle CPU
//   events      log-parse (syslog; auto on mixed formats) and multiline (java) records,
//               each against the same file-tail -> micro-batch pipeline without the step
//   syslog      messages/s over TCP from 10 parallel senders: syslog-in (parse off
//               and on) -> micro-batch, against the Node-RED peer (simple-syslog-server,
//               as node-red-contrib-syslog-input uses it), core tcp in, and rsyslog imtcp
//   manyfiles   (only when named) dir-watch picking up 20,000 files: time until
//               every file is followed, RSS per idle file, idle CPU
//
// Environment (all optional):
//   BENCH_QUICK=1             a short run (smaller sizes, fewer runs) to try things out
//   BENCH_RUNS=3              throughput runs per subject (the median is reported)
//   BENCH_LINES=1000000       lines per throughput burst
//   BENCH_LATENCY_SECONDS=10  BENCH_LATENCY_RUNS=3  BENCH_LATENCY_RATE=500
//   BENCH_BACKLOG_MB=1024     BENCH_BACKLOG_RUNS=3
//   BENCH_PEER_BACKLOG=1      also feed the peer the backlog (appended while it follows;
//                             stopped at BENCH_PEER_BACKLOG_LIMIT_MB of RSS, default 4096)
//   BENCH_DIR_FILES=1000      BENCH_DIR_LINES=500000  BENCH_DIR_IDLE_SECONDS=30
//   BENCH_MANY_FILES=20000   BENCH_MANY_FOLDERS=20  BENCH_MANY_LINES=3  BENCH_MANY_RUNS=3
//   BENCH_MANY_IDLE_SECONDS=75
//   BENCH_EVENTS_LINES=500000  lines per events burst (runs: BENCH_RUNS)
//   BENCH_SYSLOG_MESSAGES=1000000  BENCH_SYSLOG_SENDERS=10  (runs: BENCH_RUNS)
//   BENCH_SYSLOG_BATCH=10000  BENCH_SYSLOG_BATCH_TIMEOUT=5  micro-batch after every syslog receiver
//   BENCH_RSYSLOG=0           leave rsyslog out even when installed
//   BENCH_PACK_DIR=<dir>      measure another build of the pack (a folder with package.json and dist/)
//   BENCH_COMPARE_DIR=<dir>   also run the throughput scenario's pack pipelines on this other build
//                             (e.g. a checkout with an engine change), as extra rows of the same run
//   BENCH_WRITE_DOC=0         do not touch docs/BENCHMARKS.md (a run of some scenarios only rewrites
//                             their sections and target rows; the others' stay as recorded)
//   BENCH_VERBOSE=1           echo the Node-RED logs
//   BENCH_JSON=<file>         also write every measurement (each run) as JSON
const fs = require('fs');
const os = require('os');
const path = require('path');
const { settingsFromEnv, log } = require('./bench/common');
const { REPO_ROOT, snapshotPack } = require('./bench/pack');
const { findRsyslogd } = require('./bench/rsyslog');
const { peerDir } = require('./bench/subject');
const { runThroughput } = require('./bench/scenario-throughput');
const { runLatency } = require('./bench/scenario-latency');
const { runBacklog } = require('./bench/scenario-backlog');
const { runDirWatch } = require('./bench/scenario-dirwatch');
const { runManyFiles } = require('./bench/scenario-manyfiles');
const { runEvents } = require('./bench/scenario-events');
const { runSyslog } = require('./bench/scenario-syslog');
const { machineInfo, renderTable, renderMarkdown, writeDoc } = require('./bench/report');

async function main() {
  const settings = settingsFromEnv();
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'log-ingest-bench-'));
  let cleaned = false;
  const cleanup = () => {
    if (cleaned) return;
    cleaned = true;
    fs.rmSync(tmp, { recursive: true, force: true });
  };
  process.on('exit', cleanup);
  for (const sig of ['SIGINT', 'SIGTERM', 'SIGHUP']) {
    process.on(sig, () => {
      log(`\n${sig}: stopping, removing ${tmp}`);
      process.exit(130);
    });
  }

  const started = Date.now();
  const packSource = path.resolve(process.env.BENCH_PACK_DIR || REPO_ROOT);
  const packDir = snapshotPack(packSource, tmp);
  if (!peerDir()) throw new Error('node-red-node-tail is not installed: run `npm install` (it is a devDependency)');
  const rsyslogBin = settings.rsyslog ? findRsyslogd() : null;
  const meta = machineInfo();
  meta.packSource = packSource;
  meta.loadStart = os.loadavg()[0];
  const compareSource = process.env.BENCH_COMPARE_DIR ? path.resolve(process.env.BENCH_COMPARE_DIR) : null;
  const comparePackDir = compareSource ? snapshotPack(compareSource, tmp, 'compare-pack') : null;
  meta.compareSource = compareSource;
  const ctx = { settings, tmp, packDir, comparePackDir, log, rsyslogBin, meta };
  log(`log-ingest benchmark: ${meta.cpu} x${meta.cores}, ${meta.memGB} GB, Node ${process.version}, Node-RED ${meta.nodeRed}`);
  log(`temp folder ${tmp} (removed at the end)`);
  if (!rsyslogBin) {
    log(settings.rsyslog ? 'rsyslog: rsyslogd not installed (Debian: apt-get install rsyslog), skipped' : 'rsyslog: left out (BENCH_RSYSLOG=0)');
  }

  const results = { meta, settings: { ...settings, scenarios: [...settings.scenarios] } };
  if (settings.scenarios.has('throughput')) results.throughput = await runThroughput(ctx);
  if (settings.scenarios.has('latency')) results.latency = await runLatency(ctx);
  if (settings.scenarios.has('backlog')) results.backlog = await runBacklog(ctx);
  if (settings.scenarios.has('dirwatch')) results.dirwatch = await runDirWatch(ctx);
  if (settings.scenarios.has('manyfiles')) results.manyfiles = await runManyFiles(ctx);
  if (settings.scenarios.has('events')) results.events = await runEvents(ctx);
  if (settings.scenarios.has('syslog')) results.syslog = await runSyslog(ctx);
  meta.durationS = Math.round((Date.now() - started) / 1000);
  meta.loadEnd = os.loadavg()[0];

  const table = renderTable(results);
  process.stdout.write(`\n${table}\n`);
  if (settings.writeDoc) {
    // A run of some scenarios only keeps the others' recorded sections (see report.js carryOver).
    const file = writeDoc(path.join(REPO_ROOT, 'docs', 'BENCHMARKS.md'), (previous) => renderMarkdown(results, previous));
    log(`\nwritten to ${path.relative(process.cwd(), file) || file}`);
  }
  if (process.env.BENCH_JSON) fs.writeFileSync(process.env.BENCH_JSON, JSON.stringify(results, null, 2));
  cleanup();
}

main().catch((err) => {
  log(`\nbenchmark failed: ${err && err.stack ? err.stack : err}`);
  process.exit(1);
});
