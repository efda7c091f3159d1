#!/usr/bin/env node
'use strict';
// Compiles the TypeScript sources, then copies each node's and plugin's editor
// files (.html, locales/, icons/) next to its compiled .js, where Node-RED looks for them.
const fs = require('fs');
const path = require('path');
const { execFileSync } = require('child_process');

const root = path.resolve(__dirname, '..');
const dist = path.join(root, 'dist');

fs.rmSync(dist, { recursive: true, force: true });
execFileSync(process.execPath, [require.resolve('typescript/bin/tsc'), '-p', path.join(root, 'tsconfig.json')], {
  stdio: 'inherit',
});

// Node sets (src/nodes/<type>/) and editor plugins (src/plugins/<name>/) alike.
for (const kind of ['nodes', 'plugins']) {
  const kindSrc = path.join(root, 'src', kind);
  if (!fs.existsSync(kindSrc)) continue;
  for (const name of fs.readdirSync(kindSrc)) {
    const srcDir = path.join(kindSrc, name);
    if (!fs.statSync(srcDir).isDirectory()) continue;
    const outDir = path.join(dist, kind, name);
    for (const entry of fs.readdirSync(srcDir)) {
      if (entry.endsWith('.ts')) continue;
      fs.cpSync(path.join(srcDir, entry), path.join(outDir, entry), { recursive: true });
    }
  }
}
