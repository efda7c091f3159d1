'use strict';
const should = require('should');
const fc = require('fast-check');
const { FIXTURE_NOW: NOW, checkFixtures, parsesWithoutThrowing } = require('../support/format-fixtures');
const { leefFormat, delimiterOf } = require('../../dist/lib/parse/leef');
const { readJavaTime } = require('../../dist/lib/parse/leef-time');

const ctx = { now: new Date(NOW), timezone: 'UTC' };
const parse = (line) => leefFormat.parse(line, ctx);

/** Any text: every code point, the characters LEEF lines hold specially more often. */
const anyText = fc.string({ unit: fc.oneof({ weight: 4, arbitrary: fc.constantFrom('|', '\\', '=', ' ', '\t', '^', ',', 'LEEF:', 'é', '🌍') }, { weight: 6, arbitrary: fc.string({ unit: 'binary', minLength: 1, maxLength: 1 }) }), maxLength: 30 });
const key = fc.string({ unit: fc.constantFrom(...'abcdefghijklmnopqrstuvwxyzABCXYZ0123456789_.-'), minLength: 1, maxLength: 12 });
const escapeHeader = (text) => text.replace(/[\\|]/g, (c) => `\\${c}`);

/** A delimiter and how the header writes it: the character, or its code in hex. */
const delimiter = fc.constantFrom('^', ',', ';', '#', '~', '\t', ' ', '|', '¦').chain((char) => {
  const hex = char.charCodeAt(0).toString(16);
  const written = [`x${hex}`, `0x${hex.toUpperCase()}`];
  if (char !== '|') written.push(char);
  if (char === '\t') written.push('');
  return fc.constantFrom(...written).map((field) => ({ char, field }));
});

const leefLine = fc
  .record({
    version: fc.constantFrom('1.0', '2.0', '2'),
    delimiter,
    header: fc.option(fc.record({ pri: fc.integer({ min: 0, max: 191 }), host: fc.constantFrom('qradar', '192.0.2.1') })),
    fields: fc.array(anyText, { minLength: 4, maxLength: 4 }),
    attributes: fc.uniqueArray(fc.tuple(key, anyText), { selector: ([k]) => k, maxLength: 6 }),
  })
  .map((f) => {
    const char = f.version === '1.0' ? '\t' : f.delimiter.char;
    // The delimiter has no escape: values hold none of it.
    return { ...f, char, attributes: f.attributes.map(([k, v]) => [k, v.split(char).join('')]) };
  });

function formatLeef(f) {
  const head = f.header === null ? '' : `<${f.header.pri}>Oct 11 22:14:15 ${f.header.host} `;
  const delimiterField = f.version === '1.0' ? '' : `${escapeHeader(f.delimiter.field)}|`;
  return `${head}LEEF:${f.version}|${f.fields.map(escapeHeader).join('|')}|${delimiterField}${f.attributes.map(([k, v]) => `${k}=${v}`).join(f.char)}`;
}

const leefish = fc.array(fc.constantFrom('LEEF:', 'LEEF:2.0|', 'LEEF:1.0|', '|', '\\', '\\|', '=', 'a=', '\t', '^', 'x5E|', '0x|', 'devTime=', 'devTimeFormat=', 'yyyy', "'T'", 'MMM', '<13>', 'é', '__proto__='), { maxLength: 40 }).map((parts) => parts.join(''));

describe('LEEF format', function () {
  describe('fixtures', function () {
    checkFixtures(leefFormat, 'leef.json');
  });

  it('detects LEEF alone and after a syslog header, and not other lines', function () {
    for (const line of ['LEEF:1.0|V|P|1|id|', 'Oct 11 22:14:15 host LEEF:2.0|V|P|1|id|^|a=1', '<13>1 2003-10-11T22:14:15Z h a - - - LEEF:2.0|V|']) leefFormat.detect(line).should.be.true(line);
    for (const line of ['CEF:0|V|P|1|id|n|3|', 'xLEEF:1.0|V', 'LEEF: none', '']) leefFormat.detect(line).should.be.false(line);
  });

  it('reads a delimiter field as one character or a hex code', function () {
    delimiterOf('^').should.equal('^');
    delimiterOf('x09').should.equal('\t');
    delimiterOf('0x5E').should.equal('^');
    delimiterOf('X7c').should.equal('|');
    delimiterOf('').should.equal('\t');
    delimiterOf('x').should.equal('x');
    should(delimiterOf('src=1')).be.undefined();
    should(delimiterOf('x00')).be.undefined();
  });

  it('reads devTime by the SimpleDateFormat patterns sources use', function () {
    readJavaTime('Oct 11 2023 22:14:15', 'MMM dd yyyy HH:mm:ss', ctx).should.equal('2023-10-11T22:14:15.000Z');
    readJavaTime('Oct 11 2023 22:14:15.042', 'MMM dd yyyy HH:mm:ss.SSS', ctx).should.equal('2023-10-11T22:14:15.042Z');
    readJavaTime('2023-10-11T22:14:15.123+0200', "yyyy-MM-dd'T'HH:mm:ss.SSSZ", ctx).should.equal('2023-10-11T20:14:15.123Z');
    readJavaTime('2023-10-11T22:14:15.123+02:00', "yyyy-MM-dd'T'HH:mm:ss.SSSXXX", ctx).should.equal('2023-10-11T20:14:15.123Z');
    readJavaTime('20231011221415', 'yyyyMMddHHmmss', ctx).should.equal('2023-10-11T22:14:15.000Z');
    readJavaTime('Wed, 11 Oct 23 10:14:15 PM Europe/Berlin', 'EEE, dd MMM yy hh:mm:ss a z', ctx).should.equal('2023-10-11T20:14:15.000Z');
    readJavaTime('Dec 31 23:00:00', 'MMM dd HH:mm:ss', ctx).should.equal('2023-12-31T23:00:00.000Z');
    readJavaTime('12/01/2024 12:00:00 AM', 'MM/dd/yyyy hh:mm:ss a', { ...ctx, timezone: '-05:00' }).should.equal('2024-12-01T05:00:00.000Z');
    should(readJavaTime('2023-02-30 10:00:00', 'yyyy-MM-dd HH:mm:ss', ctx)).be.undefined();
    should(readJavaTime('2023-10-11', 'yyyy-MM-dd HH:mm', ctx)).be.undefined();
    should(readJavaTime('2023-10-11 10:00', 'yyyy-MM-dd HH:mm Q', ctx)).be.undefined();
    should(readJavaTime('2023-10-11 10:00', "yyyy-MM-dd 'HH:mm", ctx)).be.undefined();
  });

  it('reads LEEF 1.0 and 2.0 lines it formats back to their fields', function () {
    fc.assert(
      fc.property(leefLine, (f) => {
        const line = formatLeef(f);
        const outcome = parse(line);
        should(outcome.error).be.undefined();
        const fields = outcome.fields;
        const [vendor, product, productVersion, eventId] = f.fields;
        ({ version: fields.version, vendor: fields.vendor, product: fields.product, productVersion: fields.productVersion, eventId: fields.eventId, delimiter: fields.delimiter }).should.eql({ version: f.version, vendor, product, productVersion, eventId, delimiter: f.char });
        const expected = {};
        // Keys such as __proto__ come up: own properties, as the parser makes them.
        for (const [k, v] of f.attributes) Object.defineProperty(expected, k, { value: v, enumerable: true, writable: true, configurable: true });
        fields.attributes.should.eql(expected);
        if (f.header === null) should(fields.syslog).be.undefined();
        else fields.syslog.pri.should.equal(f.header.pri);
        leefFormat.toEcs(fields, line).leef.attributes.should.eql(expected);
      }),
      { numRuns: 500 },
    );
  });

  it('never throws, whatever the line', function () {
    fc.assert(
      fc.property(fc.oneof(fc.string(), fc.string({ unit: 'binary' }), leefish, leefLine.map(formatLeef)), (line) => {
        parsesWithoutThrowing(leefFormat, line, ctx);
      }),
      { numRuns: 2000 },
    );
  });

  it('never throws on devTime and devTimeFormat, whatever they hold', function () {
    const patternPiece = fc.constantFrom('y', 'yy', 'yyyy', 'M', 'MM', 'MMM', 'd', 'dd', 'H', 'HH', 'h', 'a', 'm', 'mm', 's', 'ss', 'S', 'SSS', 'E', 'z', 'Z', 'X', 'XXX', "'", "'T'", '-', ':', ' ', '.', 'Q');
    fc.assert(
      fc.property(fc.string({ maxLength: 40 }), fc.array(patternPiece, { maxLength: 12 }).map((p) => p.join('')), (time, pattern) => {
        const read = readJavaTime(time, pattern, ctx);
        if (read !== undefined) read.should.match(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/);
        parse(`LEEF:1.0|V|P|1|id|devTime=${time}\tdevTimeFormat=${pattern}`).ok.should.be.true();
      }),
      { numRuns: 1000 },
    );
  });

  it('reads or refuses a line of 1 MB without throwing', function () {
    const big = 'a'.repeat(1 << 20);
    const lines = [
      `LEEF:1.0|V|P|1|id|msg=${big}`,
      `LEEF:1.0|V|P|1|id|${'a=b\t'.repeat(1 << 18)}`,
      `LEEF:1.0|V|P|1|id|a=1\t${'b\t'.repeat(1 << 19)}`,
      `LEEF:2.0|V|P|1|id|${'\\|'.repeat(1 << 19)}`,
      `LEEF:2.0|V|P|1|id|^|${'^'.repeat(1 << 20)}`,
      `${'LEEF:'.repeat(1 << 18)}`,
    ];
    for (const line of lines) {
      const outcome = parse(line);
      outcome.ok.should.be.a.Boolean();
      leefFormat.detect(line).should.be.a.Boolean();
    }
    parse(lines[0]).fields.attributes.msg.length.should.equal(1 << 20);
  });
});
