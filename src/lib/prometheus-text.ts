/**
 * Metrics as Prometheus text exposition format 0.0.4: what a scraper reads
 * from GET /log-ingest/metrics. Only the format: which metrics there are is
 * the caller's business.
 *
 * https://prometheus.io/docs/instrumenting/exposition_formats/#text-based-format
 */

/** The Content-Type a 0.0.4 answer carries. */
export const PROMETHEUS_CONTENT_TYPE = 'text/plain; version=0.0.4; charset=utf-8';

export type MetricType = 'counter' | 'gauge';

export interface MetricSample {
  /** Label names to values; written in this order. */
  labels: Readonly<Record<string, string>>;
  value: number;
}

export interface MetricFamily {
  /** `[a-zA-Z_:][a-zA-Z0-9_:]*`; a counter's ends in `_total`. */
  name: string;
  help: string;
  type: MetricType;
  samples: readonly MetricSample[];
}

const METRIC_NAME = /^[a-zA-Z_:][a-zA-Z0-9_:]*$/;
/** Names starting with `__` are reserved for Prometheus itself. */
const LABEL_NAME = /^(?!__)[a-zA-Z_][a-zA-Z0-9_]*$/;
const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g;

/**
 * The text as UTF-8 can carry it: a lone surrogate (possible in a JS string,
 * say a node name) has no UTF-8 form, so it becomes U+FFFD here, where it is
 * visible, rather than somewhere in the encoder.
 */
function wellFormed(text: string): string {
  return text.replace(LONE_SURROGATE, '\ufffd');
}

/** A label value as it goes between the double quotes: backslash, double quote and line feed escaped, as the format asks. */
export function escapeLabelValue(value: string): string {
  return wellFormed(value).replace(/[\\"\n]/g, (c) => (c === '\n' ? '\\n' : `\\${c}`));
}

/** A HELP docstring: only backslash and line feed are escaped there. */
export function escapeHelp(help: string): string {
  return wellFormed(help).replace(/[\\\n]/g, (c) => (c === '\n' ? '\\n' : '\\\\'));
}

/** A sample value as Go's ParseFloat reads it (the format's own spelling of the infinities). */
export function formatValue(value: number): string {
  if (Number.isNaN(value)) return 'NaN';
  if (value === Infinity) return '+Inf';
  if (value === -Infinity) return '-Inf';
  return String(value);
}

function formatLabels(labels: Readonly<Record<string, string>>): string {
  const pairs = Object.entries(labels).map(([name, value]) => {
    if (!LABEL_NAME.test(name)) throw new Error(`invalid Prometheus label name: ${JSON.stringify(name)}`);
    return `${name}="${escapeLabelValue(value)}"`;
  });
  return pairs.length === 0 ? '' : `{${pairs.join(',')}}`;
}

/**
 * The exposition of `families`: each family's HELP and TYPE lines, then its
 * samples, every line ended by a line feed. A family without samples is left
 * out, as the client libraries do. Names are the caller's constants, so a
 * bad one throws rather than make an answer a scraper rejects as a whole.
 */
export function formatMetrics(families: readonly MetricFamily[]): string {
  const seen = new Set<string>();
  const lines: string[] = [];
  for (const family of families) {
    if (!METRIC_NAME.test(family.name)) throw new Error(`invalid Prometheus metric name: ${JSON.stringify(family.name)}`);
    // The format allows each family once: a second block would be rejected.
    if (seen.has(family.name)) throw new Error(`Prometheus metric family given twice: ${family.name}`);
    seen.add(family.name);
    if (family.samples.length === 0) continue;
    lines.push(`# HELP ${family.name} ${escapeHelp(family.help)}`, `# TYPE ${family.name} ${family.type}`);
    for (const sample of family.samples) lines.push(`${family.name}${formatLabels(sample.labels)} ${formatValue(sample.value)}`);
  }
  return lines.map((line) => `${line}\n`).join('');
}
