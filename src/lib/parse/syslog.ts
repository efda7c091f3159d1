/** Placeholder until the syslog format lands: every line fails. */
import type { LineFormat } from './format-types';

export const syslogFormat: LineFormat = {
  name: 'syslog',
  detect: () => false,
  parse: () => ({ ok: false, error: { message: 'the syslog format is not built yet', at: 0 } }),
  toEcs: (fields) => ({ ...fields }),
};
