/** Placeholder until the regex format lands. */
import type { LineFormat } from './format-types';

/** A format from a regular expression with named groups; throws an Error naming what is wrong with the pattern. */
export function regexFormat(pattern: string): LineFormat {
  void pattern;
  return {
    name: 'regex',
    detect: () => false,
    parse: () => ({ ok: false, error: { message: 'the regex format is not built yet', at: 0 } }),
    toEcs: (fields) => ({ ...fields }),
  };
}
