/**
 * What a micro-batch node reports to the sidebar and to the metrics
 * endpoint (see source-registry): its delivery mode and counters, taken at
 * the moment of a listing.
 */
export interface BatcherView {
  delivery: 'next-node' | 'ack';
  /** Records waiting in the open batch (and kept aside while the kill switch holds them). */
  pending: number;
  /** Batches sent (first attempts only). */
  sent: number;
  /** Records sent in those batches. */
  sentRecords: number;
  /** Ack mode: batches sent and not yet acknowledged or given up (waiting retries included). */
  inFlight: number;
  /** Ack mode: batches acknowledged. */
  acked: number;
  /** Ack mode: failed attempts (a failure answer or a timeout). */
  failed: number;
  /** Ack mode: attempts sent again. */
  retries: number;
  /** Ack mode: batches that left on the "given up" output. */
  givenUp: number;
  /** Ack mode: age in ms of the oldest batch not yet acknowledged; 0 when none. */
  oldestUnackedMs: number;
  /** Ack mode: the last failure, if any. */
  lastFailure?: { at: string; reason: string };
  /** Ack mode: when the next retry is due, if one is waiting. */
  nextRetry?: { at: string; attempt: number };
  /** True while its kill switch holds it. */
  held: boolean;
}
