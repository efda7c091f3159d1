'use strict';
// Scenario 6: events. What parsing lines into events and joining multiline
// records cost, each against the same pipeline without it, on the same file,
// in the same runs.
//
// A burst of BENCH_EVENTS_LINES lines (500,000) is appended at once to the
// file each subject follows. Subjects, each in its own Node-RED process, all
// started before the first run and measured in turn within each run:
//   events-plain        file-tail (lines) -> micro-batch -> sink, on syslog lines
//                       (RFC 5424 and RFC 3164 alternately, half of the RFC 5424
//                       ones with structured data, 195 bytes a line on average)
//   events-syslog       the same -> log-parse (syslog, ECS) -> sink, same file
//   events-plain-mixed  file-tail (lines) -> micro-batch -> sink, on a mix of
//                       RFC 5424, RFC 3164, CEF, JSON, CLF and logfmt lines in turn
//   events-auto         the same -> log-parse (auto, ECS) -> sink, same mix
//   multiline-none      file-tail (lines) -> micro-batch -> sink on a Java log
//                       (2 in 3 records one line, the others stack traces of 10
//                       to 30 lines): every line a record
//   multiline-java      the same with multiline "java": stack traces as one record
//
// The mixed file has its own plain baseline: its lines are of other formats
// and a little longer, and the target compares like with like.
//
// The sink counts records (array elements: lines, joined records or parsed
// objects, see flows.js recordsSinkFn) and notes when 99% of the burst's
// records had arrived; rates are counted from the end of the write to then,
// as in scenario 1 (rounded down to whole batches of 1,000, see markFor).
// The last 1% is left out because micro-batch holds its
// last partial batch for its 1 s timeout, and with multiline the file's last
// record is held until the multiline timeout (0.5 s here, 5 s by default)
// since no next line says it is complete. A multiline record stands for
// several lines: the lines the first k records hold are known from the
// generated file, so its lines/s are those of the records counted.
//
// log-parse's lines that failed go out of its second output to a second sink
// that counts them too (so "arrived" means parsed or failed), and apart; the
// report gives that count, and a target is met only with none failed.
//
// Subjects whose node is missing (log-parse not in the pack) are left out
// with a note; a subject whose warm-up burst does not come through whole
// (the multiline joiner not in the build, say) is left out of the runs with
// what arrived.
const fs = require('fs');
const path = require('path');
const { makeSyslogLines, makeMixedLines, makeJavaTraces, appendAll } = require('./lines');
const { eventsFlow } = require('./flows');
const { startSubject } = require('./subject');
const { packNodeTypes } = require('./pack');
const { runStats, sleep } = require('./common');

const MARK = 0.99;
const MULTILINE_TIMEOUT_S = 0.5;
/** No record for this long after the last one: the burst will not come through whole. */
const QUIET_MS = 8000;
const FIRST_RECORD_TIMEOUT_MS = 60000;

const SUBJECTS = [
  { name: 'events-plain', file: 'syslog' },
  { name: 'events-syslog', file: 'syslog', parse: { format: 'syslog', schema: 'ecs' } },
  { name: 'events-plain-mixed', file: 'mixed' },
  { name: 'events-auto', file: 'mixed', parse: { format: 'auto', schema: 'ecs' } },
  { name: 'multiline-none', file: 'java' },
  { name: 'multiline-java', file: 'java', multiline: 'java' },
];

async function runEvents(ctx) {
  const { settings: s, tmp, packDir, log } = ctx;
  const dir = path.join(tmp, 'events');
  fs.mkdirSync(dir, { recursive: true });
  const N = s.eventsLines;
  log(`\n[events] log-parse and multiline records: bursts of ${N.toLocaleString('en-US')} lines appended at once, ${s.runs} runs`);
  const files = { syslog: makeSyslogLines(N), mixed: makeMixedLines(N), java: makeJavaTraces(N) };
  const described = describeFiles(files);
  for (const [key, text] of Object.entries(described)) log(`  ${key}: ${text}`);

  const only = process.env.BENCH_SUBJECTS ? new Set(process.env.BENCH_SUBJECTS.split(',')) : null;
  const hasLogParse = packNodeTypes(packDir).includes('log-parse');
  const nodeArgs = process.env.BENCH_NODE_ARGS ? process.env.BENCH_NODE_ARGS.split(' ') : undefined;
  const subjects = [];
  const leftOut = {};
  const results = {};
  try {
    for (const def of SUBJECTS) {
      if (only && !only.has(def.name)) continue;
      if (def.parse && !hasLogParse) {
        leftOut[def.name] = 'the pack registers no "log-parse" node type';
        log(`  ${def.name}: left out (${leftOut[def.name]})`);
        continue;
      }
      const burst = files[def.file];
      const file = path.join(dir, `${def.name}.log`);
      fs.writeFileSync(file, '');
      const flows = eventsFlow({ file, multiline: def.multiline, multilineTimeoutS: MULTILINE_TIMEOUT_S, parse: def.parse, batchSize: s.batchSize, timeoutS: s.batchTimeoutS });
      const sub = await startSubject({ name: def.name, flows, packDir, verbose: s.verbose, tmp, nodeArgs });
      log(`  started ${def.name} (Node-RED pid ${sub.pid})`);
      subjects.push({
        ...def,
        file,
        sub,
        burst,
        // With multiline the sink sees records; without, lines.
        expected: def.multiline ? burst.records : burst.lines,
        batchSize: s.batchSize,
        linesBefore: def.multiline ? burst.linesBefore : null,
      });
    }

    // Warm-up: one untimed burst each (see scenario 1), which also checks
    // that the whole burst comes through, as many records as expected.
    for (const subj of [...subjects]) {
      const r = await measure(subj);
      if (!r.complete) {
        leftOut[subj.name] = r.problem;
        log(`  ${subj.name}: left out of the runs (${r.problem})`);
        subjects.splice(subjects.indexOf(subj), 1);
        await subj.sub.stop().catch(() => undefined);
        continue;
      }
      if (subj.parse) log(`  ${subj.name}: first record out ${JSON.stringify(r.sample).slice(0, 300)}`);
      if (r.failed > 0) log(`  ${subj.name}: ${r.failed} of ${subj.expected} lines failed to parse`);
    }

    for (let run = 1; run <= s.runs; run++) {
      const line = [];
      for (const subj of subjects) {
        const r = await measure(subj);
        if (!r.complete) throw new Error(`${subj.name}, run ${run}: ${r.problem}`);
        (results[subj.name] ||= []).push(r);
        line.push(`${subj.name} ${(r.lineRate / 1e6).toFixed(2)}M/s`);
        await sleep(300);
      }
      log(`  run ${run}/${s.runs}: ${line.join(', ')}`);
    }
  } finally {
    for (const subj of subjects) await subj.sub.stop().catch(() => undefined);
    fs.rmSync(dir, { recursive: true, force: true });
  }

  const summary = {};
  for (const [name, runs] of Object.entries(results)) {
    const stat = (key) => runStats(runs, key);
    summary[name] = {
      lineRate: stat('lineRate'),
      recordRate: stat('recordRate'),
      fromStartLineRate: stat('fromStartLineRate'),
      perCpu: stat('perCpu'),
      failed: Math.max(...runs.map((r) => r.failed)),
      records: runs[0].records,
      sample: runs[0].sample,
    };
  }
  return {
    lines: N,
    runs: s.runs,
    batchSize: s.batchSize,
    multilineTimeoutS: MULTILINE_TIMEOUT_S,
    files: described,
    javaRecords: files.java.records,
    subjects: summary,
    leftOut,
  };
}

function describeFiles(files) {
  const b = (f) => `${Math.round(f.meanBytes)} bytes a line on average`;
  return {
    syslog: `syslog, RFC 5424 and RFC 3164 alternately, half of the RFC 5424 lines with structured data, ${b(files.syslog)}`,
    mixed: `RFC 5424, RFC 3164, CEF, JSON, CLF (combined) and logfmt lines in turn, ${b(files.mixed)}`,
    java: `a Java application log, ${files.java.records.toLocaleString('en-US')} records (2 in 3 one line, the others stack traces of 10 to 30 lines), ${b(files.java)}`,
  };
}

/**
 * Polls the subject's sink until `expected` records have arrived; gives up
 * when none has come for QUIET_MS (or none at all within a minute).
 * Resolves with {sink, complete}.
 */
async function waitForRecords(sub, expected, t0) {
  for (;;) {
    const { sink, now } = await sub.stats();
    if (sink && sink.count >= expected) return { sink, complete: true };
    const quiet = sink && sink.count > 0 ? now - sink.last > QUIET_MS : now - t0 > FIRST_RECORD_TIMEOUT_MS;
    if (quiet) return { sink, complete: false };
    await sleep(25);
  }
}

/** Waits until the sink has had nothing for a while (the multiline timeout and the batch timeout over). */
async function settled(sub, quietMs) {
  for (;;) {
    const { sink, now } = await sub.stats();
    if (now - sink.last > quietMs) return sink;
    await sleep(50);
  }
}

/**
 * The record count at which the rate is taken: 99% of the burst, rounded
 * down to whole batches. A mark inside the last, partial batch would wait
 * for micro-batch's timeout (68,285 Java records: 99% is 67,603, in the
 * batch that goes out 1 s after the rest).
 */
function markFor(expected, batchSize) {
  const mark = Math.ceil(expected * MARK);
  return mark > batchSize ? Math.floor(mark / batchSize) * batchSize : mark;
}

/** Appends the subject's burst to its file and measures how fast its records get through. */
async function measure(subj) {
  const { sub, burst, expected } = subj;
  await sub.resetRecords(markFor(expected, subj.batchSize));
  const c0 = sub.cpuSeconds();
  const t0 = Date.now();
  appendAll(subj.file, burst.buf);
  const written = Date.now();
  let { sink, complete } = await waitForRecords(sub, expected, t0);
  if (!complete) {
    const got = sink ? sink.count : 0;
    return { complete: false, problem: `${got.toLocaleString('en-US')} of ${expected.toLocaleString('en-US')} ${subj.multiline ? 'records' : 'lines'} arrived` };
  }
  if (subj.multiline) {
    // Lines that were not joined would reach the count early: only the count once nothing more comes is the check.
    sink = await settled(sub, (MULTILINE_TIMEOUT_S + 1) * 1000 + 500);
    if (sink.count !== expected) {
      return { complete: false, problem: `${sink.count.toLocaleString('en-US')} records arrived, ${expected.toLocaleString('en-US')} expected (the lines were not joined as expected)` };
    }
  }
  const cpu = sub.cpuSeconds() - c0;
  const linesAtMark = subj.linesBefore ? subj.linesBefore[Math.min(sink.markCount, expected)] : sink.markCount;
  const fromEnd = (sink.mark - written) / 1000;
  return {
    complete: true,
    recordRate: sink.markCount / fromEnd,
    lineRate: linesAtMark / fromEnd,
    fromStartLineRate: linesAtMark / ((sink.mark - t0) / 1000),
    // Lines per CPU second of the Node-RED process (all its threads).
    perCpu: burst.lines / cpu,
    records: sink.count,
    failed: sink.failed,
    sample: sink.sample,
  };
}

module.exports = { runEvents };
