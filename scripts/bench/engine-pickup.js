'use strict';
// The engine alone picking up many files: DirectoryTail over N generated
// files in one process, no Node-RED. For profiles (run with --cpu-prof,
// --heapsnapshot-signal) and for per-file CPU and memory figures, which
// vary less between runs than wall time on a busy machine.
//
//   node --expose-gc scripts/bench/engine-pickup.js [files=5000] [folders=20] [lines=3] [idleSeconds=40] [measureSeconds=10]
//
// Prints: time and CPU-s until every line arrived, then heap and RSS per
// file after the idle wait (idle files are closed meanwhile), minus the
// same figures taken before the tail started. ENGINE_DIST=<dist> measures
// another build. ENGINE_CHECKPOINTS=0 runs without checkpoints.
const fs = require('fs');
const os = require('os');
const path = require('path');

const dist = path.resolve(process.env.ENGINE_DIST || path.join(__dirname, '..', '..', 'dist'));
const { DirectoryTail } = require(path.join(dist, 'lib', 'directory-tail.js'));
const { CheckpointStore } = require(path.join(dist, 'lib', 'checkpoint-store.js'));
// Builds before the per-runtime ledger keep a module-wide one and ignore this option.
const { DeliveryLedger } = require(path.join(dist, 'lib', 'delivery-ledger.js'));

// measureSeconds: the idle CPU is taken over this long; 64 s spans two rounds of closed-file checks (every 32 polls).
const [files = 5000, folders = 20, lines = 3, idleSeconds = 40, measureSeconds = 10] = process.argv.slice(2).map(Number);
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

function makeFiles(dir) {
  const perFolder = Math.ceil(files / folders);
  let n = 0;
  for (let f = 0; f < folders && n < files; f++) {
    const sub = path.join(dir, `part-${String(f).padStart(3, '0')}`);
    fs.mkdirSync(sub, { recursive: true });
    for (let i = 0; i < perFolder && n < files; i++, n++) {
      let text = '';
      for (let l = 0; l < lines; l++) text += `line ${n * lines + l} of a generated log file, some words to make it longer\n`;
      fs.writeFileSync(path.join(sub, `app-${String(n).padStart(6, '0')}.log`), text);
    }
  }
  return n;
}

/** ENGINE_IDLE_PROFILE=<file>: a CPU profile of the idle measurement only. */
async function startProfile() {
  const inspector = require('inspector');
  const session = new inspector.Session();
  session.connect();
  const post = (method) => new Promise((resolve, reject) => session.post(method, (err, result) => (err ? reject(err) : resolve(result))));
  await post('Profiler.enable');
  await post('Profiler.start');
  return async () => (await post('Profiler.stop')).profile;
}

function memory() {
  global.gc?.();
  const m = process.memoryUsage();
  return { heap: m.heapUsed, rss: m.rss, external: m.external + m.arrayBuffers };
}

async function main() {
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'engine-pickup-'));
  const dir = path.join(tmp, 'files');
  const made = makeFiles(dir);
  const expected = made * lines;
  let received = 0;
  let resolveAll;
  const all = new Promise((resolve) => (resolveAll = resolve));
  const tail = new DirectoryTail(
    {
      id: 'engine',
      ledger: DeliveryLedger ? new DeliveryLedger() : undefined,
      discovery: { root: dir, patterns: ['*.log'], exclude: [], recursive: true, maxDepth: 8, ignoreOlderMs: 0, rescanMs: 10000 },
      startAt: 'beginning',
      encoding: 'utf8',
      delimiter: '\n',
      maxLineBytes: 1024 * 1024,
      longLines: 'cut',
      trackLineEnds: false,
      idleFlushMs: 1000,
      pollIntervalMs: 1000,
      maxOpenFiles: 4096,
      resume: true,
      checkpoints: process.env.ENGINE_CHECKPOINTS === '0' ? undefined : { store: new CheckpointStore(path.join(tmp, 'state')), intervalMs: 1000 },
    },
    {
      emit: (chunk) => {
        received += chunk.lines.length;
        if (received >= expected) resolveAll();
      },
      acksPerMessage: () => 0,
      creditLines: () => 20000,
      event: () => undefined,
      notice: () => undefined,
      error: (e) => console.error('error', e),
      mode: (m) => console.error('mode', m),
      checkpointError: (e) => console.error('checkpoint', e),
      checkpointProblem: (p) => console.error('checkpoint problem', p),
    },
  );
  await sleep(1000);
  const before = memory();
  const cpu0 = process.cpuUsage();
  const t0 = Date.now();
  await tail.start();
  await all;
  const ms = Date.now() - t0;
  const cpu = process.cpuUsage(cpu0);
  const peak = process.memoryUsage();
  console.log(
    `${made} files: every line in ${(ms / 1000).toFixed(1)} s, ${((cpu.user + cpu.system) / 1e6).toFixed(1)} CPU-s ` +
      `(user ${(cpu.user / 1e6).toFixed(1)}, system ${(cpu.system / 1e6).toFixed(1)}); rss ${(peak.rss / 1048576).toFixed(0)} MB right after`,
  );
  await sleep(idleSeconds * 1000);
  const idle = memory();
  const c1 = process.cpuUsage();
  const profiler = process.env.ENGINE_IDLE_PROFILE ? await startProfile() : undefined;
  await sleep(measureSeconds * 1000);
  const idleCpu = process.cpuUsage(c1);
  if (profiler) fs.writeFileSync(process.env.ENGINE_IDLE_PROFILE, JSON.stringify(await profiler()));
  const per = (a, b) => ((a - b) / 1024 / made).toFixed(2);
  console.log(
    `after ${idleSeconds} s idle: open ${tail.counts.open}, known ${tail.counts.known}; per file: heap ${per(idle.heap, before.heap)} KB, ` +
      `external ${per(idle.external, before.external)} KB, rss ${per(idle.rss, before.rss)} KB; idle CPU ${((idleCpu.user + idleCpu.system) / 1e4 / measureSeconds).toFixed(2)} % over ${measureSeconds} s`,
  );
  if (process.env.ENGINE_SNAPSHOT) require('v8').writeHeapSnapshot(process.env.ENGINE_SNAPSHOT);
  await tail.stop(1000);
  fs.rmSync(tmp, { recursive: true, force: true });
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
