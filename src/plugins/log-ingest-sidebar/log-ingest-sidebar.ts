/**
 * The runtime side of the editor's "log ingest" sidebar: a Node-RED plugin
 * that serves what the sidebar shows. `GET /log-ingest/sources` (permission
 * `log-ingest.read`) lists every running file-tail and dir-watch node with
 * its followed files, every micro-batch node and every kill switch; the
 * sidebar's buttons use `POST /kill-switch/:id` (`kill-switch.write`,
 * src/nodes/shared/switch-control). `GET /log-ingest/metrics` (the same
 * permission) answers the same counts for Prometheus.
 * Both are made when asked for: nothing runs while nobody looks.
 */
import { PROMETHEUS_CONTENT_TYPE, formatMetrics, type MetricFamily, type MetricSample } from '../../lib/index';
import type { AdminHandler, AdminRequest, AdminResponse, NodeAPI } from '../../nodes/shared/red';
import { runtimeOf } from '../../nodes/shared/runtime';
import type { BatcherRow, SourceTotals, Totals } from '../../nodes/shared/source-registry';

export const PLUGIN_ID = 'log-ingest-sidebar';
export const SOURCES_PATH = '/log-ingest/sources';
export const METRICS_PATH = '/log-ingest/metrics';
export const READ_PERMISSION = 'log-ingest.read';

/** The express response methods the metrics answer needs beyond AdminResponse's. */
interface TextResponse extends AdminResponse {
  set(field: string, value: string): TextResponse;
  send(body: Buffer): void;
}
type TextHandler = (req: AdminRequest, res: TextResponse, next: (err?: unknown) => void) => void;

interface PluginAPI extends Pick<NodeAPI, 'auth' | 'events'> {
  /** The editor's express app, as NodeAPI's, but typed for a text answer too. */
  httpAdmin?: { get(path: string, ...handlers: (AdminHandler | TextHandler)[]): void };
  plugins: { registerPlugin(id: string, definition: Record<string, unknown>): void };
}

export default function register(RED: PluginAPI): void {
  RED.plugins.registerPlugin(PLUGIN_ID, { type: 'log-ingest-sidebar' });
  const app = RED.httpAdmin;
  const runtime = runtimeOf(RED);
  if (!app || !runtime.firstServing('log-ingest-sidebar', app)) return;
  const allowAll: AdminHandler = (_req, _res, next) => next();
  const permission = RED.auth?.needsPermission(READ_PERMISSION) ?? allowAll;
  app.get(SOURCES_PATH, permission, (_req: AdminRequest, res: AdminResponse) => {
    res.json(runtime.sources.listing());
  });
  app.get(METRICS_PATH, permission, (_req: AdminRequest, res: TextResponse) => {
    // A Buffer, so that express keeps the Content-Type as given (a string
    // body would have its parameters rewritten).
    res.set('Content-Type', PROMETHEUS_CONTENT_TYPE).send(Buffer.from(prometheusText(runtime.sources.totals()), 'utf8'));
  });
}

type Counted<Row> = { name: string; help: string; type: MetricFamily['type']; value: (row: Row) => number };

const SOURCE_METRICS: Counted<SourceTotals>[] = [
  {
    name: 'log_ingest_source_lines_read_total',
    help: 'Lines read since the node started, over all its files.',
    type: 'counter',
    value: (s) => s.linesRead,
  },
  {
    name: 'log_ingest_source_lag_bytes',
    help: 'Bytes written and not yet read: file size minus read offset, summed over the followed files and the rotated files still open.',
    type: 'gauge',
    value: (s) => s.lagBytes,
  },
  { name: 'log_ingest_source_files', help: 'Files the node follows (for dir-watch, closed ones included).', type: 'gauge', value: (s) => s.files },
];

const BATCHER_METRICS: Counted<BatcherRow>[] = [
  { name: 'log_ingest_micro_batch_batches_sent_total', help: 'Batches sent (first attempts only).', type: 'counter', value: (b) => b.sent },
  { name: 'log_ingest_micro_batch_records_sent_total', help: 'Records in the batches sent.', type: 'counter', value: (b) => b.sentRecords },
  { name: 'log_ingest_micro_batch_pending_records', help: 'Records waiting in the open batch (and held by a kill switch).', type: 'gauge', value: (b) => b.pending },
];

/** Only for delivery "ack": in next-node mode these stay 0 and would only suggest otherwise. */
const ACK_METRICS: Counted<BatcherRow>[] = [
  { name: 'log_ingest_micro_batch_batches_acked_total', help: 'Batches acknowledged (delivery ack).', type: 'counter', value: (b) => b.acked },
  {
    name: 'log_ingest_micro_batch_attempts_failed_total',
    help: 'Attempts that failed: a failure answer or a timeout (delivery ack).',
    type: 'counter',
    value: (b) => b.failed,
  },
  { name: 'log_ingest_micro_batch_retries_total', help: 'Attempts sent again (delivery ack).', type: 'counter', value: (b) => b.retries },
  {
    name: 'log_ingest_micro_batch_batches_given_up_total',
    help: 'Batches sent on the given-up output after their last retry failed (delivery ack).',
    type: 'counter',
    value: (b) => b.givenUp,
  },
  {
    name: 'log_ingest_micro_batch_batches_in_flight',
    help: 'Batches sent and not yet acknowledged or given up, waiting retries included (delivery ack).',
    type: 'gauge',
    value: (b) => b.inFlight,
  },
  {
    name: 'log_ingest_micro_batch_oldest_unacked_age_seconds',
    help: 'Age of the oldest batch not yet acknowledged; 0 when none (delivery ack).',
    type: 'gauge',
    value: (b) => b.oldestUnackedMs / 1000,
  },
];

function nodeLabels(row: { id: string; type: string; name: string }): Record<string, string> {
  return { id: row.id, type: row.type, name: row.name };
}

function families<Row>(metrics: Counted<Row>[], rows: Row[], labels: (row: Row) => Record<string, string>): MetricFamily[] {
  return metrics.map((metric) => ({
    name: metric.name,
    help: metric.help,
    type: metric.type,
    samples: rows.map((row): MetricSample => ({ labels: labels(row), value: metric.value(row) })),
  }));
}

/** The exposition of the registry's totals: one sample per node in each family. */
export function prometheusText(totals: Totals): string {
  const batcherLabels = (b: BatcherRow) => ({ ...nodeLabels(b), delivery: b.delivery });
  return formatMetrics([
    ...families(SOURCE_METRICS, totals.sources, nodeLabels),
    ...families(BATCHER_METRICS, totals.batchers, batcherLabels),
    ...families(
      ACK_METRICS,
      totals.batchers.filter((b) => b.delivery === 'ack'),
      batcherLabels,
    ),
  ]);
}
