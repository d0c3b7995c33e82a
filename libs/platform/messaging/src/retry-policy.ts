/** Capped exponential back-off between redeliveries of a failing message. */
export type RetryPolicy = { initialMs: number; maxMs: number };

export const DEFAULT_RETRY_POLICY: RetryPolicy = { initialMs: 250, maxMs: 30_000 };

/** Delay before retry number `failures` (1 = after the first failure). */
export function backoffDelay(failures: number, { initialMs, maxMs }: RetryPolicy): number {
  return Math.min(maxMs, initialMs * 2 ** Math.max(0, failures - 1));
}
