/** Placeholder until the json format lands: every line fails. */
import type { LineFormat } from './format-types';

export const jsonFormat: LineFormat = {
  name: 'json',
  detect: () => false,
  parse: () => ({ ok: false, error: { message: 'the json format is not built yet', at: 0 } }),
  toEcs: (fields) => ({ ...fields }),
};
