'use strict';
// rsyslog as a reference: a C daemon tailing the same file (imfile, scenario
// 1) or receiving syslog over TCP (imtcp, the syslog scenario) and writing each
// line or message to an output file. Skipped when `rsyslogd` is not installed
// (Debian package `rsyslog`).
//
// The daemon runs in the foreground (-n) with a configuration of its own in the
// benchmark's temp folder: the input -> a ruleset -> omfile. Progress is the
// output file's size, polled every 5 ms.
const fs = require('fs');
const net = require('net');
const path = require('path');
const { spawn, execFileSync } = require('child_process');
const { until, sleep, procMemory } = require('./common');

function findRsyslogd() {
  for (const p of ['/usr/sbin/rsyslogd', '/sbin/rsyslogd', '/usr/local/sbin/rsyslogd']) {
    if (fs.existsSync(p)) return p;
  }
  try {
    return execFileSync('sh', ['-c', 'command -v rsyslogd'], { encoding: 'utf8' }).trim() || null;
  } catch {
    return null;
  }
}

function rsyslogVersion(bin) {
  try {
    const out = execFileSync(bin, ['-v'], { encoding: 'utf8' });
    const m = /rsyslogd\s+([\d.]+)/.exec(out);
    return m ? m[1] : 'unknown';
  } catch {
    return 'unknown';
  }
}

/**
 * Runs `rsyslogd -n` with a configuration of its own in `dir` (`confLines`,
 * after a global() naming its work folder there); everything it writes goes
 * to `output`. Returns a handle with pid, outputBytes(), memory(),
 * waitForBytes(), dead(), logs() and stop().
 */
function spawnRsyslog({ bin, dir, output, confLines }) {
  fs.mkdirSync(dir, { recursive: true });
  const work = path.join(dir, 'work');
  fs.mkdirSync(work, { recursive: true });
  const conf = path.join(dir, 'rsyslog.conf');
  const pidFile = path.join(dir, 'rsyslogd.pid');
  fs.writeFileSync(output, '');
  fs.writeFileSync(conf, [`global(workDirectory="${work}" maxMessageSize="64k")`, ...confLines, ''].join('\n'));
  const child = spawn(bin, ['-n', '-f', conf, '-i', pidFile], { stdio: ['ignore', 'pipe', 'pipe'] });
  const logs = [];
  for (const s of [child.stdout, child.stderr]) s.on('data', (d) => logs.push(String(d)));
  const exited = new Promise((resolve) => child.on('exit', (code, signal) => resolve({ code, signal })));
  let dead = false;
  exited.then(() => {
    dead = true;
  });
  const outputBytes = () => {
    try {
      return fs.statSync(output).size;
    } catch {
      return 0;
    }
  };
  return {
    pid: child.pid,
    output,
    outputBytes,
    memory: () => procMemory(child.pid),
    dead: () => dead,
    logs: () => logs.join(''),
    async waitForBytes(bytes, { timeout = 120000, onProgress } = {}) {
      return until(
        () => {
          if (dead) throw new Error(`rsyslogd exited: ${logs.join('')}`);
          const size = outputBytes();
          if (onProgress) onProgress(size);
          return size >= bytes;
        },
        { timeout, interval: 5, what: `rsyslog output of ${bytes} bytes` },
      );
    },
    async stop() {
      if (!dead) {
        child.kill('SIGTERM');
        const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
        await exited;
        clearTimeout(timer);
      }
    },
  };
}

/** Repeats `probe` until rsyslogd has written something; stops it and rethrows if it does not. */
async function waitForFirstOutput(handle, probe, what) {
  try {
    await until(
      async () => {
        if (handle.dead()) throw new Error(`rsyslogd exited: ${handle.logs()}`);
        await probe();
        await sleep(100);
        return handle.outputBytes() > 0;
      },
      { timeout: 20000, interval: 100, what },
    );
  } catch (err) {
    await handle.stop();
    throw err;
  }
}

/**
 * Starts rsyslogd following `input`; resolves once a first line written to
 * `input` has come out (so it is really watching). Returns a handle with
 * outputBytes(), waitForBytes(), stop().
 */
async function startRsyslog({ bin, dir, input, log }) {
  const handle = spawnRsyslog({
    bin,
    dir,
    output: path.join(dir, 'out.log'),
    confLines: [
      'module(load="imfile" mode="inotify")',
      'template(name="msgonly" type="string" string="%msg%\\n")',
      `input(type="imfile" file="${input}" tag="bench" ruleset="bench" freshStartTail="off")`,
      'ruleset(name="bench") {',
      `  action(type="omfile" file="${path.join(dir, 'out.log')}" template="msgonly")`,
      '}',
    ],
  });
  // Wait until it follows the file: write probe lines until one comes out.
  await waitForFirstOutput(handle, () => fs.appendFileSync(input, 'rsyslog start probe\n'), 'rsyslogd to follow its input');
  if (log) log(`  rsyslogd ${rsyslogVersion(bin)} (pid ${handle.pid}) follows ${input}`);
  return handle;
}

/**
 * Starts rsyslogd receiving syslog over TCP on 127.0.0.1:`port` (imtcp, its
 * defaults otherwise) and writing each message as it came, its raw text and
 * a '\n' (omfile, template %rawmsg%), so that the output has one line per
 * message and as many bytes as were sent. Resolves once a probe message sent
 * to the port has come out. Returns the handle of spawnRsyslog.
 */
async function startRsyslogTcp({ bin, dir, port, log }) {
  const output = path.join(dir, 'out.log');
  const handle = spawnRsyslog({
    bin,
    dir,
    output,
    confLines: [
      'module(load="imtcp")',
      'template(name="raw" type="string" string="%rawmsg%\\n")',
      `input(type="imtcp" address="127.0.0.1" port="${port}" ruleset="bench")`,
      'ruleset(name="bench") {',
      `  action(type="omfile" file="${output}" template="raw")`,
      '}',
    ],
  });
  const probe = () =>
    new Promise((resolve) => {
      const socket = net.connect({ host: '127.0.0.1', port }, () => socket.end('<13>1 2024-05-01T12:00:00Z bench probe - - - rsyslog start probe\n'));
      socket.on('error', () => resolve());
      socket.on('close', () => resolve());
    });
  await waitForFirstOutput(handle, probe, `rsyslogd to listen on port ${port}`);
  if (log) log(`  rsyslogd ${rsyslogVersion(bin)} (pid ${handle.pid}) listens on 127.0.0.1:${port} (imtcp)`);
  return handle;
}

/** Lines ('\n') in `file` from byte `from` on, read in 1 MiB pieces. */
function countLines(file, from = 0) {
  const fd = fs.openSync(file, 'r');
  const buf = Buffer.allocUnsafe(1 << 20);
  let lines = 0;
  try {
    for (let pos = from; ; ) {
      const n = fs.readSync(fd, buf, 0, buf.length, pos);
      if (n === 0) break;
      for (let i = buf.indexOf(10, 0); i >= 0 && i < n; i = buf.indexOf(10, i + 1)) lines++;
      pos += n;
    }
  } finally {
    fs.closeSync(fd);
  }
  return lines;
}

module.exports = { findRsyslogd, rsyslogVersion, startRsyslog, startRsyslogTcp, countLines };
