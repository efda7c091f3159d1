/**
 * Text a caller supplies (a kill switch reason, a user name) made safe to
 * store, log, show and return: one line of printable characters, of bounded
 * length.
 *
 * A log line is an audit record: a newline in a caller's text would start a
 * forged record of its own, an ANSI escape could recolour or erase what a
 * terminal shows, and a bidi override could make a line read differently
 * from what it holds. So line breaks and tabs become a space, escape
 * sequences and every other control character are dropped, and unpaired
 * surrogates become U+FFFD. Printable text, in any script, is left as it is.
 */

/** Line and paragraph breaks, and tabs: a space keeps the words apart. */
const BREAKS = /\r\n|[\t\n\v\f\r\u0085\u2028\u2029]/g;

/**
 * ANSI escape sequences, whole: CSI (ESC [ or U+009B … final byte), OSC, DCS,
 * SOS, PM and APC strings (ESC ] P X ^ _ … ended by BEL or ST, or at the end),
 * and two- or three-character escapes (ESC, optional intermediate, final).
 */
const ESCAPES =
  /(?:\u001b\[|\u009b)[\u0030-\u003f]*[\u0020-\u002f]*[\u0040-\u007e]?|(?:\u001b[\]PX^_]|[\u0090\u0098\u009d-\u009f])[^\u0007\u001b\u009c]*(?:\u0007|\u001b\\|\u009c)?|\u001b[\u0020-\u002f]?[\u0030-\u007e]?/g;

/**
 * Every other control character: C0, DEL, C1, and the invisible marks and
 * overrides that reorder text (ALM, LRM, RLM, LRE…RLO, LRI…PDI).
 */
const CONTROLS = /[\u0000-\u001f\u007f-\u009f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]/g;

/** A high surrogate with no low one after it, or a low one with no high one before it. */
const LONE_SURROGATES = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g;

/** Longer input is cut before it is cleaned: a note, not a payload, and bounded work. */
const INPUT_LIMIT = 65536;

/** What marks text that was cut to the limit. */
export const ELLIPSIS = '…';

/** Whether `ch` (one code point) is a character `printable` removes or replaces. */
export function isControl(ch: string): boolean {
  return /^[\u0000-\u001f\u007f-\u009f\u061c\u200e\u200f\u202a-\u202e\u2028\u2029\u2066-\u2069]$/.test(ch);
}

/**
 * `text` as one printable line of at most `limit` code points (trimmed; cut
 * ones end in "…"). Anything that is not a string gives "".
 */
export function printable(text: unknown, limit: number): string {
  if (typeof text !== 'string' || limit <= 0) return '';
  const cleaned = text
    .slice(0, INPUT_LIMIT)
    .replace(LONE_SURROGATES, '\ufffd')
    .replace(ESCAPES, '')
    .replace(BREAKS, ' ')
    .replace(CONTROLS, '')
    .trim();
  const chars = Array.from(cleaned);
  if (chars.length <= limit) return cleaned;
  return chars.slice(0, limit - 1).join('').trimEnd() + ELLIPSIS;
}
