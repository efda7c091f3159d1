'use strict';
const should = require('should');
const fc = require('fast-check');
const { logfmtFormat } = require('../../dist/lib/parse/logfmt');
const fixtures = require('../fixtures/formats/logfmt.json');

const context = { now: new Date('2024-06-15T12:00:00Z'), timezone: 'UTC' };
const TIME_NAMES = ['time', 'ts', 'timestamp', 't', 'timestampText'];

function parsed(line, at = context) {
  const outcome = logfmtFormat.parse(line, at);
  if (!outcome.ok) throw new Error(`expected ${line} to parse: ${outcome.error.message} at ${outcome.error.at}`);
  return outcome.fields;
}

function failure(line) {
  const outcome = logfmtFormat.parse(line, context);
  outcome.ok.should.be.false();
  return outcome.error;
}

// A tiny logfmt writer: true as a bare key, plain values bare, anything else quoted.
function logfmtLine(pairs, spacing) {
  return pairs
    .map(([key, value]) => {
      if (value === true) return key;
      if (/^[A-Za-z0-9._:/+-]+$/.test(value)) return `${key}=${value}`;
      return `${key}="${value.replace(/\\/g, '\\\\').replace(/"/g, '\\"')}"`;
    })
    .join(spacing);
}

const key = fc.oneof(fc.constant('__proto__'), fc.constant('constructor'), fc.string({ unit: 'grapheme', minLength: 1, maxLength: 10 }).filter((k) => /^[^\s=]+$/u.test(k)));
const value = fc.oneof(fc.constant(true), fc.string({ unit: 'grapheme', maxLength: 30 }), fc.stringMatching(/^[A-Za-z0-9._:/+-]{1,20}$/));

describe('logfmt format', function () {
  describe('fixtures', function () {
    for (const [i, fixture] of fixtures.entries()) {
      it(`#${i}: ${JSON.stringify(fixture.line.slice(0, 70))}`, function () {
        const outcome = logfmtFormat.parse(fixture.line, context);
        if (fixture.error) {
          outcome.ok.should.be.false();
          outcome.error.message.should.be.a.String().and.not.be.empty();
          outcome.error.at.should.be.within(0, fixture.line.length);
          return;
        }
        outcome.ok.should.be.true(outcome.ok ? '' : outcome.error.message);
        for (const [name, expected] of Object.entries(fixture.expect)) should(outcome.fields[name]).eql(expected, name);
        logfmtFormat.toEcs(outcome.fields, fixture.line).event.original.should.equal(fixture.line);
      });
    }
  });

  it('detects a key and = at the start', function () {
    logfmtFormat.detect('level=info msg=x').should.be.true();
    logfmtFormat.detect('a.b-c=').should.be.true();
    logfmtFormat.detect(' level=info').should.be.false();
    logfmtFormat.detect('=x').should.be.false();
    logfmtFormat.detect('hello world a=b').should.be.false();
    logfmtFormat.detect('{"a=1"}').should.be.true(); // a cheap look; json is tried first, and parse decides
    logfmtFormat.detect('').should.be.false();
  });

  it('keeps values as text, bare keys as true and key= as the empty string', function () {
    parsed('n=42 f=1.5 b=false flag e=').should.eql({ n: '42', f: '1.5', b: 'false', flag: true, e: '' });
  });

  it('a key given twice: the last value wins', function () {
    parsed('a=1 b=2 a="3"').should.eql({ a: '3', b: '2' });
    parsed('a=1 a').should.eql({ a: true });
  });

  it('takes the time from the first of time, ts, timestamp, t with a value', function () {
    parsed('t=2001-01-01T00:00:00Z ts=2002-01-01T00:00:00Z time').timestamp.should.equal('2002-01-01T00:00:00.000Z');
    parsed('ts= t=1000000000').timestamp.should.equal('2001-09-09T01:46:40.000Z');
    parsed('time="2024-01-15 10:00:00"', { now: context.now, timezone: '-05:00' }).timestamp.should.equal('2024-01-15T15:00:00.000Z');
    const own = parsed('timestamp=2024-01-15T10:00:00+01:00 msg=x');
    own.timestamp.should.equal('2024-01-15T10:00:00+01:00');
    own.timestampText.should.equal('2024-01-15T10:00:00+01:00');
    logfmtFormat.toEcs(own, '')['@timestamp'].should.equal('2024-01-15T09:00:00.000Z');
  });

  it('keeps a __proto__ key as an own field', function () {
    const fields = parsed('__proto__=x constructor=y a.__proto__.b=1');
    Object.getPrototypeOf(fields).should.equal(Object.prototype);
    Object.getOwnPropertyDescriptor(fields, '__proto__').value.should.equal('x');
    const ecs = logfmtFormat.toEcs(fields, '');
    Object.getOwnPropertyDescriptor(ecs, '__proto__').value.should.equal('x');
    Object.getPrototypeOf(ecs.a).should.equal(Object.prototype);
    should({}.b).be.undefined();
  });

  describe('errors', function () {
    it('name what was wrong, and where', function () {
      failure('').should.eql({ message: 'expected key=value pairs', at: 0 });
      failure('just words here').should.eql({ message: 'expected key=value pairs', at: 0 });
      failure('a=1 =2').should.eql({ message: 'expected a key before =', at: 4 });
      failure('a=1 msg="open').should.eql({ message: 'expected \'"\' to close the value of msg', at: 8 });
      failure('msg="a"b').should.eql({ message: 'expected a space after the value of msg', at: 7 });
      failure('msg="a\\"').message.should.match(/to close/);
    });
  });

  describe('as ECS', function () {
    it('message, log.level, @timestamp, dotted keys nested, the rest as given', function () {
      const line = 'ts=2024-06-15T08:00:00Z level=warn msg="disk low" source.ip=10.0.0.1 source.port=22 host=db1 lvl=W';
      logfmtFormat.toEcs(parsed(line), line).should.eql({
        '@timestamp': '2024-06-15T08:00:00.000Z',
        event: { original: line },
        message: 'disk low',
        log: { level: 'warn' },
        ts: '2024-06-15T08:00:00Z',
        source: { ip: '10.0.0.1', port: '22' },
        host: 'db1',
        lvl: 'W',
      });
    });

    it('nests a dotted key at most 64 levels deep, keeping a longer one whole', function () {
      const deep = Array(100000).fill('a').join('.');
      const ecs = logfmtFormat.toEcs(parsed(`${deep}=1 ${Array(64).fill('b').join('.')}=2`), '');
      ecs[deep].should.equal('1');
      let at = ecs;
      for (let i = 0; i < 64; i++) at = at.b;
      at.should.equal('2');
      JSON.stringify(ecs).should.be.a.String();
    });

    it('prefers message to msg, and a key that collides with one set before it is left out', function () {
      const ecs = logfmtFormat.toEcs(parsed('msg=short message=long lvl=debug log=text event.original=forged'), 'L');
      ecs.message.should.equal('long');
      ecs.msg.should.equal('short');
      ecs.log.should.eql({ level: 'debug' });
      ecs.event.should.eql({ original: 'L' });
    });
  });

  describe('properties', function () {
    it('pairs written as a line parse back to them', function () {
      fc.assert(
        fc.property(fc.uniqueArray(fc.tuple(key, value), { selector: ([k]) => k, minLength: 1, maxLength: 8 }), fc.constantFrom(' ', '  ', '\t'), (pairs, spacing) => {
          const kept = pairs.filter(([k]) => !TIME_NAMES.includes(k));
          if (!kept.some(([, v]) => v !== true)) kept.push(['k', 'v']);
          const line = logfmtLine(kept, spacing);
          const fields = parsed(line);
          Object.keys(fields).sort().should.eql(kept.map(([k]) => k).sort());
          for (const [k, v] of kept) Object.getOwnPropertyDescriptor(fields, k).value.should.equal(v);
          logfmtFormat.toEcs(fields, line).event.original.should.equal(line);
        }),
        { numRuns: 300 },
      );
    });

    it('never throws, whatever the line', function () {
      const pieces = fc.oneof(fc.string({ unit: 'binary', maxLength: 12 }), fc.constantFrom(' ', '=', '"', '\\', '\\"', 'a=', 'ts=', '__proto__=', '\\u12'));
      fc.assert(
        fc.property(fc.oneof(fc.string({ unit: 'binary' }), fc.array(pieces).map((p) => p.join(''))), (line) => {
          const outcome = logfmtFormat.parse(line, context);
          if (outcome.ok) logfmtFormat.toEcs(outcome.fields, line);
          else outcome.error.at.should.be.within(0, line.length);
          logfmtFormat.detect(line).should.be.a.Boolean();
        }),
        { numRuns: 1000 },
      );
    });
  });
});
