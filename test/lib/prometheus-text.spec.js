'use strict';
// Prometheus text exposition format 0.0.4, what GET /log-ingest/metrics
// answers: checked against the format's grammar, written out here from the
// specification, and against an unescaper of its own.
require('should');
const fc = require('fast-check');
const { PROMETHEUS_CONTENT_TYPE, escapeLabelValue, escapeHelp, formatMetrics, formatValue } = require('../../dist/lib/prometheus-text');

const NAME = '[a-zA-Z_:][a-zA-Z0-9_:]*';
const LABEL_NAME = '[a-zA-Z_][a-zA-Z0-9_]*';
/** Between the quotes: anything but a backslash, a quote or a line feed, or one of the three escapes. */
const LABEL_VALUE = '(?:[^"\\\\\\n]|\\\\[\\\\"n])*';
const LABEL = `${LABEL_NAME}="${LABEL_VALUE}"`;
/** What Go's ParseFloat reads, as the format says a value is. */
const VALUE = '[+-]?(?:\\d+(?:\\.\\d*)?|\\.\\d+)(?:[eE][+-]?\\d+)?|[+-]?Inf|NaN';
const HELP_LINE = new RegExp(`^# HELP (${NAME}) ((?:[^\\\\\\n]|\\\\[\\\\n])*)$`);
const TYPE_LINE = new RegExp(`^# TYPE (${NAME}) (counter|gauge|histogram|summary|untyped)$`);
const SAMPLE_LINE = new RegExp(`^(${NAME})(?:\\{((?:${LABEL})(?:,${LABEL})*,?)?\\})? (${VALUE})(?: -?\\d+)?$`);

/** The escapes undone: `\\n` is a line feed, `\\x` is x. */
function unescape(text) {
  return text.replace(/\\(.)/g, (_, c) => (c === 'n' ? '\n' : c));
}

/** The label pairs of a sample line's `{…}`, values unescaped. */
function labelsOf(inner) {
  const labels = {};
  for (const [, name, value] of (inner || '').matchAll(new RegExp(`(${LABEL_NAME})="(${LABEL_VALUE})"`, 'g'))) labels[name] = unescape(value);
  return labels;
}

/** The exposition's lines, each checked against the grammar; throws on the first that does not match. */
function parse(text) {
  if (text === '') return [];
  text.endsWith('\n').should.be.true('the last line ends with a line feed');
  return text
    .slice(0, -1)
    .split('\n')
    .map((line) => {
      let m = HELP_LINE.exec(line);
      if (m) return { kind: 'help', name: m[1], help: unescape(m[2]) };
      m = TYPE_LINE.exec(line);
      if (m) return { kind: 'type', name: m[1], type: m[2] };
      m = SAMPLE_LINE.exec(line);
      if (m) return { kind: 'sample', name: m[1], labels: labelsOf(m[2]), value: m[3] };
      throw new Error(`not an exposition line: ${JSON.stringify(line)}`);
    });
}

/** What UTF-8 can carry of a JS string (lone surrogates become U+FFFD). */
const wellFormed = (s) => s.toWellFormed();

/** Any string at all: lone surrogates, line feeds, quotes and backslashes included. */
const anyText = fc.oneof(
  fc.string({ unit: 'binary' }),
  fc.array(fc.constantFrom('\\', '"', '\n', '\\n', '\\"', '\r', '}', ',', '=', '#', ' ', 'a', '\ud800', '\udc00', '😀'), { maxLength: 20 }).map((a) => a.join('')),
);
const labelName = fc.stringMatching(/^[a-zA-Z_][a-zA-Z0-9_]{0,10}$/).filter((n) => !n.startsWith('__'));
const metricName = fc.stringMatching(/^[a-zA-Z_:][a-zA-Z0-9_:]{0,20}$/);
const value = fc.oneof(fc.double(), fc.integer(), fc.constantFrom(0, -0, NaN, Infinity, -Infinity, 1e21, 5e-324));
const family = fc.record({
  name: metricName,
  help: anyText,
  type: fc.constantFrom('counter', 'gauge'),
  samples: fc.array(fc.record({ labels: fc.dictionary(labelName, anyText, { maxKeys: 4 }), value }), { maxLength: 4 }),
});

describe('prometheus text', function () {
  it('writes HELP, TYPE and one line per sample, each ended by a line feed', function () {
    const text = formatMetrics([
      {
        name: 'log_ingest_source_lines_read_total',
        help: 'Lines read.',
        type: 'counter',
        samples: [
          { labels: { id: 'a1', type: 'file-tail', name: 'app' }, value: 3 },
          { labels: { id: 'b2', type: 'dir-watch', name: '' }, value: 0 },
        ],
      },
      { name: 'log_ingest_source_files', help: 'Files.', type: 'gauge', samples: [{ labels: {}, value: 1.5 }] },
    ]);
    text.should.equal(
      '# HELP log_ingest_source_lines_read_total Lines read.\n' +
        '# TYPE log_ingest_source_lines_read_total counter\n' +
        'log_ingest_source_lines_read_total{id="a1",type="file-tail",name="app"} 3\n' +
        'log_ingest_source_lines_read_total{id="b2",type="dir-watch",name=""} 0\n' +
        '# HELP log_ingest_source_files Files.\n' +
        '# TYPE log_ingest_source_files gauge\n' +
        'log_ingest_source_files 1.5\n',
    );
    PROMETHEUS_CONTENT_TYPE.should.equal('text/plain; version=0.0.4; charset=utf-8');
  });

  it('escapes backslash, double quote and line feed in label values, and backslash and line feed in HELP', function () {
    escapeLabelValue('a\\b"c\nd\re').should.equal('a\\\\b\\"c\\nd\re');
    escapeHelp('a\\b"c\nd').should.equal('a\\\\b"c\\nd');
    // No UTF-8 form: replaced where it can be seen, not by the encoder.
    escapeLabelValue('x\ud800y').should.equal('x\ufffdy');
  });

  it("spells values as Go's ParseFloat reads them", function () {
    [NaN, Infinity, -Infinity, 0, -0, 42, -1.25, 1e21, 5e-324].map(formatValue).should.eql(['NaN', '+Inf', '-Inf', '0', '0', '42', '-1.25', '1e+21', '5e-324']);
  });

  it('leaves out a family without samples, and refuses bad names and a family given twice', function () {
    formatMetrics([{ name: 'empty', help: 'none', type: 'gauge', samples: [] }]).should.equal('');
    (() => formatMetrics([{ name: 'bad-name', help: '', type: 'gauge', samples: [] }])).should.throw(/invalid Prometheus metric name/);
    (() => formatMetrics([{ name: 'm', help: '', type: 'gauge', samples: [{ labels: { 'node-id': 'x' }, value: 1 }] }])).should.throw(/invalid Prometheus label name/);
    (() => formatMetrics([{ name: 'm', help: '', type: 'gauge', samples: [{ labels: { __name__: 'x' }, value: 1 }] }])).should.throw(/invalid Prometheus label name/);
    const twice = { name: 'm', help: '', type: 'gauge', samples: [] };
    (() => formatMetrics([twice, twice])).should.throw(/given twice/);
  });

  it('round-trips any label value through escaping, in a line the grammar accepts', function () {
    fc.assert(
      fc.property(anyText, anyText, (name, other) => {
        const text = formatMetrics([{ name: 'm_total', help: 'h', type: 'counter', samples: [{ labels: { name, other }, value: 1 }] }]);
        const lines = parse(text);
        lines.should.have.length(3);
        lines[2].labels.should.eql({ name: wellFormed(name), other: wellFormed(other) });
        // Nothing but line feeds ends a line, so a value holding one cannot split its sample.
        text.split('\n').should.have.length(4);
      }),
      { numRuns: 1000 },
    );
  });

  it('writes only lines of the grammar, each family as one block: HELP, TYPE, then its samples', function () {
    fc.assert(
      fc.property(fc.uniqueArray(family, { selector: (f) => f.name, maxLength: 5 }), (families) => {
        const lines = parse(formatMetrics(families));
        const expected = [];
        for (const f of families.filter((f) => f.samples.length > 0)) {
          expected.push({ kind: 'help', name: f.name, help: wellFormed(f.help) }, { kind: 'type', name: f.name, type: f.type });
          for (const s of f.samples) {
            const labels = Object.fromEntries(Object.entries(s.labels).map(([k, v]) => [k, wellFormed(v)]));
            expected.push({ kind: 'sample', name: f.name, labels, value: formatValue(s.value) });
          }
        }
        lines.should.eql(expected);
        // And each value reads back as the number it was (-0 as 0).
        const values = families.flatMap((f) => f.samples.map((s) => s.value));
        const read = lines.filter((l) => l.kind === 'sample').map((l) => Number(l.value.replace('Inf', 'Infinity')));
        read.should.eql(values.map((v) => (v === 0 ? 0 : v)));
      }),
      { numRuns: 300 },
    );
  });
});
