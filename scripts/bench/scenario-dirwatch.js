'use strict';
// Scenario 4: dir-watch over many files (1,000 by default).
//
// - Throughput: the files exist (empty) before the flow starts; after a
//   first line to every file has come through (so every file is followed),
//   lines are appended round-robin, 10 lines (1 KB) per file per round, and
//   lines per second are measured at the sink as in scenario 1 (to 99% of the
//   characters, from the start of the writes).
// - Idle: then nothing is written for BENCH_DIR_IDLE_SECONDS; the CPU time the
//   Node-RED process used meanwhile (/proc/<pid>/stat), as % of one core.
//
// The node's config: {path, pattern '*.log', recursive, startAt, output}, two
// outputs (lines, events). When the pack registers no `dir-watch` type the
// scenario is skipped with a line saying so.
const fs = require('fs');
const path = require('path');
const { makeLines, LINE_BYTES, LINE_CHARS } = require('./lines');
const { dirWatchFlow, emptyFlow } = require('./flows');
const { startSubject } = require('./subject');
const { median, requestJson, sleep } = require('./common');

const LINES_PER_WRITE = 10;
const MARK = 0.99;

/** Node types the runtime has registered (GET /nodes on the admin API). */
async function registeredTypes(sub) {
  const sets = await requestJson(`${sub.url}nodes`);
  const types = new Set();
  for (const set of sets || []) for (const t of set.types || []) types.add(t);
  return types;
}

async function dirWatchAvailable(ctx) {
  const { settings: s, tmp, packDir } = ctx;
  const sub = await startSubject({ name: 'types', flows: emptyFlow(), packDir, verbose: s.verbose, tmp });
  try {
    return (await registeredTypes(sub)).has('dir-watch');
  } finally {
    await sub.stop();
  }
}

async function runDirWatch(ctx) {
  const { settings: s, tmp, packDir, log } = ctx;
  log(`\n[4/4] dir-watch: ${s.dirFiles} files, ${s.dirLines.toLocaleString('en-US')} lines round-robin, then ${s.dirIdleSeconds} s idle`);
  if (!(await dirWatchAvailable(ctx))) {
    log('  dir-watch not available: the pack registers no "dir-watch" node type; scenario 4 skipped');
    return { skipped: 'dir-watch not available (the pack registers no "dir-watch" node type)' };
  }
  const dir = path.join(tmp, 'dirwatch');
  const logs = path.join(dir, 'logs');
  fs.mkdirSync(logs, { recursive: true });
  const files = [];
  for (let i = 0; i < s.dirFiles; i++) {
    const f = path.join(logs, `app-${String(i).padStart(4, '0')}.log`);
    fs.writeFileSync(f, '');
    files.push(f);
  }
  const rounds = Math.max(1, Math.round(s.dirLines / (s.dirFiles * LINES_PER_WRITE)));
  const total = rounds * s.dirFiles * LINES_PER_WRITE;
  const block = makeLines(LINES_PER_WRITE);
  const fds = files.map((f) => fs.openSync(f, 'a'));
  const sub = await startSubject({
    name: 'dir-watch',
    flows: dirWatchFlow({ dir: logs, output: 'lines', startAt: 'beginning', batchSize: s.batchSize, timeoutS: s.batchTimeoutS }),
    packDir,
    verbose: s.verbose,
    tmp,
  });
  const runs = [];
  let idle;
  try {
    // Every file followed: one line each must come through.
    await sub.reset(0);
    const one = makeLines(1);
    for (const fd of fds) fs.writeSync(fd, one);
    await sub.waitForChars(s.dirFiles * LINE_CHARS, { timeout: 120000, what: 'a first line from every file' });
    for (let run = 1; run <= s.runs; run++) {
      const chars = total * LINE_CHARS;
      await sub.reset(Math.ceil(chars * MARK));
      const t0 = Date.now();
      for (let r = 0; r < rounds; r++) for (const fd of fds) fs.writeSync(fd, block);
      const writeMs = Date.now() - t0;
      const st = await sub.waitForChars(chars, { timeout: 300000 });
      const rate = st.sink.markCount / ((st.sink.mark - t0) / 1000);
      runs.push({ rate, writeMs, records: st.sink.count });
      log(`  run ${run}/${s.runs}: ${(rate / 1e6).toFixed(2)}M lines/s (writing took ${writeMs} ms)`);
      await sleep(300);
    }
    // Idle: let timers from the burst (idle flush, checkpoints) run out first.
    await sleep(3000);
    const cpu0 = sub.cpuSeconds();
    const w0 = Date.now();
    await sleep(s.dirIdleSeconds * 1000);
    const cpu1 = sub.cpuSeconds();
    idle = { cpuPercent: (100 * (cpu1 - cpu0)) / ((Date.now() - w0) / 1000), seconds: s.dirIdleSeconds, peakMB: sub.memory().hwmKB / 1024 };
    log(`  idle: ${idle.cpuPercent.toFixed(2)}% of one core over ${s.dirIdleSeconds} s; peak RSS ${idle.peakMB.toFixed(0)} MB`);
  } finally {
    for (const fd of fds) fs.closeSync(fd);
    await sub.stop().catch(() => undefined);
    fs.rmSync(dir, { recursive: true, force: true });
  }
  // The same measure of a Node-RED with only the measuring flow: what the
  // runtime itself (and the machine's accounting) costs when idle.
  if (idle) {
    const empty = await startSubject({ name: 'idle-baseline', flows: emptyFlow(), packDir, verbose: s.verbose, tmp });
    try {
      await sleep(3000);
      const c0 = empty.cpuSeconds();
      const w0 = Date.now();
      await sleep(s.dirIdleSeconds * 1000);
      idle.baselinePercent = (100 * (empty.cpuSeconds() - c0)) / ((Date.now() - w0) / 1000);
      log(`  idle Node-RED without dir-watch: ${idle.baselinePercent.toFixed(2)}% of one core over ${s.dirIdleSeconds} s`);
    } finally {
      await empty.stop().catch(() => undefined);
    }
  }
  return {
    files: s.dirFiles,
    lines: total,
    bytes: total * LINE_BYTES,
    rate: median(runs.map((r) => r.rate)),
    runs,
    idle,
  };
}

module.exports = { runDirWatch, registeredTypes };
