'use strict';
const should = require('should');
const fc = require('fast-check');
const { clfFormat } = require('../../dist/lib/parse/clf');
const fixtures = require('../fixtures/formats/clf.json');

const context = { now: new Date('2024-06-15T12:00:00Z'), timezone: 'UTC' };
const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

function parsed(line) {
  const outcome = clfFormat.parse(line, context);
  if (!outcome.ok) throw new Error(`expected ${line} to parse: ${outcome.error.message} at ${outcome.error.at}`);
  return outcome.fields;
}

function failure(line) {
  const outcome = clfFormat.parse(line, context);
  outcome.ok.should.be.false();
  return outcome.error;
}

// A tiny writer of access log lines, as Apache and nginx write them.
const two = (n) => String(n).padStart(2, '0');
function clfTime(date, offsetMinutes) {
  const wall = new Date(date.getTime() + offsetMinutes * 60000);
  const sign = offsetMinutes < 0 ? '-' : '+';
  const abs = Math.abs(offsetMinutes);
  return `${two(wall.getUTCDate())}/${MONTHS[wall.getUTCMonth()]}/${String(wall.getUTCFullYear()).padStart(4, '0')}:${two(wall.getUTCHours())}:${two(wall.getUTCMinutes())}:${two(wall.getUTCSeconds())} ${sign}${two(Math.floor(abs / 60))}${two(abs % 60)}`;
}
const quote = (text) => `"${text.replace(/\\/g, '\\\\').replace(/"/g, '\\"')}"`;
function clfLine(e) {
  const common = `${e.host} ${e.ident ?? '-'} ${e.user ?? '-'} [${clfTime(e.date, e.offset)}] ${quote(`${e.method} ${e.path} ${e.protocol}`)} ${e.status} ${e.bytes ?? '-'}`;
  return e.combined ? `${common} ${quote(e.referrer ?? '-')} ${quote(e.userAgent ?? '-')}` : common;
}

const token = fc.stringMatching(/^[A-Za-z0-9._@$-]{1,16}$/).filter((t) => t !== '-');
const quotedText = fc.string({ unit: 'grapheme', maxLength: 40 }).filter((t) => t !== '-');
const entry = fc.record({
  host: fc.oneof(fc.ipV4(), fc.ipV6(), fc.domain()),
  ident: fc.option(token, { nil: undefined }),
  user: fc.option(token, { nil: undefined }),
  date: fc.date({ min: new Date('1000-01-01T00:00:00Z'), max: new Date('9998-12-31T00:00:00Z'), noInvalidDate: true }).map((d) => new Date(Math.floor(d.getTime() / 1000) * 1000)),
  offset: fc.integer({ min: -12 * 4, max: 14 * 4 }).map((quarters) => quarters * 15),
  method: fc.constantFrom('GET', 'POST', 'HEAD', 'PUT', 'DELETE', 'OPTIONS', 'PROPFIND', 'M-SEARCH'),
  path: fc.string({ unit: 'grapheme', minLength: 1, maxLength: 40 }).filter((p) => p.trim() === p && !p.includes(' ')),
  protocol: fc.constantFrom('HTTP/1.0', 'HTTP/1.1', 'HTTP/2.0', 'HTTP/3'),
  status: fc.integer({ min: 100, max: 599 }),
  bytes: fc.option(fc.nat(), { nil: undefined }),
  combined: fc.boolean(),
  referrer: fc.option(quotedText, { nil: undefined }),
  userAgent: fc.option(quotedText, { nil: undefined }),
});

describe('clf format', function () {
  describe('fixtures', function () {
    for (const [i, fixture] of fixtures.entries()) {
      it(`#${i}: ${JSON.stringify(fixture.line.slice(0, 70))}`, function () {
        const outcome = clfFormat.parse(fixture.line, context);
        if (fixture.error) {
          outcome.ok.should.be.false();
          outcome.error.message.should.be.a.String().and.not.be.empty();
          outcome.error.at.should.be.within(0, fixture.line.length);
          return;
        }
        outcome.ok.should.be.true(outcome.ok ? '' : outcome.error.message);
        for (const [key, value] of Object.entries(fixture.expect)) should(outcome.fields[key]).eql(value, key);
        clfFormat.toEcs(outcome.fields, fixture.line).event.original.should.equal(fixture.line);
      });
    }
  });

  it('detects an address or host name, ident, user and the time\'s bracket at the start', function () {
    clfFormat.detect('127.0.0.1 - frank [10/Oct/2000:13:55:36 -0700] "GET / HTTP/1.0" 200 1').should.be.true();
    clfFormat.detect('::1 - - [').should.be.true();
    clfFormat.detect('fe80::1%eth0 - - [x').should.be.true();
    clfFormat.detect('web-01.example.org - - [').should.be.true();
    clfFormat.detect('<34>Oct 11 22:14:15 mymachine su: x').should.be.false();
    clfFormat.detect('{"a":1}').should.be.false();
    clfFormat.detect('a=b c=d').should.be.false();
    clfFormat.detect('1.2.3.4 - [x').should.be.false();
    clfFormat.detect('').should.be.false();
  });

  it('leaves out what the line writes as -', function () {
    const fields = parsed('1.2.3.4 - - [15/Jun/2024:08:01:02 +0000] "GET / HTTP/1.1" 200 - "-" "-"');
    fields.should.eql({
      clientIp: '1.2.3.4',
      timestamp: '2024-06-15T08:01:02.000Z',
      timestampText: '15/Jun/2024:08:01:02 +0000',
      request: 'GET / HTTP/1.1',
      method: 'GET',
      path: '/',
      protocol: 'HTTP/1.1',
      status: 200,
    });
  });

  it('keeps a request that is not METHOD path PROTO, with no method or path', function () {
    for (const request of ['-', '', '\\x16\\x03\\x01\\x00\\xa5\\x01', 'get / HTTP/1.1', 'GET', 'GET  HTTP/1.1', 'hello there world again']) {
      const fields = parsed(`1.2.3.4 - - [15/Jun/2024:08:01:02 +0000] ${quote(request)} 400 0`);
      fields.request.should.equal(request);
      should(fields.method).be.undefined();
      should(fields.path).be.undefined();
      should(fields.protocol).be.undefined();
    }
  });

  it('puts fields after the user agent, or after bytes when not quoted, into extra', function () {
    parsed('1.2.3.4 - - [15/Jun/2024:08:01:02 +0000] "GET / HTTP/1.1" 200 1 "r" "ua" "1.1.1.1, 2.2.2.2" "-"').extra.should.eql(['1.1.1.1, 2.2.2.2', '-']);
    const referrerOnly = parsed('1.2.3.4 - - [15/Jun/2024:08:01:02 +0000] "GET / HTTP/1.1" 200 1 "r" 0.5');
    referrerOnly.referrer.should.equal('r');
    should(referrerOnly.userAgent).be.undefined();
    referrerOnly.extra.should.eql(['0.5']);
    should(parsed('1.2.3.4 - - [15/Jun/2024:08:01:02 +0000] "GET / HTTP/1.1" 200 1 "r" "ua"').extra).be.undefined();
  });

  it('keeps a time it cannot read as text only', function () {
    const fields = parsed('1.2.3.4 - - [15/Jun/2024:08:01:02 +2500] "GET / HTTP/1.1" 200 1'.replace('+2500', 'later'));
    should(fields.timestamp).be.undefined();
    fields.timestampText.should.equal('15/Jun/2024:08:01:02 later');
  });

  describe('errors', function () {
    const base = '1.2.3.4 - - [15/Jun/2024:08:01:02 +0000] "GET / HTTP/1.1" 200 1';
    it('name what was expected, and where', function () {
      failure('').should.eql({ message: 'expected the client address', at: 0 });
      failure('1.2.3.4').should.eql({ message: 'expected a space before the ident field', at: 7 });
      failure('1.2.3.4 - - 15/Jun').should.eql({ message: "expected '[' before the time", at: 12 });
      failure('1.2.3.4 - - [15/Jun').should.eql({ message: "expected ']' after the time", at: 12 });
      failure(base.replace('"GET', 'GET')).message.should.equal('expected \'"\' before the request');
      failure(base.replace('HTTP/1.1"', 'HTTP/1.1')).should.eql({ message: 'expected \'"\' after the request', at: 41 });
      failure(base.replace(' 200 ', ' 2000 ')).should.eql({ message: 'expected the status code', at: 58 });
      failure(base.replace(/ 1$/, ' x')).should.eql({ message: 'expected the byte count', at: 62 });
      failure(base.replace(/ 1$/, '')).should.eql({ message: 'expected a space before the byte count', at: 61 });
      failure(`${base} "open`).should.eql({ message: 'expected \'"\' after a quoted field', at: 64 });
    });
  });

  describe('as ECS', function () {
    it('maps the fields to source, user, http, url and user_agent', function () {
      const line = '203.0.113.9 - alice [15/Jun/2024:10:01:02 +0200] "POST /login?x=1 HTTP/1.1" 302 512 "https://example.com/" "curl/8.5.0" "10.0.0.1"';
      clfFormat.toEcs(parsed(line), line).should.eql({
        '@timestamp': '2024-06-15T08:01:02.000Z',
        event: { original: line },
        source: { address: '203.0.113.9', ip: '203.0.113.9' },
        user: { name: 'alice' },
        http: { request: { method: 'POST', referrer: 'https://example.com/' }, version: '1.1', response: { status_code: 302, body: { bytes: 512 } } },
        url: { original: '/login?x=1' },
        user_agent: { original: 'curl/8.5.0' },
      });
    });

    it('a host name is source.domain, an IPv6 address source.ip; absent fields are left out', function () {
      const named = clfFormat.toEcs(parsed('gw.example.org - - [15/Jun/2024:08:01:02 +0000] "-" 408 -'), 'L');
      named.should.eql({ '@timestamp': '2024-06-15T08:01:02.000Z', event: { original: 'L' }, source: { address: 'gw.example.org', domain: 'gw.example.org' }, http: { response: { status_code: 408 } } });
      clfFormat.toEcs(parsed('2001:db8::1 - - [15/Jun/2024:08:01:02 +0000] "GET / HTTP/2.0" 200 1'), 'L').source.should.eql({ address: '2001:db8::1', ip: '2001:db8::1' });
      clfFormat.toEcs(parsed('2001:db8::1 - - [15/Jun/2024:08:01:02 +0000] "GET / HTTP/2.0" 200 1'), 'L').http.version.should.equal('2.0');
    });
  });

  describe('properties', function () {
    it('a common or combined line written from fields parses back to them', function () {
      fc.assert(
        fc.property(entry, (e) => {
          const line = clfLine(e);
          const fields = parsed(line);
          const expected = { clientIp: e.host };
          if (e.ident !== undefined) expected.ident = e.ident;
          if (e.user !== undefined) expected.user = e.user;
          expected.timestamp = e.date.toISOString();
          expected.timestampText = clfTime(e.date, e.offset);
          expected.request = `${e.method} ${e.path} ${e.protocol}`;
          Object.assign(expected, { method: e.method, path: e.path, protocol: e.protocol, status: e.status });
          if (e.bytes !== undefined) expected.bytes = e.bytes;
          if (e.combined && e.referrer !== undefined) expected.referrer = e.referrer;
          if (e.combined && e.userAgent !== undefined) expected.userAgent = e.userAgent;
          fields.should.eql(expected);
          clfFormat.detect(line).should.equal(e.host.length <= 255 && /^[0-9A-Za-z.:%_-]+$/.test(e.host));
          clfFormat.toEcs(fields, line).event.original.should.equal(line);
        }),
        { numRuns: 300 },
      );
    });

    it('never throws, whatever the line', function () {
      const good = fixtures.filter((f) => !f.error).map((f) => f.line);
      const mutated = fc.tuple(fc.constantFrom(...good), fc.nat(), fc.nat(), fc.string({ unit: 'binary', maxLength: 10 })).map(([line, a, b, insert]) => {
        const from = a % (line.length + 1);
        const to = Math.min(line.length, from + (b % 20));
        return line.slice(0, from) + insert + line.slice(to);
      });
      const pieces = fc.oneof(fc.string({ unit: 'binary', maxLength: 12 }), fc.constantFrom(' ', '-', '"', '\\', '[', ']', '1.2.3.4', '200', '"GET / HTTP/1.1"'));
      fc.assert(
        fc.property(fc.oneof(fc.string({ unit: 'binary' }), mutated, fc.array(pieces).map((p) => p.join(''))), (line) => {
          const outcome = clfFormat.parse(line, context);
          if (outcome.ok) clfFormat.toEcs(outcome.fields, line);
          else outcome.error.at.should.be.within(0, line.length);
          clfFormat.detect(line).should.be.a.Boolean();
        }),
        { numRuns: 1000 },
      );
    });
  });
});
