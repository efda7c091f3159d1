'use strict';
// Real syslog clients for the syslog-in integration tests, all on 127.0.0.1:
//
//   const fwd = await startRsyslogForwarder({ dir, target: { protocol: 'relp', port } });
//   fwd.sendSequence(1, 100000);         // lines "seq=0000001 ..." forwarded in order
//   await fwd.stop();                    // or fwd.kill() (SIGKILL)
//
//   await loggerSend({ port, transport: 'tcp', format: 'rfc5424', octetCount: true, messages });
//   const tls = await makeTlsMaterial(dir); // CA, server cert, client cert, untrusted client cert
//   await opensslSend({ port, caFile: tls.ca.certFile, certFile, keyFile, data });
//
// rsyslogd (Debian package `rsyslog`, `rsyslog-relp` for omrelp) runs as the
// test's own user with a configuration, work directory and pid file of its own in
// `dir`: no imuxsock or imklog, nothing under /etc, /run or /var touched, and its
// own messages (processInternalMessages) written to `dir`/rsyslogd.log instead of
// the system log.
//
// Its input is imfile, following `dir`/input.log, which send() appends to. Why
// a file and not imtcp/imptcp: the lines are on disk before rsyslogd reads them,
// so a forwarder that starts late, is slow, or waits on its receiver loses
// nothing; imfile reads one file from its first byte in order, one message per
// line, with the text exactly as written (no syslog parsing of the test's own
// lines); and the harness needs no connection of its own that could itself
// block. The forwarding action has its own in-memory queue (LinkedList, far
// larger than any test sends, so nothing is ever discarded for want of room)
// and retries for ever (resumeRetryCount -1) every second while the receiver
// is down.
//
// Start the receiver before the forwarder where a test counts exactly once and
// in order: when rsyslogd 8.2302's very first attempt fails (nothing listens
// yet), it delivers that first message on resuming and once more after
// everything queued behind it (seen with omfwd and omrelp alike).
//
// util-linux `logger` and the `openssl` CLI are run once per call. Nothing here
// sleeps: waits are for a process to exit or a log file to change.
const fs = require('fs');
const path = require('path');
const { spawn, execFile } = require('child_process');
const { killOnExit } = require('./node-red-process');

const LOCALHOST = '127.0.0.1';
const RSYSLOGD_CANDIDATES = ['/usr/sbin/rsyslogd', '/sbin/rsyslogd', '/usr/local/sbin/rsyslogd'];
/** Where Debian, Fedora and source builds keep rsyslog's loadable modules. */
const MODULE_DIRS = [
  `/usr/lib/${process.arch === 'arm64' ? 'aarch64' : 'x86_64'}-linux-gnu/rsyslog`,
  '/usr/lib/rsyslog',
  '/usr/lib64/rsyslog',
  '/usr/local/lib/rsyslog',
];
/** Application name of the forwarded messages (the APP-NAME / tag rsyslog gives them). */
const FORWARDER_APP = 'seqtest';
/** Host name in the forwarded messages' header. */
const FORWARDER_HOST = 'rsyslog-fwd';
const SEQUENCE_WIDTH = 7;


/** Path of rsyslogd, or null. */
function findRsyslogd() {
  return RSYSLOGD_CANDIDATES.find((p) => fs.existsSync(p)) || null;
}

/** Whether rsyslog's module `name` (e.g. 'omrelp', 'imfile') is installed. */
function hasRsyslogModule(name) {
  return MODULE_DIRS.some((dir) => fs.existsSync(path.join(dir, `${name}.so`)));
}

/** Whether `command` is on PATH (or is a path to a file). */
function hasCommand(command) {
  if (command.includes('/')) return fs.existsSync(command);
  return (process.env.PATH || '').split(path.delimiter).some((dir) => dir && fs.existsSync(path.join(dir, command)));
}

/**
 * Which clients this machine has, and why a test must be skipped without them:
 * `missing(['rsyslog', 'relp', 'logger', 'openssl'])` is undefined when all are
 * there, else a sentence naming what is not.
 */
function availableClients() {
  const rsyslogd = findRsyslogd();
  const have = {
    rsyslog: Boolean(rsyslogd) && hasRsyslogModule('imfile') && hasRsyslogModule('impstats'),
    relp: Boolean(rsyslogd) && hasRsyslogModule('omrelp'),
    logger: hasCommand('logger'),
    openssl: hasCommand('openssl'),
  };
  const packages = { rsyslog: 'rsyslog', relp: 'rsyslog-relp', logger: 'util-linux (logger)', openssl: 'openssl' };
  return {
    rsyslogd,
    ...have,
    missing(names) {
      const absent = names.filter((n) => !have[n]);
      return absent.length ? `not installed: ${absent.map((n) => packages[n]).join(', ')}` : undefined;
    },
  };
}

/** The text of test message `n`: its zero-padded sequence number first, then `rest`. */
function sequenceText(n, rest = 'test message') {
  return `seq=${String(n).padStart(SEQUENCE_WIDTH, '0')} ${rest}`;
}

/** The sequence number in a message text (anywhere in it: a whole syslog line will do), or NaN. */
function sequenceNumber(text) {
  const m = /seq=(\d+)/.exec(typeof text === 'string' ? text : '');
  return m ? Number(m[1]) : Number.NaN;
}

/** A string literal for rsyslog's RainerScript configuration. */
function rainerString(value) {
  return `"${String(value).replace(/\\/g, '\\\\').replace(/"/g, '\\"')}"`;
}

/**
 * The templates of the forwarded messages. Neither ends in a line feed: omfwd
 * adds the LF of traditional framing itself, and in octet counting the count
 * covers exactly the message.
 *  - rfc5424: `<133>1 2026-01-02T03:04:05.678+00:00 rsyslog-fwd seqtest - - - seq=0000001 ...`
 *  - rfc3164: `<133>Jan  2 03:04:05 rsyslog-fwd seqtest: seq=0000001 ...`
 */
const TEMPLATES = {
  rfc5424: '<%PRI%>1 %TIMESTAMP:::date-rfc3339% %HOSTNAME% %APP-NAME% %PROCID% %MSGID% - %msg%',
  rfc3164: '<%PRI%>%TIMESTAMP% %HOSTNAME% %syslogtag%%msg:::sp-if-no-1st-sp%%msg%',
};

/** rsyslog's configuration for a forwarder (see startRsyslogForwarder). */
function forwarderConfig({ work, input, internalLog, statsFile, target, framing, format, resumeInterval, queueSize, relpWindowSize }) {
  const forward = target.protocol === 'relp'
    ? ['type="omrelp"', `target=${rainerString(target.host)}`, `port="${target.port}"`, ...(relpWindowSize ? [`windowSize="${relpWindowSize}"`] : [])]
    : [
      'type="omfwd"',
      `target=${rainerString(target.host)}`,
      `port="${target.port}"`,
      'protocol="tcp"',
      `TCP_Framing="${framing === 'octet' ? 'octet-counted' : 'traditional'}"`,
    ];
  return [
    '# Written by test/support/syslog-clients.js: an unprivileged forwarder for one test.',
    `global(workDirectory=${rainerString(work)} localHostname="${FORWARDER_HOST}" maxMessageSize="256k"`,
    '       processInternalMessages="on")',
    // Big enough that no test can fill it: a full queue would discard after queue.timeoutEnqueue.
    `main_queue(queue.type="LinkedList" queue.size="${queueSize}")`,
    'module(load="imfile" mode="inotify")',
    `module(load="impstats" interval="1" format="json" log.syslog="off" log.file=${rainerString(statsFile)})`,
    target.protocol === 'relp' ? 'module(load="omrelp")' : '',
    `template(name="forward" type="string" string=${rainerString(TEMPLATES[format])})`,
    `input(type="imfile" file=${rainerString(input)} tag="${FORWARDER_APP}:" facility="local0" severity="notice"`,
    '      ruleset="forward" freshStartTail="off")',
    'ruleset(name="forward") {',
    `  action(name="forward" ${forward.join(' ')} template="forward"`,
    `         queue.type="LinkedList" queue.size="${queueSize}" queue.workerThreads="1"`,
    `         action.resumeRetryCount="-1" action.resumeInterval="${resumeInterval}")`,
    '}',
    // What is left in the default ruleset is rsyslogd's own messages.
    `action(type="omfile" file=${rainerString(internalLog)})`,
    '',
  ].join('\n');
}

/** Resolves once `check()` holds, checked now and on each change in `dir`; rejects once `failed()` returns an error. */
function untilInDir(dir, check, failed) {
  return new Promise((resolve, reject) => {
    let watcher = null;
    let timer = null;
    const test = () => {
      let ok = false;
      let err = null;
      try {
        err = failed();
        ok = !err && check();
      } catch (e) {
        err = e;
      }
      if (!ok && !err) return;
      if (watcher) watcher.close();
      clearInterval(timer);
      if (err) reject(err);
      else resolve();
    };
    watcher = fs.watch(dir, { persistent: false }, test);
    watcher.on('error', () => {});
    // A safety net where a watch event does not come (some file systems): the check is cheap.
    timer = setInterval(test, 200);
    timer.unref();
    test();
  });
}

function readOr(file, fallback = '') {
  try {
    return fs.readFileSync(file, 'utf8');
  } catch {
    return fallback;
  }
}

/**
 * Starts rsyslogd in the foreground as a forwarder: it follows an input file
 * with imfile and sends each line, in order, as an RFC 5424 (or RFC 3164)
 * message over TCP (omfwd) or RELP (omrelp) to 127.0.0.1:`target.port`.
 * Resolves once rsyslogd has logged its start; rejects, with its own log, if it
 * exits first or reports a configuration error.
 *
 * @param {object} o
 * @param {string} o.dir              folder for its configuration, work directory, input, logs (created)
 * @param {{protocol: 'tcp'|'relp', port: number, host?: string}} o.target
 * @param {'octet'|'lf'} [o.framing='octet']   TCP framing (omfwd only: RELP has its own)
 * @param {'rfc5424'|'rfc3164'} [o.format='rfc5424']
 * @param {number} [o.resumeInterval=1]   seconds between retries while the receiver is down
 * @param {number} [o.queueSize=400000]  action (and main) queue size, in messages
 * @param {number} [o.relpWindowSize]  omrelp's window (messages sent before an answer); default librelp's
 *   (128). Over loopback a window's round trip can wait on a delayed TCP ACK, so a larger window is
 *   much faster for bulk tests.
 * @returns {Promise<RsyslogForwarder>} { send(lines), sendSequence(from, count), sent, stop(), kill(),
 *   pid, exited, stats(), logs(), dir, input, conf, internalLog, stderrFile, statsFile }
 */
async function startRsyslogForwarder({ dir, target, framing = 'octet', format = 'rfc5424', resumeInterval = 1, queueSize = 400000, relpWindowSize }) {
  const bin = findRsyslogd();
  if (!bin) throw new Error('rsyslogd is not installed (Debian package rsyslog)');
  if (!target || !['tcp', 'relp'].includes(target.protocol) || !Number.isInteger(target.port)) {
    throw new Error(`target must be { protocol: 'tcp' | 'relp', port }, not ${JSON.stringify(target)}`);
  }
  if (!['octet', 'lf'].includes(framing)) throw new Error(`framing must be 'octet' or 'lf', not ${framing}`);
  if (!TEMPLATES[format]) throw new Error(`format must be 'rfc5424' or 'rfc3164', not ${format}`);
  if (relpWindowSize !== undefined && !(Number.isInteger(relpWindowSize) && relpWindowSize > 0)) {
    throw new Error(`relpWindowSize must be a positive integer, not ${relpWindowSize}`);
  }
  const full = { host: LOCALHOST, ...target };
  fs.mkdirSync(dir, { recursive: true });
  const work = path.join(dir, 'work');
  fs.mkdirSync(work, { recursive: true });
  const files = {
    conf: path.join(dir, 'rsyslog.conf'),
    pidFile: path.join(dir, 'rsyslogd.pid'),
    input: path.join(dir, 'input.log'),
    internalLog: path.join(dir, 'rsyslogd.log'),
    stderrFile: path.join(dir, 'rsyslogd.stderr'),
    statsFile: path.join(dir, 'impstats.json'),
  };
  if (!fs.existsSync(files.input)) fs.writeFileSync(files.input, '');
  fs.writeFileSync(files.conf, forwarderConfig({ work, ...files, target: full, framing, format, resumeInterval, queueSize, relpWindowSize }));

  const out = fs.openSync(files.stderrFile, 'a');
  let child;
  try {
    child = spawn(bin, ['-n', '-f', files.conf, '-i', files.pidFile], { stdio: ['ignore', out, out] });
  } finally {
    fs.closeSync(out);
  }
  killOnExit(child);
  let exit = null;
  const exited = new Promise((resolve) => {
    child.on('exit', (code, signal) => {
      exit = { code, signal };
      resolve(exit);
    });
    child.on('error', (err) => {
      exit = { code: null, signal: null, error: err };
      resolve(exit);
    });
  });

  const logs = () => `--- ${files.stderrFile} ---\n${readOr(files.stderrFile)}--- ${files.internalLog} ---\n${readOr(files.internalLog)}`;
  let sent = 0;
  const handle = {
    pid: child.pid,
    process: child,
    dir,
    ...files,
    target: full,
    framing,
    format,
    exited,
    /** Lines appended to the input so far (all sends of this handle). */
    get sent() {
      return sent;
    },
    /** Appends `lines` (message texts without line breaks) to the input, in one write. */
    send(lines) {
      if (!lines.length) return;
      for (const line of lines) {
        if (/[\r\n]/.test(line)) throw new Error(`a message text may not contain a line break: ${JSON.stringify(line)}`);
      }
      fs.appendFileSync(files.input, `${lines.join('\n')}\n`);
      sent += lines.length;
    },
    /** Sends sequenceText(n) for n = from .. from+count-1, in writes of at most `chunk` lines. */
    sendSequence(from, count, { rest, chunk = 10000 } = {}) {
      for (let i = 0; i < count; i += chunk) {
        const lines = [];
        for (let n = from + i; n < from + Math.min(count, i + chunk); n++) lines.push(sequenceText(n, rest));
        handle.send(lines);
      }
    },
    /**
     * The latest impstats counters (written every second): { name → record },
     * e.g. stats().forward.processed, stats()['forward queue'].size; {} before the first.
     */
    stats() {
      const latest = {};
      for (const line of readOr(files.statsFile).split('\n')) {
        const at = line.indexOf('{');
        if (at < 0) continue;
        try {
          const record = JSON.parse(line.slice(at));
          if (record.name) latest[record.name] = record;
        } catch {
          /* a line being written */
        }
      }
      return latest;
    },
    /** rsyslogd's stderr and its own messages, for a failing test's report. */
    logs,
    /** SIGTERM, then SIGKILL after `killAfter` ms; resolves with {code, signal}. Messages still queued are lost. */
    async stop({ killAfter = 10000 } = {}) {
      if (!exit) {
        child.kill('SIGTERM');
        const timer = setTimeout(() => child.kill('SIGKILL'), killAfter);
        timer.unref();
        await exited;
        clearTimeout(timer);
      }
      return exited;
    },
    /** SIGKILL; resolves with {code, signal}. */
    async kill() {
      if (!exit) child.kill('SIGKILL');
      return exited;
    },
  };

  // Started = its start message written (after the configuration was loaded and the inputs began).
  const started = /\[origin software="rsyslogd"[^\]]*\] start/;
  const configError = /error during parsing|could not load module|parameter '[^']*' not known|invalid or yet-unknown config file command/i;
  try {
    await untilInDir(
      dir,
      () => started.test(readOr(files.internalLog)),
      () => {
        if (exit) return new Error(`rsyslogd exited (code ${exit.code}, signal ${exit.signal}) while starting\n${logs()}`);
        const text = `${readOr(files.stderrFile)}\n${readOr(files.internalLog)}`;
        const bad = configError.exec(text);
        return bad ? new Error(`rsyslogd reported a configuration error: ${bad[0]}\n${logs()}`) : null;
      },
    );
  } catch (err) {
    await handle.kill();
    throw err;
  }
  return handle;
}

/** Runs `command args` with `input` on stdin; resolves with {code, signal, stdout, stderr} (never rejects on exit status). */
function run(command, args, { input, timeoutMs = 60000 } = {}) {
  return new Promise((resolve, reject) => {
    const child = execFile(command, args, { encoding: 'buffer', maxBuffer: 64 * 1024 * 1024, timeout: timeoutMs, killSignal: 'SIGKILL' }, (err, stdout, stderr) => {
      if (err && typeof err.code !== 'number' && !err.signal && !err.killed) {
        reject(err);
        return;
      }
      resolve({
        code: err ? (typeof err.code === 'number' ? err.code : null) : 0,
        signal: err ? err.signal || null : null,
        stdout: stdout.toString('utf8'),
        stderr: stderr.toString('utf8'),
      });
    });
    killOnExit(child);
    child.stdin.on('error', () => {}); // the program may exit before reading everything (e.g. a refused connection)
    child.stdin.end(input === undefined ? '' : input);
  });
}

/**
 * Sends `messages` to 127.0.0.1:`port` with util-linux logger, one process for
 * all of them (one line each on its stdin: one datagram each over UDP, one
 * connection over TCP). Resolves with {code, stderr} once logger has exited;
 * rejects if it failed, unless `check` is false.
 *
 * @param {object} o
 * @param {number} o.port
 * @param {'udp'|'tcp'} o.transport
 * @param {'rfc3164'|'rfc5424'} o.format
 * @param {boolean} [o.octetCount=false]  RFC 6587 octet counting (TCP)
 * @param {string[]} o.messages  texts without line breaks
 * @param {string} [o.tag='loggertest']   the tag / APP-NAME
 * @param {string} [o.priority='user.notice']
 * @param {number} [o.size]  logger's maximum message size (its default is 1 KiB: longer lines are cut)
 * @param {boolean} [o.check=true]
 */
async function loggerSend({ port, transport, format, octetCount = false, messages, tag = 'loggertest', priority = 'user.notice', size, check = true, host = LOCALHOST }) {
  if (!['udp', 'tcp'].includes(transport)) throw new Error(`transport must be 'udp' or 'tcp', not ${transport}`);
  if (!['rfc3164', 'rfc5424'].includes(format)) throw new Error(`format must be 'rfc3164' or 'rfc5424', not ${format}`);
  for (const m of messages) if (/[\r\n]/.test(m)) throw new Error(`a message may not contain a line break: ${JSON.stringify(m)}`);
  const args = ['-n', host, '-P', String(port), transport === 'udp' ? '--udp' : '--tcp', `--${format}`, '-t', tag, '-p', priority];
  if (octetCount) args.push('--octet-count');
  if (size) args.push('--size', String(size));
  const result = await run('logger', args, { input: messages.length ? `${messages.join('\n')}\n` : '' });
  if (check && result.code !== 0) {
    throw new Error(`logger ${args.join(' ')} exited with ${result.code ?? result.signal}: ${result.stderr.trim()}`);
  }
  return { code: result.code, stderr: result.stderr };
}

/** Runs openssl with `args`; rejects with its stderr when it fails. */
async function openssl(args, cwd) {
  const result = await run('openssl', args);
  if (result.code !== 0) throw new Error(`openssl ${args.join(' ')} (in ${cwd}) exited with ${result.code ?? result.signal}: ${result.stderr.trim()}`);
  return result;
}

/** A key (P-256) and a certificate request for `subject`; returns the key's path. */
async function keyAndRequest(dir, name, subject) {
  const keyFile = path.join(dir, `${name}.key`);
  const csrFile = path.join(dir, `${name}.csr`);
  await openssl(['req', '-new', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-keyout', keyFile, '-out', csrFile, '-subj', subject], dir);
  return { keyFile, csrFile };
}

/** A self-signed CA certificate `name`.crt with its key. */
async function makeCa(dir, name, subject) {
  const keyFile = path.join(dir, `${name}.key`);
  const certFile = path.join(dir, `${name}.crt`);
  await openssl([
    'req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-keyout', keyFile, '-out', certFile,
    '-days', '30', '-subj', subject,
    '-addext', 'basicConstraints=critical,CA:TRUE', '-addext', 'keyUsage=critical,keyCertSign,cRLSign',
  ], dir);
  return { keyFile, certFile };
}

/** A certificate for `subject`, signed by `ca`, with the X.509 v3 `extensions` (lines of an extfile). */
async function makeLeaf(dir, name, subject, ca, extensions) {
  const { keyFile, csrFile } = await keyAndRequest(dir, name, subject);
  const certFile = path.join(dir, `${name}.crt`);
  const extFile = path.join(dir, `${name}.ext`);
  fs.writeFileSync(extFile, `${extensions.join('\n')}\n`);
  const serial = `0x${require('crypto').randomBytes(8).toString('hex')}`;
  await openssl(['x509', '-req', '-in', csrFile, '-CA', ca.certFile, '-CAkey', ca.keyFile, '-set_serial', serial, '-days', '30', '-sha256', '-extfile', extFile, '-out', certFile], dir);
  return { keyFile, certFile };
}

/** Adds the PEM texts to {keyFile, certFile}. */
function withPem(files) {
  return { ...files, key: fs.readFileSync(files.keyFile, 'utf8'), cert: fs.readFileSync(files.certFile, 'utf8') };
}

/**
 * Makes, with the openssl CLI, in `dir`:
 *  - ca:        a CA ("CN=Log Ingest Test CA,O=Log Ingest Test")
 *  - server:    a server certificate from it for 127.0.0.1 and localhost (subjectAltName IP:127.0.0.1, DNS:localhost)
 *  - client:    a client certificate from it, CN=client1,O=Log Ingest Test
 *  - otherCa:   a second CA nobody trusts
 *  - untrusted: a client certificate from the second CA, CN=intruder,O=Elsewhere
 * Each is { keyFile, certFile, key, cert } (PEM strings). The leaves' subjects
 * list CN first, so `client.subject`, its fields in the certificate's order,
 * reads as the contract's msg.source.subject example: "CN=client1,O=Log Ingest Test".
 */
async function makeTlsMaterial(dir) {
  fs.mkdirSync(dir, { recursive: true });
  const ca = await makeCa(dir, 'ca', '/O=Log Ingest Test/CN=Log Ingest Test CA');
  const otherCa = await makeCa(dir, 'other-ca', '/O=Elsewhere/CN=Other CA');
  const server = await makeLeaf(dir, 'server', '/CN=localhost/O=Log Ingest Test', ca, [
    'basicConstraints=CA:FALSE',
    'keyUsage=critical,digitalSignature',
    'extendedKeyUsage=serverAuth',
    'subjectAltName=IP:127.0.0.1,DNS:localhost',
  ]);
  const clientExt = ['basicConstraints=CA:FALSE', 'keyUsage=critical,digitalSignature', 'extendedKeyUsage=clientAuth'];
  const client = await makeLeaf(dir, 'client1', '/CN=client1/O=Log Ingest Test', ca, clientExt);
  const untrusted = await makeLeaf(dir, 'intruder', '/CN=intruder/O=Elsewhere', otherCa, clientExt);
  return {
    dir,
    ca: withPem(ca),
    server: withPem(server),
    client: { ...withPem(client), subject: 'CN=client1,O=Log Ingest Test', commonName: 'client1' },
    otherCa: withPem(otherCa),
    untrusted: { ...withPem(untrusted), subject: 'CN=intruder,O=Elsewhere', commonName: 'intruder' },
  };
}

/**
 * Connects with `openssl s_client` to 127.0.0.1:`port`, verifying the server
 * against `caFile` (and its address against the certificate), presents
 * `certFile`/`keyFile` when given, writes `data`, and closes once its input
 * ends (-no_ign_eof: -quiet alone would wait for the server to close).
 * Resolves with {code, stdout, stderr} whatever the outcome; the caller judges
 * (a refused client certificate shows as an alert in stderr and, under TLS 1.3,
 * possibly only after the data was written: pass `args: ['-tls1_2']` to have
 * the refusal end the handshake).
 */
async function opensslSend({ port, caFile, certFile, keyFile, data, host = LOCALHOST, args = [] }) {
  const cmd = ['s_client', '-connect', `${host}:${port}`, '-quiet', '-no_ign_eof', '-CAfile', caFile, '-verify_return_error', '-verify_ip', host];
  if (certFile) cmd.push('-cert', certFile);
  if (keyFile) cmd.push('-key', keyFile);
  cmd.push(...args);
  return run('openssl', cmd, { input: data });
}

module.exports = {
  FORWARDER_APP,
  FORWARDER_HOST,
  availableClients,
  findRsyslogd,
  hasRsyslogModule,
  sequenceText,
  sequenceNumber,
  startRsyslogForwarder,
  loggerSend,
  makeTlsMaterial,
  opensslSend,
};
