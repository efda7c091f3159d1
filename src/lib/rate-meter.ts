/**
 * A rate from a running total sampled now and then (lines per second from a
 * line counter): nothing is counted twice and nothing runs between samples,
 * so a meter nobody reads costs nothing.
 */
export class RateMeter {
  private samples: { at: number; total: number }[] = [];

  constructor(
    /** The rate is the average over about this long. */
    private readonly windowMs = 5000,
    /** Samples closer than this to the last one are not kept (several readers polling). */
    private readonly spacingMs = 250,
  ) {}

  /**
   * Records `total` at `now` and returns the rate per second since the
   * oldest sample within the window; undefined when there is none yet (the
   * first look, or the first after a long pause). A total that went down
   * (the counter started again) starts the meter again.
   */
  sample(total: number, now = Date.now()): number | undefined {
    const last = this.samples[this.samples.length - 1];
    if (last && total < last.total) this.samples = [];
    this.samples = this.samples.filter((s) => now - s.at <= this.windowMs);
    const base = this.samples[0];
    const newest = this.samples[this.samples.length - 1];
    if (!newest || now - newest.at >= this.spacingMs) this.samples.push({ at: now, total });
    if (!base || now - base.at <= 0) return undefined;
    return ((total - base.total) * 1000) / (now - base.at);
  }
}
