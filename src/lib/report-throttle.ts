/**
 * Lets a report through at most once per cause and interval, and counts the
 * ones held back: a hostile or broken sender can cause a problem thousands
 * of times a second, and the log must stay readable (and cheap).
 */
export class ReportThrottle {
  private readonly causes = new Map<string, { shownAt: number; held: number }>();

  constructor(
    private readonly intervalMs = 60_000,
    /** Causes remembered at most (the oldest is forgotten first): causes may come from untrusted input. */
    private readonly maxCauses = 1000,
  ) {}

  /**
   * Whether a report of `cause` is to be shown now, and how many of that
   * cause were held back since the last one shown; undefined when held.
   */
  pass(cause: string, now = Date.now()): { heldBack: number } | undefined {
    const seen = this.causes.get(cause);
    if (seen && now - seen.shownAt < this.intervalMs) {
      seen.held++;
      return undefined;
    }
    const heldBack = seen?.held ?? 0;
    if (seen) this.causes.delete(cause); // to the end: the oldest first out
    else if (this.causes.size >= this.maxCauses) {
      const oldest = this.causes.keys().next();
      if (!oldest.done) this.causes.delete(oldest.value);
    }
    this.causes.set(cause, { shownAt: now, held: 0 });
    return { heldBack };
  }
}
