'use strict';
const should = require('should');
const fc = require('fast-check');
const { regexFormat, REGEX_LINE_LIMIT } = require('../../dist/lib/parse/regex');
const fixtures = require('../fixtures/formats/regex.json');

const context = { now: new Date('2024-06-15T12:00:00Z'), timezone: 'UTC' };

function parsed(format, line, at = context) {
  const outcome = format.parse(line, at);
  if (!outcome.ok) throw new Error(`expected ${line} to parse: ${outcome.error.message}`);
  return outcome.fields;
}

describe('regex format', function () {
  describe('fixtures', function () {
    for (const [i, fixture] of fixtures.entries()) {
      it(`#${i}: ${fixture.pattern} on ${JSON.stringify(fixture.line.slice(0, 50))}`, function () {
        const format = regexFormat(fixture.pattern);
        const outcome = format.parse(fixture.line, context);
        if (fixture.error) {
          outcome.should.eql({ ok: false, error: { message: 'the line does not match the pattern', at: 0 } });
          return;
        }
        outcome.ok.should.be.true(outcome.ok ? '' : outcome.error.message);
        for (const [name, expected] of Object.entries(fixture.expect)) should(outcome.fields[name]).eql(expected, name);
        format.toEcs(outcome.fields, fixture.line).event.original.should.equal(fixture.line);
      });
    }
  });

  describe('the pattern setting', function () {
    it('throws a clear Error for a pattern that does not compile', function () {
      (() => regexFormat('(?<a>x')).should.throw(/^the regex pattern does not compile: /);
      (() => regexFormat('/(?<a>x/i')).should.throw(/^the regex pattern does not compile: /);
      (() => regexFormat('/(?<a>x)/uv')).should.throw(/^the regex pattern does not compile: /);
    });

    it('throws for a pattern with no named group, or an empty one', function () {
      (() => regexFormat('^(\\d+) (.*)$')).should.throw('the regex pattern has no named group: write one as (?<name>...)');
      (() => regexFormat('\\(?<a>x\\)')).should.throw(/no named group/);
      (() => regexFormat('[(?<a>x)]')).should.throw(/no named group/);
      (() => regexFormat('(?<=a)b')).should.throw(/no named group/);
      (() => regexFormat('')).should.throw('the regex pattern is empty');
    });

    it('reads /source/flags as a literal, refusing g and y', function () {
      parsed(regexFormat('/^(?<w>abc)$/i'), 'ABC').should.eql({ w: 'ABC' });
      parsed(regexFormat('/^(?<all>.+)$/s'), 'a\nb').should.eql({ all: 'a\nb' });
      (() => regexFormat('/(?<a>x)/g')).should.throw(/flag 'g' is not allowed/);
      (() => regexFormat('/(?<a>x)/iy')).should.throw(/flag 'y' is not allowed/);
      // Not a literal: the bare pattern, slashes included.
      parsed(regexFormat('/var/log/(?<name>\\w+)'), '/var/log/syslog').should.eql({ name: 'syslog' });
      parsed(regexFormat('\\/(?<a>x)\\/i'), '/x/i').should.eql({ a: 'x' });
    });

    it('is never auto-detected', function () {
      regexFormat('(?<a>.*)').detect('anything').should.be.false();
    });
  });

  it('searches the line, leaving out groups that did not take part', function () {
    const format = regexFormat('user=(?<user>\\w+)(?: id=(?<id>\\d+))?');
    parsed(format, 'login user=bob from x').should.eql({ user: 'bob' });
    parsed(format, 'login user=bob id=7').should.eql({ user: 'bob', id: '7' });
  });

  it('reads a timestamp or time group as the line\'s time', function () {
    const stamped = parsed(regexFormat('^(?<timestamp>\\S+ \\S+) (?<msg>.*)$'), '2024-01-15 10:00:00 hello', { now: context.now, timezone: 'Europe/Berlin' });
    stamped.should.eql({ timestamp: '2024-01-15T09:00:00.000Z', msg: 'hello', timestampText: '2024-01-15 10:00:00' });
    const timed = parsed(regexFormat('^(?<time>\\w+ +\\d+ [\\d:]+) (?<msg>.*)$'), 'Dec 31 23:59:59 bye', { now: new Date('2025-01-02T00:00:00Z'), timezone: 'UTC' });
    timed.should.eql({ time: 'Dec 31 23:59:59', msg: 'bye', timestamp: '2024-12-31T23:59:59.000Z', timestampText: 'Dec 31 23:59:59' });
    // The timestamp group first; an optional one that did not take part gives way to time.
    const both = regexFormat('^(?:(?<timestamp>\\d{10}) )?(?<time>\\S+)');
    parsed(both, '1000000000 2024-01-01T00:00:00Z').timestamp.should.equal('2001-09-09T01:46:40.000Z');
    parsed(both, '2024-01-01T00:00:00Z').timestamp.should.equal('2024-01-01T00:00:00.000Z');
    // Unreadable: the text alone.
    parsed(regexFormat('^(?<timestamp>\\S+)'), 'soon x').should.eql({ timestampText: 'soon' });
  });

  it('tries the pattern on the first 64 KiB of a line at most', function () {
    REGEX_LINE_LIMIT.should.equal(65536);
    const format = regexFormat('/^(?<all>.*)$/s');
    const line = 'a'.repeat(REGEX_LINE_LIMIT) + 'b'.repeat(1000);
    parsed(format, line).all.should.equal('a'.repeat(REGEX_LINE_LIMIT));
    format.toEcs(parsed(format, line), line).event.original.should.equal(line);
    should(regexFormat('(?<b>b)').parse(line, context).ok).be.false();
  });

  it('keeps a __proto__ group as an own field', function () {
    const format = regexFormat('(?<__proto__>\\w+) (?<constructor>\\w+)');
    const fields = parsed(format, 'x y');
    Object.getPrototypeOf(fields).should.equal(Object.prototype);
    Object.getOwnPropertyDescriptor(fields, '__proto__').value.should.equal('x');
    const ecs = format.toEcs(fields, 'x y');
    Object.getOwnPropertyDescriptor(ecs, '__proto__').value.should.equal('x');
  });

  describe('as ECS', function () {
    it('turns __ in group names into dots, with @timestamp and event.original', function () {
      const format = regexFormat('^(?<source__ip>\\S+) (?<http__response__status_code>\\d+) (?<url__original>\\S+) (?<timestamp>\\d+) (?<my_field>.*)$');
      const line = '10.0.0.1 404 /x 1700000000 a b';
      format.toEcs(parsed(format, line), line).should.eql({
        '@timestamp': '2023-11-14T22:13:20.000Z',
        event: { original: line },
        source: { ip: '10.0.0.1' },
        http: { response: { status_code: '404' } },
        url: { original: '/x' },
        my_field: 'a b',
      });
      const edges = regexFormat('(?<_lead>a)(?<trail_>b)(?<three___u>c)(?<__dunder__>d)');
      Object.keys(edges.toEcs(parsed(edges, 'abcd'), '')).should.eql(['event', '_lead', 'trail_', 'three___u', '__dunder__']);
    });
  });

  describe('properties', function () {
    it('fields written into a line come back from their groups', function () {
      const format = regexFormat('/^(?<a>[^ ]*) (?<b__c>[^ ]*) (?<rest>.*)$/s');
      const word = fc.string({ unit: 'grapheme', maxLength: 20 }).filter((w) => !w.includes(' '));
      fc.assert(
        fc.property(word, word, fc.string({ unit: 'binary', maxLength: 60 }), (a, bc, rest) => {
          const line = `${a} ${bc} ${rest}`;
          const fields = parsed(format, line);
          fields.should.eql({ a, b__c: bc, rest });
          format.toEcs(fields, line).should.eql({ event: { original: line }, a, b: { c: bc }, rest });
        }),
      );
    });

    it('never throws, whatever the line', function () {
      const formats = [
        regexFormat(fixtures[1].pattern),
        regexFormat('^(?<timestamp>\\S+) (?<msg>.*)$'),
        regexFormat('/(?<x>[\\p{L}]+)/u'),
      ];
      fc.assert(
        fc.property(fc.constantFrom(...formats), fc.oneof(fc.string({ unit: 'binary' }), fc.string({ unit: 'binary-ascii', maxLength: 80 })), (format, line) => {
          const outcome = format.parse(line, context);
          if (outcome.ok) format.toEcs(outcome.fields, line);
          else outcome.error.should.eql({ message: 'the line does not match the pattern', at: 0 });
        }),
        { numRuns: 500 },
      );
    });
  });
});
