/** Placeholder until the logfmt format lands: every line fails. */
import type { LineFormat } from './format-types';

export const logfmtFormat: LineFormat = {
  name: 'logfmt',
  detect: () => false,
  parse: () => ({ ok: false, error: { message: 'the logfmt format is not built yet', at: 0 } }),
  toEcs: (fields) => ({ ...fields }),
};
