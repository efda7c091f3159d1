/**
 * Whether inline reads suit a file, asked once per device for a while.
 */
import { suitsInlineReads } from './inline-reads';

/**
 * suitsInlineReads per device, for a while: the file system of a device does
 * not change under a mounted folder, and a folder of thousands of files would
 * otherwise ask (statfs) once per file. Shared on purpose by every reader of
 * the process: the verdict is the device's, not the file's.
 */
const inlineVerdicts = new Map<number, { verdict: Promise<boolean>; until: number }>();
const INLINE_VERDICT_MS = 60_000;

/** suitsInlineReads for `path`, on device `dev`, as last answered for that device within a minute. */
export function suitsInlineReadsOn(dev: number, path: string): Promise<boolean> {
  const now = Date.now();
  const known = inlineVerdicts.get(dev);
  if (known && known.until > now) return known.verdict;
  const verdict = suitsInlineReads(path);
  inlineVerdicts.set(dev, { verdict, until: now + INLINE_VERDICT_MS });
  return verdict;
}
