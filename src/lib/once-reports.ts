/**
 * A dir-watch's problems and the paths it does not follow, each reported
 * once: every rescan meets them again.
 */

/** Why a path that would match is not followed. */
export type SkipReason = 'symlink' | 'outside' | 'pseudoFs' | 'name';

/** Where the reports go (a DiscoverySink). */
export interface ReportSink {
  /** A part of the tree could not be read. */
  error(err: NodeJS.ErrnoException, where: string): void;
  /** A path that would match is not followed. */
  skipped?(where: string, reason: SkipReason, detail: Record<string, unknown>): void;
}

export class OnceReports {
  private readonly reported = new Set<string>();

  constructor(private readonly sink: ReportSink) {}

  /** Reports an error, once per code and path. */
  error(err: NodeJS.ErrnoException, where: string): void {
    const key = `${err.code}:${where}`;
    if (this.reported.has(key)) return;
    this.reported.add(key);
    this.sink.error(err, where);
  }

  /** Reports, once per path and reason, a path that would match but is not followed. */
  skip(where: string, reason: SkipReason, detail: Record<string, unknown> = {}): void {
    const key = skipKey(where, reason);
    if (this.reported.has(key)) return;
    this.reported.add(key);
    this.sink.skipped?.(where, reason, detail);
  }

  /** True when this path has been reported as not followed for this reason. */
  skipped(where: string, reason: SkipReason): boolean {
    return this.reported.has(skipKey(where, reason));
  }
}

function skipKey(where: string, reason: SkipReason): string {
  return `skip:${reason}:${where}`;
}
