#!/usr/bin/env node
'use strict';
// Offline pre-publish checks of the pack: what the Node-RED flow library
// scorecard (`npx node-red-dev validate`, which needs the network) checks, plus
// editor, layout and packaging checks it does not make. Run on the built tree:
// `npm run validate` (= build, then this script; .ci/run makes it a gate).
// Exits 1 if any check fails.
//
//   node scripts/validate.js [--root <dir>] [--json]
//
// Where things are. The sources: src/nodes/<type>/<type>.ts and .html (and
// src/plugins/<name>/ likewise), every icon in icons/, every catalog and help in
// locales/<lang>/<type>.json|.html. scripts/build.js puts the .html, icons and
// locales next to each compiled .js in dist/, the only place the runtime reads
// them. S01 checks the sources and that dist/ holds a current copy of each; the
// other checks read dist/, what is published, so they check the sources too.
//
// Checks (scorecard ids where there is one):
//   P01 license                 P03 repository or bugs      P04 scoped name
//   P05 keywords has node-red   P06 node-red.version admits Node-RED 5.0.7 and 4.1.15
//   P07 engines.node admits 22.9.0 and Node 20               D01 at most 6 dependencies
//   S01 the sources are where build.js reads them (nothing left in src/nodes/<type>/
//       but .ts and .html; every file in icons/ and locales/ belongs to a node or
//       plugin), and dist/ holds an identical copy of each (skipped without src/)
//   F01 "files" publishes every node file and examples/
//   F02 the tarball (`npm pack --dry-run --ignore-scripts`, so whatever "files",
//       .npmignore and the build put there) holds every file a node-red entry names
//       (nodes and plugins), the .js files they require, their .html, icons/ and
//       locales/ next to them, and examples/
//   L01 each node file in node-red.nodes exists, with its .html next to it,
//       and the runtime registers the types its .html defines
//   N00 each .html parses the way node-red-dev parses it: <script type="text/javascript">
//       blocks through acorn, RED.nodes.registerType('<literal>', {object literal})
//       with literal category (and color, inputs, outputs, icon unless a config node)
//   I01 each icon exists in the node's icons/ folder in dist/ (or is font-awesome/… or core)
//   N01 type names unique in the pack, not core types, not types of other known packs
//   N02 every type, config types too, used in some examples/**/*.json, each a JSON
//       array whose types are all known (this pack's or core), with a comment node
//       that explains it, and whose wires lead to nodes of the same file
//   E01 node-input-<x> / node-config-input-<x> ids in each template match `defaults`
//       (and `credentials`) keys, and the other way round
//   H01 help for every type (locales/en-US/<file>.html, data-help-name), starting with a <p>;
//       the help of every other locale covers the same types, with the same message
//       properties (name, type, optional) and output ports as en-US
//   T01 every locale catalog (locales/<lang>/*.json) parses; each node has an en-US
//       catalog; every node and plugin has a catalog in every language of the pack
//       (en-US and de today: a language any of them has)
//   T02 every catalog key used in a node's .html and .ts exists in every locale (en-US
//       and de): data-i18n attributes and this._()/RED._() in the .html; RED._() and
//       status text keys in the .js compiled from the .ts (node files and the shared
//       modules they require); node-red:/editor keys in Node-RED's own catalogs.
//       And every locale catalog is complete: it has each key of the node's en-US
//       catalog, with the same __placeholders__, and no key en-US lacks
//   T03 dynamic keys in src/nodes/**/*.ts (`file-tail.status.${error.reason}`) whose
//       parts have a union of string literal types: every key they can make exists in
//       every locale (uses the TypeScript compiler on the sources; skipped without src/)
//   T04 editor plugins: the files exist, every key the plugin's .html uses exists in
//       every locale, and every locale has exactly the keys of en-US
//
// The functions are exported for test/validate.spec.js, which also runs them on
// deliberately broken copies.
const fs = require('fs');
const path = require('path');
const { spawnSync } = require('child_process');
const build = require('./build');

const ROOT = path.resolve(__dirname, '..');

/** The Node-RED versions the pack must load on (scorecard P06: latest and maintenance). */
const NODE_RED_TARGETS = ['5.0.7', '4.1.15'];
/** semver.minVersion(engines.node of Node-RED 5) (scorecard P07), and the Node 20 line (Node-RED 4 CI). */
const NODE_TARGETS = { exact: ['22.9.0'], lines: ['20.x'] };
const MAX_DEPENDENCIES = 6;

/**
 * Types taken by other packs, known without the catalogue (scorecard N01 reads
 * catalogue.nodered.org). Core types come from the installed Node-RED, and the
 * types of packs installed in node_modules are added at run time.
 */
const KNOWN_FOREIGN_TYPES = {
  tail: 'node-red-node-tail',
  'file-watch': 'node-red-contrib-file-watch',
  'tail-file': 'node-red-contrib-tail-file',
};
/** Core types, in case no Node-RED is installed to read them from (4.x/5.x). */
const CORE_TYPES_FALLBACK = [
  'inject', 'debug', 'complete', 'catch', 'status', 'link in', 'link out', 'link call', 'comment', 'unknown',
  'junction', 'global-config', 'function', 'switch', 'change', 'range', 'template', 'delay', 'trigger', 'exec',
  'rbe', 'tls-config', 'http proxy', 'mqtt in', 'mqtt out', 'mqtt-broker', 'http in', 'http response',
  'http request', 'websocket in', 'websocket out', 'websocket-listener', 'websocket-client', 'tcp in', 'tcp out',
  'tcp request', 'udp in', 'udp out', 'csv', 'html', 'json', 'xml', 'yaml', 'split', 'join', 'sort', 'batch',
  'file', 'file in', 'watch', 'tab', 'subflow', 'group',
];
/** Node-RED's own editor types that examples may contain. */
const FLOW_STRUCTURE_TYPES = ['tab', 'subflow', 'group', 'junction'];

/**
 * Documented exceptions to E01, per type: template ids that are no `defaults`
 * key (`templateOnly`) and `defaults` keys with no template input (`defaultsOnly`).
 * Found automatically and not needed here: typedInput `typeField` hidden inputs,
 * and keys set or ids read in oneditsave.
 */
const ID_EXCEPTIONS = {};

// --- dependencies: from this repo, else from the Node-RED install ------------

function nodeRedDirsFor(root) {
  const dirs = [];
  const add = (d) => {
    if (d && fs.existsSync(path.join(d, 'package.json')) && !dirs.includes(path.resolve(d))) dirs.push(path.resolve(d));
  };
  if (process.env.NODE_RED_PATH) {
    const p = path.resolve(process.env.NODE_RED_PATH);
    add(fs.existsSync(path.join(p, 'node_modules', 'node-red', 'red.js')) ? path.join(p, 'node_modules', 'node-red') : p);
  }
  add(path.join(root, 'node_modules', 'node-red'));
  add(path.join(ROOT, 'node_modules', 'node-red'));
  return dirs;
}

function load(name, root = ROOT) {
  const paths = [root, ROOT, ...nodeRedDirsFor(root)];
  return require(require.resolve(name, { paths }));
}

// --- small helpers -------------------------------------------------------------

function readJson(file) {
  return JSON.parse(fs.readFileSync(file, 'utf8'));
}

function rel(root, file) {
  return path.relative(root, file) || '.';
}

function walkFiles(dir, filter = () => true, out = []) {
  if (!fs.existsSync(dir)) return out;
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, entry.name);
    if (entry.isDirectory()) walkFiles(p, filter, out);
    else if (filter(p)) out.push(p);
  }
  return out.sort();
}

/** `<script …>content</script>` blocks, with their attributes. */
function scriptBlocks(html) {
  const blocks = [];
  const re = /<script\b([^>]*)>([\s\S]*?)<\/script\s*>/gi;
  let m;
  while ((m = re.exec(html)) !== null) {
    blocks.push({ attrs: parseAttributes(m[1]), content: m[2], offset: m.index });
  }
  return blocks;
}

function parseAttributes(s) {
  const attrs = {};
  const re = /([^\s=/>]+)(?:\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s"'>]+)))?/g;
  let m;
  while ((m = re.exec(s)) !== null) attrs[m[1].toLowerCase()] = m[2] ?? m[3] ?? m[4] ?? '';
  return attrs;
}

/** Elements of an HTML fragment: [{name, attribs}] in document order (htmlparser2). */
function htmlElements(fragment, root = ROOT) {
  const { Parser } = load('htmlparser2', root);
  const out = [];
  const parser = new Parser(
    {
      onopentag(name, attribs) {
        out.push({ name, attribs });
      },
    },
    { decodeEntities: true, lowerCaseAttributeNames: true },
  );
  parser.write(fragment);
  parser.end();
  return out;
}

/** The first element or non-blank text of an HTML fragment. */
function firstContent(fragment, root = ROOT) {
  const { Parser } = load('htmlparser2', root);
  let first = null;
  const parser = new Parser({
    onopentag(name) {
      if (!first) first = { kind: 'element', name };
    },
    ontext(text) {
      if (!first && text.trim()) first = { kind: 'text', text: text.trim().slice(0, 60) };
    },
    oncomment() {},
  });
  parser.write(fragment);
  parser.end();
  return first;
}

// --- node-red-dev's reading of an editor .html ---------------------------------

/**
 * Node definitions of an editor .html, read the way node-red-dev's
 * src/libs/checknodes.js getNodeDefinitions() reads them: only
 * `<script … type="text/javascript">` blocks (same regular expression), parsed
 * by acorn; `registerType(<Literal>, <ObjectExpression>)`.
 * Returns {defs: {type: {category, color, inputs, outputs, icon, defaults, credentials,
 * literal: {prop: bool}, node (the ObjectExpression), block}}, errors: [string], blocks}.
 */
function getNodeDefinitions(html, root = ROOT) {
  const acorn = load('acorn', root);
  const walk = load('acorn-walk', root);
  const re = /<script.+?type=['"]text\/javascript['"].*?>([\S\s]*?)<\/script>/gi;
  const parts = [];
  let m;
  while ((m = re.exec(html)) !== null) parts.push(m[1]);
  const defs = {};
  const errors = [];
  if (parts.length === 0) errors.push('no <script type="text/javascript"> block');
  parts.forEach((source, blockIndex) => {
    let ast;
    try {
      ast = acorn.parse(source, { ecmaVersion: 'latest' });
    } catch (err) {
      errors.push(`script block ${blockIndex + 1}: syntax error: ${err.message}`);
      return;
    }
    walk.simple(ast, {
      CallExpression(node) {
        const callee = node.callee;
        if (!(callee.type === 'MemberExpression' && !callee.computed && callee.property.name === 'registerType')) return;
        const [typeNode, defNode] = node.arguments;
        if (!typeNode || typeNode.type !== 'Literal' || typeof typeNode.value !== 'string') {
          errors.push('registerType() with a type that is not a string literal (node-red-dev cannot see it)');
          return;
        }
        const type = typeNode.value;
        if (!defNode || defNode.type !== 'ObjectExpression') {
          errors.push(`registerType('${type}', …) with a definition that is not an inline object literal`);
          return;
        }
        const def = { type, literal: {}, node: defNode, source, block: blockIndex, defaults: null, credentials: null };
        for (const prop of defNode.properties) {
          if (prop.type !== 'Property') continue;
          const key = propName(prop);
          if (key === 'defaults' || key === 'credentials') {
            if (prop.value.type !== 'ObjectExpression') {
              errors.push(`${type}: ${key} is not an inline object literal`);
              continue;
            }
            def[key] = {};
            for (const p of prop.value.properties) {
              if (p.type === 'Property') def[key][propName(p)] = p.value;
            }
          } else if (['category', 'color', 'inputs', 'outputs', 'icon'].includes(key)) {
            def.literal[key] = prop.value.type === 'Literal';
            if (prop.value.type === 'Literal') def[key] = prop.value.value;
          } else {
            def[key] = prop.value;
          }
        }
        if (defs[type]) errors.push(`${type}: registered twice in the same file`);
        defs[type] = def;
      },
    });
  });
  return { defs, errors, blocks: parts.length };
}

function propName(prop) {
  if (prop.key.type === 'Identifier') return prop.key.name;
  if (prop.key.type === 'Literal') return String(prop.key.value);
  return null;
}

/** Types passed as a string literal to registerType() in a compiled runtime .js. */
function runtimeRegisteredTypes(jsSource, root = ROOT) {
  const acorn = load('acorn', root);
  const walk = load('acorn-walk', root);
  const ast = acorn.parse(jsSource, { ecmaVersion: 'latest', sourceType: 'script', allowHashBang: true });
  const types = [];
  let dynamic = 0;
  walk.simple(ast, {
    CallExpression(node) {
      const c = node.callee;
      if (c.type === 'MemberExpression' && !c.computed && c.property.name === 'registerType') {
        const a = node.arguments[0];
        if (a && a.type === 'Literal' && typeof a.value === 'string') types.push(a.value);
        else dynamic++;
      }
    },
  });
  return { types, dynamic };
}

// --- i18n --------------------------------------------------------------------

/** Looks `key` ("a.b.c") up in a catalog; true if it names a string (or i18next plural forms). */
function hasKey(catalog, key) {
  const parts = key.split('.');
  let cur = catalog;
  for (let i = 0; i < parts.length; i++) {
    if (cur === null || typeof cur !== 'object') return false;
    const last = i === parts.length - 1;
    if (last) {
      const v = cur[parts[i]];
      if (typeof v === 'string') return true;
      return ['_plural', '_one', '_other', '_0'].some((s) => typeof cur[parts[i] + s] === 'string');
    }
    cur = cur[parts[i]];
  }
  return false;
}

/** All leaf keys ("a.b.c") of a catalog. */
function leafKeys(catalog, prefix = '', out = []) {
  if (catalog && typeof catalog === 'object') {
    for (const [k, v] of Object.entries(catalog)) {
      const p = prefix ? `${prefix}.${k}` : k;
      if (v && typeof v === 'object') leafKeys(v, p, out);
      else out.push(p);
    }
  }
  return out;
}

/** A key pattern ("a.b.*") as a RegExp over leaf keys; `*` stands for a dynamic part. */
function patternRegExp(pattern) {
  const esc = pattern.split('*').map((s) => s.replace(/[.+?^${}()|[\]\\]/g, '\\$&'));
  return new RegExp(`^${esc.join('[^]+?')}(?:_plural|_one|_other)?$`);
}

/**
 * A catalog's strings by key, plural forms (key_plural, key_one, key_other…) under
 * their key, since languages differ in the plural forms they need.
 */
function catalogStrings(catalog) {
  const out = new Map();
  const walk = (obj, prefix) => {
    for (const [k, v] of Object.entries(obj)) {
      const p = prefix ? `${prefix}.${k}` : k;
      if (v && typeof v === 'object') walk(v, p);
      else {
        const key = p.replace(/_(?:plural|zero|one|two|few|many|other|\d+)$/, '');
        if (!out.has(key)) out.set(key, []);
        out.get(key).push(String(v));
      }
    }
  };
  if (catalog && typeof catalog === 'object') walk(catalog, '');
  return out;
}

/** The __name__ placeholders of a key's strings, sorted and joined. */
function placeholdersOf(texts) {
  const names = new Set();
  for (const t of texts) for (const m of t.matchAll(/__([\w.-]+?)__/g)) names.add(m[1]);
  return [...names].sort().join(', ');
}

/**
 * What a translation of a help text must keep: its message properties
 * ("optional name: type", in order) and its number of output port entries.
 */
function helpStructure(content) {
  const properties = [];
  const re = /<dt\b([^>]*)>\s*([^<]*?)\s*<span\b[^>]*class\s*=\s*["'][^"']*property-type[^"']*["'][^>]*>([^<]*)<\/span>/gi;
  let m;
  while ((m = re.exec(content)) !== null) {
    const optional = /class\s*=\s*["'][^"']*\boptional\b/.test(m[1]);
    properties.push(`${optional ? 'optional ' : ''}${m[2]}: ${m[3].trim()}`);
  }
  const ports = [];
  const olRe = /<ol\b[^>]*class\s*=\s*["'][^"']*node-ports[^"']*["'][^>]*>([\s\S]*?)<\/ol>/gi;
  while ((m = olRe.exec(content)) !== null) ports.push(m[1].replace(/<ul\b[\s\S]*?<\/ul>/gi, '').split(/<li\b/i).length - 1);
  return { properties, ports: ports.join('+') || '0' };
}

/** Splits "ns:key" (i18next); ns is null when absent. */
function splitNs(key) {
  const i = key.indexOf(':');
  // Keys never contain ':' in this pack's catalogs; a ':' names a namespace.
  if (i > 0 && /^[@\w/.-]+$/.test(key.slice(0, i))) return { ns: key.slice(0, i), key: key.slice(i + 1) };
  return { ns: null, key };
}

/** data-i18n="[attr]key;other.key" → [{key, attr}] */
function parseDataI18n(value) {
  return value
    .split(';')
    .map((s) => s.trim())
    .filter(Boolean)
    .map((s) => {
      const m = /^\[([^\]]*)\](.*)$/.exec(s);
      return m ? { attr: m[1], key: m[2].trim() } : { attr: null, key: s };
    });
}

/**
 * Key uses in a JS AST: calls of `<x>._(…)` (RED._, this._, node._) and, when
 * `keyPrefixes` is given, bare string literals and template literals shaped like
 * keys that start with one of them (status texts such as 'file-tail.status.waiting').
 * Returns [{key?, pattern?, dynamic?, via, object, line}].
 */
function keyUsesInJs(source, { root = ROOT, keyPrefixes = [], locations = true } = {}) {
  const acorn = load('acorn', root);
  const walk = load('acorn-walk', root);
  const ast = acorn.parse(source, { ecmaVersion: 'latest', sourceType: 'script', allowHashBang: true, locations });
  const uses = [];
  const seen = new Set(); // nodes already accounted as _() arguments
  // key builders: const key = (name) => `${type}.warnings.${name}`; RED._(key('rotated'))
  const builders = new Map();
  walk.simple(ast, {
    VariableDeclarator(node) {
      const f = node.init;
      if (node.id.type !== 'Identifier' || !f || !['ArrowFunctionExpression', 'FunctionExpression'].includes(f.type)) return;
      let body = f.body;
      if (body.type === 'BlockStatement' && body.body.length === 1 && body.body[0].type === 'ReturnStatement') body = body.body[0].argument;
      if (body && body.type === 'TemplateLiteral') builders.set(node.id.name, { params: f.params.map((p) => (p.type === 'Identifier' ? p.name : null)), body });
    },
  });

  const prefixRe = keyPrefixes.length
    ? new RegExp(`^(?:${keyPrefixes.map((p) => p.replace(/[.+?^${}()|[\]\\]/g, '\\$&')).join('|')})\\.[A-Za-z0-9_-]+(?:\\.[A-Za-z0-9_-]+)+$`)
    : null;

  function fromArg(arg, via, object) {
    if (!arg) return;
    const line = arg.loc ? arg.loc.start.line : null;
    if (arg.type === 'Literal' && typeof arg.value === 'string') {
      seen.add(arg);
      uses.push({ key: arg.value, via, object, line });
    } else if (arg.type === 'TemplateLiteral') {
      seen.add(arg);
      if (arg.expressions.length === 0) uses.push({ key: arg.quasis[0].value.cooked, via, object, line });
      else uses.push({ pattern: templatePattern(arg), via, object, line });
    } else if (arg.type === 'ConditionalExpression') {
      fromArg(arg.consequent, via, object);
      fromArg(arg.alternate, via, object);
    } else if (arg.type === 'LogicalExpression') {
      fromArg(arg.left, via, object);
      fromArg(arg.right, via, object);
    } else if (arg.type === 'CallExpression' && arg.callee.type === 'Identifier' && builders.has(arg.callee.name)) {
      const b = builders.get(arg.callee.name);
      seen.add(b.body);
      const values = {};
      b.params.forEach((p, i) => {
        const a = arg.arguments[i];
        if (p && a && a.type === 'Literal' && typeof a.value === 'string') values[p] = a.value;
      });
      const statics = b.body.quasis.map((q) => q.value.cooked);
      let pattern = statics[0];
      b.body.expressions.forEach((e, i) => {
        pattern += (e.type === 'Identifier' && e.name in values ? values[e.name] : '*') + statics[i + 1];
      });
      if (pattern.includes('*')) uses.push({ pattern, via, object, line });
      else uses.push({ key: pattern, via, object, line });
    } else {
      uses.push({ dynamic: source.slice(arg.start, arg.end), via, object, line });
    }
  }

  walk.simple(ast, {
    CallExpression(node) {
      const c = node.callee;
      if (c.type === 'MemberExpression' && !c.computed && c.property.name === '_') {
        const object = c.object.type === 'Identifier' ? c.object.name : c.object.type === 'ThisExpression' ? 'this' : source.slice(c.object.start, c.object.end);
        fromArg(node.arguments[0], '_()', object);
      }
    },
  });
  if (prefixRe) {
    walk.simple(ast, {
      Literal(node) {
        if (!seen.has(node) && typeof node.value === 'string' && prefixRe.test(node.value)) {
          uses.push({ key: node.value, via: 'literal', object: null, line: node.loc ? node.loc.start.line : null });
        }
      },
      TemplateLiteral(node) {
        if (seen.has(node) || node.expressions.length === 0) return;
        const statics = node.quasis.map((q) => q.value.cooked);
        if (!statics.every((s) => /^[A-Za-z0-9_.-]*$/.test(s))) return;
        const pattern = templatePattern(node);
        const startsWithType = keyPrefixes.some((p) => statics[0].startsWith(`${p}.`));
        // `${x}.section.key…`: a static part naming a section between dots
        const startsWithExpr = statics[0] === '' && statics.slice(1).some((st) => /^\.[A-Za-z][\w-]*\./.test(st));
        if ((startsWithType || startsWithExpr) && pattern.includes('.')) {
          uses.push({ pattern, via: 'template', object: null, line: node.loc ? node.loc.start.line : null });
        }
      },
    });
  }
  return uses;
}

function templatePattern(node) {
  return node.quasis.map((q) => q.value.cooked).join('*');
}

// --- the checks ----------------------------------------------------------------

/**
 * Runs every check on the pack in `root` (a built tree: package.json, dist/, examples/).
 * @param {object} [o]
 * @param {string} [o.root]
 * @param {string[]} [o.nodeRedDirs]   Node-RED installs to read core types and catalogs from
 * @param {object} [o.idExceptions]    see ID_EXCEPTIONS
 * @returns {{ok: boolean, checks: {id, title, ok, problems: string[], notes: string[]}[], pack}}
 */
function validate(o = {}) {
  const root = path.resolve(o.root || ROOT);
  const nodeRedDirs = o.nodeRedDirs || nodeRedDirsFor(root);
  const idExceptions = o.idExceptions || ID_EXCEPTIONS;
  const checks = [];
  const check = (id, title) => {
    const c = { id, title, ok: true, problems: [], notes: [] };
    c.fail = (msg) => {
      c.ok = false;
      c.problems.push(msg);
    };
    c.note = (msg) => c.notes.push(msg);
    checks.push(c);
    return c;
  };
  const finish = () => {
    for (const c of checks) {
      delete c.fail;
      delete c.note;
    }
    return { ok: checks.every((c) => c.ok), checks, pack };
  };

  let pkg;
  const pack = { root, name: null, nodeFiles: [], types: {} };
  try {
    pkg = readJson(path.join(root, 'package.json'));
  } catch (err) {
    check('P00', 'package.json').fail(`cannot read package.json: ${err.message}`);
    return finish();
  }
  pack.name = pkg.name;
  const semver = load('semver', root);

  // P01 license
  {
    const c = check('P01', 'package.json has a license');
    if (typeof pkg.license !== 'string' || !pkg.license.trim()) c.fail('no "license" key');
    else c.note(pkg.license);
  }
  // P03 repository or bugs
  {
    const c = check('P03', 'package.json has repository or bugs');
    const repo = typeof pkg.repository === 'string' ? pkg.repository : pkg.repository && pkg.repository.url;
    const bugs = typeof pkg.bugs === 'string' ? pkg.bugs : pkg.bugs && (pkg.bugs.url || pkg.bugs.email);
    if (!repo && !bugs) c.fail('neither "repository" nor "bugs" is set');
    else c.note([repo && `repository ${repo}`, bugs && `bugs ${bugs}`].filter(Boolean).join(', '));
  }
  // P04 scoped name
  {
    const c = check('P04', 'package name is scoped (@scope/name)');
    if (typeof pkg.name !== 'string' || !/^@[a-z0-9-~][a-z0-9-._~]*\/[a-z0-9-~][a-z0-9-._~]*$/.test(pkg.name)) {
      c.fail(`name ${JSON.stringify(pkg.name)} is not a scoped npm name (new packs must be @scope/name)`);
    } else c.note(pkg.name);
  }
  // P05 keywords
  {
    const c = check('P05', 'keywords include "node-red"');
    if (!Array.isArray(pkg.keywords) || !pkg.keywords.includes('node-red')) c.fail('"keywords" lacks "node-red" (the flow library lists only packs with it)');
  }
  // P06 node-red.version
  const nr = pkg['node-red'];
  {
    const c = check('P06', `node-red.version admits Node-RED ${NODE_RED_TARGETS.join(' and ')}`);
    const range = nr && nr.version;
    if (!nr || typeof nr !== 'object') c.fail('no "node-red" section');
    else if (typeof range !== 'string' || !semver.validRange(range)) c.fail(`node-red.version ${JSON.stringify(range)} is not a semver range`);
    else {
      const installed = nodeRedDirs.map((d) => {
        try {
          return readJson(path.join(d, 'package.json')).version;
        } catch {
          return null;
        }
      });
      for (const v of [...new Set([...NODE_RED_TARGETS, ...installed.filter(Boolean)])]) {
        if (!semver.satisfies(v, range)) c.fail(`node-red.version "${range}" does not admit Node-RED ${v}: the runtime would skip the pack (version_mismatch)`);
      }
      if (c.ok) c.note(`"${range}"`);
    }
  }
  // P07 engines.node
  {
    const c = check('P07', `engines.node admits Node ${NODE_TARGETS.exact.join(', ')} and ${NODE_TARGETS.lines.join(', ')}`);
    const range = pkg.engines && pkg.engines.node;
    if (typeof range !== 'string' || !semver.validRange(range)) c.fail(`engines.node ${JSON.stringify(range)} is not a semver range`);
    else {
      for (const v of NODE_TARGETS.exact) if (!semver.satisfies(v, range)) c.fail(`engines.node "${range}" does not admit Node ${v}`);
      for (const line of NODE_TARGETS.lines) if (!semver.intersects(range, line)) c.fail(`engines.node "${range}" admits no Node ${line}`);
      if (c.ok) c.note(`"${range}"`);
    }
  }
  // D01 dependencies
  {
    const c = check('D01', `at most ${MAX_DEPENDENCIES} dependencies`);
    const deps = Object.keys(pkg.dependencies || {});
    if (deps.length > MAX_DEPENDENCIES) c.fail(`${deps.length} dependencies: ${deps.join(', ')}`);
    else c.note(`${deps.length}: ${deps.join(', ') || 'none'}`);
    if (deps.includes('node-red')) c.fail('"node-red" is a dependency; it belongs in devDependencies');
  }

  // S01 sources in place, dist/ built from them
  {
    const c = check('S01', 'sources in src/, icons/ and locales/; dist/ holds a current copy of each');
    if (!fs.existsSync(path.join(root, 'src'))) c.note('no src/: only the built files are checked');
    else {
      const { copies, misplaced } = build.plan(root);
      for (const m of misplaced) c.fail(`${rel(root, m.file)}: ${m.why} (npm run build refuses it)`);
      for (const { from, to } of copies) {
        if (!fs.existsSync(to)) c.fail(`${rel(root, to)} is missing (from ${rel(root, from)}): run npm run build`);
        else if (!fs.readFileSync(to).equals(fs.readFileSync(from))) c.fail(`${rel(root, to)} differs from ${rel(root, from)}: dist/ is stale, run npm run build`);
      }
      // and nothing in dist/ that no source makes (edited or left there by hand)
      const made = new Set(copies.map((cp) => path.resolve(cp.to)));
      for (const kind of ['nodes', 'plugins']) {
        const extra = walkFiles(path.join(root, 'dist', kind), (f) => {
          const parts = path.relative(path.join(root, 'dist', kind), f).split(path.sep);
          return (parts[1] === 'icons' || parts[1] === 'locales') && !made.has(path.resolve(f));
        });
        for (const f of extra) c.fail(`${rel(root, f)}: made by no source file in icons/ or locales/`);
      }
      const count = (re) => copies.filter((cp) => re.test(rel(root, cp.from))).length;
      if (c.ok) c.note(`${count(/^icons\//)} icons, ${count(/^locales\//)} locale files, ${count(/^src\//)} editor .html copied into dist/`);
    }
  }

  // F01 "files"
  {
    const c = check('F01', '"files" publishes every node file and examples/');
    const nodeFiles = Object.values((nr && nr.nodes) || {});
    if (!Array.isArray(pkg.files)) c.note('no "files" list: npm publishes everything not ignored');
    else {
      const globRe = (g) => new RegExp(`^${g.replace(/^\.?\//, '').replace(/\/$/, '').replace(/[.+?^${}()|[\]\\]/g, '\\$&').replace(/\*\*/g, '\0').replace(/\*/g, '[^/]*').replace(/\0/g, '.*')}(?:/.*)?$`);
      const covered = (p) => pkg.files.some((g) => typeof g === 'string' && !g.startsWith('!') && globRe(g).test(p.replace(/^\.?\//, '')));
      for (const f of nodeFiles) if (!covered(String(f))) c.fail(`${f} is not in "files": it would not be published`);
      if (fs.existsSync(path.join(root, 'examples')) && !covered('examples/x.json')) c.fail('examples/ is not in "files": the Import ▸ Examples menu would be empty');
      if (c.ok) c.note(JSON.stringify(pkg.files));
    }
  }

  // L01 node files
  const nodes = nr && nr.nodes && typeof nr.nodes === 'object' ? nr.nodes : {};
  const l01 = check('L01', 'node files exist with their .html, and register the types the .html defines');
  if (!Object.keys(nodes).length) l01.fail('node-red.nodes lists no node file');
  const n00 = check('N00', "editor definitions parse as node-red-dev parses them");
  for (const [set, file] of Object.entries(nodes)) {
    const js = path.join(root, file);
    const html = js.replace(/\.js$/, '.html');
    const entry = { set, js, html, dir: path.dirname(js), base: path.basename(js, '.js'), defs: {}, ok: true };
    pack.nodeFiles.push(entry);
    if (!fs.existsSync(js)) {
      l01.fail(`${set}: ${file} does not exist (not built?)`);
      entry.ok = false;
      continue;
    }
    if (!fs.existsSync(html)) {
      l01.fail(`${set}: ${rel(root, html)} does not exist: the node has no editor definition (the editor cannot show it; node-red-dev fails)`);
      entry.ok = false;
      continue;
    }
    const parsed = getNodeDefinitions(fs.readFileSync(html, 'utf8'), root);
    for (const e of parsed.errors) n00.fail(`${rel(root, html)}: ${e}`);
    entry.defs = parsed.defs;
    if (!Object.keys(parsed.defs).length) {
      n00.fail(`${rel(root, html)}: no registerType('<literal>', {…}) definition found`);
      entry.ok = false;
    }
    for (const [type, def] of Object.entries(parsed.defs)) {
      const config = def.category === 'config';
      const required = config ? ['category'] : ['category', 'color', 'inputs', 'outputs', 'icon'];
      for (const k of required) {
        if (!(k in def.literal)) n00.fail(`${type}: no "${k}" in the definition`);
        else if (!def.literal[k]) n00.fail(`${type}: "${k}" is not a literal (node-red-dev reads literals only)`);
      }
      if (!def.defaults) n00.fail(`${type}: no inline "defaults" object`);
      if (pack.types[type]) l01.fail(`${type}: defined in both ${rel(root, pack.types[type].html)} and ${rel(root, html)}`);
      pack.types[type] = { ...def, set, html, js, dir: entry.dir, base: entry.base, config };
    }
    // the runtime side must register the same types
    try {
      const rt = runtimeRegisteredTypes(fs.readFileSync(js, 'utf8'), root);
      for (const type of Object.keys(parsed.defs)) {
        if (!rt.types.includes(type) && !rt.dynamic) l01.fail(`${type}: defined in ${rel(root, html)} but ${file} does not register it (the editor would show it, deploys would wait for a missing type)`);
      }
      for (const type of rt.types) {
        if (!parsed.defs[type]) l01.fail(`${type}: registered by ${file} but not defined in ${rel(root, html)} (the editor would show it as unknown)`);
      }
    } catch (err) {
      l01.fail(`${file}: cannot parse: ${err.message}`);
    }
  }
  if (l01.ok) l01.note(`${pack.nodeFiles.length} node files`);
  if (n00.ok) n00.note(Object.keys(pack.types).join(', '));

  // I01 icons
  {
    const c = check('I01', "icons exist in each node's icons/ folder");
    const coreIcons = new Set();
    for (const d of nodeRedDirs) {
      try {
        const nodesDir = path.dirname(require.resolve('@node-red/nodes/package.json', { paths: [d] }));
        for (const f of walkFiles(path.join(nodesDir, 'icons'))) coreIcons.add(path.basename(f));
      } catch {
        /* no core icons known */
      }
    }
    for (const [type, def] of Object.entries(pack.types)) {
      if (def.config && def.icon === undefined) continue;
      if (typeof def.icon !== 'string') continue; // reported by N00
      if (/^font-awesome\/fa-[\w-]+$/.test(def.icon)) {
        c.note(`${type}: ${def.icon}`);
        continue;
      }
      const file = path.join(def.dir, 'icons', def.icon);
      if (fs.existsSync(file)) c.note(`${type}: ${rel(root, file)}`);
      else if (coreIcons.has(def.icon)) c.note(`${type}: core icon ${def.icon}`);
      else c.fail(`${type}: icon "${def.icon}" is not in ${rel(root, path.join(def.dir, 'icons'))}/ (nor a core or font-awesome icon)`);
    }
  }

  // core types and catalogs of the installed Node-RED
  const core = coreInfo(nodeRedDirs, root);

  // N01 type names
  {
    const c = check('N01', 'type names are unique and clash with no core or known type');
    const foreign = { ...KNOWN_FOREIGN_TYPES, ...installedPackTypes(root, pkg.name) };
    const coreTypes = core.types.size ? core.types : new Set(CORE_TYPES_FALLBACK);
    for (const type of Object.keys(pack.types)) {
      if (coreTypes.has(type)) c.fail(`${type}: a core Node-RED type (the pack would fail to load it)`);
      else if (foreign[type]) c.fail(`${type}: also a type of ${foreign[type]} (scorecard N01; they cannot be installed together)`);
    }
    if (!core.types.size) c.note('no Node-RED install found: checked against a built-in list of core types');
  }

  // N02 examples
  {
    const c = check('N02', 'every type is used in an example; examples are flow arrays with a comment node');
    const exDir = path.join(root, 'examples');
    const files = walkFiles(exDir);
    const used = new Set();
    const knownTypes = new Set([...Object.keys(pack.types), ...(core.types.size ? core.types : CORE_TYPES_FALLBACK), ...FLOW_STRUCTURE_TYPES]);
    if (!files.length) c.fail('no examples/ files');
    for (const f of files) {
      let flow;
      try {
        flow = readJson(f);
      } catch (err) {
        c.fail(`${rel(root, f)}: not JSON (node-red-dev and the editor parse every file in examples/): ${err.message}`);
        continue;
      }
      if (!Array.isArray(flow)) {
        c.fail(`${rel(root, f)}: not a JSON array of nodes`);
        continue;
      }
      if (!f.endsWith('.json')) c.note(`${rel(root, f)}: not a .json file, so not in the Import menu`);
      const ids = new Set(flow.map((n) => n && n.id));
      for (const n of flow) {
        if (!n || typeof n !== 'object' || typeof n.type !== 'string') {
          c.fail(`${rel(root, f)}: an element without a "type"`);
          continue;
        }
        used.add(n.type);
        if (!knownTypes.has(n.type) && !n.type.startsWith('subflow:')) c.fail(`${rel(root, f)}: node ${n.id} has type "${n.type}", neither this pack's nor a core type (it would import as unknown)`);
        for (const target of (Array.isArray(n.wires) ? n.wires : []).flat()) {
          if (!ids.has(target)) c.fail(`${rel(root, f)}: node ${n.id} is wired to ${target}, which is not in the file (the wire would be lost on import)`);
        }
      }
      if (!flow.some((n) => n && n.type === 'comment')) c.fail(`${rel(root, f)}: no comment node explaining the example`);
    }
    for (const type of Object.keys(pack.types)) {
      if (!used.has(type)) c.fail(`${type}: used in no examples/**/*.json`);
    }
    for (const { set, ok } of pack.nodeFiles) {
      if (!ok) c.fail(`${set}: its types are unknown (no editor definition), so their examples cannot be checked`);
    }
    if (c.ok) c.note(`${files.length} example files`);
  }

  // E01 template ids vs defaults
  {
    const c = check('E01', 'edit dialog ids match defaults');
    for (const [type, def] of Object.entries(pack.types)) {
      const html = fs.readFileSync(def.html, 'utf8');
      const tpl = scriptBlocks(html).find((b) => b.attrs['data-template-name'] === type);
      const keys = new Set([...Object.keys(def.defaults || {}), ...Object.keys(def.credentials || {})]);
      if (!tpl) {
        if (keys.size > 1 || (keys.size === 1 && !keys.has('name'))) c.fail(`${type}: no <script type="text/html" data-template-name="${type}"> edit dialog`);
        continue;
      }
      const prefix = def.config ? 'node-config-input-' : 'node-input-';
      const wrong = def.config ? 'node-input-' : 'node-config-input-';
      const ids = new Set();
      for (const el of htmlElements(tpl.content, root)) {
        const id = el.attribs.id;
        if (!id) continue;
        if (id.startsWith(prefix)) ids.add(id.slice(prefix.length));
        else if (id.startsWith(wrong)) c.fail(`${type}: id "${id}" in a ${def.config ? 'config' : 'flow'} node's dialog (use ${prefix}<x>)`);
      }
      const js = definitionCode(def);
      // typedInput hidden type fields: typeField: '#node-input-xType'
      for (const m of js.matchAll(new RegExp(`typeField\\s*:\\s*['"\`]#${prefix}([\\w-]+)['"\`]`, 'g'))) ids.add(m[1]);
      // inputs created by oneditprepare: id="node-input-x" in code
      for (const m of js.matchAll(new RegExp(`id\\s*=\\s*\\\\?['"]${prefix}([\\w-]+)\\\\?['"]`, 'g'))) ids.add(m[1]);
      const save = functionSource(def, 'oneditsave');
      const ex = idExceptions[type] || {};
      for (const id of ids) {
        if (keys.has(id)) continue;
        if ((ex.templateOnly || []).includes(id)) c.note(`${type}: #${prefix}${id} (documented exception)`);
        else if (save.includes(`${prefix}${id}`)) c.note(`${type}: #${prefix}${id} is no defaults key, read by oneditsave`);
        else c.fail(`${type}: #${prefix}${id} in the edit dialog has no "${id}" in defaults (its value is never saved)`);
      }
      for (const key of keys) {
        if (ids.has(key)) continue;
        if ((ex.defaultsOnly || []).includes(key)) c.note(`${type}: defaults.${key} (documented exception)`);
        else if (new RegExp(`\\.${key}\\s*=[^=]`).test(save)) c.note(`${type}: defaults.${key} is set by oneditsave`);
        else c.fail(`${type}: defaults.${key} has no #${prefix}${key} in the edit dialog (it cannot be edited)`);
      }
    }
  }

  // H01 help
  {
    const c = check('H01', 'help for every type, starting with a <p>; translations keep its structure');
    for (const [type, def] of Object.entries(pack.types)) {
      const langs = localeDirs(def.dir);
      const helpFile = (lang) => path.join(def.dir, 'locales', lang, `${def.base}.html`);
      const found = [];
      for (const lang of langs) {
        const f = helpFile(lang);
        if (!fs.existsSync(f)) continue;
        const block = scriptBlocks(fs.readFileSync(f, 'utf8')).find((b) => b.attrs['data-help-name'] === type);
        if (block) found.push({ lang, file: f, block });
      }
      const inNodeHtml = scriptBlocks(fs.readFileSync(def.html, 'utf8')).find((b) => b.attrs['data-help-name'] === type);
      if (inNodeHtml) found.push({ lang: '(node .html)', file: def.html, block: inNodeHtml });
      if (!found.length) {
        c.fail(`${type}: no help: ${rel(root, helpFile('en-US'))} with <script type="text/html" data-help-name="${type}">`);
        continue;
      }
      if (!found.some((h) => h.lang === 'en-US') && !inNodeHtml) c.fail(`${type}: no en-US help (the fallback for every language)`);
      for (const h of found) {
        const t = (h.block.attrs.type || 'text/html').toLowerCase();
        if (t === 'text/markdown') {
          const firstLine = h.block.content.split('\n').map((l) => l.trim()).find(Boolean) || '';
          if (!firstLine) c.fail(`${type}: ${rel(root, h.file)}: empty help`);
          else if (/^(#|[-*+] |>|```|\d+\. |\||<)/.test(firstLine)) c.fail(`${type}: ${rel(root, h.file)}: the help does not start with a paragraph (the palette tooltip is the first one)`);
        } else {
          const first = firstContent(h.block.content, root);
          if (!first) c.fail(`${type}: ${rel(root, h.file)}: empty help`);
          else if (!(first.kind === 'element' && first.name === 'p')) {
            c.fail(`${type}: ${rel(root, h.file)}: the help starts with ${first.kind === 'element' ? `<${first.name}>` : `text "${first.text}"`}, not a <p> (the palette tooltip is the first <p>)`);
          }
        }
      }
    }
    // Translated help: the same types as en-US, and the same message properties, so a
    // translation cannot drop a property or change a name or type while the prose is redone.
    for (const entry of pack.nodeFiles) {
      const helpOf = (lang) => {
        const f = path.join(entry.dir, 'locales', lang, `${entry.base}.html`);
        if (!fs.existsSync(f)) return null;
        const byType = new Map();
        for (const b of scriptBlocks(fs.readFileSync(f, 'utf8'))) {
          if (b.attrs['data-help-name']) byType.set(b.attrs['data-help-name'], b.content);
        }
        return { file: f, byType };
      };
      const en = helpOf('en-US');
      if (!en) continue;
      for (const lang of localeDirs(entry.dir)) {
        if (lang === 'en-US') continue;
        const other = helpOf(lang);
        if (!other) {
          c.note(`${rel(root, path.join(entry.dir, 'locales', lang))}/: no ${entry.base}.html, the ${lang} editor shows the en-US help`);
          continue;
        }
        const where = rel(root, other.file);
        for (const type of en.byType.keys()) if (!other.byType.has(type)) c.fail(`${where}: no help for ${type} (locales/en-US/${entry.base}.html has it)`);
        for (const type of other.byType.keys()) if (!en.byType.has(type)) c.fail(`${where}: help for ${type}, which locales/en-US/${entry.base}.html has not`);
        for (const [type, content] of other.byType) {
          if (!en.byType.has(type)) continue;
          const want = helpStructure(en.byType.get(type));
          const got = helpStructure(content);
          if (want.ports !== got.ports) c.fail(`${where}: ${type}: ${got.ports} output port entries, en-US has ${want.ports}`);
          const a = want.properties.join(', ');
          const b = got.properties.join(', ');
          if (a !== b) c.fail(`${where}: ${type}: message properties [${b}] differ from en-US [${a}]`);
        }
      }
    }
  }

  // T01 catalogs parse
  const catalogs = {}; // base -> lang -> catalog | null
  {
    const c = check('T01', 'locale catalogs parse; each node has an en-US catalog; every node and plugin has every language');
    const allJson = walkFiles(path.join(root, 'dist'), (f) => f.endsWith('.json') && f.split(path.sep).includes('locales'));
    for (const f of allJson) {
      try {
        const cat = readJson(f);
        if (!cat || typeof cat !== 'object' || Array.isArray(cat)) c.fail(`${rel(root, f)}: not a JSON object`);
      } catch (err) {
        c.fail(`${rel(root, f)}: does not parse: ${err.message}`);
      }
    }
    for (const entry of pack.nodeFiles) {
      if (!fs.existsSync(entry.js)) continue;
      catalogs[entry.base] = {};
      const langs = localeDirs(entry.dir);
      if (!langs.includes('en-US')) c.fail(`${entry.set}: no ${rel(root, path.join(entry.dir, 'locales', 'en-US'))}/ folder`);
      for (const lang of langs) {
        const f = path.join(entry.dir, 'locales', lang, `${entry.base}.json`);
        if (!fs.existsSync(f)) {
          c.fail(`${entry.set}: ${rel(root, f)} missing (the ${lang} folder exists)`);
          catalogs[entry.base][lang] = null;
          continue;
        }
        try {
          catalogs[entry.base][lang] = readJson(f);
        } catch {
          catalogs[entry.base][lang] = null; // reported above
        }
      }
      for (const type of Object.keys(entry.defs)) {
        const en = catalogs[entry.base]['en-US'];
        if (en && !(type in en)) c.note(`${type}: no top-level "${type}" section in ${entry.base}.json`);
      }
    }
    // Every node and plugin speaks every language of the pack: without its catalog
    // a node's texts fall back to English in an editor set to that language.
    const units = [
      ...pack.nodeFiles.filter((e) => fs.existsSync(e.js)).map((e) => ({ name: e.set, dir: e.dir, base: e.base })),
      ...Object.entries((nr && nr.plugins) || {}).map(([name, file]) => ({ name, dir: path.dirname(path.join(root, file)), base: path.basename(file, '.js') })),
    ];
    const languages = [...new Set(units.flatMap((u) => localeDirs(u.dir)))].sort();
    for (const u of units) {
      for (const lang of languages) {
        const f = path.join(u.dir, 'locales', lang, `${u.base}.json`);
        if (!localeDirs(u.dir).includes(lang)) c.fail(`${u.name}: no ${rel(root, f)} (the pack has ${lang} catalogs, so its ${lang} editor would show ${u.name} in English)`);
      }
    }
    if (c.ok) c.note(`${allJson.length} catalogs in ${languages.join(', ') || 'no language'}`);
  }

  // T02 keys
  {
    const c = check('T02', 'every i18n key used in .html and .ts exists in every locale; every locale has the keys of en-US');
    const typeNames = Object.keys(pack.types);
    const nsOfType = {};
    for (const [type, def] of Object.entries(pack.types)) nsOfType[type] = def.base;
    const catalogOfBase = (base) => catalogs[base] || {};
    let checked = 0;
    const dynamicNotes = [];

    /** Checks `key` in every locale catalog of node file `base`. */
    const inBase = (base, key, where) => {
      checked++;
      const langs = catalogOfBase(base);
      if (!Object.keys(langs).length) {
        c.fail(`${where}: "${key}" used, but ${base} has no catalog`);
        return;
      }
      for (const [lang, cat] of Object.entries(langs)) {
        if (cat === null) continue; // reported by T01
        if (!hasKey(cat, key)) c.fail(`${where}: "${key}" is not in locales/${lang}/${base}.json`);
      }
    };
    /**
     * Dynamic key `pattern` ("file-tail.status.*"): `each` base must have a matching
     * key in every locale, or (`any`) at least one of them must (shared modules, whose
     * callers are not known statically).
     */
    const patternIn = (bases, pattern, where, mode = 'each') => {
      checked++;
      const re = patternRegExp(pattern);
      let any = false;
      const misses = [];
      for (const base of bases) {
        for (const [lang, cat] of Object.entries(catalogOfBase(base))) {
          if (!cat) continue;
          if (leafKeys(cat).some((k) => re.test(k))) any = true;
          else misses.push(`locales/${lang}/${base}.json`);
        }
      }
      if (mode === 'each') for (const m of misses) c.fail(`${where}: no key matching "${pattern}" in ${m}`);
      else if (!any) c.fail(`${where}: no key matching "${pattern}" in ${bases.length ? bases.map((b) => `${b}.json`).join(', ') : 'any catalog (no node file uses this module)'}`);
      dynamicNotes.push(`${where}: dynamic key "${pattern}" (only its shape can be checked)${mode === 'any' && misses.length ? `; absent from ${misses.join(', ')}` : ''}`);
    };
    /** Keys in a core namespace (node-red:, editor). */
    const inCore = (ns, key, where) => {
      checked++;
      const cat = core.catalogs[ns];
      if (!cat) {
        if (!core.dirs.length) c.note(`${where}: "${ns}:${key}" not checked (no Node-RED install found)`);
        else c.fail(`${where}: "${ns}:${key}": no core namespace "${ns}"`);
        return;
      }
      if (!hasKey(cat, key)) c.fail(`${where}: "${ns}:${key}" is not in Node-RED's ${ns} catalog`);
    };
    const resolve = (base, rawKey, defaultNs, where) => {
      const { ns, key } = splitNs(rawKey);
      const n = ns || defaultNs;
      if (n === null) inBase(base, key, where);
      else if (ns && pack.name && (ns === `${pack.name}/${base}` || ns === base)) inBase(base, key, where);
      else if (ns && pack.name && ns.startsWith(`${pack.name}/`)) inBase(ns.slice(pack.name.length + 1), key, where);
      else inCore(n, key, where);
    };

    // editor .html: templates (data-i18n) and definition code (this._, RED._)
    for (const [type, def] of Object.entries(pack.types)) {
      const htmlRel = rel(root, def.html);
      const blocks = scriptBlocks(fs.readFileSync(def.html, 'utf8'));
      for (const b of blocks) {
        if (b.attrs['data-template-name'] !== type) continue;
        for (const el of htmlElements(b.content, root)) {
          const v = el.attribs['data-i18n'];
          if (!v) continue;
          for (const { key } of parseDataI18n(v)) resolve(def.base, key, null, `${htmlRel} (${type} template, data-i18n)`);
        }
      }
      for (const use of keyUsesInJs(def.source, { root })) {
        const where = `${htmlRel} (${type} definition${use.line ? `, script line ${use.line}` : ''}, ${use.object}._)`;
        // RED._ in the editor defaults to the "editor" namespace; node._/this._ to the node's.
        const defaultNs = use.object === 'RED' ? 'editor' : null;
        if (use.key !== undefined) resolve(def.base, use.key, defaultNs, where);
        else if (use.pattern !== undefined) {
          if (defaultNs) dynamicNotes.push(`${where}: dynamic core key "${use.pattern}"`);
          else patternIn([def.base], use.pattern, where);
        } else dynamicNotes.push(`${where}: key computed by ${use.dynamic}, not checked`);
      }
    }
    // runtime .js: RED._ keys and status keys. A node file's RED._ uses its own namespace.
    const nodeJs = new Map(pack.nodeFiles.filter((e) => fs.existsSync(e.js)).map((e) => [path.resolve(e.js), e]));
    const allJs = walkFiles(path.join(root, 'dist'), (f) => f.endsWith('.js'));
    const importers = importersOf([...nodeJs.values()], root);
    for (const f of allJs) {
      const src = fs.readFileSync(f, 'utf8');
      let uses;
      try {
        uses = keyUsesInJs(src, { root, keyPrefixes: typeNames.concat(pack.nodeFiles.map((e) => e.base)) });
      } catch (err) {
        c.fail(`${rel(root, f)}: cannot parse: ${err.message}`);
        continue;
      }
      const own = nodeJs.get(path.resolve(f));
      for (const use of uses) {
        const where = `${rel(root, f)}:${use.line}`;
        if (use.key !== undefined) {
          const { ns, key } = splitNs(use.key);
          if (ns) {
            resolve(own ? own.base : null, use.key, null, where);
          } else if (own) {
            inBase(own.base, key, where);
          } else {
            // shared module: called with the RED of the node whose prefix the key has
            const first = key.split('.')[0];
            const base = nsOfType[first] || (catalogs[first] ? first : null);
            if (base) inBase(base, key, where);
            else if (use.via === '_()') dynamicNotes.push(`${where}: "${key}" in a shared module, namespace unknown`);
          }
        } else if (use.pattern !== undefined) {
          const first = use.pattern.split('.')[0];
          if (own) patternIn([own.base], use.pattern, where);
          else if (first !== '*' && (nsOfType[first] || catalogs[first])) patternIn([nsOfType[first] || first], use.pattern, where);
          else patternIn([...(importers.get(path.resolve(f)) || [])], use.pattern, where, 'any');
        } else if (use.via === '_()') {
          dynamicNotes.push(`${where}: key computed by ${use.dynamic}, not checked`);
        }
      }
    }
    // Completeness: a key missing from a translation falls back to English without a
    // word, so every locale must hold exactly the keys of en-US, with its placeholders.
    let compared = 0;
    for (const [base, langs] of Object.entries(catalogs)) {
      const en = langs['en-US'];
      if (!en) continue;
      const enStrings = catalogStrings(en);
      for (const [lang, cat] of Object.entries(langs)) {
        if (lang === 'en-US' || !cat) continue;
        compared++;
        const file = `locales/${lang}/${base}.json`;
        const strings = catalogStrings(cat);
        for (const [key, texts] of enStrings) {
          if (!strings.has(key)) {
            c.fail(`${file}: "${key}" missing (locales/en-US/${base}.json has it)`);
            continue;
          }
          const want = placeholdersOf(texts);
          const got = placeholdersOf(strings.get(key));
          if (want !== got) c.fail(`${file}: "${key}" has the placeholders [${got}], en-US has [${want}]`);
        }
        for (const key of strings.keys()) {
          if (!enStrings.has(key)) c.fail(`${file}: "${key}" is not in locales/en-US/${base}.json (a stale or misspelt key)`);
        }
      }
    }
    c.note(`${checked} key uses checked`);
    if (compared) c.note(`${compared} translated catalogs compared with en-US`);
    for (const n of dynamicNotes) c.note(n);
  }

  // T03 typed dynamic keys in the TypeScript sources
  {
    const c = check('T03', 'dynamic keys built from literal union types exist');
    const found = o.typedKeys === false ? null : typedDynamicKeys(root);
    if (!found) c.note('no src/ with tsconfig.json (or no typescript): skipped');
    else {
      const baseOfType = {};
      for (const [type, def] of Object.entries(pack.types)) baseOfType[type] = def.base;
      for (const e of pack.nodeFiles) baseOfType[e.base] = baseOfType[e.base] || e.base;
      let n = 0;
      for (const use of found.uses) {
        const where = `${rel(root, use.file)}:${use.line} \`${use.template}\``;
        if (!use.keys) {
          c.note(`${where}: ${use.why}, not enumerable`);
          continue;
        }
        // a node's own sources use its namespace; shared sources the key's first segment
        const srcBase = use.nodeDir && catalogs[use.nodeDir] ? use.nodeDir : null;
        for (const key of use.keys) {
          n++;
          const base = srcBase || baseOfType[key.split('.')[0]];
          if (!base || !catalogs[base]) {
            c.fail(`${where}: "${key}": no catalog for it`);
            continue;
          }
          for (const [lang, cat] of Object.entries(catalogs[base])) {
            if (cat && !hasKey(cat, key)) c.fail(`${where} can make "${key}", which is not in locales/${lang}/${base}.json`);
          }
        }
      }
      c.note(`${n} keys from ${found.uses.filter((u) => u.keys).length} typed templates checked in ${found.files} source files`);
    }
  }

  // T04 editor plugins (node-red.plugins): the files exist, every locale has
  // the keys en-US has, and the keys the plugin's .html names exist. A
  // plugin's keys live under a section named after it; its scripts name them
  // relative to it: _('key'), _('group.' + x) and word('group', x).
  {
    const c = check('T04', 'editor plugins: files exist, catalogs complete, keys used exist in every locale');
    const plugins = (nr && nr.plugins && typeof nr.plugins === 'object' && nr.plugins) || {};
    let used = 0;
    for (const [name, file] of Object.entries(plugins)) {
      const js = path.join(root, file);
      const dir = path.dirname(js);
      const base = path.basename(js, '.js');
      const html = path.join(dir, `${base}.html`);
      if (!fs.existsSync(js)) {
        c.fail(`${name}: ${rel(root, js)} does not exist`);
        continue;
      }
      const cats = {};
      for (const lang of localeDirs(dir)) {
        const f = path.join(dir, 'locales', lang, `${base}.json`);
        try {
          cats[lang] = readJson(f);
        } catch (err) {
          c.fail(`${name}: ${rel(root, f)}: ${err.message}`);
        }
      }
      const en = cats['en-US'];
      if (!en) {
        c.fail(`${name}: no locales/en-US/${base}.json`);
        continue;
      }
      const enKeys = leafKeys(en);
      for (const [lang, cat] of Object.entries(cats)) {
        if (lang === 'en-US') continue;
        const keys = leafKeys(cat);
        const missing = enKeys.filter((k) => !keys.includes(k));
        const extra = keys.filter((k) => !enKeys.includes(k));
        if (missing.length) c.fail(`${name}: locales/${lang}/${base}.json lacks ${missing.join(', ')}`);
        if (extra.length) c.fail(`${name}: locales/${lang}/${base}.json has keys en-US lacks: ${extra.join(', ')}`);
      }
      if (!fs.existsSync(html)) {
        c.fail(`${name}: ${rel(root, html)} does not exist (the editor part)`);
        continue;
      }
      const source = fs.readFileSync(html, 'utf8');
      const isGroup = (cat, key) => {
        let cur = cat[name];
        for (const part of key.split('.')) cur = cur && typeof cur === 'object' ? cur[part] : undefined;
        return !!cur && typeof cur === 'object';
      };
      for (const m of source.matchAll(/\b_\(\s*'([^']+)'/g)) {
        const key = m[1];
        if (key === `${name}.`) continue; // the helper that adds the section
        used++;
        for (const [lang, cat] of Object.entries(cats)) {
          if (key.endsWith('.') ? !isGroup(cat, key.slice(0, -1)) : !hasKey(cat, `${name}.${key}`)) c.fail(`${name}: ${rel(root, html)} uses "${key}", which is not in locales/${lang}/${base}.json`);
        }
      }
      for (const m of source.matchAll(/\bword\(\s*'([^']+)'/g)) {
        used++;
        for (const [lang, cat] of Object.entries(cats)) {
          if (!isGroup(cat, m[1])) c.fail(`${name}: ${rel(root, html)} uses the group "${m[1]}", which is not in locales/${lang}/${base}.json`);
        }
      }
    }
    const count = Object.keys(plugins).length;
    c.note(count ? `${count} plugin(s), ${used} key uses checked` : 'no plugins');
  }

  // F02 what npm packs: the runtime loads the pack from the tarball, not from this tree
  {
    const c = check('F02', 'the packed tarball holds every file the node-red entries need');
    if (o.packed === false) c.note('not run (packed: false)');
    else {
      const packed = packedFiles(root);
      if (packed.error) c.fail(packed.error);
      else {
        const want = new Map(); // path relative to root -> why it is needed
        const need = (file, why) => {
          const r = path.relative(root, file).split(path.sep).join('/');
          if (!want.has(r)) want.set(r, why);
        };
        const entries = [];
        for (const [key, list] of [['nodes', nodes], ['plugins', (nr && nr.plugins) || {}]]) {
          for (const [name, file] of Object.entries(list)) {
            const js = path.join(root, file);
            if (!fs.existsSync(js)) continue; // L01 / T04 report it
            const dir = path.dirname(js);
            const base = path.basename(js, '.js');
            const why = `node-red.${key}.${name}`;
            entries.push({ js, base: why });
            need(js, why);
            if (fs.existsSync(path.join(dir, `${base}.html`))) need(path.join(dir, `${base}.html`), `${why}'s editor .html`);
            for (const f of walkFiles(path.join(dir, 'icons'))) need(f, `${why}'s icons/`);
            for (const f of walkFiles(path.join(dir, 'locales'))) need(f, `${why}'s locales/`);
          }
        }
        for (const [file, users] of importersOf(entries, root)) need(file, `required by ${[...users].sort().join(', ')}`);
        for (const f of walkFiles(path.join(root, 'examples'))) need(f, 'examples/ (Import ▸ Examples)');
        for (const [r, why] of want) if (!packed.files.has(r)) c.fail(`${r} (${why}) is not in the tarball`);
        if (c.ok) c.note(`${packed.filename}: ${packed.files.size} files, of which ${want.size} checked`);
      }
    }
  }

  return finish();
}

/**
 * The files `npm pack` would put in the tarball of the pack in `root`: what
 * "files", .npmignore and npm's own rules select. Scripts are not run (no
 * prepack build): this checks the tree as it is.
 */
function packedFiles(root) {
  // Under `npm run`, npm_execpath is the npm that runs us; else npm from PATH.
  const execPath = process.env.npm_execpath;
  const [cmd, pre] = execPath && /\.c?js$/.test(execPath) ? [process.execPath, [execPath]] : ['npm', []];
  const res = spawnSync(cmd, [...pre, 'pack', '--dry-run', '--json', '--ignore-scripts'], {
    cwd: root,
    encoding: 'utf8',
    maxBuffer: 64 * 1024 * 1024,
  });
  const failed = (why) => ({ error: `npm pack --dry-run --ignore-scripts in ${root}: ${why}` });
  if (res.error) return failed(res.error.message);
  if (res.status !== 0) return failed(`exit ${res.status}: ${(res.stderr || '').trim().split('\n').slice(-3).join(' ')}`);
  let listing;
  try {
    listing = JSON.parse(res.stdout);
  } catch (err) {
    return failed(`output is not JSON: ${err.message}`);
  }
  const first = Array.isArray(listing) ? listing[0] : null;
  if (!first || !Array.isArray(first.files)) return failed('no file list in its output');
  return { filename: first.filename, files: new Set(first.files.map((f) => f.path)) };
}

/**
 * Template literals in src/nodes/**\/*.ts shaped like catalog keys (a static head
 * "<type>.<section>."), with, when every \${…} part has a string literal (union)
 * type, the keys they can produce. Null if there is nothing to check.
 */
function typedDynamicKeys(root) {
  const configPath = path.join(root, 'tsconfig.json');
  const srcNodes = path.join(root, 'src', 'nodes');
  if (!fs.existsSync(configPath) || !fs.existsSync(srcNodes)) return null;
  let ts;
  try {
    ts = load('typescript', root);
  } catch {
    return null;
  }
  const cfg = ts.readConfigFile(configPath, ts.sys.readFile);
  if (cfg.error) return null;
  const parsed = ts.parseJsonConfigFileContent(cfg.config, ts.sys, root);
  const program = ts.createProgram(parsed.fileNames, { ...parsed.options, noEmit: true });
  const checker = program.getTypeChecker();
  const uses = [];
  let files = 0;
  const literalValues = (expr) => {
    const type = checker.getTypeAtLocation(expr);
    const parts = type.isUnion() ? type.types : [type];
    const values = [];
    for (const t of parts) {
      if (t.isStringLiteral()) values.push(t.value);
      else if (t.isNumberLiteral()) values.push(String(t.value));
      else return null;
    }
    return values;
  };
  for (const sf of program.getSourceFiles()) {
    const file = path.resolve(sf.fileName);
    if (!file.startsWith(srcNodes + path.sep) || sf.isDeclarationFile) continue;
    files++;
    const relParts = path.relative(srcNodes, file).split(path.sep);
    const nodeDir = relParts.length > 1 && relParts[0] !== 'shared' ? relParts[0] : null;
    const visit = (node) => {
      if (ts.isTemplateExpression(node)) {
        const head = node.head.text;
        const statics = [head, ...node.templateSpans.map((sp) => sp.literal.text)];
        if (/^[A-Za-z][\w-]*\.[\w.-]*$/.test(head) && head.includes('.') && statics.every((st) => /^[\w.-]*$/.test(st))) {
          const template = node.getText(sf).slice(1, -1);
          const line = sf.getLineAndCharacterOfPosition(node.getStart(sf)).line + 1;
          let keys = [head];
          let why = null;
          for (const sp of node.templateSpans) {
            const values = literalValues(sp.expression);
            if (!values) {
              why = `\${${sp.expression.getText(sf)}} is of type ${checker.typeToString(checker.getTypeAtLocation(sp.expression))}`;
              keys = null;
              break;
            }
            keys = keys.flatMap((k) => values.map((v) => k + v + sp.literal.text));
            if (keys.length > 200) {
              why = 'more than 200 combinations';
              keys = null;
              break;
            }
          }
          uses.push({ file, line, template, nodeDir, keys, why });
        }
      }
      ts.forEachChild(node, visit);
    };
    visit(sf);
  }
  return { uses, files };
}

/**
 * For each .js reached through require('./…') from the node files: the node
 * files (bases) that load it, directly or not.
 */
function importersOf(nodeEntries, root) {
  const acorn = load('acorn', root);
  const walk = load('acorn-walk', root);
  const deps = new Map(); // file -> [files it requires]
  const requiresOf = (file) => {
    if (deps.has(file)) return deps.get(file);
    const out = [];
    deps.set(file, out);
    let ast;
    try {
      ast = acorn.parse(fs.readFileSync(file, 'utf8'), { ecmaVersion: 'latest', sourceType: 'script', allowHashBang: true });
    } catch {
      return out;
    }
    walk.simple(ast, {
      CallExpression(node) {
        const a = node.arguments[0];
        if (node.callee.type === 'Identifier' && node.callee.name === 'require' && a && a.type === 'Literal' && typeof a.value === 'string' && a.value.startsWith('.')) {
          for (const cand of [a.value, `${a.value}.js`, path.join(a.value, 'index.js')]) {
            const p = path.resolve(path.dirname(file), cand);
            if (fs.existsSync(p) && fs.statSync(p).isFile()) {
              out.push(p);
              break;
            }
          }
        }
      },
    });
    return out;
  };
  const result = new Map();
  for (const e of nodeEntries) {
    const stack = [path.resolve(e.js)];
    const seen = new Set();
    while (stack.length) {
      const f = stack.pop();
      if (seen.has(f)) continue;
      seen.add(f);
      if (!result.has(f)) result.set(f, new Set());
      result.get(f).add(e.base);
      stack.push(...requiresOf(f));
    }
  }
  return result;
}

/** Locale folders under <dir>/locales. */
function localeDirs(dir) {
  const d = path.join(dir, 'locales');
  if (!fs.existsSync(d)) return [];
  return fs
    .readdirSync(d, { withFileTypes: true })
    .filter((e) => e.isDirectory())
    .map((e) => e.name)
    .sort();
}

/** Source of a definition's object literal. */
function definitionCode(def) {
  return def.source.slice(def.node.start, def.node.end);
}

/** Source of a definition function (oneditsave…), '' if absent. */
function functionSource(def, name) {
  const v = def[name];
  if (!v || typeof v !== 'object' || v.start === undefined) return '';
  return def.source.slice(v.start, v.end);
}

/** Core types (from the core .html files) and the core catalogs of the first Node-RED install found. */
const coreInfoCache = new Map();
function coreInfo(nodeRedDirs, root) {
  const cacheKey = nodeRedDirs.join('\n');
  if (!coreInfoCache.has(cacheKey)) coreInfoCache.set(cacheKey, readCoreInfo(nodeRedDirs, root));
  return coreInfoCache.get(cacheKey);
}

function readCoreInfo(nodeRedDirs, root) {
  const types = new Set();
  const catalogs = {};
  const dirs = [];
  for (const d of nodeRedDirs) {
    let nodesDir;
    let editorDir;
    try {
      nodesDir = path.dirname(require.resolve('@node-red/nodes/package.json', { paths: [d] }));
      editorDir = path.dirname(require.resolve('@node-red/editor-client/package.json', { paths: [d] }));
    } catch {
      continue;
    }
    dirs.push(d);
    for (const f of walkFiles(path.join(nodesDir, 'core'), (p) => p.endsWith('.html'))) {
      try {
        for (const t of Object.keys(getNodeDefinitions(fs.readFileSync(f, 'utf8'), root).defs)) types.add(t);
      } catch {
        /* ignore */
      }
    }
    for (const t of FLOW_STRUCTURE_TYPES) types.add(t);
    if (!catalogs['node-red']) {
      try {
        catalogs['node-red'] = readJson(path.join(nodesDir, 'locales', 'en-US', 'messages.json'));
      } catch {
        /* absent */
      }
    }
    if (!catalogs.editor) {
      try {
        catalogs.editor = readJson(path.join(editorDir, 'locales', 'en-US', 'editor.json'));
      } catch {
        /* absent */
      }
    }
  }
  return { types, catalogs, dirs };
}

/** Types of other Node-RED packs installed in <root>/node_modules: {type: package}. */
function installedPackTypes(root, ownName) {
  const out = {};
  const nm = path.join(root, 'node_modules');
  if (!fs.existsSync(nm)) return out;
  const pkgDirs = [];
  for (const e of fs.readdirSync(nm)) {
    if (e.startsWith('.')) continue;
    if (e.startsWith('@')) {
      try {
        for (const s of fs.readdirSync(path.join(nm, e))) pkgDirs.push(path.join(nm, e, s));
      } catch {
        /* not a folder */
      }
    } else pkgDirs.push(path.join(nm, e));
  }
  for (const d of pkgDirs) {
    let p;
    try {
      p = readJson(path.join(d, 'package.json'));
    } catch {
      continue;
    }
    if (!p['node-red'] || !p['node-red'].nodes || p.name === ownName || p.name === 'node-red' || (p.name || '').startsWith('@node-red/')) continue;
    for (const file of Object.values(p['node-red'].nodes)) {
      try {
        const html = fs.readFileSync(path.join(d, String(file).replace(/\.js$/, '.html')), 'utf8');
        for (const t of Object.keys(getNodeDefinitions(html, root).defs)) out[t] = p.name;
      } catch {
        /* unreadable: skip */
      }
    }
  }
  return out;
}

// --- report ------------------------------------------------------------------

function formatReport(result, { color = false, verbose = false } = {}) {
  const c = (code, s) => (color ? `\x1b[${code}m${s}\x1b[0m` : s);
  const lines = [`Validating ${result.pack.name || '?'} in ${result.pack.root}`, ''];
  for (const ch of result.checks) {
    lines.push(`${ch.ok ? c(32, 'PASS') : c(31, 'FAIL')}  ${ch.id}  ${ch.title}`);
    for (const p of ch.problems) lines.push(`        ${c(31, '✗')} ${p}`);
    const notes = verbose ? ch.notes : ch.notes.filter((n) => !/dynamic key|not checked|computed by/.test(n));
    for (const n of notes) lines.push(`        ${c(2, '·')} ${c(2, n)}`);
    if (!verbose && notes.length < ch.notes.length) lines.push(`        ${c(2, `· ${ch.notes.length - notes.length} dynamic key(s) checked by shape only (--verbose lists them)`)}`);
  }
  const failed = result.checks.filter((ch) => !ch.ok);
  const problems = failed.reduce((n, ch) => n + ch.problems.length, 0);
  lines.push('');
  lines.push(
    failed.length
      ? c(31, `${failed.length} of ${result.checks.length} checks failed (${problems} problem${problems === 1 ? '' : 's'}): ${failed.map((ch) => ch.id).join(', ')}`)
      : c(32, `All ${result.checks.length} checks passed.`),
  );
  return lines.join('\n');
}

function main(argv = process.argv.slice(2)) {
  const args = { root: ROOT, json: false, verbose: false };
  for (let i = 0; i < argv.length; i++) {
    if (argv[i] === '--root') args.root = argv[++i];
    else if (argv[i] === '--json') args.json = true;
    else if (argv[i] === '--verbose' || argv[i] === '-v') args.verbose = true;
    else if (argv[i] === '--help' || argv[i] === '-h') {
      process.stdout.write('usage: node scripts/validate.js [--root <dir>] [--json] [--verbose]\n');
      return 0;
    } else {
      process.stderr.write(`unknown argument ${argv[i]}\n`);
      return 2;
    }
  }
  const result = validate({ root: args.root });
  if (args.json) process.stdout.write(`${JSON.stringify({ ok: result.ok, checks: result.checks }, null, 2)}\n`);
  else process.stdout.write(`${formatReport(result, { color: process.stdout.isTTY, verbose: args.verbose })}\n`);
  return result.ok ? 0 : 1;
}

module.exports = {
  validate,
  formatReport,
  getNodeDefinitions,
  runtimeRegisteredTypes,
  keyUsesInJs,
  hasKey,
  parseDataI18n,
  scriptBlocks,
  NODE_RED_TARGETS,
  NODE_TARGETS,
};

if (require.main === module) process.exitCode = main();
