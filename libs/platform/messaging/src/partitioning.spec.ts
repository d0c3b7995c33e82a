import { partitionFor } from './partitioning';

describe('partitioning by key', () => {
  it('always puts one key on the same partition', () => {
    expect(partitionFor('request-42', 3)).toBe(partitionFor('request-42', 3));
  });

  it('spreads many keys over every partition', () => {
    const used = new Set(Array.from({ length: 100 }, (_, n) => partitionFor(`request-${n}`, 3)));
    expect([...used].sort()).toEqual([0, 1, 2]);
  });
});
