'use strict';
// Which build of the pack the benchmark measures. A copy of the built pack
// (package.json + dist/) is taken into the temp folder when the run starts,
// so that a rebuild of the checkout during the run (another `npm test`)
// changes nothing for the Node-RED processes started later on.
const fs = require('fs');
const path = require('path');

const REPO_ROOT = path.resolve(__dirname, '..', '..');

/** Copies <from>/package.json and <from>/dist into <tmp>/<name>; returns that folder. */
function snapshotPack(from, tmp, name = 'pack') {
  const src = path.resolve(from);
  if (!fs.existsSync(path.join(src, 'dist', 'nodes'))) {
    throw new Error(`${src}/dist/nodes is missing: run \`npm run bench\` (it builds first) or \`npm run build\``);
  }
  const dest = path.join(tmp, name);
  fs.mkdirSync(dest, { recursive: true });
  fs.copyFileSync(path.join(src, 'package.json'), path.join(dest, 'package.json'));
  fs.cpSync(path.join(src, 'dist'), path.join(dest, 'dist'), { recursive: true });
  // The pack's runtime dependencies resolve from the checkout's node_modules.
  const modules = path.join(src, 'node_modules');
  if (fs.existsSync(modules)) fs.symlinkSync(modules, path.join(dest, 'node_modules'), 'dir');
  return dest;
}

/** Node types the pack's package.json registers. */
function packNodeTypes(packDir) {
  const pkg = JSON.parse(fs.readFileSync(path.join(packDir, 'package.json'), 'utf8'));
  return Object.keys((pkg['node-red'] && pkg['node-red'].nodes) || {});
}

module.exports = { REPO_ROOT, snapshotPack, packNodeTypes };
