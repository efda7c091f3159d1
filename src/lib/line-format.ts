/**
 * How the lines of a file are laid out: their encoding and delimiter, the
 * longest line kept and what is done with longer ones; and what the splitter
 * reports of input that breaks that layout.
 */

export type LineEncoding = 'utf8' | 'latin1' | 'utf16le';
export type LongLinePolicy = 'cut' | 'skip';

export interface LineSplitterOptions {
  encoding: LineEncoding;
  /** The delimiter as text, e.g. "\n". A CR before a "\n" delimiter is stripped. */
  delimiter: string;
  /** Longest line kept whole, in bytes; 0 for no limit. */
  maxLineBytes: number;
  longLines: LongLinePolicy;
  /** Also report each line's end offset (costs a little per line). */
  trackLineEnds: boolean;
  /** File offset of the first byte that will be pushed. */
  startOffset?: number;
}

/** What the splitter did to bad input, for counters and warnings. */
export interface SplitterEvent {
  kind: 'long-line' | 'nul-skipped';
  /** File offset where the line or the NUL run starts. */
  offset: number;
  /** Bytes of the NUL run, or the limit a long line went over. */
  bytes: number;
  action?: LongLinePolicy;
}

/** Bytes per code unit: lines and delimiters start on multiples of it. */
export function codeUnitBytes(encoding: LineEncoding): number {
  return encoding === 'utf16le' ? 2 : 1;
}

/** True when a proper prefix of the delimiter is also its suffix. */
export function overlapsItself(delimiter: Buffer): boolean {
  for (let k = 1; k < delimiter.length; k++) {
    if (delimiter.subarray(k).equals(delimiter.subarray(0, delimiter.length - k))) return true;
  }
  return false;
}
