'use strict';
// An HTTP receiver for acknowledged-delivery tests (test/integration/ack-delivery.spec.js)
// whose behaviour is scripted in phases, plus the steady-rate line writer they use.
//
//   const receiver = await OutageReceiver.start();      // listening, phase "200"
//   flow POSTs JSON arrays of lines to receiver.url (headers x-batch-id, x-batch-attempt)
//   await receiver.setPhase('refuse');                  // nothing listens on the port
//   await receiver.setPhase('503');                     // listening again, answers 503
//   await receiver.setPhase('200');                     // accepts and stores each record
//   await receiver.untilDistinct(n, { timeoutMs });     // n different records stored
//   receiver.received / receiver.counts / receiver.duplicates() / receiver.requests
//   await receiver.close();
//
// Phases:
//   "refuse": the server is closed (open connections destroyed) and the port is
//             kept: a client's connect fails with ECONNREFUSED. Listening again
//             on the same port retries while another socket holds it (EADDRINUSE).
//   "503":    every request is answered 503, its body read and dropped.
//   "200":    the body must be a JSON array; each element (a string, or any JSON
//             value, kept as its JSON text) is stored in order, then 200 is sent.
//             A body that is not a JSON array is answered 400 and stores nothing.
//
// Nothing here waits by sleeping: waits are for receiver events ('records' after
// each stored batch, 'request' after each answer, 'phase'); timeouts are only
// failure deadlines. The one retry loop is for a port another socket still
// holds, which has no event to await.
const http = require('http');
const { EventEmitter } = require('events');
const { LineWriter, lineNumber, lineText, tally, ranges } = require('./fault-harness');

const PHASES = ['refuse', '503', '200'];

class OutageReceiver extends EventEmitter {
  /** A receiver listening on a free port of `host` (or `port`), in phase `phase`. */
  static async start({ host = '127.0.0.1', port = 0, phase = '200' } = {}) {
    const receiver = new OutageReceiver({ host });
    await receiver.listen(port);
    receiver.port = receiver.server.address().port;
    await receiver.setPhase(phase);
    return receiver;
  }

  constructor({ host = '127.0.0.1' } = {}) {
    super();
    this.setMaxListeners(100);
    this.host = host;
    this.port = 0;
    this.phase = null;
    this.server = null;
    /** Every record stored, in arrival order (duplicates included). */
    this.received = [];
    /** Record text → how many times it was stored. */
    this.counts = new Map();
    /** Every request answered: {at, phase, status, batchId, attempt, count}. */
    this.requests = [];
    /** batch id → [{attempt, status, count}] for each request that named one. */
    this.batches = new Map();
    /** phase → number of requests answered in it. */
    this.answered = { 503: 0, 200: 0 };
    this.phaseLog = [];
    this.sockets = new Set();
  }

  get url() {
    return `http://${this.host}:${this.port}/ingest`;
  }

  /** How many different records were stored. */
  get distinct() {
    return this.counts.size;
  }

  /** Records stored more than once: [{text, count}]. */
  duplicates() {
    const out = [];
    for (const [text, count] of this.counts) if (count > 1) out.push({ text, count });
    return out;
  }

  /** Extra copies stored in all (a record stored three times counts 2). */
  get extraCopies() {
    return this.received.length - this.counts.size;
  }

  /**
   * The accepted requests in arrival order, each with the records it stored:
   * [{batchId, attempt, lines}]. (Records and requests are appended together,
   * so the records of the i-th accepted request follow those of the one before.)
   */
  deliveries() {
    const out = [];
    let at = 0;
    for (const r of this.requests) {
      if (r.status !== 200) continue;
      out.push({ batchId: r.batchId, attempt: r.attempt, lines: this.received.slice(at, at + r.count) });
      at += r.count;
    }
    return out;
  }

  /** Switches to `phase` ("refuse", "503" or "200"); resolves once it is in effect. */
  async setPhase(phase) {
    if (!PHASES.includes(phase)) throw new Error(`unknown phase ${phase}: one of ${PHASES.join(', ')}`);
    if (phase === 'refuse') await this.unlisten();
    else if (!this.server) await this.listen(this.port);
    this.phase = phase;
    this.phaseLog.push({ phase, at: Date.now() });
    this.emit('phase', phase);
  }

  /**
   * Runs `steps` ([{phase, ms}]) one after the other, each for its `ms`;
   * resolves once the last step's time is up, or once it is set if it has no
   * `ms` (e.g. a closing {phase: '200'}).
   */
  async script(steps) {
    for (const step of steps) {
      await this.setPhase(step.phase);
      if (step.ms > 0) await new Promise((resolve) => setTimeout(resolve, step.ms));
    }
  }

  /** Resolves once `pred(this)` holds, checked now and after each request; rejects after `timeoutMs`. */
  until(pred, { what = 'the receiver', timeoutMs = 60000, failed } = {}) {
    return new Promise((resolve, reject) => {
      let settled = false;
      let timer = null;
      const cleanup = () => {
        settled = true;
        clearTimeout(timer);
        this.off('request', check);
      };
      const check = () => {
        let ok;
        try {
          ok = pred(this);
        } catch (err) {
          cleanup();
          reject(err);
          return;
        }
        if (ok) {
          cleanup();
          resolve(this);
        }
      };
      timer = setTimeout(() => {
        cleanup();
        reject(new Error(`gave up waiting for ${what} after ${timeoutMs} ms (${this.distinct} distinct records, ${this.received.length} in all, phase ${this.phase})`));
      }, timeoutMs);
      // Another way to fail early, e.g. Node-RED exiting: a promise that resolves with the reason.
      if (failed) {
        failed.then((reason) => {
          if (settled) return;
          cleanup();
          reject(new Error(`${reason} while waiting for ${what}`));
        });
      }
      this.on('request', check);
      check();
    });
  }

  /** Resolves once `n` different records were stored. */
  untilDistinct(n, options = {}) {
    return this.until((r) => r.distinct >= n, { what: `${n} distinct records`, ...options });
  }

  /** Resolves once `n` more requests were answered `status` ("503" or "200") from now on. */
  untilAnswered(status, n = 1, options = {}) {
    const target = this.answered[status] + n;
    return this.until((r) => r.answered[status] >= target, { what: `${n} more requests answered ${status}`, ...options });
  }

  listen(port) {
    return new Promise((resolve, reject) => {
      const server = http.createServer((req, res) => this.handle(req, res));
      server.keepAliveTimeout = 1000;
      server.on('connection', (socket) => {
        this.sockets.add(socket);
        socket.on('close', () => this.sockets.delete(socket));
      });
      const deadline = Date.now() + 30000;
      const attempt = () => {
        const onError = (err) => {
          // The port was taken meanwhile (a client's ephemeral port, or a socket not yet
          // released): retry shortly, since a port becoming free has no event to await.
          if (err.code === 'EADDRINUSE' && port !== 0 && Date.now() < deadline) {
            setTimeout(attempt, 50);
            return;
          }
          reject(err);
        };
        server.once('error', onError);
        server.listen(port, this.host, () => {
          server.off('error', onError);
          this.server = server;
          resolve();
        });
      };
      attempt();
    });
  }

  /** Closes the server and every open connection; the port number is kept for listen(). */
  unlisten() {
    const server = this.server;
    if (!server) return Promise.resolve();
    this.server = null;
    return new Promise((resolve) => {
      server.close(() => resolve());
      for (const socket of this.sockets) socket.destroy();
      this.sockets.clear();
    });
  }

  handle(req, res) {
    const chunks = [];
    req.on('data', (c) => chunks.push(c));
    req.on('error', () => {});
    req.on('end', () => {
      const phase = this.phase;
      const batchId = req.headers['x-batch-id'];
      const attemptHeader = req.headers['x-batch-attempt'];
      const attempt = attemptHeader === undefined ? undefined : Number(attemptHeader);
      let status = 503;
      let count = 0;
      if (phase === '200') {
        let records;
        try {
          records = JSON.parse(Buffer.concat(chunks).toString('utf8'));
        } catch {
          records = null;
        }
        if (Array.isArray(records)) {
          status = 200;
          for (const record of records) {
            const text = typeof record === 'string' ? record : JSON.stringify(record);
            this.received.push(text);
            this.counts.set(text, (this.counts.get(text) || 0) + 1);
          }
          count = records.length;
        } else {
          status = 400;
        }
      }
      if (status === 503 || status === 200) this.answered[status]++;
      const entry = { at: Date.now(), phase, status, batchId, attempt, count };
      this.requests.push(entry);
      if (batchId !== undefined) {
        if (!this.batches.has(batchId)) this.batches.set(batchId, []);
        this.batches.get(batchId).push({ attempt, status, count });
      }
      res.writeHead(status, { 'Content-Type': 'application/json' });
      res.end(JSON.stringify(status === 200 ? { stored: count } : { error: status === 503 ? 'unavailable' : 'expected a JSON array' }));
      if (count > 0) this.emit('records', this.distinct);
      this.emit('request', entry);
    });
  }

  /** Stops listening for good. */
  async close() {
    await this.unlisten();
    this.phase = 'closed';
  }
}

/** VmRSS of process `pid` in bytes, from /proc (Linux). */
function rssBytes(pid) {
  const status = require('fs').readFileSync(`/proc/${pid}/status`, 'utf8');
  const m = /^VmRSS:\s+(\d+)\s+kB/m.exec(status);
  if (!m) throw new Error(`no VmRSS in /proc/${pid}/status`);
  return Number(m[1]) * 1024;
}

module.exports = {
  OutageReceiver,
  // The steady-rate writer of numbered lines ("0000001 <time> ..."), shared with the fault tests.
  LineWriter,
  lineNumber,
  lineText,
  tally,
  ranges,
  rssBytes,
};
