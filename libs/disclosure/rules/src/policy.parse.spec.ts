import { DEFAULT_POLICY } from './disclosure.policy';
import { parsePolicy, PolicyError } from './policy.parse';

describe('parsePolicy', () => {
  it('lays the given keys over the defaults, accepting the project setting minCellCount', () => {
    expect(parsePolicy({ threshold: 5, p: 0.2 })).toEqual({ ...DEFAULT_POLICY, threshold: 5, p: 0.2 });
    expect(parsePolicy({ minCellCount: 20 }).threshold).toBe(20);
    expect(parsePolicy({})).toEqual(DEFAULT_POLICY);
  });

  it.each([
    ['a typo', { treshold: 5 }, /Unknown policy key "treshold"/],
    ['a threshold of zero', { threshold: 0 }, /"threshold" must be a whole number of at least 1/],
    ['a fractional n', { nkN: 2.5 }, /"nkN" must be a whole number/],
    ['k above 1', { nkK: 1.5 }, /"nkK" must be a number above 0 and at most 1/],
    ['a string for a flag', { zerosAreDisclosive: 'yes' }, /true or false/],
    ['an array', [10], /must be a JSON object/],
    ['null', null, /must be a JSON object/],
  ])('refuses %s', (_name, document, message) => {
    expect(() => parsePolicy(document)).toThrow(PolicyError);
    expect(() => parsePolicy(document)).toThrow(message);
  });
});
