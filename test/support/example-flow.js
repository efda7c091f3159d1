'use strict';
// An example of examples/ as shipped, for the tests that run it in a real
// Node-RED: only the folder it writes its logs to is moved.
const fs = require('fs');
const path = require('path');
const should = require('should');
const { REPO_ROOT } = require('./node-red-process');

const EXAMPLES = path.join(REPO_ROOT, 'examples');
/** Where the examples write and follow their logs. */
const EXAMPLE_DIR = '/tmp/log-ingest-demo';

/**
 * The example `name`, with its log folder moved to `dir` when one is given
 * (an example that writes no logs takes none). A file without a tab gets one,
 * as the editor puts imported nodes on the current tab.
 */
function example(name, dir) {
  let text = fs.readFileSync(path.join(EXAMPLES, `${name}.json`), 'utf8');
  if (dir !== undefined) {
    should(text.includes(EXAMPLE_DIR)).be.true(`${name} no longer writes under ${EXAMPLE_DIR}`);
    text = text.split(EXAMPLE_DIR).join(dir);
  }
  const flow = JSON.parse(text);
  const tabs = new Set(flow.filter((n) => n.type === 'tab').map((n) => n.id));
  const missing = [...new Set(flow.filter((n) => n.z && !tabs.has(n.z)).map((n) => n.z))];
  return [...missing.map((id) => ({ id, type: 'tab', label: name })), ...flow];
}

module.exports = { example, EXAMPLE_DIR };
