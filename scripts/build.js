#!/usr/bin/env node
'use strict';
// Compiles the TypeScript sources into dist/, then puts each node's and
// plugin's editor files where the Node-RED runtime reads them: next to its
// compiled .js (the runtime looks for <dir of the .js>/icons and
// <dir of the .js>/locales only, and the package ships dist/, not the sources).
//
//   src/nodes/<type>/<type>.html            -> dist/nodes/<type>/<type>.html
//   locales/<lang>/<type>.json|.html        -> dist/nodes/<type>/locales/<lang>/
//   icons/log-ingest-<type>.svg             -> dist/nodes/<type>/icons/
// and likewise for src/plugins/<name>/ into dist/plugins/<name>/.
//
// An icon goes to the node it is named after. The runtime looks an icon up in
// the icons/ folders of every node of the pack, so one copy serves any node
// that names it; copying every icon everywhere would list each one several
// times in the editor's icon picker. A file that fits no node or plugin stops
// the build instead of being left out.
const fs = require('fs');
const path = require('path');
const { execFileSync } = require('child_process');

const ROOT = path.resolve(__dirname, '..');
const ICON_PREFIX = 'log-ingest-';
const KINDS = ['nodes', 'plugins'];

/** Folders src/<kind>/<name>/ that hold a <name>.ts: the nodes and plugins (not src/nodes/shared). */
function units(root) {
  const out = [];
  for (const kind of KINDS) {
    const kindDir = path.join(root, 'src', kind);
    if (!fs.existsSync(kindDir)) continue;
    for (const name of fs.readdirSync(kindDir).sort()) {
      const dir = path.join(kindDir, name);
      if (fs.statSync(dir).isDirectory() && fs.existsSync(path.join(dir, `${name}.ts`))) out.push({ kind, name, dir });
    }
  }
  return out;
}

/**
 * What the build copies, without copying it: `copies` [{from, to}] (absolute
 * paths), and `misplaced` [{file, why}] for source files that fit nowhere.
 * scripts/validate.js reads the same plan to check the sources and dist/.
 */
function plan(root = ROOT) {
  const copies = [];
  const misplaced = [];
  const byName = new Map(units(root).map((u) => [u.name, u]));
  const outDir = (u) => path.join(root, 'dist', u.kind, u.name);

  for (const u of byName.values()) {
    for (const entry of fs.readdirSync(u.dir, { withFileTypes: true })) {
      const from = path.join(u.dir, entry.name);
      if (entry.isFile() && entry.name.endsWith('.ts')) continue;
      if (entry.isFile() && entry.name.endsWith('.html')) copies.push({ from, to: path.join(outDir(u), entry.name) });
      else if (entry.name === 'icons' || entry.name === 'locales') misplaced.push({ file: from, why: `belongs in the top-level ${entry.name}/ folder` });
      else misplaced.push({ file: from, why: `src/${u.kind}/${u.name}/ holds only the .ts sources and the editor .html` });
    }
  }

  const iconsDir = path.join(root, 'icons');
  if (fs.existsSync(iconsDir)) {
    for (const name of fs.readdirSync(iconsDir).sort()) {
      const from = path.join(iconsDir, name);
      const m = new RegExp(`^${ICON_PREFIX}(.+)\\.svg$`).exec(name);
      const u = m && byName.get(m[1]);
      if (u && fs.statSync(from).isFile()) copies.push({ from, to: path.join(outDir(u), 'icons', name) });
      else misplaced.push({ file: from, why: `not named ${ICON_PREFIX}<type>.svg after a node or plugin in src/` });
    }
  }

  const localesDir = path.join(root, 'locales');
  if (fs.existsSync(localesDir)) {
    for (const lang of fs.readdirSync(localesDir).sort()) {
      const langDir = path.join(localesDir, lang);
      if (!fs.statSync(langDir).isDirectory()) {
        misplaced.push({ file: langDir, why: 'not a language folder (locales/<lang>/)' });
        continue;
      }
      for (const name of fs.readdirSync(langDir).sort()) {
        const from = path.join(langDir, name);
        const m = /^(.+)\.(json|html)$/.exec(name);
        const u = m && byName.get(m[1]);
        if (u && fs.statSync(from).isFile()) copies.push({ from, to: path.join(outDir(u), 'locales', lang, name) });
        else misplaced.push({ file: from, why: 'not <type>.json or <type>.html for a node or plugin in src/' });
      }
    }
  }
  return { copies, misplaced };
}

function build(root = ROOT) {
  const { copies, misplaced } = plan(root);
  if (misplaced.length) {
    const list = misplaced.map((m) => `  ${path.relative(root, m.file)}: ${m.why}`).join('\n');
    throw new Error(`build: files the build would not place:\n${list}`);
  }
  fs.rmSync(path.join(root, 'dist'), { recursive: true, force: true });
  execFileSync(process.execPath, [require.resolve('typescript/bin/tsc'), '-p', path.join(root, 'tsconfig.json')], {
    stdio: 'inherit',
  });
  for (const { from, to } of copies) {
    fs.mkdirSync(path.dirname(to), { recursive: true });
    fs.copyFileSync(from, to);
  }
}

module.exports = { plan, ICON_PREFIX };

/**
 * `--prepare` is the `prepare` script: npm runs it on `npm install` in the
 * checkout and when it installs the pack from git or a folder, which is where
 * a build is needed there. npm runs it on `npm pack` and `npm publish` too,
 * after `prepack` has built: it is not built twice.
 */
function builtByPrepack(argv, env) {
  return argv.includes('--prepare') && ['pack', 'publish'].includes(env.npm_command);
}

if (require.main === module && !builtByPrepack(process.argv, process.env)) {
  try {
    build();
  } catch (err) {
    process.stderr.write(`${err.message}\n`);
    process.exitCode = 1;
  }
}
