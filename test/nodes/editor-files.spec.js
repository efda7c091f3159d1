'use strict';
// The editor files of every node in the built pack, statically:
//   - the dialog: an icon on each field's label, a tooltip on each row that
//     has a field, and typed inputs stored with their type in `defaults`;
//   - the help, in the style of Node-RED's help style guide: the one-line
//     summary first (the palette tooltip), then Inputs, Outputs, Details and
//     References, in that order; message properties with their types; links
//     to the README and to RELIABILITY.md.
// The browser suite (test/browser) checks the same dialogs in a real editor.
const fs = require('fs');
const path = require('path');
const should = require('should');

const root = path.resolve(__dirname, '..', '..');
const pkg = JSON.parse(fs.readFileSync(path.join(root, 'package.json'), 'utf8'));
const repository = pkg.repository.url.replace(/^git\+/, '').replace(/\.git$/, '');

const types = Object.keys(pkg['node-red'].nodes);
/** The fields that are typed inputs (value and `<field>Type`). */
const TYPED = { 'file-tail': ['path'], 'dir-watch': ['path'], 'micro-batch': ['interval', 'maxSize', 'maxBytes', 'ackTimeout', 'maxInFlight', 'retries'] };

describe('node edit dialogs', function () {
  for (const type of types) {
    it(`${type}: icons on field labels, tooltips on field rows, typed inputs with their type`, function () {
      const html = fs.readFileSync(path.join(root, 'dist', 'nodes', type, `${type}.html`), 'utf8');
      const template = /<script type="text\/html" data-template-name="[^"]+">([\s\S]*?)<\/script>/.exec(html)[1];
      const prefix = /node-config-input-/.test(template) ? 'node-config-input-' : 'node-input-';
      const problems = [];
      for (const row of template.split(/(?=<div class="form-)/).filter((r) => r.startsWith('<div class="form-row'))) {
        const field = new RegExp(`<(?:input|select|textarea)[^>]*id="${prefix}([\\w-]+)"`).exec(row);
        if (!field || field[1] === 'name') continue;
        const label = new RegExp(`<label for="${prefix}${field[1]}"[^>]*>([\\s\\S]*?)</label>`).exec(row);
        const checkbox = new RegExp(`type="checkbox" id="${prefix}${field[1]}"`).test(row);
        if (!checkbox && !(label && /<i class="fa fa-[\w-]+"><\/i>/.test(label[1]))) problems.push(`${field[1]}: no icon on its label`);
        if (!/^<div class="form-row[^"]*" data-i18n="\[title\][^"]+"/.test(row)) problems.push(`${field[1]}: no tooltip on its row`);
      }
      const typed = [...html.matchAll(/\$\('#node-input-(\w+)'\)\.typedInput\(\{[^}]*typeField: '#node-input-(\w+)'/g)];
      typed.map((m) => m[1]).should.eql(TYPED[type] || []);
      for (const [, field, typeField] of typed) {
        if (typeField !== `${field}Type`) problems.push(`${field}: its type is stored in ${typeField}`);
        if (!template.includes(`<input type="hidden" id="node-input-${typeField}">`)) problems.push(`${field}: no hidden ${typeField} input`);
        if (!new RegExp(`\\b${typeField}: \\{ value: '(?:str|num)' \\}`).test(html)) problems.push(`${field}: no default for ${typeField}`);
      }
      problems.should.eql([]);
    });
  }
});

describe('node help (en-US)', function () {
  for (const type of types) {
    describe(type, function () {
      let help;
      before(function () {
        const file = path.join(root, 'dist', 'nodes', type, 'locales', 'en-US', `${type}.html`);
        help = fs.readFileSync(file, 'utf8');
      });

      it('starts with a one-line summary, then Inputs, Outputs, Details and References', function () {
        help.should.match(new RegExp(`^<script type="text/html" data-help-name="${type}">\\s*<p>[^<]+(?:<code>[^<]*</code>[^<]*)*</p>`));
        const sections = [...help.matchAll(/<h3>([^<]+)<\/h3>/g)].map((m) => m[1]);
        sections.should.eql(['Inputs', 'Outputs', 'Details', 'References']);
      });

      it('lists message properties with their types wherever it has ports', function () {
        for (const list of help.match(/<dl class="message-properties">[\s\S]*?<\/dl>/g) || []) {
          const terms = list.match(/<dt[^>]*>[\s\S]*?<\/dt>/g) || [];
          terms.length.should.be.above(0);
          for (const dt of terms) dt.should.match(/<span class="property-type">[^<]+<\/span>/);
        }
      });

      it('links the README and RELIABILITY.md of the repository', function () {
        help.should.containEql(`href="${repository}#`);
        help.should.containEql(`href="${repository}/blob/main/docs/RELIABILITY.md"`);
      });

      it('uses no <b> or <i> (the style guide: <code> for values)', function () {
        help.should.not.match(/<b>|<i>/);
      });
    });
  }

  it('anchors the README links to headings the README has', function () {
    const readme = fs.readFileSync(path.join(root, 'README.md'), 'utf8');
    const anchors = new Set(
      [...readme.matchAll(/^#+ (.+)$/gm)].map((m) =>
        m[1]
          .trim()
          .toLowerCase()
          .replace(/[^\w\- ]/g, '')
          .replace(/ /g, '-'),
      ),
    );
    for (const type of types) {
      const help = fs.readFileSync(path.join(root, 'dist', 'nodes', type, 'locales', 'en-US', `${type}.html`), 'utf8');
      for (const m of help.matchAll(new RegExp(`href="${repository.replace(/[.]/g, '\\.')}#([^"]+)"`, 'g'))) {
        should(anchors.has(m[1])).equal(true, `${type}: README has no heading for #${m[1]}`);
      }
    }
  });
});
