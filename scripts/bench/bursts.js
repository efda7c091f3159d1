'use strict';
// What a burst costs after a pause: one Node-RED with the benchmark's `lines`
// pipeline (file-tail -> micro-batch -> sink), bursts of 1,000,000 lines with
// a pause before each, and per burst the rate from the end of the write, the
// CPU time of the process and its minor page faults. See docs/BENCHMARKS.md
// ("lines output >= 1/2 of the plain loop").
//
//   npm run build && node scripts/bench/bursts.js [pauseSeconds=17] [bursts=6] [node options...]
//   node scripts/bench/bursts.js 1.5
//   node scripts/bench/bursts.js 17 6 --min-semi-space-size=16
const fs = require('fs');
const os = require('os');
const path = require('path');
const { startSubject } = require('./subject');
const { packFlow } = require('./flows');
const { makeLines, appendAll, LINE_CHARS } = require('./lines');
const { sleep } = require('./common');

const REPO_ROOT = path.resolve(__dirname, '..', '..');
const LINES = 1_000_000;

/** Minor page faults of `pid` so far (field 10 of /proc/<pid>/stat). */
function minorFaults(pid) {
  const text = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
  return Number(text.slice(text.lastIndexOf(')') + 2).split(' ')[7]);
}

async function main() {
  const [pauseArg = '17', burstsArg = '6', ...nodeArgs] = process.argv.slice(2);
  const pauseMs = Number(pauseArg) * 1000;
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'log-ingest-bursts-'));
  const file = path.join(tmp, 'app.log');
  fs.writeFileSync(file, '');
  const sub = await startSubject({ name: 'bursts', flows: packFlow({ file, output: 'lines', batchSize: 1000, timeoutS: 1 }), packDir: REPO_ROOT, tmp, nodeArgs });
  const burst = makeLines(LINES);
  const chars = Math.ceil(LINES * LINE_CHARS * 0.99);
  try {
    console.log(`node ${nodeArgs.join(' ') || '(no options)'}; ${pauseArg} s before each burst of ${LINES.toLocaleString('en-US')} lines`);
    for (let i = 0; i <= Number(burstsArg); i++) {
      await sub.reset(chars);
      await sleep(pauseMs);
      const cpu0 = sub.cpuSeconds();
      const faults0 = minorFaults(sub.pid);
      appendAll(file, burst);
      const written = Date.now();
      const st = await sub.waitForChars(chars);
      const rate = st.sink.markCount / ((st.sink.mark - written) / 1000);
      const line = `${(rate / 1e6).toFixed(2)} M lines/s, ${(sub.cpuSeconds() - cpu0).toFixed(2)} CPU-s, ${minorFaults(sub.pid) - faults0} minor faults`;
      // The first burst is the warm-up, as in the benchmark.
      console.log(i === 0 ? `warm-up: ${line}` : `burst ${i}: ${line}`);
    }
  } finally {
    await sub.stop();
    fs.rmSync(tmp, { recursive: true, force: true });
  }
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
