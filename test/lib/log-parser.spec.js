'use strict';
// LogParser: the front of the line formats (auto detection, schema, settings, never throwing).
const should = require('should');
const fc = require('fast-check');
const { LogParser } = require('../../dist/lib/parse/log-parser');

const LINES = {
  json: '{"level":"info","message":"user logged in","time":"2024-01-02T03:04:05Z"}',
  cef: 'CEF:0|Security|threatmanager|1.0|100|worm successfully stopped|10|src=10.0.0.1 dst=2.1.2.2 spt=1232',
  leef: 'LEEF:1.0|Microsoft|MSExchange|4.0 SP1|15345|src=192.0.2.0\tdst=172.50.123.1\tsev=5',
  syslog5424: '<165>1 2003-10-11T22:14:15.003Z mymachine.example.com evntslog - ID47 [exampleSDID@32473 iut="3" eventSource="Application" eventID="1011"] An application event log entry',
  syslog3164: "<34>Oct 11 22:14:15 mymachine su: 'su root' failed for lonvick on /dev/pts/8",
  clf: '127.0.0.1 - frank [10/Oct/2000:13:55:36 -0700] "GET /apache_pb.gif HTTP/1.0" 200 2326',
  logfmt: 'level=info msg="listening" port=8080',
};

const FORMATS = ['auto', 'syslog', 'cef', 'leef', 'json', 'clf', 'logfmt'];

describe('LogParser', function () {
  describe('auto', function () {
    it('reads each line of a mixed set in its own format', function () {
      const parser = new LogParser({ format: 'auto', schema: 'native' });
      const formats = Object.values(LINES).map((line) => {
        const result = parser.parse(line);
        result.ok.should.be.true(`${line}: ${JSON.stringify(result.error)}`);
        return result.value.format;
      });
      formats.should.eql(['json', 'cef', 'leef', 'syslog', 'syslog', 'clf', 'logfmt']);
      parser.parsed.should.equal(7);
      parser.failed.should.equal(0);
    });

    it('reports "no known format recognised" at 0 for a line no format recognises', function () {
      const result = new LogParser({ format: 'auto', schema: 'ecs' }).parse('%%%');
      result.should.eql({ ok: false, error: { message: 'no known format recognised', at: 0 } });
    });

    it('reports the error of the first format that recognised a line none could parse', function () {
      const line = '{"level":"info",';
      const auto = new LogParser({ format: 'auto', schema: 'native' }).parse(line);
      const json = new LogParser({ format: 'json', schema: 'native' }).parse(line);
      auto.ok.should.be.false();
      json.ok.should.be.false();
      auto.error.should.eql(json.error);
    });

    it('names the format in a native object, unless the line has a field of that name', function () {
      const parser = new LogParser({ format: 'auto', schema: 'native' });
      parser.parse('{"format":"mine","a":1}').value.format.should.equal('mine');
      parser.parse(LINES.logfmt).value.format.should.equal('logfmt');
      should(new LogParser({ format: 'logfmt', schema: 'native' }).parse(LINES.logfmt).value.format).be.undefined();
    });
  });

  describe('schema', function () {
    it('native keeps the format\'s names; ecs maps them, with the line in event.original', function () {
      const native = new LogParser({ format: 'syslog', schema: 'native' }).parse(LINES.syslog5424);
      const ecs = new LogParser({ format: 'syslog', schema: 'ecs' }).parse(LINES.syslog5424);
      native.value.should.match({ hostname: 'mymachine.example.com', appName: 'evntslog', timestamp: '2003-10-11T22:14:15.003Z' });
      should(native.value.event).be.undefined();
      ecs.value.should.match({ '@timestamp': '2003-10-11T22:14:15.003Z', event: { original: LINES.syslog5424 }, log: { syslog: { hostname: 'mymachine.example.com' } } });
      should(ecs.value.hostname).be.undefined();
    });

    it('ecs objects in auto mode carry no format name (ECS has no field for it)', function () {
      const value = new LogParser({ format: 'auto', schema: 'ecs' }).parse(LINES.json).value;
      value.event.original.should.equal(LINES.json);
      should(value.format).be.undefined();
    });
  });

  describe('settings', function () {
    it('reads times without a zone in the timezone, and a time without a year by the clock', function () {
      const parser = new LogParser({ format: 'syslog', schema: 'native', timezone: '+02:00', now: () => new Date('2024-06-01T00:00:00Z') });
      parser.parse(LINES.syslog3164).value.timestamp.should.equal('2024-10-11T20:14:15.000Z');
      const utc = new LogParser({ format: 'syslog', schema: 'native', now: () => new Date('2024-06-01T00:00:00Z') });
      utc.parse(LINES.syslog3164).value.timestamp.should.equal('2024-10-11T22:14:15.000Z');
    });

    it('throws a clear Error for an unknown format, schema or timezone, and for a missing or bad pattern', function () {
      (() => new LogParser({ format: 'xml', schema: 'ecs' })).should.throw(/unknown format "xml"/);
      (() => new LogParser({ format: 'json', schema: 'flat' })).should.throw(/unknown schema "flat"/);
      (() => new LogParser({ format: 'json', schema: 'ecs', timezone: 'Mars/Olympus' })).should.throw(/unknown timezone "Mars\/Olympus"/);
      (() => new LogParser({ format: 'regex', schema: 'ecs' })).should.throw(/needs a pattern/);
      (() => new LogParser({ format: 'regex', schema: 'ecs', pattern: '(?<a>x' })).should.throw(/pattern cannot be used/);
    });

    it('takes UTC, local, offsets and IANA names as timezones', function () {
      for (const timezone of ['UTC', 'local', '+05:30', '-0800', 'Europe/Berlin', '', undefined]) {
        new LogParser({ format: 'json', schema: 'ecs', timezone }).should.be.an.instanceOf(LogParser);
      }
    });

    it('parses by a regex pattern with named groups', function () {
      const parser = new LogParser({ format: 'regex', schema: 'native', pattern: '^(?<level>\\w+) (?<text>.*)$' });
      parser.parse('WARN disk almost full').value.should.match({ level: 'WARN', text: 'disk almost full' });
      parser.parse('').ok.should.be.false();
    });
  });

  describe('lines that are not text', function () {
    it('reads a Buffer as UTF-8, and fails anything else but a string with "not text"', function () {
      const parser = new LogParser({ format: 'json', schema: 'native' });
      parser.parse(Buffer.from('{"name":"Jürgen"}')).value.name.should.equal('Jürgen');
      for (const value of [undefined, null, 42, {}, ['{}'], Symbol('s')]) {
        parser.parse(value).should.eql({ ok: false, error: { message: 'not text', at: 0 } });
      }
      parser.parsed.should.equal(1);
      parser.failed.should.equal(6);
    });
  });

  describe('parseBatch', function () {
    const lines = ['{"n":1}', 'nope', '{"n":3}', 7];

    it('leaves failed lines out, and lists them with their index', function () {
      const parser = new LogParser({ format: 'json', schema: 'native' });
      const { values, failures } = parser.parseBatch(lines, false);
      values.map((v) => v.n).should.eql([1, 3]);
      failures.map((f) => [f.raw, f.index]).should.eql([['nope', 1], [7, 3]]);
      failures[0].error.message.should.be.a.String();
      failures[1].error.should.eql({ message: 'not text', at: 0 });
      [parser.parsed, parser.failed].should.eql([2, 2]);
      // A node after the parser may change the error it got: no two lines share one.
      parser.parseBatch([7], false).failures[0].error.should.not.equal(failures[1].error);
    });

    it('with keepFailures, keeps { raw, error } in a failed line\'s place', function () {
      const { values, failures } = new LogParser({ format: 'json', schema: 'native' }).parseBatch(lines, true);
      values.should.have.length(4);
      values[1].should.eql({ raw: 'nope', error: failures[0].error });
      values[3].should.eql({ raw: 7, error: { message: 'not text', at: 0 } });
      values[2].n.should.equal(3);
    });
  });

  describe('hostile input', function () {
    const parsers = FORMATS.flatMap((format) => ['native', 'ecs'].map((schema) => new LogParser({ format, schema })));
    const hostileText = fc.oneof(
      fc.string({ unit: 'binary', maxLength: 300 }),
      fc.constantFrom(...Object.values(LINES)).chain((line) => fc.tuple(fc.nat(line.length), fc.string({ unit: 'binary', maxLength: 20 })).map(([at, junk]) => line.slice(0, at) + junk + line.slice(at))),
      fc.constantFrom('{"__proto__":{"polluted":1}}', '__proto__=1 constructor=2', 'CEF:0|a|b|c|d|e|f|__proto__=x', 'LEEF:2.0|a|b|c|d|^|__proto__=1'),
    );

    it('never throws, whatever the line, and always answers ok or an error with a message and a position', function () {
      fc.assert(
        fc.property(fc.oneof(hostileText, fc.anything()), (line) => {
          for (const parser of parsers) {
            const result = parser.parse(line);
            if (result.ok) {
              result.value.should.be.an.Object();
            } else {
              result.error.message.should.be.a.String();
              result.error.at.should.be.a.Number();
            }
          }
        }),
        { numRuns: 400 },
      );
      should(({}).polluted).be.undefined();
    });

    it('parseBatch never throws either', function () {
      fc.assert(
        fc.property(fc.array(fc.oneof(hostileText, fc.anything()), { maxLength: 20 }), fc.boolean(), (lines, keep) => {
          for (const parser of parsers) {
            const { values, failures } = parser.parseBatch(lines, keep);
            (keep ? values.length : values.length + failures.length).should.equal(lines.length);
          }
        }),
        { numRuns: 100 },
      );
    });
  });
});
