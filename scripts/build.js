#!/usr/bin/env node
'use strict';
// Compiles the TypeScript sources, then copies each node's editor files
// (.html, locales/, icons/) next to its compiled .js, where Node-RED looks for them.
const fs = require('fs');
const path = require('path');
const { execFileSync } = require('child_process');

const root = path.resolve(__dirname, '..');
const dist = path.join(root, 'dist');

fs.rmSync(dist, { recursive: true, force: true });
execFileSync(process.execPath, [require.resolve('typescript/bin/tsc'), '-p', path.join(root, 'tsconfig.json')], {
  stdio: 'inherit',
});

const nodesSrc = path.join(root, 'src', 'nodes');
for (const type of fs.readdirSync(nodesSrc)) {
  const srcDir = path.join(nodesSrc, type);
  if (!fs.statSync(srcDir).isDirectory()) continue;
  const outDir = path.join(dist, 'nodes', type);
  for (const entry of fs.readdirSync(srcDir)) {
    if (entry.endsWith('.ts')) continue;
    fs.cpSync(path.join(srcDir, entry), path.join(outDir, entry), { recursive: true });
  }
}
