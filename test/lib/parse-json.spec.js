'use strict';
const should = require('should');
const fc = require('fast-check');
const { jsonFormat } = require('../../dist/lib/parse/json');
const fixtures = require('../fixtures/formats/json.json');

const context = { now: new Date('2024-06-15T12:00:00Z'), timezone: 'UTC' };

function parsed(line, at = context) {
  const outcome = jsonFormat.parse(line, at);
  if (!outcome.ok) throw new Error(`expected ${line} to parse: ${outcome.error.message}`);
  return outcome.fields;
}

function failure(line) {
  const outcome = jsonFormat.parse(line, context);
  outcome.ok.should.be.false();
  return outcome.error;
}

/** An object with the given own entries, `__proto__` included as a plain key. */
function objectOf(entries) {
  const object = {};
  for (const [key, value] of entries) Object.defineProperty(object, key, { value, enumerable: true, writable: true, configurable: true });
  return object;
}

const jsonKey = fc.oneof(fc.constant('__proto__'), fc.constant('constructor'), fc.string({ maxLength: 8 }), fc.string({ unit: 'binary', maxLength: 8 }));

describe('json format', function () {
  describe('fixtures', function () {
    for (const [i, fixture] of fixtures.entries()) {
      it(`#${i}: ${JSON.stringify(fixture.line.slice(0, 60))}`, function () {
        const outcome = jsonFormat.parse(fixture.line, context);
        if (fixture.error) {
          outcome.ok.should.be.false();
          outcome.error.message.should.be.a.String().and.not.be.empty();
          outcome.error.at.should.be.within(0, fixture.line.length);
          return;
        }
        outcome.ok.should.be.true(outcome.ok ? '' : outcome.error.message);
        for (const [key, value] of Object.entries(fixture.expect)) should(outcome.fields[key]).eql(value, key);
        if (!('timestamp' in fixture.expect)) should(outcome.fields.timestamp).be.undefined();
        jsonFormat.toEcs(outcome.fields, fixture.line).event.original.should.equal(fixture.line);
      });
    }
  });

  it('detects a line whose first character but white space is {', function () {
    jsonFormat.detect('{"a":1}').should.be.true();
    jsonFormat.detect(' \t{').should.be.true();
    jsonFormat.detect('\uFEFF{}').should.be.true();
    jsonFormat.detect('[{}]').should.be.false();
    jsonFormat.detect('a {').should.be.false();
    jsonFormat.detect('').should.be.false();
  });

  it('takes the time from the first of @timestamp, timestamp, time, ts, date', function () {
    parsed('{"date":"2001-01-01T00:00:00Z","ts":"2002-01-01T00:00:00Z","time":"2003-01-01T00:00:00Z"}').timestamp.should.equal('2003-01-01T00:00:00.000Z');
    parsed('{"ts":"2002-01-01T00:00:00Z","@timestamp":"2004-01-01T00:00:00Z"}').timestamp.should.equal('2004-01-01T00:00:00.000Z');
    // An empty or null field is not a time; the next one is.
    parsed('{"@timestamp":"","time":null,"ts":1000000000}').timestamp.should.equal('2001-09-09T01:46:40.000Z');
    // The first present decides, read or not: an unreadable one leaves the text alone.
    const unread = parsed('{"time":"soon","ts":1000000000}');
    should(unread.timestamp).be.undefined();
    unread.timestampText.should.equal('soon');
  });

  it('reads a time without a zone in the node\'s timezone', function () {
    parsed('{"time":"2024-01-15 10:00:00"}', { now: context.now, timezone: 'Europe/Berlin' }).timestamp.should.equal('2024-01-15T09:00:00.000Z');
    parsed('{"time":"2024-07-15 10:00:00"}', { now: context.now, timezone: 'Europe/Berlin' }).timestamp.should.equal('2024-07-15T08:00:00.000Z');
    parsed('{"time":"2024-07-15 10:00:00Z"}', { now: context.now, timezone: 'Europe/Berlin' }).timestamp.should.equal('2024-07-15T10:00:00.000Z');
  });

  it('never replaces a field of the line: its own timestamp and timestampText stay as written', function () {
    const fields = parsed('{"@timestamp":"2024-01-01T00:00:00Z","timestamp":"local clock","timestampText":"mine"}');
    fields.timestamp.should.equal('local clock');
    fields.timestampText.should.equal('mine');
    fields['@timestamp'].should.equal('2024-01-01T00:00:00Z');
    // ECS still gets the normalised time, and the line's own fields.
    const ecs = jsonFormat.toEcs(fields, '');
    ecs['@timestamp'].should.equal('2024-01-01T00:00:00.000Z');
    ecs.timestamp.should.equal('local clock');
  });

  it('gives ECS the time of a line whose own timestamp is not normalised only when it names its zone', function () {
    const berlin = { now: context.now, timezone: 'Europe/Berlin' };
    jsonFormat.toEcs(parsed('{"timestamp":"2024-01-15T10:00:00+01:00"}', berlin), '')['@timestamp'].should.equal('2024-01-15T09:00:00.000Z');
    jsonFormat.toEcs(parsed('{"timestamp":1700000000}', berlin), '')['@timestamp'].should.equal('2023-11-14T22:13:20.000Z');
    // Without a zone the node's timezone would be needed, and ECS has no way to it: left out, not guessed.
    const zoneless = jsonFormat.toEcs(parsed('{"timestamp":"2024-01-15 10:00:00"}', berlin), '');
    should(zoneless['@timestamp']).be.undefined();
    zoneless.timestamp.should.equal('2024-01-15 10:00:00');
  });

  it('keeps a __proto__ key as an own field, changing no prototype', function () {
    const line = '{"__proto__":{"polluted":true},"constructor":{"prototype":{"polluted":true}},"a":1}';
    const fields = parsed(line);
    Object.getPrototypeOf(fields).should.equal(Object.prototype);
    Object.prototype.hasOwnProperty.call(fields, '__proto__').should.be.true();
    Object.getOwnPropertyDescriptor(fields, '__proto__').value.should.eql({ polluted: true });
    should(fields.polluted).be.undefined();
    const ecs = jsonFormat.toEcs(fields, line);
    Object.getPrototypeOf(ecs).should.equal(Object.prototype);
    Object.prototype.hasOwnProperty.call(ecs, '__proto__').should.be.true();
    should(ecs.polluted).be.undefined();
    should({}.polluted).be.undefined();
    const dotted = jsonFormat.toEcs(parsed('{"__proto__.polluted":true,"a.__proto__.b":1}'), '');
    should({}.polluted).be.undefined();
    should(dotted.polluted).be.undefined();
    Object.getPrototypeOf(dotted.a).should.equal(Object.prototype);
  });

  describe('errors', function () {
    it('an array, a string, a number, null: expected a JSON object at 0', function () {
      for (const line of ['[]', '"x"', '1', 'null', 'true']) failure(line).should.eql({ message: 'expected a JSON object', at: 0 });
    });

    it('give JSON.parse\'s message and the position it names', function () {
      failure('{"a":1,}').at.should.equal(7);
      failure('{"a":1} x').at.should.equal(8);
      failure('{"a":1,}').message.should.match(/position 7/);
      // A line that ends too early: at its end.
      failure('{"a":').at.should.equal(5);
      failure('').at.should.equal(0);
    });

    it('find the character where Node\'s message names none', function () {
      failure('{"a":}').should.eql({ message: 'Unexpected token \'}\', "{"a":}" is not valid JSON', at: 5 });
      failure('{"a":1,"b":tru}').at.should.equal(14);
      failure("{'a':1}").at.should.equal(1);
      failure('{"a":NaN}').at.should.equal(5);
      failure('{"a":-x}').at.should.equal(6);
      failure('xyz').at.should.equal(0);
      failure('\uFEFF{"a":}').at.should.equal(6);
    });

    it('count a skipped byte order mark in the position', function () {
      parsed('\uFEFF{"a":1}').should.eql({ a: 1 });
      failure('\uFEFF{"a":1,}').at.should.equal(8);
    });
  });

  describe('as ECS', function () {
    it('nests dotted and nested names alike, with @timestamp, message, log.level and event.original', function () {
      const line = '{"@timestamp":"2024-01-01T10:00:00+02:00","source.ip":"10.0.0.1","source":{"port":443,"geo":{"city_name":"Zürich"}},"msg":"hi","level":"warn","tags":["a","b"]}';
      const ecs = jsonFormat.toEcs(parsed(line), line);
      ecs.should.eql({
        '@timestamp': '2024-01-01T08:00:00.000Z',
        event: { original: line },
        source: { ip: '10.0.0.1', port: 443, geo: { city_name: 'Zürich' } },
        msg: 'hi',
        level: 'warn',
        tags: ['a', 'b'],
        message: 'hi',
        log: { level: 'warn' },
      });
    });

    it('keeps the line\'s own message and log.level, and takes the level from severity or lvl', function () {
      const own = jsonFormat.toEcs(parsed('{"message":"mine","msg":"other","log":{"level":"error"},"level":"info"}'), '');
      own.message.should.equal('mine');
      own.log.level.should.equal('error');
      jsonFormat.toEcs(parsed('{"severity":"NOTICE"}'), '').log.level.should.equal('NOTICE');
      jsonFormat.toEcs(parsed('{"lvl":30}'), '').log.level.should.equal('30');
      should(jsonFormat.toEcs(parsed('{"level":{"n":1}}'), '').log).be.undefined();
    });

    it('does not carry timestampText, nor timestamp when it is @timestamp', function () {
      const ecs = jsonFormat.toEcs(parsed('{"ts":1700000000}'), 'x');
      ecs.should.eql({ '@timestamp': '2023-11-14T22:13:20.000Z', event: { original: 'x' }, ts: 1700000000 });
    });

    it('the line\'s own event.original and a non-object event give way to the line', function () {
      jsonFormat.toEcs(parsed('{"event":{"original":"forged","kind":"alert"}}'), 'L').event.should.eql({ original: 'L', kind: 'alert' });
      jsonFormat.toEcs(parsed('{"event":"text"}'), 'L').event.should.eql({ original: 'L' });
    });

    it('leaves the native fields as they were, whatever is done to the ECS object', function () {
      const line = '{"source":{"ip":"1.1.1.1","nat":{"ip":"2.2.2.2"}},"source.port":80,"list":[1]}';
      const fields = parsed(line);
      const before = JSON.stringify(fields);
      const ecs = jsonFormat.toEcs(fields, line);
      ecs.source.should.eql({ port: 80, ip: '1.1.1.1', nat: { ip: '2.2.2.2' } });
      ecs.source.nat.ip = 'changed';
      ecs.source.extra = 1;
      JSON.stringify(fields).should.equal(before);
    });

    it('keeps a hostile dotted name of many parts whole', function () {
      const name = Array(100).fill('a').join('.');
      const ecs = jsonFormat.toEcs(parsed(JSON.stringify({ [name]: 1, 'b.c': 2 })), '');
      ecs[name].should.equal(1);
      ecs.b.c.should.equal(2);
      JSON.stringify(ecs).should.be.a.String();
    });
  });

  it('refuses a line nested deeper than 128 levels, at the bracket that goes too deep', function () {
    const nested = (depth) => '{"a":'.repeat(depth) + '1' + '}'.repeat(depth);
    JSON.stringify(jsonFormat.toEcs(parsed(nested(128)), '')).should.be.a.String();
    failure(nested(129)).should.eql({ message: 'the JSON is nested deeper than 128 levels', at: 128 * 5 });
    failure('{"s":"{{{{[[[","a":' + '['.repeat(128) + ']'.repeat(128) + '}').at.should.equal(146);
    failure(nested(100000)).at.should.equal(640);
  });

  describe('properties', function () {
    it('a JSON object written as a line parses back to itself', function () {
      fc.assert(
        fc.property(fc.array(fc.tuple(jsonKey, fc.jsonValue({ maxDepth: 3 })), { maxLength: 8 }), (entries) => {
          const object = objectOf(entries.filter(([key]) => !['@timestamp', 'timestamp', 'time', 'ts', 'date', 'timestampText'].includes(key)));
          const line = JSON.stringify(object);
          const fields = parsed(line);
          JSON.stringify(fields).should.equal(line);
          Object.getPrototypeOf(fields).should.equal(Object.prototype);
          jsonFormat.toEcs(fields, line).event.original.should.equal(line);
        }),
      );
    });

    // Epoch milliseconds are read as such with thirteen digits: from 2001-09-09 on.
    it('a time written in any of the time fields comes back normalised', function () {
      fc.assert(
        fc.property(fc.constantFrom('@timestamp', 'timestamp', 'time', 'ts', 'date'), fc.date({ min: new Date('2001-09-10T00:00:00Z'), max: new Date('2286-11-20T00:00:00Z'), noInvalidDate: true }), fc.boolean(), (key, date, asEpoch) => {
          const value = asEpoch ? date.getTime() : date.toISOString();
          const fields = parsed(JSON.stringify({ [key]: value }));
          fields.timestamp.should.equal(key === 'timestamp' ? value : date.toISOString());
          jsonFormat.toEcs(fields, '')['@timestamp'].should.equal(date.toISOString());
        }),
      );
    });

    it('never throws, whatever the line', function () {
      const pieces = fc.oneof(fc.string({ unit: 'binary', maxLength: 40 }), fc.constantFrom('{', '}', '"', ':', ',', '[', ']', '\\', '__proto__', '"time":', '1e999', 'null'));
      fc.assert(
        fc.property(fc.oneof(fc.string({ unit: 'binary' }), fc.array(pieces).map((parts) => parts.join(''))), (line) => {
          const outcome = jsonFormat.parse(line, context);
          if (outcome.ok) jsonFormat.toEcs(outcome.fields, line);
          else outcome.error.at.should.be.within(0, line.length);
          jsonFormat.detect(line).should.be.a.Boolean();
        }),
        { numRuns: 500 },
      );
    });
  });
});
