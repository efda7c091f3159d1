'use strict';
// The multiline settings of file-tail and dir-watch as the nodes read them
// when they start (src/nodes/shared/line-output.ts readMultiline), in the
// languages of the pack:
//   - a start pattern that does not compile: a red status, an error naming
//     the cause, and nothing read (no engine started, also not on msg.path);
//   - a bad number (Max lines, Timeout) or an unknown mode: a warning naming
//     the setting's label, and the documented default used;
//   - the help's preset examples come out as the help says;
//   - the status texts fit a node's status (under 20 characters);
//   - the editor marks the same values red, and accepts flows saved before
//     the settings existed.
const fs = require('fs');
const path = require('path');
const should = require('should');
const { helper, nodeModuleRenderingIn, serverPerTest } = require('../support/helper');
const { collector, nextCall } = require('../support/collect');
const { editorDefinition } = require('../support/editor-definition');

const dist = path.join(__dirname, '..', '..', 'dist');

/** The message of the SyntaxError `new RegExp(source)` throws. */
function compileError(source) {
  try {
    new RegExp(source);
  } catch (err) {
    return err.message;
  }
  throw new Error(`${source} compiles`);
}

/**
 * Records the options each node's engine is built with (TailSession for
 * file-tail, DirectoryTail for dir-watch), until `restore()`: the built nodes
 * reach them through the engine's front door, which reads these exports.
 */
function recordEngines() {
  const built = [];
  const undo = [];
  for (const [file, name] of [
    ['lib/tail-session', 'TailSession'],
    ['lib/directory-tail', 'DirectoryTail'],
  ]) {
    const mod = require(path.join(dist, file));
    const Engine = mod[name];
    mod[name] = class extends Engine {
      constructor(options, ...rest) {
        super(options, ...rest);
        built.push({ engine: name, options });
      }
    };
    undo.push(() => (mod[name] = Engine));
  }
  return { built, restore: () => undo.forEach((u) => u()) };
}

/** A node's own calls of `method` (the helper's spies sit on the prototype), as text. */
const ownCalls = (node, method) => node[method].getCalls().filter((c) => c.thisValue === node).map((c) => c.args[0]);

/** The catalog of `type` in `lang`, as built. */
function catalog(type, lang) {
  return JSON.parse(fs.readFileSync(path.join(dist, 'nodes', type, 'locales', lang, `${type}.json`), 'utf8'))[type];
}

const LANGS = ['en-US', 'de'];
const TYPES = ['file-tail', 'dir-watch'];

describe('multiline settings of file-tail and dir-watch', function () {
  const server = serverPerTest('log-ingest-multiline-');
  let engines = null;

  beforeEach(() => (engines = recordEngines()));
  afterEach(() => engines.restore());

  /** Loads one node of `type`, rendering its texts in `lang`, reading a file with two lines; its output goes to a helper. */
  async function start(type, lang, settings) {
    const logFile = path.join(server.dir, 'app.log');
    fs.writeFileSync(logFile, 'first\n  second\n');
    const where = type === 'file-tail' ? { path: logFile } : { path: server.dir, pattern: '*.log' };
    await helper.load(await nodeModuleRenderingIn(type, lang), [
      { id: 'n', type, ...where, startAt: 'beginning', ...settings, wires: [['out'], []] },
      { id: 'out', type: 'helper' },
    ]);
    return { node: helper.getNode('n'), out: collector(helper.getNode('out')), logFile };
  }

  describe('a start pattern that does not compile', function () {
    // The refusal comes from recordRule (src/lib/multiline-rules.ts): with its
    // placeholder, which accepts any pattern, these tests fail.
    for (const type of TYPES) {
      for (const lang of LANGS) {
        it(`${type} (${lang}): a red status, an error naming the cause, and nothing is read`, async function () {
          const texts = catalog(type, lang);
          const { node, out, logFile } = await start(type, lang, { multiline: 'custom', multilineStart: '(' });
          // Refused as the node starts, before any file is looked at.
          ownCalls(node, 'status').should.containEql({ fill: 'red', shape: 'ring', text: texts.status.badMultiline });
          ownCalls(node, 'error').should.have.length(1);
          const error = ownCalls(node, 'error')[0];
          const [before, after] = texts.errors.badMultiline.split('__message__');
          error.should.startWith(before);
          error.should.endWith(after);
          error.should.containEql(compileError('('));
          if (type === 'file-tail') {
            // Another file asked for is not read either: the pattern is still wrong.
            node.receive({ path: logFile });
            await nextCall(node, 'error', () => ownCalls(node, 'error').length >= 2);
            ownCalls(node, 'error').should.eql([error, error]);
          }
          engines.built.should.eql([], 'an engine was started');
          out.messages.should.eql([]);
          ownCalls(node, 'warn').should.eql([]);
        });
      }
    }

    it('file-tail: an empty start pattern with the custom mode is refused the same way', async function () {
      const { node } = await start('file-tail', 'en-US', { multiline: 'custom', multilineStart: '' });
      ownCalls(node, 'status').should.containEql({ fill: 'red', shape: 'ring', text: 'bad multiline start' });
      ownCalls(node, 'error').should.have.length(1);
      engines.built.should.eql([]);
    });

    it('file-tail: a pattern that does not compile is not read in any other mode', async function () {
      await start('file-tail', 'en-US', { multiline: 'indented', multilineStart: '(' });
      engines.built.should.have.length(1);
      ownCalls(helper.getNode('n'), 'error').should.eql([]);
      ownCalls(helper.getNode('n'), 'warn').should.eql([]);
    });
  });

  describe('bad numbers and modes get a warning naming the setting, and the default', function () {
    const bad = {
      'en-US': (setting, value, fallback) => `${setting}: "${value}" is not a valid value: using the default, ${fallback}`,
      de: (setting, value, fallback) => `${setting}: "${value}" ist kein gültiger Wert: es gilt der Standardwert ${fallback}`,
    };

    for (const type of TYPES) {
      for (const lang of LANGS) {
        it(`${type} (${lang}): Max lines 0 and Timeout -1 warn and run with 500 lines and 5 seconds`, async function () {
          const { label } = catalog(type, lang);
          const { node } = await start(type, lang, { multiline: 'java', multilineMaxLines: 0, multilineTimeout: -1 });
          const warnings = ownCalls(node, 'warn');
          warnings.should.containEql(bad[lang](label.multilineMaxLines, 0, 500));
          warnings.should.containEql(bad[lang](label.multilineTimeout, -1, 5));
          engines.built.should.have.length(1);
          engines.built[0].options.multiline.should.match({ maxLines: 500, timeoutMs: 5000 });
        });
      }
    }

    it('file-tail: a Max lines that is not a whole number, or not a number, gets 500', async function () {
      for (const value of [2.5, 'abc', '', -3]) {
        const { node } = await start('file-tail', 'en-US', { multiline: 'timestamp', multilineMaxLines: value });
        ownCalls(node, 'warn').should.eql([bad['en-US']('Max lines', value, 500)]);
        engines.built.pop().options.multiline.maxLines.should.equal(500);
        await helper.unload();
      }
    });

    it('file-tail: a Timeout of 0 gets 5 seconds; one longer than a timer can wait gets the longest', async function () {
      const { node } = await start('file-tail', 'en-US', { multiline: 'python', multilineTimeout: 0 });
      ownCalls(node, 'warn').should.eql([bad['en-US']('Timeout', 0, 5)]);
      engines.built.pop().options.multiline.timeoutMs.should.equal(5000);
      await helper.unload();
      const long = await start('file-tail', 'en-US', { multiline: 'python', multilineTimeout: 1e7 });
      ownCalls(long.node, 'warn').should.eql([
        'Timeout: 10000000 seconds is longer than a timer can wait (2147483.647 seconds, about 24.8 days): using 2147483.647 seconds',
      ]);
      engines.built.pop().options.multiline.timeoutMs.should.equal(2147483647);
    });

    it('an unknown mode warns, naming Multiline, and joins no lines (none)', async function () {
      for (const type of TYPES) {
        const { node } = await start(type, 'en-US', { multiline: 'perl', multilineStart: '(' });
        ownCalls(node, 'warn').should.eql([bad['en-US']('Multiline', 'perl', 'none')]);
        should(engines.built.pop().options.multiline).be.undefined();
        await helper.unload();
      }
    });

    it('valid settings are used as given, with no warning', async function () {
      const { node } = await start('file-tail', 'en-US', { multiline: 'custom', multilineStart: '^\\d', multilineMaxLines: '20', multilineTimeout: '0.5' });
      ownCalls(node, 'warn').should.eql([]);
      engines.built[0].options.multiline.should.match({ maxLines: 20, timeoutMs: 500 });
    });

    it('absent settings (flows saved before them) join no lines, silently', async function () {
      for (const type of TYPES) {
        const { node } = await start(type, 'en-US', {});
        ownCalls(node, 'warn').should.eql([]);
        ownCalls(node, 'error').should.eql([]);
        should(engines.built.pop().options.multiline).be.undefined();
        await helper.unload();
      }
    });
  });
});

describe('the help\'s multiline examples', function () {
  const server = serverPerTest('log-ingest-multiline-help-');

  /** The <pre> example of each preset in a type's help: {mode: text}. */
  function examples(type, lang) {
    const help = fs.readFileSync(path.join(dist, 'nodes', type, 'locales', lang, `${type}.html`), 'utf8');
    const found = {};
    for (const m of help.matchAll(/<dt>(java|python|indented|timestamp)<\/dt>\s*<dd>(?:(?!<\/dd>)[\s\S])*?<pre>([\s\S]*?)<\/pre>/g)) {
      found[m[1]] = m[2].replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&amp;/g, '&');
    }
    return found;
  }

  it('are the same in every language and for both nodes', function () {
    const reference = examples('file-tail', 'en-US');
    Object.keys(reference).should.eql(['java', 'python', 'indented', 'timestamp']);
    for (const type of TYPES) for (const lang of LANGS) examples(type, lang).should.eql(reference, `${type} ${lang}`);
  });

  // Each example is documented as two records: every line but the last, then the last.
  for (const [mode, text] of Object.entries(examples('file-tail', 'en-US'))) {
    it(`${mode}: file-tail sends the example as the help says, each record one msg.payload, and counts records`, async function () {
      const logFile = path.join(server.dir, 'app.log');
      fs.writeFileSync(logFile, `${text}\n`);
      await helper.load(await nodeModuleRenderingIn('file-tail', 'en-US'), [
        { id: 'n', type: 'file-tail', path: logFile, startAt: 'beginning', multiline: mode, multilineTimeout: 0.05, wires: [['out']] },
        { id: 'out', type: 'helper' },
      ]);
      const lines = text.split('\n');
      const messages = await collector(helper.getNode('out')).until((m) => m.length >= 2);
      messages.map((m) => m.payload).should.eql([lines.slice(0, -1).join('\n'), lines[lines.length - 1]]);
      // The status counts records, not lines.
      await nextCall(helper.getNode('n'), 'status', (status) => status && status.text === '2 records');
    });
  }
});

describe('multiline status texts', function () {
  // A node's status is a short label under the node: the longest count compactCount gives is five characters.
  const count = '9999M';

  for (const lang of LANGS) {
    it(`fit in under 20 characters (${lang})`, function () {
      const texts = [
        catalog('file-tail', lang).status.records_one,
        catalog('file-tail', lang).status.records_other,
        catalog('file-tail', lang).status.badMultiline,
        catalog('dir-watch', lang).status.badMultiline,
      ].map((t) => t.replace('__lines__', count));
      for (const text of texts) text.length.should.be.below(20, text);
    });
  }

  it('name the count "lines" in records_*, as in lines_* (the node passes the same placeholders)', function () {
    for (const lang of LANGS) {
      const status = catalog('file-tail', lang).status;
      for (const key of ['records_one', 'records_other']) status[key].should.containEql('__lines__');
    }
  });
});

describe('editor validation of the multiline settings', function () {
  const asNode = (multiline) => ({ multiline, _: (key) => key });

  for (const type of TYPES) {
    describe(type, function () {
      let d;
      before(() => (d = editorDefinition(type).defaults));

      it('has the documented defaults', function () {
        [d.multiline.value, d.multilineStart.value, d.multilineMaxLines.value, d.multilineTimeout.value].should.eql(['none', '', 500, 5]);
      });

      it('Multiline: the six modes, and absent (flows saved before it)', function () {
        for (const mode of ['none', 'java', 'python', 'indented', 'timestamp', 'custom', undefined]) d.multiline.validate.call(asNode(), mode).should.equal(true, mode);
        d.multiline.validate.call(asNode(), 'perl').should.equal(false);
        d.multiline.validate.call(asNode(), 'perl', {}).should.equal(`${type}.validation.option`);
      });

      it('Start pattern: with custom, a regular expression that compiles and is not empty', function () {
        const custom = asNode('custom');
        d.multilineStart.validate.call(custom, '^\\d{4}-\\d{2}-\\d{2}').should.equal(true);
        d.multilineStart.validate.call(custom, '(').should.equal(false);
        d.multilineStart.validate.call(custom, '(', {}).should.equal(`${type}.validation.multilineStartBad`);
        d.multilineStart.validate.call(custom, '').should.equal(false);
        d.multilineStart.validate.call(custom, '', {}).should.equal(`${type}.validation.multilineStart`);
        d.multilineStart.validate.call(custom, undefined).should.equal(true);
      });

      it('Start pattern: any value in the other modes, which do not read it', function () {
        for (const mode of ['none', 'java', undefined]) {
          d.multilineStart.validate.call(asNode(mode), '(').should.equal(true, mode);
          d.multilineStart.validate.call(asNode(mode), '').should.equal(true, mode);
        }
      });

      it('Max lines: a whole number, 1 or more, or absent', function () {
        for (const ok of [1, 500, '20', undefined]) d.multilineMaxLines.validate.call(asNode('java'), ok).should.equal(true, String(ok));
        for (const bad of [0, -1, 2.5, 'abc', '', ' ']) d.multilineMaxLines.validate.call(asNode('java'), bad).should.equal(false, String(bad));
        d.multilineMaxLines.validate.call(asNode('java'), 0, {}).should.equal(`${type}.validation.multilineMaxLines`);
      });

      it('Timeout: seconds above 0, at most 2147483.647 (the longest timer), or absent', function () {
        for (const ok of [0.5, 5, '30', 2147483.647, undefined]) d.multilineTimeout.validate.call(asNode('java'), ok).should.equal(true, String(ok));
        for (const bad of [0, -1, 2147483.648, 'abc', '']) d.multilineTimeout.validate.call(asNode('java'), bad).should.equal(false, String(bad));
        d.multilineTimeout.validate.call(asNode('java'), 0, {}).should.equal(`${type}.validation.multilineTimeout`);
      });
    });
  }
});
