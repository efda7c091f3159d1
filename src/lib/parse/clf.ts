/** Placeholder until the clf format lands: every line fails. */
import type { LineFormat } from './format-types';

export const clfFormat: LineFormat = {
  name: 'clf',
  detect: () => false,
  parse: () => ({ ok: false, error: { message: 'the clf format is not built yet', at: 0 } }),
  toEcs: (fields) => ({ ...fields }),
};
