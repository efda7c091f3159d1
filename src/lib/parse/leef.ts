/** Placeholder until the leef format lands: every line fails. */
import type { LineFormat } from './format-types';

export const leefFormat: LineFormat = {
  name: 'leef',
  detect: () => false,
  parse: () => ({ ok: false, error: { message: 'the leef format is not built yet', at: 0 } }),
  toEcs: (fields) => ({ ...fields }),
};
