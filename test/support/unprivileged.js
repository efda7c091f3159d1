'use strict';
// Permission-denied tests need a process that may not read a file, and root
// reads every file. The child starts as the same user as the tests, loads
// everything it needs from the checkout, and only then, when it is root,
// becomes nobody (uid/gid 65534). Started as nobody from the outset, it could
// not load anything from a checkout inside a folder only root may enter (a
// clone under /root), nor run a node binary kept there (nvm).
const { execFileSync } = require('child_process');

const NOBODY = 65534;
const DROP_ENV = 'LOG_INGEST_TEST_DROP_TO_UID';

/**
 * Runs `script` with `args` in a child Node.js that calls `dropPrivileges()`
 * once it has loaded its modules; resolves with its stdout. Under root the
 * child runs as nobody from then on; under any other user, as that user.
 */
function runUnprivileged(script, args, { env = process.env, cwd, timeout } = {}) {
  const asRoot = typeof process.getuid === 'function' && process.getuid() === 0;
  return execFileSync(process.execPath, [script, ...args], {
    env: { ...env, [DROP_ENV]: asRoot ? String(NOBODY) : '' },
    cwd,
    timeout,
  });
}

/**
 * In a child started by `runUnprivileged`: becomes nobody (groups, group,
 * then user) when asked to. Modules required after this call must be readable
 * by nobody, so require everything before.
 */
function dropPrivileges() {
  const id = Number(process.env[DROP_ENV] || NaN);
  if (!Number.isInteger(id)) return;
  process.setgroups([id]);
  process.setgid(id);
  process.setuid(id);
  if (process.getuid() !== id || process.geteuid() !== id || process.getgid() !== id) {
    throw new Error(`still uid ${process.getuid()}/euid ${process.geteuid()}/gid ${process.getgid()} after dropping to ${id}`);
  }
}

/**
 * The whole of a child started by `runUnprivileged` that runs nodes in the
 * node test helper: starts its server with the pack's state in `stateDir`,
 * drops privileges, runs `body` (which must require nothing more), then
 * unloads, stops, prints what `body` returned as JSON and exits. On a
 * failure it prints the stack and exits with 1.
 */
function runNodesUnprivileged(stateDir, body) {
  const { helper } = require('./helper');
  (async () => {
    helper.settings({ logIngestDir: stateDir });
    await helper.startServer();
    dropPrivileges();
    const result = await body(helper);
    await helper.unload();
    await helper.stopServer();
    process.stdout.write(JSON.stringify(result));
    process.exit(0);
  })().catch((err) => {
    process.stderr.write(String(err && err.stack));
    process.exit(1);
  });
}

module.exports = { runUnprivileged, runNodesUnprivileged, dropPrivileges, NOBODY };
