'use strict';
// Tools for the fault tests (test/integration/faults.spec.js): a writer that
// appends uniquely numbered lines at a steady rate, a reader of what the flow's
// sink wrote outside Node-RED, the flow itself, deploys through the admin API,
// and the bookkeeping that says which lines arrived how often.
//
// Nothing here sleeps for a fixed time to let something happen: waits are for
// a condition, checked whenever the sink folder changes (fs.watch) and, as a
// safety net where watch events do not arrive, every `pollMs`.
const fs = require('fs');
const path = require('path');
const http = require('http');
const { EventEmitter } = require('events');

const NUMBER_WIDTH = 7;

/** The text of line `n`: its number first, padded to about `bytes` bytes. */
function lineText(n, bytes = 100) {
  const head = `${String(n).padStart(NUMBER_WIDTH, '0')} ${new Date().toISOString()} web-01 app[4242]: request id=${n.toString(36)}`;
  return head.length >= bytes ? head : head + ' ' + 'x'.repeat(bytes - head.length - 1);
}

/** The number a line starts with, or NaN. */
function lineNumber(text) {
  return typeof text === 'string' ? Number.parseInt(text.slice(0, NUMBER_WIDTH), 10) : Number.NaN;
}

/**
 * Appends numbered lines ("0000001 ...") to `file` at `rate` lines per second,
 * on average, from `start()` until `stop()`. Remembers every line with the
 * file and byte range it went to. Emits 'lines' after each write.
 */
class LineWriter extends EventEmitter {
  constructor({ file, rate = 1000, lineBytes = 100, tickMs = 10 }) {
    super();
    this.file = file;
    this.rate = rate;
    this.lineBytes = lineBytes;
    this.tickMs = tickMs;
    /** @type {{n: number, text: string, file: string, start: number, end: number}[]} */
    this.lines = [];
    this.size = fs.existsSync(file) ? fs.statSync(file).size : 0;
    this.timer = null;
    this.setMaxListeners(50);
  }

  get count() {
    return this.lines.length;
  }

  /** Writes `n` lines now, in one append. */
  write(n) {
    if (n <= 0) return;
    const parts = [];
    for (let i = 0; i < n; i++) {
      const num = this.lines.length + 1;
      const text = lineText(num, this.lineBytes);
      const bytes = Buffer.byteLength(text) + 1;
      this.lines.push({ n: num, text, file: this.file, start: this.size, end: this.size + bytes });
      this.size += bytes;
      parts.push(text);
    }
    fs.appendFileSync(this.file, parts.join('\n') + '\n');
    this.emit('lines', this.lines.length);
  }

  /** Writes at the rate: each tick, what is due since start() and not yet written. */
  start() {
    if (this.timer) return this;
    const t0 = Date.now();
    const base = this.lines.length;
    this.timer = setInterval(() => {
      const due = Math.floor(((Date.now() - t0) * this.rate) / 1000) - (this.lines.length - base);
      try {
        this.write(due);
      } catch (err) {
        this.emit('error', err);
      }
    }, this.tickMs);
    return this;
  }

  stop() {
    clearInterval(this.timer);
    this.timer = null;
  }

  /** Rename rotation: the file goes to `to`, the next lines to a new file at the path. */
  rotate(to) {
    fs.renameSync(this.file, to);
    for (const line of this.lines) if (line.file === this.file) line.file = to;
    this.size = 0;
    fs.writeFileSync(this.file, '');
  }

  /** Resolves once `n` lines have been written in all. */
  untilCount(n) {
    if (this.lines.length >= n) return Promise.resolve();
    return new Promise((resolve) => {
      const check = (count) => {
        if (count >= n) {
          this.off('lines', check);
          resolve();
        }
      };
      this.on('lines', check);
    });
  }

  /** The line of `file` that starts at byte `offset`. */
  lineAt(file, offset) {
    return this.lines.find((l) => l.file === file && l.start === offset);
  }
}

/**
 * Reads the files the flow's sink writes (one JSON document per line: an
 * array of lines, or {lines, batch}) incrementally, in the order of `files`.
 * A last line without its newline is not counted until the newline arrives.
 */
class SinkReader {
  constructor(dir) {
    this.dir = dir;
    fs.mkdirSync(dir, { recursive: true });
    /** @type {{file: string, offset: number, rest: string, docs: object[]}[]} */
    this.files = [];
    this.changed = new EventEmitter();
    this.changed.setMaxListeners(50);
    this.watcher = fs.watch(dir, { persistent: false }, () => this.changed.emit('change'));
    this.watcher.on('error', () => {});
  }

  /** A sink file for the next run, read after the earlier ones. */
  next(name) {
    const file = path.join(this.dir, name);
    this.files.push({ file, offset: 0, rest: '', docs: [] });
    return file;
  }

  /** Reads what was appended since last time. */
  refresh() {
    for (const f of this.files) {
      let fd;
      try {
        fd = fs.openSync(f.file, 'r');
      } catch (err) {
        if (err.code === 'ENOENT') continue;
        throw err;
      }
      try {
        const size = fs.fstatSync(fd).size;
        if (size <= f.offset) continue;
        const buf = Buffer.alloc(size - f.offset);
        const got = fs.readSync(fd, buf, 0, buf.length, f.offset);
        f.offset += got;
        const text = f.rest + buf.subarray(0, got).toString('utf8');
        const parts = text.split('\n');
        f.rest = parts.pop();
        for (const part of parts) if (part !== '') f.docs.push(JSON.parse(part));
      } finally {
        fs.closeSync(fd);
      }
    }
    return this;
  }

  /** Batches of each run: [{lines: string[], batch?: object}]. */
  runs() {
    return this.files.map((f) => f.docs.map((d) => (Array.isArray(d) ? { lines: d } : d)));
  }

  /** Every line received, in order, across runs. */
  lines() {
    return this.runs().flatMap((run) => run.flatMap((b) => b.lines));
  }

  /** Line numbers received in run `i` (0-based). */
  numbersOf(i) {
    return (this.runs()[i] || []).flatMap((b) => b.lines.map(lineNumber));
  }

  /** Bytes left after the last newline of each file (a write cut short). */
  partials() {
    return this.files.map((f) => f.rest.length);
  }

  /**
   * Resolves once `pred()` holds, checked after each change in the sink
   * folder and every `pollMs`; rejects after `timeoutMs` (a safety net, not a
   * threshold) or when `exited` (a Node-RED that should be running) resolves.
   */
  async until(pred, { what = 'the sink', timeoutMs = 30000, pollMs = 100, exited } = {}) {
    const deadline = Date.now() + timeoutMs;
    let gone = null;
    if (exited) exited.then((r) => (gone = r));
    for (;;) {
      this.refresh();
      if (pred(this)) return this;
      if (gone) throw new Error(`Node-RED exited (code ${gone.code}, signal ${gone.signal}) while waiting for ${what}`);
      if (Date.now() > deadline) throw new Error(`gave up waiting for ${what} after ${timeoutMs} ms (${this.lines().length} lines in the sink)`);
      await new Promise((resolve) => {
        const done = () => {
          clearTimeout(timer);
          this.changed.off('change', done);
          resolve();
        };
        const timer = setTimeout(done, pollMs);
        this.changed.on('change', done);
      });
    }
  }

  close() {
    this.watcher.close();
  }
}

/**
 * file-tail → micro-batch → function (keeps msg.batch next to the lines) →
 * file (appends one JSON line per batch to `sinkFile`). Core nodes only after
 * the pack's, so the flow runs the same on Node-RED 4 and 5.
 */
function pipelineFlow({ logFile, sinkFile, interval = 0.2, maxSize = 10000, tail = {}, batch = {} }) {
  return [
    { id: 'faults', type: 'tab', label: 'faults' },
    {
      id: 'tail',
      type: 'file-tail',
      z: 'faults',
      name: '',
      path: logFile,
      startAt: 'beginning',
      output: 'lines',
      encoding: 'utf8',
      delimiter: '\\n',
      idleFlush: 1,
      pollInterval: 1,
      maxLineBytes: 1048576,
      longLines: 'cut',
      x: 120,
      y: 80,
      ...tail,
      wires: [['batch']],
    },
    {
      id: 'batch',
      type: 'micro-batch',
      z: 'faults',
      name: '',
      interval,
      maxSize,
      maxBytes: 0,
      keepArrays: false,
      x: 300,
      y: 80,
      ...batch,
      wires: [['shape']],
    },
    {
      id: 'shape',
      type: 'function',
      z: 'faults',
      name: 'lines + batch',
      func: 'msg.payload = { batch: msg.batch, lines: msg.payload };\nreturn msg;',
      outputs: 1,
      timeout: 0,
      noerr: 0,
      initialize: '',
      finalize: '',
      libs: [],
      x: 480,
      y: 80,
      wires: [['sink']],
    },
    {
      id: 'sink',
      type: 'file',
      z: 'faults',
      name: 'sink',
      filename: sinkFile,
      filenameType: 'str',
      appendNewline: true,
      createDir: true,
      overwriteFile: 'false',
      encoding: 'none',
      x: 660,
      y: 80,
      wires: [[]],
    },
  ];
}

/** POST /flows (API v1) with a deployment type: full, nodes or flows. */
function deploy(url, flows, type) {
  const body = JSON.stringify(flows);
  return new Promise((resolve, reject) => {
    const req = http.request(
      new URL('flows', url),
      {
        method: 'POST',
        headers: {
          'Content-Type': 'application/json',
          'Content-Length': Buffer.byteLength(body),
          'Node-RED-Deployment-Type': type,
        },
      },
      (res) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (c) => (text += c));
        res.on('end', () => {
          if (res.statusCode >= 200 && res.statusCode < 300) resolve(res.statusCode);
          else reject(new Error(`deploy (${type}) answered ${res.statusCode}: ${text}`));
        });
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}

/**
 * Checks received line numbers against 1..last: which are missing, which came
 * more than once, which came out of order, and which were never written.
 */
function tally(numbers, last) {
  const seen = new Map();
  const outOfOrder = [];
  let prev = 0;
  for (const n of numbers) {
    seen.set(n, (seen.get(n) || 0) + 1);
    if (!(n > prev)) outOfOrder.push([prev, n]);
    prev = n;
  }
  const missing = [];
  for (let n = 1; n <= last; n++) if (!seen.has(n)) missing.push(n);
  const duplicated = [...seen].filter(([, c]) => c > 1).map(([n]) => n);
  const unknown = [...seen.keys()].filter((n) => !(n >= 1 && n <= last));
  return { missing, duplicated, outOfOrder, unknown };
}

/** "1-5, 9, 12-13" for a sorted list of numbers (first `max` ranges). */
function ranges(list, max = 8) {
  const out = [];
  for (let i = 0; i < list.length; ) {
    let j = i;
    while (j + 1 < list.length && list[j + 1] === list[j] + 1) j++;
    out.push(i === j ? `${list[i]}` : `${list[i]}-${list[j]}`);
    i = j + 1;
  }
  return out.length > max ? `${out.slice(0, max).join(', ')}, … (${out.length} ranges)` : out.join(', ');
}

/** Whether `list` is exactly from, from+1, …, to (empty when to < from). */
function isRun(list, from, to) {
  if (list.length !== Math.max(0, to - from + 1)) return false;
  return list.every((n, i) => n === from + i);
}

function median(values) {
  const s = [...values].sort((a, b) => a - b);
  if (s.length === 0) return Number.NaN;
  const mid = Math.floor(s.length / 2);
  return s.length % 2 ? s[mid] : (s[mid - 1] + s[mid]) / 2;
}

module.exports = {
  LineWriter,
  SinkReader,
  pipelineFlow,
  deploy,
  tally,
  ranges,
  isRun,
  median,
  lineText,
  lineNumber,
};
