'use strict';
// scripts/screenshots.js, the README's picture of the demo: it shows what
// `npm start` deploys and nothing else (one tab, the demo's), with batches in
// the Debug sidebar. Written to a temp folder here; `npm run screenshots`
// writes docs/images/. Same Node-RED selection and skip rule as editor.spec.js.
const fs = require('fs');
const os = require('os');
const path = require('path');
require('should');
const { resolveNodeRedDir, nodeRedInfo, nodeVersion, REPO_ROOT } = require('../support/node-red-process');
const { shootDemo } = require('../../scripts/screenshots');
const ed = require('./support/editor');

const nodeRedDir = resolveNodeRedDir(process.env.NODE_RED_PATH);
const nodeBin = process.env.NODE_RED_NODE_BIN || process.execPath;
const nr = nodeRedInfo(nodeRedDir);
const packDir = path.resolve(process.env.LOG_INGEST_PACK_DIR || REPO_ROOT);

describe(`README screenshot of the demo in Node-RED ${nr.version} on Node ${nodeVersion(nodeBin)} (browser)`, function () {
  this.timeout(120000); // safety net only
  let tmpDir = null;

  before(function () {
    ed.skipUnlessBrowser(this);
    tmpDir = fs.mkdtempSync(path.join(os.tmpdir(), 'log-ingest-shot-'));
  });

  after(function () {
    if (tmpDir) fs.rmSync(tmpDir, { recursive: true, force: true });
  });

  it('shows the demo only, with live batches in the Debug sidebar', async function () {
    const out = path.join(tmpDir, 'demo-flow.png');
    const shown = await shootDemo({ out, nodesDir: [packDir], nodeRedDir, nodeBin });
    shown.tabs.should.eql(['Log ingest demo']);
    shown.debugMessages.should.be.aboveOrEqual(3);
    fs.readFileSync(out).subarray(0, 8).should.eql(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), 'a PNG file');
  });
});
