import { backoffDelay } from './retry-policy';

describe('redelivery back-off', () => {
  it('doubles after each failure and stops at the cap', () => {
    const policy = { initialMs: 100, maxMs: 1_000 };
    expect([1, 2, 3, 4, 5, 50].map((failures) => backoffDelay(failures, policy))).toEqual([100, 200, 400, 800, 1_000, 1_000]);
  });
});
