'use strict';
// Scenario 2: latency at a steady rate (500 lines/s). Each line carries the
// time it was written (Date.now(), the clock the benchmark shares with the
// Node-RED process) and a probe wired right after the tail node notes
// now - then: the time from write to the tail node's output, the hop to the
// probe included. The tail node also feeds its batcher, as in a real flow.
//
// Lines are written one write() each, paced against the clock (not by
// sleeping a fixed time per line), for BENCH_LATENCY_SECONDS per run.
// Resolution: 1 ms (Date.now()).
const fs = require('fs');
const path = require('path');
const { stampedLine } = require('./lines');
const { packFlow, peerFlow } = require('./flows');
const { startSubject } = require('./subject');
const { median, percentile, sleep, until } = require('./common');

async function runLatency(ctx) {
  const { settings: s, tmp, packDir, log } = ctx;
  const dir = path.join(tmp, 'latency');
  fs.mkdirSync(dir, { recursive: true });
  log(`\n[2/4] latency: ${s.latencyRate} lines/s for ${s.latencySeconds} s, ${s.latencyRuns} runs`);
  const common = { batchSize: s.batchSize, timeoutS: s.batchTimeoutS, probe: true };
  const defs = [
    { name: 'pack-lines', flow: (file) => packFlow({ file, output: 'lines', ...common }) },
    { name: 'pack-line', flow: (file) => packFlow({ file, output: 'line', ...common }) },
    { name: 'peer', flow: (file) => peerFlow({ file, ...common }) },
  ];
  const subjects = [];
  const runs = {};
  try {
    for (const d of defs) {
      const file = path.join(dir, `${d.name}.log`);
      fs.writeFileSync(file, '');
      const sub = await startSubject({ name: `latency-${d.name}`, flows: d.flow(file), packDir, verbose: s.verbose, tmp });
      subjects.push({ name: d.name, file, sub });
    }
    // Warm-up: a second of lines each, not counted.
    for (const subj of subjects) await measure(subj, s.latencyRate, 1);
    for (let run = 1; run <= s.latencyRuns; run++) {
      const line = [];
      for (const subj of subjects) {
        const r = await measure(subj, s.latencyRate, s.latencySeconds);
        (runs[subj.name] ||= []).push(r);
        line.push(`${subj.name} p50 ${r.p50} p99 ${r.p99} max ${r.max} ms (${r.samples}/${r.written})`);
      }
      log(`  run ${run}/${s.latencyRuns}: ${line.join('; ')}`);
    }
  } finally {
    for (const subj of subjects) await subj.sub.stop().catch(() => undefined);
    fs.rmSync(dir, { recursive: true, force: true });
  }
  const summary = {};
  for (const [name, rs] of Object.entries(runs)) {
    summary[name] = {
      p50: median(rs.map((r) => r.p50)),
      p99: median(rs.map((r) => r.p99)),
      max: median(rs.map((r) => r.max)),
      worstMax: Math.max(...rs.map((r) => r.max)),
      samples: rs.reduce((a, r) => a + r.samples, 0),
      written: rs.reduce((a, r) => a + r.written, 0),
      runs: rs,
    };
  }
  return { rate: s.latencyRate, seconds: s.latencySeconds, runs: s.latencyRuns, subjects: summary };
}

/** Writes `rate` stamped lines a second for `seconds`; returns the latency percentiles seen by the probe. */
async function measure(subj, rate, seconds) {
  await subj.sub.reset(0);
  const total = Math.round(rate * seconds);
  const fd = fs.openSync(subj.file, 'a');
  const t0 = Date.now();
  let written = 0;
  try {
    while (written < total) {
      const due = Math.min(total, Math.floor(((Date.now() - t0) * rate) / 1000) + 1);
      while (written < due) {
        fs.writeSync(fd, stampedLine(written));
        written++;
      }
      // Sleep until the next line is due (timers fire at 1 ms granularity at best).
      const nextAt = t0 + (written * 1000) / rate;
      await sleep(Math.max(0, nextAt - Date.now()));
    }
  } finally {
    fs.closeSync(fd);
  }
  let st;
  await until(
    async () => {
      st = await subj.sub.stats();
      return st.probe && st.probe.lat.length + st.probe.other >= total;
    },
    { timeout: 10000, interval: 50, what: `${subj.name}: ${total} probe lines` },
  ).catch(() => undefined); // reported as samples < written
  const lat = (st && st.probe && st.probe.lat) || [];
  return {
    p50: percentile(lat, 50),
    p99: percentile(lat, 99),
    max: lat.length ? Math.max(...lat) : NaN,
    samples: lat.length,
    written: total,
  };
}

module.exports = { runLatency };
