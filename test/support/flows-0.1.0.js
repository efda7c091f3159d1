'use strict';
// The flow file of test/fixtures/flows-0.1.0.json: every node of the pack as
// the 0.1.0 editor saved it, with only the settings it had then (see the
// comment node in the file). Shared by the node, integration and browser specs.
const fs = require('fs');
const path = require('path');
const { editorDefinition } = require('./editor-definition');

const FIXTURE = path.join(__dirname, '..', 'fixtures', 'flows-0.1.0.json');
/** The folder the fixture's file-tail and dir-watch read; the specs move it. */
const FIXTURE_FOLDER = '/tmp/log-ingest-0.1.0';
const PACK_TYPES = ['file-tail', 'dir-watch', 'micro-batch', 'kill-switch', 'kill-switch-config'];

/** Ids of the fixture's nodes, by what they are for. */
const IDS = {
  tab: '4c1a0f5e2b7d9c00',
  killSwitchConfig: '4c1a0f5e2b7d9c01',
  fileTail: '4c1a0f5e2b7d9c11',
  tailBatch: '4c1a0f5e2b7d9c12',
  tailBatches: '4c1a0f5e2b7d9c13',
  anArray: '4c1a0f5e2b7d9c14',
  arrayBatch: '4c1a0f5e2b7d9c15',
  arrayBatches: '4c1a0f5e2b7d9c16',
  dirWatch: '4c1a0f5e2b7d9c21',
  dirLines: '4c1a0f5e2b7d9c22',
  dirEvents: '4c1a0f5e2b7d9c23',
  releasePipeline: '4c1a0f5e2b7d9c31',
  data: '4c1a0f5e2b7d9c32',
  sharedGate: '4c1a0f5e2b7d9c33',
  sharedGatePassed: '4c1a0f5e2b7d9c34',
  sharedGateEvents: '4c1a0f5e2b7d9c35',
  one: '4c1a0f5e2b7d9c41',
  two: '4c1a0f5e2b7d9c42',
  three: '4c1a0f5e2b7d9c43',
  openTheGate: '4c1a0f5e2b7d9c44',
  ownGate: '4c1a0f5e2b7d9c45',
  ownGatePassed: '4c1a0f5e2b7d9c46',
};

/** The fixture as saved, its folder moved to `folder` (default: left as saved). */
function flows010(folder = FIXTURE_FOLDER) {
  const text = fs.readFileSync(FIXTURE, 'utf8');
  if (!text.includes(FIXTURE_FOLDER)) throw new Error(`${FIXTURE} no longer reads under ${FIXTURE_FOLDER}`);
  return JSON.parse(text.split(FIXTURE_FOLDER).join(folder));
}

/** The settings a node of the pack has now but did not have in the fixture: {name: documented default}. */
function laterSettings(node) {
  const later = {};
  for (const [name, d] of Object.entries(editorDefinition(node.type).defaults)) {
    // `outputs` is the number of ports, which the editor takes from the wires, not a setting.
    if (name === 'outputs') continue;
    if (!(name in node)) later[name] = d.value;
  }
  return later;
}

module.exports = { FIXTURE, FIXTURE_FOLDER, PACK_TYPES, IDS, flows010, laterSettings };
