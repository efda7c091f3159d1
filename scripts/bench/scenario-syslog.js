'use strict';
// Scenario 7: syslog over TCP. How many messages a second a receiver takes
// from 10 senders at once, each writing as fast as its connection drains.
//
// BENCH_SYSLOG_MESSAGES messages (1,000,000) are shared by
// BENCH_SYSLOG_SENDERS TCP connections (10), from a process of their own
// (syslog-senders.js): RFC 5424 and RFC 3164 lines alternately, half of the
// RFC 5424 ones with structured data, LF-framed (every receiver here
// understands that), about 190 bytes each, the same in every run. Subjects,
// each in its own process, all started before the first run and measured in
// turn within each run:
//   syslog-in       this pack: syslog-in (tcp, framing auto, output lines,
//                   parse off) -> micro-batch -> records sink
//   syslog-in-ecs   the same with parse on (schema ECS); the sink also counts
//                   the messages that did not parse
//   syslog-peer     the Node-RED peer: bench-syslog-peer (syslog-peer-node:
//                   simple-syslog-server, one message per syslog message,
//                   standing in for node-red-contrib-syslog-input, which is
//                   not on the registry) -> the same micro-batch -> sink
//   syslog-tcp-in   Node-RED's core tcp in (stream of strings split at '\n',
//                   one message per line) -> the same micro-batch -> sink
//   syslog-rsyslog  rsyslogd imtcp -> omfile (template %rawmsg%\n), when
//                   installed: progress is the output file's size, and its
//                   lines are counted once all bytes are there
//   syslog-count    a plain Node.js server that reads the connections and
//                   counts '\n' (syslog-count-server.js): the ceiling the
//                   senders and the loopback leave a Node.js receiver here
// micro-batch has its defaults (10,000 records or 5 s; BENCH_SYSLOG_BATCH,
// BENCH_SYSLOG_BATCH_TIMEOUT) after every Node-RED receiver, so that every
// sink sees the same batches and every receiver pays for the batcher.
//
// Rate = messages / (time from the senders' first write to the moment the
// last message was at the sink, or in rsyslog's file). The first write
// comes after all connections are open; on the loopback it reaches the
// receiver within a fraction of a millisecond, so this is the time from the
// first message received to the last. With a message count that is not a
// multiple of the batch size the last partial batch waits for micro-batch's
// timeout: the rate is then taken at the last whole batch (see markFor), and
// all messages must still arrive. Every run checks that every message
// arrived, no more and no fewer.
const fs = require('fs');
const path = require('path');
const net = require('net');
const { spawn } = require('child_process');
const { syslogFlow } = require('./flows');
const { startSubject } = require('./subject');
const { packNodeTypes } = require('./pack');
const { startRsyslogTcp, rsyslogVersion, countLines } = require('./rsyslog');
const { getFreePort } = require('../../test/support/node-red-process');
const { runStats, sleep, until, procCpuSeconds } = require('./common');

/** The peer's helper node (it needs simple-syslog-server, a devDependency). */
const PEER_NODE_DIR = path.join(__dirname, 'syslog-peer-node');

const SUBJECTS = [
  { name: 'syslog-in', receiver: 'syslog-in', parse: false },
  { name: 'syslog-in-ecs', receiver: 'syslog-in', parse: true },
  { name: 'syslog-peer', receiver: 'peer' },
  { name: 'syslog-tcp-in', receiver: 'tcp-in' },
  { name: 'syslog-rsyslog', receiver: 'rsyslog' },
  { name: 'syslog-count', receiver: 'count' },
];

/** No new batch for this long (past the batch timeout): the messages will not all come. */
const QUIET_MS = 10000;

async function runSyslog(ctx) {
  const { settings: s, tmp, packDir, log } = ctx;
  const dir = path.join(tmp, 'syslog');
  fs.mkdirSync(dir, { recursive: true });
  const N = s.syslogMessages;
  const batch = { batchSize: s.syslogBatch, timeoutS: s.syslogBatchTimeoutS };
  log(`\n[syslog] ${N.toLocaleString('en-US')} messages over TCP from ${s.syslogSenders} connections at once, micro-batch ${batch.batchSize} / ${batch.timeoutS} s, ${s.runs} runs`);

  const only = process.env.BENCH_SUBJECTS ? new Set(process.env.BENCH_SUBJECTS.split(',')) : null;
  const nodeArgs = process.env.BENCH_NODE_ARGS ? process.env.BENCH_NODE_ARGS.split(' ') : undefined;
  const hasSyslogIn = packNodeTypes(packDir).includes('syslog-in');
  const peerLib = peerLibraryVersion();
  const subjects = [];
  const leftOut = {};
  const results = {};
  let senders;
  try {
    senders = await startSenders(N, s.syslogSenders);
    log(`  senders ready: ${senders.info.messages.toLocaleString('en-US')} messages, ${Math.round(senders.info.meanBytes)} bytes each on average (${(senders.info.bytes / 1e6).toFixed(0)} MB)`);
    for (const def of SUBJECTS) {
      if (only && !only.has(def.name)) continue;
      const why = reasonToLeaveOut(def, { hasSyslogIn, peerLib, rsyslogBin: ctx.rsyslogBin, rsyslogWanted: s.rsyslog });
      if (why) {
        leftOut[def.name] = why;
        log(`  ${def.name}: left out (${why})`);
        continue;
      }
      if (def.receiver === 'count') {
        const counter = await startCountServer();
        subjects.push({ ...def, port: counter.port, counter });
        log(`  started ${def.name} (pid ${counter.pid}, port ${counter.port})`);
        continue;
      }
      const port = await getFreePort();
      if (def.receiver === 'rsyslog') {
        try {
          const rs = await startRsyslogTcp({ bin: ctx.rsyslogBin, dir: path.join(dir, def.name), port, log });
          ctx.meta.rsyslog = rsyslogVersion(ctx.rsyslogBin);
          subjects.push({ ...def, port, rs });
        } catch (err) {
          leftOut[def.name] = `rsyslogd did not start: ${err.message.split('\n')[0]}`;
          log(`  ${def.name}: left out (${leftOut[def.name]})`);
        }
        continue;
      }
      const flows = syslogFlow({ receiver: def.receiver, port, parse: def.parse, ...batch });
      const extraNodesDirs = def.receiver === 'peer' ? [PEER_NODE_DIR] : [];
      const sub = await startSubject({ name: def.name, flows, packDir, verbose: s.verbose, tmp, nodeArgs, extraNodesDirs });
      subjects.push({ ...def, port, sub });
      try {
        await waitForListener(port);
      } catch (err) {
        leftOut[def.name] = `nothing listens on its port after the deploy (${err.message})`;
        log(`  ${def.name}: left out (${leftOut[def.name]})`);
        subjects.pop();
        await sub.stop().catch(() => undefined);
        continue;
      }
      log(`  started ${def.name} (Node-RED pid ${sub.pid}, port ${port})`);
    }

    // Warm-up: every subject takes the whole set of messages once, untimed
    // (see scenario 1), which also checks that all of them come through.
    for (const subj of [...subjects]) {
      const r = await measure(subj, senders, N, batch);
      if (!r.complete) {
        leftOut[subj.name] = r.problem;
        log(`  ${subj.name}: left out of the runs (${r.problem})`);
        subjects.splice(subjects.indexOf(subj), 1);
        await stopSubject(subj);
        continue;
      }
      if (subj.parse) log(`  ${subj.name}: first record out ${JSON.stringify(r.sample).slice(0, 300)}`);
      if (r.failed > 0) log(`  ${subj.name}: ${r.failed} of ${N} messages did not parse`);
    }

    for (let run = 1; run <= s.runs; run++) {
      const line = [];
      for (const subj of subjects) {
        const r = await measure(subj, senders, N, batch);
        if (!r.complete) throw new Error(`${subj.name}, run ${run}: ${r.problem}`);
        (results[subj.name] ||= []).push(r);
        line.push(`${subj.name} ${(r.rate / 1e3).toFixed(0)}k/s`);
        await sleep(300);
      }
      log(`  run ${run}/${s.runs}: ${line.join(', ')}`);
    }
  } finally {
    for (const subj of subjects) await stopSubject(subj);
    if (senders) senders.stop();
    fs.rmSync(dir, { recursive: true, force: true });
  }

  const summary = {};
  for (const [name, runs] of Object.entries(results)) {
    const stat = (key) => runStats(runs, key);
    summary[name] = {
      rate: stat('rate'),
      perCpu: stat('perCpu'),
      sendSeconds: stat('sendSeconds'),
      received: runs.map((r) => r.received),
      failed: Math.max(...runs.map((r) => r.failed)),
      sample: runs[0].sample,
    };
  }
  return {
    messages: N,
    senders: s.syslogSenders,
    meanBytes: senders ? senders.info.meanBytes : NaN,
    runs: s.runs,
    batchSize: batch.batchSize,
    batchTimeoutS: batch.timeoutS,
    peerLib,
    subjects: summary,
    leftOut,
  };
}

/** Why a subject cannot be measured here, or null. */
function reasonToLeaveOut(def, { hasSyslogIn, peerLib, rsyslogBin, rsyslogWanted }) {
  if (def.receiver === 'syslog-in' && !hasSyslogIn) return 'the pack registers no "syslog-in" node type';
  if (def.receiver === 'peer' && !peerLib) return 'simple-syslog-server is not installed: run `npm install` (it is a devDependency)';
  if (def.receiver === 'rsyslog' && !rsyslogBin) return rsyslogWanted ? 'rsyslogd not installed' : 'BENCH_RSYSLOG=0';
  return null;
}

function peerLibraryVersion() {
  try {
    return JSON.parse(fs.readFileSync(require.resolve('simple-syslog-server/package.json'), 'utf8')).version;
  } catch {
    return null;
  }
}

async function stopSubject(subj) {
  if (subj.sub) await subj.sub.stop().catch(() => undefined);
  if (subj.rs) await subj.rs.stop().catch(() => undefined);
  if (subj.counter) subj.counter.stop();
}

/**
 * A child process speaking a line protocol on stdin/stdout: resolves with
 * {child, first, next()} once it has printed its first line (`first`);
 * next() resolves with the line it prints after that.
 */
function lineChild(script, args = []) {
  const child = spawn(process.execPath, [path.join(__dirname, script), ...args], { stdio: ['pipe', 'pipe', 'inherit'] });
  const waiting = [];
  const early = [];
  let rest = '';
  child.stdout.setEncoding('utf8');
  return new Promise((resolve, reject) => {
    let first = null;
    child.once('error', reject);
    child.once('exit', (code) => {
      const err = new Error(`${script} exited (${code})`);
      reject(err);
      for (const w of waiting.splice(0)) w.reject(err);
    });
    child.stdout.on('data', (chunk) => {
      const parts = (rest + chunk).split('\n');
      rest = parts.pop();
      for (const line of parts) {
        if (first === null) {
          first = line;
          resolve({
            child,
            first,
            next: () => (early.length ? Promise.resolve(early.shift()) : new Promise((res, rej) => waiting.push({ resolve: res, reject: rej }))),
          });
        } else {
          const w = waiting.shift();
          if (w) w.resolve(line);
          else early.push(line);
        }
      }
    });
  });
}

/** Starts syslog-count-server.js: {pid, port, expect(n) -> {lines, doneAt, cpuMs}, stop()}. */
async function startCountServer() {
  const { child, first, next } = await lineChild('syslog-count-server.js');
  const port = Number(/^listening (\d+)$/.exec(first)[1]);
  return {
    pid: child.pid,
    port,
    /** Resolves with a promise of the report once the server counts from 0 (so that no byte of the run comes before). */
    async expect(n) {
      child.stdin.write(`expect ${n}\n`);
      const ack = await next();
      if (ack !== 'counting') throw new Error(`syslog-count-server: ${ack}`);
      return { done: next().then((line) => JSON.parse(line)) };
    },
    stop: () => child.stdin.end(),
  };
}

/** Resolves once a TCP connection to 127.0.0.1:`port` is accepted (the receiver has deployed and listens). */
async function waitForListener(port) {
  await until(
    () =>
      new Promise((resolve) => {
        const socket = net.connect({ host: '127.0.0.1', port }, () => {
          socket.end();
          resolve(true);
        });
        socket.on('error', () => resolve(false));
      }),
    { timeout: 20000, interval: 100, what: `a listener on port ${port}` },
  );
}

/**
 * Starts syslog-senders.js; resolves once it has built its messages, with
 * info {messages, bytes, meanBytes}, send(port) (resolves with its report
 * {startedAt, writtenAt, closedAt}) and stop().
 */
async function startSenders(messages, count) {
  const { child, first, next } = await lineChild('syslog-senders.js', [String(messages), String(count)]);
  if (!first.startsWith('ready ')) throw new Error(`syslog-senders: ${first}`);
  return {
    info: JSON.parse(first.slice(6)),
    async send(port) {
      child.stdin.write(`send ${port}\n`);
      const report = JSON.parse(await next());
      if (report.error) throw new Error(`senders: ${report.error}`);
      return report;
    },
    stop: () => child.stdin.end(),
  };
}

/**
 * The record count at which the rate is taken: all messages, or the last
 * whole batch when they do not make whole batches (the last partial one
 * waits for micro-batch's timeout).
 */
function markFor(expected, batchSize) {
  return expected > batchSize ? Math.floor(expected / batchSize) * batchSize : expected;
}

/**
 * Polls the subject's sink until `expected` records have arrived; gives up
 * when none has come for QUIET_MS past the batch timeout.
 */
async function waitForRecords(sub, expected, t0, timeoutS) {
  for (;;) {
    const { sink, now } = await sub.stats();
    if (sink && sink.count >= expected) return { sink, complete: true };
    const since = sink && sink.count > 0 ? sink.last : t0;
    if (now - since > QUIET_MS + timeoutS * 1000) return { sink, complete: false };
    await sleep(25);
  }
}

/** Sends all messages to the subject and measures how fast they got through. */
async function measure(subj, senders, expected, { batchSize, timeoutS }) {
  if (subj.rs) return measureRsyslog(subj, senders, expected);
  if (subj.counter) {
    const { done } = await subj.counter.expect(expected);
    const [report, counted] = await Promise.all([senders.send(subj.port), done]);
    return {
      complete: true,
      rate: counted.lines / ((counted.doneAt - report.startedAt) / 1000),
      perCpu: counted.lines / (counted.cpuMs / 1000),
      sendSeconds: (report.writtenAt - report.startedAt) / 1000,
      received: counted.lines,
      failed: 0,
      sample: null,
    };
  }
  const { sub } = subj;
  await sub.resetRecords(markFor(expected, batchSize));
  const c0 = sub.cpuSeconds();
  const t0 = Date.now();
  const sent = senders.send(subj.port);
  const waited = waitForRecords(sub, expected, t0, timeoutS);
  const [report, { sink, complete }] = await Promise.all([sent, waited]);
  const cpu = sub.cpuSeconds() - c0;
  const got = sink ? sink.count : 0;
  if (!complete) return { complete: false, problem: `${got.toLocaleString('en-US')} of ${expected.toLocaleString('en-US')} messages arrived` };
  // More than sent would be duplicates: look once more after the senders have closed.
  const after = (await sub.stats()).sink;
  if (after.count !== expected) return { complete: false, problem: `${after.count.toLocaleString('en-US')} messages arrived, ${expected.toLocaleString('en-US')} sent` };
  return {
    complete: true,
    rate: sink.markCount / ((sink.mark - report.startedAt) / 1000),
    perCpu: expected / cpu,
    sendSeconds: (report.writtenAt - report.startedAt) / 1000,
    received: after.count,
    failed: after.failed,
    sample: sink.sample,
  };
}

async function measureRsyslog(subj, senders, expected) {
  const { rs } = subj;
  const before = rs.outputBytes();
  // Each message comes out as it was sent, '\n' included: the same bytes.
  const target = before + senders.info.bytes;
  let doneAt = 0;
  const c0 = procCpuSeconds(rs.pid);
  const sent = senders.send(subj.port);
  const waited = rs.waitForBytes(target, {
    timeout: 600000,
    onProgress: (size) => {
      if (!doneAt && size >= target) doneAt = Date.now();
    },
  });
  const [report] = await Promise.all([sent, waited]);
  const cpu = procCpuSeconds(rs.pid) - c0;
  const received = countLines(rs.output, before);
  const bytes = rs.outputBytes() - before;
  if (received !== expected || bytes !== senders.info.bytes) {
    return { complete: false, problem: `${received.toLocaleString('en-US')} lines (${bytes} bytes) in the output, ${expected.toLocaleString('en-US')} messages (${senders.info.bytes} bytes) sent` };
  }
  return {
    complete: true,
    rate: expected / ((doneAt - report.startedAt) / 1000),
    perCpu: expected / cpu,
    sendSeconds: (report.writtenAt - report.startedAt) / 1000,
    received,
    failed: 0,
    sample: null,
  };
}

module.exports = { runSyslog };
