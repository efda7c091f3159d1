'use strict';
// The editor side of the kill switch, which the test helper does not serve:
// a static check of the built .html files. Each definition is run against a
// stand-in RED to read it; form fields must match the defaults, every i18n
// key must be in the node's catalog, and help must exist. The real editor
// loading them is covered by test/integration/kill-switch.spec.js.
const fs = require('fs');
const path = require('path');
const vm = require('vm');
const should = require('should');

const dist = path.resolve(__dirname, '..', '..', 'dist', 'nodes');

/** The definition a node's .html registers, its form template, catalog and help. */
function editorFiles(type) {
  const html = fs.readFileSync(path.join(dist, type, `${type}.html`), 'utf8');
  const scripts = [...html.matchAll(/<script type="text\/javascript">([\s\S]*?)<\/script>/g)].map((m) => m[1]);
  scripts.should.have.length(1);
  // node-red-dev reads the definition only as an inline literal.
  scripts[0].should.match(new RegExp(`RED\\.nodes\\.registerType\\('${type}', \\{`));
  const registered = {};
  const RED = {
    nodes: { registerType: (t, def) => (registered[t] = def) },
    validators: { number: () => (v) => !isNaN(Number(v)) },
    _: (key) => key,
  };
  vm.runInNewContext(scripts[0], { RED, $: () => ({}) });
  // Objects from the sandbox have no .should: wrap them in should(...) below.
  const template = html.match(new RegExp(`<script type="text/html" data-template-name="${type}">([\\s\\S]*?)</script>`))[1];
  const catalog = JSON.parse(fs.readFileSync(path.join(dist, type, 'locales', 'en-US', `${type}.json`), 'utf8'));
  const help = fs.readFileSync(path.join(dist, type, 'locales', 'en-US', `${type}.html`), 'utf8');
  return { html, script: scripts[0], def: registered[type], template, catalog, help };
}

function hasKey(catalog, key) {
  return key.split('.').reduce((at, part) => (at && typeof at === 'object' ? at[part] : undefined), catalog) !== undefined;
}

/** Keys used: data-i18n in the template, this._/node._ in the definition (other namespaces aside). */
function keysUsed(template, script) {
  const keys = [...template.matchAll(/data-i18n="(?:\[[a-z]+\])?([^"]+)"/g)].map((m) => m[1]);
  keys.push(...[...script.matchAll(/(?:this|node)\._\('([^']+)'/g)].map((m) => m[1]));
  return keys.filter((k) => !k.includes(':'));
}

describe('kill switch in the editor (built .html)', function () {
  for (const [type, prefix] of [
    ['kill-switch', 'node-input-'],
    ['kill-switch-config', 'node-config-input-'],
  ]) {
    describe(type, function () {
      let files;
      before(function () {
        files = editorFiles(type);
      });

      it('has a form field for each setting, and a setting for each field', function () {
        const fields = [...files.template.matchAll(new RegExp(`id="${prefix}([A-Za-z]+)"`, 'g'))].map((m) => m[1]).sort();
        fields.should.eql(Object.keys(files.def.defaults).sort());
      });

      it('has every text it shows in its catalog', function () {
        const missing = keysUsed(files.template, files.script).filter((k) => !hasKey(files.catalog, k));
        missing.should.eql([]);
      });

      it('has help, starting with a one-line summary', function () {
        files.help.should.match(new RegExp(`<script type="text/html" data-help-name="${type}">\\s*<p>`));
      });
    });
  }

  it('defines the kill-switch node with a shared switch, two outputs and a button that posts to the admin API', function () {
    const { def, script } = editorFiles('kill-switch');
    should(def).match({ category: 'log ingest', inputs: 1, outputs: 2, icon: 'log-ingest-kill-switch.svg' });
    JSON.parse(JSON.stringify(def.defaults)).should.match({
      name: { value: '' },
      killSwitch: { value: '', type: 'kill-switch-config', required: false },
      controlTopic: { value: 'kill-switch' },
      mode: { value: 'hold' },
      queueSize: { value: 1000 },
      initial: { value: 'released' },
    });
    def.button.enabled.call({ changed: false }).should.be.true();
    def.button.enabled.call({ changed: true }).should.be.false();
    script.should.containEql("url: 'kill-switch/' + node.id");
    fs.existsSync(path.join(dist, 'kill-switch', 'icons', 'log-ingest-kill-switch.svg')).should.be.true();
  });

  it('defines the config node in the config category with a name and an initial state', function () {
    const { def } = editorFiles('kill-switch-config');
    def.category.should.equal('config');
    JSON.parse(JSON.stringify(def.defaults)).should.match({ name: { value: '' }, initial: { value: 'released' } });
  });

  for (const type of ['file-tail', 'micro-batch']) {
    it(`gives ${type} an optional killSwitch setting, with a form field and a label`, function () {
      const { def, template, catalog } = editorFiles(type);
      JSON.parse(JSON.stringify(def.defaults.killSwitch)).should.eql({ value: '', type: 'kill-switch-config', required: false });
      template.should.containEql('id="node-input-killSwitch"');
      hasKey(catalog, `${type}.label.killSwitch`).should.be.true();
      hasKey(catalog, `${type}.errors.noKillSwitch`).should.be.true();
    });
  }
});
