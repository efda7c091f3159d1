'use strict';
// A node type's editor definition, for specs that check defaults and validators without a browser.
const fs = require('fs');
const path = require('path');

/**
 * The node definitions the editor registers (defaults, validators), read from
 * the built .html with RED and $ stubbed (no dialog open): the documented
 * defaults of every setting.
 */
function editorDefinition(type) {
  const html = fs.readFileSync(path.join(__dirname, '..', '..', 'dist', 'nodes', type, `${type}.html`), 'utf8');
  const script = /<script type="text\/javascript">([\s\S]*?)<\/script>/.exec(html)[1];
  let def;
  const RED = { nodes: { registerType: (t, d) => (def = d) }, validators: { number: () => (v) => !isNaN(Number(v)) } };
  new Function('RED', '$', script)(RED, () => ({ val: () => undefined }));
  return def;
}

module.exports = { editorDefinition };
