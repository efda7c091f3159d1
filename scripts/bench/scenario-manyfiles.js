'use strict';
// Scenario 5 (BENCH_SCENARIOS=manyfiles): a dir-watch picking up many files.
//
// BENCH_MANY_FILES files (20,000 by default) in BENCH_MANY_FOLDERS sub-folders
// (20), each with BENCH_MANY_LINES lines (3), exist before the flow starts.
// Each run is a fresh Node-RED (no checkpoints) started with only the
// measuring nodes; once it has settled, its RSS is the baseline. Then a
// recursive dir-watch (start at beginning) -> micro-batch -> sink is deployed
// (deployment type "nodes": the measuring nodes keep running), and measured:
//
// - pick-up: from the deploy request until every line of every file has
//   reached the sink (each file's lines arrive once a file is followed), with
//   the count the sidebar API (GET /log-ingest/sources) then reports;
// - RSS per idle file: after BENCH_MANY_IDLE_SECONDS (75) of idleness, once
//   dir-watch has closed the idle files (after 30 s), (RSS - baseline RSS of
//   the same process) / files;
// - idle CPU over the next 20 s, as % of one core.
//
// Median and range of BENCH_MANY_RUNS runs (3).
const fs = require('fs');
const path = require('path');
const { makeLines, LINE_CHARS } = require('./lines');
const { manyFilesFlows, emptyFlow } = require('./flows');
const { startSubject } = require('./subject');
const { runStats, requestJson, sleep, until } = require('./common');
const { registeredTypes } = require('./scenario-dirwatch');

/** Batches are sent after this long at most: short, so the last one does not wait for long. */
const BATCH_TIMEOUT_S = 0.1;
/** Lets the runtime settle (start-up garbage, timers) before a memory or CPU figure. */
const SETTLE_MS = 5000;
/** Idle CPU is measured over this long, after the idle wait. */
const IDLE_CPU_MS = 20000;

function makeFiles(dir, { files, folders, lines }) {
  const perFolder = Math.ceil(files / folders);
  let n = 0;
  for (let f = 0; f < folders && n < files; f++) {
    const sub = path.join(dir, `part-${String(f).padStart(3, '0')}`);
    fs.mkdirSync(sub, { recursive: true });
    for (let i = 0; i < perFolder && n < files; i++, n++) fs.writeFileSync(path.join(sub, `app-${String(n).padStart(6, '0')}.log`), makeLines(lines, n * lines));
  }
  return n;
}

/** Files the sidebar API lists for the dir-watch node `id` (every file known, open or closed). */
async function sourceFiles(sub, id) {
  const sources = await requestJson(`${sub.url}log-ingest/sources`);
  const list = Array.isArray(sources) ? sources : (sources && sources.sources) || [];
  const mine = list.find((s) => s.id === id);
  // The answer lists the first files only; moreFiles counts the rest.
  return mine && Array.isArray(mine.files) ? mine.files.length + (mine.moreFiles || 0) : NaN;
}

async function oneRun(ctx, dir, files, run) {
  const { settings: s, tmp, packDir, log } = ctx;
  const flows = manyFilesFlows({ dir, batchSize: s.batchSize, timeoutS: BATCH_TIMEOUT_S });
  const sub = await startSubject({ name: `manyfiles-${run}`, flows: flows.before, packDir, verbose: s.verbose, tmp, nodeArgs: process.env.BENCH_NODE_ARGS ? process.env.BENCH_NODE_ARGS.split(' ') : undefined });
  try {
    await sleep(SETTLE_MS);
    const baselineKB = sub.memory().rssKB;
    const chars = files * s.manyLines * LINE_CHARS;
    await sub.reset(chars);
    const cpu0 = sub.cpuSeconds();
    const t0 = Date.now();
    await requestJson(`${sub.url}flows`, { method: 'POST', body: flows.after, headers: { 'Node-RED-Deployment-Type': 'nodes' } });
    const st = await sub.waitForChars(chars, { timeout: 600000, what: `every line of ${files} files` });
    const pickupMs = st.sink.mark - t0;
    const pickupCpu = sub.cpuSeconds() - cpu0;
    const known = await until(async () => {
      const n = await sourceFiles(sub, flows.watchId);
      return n >= files ? n : 0;
    }, { timeout: 60000, interval: 200, what: 'the sidebar API to list every file' }).catch(() => NaN);
    const peakKB = sub.memory().hwmKB;
    await sleep(s.manyIdleSeconds * 1000);
    const idleKB = sub.memory().rssKB;
    const c0 = sub.cpuSeconds();
    const w0 = Date.now();
    await sleep(IDLE_CPU_MS);
    const idleCpuPercent = (100 * (sub.cpuSeconds() - c0)) / ((Date.now() - w0) / 1000);
    const extra = await sub.stats();
    const r = {
      pickupMs,
      pickupCpu,
      known,
      records: extra.sink.count,
      baselineMB: baselineKB / 1024,
      idleMB: idleKB / 1024,
      peakMB: peakKB / 1024,
      kbPerFile: (idleKB - baselineKB) / files,
      idleCpuPercent,
    };
    log(
      `  run ${run}/${s.manyRuns}: every file followed in ${(pickupMs / 1000).toFixed(1)} s (${pickupCpu.toFixed(1)} CPU-s), ` +
        `sidebar lists ${known}; RSS ${r.baselineMB.toFixed(0)} -> ${r.idleMB.toFixed(0)} MB idle (peak ${r.peakMB.toFixed(0)}), ` +
        `${r.kbPerFile.toFixed(1)} KB per file; idle CPU ${idleCpuPercent.toFixed(2)}%`,
    );
    return r;
  } finally {
    await sub.stop().catch(() => undefined);
  }
}

async function runManyFiles(ctx) {
  const { settings: s, tmp, packDir, log } = ctx;
  log(`\n[5] dir-watch picking up ${s.manyFiles.toLocaleString('en-US')} files (${s.manyFolders} folders, ${s.manyLines} lines each), ${s.manyRuns} runs`);
  const probe = await startSubject({ name: 'types', flows: emptyFlow(), packDir, verbose: s.verbose, tmp });
  try {
    if (!(await registeredTypes(probe)).has('dir-watch')) return { skipped: 'dir-watch not available (the pack registers no "dir-watch" node type)' };
  } finally {
    await probe.stop();
  }
  const dir = path.join(tmp, 'manyfiles');
  const files = makeFiles(dir, { files: s.manyFiles, folders: s.manyFolders, lines: s.manyLines });
  const runs = [];
  try {
    for (let run = 1; run <= s.manyRuns; run++) runs.push(await oneRun(ctx, dir, files, run));
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
  const stat = (key) => runStats(runs, key);
  return {
    files,
    folders: s.manyFolders,
    linesPerFile: s.manyLines,
    idleSeconds: s.manyIdleSeconds,
    cpuSeconds: IDLE_CPU_MS / 1000,
    runs,
    pickupMs: stat('pickupMs'),
    pickupCpu: stat('pickupCpu'),
    kbPerFile: stat('kbPerFile'),
    idleMB: stat('idleMB'),
    peakMB: stat('peakMB'),
    idleCpuPercent: stat('idleCpuPercent'),
  };
}

module.exports = { runManyFiles };
