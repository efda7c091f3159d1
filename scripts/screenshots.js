#!/usr/bin/env node
'use strict';
// `npm run screenshots`: the README's pictures, taken from what a user sees.
//
//   - docs/images/demo-flow.png: the demo of `npm start` (scripts/demo.js) and
//     nothing else, in headless chromium: its one tab, the log ingest palette
//     category, live status under each node and the batches in the Debug sidebar;
//   - docs/images/sidebar.png: taken by test/browser/sidebar.spec.js, which the
//     npm script runs with LOG_INGEST_SCREENSHOTS=1 (without it the spec writes
//     to a temp folder, so `npm test` leaves the checkout as it was).
//
// shootDemo() is exported for test/browser/screenshots.spec.js.
const fs = require('fs');
const path = require('path');
const { startDemo } = require('./demo');
const ed = require('../test/browser/support/editor');

const REPO_ROOT = path.resolve(__dirname, '..');
const DEMO_SHOT = path.join(REPO_ROOT, 'docs', 'images', 'demo-flow.png');

/**
 * Starts the demo, opens the editor on it, waits until lines, batches and the
 * Debug sidebar show live data, and writes a screenshot to `out`. Resolves
 * with what the picture holds: the editor's tabs (labels) and the number of
 * debug messages shown.
 *
 * @param {object} o
 * @param {string} o.out          the PNG to write
 * @param {string[]} [o.nodesDir] where the pack is loaded from (default this checkout)
 * @param {string} [o.nodeRedDir] see startNodeRed
 * @param {string} [o.nodeBin]    see startNodeRed
 */
async function shootDemo({ out, nodesDir = [REPO_ROOT], nodeRedDir, nodeBin }) {
  const demo = await startDemo({ nodesDir, nodeRedDir, nodeBin, generator: { rate: 15, rotateEvery: 100000, seed: 3 } });
  let browser = null;
  try {
    const opened = await ed.openEditor(demo.url);
    browser = opened.browser;
    const { page } = opened;
    await ed.showWorkspace(page, demo.ids.tab);
    await ed.waitForStatus(page, demo.ids.tail, /^\d[\d.]*k? lines$/);
    await ed.waitForStatus(page, demo.ids.batch, /^\d[\d.]*k? (pending|batches sent)$/);
    await ed.waitForStatus(page, demo.ids.debug, /^\d+$/);
    const debug = await ed.openSidebarTab(page, 'debug');
    await debug.locator('.red-ui-debug-msg').nth(2).waitFor({ state: 'visible' }); // three batches: the demo is live
    // The pack's palette category in view, the flow at the top left of the canvas.
    await page.evaluate(() => {
      const category = document.querySelector('#red-ui-palette-container-log_ingest');
      if (category) category.scrollIntoView({ block: 'end' });
      $('#red-ui-workspace-chart').scrollLeft(0).scrollTop(0);
    });
    await ed.clearOverlays(page);
    fs.mkdirSync(path.dirname(out), { recursive: true });
    await page.screenshot({ path: out });
    // Awaited here: the finally below closes the browser.
    return await page.evaluate(() => {
      const tabs = [];
      RED.nodes.eachWorkspace((w) => tabs.push(w.label));
      return { tabs, debugMessages: document.querySelectorAll('.red-ui-debug-msg').length };
    });
  } finally {
    if (browser) await browser.close();
    await demo.stop();
  }
}

async function main() {
  const missing = ed.browserMissingReason();
  if (missing) {
    console.error(`Cannot take screenshots: ${missing}`);
    process.exit(1);
  }
  const shown = await shootDemo({ out: DEMO_SHOT });
  console.log(`${path.relative(REPO_ROOT, DEMO_SHOT)}: tabs ${shown.tabs.join(', ')}; ${shown.debugMessages} batches in the Debug sidebar`);
}

if (require.main === module) {
  main().catch((err) => {
    console.error(err);
    process.exit(1);
  });
}

module.exports = { shootDemo, DEMO_SHOT };
