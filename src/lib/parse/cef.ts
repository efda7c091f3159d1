/** Placeholder until the cef format lands: every line fails. */
import type { LineFormat } from './format-types';

export const cefFormat: LineFormat = {
  name: 'cef',
  detect: () => false,
  parse: () => ({ ok: false, error: { message: 'the cef format is not built yet', at: 0 } }),
  toEcs: (fields) => ({ ...fields }),
};
