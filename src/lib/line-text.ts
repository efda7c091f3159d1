/**
 * The line splitter's passes over lines decoded in one piece (its fast
 * path): each is one loop over a chunk's lines, called once per piece.
 */

const NUL = 0;
const CR = 13;

/** True when a line starts with a NUL (a run the careful path skips). */
export function startsWithNul(lines: string[]): boolean {
  for (let i = 0; i < lines.length; i++) {
    if (lines[i].charCodeAt(0) === NUL) return true;
  }
  return false;
}

/** Strips the CR before each line's "\n" delimiter. */
export function stripCarriageReturns(lines: string[]): void {
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i];
    if (line.charCodeAt(line.length - 1) === CR) lines[i] = line.slice(0, -1);
  }
}
