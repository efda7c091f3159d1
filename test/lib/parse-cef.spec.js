'use strict';
const should = require('should');
const fc = require('fast-check');
const { FIXTURE_NOW: NOW, checkFixtures, parsesWithoutThrowing } = require('../support/format-fixtures');
const { cefFormat } = require('../../dist/lib/parse/cef');

const ctx = { now: new Date(NOW), timezone: 'UTC' };
const parse = (line) => cefFormat.parse(line, ctx);

/** Any text: every code point, the characters CEF escapes more often. */
const anyText = fc.string({ unit: fc.oneof({ weight: 4, arbitrary: fc.constantFrom('|', '\\', '=', ' ', '\n', '\r', 'n', 'CEF:', 'é', '🌍') }, { weight: 6, arbitrary: fc.string({ unit: 'binary', minLength: 1, maxLength: 1 }) }), maxLength: 30 });
const key = fc.string({ unit: fc.constantFrom(...'abcdefghijklmnopqrstuvwxyzABCXYZ0123456789_.-'), minLength: 1, maxLength: 12 });

const escapeHeader = (text) => text.replace(/[\\|]/g, (c) => `\\${c}`);
const escapeValue = (text) => text.replace(/[\\=\n\r]/g, (c) => (c === '\n' ? '\\n' : c === '\r' ? '\\r' : `\\${c}`));

const cefLine = fc.record({
  header: fc.option(fc.record({ pri: fc.integer({ min: 0, max: 191 }), host: fc.constantFrom('fw1', 'host.example.com', '192.0.2.1') })),
  version: fc.constantFrom('0', '1'),
  fields: fc.array(anyText, { minLength: 5, maxLength: 5 }),
  severity: fc.oneof(fc.integer({ min: 0, max: 10 }).map(String), fc.constantFrom('Low', 'Medium', 'High', 'Very-High'), anyText),
  extensions: fc.uniqueArray(fc.tuple(key, anyText), { selector: ([k]) => k, maxLength: 6 }),
});

function formatCef(f) {
  const head = f.header === null ? '' : `<${f.header.pri}>Oct 11 22:14:15 ${f.header.host} `;
  const extension = f.extensions.map(([k, v]) => `${k}=${escapeValue(v)}`).join(' ');
  return `${head}CEF:${f.version}|${f.fields.map(escapeHeader).join('|')}|${escapeHeader(f.severity)}|${extension}`;
}

const cefish = fc.array(fc.constantFrom('CEF:', 'CEF:0|', '|', '\\', '\\|', '=', 'a=', ' ', 'rt=', '1700000000000', '<13>', 'Oct 11 22:14:15 ', 'é', '\n', '__proto__='), { maxLength: 40 }).map((parts) => parts.join(''));

describe('CEF format', function () {
  describe('fixtures', function () {
    checkFixtures(cefFormat, 'cef.json');
  });

  it('detects CEF alone and after a syslog header, and not other lines', function () {
    for (const line of ['CEF:0|V|P|1|id|n|3|', '<134>Oct 11 22:14:15 host CEF:0|V|P|1|id|n|3|', '<134>1 2003-10-11T22:14:15Z h a - - - CEF:0|V|', 'Oct 11 22:14:15 host LEEF:2.0|x CEF:1|V|']) {
      cefFormat.detect(line).should.be.true(line);
    }
    for (const line of ['LEEF:1.0|V|P|1|id|', 'xCEF:0|V', 'a note on CEF: nothing', `${' '.repeat(400)}CEF:0|V|`, '']) {
      cefFormat.detect(line).should.be.false(line);
    }
  });

  it('names what it expected and where', function () {
    parse('CEF:0|V|P|1').error.should.eql({ message: "expected '|' after the device version", at: 11 });
    parse('CEF:0|V|P|1|id|n|3|words only').error.should.eql({ message: 'expected key=value in the extension', at: 19 });
  });

  it('reads CEF lines it formats back to their fields', function () {
    fc.assert(
      fc.property(cefLine, (f) => {
        const outcome = parse(formatCef(f));
        should(outcome.error).be.undefined();
        const [deviceVendor, deviceProduct, deviceVersion, deviceEventClassId, name] = f.fields;
        const severity = /^\s*\d{1,3}\s*$/.test(f.severity) ? Number(f.severity) : f.severity;
        const fields = outcome.fields;
        ({ version: fields.version, deviceVendor: fields.deviceVendor, deviceProduct: fields.deviceProduct, deviceVersion: fields.deviceVersion, deviceEventClassId: fields.deviceEventClassId, name: fields.name, severity: fields.severity }).should.eql({ version: f.version, deviceVendor, deviceProduct, deviceVersion, deviceEventClassId, name, severity });
        const expected = {};
        // Keys such as __proto__ come up: own properties, as the parser makes them.
        for (const [k, v] of f.extensions) Object.defineProperty(expected, k, { value: v, enumerable: true, writable: true, configurable: true });
        fields.extensions.should.eql(expected);
        if (f.header === null) should(fields.syslog).be.undefined();
        else {
          fields.syslog.pri.should.equal(f.header.pri);
          fields.syslog.hostname.should.equal(f.header.host);
        }
        const ecs = cefFormat.toEcs(fields, formatCef(f));
        ecs.cef.extensions.should.eql(expected);
      }),
      { numRuns: 500 },
    );
  });

  it('never throws, whatever the line', function () {
    fc.assert(
      fc.property(fc.oneof(fc.string(), fc.string({ unit: 'binary' }), cefish, cefLine.map(formatCef)), (line) => {
        parsesWithoutThrowing(cefFormat, line, ctx);
      }),
      { numRuns: 2000 },
    );
  });

  it('reads or refuses a line of 1 MB without throwing', function () {
    const big = 'a'.repeat(1 << 20);
    const lines = [
      `CEF:0|V|P|1|id|n|3|msg=${big}`,
      `CEF:0|V|P|1|id|n|3|${'a=b '.repeat(1 << 18)}`,
      `CEF:0|V|P|1|id|n|3|a=${' b'.repeat(1 << 19)}`,
      `CEF:0|V|P|1|id|n|3|a=${' bbbbbbb\\='.repeat(1 << 16)}`,
      `CEF:0|${'\\|'.repeat(1 << 19)}`,
      `${'CEF:'.repeat(1 << 18)}`,
      `${'x CEF:'.repeat(1 << 17)}0|`,
    ];
    for (const line of lines) {
      const outcome = parse(line);
      outcome.ok.should.be.a.Boolean();
      cefFormat.detect(line).should.be.a.Boolean();
    }
    parse(lines[0]).fields.extensions.msg.length.should.equal(1 << 20);
    Object.keys(parse(lines[1]).fields.extensions).should.eql(['a']);
  });
});
