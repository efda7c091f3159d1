/**
 * Whether a message that came back from a destination acknowledges its
 * batch (see the batch-ack node), and if not, why: a short, printable reason.
 */
import { printable } from './printable-text';

export type SuccessRule = 'any' | 'http-2xx';

export interface Verdict {
  ok: boolean;
  /** Why it failed; empty when ok. */
  reason: string;
}

/** Longest reason kept: it goes into the status, the sidebar and the log. */
const MAX_REASON = 200;

/**
 * `any`: every message acknowledges, except one carrying `error` (what a
 * Catch node sends). `http-2xx`: a `statusCode` from 200 to 299 and no
 * `error`; anything else, a connection error's code included, fails.
 */
export function judge(msg: { error?: unknown; statusCode?: unknown }, rule: SuccessRule): Verdict {
  if (msg.error !== undefined && msg.error !== null && msg.error !== false) return { ok: false, reason: errorText(msg.error) };
  if (rule === 'any') return { ok: true, reason: '' };
  const code = msg.statusCode;
  const numeric = typeof code === 'number' ? code : typeof code === 'string' && /^\d{3}$/.test(code) ? Number(code) : undefined;
  if (numeric !== undefined && numeric >= 200 && numeric <= 299) return { ok: true, reason: '' };
  if (numeric !== undefined) return { ok: false, reason: `HTTP ${numeric}` };
  if (code === undefined || code === null || code === '') return { ok: false, reason: 'no msg.statusCode' };
  return { ok: false, reason: cut(String(code)) };
}

function errorText(error: unknown): string {
  if (typeof error === 'object' && error !== null) {
    const { message, code } = error as { message?: unknown; code?: unknown };
    if (typeof message === 'string' && message !== '') return cut(message);
    if (typeof code === 'string' && code !== '') return cut(code);
  }
  if (typeof error === 'string' && error !== '') return cut(error);
  return 'msg.error is set';
}

function cut(text: string): string {
  return printable(text, MAX_REASON) || 'unprintable error';
}
