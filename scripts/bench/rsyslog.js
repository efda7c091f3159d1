'use strict';
// rsyslog's imfile as a second reference: a C daemon tailing the same file
// and writing each line (its message text) to an output file. Skipped when
// `rsyslogd` is not installed (Debian package `rsyslog`).
//
// The daemon runs in the foreground (-n) with a configuration of its own in the
// benchmark's temp folder: imfile in inotify mode -> a ruleset -> omfile.
// Progress is the output file's size, polled every 5 ms.
const fs = require('fs');
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
 * Starts rsyslogd following `input`; resolves once a first line written to
 * `input` has come out (so it is really watching). Returns a handle with
 * outputBytes(), waitForBytes(), stop().
 */
async function startRsyslog({ bin, dir, input, log }) {
  fs.mkdirSync(dir, { recursive: true });
  const work = path.join(dir, 'work');
  fs.mkdirSync(work, { recursive: true });
  const output = path.join(dir, 'out.log');
  const conf = path.join(dir, 'rsyslog.conf');
  const pidFile = path.join(dir, 'rsyslogd.pid');
  fs.writeFileSync(output, '');
  fs.writeFileSync(
    conf,
    [
      `global(workDirectory="${work}" maxMessageSize="64k")`,
      'module(load="imfile" mode="inotify")',
      'template(name="msgonly" type="string" string="%msg%\\n")',
      `input(type="imfile" file="${input}" tag="bench" ruleset="bench" freshStartTail="off")`,
      'ruleset(name="bench") {',
      `  action(type="omfile" file="${output}" template="msgonly")`,
      '}',
      '',
    ].join('\n'),
  );
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
  const handle = {
    pid: child.pid,
    output,
    outputBytes,
    memory: () => procMemory(child.pid),
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
  // Wait until it follows the file: write probe lines until one comes out.
  try {
    await until(
      async () => {
        if (dead) throw new Error(`rsyslogd exited: ${logs.join('')}`);
        fs.appendFileSync(input, 'rsyslog start probe\n');
        await sleep(100);
        return outputBytes() > 0;
      },
      { timeout: 20000, interval: 100, what: 'rsyslogd to follow its input' },
    );
  } catch (err) {
    await handle.stop();
    throw err;
  }
  if (log) log(`  rsyslogd ${rsyslogVersion(bin)} (pid ${child.pid}) follows ${input}`);
  return handle;
}

module.exports = { findRsyslogd, rsyslogVersion, startRsyslog };
