'use strict';
// Scenario 1: a burst of N lines of 100 bytes appended at once to a file that
// is being followed, through tail -> batcher (1,000 per batch) -> counting sink.
//
// Subjects, each in its own process and with its own file, all started before
// the first run and measured in turn within each run (so that a noisy moment
// of the shared machine does not hit one subject's runs only):
//   pack-lines  file-tail (output "lines") -> micro-batch -> sink
//   pack-line   file-tail (output "line")  -> micro-batch -> sink
//   pack-ack-lines  file-tail (output "lines") -> micro-batch (delivery "ack")
//               -> batch-ack -> sink: acknowledged delivery, the same settings
//               otherwise as pack-lines (its target is against pack-lines)
//   peer        node-red-node-tail -> join (manual, array) -> sink
//   floor-mb    Node-RED's floor for one message per line: a helper node sending
//               ready-made lines, one message each -> micro-batch -> sink
//   floor-join  the same -> join -> sink (the peer's pipeline without the file)
//   rsyslog     rsyslogd imfile -> omfile (when installed)
//   read-split  a plain Node.js loop reading the file and splitting it into strings
//   read-split-resident  the same loop in a process that stays up and is woken
//               by the file's change events, as the tail nodes are
//
// Lines per second = lines at the sink when 99% of the burst's characters had
// arrived, over the time from the start of the write to then. The last 1% is
// left out because a batcher holds a last partial batch until its timeout: a
// reader that splits a line in two (the peer does) leaves one.
//
// For profiling: BENCH_NODE_ARGS (e.g. "--cpu-prof --cpu-prof-dir=/tmp/prof")
// is passed to every Node-RED process, and BENCH_SUBJECTS (comma-separated
// names, e.g. "floor-mb,floor-join") keeps only those subjects.
const fs = require('fs');
const path = require('path');
const { execFileSync, spawn } = require('child_process');
const { makeLines, appendAll, LINE_CHARS } = require('./lines');
const { packFlow, packAckFlow, peerFlow, floorFlow } = require('./flows');
const { startSubject } = require('./subject');
const { packNodeTypes } = require('./pack');
const { startRsyslog, rsyslogVersion } = require('./rsyslog');
const { median, sleep, procCpuSeconds } = require('./common');

const MARK = 0.99;

async function runThroughput(ctx) {
  const { settings: s, tmp, packDir, log } = ctx;
  const dir = path.join(tmp, 'throughput');
  fs.mkdirSync(dir, { recursive: true });
  const N = s.lines;
  log(`\n[1/4] throughput: ${N.toLocaleString('en-US')} lines of 100 bytes appended at once, ${s.runs} runs`);
  const burst = makeLines(N);
  const subjects = [];
  const results = {};
  const record = (name, value) => (results[name] ||= []).push(value);

  const nodeArgs = process.env.BENCH_NODE_ARGS ? process.env.BENCH_NODE_ARGS.split(' ') : undefined;
  const only = process.env.BENCH_SUBJECTS ? new Set(process.env.BENCH_SUBJECTS.split(',')) : null;
  const wanted = (name) => !only || only.has(name);
  const nodeRedSubject = async (name, flowOf, pack = packDir) => {
    const file = path.join(dir, `${name}.log`);
    fs.writeFileSync(file, '');
    const sub = await startSubject({ name, flows: flowOf(file), packDir: pack, verbose: s.verbose, tmp, nodeArgs });
    log(`  started ${name} (Node-RED pid ${sub.pid})`);
    return { name, file, sub, kind: 'node-red' };
  };
  try {
    const common = { batchSize: s.batchSize, timeoutS: s.batchTimeoutS };
    if (wanted('pack-lines')) subjects.push(await nodeRedSubject('pack-lines', (file) => packFlow({ file, output: 'lines', ...common })));
    if (wanted('pack-ack-lines')) subjects.push(await nodeRedSubject('pack-ack-lines', (file) => packAckFlow({ file, output: 'lines', ...common })));
    if (wanted('pack-line')) subjects.push(await nodeRedSubject('pack-line', (file) => packFlow({ file, output: 'line', ...common })));
    if (ctx.comparePackDir) {
      // The same pipelines on another build (BENCH_COMPARE_DIR), measured in the same runs.
      if (wanted('compare-lines')) subjects.push(await nodeRedSubject('compare-lines', (file) => packFlow({ file, output: 'lines', ...common }), ctx.comparePackDir));
      if (wanted('compare-ack-lines') && packNodeTypes(ctx.comparePackDir).includes('batch-ack')) {
        subjects.push(await nodeRedSubject('compare-ack-lines', (file) => packAckFlow({ file, output: 'lines', ...common }), ctx.comparePackDir));
      }
      if (wanted('compare-line')) subjects.push(await nodeRedSubject('compare-line', (file) => packFlow({ file, output: 'line', ...common }), ctx.comparePackDir));
    }
    if (wanted('peer')) subjects.push(await nodeRedSubject('peer', (file) => peerFlow({ file, ...common })));
    const floors = [{ name: 'floor-mb', next: 'micro-batch', pack: packDir }, { name: 'floor-join', next: 'join', pack: packDir }];
    // Micro-batch's floor on the other build too: the A/B of the per-message path without a file.
    if (ctx.comparePackDir) floors.push({ name: 'compare-floor-mb', next: 'micro-batch', pack: ctx.comparePackDir });
    for (const { name, next, pack } of floors) {
      if (!wanted(name)) continue;
      const sub = await startSubject({ name, flows: floorFlow({ next, ...common }), packDir: pack, verbose: s.verbose, tmp, nodeArgs });
      log(`  started ${name} (Node-RED pid ${sub.pid})`);
      subjects.push({ name, sub, kind: 'floor' });
    }
    if (ctx.rsyslogBin && wanted('rsyslog')) {
      const file = path.join(dir, 'rsyslog.log');
      fs.writeFileSync(file, '');
      try {
        const rs = await startRsyslog({ bin: ctx.rsyslogBin, dir: path.join(dir, 'rsyslog'), input: file, log });
        subjects.push({ name: 'rsyslog', file, rs, kind: 'rsyslog' });
        ctx.meta.rsyslog = rsyslogVersion(ctx.rsyslogBin);
      } catch (err) {
        log(`  rsyslog skipped: ${err.message.split('\n')[0]}`);
        ctx.meta.rsyslogSkipped = err.message.split('\n')[0];
      }
    }
    if (wanted('read-split')) {
      subjects.push({ name: 'read-split', file: path.join(dir, 'read-split.log'), kind: 'loop' });
      fs.writeFileSync(subjects[subjects.length - 1].file, '');
    }
    if (wanted('read-split-resident')) {
      const residentFile = path.join(dir, 'read-split-resident.log');
      fs.writeFileSync(residentFile, '');
      subjects.push({ name: 'read-split-resident', file: residentFile, kind: 'resident', loop: await startResidentLoop(residentFile) });
    }

    // Warm-up: every subject handles one whole untimed burst first, so the
    // runs measure code V8 has compiled (see docs/BENCHMARKS.md).
    for (const subj of subjects) await measure(subj, burst, { log: null });

    for (let run = 1; run <= s.runs; run++) {
      const line = [];
      for (const subj of subjects) {
        const r = await measure(subj, burst, { log });
        record(subj.name, r);
        line.push(`${subj.name} ${((r.drainRate === undefined ? r.rate : r.drainRate) / 1e6).toFixed(2)}M/s`);
        await sleep(300);
      }
      log(`  run ${run}/${s.runs}: ${line.join(', ')}`);
    }
  } finally {
    for (const subj of subjects) {
      if (subj.sub) await subj.sub.stop().catch(() => undefined);
      if (subj.rs) await subj.rs.stop().catch(() => undefined);
      if (subj.loop) subj.loop.stop();
    }
    fs.rmSync(dir, { recursive: true, force: true });
  }

  const summary = {};
  for (const [name, runs] of Object.entries(results)) {
    summary[name] = {
      rate: median(runs.map((r) => r.rate)),
      rates: runs.map((r) => r.rate),
      fullRate: median(runs.map((r) => r.fullRate)),
      drainRate: runs[0].drainRate === undefined ? undefined : median(runs.map((r) => r.drainRate)),
      /** Each run's rate on the report's time base (see report.js endRate), for the range. */
      endRates: runs.map((r) => (r.drainRate === undefined ? r.rate : r.drainRate)),
      perCpu: median(runs.map((r) => r.perCpu)),
      records: runs.map((r) => r.records),
    };
  }
  return { lines: N, runs: s.runs, subjects: summary };
}

/**
 * Starts read-split-resident.js on `file`; resolves once it watches the file,
 * with expect(lines) (resolves with its report once it has read that many
 * more) and stop().
 */
function startResidentLoop(file) {
  const child = spawn(process.execPath, [path.join(__dirname, 'read-split-resident.js'), file], { stdio: ['pipe', 'pipe', 'inherit'] });
  const waiting = [];
  let rest = '';
  child.stdout.setEncoding('utf8');
  return new Promise((resolve, reject) => {
    child.once('error', reject);
    child.once('exit', (code) => reject(new Error(`read-split-resident exited (${code}) before it was ready`)));
    child.stdout.on('data', (chunk) => {
      const parts = (rest + chunk).split('\n');
      rest = parts.pop();
      for (const line of parts) {
        if (line === 'ready') {
          resolve({
            expect(lines) {
              child.stdin.write(`expect ${lines}\n`);
              return new Promise((res) => waiting.push(res));
            },
            stop: () => child.stdin.end(),
          });
        } else if (line) waiting.shift()?.(JSON.parse(line));
      }
    });
  });
}

/** Appends `buf` to the subject's file and measures how fast its lines get through. */
async function measure(subj, buf, { log }) {
  const lines = buf.length / 100;
  const chars = lines * LINE_CHARS;
  if (subj.kind === 'loop') {
    const offset = fs.statSync(subj.file).size;
    appendAll(subj.file, buf);
    const out = execFileSync(process.execPath, [path.join(__dirname, 'read-split.js'), subj.file, String(offset)], { encoding: 'utf8' });
    const { lines: got, ms, cpuMs } = JSON.parse(out);
    if (got !== lines) throw new Error(`read-split read ${got} lines, expected ${lines}`);
    // Timed inside, after the write: its rate is a rate from the end of the write.
    return { rate: got / (ms / 1000), drainRate: got / (ms / 1000), fullRate: got / (ms / 1000), records: got, perCpu: got / (cpuMs / 1000) };
  }
  if (subj.kind === 'resident') {
    const t0 = Date.now();
    const done = subj.loop.expect(lines);
    appendAll(subj.file, buf);
    const written = Date.now();
    const { lines: got, doneAt, cpuMs } = await done;
    return { rate: got / ((doneAt - t0) / 1000), drainRate: got / ((doneAt - written) / 1000), fullRate: got / ((doneAt - t0) / 1000), records: got, perCpu: got / (cpuMs / 1000) };
  }
  if (subj.kind === 'rsyslog') {
    const before = subj.rs.outputBytes();
    const target = before + buf.length; // each line comes out as its text plus '\n'
    const markBytes = before + Math.ceil(buf.length * MARK);
    let markAt = 0;
    let markSize = 0;
    const c0 = procCpuSeconds(subj.rs.pid);
    const t0 = Date.now();
    appendAll(subj.file, buf);
    const written = Date.now();
    await subj.rs.waitForBytes(target, {
      onProgress: (size) => {
        if (!markAt && size >= markBytes) {
          markAt = Date.now();
          markSize = size;
        }
      },
    });
    const end = Date.now();
    const cpu = procCpuSeconds(subj.rs.pid) - c0;
    const got = (markSize - before) / 100;
    return { rate: got / ((markAt - t0) / 1000), drainRate: got / ((markAt - written) / 1000), fullRate: lines / ((end - t0) / 1000), records: lines, perCpu: lines / cpu };
  }
  await subj.sub.reset(Math.ceil(chars * MARK));
  const c0 = subj.sub.cpuSeconds();
  const t0 = Date.now();
  if (subj.kind === 'floor') await subj.sub.floor(lines);
  else appendAll(subj.file, buf);
  // One write of the whole burst (100 MB take about half a second here)
  // raises its change event only once it is done: counted from then as well.
  const written = Date.now();
  const st = await subj.sub.waitForChars(chars, { timeout: 300000 });
  const cpu = subj.sub.cpuSeconds() - c0;
  const sink = st.sink;
  if (sink.chars !== chars && log) log(`  ${subj.name}: ${sink.chars} characters at the sink, ${chars} written`);
  return {
    rate: sink.markCount / ((sink.mark - t0) / 1000),
    drainRate: subj.kind === 'floor' ? undefined : sink.markCount / ((sink.mark - written) / 1000),
    fullRate: sink.count / ((sink.last - t0) / 1000),
    records: sink.count,
    // Lines per CPU second of the Node-RED process (all its threads): less
    // sensitive than lines/s to what else the machine runs meanwhile.
    perCpu: sink.count / cpu,
  };
}

module.exports = { runThroughput };
