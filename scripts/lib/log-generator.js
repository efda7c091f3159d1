'use strict';
// Appends realistic log lines to a file and rotates it by rename, like
// logrotate without copytruncate: app.log -> app.log.1 -> app.log.2 ...
// Used by the demo (scripts/demo.js), the integration test and benchmarks.
//
//   const gen = new LogGenerator({ file: '/tmp/x/app.log', rate: 15, rotateEvery: 1000 });
//   gen.on('rotate', info => ...);   // {file, rotatedTo, generation, lines}
//   gen.on('lines', (lines, generation) => ...);
//   gen.start(); ... await gen.stop();
//
// Every line ends with '\n' and is written whole (one appendFileSync per tick),
// so a reader never sees a line that is later rewritten. `generation` counts
// rotations: lines written to the first file are generation 0, after the
// first rename generation 1, and so on.
const fs = require('fs');
const path = require('path');
const { EventEmitter } = require('events');

/** Small seeded PRNG (mulberry32) so a run can be reproduced with `seed`. */
function mulberry32(seed) {
  let a = seed >>> 0;
  return function next() {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const HOSTS = ['web-01', 'web-02', 'bastion-1'];
const USERS_BAD = ['admin', 'root', 'oracle', 'test', 'ubuntu', 'postgres', 'git', 'support', 'pi', 'ftpuser'];
const USERS_OK = ['deploy', 'alice', 'bob', 'ci-runner'];
const ATTACKERS = ['203.0.113.7', '198.51.100.23', '192.0.2.144', '185.220.101.9', '45.155.205.77'];
const CLIENTS = ['10.0.4.21', '10.0.4.22', '172.16.9.3', '100.64.12.80', '81.2.69.160', '2001:db8::1f'];
const PATHS = [
  '/', '/login', '/api/v1/orders', '/api/v1/orders/48213', '/api/v1/customers?page=2', '/static/app.9f3c1.js',
  '/static/app.css', '/healthz', '/favicon.ico', '/api/v1/search?q=blue%20widget',
];
const API_PATHS = PATHS.filter((p) => p.startsWith('/api/'));
const SCANS = ['/wp-login.php', '/.env', '/phpmyadmin/index.php', '/cgi-bin/luci', '/.git/config', '/actuator/env'];
const AGENTS = [
  'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0 Safari/537.36',
  'Mozilla/5.0 (Macintosh; Intel Mac OS X 14_5) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.5 Safari/605.1.15',
  'curl/8.5.0',
  'kube-probe/1.29',
  'python-requests/2.32.3',
];
const SERVICES = ['orders-api', 'billing-worker', 'auth-service'];

class LogGenerator extends EventEmitter {
  /**
   * @param {object} opts
   * @param {string} opts.file          file to append to (its folder must exist)
   * @param {number} [opts.rate=15]     average lines per second outside bursts
   * @param {number} [opts.rotateEvery=1000] lines per file before it is renamed; 0 = never
   * @param {number} [opts.keep=3]      rotated files kept (app.log.1 .. app.log.<keep>)
   * @param {number} [opts.burstChance=0.02] chance per tick that a burst starts
   * @param {[number,number]} [opts.burstSize=[25,80]] lines in a burst (min, max)
   * @param {number} [opts.tickMs=100]  write interval
   * @param {number} [opts.seed]        PRNG seed (default: random)
   * @param {boolean} [opts.track=false] keep every written line in `written` (tests)
   */
  constructor(opts) {
    super();
    if (!opts || !opts.file) throw new Error('LogGenerator: opts.file is required');
    this.file = path.resolve(opts.file);
    this.rate = opts.rate ?? 15;
    this.rotateEvery = opts.rotateEvery ?? 1000;
    this.keep = Math.max(1, opts.keep ?? 3);
    this.burstChance = opts.burstChance ?? 0.02;
    this.burstSize = opts.burstSize ?? [25, 80];
    this.tickMs = opts.tickMs ?? 100;
    this.random = mulberry32(opts.seed ?? Math.floor(Math.random() * 2 ** 32));
    this.track = !!opts.track;
    /** @type {{line: string, generation: number}[]} every line written, when `track` is set */
    this.written = [];
    this.generation = 0;
    this.linesInFile = 0;
    this.stats = { lines: 0, bytes: 0, rotations: 0, bursts: 0 };
    this._timer = null;
    this._burst = null; // {kind, left, ip, user}
    this._pid = 1000 + Math.floor(this.random() * 30000);
  }

  get running() {
    return this._timer !== null;
  }

  /** Starts appending; returns this. */
  start() {
    if (this._timer) return this;
    this._timer = setInterval(() => this._tick(), this.tickMs);
    return this;
  }

  /** Stops appending. Lines already written stay; resolves when no write is pending. */
  async stop() {
    if (this._timer) clearInterval(this._timer);
    this._timer = null;
  }

  /** Writes `count` lines now (synchronously), rotating as needed. */
  writeLines(count) {
    let pending = [];
    const flush = () => {
      if (!pending.length) return;
      const text = pending.join('\n') + '\n';
      fs.appendFileSync(this.file, text);
      this.stats.bytes += Buffer.byteLength(text);
      this.emit('lines', pending, this.generation);
      pending = [];
    };
    for (let i = 0; i < count; i++) {
      if (this.rotateEvery > 0 && this.linesInFile >= this.rotateEvery) {
        flush();
        this.rotate();
      }
      const line = this._nextLine();
      pending.push(line);
      if (this.track) this.written.push({ line, generation: this.generation });
      this.linesInFile++;
      this.stats.lines++;
    }
    flush();
  }

  /** Renames the file away (app.log -> app.log.1, shifting older ones) and starts a new one. */
  rotate() {
    for (let i = this.keep - 1; i >= 1; i--) {
      const from = `${this.file}.${i}`;
      if (fs.existsSync(from)) fs.renameSync(from, `${this.file}.${i + 1}`);
    }
    const rotatedTo = `${this.file}.1`;
    const lines = this.linesInFile;
    if (fs.existsSync(this.file)) fs.renameSync(this.file, rotatedTo);
    this.generation++;
    this.linesInFile = 0;
    this.stats.rotations++;
    this.emit('rotate', { file: this.file, rotatedTo, generation: this.generation, lines });
  }

  _tick() {
    try {
      let n = this._poisson((this.rate * this.tickMs) / 1000);
      if (!this._burst && this.random() < this.burstChance) this._startBurst();
      if (this._burst) {
        const take = Math.min(this._burst.left, 5 + Math.floor(this.random() * 15));
        n += take;
        this._burst.left -= take;
      }
      if (n > 0) this.writeLines(n);
      if (this._burst && this._burst.left <= 0) this._burst = null;
    } catch (err) {
      this.emit('error', err);
    }
  }

  _startBurst() {
    const [min, max] = this.burstSize;
    const kinds = ['ssh-bruteforce', 'web-scan', 'error-storm', 'traffic-spike'];
    this._burst = {
      kind: this._pick(kinds),
      left: min + Math.floor(this.random() * (max - min + 1)),
      ip: this._pick(ATTACKERS),
      service: this._pick(SERVICES),
    };
    this.stats.bursts++;
  }

  _poisson(mean) {
    // Knuth; fine for the small means used here.
    const l = Math.exp(-mean);
    let k = 0;
    let p = 1;
    do {
      k++;
      p *= this.random();
    } while (p > l);
    return k - 1;
  }

  _pick(list) {
    return list[Math.floor(this.random() * list.length)];
  }

  _int(min, max) {
    return min + Math.floor(this.random() * (max - min + 1));
  }

  _hex(len) {
    let s = '';
    while (s.length < len) s += Math.floor(this.random() * 16).toString(16);
    return s;
  }

  _nextLine() {
    const b = this._burst;
    if (b) {
      // Bursts are mostly their own kind, with normal traffic mixed in.
      if (this.random() < 0.8) {
        switch (b.kind) {
          case 'ssh-bruteforce':
            return this._sshFail(b.ip);
          case 'web-scan':
            return this._nginx({ ip: b.ip, path: this._pick(SCANS), status: this._pick([404, 404, 403, 400]) });
          case 'error-storm':
            return this._app('ERROR', b.service);
          default:
            return this._nginx({});
        }
      }
    }
    const r = this.random();
    if (r < 0.15) return this.random() < 0.75 ? this._sshFail(this._pick(ATTACKERS)) : this._sshOther();
    if (r < 0.6) return this._nginx({});
    const lr = this.random();
    return this._app(lr < 0.75 ? 'INFO' : lr < 0.93 ? 'WARN' : 'ERROR', this._pick(SERVICES));
  }

  _ts() {
    return new Date().toISOString();
  }

  _sshPid() {
    if (this.random() < 0.3) this._pid = 1000 + Math.floor(this.random() * 30000);
    return this._pid;
  }

  _sshFail(ip) {
    const host = 'bastion-1';
    const port = this._int(32768, 60999);
    const user = this._pick(USERS_BAD);
    const pid = this._sshPid();
    const r = this.random();
    if (r < 0.55) {
      return `${this._ts()} ${host} sshd[${pid}]: Failed password for invalid user ${user} from ${ip} port ${port} ssh2`;
    }
    if (r < 0.8) return `${this._ts()} ${host} sshd[${pid}]: Failed password for root from ${ip} port ${port} ssh2`;
    if (r < 0.92) return `${this._ts()} ${host} sshd[${pid}]: Invalid user ${user} from ${ip} port ${port}`;
    return `${this._ts()} ${host} sshd[${pid}]: Disconnecting authenticating user root ${ip} port ${port}: Too many authentication failures [preauth]`;
  }

  _sshOther() {
    const host = this._pick(HOSTS);
    const ip = this._pick(CLIENTS.slice(0, 3));
    const port = this._int(32768, 60999);
    const user = this._pick(USERS_OK);
    const pid = this._sshPid();
    if (this.random() < 0.6) {
      return `${this._ts()} ${host} sshd[${pid}]: Accepted publickey for ${user} from ${ip} port ${port} ssh2: ED25519 SHA256:${this._hex(43)}`;
    }
    return `${this._ts()} ${host} sshd[${pid}]: pam_unix(sshd:session): session opened for user ${user}(uid=${this._int(1000, 1010)}) by (uid=0)`;
  }

  _nginx({ ip, path: p, status }) {
    ip = ip || this._pick(CLIENTS);
    p = p || this._pick(PATHS);
    const method = p.startsWith('/api/v1/orders') && this.random() < 0.3 ? 'POST' : 'GET';
    if (!status) {
      const r = this.random();
      status = r < 0.86 ? 200 : r < 0.9 ? 304 : r < 0.94 ? 404 : r < 0.97 ? 401 : r < 0.99 ? 502 : 500;
    }
    const bytes = status === 304 ? 0 : this._int(120, 48000);
    const rt = (this._int(1, 900) / 1000).toFixed(3);
    const agent = this._pick(AGENTS);
    // nginx `log_format` with $time_iso8601 and $request_time appended.
    return `${ip} - - [${this._ts()}] "${method} ${p} HTTP/1.1" ${status} ${bytes} "-" "${agent}" rt=${rt}`;
  }

  _app(level, service) {
    const req = this._hex(12);
    const ts = this._ts();
    const pad = level.padEnd(5);
    if (level === 'INFO') {
      const r = this.random();
      if (r < 0.6) {
        return `${ts} ${pad} [${service}] request completed method=GET path=${this._pick(API_PATHS)} status=200 duration_ms=${this._int(2, 250)} req_id=${req}`;
      }
      if (r < 0.85) return `${ts} ${pad} [${service}] order ${this._int(40000, 49999)} created customer=${this._int(100, 999)} total=${this._int(5, 900)}.${this._int(10, 99)} req_id=${req}`;
      return `${ts} ${pad} [${service}] cache refreshed entries=${this._int(100, 5000)} took_ms=${this._int(5, 400)}`;
    }
    if (level === 'WARN') {
      const r = this.random();
      if (r < 0.5) return `${ts} ${pad} [${service}] slow query took_ms=${this._int(800, 4000)} table=orders req_id=${req}`;
      if (r < 0.8) return `${ts} ${pad} [${service}] retrying upstream call attempt=${this._int(1, 3)} upstream=payments:8443 req_id=${req}`;
      return `${ts} ${pad} [${service}] login failed for user=${this._pick(USERS_OK)} reason=bad_password ip=${this._pick(ATTACKERS)}`;
    }
    const r = this.random();
    if (r < 0.4) return `${ts} ${pad} [${service}] upstream payments:8443 unavailable: connect ECONNREFUSED 10.0.7.12:8443 req_id=${req}`;
    if (r < 0.7) return `${ts} ${pad} [${service}] unhandled exception TypeError: Cannot read properties of undefined (reading 'id') at OrderService.create (order-service.js:${this._int(40, 400)}:17) req_id=${req}`;
    return `${ts} ${pad} [${service}] database pool exhausted active=50 waiting=${this._int(1, 40)} req_id=${req}`;
  }
}

module.exports = { LogGenerator, mulberry32 };
