/**
 * Which lines continue a multiline record: the presets (java, python,
 * indented, timestamp) and a custom start pattern. PLACEHOLDER API: the
 * rules land with their tests.
 */

export type MultilineMode = 'none' | 'java' | 'python' | 'indented' | 'timestamp' | 'custom';
export const MULTILINE_MODES: readonly MultilineMode[] = ['none', 'java', 'python', 'indented', 'timestamp', 'custom'];

/** The record being built, as a rule sees it. */
export interface OpenRecord {
  /** Its lines so far (at least one). */
  readonly lineCount: number;
  readonly firstLine: string;
  readonly lastLine: string;
  /** Free for a rule's own state (python: inside a traceback); reset with each record. */
  state: number;
}

export interface RecordRule {
  /** True when `line` belongs to `record` rather than starting a new one. */
  continues(line: string, record: OpenRecord): boolean;
}

/**
 * The rule for a mode; `start` is the custom mode's pattern (a line that
 * matches it starts a record). Throws an Error naming the problem for a
 * custom pattern that does not compile, or for 'none'.
 */
export function recordRule(mode: Exclude<MultilineMode, 'none'>, start?: string): RecordRule {
  void mode;
  void start;
  return { continues: () => false };
}
