'use strict';
// Shared pieces of the benchmark: settings from the environment, statistics,
// process sampling (/proc), small HTTP helpers and waiting.
const fs = require('fs');
const http = require('http');

/** Reads an integer from the environment, else `dflt`. */
function envInt(name, dflt) {
  const v = process.env[name];
  if (v === undefined || v === '') return dflt;
  const n = Number(v);
  if (!Number.isFinite(n)) throw new Error(`${name} must be a number, got ${JSON.stringify(v)}`);
  return Math.floor(n);
}

function envFlag(name) {
  return /^(1|true|yes|on)$/i.test(process.env[name] || '');
}

/** Benchmark settings; BENCH_QUICK shrinks every default (env vars still win). */
function settingsFromEnv() {
  const quick = envFlag('BENCH_QUICK');
  const scenarios = (process.env.BENCH_SCENARIOS || 'throughput,latency,backlog,dirwatch,events,syslog')
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
  return {
    quick,
    scenarios: new Set(scenarios),
    runs: envInt('BENCH_RUNS', quick ? 2 : 3),
    lines: envInt('BENCH_LINES', quick ? 200_000 : 1_000_000),
    batchSize: envInt('BENCH_BATCH', 1000),
    batchTimeoutS: Number(process.env.BENCH_BATCH_TIMEOUT || 1),
    latencyRate: envInt('BENCH_LATENCY_RATE', 500),
    latencySeconds: envInt('BENCH_LATENCY_SECONDS', quick ? 4 : 10),
    latencyRuns: envInt('BENCH_LATENCY_RUNS', quick ? 1 : 3),
    backlogMB: envInt('BENCH_BACKLOG_MB', quick ? 128 : 1024),
    backlogRuns: envInt('BENCH_BACKLOG_RUNS', quick ? 1 : 3),
    peerBacklog: process.env.BENCH_PEER_BACKLOG === undefined ? !quick : envFlag('BENCH_PEER_BACKLOG'),
    peerBacklogLimitMB: envInt('BENCH_PEER_BACKLOG_LIMIT_MB', 4096),
    dirFiles: envInt('BENCH_DIR_FILES', quick ? 200 : 1000),
    dirLines: envInt('BENCH_DIR_LINES', quick ? 100_000 : 500_000),
    dirIdleSeconds: envInt('BENCH_DIR_IDLE_SECONDS', quick ? 10 : 30),
    manyFiles: envInt('BENCH_MANY_FILES', quick ? 2000 : 20_000),
    manyFolders: envInt('BENCH_MANY_FOLDERS', quick ? 2 : 20),
    manyLines: envInt('BENCH_MANY_LINES', 3),
    eventsLines: envInt('BENCH_EVENTS_LINES', quick ? 100_000 : 500_000),
    syslogMessages: envInt('BENCH_SYSLOG_MESSAGES', quick ? 200_000 : 1_000_000),
    syslogSenders: envInt('BENCH_SYSLOG_SENDERS', 10),
    // micro-batch's own defaults: the syslog scenario measures the node as it comes.
    syslogBatch: envInt('BENCH_SYSLOG_BATCH', 10_000),
    syslogBatchTimeoutS: Number(process.env.BENCH_SYSLOG_BATCH_TIMEOUT || 5),
    manyRuns: envInt('BENCH_MANY_RUNS', quick ? 1 : 3),
    manyIdleSeconds: envInt('BENCH_MANY_IDLE_SECONDS', quick ? 5 : 75),
    rsyslog: process.env.BENCH_RSYSLOG === undefined ? true : envFlag('BENCH_RSYSLOG'),
    writeDoc: process.env.BENCH_WRITE_DOC === undefined ? true : envFlag('BENCH_WRITE_DOC'),
    verbose: envFlag('BENCH_VERBOSE'),
    lineBytes: 100,
  };
}

/** The variables of settingsFromEnv that were set, as `A=1 B=2 ` for the reproduce command. */
function envPrefix() {
  const names = Object.keys(process.env)
    .filter((k) => /^BENCH_/.test(k) && !['BENCH_WRITE_DOC', 'BENCH_JSON', 'BENCH_VERBOSE'].includes(k))
    .sort();
  return names.map((k) => `${k}=${process.env[k]} `).join('');
}

/** The median, range and values of `key` over a scenario's runs. */
function runStats(runs, key) {
  const values = runs.map((r) => r[key]);
  return { median: median(values), min: Math.min(...values), max: Math.max(...values), runs: values };
}

function median(values) {
  const v = values.filter((x) => Number.isFinite(x)).sort((a, b) => a - b);
  if (v.length === 0) return NaN;
  const mid = v.length >> 1;
  return v.length % 2 ? v[mid] : (v[mid - 1] + v[mid]) / 2;
}

/** Nearest-rank percentile of an array of numbers (p in 0..100). */
function percentile(values, p) {
  if (values.length === 0) return NaN;
  const v = Float64Array.from(values).sort();
  const rank = Math.ceil((p / 100) * v.length);
  return v[Math.min(v.length - 1, Math.max(0, rank - 1))];
}

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/** Polls `fn` every `interval` ms until it returns a truthy value; rejects after `timeout` ms. */
async function until(fn, { timeout = 60000, interval = 20, what = 'condition' } = {}) {
  const t0 = Date.now();
  for (;;) {
    const v = await fn();
    if (v) return v;
    if (Date.now() - t0 > timeout) throw new Error(`timed out after ${timeout} ms waiting for ${what}`);
    await sleep(interval);
  }
}

/** /proc/<pid>/status fields in kB: VmRSS, VmHWM. */
function procMemory(pid) {
  try {
    const text = fs.readFileSync(`/proc/${pid}/status`, 'utf8');
    const kb = (name) => {
      const m = new RegExp(`^${name}:\\s+(\\d+) kB`, 'm').exec(text);
      return m ? Number(m[1]) : NaN;
    };
    return { rssKB: kb('VmRSS'), hwmKB: kb('VmHWM') };
  } catch {
    return { rssKB: NaN, hwmKB: NaN };
  }
}

const CLK_TCK = 100; // getconf CLK_TCK on Linux x86-64 and arm64

/** CPU seconds (user + system) a process has used, from /proc/<pid>/stat. */
function procCpuSeconds(pid) {
  try {
    const text = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    // The command name (field 2) may hold spaces: split after its closing parenthesis.
    const fields = text.slice(text.lastIndexOf(')') + 2).split(' ');
    const utime = Number(fields[11]);
    const stime = Number(fields[12]);
    return (utime + stime) / CLK_TCK;
  } catch {
    return NaN;
  }
}

/** Samples the resident set of `pid` every `everyMs`; stop() returns {peakKB, samples}. */
function sampleRss(pid, everyMs = 50) {
  let peakKB = 0;
  let samples = 0;
  const timer = setInterval(() => {
    const { rssKB } = procMemory(pid);
    if (Number.isFinite(rssKB)) {
      samples++;
      if (rssKB > peakKB) peakKB = rssKB;
    }
  }, everyMs);
  return {
    get peakKB() {
      return peakKB;
    },
    stop() {
      clearInterval(timer);
      return { peakKB, samples };
    },
  };
}

const agent = new http.Agent({ keepAlive: true, maxSockets: 4 });

/** A JSON HTTP request to a local Node-RED; resolves with the parsed body. */
function requestJson(url, { method = 'GET', body, timeout = 30000, headers = {} } = {}) {
  return new Promise((resolve, reject) => {
    const data = body === undefined ? undefined : Buffer.from(JSON.stringify(body));
    const req = http.request(
      url,
      {
        method,
        agent,
        headers: { Accept: 'application/json', ...headers, ...(data ? { 'Content-Type': 'application/json', 'Content-Length': data.length } : {}) },
      },
      (res) => {
        const chunks = [];
        res.on('data', (c) => chunks.push(c));
        res.on('end', () => {
          const text = Buffer.concat(chunks).toString('utf8');
          if (res.statusCode >= 400) {
            reject(new Error(`${method} ${url}: HTTP ${res.statusCode} ${text.slice(0, 200)}`));
            return;
          }
          try {
            resolve(text ? JSON.parse(text) : undefined);
          } catch (err) {
            reject(new Error(`${method} ${url}: not JSON: ${text.slice(0, 200)}`));
          }
        });
      },
    );
    req.on('error', reject);
    req.setTimeout(timeout, () => req.destroy(new Error(`${method} ${url}: no answer within ${timeout} ms`)));
    if (data) req.write(data);
    req.end();
  });
}

/**
 * Polls `url` (an admin endpoint) every `everyMs` ms, one request at a time,
 * and records how long each took to answer: the longest answer is the longest
 * time the server was silent. stop() returns {maxMs, p99Ms, count, errors}.
 */
function probeHttp(url, everyMs = 50) {
  const times = [];
  let errors = 0;
  let running = true;
  let loop;
  const probeAgent = new http.Agent({ keepAlive: true, maxSockets: 1 });
  const once = () =>
    new Promise((resolve) => {
      const t0 = process.hrtime.bigint();
      const req = http.get(url, { agent: probeAgent, headers: { Accept: 'application/json' } }, (res) => {
        res.resume();
        res.on('end', () => {
          times.push(Number(process.hrtime.bigint() - t0) / 1e6);
          resolve();
        });
      });
      req.on('error', () => {
        errors++;
        resolve();
      });
      req.setTimeout(30000, () => req.destroy());
    });
  loop = (async () => {
    let next = Date.now();
    while (running) {
      await once();
      next += everyMs;
      const wait = next - Date.now();
      if (wait > 0) await sleep(wait);
      else next = Date.now();
    }
  })();
  return {
    async stop() {
      running = false;
      await loop;
      probeAgent.destroy();
      return { maxMs: times.length ? Math.max(...times) : NaN, p99Ms: percentile(times, 99), count: times.length, errors };
    },
  };
}

function log(...args) {
  process.stderr.write(`${args.join(' ')}\n`);
}

module.exports = {
  runStats,
  envInt,
  envFlag,
  settingsFromEnv,
  envPrefix,
  median,
  percentile,
  sleep,
  until,
  procMemory,
  procCpuSeconds,
  sampleRss,
  requestJson,
  probeHttp,
  log,
};
