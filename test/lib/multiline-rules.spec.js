'use strict';
// The record rules on realistic logs (test/fixtures/multiline/): which lines
// make one record, exactly. Records are built here by a plain reference
// loop over the rule's contract, so these tests judge the rules alone; one
// test checks that the RecordJoiner builds the same records.
const fs = require('fs');
const path = require('path');
const should = require('should');
const { recordRule, MULTILINE_MODES, RULE_SCAN_CHARS } = require('../../dist/lib/multiline-rules');
const { RecordJoiner } = require('../../dist/lib/record-joiner');

const FIXTURES = path.join(__dirname, '..', 'fixtures', 'multiline');

function fixtureLines(name) {
  const text = fs.readFileSync(path.join(FIXTURES, name), 'utf8');
  const lines = text.split('\n');
  lines.pop(); // after the last new line
  return lines;
}

/** The records a rule makes of `lines`: each record as its lines. */
function recordsOf(rule, lines) {
  const records = [];
  let open;
  for (const line of lines) {
    if (open && rule.continues(line, open)) {
      open.lines.push(line);
      open.lineCount++;
      open.lastLine = line;
    } else {
      open = { lines: [line], lineCount: 1, firstLine: line, lastLine: line, state: 0 };
      records.push(open.lines);
    }
  }
  return records;
}

/**
 * The records `shape` describes, cut from `lines`: shape[i] is record i's
 * first line and its number of lines. Checks that the shape covers the lines.
 */
function expectedRecords(lines, shape) {
  const records = [];
  let at = 0;
  for (const [firstLine, count] of shape) {
    should(lines[at]).equal(firstLine, `record ${records.length} should start with its line`);
    records.push(lines.slice(at, at + count));
    at += count;
  }
  should(at).equal(lines.length, 'the shape covers every line');
  return records;
}

function continues(rule, line, previous) {
  const lines = Array.isArray(previous) ? previous : [previous];
  const open = { lineCount: lines.length, firstLine: lines[0], lastLine: lines[lines.length - 1], state: 0 };
  return rule.continues(line, open);
}

describe('multiline-rules', function () {
  describe('recordRule', function () {
    it('has a rule for every mode but none', function () {
      for (const mode of MULTILINE_MODES) {
        if (mode === 'none') {
          should.throws(() => recordRule('none'), /multiline mode "none" has no record rule/);
        } else {
          const rule = recordRule(mode, mode === 'custom' ? '^\\d' : undefined);
          rule.continues.should.be.a.Function();
        }
      }
    });

    it('throws for an unknown mode, naming it', function () {
      should.throws(() => recordRule('xml'), /multiline mode "xml" has no record rule \(one of java, python, indented, timestamp, custom\)/);
    });
  });

  describe('java', function () {
    const rule = recordRule('java');

    it('joins a Logback log: log line, exception, frames, Suppressed and Caused by blocks', function () {
      const lines = fixtureLines('logback.txt');
      const records = recordsOf(rule, lines);
      records.should.eql(
        expectedRecords(lines, [
          ['2024-03-14 09:21:07.412 [main] INFO  c.e.shop.ShopApplication - Starting ShopApplication v1.4.2 using Java 17.0.10 with PID 4121', 1],
          ["2024-03-14 09:21:09.883 [main] INFO  o.s.b.w.embedded.tomcat.TomcatWebServer - Tomcat started on port(s): 8080 (http) with context path ''", 1],
          ['2024-03-14 09:22:41.127 [http-nio-8080-exec-3] ERROR c.e.shop.web.OrderController - Order 58213 could not be placed', 21],
          ['2024-03-14 09:22:41.130 [http-nio-8080-exec-3] WARN  c.e.shop.web.ErrorAdvice - Answered 409 for POST /orders', 1],
          ['2024-03-14 09:23:02.554 [scheduling-1] ERROR c.e.shop.jobs.StockSync - Stock sync failed', 11],
          ['2024-03-14 09:23:04.017 [scheduling-1] WARN  c.e.shop.jobs.StockSync - Retrying in 30 s', 1],
          ['2024-03-14 09:23:05.001 [main] INFO  c.e.shop.ShopApplication - Health check OK', 1],
        ]),
      );
      records[2][records[2].length - 1].should.equal('\t... 14 common frames omitted');
      records[4][records[4].length - 1].should.equal('\t... 12 more');
    });

    it('continues with frames, causes and elisions, indented or not', function () {
      for (const line of ['\tat a.B.c(B.java:1)', 'at a.B.c(B.java:1)', '    at a.B.c(B.java:1)', 'Caused by: x.Y: z', 'Suppressed: x.Y', '\tSuppressed: x.Y', 'Wrapped by: x.Y: z', '... 12 more', '\t... 3 more', '... 4 common frames omitted', ' anything indented']) {
        continues(rule, line, ['log line', 'java.lang.X: y']).should.be.true(line);
      }
    });

    it('takes the exception line only right after the first line of the record', function () {
      for (const line of ['java.lang.IllegalStateException: boom', 'java.lang.IllegalStateException', 'com.foo.Bar$InnerException', 'com.foo.Bar$InnerException: x', 'IllegalStateException: x', 'OutOfMemoryError', 'MyThrowable: t', 'org.example.Oops: not named like an exception']) {
        continues(rule, line, '2024-01-01 ERROR x').should.be.true(line);
        continues(rule, line, ['2024-01-01 ERROR x', '\tat a.B.c(B.java:1)']).should.be.false(line);
      }
    });

    it('starts a record with anything else', function () {
      for (const line of ['2024-01-01 10:00:00 INFO next', 'Error: disk full', 'Exception: x', 'ERROR: x', 'Something went wrong', 'illegalStateException: x', 'com..foo: x', 'com.foo.: x', 'com.1foo: x', 'java.lang.X boom', 'http://example.com/', '', 'at', '... more', 'Caused by x']) {
        continues(rule, line, 'log line').should.be.false(line);
      }
    });
  });

  describe('python', function () {
    const rule = recordRule('python');

    it('joins a Python log: a chained traceback, then a simple one', function () {
      const lines = fixtureLines('python.txt');
      recordsOf(rule, lines).should.eql(
        expectedRecords(lines, [
          ['2024-03-14 10:00:00,001 INFO worker: starting 4 workers', 1],
          ['2024-03-14 10:00:03,412 ERROR worker: job 77 failed', 23],
          ['2024-03-14 10:00:03,415 WARNING worker: retrying job 77 in 30s', 1],
          ['2024-03-14 10:00:04,002 ERROR worker: heartbeat lost', 5],
          ['2024-03-14 10:00:05,120 INFO worker: stopping', 1],
        ]),
      );
    });

    it('ends the traceback with its exception line: a following log line is a record', function () {
      const lines = ['ERROR:root:failed', 'Traceback (most recent call last):', '  File "a.py", line 1, in <module>', '    f()', 'KeyboardInterrupt', 'ERROR:root:next', 'INFO:root:later'];
      recordsOf(rule, lines).should.eql([lines.slice(0, 5), ['ERROR:root:next'], ['INFO:root:later']]);
    });

    it('keeps a traceback that starts a record (no log line before it), and blank lines inside', function () {
      const lines = ['Traceback (most recent call last):', '  File "a.py", line 3, in <module>', '', '    g()', 'pkg.errors.Oops: no', 'next'];
      recordsOf(rule, lines).should.eql([lines.slice(0, 5), ['next']]);
    });

    it('keeps stack_info and an exception group, which have no exception line of their own', function () {
      const lines = [
        '2024-01-01 10:00:00,000 ERROR failed',
        'Traceback (most recent call last):',
        '  File "a.py", line 3, in f',
        '    raise ValueError("x")',
        'ValueError: x',
        'Stack (most recent call last):',
        '  File "a.py", line 9, in <module>',
        '    main()',
        'ERROR:root:not a line of the stack',
        '2024-01-01 10:00:01,000 ERROR group',
        '  + Exception Group Traceback (most recent call last):',
        '  |   File "b.py", line 1, in <module>',
        '  | ExceptionGroup: two (2 sub-exceptions)',
        '  +-+---------------- 1 ----------------',
        '    | ValueError: 1',
        '    +------------------------------------',
        'ERROR:root:not a line of the group',
      ];
      recordsOf(rule, lines).should.eql([lines.slice(0, 8), [lines[8]], lines.slice(9, 16), [lines[16]]]);
    });

    it('takes lines indented under a log line, and nothing else that is not a traceback', function () {
      const lines = ['2024-01-01 INFO config:', '  a: 1', '  b: 2', 'ValueError: not after a frame', '', 'During handling of the above exception, another exception occurred:'];
      recordsOf(rule, lines).should.eql([lines.slice(0, 3), [lines[3]], [lines[4]], [lines[5]]]);
    });

    it('does not take an exception line that does not follow an indented line', function () {
      const lines = ['x', 'Traceback (most recent call last):', 'ValueError: boom'];
      recordsOf(rule, lines).should.eql([lines.slice(0, 2), [lines[2]]]);
    });

    it('after a traceback, takes blank lines (a chained one may follow) but not a plain line', function () {
      const lines = ['x', 'Traceback (most recent call last):', '  File "a.py", line 1, in f', 'ValueError: boom', '', '', 'plain line'];
      recordsOf(rule, lines).should.eql([lines.slice(0, 6), ['plain line']]);
    });

    it('after a chain line, takes only blank lines and the next traceback', function () {
      const chained = ['x', 'Traceback (most recent call last):', '  File "a.py", line 1, in f', 'ValueError: boom', '', 'The above exception was the direct cause of the following exception:', ''];
      recordsOf(rule, [...chained, 'plain']).should.eql([chained, ['plain']]);
    });
  });

  describe('indented', function () {
    const rule = recordRule('indented');

    it('joins lines that begin with a space or a tab; a blank line is a record of its own', function () {
      const lines = fixtureLines('indented.txt');
      recordsOf(rule, lines).should.eql(
        expectedRecords(lines, [
          ['2024-03-14 11:00:00 INFO  config loaded:', 4],
          ['2024-03-14 11:00:01 WARN  slow query (2.4 s):', 4],
          ['2024-03-14 11:00:02 INFO  ready', 1],
          ['', 1],
          ['2024-03-14 11:00:03 ERROR upstream failed', 3],
          ['2024-03-14 11:00:04 INFO  shutting down', 1],
        ]),
      );
    });

    it('does not take other whitespace for indentation', function () {
      continues(rule, '\u00a0x', 'a').should.be.false();
      continues(rule, '\fx', 'a').should.be.false();
      continues(rule, '\tx', 'a').should.be.true();
    });
  });

  describe('timestamp', function () {
    const rule = recordRule('timestamp');

    it('starts a record at each line that begins with a date or a time', function () {
      const lines = fixtureLines('timestamp.txt');
      recordsOf(rule, lines).should.eql(
        expectedRecords(lines, [
          ['2024-03-14T12:00:00.000Z INFO request body:', 5],
          ['2024-03-14T12:00:01.250Z ERROR render failed', 4],
          ['[2024-03-14 12:00:02,113] WARN kafka: rebalance started', 3],
          ['Mar 14 12:00:03 web01 sshd[2211]: Accepted publickey for deploy from 10.0.0.7 port 51122', 1],
          ['12:00:04.512 DEBUG cache stats', 3],
          ['1710417605 metrics flushed', 1],
          ['14/03/2024 12:00:06 INFO legacy exporter done', 1],
          ['Thu Mar 14 12:00:07 2024 cron: nightly report finished', 2],
        ]),
      );
    });

    it('knows the usual date and time shapes', function () {
      const starts = [
        '2024-01-02 x',
        '2024-01-02T10:11:12.123+01:00 x',
        '2024/01/02 x',
        '2024.01.02 x',
        '20240102T101112Z x',
        '02/01/2024 x',
        '2.1.2024 x',
        '24/01/02 10:11:12 INFO x',
        '01-02 10:11:12.345  1234  1234 I Tag: x',
        '10:11:12 x',
        '9:11:12.5 x',
        'Jan  2 10:11:12 host x',
        'Jan 02 10:11:12 host x',
        'Jan 2, 2024 10:11:12 AM org.Foo bar',
        '02-Jan-2024 10:11:12.123 INFO x',
        '02 Jan 2024 x',
        '[02/Jan/2024:10:11:12 +0000] x',
        '[2024-01-02 10:11:12] x',
        '(2024-01-02 10:11:12) x',
        'Tue Jan 02 10:11:12 2024 x',
        'Tue, 02 Jan 2024 10:11:12 GMT x',
        'Tuesday 2 January x',
        '<34>Jan  2 10:11:12 host x',
        '<165>1 2024-01-02T10:11:12Z host x',
        'I0102 10:11:12.123456    1 main.go:12] x',
        '1700000000 x',
        '1700000000.123 x',
        '1700000000123 x',
        '1700000000',
      ];
      for (const line of starts) continues(rule, line, 'previous').should.be.false(line);
    });

    it('continues with anything else, blank lines included', function () {
      const others = ['', '  at x', 'x 2024-01-02', '{', '1.2.3 released', '1.2.30 released', '12345 rows', '123456789012 x', '10:11 x', 'May 3 be late', 'Monday x', '1700000000,1700000001', '17000000001', '2024-01-023'];
      for (const line of others) continues(rule, line, 'previous').should.be.true(line);
    });
  });

  describe('custom', function () {
    it('starts a record at each line the pattern matches', function () {
      const rule = recordRule('custom', '^\\[\\w+\\]');
      const lines = ['[INFO] a', 'more', '[WARN] b', '  more', '', 'x [INFO] not at the start', '[ERROR] c'];
      recordsOf(rule, lines).should.eql([lines.slice(0, 2), lines.slice(2, 6), [lines[6]]]);
    });

    it('matches anywhere in the line unless anchored', function () {
      const rule = recordRule('custom', 'BEGIN');
      continues(rule, 'x BEGIN y', 'a').should.be.false();
      continues(rule, 'x begin y', 'a').should.be.true();
    });

    it('throws a clear error for a pattern that does not compile', function () {
      let thrown;
      try {
        recordRule('custom', '^(unclosed');
      } catch (err) {
        thrown = err;
      }
      should(thrown).be.an.instanceOf(Error);
      // The engine's own reason follows (V8: "Invalid regular expression: /^(unclosed/: Unterminated group").
      thrown.message.should.match(/^multilineStart is not a valid regular expression: .*Unterminated group/);
      should.throws(() => recordRule('custom', '[z-a]'), /^Error: multilineStart is not a valid regular expression: .+/);
    });

    it('throws a clear error for an empty or missing pattern', function () {
      should.throws(() => recordRule('custom', ''), /^Error: multilineStart is not a valid regular expression: it is empty/);
      should.throws(() => recordRule('custom'), /^Error: multilineStart is not a valid regular expression: it is empty/);
    });

    it('looks at the first RULE_SCAN_CHARS characters only', function () {
      const rule = recordRule('custom', 'START');
      const line = 'x'.repeat(RULE_SCAN_CHARS - 5);
      continues(rule, `${line}START`, 'a').should.be.false();
      continues(rule, `${line}xSTART`, 'a').should.be.true();
    });
  });

  describe('hostile lines', function () {
    const megabyteOfSpaces = ' '.repeat(1 << 20);
    const hostile = [
      megabyteOfSpaces,
      `${megabyteOfSpaces}x`,
      'at '.repeat(400000),
      'at at at at'.repeat(100000),
      'a.'.repeat(500000),
      `${'a.'.repeat(500000)}!`,
      `${'a'.repeat(1 << 20)}Exception`,
      '\t'.repeat(1 << 20),
      '1'.repeat(1 << 20),
      '2024-01-0'.repeat(100000),
      `Traceback (most recent call last):${' '.repeat(1 << 20)}`,
      `${'Ab_'.repeat(300000)}: x`,
      '... '.repeat(300000),
      '['.repeat(1 << 20),
    ];
    const previous = ['2024-01-01 10:00:00,000 ERROR x', '  File "a.py", line 1, in f'];

    for (const mode of ['java', 'python', 'indented', 'timestamp', 'custom']) {
      it(`${mode}: decides each in bounded work`, function () {
        const rule = recordRule(mode, mode === 'custom' ? '^(\\s*at)+\\s' : undefined);
        for (const line of hostile) {
          continues(rule, line, previous).should.be.a.Boolean();
          continues(rule, line, previous[0]).should.be.a.Boolean();
          // Inside a traceback, for python.
          rule.continues(line, { lineCount: 3, firstLine: previous[0], lastLine: previous[1], state: 2 }).should.be.a.Boolean();
        }
      });
    }
  });

  it('makes the same records through the RecordJoiner', function () {
    const cases = [
      ['java', 'logback.txt'],
      ['python', 'python.txt'],
      ['indented', 'indented.txt'],
      ['timestamp', 'timestamp.txt'],
    ];
    for (const [mode, file] of cases) {
      const lines = fixtureLines(file);
      const lineEnds = [];
      let offset = 0;
      for (const line of lines) lineEnds.push((offset += Buffer.byteLength(line) + 1));
      const joiner = new RecordJoiner(recordRule(mode), 500, 0);
      const pushed = joiner.push(lines, lineEnds, 0, offset);
      const flushed = joiner.flush();
      const records = [...pushed.records, ...flushed.records];
      records.should.eql(recordsOf(recordRule(mode), lines).map((r) => r.join('\n')), mode);
      flushed.end.should.equal(offset);
    }
  });
});
