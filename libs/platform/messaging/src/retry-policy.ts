/** Capped exponential back-off between redeliveries of a failing message. */
export type RetryPolicy = { initialMs: number; maxMs: number };

export const DEFAULT_RETRY_POLICY: RetryPolicy = { initialMs: 250, maxMs: 30_000 };

/** Delay before retry number `failures` (1 = after the first failure). */
export function backoffDelay(failures: number, { initialMs, maxMs }: RetryPolicy): number {
  return Math.min(maxMs, initialMs * 2 ** Math.max(0, failures - 1));
}

export type TransientRetry = {
  /** Stop retrying once this much time has passed since the first attempt. */
  withinMs: number;
  policy?: RetryPolicy;
  /** Told before each retry, with the error that caused it. */
  onRetry?: (error: unknown, attempt: number, delayMs: number) => void;
  sleep?: (ms: number) => Promise<void>;
  now?: () => number;
};

/**
 * Runs `work` again while it fails with an error the broker marks retriable (kafkajs sets
 * `retriable: true`: no leader yet, a topic not yet in the broker's metadata, a coordinator moving),
 * until `withinMs` has passed. Any other error, and the last retriable one, surface unchanged.
 */
export async function retryTransient<T>(work: () => Promise<T>, options: TransientRetry): Promise<T> {
  const { withinMs, policy = { initialMs: 100, maxMs: 2_000 }, onRetry, sleep = defaultSleep, now = Date.now } = options;
  const started = now();
  for (let attempt = 1; ; attempt += 1) {
    try {
      return await work();
    } catch (error) {
      const delayMs = backoffDelay(attempt, policy);
      if (!isRetriable(error) || now() - started + delayMs > withinMs) throw error;
      onRetry?.(error, attempt, delayMs);
      await sleep(delayMs);
    }
  }
}

export function isRetriable(error: unknown): boolean {
  return typeof error === 'object' && error !== null && (error as { retriable?: unknown }).retriable === true;
}

const defaultSleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));
