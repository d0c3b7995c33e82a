import { backoffDelay, retryTransient } from './retry-policy';

describe('redelivery back-off', () => {
  it('doubles after each failure and stops at the cap', () => {
    const policy = { initialMs: 100, maxMs: 1_000 };
    expect([1, 2, 3, 4, 5, 50].map((failures) => backoffDelay(failures, policy))).toEqual([100, 200, 400, 800, 1_000, 1_000]);
  });
});

describe('retrying transient broker errors', () => {
  const retriable = (message: string) => Object.assign(new Error(message), { retriable: true });
  // A clock that only moves when the retry sleeps, so the deadline is exact.
  const clock = () => {
    let time = 0;
    return { now: () => time, sleep: async (ms: number) => void (time += ms), slept: () => time };
  };

  it('tries again after a retriable error and returns the first success', async () => {
    const time = clock();
    const errors = [retriable('This server does not host this topic-partition'), retriable('leader not available')];
    const retries: number[] = [];
    const result = await retryTransient(
      async () => {
        const error = errors.shift();
        if (error) throw error;
        return 'subscribed';
      },
      { withinMs: 60_000, ...time, onRetry: (_error, attempt, delayMs) => retries.push(attempt, delayMs) },
    );
    expect(result).toBe('subscribed');
    expect(retries).toEqual([1, 100, 2, 200]);
    expect(time.slept()).toBe(300);
  });

  it('surfaces an error that is not retriable at once', async () => {
    const time = clock();
    let attempts = 0;
    const denied = Object.assign(new Error('Topic authorization failed'), { retriable: false });
    await expect(
      retryTransient(
        async () => {
          attempts += 1;
          throw denied;
        },
        { withinMs: 60_000, ...time },
      ),
    ).rejects.toBe(denied);
    expect(attempts).toBe(1);
    expect(time.slept()).toBe(0);
  });

  it('gives up with the last error once the next wait would pass the deadline', async () => {
    const time = clock();
    let attempts = 0;
    const last = retriable('still no leader');
    await expect(
      retryTransient(
        async () => {
          attempts += 1;
          throw last;
        },
        { withinMs: 1_000, policy: { initialMs: 100, maxMs: 400 }, ...time },
      ),
    ).rejects.toBe(last);
    // Waits of 100, 200, 400 fit in 1,000 ms (700 in all); the next 400 would not.
    expect(attempts).toBe(4);
    expect(time.slept()).toBe(700);
  });
});
