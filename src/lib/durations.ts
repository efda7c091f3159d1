/**
 * Timer delays within what Node.js can arm. A delay above 2^31-1 ms (about
 * 24.8 days) is not honoured: Node.js warns (TimeoutOverflowWarning) and
 * fires after 1 ms instead, so a 30-day batch interval would send at once
 * and a huge poll interval would poll every millisecond.
 */

/** The longest delay setTimeout and setInterval honour, in ms. */
export const MAX_TIMER_MS = 2 ** 31 - 1;

export interface Clamped {
  /** The delay to use, in ms: 0 to MAX_TIMER_MS. */
  ms: number;
  /** True when the asked delay was longer than MAX_TIMER_MS. */
  clamped: boolean;
}

/** `ms`, cut to MAX_TIMER_MS, and whether it was cut. Negative or NaN: 0 (the caller validates those). */
export function clampDelay(ms: number): Clamped {
  if (ms > MAX_TIMER_MS) return { ms: MAX_TIMER_MS, clamped: true };
  return { ms: ms >= 0 ? ms : 0, clamped: false };
}

/** A delay that is safe to give setTimeout/setInterval, whatever `ms` is. */
export function timerDelay(ms: number): number {
  return clampDelay(ms).ms;
}

/** Resolves when `promise` does, or after `ms` at the latest; the timer goes either way. */
export async function waitAtMost(promise: Promise<unknown>, ms: number): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<void>((resolve) => {
    timer = setTimeout(resolve, timerDelay(ms));
  });
  try {
    await Promise.race([promise, timeout]);
  } finally {
    clearTimeout(timer);
  }
}
