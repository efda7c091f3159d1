'use strict';
// Scenario 3: a 1 GiB backlog. How much memory does the runtime take while it
// works through it, and does its HTTP server (the editor, the admin API,
// http-in flows) keep answering?
//
// This pack: Node-RED starts with file-tail (output "lines", start at
// beginning) -> micro-batch -> sink, following a path where no file is yet.
// Once the HTTP probe runs, the backlog appears at that path whole (a hard
// link to the generated file: no copying, the same bytes every run), and
// file-tail reads it from its start. Each run is a fresh Node-RED process.
//
// The peer cannot read a backlog (node-red-node-tail always starts at the end
// of a file, and looks for a missing file every 10 s), so it gets the nearest
// thing: the same gigabyte appended at once (8 MiB writes) to the file it
// follows. It is stopped when its RSS passes BENCH_PEER_BACKLOG_LIMIT_MB.
//
// Peak RSS: VmHWM of the Node-RED process (/proc/<pid>/status), so start-up
// is included. HTTP: GET /settings every 50 ms, one request at a time; the
// longest answer is the longest time the server was silent.
const fs = require('fs');
const path = require('path');
const { writeBacklog, LINE_CHARS } = require('./lines');
const { packFlow, peerFlow } = require('./flows');
const { startSubject } = require('./subject');
const { median, probeHttp, sampleRss, until, sleep } = require('./common');

async function runBacklog(ctx) {
  const { settings: s, tmp, log } = ctx;
  const dir = path.join(tmp, 'backlog');
  fs.mkdirSync(dir, { recursive: true });
  const source = path.join(dir, 'backlog.src');
  log(`\n[3/4] backlog: ${s.backlogMB} MiB read from the beginning, ${s.backlogRuns} runs`);
  const lines = writeBacklog(source, s.backlogMB);
  const bytes = fs.statSync(source).size;
  const out = { mb: s.backlogMB, lines, bytes, subjects: {} };
  try {
    const runs = [];
    for (let run = 1; run <= s.backlogRuns; run++) {
      const r = await packRun(ctx, dir, source, lines);
      runs.push(r);
      log(`  run ${run}/${s.backlogRuns}: pack-lines peak RSS ${r.peakMB.toFixed(0)} MB, longest HTTP answer ${r.httpMaxMs.toFixed(0)} ms, ${(r.rate / 1e6).toFixed(2)}M lines/s`);
    }
    out.subjects['pack-lines'] = summarize(runs);
    if (s.peerBacklog) {
      const r = await peerRun(ctx, dir, source, lines);
      log(
        `  peer (1 run): peak RSS ${r.peakMB.toFixed(0)} MB, longest HTTP answer ${r.httpMaxMs.toFixed(0)} ms, ` +
          (r.aborted ? `stopped: ${r.aborted}` : `${(r.rate / 1e6).toFixed(2)}M lines/s`),
      );
      out.subjects.peer = summarize([r]);
    }
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
  return out;
}

function summarize(runs) {
  return {
    peakMB: median(runs.map((r) => r.peakMB)),
    worstPeakMB: Math.max(...runs.map((r) => r.peakMB)),
    httpMaxMs: median(runs.map((r) => r.httpMaxMs)),
    worstHttpMaxMs: Math.max(...runs.map((r) => r.httpMaxMs)),
    httpP99Ms: median(runs.map((r) => r.httpP99Ms)),
    rate: median(runs.map((r) => r.rate)),
    seconds: median(runs.map((r) => r.seconds)),
    aborted: runs.map((r) => r.aborted).find(Boolean) || null,
    runs,
  };
}

async function packRun(ctx, dir, source, lines) {
  const { settings: s, tmp, packDir } = ctx;
  const file = path.join(dir, 'pack.log');
  fs.rmSync(file, { force: true });
  const sub = await startSubject({
    name: 'backlog-pack-lines',
    flows: packFlow({ file, output: 'lines', startAt: 'beginning', batchSize: s.batchSize, timeoutS: s.batchTimeoutS }),
    packDir,
    verbose: s.verbose,
    tmp,
  });
  try {
    await sub.reset(0);
    const probe = probeHttp(`${sub.url}settings`, 50);
    const rss = sampleRss(sub.pid, 50);
    await sleep(500); // idle answers first: the probe's own baseline
    const t0 = Date.now();
    fs.linkSync(source, file);
    const st = await sub.waitForChars(lines * LINE_CHARS, { timeout: 600000 });
    const http = await probe.stop();
    rss.stop();
    const { hwmKB } = sub.memory();
    return {
      peakMB: hwmKB / 1024,
      httpMaxMs: http.maxMs,
      httpP99Ms: http.p99Ms,
      httpRequests: http.count,
      rate: st.sink.count / ((st.sink.last - t0) / 1000),
      seconds: (st.sink.last - t0) / 1000,
      aborted: null,
    };
  } finally {
    await sub.stop();
    fs.rmSync(file, { force: true });
  }
}

async function peerRun(ctx, dir, source, lines) {
  const { settings: s, tmp, packDir } = ctx;
  const file = path.join(dir, 'peer.log');
  fs.writeFileSync(file, '');
  const sub = await startSubject({
    name: 'backlog-peer',
    flows: peerFlow({ file, batchSize: s.batchSize, timeoutS: s.batchTimeoutS }),
    packDir,
    verbose: s.verbose,
    tmp,
  });
  const limitKB = s.peerBacklogLimitMB * 1024;
  let aborted = null;
  try {
    await sub.reset(0);
    const probe = probeHttp(`${sub.url}settings`, 50);
    const rss = sampleRss(sub.pid, 50);
    await sleep(500);
    const t0 = Date.now();
    appendFileFrom(source, file);
    let st;
    await until(
      async () => {
        if (rss.peakKB > limitKB) {
          aborted = `RSS over ${s.peerBacklogLimitMB} MB after ${((Date.now() - t0) / 1000).toFixed(0)} s`;
          return true;
        }
        st = await sub.stats().catch(() => st);
        return st && st.sink && st.sink.chars >= lines * LINE_CHARS;
      },
      { timeout: 600000, interval: 100, what: 'the peer to read the backlog' },
    );
    const http = await probe.stop();
    const { peakKB } = rss.stop();
    const { hwmKB } = sub.memory();
    const sink = st && st.sink;
    return {
      peakMB: Math.max(hwmKB || 0, peakKB) / 1024,
      httpMaxMs: http.maxMs,
      httpP99Ms: http.p99Ms,
      httpRequests: http.count,
      rate: sink && !aborted ? sink.count / ((sink.last - t0) / 1000) : NaN,
      seconds: sink && !aborted ? (sink.last - t0) / 1000 : NaN,
      aborted,
    };
  } finally {
    await sub.stop('SIGKILL').catch(() => undefined);
    fs.rmSync(file, { force: true });
  }
}

/** Appends the whole of `src` to `dst`, 8 MiB at a time. */
function appendFileFrom(src, dst) {
  const buf = Buffer.allocUnsafe(8 * 1024 * 1024);
  const fin = fs.openSync(src, 'r');
  const fout = fs.openSync(dst, 'a');
  try {
    for (;;) {
      const n = fs.readSync(fin, buf, 0, buf.length, null);
      if (n === 0) break;
      let off = 0;
      while (off < n) off += fs.writeSync(fout, buf, off, n - off);
    }
  } finally {
    fs.closeSync(fin);
    fs.closeSync(fout);
  }
}

module.exports = { runBacklog };
